package ocpptest

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
	"sync"
	"time"

	"github.com/ladda-csms/ladda/ocpp/v16"
	"github.com/ladda-csms/ladda/ocpp/v201"
)

// Session is a charging session on one connector, from StartSession to Stop.
type Session struct {
	Connector int    // 1.6 connector id; 2.0.1 EVSE id (connector 1 of it)
	IDTag     string // the token that started it
	// TransactionID is the CSMS's transaction id (decimal) in 1.6, the station's own in 2.0.1.
	TransactionID string
	StartedAt     time.Time
	MeterStartWh  float64 // the energy register at the start
	// ReservationID is the reservation the session used (1.6 StartTransaction and 2.0.1
	// TransactionEvent Started reservationId); nil when it used none.
	ReservationID *int

	st            *Station
	reservation   *reservation // the reservation the start may use, until it is used
	txID16        int
	remoteStartID *int
	profile       json.RawMessage // the charging profile of its remote start; nil when none
	done          chan struct{}

	mu       sync.Mutex
	seq      int     // 2.0.1 seqNo of the last TransactionEvent
	energyWh float64 // delivered so far
	sentWh   float64 // delivered as of the last report
	stopped  bool
	drive    *drive // the car charging it while Drive runs; nil otherwise
	plan     []PlanPeriod
	planFrom time.Time // when plan starts
}

// RejectedError is StartSession's answer when the CSMS did not accept the token: at
// Authorize (no transaction was started) or at the start of the transaction, which the station
// then stopped again with reason DeAuthorized (TransactionID is then set).
type RejectedError struct {
	IDTag         string
	Status        string // the CSMS's authorization status, such as Invalid, Blocked or Unknown
	TransactionID string
}

func (e *RejectedError) Error() string {
	if e.TransactionID != "" {
		return fmt.Sprintf("ocpptest: id tag %q not accepted (%s); transaction %s stopped", e.IDTag, e.Status, e.TransactionID)
	}
	return fmt.Sprintf("ocpptest: id tag %q not accepted (%s)", e.IDTag, e.Status)
}

// startOptions tell how a session starts.
type startOptions struct {
	authorize     bool            // send Authorize first
	remote        bool            // started by RemoteStartTransaction / RequestStartTransaction
	remoteStartID *int            // 2.0.1 remoteStartId
	profile       json.RawMessage // the TxProfile of the remote start, nil when none
}

// StartSession starts charging on a connector with idTag, as a driver presenting a card does.
// 1.6: Authorize, StatusNotification Preparing, StartTransaction, StatusNotification Charging.
// 2.0.1: Authorize, StatusNotification Occupied, TransactionEvent Started (trigger Authorized,
// seqNo 0, our transaction id, the EVSE, the token and the register at the start).
// A token not accepted gives a *RejectedError; ErrConnectorBusy when the connector has a
// session, ErrUnavailable when it is Inoperative, ErrNoConnector for a bad number.
//
// Reservations: on a connector reserved for idTag (or for its group, see Reservation) the
// session uses the reservation, whose id its start carries; so does a start of the token of a
// station-wide reservation on any connector. Any other token gets ErrReserved on a reserved
// connector, and on a free one when taking it would leave fewer free connectors than there
// are station-wide reservations; nothing is sent then.
func (s *Station) StartSession(ctx context.Context, connectorID int, idTag string) (*Session, error) {
	return s.startSession(ctx, connectorID, idTag, startOptions{authorize: true})
}

func (s *Station) startSession(ctx context.Context, n int, tag string, o startOptions) (*Session, error) {
	if n < 1 || n > s.cfg.Connectors {
		return nil, fmt.Errorf("ocpptest: %s: start on connector %d: %w", s.cfg.ID, n, ErrNoConnector)
	}
	sess := &Session{st: s, Connector: n, IDTag: tag, remoteStartID: o.remoteStartID, profile: o.profile, done: make(chan struct{})}
	s.mu.Lock()
	c := s.connectors[n-1]
	switch {
	case c.session != nil:
		s.mu.Unlock()
		return nil, fmt.Errorf("ocpptest: %s: start on connector %d: %w", s.cfg.ID, n, ErrConnectorBusy)
	case c.inoperative:
		s.mu.Unlock()
		return nil, fmt.Errorf("ocpptest: %s: start on connector %d: %w", s.cfg.ID, n, ErrUnavailable)
	}
	r, err := s.reservationForLocked(n, tag)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("ocpptest: %s: start on connector %d: %w", s.cfg.ID, n, err)
	}
	sess.reservation = r
	c.session = sess
	s.mu.Unlock()

	err = s.begin(ctx, sess, o)
	if err != nil {
		s.release(sess)
		return nil, err
	}
	s.mu.Lock()
	if c.session == sess {
		c.started = true
	}
	reserved := len(s.reservations) > 0
	s.mu.Unlock()
	if sess.profile != nil {
		s.installSessionProfile(sess)
	}
	if reserved {
		// Taking a connector may leave the others held by station-wide reservations.
		s.reportReserved(ctx)
	}
	s.log.Debug("session started", "connector", n, "transaction", sess.TransactionID, "idTag", tag)
	return sess, nil
}

// begin runs the start of a session's conversation.
func (s *Station) begin(ctx context.Context, sess *Session, o startOptions) error {
	if o.authorize {
		status, err := s.Authorize(ctx, sess.IDTag)
		if err != nil {
			return err
		}
		if status != "Accepted" {
			return &RejectedError{IDTag: sess.IDTag, Status: status}
		}
	}
	s.useReservation(sess)
	if s.cfg.Version == V16 {
		return s.begin16(ctx, sess)
	}
	return s.begin201(ctx, sess, o)
}

func (s *Station) begin16(ctx context.Context, sess *Session) error {
	if err := s.StatusNotification(ctx, sess.Connector, StatusPreparing); err != nil {
		return err
	}
	start := math.Round(s.register(sess.Connector))
	sess.MeterStartWh = start
	sess.StartedAt = s.now()
	var out v16.StartTransactionResponse
	err := s.call(ctx, "StartTransaction", &v16.StartTransactionRequest{
		ConnectorID:   sess.Connector,
		IDTag:         sess.IDTag,
		MeterStart:    int(start),
		ReservationID: sess.ReservationID,
		Timestamp:     sess.StartedAt,
	}, &out)
	if err != nil {
		return err
	}
	sess.txID16 = out.TransactionID
	sess.TransactionID = strconv.Itoa(out.TransactionID)
	if out.IDTagInfo.Status != v16.AuthorizationStatusAccepted {
		// StopTransactionOnInvalidId: a real station ends the transaction it just began.
		if err := sess.Stop(ctx, string(v16.ReasonDeAuthorized)); err != nil {
			return err
		}
		return &RejectedError{IDTag: sess.IDTag, Status: string(out.IDTagInfo.Status), TransactionID: sess.TransactionID}
	}
	return s.StatusNotification(ctx, sess.Connector, StatusCharging)
}

func (s *Station) begin201(ctx context.Context, sess *Session, o startOptions) error {
	if err := s.StatusNotification(ctx, sess.Connector, StatusOccupied); err != nil {
		return err
	}
	sess.MeterStartWh = s.register(sess.Connector)
	sess.StartedAt = s.now()
	sess.TransactionID = newTransactionID()
	trigger := v201.TriggerReasonAuthorized
	if o.remote {
		trigger = v201.TriggerReasonRemoteStart
	}
	connectorID := 1
	token := s.idToken(sess.IDTag)
	var out v201.TransactionEventResponse
	err := s.call(ctx, "TransactionEvent", &v201.TransactionEventRequest{
		EventType:     v201.TransactionEventStarted,
		Timestamp:     sess.StartedAt,
		TriggerReason: trigger,
		SeqNo:         0,
		ReservationID: sess.ReservationID,
		TransactionInfo: v201.Transaction{
			TransactionID: sess.TransactionID,
			ChargingState: v201.ChargingStateCharging,
			RemoteStartID: o.remoteStartID,
		},
		EVSE:       &v201.EVSE{ID: sess.Connector, ConnectorID: &connectorID},
		IDToken:    &token,
		MeterValue: []v201.MeterValue{meterValue201(sess.StartedAt, sess.MeterStartWh, 0, v201.ReadingContextTransactionBegin)},
	}, &out)
	if err != nil {
		return err
	}
	if out.IDTokenInfo != nil && out.IDTokenInfo.Status != v201.AuthorizationStatusAccepted {
		if err := sess.Stop(ctx, string(v201.ReasonDeAuthorized)); err != nil {
			return err
		}
		return &RejectedError{IDTag: sess.IDTag, Status: string(out.IDTokenInfo.Status), TransactionID: sess.TransactionID}
	}
	return nil
}

// release frees the connector of a session that failed to start or has stopped.
func (s *Station) release(sess *Session) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if c := s.connectors[sess.Connector-1]; c.session == sess {
		c.session, c.started = nil, false
	}
}

// Session returns the active session on a connector, if any.
func (s *Station) Session(connectorID int) (*Session, bool) {
	if connectorID < 1 || connectorID > s.cfg.Connectors {
		return nil, false
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	c := s.connectors[connectorID-1]
	if !c.started {
		return nil, false
	}
	return c.session, true
}

// sessions returns the active sessions.
func (s *Station) sessions() []*Session {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []*Session
	for _, c := range s.connectors {
		if c.started {
			out = append(out, c.session)
		}
	}
	return out
}

// register returns a connector's energy register.
func (s *Station) register(n int) float64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.connectors[n-1].registerWh
}

func (s *Station) setRegister(n int, wh float64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.connectors[n-1].registerWh = wh
}

// EnergyWh is the energy delivered in the session so far, in Wh.
func (x *Session) EnergyWh() float64 {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.drive != nil && !x.stopped {
		x.settleLocked(time.Now())
	}
	return x.energyWh
}

// Done is closed when the session has stopped, by Stop or by the CSMS (remote stop, reset).
func (x *Session) Done() <-chan struct{} { return x.done }

// Meter reports that energyWh has been delivered since the session started: 1.6 MeterValues
// with the transaction id, 2.0.1 TransactionEvent Updated (trigger MeterValuePeriodic), each
// with Energy.Active.Import.Register in Wh (whole Wh in 1.6, as meters there report) and
// Power.Active.Import in W. energyWh may not go down. While a car charges the session
// (Drive), the car's energy, power, currents and state of charge are reported instead.
func (x *Session) Meter(ctx context.Context, energyWh float64) error {
	return x.report(ctx, energyWh, false)
}

// report sends the session's meter values; triggered marks an answer to TriggerMessage.
func (x *Session) report(ctx context.Context, energyWh float64, triggered bool) error {
	s := x.st
	x.mu.Lock()
	if x.stopped {
		x.mu.Unlock()
		return fmt.Errorf("ocpptest: %s: meter transaction %s: %w", s.cfg.ID, x.TransactionID, ErrSessionStopped)
	}
	var r reading
	state := v201.ChargingStateCharging
	if d := x.drive; d != nil {
		x.settleLocked(time.Now())
		energyWh, r, state = x.energyWh, x.readingLocked(), d.state.state201()
	} else {
		if math.IsNaN(energyWh) || energyWh < x.energyWh {
			x.mu.Unlock()
			return fmt.Errorf("ocpptest: %s: meter transaction %s: energy %v Wh is below the %v Wh reported before", s.cfg.ID, x.TransactionID, energyWh, x.energyWh)
		}
		if energyWh > x.sentWh || (triggered && energyWh > 0) {
			r.powerW = s.cfg.PowerW
		}
	}
	x.energyWh, x.sentWh = energyWh, energyWh
	x.seq++
	seq := x.seq
	register := x.MeterStartWh + energyWh
	x.mu.Unlock()
	s.setRegister(x.Connector, register)

	now := s.now()
	if s.cfg.Version == V16 {
		id := x.txID16
		rc := v16.ReadingContextSamplePeriodic
		if triggered {
			rc = v16.ReadingContextTrigger
		}
		mv := meterValue16(now, register, r.powerW, rc)
		r.add16(&mv, rc)
		return s.call(ctx, "MeterValues", &v16.MeterValuesRequest{
			ConnectorID:   x.Connector,
			TransactionID: &id,
			MeterValue:    []v16.MeterValue{mv},
		}, nil)
	}
	rc, trigger := v201.ReadingContextSamplePeriodic, v201.TriggerReasonMeterValuePeriodic
	if triggered {
		rc, trigger = v201.ReadingContextTrigger, v201.TriggerReasonTrigger
	}
	mv := meterValue201(now, register, r.powerW, rc)
	r.add201(&mv, rc)
	return s.call(ctx, "TransactionEvent", &v201.TransactionEventRequest{
		EventType:       v201.TransactionEventUpdated,
		Timestamp:       now,
		TriggerReason:   trigger,
		SeqNo:           seq,
		TransactionInfo: v201.Transaction{TransactionID: x.TransactionID, ChargingState: state},
		MeterValue:      []v201.MeterValue{mv},
	}, nil)
}

// advance moves the delivered energy on without reporting it (the register keeps counting
// between reports); Stop reports it.
func (x *Session) advance(energyWh float64) {
	x.mu.Lock()
	if x.stopped || energyWh < x.energyWh {
		x.mu.Unlock()
		return
	}
	x.energyWh = energyWh
	register := x.MeterStartWh + energyWh
	x.mu.Unlock()
	x.st.setRegister(x.Connector, register)
}

// Charge simulates the car charging at Config.PowerW for d: every meter interval
// (MeterValueSampleInterval) it reports the energy so far with Meter. At the end the register
// has advanced by the whole d, ready for Stop. It returns early, with nil, when the session
// stops (a remote stop), and with ctx's error when ctx ends.
func (x *Session) Charge(ctx context.Context, d time.Duration) error {
	start := time.Now()
	base := x.EnergyWh()
	power := x.st.cfg.PowerW
	for {
		elapsed := time.Since(start)
		if elapsed >= d {
			x.advance(base + power*d.Hours())
			return nil
		}
		interval := x.st.MeterInterval()
		next := (elapsed/interval + 1) * interval
		wait := min(next, d) - elapsed
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-x.done:
			t.Stop()
			return nil
		case <-t.C:
		}
		if time.Since(start) >= d {
			continue
		}
		if err := x.Meter(ctx, base+power*time.Since(start).Hours()); err != nil {
			if errors.Is(err, ErrSessionStopped) {
				return nil
			}
			return err
		}
	}
}

// Stop ends the session with a reason in either version's words (Local, Remote,
// EVDisconnected, DeAuthorized, EmergencyStop, PowerLoss, Reboot, HardReset, SoftReset,
// ImmediateReset, Other...; empty is Local); a reason the version lacks becomes its nearest one.
// 1.6: StopTransaction with meterStop and transactionData, then StatusNotification Finishing and
// Available. 2.0.1: TransactionEvent Ended with the final register, then StatusNotification
// Available. ErrSessionStopped when it stopped already.
func (x *Session) Stop(ctx context.Context, reason string) error {
	s := x.st
	x.mu.Lock()
	if x.stopped {
		x.mu.Unlock()
		return fmt.Errorf("ocpptest: %s: stop transaction %s: %w", s.cfg.ID, x.TransactionID, ErrSessionStopped)
	}
	if x.drive != nil {
		x.settleLocked(time.Now())
	}
	x.stopped = true
	x.seq++
	seq := x.seq
	register := x.MeterStartWh + x.energyWh
	x.mu.Unlock()

	now := s.now()
	var err error
	if s.cfg.Version == V16 {
		r := reason16(reason)
		req := &v16.StopTransactionRequest{
			MeterStop:       int(math.Round(register)),
			Timestamp:       now,
			TransactionID:   x.txID16,
			Reason:          r,
			TransactionData: []v16.MeterValue{meterValue16(now, register, 0, v16.ReadingContextTransactionEnd)},
		}
		if r == v16.ReasonLocal {
			req.IDTag = x.IDTag // the driver presented the card again
		}
		err = s.call(ctx, "StopTransaction", req, nil)
	} else {
		r := reason201(reason)
		trigger := stopTrigger201(r)
		state := v201.ChargingStateEVConnected
		if r == v201.ReasonEVDisconnected {
			state = v201.ChargingStateIdle
		}
		req := &v201.TransactionEventRequest{
			EventType:     v201.TransactionEventEnded,
			Timestamp:     now,
			TriggerReason: trigger,
			SeqNo:         seq,
			TransactionInfo: v201.Transaction{
				TransactionID: x.TransactionID,
				ChargingState: state,
				StoppedReason: r,
			},
			MeterValue: []v201.MeterValue{meterValue201(now, register, 0, v201.ReadingContextTransactionEnd)},
		}
		if trigger == v201.TriggerReasonStopAuthorized {
			token := s.idToken(x.IDTag)
			req.IDToken = &token
		}
		var out v201.TransactionEventResponse
		err = s.call(ctx, "TransactionEvent", req, &out)
		if err == nil && out.TotalCost != nil {
			s.setFinalCost(x.TransactionID, *out.TotalCost)
		}
	}
	if err != nil {
		x.mu.Lock()
		x.stopped = false
		x.mu.Unlock()
		return err
	}
	close(x.done)
	s.setRegister(x.Connector, register)
	s.log.Debug("session stopped", "connector", x.Connector, "transaction", x.TransactionID, "energyWh", x.EnergyWh(), "reason", reason)
	return s.ended(ctx, x)
}

// ended frees the connector after a stop, applies what waited for it (an Inoperative
// availability, a reset) and reports the connector's new status.
func (s *Station) ended(ctx context.Context, x *Session) error {
	s.mu.Lock()
	c := s.connectors[x.Connector-1]
	if c.session == x {
		c.session, c.started = nil, false
		s.dropTxProfilesLocked(x.Connector) // a TxProfile goes with its transaction
	}
	if c.scheduled {
		c.scheduled, c.inoperative = false, true
	}
	reboot := ""
	if s.resetAfter != "" && s.activeLocked() == 0 {
		reboot, s.resetAfter = s.resetAfter, ""
	}
	reserved := len(s.reservations) > 0
	s.mu.Unlock()

	if s.cfg.Version == V16 {
		if err := s.StatusNotification(ctx, x.Connector, StatusFinishing); err != nil {
			return err
		}
	}
	if err := s.StatusNotification(ctx, x.Connector, s.idleStatus(x.Connector)); err != nil {
		return err
	}
	if reserved {
		// A connector set free may release others that station-wide reservations held.
		s.reportReserved(ctx)
	}
	if reboot != "" {
		s.goBackground(func(ctx context.Context) { s.reboot(ctx, reboot) })
	}
	return nil
}

// activeLocked counts connectors with a session.
func (s *Station) activeLocked() int {
	n := 0
	for _, c := range s.connectors {
		if c.session != nil {
			n++
		}
	}
	return n
}

func meterValue16(t time.Time, registerWh, powerW float64, ctx v16.ReadingContext) v16.MeterValue {
	mv := v16.MeterValue{Timestamp: t, SampledValue: []v16.SampledValue{{
		Value:     strconv.FormatFloat(math.Round(registerWh), 'f', -1, 64),
		Context:   ctx,
		Measurand: v16.MeasurandEnergyActiveImportRegister,
		Location:  v16.LocationOutlet,
		Unit:      v16.UnitOfMeasureWh,
	}}}
	if ctx == v16.ReadingContextSamplePeriodic || ctx == v16.ReadingContextTrigger {
		mv.SampledValue = append(mv.SampledValue, v16.SampledValue{
			Value:     strconv.FormatFloat(math.Round(powerW), 'f', -1, 64),
			Context:   ctx,
			Measurand: v16.MeasurandPowerActiveImport,
			Location:  v16.LocationOutlet,
			Unit:      v16.UnitOfMeasureW,
		})
	}
	return mv
}

func meterValue201(t time.Time, registerWh, powerW float64, ctx v201.ReadingContext) v201.MeterValue {
	mv := v201.MeterValue{Timestamp: t, SampledValue: []v201.SampledValue{{
		Value:         registerWh,
		Context:       ctx,
		Measurand:     v201.MeasurandEnergyActiveImportRegister,
		Location:      v201.LocationOutlet,
		UnitOfMeasure: &v201.UnitOfMeasure{Unit: "Wh"},
	}}}
	if ctx == v201.ReadingContextSamplePeriodic || ctx == v201.ReadingContextTrigger {
		mv.SampledValue = append(mv.SampledValue, v201.SampledValue{
			Value:         powerW,
			Context:       ctx,
			Measurand:     v201.MeasurandPowerActiveImport,
			Location:      v201.LocationOutlet,
			UnitOfMeasure: &v201.UnitOfMeasure{Unit: "W"},
		})
	}
	return mv
}

// reason16 maps a stop reason to 1.6.
func reason16(r string) v16.Reason {
	switch v16.Reason(r) {
	case "":
		return v16.ReasonLocal
	case v16.ReasonEmergencyStop, v16.ReasonEVDisconnected, v16.ReasonHardReset, v16.ReasonLocal, v16.ReasonOther,
		v16.ReasonPowerLoss, v16.ReasonReboot, v16.ReasonRemote, v16.ReasonSoftReset, v16.ReasonUnlockCommand, v16.ReasonDeAuthorized:
		return v16.Reason(r)
	}
	if v201.Reason(r) == v201.ReasonImmediateReset {
		return v16.ReasonHardReset
	}
	return v16.ReasonOther
}

// reason201 maps a stop reason to 2.0.1.
func reason201(r string) v201.Reason {
	switch v201.Reason(r) {
	case "":
		return v201.ReasonLocal
	case v201.ReasonDeAuthorized, v201.ReasonEmergencyStop, v201.ReasonEnergyLimitReached, v201.ReasonEVDisconnected,
		v201.ReasonGroundFault, v201.ReasonImmediateReset, v201.ReasonLocal, v201.ReasonLocalOutOfCredit,
		v201.ReasonMasterPass, v201.ReasonOther, v201.ReasonOvercurrentFault, v201.ReasonPowerLoss,
		v201.ReasonPowerQuality, v201.ReasonReboot, v201.ReasonRemote, v201.ReasonSOCLimitReached,
		v201.ReasonStoppedByEV, v201.ReasonTimeLimitReached, v201.ReasonTimeout:
		return v201.Reason(r)
	}
	switch v16.Reason(r) {
	case v16.ReasonHardReset, v16.ReasonSoftReset:
		return v201.ReasonImmediateReset
	}
	return v201.ReasonOther
}

// stopTrigger201 is the triggerReason of the TransactionEvent Ended for a stop reason.
func stopTrigger201(r v201.Reason) v201.TriggerReason {
	switch r {
	case v201.ReasonRemote:
		return v201.TriggerReasonRemoteStop
	case v201.ReasonDeAuthorized:
		return v201.TriggerReasonDeauthorized
	case v201.ReasonEVDisconnected:
		return v201.TriggerReasonEVDeparted
	case v201.ReasonImmediateReset:
		return v201.TriggerReasonResetCommand
	case v201.ReasonEnergyLimitReached:
		return v201.TriggerReasonEnergyLimitReached
	case v201.ReasonTimeLimitReached:
		return v201.TriggerReasonTimeLimitReached
	case v201.ReasonLocal, v201.ReasonOther, v201.ReasonMasterPass:
		return v201.TriggerReasonStopAuthorized
	}
	return v201.TriggerReasonAbnormalCondition
}

// newTransactionID returns a random UUID (version 4), the usual form of 2.0.1 transaction ids.
func newTransactionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
