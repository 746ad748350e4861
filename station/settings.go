package station

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
)

// Setting is one configuration value of a station: an OCPP 1.6 configuration key, or one
// attribute of an OCPP 2.0.1 device-model variable. A 1.6 setting has only Variable (the key),
// Value and ReadOnly; a 2.0.1 one names its component (with instance and EVSE/connector) and
// the attribute (Actual when empty).
//
// Rules: a setting is identified by station, component, component instance, EVSE, connector,
// variable, variable instance and attribute. Ladda stores what the station reported (GetConfiguration,
// NotifyReport) and what it accepted to change (ChangeConfiguration, SetVariables); UpdatedBy
// says which: "station", or who asked for the change ("apikey:12").
type Setting struct {
	Component         string    `json:"component,omitempty"`
	ComponentInstance string    `json:"componentInstance,omitempty"`
	EVSEID            int       `json:"evseId,omitempty"`
	ConnectorID       int       `json:"connectorId,omitempty"`
	Variable          string    `json:"variable"`
	VariableInstance  string    `json:"variableInstance,omitempty"`
	Attribute         string    `json:"attribute,omitempty"`
	Value             string    `json:"value"`
	ReadOnly          bool      `json:"readOnly"`
	Unit              string    `json:"unit,omitempty"`
	DataType          string    `json:"dataType,omitempty"`
	UpdatedBy         string    `json:"updatedBy,omitempty"`
	UpdatedAt         time.Time `json:"updatedAt"`
}

// SettingResult is a station's answer to the change of one setting.
type SettingResult struct {
	Setting Setting `json:"setting"`
	Status  string  `json:"status"` // Accepted, Rejected, RebootRequired, NotSupported / UnknownComponent, UnknownVariable, …
	Reason  string  `json:"reason,omitempty"`
}

// Changed reports whether the station took the new value (now or after a reboot).
func (r SettingResult) Changed() bool { return r.Status == "Accepted" || r.Status == "RebootRequired" }

// GetSettings asks a station for its configuration: 1.6 GetConfiguration (the answer carries
// the values; Keys selects some, none means all), 2.0.1 GetBaseReport FullInventory (the
// station answers Accepted and sends its variables in NotifyReport messages afterwards).
// Components or Criteria (Active, Available, Enabled, Problem) narrow a 2.0.1 report to those
// components (GetReport instead of GetBaseReport).
type GetSettings struct {
	Keys       []string `json:"keys,omitempty"`
	Components []string `json:"components,omitempty"`
	Criteria   []string `json:"criteria,omitempty"`
}

// ChangeSettings asks a station to change settings: 1.6 ChangeConfiguration, one key at a
// time; 2.0.1 SetVariables, all at once. Only Variable, Value and, for 2.0.1, the component
// and attribute fields of each change are used.
type ChangeSettings struct {
	Changes []Setting `json:"changes"`
}

// Action implementations of the configuration commands, named after their 2.0.1 messages.
func (g GetSettings) Action() string {
	if len(g.Components)+len(g.Criteria) > 0 {
		return "GetReport"
	}
	return "GetBaseReport"
}
func (ChangeSettings) Action() string { return "SetVariables" }

// SettingStore keeps the settings of stations. Errors are *ladda.Error: NotFound when
// ReplaceSettings or SaveSettings name an unknown station, Invalid for a setting without a
// variable. An empty Attribute and "Actual" are the same attribute; it is stored as empty.
type SettingStore interface {
	// ReplaceSettings makes settings the whole configuration of a station (a full 1.6 report).
	ReplaceSettings(ctx context.Context, id ladda.StationID, settings []Setting) error
	// SaveSettings inserts or updates settings of a station, leaving the others alone.
	SaveSettings(ctx context.Context, id ladda.StationID, settings []Setting) error
	// Settings lists a station's settings ordered by component, component instance, EVSE,
	// connector, variable, variable instance and attribute.
	Settings(ctx context.Context, id ladda.StationID) ([]Setting, error)
}
