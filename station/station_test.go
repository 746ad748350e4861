package station

import (
	"strings"
	"testing"
)

func TestStateOf(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		status    ConnectorStatus
		connected bool
		want      State
	}{
		{StatusAvailable, true, StateAvailable},
		{StatusCharging, true, StateCharging},
		{StatusSuspendedEV, true, StateOccupied},
		{StatusOccupied, true, StateOccupied},
		{StatusPreparing, true, StateOccupied},
		{StatusFaulted, true, StateFaulted},
		{StatusReserved, true, StateReserved},
		{StatusUnavailable, true, StateUnavailable},
		{StatusAvailable, false, StateOffline},
		{"Bogus", true, StateUnknown},
	} {
		if got := StateOf(tc.status, tc.connected); got != tc.want {
			t.Errorf("StateOf(%s, %v) = %s, want %s", tc.status, tc.connected, got, tc.want)
		}
	}
}

func TestCredentialVerifies(t *testing.T) {
	t.Parallel()
	pepper := []byte("pepper-for-tests")
	c := NewCredential(pepper, "s3cret-password-1")
	if !c.Verify(pepper, "s3cret-password-1") {
		t.Fatal("right password refused")
	}
	if c.Verify(pepper, "s3cret-password-2") {
		t.Fatal("wrong password accepted")
	}
	if c.Verify([]byte("other pepper"), "s3cret-password-1") {
		t.Fatal("password accepted under another pepper")
	}
	if d := NewCredential(pepper, "s3cret-password-1"); string(d.Hash) == string(c.Hash) {
		t.Fatal("two credentials for one password share a hash: salt missing")
	}
	if (Credential{}).Verify(pepper, "") {
		t.Fatal("zero credential accepted the empty password")
	}
}

func TestGeneratePassword(t *testing.T) {
	t.Parallel()
	p := GeneratePassword()
	if len(p) != MaxPasswordLen {
		t.Fatalf("len = %d, want %d", len(p), MaxPasswordLen)
	}
	if err := checkPassword("test", p); err != nil {
		t.Fatalf("generated password fails our own rules: %v", err)
	}
	if strings.ContainsAny(p, " +/=") {
		t.Fatalf("generated password %q has characters OCPP does not allow", p)
	}
	if GeneratePassword() == p {
		t.Fatal("two generated passwords are equal")
	}
}

func BenchmarkCredentialVerify(b *testing.B) {
	pepper := []byte("pepper-for-benchmarks")
	c := NewCredential(pepper, "s3cret-password-1")
	b.ReportAllocs()
	for b.Loop() {
		if !c.Verify(pepper, "s3cret-password-1") {
			b.Fatal("refused")
		}
	}
}
