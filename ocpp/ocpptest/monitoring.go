package ocpptest

import (
	"context"
	"maps"
	"slices"

	"github.com/ladda-csms/ladda/ocpp/v201"
)

// Monitor is a variable monitor the station holds (2.0.1 SetVariableMonitoring): it watches one
// variable of the device model. The station keeps and reports its monitors; it does not raise
// events from them.
type Monitor struct {
	// ID is the monitor's id, given by the station.
	ID int
	// Component and Variable name the variable watched, as in Setting's "Component/Variable".
	Component, Variable string
	// Type is UpperThreshold, LowerThreshold, Delta, Periodic or PeriodicClockAligned.
	Type string
	// Value is the threshold, the delta, or the period in seconds.
	Value float64
	// Severity is from 0 (Danger) to 9 (Debug).
	Severity int
	// Transaction makes the monitor watch only while a transaction runs.
	Transaction bool
}

const (
	// maxSeverity is the least severe of the severities, 9 (Debug).
	maxSeverity = 9
	// defaultMonitoringLevel is a new station's monitoring level: every severity.
	defaultMonitoringLevel = maxSeverity
)

// Monitors returns the variable monitors the station holds, by id.
func (s *Station) Monitors() []Monitor {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Monitor, 0, len(s.monitors))
	for _, id := range slices.Sorted(maps.Keys(s.monitors)) {
		out = append(out, s.monitors[id])
	}
	return out
}

// MonitoringLevel returns the severity set by the last accepted SetMonitoringLevel: the
// station would report the events of this severity or a more severe one (a lower number).
// It is 9, every event, until set.
func (s *Station) MonitoringLevel() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.monitoringLevel
}

// MonitoringBase returns the monitoring base set by the last accepted SetMonitoringBase: All
// (the default), FactoryDefault or HardWiredOnly.
func (s *Station) MonitoringBase() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return string(s.monitoringBase)
}

// setVariableMonitoring answers a SetVariableMonitoring (2.0.1 N04) item by item, in order.
// An item without an id adds a monitor with the next id, one with the id of a monitor held
// replaces it, and one with any other id is Rejected. An unknown component or variable is
// UnknownComponent or UnknownVariable; a threshold on a variable that is not a number is
// UnsupportedMonitorType (a Delta on one watches for any change, as the specification has
// it); a severity outside 0-9, a negative delta or a period that is not positive is Rejected;
// a second monitor of a variable with the type and severity of another is a Duplicate. Every
// item is Rejected when refused.
func (s *Station) setVariableMonitoring(req *v201.SetVariableMonitoringRequest, refuse bool) *v201.SetVariableMonitoringResponse {
	out := &v201.SetVariableMonitoringResponse{SetMonitoringResult: []v201.SetMonitoringResult{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, d := range req.SetMonitoringData {
		r := v201.SetMonitoringResult{Type: d.Type, Component: d.Component, Variable: d.Variable, Severity: d.Severity}
		r.Status = s.setMonitorLocked(d, refuse)
		if r.Status == v201.SetMonitoringStatusAccepted {
			id := s.lastMonitorID
			if d.ID != nil {
				id = *d.ID
			}
			r.ID = &id
		}
		out.SetMonitoringResult = append(out.SetMonitoringResult, r)
	}
	return out
}

// setMonitorLocked adds or replaces the monitor of d, when the station takes it, and returns
// the status of d's result.
func (s *Station) setMonitorLocked(d v201.SetMonitoringData, refuse bool) v201.SetMonitoringStatus {
	if refuse {
		return v201.SetMonitoringStatusRejected
	}
	st, status := s.variableLocked(d.Component, d.Variable)
	if st == nil {
		return v201.SetMonitoringStatus(status)
	}
	switch d.Type {
	case v201.MonitorUpperThreshold, v201.MonitorLowerThreshold:
		if st.kind != integer {
			return v201.SetMonitoringStatusUnsupportedMonitorType
		}
	case v201.MonitorDelta:
		if d.Value < 0 {
			return v201.SetMonitoringStatusRejected
		}
	case v201.MonitorPeriodic, v201.MonitorPeriodicClockAligned:
		if d.Value <= 0 {
			return v201.SetMonitoringStatusRejected
		}
	default:
		return v201.SetMonitoringStatusUnsupportedMonitorType
	}
	if d.Severity < 0 || d.Severity > maxSeverity {
		return v201.SetMonitoringStatusRejected
	}
	m := Monitor{Component: st.component, Variable: st.variable, Type: string(d.Type), Value: d.Value,
		Severity: d.Severity, Transaction: d.Transaction != nil && *d.Transaction}
	if d.ID != nil {
		if _, ok := s.monitors[*d.ID]; !ok {
			return v201.SetMonitoringStatusRejected
		}
		m.ID = *d.ID
	}
	for _, o := range s.monitors {
		if o.ID != m.ID && o.Component == m.Component && o.Variable == m.Variable && o.Type == m.Type && o.Severity == m.Severity {
			return v201.SetMonitoringStatusDuplicate
		}
	}
	if d.ID == nil {
		s.lastMonitorID++ // ids are not used again, even once their monitor is cleared
		m.ID = s.lastMonitorID
	}
	if s.monitors == nil {
		s.monitors = map[int]Monitor{}
	}
	s.monitors[m.ID] = m
	return v201.SetMonitoringStatusAccepted
}

// clearVariableMonitoring answers a ClearVariableMonitoring (2.0.1 N06) id by id: Accepted
// when the station held the monitor and removed it, NotFound otherwise, Rejected when refused.
func (s *Station) clearVariableMonitoring(req *v201.ClearVariableMonitoringRequest, refuse bool) *v201.ClearVariableMonitoringResponse {
	out := &v201.ClearVariableMonitoringResponse{ClearMonitoringResult: []v201.ClearMonitoringResult{}}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, id := range req.ID {
		r := v201.ClearMonitoringResult{ID: id, Status: v201.ClearMonitoringStatusNotFound}
		if _, ok := s.monitors[id]; refuse {
			r.Status = v201.ClearMonitoringStatusRejected
		} else if ok {
			delete(s.monitors, id)
			r.Status = v201.ClearMonitoringStatusAccepted
		}
		out.ClearMonitoringResult = append(out.ClearMonitoringResult, r)
	}
	return out
}

// setMonitoringBase answers a SetMonitoringBase (2.0.1 N03): Accepted, and FactoryDefault and
// HardWiredOnly remove every monitor set by the CSMS (which are all the station has), while
// All keeps them; Rejected when refused.
func (s *Station) setMonitoringBase(req *v201.SetMonitoringBaseRequest, refuse bool) v201.GenericDeviceModelStatus {
	switch {
	case refuse:
		return v201.GenericDeviceModelStatusRejected
	case req.MonitoringBase != v201.MonitoringBaseAll && req.MonitoringBase != v201.MonitoringBaseFactoryDefault &&
		req.MonitoringBase != v201.MonitoringBaseHardWiredOnly:
		return v201.GenericDeviceModelStatusNotSupported
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.monitoringBase = req.MonitoringBase
	if req.MonitoringBase != v201.MonitoringBaseAll {
		clear(s.monitors)
	}
	return v201.GenericDeviceModelStatusAccepted
}

// setMonitoringLevel answers a SetMonitoringLevel (2.0.1 N05): Accepted for a severity of 0 to
// 9, which becomes MonitoringLevel; Rejected for another, or when refused.
func (s *Station) setMonitoringLevel(req *v201.SetMonitoringLevelRequest, refuse bool) v201.GenericStatus {
	if refuse || req.Severity < 0 || req.Severity > maxSeverity {
		return v201.GenericStatusRejected
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.monitoringLevel = req.Severity
	return v201.GenericStatusAccepted
}

// getMonitoringReport answers a GetMonitoringReport (2.0.1 N02): Accepted when monitors match
// and then, after the answer, one NotifyMonitoringReport of them with the requestId, grouped by
// variable; EmptyResultSet when none match; Rejected when refused. monitoringCriteria picks
// monitors by type (ThresholdMonitoring: UpperThreshold and LowerThreshold; DeltaMonitoring;
// PeriodicMonitoring: Periodic and PeriodicClockAligned), componentVariable by component and,
// when it names one, variable. Both must hold.
func (s *Station) getMonitoringReport(req *v201.GetMonitoringReportRequest, refuse bool) v201.GenericDeviceModelStatus {
	if refuse {
		return v201.GenericDeviceModelStatusRejected
	}
	var data []v201.MonitoringData
	at := map[[2]string]int{} // index in data by component and variable
	for _, m := range s.Monitors() {
		if !monitorCriteria(req.MonitoringCriteria, v201.Monitor(m.Type)) || !monitorVariable(req.ComponentVariable, m) {
			continue
		}
		key := [2]string{m.Component, m.Variable}
		i, ok := at[key]
		if !ok {
			i = len(data)
			at[key] = i
			data = append(data, v201.MonitoringData{Component: v201.Component{Name: m.Component}, Variable: v201.Variable{Name: m.Variable}})
		}
		data[i].VariableMonitoring = append(data[i].VariableMonitoring, v201.VariableMonitoring{ID: m.ID,
			Transaction: m.Transaction, Value: m.Value, Type: v201.Monitor(m.Type), Severity: m.Severity})
	}
	if len(data) == 0 {
		return v201.GenericDeviceModelStatusEmptyResultSet
	}
	n := &v201.NotifyMonitoringReportRequest{RequestID: req.RequestID, SeqNo: 0, GeneratedAt: s.now(), Monitor: data}
	s.afterAnswer(func(ctx context.Context) {
		if err := s.call(ctx, "NotifyMonitoringReport", n, nil); err != nil {
			s.log.Debug("NotifyMonitoringReport failed", "request", req.RequestID, "err", err)
		}
	})
	return v201.GenericDeviceModelStatusAccepted
}

// monitorCriteria reports whether a monitor of type t meets one of the criteria, or there are
// none.
func monitorCriteria(criteria []v201.MonitoringCriterion, t v201.Monitor) bool {
	if len(criteria) == 0 {
		return true
	}
	for _, c := range criteria {
		switch {
		case c == v201.MonitoringCriterionThresholdMonitoring && (t == v201.MonitorUpperThreshold || t == v201.MonitorLowerThreshold),
			c == v201.MonitoringCriterionDeltaMonitoring && t == v201.MonitorDelta,
			c == v201.MonitoringCriterionPeriodicMonitoring && (t == v201.MonitorPeriodic || t == v201.MonitorPeriodicClockAligned):
			return true
		}
	}
	return false
}

// monitorVariable reports whether m watches one of the components (and, when named, its
// variable) of cvs, or cvs is empty.
func monitorVariable(cvs []v201.ComponentVariable, m Monitor) bool {
	if len(cvs) == 0 {
		return true
	}
	for _, cv := range cvs {
		if sameComponent(cv.Component, m.Component) && (cv.Variable == nil || (cv.Variable.Name == m.Variable && cv.Variable.Instance == "")) {
			return true
		}
	}
	return false
}
