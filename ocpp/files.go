package ocpp

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// updateFirmware builds the secure firmware update: 1.6 SignedUpdateFirmware, 2.0.1
// UpdateFirmware (signed or not). The plain 1.6 UpdateFirmware is updateFirmware16.
func updateFirmware(isV16 bool, c station.UpdateFirmware) (string, any, error) {
	if c.Location == "" || len(c.Location) > 512 {
		return "", nil, commandError("the firmware location must have 1 to 512 characters")
	}
	if (c.Signature == "") != (c.SigningCertificate == "") {
		return "", nil, commandError("a signed update needs both the signature and the signing certificate")
	}
	if isV16 {
		return "SignedUpdateFirmware", &v16.SignedUpdateFirmwareRequest{RequestID: c.RequestID, Retries: c.Retries, RetryInterval: c.RetryInterval,
			Firmware: v16.Firmware{Location: c.Location, RetrieveDateTime: c.RetrieveAt.UTC(), InstallDateTime: utc(c.InstallAt),
				SigningCertificate: c.SigningCertificate, Signature: c.Signature}}, nil
	}
	return "UpdateFirmware", &v201.UpdateFirmwareRequest{RequestID: c.RequestID, Retries: c.Retries, RetryInterval: c.RetryInterval,
		Firmware: v201.Firmware{Location: c.Location, RetrieveDateTime: c.RetrieveAt.UTC(), InstallDateTime: utc(c.InstallAt),
			SigningCertificate: c.SigningCertificate, Signature: c.Signature}}, nil
}

// updateFirmware16 sends the plain 1.6 UpdateFirmware, whose answer is empty: the station
// took the request, which Ladda logs as Accepted.
func (c *Commander) updateFirmware16(ctx context.Context, id ladda.StationID, u station.UpdateFirmware) (station.Answer, error) {
	if u.Location == "" || len(u.Location) > 512 {
		return station.Answer{}, &ladda.Error{Kind: ladda.Invalid, Op: "ocpp.Execute", Message: "the firmware location must have 1 to 512 characters"}
	}
	if u.InstallAt != nil {
		return station.Answer{}, &ladda.Error{Kind: ladda.Invalid, Op: "ocpp.Execute", Message: "OCPP 1.6 stations install when they have downloaded: leave installAt out, or send a signed update"}
	}
	var res v16.UpdateFirmwareResponse
	err := c.Send(ctx, id, "UpdateFirmware", &v16.UpdateFirmwareRequest{Location: u.Location, RetrieveDate: u.RetrieveAt.UTC(),
		Retries: u.Retries, RetryInterval: u.RetryInterval}, &res)
	if err != nil {
		return station.Answer{}, err
	}
	return station.Answer{Status: "Accepted"}, nil
}

// getLog builds GetLog: 1.6 (security extension) and 2.0.1. 1.6 diagnostics are
// getDiagnostics16.
func getLog(isV16 bool, c station.GetLog) (string, any, error) {
	if c.Location == "" || len(c.Location) > 512 {
		return "", nil, commandError("the upload location must have 1 to 512 characters")
	}
	kind16, kind201 := v16.LogDiagnosticsLog, v201.LogDiagnosticsLog
	switch c.Kind {
	case station.LogDiagnostics:
	case station.LogSecurity:
		kind16, kind201 = v16.LogSecurityLog, v201.LogSecurityLog
	default:
		return "", nil, commandError("the log kind must be Diagnostics or Security")
	}
	if isV16 {
		return "GetLog", &v16.GetLogRequest{LogType: kind16, RequestID: c.RequestID, Retries: c.Retries, RetryInterval: c.RetryInterval,
			Log: v16.LogParameters{RemoteLocation: c.Location, OldestTimestamp: utc(c.From), LatestTimestamp: utc(c.To)}}, nil
	}
	return "GetLog", &v201.GetLogRequest{LogType: kind201, RequestID: c.RequestID, Retries: c.Retries, RetryInterval: c.RetryInterval,
		Log: v201.LogParameters{RemoteLocation: c.Location, OldestTimestamp: utc(c.From), LatestTimestamp: utc(c.To)}}, nil
}

// getDiagnostics16 sends 1.6 GetDiagnostics. Its answer names the file the station will upload;
// none means it has no diagnostics, which Ladda logs as Rejected.
func (c *Commander) getDiagnostics16(ctx context.Context, id ladda.StationID, g station.GetLog) (station.Answer, error) {
	if g.Location == "" || len(g.Location) > 512 {
		return station.Answer{}, &ladda.Error{Kind: ladda.Invalid, Op: "ocpp.Execute", Message: "the upload location must have 1 to 512 characters"}
	}
	var res v16.GetDiagnosticsResponse
	err := c.Send(ctx, id, "GetDiagnostics", &v16.GetDiagnosticsRequest{Location: g.Location, StartTime: utc(g.From), StopTime: utc(g.To),
		Retries: g.Retries, RetryInterval: g.RetryInterval}, &res)
	if err != nil {
		return station.Answer{}, err
	}
	if res.FileName == "" {
		return station.Answer{Status: "Rejected"}, nil
	}
	return station.Answer{Status: "Accepted", FileName: res.FileName}, nil
}

// utc returns t in UTC, nil for nil.
func utc(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}
