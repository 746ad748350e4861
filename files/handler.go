package files

import (
	"crypto/subtle"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"strconv"

	"github.com/ladda-csms/ladda"
)

// Path is where Handler is mounted.
const Path = "/files/"

// Handler serves stations' downloads and uploads under Path:
//
//	GET  /files/firmware/{expires}/{sig}/{name}            a firmware file
//	POST /files/uploads/{station}/{slot}/{expires}/{sig}/[{name}]  a multipart/form-data upload (the first file part)
//	PUT  /files/uploads/{station}/{slot}/{expires}/{sig}/[{name}]  the body is the file
//
// An expired or wrongly signed URL is 403, a used upload link 409, a file over MaxSize 413;
// errors have a JSON body.
// log receives what stations uploaded and what went wrong; nil discards it.
func (s *Store) Handler(log *slog.Logger) http.Handler {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /files/firmware/{expires}/{sig}/{name}", func(w http.ResponseWriter, r *http.Request) {
		exp, name := r.PathValue("expires"), r.PathValue("name")
		if !s.valid(exp, r.PathValue("sig"), "firmware", exp, name) {
			fail(w, http.StatusForbidden, "this download link is expired or not Ladda's")
			return
		}
		if CheckFirmwareName(name) != nil {
			fail(w, http.StatusNotFound, "no such firmware file")
			return
		}
		f, err := os.Open(filepath.Join(s.dir, "firmware", name))
		if err != nil {
			fail(w, http.StatusNotFound, "no such firmware file")
			return
		}
		defer f.Close()
		st, err := f.Stat()
		if err != nil {
			fail(w, http.StatusInternalServerError, "reading the file failed")
			return
		}
		w.Header().Set("Content-Type", "application/octet-stream")
		if sum := s.firmwareSum(name); sum != "" {
			w.Header().Set("Digest", "sha-256="+sum) // hex, for people; the signature is what stations check
		}
		log.Info("firmware download", "file", name, "remote", r.RemoteAddr)
		http.ServeContent(w, r, name, st.ModTime(), f)
	})
	upload := func(w http.ResponseWriter, r *http.Request) {
		id, slot, exp := ladda.StationID(r.PathValue("station")), r.PathValue("slot"), r.PathValue("expires")
		if !s.valid(exp, r.PathValue("sig"), "upload", string(id), slot, exp) {
			fail(w, http.StatusForbidden, "this upload link is expired or not Ladda's")
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, s.maxSize+1<<20) // room for multipart framing
		body, name, err := uploadBody(r)
		if err != nil {
			fail(w, http.StatusBadRequest, err.Error())
			return
		}
		f, err := s.PutUpload(id, slot, name, body)
		var tooBig *http.MaxBytesError
		switch {
		case ladda.IsKind(err, ladda.Conflict):
			fail(w, http.StatusConflict, "this upload link has been used: ask the station for the log again")
			return
		case errors.As(err, &tooBig) || ladda.IsKind(err, ladda.Invalid):
			fail(w, http.StatusRequestEntityTooLarge, "the file is larger than the "+strconv.FormatInt(s.maxSize, 10)+" bytes allowed")
			return
		case err != nil:
			log.Error("storing an upload", "station", id, "err", err)
			fail(w, http.StatusInternalServerError, "storing the file failed")
			return
		}
		log.Info("station upload", "station", id, "file", f.Name, "bytes", f.Size)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_ = json.NewEncoder(w).Encode(map[string]any{"name": f.Name, "size": f.Size})
	}
	for _, p := range []string{"POST /files/uploads/{station}/{slot}/{expires}/{sig}/", "PUT /files/uploads/{station}/{slot}/{expires}/{sig}/",
		"POST /files/uploads/{station}/{slot}/{expires}/{sig}/{name}", "PUT /files/uploads/{station}/{slot}/{expires}/{sig}/{name}"} {
		mux.HandleFunc(p, upload)
	}
	mux.HandleFunc("/files/", func(w http.ResponseWriter, r *http.Request) {
		fail(w, http.StatusNotFound, "not found")
	})
	return mux
}

// uploadBody returns the file of an upload and its name: the first file part of a multipart
// body, or else the body itself, named by the URL or Content-Disposition.
func uploadBody(r *http.Request) (io.Reader, string, error) {
	name := r.PathValue("name")
	ct, params, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "multipart/form-data" {
		mr := multipart.NewReader(r.Body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err != nil {
				return nil, "", errors.New("a multipart upload needs a file part")
			}
			if p.FileName() != "" {
				return p, p.FileName(), nil
			}
		}
	}
	if _, params, err := mime.ParseMediaType(r.Header.Get("Content-Disposition")); err == nil && params["filename"] != "" {
		name = params["filename"]
	}
	return r.Body, name, nil
}

// valid checks the expiry and signature of a URL.
func (s *Store) valid(expires, sig string, parts ...string) bool {
	exp, err := strconv.ParseInt(expires, 10, 64)
	if err != nil || s.clock.Now().Unix() > exp {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(sig), []byte(s.sign(parts...))) == 1
}

func fail(w http.ResponseWriter, status int, msg string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"title": http.StatusText(status), "status": status, "detail": msg})
}
