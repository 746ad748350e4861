package ocpptest

import (
	"strconv"
	"strings"
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
