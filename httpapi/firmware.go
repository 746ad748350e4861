package httpapi

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/files"
	"github.com/ladda-csms/ladda/station"
)

// linkGrace is how long after the time a station is to start a download or upload its link
// stays valid: long enough for its retries, short enough that a leaked link soon dies.
const linkGrace = 48 * time.Hour

// FirmwareFile is a firmware image Ladda serves to stations.
type FirmwareFile struct {
	Name       string    `json:"name"`
	Size       int64     `json:"size" doc:"In bytes."`
	SHA256     string    `json:"sha256" doc:"Hex SHA-256 of the image: what a signature for a signed update is made over."`
	UploadedAt time.Time `json:"uploadedAt"`
}

func viewFile(f files.File) FirmwareFile {
	return FirmwareFile{Name: f.Name, Size: f.Size, SHA256: f.SHA256, UploadedAt: f.ModTime}
}

// filesStore returns the file store, or Unavailable when Ladda runs without one.
func (s *server) filesStore(op string) (*files.Store, error) {
	if s.files == nil {
		return nil, ladda.Errorf(ladda.Unavailable, op, "this Ladda keeps no files (no data directory)")
	}
	return s.files, nil
}

type putFirmwareInput struct {
	Name string `path:"name" maxLength:"128" doc:"1 to 128 letters, digits, '.', '_', '+' or '-', starting with a letter or digit."`
	body io.Reader
}

// Resolve takes the request body as a stream: an image goes to disk as it arrives, never whole
// into memory (the request body is described by the route, see firmwareBody).
func (in *putFirmwareInput) Resolve(ctx huma.Context) []error {
	in.body = ctx.BodyReader()
	return nil
}

// firmwareBody describes the body of PUT /firmware/{name} in the OpenAPI document. Each API gets
// its own: huma completes the schema when it registers the route, so a shared one would be
// written by every API built at once.
func firmwareBody() *huma.RequestBody {
	return &huma.RequestBody{
		Description: "The image, as the station is to download it; at most --max-file-size bytes.",
		Required:    true,
		Content:     map[string]*huma.MediaType{"application/octet-stream": {Schema: &huma.Schema{Type: huma.TypeString, Format: "binary"}}},
	}
}

type firmwareFileOutput struct {
	Body FirmwareFile
}

// putFirmware handles PUT /api/v1/firmware/{name}: stores an image (replacing one of the name).
func (s *server) putFirmware(ctx context.Context, in *putFirmwareInput) (*firmwareFileOutput, error) {
	const op = "httpapi.putFirmware"
	fs, err := s.filesStore(op)
	if err != nil {
		return nil, err
	}
	body := bufio.NewReader(in.body)
	if _, err := body.Peek(1); err != nil {
		return nil, ladda.Errorf(ladda.Invalid, op, "the body is the firmware image, and it is empty")
	}
	f, err := fs.PutFirmware(in.Name, body)
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig) || (ladda.IsKind(err, ladda.Invalid) && strings.Contains(err.Error(), "larger than")):
		return nil, huma.Error413RequestEntityTooLarge(fmt.Sprintf("the image is larger than the %d bytes allowed", fs.MaxSize()))
	case err != nil:
		return nil, err
	}
	return &firmwareFileOutput{Body: viewFile(f)}, nil
}

type listFirmwareOutput struct {
	Body List[FirmwareFile]
}

// listFirmware handles GET /api/v1/firmware: every image, by name.
func (s *server) listFirmware(ctx context.Context, _ *struct{}) (*listFirmwareOutput, error) {
	fs, err := s.filesStore("httpapi.listFirmware")
	if err != nil {
		return nil, err
	}
	list, err := fs.Firmware()
	if err != nil {
		return nil, err
	}
	out := &listFirmwareOutput{Body: List[FirmwareFile]{Items: make([]FirmwareFile, 0, len(list))}}
	for _, f := range list {
		out.Body.Items = append(out.Body.Items, viewFile(f))
	}
	return out, nil
}

type firmwareNameInput struct {
	Name string `path:"name" maxLength:"128"`
}

// deleteFirmware handles DELETE /api/v1/firmware/{name}; links given out for it stop working.
func (s *server) deleteFirmware(ctx context.Context, in *firmwareNameInput) (*struct{}, error) {
	fs, err := s.filesStore("httpapi.deleteFirmware")
	if err != nil {
		return nil, err
	}
	return nil, fs.DeleteFirmware(in.Name)
}

type updateFirmwareInput struct {
	ID   string `path:"id" maxLength:"48"`
	Body struct {
		Firmware           string     `json:"firmware,omitempty" maxLength:"128" doc:"An image uploaded to Ladda (PUT /api/v1/firmware/{name}): the station downloads it from Ladda through a signed link. Give this or location."`
		Location           string     `json:"location,omitempty" maxLength:"512" format:"uri" doc:"Where else the station downloads the image (http, https or ftp URL). Give this or firmware."`
		RetrieveAt         *time.Time `json:"retrieveAt,omitempty" doc:"When the station is to download it; absent: now."`
		InstallAt          *time.Time `json:"installAt,omitempty" doc:"When to install it (signed updates and OCPP 2.0.1); absent: once downloaded."`
		Retries            *int       `json:"retries,omitempty" minimum:"0" maximum:"100" doc:"How often the station tries again when the download fails."`
		RetryInterval      *int       `json:"retryInterval,omitempty" minimum:"0" maximum:"86400" doc:"Seconds between its tries."`
		SigningCertificate string     `json:"signingCertificate,omitempty" maxLength:"5500" doc:"PEM certificate of the key that signed the image; with signature, the update is a secure one (1.6: SignedUpdateFirmware of the security extension)."`
		Signature          string     `json:"signature,omitempty" maxLength:"800" doc:"Base64 signature of the image's SHA-256, made with the signing certificate's key."`
	} `nameHint:"FirmwareUpdateRequest"`
}

// updateFirmware handles POST /api/v1/stations/{id}/firmware: asks the station to download and
// install an image. The answer is the command log entry; the progress arrives as the station's
// firmware status notifications (GET …/firmware, and the station's reports).
func (s *server) updateFirmware(ctx context.Context, in *updateFirmwareInput) (*commandOutput, error) {
	const op = "httpapi.updateFirmware"
	b := in.Body
	retrieve := time.Now().UTC()
	if b.RetrieveAt != nil && b.RetrieveAt.After(retrieve) {
		retrieve = b.RetrieveAt.UTC()
	}
	location := b.Location
	switch {
	case (b.Firmware == "") == (location == ""):
		return nil, ladda.Errorf(ladda.Invalid, op, "give either firmware (an image uploaded to Ladda) or location (a URL elsewhere)")
	case b.Firmware != "":
		fs, err := s.filesStore(op)
		if err != nil {
			return nil, err
		}
		if _, err := fs.FirmwareFile(b.Firmware); ladda.IsKind(err, ladda.NotFound) {
			return nil, ladda.Errorf(ladda.Invalid, op, "no firmware image %q: upload it first (PUT /api/v1/firmware/{name})", b.Firmware)
		} else if err != nil {
			return nil, err
		}
		location = fs.FirmwareURL(s.public, b.Firmware, time.Until(retrieve)+linkGrace)
		if len(location) > 512 {
			return nil, ladda.Errorf(ladda.Invalid, op, "the download link would be longer than the 512 characters OCPP allows: shorten the image's name or the public URL")
		}
	default:
		if err := checkLocation(op, location); err != nil {
			return nil, err
		}
	}
	return s.execute(ctx, in.ID, station.UpdateFirmware{RequestID: s.nextRequestID(), Location: location, RetrieveAt: retrieve,
		InstallAt: utcPtr(b.InstallAt), Retries: b.Retries, RetryInterval: b.RetryInterval,
		SigningCertificate: b.SigningCertificate, Signature: b.Signature})
}

// FirmwareStatus is what Ladda knows of a station's firmware.
type FirmwareStatus struct {
	Version   string     `json:"version,omitempty" doc:"The firmware version the station gave at its last boot."`
	Status    string     `json:"status,omitempty" doc:"The last status of an update the station reported (Downloading, Downloaded, DownloadFailed, Installing, Installed, InstallationFailed, InvalidSignature, SignatureVerified, …); absent when it reported none."`
	RequestID *int       `json:"requestId,omitempty" doc:"The update the status is about (signed updates and OCPP 2.0.1)."`
	At        *time.Time `json:"at,omitempty" doc:"When Ladda received that status."`
}

type firmwareStatusOutput struct {
	Body FirmwareStatus
}

// firmwareStatus handles GET /api/v1/stations/{id}/firmware.
func (s *server) firmwareStatus(ctx context.Context, in *stationIDInput) (*firmwareStatusOutput, error) {
	id := ladda.StationID(in.ID)
	st, err := s.stations.Station(ctx, id)
	if err != nil {
		return nil, err
	}
	out := &firmwareStatusOutput{Body: FirmwareStatus{Version: st.Boot.FirmwareVersion}}
	var latest *station.Report
	for _, action := range []string{"FirmwareStatusNotification", "SignedFirmwareStatusNotification"} {
		list, err := s.stations.Reports(ctx, station.ReportFilter{StationID: id, Action: &action, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(list) > 0 && (latest == nil || list[0].ID > latest.ID) {
			latest = list[0]
		}
	}
	if latest != nil {
		out.Body.Status, out.Body.At = latest.Status, utcPtr(&latest.Received)
		out.Body.RequestID = requestIDIn(latest.Payload)
	}
	return out, nil
}

// checkLocation refuses a firmware location stations could not download from.
func checkLocation(op, location string) error {
	if u, err := url.Parse(location); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "ftp" && u.Scheme != "ftps" && u.Scheme != "sftp") || u.Host == "" {
		return ladda.Errorf(ladda.Invalid, op, "location must be an http, https, ftp, ftps or sftp URL")
	}
	return nil
}
