package config

import (
	"io"
	"os"
	"strings"
	"testing"
	"time"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreValid(t *testing.T) {
	t.Parallel()
	c, rest, err := Load("serve", nil, env(nil), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if len(rest) != 0 {
		t.Fatalf("rest = %v", rest)
	}
	if c.Listen != ":8080" || c.DB != "ladda.db" || c.MaxFrameSize != 65536 || c.CallTimeout != 30*time.Second || c.AcceptUnknownStations {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestFlagsBeatEnvironment(t *testing.T) {
	t.Parallel()
	c, _, err := Load("serve", []string{"--listen", "127.0.0.1:0", "--accept-unknown-stations"},
		env(map[string]string{"LADDA_LISTEN": ":9000", "LADDA_DB": "postgres://x/y", "LADDA_CALL_TIMEOUT": "5s"}), io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if c.Listen != "127.0.0.1:0" {
		t.Errorf("Listen = %q, want the flag's value", c.Listen)
	}
	if c.DB != "postgres://x/y" || c.CallTimeout != 5*time.Second {
		t.Errorf("environment not applied: %+v", c)
	}
	if !c.AcceptUnknownStations {
		t.Error("bare boolean flag not applied")
	}
}

func TestInvalidSettingsNameTheirFlag(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		args []string
		env  map[string]string
		want string
	}{
		{[]string{"--tls-cert", "c.pem"}, nil, "--tls-cert"},
		{[]string{"--client-ca", "ca.pem"}, nil, "--client-ca"},
		{[]string{"--max-frame-size", "10"}, nil, "--max-frame-size"},
		{[]string{"--secret", "short"}, nil, "--secret"},
		{[]string{"--log-level", "loud"}, nil, "--log-level"},
		{nil, map[string]string{"LADDA_CALL_TIMEOUT": "soon"}, "LADDA_CALL_TIMEOUT"},
		{[]string{"--heartbeat-interval", "abc"}, nil, "heartbeat-interval"},
	} {
		_, _, err := Load("serve", tc.args, env(tc.env), io.Discard)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Load(%v, %v) error = %v, want one naming %s", tc.args, tc.env, err, tc.want)
		}
	}
}

func TestLoadOnlySelectedSettings(t *testing.T) {
	t.Parallel()
	_, _, err := Load("apikey create", []string{"--listen", ":1"}, env(nil), io.Discard, "db")
	if err == nil {
		t.Fatal("a flag outside the selection was accepted")
	}
	c, rest, err := Load("apikey create", []string{"--db", "x.db", "extra"}, env(map[string]string{"LADDA_LISTEN": "bad"}), io.Discard, "db")
	if err != nil || c.DB != "x.db" || len(rest) != 1 || rest[0] != "extra" {
		t.Fatalf("Load with selection = %+v, %v, %v", c.DB, rest, err)
	}
}

func TestDatabase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		dsn    string
		engine Engine
		arg    string
	}{
		{"ladda.db", SQLite, "ladda.db"},
		{"/var/lib/ladda/ladda.db", SQLite, "/var/lib/ladda/ladda.db"},
		{"sqlite:data/x.db", SQLite, "data/x.db"},
		{"sqlite:///abs/x.db", SQLite, "/abs/x.db"},
		{"postgres://u@h/db", Postgres, "postgres://u@h/db"},
		{"postgresql://u@h/db", Postgres, "postgresql://u@h/db"},
	} {
		e, arg := Database(tc.dsn)
		if e != tc.engine || arg != tc.arg {
			t.Errorf("Database(%q) = %s, %q; want %s, %q", tc.dsn, e, arg, tc.engine, tc.arg)
		}
	}
}

// TestREADMEDocumentsEverySetting keeps the README's configuration table exact.
func TestREADMEDocumentsEverySetting(t *testing.T) {
	t.Parallel()
	readme, err := os.ReadFile("../README.md")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range Fields {
		def := "| |"
		if f.Default != "" {
			def = "| `" + f.Default + "` |"
		}
		row := "| `--" + f.Flag + "` | `" + f.Env + "` " + def
		if !strings.Contains(string(readme), row) {
			t.Errorf("README configuration table lacks the row starting %q", row)
		}
	}
}
