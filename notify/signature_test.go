package notify_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"testing"
	"time"

	"github.com/ladda-csms/ladda"
	"github.com/ladda-csms/ladda/notify"
)

func TestSign(t *testing.T) {
	t.Parallel()
	// The signature is HMAC-SHA256(secret, "<unix>.<body>"), computed here the long way.
	h := hmac.New(sha256.New, secret)
	h.Write([]byte("1772366400." + string(body)))
	want := "t=1772366400,v1=" + hex.EncodeToString(h.Sum(nil))
	if got := notify.Sign(secret, body, epoch); got != want {
		t.Errorf("Sign = %s, want %s", got, want)
	}
}

func TestVerifySignature(t *testing.T) {
	t.Parallel()
	good := notify.Sign(secret, body, epoch)
	other := notify.Sign([]byte("old secret"), body, epoch)
	tests := []struct {
		name      string
		secret    []byte
		body      []byte
		header    string
		now       time.Time
		tolerance time.Duration
		ok        bool
	}{
		{"fresh", secret, body, good, epoch.Add(time.Minute), 0, true},
		{"at the edge of the default tolerance", secret, body, good, epoch.Add(notify.DefaultSignatureTolerance), 0, true},
		{"a little in the future", secret, body, good, epoch.Add(-time.Minute), 0, true},
		{"rotated: one of two matches", secret, body, good + "," + other[len("t=1772366400,"):], epoch, 0, true},
		{"rotated: the other one matches", secret, body, other + "," + good[len("t=1772366400,"):], epoch, 0, true},
		{"with spaces and unknown fields", secret, body, "t=1772366400, v0=abc, " + good[len("t=1772366400,"):], epoch, 0, true},
		{"too old", secret, body, good, epoch.Add(notify.DefaultSignatureTolerance + time.Second), 0, false},
		{"too old for a tight tolerance", secret, body, good, epoch.Add(31 * time.Second), 30 * time.Second, false},
		{"too far in the future", secret, body, good, epoch.Add(-time.Hour), 0, false},
		{"wrong secret", []byte("guess"), body, good, epoch, 0, false},
		{"no secret", nil, body, good, epoch, 0, false},
		{"changed body", secret, []byte(`{"event":"session.stopped","energyKWh":1250}`), good, epoch, 0, false},
		{"changed timestamp", secret, body, "t=1772366401," + good[len("t=1772366400,"):], epoch, 0, false},
		{"two timestamps", secret, body, "t=1," + good, epoch, 0, false},
		{"no signature", secret, body, "t=1772366400", epoch, 0, false},
		{"no timestamp", secret, body, good[len("t=1772366400,"):], epoch, 0, false},
		{"not hex", secret, body, "t=1772366400,v1=zz", epoch, 0, false},
		{"empty", secret, body, "", epoch, 0, false},
	}
	for _, tt := range tests {
		err := notify.VerifySignature(tt.secret, tt.body, tt.header, tt.now, tt.tolerance)
		if tt.ok && err != nil || !tt.ok && !ladda.IsKind(err, ladda.Unauthorized) {
			t.Errorf("%s: VerifySignature = %v, want ok %v", tt.name, err, tt.ok)
		}
	}
}
