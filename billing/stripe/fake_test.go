package stripe_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"testing"

	"github.com/ladda-csms/ladda/billing/stripe"
)

// fake is an in-process stand-in for Stripe's API, for what stripe-mock cannot do: answer
// with declines, failures, rate limits and particular statuses, and show the requests it got.
// Its answers are written after Stripe's documented shapes; they prove the mapping of those
// shapes, not that Stripe answers so.
type fake struct {
	t      *testing.T
	answer func(r request) (status int, body string)

	mu       sync.Mutex
	requests []request
}

// request is a request the fake received, its form decoded.
type request struct {
	Method, Path string
	Form         url.Values
	Key          string // the Idempotency-Key header
	Auth         string // the Authorization header
}

// newFake starts a fake answering with answer and returns a Gateway using it. Every POST must
// carry an idempotency key.
func newFake(t *testing.T, answer func(r request) (int, string)) (*fake, *stripe.Gateway) {
	t.Helper()
	f := &fake{t: t, answer: answer}
	srv := httptest.NewServer(http.HandlerFunc(f.serve))
	t.Cleanup(srv.Close)
	g, err := stripe.New(stripe.Config{SecretKey: secretKey, WebhookSecret: webhookSecret, BaseURL: srv.URL, HTTPClient: srv.Client()})
	if err != nil {
		t.Fatal(err)
	}
	return f, g
}

func (f *fake) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	form, err := url.ParseQuery(string(body))
	if err != nil {
		f.t.Errorf("%s %s: body %q: %v", r.Method, r.URL.Path, body, err)
	}
	req := request{Method: r.Method, Path: r.URL.Path, Form: form, Key: r.Header.Get("Idempotency-Key"), Auth: r.Header.Get("Authorization")}
	if r.Method == http.MethodPost && req.Key == "" {
		f.t.Errorf("POST %s without an Idempotency-Key", r.URL.Path)
	}
	f.mu.Lock()
	f.requests = append(f.requests, req)
	f.mu.Unlock()
	status, answer := f.answer(req)
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Request-Id", "req_fake")
	w.WriteHeader(status)
	_, _ = io.WriteString(w, answer)
}

// got returns the requests received so far.
func (f *fake) got() []request {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]request(nil), f.requests...)
}

// only returns the one request received, failing the test otherwise.
func (f *fake) only() request {
	f.t.Helper()
	got := f.got()
	if len(got) != 1 {
		f.t.Fatalf("got %d requests, want 1: %+v", len(got), got)
	}
	return got[0]
}

// always answers every request with status and body.
func always(status int, body string) func(request) (int, string) {
	return func(request) (int, string) { return status, body }
}
