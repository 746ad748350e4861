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
