// Package metrics exposes Ladda's numbers to Prometheus at /metrics: Go runtime and process
// figures plus the gauges and counters other packages report through plain functions, so that
// only this package imports the Prometheus client.
package metrics

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Metric is one number read when Prometheus scrapes.
type Metric struct {
	Name    string // full metric name, e.g. ladda_ocpp_connections
	Help    string
	Counter bool // a monotonically increasing count; otherwise a gauge
	Value   func() float64
}

// Handler returns the /metrics handler serving ms and the Go runtime and process collectors.
func Handler(ms ...Metric) http.Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	for _, m := range ms {
		opts := prometheus.Opts{Name: m.Name, Help: m.Help}
		if m.Counter {
			reg.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts(opts), m.Value))
		} else {
			reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts(opts), m.Value))
		}
	}
	return promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
}
