package notify_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/notify"
	"github.com/ladda-csms/ladda/notify/notifytest"
)

var (
	secret = []byte("whsec_test")
	body   = []byte(`{"event":"session.stopped","energyKWh":12.5}`)
	epoch  = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
)

// delivery returns a valid delivery to url.
func delivery(url string) notify.Delivery {
	return notify.Delivery{URL: url, Secret: secret, ID: "dlv_42", Event: "session.stopped", Body: body}
}

// TestDeliverSigns checks the request a receiver gets, and that VerifySignature accepts it.
func TestDeliverSigns(t *testing.T) {
	t.Parallel()
	got := make(chan *http.Request, 1)
	gotBody := make(chan []byte, 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got <- r
		gotBody <- b
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)
	clock := ladda.NewManualClock(epoch)
	s := notify.NewWebhookSender(notify.WebhookOptions{AllowPrivate: true, Clock: clock, UserAgent: "Ladda-Test/1"})
	t.Cleanup(func() { _ = s.Close() })

	res := s.Deliver(context.Background(), delivery(srv.URL+"/hook?x=1"))
	if res.Err != nil || res.Status != http.StatusNoContent || res.Retry {
		t.Fatalf("Deliver = %+v, want a 204 without error", res)
	}
	r, b := <-got, <-gotBody
	if r.Method != http.MethodPost || r.URL.Path != "/hook" || r.URL.RawQuery != "x=1" {
		t.Errorf("request %s %s", r.Method, r.URL)
	}
	for name, want := range map[string]string{
		"Content-Type":    "application/json",
		"User-Agent":      "Ladda-Test/1",
		"Ladda-Event":     "session.stopped",
		"Ladda-Delivery":  "dlv_42",
		"Ladda-Signature": notify.Sign(secret, body, epoch),
	} {
		if v := r.Header.Get(name); v != want {
			t.Errorf("header %s = %q, want %q", name, v, want)
		}
	}
	if string(b) != string(body) {
		t.Errorf("body %s, want %s", b, body)
	}
	if err := notify.VerifySignature(secret, b, r.Header.Get("Ladda-Signature"), epoch.Add(time.Minute), 0); err != nil {
		t.Errorf("VerifySignature: %v", err)
	}
}

// TestDeliverClassifies checks which answers are success, which may be retried and which
// are permanent failures.
func TestDeliverClassifies(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			select {
			case <-release:
			case <-r.Context().Done():
			}
			return
		case "/redirect":
			http.Redirect(w, r, "/elsewhere", http.StatusFound)
			return
		case "/busy":
			w.Header().Set("Retry-After", "120")
		case "/down":
			w.Header().Set("Retry-After", epoch.Add(time.Hour).Format(http.TimeFormat))
		case "/flood":
			w.Header().Set("Retry-After", "99999999")
		}
		status, err := strconv.Atoi(r.URL.Query().Get("status"))
		if err != nil {
			status = http.StatusOK
		}
		w.WriteHeader(status)
		_, _ = io.WriteString(w, "answer "+r.URL.Query().Get("status"))
	}))
	t.Cleanup(func() { close(release); srv.Close() })
	s := notify.NewWebhookSender(notify.WebhookOptions{AllowPrivate: true, Timeout: 300 * time.Millisecond, Clock: ladda.NewManualClock(epoch)})
	t.Cleanup(func() { _ = s.Close() })

	tests := []struct {
		path       string
		status     int
		kind       ladda.Kind // of Err; 0 for success
		retry      bool
		retryAfter time.Duration
		excerpt    string
	}{
		{"/ok?status=200", 200, 0, false, 0, "answer 200"},
		{"/ok?status=202", 202, 0, false, 0, "answer 202"},
		{"/bad?status=400", 400, ladda.Invalid, false, 0, "answer 400"},
		{"/auth?status=401", 401, ladda.Invalid, false, 0, "answer 401"},
		{"/gone?status=410", 410, ladda.Invalid, false, 0, "answer 410"},
		{"/timeout?status=408", 408, ladda.Unavailable, true, 0, "answer 408"},
		{"/busy?status=429", 429, ladda.Unavailable, true, 2 * time.Minute, "answer 429"},
		{"/error?status=500", 500, ladda.Unavailable, true, 0, "answer 500"},
		{"/down?status=503", 503, ladda.Unavailable, true, time.Hour, "answer 503"},
		{"/flood?status=503", 503, ladda.Unavailable, true, notify.MaxRetryAfter, "answer 503"},
		{"/gateway?status=504", 504, ladda.Unavailable, true, 0, "answer 504"},
		{"/redirect", 302, ladda.Invalid, false, 0, ""},
		{"/slow", 0, ladda.Timeout, true, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			t.Parallel()
			res := s.Deliver(context.Background(), delivery(srv.URL+tt.path))
			t.Log(res.Err)
			if res.Status != tt.status || res.Retry != tt.retry || res.RetryAfter != tt.retryAfter {
				t.Errorf("Deliver = status %d, retry %v, retry after %s; want %d, %v, %s",
					res.Status, res.Retry, res.RetryAfter, tt.status, tt.retry, tt.retryAfter)
			}
			if tt.kind == 0 && res.Err != nil || tt.kind != 0 && !ladda.IsKind(res.Err, tt.kind) {
				t.Errorf("Err = %v, want kind %v", res.Err, tt.kind)
			}
			if tt.excerpt != "" && res.ResponseExcerpt != tt.excerpt {
				t.Errorf("ResponseExcerpt = %q, want %q", res.ResponseExcerpt, tt.excerpt)
			}
		})
	}
	t.Run("the redirect says so", func(t *testing.T) {
		t.Parallel()
		res := s.Deliver(context.Background(), delivery(srv.URL+"/redirect"))
		if msg := ladda.ErrorMessage(res.Err); !strings.Contains(msg, "redirect") || !strings.Contains(msg, "/elsewhere") {
			t.Errorf("message %q does not explain the redirect", msg)
		}
	})
}

func TestDeliverExcerpt(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
		want string
	}{
		{"short", "nope", "nope"},
		{"long", strings.Repeat("a", 100<<10), strings.Repeat("a", notify.ResponseExcerptSize)},
		{"a rune across the cut", strings.Repeat("a", notify.ResponseExcerptSize-1) + "ö and more", strings.Repeat("a", notify.ResponseExcerptSize-1)},
		{"a rune that fits", strings.Repeat("a", notify.ResponseExcerptSize-2) + "ö and more", strings.Repeat("a", notify.ResponseExcerptSize-2) + "ö"},
		{"binary", "\xff\xfeok", "\uFFFDok"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.WriteHeader(http.StatusBadRequest)
				_, _ = io.WriteString(w, tt.body)
			}))
			t.Cleanup(srv.Close)
			s := notify.NewWebhookSender(notify.WebhookOptions{AllowPrivate: true})
			t.Cleanup(func() { _ = s.Close() })
			res := s.Deliver(context.Background(), delivery(srv.URL))
			if res.ResponseExcerpt != tt.want || !utf8.ValidString(res.ResponseExcerpt) {
				t.Errorf("ResponseExcerpt = %q (%d bytes), want %d bytes", res.ResponseExcerpt, len(res.ResponseExcerpt), len(tt.want))
			}
		})
	}
}

// TestDeliverRefusesPrivateAddresses checks that, without AllowPrivate, the sender never
// reaches a loopback receiver: not by IP, not by a name that resolves to it.
func TestDeliverRefusesPrivateAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewTLSServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	t.Cleanup(srv.Close)
	port := srv.URL[strings.LastIndex(srv.URL, ":")+1:]
	s := notify.NewWebhookSender(notify.WebhookOptions{})
	t.Cleanup(func() { _ = s.Close() })

	for _, url := range []string{
		"https://127.0.0.1:" + port + "/hook",
		"https://localhost:" + port + "/hook",
		"https://[::ffff:127.0.0.1]:" + port + "/hook",
	} {
		res := s.Deliver(context.Background(), delivery(url))
		if !ladda.IsKind(res.Err, ladda.Invalid) || res.Retry || !strings.Contains(ladda.ErrorMessage(res.Err), "not public") {
			t.Errorf("%s: Deliver = %+v, want a permanent refusal of a non-public address", url, res)
		}
		if err := notify.ValidateURL(url, false); !ladda.IsKind(err, ladda.Invalid) {
			t.Errorf("ValidateURL(%s) = %v, want invalid", url, err)
		}
	}
	if res := s.Deliver(context.Background(), delivery("http://127.0.0.1:"+port)); !ladda.IsKind(res.Err, ladda.Invalid) || res.Retry {
		t.Errorf("plain http: %+v, want a permanent refusal", res)
	}
	if n := hits.Load(); n != 0 {
		t.Errorf("the loopback receiver got %d requests, want 0", n)
	}
}

func TestDeliverFailures(t *testing.T) {
	t.Parallel()
	s := notify.NewWebhookSender(notify.WebhookOptions{AllowPrivate: true, Timeout: 2 * time.Second})
	t.Cleanup(func() { _ = s.Close() })
	closed := "http://127.0.0.1:" + strconv.Itoa(notifytest.FreePort(t))
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	with := func(f func(*notify.Delivery)) notify.Delivery {
		d := delivery(closed)
		f(&d)
		return d
	}
	tests := []struct {
		name  string
		ctx   context.Context
		d     notify.Delivery
		kind  ladda.Kind
		retry bool
	}{
		{"nobody listens", context.Background(), delivery(closed), ladda.Unavailable, true},
		{"cancelled by the caller", cancelled, delivery(closed), ladda.Unavailable, true},
		{"no secret", context.Background(), with(func(d *notify.Delivery) { d.Secret = nil }), ladda.Invalid, false},
		{"no ID", context.Background(), with(func(d *notify.Delivery) { d.ID = "" }), ladda.Invalid, false},
		{"event with a line break", context.Background(), with(func(d *notify.Delivery) { d.Event = "a\r\nX-Evil: 1" }), ladda.Invalid, false},
		{"body not JSON", context.Background(), with(func(d *notify.Delivery) { d.Body = []byte("{") }), ladda.Invalid, false},
		{"URL with a password", context.Background(), with(func(d *notify.Delivery) { d.URL = "http://u:p@127.0.0.1/" }), ladda.Invalid, false},
		{"URL of another scheme", context.Background(), with(func(d *notify.Delivery) { d.URL = "file:///etc/passwd" }), ladda.Invalid, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			res := s.Deliver(tt.ctx, tt.d)
			if !ladda.IsKind(res.Err, tt.kind) || res.Retry != tt.retry || res.Status != 0 {
				t.Errorf("Deliver = %+v, want kind %v, retry %v", res, tt.kind, tt.retry)
			}
		})
	}
}

func TestValidateURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		url          string
		public, priv bool // valid without and with allowPrivate
	}{
		{"https://hooks.example.com/ladda", true, true},
		{"https://hooks.example.com:8443/ladda?token=x", true, true},
		{"https://93.184.215.14/hook", true, true},
		{"https://[2606:4700::1111]/hook", true, true},
		{"http://hooks.example.com/ladda", false, true},
		{"http://127.0.0.1:8080/hook", false, true},
		{"https://127.0.0.1/hook", false, true},
		{"https://10.1.2.3/hook", false, true},
		{"https://169.254.169.254/latest/meta-data", false, true},
		{"https://100.64.0.1/", false, true},
		{"https://[::1]/", false, true},
		{"https://[fd00::1]/", false, true},
		{"https://[::ffff:127.0.0.1]/", false, true},
		{"https://localhost/hook", false, true},
		{"https://LOCALHOST./hook", false, true},
		{"https://api.localhost/hook", false, true},
		{"https://user:pass@hooks.example.com/", false, false},
		{"ftp://hooks.example.com/", false, false},
		{"javascript:alert(1)", false, false},
		{"https:///no-host", false, false},
		{"hooks.example.com/ladda", false, false},
		{"", false, false},
		{"https://hooks.example.com:0/", false, false},
		{"https://hooks.example.com:99999/", false, false},
		{"https://hooks.example.com/a b", false, false},
		{"https://hooks.example.com/" + strings.Repeat("a", notify.MaxURLLength), false, false},
	}
	for _, tt := range tests {
		for _, allow := range []bool{false, true} {
			want := tt.public
			if allow {
				want = tt.priv
			}
			err := notify.ValidateURL(tt.url, allow)
			if (err == nil) != want || err != nil && !ladda.IsKind(err, ladda.Invalid) {
				t.Errorf("ValidateURL(%.60q, allowPrivate=%v) = %v, want valid %v", tt.url, allow, err, want)
			}
		}
	}
}
