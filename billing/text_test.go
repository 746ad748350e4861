package billing_test

import (
	"encoding/json"
	"testing"

	"github.com/ladda-csms/ladda/billing"
)

// Money and component types travel in JSON as text: exact, never a float.
func TestJSONText(t *testing.T) {
	t.Parallel()
	type line struct {
		Type  billing.ComponentType `json:"type"`
		Price billing.Amount        `json:"price"`
		Qty   billing.Quantity      `json:"qty"`
	}
	in := `{"type":"PARKING_TIME","price":"0.4567","qty":"12.5"}`
	var l line
	if err := json.Unmarshal([]byte(in), &l); err != nil {
		t.Fatal(err)
	}
	if l.Type != billing.ParkingTime || l.Price.String() != "0.4567" || l.Qty.String() != "12.5" {
		t.Fatalf("decoded %+v", l)
	}
	out, err := json.Marshal(l)
	if err != nil || string(out) != in {
		t.Fatalf("round trip: %s, %v; want %s", out, err, in)
	}
	for _, bad := range []string{`{"price":0.1}`, `{"price":"1e3"}`, `{"type":"GAS"}`, `{"qty":"-"}`} {
		if err := json.Unmarshal([]byte(bad), &l); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
	if _, err := json.Marshal(line{}); err == nil {
		t.Error("a line without a type was written")
	}
}

// A stored amount reads back equal, also one without a finite decimal form.
func TestJSONTextIsExact(t *testing.T) {
	t.Parallel()
	third, err := billing.ParseAmount("1")
	if err != nil {
		t.Fatal(err)
	}
	hour, _ := billing.ParseQuantity("0.3333") // not a third: a decimal stays a decimal
	for _, a := range []billing.Amount{third.Mul(mustQ(t, "0.5")), billing.ExclusiveOf(third, mustQ(t, "25")), billing.ExclusiveOf(third, mustQ(t, "7"))} {
		b, err := json.Marshal(a)
		if err != nil {
			t.Fatal(err)
		}
		var back billing.Amount
		if err := json.Unmarshal(b, &back); err != nil || back.Cmp(a) != 0 {
			t.Errorf("%s → %s → %s, %v", a, b, back, err)
		}
	}
	if b, _ := json.Marshal(billing.ExclusiveOf(third, mustQ(t, "7"))); string(b) != `"100/107"` {
		t.Errorf("1 excluding 7 %% = %s, want the fraction 100/107", b)
	}
	if b, _ := json.Marshal(hour); string(b) != `"0.3333"` {
		t.Errorf("0.3333 = %s", b)
	}
	var q billing.Quantity
	for _, bad := range []string{`"1/0"`, `"1/-3"`, `"a/3"`, `"1/"`, `"/3"`} {
		if err := json.Unmarshal([]byte(bad), &q); err == nil {
			t.Errorf("%s: accepted", bad)
		}
	}
}

func mustQ(t *testing.T, s string) billing.Quantity {
	t.Helper()
	q, err := billing.ParseQuantity(s)
	if err != nil {
		t.Fatal(err)
	}
	return q
}
