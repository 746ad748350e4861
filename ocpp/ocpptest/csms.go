package ocpptest

import (
	"context"
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// Hook sees every CALL from the CSMS before the station handles it, and decides how it is
// answered. It runs on the connection's handler goroutine, one CALL at a time.
type Hook func(ctx context.Context, action string, payload json.RawMessage) Answer

// Answer is a Hook's decision. The zero Answer lets the station answer as it would.
type Answer struct {
	// Delay makes the station wait this long before answering, like a slow station; the
	// CSMS's call may time out meanwhile.
	Delay time.Duration
	// Refuse answers with the action's refusal (status Rejected, or the nearest the action
	// has) and does nothing.
	Refuse bool
	// Error, when set, is sent as a CALLERROR instead of any answer.
	Error *ocppj.Error
}

// remoteChargeLimit bounds a remotely started session that nobody stops: the car is full.
const remoteChargeLimit = 8 * time.Hour

// onCall answers a CALL from the CSMS (gateway.DialOptions.OnCall).
func (s *Station) onCall(ctx context.Context, action string, payload json.RawMessage) (json.RawMessage, *ocppj.Error) {
	var a Answer
	if s.cfg.Hook != nil {
		a = s.cfg.Hook(ctx, action, payload)
	}
	if a.Delay > 0 {
		t := time.NewTimer(a.Delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ocppj.Errorf(ocppj.FaultInternal, "station is going away")
		case <-t.C:
		}
	}
	if a.Error != nil {
		return nil, a.Error
	}
	s.log.Debug("CALL from the CSMS", "action", action, "refuse", a.Refuse)
	var res any
	var cerr *ocppj.Error
	if s.cfg.Version == V16 {
		res, cerr = s.handle16(action, payload, a.Refuse)
	} else {
		res, cerr = s.handle201(action, payload, a.Refuse)
	}
	if cerr != nil {
		return nil, cerr
	}
	out, err := json.Marshal(res)
	if err != nil {
		return nil, ocppj.Errorf(ocppj.FaultInternal, "encoding the answer: %v", err)
	}
	return out, nil
}

// decode reads a typed request, or answers FormatViolation.
func decode[Req any](payload json.RawMessage, f func(req *Req) any) (any, *ocppj.Error) {
	var req Req
	if err := json.Unmarshal(payload, &req); err != nil {
		return nil, ocppj.Errorf(ocppj.FaultFormat, "%v", err)
	}
	return f(&req), nil
}

func (s *Station) handle16(action string, payload json.RawMessage, refuse bool) (any, *ocppj.Error) {
	switch action {
	case "Reset":
		return decode(payload, func(req *v16.ResetRequest) any {
			if refuse {
				return &v16.ResetResponse{Status: v16.ResetStatusRejected}
			}
			reason := v16.ReasonSoftReset
			if req.Type == v16.ResetHard {
				reason = v16.ReasonHardReset
			}
			s.afterAnswer(func(ctx context.Context) { s.reboot(ctx, string(reason)) })
			return &v16.ResetResponse{Status: v16.ResetStatusAccepted}
		})
	case "ChangeAvailability":
		return decode(payload, func(req *v16.ChangeAvailabilityRequest) any {
			if refuse || req.ConnectorID < 0 || req.ConnectorID > s.cfg.Connectors {
				return &v16.ChangeAvailabilityResponse{Status: v16.AvailabilityStatusRejected}
			}
			scheduled := s.changeAvailability(req.ConnectorID, req.Type == v16.AvailabilityInoperative)
			if scheduled {
				return &v16.ChangeAvailabilityResponse{Status: v16.AvailabilityStatusScheduled}
			}
			return &v16.ChangeAvailabilityResponse{Status: v16.AvailabilityStatusAccepted}
		})
	case "GetConfiguration":
		return decode(payload, func(req *v16.GetConfigurationRequest) any { return s.getConfiguration(req, refuse) })
	case "ChangeConfiguration":
		return decode(payload, func(req *v16.ChangeConfigurationRequest) any {
			if strings.Contains(req.Key, "/") { // a 2.0.1 name, not a 1.6 key
				return &v16.ChangeConfigurationResponse{Status: v16.ConfigurationStatusNotSupported}
			}
			return &v16.ChangeConfigurationResponse{Status: v16.ConfigurationStatus(s.set(req.Key, req.Value, refuse))}
		})
	case "TriggerMessage":
		return decode(payload, func(req *v16.TriggerMessageRequest) any {
			return &v16.TriggerMessageResponse{Status: s.trigger16(req, refuse)}
		})
	case "RemoteStartTransaction":
		return decode(payload, func(req *v16.RemoteStartTransactionRequest) any {
			n := 0
			if req.ConnectorID != nil {
				n = *req.ConnectorID
			}
			var profile json.RawMessage
			if p := req.ChargingProfile; p != nil {
				var ok bool
				if profile, ok = remoteProfile(p, string(p.ChargingProfilePurpose), p.TransactionID != nil); !ok {
					return &v16.RemoteStartTransactionResponse{Status: v16.RemoteStartStopStatusRejected}
				}
				if _, err := fromV16(p); err != nil {
					return &v16.RemoteStartTransactionResponse{Status: v16.RemoteStartStopStatusRejected}
				}
			}
			if refuse || !s.remoteStart(n, req.IDTag, nil, profile) {
				return &v16.RemoteStartTransactionResponse{Status: v16.RemoteStartStopStatusRejected}
			}
			return &v16.RemoteStartTransactionResponse{Status: v16.RemoteStartStopStatusAccepted}
		})
	case "RemoteStopTransaction":
		return decode(payload, func(req *v16.RemoteStopTransactionRequest) any {
			if refuse || !s.remoteStop(strconv.Itoa(req.TransactionID)) {
				return &v16.RemoteStopTransactionResponse{Status: v16.RemoteStartStopStatusRejected}
			}
			return &v16.RemoteStopTransactionResponse{Status: v16.RemoteStartStopStatusAccepted}
		})
	case "DataTransfer":
		return decode(payload, func(req *v16.DataTransferRequest) any {
			if s.cfg.DisplayVendorID == "" || req.VendorID != s.cfg.DisplayVendorID {
				return &v16.DataTransferResponse{Status: v16.DataTransferStatusUnknownVendorId}
			}
			return s.displayTunnel(req, refuse)
		})
	case "ClearCache":
		return decode(payload, func(*v16.ClearCacheRequest) any {
			if refuse {
				return &v16.ClearCacheResponse{Status: v16.ClearCacheStatusRejected}
			}
			return &v16.ClearCacheResponse{Status: v16.ClearCacheStatusAccepted}
		})
	case "SendLocalList":
		return decode(payload, func(req *v16.SendLocalListRequest) any {
			entries := make([]listUpdate, 0, len(req.LocalAuthorizationList))
			for _, d := range req.LocalAuthorizationList {
				u := listUpdate{token: d.IDTag}
				if i := d.IDTagInfo; i != nil {
					u.entry = &localEntry{Status: string(i.Status), Expiry: i.ExpiryDate, Parent: i.ParentIDTag}
				}
				entries = append(entries, u)
			}
			status := s.sendLocalList(req.ListVersion, req.UpdateType == v16.UpdateFull, entries, refuse)
			return &v16.SendLocalListResponse{Status: v16.UpdateStatus(status)}
		})
	case "GetLocalListVersion":
		return decode(payload, func(*v16.GetLocalListVersionRequest) any {
			v, _ := s.LocalList()
			return &v16.GetLocalListVersionResponse{ListVersion: v}
		})
	case "ReserveNow":
		return decode(payload, func(req *v16.ReserveNowRequest) any {
			status := s.reserve(reserveRequest{Reservation: Reservation{ID: req.ReservationID, Connector: req.ConnectorID,
				IDTag: req.IDTag, Group: req.ParentIDTag, Expiry: req.ExpiryDate}}, refuse)
			return &v16.ReserveNowResponse{Status: v16.ReservationStatus(status)}
		})
	case "CancelReservation":
		return decode(payload, func(req *v16.CancelReservationRequest) any {
			if !s.cancelReservation(req.ReservationID, refuse) {
				return &v16.CancelReservationResponse{Status: v16.CancelReservationStatusRejected}
			}
			return &v16.CancelReservationResponse{Status: v16.CancelReservationStatusAccepted}
		})
	case "UpdateFirmware":
		return decode(payload, func(req *v16.UpdateFirmwareRequest) any {
			if !refuse { // 1.6 UpdateFirmware cannot be rejected: a refusing station never starts
				s.updateFirmware(firmwareUpdate{kind: firmware16, location: req.Location, retrieve: req.RetrieveDate,
					retries: orZero(req.Retries), retryInterval: seconds(req.RetryInterval)}, false)
			}
			return &v16.UpdateFirmwareResponse{}
		})
	case "SignedUpdateFirmware":
		return decode(payload, func(req *v16.SignedUpdateFirmwareRequest) any {
			f := req.Firmware
			status := s.updateFirmware(firmwareUpdate{kind: signedFirmware16, requestID: req.RequestID, location: f.Location,
				retrieve: f.RetrieveDateTime, install: f.InstallDateTime, retries: orZero(req.Retries),
				retryInterval: seconds(req.RetryInterval), certificate: f.SigningCertificate, signature: f.Signature}, refuse)
			return &v16.SignedUpdateFirmwareResponse{Status: v16.UpdateFirmwareStatus(status)}
		})
	case "GetDiagnostics":
		return decode(payload, func(req *v16.GetDiagnosticsRequest) any {
			_, name := s.uploadLog(logRequest{location: req.Location, oldest: req.StartTime, latest: req.StopTime,
				retries: orZero(req.Retries), retryInterval: seconds(req.RetryInterval)}, refuse)
			return &v16.GetDiagnosticsResponse{FileName: name}
		})
	case "GetLog":
		return decode(payload, func(req *v16.GetLogRequest) any {
			status, name := s.uploadLog(logRequest{getLog: true, logType: string(req.LogType), requestID: req.RequestID,
				location: req.Log.RemoteLocation, oldest: req.Log.OldestTimestamp, latest: req.Log.LatestTimestamp,
				retries: orZero(req.Retries), retryInterval: seconds(req.RetryInterval)}, refuse)
			return &v16.GetLogResponse{Status: v16.LogStatus(status), Filename: name}
		})
	case "ExtendedTriggerMessage":
		return decode(payload, func(req *v16.ExtendedTriggerMessageRequest) any {
			return &v16.ExtendedTriggerMessageResponse{Status: s.extendedTrigger16(req, refuse)}
		})
	case "CertificateSigned":
		return decode(payload, func(req *v16.CertificateSignedRequest) any {
			return &v16.CertificateSignedResponse{Status: v16.CertificateSignedStatus(s.certificateSigned(req.CertificateChain, ChargingStationCertificate, refuse))}
		})
	case "InstallCertificate":
		return decode(payload, func(req *v16.InstallCertificateRequest) any {
			return &v16.InstallCertificateResponse{Status: v16.InstallCertificateStatus(s.installCertificate(string(req.CertificateType), req.Certificate, refuse))}
		})
	case "GetInstalledCertificateIds":
		return decode(payload, func(req *v16.GetInstalledCertificateIDsRequest) any { return s.getInstalled16(req, refuse) })
	case "DeleteCertificate":
		return decode(payload, func(req *v16.DeleteCertificateRequest) any {
			h := req.CertificateHashData
			status := s.deleteCertificate(string(h.HashAlgorithm), h.IssuerNameHash, h.IssuerKeyHash, h.SerialNumber, refuse)
			return &v16.DeleteCertificateResponse{Status: v16.DeleteCertificateStatus(status)}
		})
	case "SetChargingProfile":
		return decode(payload, func(req *v16.SetChargingProfileRequest) any {
			return &v16.SetChargingProfileResponse{Status: s.setChargingProfile16(req, refuse)}
		})
	case "ClearChargingProfile":
		return decode(payload, func(req *v16.ClearChargingProfileRequest) any {
			return &v16.ClearChargingProfileResponse{Status: s.clearChargingProfile16(req, refuse)}
		})
	case "GetCompositeSchedule":
		return decode(payload, func(req *v16.GetCompositeScheduleRequest) any { return s.compositeSchedule16(req, refuse) })
	case "UnlockConnector":
		return decode(payload, func(req *v16.UnlockConnectorRequest) any {
			switch {
			case refuse:
				return &v16.UnlockConnectorResponse{Status: v16.UnlockStatusUnlockFailed}
			case req.ConnectorID < 1 || req.ConnectorID > s.cfg.Connectors:
				return &v16.UnlockConnectorResponse{Status: v16.UnlockStatusNotSupported}
			}
			// 1.6: a transaction on the connector is stopped first (reason UnlockCommand).
			if sess, ok := s.Session(req.ConnectorID); ok {
				s.afterAnswer(func(ctx context.Context) { _ = sess.Stop(ctx, string(v16.ReasonUnlockCommand)) })
			}
			return &v16.UnlockConnectorResponse{Status: v16.UnlockStatusUnlocked}
		})
	}
	return nil, ocppj.Errorf(ocppj.FaultNotImplemented, "the simulated station does not implement %s", action)
}

func (s *Station) handle201(action string, payload json.RawMessage, refuse bool) (any, *ocppj.Error) {
	switch action {
	case "Reset":
		return decode(payload, func(req *v201.ResetRequest) any { return &v201.ResetResponse{Status: s.reset201(req, refuse)} })
	case "ChangeAvailability":
		return decode(payload, func(req *v201.ChangeAvailabilityRequest) any {
			n := 0
			if req.EVSE != nil {
				n = req.EVSE.ID
			}
			if refuse || n < 0 || n > s.cfg.Connectors {
				return &v201.ChangeAvailabilityResponse{Status: v201.ChangeAvailabilityStatusRejected}
			}
			if s.changeAvailability(n, req.OperationalStatus == v201.OperationalStatusInoperative) {
				return &v201.ChangeAvailabilityResponse{Status: v201.ChangeAvailabilityStatusScheduled}
			}
			return &v201.ChangeAvailabilityResponse{Status: v201.ChangeAvailabilityStatusAccepted}
		})
	case "GetVariables":
		return decode(payload, func(req *v201.GetVariablesRequest) any { return s.getVariables(req, refuse) })
	case "GetBaseReport":
		return decode(payload, func(req *v201.GetBaseReportRequest) any {
			if refuse {
				return &v201.GetBaseReportResponse{Status: v201.GenericDeviceModelStatusRejected}
			}
			s.afterAnswer(func(ctx context.Context) { s.notifyReport(ctx, req.RequestID) })
			return &v201.GetBaseReportResponse{Status: v201.GenericDeviceModelStatusAccepted}
		})
	case "SetVariables":
		return decode(payload, func(req *v201.SetVariablesRequest) any { return s.setVariables(req, refuse) })
	case "GetReport":
		return decode(payload, func(req *v201.GetReportRequest) any {
			return &v201.GetReportResponse{Status: s.getReport(req, refuse)}
		})
	case "SetVariableMonitoring":
		return decode(payload, func(req *v201.SetVariableMonitoringRequest) any { return s.setVariableMonitoring(req, refuse) })
	case "ClearVariableMonitoring":
		return decode(payload, func(req *v201.ClearVariableMonitoringRequest) any { return s.clearVariableMonitoring(req, refuse) })
	case "SetMonitoringBase":
		return decode(payload, func(req *v201.SetMonitoringBaseRequest) any {
			return &v201.SetMonitoringBaseResponse{Status: s.setMonitoringBase(req, refuse)}
		})
	case "SetMonitoringLevel":
		return decode(payload, func(req *v201.SetMonitoringLevelRequest) any {
			return &v201.SetMonitoringLevelResponse{Status: s.setMonitoringLevel(req, refuse)}
		})
	case "GetMonitoringReport":
		return decode(payload, func(req *v201.GetMonitoringReportRequest) any {
			return &v201.GetMonitoringReportResponse{Status: s.getMonitoringReport(req, refuse)}
		})
	case "CostUpdated":
		return decode(payload, func(req *v201.CostUpdatedRequest) any {
			s.costUpdated(req.TransactionID, req.TotalCost, refuse)
			return &v201.CostUpdatedResponse{}
		})
	case "TriggerMessage":
		return decode(payload, func(req *v201.TriggerMessageRequest) any {
			return &v201.TriggerMessageResponse{Status: s.trigger201(req, refuse)}
		})
	case "RequestStartTransaction":
		return decode(payload, func(req *v201.RequestStartTransactionRequest) any {
			n := 0
			if req.EVSEID != nil {
				n = *req.EVSEID
			}
			var profile json.RawMessage
			if p := req.ChargingProfile; p != nil {
				var ok bool
				if profile, ok = remoteProfile(p, string(p.ChargingProfilePurpose), p.TransactionID != ""); !ok {
					return &v201.RequestStartTransactionResponse{Status: v201.RequestStartStopStatusRejected}
				}
				if _, err := fromV201(p); err != nil {
					return &v201.RequestStartTransactionResponse{Status: v201.RequestStartStopStatusRejected, StatusInfo: statusInfo201(err)}
				}
			}
			id := req.RemoteStartID
			if refuse || !s.remoteStart(n, req.IDToken.IDToken, &id, profile) {
				return &v201.RequestStartTransactionResponse{Status: v201.RequestStartStopStatusRejected}
			}
			return &v201.RequestStartTransactionResponse{Status: v201.RequestStartStopStatusAccepted}
		})
	case "RequestStopTransaction":
		return decode(payload, func(req *v201.RequestStopTransactionRequest) any {
			if refuse || !s.remoteStop(req.TransactionID) {
				return &v201.RequestStopTransactionResponse{Status: v201.RequestStartStopStatusRejected}
			}
			return &v201.RequestStopTransactionResponse{Status: v201.RequestStartStopStatusAccepted}
		})
	case "DataTransfer":
		return decode(payload, func(*v201.DataTransferRequest) any {
			return &v201.DataTransferResponse{Status: v201.DataTransferStatusUnknownVendorId}
		})
	case "ClearCache":
		return decode(payload, func(*v201.ClearCacheRequest) any {
			if refuse {
				return &v201.ClearCacheResponse{Status: v201.ClearCacheStatusRejected}
			}
			return &v201.ClearCacheResponse{Status: v201.ClearCacheStatusAccepted}
		})
	case "SetDisplayMessage":
		return decode(payload, func(req *v201.SetDisplayMessageRequest) any {
			return &v201.SetDisplayMessageResponse{Status: s.setDisplayMessage(req.Message, refuse)}
		})
	case "GetDisplayMessages":
		return decode(payload, func(req *v201.GetDisplayMessagesRequest) any {
			return &v201.GetDisplayMessagesResponse{Status: s.getDisplayMessages(req, refuse)}
		})
	case "ClearDisplayMessage":
		return decode(payload, func(req *v201.ClearDisplayMessageRequest) any {
			return &v201.ClearDisplayMessageResponse{Status: s.clearDisplayMessage(req.ID, refuse)}
		})
	case "SendLocalList":
		return decode(payload, func(req *v201.SendLocalListRequest) any {
			entries := make([]listUpdate, 0, len(req.LocalAuthorizationList))
			for _, d := range req.LocalAuthorizationList {
				u := listUpdate{token: d.IDToken.IDToken}
				if i := d.IDTokenInfo; i != nil {
					u.entry = &localEntry{Status: string(i.Status), Expiry: i.CacheExpiryDateTime}
					if i.GroupIDToken != nil {
						u.entry.Parent = i.GroupIDToken.IDToken
					}
				}
				entries = append(entries, u)
			}
			status := s.sendLocalList(req.VersionNumber, req.UpdateType == v201.UpdateFull, entries, refuse)
			return &v201.SendLocalListResponse{Status: v201.SendLocalListStatus(status)}
		})
	case "GetLocalListVersion":
		return decode(payload, func(*v201.GetLocalListVersionRequest) any {
			v, _ := s.LocalList()
			return &v201.GetLocalListVersionResponse{VersionNumber: v}
		})
	case "ReserveNow":
		return decode(payload, func(req *v201.ReserveNowRequest) any {
			r := reserveRequest{Reservation: Reservation{ID: req.ID, IDTag: req.IDToken.IDToken, Expiry: req.ExpiryDateTime},
				connectorType: string(req.ConnectorType)}
			if req.EVSEID != nil {
				r.Connector = *req.EVSEID
				if r.Connector == 0 { // EVSE 0 is the station itself: it cannot be reserved as an EVSE
					r.Connector = -1
				}
			}
			if req.GroupIDToken != nil {
				r.Group = req.GroupIDToken.IDToken
			}
			return &v201.ReserveNowResponse{Status: v201.ReserveNowStatus(s.reserve(r, refuse))}
		})
	case "CancelReservation":
		return decode(payload, func(req *v201.CancelReservationRequest) any {
			if !s.cancelReservation(req.ReservationID, refuse) {
				return &v201.CancelReservationResponse{Status: v201.CancelReservationStatusRejected}
			}
			return &v201.CancelReservationResponse{Status: v201.CancelReservationStatusAccepted}
		})
	case "UpdateFirmware":
		return decode(payload, func(req *v201.UpdateFirmwareRequest) any {
			f := req.Firmware
			status := s.updateFirmware(firmwareUpdate{kind: firmware201, requestID: req.RequestID, location: f.Location,
				retrieve: f.RetrieveDateTime, install: f.InstallDateTime, retries: orZero(req.Retries),
				retryInterval: seconds(req.RetryInterval), certificate: f.SigningCertificate, signature: f.Signature}, refuse)
			return &v201.UpdateFirmwareResponse{Status: v201.UpdateFirmwareStatus(status)}
		})
	case "GetLog":
		return decode(payload, func(req *v201.GetLogRequest) any {
			status, name := s.uploadLog(logRequest{getLog: true, logType: string(req.LogType), requestID: req.RequestID,
				location: req.Log.RemoteLocation, oldest: req.Log.OldestTimestamp, latest: req.Log.LatestTimestamp,
				retries: orZero(req.Retries), retryInterval: seconds(req.RetryInterval)}, refuse)
			return &v201.GetLogResponse{Status: v201.LogStatus(status), Filename: name}
		})
	case "CertificateSigned":
		return decode(payload, func(req *v201.CertificateSignedRequest) any {
			return &v201.CertificateSignedResponse{Status: v201.CertificateSignedStatus(s.certificateSigned(req.CertificateChain, string(req.CertificateType), refuse))}
		})
	case "InstallCertificate":
		return decode(payload, func(req *v201.InstallCertificateRequest) any {
			return &v201.InstallCertificateResponse{Status: v201.InstallCertificateStatus(s.installCertificate(string(req.CertificateType), req.Certificate, refuse))}
		})
	case "GetInstalledCertificateIds":
		return decode(payload, func(req *v201.GetInstalledCertificateIDsRequest) any { return s.getInstalled201(req, refuse) })
	case "DeleteCertificate":
		return decode(payload, func(req *v201.DeleteCertificateRequest) any {
			h := req.CertificateHashData
			status := s.deleteCertificate(string(h.HashAlgorithm), h.IssuerNameHash, h.IssuerKeyHash, h.SerialNumber, refuse)
			return &v201.DeleteCertificateResponse{Status: v201.DeleteCertificateStatus(status)}
		})
	case "SetChargingProfile":
		return decode(payload, func(req *v201.SetChargingProfileRequest) any { return s.setChargingProfile201(req, refuse) })
	case "ClearChargingProfile":
		return decode(payload, func(req *v201.ClearChargingProfileRequest) any {
			return &v201.ClearChargingProfileResponse{Status: s.clearChargingProfile201(req, refuse)}
		})
	case "GetCompositeSchedule":
		return decode(payload, func(req *v201.GetCompositeScheduleRequest) any { return s.compositeSchedule201(req, refuse) })
	case "GetChargingProfiles":
		return decode(payload, func(req *v201.GetChargingProfilesRequest) any {
			return &v201.GetChargingProfilesResponse{Status: s.getChargingProfiles(req, refuse)}
		})
	case "UnlockConnector":
		return decode(payload, func(req *v201.UnlockConnectorRequest) any {
			switch {
			case refuse:
				return &v201.UnlockConnectorResponse{Status: v201.UnlockStatusUnlockFailed}
			case req.EVSEID < 1 || req.EVSEID > s.cfg.Connectors || req.ConnectorID != 1:
				return &v201.UnlockConnectorResponse{Status: v201.UnlockStatusUnknownConnector}
			}
			if _, ok := s.Session(req.EVSEID); ok {
				// 2.0.1 F05: a connector in an authorised transaction is not unlocked.
				return &v201.UnlockConnectorResponse{Status: v201.UnlockStatusOngoingAuthorizedTransaction}
			}
			return &v201.UnlockConnectorResponse{Status: v201.UnlockStatusUnlocked}
		})
	}
	return nil, ocppj.Errorf(ocppj.FaultNotImplemented, "the simulated station does not implement %s", action)
}

// orZero returns *p, or 0 when p is nil (an optional integer left out).
func orZero(p *int) int {
	if p == nil {
		return 0
	}
	return *p
}

// seconds returns the optional number of seconds *p as a duration; 0 when left out.
func seconds(p *int) time.Duration { return time.Duration(orZero(p)) * time.Second }

// reboot does what a reset does: stop every session with reason, drop the connection, and
// come up again (boot reason RemoteReset in 2.0.1).
func (s *Station) reboot(ctx context.Context, reason string) {
	for _, sess := range s.sessions() {
		if err := sess.Stop(ctx, reason); err != nil {
			s.log.Debug("reset: stopping a session failed", "transaction", sess.TransactionID, "err", err)
		}
	}
	_ = s.Disconnect()
	s.mu.Lock()
	s.bootReason = v201.BootReasonRemoteReset
	s.mu.Unlock()
	upCtx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	if err := s.Up(upCtx); err != nil {
		s.log.Debug("reset: coming up again failed", "err", err)
	}
}

func (s *Station) reset201(req *v201.ResetRequest, refuse bool) v201.ResetStatus {
	if refuse || req.EVSEID != nil { // resetting a single EVSE is not something this station can do
		return v201.ResetStatusRejected
	}
	reason := string(v201.ReasonImmediateReset)
	if req.Type == v201.ResetOnIdle {
		s.mu.Lock()
		busy := s.activeLocked() > 0
		if busy {
			s.resetAfter = reason
		}
		s.mu.Unlock()
		if busy {
			return v201.ResetStatusScheduled
		}
	}
	s.afterAnswer(func(ctx context.Context) { s.reboot(ctx, reason) })
	return v201.ResetStatusAccepted
}

// changeAvailability sets connector n (0: all) Inoperative or Operative and reports the new
// status after the answer. A connector with a session becomes Inoperative when it ends; the
// result then is true (Scheduled).
func (s *Station) changeAvailability(n int, inoperative bool) (scheduled bool) {
	var report []int
	s.mu.Lock()
	for i, c := range s.connectors {
		if n != 0 && i != n-1 {
			continue
		}
		switch {
		case inoperative && c.session != nil:
			c.scheduled, scheduled = true, true
		case inoperative:
			c.inoperative = true
			report = append(report, i+1)
		default:
			c.inoperative, c.scheduled = false, false
			if c.session == nil {
				report = append(report, i+1)
			}
		}
	}
	s.mu.Unlock()
	if len(report) > 0 {
		s.afterAnswer(func(ctx context.Context) {
			for _, id := range report {
				if err := s.StatusNotification(ctx, id, s.idleStatus(id)); err != nil {
					s.log.Debug("availability: status report failed", "err", err)
				}
			}
		})
	}
	return scheduled
}

func (s *Station) getConfiguration(req *v16.GetConfigurationRequest, refuse bool) *v16.GetConfigurationResponse {
	out := &v16.GetConfigurationResponse{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(req.Key) == 0 && !refuse {
		for _, st := range s.settings {
			if st.key != "" {
				out.ConfigurationKey = append(out.ConfigurationKey, v16.KeyValue{Key: st.key, Readonly: st.readonly, Value: st.value})
			}
		}
		return out
	}
	for _, k := range req.Key {
		if st := s.findLocked(k); st != nil && st.key != "" && !refuse {
			out.ConfigurationKey = append(out.ConfigurationKey, v16.KeyValue{Key: st.key, Readonly: st.readonly, Value: st.value})
		} else {
			out.UnknownKey = append(out.UnknownKey, k)
		}
	}
	return out
}

// set changes a setting by its 1.6 key or 2.0.1 "Component/Variable" name and returns the
// outcome in the words both versions share: Accepted, Rejected, or NotSupported (unknown).
func (s *Station) set(name, value string, refuse bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.findLocked(name)
	switch {
	case st == nil:
		return "NotSupported"
	case refuse || st.readonly || !st.valid(value):
		return "Rejected"
	}
	st.value = value
	return "Accepted"
}

// variableStatus tells whether the station has a 2.0.1 component and variable with the
// attribute: Accepted, UnknownComponent, UnknownVariable or NotSupportedAttributeType (the
// station's variables have only the Actual attribute).
func (s *Station) variableStatus(c v201.Component, v v201.Variable, attr v201.Attribute) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	st, status := s.variableLocked(c, v)
	if st != nil && attr != "" && attr != v201.AttributeActual {
		return "NotSupportedAttributeType"
	}
	return status
}

// getVariables answers a GetVariables (2.0.1 B06) item by item, in order: Accepted with the
// value, UnknownComponent, UnknownVariable or NotSupportedAttributeType; every item Rejected
// when refused.
func (s *Station) getVariables(req *v201.GetVariablesRequest, refuse bool) *v201.GetVariablesResponse {
	out := &v201.GetVariablesResponse{GetVariableResult: []v201.GetVariableResult{}}
	for _, d := range req.GetVariableData {
		r := v201.GetVariableResult{AttributeType: d.AttributeType, Component: d.Component, Variable: d.Variable}
		status := "Rejected"
		if !refuse {
			status = s.variableStatus(d.Component, d.Variable, d.AttributeType)
		}
		r.AttributeStatus = v201.GetVariableStatus(status)
		if status == "Accepted" {
			r.AttributeValue, _ = s.Setting(d.Component.Name + "/" + d.Variable.Name)
		}
		out.GetVariableResult = append(out.GetVariableResult, r)
	}
	return out
}

func (s *Station) setVariables(req *v201.SetVariablesRequest, refuse bool) *v201.SetVariablesResponse {
	out := &v201.SetVariablesResponse{SetVariableResult: []v201.SetVariableResult{}}
	for _, d := range req.SetVariableData {
		r := v201.SetVariableResult{AttributeType: d.AttributeType, Component: d.Component, Variable: d.Variable}
		status := s.variableStatus(d.Component, d.Variable, d.AttributeType)
		if status == "Accepted" {
			status = s.set(d.Component.Name+"/"+d.Variable.Name, d.AttributeValue, refuse)
		}
		r.AttributeStatus = v201.SetVariableStatus(status)
		out.SetVariableResult = append(out.SetVariableResult, r)
	}
	return out
}

// connectorsFor returns connector n, or all when n is 0.
func (s *Station) connectorsFor(n int) []int {
	if n != 0 {
		return []int{n}
	}
	all := make([]int, s.cfg.Connectors)
	for i := range all {
		all[i] = i + 1
	}
	return all
}

func (s *Station) trigger16(req *v16.TriggerMessageRequest, refuse bool) v16.TriggerMessageStatus {
	n := 0
	if req.ConnectorID != nil {
		n = *req.ConnectorID
	}
	if refuse || n < 0 || n > s.cfg.Connectors {
		return v16.TriggerMessageStatusRejected
	}
	var send func(ctx context.Context) error
	switch req.RequestedMessage {
	case v16.MessageTriggerBootNotification:
		send = func(ctx context.Context) error { _, err := s.BootOnce(ctx); return err }
	case v16.MessageTriggerHeartbeat:
		send = func(ctx context.Context) error { _, err := s.Heartbeat(ctx); return err }
	case v16.MessageTriggerStatusNotification:
		send = func(ctx context.Context) error {
			if req.ConnectorID != nil && n == 0 {
				return s.StatusNotification(ctx, 0, StatusAvailable)
			}
			for _, id := range s.connectorsFor(n) {
				st, _ := s.Status(id)
				if err := s.StatusNotification(ctx, id, st); err != nil {
					return err
				}
			}
			return nil
		}
	case v16.MessageTriggerMeterValues:
		send = func(ctx context.Context) error { return s.meterNow(ctx, n) }
	case v16.MessageTriggerDiagnosticsStatusNotification:
		send = func(ctx context.Context) error {
			status, _ := s.logNow("GetDiagnostics")
			return s.call(ctx, "DiagnosticsStatusNotification", &v16.DiagnosticsStatusNotificationRequest{Status: v16.DiagnosticsStatus(status)}, nil)
		}
	case v16.MessageTriggerFirmwareStatusNotification:
		send = func(ctx context.Context) error {
			status, _ := s.firmwareNow()
			return s.call(ctx, "FirmwareStatusNotification", &v16.FirmwareStatusNotificationRequest{Status: v16.FirmwareStatus(status)}, nil)
		}
	default:
		return v16.TriggerMessageStatusNotImplemented
	}
	s.afterAnswer(func(ctx context.Context) {
		if err := send(ctx); err != nil {
			s.log.Debug("triggered message failed", "message", req.RequestedMessage, "err", err)
		}
	})
	return v16.TriggerMessageStatusAccepted
}

func (s *Station) trigger201(req *v201.TriggerMessageRequest, refuse bool) v201.TriggerMessageStatus {
	n := 0
	if req.EVSE != nil {
		n = req.EVSE.ID
	}
	if refuse || n < 0 || n > s.cfg.Connectors {
		return v201.TriggerMessageStatusRejected
	}
	var send func(ctx context.Context) error
	switch req.RequestedMessage {
	case v201.MessageTriggerBootNotification:
		s.mu.Lock()
		s.bootReason = v201.BootReasonTriggered
		s.mu.Unlock()
		send = func(ctx context.Context) error { _, err := s.BootOnce(ctx); return err }
	case v201.MessageTriggerHeartbeat:
		send = func(ctx context.Context) error { _, err := s.Heartbeat(ctx); return err }
	case v201.MessageTriggerStatusNotification:
		send = func(ctx context.Context) error {
			for _, id := range s.connectorsFor(n) {
				st, _ := s.Status(id)
				if err := s.StatusNotification(ctx, id, st); err != nil {
					return err
				}
			}
			return nil
		}
	case v201.MessageTriggerMeterValues:
		send = func(ctx context.Context) error { return s.meterNow(ctx, n) }
	case v201.MessageTriggerTransactionEvent:
		var sessions []*Session
		for _, sess := range s.sessions() {
			if n == 0 || sess.Connector == n {
				sessions = append(sessions, sess)
			}
		}
		if len(sessions) == 0 {
			return v201.TriggerMessageStatusRejected
		}
		send = func(ctx context.Context) error {
			for _, sess := range sessions {
				if err := sess.report(ctx, sess.EnergyWh(), true); err != nil {
					return err
				}
			}
			return nil
		}
	case v201.MessageTriggerFirmwareStatusNotification:
		send = func(ctx context.Context) error {
			status, id := s.firmwareNow()
			return s.call(ctx, "FirmwareStatusNotification", &v201.FirmwareStatusNotificationRequest{Status: v201.FirmwareStatus(status), RequestID: id}, nil)
		}
	case v201.MessageTriggerLogStatusNotification:
		send = func(ctx context.Context) error {
			status, id := s.logNow("GetLog")
			return s.call(ctx, "LogStatusNotification", &v201.LogStatusNotificationRequest{Status: v201.UploadLogStatus(status), RequestID: id}, nil)
		}
	case v201.MessageTriggerSignChargingStationCertificate:
		s.requestAfterAnswer(ChargingStationCertificate)
		return v201.TriggerMessageStatusAccepted
	case v201.MessageTriggerSignV2GCertificate:
		s.requestAfterAnswer(V2GCertificate)
		return v201.TriggerMessageStatusAccepted
	default:
		return v201.TriggerMessageStatusNotImplemented
	}
	s.afterAnswer(func(ctx context.Context) {
		if err := send(ctx); err != nil {
			s.log.Debug("triggered message failed", "message", req.RequestedMessage, "err", err)
		}
	})
	return v201.TriggerMessageStatusAccepted
}

// meterNow sends the register of connector n (0: all) with context Trigger: within the
// session's transaction when it has one.
func (s *Station) meterNow(ctx context.Context, n int) error {
	for _, id := range s.connectorsFor(n) {
		if sess, ok := s.Session(id); ok {
			if err := sess.report(ctx, sess.EnergyWh(), true); err != nil {
				return err
			}
			continue
		}
		now, reg := s.now(), s.register(id)
		var err error
		if s.cfg.Version == V16 {
			err = s.call(ctx, "MeterValues", &v16.MeterValuesRequest{
				ConnectorID: id,
				MeterValue:  []v16.MeterValue{meterValue16(now, reg, 0, v16.ReadingContextTrigger)},
			}, nil)
		} else {
			err = s.call(ctx, "MeterValues", &v201.MeterValuesRequest{
				EVSEID:     id,
				MeterValue: []v201.MeterValue{meterValue201(now, reg, 0, v201.ReadingContextTrigger)},
			}, nil)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// remoteStart accepts a remote start on connector n (0: the first free one) and starts the
// session after the answer, with the charging profile (nil: none), which it installs as the
// transaction's TxProfile; the car (Config.Car, or Session.Charge's) then charges until
// stopped. It reports false when no connector can take it, counting a connector reserved for
// another token as taken.
func (s *Station) remoteStart(n int, tag string, remoteStartID *int, profile json.RawMessage) bool {
	if n < 0 || n > s.cfg.Connectors {
		return false
	}
	s.mu.Lock()
	chosen := 0
	for _, id := range s.connectorsFor(n) {
		if c := s.connectors[id-1]; c.session == nil && !c.inoperative {
			if _, err := s.reservationForLocked(id, tag); err == nil {
				chosen = id
				break
			}
		}
	}
	authorize := false
	if st := s.findLocked("AuthorizeRemoteTxRequests"); st != nil {
		authorize = st.value == "true"
	}
	s.mu.Unlock()
	if chosen == 0 {
		return false
	}
	s.afterAnswer(func(ctx context.Context) {
		sess, err := s.startSession(ctx, chosen, tag, startOptions{authorize: authorize, remote: true, remoteStartID: remoteStartID, profile: profile})
		if err != nil {
			s.log.Debug("remote start failed", "connector", chosen, "err", err)
			return
		}
		if s.cfg.Car != nil {
			if err := sess.Drive(ctx, *s.cfg.Car); err != nil {
				s.log.Debug("the remotely started car stopped charging", "connector", chosen, "err", err)
			}
			return
		}
		if err := sess.Charge(ctx, remoteChargeLimit); err != nil {
			return // the station is closing
		}
		select {
		case <-sess.Done():
		default:
			_ = sess.Stop(ctx, string(v16.ReasonEVDisconnected))
		}
	})
	return true
}

// remoteStop accepts a remote stop of a transaction this station runs and stops it after the
// answer; false when there is no such transaction.
func (s *Station) remoteStop(transactionID string) bool {
	for _, sess := range s.sessions() {
		if sess.TransactionID == transactionID {
			s.afterAnswer(func(ctx context.Context) {
				if err := sess.Stop(ctx, string(v16.ReasonRemote)); err != nil {
					s.log.Debug("remote stop failed", "transaction", transactionID, "err", err)
				}
			})
			return true
		}
	}
	return false
}

// notifyReport sends the station's device model in one NotifyReport, as a station does after
// accepting GetBaseReport.
func (s *Station) notifyReport(ctx context.Context, requestID int) {
	s.mu.Lock()
	data := s.reportDataLocked(nil)
	s.mu.Unlock()
	s.sendReport(ctx, requestID, data)
}

// DisplayMessages returns the messages the station shows (2.0.1 SetDisplayMessage), by id.
func (s *Station) DisplayMessages() []v201.MessageInfo {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]v201.MessageInfo, 0, len(s.displays))
	for _, id := range slices.Sorted(maps.Keys(s.displays)) {
		out = append(out, s.displays[id])
	}
	return out
}

// setDisplayMessage shows m, replacing a message of the same id (2.0.1 O01/O02). The station
// refuses a priority, state or format it does not know, and a transaction it does not run.
func (s *Station) setDisplayMessage(m v201.MessageInfo, refuse bool) v201.DisplayMessageStatus {
	switch {
	case refuse:
		return v201.DisplayMessageStatusRejected
	case m.Priority != v201.MessagePriorityAlwaysFront && m.Priority != v201.MessagePriorityInFront &&
		m.Priority != v201.MessagePriorityNormalCycle:
		return v201.DisplayMessageStatusNotSupportedPriority
	case m.State != "" && m.State != v201.MessageStateCharging && m.State != v201.MessageStateFaulted &&
		m.State != v201.MessageStateIdle && m.State != v201.MessageStateUnavailable:
		return v201.DisplayMessageStatusNotSupportedState
	case m.Message.Format != v201.MessageFormatASCII && m.Message.Format != v201.MessageFormatHTML &&
		m.Message.Format != v201.MessageFormatURI && m.Message.Format != v201.MessageFormatUTF8:
		return v201.DisplayMessageStatusNotSupportedMessageFormat
	case m.TransactionID != "" && !s.runs(m.TransactionID):
		return v201.DisplayMessageStatusUnknownTransaction
	}
	m.CustomData = nil
	s.mu.Lock()
	if s.displays == nil {
		s.displays = map[int]v201.MessageInfo{}
	}
	s.displays[m.ID] = m
	s.mu.Unlock()
	return v201.DisplayMessageStatusAccepted
}

// runs reports whether the station has a session with the transaction id.
func (s *Station) runs(transactionID string) bool {
	for _, sess := range s.sessions() {
		if sess.TransactionID == transactionID {
			return true
		}
	}
	return false
}

// getDisplayMessages answers Accepted when messages match req, and reports them afterwards in
// one NotifyDisplayMessages; Unknown when none match (or when refused).
func (s *Station) getDisplayMessages(req *v201.GetDisplayMessagesRequest, refuse bool) v201.GetDisplayMessagesStatus {
	if refuse {
		return v201.GetDisplayMessagesStatusUnknown
	}
	var found []v201.MessageInfo
	for _, m := range s.DisplayMessages() {
		if (len(req.ID) == 0 || slices.Contains(req.ID, m.ID)) &&
			(req.Priority == "" || req.Priority == m.Priority) && (req.State == "" || req.State == m.State) {
			found = append(found, m)
		}
	}
	if len(found) == 0 {
		return v201.GetDisplayMessagesStatusUnknown
	}
	n := &v201.NotifyDisplayMessagesRequest{RequestID: req.RequestID, MessageInfo: found}
	s.afterAnswer(func(ctx context.Context) {
		var err error
		if s.cfg.Version == V16 {
			data, _ := json.Marshal(n)
			err = s.call(ctx, "DataTransfer", &v16.DataTransferRequest{VendorID: s.cfg.DisplayVendorID, MessageID: "NotifyDisplayMessages", Data: string(data)}, nil)
		} else {
			err = s.call(ctx, "NotifyDisplayMessages", n, nil)
		}
		if err != nil {
			s.log.Debug("NotifyDisplayMessages failed", "request", req.RequestID, "err", err)
		}
	})
	return v201.GetDisplayMessagesStatusAccepted
}

// clearDisplayMessage removes message id: Accepted if the station showed it, else Unknown
// (also when refused).
func (s *Station) clearDisplayMessage(id int, refuse bool) v201.ClearMessageStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.displays[id]; !ok || refuse {
		return v201.ClearMessageStatusUnknown
	}
	delete(s.displays, id)
	return v201.ClearMessageStatusAccepted
}

// localEntry is what the local authorisation list holds for a token, in version-neutral
// words: the status (Accepted, Blocked, …), when it expires and the parent (1.6) or group
// (2.0.1) token.
type localEntry struct {
	Status string
	Expiry *time.Time
	Parent string
}

// listUpdate is one entry of a SendLocalList: entry nil removes the token (Differential).
type listUpdate struct {
	token string
	entry *localEntry
}

// LocalList returns the version of the station's local authorisation list (0 when it has
// none) and the tokens in it, sorted.
func (s *Station) LocalList() (version int, tokens []string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.listVersion, slices.Sorted(maps.Keys(s.localList))
}

// LocalListStatus returns the status the local list holds for token (Accepted, Blocked,
// Expired, …); false when the token is not in the list.
func (s *Station) LocalListStatus(token string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.localList[token]
	return e.Status, ok
}

// sendLocalList applies a SendLocalList (1.6 and 2.0.1 D01): a Full update replaces the list
// and its version; a Differential one adds or changes the tokens with an entry and removes the
// ones without, but only when its version is greater than the station's (else
// VersionMismatch). A refused update, or a Full one with a token without its status, changes
// nothing and answers Failed.
func (s *Station) sendLocalList(version int, full bool, updates []listUpdate, refuse bool) string {
	if refuse {
		return "Failed"
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if full {
		list := make(map[string]localEntry, len(updates))
		for _, u := range updates {
			if u.entry == nil {
				return "Failed"
			}
			list[u.token] = *u.entry
		}
		s.localList, s.listVersion = list, version
		return "Accepted"
	}
	if version <= s.listVersion {
		return "VersionMismatch"
	}
	if s.localList == nil {
		s.localList = map[string]localEntry{}
	}
	for _, u := range updates {
		if u.entry == nil {
			delete(s.localList, u.token)
		} else {
			s.localList[u.token] = *u.entry
		}
	}
	s.listVersion = version
	return "Accepted"
}

// displayTunnel answers a 2.0.1 display-message request carried in a 1.6 DataTransfer (see
// Config.DisplayVendorID): the answer's data is the 2.0.1 response as JSON text.
func (s *Station) displayTunnel(req *v16.DataTransferRequest, refuse bool) *v16.DataTransferResponse {
	var res any
	switch req.MessageID {
	case "SetDisplayMessage":
		var r v201.SetDisplayMessageRequest
		if json.Unmarshal([]byte(req.Data), &r) != nil {
			return &v16.DataTransferResponse{Status: v16.DataTransferStatusRejected}
		}
		res = &v201.SetDisplayMessageResponse{Status: s.setDisplayMessage(r.Message, refuse)}
	case "GetDisplayMessages":
		var r v201.GetDisplayMessagesRequest
		if json.Unmarshal([]byte(req.Data), &r) != nil {
			return &v16.DataTransferResponse{Status: v16.DataTransferStatusRejected}
		}
		res = &v201.GetDisplayMessagesResponse{Status: s.getDisplayMessages(&r, refuse)}
	case "ClearDisplayMessage":
		var r v201.ClearDisplayMessageRequest
		if json.Unmarshal([]byte(req.Data), &r) != nil {
			return &v16.DataTransferResponse{Status: v16.DataTransferStatusRejected}
		}
		res = &v201.ClearDisplayMessageResponse{Status: s.clearDisplayMessage(r.ID, refuse)}
	default:
		return &v16.DataTransferResponse{Status: v16.DataTransferStatusUnknownMessageId}
	}
	data, _ := json.Marshal(res)
	return &v16.DataTransferResponse{Status: v16.DataTransferStatusAccepted, Data: string(data)}
}
