// Package ocpptest is a simulated charging station, in the spirit of net/http/httptest: a
// Station speaks OCPP 1.6J or 2.0.1 to a CSMS over a real WebSocket (through gateway.Dial) and
// behaves as a simple, well-behaved station would. Tests use it to drive the server end to
// end; `ladda sim` runs a few for demos and `ladda load` runs thousands for benchmarks.
//
// A Station has a version-neutral API: Connect, Boot (which obeys Accepted, Pending and
// Rejected and their retry interval), Heartbeat, StatusNotification, Authorize, and sessions:
// StartSession, Session.Meter (or Session.Charge, which meters at the configured power and
// interval, or Session.Drive, which charges a simulated Car that follows the charging
// profiles) and Session.Stop. In 1.6 a session is Authorize, StatusNotification Preparing,
// StartTransaction and StatusNotification Charging; MeterValues with the transaction id; and
// StopTransaction with its transactionData, then Finishing and Available. In 2.0.1 it is
// Authorize, StatusNotification Occupied, TransactionEvent Started / Updated / Ended with
// sequence numbers and the station's own transaction id, then Available. A token the CSMS
// does not accept ends the session as a real station would (1.6: StopTransaction with reason
// DeAuthorized) and StartSession returns a *RejectedError.
//
// The station answers the CSMS's own CALLs: Reset, ChangeAvailability, UnlockConnector,
// ClearCache, GetConfiguration and ChangeConfiguration (1.6), GetVariables, SetVariables, and
// GetBaseReport and GetReport with a NotifyReport (2.0.1), SetVariableMonitoring,
// ClearVariableMonitoring, SetMonitoringBase, SetMonitoringLevel and GetMonitoringReport with a
// NotifyMonitoringReport (2.0.1), TriggerMessage and ExtendedTriggerMessage (1.6 security
// extension), RemoteStartTransaction / RemoteStopTransaction (1.6) and RequestStartTransaction /
// RequestStopTransaction (2.0.1), CostUpdated (2.0.1), SetDisplayMessage, GetDisplayMessages
// with a NotifyDisplayMessages and ClearDisplayMessage (2.0.1), SendLocalList (Full and
// Differential, keeping the list and its version) and GetLocalListVersion, ReserveNow and
// CancelReservation, UpdateFirmware (1.6 and 2.0.1) and SignedUpdateFirmware (1.6 security
// extension), GetDiagnostics (1.6) and GetLog (1.6 security extension and 2.0.1),
// CertificateSigned, InstallCertificate, GetInstalledCertificateIds and DeleteCertificate (1.6
// security extension and 2.0.1), SetChargingProfile, ClearChargingProfile and
// GetCompositeSchedule (1.6 and 2.0.1) and GetChargingProfiles with ReportChargingProfiles
// (2.0.1), DataTransfer; every other action is answered NotImplemented.
// Config.Hook lets a test refuse, delay or fail any of them.
//
// The 2.0.1 device model is the station's settings (Setting), each a variable of a component
// of the station itself: a component asked for with an instance or an EVSE, or a variable with
// an instance, is unknown, and the variables have only the Actual attribute. GetVariables
// answers item by item (Accepted with the value, UnknownComponent, UnknownVariable,
// NotSupportedAttributeType); GetReport reports the variables of the components and variables
// asked for that meet the criteria (every component is Available and Enabled, none Active or
// with a Problem), or answers EmptyResultSet and reports nothing.
//
// Variable monitors (Monitor, Station.Monitors) are kept as a station keeps them, on those
// variables: SetVariableMonitoring gives a new monitor the next id (ids are not used again),
// replaces the monitor of an id given and rejects an id it does not hold; it answers
// UnsupportedMonitorType to a threshold on a variable that is not a number, Rejected to a
// severity outside 0-9, and Duplicate to a second monitor of a variable with the type and
// severity of another. ClearVariableMonitoring answers Accepted or NotFound per id;
// SetMonitoringLevel (Station.MonitoringLevel) takes a severity of 0 to 9; SetMonitoringBase
// (Station.MonitoringBase) FactoryDefault or HardWiredOnly removes every monitor. The station
// does not raise monitoring events.
//
// Costs: the station keeps the last CostUpdated totalCost of each transaction (Station.Cost)
// and the totalCost of the CSMS's answer to its TransactionEvent Ended (Station.FinalCost).
//
// Smart charging (1.6 3.13 and 5.16, 2.0.1 K01-K10): the station keeps the charging profiles
// the CSMS sets, per connector (1.6) or EVSE (2.0.1), 0 being the whole station
// (Station.ChargingProfiles). SetChargingProfile replaces the profile of the same id wherever
// it is, and in 1.6 the one of the same purpose and stack level on the connector; 2.0.1
// rejects another id with those on the EVSE at an overlapping validity (K01.FR.06/39). It
// rejects a station-wide maximum (ChargePointMaxProfile, ChargingStationMaxProfile) anywhere
// but on 0, a TxProfile but on a connector with a running transaction, or naming another
// transaction (1.6 the CSMS's id, 2.0.1 the station's own; 2.0.1 requires one), a
// ChargingStationExternalConstraints, and a malformed schedule (periods not from 0 upwards,
// a Relative profile with a startSchedule or another without one in 2.0.1). TxProfiles go when
// their transaction ends. ClearChargingProfile removes the profile of the id given, else
// those matching every criterion given (all of them when none is): Accepted, or Unknown when
// it removed none. At every moment the limit of a connector (Station.Limit) is the lowest of
// the station-wide maximum, the transaction's TxProfile or else the TxDefaultProfile (the
// connector's before the station's), and Config.MaxCurrentA; of each purpose, the valid
// profile of the highest stack level whose schedule has a period then applies. Absolute
// schedules start at startSchedule, Relative ones with the transaction (or now without one),
// Recurring ones every day or week from startSchedule. W and A convert at PhaseVoltage per
// phase and the period's numberPhases (3 when none). GetCompositeSchedule answers that limit
// from now over the duration, in the unit asked for (A by default), or Rejected for a
// connector the station lacks; GetChargingProfiles reports the profiles that match in one
// ReportChargingProfiles per EVSE after the answer, or answers NoProfiles. A remote start
// (RemoteStartTransaction, RequestStartTransaction) with a chargingProfile is accepted only
// for a valid TxProfile without a transaction id, as the specifications want; the profile
// becomes the TxProfile of the session it starts (Station.SessionProfile returns it as sent).
//
// Cars (Car, Session.Drive) charge as real ones do: each draws the connector's limit, up to
// its own maximum, on its phases, pauses below its minimum current, and stops drawing when it
// has the energy it needs, then leaves (EVDisconnected) or stays (SuspendedEV). A new limit
// takes effect before the answer to the SetChargingProfile or ClearChargingProfile that set
// it; meter values every meter interval carry the real power, the current per phase and the
// state of charge (Session.CurrentA samples the current at any time). Car.Speed makes hours
// of charge go by in seconds. Config.Car makes remotely started sessions drive a car.
// Session.NotifyNeeds sends a car's NotifyEVChargingNeeds (2.0.1), Session.NotifySchedule
// its own charging plan (NotifyEVChargingSchedule), which the car then keeps to.
//
// Reservations (Reservation, Station.Reservations) are kept as a station keeps them: ReserveNow
// answers Accepted, Occupied, Faulted, Unavailable or Rejected by the connector's state, a
// reservation id already held is replaced, and an accepted reservation is reported with
// StatusNotification Reserved. One of the whole station (1.6 connector 0, 2.0.1 without
// evseId, of Config.ConnectorType; unless Config.DisableStationWideReservations) keeps a
// connector free. At its expiry, by Config.Clock, the station drops it and reports the
// connector Available, with a ReservationStatusUpdate Expired in 2.0.1; CancelReservation
// drops it too. StartSession by the reserved token uses it (StartTransaction or TransactionEvent
// Started carry its reservationId); another token gets ErrReserved and nothing is sent.
//
// Firmware updates (Station.Firmware) are done as a station does them, over real HTTP: at the
// retrieve time, by Config.Clock, the station GETs the location (http or https, trusting
// Config.TLSConfig's RootCAs), retrying as asked, and reports Downloading, Downloaded or
// DownloadFailed; a signed update is then checked (the signature, base64, is the signing
// certificate's key's ECDSA or RSA signature of the file's SHA-256): SignatureVerified or
// InvalidSignature; then Installing and Installed, and the firmware version becomes "sim-" and
// the first 8 hex digits of the file's SHA-256. 1.6 reports with FirmwareStatusNotification,
// SignedUpdateFirmware with SignedFirmwareStatusNotification, 2.0.1 with
// FirmwareStatusNotification and the requestId; those two also report DownloadScheduled and
// InstallScheduled while waiting for a retrieve or install time ahead, and answer
// InvalidCertificate to a signing certificate that is not a PEM X.509 one valid by
// Config.Clock. A newer update cancels the running one (2.0.1 answers AcceptedCanceled). The
// station does not reboot: the new version goes into its next BootNotification.
//
// Log uploads (Station.Uploads) POST a generated text file, a few lines about the station and
// the window asked for, to the location as multipart/form-data, in the part UploadFormField
// named as answered ("<id>-diagnostics-<unix time>.log", "<id>-security-<unix time>.log"),
// reporting Uploading then Uploaded or the failure with DiagnosticsStatusNotification
// (GetDiagnostics) or LogStatusNotification and the requestId (GetLog). A newer request cancels
// the running upload (GetLog answers AcceptedCanceled, and 2.0.1 reports the old one so).
// TriggerMessage of these notifications reports the update or upload running, else Idle.
//
// Certificates are handled as a station handles them (1.6 security extension, 2.0.1 A02/A03
// and M03-M05). Station.RequestCertificate, and a TriggerMessage SignChargingStationCertificate
// or SignV2GCertificate (1.6: ExtendedTriggerMessage SignChargePointCertificate) after its
// answer, generates an ECDSA P-256 key and sends SignCertificate with a PEM PKCS #10 CSR of
// CommonName the station id and Organization Config.Organization (the setting CpoName, 2.0.1
// SecurityCtrlr OrganizationName). CertificateSigned is Accepted when the chain's leaf holds
// the key of the pending CSR of its kind and the station id as its CommonName, which makes it
// the station's certificate (Station.StationCertificate); else Rejected. InstallCertificate
// keeps a root certificate that parses (Station.InstalledRoots), GetInstalledCertificateIds
// answers their SHA256 certificateHashData (see CertificateHash) and DeleteCertificate removes
// the one that matches, NotFound otherwise. For Plug & Charge (2.0.1) a test sends
// GetCertificateStatus, Get15118EVCertificate and an Authorize of an eMAID with its contract
// certificate chain (Station.AuthorizeContract).
//
// Every payload it sends or reads is a typed struct of ocpp/v16 or ocpp/v201. It never
// imports the WebSocket library itself: only gateway does.
package ocpptest
