package vault_test

import (
	"bytes"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/vault"
)

func TestLoadOrCreate(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "secrets")
	path := filepath.Join(dir, "vault.keys")
	k, err := vault.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	if k.Primary() != "k1" {
		t.Errorf("new keyring's primary key is %q, want k1", k.Primary())
	}
	if runtime.GOOS != "windows" {
		for _, tc := range []struct {
			path string
			mode os.FileMode
		}{{dir, 0o700}, {path, 0o600}} {
			fi, err := os.Stat(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != tc.mode {
				t.Errorf("%s has mode %04o, want %04o", tc.path, fi.Mode().Perm(), tc.mode)
			}
		}
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("directory holds %d entries, want only the key file (no temporary file left)", len(entries))
	}

	again, err := vault.LoadOrCreate(path)
	if err != nil {
		t.Fatal(err)
	}
	aad := []byte("users.email:42")
	if _, err := again.Open(k.Seal([]byte("anna@example.com"), aad), aad); err != nil {
		t.Errorf("the reloaded keyring does not open what the new one sealed: %v", err)
	}
	if !bytes.Equal(k.Index("users.email", "x"), again.Index("users.email", "x")) {
		t.Error("the reloaded keyring has another key")
	}
}

func TestLoadOrCreateConcurrently(t *testing.T) {
	t.Parallel()
	path := filepath.Join(t.TempDir(), "vault.keys")
	const n = 8
	rings := make([]*vault.Keyring, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			k, err := vault.LoadOrCreate(path)
			if err != nil {
				t.Error(err)
				return
			}
			rings[i] = k
		})
	}
	wg.Wait()
	if t.Failed() {
		return
	}
	for i, k := range rings[1:] {
		if !bytes.Equal(k.Index("p", "v"), rings[0].Index("p", "v")) {
			t.Errorf("caller %d got another key than caller 0", i+1)
		}
	}
}

func TestLoadOrCreateReads(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		content string
		mode    os.FileMode
		primary string     // "" if refused
		kind    ladda.Kind // if refused
		msg     string
	}{
		{"two keys, newlines", "\nk2:" + keyB + ",\nk1:" + keyA + "\n\n", 0o600, "k2", 0, ""},
		{"owner read-only", "k1:" + keyA, 0o400, "k1", 0, ""},
		{"readable by all", "k1:" + keyA, 0o644, "", ladda.Invalid, "mode 0644"},
		{"readable by group", "k1:" + keyA, 0o640, "", ladda.Invalid, "chmod 600"},
		{"writable by others", "k1:" + keyA, 0o602, "", ladda.Invalid, "chmod 600"},
		{"malformed", "k1:" + keyA[:10], 0o600, "", ladda.Invalid, "must be 32 bytes"},
		{"empty", "\n", 0o600, "", ladda.Invalid, "empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			if runtime.GOOS == "windows" && tc.mode&0o077 != 0 {
				t.Skip("no Unix permissions")
			}
			path := filepath.Join(t.TempDir(), "vault.keys")
			if err := os.WriteFile(path, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(path, tc.mode); err != nil {
				t.Fatal(err)
			}
			k, err := vault.LoadOrCreate(path)
			if tc.primary != "" {
				if err != nil {
					t.Fatal(err)
				}
				if k.Primary() != tc.primary {
					t.Errorf("Primary = %q, want %q", k.Primary(), tc.primary)
				}
				return
			}
			if !ladda.IsKind(err, tc.kind) || !strings.Contains(err.Error(), tc.msg) {
				t.Fatalf("LoadOrCreate = %v, want a %v error containing %q", err, tc.kind, tc.msg)
			}
			if strings.Contains(err.Error(), keyA[:10]) {
				t.Errorf("error %q contains the key", err)
			}
			if b, _ := os.ReadFile(path); string(b) != tc.content {
				t.Error("LoadOrCreate changed a file it refused")
			}
		})
	}
}
