package ocpptest

import (
	"context"
	"crypto/tls"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// transferTimeout bounds one attempt of a download (firmware) or an upload (logs).
const transferTimeout = time.Minute

// job is a firmware update or a log upload the station runs in the background. The station
// runs one of each at a time: a newer request cancels the running one, and starts only once
// that has ended, so that the statuses of the two never interleave.
type job struct {
	action    string          // the CALL that asked for it: UpdateFirmware, GetLog, …
	requestID *int            // its requestId; nil for 1.6 UpdateFirmware and GetDiagnostics
	ctx       context.Context // ends when a newer request replaces the job or the station closes
	cancel    context.CancelFunc
	done      chan struct{} // closed when the job has ended (or never ran: the station closed)
	replaced  bool          // a newer request cancelled it; guarded by Station.mu
	status    string        // the last status it reported; guarded by Station.mu
	over      bool          // its final status is reported (or being); guarded by Station.mu
}

// running reports whether j (which may be nil) is still at work: it has not reported its
// final status, nor ended. Station.mu must be held.
func (j *job) running() bool {
	if j == nil || j.over {
		return false
	}
	select {
	case <-j.done:
		return false
	default:
		return true
	}
}

// startJob makes a new job of *slot (guarded by mu) for action and runs it in the background:
// once the answer to the CALL being handled is out and the job it replaces has ended, run is
// called with the job. Run watches j.ctx: a newer request may cancel the job at any time, even
// before run is called. startJob reports whether another job was running, now cancelled.
func (s *Station) startJob(slot **job, action string, requestID *int, run func(j *job)) bool {
	j := &job{action: action, requestID: requestID, done: make(chan struct{})}
	j.ctx, j.cancel = context.WithCancel(s.bg)
	s.mu.Lock()
	old := *slot
	wasRunning := old.running()
	if wasRunning {
		old.replaced = true
	}
	*slot = j
	s.mu.Unlock()
	if old != nil {
		old.cancel()
	}
	ran := s.goBackground(func(ctx context.Context) {
		defer close(j.done)
		defer j.cancel()
		if old != nil {
			select {
			case <-old.done:
			case <-ctx.Done():
				return
			}
		}
		t := time.NewTimer(answerGap)
		select {
		case <-j.ctx.Done():
		case <-t.C:
		}
		t.Stop()
		if ctx.Err() == nil {
			run(j)
		}
	})
	if !ran { // the station is closed
		j.cancel()
		close(j.done)
	}
	return wasRunning
}

// waitUntil waits until the station's clock shows at, looking at it at least every
// expiryCheck so that a Config.Clock that does not follow the real one (a ladda.ManualClock
// moved on by a test) is noticed; when limit is positive it also ends after that much real
// time, whichever comes first. It reports false when ctx ends first.
func (s *Station) waitUntil(ctx context.Context, at time.Time, limit time.Duration) bool {
	if ctx.Err() != nil {
		return false
	}
	var capped <-chan time.Time
	if limit > 0 {
		c := time.NewTimer(limit)
		defer c.Stop()
		capped = c.C
	}
	for {
		wait := min(at.Sub(s.clock.Now()), expiryCheck)
		if wait <= 0 {
			return true
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return false
		case <-capped:
			t.Stop()
			return true
		case <-t.C:
		}
	}
}

// retrying runs attempt up to 1+retries times until it succeeds, waiting retryInterval between
// attempts (by the station's clock, but never longer than retryInterval of real time, so a
// ladda.ManualClock that stands still does not hold the station up). It returns the last
// error; ctx's error when ctx ends first.
func (s *Station) retrying(ctx context.Context, retries int, retryInterval time.Duration, attempt func(ctx context.Context) error) error {
	var err error
	for i := 0; i <= max(retries, 0); i++ {
		if i > 0 && retryInterval > 0 && !s.waitUntil(ctx, s.clock.Now().Add(retryInterval), retryInterval) {
			return ctx.Err()
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		actx, cancel := context.WithTimeout(ctx, transferTimeout)
		err = attempt(actx)
		cancel()
		if err == nil {
			return nil
		}
		s.log.Debug("transfer failed", "attempt", i+1, "of", max(retries, 0)+1, "err", err)
	}
	return err
}

// httpClient returns the client of a download or an upload: http and https only, no proxy,
// no connections kept (nothing lingers once the transfer is over), and for https the
// RootCAs of Config.TLSConfig (the system's when there is none). Only the roots are taken:
// the file server is not the CSMS, so neither its ServerName nor the station's client
// certificate apply.
func (s *Station) httpClient() *http.Client {
	tc := &tls.Config{MinVersion: tls.VersionTLS12}
	if s.cfg.TLSConfig != nil {
		tc.RootCAs = s.cfg.TLSConfig.RootCAs
	}
	return &http.Client{
		Transport: &http.Transport{TLSClientConfig: tc, DisableKeepAlives: true},
		Timeout:   transferTimeout,
	}
}

// checkLocation reports an error unless location is an absolute http or https URL.
func checkLocation(location string) error {
	u, err := url.Parse(location)
	if err != nil {
		return err
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("%q: only http and https locations are supported", location)
	}
	return nil
}

// statusOK reports an error for an HTTP answer that is not 2xx.
func statusOK(res *http.Response) error {
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return fmt.Errorf("%s %s: %s", res.Request.Method, res.Request.URL.Redacted(), res.Status)
	}
	return nil
}
