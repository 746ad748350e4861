package httpapi

import (
	"net/http"
	"net/netip"
	"strconv"
	"sync"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/ladda-csms/ladda/account"
)

// limiter allows each client address a burst of attempts on the sign-in routes, refilled at a
// steady rate: a token bucket per address, in memory (per node; accounts are also locked in the
// store, which all nodes share). It bounds its memory by forgetting full buckets.
type limiter struct {
	rate  float64 // tokens per second
	burst float64
	now   func() time.Time

	mu      sync.Mutex
	buckets map[string]*bucket
	swept   time.Time
}

type bucket struct {
	tokens float64
	at     time.Time
}

// Sign-in attempts per client address: 10 at once, then one every 6 seconds.
const (
	limitBurst = 10
	limitEvery = 6 * time.Second
)

func newLimiter(now func() time.Time) *limiter {
	return &limiter{rate: 1 / limitEvery.Seconds(), burst: limitBurst, now: now, buckets: map[string]*bucket{}}
}

// allow takes a token for key, or reports how long until one is there.
func (l *limiter) allow(key string) (bool, time.Duration) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	if now.Sub(l.swept) > time.Minute {
		for k, b := range l.buckets {
			if b.tokens+now.Sub(b.at).Seconds()*l.rate >= l.burst {
				delete(l.buckets, k)
			}
		}
		l.swept = now
	}
	b, ok := l.buckets[key]
	if !ok {
		b = &bucket{tokens: l.burst, at: now}
		l.buckets[key] = b
	}
	b.tokens = min(l.burst, b.tokens+now.Sub(b.at).Seconds()*l.rate)
	b.at = now
	if b.tokens < 1 {
		return false, time.Duration((1 - b.tokens) / l.rate * float64(time.Second))
	}
	b.tokens--
	return true, 0
}

// anonymous is the middleware of public routes: it notes where the request came from and, for
// limited routes, refuses a client address that tried too often with 429 and Retry-After.
func (s *server) anonymous(r route) func(huma.Context, func(huma.Context)) {
	return func(ctx huma.Context, next func(huma.Context)) {
		m := account.Meta{IP: s.clientIP(ctx), UserAgent: ctx.Header("User-Agent")}
		if r.Limited {
			if ok, wait := s.limits.allow(limitKey(m.IP)); !ok {
				ctx.SetHeader("Retry-After", strconv.Itoa(int(wait.Seconds())+1))
				s.writeErr(ctx, huma.NewError(http.StatusTooManyRequests, "too many attempts from your address; try again later"))
				return
			}
		}
		next(huma.WithValue(ctx, metaContext{}, m))
	}
}

// limitKey is the bucket of a client address: the address itself for IPv4, its /64 for IPv6,
// since one IPv6 subscriber holds a whole /64.
func limitKey(ip string) string {
	a, err := netip.ParseAddr(ip)
	if err != nil || a.Unmap().Is4() {
		return ip
	}
	p, _ := a.Prefix(64)
	return p.String()
}
