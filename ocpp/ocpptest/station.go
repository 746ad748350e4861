package ocpptest

import (
	"context"
	"crypto/ecdsa"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/gateway"
	"github.com/ladda-csms/ladda/ocpp/ocppj"
	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// The OCPP versions a Station speaks (Config.Version).
const (
	V16  = "1.6"
	V201 = "2.0.1"
)

// Defaults of Config.
const (
	DefaultConnectors    = 2
	DefaultPowerW        = 11000 // an 11 kW three-phase AC charge
	DefaultMeterInterval = time.Minute
	DefaultVendor        = "Ladda"
	DefaultModel         = "Simulator"
	DefaultTokenType     = "ISO14443" // an RFID card
	DefaultConnectorType = "cType2"   // a Type 2 socket, the 2.0.1 ConnectorEnumType
	// DefaultRetryInterval is how long a Pending or Rejected station waits before booting
	// again when the CSMS gave no interval.
	DefaultRetryInterval = 30 * time.Second
)

// answerGap is how long a follow-up message (a triggered message, the start of a remotely
// started session) waits after the CALL that caused it, so that the CALLRESULT, written when
// the handler returns, goes out first as OCPP requires.
const answerGap = 20 * time.Millisecond

// Errors of a Station. They are wrapped with the station id and the action.
var (
	ErrNotConnected   = errors.New("ocpptest: station is not connected")
	ErrClosed         = errors.New("ocpptest: station is closed")
	ErrConnectorBusy  = errors.New("ocpptest: connector has a session already")
	ErrUnavailable    = errors.New("ocpptest: connector is unavailable (Inoperative)")
	ErrNoConnector    = errors.New("ocpptest: no such connector")
	ErrSessionStopped = errors.New("ocpptest: session is stopped")
	// ErrReserved is StartSession's answer on a connector reserved for another token (or the
	// last connector a station-wide reservation needs): the station sends nothing.
	ErrReserved = errors.New("ocpptest: connector is reserved for another token")
)

// Config describes a simulated station. URL and ID are required.
type Config struct {
	// URL is the CSMS's OCPP endpoint without the station id, such as
	// ws://127.0.0.1:8080/ocpp; the station connects to URL/ID.
	URL string
	// ID is the station's identity: the last path segment and the basic-auth user.
	ID string
	// Password is sent with HTTP basic auth (security profiles 1 and 2); empty sends none.
	Password string
	// Version is V16 (default) or V201.
	Version string
	// Connectors is the number of connectors (1.6 connectors 1..N; 2.0.1 EVSEs 1..N with one
	// connector each). Default DefaultConnectors.
	Connectors int
	// Vendor, Model, SerialNumber and FirmwareVersion go into BootNotification. Defaults
	// DefaultVendor, DefaultModel, the station id (cut to 25 characters) and "ocpptest".
	// FirmwareVersion is the version the station starts with: an installed firmware update
	// replaces it (Station.Firmware).
	Vendor, Model, SerialNumber, FirmwareVersion string
	// Clock gives the timestamps of messages. Default: the system clock.
	Clock ladda.Clock
	// Logger receives what the station does, at debug level. Default: discard.
	Logger *slog.Logger
	// TLSConfig is used for wss:// URLs (and a client certificate, for security profile 3).
	// Its RootCAs (only) are also trusted for https firmware downloads and log uploads.
	TLSConfig *tls.Config
	// MeterInterval is the station's MeterValueSampleInterval (2.0.1 TxUpdatedInterval): how
	// often Session.Charge sends meter values. Default DefaultMeterInterval.
	MeterInterval time.Duration
	// PowerW is the charging power of the simulated car of Session.Charge, in W. Default
	// DefaultPowerW.
	PowerW float64
	// MaxCurrentA is the most each connector (EVSE) delivers, in A per phase: the limit where
	// no charging profile sets one, and a cap on those that do (Station.Limit,
	// GetCompositeSchedule). Default DefaultMaxCurrentA.
	MaxCurrentA float64
	// Car, when set, is the car of every remotely started session (RemoteStartTransaction,
	// RequestStartTransaction): the session runs Session.Drive with it, following the
	// charging profiles, instead of Session.Charge at PowerW for up to 8 hours.
	Car *Car
	// MeterStartWh is every connector's energy register when the station starts, in Wh.
	MeterStartWh float64
	// TokenType is the 2.0.1 IdTokenEnumType of the tokens presented. Default DefaultTokenType.
	TokenType string
	// ConnectorType is the 2.0.1 ConnectorEnumType of every connector: a ReserveNow asking for
	// another type is Rejected. Default DefaultConnectorType.
	ConnectorType string
	// DisableStationWideReservations makes the station answer Rejected to a ReserveNow of the
	// whole station (1.6 connector 0, 2.0.1 without evseId), as a 1.6 station with
	// ReserveConnectorZeroSupported false or a 2.0.1 one with ReservationCtrlr
	// NonEvseSpecific false does. By default it takes them.
	DisableStationWideReservations bool
	// CallTimeout bounds the wait for each answer of the CSMS. Default 30 s.
	CallTimeout time.Duration
	// DisplayVendorID makes a 1.6 station take display messages as DataTransfer with this
	// vendorId, the way some vendors carry 2.0.1 display messages in 1.6: messageId is the
	// 2.0.1 action (SetDisplayMessage, GetDisplayMessages, ClearDisplayMessage), data the 2.0.1
	// request as JSON text, and the answer's data the 2.0.1 response; the messages a query
	// finds come back the same way (messageId NotifyDisplayMessages). Empty: no display.
	DisplayVendorID string
	// DisableHeartbeat stops the station from sending heartbeats on its own. By default,
	// after an accepted boot, it sends one whenever it sent nothing for the heartbeat interval.
	DisableHeartbeat bool
	// Hook, when set, sees every CALL from the CSMS first and may refuse, delay or fail it.
	Hook Hook
	// Organization is the organization name (Organization, O) of the station's certificate
	// signing requests (RequestCertificate): the initial value of its setting CpoName (1.6)
	// or SecurityCtrlr OrganizationName (2.0.1), which the CSMS may change. Default
	// DefaultOrganization.
	Organization string
}

// ConnectorStatus is a connector's status in version-neutral words. StatusNotification turns
// it into the version's own: in 2.0.1, Preparing, Charging, SuspendedEV, SuspendedEVSE and
// Finishing are all Occupied; in 1.6, Occupied is Preparing.
type ConnectorStatus string

// The statuses.
const (
	StatusAvailable     ConnectorStatus = "Available"
	StatusPreparing     ConnectorStatus = "Preparing"
	StatusCharging      ConnectorStatus = "Charging"
	StatusSuspendedEV   ConnectorStatus = "SuspendedEV"
	StatusSuspendedEVSE ConnectorStatus = "SuspendedEVSE"
	StatusFinishing     ConnectorStatus = "Finishing"
	StatusReserved      ConnectorStatus = "Reserved"
	StatusUnavailable   ConnectorStatus = "Unavailable"
	StatusFaulted       ConnectorStatus = "Faulted"
	StatusOccupied      ConnectorStatus = "Occupied"
)

// Station is a simulated charging station. Create it with New; it is safe for concurrent use
// (the CALLs it sends still go out one at a time, as OCPP requires).
type Station struct {
	cfg   Config
	url   string
	clock ladda.Clock
	log   *slog.Logger

	bg     context.Context // background work: triggered messages, remote starts, reboots
	stopBg context.CancelFunc
	wg     sync.WaitGroup

	lastSent atomic.Int64 // unix nanoseconds of the last CALL sent, for heartbeats

	mu           sync.Mutex
	conn         *gateway.ClientConn
	closed       bool
	registration string // of the last boot answer
	boots        int    // accepted boots
	bootReason   v201.BootReason
	heartbeatOn  *gateway.ClientConn // the connection a heartbeat loop runs for
	connectors   []*connector        // [i] is connector (1.6) or EVSE (2.0.1) i+1
	settings     []*setting
	displays     map[int]v201.MessageInfo // 2.0.1 display messages shown, by id; guarded by mu
	resetAfter   string                   // a reset waiting for the sessions to end: its 1.6 reason
	localList    map[string]localEntry    // the local authorisation list, by token; guarded by mu
	listVersion  int                      // the local list's version, 0 when none; guarded by mu
	reservations map[int]*reservation     // the reservations held, by id; guarded by mu
	firmware     FirmwareState            // the firmware and its updates; guarded by mu
	firmwareJob  *job                     // the firmware update running, or the last; guarded by mu
	logJob       *job                     // the log upload running, or the last; guarded by mu
	uploads      []*Upload                // every log upload asked for, in order; guarded by mu

	pendingKeys  map[string]*ecdsa.PrivateKey // the keys of the CSRs sent, by certificate kind; guarded by mu
	stationCerts map[string]stationCert       // the station's own certificates, by kind; guarded by mu
	roots        []InstalledRoot              // the root certificates installed; guarded by mu

	monitors        map[int]Monitor     // the 2.0.1 variable monitors, by id; guarded by mu
	lastMonitorID   int                 // the id of the last monitor added; guarded by mu
	monitoringLevel int                 // the 2.0.1 monitoring level (SetMonitoringLevel); guarded by mu
	monitoringBase  v201.MonitoringBase // the 2.0.1 monitoring base (SetMonitoringBase); guarded by mu
	costs           map[string]float64  // the last 2.0.1 CostUpdated totalCost, by transaction; guarded by mu
	profiles        []*chargingProfile  // the charging profiles installed; guarded by mu
	finalCosts      map[string]float64  // the totalCost of a TransactionEvent Ended's answer, by transaction; guarded by mu

	reportMu sync.Mutex // one report of the reserved statuses at a time (reportReserved)
}

// connector is the state of one connector (1.6) or EVSE (2.0.1).
type connector struct {
	status      ConnectorStatus
	registerWh  float64
	session     *Session // the active session, or one being started
	started     bool     // session has started (its fields are all set)
	inoperative bool
	scheduled   bool // becomes inoperative when its session ends
}

// New returns a station for cfg with its defaults filled in; it does not connect yet.
func New(cfg Config) (*Station, error) {
	if cfg.URL == "" {
		return nil, errors.New("ocpptest: Config.URL is required")
	}
	if !ladda.ValidStationID(cfg.ID) {
		return nil, fmt.Errorf("ocpptest: Config.ID %q is not a valid station id", cfg.ID)
	}
	switch cfg.Version {
	case "":
		cfg.Version = V16
	case V16, V201:
	default:
		return nil, fmt.Errorf("ocpptest: Config.Version %q: want %s or %s", cfg.Version, V16, V201)
	}
	if cfg.Connectors < 0 {
		return nil, fmt.Errorf("ocpptest: Config.Connectors %d is negative", cfg.Connectors)
	}
	if cfg.Connectors == 0 {
		cfg.Connectors = DefaultConnectors
	}
	if cfg.Vendor == "" {
		cfg.Vendor = DefaultVendor
	}
	if cfg.Model == "" {
		cfg.Model = DefaultModel
	}
	if cfg.SerialNumber == "" {
		cfg.SerialNumber = cfg.ID[:min(len(cfg.ID), 25)]
	}
	if cfg.FirmwareVersion == "" {
		cfg.FirmwareVersion = "ocpptest"
	}
	if cfg.Clock == nil {
		cfg.Clock = ladda.SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.MeterInterval <= 0 {
		cfg.MeterInterval = DefaultMeterInterval
	}
	if cfg.PowerW < 0 || math.IsNaN(cfg.PowerW) {
		return nil, fmt.Errorf("ocpptest: Config.PowerW %v is not a power", cfg.PowerW)
	}
	if cfg.PowerW == 0 {
		cfg.PowerW = DefaultPowerW
	}
	if cfg.MaxCurrentA < 0 || math.IsNaN(cfg.MaxCurrentA) || math.IsInf(cfg.MaxCurrentA, 0) {
		return nil, fmt.Errorf("ocpptest: Config.MaxCurrentA %v is not a current", cfg.MaxCurrentA)
	}
	if cfg.MaxCurrentA == 0 {
		cfg.MaxCurrentA = DefaultMaxCurrentA
	}
	if cfg.Car != nil {
		car, err := cfg.Car.withDefaults()
		if err != nil {
			return nil, fmt.Errorf("ocpptest: Config.Car: %w", err)
		}
		cfg.Car = &car
	}
	if cfg.TokenType == "" {
		cfg.TokenType = DefaultTokenType
	}
	if cfg.ConnectorType == "" {
		cfg.ConnectorType = DefaultConnectorType
	}
	if cfg.Organization == "" {
		cfg.Organization = DefaultOrganization
	}
	u := strings.TrimRight(cfg.URL, "/") + "/" + url.PathEscape(cfg.ID)
	s := &Station{
		cfg:        cfg,
		url:        u,
		clock:      cfg.Clock,
		log:        cfg.Logger.With("station", cfg.ID),
		bootReason: v201.BootReasonPowerUp,
		settings:   newSettings(cfg),
		firmware:   FirmwareState{Version: cfg.FirmwareVersion},

		monitoringLevel: defaultMonitoringLevel,
		monitoringBase:  v201.MonitoringBaseAll,
	}
	s.bg, s.stopBg = context.WithCancel(context.Background())
	for range cfg.Connectors {
		s.connectors = append(s.connectors, &connector{status: StatusAvailable, registerWh: cfg.MeterStartWh})
	}
	return s, nil
}

// ID returns the station's id.
func (s *Station) ID() string { return s.cfg.ID }

// Version returns the OCPP version the station speaks.
func (s *Station) Version() string { return s.cfg.Version }

// Connect opens the WebSocket connection. A refused handshake is a *gateway.DialError with
// the HTTP status (401 for an unknown station or a wrong password). Connecting a connected
// station does nothing.
func (s *Station) Connect(ctx context.Context) error {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return fmt.Errorf("ocpptest: %s: connect: %w", s.cfg.ID, ErrClosed)
	}
	if s.conn != nil && !isDone(s.conn) {
		s.mu.Unlock()
		return nil
	}
	s.mu.Unlock()

	sub := v16.Subprotocol
	if s.cfg.Version == V201 {
		sub = v201.Subprotocol
	}
	opts := gateway.DialOptions{
		Subprotocols: []string{sub},
		TLSConfig:    s.cfg.TLSConfig,
		OnCall:       s.onCall,
		CallTimeout:  s.cfg.CallTimeout,
		Logger:       s.log,
	}
	if s.cfg.Password != "" {
		opts.Username, opts.Password = s.cfg.ID, s.cfg.Password
	}
	conn, err := gateway.Dial(ctx, s.url, opts)
	if err != nil {
		return fmt.Errorf("ocpptest: %s: connect: %w", s.cfg.ID, err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		_ = conn.Close()
		return fmt.Errorf("ocpptest: %s: connect: %w", s.cfg.ID, ErrClosed)
	}
	s.conn = conn
	s.log.Debug("connected", "url", s.url, "subprotocol", conn.Subprotocol())
	return nil
}

// Connected reports whether the station has an open connection.
func (s *Station) Connected() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.conn != nil && !isDone(s.conn)
}

// Done returns a channel closed when the current connection ends (for instance when the CSMS
// closes it); nil before the first Connect.
func (s *Station) Done() <-chan struct{} {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.conn == nil {
		return nil
	}
	return s.conn.Done()
}

// Disconnect closes the connection, like a power cut or a lost network: sessions stay as they
// are and a later Connect continues them.
func (s *Station) Disconnect() error {
	s.mu.Lock()
	conn := s.conn
	s.conn = nil
	s.mu.Unlock()
	if conn == nil {
		return nil
	}
	return conn.Close()
}

// Close closes the connection and ends the station's background work. A closed station
// cannot connect again.
func (s *Station) Close() error {
	s.mu.Lock()
	s.closed = true
	conn := s.conn
	s.conn = nil
	s.mu.Unlock()
	s.stopBg()
	var err error
	if conn != nil {
		err = conn.Close()
	}
	s.wg.Wait()
	return err
}

func isDone(c *gateway.ClientConn) bool {
	select {
	case <-c.Done():
		return true
	default:
		return false
	}
}

// call sends one CALL with the typed request req and decodes the answer into res (which may
// be nil). Errors: ErrNotConnected; the CSMS's CALLERROR as an *ocppj.Error; ocppj.ErrTimeout;
// ocppj.ErrClosed; ctx's error; each wrapped with the station id and action.
func (s *Station) call(ctx context.Context, action string, req, res any) error {
	s.mu.Lock()
	conn := s.conn
	s.mu.Unlock()
	if conn == nil {
		return fmt.Errorf("ocpptest: %s %s: %w", s.cfg.ID, action, ErrNotConnected)
	}
	payload, err := json.Marshal(req)
	if err != nil {
		return fmt.Errorf("ocpptest: %s %s: encoding: %w", s.cfg.ID, action, err)
	}
	s.lastSent.Store(time.Now().UnixNano())
	raw, err := conn.Call(ctx, action, payload)
	if err != nil {
		return fmt.Errorf("ocpptest: %s %s: %w", s.cfg.ID, action, err)
	}
	if res != nil {
		if err := json.Unmarshal(raw, res); err != nil {
			return fmt.Errorf("ocpptest: %s %s: reading the answer: %w", s.cfg.ID, action, err)
		}
	}
	return nil
}

// now is the clock's time as stations send it: UTC, whole milliseconds.
func (s *Station) now() time.Time { return s.clock.Now().UTC().Truncate(time.Millisecond) }

// BootResult is the CSMS's answer to a BootNotification.
type BootResult struct {
	Status      string        // Accepted, Pending or Rejected
	Interval    time.Duration // heartbeat interval when Accepted; retry interval otherwise
	CurrentTime time.Time     // the CSMS's clock
}

// BootOnce sends one BootNotification and returns the answer, whatever its status.
func (s *Station) BootOnce(ctx context.Context) (BootResult, error) {
	var res BootResult
	s.mu.Lock()
	firmware := s.firmware.Version
	s.mu.Unlock()
	if s.cfg.Version == V16 {
		var out v16.BootNotificationResponse
		err := s.call(ctx, "BootNotification", &v16.BootNotificationRequest{
			ChargePointVendor:       s.cfg.Vendor,
			ChargePointModel:        s.cfg.Model,
			ChargePointSerialNumber: s.cfg.SerialNumber,
			FirmwareVersion:         firmware,
		}, &out)
		if err != nil {
			return res, err
		}
		res = BootResult{Status: string(out.Status), Interval: time.Duration(out.Interval) * time.Second, CurrentTime: out.CurrentTime}
	} else {
		s.mu.Lock()
		reason := s.bootReason
		s.mu.Unlock()
		var out v201.BootNotificationResponse
		err := s.call(ctx, "BootNotification", &v201.BootNotificationRequest{
			ChargingStation: v201.ChargingStation{
				VendorName:      s.cfg.Vendor,
				Model:           s.cfg.Model,
				SerialNumber:    s.cfg.SerialNumber,
				FirmwareVersion: firmware,
			},
			Reason: reason,
		}, &out)
		if err != nil {
			return res, err
		}
		res = BootResult{Status: string(out.Status), Interval: time.Duration(out.Interval) * time.Second, CurrentTime: out.CurrentTime}
	}
	s.log.Debug("boot answered", "status", res.Status, "interval", res.Interval)
	s.mu.Lock()
	s.registration = res.Status
	var startHeartbeat *gateway.ClientConn
	if res.Status == "Accepted" {
		s.boots++
		s.bootReason = v201.BootReasonPowerUp
		if res.Interval > 0 {
			s.setLocked("HeartbeatInterval", strconv.Itoa(int(res.Interval/time.Second)))
		}
		if !s.cfg.DisableHeartbeat && s.conn != nil && s.heartbeatOn != s.conn {
			s.heartbeatOn = s.conn
			startHeartbeat = s.conn
		}
	}
	s.mu.Unlock()
	if startHeartbeat != nil {
		s.goBackground(func(ctx context.Context) { s.heartbeats(ctx, startHeartbeat) })
	}
	return res, nil
}

// Boot sends BootNotification until the CSMS accepts the station, waiting the interval it
// gives (DefaultRetryInterval when none) after each Pending or Rejected answer, as a station
// must. It returns the accepting answer, or the last answer and ctx's error when ctx ends first.
func (s *Station) Boot(ctx context.Context) (BootResult, error) {
	for attempt := 1; ; attempt++ {
		res, err := s.BootOnce(ctx)
		if err != nil || res.Status == "Accepted" {
			return res, err
		}
		wait := res.Interval
		if wait <= 0 {
			wait = DefaultRetryInterval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return res, fmt.Errorf("ocpptest: %s: still %s after %d boot attempts: %w", s.cfg.ID, res.Status, attempt, ctx.Err())
		case <-t.C:
		}
	}
}

// Registration returns the status of the last BootNotification answer ("" before any).
func (s *Station) Registration() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.registration
}

// Boots returns the number of accepted boots so far (a reset adds one).
func (s *Station) Boots() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.boots
}

// Up does what a station does at power-up: Connect, Boot until accepted, then report every
// connector's status (Available, or Unavailable when set Inoperative). When the CSMS closes
// the connection meanwhile (as Ladda does when an operator accepts a pending station), it
// connects again after a second, up to upRetries times.
func (s *Station) Up(ctx context.Context) error {
	for attempt := 0; ; attempt++ {
		err := s.up(ctx)
		if err == nil || attempt == upRetries || ctx.Err() != nil ||
			!(errors.Is(err, ocppj.ErrClosed) || errors.Is(err, ErrNotConnected)) {
			return err
		}
		s.log.Debug("connection lost while coming up; connecting again", "err", err)
		t := time.NewTimer(time.Second)
		select {
		case <-ctx.Done():
			t.Stop()
			return err
		case <-t.C:
		}
	}
}

// upRetries bounds the reconnections of Up.
const upRetries = 10

func (s *Station) up(ctx context.Context) error {
	if err := s.Connect(ctx); err != nil {
		return err
	}
	if _, err := s.Boot(ctx); err != nil {
		return err
	}
	for i := range s.cfg.Connectors {
		if err := s.StatusNotification(ctx, i+1, s.idleStatus(i+1)); err != nil {
			return err
		}
	}
	return nil
}

// idleStatus is the status of a connector without a session: Unavailable when Inoperative,
// Reserved when a reservation holds it, else Available.
func (s *Station) idleStatus(n int) ConnectorStatus {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.connectors[n-1].inoperative:
		return StatusUnavailable
	case s.reservedLocked(n):
		return StatusReserved
	}
	return StatusAvailable
}

// HeartbeatInterval is the interval the CSMS gave at the last accepted boot, or set since
// (HeartbeatInterval configuration key); 0 before any.
func (s *Station) HeartbeatInterval() time.Duration {
	return s.intSetting("HeartbeatInterval")
}

// MeterInterval is how often Session.Charge sends meter values (MeterValueSampleInterval).
func (s *Station) MeterInterval() time.Duration {
	d := s.intSetting("MeterValueSampleInterval")
	if d <= 0 {
		return s.cfg.MeterInterval
	}
	return d
}

func (s *Station) intSetting(key string) time.Duration {
	v, _ := s.Setting(key)
	n, _ := strconv.Atoi(v)
	return time.Duration(n) * time.Second
}

// Heartbeat sends a Heartbeat and returns the CSMS's time.
func (s *Station) Heartbeat(ctx context.Context) (time.Time, error) {
	if s.cfg.Version == V16 {
		var out v16.HeartbeatResponse
		err := s.call(ctx, "Heartbeat", &v16.HeartbeatRequest{}, &out)
		return out.CurrentTime, err
	}
	var out v201.HeartbeatResponse
	err := s.call(ctx, "Heartbeat", &v201.HeartbeatRequest{}, &out)
	return out.CurrentTime, err
}

// heartbeats sends a Heartbeat whenever nothing was sent for the heartbeat interval, until
// conn ends or the station closes.
func (s *Station) heartbeats(ctx context.Context, conn *gateway.ClientConn) {
	for {
		interval := s.HeartbeatInterval()
		if interval <= 0 {
			interval = 5 * time.Minute
		}
		idle := time.Since(time.Unix(0, s.lastSent.Load()))
		wait := interval - idle
		if wait <= 0 {
			if _, err := s.Heartbeat(ctx); err != nil {
				s.log.Debug("heartbeat failed", "err", err)
			}
			wait = interval
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-conn.Done():
			t.Stop()
			s.mu.Lock()
			if s.heartbeatOn == conn {
				s.heartbeatOn = nil
			}
			s.mu.Unlock()
			return
		case <-t.C:
		}
	}
}

// StatusNotification reports a connector's status (1.6 connector 0 is the station itself;
// 2.0.1 connector n is EVSE n, connector 1).
func (s *Station) StatusNotification(ctx context.Context, connectorID int, status ConnectorStatus) error {
	if connectorID < 0 || connectorID > s.cfg.Connectors || (connectorID == 0 && s.cfg.Version == V201) {
		return fmt.Errorf("ocpptest: %s StatusNotification: connector %d: %w", s.cfg.ID, connectorID, ErrNoConnector)
	}
	var err error
	if s.cfg.Version == V16 {
		st := v16.ChargePointStatus(status)
		code := v16.ChargePointErrorCodeNoError
		switch status {
		case StatusOccupied:
			st = v16.ChargePointStatusPreparing
		case StatusFaulted:
			code = v16.ChargePointErrorCodeOtherError
		}
		ts := s.now()
		err = s.call(ctx, "StatusNotification", &v16.StatusNotificationRequest{
			ConnectorID: connectorID,
			ErrorCode:   code,
			Status:      st,
			Timestamp:   &ts,
		}, nil)
	} else {
		st := v201.ConnectorStatus(status)
		switch status {
		case StatusPreparing, StatusCharging, StatusSuspendedEV, StatusSuspendedEVSE, StatusFinishing:
			st = v201.ConnectorStatusOccupied
		}
		err = s.call(ctx, "StatusNotification", &v201.StatusNotificationRequest{
			Timestamp:       s.now(),
			ConnectorStatus: st,
			EVSEID:          connectorID,
			ConnectorID:     1,
		}, nil)
	}
	if err != nil {
		return err
	}
	if connectorID > 0 {
		s.mu.Lock()
		s.connectors[connectorID-1].status = status
		s.mu.Unlock()
	}
	return nil
}

// Status returns the last status reported for a connector.
func (s *Station) Status(connectorID int) (ConnectorStatus, error) {
	if connectorID < 1 || connectorID > s.cfg.Connectors {
		return "", fmt.Errorf("ocpptest: %s: connector %d: %w", s.cfg.ID, connectorID, ErrNoConnector)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connectors[connectorID-1].status, nil
}

// Authorize asks whether idTag may charge and returns the CSMS's status (Accepted, Invalid,
// Blocked, Expired, ConcurrentTx; in 2.0.1 also Unknown and the others of that version).
func (s *Station) Authorize(ctx context.Context, idTag string) (string, error) {
	if s.cfg.Version == V16 {
		var out v16.AuthorizeResponse
		if err := s.call(ctx, "Authorize", &v16.AuthorizeRequest{IDTag: idTag}, &out); err != nil {
			return "", err
		}
		return string(out.IDTagInfo.Status), nil
	}
	var out v201.AuthorizeResponse
	if err := s.call(ctx, "Authorize", &v201.AuthorizeRequest{IDToken: s.idToken(idTag)}, &out); err != nil {
		return "", err
	}
	return string(out.IDTokenInfo.Status), nil
}

func (s *Station) idToken(tag string) v201.IDToken {
	return v201.IDToken{IDToken: tag, Type: v201.IDTokenEnum(s.cfg.TokenType)}
}

// goBackground runs f on its own goroutine with the station's background context; Close waits
// for it. It reports false, and does not run f, once the station is closed.
func (s *Station) goBackground(f func(ctx context.Context)) bool {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return false
	}
	s.wg.Add(1)
	s.mu.Unlock()
	go func() {
		defer s.wg.Done()
		f(s.bg)
	}()
	return true
}

// afterAnswer runs f in the background once the answer to the CALL being handled is out.
func (s *Station) afterAnswer(f func(ctx context.Context)) {
	s.goBackground(func(ctx context.Context) {
		t := time.NewTimer(answerGap)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		f(ctx)
	})
}
