package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/station"
)

// uploadWindow is how long a station has to upload a log it was asked for; the link takes one
// file.
const uploadWindow = 24 * time.Hour

// requestIDIn returns the requestId of a station's report, nil when it has none.
func requestIDIn(payload json.RawMessage) *int {
	var p struct {
		RequestID *int `json:"requestId"`
	}
	if json.Unmarshal(payload, &p) != nil {
		return nil
	}
	return p.RequestID
}

type requestLogInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body *struct {
		Kind          string     `json:"kind,omitempty" enum:"Diagnostics,Security" default:"Diagnostics" doc:"Diagnostics (1.6 GetDiagnostics, 2.0.1 GetLog DiagnosticsLog) or the security log (GetLog SecurityLog: 2.0.1, and 1.6 stations with the security extension)."`
		From          *time.Time `json:"from,omitempty" doc:"Only entries from this time."`
		To            *time.Time `json:"to,omitempty" doc:"Only entries until this time."`
		Retries       *int       `json:"retries,omitempty" minimum:"0" maximum:"100" doc:"How often the station tries again when the upload fails."`
		RetryInterval *int       `json:"retryInterval,omitempty" minimum:"0" maximum:"86400" doc:"Seconds between its tries."`
	} `nameHint:"LogRequest" doc:"Optional: no body asks for all diagnostics."`
}

// requestLog handles POST /api/v1/stations/{id}/logs: asks the station to upload a log to Ladda
// through a signed link. The answer is the command log entry (answer.fileName: the file the
// station will upload); the file then appears in GET …/logs.
func (s *server) requestLog(ctx context.Context, in *requestLogInput) (*commandOutput, error) {
	const op = "httpapi.requestLog"
	fs, err := s.filesStore(op)
	if err != nil {
		return nil, err
	}
	cmd := station.GetLog{Kind: station.LogDiagnostics, RequestID: s.nextRequestID()}
	if b := in.Body; b != nil {
		if b.Kind != "" {
			cmd.Kind = b.Kind
		}
		if b.From != nil && b.To != nil && b.To.Before(*b.From) {
			return nil, ladda.Errorf(ladda.Invalid, op, "to must not be before from")
		}
		cmd.From, cmd.To, cmd.Retries, cmd.RetryInterval = utcPtr(b.From), utcPtr(b.To), b.Retries, b.RetryInterval
	}
	if _, err := s.stations.Station(ctx, ladda.StationID(in.ID)); err != nil {
		return nil, err
	}
	cmd.Location = fs.UploadURL(s.public, ladda.StationID(in.ID), strconv.Itoa(cmd.RequestID), uploadWindow)
	if len(cmd.Location) > 512 {
		return nil, ladda.Errorf(ladda.Invalid, op, "the upload link would be longer than the 512 characters OCPP allows: shorten the public URL")
	}
	return s.execute(ctx, in.ID, cmd)
}

// UploadedFile is a file a station uploaded.
type UploadedFile struct {
	Name       string    `json:"name" doc:"The time it arrived and the name the station gave it."`
	Size       int64     `json:"size" doc:"In bytes."`
	UploadedAt time.Time `json:"uploadedAt"`
}

type listLogsOutput struct {
	Body List[UploadedFile]
}

// listLogs handles GET /api/v1/stations/{id}/logs: the station's uploads, newest first.
func (s *server) listLogs(ctx context.Context, in *stationIDInput) (*listLogsOutput, error) {
	fs, err := s.filesStore("httpapi.listLogs")
	if err != nil {
		return nil, err
	}
	if _, err := s.stations.Station(ctx, ladda.StationID(in.ID)); err != nil {
		return nil, err
	}
	list, err := fs.Uploads(ladda.StationID(in.ID))
	if err != nil {
		return nil, err
	}
	out := &listLogsOutput{Body: List[UploadedFile]{Items: make([]UploadedFile, 0, len(list))}}
	for _, f := range list {
		out.Body.Items = append(out.Body.Items, UploadedFile{Name: f.Name, Size: f.Size, UploadedAt: f.ModTime})
	}
	return out, nil
}

type logFileInput struct {
	ID   string `path:"id" maxLength:"48"`
	Name string `path:"name" maxLength:"200"`
}

// getLog handles GET /api/v1/stations/{id}/logs/{name}: the file, streamed.
func (s *server) getLog(ctx context.Context, in *logFileInput) (*huma.StreamResponse, error) {
	fs, err := s.filesStore("httpapi.getLog")
	if err != nil {
		return nil, err
	}
	f, info, err := fs.OpenUpload(ladda.StationID(in.ID), in.Name)
	if err != nil {
		return nil, err
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		defer f.Close()
		hc.SetHeader("Content-Type", "application/octet-stream")
		hc.SetHeader("Content-Length", strconv.FormatInt(info.Size, 10))
		hc.SetHeader("Content-Disposition", `attachment; filename="`+info.Name+`"`)
		hc.SetStatus(200)
		_, _ = io.Copy(hc.BodyWriter(), f)
	}}, nil
}
