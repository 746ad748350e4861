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
	ID      string            // OpenAPI operationId
	Summary string            // one line for the OpenAPI document
	Role    account.Role      // role the API key needs; public (empty) for no key at all
	Status  int               // status of success; 0 means 200
	Also    []int             // other statuses of success, with the same body as Status
	Errors  []int             // error statuses the operation itself may answer, besides 401/403/422/500
	Body    *huma.RequestBody // the request body, for a handler that reads it itself (a stream)

	handler register
	raw     http.Handler
}

// public marks routes that need no API key.
const public account.Role = ""

// bearerScheme names the security scheme of the OpenAPI document.
const bearerScheme = "bearer"

// routes is the whole surface of the API. Read it first.
func (s *server) routes() []route {
	const (
		GET, POST, PUT, PATCH, DELETE = http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete
		admin                         = account.Admin
		v1                            = Prefix
	)
	return []route{
		{Method: GET, Path: "/healthz", ID: "get-health", Summary: "Liveness: the process is up", Role: public, handler: handle(s.health)},
		{Method: GET, Path: "/readyz", ID: "get-ready", Summary: "Readiness: the store answers", Role: public, Errors: []int{503}, handler: handle(s.readiness)},
		{Method: GET, Path: v1 + "/openapi.json", ID: "get-openapi", Summary: "This API's OpenAPI 3.1 document", Role: public, raw: http.HandlerFunc(s.serveOpenAPI)},

		{Method: POST, Path: v1 + "/stations", ID: "create-station", Summary: "Register a station", Role: admin, Status: 201, Errors: []int{400, 409}, handler: handle(s.createStation)},
		{Method: GET, Path: v1 + "/stations", ID: "list-stations", Summary: "List stations", Role: admin, handler: handle(s.listStations)},
		{Method: GET, Path: v1 + "/stations/{id}", ID: "get-station", Summary: "Get a station", Role: admin, Errors: []int{404}, handler: handle(s.getStation)},
		{Method: PATCH, Path: v1 + "/stations/{id}", ID: "update-station", Summary: "Change a station", Role: admin, Errors: []int{400, 404}, handler: handle(s.updateStation)},
		{Method: DELETE, Path: v1 + "/stations/{id}", ID: "delete-station", Summary: "Delete a station", Role: admin, Status: 204, Errors: []int{404}, handler: handle(s.deleteStation)},

		{Method: POST, Path: v1 + "/stations/{id}/reset", ID: "reset-station", Summary: "Restart a station or one EVSE", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.resetStation)},
		{Method: POST, Path: v1 + "/stations/{id}/unlock", ID: "unlock-connector", Summary: "Release a connector's cable", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.unlockConnector)},
		{Method: POST, Path: v1 + "/stations/{id}/availability", ID: "change-availability", Summary: "Make a station, EVSE or connector operative or inoperative", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.changeAvailability)},
		{Method: POST, Path: v1 + "/stations/{id}/trigger", ID: "trigger-message", Summary: "Ask a station to send a message now", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.triggerMessage)},
		{Method: POST, Path: v1 + "/stations/{id}/clear-cache", ID: "clear-cache", Summary: "Empty a station's authorisation cache", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.clearCache)},
		{Method: POST, Path: v1 + "/stations/{id}/data-transfer", ID: "data-transfer", Summary: "Send a vendor-specific message to a station", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.dataTransfer)},
		{Method: POST, Path: v1 + "/stations/{id}/remote-start", ID: "remote-start", Summary: "Ask a station to start charging for a token", Role: admin, Status: 201, Also: []int{200, 202}, Errors: []int{404, 409, 504}, handler: handle(s.remoteStart)},
		{Method: GET, Path: v1 + "/stations/{id}/settings", ID: "list-settings", Summary: "List a station's settings as Ladda last learnt them", Role: admin, Errors: []int{404}, handler: handle(s.listSettings)},
		{Method: POST, Path: v1 + "/stations/{id}/settings/refresh", ID: "refresh-settings", Summary: "Ask a station for all its settings", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.refreshSettings)},
		{Method: POST, Path: v1 + "/stations/{id}/settings/read", ID: "read-settings", Summary: "Ask a station for some settings' current values", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.readSettings)},
		{Method: PATCH, Path: v1 + "/stations/{id}/settings", ID: "change-settings", Summary: "Ask a station to change settings", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.changeSettings)},
		{Method: POST, Path: v1 + "/stations/{id}/display-messages", ID: "set-display-message", Summary: "Show a message on a station's screen (OCPP 2.0.1)", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.setDisplayMessage)},
		{Method: POST, Path: v1 + "/stations/{id}/display-messages/query", ID: "query-display-messages", Summary: "Ask a station which messages it shows; they arrive as a report", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.queryDisplayMessages)},
		{Method: DELETE, Path: v1 + "/stations/{id}/display-messages/{messageId}", ID: "clear-display-message", Summary: "Remove a message from a station's screen", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.clearDisplayMessage)},
		{Method: GET, Path: v1 + "/stations/{id}/local-list", ID: "get-local-list", Summary: "Get the ID tokens of a station's local authorisation list", Role: admin, Errors: []int{404}, handler: handle(s.getLocalList)},
		{Method: PUT, Path: v1 + "/stations/{id}/local-list", ID: "set-local-list", Summary: "Assign the ID tokens of a station's local authorisation list", Role: admin, Errors: []int{404}, handler: handle(s.putLocalList)},
		{Method: POST, Path: v1 + "/stations/{id}/local-list/send", ID: "send-local-list", Summary: "Send a station its local authorisation list, or what changed in it", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.sendLocalList)},
		{Method: POST, Path: v1 + "/stations/{id}/local-list/version", ID: "get-local-list-version", Summary: "Ask a station which version of its local list it has", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.localListVersion)},
		{Method: POST, Path: v1 + "/stations/{id}/firmware", ID: "update-firmware", Summary: "Ask a station to update its firmware", Role: admin, Errors: []int{404, 409, 503, 504}, handler: handle(s.updateFirmware)},
		{Method: GET, Path: v1 + "/stations/{id}/firmware", ID: "get-firmware-status", Summary: "A station's firmware version and the progress of its last update", Role: admin, Errors: []int{404}, handler: handle(s.firmwareStatus)},
		{Method: POST, Path: v1 + "/stations/{id}/logs", ID: "request-log", Summary: "Ask a station to upload its diagnostics or security log", Role: admin, Errors: []int{404, 409, 503, 504}, handler: handle(s.requestLog)},
		{Method: GET, Path: v1 + "/stations/{id}/logs", ID: "list-logs", Summary: "List the files a station uploaded, newest first", Role: admin, Errors: []int{404, 503}, handler: handle(s.listLogs)},
		{Method: GET, Path: v1 + "/stations/{id}/logs/{name}", ID: "get-log", Summary: "Download a file a station uploaded", Role: admin, Errors: []int{404, 503}, handler: handle(s.getLog)},
		{Method: POST, Path: v1 + "/stations/{id}/certificates/renew", ID: "renew-station-certificate", Summary: "Ask a station for a new certificate signing request", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.renewCertificate)},
		{Method: POST, Path: v1 + "/stations/{id}/certificates/install", ID: "install-certificate", Summary: "Install a root certificate on a station", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.installCertificate)},
		{Method: POST, Path: v1 + "/stations/{id}/certificates/query", ID: "query-certificates", Summary: "Ask a station which root certificates it has", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.queryCertificates)},
		{Method: POST, Path: v1 + "/stations/{id}/certificates/delete", ID: "delete-certificate", Summary: "Remove a certificate from a station", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.deleteCertificate)},
		{Method: POST, Path: v1 + "/stations/{id}/monitors", ID: "set-monitors", Summary: "Set monitors on a station's variables (OCPP 2.0.1)", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.setMonitors)},
		{Method: POST, Path: v1 + "/stations/{id}/monitors/clear", ID: "clear-monitors", Summary: "Remove monitors from a station (OCPP 2.0.1)", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.clearMonitors)},
		{Method: POST, Path: v1 + "/stations/{id}/monitors/query", ID: "query-monitors", Summary: "Ask a station for its monitors; they arrive as a report (OCPP 2.0.1)", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.queryMonitors)},
		{Method: POST, Path: v1 + "/stations/{id}/monitoring", ID: "set-monitoring", Summary: "Set a station's monitoring base or level (OCPP 2.0.1)", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.setMonitoring)},
		{Method: GET, Path: v1 + "/stations/{id}/commands", ID: "list-commands", Summary: "List the commands sent to a station, newest first", Role: admin, Errors: []int{404}, handler: handle(s.listCommands)},
		{Method: GET, Path: v1 + "/stations/{id}/reports", ID: "list-reports", Summary: "List what a station reported about itself, newest first", Role: admin, Errors: []int{404}, handler: handle(s.listReports)},

		{Method: PUT, Path: v1 + "/firmware/{name}", ID: "put-firmware", Summary: "Upload a firmware image for stations to download from Ladda", Role: admin, Body: firmwareBody, Errors: []int{413, 503}, handler: handle(s.putFirmware)},
		{Method: GET, Path: v1 + "/firmware", ID: "list-firmware", Summary: "List the firmware images Ladda serves", Role: admin, Errors: []int{503}, handler: handle(s.listFirmware)},
		{Method: DELETE, Path: v1 + "/firmware/{name}", ID: "delete-firmware", Summary: "Delete a firmware image", Role: admin, Status: 204, Errors: []int{404, 503}, handler: handle(s.deleteFirmware)},

		{Method: POST, Path: v1 + "/firmware-campaigns", ID: "create-firmware-campaign", Summary: "Roll a firmware image out to many stations", Role: admin, Status: 201, Errors: []int{404, 503}, handler: handle(s.createCampaign)},
		{Method: GET, Path: v1 + "/firmware-campaigns", ID: "list-firmware-campaigns", Summary: "List firmware campaigns, newest first", Role: admin, Errors: []int{503}, handler: handle(s.listCampaigns)},
		{Method: GET, Path: v1 + "/firmware-campaigns/{id}", ID: "get-firmware-campaign", Summary: "Get a firmware campaign and its progress", Role: admin, Errors: []int{404, 503}, handler: handle(s.getCampaign)},
		{Method: GET, Path: v1 + "/firmware-campaigns/{id}/stations", ID: "list-firmware-campaign-stations", Summary: "List the stations of a firmware campaign and where each stands", Role: admin, Errors: []int{404, 503}, handler: handle(s.listCampaignStations)},
		{Method: POST, Path: v1 + "/firmware-campaigns/{id}/cancel", ID: "cancel-firmware-campaign", Summary: "Stop sending a campaign's update to more stations", Role: admin, Errors: []int{404, 409, 503}, handler: handle(s.cancelCampaign)},

		{Method: GET, Path: v1 + "/pki/ca", ID: "get-ca", Summary: "The CA certificate that signs stations' certificates", Role: admin, Errors: []int{404, 503}, handler: handle(s.getCA)},
		{Method: GET, Path: v1 + "/certificates", ID: "list-certificates", Summary: "List the certificates stations asked Ladda to sign, newest first", Role: admin, Errors: []int{503}, handler: handle(s.listCertificates)},
		{Method: PUT, Path: v1 + "/pki/roots/{name}", ID: "put-trusted-root", Summary: "Trust a root certificate (V2G, mobility operator, …)", Role: admin, Errors: []int{503}, handler: handle(s.putRoot)},
		{Method: GET, Path: v1 + "/pki/roots", ID: "list-trusted-roots", Summary: "List the root certificates Ladda trusts", Role: admin, Errors: []int{503}, handler: handle(s.listRoots)},
		{Method: DELETE, Path: v1 + "/pki/roots/{name}", ID: "delete-trusted-root", Summary: "Stop trusting a root certificate", Role: admin, Status: 204, Errors: []int{404, 503}, handler: handle(s.deleteRoot)},

		{Method: POST, Path: v1 + "/id-tokens", ID: "create-id-token", Summary: "Add an ID token", Role: admin, Status: 201, Errors: []int{400, 409}, handler: handle(s.createIDToken)},
		{Method: GET, Path: v1 + "/id-tokens", ID: "list-id-tokens", Summary: "List ID tokens", Role: admin, handler: handle(s.listIDTokens)},
		{Method: GET, Path: v1 + "/id-tokens/{idToken}", ID: "get-id-token", Summary: "Get an ID token", Role: admin, Errors: []int{404}, handler: handle(s.getIDToken)},
		{Method: PATCH, Path: v1 + "/id-tokens/{idToken}", ID: "update-id-token", Summary: "Change an ID token", Role: admin, Errors: []int{400, 404}, handler: handle(s.updateIDToken)},
		{Method: DELETE, Path: v1 + "/id-tokens/{idToken}", ID: "delete-id-token", Summary: "Delete an ID token", Role: admin, Status: 204, Errors: []int{404}, handler: handle(s.deleteIDToken)},

		{Method: GET, Path: v1 + "/transactions", ID: "list-transactions", Summary: "List transactions, newest first", Role: admin, handler: handle(s.listTransactions)},
		{Method: GET, Path: v1 + "/transactions/{id}", ID: "get-transaction", Summary: "Get a transaction with its meter values", Role: admin, Errors: []int{404}, handler: handle(s.getTransaction)},
		{Method: POST, Path: v1 + "/transactions/{id}/cost", ID: "send-cost", Summary: "Show the driver a transaction's running cost on the station (OCPP 2.0.1)", Role: admin, Errors: []int{404, 409, 503, 504}, handler: handle(s.sendCost)},
		{Method: POST, Path: v1 + "/transactions/{id}/remote-stop", ID: "remote-stop", Summary: "Ask the station to stop a transaction", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.remoteStop)},

		{Method: POST, Path: v1 + "/reservations", ID: "create-reservation", Summary: "Book an EVSE of a station for a token, now or later", Role: admin, Status: 201, Also: []int{200}, Errors: []int{404, 409, 504}, handler: handle(s.createReservation)},
		{Method: GET, Path: v1 + "/reservations", ID: "list-reservations", Summary: "List reservations, newest first", Role: admin, handler: handle(s.listReservations)},
		{Method: GET, Path: v1 + "/reservations/{id}", ID: "get-reservation", Summary: "Get a reservation", Role: admin, Errors: []int{404}, handler: handle(s.getReservation)},
		{Method: POST, Path: v1 + "/reservations/{id}/cancel", ID: "cancel-reservation", Summary: "Cancel a reservation, at the station too", Role: admin, Errors: []int{404, 409, 504}, handler: handle(s.cancelReservation)},

		{Method: GET, Path: v1 + "/remote-starts/{id}", ID: "get-remote-start", Summary: "Get a remote start, with its transaction once started", Role: admin, Errors: []int{404}, handler: handle(s.getRemoteStart)},
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
	if r.Role != public {
		op.Security = []map[string][]string{{bearerScheme: {}}}
		op.Extensions = map[string]any{"x-ladda-role": string(r.Role)}
		op.Description = "Needs an API key with role " + string(r.Role) + "."
		op.Errors = append(op.Errors, http.StatusUnauthorized, http.StatusForbidden)
		op.Middlewares = huma.Middlewares{s.authenticate(r.Role)}
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
