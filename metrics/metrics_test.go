package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestHandlerServesGivenMetrics(t *testing.T) {
	t.Parallel()
	n := 41.0
	h := Handler(
		Metric{Name: "ladda_test_gauge", Help: "a gauge", Value: func() float64 { n++; return n }},
		Metric{Name: "ladda_test_total", Help: "a counter", Counter: true, Value: func() float64 { return 7 }},
	)
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	body, _ := io.ReadAll(rec.Body)
	for _, want := range []string{"ladda_test_gauge 42", "# TYPE ladda_test_total counter", "ladda_test_total 7", "go_goroutines"} {
		if !strings.Contains(string(body), want) {
			t.Errorf("metrics output lacks %q", want)
		}
	}
}
