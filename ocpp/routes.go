package ocpp

// This file is the whole OCPP surface of Ladda: for each version, the actions a station may
// send and the handler that answers each. An action that the version defines but that is not
// listed here is answered NotSupported (for example a CSMS-initiated action sent by a station,
// or a station message a later issue will handle); an action the version does not define at
// all is answered NotImplemented. CSMS-initiated commands go through Commander.

// routes16 lists the OCPP 1.6 (with the security extension) actions a station may send.
func routes16() map[string]handler {
	return map[string]handler{
		"BootNotification":                 beforeAccept(on(bootNotification16)),
		"Heartbeat":                        beforeAccept(on(heartbeat16)),
		"StatusNotification":               on(statusNotification16),
		"Authorize":                        on(authorize16),
		"StartTransaction":                 on(startTransaction16),
		"StopTransaction":                  on(stopTransaction16),
		"MeterValues":                      on(meterValues16),
		"DataTransfer":                     on(dataTransfer16),
		"DiagnosticsStatusNotification":    on(diagnosticsStatus16),
		"FirmwareStatusNotification":       on(firmwareStatus16),
		"SignedFirmwareStatusNotification": on(signedFirmwareStatus16),
		"LogStatusNotification":            on(logStatus16),
		"SecurityEventNotification":        beforeAccept(on(securityEvent16)),
		"SignCertificate":                  on(signCertificate16),
	}
}

// routes201 lists the OCPP 2.0.1 actions a station may send.
func routes201() map[string]handler {
	return map[string]handler{
		"BootNotification":           beforeAccept(on(bootNotification201)),
		"Heartbeat":                  beforeAccept(on(heartbeat201)),
		"StatusNotification":         on(statusNotification201),
		"Authorize":                  on(authorize201),
		"TransactionEvent":           on(transactionEvent201),
		"MeterValues":                on(meterValues201),
		"NotifyEvent":                on(notifyEvent201),
		"NotifyReport":               beforeAccept(on(notifyReport201)),
		"SecurityEventNotification":  beforeAccept(on(securityEvent201)),
		"FirmwareStatusNotification": on(firmwareStatus201),
		"LogStatusNotification":      on(logStatus201),
		"DataTransfer":               on(dataTransfer201),
		"NotifyDisplayMessages":      on(notifyDisplayMessages201),
		"NotifyEVChargingNeeds":      on(notifyEVChargingNeeds201),
		"NotifyEVChargingSchedule":   on(notifyEVChargingSchedule201),
		"ReportChargingProfiles":     on(reportChargingProfiles201),
		"ReservationStatusUpdate":    on(reservationStatus201),
		"SignCertificate":            on(signCertificate201),
		"NotifyMonitoringReport":     beforeAccept(on(notifyMonitoringReport201)),
		"GetCertificateStatus":       on(getCertificateStatus201),
		"Get15118EVCertificate":      on(get15118EVCertificate201),
	}
}

// beforeAccept marks a handler as allowed while the station is pending or rejected.
func beforeAccept(h handler) handler {
	h.beforeAccept = true
	return h
}
