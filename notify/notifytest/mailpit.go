package notifytest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// MailpitVersion is the version scripts/mailpit installs; its cache path depends on it.
const MailpitVersion = "v1.27.11"

// Mailpit is a running mailpit: a real SMTP server whose REST API shows what it received.
type Mailpit struct {
	Host     string // 127.0.0.1
	SMTPPort int
	API      string // base URL of the REST API
}

// mailpitBinary finds mailpit: $LADDA_MAILPIT, else mailpit on PATH, else where
// scripts/mailpit installs it. It returns "" and the places it looked when there is none.
func mailpitBinary(t testing.TB) (path, looked string) {
	t.Helper()
	if p := os.Getenv("LADDA_MAILPIT"); p != "" {
		if _, err := os.Stat(p); err != nil {
			t.Fatalf("LADDA_MAILPIT=%s: %v", p, err)
		}
		return p, ""
	}
	if p, err := exec.LookPath("mailpit"); err == nil {
		return p, ""
	}
	tools := os.Getenv("LADDA_TOOLS")
	if tools == "" {
		home, _ := os.UserHomeDir()
		tools = filepath.Join(home, ".cache", "ladda-tools")
	}
	cached := filepath.Join(tools, "mailpit-"+MailpitVersion, "mailpit")
	if _, err := os.Stat(cached); err == nil {
		return cached, ""
	}
	return "", "$LADDA_MAILPIT, PATH, " + cached
}

// StartMailpit starts a mailpit on free loopback ports with its data in a temporary
// directory, waits until its API answers and stops it when the test ends. extra are more
// mailpit flags. Without a mailpit binary the test is skipped, or fails when
// LADDA_REQUIRE_MAILPIT=1.
func StartMailpit(t testing.TB, extra ...string) *Mailpit {
	t.Helper()
	bin, looked := mailpitBinary(t)
	if bin == "" {
		msg := "mailpit not found (looked at " + looked + "); install it with scripts/mailpit and set LADDA_MAILPIT=$(scripts/mailpit)"
		if os.Getenv("LADDA_REQUIRE_MAILPIT") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	// Free ports are found by listening and closing, so another process may take one before
	// mailpit does; a start that fails is tried again with new ports.
	var lastOutput string
	for try := 0; try < 3; try++ {
		mp, out, ok := runMailpit(t, bin, extra)
		if ok {
			return mp
		}
		lastOutput = out
	}
	t.Fatalf("mailpit did not start:\n%s", lastOutput)
	return nil
}

// runMailpit makes one attempt of StartMailpit.
func runMailpit(t testing.TB, bin string, extra []string) (*Mailpit, string, bool) {
	t.Helper()
	mp := &Mailpit{Host: "127.0.0.1", SMTPPort: FreePort(t)}
	httpAddr := net.JoinHostPort(mp.Host, fmt.Sprint(FreePort(t)))
	mp.API = "http://" + httpAddr
	args := append([]string{
		"--smtp", net.JoinHostPort(mp.Host, fmt.Sprint(mp.SMTPPort)),
		"--listen", httpAddr,
		"--database", filepath.Join(t.TempDir(), "mailpit.db"),
		"--disable-version-check",
		"--smtp-disable-rdns",
		"--quiet",
	}, extra...)
	cmd := exec.Command(bin, args...)
	cmd.Env = slicesWithout(os.Environ(), "MP_") // mailpit reads its settings from MP_* too
	var out lockedBuffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("starting %s: %v", bin, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		<-done
	})

	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return nil, out.String(), false
		default:
		}
		resp, err := client.Get(mp.API + "/api/v1/info")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return mp, "", true
			}
		}
		time.Sleep(25 * time.Millisecond)
	}
	t.Fatalf("mailpit's API did not answer within 10 s:\n%s", out.String())
	return nil, "", false
}

// FreePort returns a loopback TCP port that was free a moment ago.
func FreePort(t testing.TB) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func slicesWithout(env []string, prefix string) []string {
	var keep []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, prefix) {
			keep = append(keep, kv)
		}
	}
	return keep
}

type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// Address is an address as mailpit's API shows it.
type Address struct {
	Name    string
	Address string
}

// Delivered is a message as mailpit's API shows it (GET /api/v1/message/{ID}).
type Delivered struct {
	ID        string
	MessageID string
	From      Address
	To        []Address
	Subject   string
	Text      string
	HTML      string
	Username  string // the SMTP user that sent it
	Headers   map[string][]string
	// Attachments are the files it carries.
	Attachments []struct {
		FileName    string
		ContentType string
		Size        int
	}
}

// GetJSON decodes the answer to GET mp.API+path into v.
func (mp *Mailpit) GetJSON(t testing.TB, path string, v any) {
	t.Helper()
	resp, err := http.Get(mp.API + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", path, resp.Status)
	}
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
}

// Message waits up to 5 s for the one message to the address to and returns it with its
// headers; more than one is a failure (see Messages).
func (mp *Mailpit) Message(t testing.TB, to string) Delivered {
	t.Helper()
	ids := mp.waitFor(t, to, 1)
	if len(ids) > 1 {
		t.Fatalf("%d messages to %s, want 1", len(ids), to)
	}
	var m Delivered
	mp.GetJSON(t, "/api/v1/message/"+ids[0], &m)
	mp.GetJSON(t, "/api/v1/message/"+ids[0]+"/headers", &m.Headers)
	return m
}

// Messages waits up to 5 s for at least n messages to the address to and returns them, newest
// first, with their bodies.
func (mp *Mailpit) Messages(t testing.TB, to string, n int) []Delivered {
	t.Helper()
	var found []Delivered
	for _, id := range mp.waitFor(t, to, n) {
		var d Delivered
		mp.GetJSON(t, "/api/v1/message/"+id, &d)
		found = append(found, d)
	}
	return found
}

// waitFor waits up to 5 s until at least n messages to the address to arrived and returns
// their IDs, newest first.
func (mp *Mailpit) waitFor(t testing.TB, to string, n int) []string {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		var list struct {
			Messages []struct {
				ID string
				To []Address
			} `json:"messages"`
		}
		mp.GetJSON(t, "/api/v1/messages?limit=500", &list)
		var ids []string
		for _, m := range list.Messages {
			for _, a := range m.To {
				if a.Address == to {
					ids = append(ids, m.ID)
				}
			}
		}
		if len(ids) >= n {
			return ids
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d messages to %s arrived, want %d", len(ids), to, n)
		}
		time.Sleep(25 * time.Millisecond)
	}
}

// Count returns how many messages mailpit holds.
func (mp *Mailpit) Count(t testing.TB) int {
	t.Helper()
	var info struct{ Messages int }
	mp.GetJSON(t, "/api/v1/info", &info)
	return info.Messages
}
