package httpapi

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/custos-dev/custos/internal/apierr"
)

type metrics struct {
	reg      *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
	actions  *prometheus.CounterVec
	limited  *prometheus.CounterVec
}

func newMetrics(writeStats func() (uint64, uint64), inflight func() int) *metrics {
	m := &metrics{
		reg: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_http_requests_total", Help: "HTTP requests by route, method and status.",
		}, []string{"route", "method", "status"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "custos_http_request_duration_seconds", Help: "HTTP request latency by route.",
			Buckets: []float64{.0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5},
		}, []string{"route"}),
		actions: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_user_actions_total", Help: "User action signatures presented, by outcome.",
		}, []string{"outcome"}),
		limited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "custos_rate_limited_total", Help: "Requests refused by a rate limit or a backoff, by limiter.",
		}, []string{"limiter"}),
	}
	m.reg.MustRegister(m.requests, m.latency, m.actions, m.limited,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "custos_http_requests_in_flight", Help: "Requests being served.",
		}, func() float64 { return float64(inflight()) }))
	if writeStats != nil {
		m.reg.MustRegister(
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "custos_db_commits_total", Help: "Database group commits.",
			}, func() float64 { c, _ := writeStats(); return float64(c) }),
			prometheus.NewCounterFunc(prometheus.CounterOpts{
				Name: "custos_db_writes_total", Help: "Database writes, carried by the group commits.",
			}, func() float64 { _, w := writeStats(); return float64(w) }),
		)
	}
	return m
}

func (m *metrics) observe(route, method string, status int, d time.Duration) {
	m.requests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	m.latency.WithLabelValues(route).Observe(d.Seconds())
}

// userAction counts a presented user action by outcome.
func (m *metrics) userAction(err error) {
	outcome := "accepted"
	var e *apierr.Error
	switch {
	case err == nil:
	case errors.As(err, &e) && e.Status == http.StatusBadRequest:
		outcome = "replayed"
	case errors.As(err, &e) && e.Status == http.StatusForbidden:
		outcome = "rejected"
	default:
		outcome = "error"
	}
	m.actions.WithLabelValues(outcome).Inc()
}

// MetricsHandler serves the Prometheus metrics (for a listener of their
// own, see Deps.MetricsApart).
func (s *Server) MetricsHandler() http.Handler { return s.metrics.handler() }

func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{})
}
