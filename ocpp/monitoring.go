package ocpp

import (
	"context"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// monitorSetting is the identity of a monitor's variable, as a setting.
func monitorSetting(m station.Monitor) station.Setting {
	return station.Setting{Component: m.Component, ComponentInstance: m.ComponentInstance, EVSEID: m.EVSEID, ConnectorID: m.ConnectorID,
		Variable: m.Variable, VariableInstance: m.VariableInstance}
}

// setMonitors sends SetVariableMonitoring and gives a result per monitor.
func (c *Commander) setMonitors(ctx context.Context, id ladda.StationID, version string, sm station.SetMonitors) (station.Answer, error) {
	if version == V16 {
		return station.Answer{}, ladda.Errorf(ladda.Invalid, "ocpp.setMonitors", "OCPP 1.6 has no variable monitoring")
	}
	req := &v201.SetVariableMonitoringRequest{}
	for _, m := range sm.Monitors {
		d := v201.SetMonitoringData{ID: m.ID, Value: m.Value, Type: v201.Monitor(m.Type), Severity: m.Severity,
			Component: component201(monitorSetting(m)), Variable: v201.Variable{Name: m.Variable, Instance: m.VariableInstance}}
		if m.Transaction {
			t := true
			d.Transaction = &t
		}
		req.SetMonitoringData = append(req.SetMonitoringData, d)
	}
	var res v201.SetVariableMonitoringResponse
	if err := c.Send(ctx, id, "SetVariableMonitoring", req, &res); err != nil {
		return station.Answer{}, err
	}
	var out []station.MonitorResult
	accepted := 0
	for i, r := range res.SetMonitoringResult {
		s := setting201(r.Component, r.Variable, "")
		m := station.Monitor{ID: r.ID, Component: s.Component, ComponentInstance: s.ComponentInstance, EVSEID: s.EVSEID, ConnectorID: s.ConnectorID,
			Variable: s.Variable, VariableInstance: s.VariableInstance, Type: string(r.Type), Severity: r.Severity}
		if i < len(sm.Monitors) {
			m.Value, m.Transaction = sm.Monitors[i].Value, sm.Monitors[i].Transaction
		}
		mr := station.MonitorResult{Monitor: m, Status: string(r.Status)}
		if r.StatusInfo != nil {
			mr.Reason = r.StatusInfo.ReasonCode
		}
		if r.Status == "Accepted" {
			accepted++
		}
		out = append(out, mr)
	}
	return station.Answer{Status: overall(accepted, len(out)), Monitors: out}, nil
}

// clearMonitors sends ClearVariableMonitoring and gives a result per id.
func (c *Commander) clearMonitors(ctx context.Context, id ladda.StationID, version string, cm station.ClearMonitors) (station.Answer, error) {
	if version == V16 {
		return station.Answer{}, ladda.Errorf(ladda.Invalid, "ocpp.clearMonitors", "OCPP 1.6 has no variable monitoring")
	}
	var res v201.ClearVariableMonitoringResponse
	if err := c.Send(ctx, id, "ClearVariableMonitoring", &v201.ClearVariableMonitoringRequest{ID: cm.IDs}, &res); err != nil {
		return station.Answer{}, err
	}
	var out []station.MonitorResult
	accepted := 0
	for _, r := range res.ClearMonitoringResult {
		mid := r.ID
		mr := station.MonitorResult{Monitor: station.Monitor{ID: &mid}, Status: string(r.Status)}
		if r.StatusInfo != nil {
			mr.Reason = r.StatusInfo.ReasonCode
		}
		if r.Status == "Accepted" {
			accepted++
		}
		out = append(out, mr)
	}
	return station.Answer{Status: overall(accepted, len(out)), Monitors: out}, nil
}

// overall sums per-item answers up: Accepted when all were, Rejected when none, else Partial.
func overall(accepted, n int) string {
	switch accepted {
	case n:
		return "Accepted"
	case 0:
		return "Rejected"
	}
	return "Partial"
}

// monitoringCommand builds SetMonitoringBase, SetMonitoringLevel and GetMonitoringReport.
func monitoringCommand(isV16 bool, cmd station.Command) (string, any, error) {
	if isV16 {
		return "", nil, commandError("OCPP 1.6 has no variable monitoring")
	}
	switch c := cmd.(type) {
	case station.SetMonitoringBase:
		return "SetMonitoringBase", &v201.SetMonitoringBaseRequest{MonitoringBase: v201.MonitoringBase(c.Base)}, nil
	case station.SetMonitoringLevel:
		if c.Severity < 0 || c.Severity > 9 {
			return "", nil, commandError("severity is 0 to 9")
		}
		return "SetMonitoringLevel", &v201.SetMonitoringLevelRequest{Severity: c.Severity}, nil
	case station.GetMonitoringReport:
		r := &v201.GetMonitoringReportRequest{RequestID: c.RequestID}
		for _, cr := range c.Criteria {
			r.MonitoringCriteria = append(r.MonitoringCriteria, v201.MonitoringCriterion(cr))
		}
		for _, name := range c.Components {
			r.ComponentVariable = append(r.ComponentVariable, v201.ComponentVariable{Component: v201.Component{Name: name}})
		}
		return "GetMonitoringReport", r, nil
	}
	return "", nil, commandError("unknown command " + cmd.Action())
}

// notifyMonitoringReport201 keeps a station's list of monitors (the answer to
// GetMonitoringReport) as a report, with the requestId in its payload.
func notifyMonitoringReport201(ctx context.Context, r *Router, c call, req *v201.NotifyMonitoringReportRequest) (any, error) {
	return &v201.NotifyMonitoringReportResponse{}, r.report(ctx, c, "", "", req.GeneratedAt.UTC())
}
