package ocpptest

import (
	"context"
	"strconv"
	"strings"

	"github.com/ladda-csms/ladda/ocpp/v201"
)

// setting is one configuration value of the station: a 1.6 configuration key and the 2.0.1
// component and variable that mean the same. A setting missing in one version has an empty
// name there.
type setting struct {
	key                 string // 1.6 configuration key
	component, variable string // 2.0.1 device model
	value               string
	readonly            bool
	kind                settingKind
}

type settingKind int

const (
	text settingKind = iota
	integer
	boolean
)

// newSettings returns the station's configuration. The values the station acts upon are
// HeartbeatInterval (its heartbeats), MeterValueSampleInterval (Session.Charge),
// AuthorizeRemoteTxRequests (whether a remote start is authorised first) and CpoName (the
// organization of its certificate signing requests).
func newSettings(cfg Config) []*setting {
	return []*setting{
		{key: "HeartbeatInterval", component: "OCPPCommCtrlr", variable: "HeartbeatInterval", value: "0", kind: integer},
		{key: "MeterValueSampleInterval", component: "SampledDataCtrlr", variable: "TxUpdatedInterval",
			value: strconv.Itoa(int(cfg.MeterInterval.Seconds())), kind: integer},
		{key: "AuthorizeRemoteTxRequests", component: "AuthCtrlr", variable: "AuthorizeRemoteStart", value: "false", kind: boolean},
		{key: "NumberOfConnectors", value: strconv.Itoa(cfg.Connectors), readonly: true, kind: integer},
		{component: "SecurityCtrlr", variable: "Identity", value: cfg.ID, readonly: true},
		{key: "CpoName", component: "SecurityCtrlr", variable: "OrganizationName", value: cfg.Organization},
	}
}

// valid reports whether v is a value of the setting's kind.
func (st *setting) valid(v string) bool {
	switch st.kind {
	case integer:
		n, err := strconv.Atoi(v)
		return err == nil && n >= 0
	case boolean:
		return v == "true" || v == "false"
	}
	return len(v) <= 500
}

// Setting returns a configuration value by its 1.6 key or its 2.0.1 "Component/Variable"
// name, and whether the station has it.
func (s *Station) Setting(name string) (string, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if st := s.findLocked(name); st != nil {
		return st.value, true
	}
	return "", false
}

func (s *Station) findLocked(name string) *setting {
	comp, variable, twoPart := strings.Cut(name, "/")
	for _, st := range s.settings {
		if (!twoPart && st.key != "" && st.key == name) || (twoPart && st.component == comp && st.variable == variable) {
			return st
		}
	}
	return nil
}

func (s *Station) setLocked(name, value string) {
	if st := s.findLocked(name); st != nil {
		st.value = value
	}
}

// variableLocked finds variable v of component c in the 2.0.1 device model. When the model
// has no such variable it returns nil and which part is unknown: UnknownComponent or
// UnknownVariable. Every component of the station is the station's own: one asked for with an
// instance or an EVSE, or a variable with an instance, is unknown.
func (s *Station) variableLocked(c v201.Component, v v201.Variable) (*setting, string) {
	known := false
	for _, st := range s.settings {
		if st.component == "" || !sameComponent(c, st.component) {
			continue
		}
		known = true
		if st.variable == v.Name && v.Instance == "" {
			return st, "Accepted"
		}
	}
	if known {
		return nil, "UnknownVariable"
	}
	return nil, "UnknownComponent"
}

// sameComponent reports whether c is the station's component name: of that name, without an
// instance or an EVSE.
func sameComponent(c v201.Component, name string) bool {
	return c.Name == name && c.Instance == "" && c.EVSE == nil
}

// reportDataLocked describes the device model's variables that match in NotifyReport's
// words: the Actual attribute with its value and mutability, and the data type. match nil
// takes them all.
func (s *Station) reportDataLocked(match func(st *setting) bool) []v201.ReportData {
	var data []v201.ReportData
	for _, st := range s.settings {
		if st.component == "" || (match != nil && !match(st)) {
			continue
		}
		mutability := v201.MutabilityReadWrite
		if st.readonly {
			mutability = v201.MutabilityReadOnly
		}
		dataType := v201.DataString
		switch st.kind {
		case integer:
			dataType = v201.DataInteger
		case boolean:
			dataType = v201.DataBoolean
		}
		data = append(data, v201.ReportData{
			Component:               v201.Component{Name: st.component},
			Variable:                v201.Variable{Name: st.variable},
			VariableAttribute:       []v201.VariableAttribute{{Type: v201.AttributeActual, Value: st.value, Mutability: mutability}},
			VariableCharacteristics: &v201.VariableCharacteristics{DataType: dataType},
		})
	}
	return data
}

// getReport answers a GetReport (2.0.1 B08): Accepted when device-model variables match and
// then, after the answer, a NotifyReport of them with the requestId; EmptyResultSet when none
// match; Rejected when refused. componentVariable picks components, and a variable of each
// when it names one; componentCriteria picks components by their state: every component of
// the station is Available and Enabled, none is Active or has a Problem. Both must hold.
func (s *Station) getReport(req *v201.GetReportRequest, refuse bool) v201.GenericDeviceModelStatus {
	if refuse {
		return v201.GenericDeviceModelStatusRejected
	}
	criteria := len(req.ComponentCriteria) == 0
	for _, c := range req.ComponentCriteria {
		criteria = criteria || c == v201.ComponentCriterionAvailable || c == v201.ComponentCriterionEnabled
	}
	if !criteria {
		return v201.GenericDeviceModelStatusEmptyResultSet
	}
	s.mu.Lock()
	data := s.reportDataLocked(func(st *setting) bool {
		if len(req.ComponentVariable) == 0 {
			return true
		}
		for _, cv := range req.ComponentVariable {
			if sameComponent(cv.Component, st.component) &&
				(cv.Variable == nil || (cv.Variable.Name == st.variable && cv.Variable.Instance == "")) {
				return true
			}
		}
		return false
	})
	s.mu.Unlock()
	if len(data) == 0 {
		return v201.GenericDeviceModelStatusEmptyResultSet
	}
	s.afterAnswer(func(ctx context.Context) { s.sendReport(ctx, req.RequestID, data) })
	return v201.GenericDeviceModelStatusAccepted
}

// sendReport sends data in one NotifyReport (seqNo 0, the last) of request requestID.
func (s *Station) sendReport(ctx context.Context, requestID int, data []v201.ReportData) {
	req := &v201.NotifyReportRequest{RequestID: requestID, GeneratedAt: s.now(), SeqNo: 0, ReportData: data}
	if err := s.call(ctx, "NotifyReport", req, nil); err != nil {
		s.log.Warn("ocpptest: NotifyReport", "station", s.cfg.ID, "err", err)
	}
}
