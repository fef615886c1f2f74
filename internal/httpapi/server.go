// Package httpapi is the one HTTP layer of Custos: the route table (each
// route states the operation it needs and whether it must carry a user
// action signature), the middleware chain, and the handlers.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"sync/atomic"

	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/permission"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/solwallet"
	"github.com/custos-dev/custos/internal/wallet"
	"github.com/custos-dev/custos/internal/webhook"
)

// Deps are the services the HTTP layer serves.
type Deps struct {
	Auth     *auth.Service
	Perms    *permission.Service
	Identity *identity.Service
	Keys     *keys.Service
	Wallets  *wallet.Service
	Policies *policy.Service
	// Webhooks serves /webhooks; nil leaves the routes out.
	Webhooks *webhook.Service
	// EVM serves transfers, transactions, assets, history and fees of EVM
	// wallets; nil answers 501.
	EVM *evmwallet.Service
	// BTC serves transfers, transactions, assets and history of
	// Bitcoin-family wallets; nil leaves them to EVM (a 400).
	BTC *btcwallet.Service
	// SOL serves transfers, transactions, assets, history and fees of
	// Solana wallets; nil leaves them to EVM (a 400).
	SOL *solwallet.Service
	// People serves registration, recovery, credential and login codes; nil answers 501.
	People *auth.People
	// Page serves the people's page at /app/ (internal/webapp); nil: none.
	Page   http.Handler
	Ready  func(context.Context) error
	Logger *slog.Logger
	// MaxBody limits request bodies (bytes); 0 means 1 MiB.
	MaxBody int64
	// AllowedOrigins lists the browser origins CORS allows; empty allows
	// none, "*" any.
	AllowedOrigins []string
	// MetricsApart keeps /metrics off the API handler: the caller serves
	// MetricsHandler on a listener of its own.
	MetricsApart bool
	// WriteStats reports the database's group commits and the writes they
	// carried, for /metrics; nil when the store has none.
	WriteStats func() (commits, writes uint64)
	// Limits are the request budgets (see ratelimit.go); the zero value
	// limits nothing.
	Limits Limits
}

// Server is the API handler.
type Server struct {
	Deps
	mux     *http.ServeMux
	table   []route
	metrics *metrics
	handler http.Handler
	// inflight counts the requests being served.
	inflight atomic.Int64
}

// New builds the API handler with every route registered.
func New(d Deps) *Server {
	if d.MaxBody == 0 {
		d.MaxBody = 1 << 20
	}
	if d.Logger == nil {
		d.Logger = slog.Default()
	}
	s := &Server{Deps: d, mux: http.NewServeMux()}
	s.metrics = newMetrics(d.WriteStats, s.InFlight)
	s.routes()
	s.handler = s.outer(s.mux)
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.handler.ServeHTTP(w, r) }

// InFlight returns how many requests are being served right now.
func (s *Server) InFlight() int { return int(s.inflight.Load()) }
