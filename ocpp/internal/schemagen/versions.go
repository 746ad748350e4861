package main

import "strings"

// direction says which side initiates an action (sends its request).
type direction int

const (
	fromStation direction = 1 << iota // the charge point / charging station
	fromCSMS                          // the central system / CSMS
	both        = fromStation | fromCSMS
)

// version holds what the schemas of one OCPP version do not say themselves.
type version struct {
	Name    string // "1.6"
	Package string // Go package name

	// RequestFile and ResponseFile name the schema files of an action.
	RequestFile, ResponseFile func(action string) string
	// ActionOf returns the action and whether the file holds its response,
	// or ok false for a file that is not a request or response schema.
	ActionOf func(file string) (action string, response bool, ok bool)

	// KeepExtra gives object types that allow additional properties (no
	// "additionalProperties": false) an Extra map that keeps them on a round
	// trip. Only 2.0.1 uses this: there every object but CustomDataType is
	// closed on purpose, while the 1.6 files leave nested objects open by
	// omission.
	KeepExtra bool

	// Inline names the enumerations and objects the schemas define inline
	// (1.6 does not use definitions), keyed by message and property path
	// ("MeterValuesRequest.meterValue[].sampledValue[].measurand"). A path
	// missing here gets a name derived from it (message + path in Pascal case).
	Inline map[string]string

	// Scalar overrides the Go type of a scalar property, keyed like Inline.
	Scalar map[string]string

	// Directions lists every action with the side that initiates it.
	Directions map[string]direction
}

var versions = map[string]*version{"1.6": v16, "2.0.1": v201}

var v16 = &version{
	Name:         "1.6",
	Package:      "v16",
	RequestFile:  func(a string) string { return a + ".json" },
	ResponseFile: func(a string) string { return a + "Response.json" },
	ActionOf: func(file string) (string, bool, bool) {
		name, ok := strings.CutSuffix(file, ".json")
		if !ok {
			return "", false, false
		}
		if a, ok := strings.CutSuffix(name, "Response"); ok {
			return a, true, true
		}
		return name, false, true
	},
	// Names of the OCPP 1.6 specification, section 7 "Types", for the types
	// the 1.6 schemas spell out inline.
	Inline: map[string]string{
		"AuthorizeResponse.idTagInfo":                                                             "IdTagInfo",
		"AuthorizeResponse.idTagInfo.status":                                                      "AuthorizationStatus",
		"BootNotificationResponse.status":                                                         "RegistrationStatus",
		"CancelReservationResponse.status":                                                        "CancelReservationStatus",
		"ChangeAvailabilityRequest.type":                                                          "AvailabilityType",
		"ChangeAvailabilityResponse.status":                                                       "AvailabilityStatus",
		"ChangeConfigurationResponse.status":                                                      "ConfigurationStatus",
		"ClearCacheResponse.status":                                                               "ClearCacheStatus",
		"ClearChargingProfileRequest.chargingProfilePurpose":                                      "ChargingProfilePurposeType",
		"ClearChargingProfileResponse.status":                                                     "ClearChargingProfileStatus",
		"DataTransferResponse.status":                                                             "DataTransferStatus",
		"DiagnosticsStatusNotificationRequest.status":                                             "DiagnosticsStatus",
		"FirmwareStatusNotificationRequest.status":                                                "FirmwareStatus",
		"GetCompositeScheduleRequest.chargingRateUnit":                                            "ChargingRateUnitType",
		"GetCompositeScheduleResponse.status":                                                     "GetCompositeScheduleStatus",
		"GetCompositeScheduleResponse.chargingSchedule":                                           "ChargingSchedule",
		"GetCompositeScheduleResponse.chargingSchedule.chargingRateUnit":                          "ChargingRateUnitType",
		"GetCompositeScheduleResponse.chargingSchedule.chargingSchedulePeriod[]":                  "ChargingSchedulePeriod",
		"GetConfigurationResponse.configurationKey[]":                                             "KeyValue",
		"MeterValuesRequest.meterValue[]":                                                         "MeterValue",
		"MeterValuesRequest.meterValue[].sampledValue[]":                                          "SampledValue",
		"MeterValuesRequest.meterValue[].sampledValue[].context":                                  "ReadingContext",
		"MeterValuesRequest.meterValue[].sampledValue[].format":                                   "ValueFormat",
		"MeterValuesRequest.meterValue[].sampledValue[].measurand":                                "Measurand",
		"MeterValuesRequest.meterValue[].sampledValue[].phase":                                    "Phase",
		"MeterValuesRequest.meterValue[].sampledValue[].location":                                 "Location",
		"MeterValuesRequest.meterValue[].sampledValue[].unit":                                     "UnitOfMeasure",
		"RemoteStartTransactionRequest.chargingProfile":                                           "ChargingProfile",
		"RemoteStartTransactionRequest.chargingProfile.chargingProfilePurpose":                    "ChargingProfilePurposeType",
		"RemoteStartTransactionRequest.chargingProfile.chargingProfileKind":                       "ChargingProfileKindType",
		"RemoteStartTransactionRequest.chargingProfile.recurrencyKind":                            "RecurrencyKindType",
		"RemoteStartTransactionRequest.chargingProfile.chargingSchedule":                          "ChargingSchedule",
		"RemoteStartTransactionRequest.chargingProfile.chargingSchedule.chargingRateUnit":         "ChargingRateUnitType",
		"RemoteStartTransactionRequest.chargingProfile.chargingSchedule.chargingSchedulePeriod[]": "ChargingSchedulePeriod",
		"RemoteStartTransactionResponse.status":                                                   "RemoteStartStopStatus",
		"RemoteStopTransactionResponse.status":                                                    "RemoteStartStopStatus",
		"ReserveNowResponse.status":                                                               "ReservationStatus",
		"ResetRequest.type":                                                                       "ResetType",
		"ResetResponse.status":                                                                    "ResetStatus",
		"SendLocalListRequest.localAuthorizationList[]":                                           "AuthorizationData",
		"SendLocalListRequest.localAuthorizationList[].idTagInfo":                                 "IdTagInfo",
		"SendLocalListRequest.localAuthorizationList[].idTagInfo.status":                          "AuthorizationStatus",
		"SendLocalListRequest.updateType":                                                         "UpdateType",
		"SendLocalListResponse.status":                                                            "UpdateStatus",
		"SetChargingProfileRequest.csChargingProfiles":                                            "ChargingProfile",
		"SetChargingProfileRequest.csChargingProfiles.chargingProfilePurpose":                     "ChargingProfilePurposeType",
		"SetChargingProfileRequest.csChargingProfiles.chargingProfileKind":                        "ChargingProfileKindType",
		"SetChargingProfileRequest.csChargingProfiles.recurrencyKind":                             "RecurrencyKindType",
		"SetChargingProfileRequest.csChargingProfiles.chargingSchedule":                           "ChargingSchedule",
		"SetChargingProfileRequest.csChargingProfiles.chargingSchedule.chargingRateUnit":          "ChargingRateUnitType",
		"SetChargingProfileRequest.csChargingProfiles.chargingSchedule.chargingSchedulePeriod[]":  "ChargingSchedulePeriod",
		"SetChargingProfileResponse.status":                                                       "ChargingProfileStatus",
		"StartTransactionResponse.idTagInfo":                                                      "IdTagInfo",
		"StartTransactionResponse.idTagInfo.status":                                               "AuthorizationStatus",
		"StatusNotificationRequest.errorCode":                                                     "ChargePointErrorCode",
		"StatusNotificationRequest.status":                                                        "ChargePointStatus",
		"StopTransactionRequest.reason":                                                           "Reason",
		"StopTransactionRequest.transactionData[]":                                                "MeterValue",
		"StopTransactionRequest.transactionData[].sampledValue[]":                                 "SampledValue",
		"StopTransactionRequest.transactionData[].sampledValue[].context":                         "ReadingContext",
		"StopTransactionRequest.transactionData[].sampledValue[].format":                          "ValueFormat",
		"StopTransactionRequest.transactionData[].sampledValue[].measurand":                       "Measurand",
		"StopTransactionRequest.transactionData[].sampledValue[].phase":                           "Phase",
		"StopTransactionRequest.transactionData[].sampledValue[].location":                        "Location",
		"StopTransactionRequest.transactionData[].sampledValue[].unit":                            "UnitOfMeasure",
		"StopTransactionResponse.idTagInfo":                                                       "IdTagInfo",
		"StopTransactionResponse.idTagInfo.status":                                                "AuthorizationStatus",
		"TriggerMessageRequest.requestedMessage":                                                  "MessageTrigger",
		"TriggerMessageResponse.status":                                                           "TriggerMessageStatus",
		"UnlockConnectorResponse.status":                                                          "UnlockStatus",
	},
	// The 1.6 files type these as "number" where the specification says
	// integer; all three are sent by the central system, so encoding them as
	// integers always validates.
	Scalar: map[string]string{
		"BootNotificationResponse.interval":   "int",
		"UpdateFirmwareRequest.retries":       "int",
		"UpdateFirmwareRequest.retryInterval": "int",
	},
	// OCPP 1.6 section 4 (operations initiated by the charge point) and 5
	// (initiated by the central system); the messages of the "Improved
	// security for OCPP 1.6-J" whitepaper by its use cases.
	Directions: map[string]direction{
		"Authorize":                     fromStation,
		"BootNotification":              fromStation,
		"DataTransfer":                  both,
		"DiagnosticsStatusNotification": fromStation,
		"FirmwareStatusNotification":    fromStation,
		"Heartbeat":                     fromStation,
		"MeterValues":                   fromStation,
		"StartTransaction":              fromStation,
		"StatusNotification":            fromStation,
		"StopTransaction":               fromStation,

		"CancelReservation":      fromCSMS,
		"ChangeAvailability":     fromCSMS,
		"ChangeConfiguration":    fromCSMS,
		"ClearCache":             fromCSMS,
		"ClearChargingProfile":   fromCSMS,
		"GetCompositeSchedule":   fromCSMS,
		"GetConfiguration":       fromCSMS,
		"GetDiagnostics":         fromCSMS,
		"GetLocalListVersion":    fromCSMS,
		"RemoteStartTransaction": fromCSMS,
		"RemoteStopTransaction":  fromCSMS,
		"ReserveNow":             fromCSMS,
		"Reset":                  fromCSMS,
		"SendLocalList":          fromCSMS,
		"SetChargingProfile":     fromCSMS,
		"TriggerMessage":         fromCSMS,
		"UnlockConnector":        fromCSMS,
		"UpdateFirmware":         fromCSMS,

		// Security extension.
		"LogStatusNotification":            fromStation,
		"SecurityEventNotification":        fromStation,
		"SignCertificate":                  fromStation,
		"SignedFirmwareStatusNotification": fromStation,
		"CertificateSigned":                fromCSMS,
		"DeleteCertificate":                fromCSMS,
		"ExtendedTriggerMessage":           fromCSMS,
		"GetInstalledCertificateIds":       fromCSMS,
		"GetLog":                           fromCSMS,
		"InstallCertificate":               fromCSMS,
		"SignedUpdateFirmware":             fromCSMS,
	},
}

var v201 = &version{
	Name:         "2.0.1",
	Package:      "v201",
	RequestFile:  func(a string) string { return a + "Request.json" },
	ResponseFile: func(a string) string { return a + "Response.json" },
	ActionOf: func(file string) (string, bool, bool) {
		name, ok := strings.CutSuffix(file, ".json")
		if !ok {
			return "", false, false
		}
		if a, ok := strings.CutSuffix(name, "Response"); ok {
			return a, true, true
		}
		if a, ok := strings.CutSuffix(name, "Request"); ok {
			return a, false, true
		}
		return "", false, false
	},
	KeepExtra: true,
	// OCPP 2.0.1 part 2, the message lists of its functional blocks
	// (charging station → CSMS and CSMS → charging station).
	Directions: map[string]direction{
		"Authorize":                         fromStation,
		"BootNotification":                  fromStation,
		"ClearedChargingLimit":              fromStation,
		"DataTransfer":                      both,
		"FirmwareStatusNotification":        fromStation,
		"Get15118EVCertificate":             fromStation,
		"GetCertificateStatus":              fromStation,
		"Heartbeat":                         fromStation,
		"LogStatusNotification":             fromStation,
		"MeterValues":                       fromStation,
		"NotifyChargingLimit":               fromStation,
		"NotifyCustomerInformation":         fromStation,
		"NotifyDisplayMessages":             fromStation,
		"NotifyEVChargingNeeds":             fromStation,
		"NotifyEVChargingSchedule":          fromStation,
		"NotifyEvent":                       fromStation,
		"NotifyMonitoringReport":            fromStation,
		"NotifyReport":                      fromStation,
		"PublishFirmwareStatusNotification": fromStation,
		"ReportChargingProfiles":            fromStation,
		"ReservationStatusUpdate":           fromStation,
		"SecurityEventNotification":         fromStation,
		"SignCertificate":                   fromStation,
		"StatusNotification":                fromStation,
		"TransactionEvent":                  fromStation,

		"CancelReservation":          fromCSMS,
		"CertificateSigned":          fromCSMS,
		"ChangeAvailability":         fromCSMS,
		"ClearCache":                 fromCSMS,
		"ClearChargingProfile":       fromCSMS,
		"ClearDisplayMessage":        fromCSMS,
		"ClearVariableMonitoring":    fromCSMS,
		"CostUpdated":                fromCSMS,
		"CustomerInformation":        fromCSMS,
		"DeleteCertificate":          fromCSMS,
		"GetBaseReport":              fromCSMS,
		"GetChargingProfiles":        fromCSMS,
		"GetCompositeSchedule":       fromCSMS,
		"GetDisplayMessages":         fromCSMS,
		"GetInstalledCertificateIds": fromCSMS,
		"GetLocalListVersion":        fromCSMS,
		"GetLog":                     fromCSMS,
		"GetMonitoringReport":        fromCSMS,
		"GetReport":                  fromCSMS,
		"GetTransactionStatus":       fromCSMS,
		"GetVariables":               fromCSMS,
		"InstallCertificate":         fromCSMS,
		"PublishFirmware":            fromCSMS,
		"RequestStartTransaction":    fromCSMS,
		"RequestStopTransaction":     fromCSMS,
		"ReserveNow":                 fromCSMS,
		"Reset":                      fromCSMS,
		"SendLocalList":              fromCSMS,
		"SetChargingProfile":         fromCSMS,
		"SetDisplayMessage":          fromCSMS,
		"SetMonitoringBase":          fromCSMS,
		"SetMonitoringLevel":         fromCSMS,
		"SetNetworkProfile":          fromCSMS,
		"SetVariableMonitoring":      fromCSMS,
		"SetVariables":               fromCSMS,
		"TriggerMessage":             fromCSMS,
		"UnlockConnector":            fromCSMS,
		"UnpublishFirmware":          fromCSMS,
		"UpdateFirmware":             fromCSMS,
	},
}
