package httpapi

import (
	"context"
	"net/http"
	"slices"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda/account"
)

// route is one endpoint. A route either has a handler, registered with huma and so described in
// the OpenAPI document, or raw, a plain http.Handler outside the document.
type route struct {
	Method  string
	Path    string
	ID      string             // OpenAPI operationId
	Summary string             // one line for the OpenAPI document
	Need    account.Permission // what the caller must be allowed; public (0) for no credentials at all
	// Restricted lets a caller who has not finished signing in (second factor pending or to be
	// enrolled) use the route.
	Restricted bool
	// Limited routes are public ones that check credentials (sign-in, reset): each client address
	// may call them only so often.
	Limited bool
	Status  int               // status of success; 0 means 200
	Also    []int             // other statuses of success, with the same body as Status
	Errors  []int             // error statuses the operation itself may answer, besides 401/403/422/500
	Body    *huma.RequestBody // the request body, for a handler that reads it itself (a stream)

	handler register
	raw     http.Handler
}

// public marks routes that need no credentials.
const public account.Permission = 0

// bearerScheme and cookieScheme name the security schemes of the OpenAPI document.
const (
	bearerScheme = "bearer"
	cookieScheme = "cookie"
)

// routes is the whole surface of the API. Read it first.
func (s *server) routes() []route {
	const (
		GET, POST, PUT, PATCH, DELETE    = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
		read, operate, billing, system   = account.NetworkRead, account.NetworkOperate, account.Billing, account.System
		sessions, cardsRead, cardsManage = account.SessionsRead, account.CardsRead, account.CardsManage
		orgManage, self                  = account.OrgManage, account.Self
		v1                               = Prefix
	)
	return []route{
		{Method: GET, Path: "/healthz", ID: "get-health", Summary: "Liveness: the process is up", Need: public, handler: handle(s.health)},
		{Method: GET, Path: "/readyz", ID: "get-ready", Summary: "Readiness: the store answers", Need: public, Errors: []int{503}, handler: handle(s.readiness)},
		{Method: GET, Path: v1 + "/openapi.json", ID: "get-openapi", Summary: "This API's OpenAPI 3.1 document", Need: public, raw: http.HandlerFunc(s.serveOpenAPI)},

		{Method: POST, Path: v1 + "/stations", ID: "create-station", Summary: "Register a station", Need: operate, Status: 201, Errors: []int{400, 409}, handler: handle(s.createStation)},
		{Method: GET, Path: v1 + "/stations", ID: "list-stations", Summary: "List stations", Need: read, handler: handle(s.listStations)},
		{Method: GET, Path: v1 + "/stations/{id}", ID: "get-station", Summary: "Get a station", Need: read, Errors: []int{404}, handler: handle(s.getStation)},
		{Method: PATCH, Path: v1 + "/stations/{id}", ID: "update-station", Summary: "Change a station", Need: operate, Errors: []int{400, 404}, handler: handle(s.updateStation)},
		{Method: DELETE, Path: v1 + "/stations/{id}", ID: "delete-station", Summary: "Delete a station", Need: operate, Status: 204, Errors: []int{404}, handler: handle(s.deleteStation)},

		{Method: POST, Path: v1 + "/stations/{id}/reset", ID: "reset-station", Summary: "Restart a station or one EVSE", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.resetStation)},
		{Method: POST, Path: v1 + "/stations/{id}/unlock", ID: "unlock-connector", Summary: "Release a connector's cable", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.unlockConnector)},
		{Method: POST, Path: v1 + "/stations/{id}/availability", ID: "change-availability", Summary: "Make a station, EVSE or connector operative or inoperative", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.changeAvailability)},
		{Method: POST, Path: v1 + "/stations/{id}/trigger", ID: "trigger-message", Summary: "Ask a station to send a message now", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.triggerMessage)},
		{Method: POST, Path: v1 + "/stations/{id}/clear-cache", ID: "clear-cache", Summary: "Empty a station's authorisation cache", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.clearCache)},
		{Method: POST, Path: v1 + "/stations/{id}/data-transfer", ID: "data-transfer", Summary: "Send a vendor-specific message to a station", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.dataTransfer)},
		{Method: POST, Path: v1 + "/stations/{id}/remote-start", ID: "remote-start", Summary: "Ask a station to start charging for a token", Need: operate, Status: 201, Also: []int{200, 202}, Errors: []int{404, 409, 504}, handler: handle(s.remoteStart)},
		{Method: GET, Path: v1 + "/stations/{id}/settings", ID: "list-settings", Summary: "List a station's settings as Ladda last learnt them", Need: read, Errors: []int{404}, handler: handle(s.listSettings)},
		{Method: POST, Path: v1 + "/stations/{id}/settings/refresh", ID: "refresh-settings", Summary: "Ask a station for all its settings", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.refreshSettings)},
		{Method: POST, Path: v1 + "/stations/{id}/settings/read", ID: "read-settings", Summary: "Ask a station for some settings' current values", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.readSettings)},
		{Method: PATCH, Path: v1 + "/stations/{id}/settings", ID: "change-settings", Summary: "Ask a station to change settings", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.changeSettings)},
		{Method: POST, Path: v1 + "/stations/{id}/display-messages", ID: "set-display-message", Summary: "Show a message on a station's screen (OCPP 2.0.1)", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.setDisplayMessage)},
		{Method: POST, Path: v1 + "/stations/{id}/display-messages/query", ID: "query-display-messages", Summary: "Ask a station which messages it shows; they arrive as a report", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.queryDisplayMessages)},
		{Method: DELETE, Path: v1 + "/stations/{id}/display-messages/{messageId}", ID: "clear-display-message", Summary: "Remove a message from a station's screen", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.clearDisplayMessage)},
		{Method: GET, Path: v1 + "/stations/{id}/local-list", ID: "get-local-list", Summary: "Get the ID tokens of a station's local authorisation list", Need: read, Errors: []int{404}, handler: handle(s.getLocalList)},
		{Method: PUT, Path: v1 + "/stations/{id}/local-list", ID: "set-local-list", Summary: "Assign the ID tokens of a station's local authorisation list", Need: operate, Errors: []int{404}, handler: handle(s.putLocalList)},
		{Method: POST, Path: v1 + "/stations/{id}/local-list/send", ID: "send-local-list", Summary: "Send a station its local authorisation list, or what changed in it", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.sendLocalList)},
		{Method: POST, Path: v1 + "/stations/{id}/local-list/version", ID: "get-local-list-version", Summary: "Ask a station which version of its local list it has", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.localListVersion)},
		{Method: POST, Path: v1 + "/stations/{id}/firmware", ID: "update-firmware", Summary: "Ask a station to update its firmware", Need: operate, Errors: []int{404, 409, 503, 504}, handler: handle(s.updateFirmware)},
		{Method: GET, Path: v1 + "/stations/{id}/firmware", ID: "get-firmware-status", Summary: "A station's firmware version and the progress of its last update", Need: read, Errors: []int{404}, handler: handle(s.firmwareStatus)},
		{Method: POST, Path: v1 + "/stations/{id}/logs", ID: "request-log", Summary: "Ask a station to upload its diagnostics or security log", Need: operate, Errors: []int{404, 409, 503, 504}, handler: handle(s.requestLog)},
		{Method: GET, Path: v1 + "/stations/{id}/logs", ID: "list-logs", Summary: "List the files a station uploaded, newest first", Need: read, Errors: []int{404, 503}, handler: handle(s.listLogs)},
		{Method: GET, Path: v1 + "/stations/{id}/logs/{name}", ID: "get-log", Summary: "Download a file a station uploaded", Need: read, Errors: []int{404, 503}, handler: handle(s.getLog)},
		{Method: POST, Path: v1 + "/stations/{id}/certificates/renew", ID: "renew-station-certificate", Summary: "Ask a station for a new certificate signing request", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.renewCertificate)},
		{Method: POST, Path: v1 + "/stations/{id}/certificates/install", ID: "install-certificate", Summary: "Install a root certificate on a station", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.installCertificate)},
		{Method: POST, Path: v1 + "/stations/{id}/certificates/query", ID: "query-certificates", Summary: "Ask a station which root certificates it has", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.queryCertificates)},
		{Method: POST, Path: v1 + "/stations/{id}/certificates/delete", ID: "delete-certificate", Summary: "Remove a certificate from a station", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.deleteCertificate)},
		{Method: POST, Path: v1 + "/stations/{id}/monitors", ID: "set-monitors", Summary: "Set monitors on a station's variables (OCPP 2.0.1)", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.setMonitors)},
		{Method: POST, Path: v1 + "/stations/{id}/monitors/clear", ID: "clear-monitors", Summary: "Remove monitors from a station (OCPP 2.0.1)", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.clearMonitors)},
		{Method: POST, Path: v1 + "/stations/{id}/monitors/query", ID: "query-monitors", Summary: "Ask a station for its monitors; they arrive as a report (OCPP 2.0.1)", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.queryMonitors)},
		{Method: POST, Path: v1 + "/stations/{id}/monitoring", ID: "set-monitoring", Summary: "Set a station's monitoring base or level (OCPP 2.0.1)", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.setMonitoring)},
		{Method: POST, Path: v1 + "/stations/{id}/charging-profiles", ID: "set-charging-profile", Summary: "Install a charging profile on a station", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.setChargingProfile)},
		{Method: GET, Path: v1 + "/stations/{id}/charging-profiles", ID: "list-charging-profiles", Summary: "List the charging profiles Ladda installed on a station that are in force", Need: read, Errors: []int{404}, handler: handle(s.listChargingProfiles)},
		{Method: DELETE, Path: v1 + "/stations/{id}/charging-profiles/{profileId}", ID: "clear-charging-profile", Summary: "Remove a charging profile from a station", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.clearChargingProfile)},
		{Method: POST, Path: v1 + "/stations/{id}/charging-profiles/clear", ID: "clear-charging-profiles", Summary: "Remove the charging profiles that match criteria from a station", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.clearChargingProfiles)},
		{Method: POST, Path: v1 + "/stations/{id}/charging-profiles/query", ID: "query-charging-profiles", Summary: "Ask a station for its charging profiles; they arrive as a report (OCPP 2.0.1)", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.queryChargingProfiles)},
		{Method: POST, Path: v1 + "/stations/{id}/composite-schedule", ID: "get-composite-schedule", Summary: "Ask a station which limits it will apply, all its charging profiles combined", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.compositeSchedule)},
		{Method: GET, Path: v1 + "/stations/{id}/commands", ID: "list-commands", Summary: "List the commands sent to a station, newest first", Need: read, Errors: []int{404}, handler: handle(s.listCommands)},
		{Method: GET, Path: v1 + "/stations/{id}/reports", ID: "list-reports", Summary: "List what a station reported about itself, newest first", Need: read, Errors: []int{404}, handler: handle(s.listReports)},

		{Method: PUT, Path: v1 + "/firmware/{name}", ID: "put-firmware", Summary: "Upload a firmware image for stations to download from Ladda", Need: system, Body: firmwareBody(), Errors: []int{413, 503}, handler: handle(s.putFirmware)},
		{Method: GET, Path: v1 + "/firmware", ID: "list-firmware", Summary: "List the firmware images Ladda serves", Need: system, Errors: []int{503}, handler: handle(s.listFirmware)},
		{Method: DELETE, Path: v1 + "/firmware/{name}", ID: "delete-firmware", Summary: "Delete a firmware image", Need: system, Status: 204, Errors: []int{404, 503}, handler: handle(s.deleteFirmware)},

		{Method: POST, Path: v1 + "/firmware-campaigns", ID: "create-firmware-campaign", Summary: "Roll a firmware image out to many stations", Need: system, Status: 201, Errors: []int{404, 503}, handler: handle(s.createCampaign)},
		{Method: GET, Path: v1 + "/firmware-campaigns", ID: "list-firmware-campaigns", Summary: "List firmware campaigns, newest first", Need: system, Errors: []int{503}, handler: handle(s.listCampaigns)},
		{Method: GET, Path: v1 + "/firmware-campaigns/{id}", ID: "get-firmware-campaign", Summary: "Get a firmware campaign and its progress", Need: system, Errors: []int{404, 503}, handler: handle(s.getCampaign)},
		{Method: GET, Path: v1 + "/firmware-campaigns/{id}/stations", ID: "list-firmware-campaign-stations", Summary: "List the stations of a firmware campaign and where each stands", Need: system, Errors: []int{404, 503}, handler: handle(s.listCampaignStations)},
		{Method: POST, Path: v1 + "/firmware-campaigns/{id}/cancel", ID: "cancel-firmware-campaign", Summary: "Stop sending a campaign's update to more stations", Need: system, Errors: []int{404, 409, 503}, handler: handle(s.cancelCampaign)},

		{Method: GET, Path: v1 + "/pki/ca", ID: "get-ca", Summary: "The CA certificate that signs stations' certificates", Need: system, Errors: []int{404, 503}, handler: handle(s.getCA)},
		{Method: GET, Path: v1 + "/certificates", ID: "list-certificates", Summary: "List the certificates stations asked Ladda to sign, newest first", Need: system, Errors: []int{503}, handler: handle(s.listCertificates)},
		{Method: PUT, Path: v1 + "/pki/roots/{name}", ID: "put-trusted-root", Summary: "Trust a root certificate (V2G, mobility operator, …)", Need: system, Errors: []int{503}, handler: handle(s.putRoot)},
		{Method: GET, Path: v1 + "/pki/roots", ID: "list-trusted-roots", Summary: "List the root certificates Ladda trusts", Need: system, Errors: []int{503}, handler: handle(s.listRoots)},
		{Method: DELETE, Path: v1 + "/pki/roots/{name}", ID: "delete-trusted-root", Summary: "Stop trusting a root certificate", Need: system, Status: 204, Errors: []int{404, 503}, handler: handle(s.deleteRoot)},

		{Method: POST, Path: v1 + "/id-tokens", ID: "create-id-token", Summary: "Add an ID token", Need: operate, Status: 201, Errors: []int{400, 409}, handler: handle(s.createIDToken)},
		{Method: GET, Path: v1 + "/id-tokens", ID: "list-id-tokens", Summary: "List ID tokens", Need: read, handler: handle(s.listIDTokens)},
		{Method: GET, Path: v1 + "/id-tokens/{idToken}", ID: "get-id-token", Summary: "Get an ID token", Need: read, Errors: []int{404}, handler: handle(s.getIDToken)},
		{Method: PATCH, Path: v1 + "/id-tokens/{idToken}", ID: "update-id-token", Summary: "Change an ID token", Need: operate, Errors: []int{400, 404}, handler: handle(s.updateIDToken)},
		{Method: DELETE, Path: v1 + "/id-tokens/{idToken}", ID: "delete-id-token", Summary: "Delete an ID token", Need: operate, Status: 204, Errors: []int{404}, handler: handle(s.deleteIDToken)},

		{Method: GET, Path: v1 + "/sites", ID: "list-sites", Summary: "List sites", Need: read, handler: handle(s.listSites)},
		{Method: POST, Path: v1 + "/sites", ID: "create-site", Summary: "Create a site: where stations stand, with the country of their tax and the time zone of their tariffs", Need: operate, Status: 201, Errors: []int{404}, handler: handle(s.createSite)},
		{Method: GET, Path: v1 + "/sites/{id}", ID: "get-site", Summary: "Get a site", Need: read, Errors: []int{404}, handler: handle(s.getSite)},
		{Method: PUT, Path: v1 + "/sites/{id}", ID: "update-site", Summary: "Change a site", Need: operate, Errors: []int{404}, handler: handle(s.updateSite)},
		{Method: DELETE, Path: v1 + "/sites/{id}", ID: "delete-site", Summary: "Delete a site without stations", Need: operate, Status: 204, Errors: []int{404, 409}, handler: handle(s.deleteSite)},
		{Method: GET, Path: v1 + "/sites/{id}/grid", ID: "get-grid", Summary: "A site's grid connection: its limits, margin and fallback", Need: read, Errors: []int{404, 503}, handler: handle(s.getGrid)},
		{Method: PUT, Path: v1 + "/sites/{id}/grid", ID: "set-grid", Summary: "Set a site's grid connection, which puts the site under load management", Need: operate, Errors: []int{404, 503}, handler: handle(s.putGrid)},
		{Method: DELETE, Path: v1 + "/sites/{id}/grid", ID: "delete-grid", Summary: "Stop managing a site's load: forget its grid, circuits, wiring and capacity limits", Need: operate, Status: 204, Errors: []int{404, 503}, handler: handle(s.deleteGrid)},
		{Method: GET, Path: v1 + "/sites/{id}/circuits", ID: "list-circuits", Summary: "A site's circuits", Need: read, Errors: []int{404, 503}, handler: handle(s.listCircuits)},
		{Method: POST, Path: v1 + "/sites/{id}/circuits", ID: "create-circuit", Summary: "Add a circuit, with limits of its own, to a site", Need: operate, Status: 201, Errors: []int{404, 503}, handler: handle(s.createCircuit)},
		{Method: PUT, Path: v1 + "/sites/{id}/circuits/{circuitId}", ID: "update-circuit", Summary: "Change a circuit", Need: operate, Errors: []int{404, 503}, handler: handle(s.updateCircuit)},
		{Method: DELETE, Path: v1 + "/sites/{id}/circuits/{circuitId}", ID: "delete-circuit", Summary: "Remove a circuit nothing hangs from", Need: operate, Status: 204, Errors: []int{404, 409, 503}, handler: handle(s.deleteCircuit)},
		{Method: GET, Path: v1 + "/sites/{id}/wiring", ID: "list-site-wiring", Summary: "How the EVSEs of a site's stations are wired", Need: read, Errors: []int{404, 503}, handler: handle(s.listSiteWiring)},
		{Method: GET, Path: v1 + "/sites/{id}/capacity-schedule", ID: "get-capacity-schedule", Summary: "A site's capacity schedule: the periods that have not ended", Need: read, Errors: []int{404, 503}, handler: handle(s.getCapacity)},
		{Method: PUT, Path: v1 + "/sites/{id}/capacity-schedule", ID: "set-capacity-schedule", Summary: "Replace a site's capacity schedule (an energy company's or building's limits over time)", Need: operate, Errors: []int{404, 503}, handler: handle(s.putCapacity)},
		{Method: GET, Path: v1 + "/sites/{id}/demand-response", ID: "list-demand-response", Summary: "A site's demand-response events that have not ended", Need: read, Errors: []int{404, 503}, handler: handle(s.listDemandResponse)},
		{Method: POST, Path: v1 + "/sites/{id}/demand-response", ID: "add-demand-response", Summary: "Reduce a site to a power for a while (a demand-response event)", Need: operate, Status: 201, Errors: []int{404, 409, 503}, handler: handle(s.addDemandResponse)},
		{Method: DELETE, Path: v1 + "/sites/{id}/demand-response/{eventId}", ID: "cancel-demand-response", Summary: "Cancel a demand-response event", Need: operate, Status: 204, Errors: []int{404, 503}, handler: handle(s.cancelDemandResponse)},
		{Method: PUT, Path: v1 + "/sites/{id}/load", ID: "report-site-load", Summary: "Tell what a site's other loads draw now", Need: operate, Status: 204, Errors: []int{404, 503}, handler: handle(s.putLoad)},
		{Method: GET, Path: v1 + "/sites/{id}/allocation", ID: "get-allocation", Summary: "How a site's capacity is shared among its sessions now", Need: read, Errors: []int{404, 503}, handler: handle(s.getAllocation)},
		{Method: GET, Path: v1 + "/stations/{id}/wiring", ID: "list-station-wiring", Summary: "How a station's EVSEs are wired", Need: read, Errors: []int{404, 503}, handler: handle(s.listStationWiring)},
		{Method: PUT, Path: v1 + "/stations/{id}/evses/{evseId}/wiring", ID: "set-wiring", Summary: "Set how an EVSE is wired: its circuit, phases, phase rotation and current range", Need: operate, Errors: []int{404, 503}, handler: handle(s.putWiring)},
		{Method: DELETE, Path: v1 + "/stations/{id}/evses/{evseId}/wiring", ID: "delete-wiring", Summary: "Forget how an EVSE is wired", Need: operate, Status: 204, Errors: []int{404, 503}, handler: handle(s.deleteWiring)},
		{Method: PUT, Path: v1 + "/transactions/{id}/charging-needs", ID: "set-charging-needs", Summary: "Tell a session's departure time and the energy wanted", Need: cardsManage, Errors: []int{404, 409, 503}, handler: handle(s.putNeeds)},
		{Method: GET, Path: v1 + "/transactions/{id}/vehicle", ID: "get-vehicle", Summary: "The vehicle of a session now: power, energy, state of charge, estimated time to full", Need: sessions, Errors: []int{404, 503}, handler: handle(s.getVehicle)},

		{Method: GET, Path: v1 + "/tariffs", ID: "list-tariffs", Summary: "List tariffs", Need: billing, Errors: []int{503}, handler: handle(s.listTariffs)},
		{Method: POST, Path: v1 + "/tariffs", ID: "create-tariff", Summary: "Create a tariff", Need: billing, Status: 201, Errors: []int{404, 503}, handler: handle(s.createTariff)},
		{Method: GET, Path: v1 + "/tariffs/{id}", ID: "get-tariff", Summary: "Get a tariff", Need: billing, Errors: []int{404, 503}, handler: handle(s.getTariff)},
		{Method: PUT, Path: v1 + "/tariffs/{id}", ID: "update-tariff", Summary: "Change a tariff's prices; sessions that started keep theirs", Need: billing, Errors: []int{404, 503}, handler: handle(s.updateTariff)},
		{Method: DELETE, Path: v1 + "/tariffs/{id}", ID: "delete-tariff", Summary: "Delete a tariff and where it applies", Need: billing, Status: 204, Errors: []int{404, 503}, handler: handle(s.deleteTariff)},
		{Method: GET, Path: v1 + "/tariffs/{id}/assignments", ID: "list-tariff-assignments", Summary: "Where a tariff applies", Need: billing, Errors: []int{404, 503}, handler: handle(s.listAssignments)},
		{Method: POST, Path: v1 + "/tariffs/{id}/assignments", ID: "assign-tariff", Summary: "Make a tariff apply at a station or site, for everyone or a customer group", Need: billing, Errors: []int{404, 409, 503}, handler: handle(s.assignTariff)},
		{Method: DELETE, Path: v1 + "/tariffs/{id}/assignments/{assignmentId}", ID: "unassign-tariff", Summary: "Stop a tariff applying somewhere", Need: billing, Status: 204, Errors: []int{404, 503}, handler: handle(s.unassignTariff)},
		{Method: GET, Path: v1 + "/price-schedules", ID: "list-price-schedules", Summary: "List price schedules (spot prices), without their points", Need: billing, Errors: []int{503}, handler: handle(s.listSchedules)},
		{Method: GET, Path: v1 + "/price-schedules/{name}", ID: "get-price-schedule", Summary: "Get a price schedule with its points", Need: billing, Errors: []int{404, 503}, handler: handle(s.getSchedule)},
		{Method: PUT, Path: v1 + "/price-schedules/{name}", ID: "put-price-schedule", Summary: "Load a price schedule, replacing one of that name", Need: system, Errors: []int{503}, handler: handle(s.putSchedule)},
		{Method: PUT, Path: v1 + "/price-schedules/{name}/csv", ID: "put-price-schedule-csv", Summary: "Load a price schedule from CSV", Need: system, Body: scheduleCSVBody(), Errors: []int{503}, handler: handle(s.putScheduleCSV)},
		{Method: DELETE, Path: v1 + "/price-schedules/{name}", ID: "delete-price-schedule", Summary: "Delete a price schedule no tariff follows", Need: system, Status: 204, Errors: []int{404, 409, 503}, handler: handle(s.deleteSchedule)},
		{Method: GET, Path: v1 + "/tax-rates", ID: "get-tax-rates", Summary: "The tax rates in force: Ladda's defaults and the operator's own", Need: billing, Errors: []int{503}, handler: handle(s.getTaxRates)},
		{Method: PUT, Path: v1 + "/tax-rates", ID: "set-tax-rates", Summary: "Replace the operator's own tax rates", Need: system, Errors: []int{503}, handler: handle(s.putTaxRates)},
		{Method: GET, Path: v1 + "/prices", ID: "get-price", Summary: "The price at a station now, before charging", Need: sessions, Errors: []int{404, 503}, handler: handle(s.getPrice)},
		{Method: GET, Path: v1 + "/cdrs", ID: "list-cdrs", Summary: "List charge detail records, newest first", Need: sessions, Errors: []int{503}, handler: handle(s.listCDRs)},
		{Method: GET, Path: v1 + "/cdrs/{id}", ID: "get-cdr", Summary: "Get a charge detail record", Need: sessions, Errors: []int{404, 503}, handler: handle(s.getCDR)},

		{Method: GET, Path: v1 + "/invoices", ID: "list-invoices", Summary: "List invoices and credit notes, newest first", Need: sessions, Errors: []int{503}, handler: handle(s.listInvoices)},
		{Method: POST, Path: v1 + "/invoices/run", ID: "run-invoices", Summary: "Issue the monthly invoices of what is not invoiced yet", Need: system, Errors: []int{503}, handler: handle(s.runInvoices)},
		{Method: GET, Path: v1 + "/invoices/{id}", ID: "get-invoice", Summary: "Get an invoice or credit note", Need: sessions, Errors: []int{404, 503}, handler: handle(s.getInvoice)},
		{Method: GET, Path: v1 + "/invoices/{id}/pdf", ID: "get-invoice-pdf", Summary: "An invoice or credit note as a PDF document", Need: sessions, Errors: []int{404, 503}, handler: handle(s.getInvoicePDF)},
		{Method: POST, Path: v1 + "/invoices/{id}/credit-note", ID: "credit-invoice", Summary: "Cancel an invoice with a credit note", Need: billing, Status: 201, Errors: []int{404, 409, 503}, handler: handle(s.creditNote)},
		{Method: GET, Path: v1 + "/billing-details", ID: "get-installation-billing-details", Summary: "The installation's billing details: the seller for stations of no organisation", Need: system, Errors: []int{404, 503}, handler: handle(s.getOwnDetails(false))},
		{Method: PUT, Path: v1 + "/billing-details", ID: "set-installation-billing-details", Summary: "Set the installation's billing details", Need: system, Errors: []int{503}, handler: handle(s.putOwnDetails(false))},
		{Method: GET, Path: v1 + "/organisations/{id}/billing-details", ID: "get-organisation-billing-details", Summary: "What invoices say about an organisation", Need: orgManage, Errors: []int{404, 503}, handler: handle(s.getDetails(false))},
		{Method: PUT, Path: v1 + "/organisations/{id}/billing-details", ID: "set-organisation-billing-details", Summary: "Set what invoices say about an organisation", Need: orgManage, Errors: []int{404, 503}, handler: handle(s.putDetails(false))},
		{Method: GET, Path: v1 + "/me/billing-details", ID: "get-my-billing-details", Summary: "What your invoices say about you", Need: self, Errors: []int{404, 503}, handler: handle(s.getOwnDetails(true))},
		{Method: PUT, Path: v1 + "/me/billing-details", ID: "set-my-billing-details", Summary: "Set what your invoices say about you", Need: self, Errors: []int{503}, handler: handle(s.putOwnDetails(true))},

		{Method: GET, Path: v1 + "/me/payment-account", ID: "get-my-payment-account", Summary: "How you pay", Need: self, Errors: []int{404, 503}, handler: handle(s.getPaymentAccount)},
		{Method: PUT, Path: v1 + "/me/payment-account", ID: "set-my-payment-account", Summary: "Attach a card and choose to pay by card or from the wallet", Need: self, Errors: []int{409, 503}, handler: handle(s.setPaymentAccount)},
		{Method: DELETE, Path: v1 + "/me/payment-account", ID: "delete-my-payment-account", Summary: "Stop paying through Ladda; the wallet keeps its balance", Need: self, Status: 204, Errors: []int{404, 503}, handler: handle(s.deletePaymentAccount)},
		{Method: GET, Path: v1 + "/me/wallet", ID: "get-my-wallet", Summary: "Your prepaid balance", Need: self, Errors: []int{503}, handler: handle(s.getWallet)},
		{Method: POST, Path: v1 + "/me/wallet/top-up", ID: "top-up-my-wallet", Summary: "Charge your card and fill your wallet", Need: self, Errors: []int{409, 503}, handler: handle(s.topUp)},
		{Method: GET, Path: v1 + "/me/payments", ID: "list-my-payments", Summary: "Your payments, newest first", Need: self, Errors: []int{503}, handler: handle(s.listPayments(true))},
		{Method: GET, Path: v1 + "/payments", ID: "list-payments", Summary: "Payments for your stations, newest first: failed and retrying ones are debts", Need: billing, Errors: []int{503}, handler: handle(s.listPayments(false))},
		{Method: GET, Path: v1 + "/payments/{id}", ID: "get-payment", Summary: "Get a payment", Need: billing, Errors: []int{404, 503}, handler: handle(s.getPayment)},
		{Method: POST, Path: v1 + "/payments/{id}/refund", ID: "refund-payment", Summary: "Return money of a captured session payment to the card", Need: billing, Errors: []int{404, 409, 503}, handler: handle(s.refund)},
		{Method: POST, Path: v1 + "/payments/webhook", ID: "payment-webhook", Summary: "The payment gateway's webhook; its signature is the credential", Need: public, Status: 204, Body: webhookBody(), Errors: []int{401, 503}, handler: handle(s.gatewayWebhook)},

		{Method: GET, Path: v1 + "/reports/revenue", ID: "get-revenue", Summary: "Revenue by station, site, tariff, customer group, day or month, with tax", Need: billing, Errors: []int{503}, handler: handle(s.revenue)},
		{Method: GET, Path: v1 + "/reports/revenue.csv", ID: "get-revenue-csv", Summary: "Revenue as CSV", Need: billing, Errors: []int{503}, handler: handle(s.revenueCSV)},
		{Method: GET, Path: v1 + "/reports/reconciliation", ID: "get-reconciliation", Summary: "Captured payments against CDRs, per currency, with the sessions that differ", Need: billing, Errors: []int{503}, handler: handle(s.reconcile)},

		{Method: GET, Path: v1 + "/plans", ID: "list-plans", Summary: "Subscription plans: all on offer for drivers, a seller's own for others", Need: sessions, Errors: []int{503}, handler: handle(s.listPlans)},
		{Method: POST, Path: v1 + "/plans", ID: "create-plan", Summary: "Offer a subscription plan", Need: billing, Status: 201, Errors: []int{404, 503}, handler: handle(s.createPlan)},
		{Method: GET, Path: v1 + "/plans/{id}", ID: "get-plan", Summary: "Get a plan", Need: sessions, Errors: []int{404, 503}, handler: handle(s.getPlan)},
		{Method: PUT, Path: v1 + "/plans/{id}", ID: "update-plan", Summary: "Change a plan; running subscriptions are billed by it from this month", Need: billing, Errors: []int{404, 503}, handler: handle(s.updatePlan)},
		{Method: GET, Path: v1 + "/plans/{id}/subscriptions", ID: "list-plan-subscriptions", Summary: "A plan's subscribers", Need: billing, Errors: []int{404, 503}, handler: handle(s.planSubscriptions)},
		{Method: GET, Path: v1 + "/me/subscriptions", ID: "list-my-subscriptions", Summary: "Your subscriptions", Need: self, Errors: []int{503}, handler: handle(s.mySubscriptions)},
		{Method: POST, Path: v1 + "/me/subscriptions", ID: "subscribe", Summary: "Subscribe to a plan from now", Need: self, Errors: []int{404, 409, 503}, handler: handle(s.subscribe)},
		{Method: DELETE, Path: v1 + "/me/subscriptions/{id}", ID: "unsubscribe", Summary: "End a subscription now; its last month is prorated", Need: self, Errors: []int{404, 409, 503}, handler: handle(s.unsubscribe)},

		{Method: GET, Path: v1 + "/sponsorships", ID: "list-sponsorships", Summary: "List sponsorship campaigns", Need: billing, Errors: []int{503}, handler: handle(s.listSponsorships)},
		{Method: POST, Path: v1 + "/sponsorships", ID: "create-sponsorship", Summary: "Schedule a sponsor's messages on station screens, for a fee", Need: billing, Status: 201, Errors: []int{404, 503}, handler: handle(s.createSponsorship)},
		{Method: GET, Path: v1 + "/sponsorships/{id}", ID: "get-sponsorship", Summary: "Get a sponsorship campaign with its impressions and what the sponsor owes", Need: billing, Errors: []int{404, 503}, handler: handle(s.getSponsorship)},
		{Method: POST, Path: v1 + "/sponsorships/{id}/cancel", ID: "cancel-sponsorship", Summary: "Stop a sponsorship campaign and clear its messages from the stations", Need: billing, Errors: []int{404, 409, 503}, handler: handle(s.cancelSponsorship)},

		{Method: GET, Path: v1 + "/transactions", ID: "list-transactions", Summary: "List transactions, newest first", Need: sessions, handler: handle(s.listTransactions)},
		{Method: GET, Path: v1 + "/transactions/{id}", ID: "get-transaction", Summary: "Get a transaction with its meter values", Need: sessions, Errors: []int{404}, handler: handle(s.getTransaction)},
		{Method: POST, Path: v1 + "/transactions/{id}/cost", ID: "send-cost", Summary: "Show the driver a transaction's running cost on the station (OCPP 2.0.1)", Need: billing, Errors: []int{404, 409, 503, 504}, handler: handle(s.sendCost)},
		{Method: GET, Path: v1 + "/transactions/{id}/cost", ID: "get-cost", Summary: "What a session costs so far, or in all once stopped, line by line with tax", Need: sessions, Errors: []int{404, 503}, handler: handle(s.getCost)},
		{Method: POST, Path: v1 + "/transactions/{id}/remote-stop", ID: "remote-stop", Summary: "Ask the station to stop a transaction", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.remoteStop)},

		{Method: POST, Path: v1 + "/reservations", ID: "create-reservation", Summary: "Book an EVSE of a station for a token, now or later", Need: operate, Status: 201, Also: []int{200}, Errors: []int{404, 409, 504}, handler: handle(s.createReservation)},
		{Method: GET, Path: v1 + "/reservations", ID: "list-reservations", Summary: "List reservations, newest first", Need: read, handler: handle(s.listReservations)},
		{Method: GET, Path: v1 + "/reservations/{id}", ID: "get-reservation", Summary: "Get a reservation", Need: read, Errors: []int{404}, handler: handle(s.getReservation)},
		{Method: POST, Path: v1 + "/reservations/{id}/cancel", ID: "cancel-reservation", Summary: "Cancel a reservation, at the station too", Need: operate, Errors: []int{404, 409, 504}, handler: handle(s.cancelReservation)},

		{Method: POST, Path: v1 + "/auth/signup", ID: "signup", Summary: "Create a driver's account; a link to verify the address is emailed", Need: public, Limited: true, Status: 202, Errors: []int{429}, handler: handle(s.signup)},
		{Method: POST, Path: v1 + "/auth/verify-email", ID: "verify-email", Summary: "Verify an email address with the token of the emailed link", Need: public, Limited: true, Errors: []int{404, 429}, handler: handle(s.verifyEmail)},
		{Method: POST, Path: v1 + "/auth/login", ID: "login", Summary: "Sign in with email and password", Need: public, Limited: true, Errors: []int{401, 429}, handler: handle(s.login)},
		{Method: POST, Path: v1 + "/auth/login/2fa", ID: "login-second-factor", Summary: "Finish signing in with a code of the authenticator app or a recovery code", Need: public, Limited: true, Errors: []int{401, 429}, handler: handle(s.login2FA)},
		{Method: POST, Path: v1 + "/auth/logout", ID: "logout", Summary: "Sign out: end this session", Need: self, Restricted: true, Status: 204, Errors: []int{}, handler: handle(s.logout)},
		{Method: POST, Path: v1 + "/auth/password-reset", ID: "request-password-reset", Summary: "Email a link to reset the password", Need: public, Limited: true, Status: 202, Errors: []int{429}, handler: handle(s.requestReset)},
		{Method: POST, Path: v1 + "/auth/password-reset/confirm", ID: "reset-password", Summary: "Set a new password with the token of the emailed link", Need: public, Limited: true, Errors: []int{404, 429}, handler: handle(s.resetPassword)},

		{Method: GET, Path: v1 + "/me", ID: "get-me", Summary: "Your account", Need: self, Restricted: true, handler: handle(s.getMe)},
		{Method: PATCH, Path: v1 + "/me", ID: "update-me", Summary: "Change your name, language or notification preferences", Need: self, handler: handle(s.updateMe)},
		{Method: DELETE, Path: v1 + "/me", ID: "delete-me", Summary: "Delete your account", Need: self, Status: 204, Errors: []int{429}, handler: handle(s.deleteMe)},
		{Method: GET, Path: v1 + "/me/export", ID: "export-me", Summary: "Everything Ladda keeps about you, as JSON", Need: self, handler: handle(s.exportMe)},
		{Method: POST, Path: v1 + "/me/password", ID: "change-password", Summary: "Change your password; your other sessions are signed out", Need: self, Status: 204, Errors: []int{429}, handler: handle(s.changePassword)},
		{Method: POST, Path: v1 + "/me/2fa", ID: "begin-two-factor", Summary: "Start enrolling an authenticator app", Need: self, Restricted: true, Errors: []int{409}, handler: handle(s.beginTOTP)},
		{Method: POST, Path: v1 + "/me/2fa/confirm", ID: "confirm-two-factor", Summary: "Turn two-factor authentication on with a code of the app; returns recovery codes", Need: self, Restricted: true, Errors: []int{409, 429}, handler: handle(s.confirmTOTP)},
		{Method: POST, Path: v1 + "/me/2fa/disable", ID: "disable-two-factor", Summary: "Turn two-factor authentication off", Need: self, Status: 204, Errors: []int{409, 429}, handler: handle(s.disableTOTP)},
		{Method: POST, Path: v1 + "/me/2fa/recovery-codes", ID: "regenerate-recovery-codes", Summary: "Replace your recovery codes", Need: self, Errors: []int{409, 429}, handler: handle(s.regenerateCodes)},
		{Method: GET, Path: v1 + "/me/sessions", ID: "list-my-sessions", Summary: "Your signed-in sessions", Need: self, handler: handle(s.listSessions)},
		{Method: DELETE, Path: v1 + "/me/sessions/{id}", ID: "revoke-my-session", Summary: "Sign out one of your sessions", Need: self, Status: 204, Errors: []int{404}, handler: handle(s.revokeSession)},
		{Method: GET, Path: v1 + "/me/favourites", ID: "list-favourites", Summary: "Your favourite stations", Need: self, handler: handle(s.listFavourites)},
		{Method: PUT, Path: v1 + "/me/favourites/{stationId}", ID: "set-favourite", Summary: "Mark a station as a favourite, optionally to be told when it is free", Need: self, Errors: []int{404}, handler: handle(s.putFavourite)},
		{Method: DELETE, Path: v1 + "/me/favourites/{stationId}", ID: "delete-favourite", Summary: "Remove a favourite", Need: self, Status: 204, Errors: []int{404}, handler: handle(s.deleteFavourite)},
		{Method: GET, Path: v1 + "/me/webhooks", ID: "list-my-webhooks", Summary: "Your webhooks", Need: self, handler: handle(s.listWebhooks(true))},
		{Method: POST, Path: v1 + "/me/webhooks", ID: "create-my-webhook", Summary: "Register a URL for your events", Need: self, Status: 201, Errors: []int{409}, handler: handle(s.createWebhook(true))},
		{Method: GET, Path: v1 + "/me/webhooks/{id}", ID: "get-my-webhook", Summary: "Get one of your webhooks", Need: self, Errors: []int{404}, handler: handle(s.getWebhook(true))},
		{Method: DELETE, Path: v1 + "/me/webhooks/{id}", ID: "delete-my-webhook", Summary: "Delete one of your webhooks", Need: self, Status: 204, Errors: []int{404}, handler: handle(s.deleteWebhook(true))},
		{Method: GET, Path: v1 + "/me/webhooks/{id}/deliveries", ID: "list-my-webhook-deliveries", Summary: "The delivery log of one of your webhooks", Need: self, Errors: []int{404}, handler: handle(s.listDeliveries(true))},

		{Method: GET, Path: v1 + "/cards", ID: "list-cards", Summary: "List your cards, or your fleet's", Need: cardsRead, handler: handle(s.listCards)},
		{Method: POST, Path: v1 + "/cards", ID: "add-card", Summary: "Add a charging card", Need: cardsManage, Status: 201, Errors: []int{409}, handler: handle(s.addCard)},
		{Method: GET, Path: v1 + "/cards/{idToken}", ID: "get-card", Summary: "Get a card", Need: cardsRead, Errors: []int{404}, handler: handle(s.getCard)},
		{Method: PATCH, Path: v1 + "/cards/{idToken}", ID: "update-card", Summary: "Name, block, unblock or hand over a card", Need: cardsManage, Errors: []int{404, 409}, handler: handle(s.updateCard)},
		{Method: GET, Path: v1 + "/transactions/export", ID: "export-transactions", Summary: "Your charging history as CSV", Need: sessions, handler: handle(s.exportTransactions)},

		{Method: GET, Path: v1 + "/users", ID: "list-users", Summary: "List the users of your organisation (all, for administrators)", Need: orgManage, handler: handle(s.listUsers)},
		{Method: POST, Path: v1 + "/users", ID: "create-user", Summary: "Create a user; they get an email to choose a password", Need: orgManage, Status: 201, Errors: []int{409}, handler: handle(s.createUser)},
		{Method: GET, Path: v1 + "/users/{id}", ID: "get-user", Summary: "Get a user", Need: orgManage, Errors: []int{404}, handler: handle(s.getUser)},
		{Method: DELETE, Path: v1 + "/users/{id}", ID: "delete-user", Summary: "Delete a user", Need: orgManage, Status: 204, Errors: []int{404}, handler: handle(s.deleteUser)},
		{Method: DELETE, Path: v1 + "/users/{id}/sessions", ID: "sign-out-user", Summary: "End every session of a user", Need: orgManage, Status: 204, Errors: []int{404}, handler: handle(s.signOutUser)},
		{Method: PUT, Path: v1 + "/users/{id}/membership", ID: "set-membership", Summary: "Set a user's role and organisation", Need: orgManage, Errors: []int{404}, handler: handle(s.setMembership)},
		{Method: GET, Path: v1 + "/organisations", ID: "list-organisations", Summary: "List organisations (yours, or all for administrators)", Need: orgManage, handler: handle(s.listOrganisations)},
		{Method: POST, Path: v1 + "/organisations", ID: "create-organisation", Summary: "Create an organisation", Need: system, Status: 201, handler: handle(s.createOrganisation)},
		{Method: GET, Path: v1 + "/organisations/{id}", ID: "get-organisation", Summary: "Get an organisation", Need: orgManage, Errors: []int{404}, handler: handle(s.getOrganisation)},
		{Method: PATCH, Path: v1 + "/organisations/{id}", ID: "rename-organisation", Summary: "Rename an organisation", Need: orgManage, Errors: []int{404}, handler: handle(s.renameOrganisation)},
		{Method: DELETE, Path: v1 + "/organisations/{id}", ID: "delete-organisation", Summary: "Delete an empty organisation", Need: system, Status: 204, Errors: []int{404, 409}, handler: handle(s.deleteOrganisation)},
		{Method: GET, Path: v1 + "/api-keys", ID: "list-api-keys", Summary: "List your organisation's API keys", Need: orgManage, handler: handle(s.listKeys)},
		{Method: POST, Path: v1 + "/api-keys", ID: "create-api-key", Summary: "Create an API key; its secret is shown once", Need: orgManage, Status: 201, handler: handle(s.createKey)},
		{Method: GET, Path: v1 + "/api-keys/{id}", ID: "get-api-key", Summary: "Get an API key", Need: orgManage, Errors: []int{404}, handler: handle(s.getKey)},
		{Method: DELETE, Path: v1 + "/api-keys/{id}", ID: "revoke-api-key", Summary: "Revoke an API key", Need: orgManage, Status: 204, Errors: []int{404}, handler: handle(s.revokeKey)},
		{Method: GET, Path: v1 + "/webhooks", ID: "list-webhooks", Summary: "Your organisation's webhooks", Need: orgManage, handler: handle(s.listWebhooks(false))},
		{Method: POST, Path: v1 + "/webhooks", ID: "create-webhook", Summary: "Register a URL for your organisation's events", Need: orgManage, Status: 201, Errors: []int{409}, handler: handle(s.createWebhook(false))},
		{Method: GET, Path: v1 + "/webhooks/{id}", ID: "get-webhook", Summary: "Get a webhook", Need: orgManage, Errors: []int{404}, handler: handle(s.getWebhook(false))},
		{Method: DELETE, Path: v1 + "/webhooks/{id}", ID: "delete-webhook", Summary: "Delete a webhook", Need: orgManage, Status: 204, Errors: []int{404}, handler: handle(s.deleteWebhook(false))},
		{Method: GET, Path: v1 + "/webhooks/{id}/deliveries", ID: "list-webhook-deliveries", Summary: "A webhook's delivery log", Need: orgManage, Errors: []int{404}, handler: handle(s.listDeliveries(false))},
		{Method: GET, Path: v1 + "/audit", ID: "list-audit-events", Summary: "The audit log, newest first", Need: system, handler: handle(s.listAudit)},

		{Method: GET, Path: v1 + "/remote-starts/{id}", ID: "get-remote-start", Summary: "Get a remote start, with its transaction once started", Need: read, Errors: []int{404}, handler: handle(s.getRemoteStart)},
	}
}

// register adds one operation to api; fail turns a handler's error into the error response.
type register func(api huma.API, op huma.Operation, fail func(ctx context.Context, op string, err error) huma.StatusError)

// handle adapts a typed handler to the route table. Every error it returns goes through fail, so
// that huma never shows the text of an unclassified error.
func handle[I, O any](h func(context.Context, *I) (*O, error)) register {
	return func(api huma.API, op huma.Operation, fail func(context.Context, string, error) huma.StatusError) {
		id := op.OperationID
		huma.Register(api, op, func(ctx context.Context, in *I) (*O, error) {
			out, err := h(ctx, in)
			if err != nil {
				return nil, fail(ctx, id, err)
			}
			return out, nil
		})
	}
}

// operation describes r to huma: its place in the document, its errors, and, for routes that need
// a key, the security requirement and the middleware that enforces it.
func (s *server) operation(r route) huma.Operation {
	op := huma.Operation{
		OperationID:   r.ID,
		Method:        r.Method,
		Path:          r.Path,
		Summary:       r.Summary,
		Tags:          []string{tagOf(r.Path)},
		DefaultStatus: r.Status,
		MaxBodyBytes:  MaxBodyBytes,
		Errors:        append([]int(nil), r.Errors...),
	}
	if r.Body != nil {
		op.RequestBody = r.Body
	}
	if r.Need != public {
		op.Security = []map[string][]string{{bearerScheme: {}}, {cookieScheme: {}}}
		op.Extensions = map[string]any{"x-ladda-permission": r.Need.String()}
		op.Description = "Needs permission " + r.Need.String() + "."
		op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
		op.Middlewares = huma.Middlewares{s.authenticate(r)}
	} else {
		op.Middlewares = huma.Middlewares{s.anonymous(r)}
	}
	return op
}

// tagOf groups operations in the document by their first path segment after the prefix.
func tagOf(path string) string {
	rest, ok := strings.CutPrefix(path, Prefix+"/")
	if !ok {
		return "health"
	}
	tag, _, _ := strings.Cut(rest, "/")
	return tag
}

// methodNotAllowed answers requests to a known path with a method it does not serve.
func methodNotAllowed(methods []string) http.Handler {
	if slices.Contains(methods, http.MethodGet) && !slices.Contains(methods, http.MethodHead) {
		methods = append(methods, http.MethodHead)
	}
	allow := strings.Join(methods, ", ")
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Allow", allow)
		writeProblem(w, http.StatusMethodNotAllowed, "method "+r.Method+" is not allowed here; allowed: "+allow)
	})
}
