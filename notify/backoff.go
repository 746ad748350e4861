package notify

import (
	"math/rand/v2"
	"time"
)

// MaxAttempts is how often a delivery is tried before the caller gives up: once, then again
// after each wait of Backoff.
const MaxAttempts = 10

// schedule holds the waits after the first, second, … failed attempt.
var schedule = [MaxAttempts - 1]time.Duration{
	30 * time.Second, 2 * time.Minute, 10 * time.Minute, 30 * time.Minute,
	time.Hour, 3 * time.Hour, 6 * time.Hour, 12 * time.Hour, 24 * time.Hour,
}

// Backoff returns how long to wait after the attempt-th failed attempt (counting from 1)
// before trying again: 30s, 2m, 10m, 30m, 1h, 3h, 6h, 12h, 24h. That covers about two days,
// long enough for a receiver or mail server to come back after a weekend-long outage. It
// returns 0 from attempt MaxAttempts on: give up and mark the delivery failed. Attempts below
// 1 count as 1.
//
// Backoff is deterministic, for tests and for showing users when the next attempt is due.
// Callers that retry many deliveries to one receiver should spread them with Jitter.
func Backoff(attempt int) time.Duration {
	if attempt < 1 {
		attempt = 1
	}
	if attempt >= MaxAttempts {
		return 0
	}
	return schedule[attempt-1]
}

// Jitter returns d lengthened by a random amount of up to 10%, so that deliveries that failed
// together (a receiver was down) do not all come back at the same moment. It is random, not
// deterministic: tests check its bounds, not its value.
func Jitter(d time.Duration) time.Duration {
	if d <= 0 {
		return d
	}
	return d + rand.N(d/10+1)
}
