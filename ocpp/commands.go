package ocpp

import (
	"context"
	"encoding/json"
	"slices"
	"strconv"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// Commander implements station.Commander: it turns each version-neutral command into the
// message of the station's OCPP version. Wire it with
// stations.SetCommander(ocpp.NewCommander(gateway, validator, log)).
var _ station.Commander = (*Commander)(nil)

// answer is what every command's response carries, read from the validated answer.
type answer struct {
	Status     string                       `json:"status"`
	StatusInfo *struct{ ReasonCode string } `json:"statusInfo"`
	Data       json.RawMessage              `json:"data"`
	Filename   string                       `json:"filename"`
}

// Execute sends cmd to a station in its OCPP version and returns the answer.
func (c *Commander) Execute(ctx context.Context, id ladda.StationID, cmd station.Command) (station.Answer, error) {
	const op = "ocpp.Execute"
	peer, ok := c.transport.Peer(string(id))
	if !ok {
		return station.Answer{}, offline(op, id)
	}
	version := versionOf(peer.Subprotocol)
	switch x := cmd.(type) {
	case station.GetSettings:
		return c.getSettings(ctx, id, version, x)
	case station.ChangeSettings:
		return c.changeSettings(ctx, id, version, x)
	case station.GetLocalListVersion:
		return c.getLocalListVersion(ctx, id, version)
	case station.UpdateFirmware:
		if version == V16 && x.Signature == "" {
			return c.updateFirmware16(ctx, id, x)
		}
	case station.GetLog:
		if version == V16 && x.Kind == station.LogDiagnostics {
			return c.getDiagnostics16(ctx, id, x)
		}
	case station.GetInstalledCertificateIDs:
		return c.installedCertificates(ctx, id, version, x)
	case station.ReadSettings:
		return c.readSettings(ctx, id, version, x)
	case station.SetMonitors:
		return c.setMonitors(ctx, id, version, x)
	case station.ClearMonitors:
		return c.clearMonitors(ctx, id, version, x)
	case station.GetCompositeSchedule:
		return c.compositeSchedule(ctx, id, version, x)
	}
	action, request, err := message(version, cmd)
	if err != nil {
		return station.Answer{}, &ladda.Error{Kind: ladda.Invalid, Op: op, Message: err.Error()}
	}
	var a answer
	if err := c.Send(ctx, id, action, request, &a); err != nil {
		return station.Answer{}, err
	}
	out := station.Answer{Status: a.Status, FileName: a.Filename}
	if out.Status == "" {
		out.Status = "Accepted" // an answer without a status (CostUpdated): the station took it
	}
	if a.StatusInfo != nil {
		out.Reason = a.StatusInfo.ReasonCode
	}
	if len(a.Data) > 0 {
		var s string
		if json.Unmarshal(a.Data, &s) == nil {
			out.Data = s // 1.6 data is a string
		} else {
			out.Data = string(a.Data) // 2.0.1 data is any JSON
		}
	}
	if action == "DataTransfer" && displayVendor(cmd) != "" && out.Status == "Accepted" {
		// A display message carried in 1.6: the station's word is the 2.0.1 answer inside.
		var inner answer
		if json.Unmarshal([]byte(out.Data), &inner) == nil && inner.Status != "" {
			out.Status = inner.Status
		}
	}
	return out, nil
}

func offline(op string, id ladda.StationID) error {
	return &ladda.Error{Kind: ladda.Conflict, Op: op, Message: "station " + string(id) + " is not connected", Err: station.ErrOffline}
}

// commandError is a command that the station's version cannot express.
type commandError string

func (e commandError) Error() string { return string(e) }

// message builds the OCPP action and request of cmd for version.
func message(version string, cmd station.Command) (string, any, error) {
	isV16 := version == V16
	switch c := cmd.(type) {
	case station.Reset:
		if c.Kind != station.ResetSoft && c.Kind != station.ResetHard {
			return "", nil, commandError("reset type must be Soft or Hard")
		}
		if isV16 {
			if c.EVSEID != 0 {
				return "", nil, commandError("OCPP 1.6 stations reset only as a whole: leave evseId out")
			}
			return "Reset", &v16.ResetRequest{Type: v16.Reset(c.Kind)}, nil
		}
		r := &v201.ResetRequest{Type: v201.ResetOnIdle}
		if c.Kind == station.ResetHard {
			r.Type = v201.ResetImmediate
		}
		if c.EVSEID > 0 {
			r.EVSEID = &c.EVSEID
		}
		return "Reset", r, nil
	case station.UnlockConnector:
		if isV16 {
			if c.ConnectorID > 1 {
				return "", nil, commandError("OCPP 1.6 stations have one connector per EVSE: use connectorId 1")
			}
			return "UnlockConnector", &v16.UnlockConnectorRequest{ConnectorID: c.EVSEID}, nil
		}
		return "UnlockConnector", &v201.UnlockConnectorRequest{EVSEID: c.EVSEID, ConnectorID: c.ConnectorID}, nil
	case station.ChangeAvailability:
		if isV16 {
			if c.ConnectorID > 1 {
				return "", nil, commandError("OCPP 1.6 stations have one connector per EVSE: use connectorId 1")
			}
			r := &v16.ChangeAvailabilityRequest{ConnectorID: c.EVSEID, Type: v16.AvailabilityInoperative}
			if c.Operative {
				r.Type = v16.AvailabilityOperative
			}
			return "ChangeAvailability", r, nil
		}
		r := &v201.ChangeAvailabilityRequest{OperationalStatus: v201.OperationalStatusInoperative}
		if c.Operative {
			r.OperationalStatus = v201.OperationalStatusOperative
		}
		if c.EVSEID > 0 {
			r.EVSE = &v201.EVSE{ID: c.EVSEID}
			if c.ConnectorID > 0 {
				r.EVSE.ConnectorID = &c.ConnectorID
			}
		}
		return "ChangeAvailability", r, nil
	case station.TriggerMessage:
		if isV16 {
			var connector *int
			if c.EVSEID > 0 {
				connector = &c.EVSEID
			}
			// The security extension's ExtendedTriggerMessage knows the messages core lacks.
			if slices.Contains([]string{"LogStatusNotification", "SignChargePointCertificate"}, c.Message) {
				return "ExtendedTriggerMessage", &v16.ExtendedTriggerMessageRequest{RequestedMessage: v16.MessageTriggerEnum(c.Message), ConnectorID: connector}, nil
			}
			return "TriggerMessage", &v16.TriggerMessageRequest{RequestedMessage: v16.MessageTrigger(c.Message), ConnectorID: connector}, nil
		}
		r := &v201.TriggerMessageRequest{RequestedMessage: v201.MessageTrigger(c.Message)}
		if c.EVSEID > 0 {
			r.EVSE = &v201.EVSE{ID: c.EVSEID}
			if c.ConnectorID > 0 {
				r.EVSE.ConnectorID = &c.ConnectorID
			}
		}
		return "TriggerMessage", r, nil
	case station.ClearCache:
		if isV16 {
			return "ClearCache", &v16.ClearCacheRequest{}, nil
		}
		return "ClearCache", &v201.ClearCacheRequest{}, nil
	case station.DataTransfer:
		if isV16 {
			return "DataTransfer", &v16.DataTransferRequest{VendorID: c.VendorID, MessageID: c.MessageID, Data: c.Data}, nil
		}
		r := &v201.DataTransferRequest{VendorID: c.VendorID, MessageID: c.MessageID}
		if c.Data != "" {
			if json.Valid([]byte(c.Data)) {
				r.Data = json.RawMessage(c.Data)
			} else {
				r.Data, _ = json.Marshal(c.Data)
			}
		}
		return "DataTransfer", r, nil
	case station.RequestStart:
		if c.RemoteStartID <= 0 || c.RemoteStartID > 1<<31-1 {
			return "", nil, commandError("remoteStartId must be a positive 32-bit integer")
		}
		if isV16 {
			if len(c.IDToken) > 20 {
				return "", nil, commandError("OCPP 1.6 id tags have at most 20 characters")
			}
			r := &v16.RemoteStartTransactionRequest{IDTag: c.IDToken}
			if c.EVSEID > 0 {
				r.ConnectorID = &c.EVSEID
			}
			if c.Profile != nil {
				if err := checkProfile(c.Profile, true); err != nil {
					return "", nil, err
				}
				r.ChargingProfile = profile16(c.Profile)
			}
			return "RemoteStartTransaction", r, nil
		}
		typ := v201.IDTokenEnumCentral
		if c.TokenType != "" {
			typ = v201.IDTokenEnum(c.TokenType)
		}
		r := &v201.RequestStartTransactionRequest{IDToken: v201.IDToken{IDToken: c.IDToken, Type: typ}, RemoteStartID: int(c.RemoteStartID)}
		if c.EVSEID > 0 {
			r.EVSEID = &c.EVSEID
		}
		if c.Profile != nil {
			if err := checkProfile(c.Profile, false); err != nil {
				return "", nil, err
			}
			r.ChargingProfile = profile201(c.Profile)
		}
		return "RequestStartTransaction", r, nil
	case station.RequestStop:
		if isV16 {
			id, err := strconv.Atoi(c.StationTxID)
			if err != nil {
				return "", nil, commandError("transaction " + c.StationTxID + " has no OCPP 1.6 id")
			}
			return "RemoteStopTransaction", &v16.RemoteStopTransactionRequest{TransactionID: id}, nil
		}
		return "RequestStopTransaction", &v201.RequestStopTransactionRequest{TransactionID: c.StationTxID}, nil
	case station.SendLocalList:
		return sendLocalList(isV16, c)
	case station.SetMonitoringBase, station.SetMonitoringLevel, station.GetMonitoringReport:
		return monitoringCommand(isV16, cmd)
	case station.CostUpdated:
		if isV16 {
			return "", nil, commandError("OCPP 1.6 has no CostUpdated")
		}
		return "CostUpdated", &v201.CostUpdatedRequest{TotalCost: c.TotalCost, TransactionID: c.StationTxID}, nil
	case station.ReserveNow:
		return reserveNow(isV16, c)
	case station.UpdateFirmware:
		return updateFirmware(isV16, c)
	case station.GetLog:
		return getLog(isV16, c)
	case station.CertificateSigned, station.InstallCertificate, station.DeleteCertificate:
		return certificateCommand(isV16, cmd)
	case station.CancelReservation:
		if c.ReservationID <= 0 || c.ReservationID > 1<<31-1 {
			return "", nil, commandError("reservationId must be a positive 32-bit integer")
		}
		if isV16 {
			return "CancelReservation", &v16.CancelReservationRequest{ReservationID: int(c.ReservationID)}, nil
		}
		return "CancelReservation", &v201.CancelReservationRequest{ReservationID: int(c.ReservationID)}, nil
	case station.SetChargingProfile, station.ClearChargingProfile, station.GetChargingProfiles:
		return profileCommand(isV16, cmd)
	case station.SetDisplayMessage, station.GetDisplayMessages, station.ClearDisplayMessage:
		if isV16 {
			return displayTunnel(cmd)
		}
		return displayMessage(cmd)
	}
	return "", nil, commandError("unknown command " + cmd.Action())
}

// displayVendor is the vendorId a display-message command names for 1.6 stations.
func displayVendor(cmd station.Command) string {
	switch c := cmd.(type) {
	case station.SetDisplayMessage:
		return c.VendorID
	case station.GetDisplayMessages:
		return c.VendorID
	case station.ClearDisplayMessage:
		return c.VendorID
	}
	return ""
}

// displayTunnel carries a 2.0.1 display-message command in a 1.6 DataTransfer of the vendor
// the command names (see station.SetDisplayMessage).
func displayTunnel(cmd station.Command) (string, any, error) {
	vendor := displayVendor(cmd)
	if vendor == "" {
		return "", nil, commandError("OCPP 1.6 has no standard display messages: give vendorId to send them as the station's vendor does, in DataTransfer")
	}
	action, req, err := displayMessage(cmd)
	if err != nil {
		return "", nil, err
	}
	data, err := json.Marshal(req)
	if err != nil {
		return "", nil, err
	}
	return "DataTransfer", &v16.DataTransferRequest{VendorID: vendor, MessageID: action, Data: string(data)}, nil
}

// displayMessage builds the 2.0.1 display-message commands.
func displayMessage(cmd station.Command) (string, any, error) {
	switch c := cmd.(type) {
	case station.SetDisplayMessage:
		m := c.Message
		info := v201.MessageInfo{
			ID:            m.ID,
			Priority:      v201.MessagePriority(m.Priority),
			State:         v201.MessageState(m.State),
			StartDateTime: m.StartAt,
			EndDateTime:   m.EndAt,
			TransactionID: m.StationTxID,
			Message:       v201.MessageContent{Format: v201.MessageFormat(m.Format), Language: m.Language, Content: m.Content},
		}
		if m.DisplayEVSEID > 0 {
			info.Display = &v201.Component{Name: "Display", EVSE: &v201.EVSE{ID: m.DisplayEVSEID}}
		}
		return "SetDisplayMessage", &v201.SetDisplayMessageRequest{Message: info}, nil
	case station.GetDisplayMessages:
		return "GetDisplayMessages", &v201.GetDisplayMessagesRequest{ID: c.IDs, RequestID: c.RequestID,
			Priority: v201.MessagePriority(c.Priority), State: v201.MessageState(c.State)}, nil
	case station.ClearDisplayMessage:
		return "ClearDisplayMessage", &v201.ClearDisplayMessageRequest{ID: c.ID}, nil
	}
	return "", nil, commandError("unknown command " + cmd.Action())
}
