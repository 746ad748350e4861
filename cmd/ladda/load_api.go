package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// loadAPI is the little of Ladda's HTTP API that sim and load need: registering stations and
// an ID token before they connect. It speaks to the server whose OCPP URL they were given.
type loadAPI struct {
	base   string // scheme://host[:port], no path
	key    string
	client *http.Client
}

// loadAPIFor returns a client for the server of an OCPP URL (ws → http, wss → https).
func loadAPIFor(ocppURL, key string) (*loadAPI, error) {
	u, err := url.Parse(ocppURL)
	if err != nil {
		return nil, err
	}
	scheme := map[string]string{"ws": "http", "wss": "https"}[u.Scheme]
	if scheme == "" {
		return nil, fmt.Errorf("URL %s: scheme must be ws or wss", ocppURL)
	}
	return &loadAPI{
		base: scheme + "://" + u.Host,
		key:  key,
		client: &http.Client{
			Timeout:   30 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 64, Proxy: nil},
		},
	}, nil
}

// loadAPIError is an answer other than success from the API.
type loadAPIError struct {
	Method, Path string
	Status       int
	Detail       string
}

func (e *loadAPIError) Error() string {
	if e.Detail == "" {
		return fmt.Sprintf("%s %s: HTTP %d", e.Method, e.Path, e.Status)
	}
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.Path, e.Status, e.Detail)
}

// do sends a JSON request and decodes a JSON answer into out (when not nil). An answer that is
// not 2xx is a *loadAPIError with the problem's detail.
func (a *loadAPI) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, a.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := a.client.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(io.LimitReader(res.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
	}
	if res.StatusCode < 200 || res.StatusCode > 299 {
		var problem struct {
			Detail string `json:"detail"`
		}
		_ = json.Unmarshal(data, &problem)
		return &loadAPIError{Method: method, Path: path, Status: res.StatusCode, Detail: problem.Detail}
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return fmt.Errorf("%s %s: reading the answer: %w", method, path, err)
		}
	}
	return nil
}

// isStatus reports whether err is an API answer with HTTP status code.
func isStatus(err error, code int) bool {
	var ae *loadAPIError
	return errors.As(err, &ae) && ae.Status == code
}

// ensureStation registers a station with a password, or, when it exists (409), sets its
// password. It reports whether the station was new.
func (a *loadAPI) ensureStation(ctx context.Context, id, password string) (created bool, err error) {
	err = a.do(ctx, http.MethodPost, "/api/v1/stations", map[string]string{"id": id, "password": password}, nil)
	if err == nil {
		return true, nil
	}
	if !isStatus(err, http.StatusConflict) {
		return false, err
	}
	return false, a.do(ctx, http.MethodPatch, "/api/v1/stations/"+url.PathEscape(id), map[string]string{"password": password}, nil)
}

// ensureToken adds an accepted ID token that may be in several transactions at once, or, when
// it exists (409), makes it so.
func (a *loadAPI) ensureToken(ctx context.Context, token string) error {
	body := map[string]any{"idToken": token, "status": "Accepted", "allowConcurrent": true}
	err := a.do(ctx, http.MethodPost, "/api/v1/id-tokens", body, nil)
	if !isStatus(err, http.StatusConflict) {
		return err
	}
	return a.do(ctx, http.MethodPatch, "/api/v1/id-tokens/"+url.PathEscape(token), map[string]any{"status": "Accepted", "allowConcurrent": true}, nil)
}

// ensureStations registers ids with password, with a few requests at a time. It returns the
// number created and the first error; it stops at the first error.
func (a *loadAPI) ensureStations(ctx context.Context, ids []string, password string, workers int) (created int, err error) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	next := make(chan string)
	var (
		mu       sync.Mutex
		firstErr error
		wg       sync.WaitGroup
	)
	for range max(1, workers) {
		wg.Go(func() {
			for id := range next {
				c, err := a.ensureStation(ctx, id, password)
				mu.Lock()
				if err != nil && firstErr == nil {
					firstErr = fmt.Errorf("registering station %s: %w", id, err)
					cancel()
				}
				if c {
					created++
				}
				mu.Unlock()
			}
		})
	}
feed:
	for _, id := range ids {
		select {
		case next <- id:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if firstErr == nil && ctx.Err() != nil {
		firstErr = ctx.Err()
	}
	return created, firstErr
}

// loopbackURL reports whether an OCPP URL is ws(s):// on a loopback address (127.0.0.0/8, ::1
// or localhost).
func loopbackURL(raw string) (bool, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return false, err
	}
	if u.Scheme != "ws" && u.Scheme != "wss" {
		return false, fmt.Errorf("URL %s: scheme must be ws or wss", raw)
	}
	host := u.Hostname()
	if host == "" {
		return false, fmt.Errorf("URL %s has no host", raw)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}
