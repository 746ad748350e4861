package httpapi

import (
	"context"
	"math"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// DisplayMessage is a message for a station's screen (OCPP 2.0.1 SetDisplayMessage): a notice,
// a price, sponsorship or advertising.
type DisplayMessage struct {
	ID          int        `json:"id" minimum:"0" maximum:"2147483647" doc:"The message's id at the station; a message with the same id replaces it."`
	Priority    string     `json:"priority" enum:"AlwaysFront,InFront,NormalCycle" doc:"AlwaysFront: shown before any other, never cycled; InFront: before NormalCycle messages, cycled with other InFront ones; NormalCycle: in the normal cycle."`
	State       string     `json:"state,omitempty" enum:"Charging,Faulted,Idle,Unavailable" doc:"Show it only while the station is in this state; absent: in every state."`
	Format      string     `json:"format" enum:"ASCII,HTML,URI,UTF8" doc:"How content is to be read: plain ASCII or UTF-8 text, HTML, or a URI the station shows."`
	Language    string     `json:"language,omitempty" maxLength:"8" doc:"RFC 5646 language code of the content, such as en or de-CH."`
	Content     string     `json:"content" minLength:"1" maxLength:"512"`
	StartAt     *time.Time `json:"startAt,omitempty" doc:"Show it from this time; absent: now."`
	EndAt       *time.Time `json:"endAt,omitempty" doc:"Remove it at this time; must be after startAt. Absent: until cleared."`
	StationTxID string     `json:"stationTransactionId,omitempty" maxLength:"36" doc:"Show it only during this transaction (the station's own id for it); a station that does not run it answers UnknownTransaction."`
	EVSEID      int        `json:"evseId,omitempty" minimum:"0" maximum:"2147483647" doc:"Show it only on this EVSE's display; absent or 0: the station's displays."`
	VendorID    string     `json:"vendorId,omitempty" maxLength:"255" doc:"OCPP 1.6 stations only, which have no standard display messages: the vendorId under which the station's vendor takes the 2.0.1 message in DataTransfer."`
}

type setDisplayMessageInput struct {
	ID   string         `path:"id" maxLength:"48"`
	Body DisplayMessage `nameHint:"DisplayMessage"`
}

// setDisplayMessage handles POST /api/v1/stations/{id}/display-messages: shows a message on the
// station's screen (OCPP 2.0.1 only).
func (s *server) setDisplayMessage(ctx context.Context, in *setDisplayMessageInput) (*commandOutput, error) {
	b := in.Body
	if b.StartAt != nil && b.EndAt != nil && !b.EndAt.After(*b.StartAt) {
		return nil, ladda.Errorf(ladda.Invalid, "httpapi.setDisplayMessage", "endAt must be after startAt")
	}
	return s.execute(ctx, in.ID, station.SetDisplayMessage{Message: station.DisplayMessage{
		ID:            b.ID,
		Priority:      b.Priority,
		State:         b.State,
		Format:        b.Format,
		Language:      b.Language,
		Content:       b.Content,
		StartAt:       utcPtr(b.StartAt),
		EndAt:         utcPtr(b.EndAt),
		StationTxID:   b.StationTxID,
		DisplayEVSEID: b.EVSEID,
	}, VendorID: b.VendorID})
}

type clearDisplayMessageInput struct {
	ID        string `path:"id" maxLength:"48"`
	MessageID int    `path:"messageId" minimum:"0" maximum:"2147483647"`
	VendorID  string `query:"vendorId" maxLength:"255" doc:"OCPP 1.6 stations: see the vendorId of a message."`
}

// clearDisplayMessage handles DELETE /api/v1/stations/{id}/display-messages/{messageId}: removes
// a message from the station's screen. A station that does not know it answers Unknown.
func (s *server) clearDisplayMessage(ctx context.Context, in *clearDisplayMessageInput) (*commandOutput, error) {
	return s.execute(ctx, in.ID, station.ClearDisplayMessage{ID: in.MessageID, VendorID: in.VendorID})
}

type queryDisplayMessagesInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body *struct {
		IDs      []int  `json:"ids,omitempty" maxItems:"100" minimum:"0" maximum:"2147483647" doc:"Only the messages with these ids."`
		Priority string `json:"priority,omitempty" enum:"AlwaysFront,InFront,NormalCycle" doc:"Only the messages of this priority."`
		State    string `json:"state,omitempty" enum:"Charging,Faulted,Idle,Unavailable" doc:"Only the messages for this state."`
		VendorID string `json:"vendorId,omitempty" maxLength:"255" doc:"OCPP 1.6 stations: see the vendorId of a message."`
	} `nameHint:"DisplayMessageQuery" doc:"Optional: no body (or {}) asks for every message. The filters combine."`
}

// queryDisplayMessages handles POST /api/v1/stations/{id}/display-messages/query: asks the
// station which messages it shows. It answers Accepted and then sends them in
// NotifyDisplayMessages, kept as reports of the station with the requestId of the logged
// request; or Unknown when none match.
func (s *server) queryDisplayMessages(ctx context.Context, in *queryDisplayMessagesInput) (*commandOutput, error) {
	cmd := station.GetDisplayMessages{RequestID: s.nextRequestID()}
	if b := in.Body; b != nil {
		cmd.IDs, cmd.Priority, cmd.State, cmd.VendorID = b.IDs, b.Priority, b.State, b.VendorID
	}
	return s.execute(ctx, in.ID, cmd)
}

// nextRequestID returns a requestId for a query: non-negative, and different from the
// last 2^31-1 this process used.
func (s *server) nextRequestID() int {
	return int(s.requestIDs.Add(1) & math.MaxInt32)
}
