package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/ladda-csms/ladda"
)

// Limits and defaults of webhook deliveries.
const (
	DefaultWebhookTimeout = 10 * time.Second     // for a whole delivery, when WebhookOptions.Timeout is zero
	DefaultUserAgent      = "Ladda-Webhooks/1.0" // when WebhookOptions.UserAgent is empty
	MaxResponseRead       = 64 << 10             // bytes of a response body read at most
	ResponseExcerptSize   = 512                  // bytes of a response body kept in Result
	MaxRetryAfter         = 24 * time.Hour       // the longest Retry-After that Result reports
)

// WebhookOptions configure a WebhookSender. Zero fields take their defaults.
type WebhookOptions struct {
	// Timeout bounds one delivery: connecting, sending and reading the answer
	// (default DefaultWebhookTimeout).
	Timeout time.Duration
	// AllowPrivate lets the sender use plain http and connect to loopback, private and other
	// non-public addresses. For tests and on-premise installations only: on a shared server it
	// lets any user who registers a webhook probe the internal network.
	AllowPrivate bool
	// Clock stamps signatures and measures durations (default ladda.SystemClock).
	Clock ladda.Clock
	// UserAgent is sent with every delivery (default DefaultUserAgent).
	UserAgent string
}

// Delivery is one webhook call.
//
// Rules: URL passes the checks of ValidateURL that do not depend on DNS (the sender checks the
// addresses when it connects). Secret, ID and Event are required; ID and Event are printable
// ASCII without spaces, at most 200 bytes. Body is JSON. The same delivery retried keeps its ID,
// so that receivers can drop duplicates.
type Delivery struct {
	URL    string
	Secret []byte // the webhook's signing secret
	ID     string // the delivery's ID, sent as Ladda-Delivery
	Event  string // the event type, sent as Ladda-Event, e.g. "session.stopped"
	Body   []byte
}

// Result is the outcome of one delivery attempt.
//
// Err is nil exactly when the receiver answered 2xx. Otherwise Retry tells whether a later
// attempt may succeed: true for 408, 429 and 5xx answers, timeouts and failures to connect;
// false for redirects (3xx, never followed: the registered URL must answer itself), other 4xx
// answers, and deliveries the sender refused to make (an invalid delivery, a non-public
// address). Err is a *ladda.Error: ladda.Invalid when Retry is false, ladda.Timeout when the
// receiver did not answer in time, ladda.Unavailable for the other retryable failures. A 410
// Gone is the receiver's way of saying the webhook should be removed.
type Result struct {
	Status          int           // the receiver's HTTP status; 0 without an answer
	Duration        time.Duration // from the start of the attempt to its end
	Err             error
	Retry           bool
	RetryAfter      time.Duration // the receiver's Retry-After on a retryable answer, at most MaxRetryAfter; wait at least this long
	ResponseExcerpt string        // the first ResponseExcerptSize bytes of the answer's body, as valid UTF-8
}

// WebhookSender delivers webhooks over HTTP(S). It is safe for concurrent use and keeps
// connections for reuse; Close releases them.
//
// Every delivery is a POST with the headers Content-Type: application/json, User-Agent,
// Ladda-Event, Ladda-Delivery and Ladda-Signature (see Sign). Unless AllowPrivate is set, the
// sender connects only to public addresses: the check runs in the dialer for every address
// that a host name resolves to, so neither a private DNS record nor DNS rebinding can reach
// internal services, and proxies from the environment are ignored.
type WebhookSender struct {
	opts      WebhookOptions
	client    *http.Client
	transport *http.Transport
}

// NewWebhookSender returns a WebhookSender with opts.
func NewWebhookSender(opts WebhookOptions) *WebhookSender {
	if opts.Timeout <= 0 {
		opts.Timeout = DefaultWebhookTimeout
	}
	if opts.Clock == nil {
		opts.Clock = ladda.SystemClock{}
	}
	if opts.UserAgent == "" {
		opts.UserAgent = DefaultUserAgent
	}
	dialer := &net.Dialer{Timeout: opts.Timeout, KeepAlive: 30 * time.Second}
	if !opts.AllowPrivate {
		dialer.ControlContext = dialGuard
	}
	transport := &http.Transport{
		Proxy:                 nil, // a proxy would make the address check meaningless
		DialContext:           dialer.DialContext,
		ForceAttemptHTTP2:     true,
		TLSClientConfig:       &tls.Config{MinVersion: tls.VersionTLS12},
		TLSHandshakeTimeout:   opts.Timeout,
		ResponseHeaderTimeout: opts.Timeout,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   4,
		IdleConnTimeout:       90 * time.Second,
	}
	client := &http.Client{
		Transport:     transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	return &WebhookSender{opts: opts, client: client, transport: transport}
}

// Close closes the connections kept for reuse. The sender remains usable.
func (s *WebhookSender) Close() error {
	s.transport.CloseIdleConnections()
	return nil
}

// Deliver makes one attempt to deliver d and reports its outcome; see Result. It never
// retries itself.
func (s *WebhookSender) Deliver(ctx context.Context, d Delivery) Result {
	const op = "notify.WebhookSender.Deliver"
	start := s.opts.Clock.Now()
	finish := func(r Result) Result {
		r.Duration = s.opts.Clock.Now().Sub(start)
		if r.Err != nil && !r.Retry {
			r.RetryAfter = 0
		}
		return r
	}
	permanent := func(format string, args ...any) Result {
		return finish(Result{Err: ladda.Errorf(ladda.Invalid, op, format, args...)})
	}
	if err := d.check(op, s.opts.AllowPrivate); err != nil {
		return finish(Result{Err: err})
	}

	attemptCtx, cancel := context.WithTimeout(ctx, s.opts.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(attemptCtx, http.MethodPost, d.URL, bytes.NewReader(d.Body))
	if err != nil {
		return permanent("webhook URL: %v", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", s.opts.UserAgent)
	req.Header.Set("Ladda-Event", d.Event)
	req.Header.Set("Ladda-Delivery", d.ID)
	req.Header.Set(SignatureHeader, Sign(d.Secret, d.Body, start))

	resp, err := s.client.Do(req)
	if err != nil {
		return finish(s.transportFailure(ctx, op, err))
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, MaxResponseRead))
	r := Result{Status: resp.StatusCode, ResponseExcerpt: excerpt(body)}
	code := resp.StatusCode
	switch {
	case code >= 200 && code < 300:
	case code >= 300 && code < 400:
		where := resp.Header.Get("Location")
		if where == "" {
			where = "elsewhere"
		}
		r.Err = ladda.Errorf(ladda.Invalid, op, "the receiver redirects (%d) to %s; redirects are not followed: register the final URL", code, where)
	case code == http.StatusRequestTimeout || code == http.StatusTooManyRequests || (code >= 500 && code < 600):
		r.Retry = true
		r.RetryAfter = retryAfter(resp.Header.Get("Retry-After"), s.opts.Clock.Now())
		r.Err = ladda.Errorf(ladda.Unavailable, op, "the receiver answered %d; try again later", code)
	default:
		r.Err = ladda.Errorf(ladda.Invalid, op, "the receiver refused the delivery (%d)", code)
	}
	return finish(r)
}

// transportFailure classifies an error of the HTTP client: the attempt got no answer.
func (s *WebhookSender) transportFailure(ctx context.Context, op string, err error) Result {
	var netErr net.Error
	switch {
	case errors.Is(err, errNotPublic):
		return Result{Err: &ladda.Error{Kind: ladda.Invalid, Op: op,
			Message: "the webhook URL leads to an address that is not public; deliveries go to public addresses only", Err: err}}
	case ctx.Err() != nil:
		return Result{Retry: true, Err: &ladda.Error{Kind: ladda.Unavailable, Op: op, Message: "the delivery was cancelled", Err: err}}
	case errors.Is(err, context.DeadlineExceeded) || (errors.As(err, &netErr) && netErr.Timeout()):
		return Result{Retry: true, Err: &ladda.Error{Kind: ladda.Timeout, Op: op,
			Message: fmt.Sprintf("the receiver did not answer within %s", s.opts.Timeout), Err: err}}
	}
	return Result{Retry: true, Err: &ladda.Error{Kind: ladda.Unavailable, Op: op, Message: "the receiver cannot be reached", Err: err}}
}

// check applies the rules of Delivery. Errors are of kind Invalid.
func (d Delivery) check(op string, allowPrivate bool) error {
	if _, err := checkURL(op, d.URL, allowPrivate); err != nil {
		return err
	}
	switch {
	case len(d.Secret) == 0:
		return ladda.Errorf(ladda.Invalid, op, "the delivery has no signing secret")
	case !headerToken(d.ID):
		return ladda.Errorf(ladda.Invalid, op, "delivery ID %q must be 1-200 printable ASCII characters without spaces", d.ID)
	case !headerToken(d.Event):
		return ladda.Errorf(ladda.Invalid, op, "event %q must be 1-200 printable ASCII characters without spaces", d.Event)
	case !json.Valid(d.Body):
		return ladda.Errorf(ladda.Invalid, op, "the delivery body is not JSON")
	}
	return nil
}

func headerToken(s string) bool {
	if s == "" || len(s) > 200 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] <= ' ' || s[i] > '~' {
			return false
		}
	}
	return true
}

// excerpt returns the first ResponseExcerptSize bytes of body without a rune cut in half,
// with invalid UTF-8 replaced.
func excerpt(body []byte) string {
	if len(body) > ResponseExcerptSize {
		body = body[:ResponseExcerptSize]
		for i := len(body) - 1; i >= 0 && i >= len(body)-utf8.UTFMax; i-- {
			if utf8.RuneStart(body[i]) {
				if !utf8.FullRune(body[i:]) {
					body = body[:i]
				}
				break
			}
		}
	}
	return strings.ToValidUTF8(string(body), "\uFFFD")
}

// retryAfter parses a Retry-After header (seconds or an HTTP date) into a wait from now,
// between 0 and MaxRetryAfter.
func retryAfter(h string, now time.Time) time.Duration {
	h = strings.TrimSpace(h)
	if h == "" {
		return 0
	}
	var d time.Duration
	if secs, err := strconv.ParseInt(h, 10, 64); err == nil {
		d = time.Duration(min(secs, int64(MaxRetryAfter/time.Second))) * time.Second
	} else if t, err := http.ParseTime(h); err == nil {
		d = t.Sub(now)
	}
	return min(max(d, 0), MaxRetryAfter)
}
