package stripe_test

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/billing/stripe"
)

// mock is the stripe-mock that TestMain starts once for the test binary, when
// LADDA_STRIPE_MOCK names one.
var mock struct {
	url string // its HTTP base URL; empty when it did not start
	err error  // why it did not start
}

func TestMain(m *testing.M) {
	stop := startMock()
	code := m.Run()
	stop()
	os.Exit(code)
}

// startMock starts $LADDA_STRIPE_MOCK on loopback ports the system picks, reads the HTTP
// address from what it prints, and waits up to 10 s until it answers. It returns how to stop
// it.
func startMock() (stop func()) {
	bin := os.Getenv("LADDA_STRIPE_MOCK")
	if bin == "" {
		return func() {}
	}
	// HTTPS is asked for too, on loopback: with -http-addr alone stripe-mock would also listen
	// for HTTPS on port 12112 of every interface.
	cmd := exec.Command(bin, "-http-addr", "127.0.0.1:0", "-https-addr", "127.0.0.1:0")
	var out lockedBuffer
	cmd.Stderr = &out
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		mock.err = err
		return func() {}
	}
	if err := cmd.Start(); err != nil {
		mock.err = fmt.Errorf("starting stripe-mock %s: %v", bin, err)
		return func() {}
	}
	done := make(chan struct{})
	stop = func() {
		_ = cmd.Process.Kill()
		<-done
	}

	addr := make(chan string, 1)
	go func() {
		// Prints "Listening for HTTP at address: 127.0.0.1:40123", among other lines.
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			_, _ = out.Write([]byte(line + "\n"))
			if a, ok := strings.CutPrefix(line, "Listening for HTTP at address: "); ok {
				addr <- a
			}
		}
		_, _ = io.Copy(io.Discard, stdout)
		_ = cmd.Wait()
		close(done)
	}()

	deadline := time.After(10 * time.Second)
	select {
	case a := <-addr:
		mock.url = "http://" + a
	case <-done:
		mock.err = fmt.Errorf("stripe-mock exited:\n%s", out.String())
		return func() {}
	case <-deadline:
		mock.err = fmt.Errorf("stripe-mock printed no HTTP address within 10 s:\n%s", out.String())
		return stop
	}
	client := &http.Client{Timeout: time.Second}
	for {
		req, _ := http.NewRequest(http.MethodGet, mock.url+"/v1/balance", nil)
		req.SetBasicAuth("sk_test_ready", "")
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return stop
			}
		}
		select {
		case <-deadline:
			mock.err, mock.url = fmt.Errorf("stripe-mock did not answer within 10 s:\n%s", out.String()), ""
			return stop
		case <-done:
			mock.err, mock.url = fmt.Errorf("stripe-mock exited:\n%s", out.String()), ""
			return func() {}
		case <-time.After(25 * time.Millisecond):
		}
	}
}

// mockGateway returns a Gateway on the stripe-mock of TestMain. Without one the test is
// skipped, or fails when LADDA_REQUIRE_STRIPE_MOCK=1.
func mockGateway(t *testing.T) *stripe.Gateway {
	t.Helper()
	if mock.err != nil {
		t.Fatal(mock.err)
	}
	if mock.url == "" {
		msg := "stripe-mock is not set up; install it with scripts/stripe-mock and set LADDA_STRIPE_MOCK=$(scripts/stripe-mock)"
		if os.Getenv("LADDA_REQUIRE_STRIPE_MOCK") == "1" {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	g, err := stripe.New(stripe.Config{SecretKey: "sk_test_ladda", WebhookSecret: webhookSecret, BaseURL: mock.url})
	if err != nil {
		t.Fatal(err)
	}
	return g
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
