package httpapi

import (
	"context"

	"github.com/ladda-csms/ladda"

	"github.com/ladda-csms/ladda/station"
)

// Monitor watches a variable of an OCPP 2.0.1 station's device model: the station reports
// (NotifyEvent, kept as a station report) when the value crosses a threshold, moves by a
// delta, or periodically.
type Monitor struct {
	ID                *int    `json:"id,omitempty" minimum:"0" doc:"Replace the station's monitor with this id; absent: a new one (the answer gives its id)."`
	Component         string  `json:"component" minLength:"1" maxLength:"50"`
	ComponentInstance string  `json:"componentInstance,omitempty" maxLength:"50"`
	EVSEID            int     `json:"evseId,omitempty" minimum:"0"`
	ConnectorID       int     `json:"connectorId,omitempty" minimum:"0"`
	Variable          string  `json:"variable" minLength:"1" maxLength:"50"`
	VariableInstance  string  `json:"variableInstance,omitempty" maxLength:"50"`
	Type              string  `json:"type" enum:"UpperThreshold,LowerThreshold,Delta,Periodic,PeriodicClockAligned" doc:"Thresholds report a crossing of value; Delta a change by value; Periodic every value seconds; PeriodicClockAligned every value seconds from midnight."`
	Value             float64 `json:"value"`
	Severity          int     `json:"severity" minimum:"0" maximum:"9" doc:"0 danger … 9 debug; the station reports only down to its monitoring level."`
	Transaction       bool    `json:"transaction,omitempty" doc:"Only while a transaction runs."`
}

// MonitorResult is a station's answer about one monitor.
type MonitorResult struct {
	Monitor Monitor `json:"monitor"`
	Status  string  `json:"status" doc:"Accepted (monitor.id is its id), UnknownComponent, UnknownVariable, UnsupportedMonitorType, Rejected, Duplicate; for a removal Accepted, Rejected or NotFound."`
	Reason  string  `json:"reason,omitempty"`
}

func viewMonitorResults(list []station.MonitorResult) []MonitorResult {
	var out []MonitorResult
	for _, r := range list {
		m := r.Monitor
		out = append(out, MonitorResult{Status: r.Status, Reason: r.Reason, Monitor: Monitor{ID: m.ID, Component: m.Component,
			ComponentInstance: m.ComponentInstance, EVSEID: m.EVSEID, ConnectorID: m.ConnectorID, Variable: m.Variable,
			VariableInstance: m.VariableInstance, Type: m.Type, Value: m.Value, Severity: m.Severity, Transaction: m.Transaction}})
	}
	return out
}

type setMonitorsInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Monitors []Monitor `json:"monitors" minItems:"1" maxItems:"50"`
	} `nameHint:"SetMonitorsRequest"`
}

// setMonitors handles POST /api/v1/stations/{id}/monitors (SetVariableMonitoring).
func (s *server) setMonitors(ctx context.Context, in *setMonitorsInput) (*commandOutput, error) {
	cmd := station.SetMonitors{}
	for _, m := range in.Body.Monitors {
		if err := needsEVSE("httpapi.setMonitors", m.EVSEID, m.ConnectorID); err != nil {
			return nil, err
		}
		cmd.Monitors = append(cmd.Monitors, station.Monitor{ID: m.ID, Component: m.Component, ComponentInstance: m.ComponentInstance,
			EVSEID: m.EVSEID, ConnectorID: m.ConnectorID, Variable: m.Variable, VariableInstance: m.VariableInstance, Type: m.Type,
			Value: m.Value, Severity: m.Severity, Transaction: m.Transaction})
	}
	return s.execute(ctx, in.ID, cmd)
}

type clearMonitorsInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		IDs []int `json:"ids" minItems:"1" maxItems:"100" minimum:"0"`
	} `nameHint:"ClearMonitorsRequest"`
}

// clearMonitors handles POST /api/v1/stations/{id}/monitors/clear (ClearVariableMonitoring).
func (s *server) clearMonitors(ctx context.Context, in *clearMonitorsInput) (*commandOutput, error) {
	return s.execute(ctx, in.ID, station.ClearMonitors{IDs: in.Body.IDs})
}

type monitoringInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Base  string `json:"base,omitempty" enum:"All,FactoryDefault,HardWiredOnly" doc:"Which monitors the station keeps: All; FactoryDefault or HardWiredOnly drop custom ones. Give base or level."`
		Level *int   `json:"level,omitempty" minimum:"0" maximum:"9" doc:"Report only events of this severity or more severe. Give base or level."`
	} `nameHint:"MonitoringRequest"`
}

// setMonitoring handles POST /api/v1/stations/{id}/monitoring: SetMonitoringBase or
// SetMonitoringLevel.
func (s *server) setMonitoring(ctx context.Context, in *monitoringInput) (*commandOutput, error) {
	b := in.Body
	switch {
	case (b.Base == "") == (b.Level == nil):
		return nil, ladda.Errorf(ladda.Invalid, "httpapi.setMonitoring", "give either base or level")
	case b.Base != "":
		return s.execute(ctx, in.ID, station.SetMonitoringBase{Base: b.Base})
	}
	return s.execute(ctx, in.ID, station.SetMonitoringLevel{Severity: *b.Level})
}

type queryMonitorsInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body *struct {
		Criteria   []string `json:"criteria,omitempty" maxItems:"3" enum:"ThresholdMonitoring,DeltaMonitoring,PeriodicMonitoring"`
		Components []string `json:"components,omitempty" maxItems:"100"`
	} `nameHint:"MonitorQuery" doc:"Optional: no body asks for every monitor."`
}

// queryMonitors handles POST /api/v1/stations/{id}/monitors/query: the station answers
// Accepted and sends its monitors in NotifyMonitoringReport, kept as reports with the logged
// requestId; or EmptyResultSet.
func (s *server) queryMonitors(ctx context.Context, in *queryMonitorsInput) (*commandOutput, error) {
	cmd := station.GetMonitoringReport{RequestID: s.nextRequestID()}
	if b := in.Body; b != nil {
		cmd.Criteria, cmd.Components = b.Criteria, b.Components
	}
	return s.execute(ctx, in.ID, cmd)
}
