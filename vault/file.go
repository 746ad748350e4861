package vault

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strings"

	"github.com/ladda-csms/ladda"
)

// firstID is the id of the key that LoadOrCreate makes.
const firstID = "k1"

// maxFileSize bounds what LoadOrCreate reads: room for hundreds of keys.
const maxFileSize = 64 << 10

// LoadOrCreate returns the keyring in the file at path, written as ParseKeyring expects (space
// around it is ignored). If there is no such file, it makes one with a single random key
// "k1": the parent directory is created with mode 0700 if missing, and the file is written
// under a temporary name with mode 0600 and then linked into place, so that no reader sees a
// partial file and two processes starting at once end up with the same key.
//
// Errors: kind Invalid if the file is readable by group or others (on Unix), or does not
// parse; kind Internal if it cannot be read or written.
func LoadOrCreate(path string) (*Keyring, error) {
	const op = "vault.LoadOrCreate"
	k, err := load(path)
	if errors.Is(err, fs.ErrNotExist) {
		k, err = create(path)
	}
	if err != nil {
		return nil, ladda.Wrap(op, err)
	}
	return k, nil
}

// load reads and parses the key file; its error wraps fs.ErrNotExist if there is none.
func load(path string) (*Keyring, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if perm := fi.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, ladda.Errorf(ladda.Invalid, "", "key file %s has mode %04o: it must be readable by its owner only (chmod 600)", path, perm)
	}
	b, err := io.ReadAll(io.LimitReader(f, maxFileSize+1))
	if err != nil {
		return nil, err
	}
	if len(b) > maxFileSize {
		return nil, ladda.Errorf(ladda.Invalid, "", "key file %s is larger than %d bytes", path, maxFileSize)
	}
	k, err := ParseKeyring(strings.TrimSpace(string(b)))
	if err != nil {
		return nil, &ladda.Error{Kind: ladda.Invalid, Message: "key file " + path + ": " + ladda.ErrorMessage(err), Err: err}
	}
	return k, nil
}

// create writes a new key file at path, or loads the one another process wrote first.
func create(path string) (*Keyring, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	secret := make([]byte, KeySize)
	rand.Read(secret)
	text := firstID + ":" + base64.StdEncoding.EncodeToString(secret) + "\n"

	tmp, err := os.CreateTemp(dir, "."+filepath.Base(path)+".*.tmp") // mode 0600
	if err != nil {
		return nil, err
	}
	defer os.Remove(tmp.Name())
	_, err = tmp.WriteString(text)
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("writing %s: %w", tmp.Name(), err)
	}
	// Link fails if path exists, unlike Rename, which would replace a key another process
	// has just made and perhaps used. Rename remains for file systems without hard links.
	if err := os.Link(tmp.Name(), path); errors.Is(err, fs.ErrExist) {
		return load(path)
	} else if err != nil {
		if err := os.Rename(tmp.Name(), path); err != nil {
			return nil, err
		}
	}
	syncDir(dir)
	return ParseKeyring(text)
}

// syncDir makes a new directory entry durable where the system supports it.
func syncDir(dir string) {
	if d, err := os.Open(dir); err == nil {
		d.Sync() // not supported on every system; the file itself is synced
		d.Close()
	}
}
