package notify_test

import (
	"testing"
	"time"

	"github.com/ladda-csms/ladda/notify"
)

func TestBackoff(t *testing.T) {
	t.Parallel()
	tests := []struct {
		attempt int
		want    time.Duration
	}{
		{-1, 30 * time.Second},
		{0, 30 * time.Second},
		{1, 30 * time.Second},
		{2, 2 * time.Minute},
		{3, 10 * time.Minute},
		{4, 30 * time.Minute},
		{5, time.Hour},
		{6, 3 * time.Hour},
		{7, 6 * time.Hour},
		{8, 12 * time.Hour},
		{9, 24 * time.Hour},
		{notify.MaxAttempts, 0},
		{notify.MaxAttempts + 1, 0},
	}
	for _, tt := range tests {
		if got := notify.Backoff(tt.attempt); got != tt.want {
			t.Errorf("Backoff(%d) = %s, want %s", tt.attempt, got, tt.want)
		}
	}
	for a := 1; a < notify.MaxAttempts; a++ {
		if notify.Backoff(a) == 0 {
			t.Errorf("Backoff(%d) gives up before MaxAttempts", a)
		}
	}
}

func TestJitter(t *testing.T) {
	t.Parallel()
	for _, d := range []time.Duration{30 * time.Second, time.Hour, 24 * time.Hour} {
		for range 100 {
			if got := notify.Jitter(d); got < d || got > d+d/10 {
				t.Fatalf("Jitter(%s) = %s, want within [%s, %s]", d, got, d, d+d/10)
			}
		}
	}
	if got := notify.Jitter(0); got != 0 {
		t.Errorf("Jitter(0) = %s", got)
	}
}
