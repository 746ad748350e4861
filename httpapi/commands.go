package httpapi

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// Command is one entry of a station's command log as the API shows it: what was asked, by whom,
// and what the station answered.
type Command struct {
	ID          int64          `json:"id"`
	StationID   string         `json:"stationId"`
	Action      string         `json:"action" doc:"The command, named as its OCPP 2.0.1 action: Reset, UnlockConnector, ChangeAvailability, TriggerMessage, ClearCache, DataTransfer, RequestStartTransaction, RequestStopTransaction, GetBaseReport (a settings refresh), SetVariables (a settings change), SetDisplayMessage, GetDisplayMessages (a display-message query), ClearDisplayMessage, SendLocalList, GetLocalListVersion, ReserveNow, CancelReservation, UpdateFirmware (1.6: UpdateFirmware, or SignedUpdateFirmware when signed) GetLog (1.6: GetDiagnostics for diagnostics), CertificateSigned, InstallCertificate, GetInstalledCertificateIds, DeleteCertificate, GetVariables (a settings read; 1.6: GetConfiguration), GetReport (a refresh of some components), SetVariableMonitoring, ClearVariableMonitoring, SetMonitoringBase, SetMonitoringLevel, GetMonitoringReport, CostUpdated, SetChargingProfile, ClearChargingProfile, GetCompositeSchedule or GetChargingProfiles (a charging-profile query, 2.0.1 only). 1.6 stations have the same names in their log, though they get RemoteStartTransaction, RemoteStopTransaction, GetConfiguration and ChangeConfiguration."`
	Request     jsonObject     `json:"request" doc:"The command as it was asked, version-neutral: the body of the request that sent it."`
	Outcome     string         `json:"outcome" enum:"pending,answered,failed,timeout,offline" doc:"answered: see answer.status; failed: the station answered with an error (see error); timeout: no answer in time; offline: the station was not connected; pending: sent, no answer yet."`
	Answer      *CommandAnswer `json:"answer,omitempty" doc:"The station's answer; present when the outcome is answered."`
	Error       string         `json:"error,omitempty" doc:"Why the command failed, timed out or was not sent; for an error answer it names the OCPP error code."`
	RequestedBy string         `json:"requestedBy" doc:"Who asked: apikey:<id> for an API key, system for Ladda itself."`
	RequestedAt time.Time      `json:"requestedAt"`
	AnsweredAt  *time.Time     `json:"answeredAt,omitempty" doc:"When the outcome was known; absent while pending."`
}

// CommandAnswer is a station's answer to a command, in the same words for every OCPP version.
type CommandAnswer struct {
	Status string `json:"status" doc:"As the station answered: Accepted, Rejected, Scheduled, Unlocked, UnlockFailed, NotSupported, UnknownVendorId, …"`
	Reason string `json:"reason,omitempty" doc:"OCPP 2.0.1 statusInfo reason code, when the station gave one."`
	Data   string `json:"data,omitempty" doc:"DataTransfer: the data the station answered (OCPP 2.0.1 JSON data as its JSON text)."`

	Settings []Setting       `json:"settings,omitempty" doc:"Settings refresh of an OCPP 1.6 station: the values it reported (2.0.1 stations report theirs afterwards)."`
	Unknown  []string        `json:"unknown,omitempty" doc:"Settings refresh of an OCPP 1.6 station: the keys asked for that it does not know."`
	Results  []SettingResult `json:"results,omitempty" doc:"Settings change: the station's answer to each change, in the order asked."`

	ListVersion *int   `json:"listVersion,omitempty" doc:"GetLocalListVersion: the version of the station's local list (0: it has none; -1: a 1.6 station without local list support). Only in the answer to the request, not in the command log."`
	FileName    string `json:"fileName,omitempty" doc:"GetLog: the name of the file the station will upload. Only in the answer to the request, not in the command log."`

	Certificates []CertificateHash `json:"certificates,omitempty" doc:"GetInstalledCertificateIds: the certificates the station has. Only in the answer to the request, not in the command log."`
	Monitors     []MonitorResult   `json:"monitors,omitempty" doc:"SetVariableMonitoring, ClearVariableMonitoring: the station's answer per monitor, in order. Only in the answer to the request, not in the command log."`

	Schedule *CompositeSchedule `json:"schedule,omitempty" doc:"GetCompositeSchedule: the limits the station will apply, all its charging profiles combined, when it answered Accepted. Only in the answer to the request, not in the command log."`
}

// jsonObject is a JSON object passed through as it is.
type jsonObject json.RawMessage

// MarshalJSON writes the object unchanged; an empty one is {}.
func (o jsonObject) MarshalJSON() ([]byte, error) {
	if len(o) == 0 {
		return []byte("{}"), nil
	}
	return o, nil
}

// UnmarshalJSON keeps a copy of the object.
func (o *jsonObject) UnmarshalJSON(b []byte) error {
	*o = append((*o)[:0], b...)
	return nil
}

// Schema describes the field as an object with any properties.
func (jsonObject) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeObject, AdditionalProperties: true}
}

func viewCommand(c *station.CommandRecord) Command {
	v := Command{
		ID:          c.ID,
		StationID:   string(c.StationID),
		Action:      c.Action,
		Request:     jsonObject(c.Request),
		Outcome:     string(c.Outcome),
		Error:       c.Error,
		RequestedBy: c.RequestedBy,
		RequestedAt: c.RequestedAt.UTC(),
		AnsweredAt:  utcPtr(c.AnsweredAt),
	}
	if c.Outcome == station.CommandAnswered {
		a := c.Answer
		v.Answer = &CommandAnswer{Status: a.Status, Reason: a.Reason, Data: a.Data,
			Settings: viewSettings(a.Settings), Unknown: a.Unknown, Results: viewSettingResults(a.Results), ListVersion: a.ListVersion, FileName: a.FileName, Certificates: viewHashes(a.Certificates), Monitors: viewMonitorResults(a.Monitors),
			Schedule: viewCompositeSchedule(a.Schedule)}
	}
	return v
}

type commandOutput struct {
	Body Command
}

// execute sends cmd to station id on behalf of the calling API key and answers with the log
// entry. The station's refusal or error answer is a 200 whose entry says so; not being able to
// ask at all (unknown or offline station, a command its version lacks, no answer) is an error.
func (s *server) execute(ctx context.Context, id string, cmd station.Command) (*commandOutput, error) {
	rec, err := s.stations.Execute(ctx, ladda.StationID(id), cmd, requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	return &commandOutput{Body: viewCommand(rec)}, nil
}

// needsEVSE refuses a connector without its EVSE: connectors are numbered within an EVSE.
func needsEVSE(op string, evseID, connectorID int) error {
	if connectorID > 0 && evseID == 0 {
		return ladda.Errorf(ladda.Invalid, op, "connectorId needs an evseId: connectors are numbered within their EVSE")
	}
	return nil
}

type resetInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body *struct {
		Type   string `json:"type,omitempty" enum:"Soft,Hard" default:"Soft" doc:"Soft lets running transactions end first (2.0.1 OnIdle); Hard restarts now (2.0.1 Immediate)."`
		EVSEID int    `json:"evseId,omitempty" minimum:"0" doc:"Reset only this EVSE (OCPP 2.0.1 only); absent or 0: the whole station."`
	} `nameHint:"ResetRequest" doc:"Optional: no body is a soft reset of the whole station."`
}

// resetStation handles POST /api/v1/stations/{id}/reset: restarts the station or one EVSE.
func (s *server) resetStation(ctx context.Context, in *resetInput) (*commandOutput, error) {
	cmd := station.Reset{Kind: station.ResetSoft}
	if b := in.Body; b != nil {
		if b.Type != "" {
			cmd.Kind = station.ResetKind(b.Type)
		}
		cmd.EVSEID = b.EVSEID
	}
	return s.execute(ctx, in.ID, cmd)
}

type unlockInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		EVSEID      int `json:"evseId" minimum:"1" doc:"The EVSE; for OCPP 1.6 stations, the connector id."`
		ConnectorID int `json:"connectorId" minimum:"1" doc:"The connector within the EVSE; 1 for OCPP 1.6 stations."`
	} `nameHint:"UnlockRequest"`
}

// unlockConnector handles POST /api/v1/stations/{id}/unlock: releases a connector's cable.
func (s *server) unlockConnector(ctx context.Context, in *unlockInput) (*commandOutput, error) {
	return s.execute(ctx, in.ID, station.UnlockConnector{EVSEID: in.Body.EVSEID, ConnectorID: in.Body.ConnectorID})
}

type availabilityInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Operative   bool `json:"operative" doc:"true: available for charging; false: inoperative. A station charging there answers Scheduled and changes after the transaction."`
		EVSEID      int  `json:"evseId,omitempty" minimum:"0" doc:"Only this EVSE (for OCPP 1.6 stations, this connector); absent or 0: the whole station."`
		ConnectorID int  `json:"connectorId,omitempty" minimum:"0" doc:"Only this connector of the EVSE (OCPP 2.0.1); needs evseId."`
	} `nameHint:"AvailabilityRequest"`
}

// changeAvailability handles POST /api/v1/stations/{id}/availability: makes the station, an
// EVSE or a connector operative or inoperative.
func (s *server) changeAvailability(ctx context.Context, in *availabilityInput) (*commandOutput, error) {
	b := in.Body
	if err := needsEVSE("httpapi.changeAvailability", b.EVSEID, b.ConnectorID); err != nil {
		return nil, err
	}
	return s.execute(ctx, in.ID, station.ChangeAvailability{Operative: b.Operative, EVSEID: b.EVSEID, ConnectorID: b.ConnectorID})
}

type triggerInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Message     string `json:"message" enum:"BootNotification,Heartbeat,StatusNotification,MeterValues,FirmwareStatusNotification,DiagnosticsStatusNotification,LogStatusNotification,SignChargePointCertificate,TransactionEvent,SignChargingStationCertificate,SignV2GCertificate,PublishFirmwareStatusNotification,SignCombinedCertificate" doc:"The message to send now, as the station's OCPP version names it. 1.6 only: DiagnosticsStatusNotification, and SignChargePointCertificate (sent, like LogStatusNotification to 1.6 stations, as the security extension's ExtendedTriggerMessage). 2.0.1 only: TransactionEvent, SignChargingStationCertificate, SignV2GCertificate, SignCombinedCertificate, PublishFirmwareStatusNotification. A name the station's version lacks is 422."`
		EVSEID      int    `json:"evseId,omitempty" minimum:"0" doc:"For this EVSE (for OCPP 1.6 stations, this connector); absent or 0: the station."`
		ConnectorID int    `json:"connectorId,omitempty" minimum:"0" doc:"For this connector of the EVSE (OCPP 2.0.1); needs evseId."`
	} `nameHint:"TriggerRequest"`
}

// triggerMessage handles POST /api/v1/stations/{id}/trigger: asks the station to send a message
// now.
func (s *server) triggerMessage(ctx context.Context, in *triggerInput) (*commandOutput, error) {
	b := in.Body
	if err := needsEVSE("httpapi.triggerMessage", b.EVSEID, b.ConnectorID); err != nil {
		return nil, err
	}
	return s.execute(ctx, in.ID, station.TriggerMessage{Message: b.Message, EVSEID: b.EVSEID, ConnectorID: b.ConnectorID})
}

// clearCache handles POST /api/v1/stations/{id}/clear-cache: empties the station's
// authorisation cache.
func (s *server) clearCache(ctx context.Context, in *stationIDInput) (*commandOutput, error) {
	return s.execute(ctx, in.ID, station.ClearCache{})
}

type dataTransferInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		VendorID  string `json:"vendorId" minLength:"1" maxLength:"255" doc:"Identifies the vendor-specific implementation."`
		MessageID string `json:"messageId,omitempty" maxLength:"50"`
		Data      string `json:"data,omitempty" doc:"Free text; for OCPP 2.0.1 stations a string holding valid JSON is sent as that JSON."`
	} `nameHint:"DataTransferRequest"`
}

// dataTransfer handles POST /api/v1/stations/{id}/data-transfer: sends a vendor-specific message.
func (s *server) dataTransfer(ctx context.Context, in *dataTransferInput) (*commandOutput, error) {
	b := in.Body
	return s.execute(ctx, in.ID, station.DataTransfer{VendorID: b.VendorID, MessageID: b.MessageID, Data: b.Data})
}

type listCommandsInput struct {
	ID     string `path:"id" maxLength:"48"`
	Before int64  `query:"before" minimum:"0" doc:"Cursor: the next value of the previous page; only commands older than it."`
	Limit  int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
}

type listCommandsOutput struct {
	Body List[Command]
}

// listCommands handles GET /api/v1/stations/{id}/commands: the station's command log, newest
// first.
func (s *server) listCommands(ctx context.Context, in *listCommandsInput) (*listCommandsOutput, error) {
	limit := limitOf(in.Limit)
	found, err := s.stations.Commands(ctx, station.CommandFilter{StationID: ladda.StationID(in.ID), Before: in.Before, Limit: limit + 1})
	if err != nil {
		return nil, err
	}
	found, next := page(found, limit, func(c *station.CommandRecord) string { return strconv.FormatInt(c.ID, 10) })
	out := &listCommandsOutput{Body: List[Command]{Items: make([]Command, 0, len(found)), Next: next}}
	for _, c := range found {
		out.Body.Items = append(out.Body.Items, viewCommand(c))
	}
	return out, nil
}

// CertificateHash identifies a certificate installed on a station.
type CertificateHash struct {
	Type           string `json:"type,omitempty" doc:"The kind of certificate: V2GRootCertificate, MORootCertificate, CSMSRootCertificate, ManufacturerRootCertificate, V2GCertificateChain."`
	HashAlgorithm  string `json:"hashAlgorithm"`
	IssuerNameHash string `json:"issuerNameHash"`
	IssuerKeyHash  string `json:"issuerKeyHash"`
	SerialNumber   string `json:"serialNumber"`
}

func viewHashes(list []station.CertificateHash) []CertificateHash {
	var out []CertificateHash
	for _, h := range list {
		out = append(out, CertificateHash(h))
	}
	return out
}
