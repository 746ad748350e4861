package ocpp

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
	"github.com/ladda-csms/ladda/station"
)

// reportRequests numbers 2.0.1 GetBaseReport requests; the station repeats the number in its
// NotifyReport messages.
var reportRequests atomic.Int32

func init() { reportRequests.Store(int32(time.Now().Unix() % 1_000_000)) }

// getSettings asks for the whole configuration (or some 1.6 keys).
func (c *Commander) getSettings(ctx context.Context, id ladda.StationID, version string, g station.GetSettings) (station.Answer, error) {
	if version == V16 {
		if len(g.Components)+len(g.Criteria) > 0 {
			return station.Answer{}, ladda.Errorf(ladda.Invalid, "ocpp.getSettings", "OCPP 1.6 settings are plain keys, without components")
		}
		var res v16.GetConfigurationResponse
		if err := c.Send(ctx, id, "GetConfiguration", &v16.GetConfigurationRequest{Key: g.Keys}, &res); err != nil {
			return station.Answer{}, err
		}
		a := station.Answer{Status: "Accepted", Unknown: res.UnknownKey, Settings: make([]station.Setting, 0, len(res.ConfigurationKey))}
		for _, kv := range res.ConfigurationKey {
			a.Settings = append(a.Settings, station.Setting{Variable: kv.Key, Value: kv.Value, ReadOnly: kv.Readonly})
		}
		return a, nil
	}
	if len(g.Keys) > 0 {
		return station.Answer{}, ladda.Errorf(ladda.Invalid, "ocpp.getSettings", "OCPP 2.0.1 stations report their device model by component: give components, not keys")
	}
	if len(g.Components)+len(g.Criteria) > 0 {
		return c.getReport(ctx, id, g)
	}
	var res v201.GetBaseReportResponse
	req := &v201.GetBaseReportRequest{RequestID: int(reportRequests.Add(1)), ReportBase: v201.ReportBaseFullInventory}
	if err := c.Send(ctx, id, "GetBaseReport", req, &res); err != nil {
		return station.Answer{}, err
	}
	a := station.Answer{Status: string(res.Status)}
	if res.StatusInfo != nil {
		a.Reason = res.StatusInfo.ReasonCode
	}
	return a, nil
}

// changeSettings changes settings: one 1.6 ChangeConfiguration per key, or one 2.0.1
// SetVariables. The answer's status sums the results up: Accepted when the station took every
// value (RebootRequired if any needs a reboot), Rejected when it took none, Partial otherwise.
func (c *Commander) changeSettings(ctx context.Context, id ladda.StationID, version string, ch station.ChangeSettings) (station.Answer, error) {
	var results []station.SettingResult
	if version == V16 {
		for _, s := range ch.Changes {
			if s.Component != "" || s.Attribute != "" || s.EVSEID != 0 {
				return station.Answer{}, ladda.Errorf(ladda.Invalid, "ocpp.changeSettings", "OCPP 1.6 settings are plain keys: give only variable and value")
			}
		}
		for _, s := range ch.Changes {
			var res v16.ChangeConfigurationResponse
			if err := c.Send(ctx, id, "ChangeConfiguration", &v16.ChangeConfigurationRequest{Key: s.Variable, Value: s.Value}, &res); err != nil {
				return station.Answer{}, err
			}
			results = append(results, station.SettingResult{Setting: s, Status: string(res.Status)})
		}
		return summarise(results), nil
	}
	req := &v201.SetVariablesRequest{}
	for _, s := range ch.Changes {
		req.SetVariableData = append(req.SetVariableData, v201.SetVariableData{
			AttributeType:  v201.Attribute(s.Attribute),
			AttributeValue: s.Value,
			Component:      component201(s),
			Variable:       v201.Variable{Name: s.Variable, Instance: s.VariableInstance},
		})
	}
	var res v201.SetVariablesResponse
	if err := c.Send(ctx, id, "SetVariables", req, &res); err != nil {
		return station.Answer{}, err
	}
	for _, r := range res.SetVariableResult {
		s := setting201(r.Component, r.Variable, r.AttributeType)
		for _, want := range ch.Changes { // the value is in the request, not the result
			if sameSetting(want, s) {
				s.Value = want.Value
				break
			}
		}
		sr := station.SettingResult{Setting: s, Status: string(r.AttributeStatus)}
		if r.AttributeStatusInfo != nil {
			sr.Reason = r.AttributeStatusInfo.ReasonCode
		}
		results = append(results, sr)
	}
	return summarise(results), nil
}

func summarise(results []station.SettingResult) station.Answer {
	changed, reboot := 0, false
	for _, r := range results {
		if r.Changed() {
			changed++
		}
		reboot = reboot || r.Status == "RebootRequired"
	}
	a := station.Answer{Results: results}
	switch {
	case changed == len(results) && reboot:
		a.Status = "RebootRequired"
	case changed == len(results):
		a.Status = "Accepted"
	case changed == 0:
		a.Status = "Rejected"
	default:
		a.Status = "Partial"
	}
	return a
}

func component201(s station.Setting) v201.Component {
	c := v201.Component{Name: s.Component, Instance: s.ComponentInstance}
	if s.EVSEID > 0 {
		c.EVSE = &v201.EVSE{ID: s.EVSEID}
		if s.ConnectorID > 0 {
			c.EVSE.ConnectorID = &s.ConnectorID
		}
	}
	return c
}

// setting201 is the identity of a 2.0.1 setting; the Actual attribute is the empty one, as
// in station.Setting.
func setting201(c v201.Component, v v201.Variable, attr v201.Attribute) station.Setting {
	s := station.Setting{Component: c.Name, ComponentInstance: c.Instance, Variable: v.Name, VariableInstance: v.Instance, Attribute: string(attr)}
	if attr == v201.AttributeActual {
		s.Attribute = ""
	}
	if c.EVSE != nil {
		s.EVSEID = c.EVSE.ID
		if c.EVSE.ConnectorID != nil {
			s.ConnectorID = *c.EVSE.ConnectorID
		}
	}
	return s
}

func sameSetting(a, b station.Setting) bool {
	attr := func(s string) string {
		if s == "" {
			return string(v201.AttributeActual)
		}
		return s
	}
	return a.Component == b.Component && a.ComponentInstance == b.ComponentInstance && a.EVSEID == b.EVSEID &&
		a.ConnectorID == b.ConnectorID && a.Variable == b.Variable && a.VariableInstance == b.VariableInstance && attr(a.Attribute) == attr(b.Attribute)
}

// reportedSettings turns the variables of a 2.0.1 NotifyReport into settings, one per attribute.
func reportedSettings(data []v201.ReportData) []station.Setting {
	var out []station.Setting
	for _, d := range data {
		for _, va := range d.VariableAttribute {
			s := setting201(d.Component, d.Variable, va.Type)
			s.Value = va.Value
			s.ReadOnly = va.Mutability == v201.MutabilityReadOnly
			if vc := d.VariableCharacteristics; vc != nil {
				s.Unit, s.DataType = vc.Unit, string(vc.DataType)
			}
			out = append(out, s)
		}
	}
	return out
}

// getReport asks a 2.0.1 station for the variables of some components, or of components that
// meet criteria (GetReport); they arrive in NotifyReport messages.
func (c *Commander) getReport(ctx context.Context, id ladda.StationID, g station.GetSettings) (station.Answer, error) {
	req := &v201.GetReportRequest{RequestID: int(reportRequests.Add(1))}
	for _, name := range g.Components {
		req.ComponentVariable = append(req.ComponentVariable, v201.ComponentVariable{Component: v201.Component{Name: name}})
	}
	for _, cr := range g.Criteria {
		req.ComponentCriteria = append(req.ComponentCriteria, v201.ComponentCriterion(cr))
	}
	var res v201.GetReportResponse
	if err := c.Send(ctx, id, "GetReport", req, &res); err != nil {
		return station.Answer{}, err
	}
	a := station.Answer{Status: string(res.Status)}
	if res.StatusInfo != nil {
		a.Reason = res.StatusInfo.ReasonCode
	}
	return a, nil
}

// readSettings asks for some settings' values: 1.6 GetConfiguration with their keys, 2.0.1
// GetVariables. The answer's status sums the results up as changeSettings does.
func (c *Commander) readSettings(ctx context.Context, id ladda.StationID, version string, r station.ReadSettings) (station.Answer, error) {
	const op = "ocpp.readSettings"
	if len(r.Items) == 0 {
		return station.Answer{}, ladda.Errorf(ladda.Invalid, op, "no settings named")
	}
	var results []station.SettingResult
	if version == V16 {
		keys := make([]string, 0, len(r.Items))
		for _, s := range r.Items {
			if s.Component != "" || s.Attribute != "" || s.EVSEID != 0 {
				return station.Answer{}, ladda.Errorf(ladda.Invalid, op, "OCPP 1.6 settings are plain keys: give only variable")
			}
			keys = append(keys, s.Variable)
		}
		var res v16.GetConfigurationResponse
		if err := c.Send(ctx, id, "GetConfiguration", &v16.GetConfigurationRequest{Key: keys}, &res); err != nil {
			return station.Answer{}, err
		}
		got := map[string]v16.KeyValue{}
		for _, kv := range res.ConfigurationKey {
			got[kv.Key] = kv
		}
		for _, s := range r.Items {
			kv, ok := got[s.Variable]
			if !ok {
				results = append(results, station.SettingResult{Setting: s, Status: "UnknownVariable"})
				continue
			}
			s.Value, s.ReadOnly = kv.Value, kv.Readonly
			results = append(results, station.SettingResult{Setting: s, Status: "Accepted"})
		}
		return summarise(results), nil
	}
	req := &v201.GetVariablesRequest{}
	for _, s := range r.Items {
		req.GetVariableData = append(req.GetVariableData, v201.GetVariableData{AttributeType: v201.Attribute(s.Attribute),
			Component: component201(s), Variable: v201.Variable{Name: s.Variable, Instance: s.VariableInstance}})
	}
	var res v201.GetVariablesResponse
	if err := c.Send(ctx, id, "GetVariables", req, &res); err != nil {
		return station.Answer{}, err
	}
	for _, g := range res.GetVariableResult {
		s := setting201(g.Component, g.Variable, g.AttributeType)
		s.Value = g.AttributeValue
		r := station.SettingResult{Setting: s, Status: string(g.AttributeStatus)}
		if g.AttributeStatusInfo != nil {
			r.Reason = g.AttributeStatusInfo.ReasonCode
		}
		results = append(results, r)
	}
	return summarise(results), nil
}
