package station

// ReadSettings asks a station for some settings' current values: 1.6 GetConfiguration with
// their keys, 2.0.1 GetVariables. The answer's Results hold each one's value or why not
// (UnknownComponent, UnknownVariable, NotSupportedAttributeType, Rejected).
type ReadSettings struct {
	Items []Setting `json:"items"`
}

// Action implements Command.
func (ReadSettings) Action() string { return "GetVariables" }

// Monitor watches a variable of a 2.0.1 station's device model and makes it report
// (NotifyEvent) when the value crosses a threshold, moves by Delta, or periodically.
type Monitor struct {
	ID                *int    `json:"id,omitempty"` // an existing monitor to replace; absent: a new one
	Component         string  `json:"component"`
	ComponentInstance string  `json:"componentInstance,omitempty"`
	EVSEID            int     `json:"evseId,omitempty"`
	ConnectorID       int     `json:"connectorId,omitempty"`
	Variable          string  `json:"variable"`
	VariableInstance  string  `json:"variableInstance,omitempty"`
	Type              string  `json:"type"` // UpperThreshold, LowerThreshold, Delta, Periodic, PeriodicClockAligned
	Value             float64 `json:"value"`
	Severity          int     `json:"severity"` // 0 (danger) … 9 (debug)
	Transaction       bool    `json:"transaction,omitempty"`
}

// MonitorResult is a station's answer about one monitor: Accepted (with its ID),
// UnknownComponent, UnknownVariable, UnsupportedMonitorType, Rejected, Duplicate; for a
// removal Accepted, Rejected or NotFound.
type MonitorResult struct {
	Monitor Monitor `json:"monitor"`
	Status  string  `json:"status"`
	Reason  string  `json:"reason,omitempty"`
}

// SetMonitors sets monitors (2.0.1 SetVariableMonitoring); the answer's Monitors hold a result
// per monitor, in order.
type SetMonitors struct {
	Monitors []Monitor `json:"monitors"`
}

// ClearMonitors removes monitors by id (2.0.1 ClearVariableMonitoring).
type ClearMonitors struct {
	IDs []int `json:"ids"`
}

// SetMonitoringBase chooses the station's monitors: All, FactoryDefault or HardWiredOnly (the
// last two drop custom ones).
type SetMonitoringBase struct {
	Base string `json:"base"`
}

// SetMonitoringLevel makes the station report only events of this severity or more severe
// (a lower number).
type SetMonitoringLevel struct {
	Severity int `json:"severity"`
}

// GetMonitoringReport asks a station for its monitors; it answers Accepted and sends them in
// NotifyMonitoringReport messages (kept as reports), or EmptyResultSet. Criteria (ThresholdMonitoring,
// DeltaMonitoring, PeriodicMonitoring) and Components narrow it.
type GetMonitoringReport struct {
	RequestID  int      `json:"requestId"`
	Criteria   []string `json:"criteria,omitempty"`
	Components []string `json:"components,omitempty"`
}

// Action implementations of the monitoring commands.
func (SetMonitors) Action() string         { return "SetVariableMonitoring" }
func (ClearMonitors) Action() string       { return "ClearVariableMonitoring" }
func (SetMonitoringBase) Action() string   { return "SetMonitoringBase" }
func (SetMonitoringLevel) Action() string  { return "SetMonitoringLevel" }
func (GetMonitoringReport) Action() string { return "GetMonitoringReport" }
