package sqldb

import (
	"encoding/json"
	"errors"
	"math"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/ladda-csms/ladda/charging"
)

var sampleTime = time.Date(2025, 3, 1, 10, 0, 0, 123456789, time.FixedZone("CET", 3600))

// wantLikeJSON fails unless appendSamples(ss) decodes to what encoding/json's form of ss
// decodes to, with times in UTC at microsecond precision.
func wantLikeJSON(t *testing.T, ss []charging.Sample) {
	t.Helper()
	got, err := appendSamples(nil, ss)
	if err != nil {
		t.Fatalf("appendSamples: %v", err)
	}
	if !json.Valid(got) {
		t.Fatalf("invalid JSON: %s", got)
	}
	norm := make([]charging.Sample, len(ss))
	for i, s := range ss {
		s.Time = s.Time.UTC().Truncate(time.Microsecond)
		norm[i] = s
	}
	ref, err := json.Marshal(norm)
	if err != nil {
		t.Fatal(err)
	}
	var a, b []charging.Sample
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("decoding %s: %v", got, err)
	}
	if err := json.Unmarshal(ref, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("decoded %+v\nwant    %+v\nfrom %s", a, b, got)
	}
}

func TestAppendSamplesMatchesEncodingJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		ss   []charging.Sample
	}{
		{"none", []charging.Sample{}},
		{"all fields", []charging.Sample{{Time: sampleTime, Measurand: charging.MeasurandEnergyImport, Phase: "L1-N", Location: "Outlet", Context: "Sample.Periodic", Unit: "Wh", Value: 1234.5}}},
		{"empty strings are left out", []charging.Sample{{Time: sampleTime, Value: 1}}},
		{"quotes, backslashes, controls", []charging.Sample{{Time: sampleTime, Measurand: "a\"b\\c\n\r\t\x00\x1f\x7f", Value: 0}}},
		{"non-ASCII and line separators", []charging.Sample{{Time: sampleTime, Measurand: "Spannung ü € 🚗 \u2028\u2029", Value: 0}}},
		{"invalid UTF-8", []charging.Sample{{Time: sampleTime, Measurand: "a\xffb\xc3(c", Value: 0}}},
		{"HTML characters", []charging.Sample{{Time: sampleTime, Measurand: "<a&b>", Value: 0}}},
		{"numbers", []charging.Sample{
			{Time: sampleTime, Value: math.Copysign(0, -1)}, {Time: sampleTime, Value: 1e21}, {Time: sampleTime, Value: 1e-7},
			{Time: sampleTime, Value: math.MaxFloat64}, {Time: sampleTime, Value: math.SmallestNonzeroFloat64}, {Time: sampleTime, Value: -42},
		}},
		{"zero time", []charging.Sample{{Measurand: "x", Value: 1}}},
		{"times of every zone come back in UTC", []charging.Sample{{Time: time.Date(2025, 10, 26, 2, 30, 0, 1000, time.FixedZone("X", -9*3600-30*60)), Value: 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			wantLikeJSON(t, tt.ss)
		})
	}
}

func TestAppendSamplesRefusesWhatJSONCannotHold(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		s    charging.Sample
		want error
	}{
		{"NaN", charging.Sample{Time: sampleTime, Value: math.NaN()}, errNotFinite},
		{"+Inf", charging.Sample{Time: sampleTime, Value: math.Inf(1)}, errNotFinite},
		{"-Inf", charging.Sample{Time: sampleTime, Value: math.Inf(-1)}, errNotFinite},
		{"year 10000", charging.Sample{Time: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, errBadYear},
		{"year -1", charging.Sample{Time: time.Date(-1, 1, 1, 0, 0, 0, 0, time.UTC)}, errBadYear},
	}
	for _, tt := range tests {
		if _, err := appendSamples(nil, []charging.Sample{{Time: sampleTime}, tt.s}); !errors.Is(err, tt.want) {
			t.Errorf("%s: error %v, want %v", tt.name, err, tt.want)
		}
	}
}

func TestDecodeSamplesAppendsInUTC(t *testing.T) {
	t.Parallel()
	first := []charging.Sample{{Time: sampleTime.UTC().Truncate(time.Microsecond), Measurand: "a", Value: 1}}
	got, err := decodeSamples(first, []byte(`[{"time":"2025-03-01T11:00:00.5+01:00","measurand":"b","value":2}]`))
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[1].Measurand != "b" || got[1].Time.Location() != time.UTC || !got[1].Time.Equal(time.Date(2025, 3, 1, 10, 0, 0, 5e8, time.UTC)) {
		t.Errorf("got %+v", got)
	}
	if _, err := decodeSamples(nil, []byte(`{`)); err == nil {
		t.Error("bad JSON decoded")
	}
}

func FuzzAppendSamples(f *testing.F) {
	f.Add("Energy.Active.Import.Register", "L1", "Wh", 1234.5, int64(0))
	f.Add("a\"\\\n\x00\xff", "", "ü", -1e300, int64(-1))
	f.Add("", "\u2028", "<>&", 5e-324, int64(1<<40))
	f.Fuzz(func(t *testing.T, measurand, phase, unit string, v float64, ns int64) {
		s := charging.Sample{Time: sampleTime.Add(time.Duration(ns)), Measurand: measurand, Phase: phase, Unit: unit, Value: v}
		if math.IsNaN(v) || math.IsInf(v, 0) {
			if _, err := appendSamples(nil, []charging.Sample{s}); err == nil {
				t.Fatal("a non-finite value was encoded")
			}
			return
		}
		wantLikeJSON(t, []charging.Sample{s, s})
	})
}

func TestNullTimeScan(t *testing.T) {
	t.Parallel()
	want := time.Date(2025, 3, 1, 10, 0, 0, 123456000, time.UTC)
	tests := []struct {
		name  string
		src   any
		valid bool
		ok    bool
	}{
		{"NULL", nil, false, true},
		{"native, other zone, nanoseconds", want.Add(789).In(time.FixedZone("X", 7200)), true, true},
		{"text", "2025-03-01T10:00:00.123456Z", true, true},
		{"bytes", []byte("2025-03-01T10:00:00.123456Z"), true, true},
		{"text with offset", "2025-03-01T12:00:00.123456+02:00", true, true},
		{"garbage", "yesterday", false, false},
		{"a number", int64(5), false, false},
	}
	for _, tt := range tests {
		var n nullTime
		err := n.Scan(tt.src)
		if (err == nil) != tt.ok {
			t.Errorf("%s: error %v", tt.name, err)
			continue
		}
		if !tt.ok {
			continue
		}
		if n.Valid != tt.valid || (tt.valid && (!n.T.Equal(want) || n.T.Location() != time.UTC)) {
			t.Errorf("%s: got %v valid %v, want %v in UTC", tt.name, n.T, n.Valid, want)
		}
		if (n.ptr() == nil) == tt.valid {
			t.Errorf("%s: ptr() = %v", tt.name, n.ptr())
		}
	}
}

func TestTextTimeSortsLikeTime(t *testing.T) {
	t.Parallel()
	times := []time.Time{
		time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC),
		time.Date(2025, 1, 1, 0, 0, 0, 1000, time.UTC),
		time.Date(2025, 1, 1, 0, 0, 0, 999999000, time.UTC),
		time.Date(2025, 1, 1, 0, 0, 1, 0, time.UTC),
		time.Date(2025, 12, 31, 23, 59, 59, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		a, b := EncodeTextTime(norm(times[i-1])).(string), EncodeTextTime(norm(times[i])).(string)
		if len(a) != len(TextTime) || a >= b {
			t.Errorf("%q does not sort before %q", a, b)
		}
	}
}

func TestQueriesCheckNamesMissingStatements(t *testing.T) {
	t.Parallel()
	q := Queries{Station: StationQueries{Create: "x"}}
	err := q.check()
	if err == nil || !strings.Contains(err.Error(), "Station.Get") || strings.Contains(err.Error(), "Station.Create") || !strings.Contains(err.Error(), "Account.Setting") {
		t.Errorf("check() = %v", err)
	}
}
