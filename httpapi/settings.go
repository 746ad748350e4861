package httpapi

import (
	"context"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// Setting is one configuration value of a station as the API shows it: an OCPP 1.6
// configuration key (variable, value, readOnly), or one attribute of an OCPP 2.0.1 device-model
// variable (with its component, instances, EVSE and connector).
type Setting struct {
	Component         string     `json:"component,omitempty" doc:"OCPP 2.0.1 component name (OCPPCommCtrlr, …); absent for 1.6 keys."`
	ComponentInstance string     `json:"componentInstance,omitempty" doc:"OCPP 2.0.1 component instance."`
	EVSEID            int        `json:"evseId,omitempty" doc:"OCPP 2.0.1: the EVSE of the component; absent for the station."`
	ConnectorID       int        `json:"connectorId,omitempty" doc:"OCPP 2.0.1: the connector of the component within its EVSE."`
	Variable          string     `json:"variable" doc:"The OCPP 2.0.1 variable name; for 1.6 stations, the configuration key."`
	VariableInstance  string     `json:"variableInstance,omitempty" doc:"OCPP 2.0.1 variable instance."`
	Attribute         string     `json:"attribute,omitempty" doc:"OCPP 2.0.1 attribute type (Actual, Target, MinSet, MaxSet); absent means Actual."`
	Value             string     `json:"value"`
	ReadOnly          bool       `json:"readOnly" doc:"The station does not let the value be changed."`
	Unit              string     `json:"unit,omitempty" doc:"OCPP 2.0.1 unit of the value, when the station reported one."`
	DataType          string     `json:"dataType,omitempty" doc:"OCPP 2.0.1 data type (string, integer, boolean, …), when the station reported one."`
	UpdatedBy         string     `json:"updatedBy,omitempty" doc:"Who set the value Ladda knows: station (the station reported it) or who changed it (apikey:<id>)."`
	UpdatedAt         *time.Time `json:"updatedAt,omitempty" doc:"When Ladda learnt the value; absent in a command's answer before it is stored."`
}

// SettingResult is a station's answer to the change of one setting.
type SettingResult struct {
	Setting Setting `json:"setting" doc:"The change asked for."`
	Status  string  `json:"status" doc:"As the station answered: Accepted, Rejected, RebootRequired (taken, effective after a reboot), NotSupported (1.6: unknown key), UnknownComponent, UnknownVariable, NotSupportedAttributeType (2.0.1)."`
	Reason  string  `json:"reason,omitempty" doc:"OCPP 2.0.1 statusInfo reason code, when the station gave one."`
}

// attributeActual is the attribute a setting has when it names none; the API leaves it out, as
// the store does, so that a setting reads the same in a command's answer and in the list.
const attributeActual = "Actual"

func viewSetting(st station.Setting) Setting {
	if st.Attribute == attributeActual {
		st.Attribute = ""
	}
	return Setting{
		Component:         st.Component,
		ComponentInstance: st.ComponentInstance,
		EVSEID:            st.EVSEID,
		ConnectorID:       st.ConnectorID,
		Variable:          st.Variable,
		VariableInstance:  st.VariableInstance,
		Attribute:         st.Attribute,
		Value:             st.Value,
		ReadOnly:          st.ReadOnly,
		Unit:              st.Unit,
		DataType:          st.DataType,
		UpdatedBy:         st.UpdatedBy,
		UpdatedAt:         utc(st.UpdatedAt),
	}
}

// viewSettings views list; nil stays nil, so that an answer without settings omits them.
func viewSettings(list []station.Setting) []Setting {
	if list == nil {
		return nil
	}
	out := make([]Setting, 0, len(list))
	for _, st := range list {
		out = append(out, viewSetting(st))
	}
	return out
}

func viewSettingResults(list []station.SettingResult) []SettingResult {
	if list == nil {
		return nil
	}
	out := make([]SettingResult, 0, len(list))
	for _, r := range list {
		out = append(out, SettingResult{Setting: viewSetting(r.Setting), Status: r.Status, Reason: r.Reason})
	}
	return out
}

type settingsOutput struct {
	Body struct {
		Items []Setting `json:"items" nullable:"false" doc:"Every setting Ladda knows of the station, ordered by component, component instance, EVSE, connector, variable, variable instance and attribute."`
	} `nameHint:"SettingList"`
}

// listSettings handles GET /api/v1/stations/{id}/settings: the station's configuration as Ladda
// last learnt it (from a refresh, a 2.0.1 report, or changes the station accepted).
func (s *server) listSettings(ctx context.Context, in *stationIDInput) (*settingsOutput, error) {
	list, err := s.stations.Settings(ctx, ladda.StationID(in.ID))
	if err != nil {
		return nil, err
	}
	out := &settingsOutput{}
	out.Body.Items = make([]Setting, 0, len(list))
	for _, st := range list {
		out.Body.Items = append(out.Body.Items, viewSetting(st))
	}
	return out, nil
}

type refreshSettingsInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body *struct {
		Components []string `json:"components,omitempty" maxItems:"100" doc:"OCPP 2.0.1: only these components (GetReport)."`
		Criteria   []string `json:"criteria,omitempty" maxItems:"4" enum:"Active,Available,Enabled,Problem" doc:"OCPP 2.0.1: only components that meet these (GetReport)."`
	} `nameHint:"RefreshSettingsRequest" doc:"Optional: no body asks for everything (2.0.1 GetBaseReport FullInventory)."`
}

// refreshSettings handles POST /api/v1/stations/{id}/settings/refresh: asks the station for its
// whole configuration, or a 2.0.1 station for that of some components. A 1.6 station answers
// with it (stored at once, in place of what Ladda had); a 2.0.1 station answers Accepted (or
// EmptyResultSet) and reports it afterwards.
func (s *server) refreshSettings(ctx context.Context, in *refreshSettingsInput) (*commandOutput, error) {
	var scope station.GetSettings
	if in.Body != nil {
		for _, c := range in.Body.Components {
			if c == "" || len(c) > 50 {
				return nil, ladda.Errorf(ladda.Invalid, "httpapi.refreshSettings", "a component name has 1 to 50 characters")
			}
		}
		scope.Components, scope.Criteria = in.Body.Components, in.Body.Criteria
	}
	rec, err := s.stations.RefreshSettings(ctx, ladda.StationID(in.ID), scope, requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	return &commandOutput{Body: viewCommand(rec)}, nil
}

// SettingChange is one change asked of a station.
type SettingChange struct {
	Component         string `json:"component,omitempty" maxLength:"50" doc:"OCPP 2.0.1 component name; leave out for 1.6 stations."`
	ComponentInstance string `json:"componentInstance,omitempty" maxLength:"50" doc:"OCPP 2.0.1 component instance."`
	EVSEID            int    `json:"evseId,omitempty" minimum:"0" doc:"OCPP 2.0.1: the EVSE of the component."`
	ConnectorID       int    `json:"connectorId,omitempty" minimum:"0" doc:"OCPP 2.0.1: the connector of the component; needs evseId."`
	Variable          string `json:"variable" minLength:"1" maxLength:"50" doc:"The OCPP 2.0.1 variable name; for 1.6 stations, the configuration key."`
	VariableInstance  string `json:"variableInstance,omitempty" maxLength:"50" doc:"OCPP 2.0.1 variable instance."`
	Attribute         string `json:"attribute,omitempty" enum:"Actual,Target,MinSet,MaxSet" doc:"OCPP 2.0.1 attribute to set; absent means Actual."`
	Value             string `json:"value" maxLength:"1000" doc:"The new value (1.6 stations take at most 500 characters)."`
}

type changeSettingsInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Changes []SettingChange `json:"changes" minItems:"1" maxItems:"50" doc:"Sent to 2.0.1 stations in one SetVariables, to 1.6 stations as one ChangeConfiguration per change."`
	} `nameHint:"ChangeSettingsRequest"`
}

// changeSettings handles PATCH /api/v1/stations/{id}/settings: asks the station to change
// settings. The answer's results say, change by change, what the station did; the values it took
// are stored, marked with the caller.
func (s *server) changeSettings(ctx context.Context, in *changeSettingsInput) (*commandOutput, error) {
	changes := make([]station.Setting, 0, len(in.Body.Changes))
	for i, c := range in.Body.Changes {
		if c.ConnectorID > 0 && c.EVSEID == 0 {
			return nil, ladda.Errorf(ladda.Invalid, "httpapi.changeSettings",
				"changes[%d]: connectorId needs an evseId: connectors are numbered within their EVSE", i)
		}
		changes = append(changes, station.Setting{
			Component:         c.Component,
			ComponentInstance: c.ComponentInstance,
			EVSEID:            c.EVSEID,
			ConnectorID:       c.ConnectorID,
			Variable:          c.Variable,
			VariableInstance:  c.VariableInstance,
			Attribute:         c.Attribute,
			Value:             c.Value,
		})
	}
	rec, err := s.stations.ChangeSettings(ctx, ladda.StationID(in.ID), changes, requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	return &commandOutput{Body: viewCommand(rec)}, nil
}

type readSettingsInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Settings []SettingRef `json:"settings" minItems:"1" maxItems:"50" doc:"Sent to 2.0.1 stations in one GetVariables, to 1.6 stations in one GetConfiguration."`
	} `nameHint:"ReadSettingsRequest"`
}

// SettingRef names a setting to read.
type SettingRef struct {
	Component         string `json:"component,omitempty" maxLength:"50" doc:"OCPP 2.0.1 component name; leave out for 1.6 stations."`
	ComponentInstance string `json:"componentInstance,omitempty" maxLength:"50"`
	EVSEID            int    `json:"evseId,omitempty" minimum:"0"`
	ConnectorID       int    `json:"connectorId,omitempty" minimum:"0"`
	Variable          string `json:"variable" minLength:"1" maxLength:"50" doc:"The OCPP 2.0.1 variable name; for 1.6 stations, the configuration key."`
	VariableInstance  string `json:"variableInstance,omitempty" maxLength:"50"`
	Attribute         string `json:"attribute,omitempty" enum:"Actual,Target,MinSet,MaxSet"`
}

// readSettings handles POST /api/v1/stations/{id}/settings/read: asks the station for some
// settings' current values (answer.results: each one's value, or why not), stores those it gave.
func (s *server) readSettings(ctx context.Context, in *readSettingsInput) (*commandOutput, error) {
	items := make([]station.Setting, 0, len(in.Body.Settings))
	for i, r := range in.Body.Settings {
		if r.ConnectorID > 0 && r.EVSEID == 0 {
			return nil, ladda.Errorf(ladda.Invalid, "httpapi.readSettings", "settings[%d]: connectorId needs an evseId", i)
		}
		items = append(items, station.Setting{Component: r.Component, ComponentInstance: r.ComponentInstance, EVSEID: r.EVSEID,
			ConnectorID: r.ConnectorID, Variable: r.Variable, VariableInstance: r.VariableInstance, Attribute: r.Attribute})
	}
	rec, err := s.stations.ReadSettings(ctx, ladda.StationID(in.ID), items, requestedBy(ctx))
	if err != nil {
		return nil, err
	}
	return &commandOutput{Body: viewCommand(rec)}, nil
}
