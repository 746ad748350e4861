// Package files keeps the files Ladda exchanges with stations in its data directory: firmware
// images that stations download from Ladda, and the diagnostics and log files they upload to
// it. Stations reach both through signed URLs (Handler): a URL names what it gives access to and
// until when, and carries an HMAC of that under a key only Ladda knows, so a station needs no
// other credential and a URL cannot be bent to reach another file or station.
//
// Layout: DIR/firmware/NAME (with NAME.sha256 beside it) and DIR/uploads/STATION/NAME, where
// STATION is the station id path-escaped. Files are written to a temporary name and renamed,
// so a reader never sees half a file.
package files

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/ladda-csms/ladda"
)

// File is a stored file.
type File struct {
	Name    string
	Size    int64
	SHA256  string // hex; firmware only
	ModTime time.Time
}

// Store is a data directory. It is safe for concurrent use.
type Store struct {
	dir     string
	key     []byte
	maxSize int64
	clock   ladda.Clock
	seq     atomic.Uint64 // makes temporary and upload names unique within the process
	fwMu    sync.Mutex    // one firmware upload at a time: an image and its digest go together
}

// Open prepares dir (creating it and its subdirectories) for files of at most maxSize bytes.
// key signs the URLs; keep it secret and the same across restarts and processes, so that URLs
// given to stations stay valid. clock may be nil.
func Open(dir string, key []byte, maxSize int64, clock ladda.Clock) (*Store, error) {
	if len(key) < 16 {
		return nil, errors.New("files: the signing key must have at least 16 bytes")
	}
	if maxSize <= 0 {
		return nil, errors.New("files: maxSize must be positive")
	}
	for _, d := range []string{"firmware", "uploads"} {
		if err := os.MkdirAll(filepath.Join(dir, d), 0o750); err != nil {
			return nil, fmt.Errorf("files: %w", err)
		}
	}
	if clock == nil {
		clock = ladda.SystemClock{}
	}
	return &Store{dir: dir, key: slices.Clone(key), maxSize: maxSize, clock: clock}, nil
}

// MaxSize is the largest file the store accepts, in bytes.
func (s *Store) MaxSize() int64 { return s.maxSize }

// firmwareName is what a firmware file may be called: it is a path element of URLs and of the
// file system, and stations' firmware loaders are not known for tolerance.
var firmwareName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._+-]{0,127}$`)

// CheckFirmwareName refuses a name a firmware file may not have.
func CheckFirmwareName(name string) error {
	if !firmwareName.MatchString(name) || strings.HasSuffix(name, ".sha256") || strings.HasSuffix(name, ".tmp") {
		return ladda.Errorf(ladda.Invalid, "files.CheckFirmwareName",
			"a firmware name has 1 to 128 letters, digits, '.', '_', '+' or '-', starts with a letter or digit, and does not end in .sha256 or .tmp; not %q", name)
	}
	return nil
}

// PutFirmware stores r as firmware file name, replacing one of that name. Errors: Invalid for a
// bad name, or a file larger than MaxSize (nothing is kept then).
func (s *Store) PutFirmware(name string, r io.Reader) (File, error) {
	const op = "files.PutFirmware"
	if err := CheckFirmwareName(name); err != nil {
		return File{}, err
	}
	path := filepath.Join(s.dir, "firmware", name)
	s.fwMu.Lock() // administrators' uploads are rare; this keeps an image and its digest together
	defer s.fwMu.Unlock()
	f, sum, err := s.write(op, path, r)
	if err != nil {
		return File{}, err
	}
	if err := s.writeAtomic(path+".sha256", []byte(sum+"\n")); err != nil {
		return File{}, ladda.Wrap(op, err)
	}
	f.SHA256 = sum
	return f, nil
}

// write copies r into path through a temporary file, and returns the file and its SHA-256.
func (s *Store) write(op, path string, r io.Reader) (File, string, error) {
	tmp := path + "." + strconv.FormatUint(s.seq.Add(1), 10) + ".tmp"
	out, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if err != nil {
		return File{}, "", ladda.Wrap(op, err)
	}
	defer os.Remove(tmp) // gone after the rename; cleans up after a failure
	h := sha256.New()
	n, err := io.Copy(io.MultiWriter(out, h), io.LimitReader(r, s.maxSize+1))
	if err == nil {
		err = out.Sync()
	}
	if cerr := out.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return File{}, "", ladda.Wrap(op, err)
	}
	if n > s.maxSize {
		return File{}, "", ladda.Errorf(ladda.Invalid, op, "the file is larger than the %d bytes allowed", s.maxSize)
	}
	if err := os.Rename(tmp, path); err != nil {
		return File{}, "", ladda.Wrap(op, err)
	}
	st, err := os.Stat(path)
	if err != nil {
		return File{}, "", ladda.Wrap(op, err)
	}
	return File{Name: filepath.Base(path), Size: n, ModTime: st.ModTime().UTC()}, hex.EncodeToString(h.Sum(nil)), nil
}

// writeAtomic writes a small file through a temporary one of its own.
func (s *Store) writeAtomic(path string, b []byte) error {
	tmp := path + "." + strconv.FormatUint(s.seq.Add(1), 10) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o640); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}

// Firmware lists the firmware files, by name.
func (s *Store) Firmware() ([]File, error) {
	list, err := s.list("files.Firmware", filepath.Join(s.dir, "firmware"))
	if err != nil {
		return nil, err
	}
	for i := range list {
		list[i].SHA256 = s.firmwareSum(list[i].Name)
	}
	return list, nil
}

// FirmwareFile returns one firmware file. Errors: NotFound.
func (s *Store) FirmwareFile(name string) (File, error) {
	const op = "files.FirmwareFile"
	if CheckFirmwareName(name) != nil {
		return File{}, ladda.Errorf(ladda.NotFound, op, "no firmware file %q", name)
	}
	st, err := os.Stat(filepath.Join(s.dir, "firmware", name))
	if errors.Is(err, fs.ErrNotExist) {
		return File{}, ladda.Errorf(ladda.NotFound, op, "no firmware file %q", name)
	} else if err != nil {
		return File{}, ladda.Wrap(op, err)
	}
	return File{Name: name, Size: st.Size(), SHA256: s.firmwareSum(name), ModTime: st.ModTime().UTC()}, nil
}

func (s *Store) firmwareSum(name string) string {
	b, _ := os.ReadFile(filepath.Join(s.dir, "firmware", name+".sha256"))
	return strings.TrimSpace(string(b))
}

// DeleteFirmware removes a firmware file; URLs given out for it stop working. Errors: NotFound.
func (s *Store) DeleteFirmware(name string) error {
	const op = "files.DeleteFirmware"
	if _, err := s.FirmwareFile(name); err != nil {
		return err
	}
	path := filepath.Join(s.dir, "firmware", name)
	if err := os.Remove(path); err != nil {
		return ladda.Wrap(op, err)
	}
	_ = os.Remove(path + ".sha256")
	return nil
}

// stationDir is the directory of a station's uploads.
func (s *Store) stationDir(id ladda.StationID) (string, error) {
	e := url.PathEscape(string(id))
	if id == "" || e == "." || e == ".." {
		return "", ladda.Errorf(ladda.Invalid, "files", "bad station id %q", id)
	}
	return filepath.Join(s.dir, "uploads", e), nil
}

// uploadName keeps the letters, digits and '.', '_', '-' of a name a station gave its file, at
// most 100 of them.
func uploadName(name string) string {
	name = filepath.Base(strings.ReplaceAll(name, `\`, "/"))
	var b strings.Builder
	for _, r := range name {
		if b.Len() >= 100 {
			break
		}
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '.', r == '_', r == '-':
			b.WriteRune(r)
		default:
			b.WriteByte('_')
		}
	}
	out := strings.TrimLeft(b.String(), ".")
	if out == "" {
		return "upload"
	}
	return out
}

// slotName is what an upload slot may be called: the request id of the log it is for.
var slotName = regexp.MustCompile(`^[A-Za-z0-9_-]{1,40}$`)

// PutUpload stores a file a station uploaded into slot (one upload per slot: the request it
// answers). Its name is the slot and the name the station gave it, cleaned. Errors: Invalid for
// a file larger than MaxSize or a bad slot, Conflict when the slot has its file already.
func (s *Store) PutUpload(id ladda.StationID, slot, name string, r io.Reader) (File, error) {
	const op = "files.PutUpload"
	if !slotName.MatchString(slot) {
		return File{}, ladda.Errorf(ladda.Invalid, op, "bad upload slot %q", slot)
	}
	dir, err := s.stationDir(id)
	if err != nil {
		return File{}, err
	}
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return File{}, ladda.Wrap(op, err)
	}
	// The marker makes the slot single-use, also between concurrent uploads.
	marker, err := os.OpenFile(filepath.Join(dir, ".slot-"+slot), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o640)
	if errors.Is(err, fs.ErrExist) {
		return File{}, ladda.Errorf(ladda.Conflict, op, "this upload link has been used")
	} else if err != nil {
		return File{}, ladda.Wrap(op, err)
	}
	marker.Close()
	f, _, err := s.write(op, filepath.Join(dir, slot+"-"+uploadName(name)), r)
	if err != nil {
		_ = os.Remove(marker.Name()) // nothing kept: the station may try again
	}
	return f, err
}

// Uploads lists a station's uploaded files, newest first.
func (s *Store) Uploads(id ladda.StationID) ([]File, error) {
	dir, err := s.stationDir(id)
	if err != nil {
		return nil, err
	}
	list, err := s.list("files.Uploads", dir)
	slices.SortStableFunc(list, func(a, b File) int { return b.ModTime.Compare(a.ModTime) })
	return list, err
}

// OpenUpload opens one of a station's uploads for reading. Errors: NotFound.
func (s *Store) OpenUpload(id ladda.StationID, name string) (*os.File, File, error) {
	const op = "files.OpenUpload"
	dir, err := s.stationDir(id)
	if err != nil {
		return nil, File{}, err
	}
	if name != uploadName(name) || strings.HasSuffix(name, ".tmp") || strings.HasPrefix(name, ".") {
		return nil, File{}, ladda.Errorf(ladda.NotFound, op, "station %s has no file %q", id, name)
	}
	f, err := os.Open(filepath.Join(dir, name))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, File{}, ladda.Errorf(ladda.NotFound, op, "station %s has no file %q", id, name)
	} else if err != nil {
		return nil, File{}, ladda.Wrap(op, err)
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, File{}, ladda.Wrap(op, err)
	}
	return f, File{Name: name, Size: st.Size(), ModTime: st.ModTime().UTC()}, nil
}

// list reads the finished files of dir (none when it does not exist), by name.
func (s *Store) list(op, dir string) ([]File, error) {
	entries, err := os.ReadDir(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return []File{}, nil
	} else if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	out := []File{}
	for _, e := range entries {
		n := e.Name()
		if !e.Type().IsRegular() || strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".tmp") || strings.HasSuffix(n, ".sha256") {
			continue
		}
		info, err := e.Info()
		if err != nil {
			continue // removed meanwhile
		}
		out = append(out, File{Name: n, Size: info.Size(), ModTime: info.ModTime().UTC()})
	}
	return out, nil
}

// sign returns the signature of the parts of a URL.
func (s *Store) sign(parts ...string) string {
	m := hmac.New(sha256.New, s.key)
	for _, p := range parts {
		m.Write([]byte(p))
		m.Write([]byte{0})
	}
	return base64.RawURLEncoding.EncodeToString(m.Sum(nil)[:16])
}

// FirmwareURL returns the URL under base (Ladda's public URL, such as https://csms.example.com)
// from which a station may download firmware file name until ttl has passed.
func (s *Store) FirmwareURL(base, name string, ttl time.Duration) string {
	exp := strconv.FormatInt(s.clock.Now().Add(ttl).Unix(), 10)
	return strings.TrimRight(base, "/") + Path + "firmware/" + exp + "/" + s.sign("firmware", exp, name) + "/" + url.PathEscape(name)
}

// UploadURL returns the URL under base to which station id may upload one file, for slot (the
// request it answers), until ttl has passed. A station may append a file name to it.
func (s *Store) UploadURL(base string, id ladda.StationID, slot string, ttl time.Duration) string {
	exp := strconv.FormatInt(s.clock.Now().Add(ttl).Unix(), 10)
	return strings.TrimRight(base, "/") + Path + "uploads/" + url.PathEscape(string(id)) + "/" + slot + "/" + exp + "/" + s.sign("upload", string(id), slot, exp) + "/"
}
