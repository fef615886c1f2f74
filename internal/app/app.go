package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/heldreq"
	"github.com/custos-dev/custos/internal/httpapi"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	keysvc "github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/permission"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/ratelimit"
	"github.com/custos-dev/custos/internal/solwallet"
	"github.com/custos-dev/custos/internal/sqlstore"
	"github.com/custos-dev/custos/internal/wallet"
	"github.com/custos-dev/custos/internal/webapp"
	"github.com/custos-dev/custos/internal/webhook"
)

// App is one running Custos: storage, services and the HTTP server.
type App struct {
	Config   Config
	Logger   *slog.Logger
	DB       *sqlstore.DB
	Keyring  *custody.Keyring
	Auth     *auth.Service
	Perms    *permission.Service
	Identity *identity.Service
	Policies *policy.Service
	// EVM moves funds of EVM wallets through the configured nodes.
	EVM     *evmwallet.Service
	BTC     *btcwallet.Service
	SOL     *solwallet.Service
	Handler http.Handler
	// Webhooks manages webhooks; Events records events in the unit of
	// work of each change (webhooks.go).
	Webhooks *webhook.Service
	Events   event.Emitter
	webhooks *webhook.Worker
	// priceFeed refreshes the prices of --price-feed, when set.
	priceFeed *policy.FeedPrices

	server   *http.Server
	listener net.Listener
	lock     *os.File
	// AdminFile is the path of admin.json.
	AdminFile string
	// replicaID names this process among the replicas sharing the
	// database: the holder of the background jobs' leases.
	replicaID string

	// metrics serves /metrics on Config.MetricsAddr when that is set.
	metrics         *http.Server
	metricsListener net.Listener

	// control is the unix socket custos backup talks to (control.go).
	control       *net.UnixListener
	controlPath   string
	controlServer *http.Server
}

// Open prepares an App: data directory, KEK, database (migrated), token
// keys and services. It does not bootstrap or listen.
func Open(ctx context.Context, cfg Config, logger *slog.Logger) (*App, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("create data dir: %w", err)
	}
	lock, err := lockDataDir(cfg.DataDir)
	if err != nil {
		return nil, err
	}
	replica, err := replicaID(cfg.DataDir)
	if err != nil {
		lock.Close()
		return nil, err
	}
	var db *sqlstore.DB
	if cfg.DB != "" {
		// Any number of replicas may share the database; each keeps
		// its data directory (the lock above) and checks its caches
		// against the database's generation (docs/replicas.md).
		db, err = sqlstore.OpenPostgres(ctx, cfg.DB, sqlstore.ReplicaID(replica))
	} else {
		var opts []sqlstore.Option
		if cfg.SQLiteFullSync {
			opts = append(opts, sqlstore.FullSync())
		}
		db, err = sqlstore.OpenSQLite(ctx, filepath.Join(cfg.DataDir, "custos.db"), opts...)
	}
	if err != nil {
		lock.Close()
		return nil, err
	}
	kek, err := loadKEK(ctx, cfg, db)
	if err != nil {
		db.Close()
		lock.Close()
		return nil, err
	}
	a := &App{Config: cfg, Logger: logger, DB: db, Keyring: custody.NewKeyring(kek), AdminFile: filepath.Join(cfg.DataDir, "admin.json"), lock: lock,
		replicaID: replica}
	if err := a.wire(ctx); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

func (a *App) wire(ctx context.Context) error {
	keys, err := a.signingKeys(ctx)
	if err != nil {
		return err
	}
	tokens, err := auth.NewTokens("custos", keys)
	if err != nil {
		return err
	}
	acfg := auth.Config{ChallengeTTL: a.Config.ChallengeTTL, ActionTTL: a.Config.ActionTTL, LoginTTL: a.Config.LoginTTL,
		RPID: a.Config.RPID, Origins: a.Config.Origins}
	a.Auth = auth.New(acfg, a.DB, tokens)
	a.Auth.SetSealer(a.Keyring) // TOTP secrets (docs/protocol/totp.md)
	a.Perms = permission.New(a.DB)
	a.Identity = identity.NewService(a.DB, a.Auth, a.Perms)
	mailer, err := a.mailer()
	if err != nil {
		return err
	}
	people := auth.NewPeople(a.Auth, a.DB, mailer)
	people.SetEndUserGrants(a.Perms)
	if a.DB.SharesLimits() {
		// Replicas on one PostgreSQL share the code backoff and email budget.
		people.SetShared(ratelimit.NewSharedLockout(a.DB, "codes", ratelimit.DefaultLockout()),
			ratelimit.NewSharedLockout(a.DB, "logincode", ratelimit.DefaultLockout()),
			ratelimit.NewShared(a.DB, "emails", auth.ResendsPerHour, time.Hour))
	}
	table, err := policy.ParsePrices(a.Config.Prices)
	if err != nil {
		return err
	}
	var prices policy.Prices = table
	if a.Config.PriceFeed != "" {
		a.priceFeed = &policy.FeedPrices{URL: a.Config.PriceFeed, Every: a.Config.PriceFeedEvery,
			MaxAge: 10 * a.Config.PriceFeedEvery, Fallback: table, Client: &http.Client{Timeout: 15 * time.Second}}
		prices = a.priceFeed
	}
	// Webhooks first: the services below record their events through
	// a.Events.
	a.wireWebhooks()
	a.Policies = policy.NewService(a.DB, a.Events, prices, a.Logger)
	ks := keysvc.New(a.DB, custody.NewLocal(a.Keyring), a.Keyring, a.Policies)
	a.Policies.RegisterChanges(policy.KindPermissionsModify, a.Perms.ApplyChange)
	a.Policies.RegisterChanges(policy.KindPermissionsAssign, a.Perms.ApplyChange)
	a.Perms.SetGovernor(a.Policies)
	ks.SetDelegation(a.DB, a.Perms) // keys delegated to end users (docs/protocol/delegated.md)
	ws := wallet.New(a.DB, ks, a.Perms)
	ks.SetEvents(a.Events)
	ws.SetEvents(a.Events)
	// --rpc and --confirmations name EVM, Bitcoin-family and Solana nodes alike.
	solRPC, rpcRest := solwallet.SplitEntries(a.Config.RPC)
	solConfs, confRest := solwallet.SplitEntries(a.Config.Confirmations)
	btcRPC, evmRPC := btcwallet.SplitEntries(rpcRest)
	btcConfs, evmConfs := btcwallet.SplitEntries(confRest)
	btcNodes, err := btcwallet.Dial(ctx, btcRPC, btcConfs)
	if err != nil {
		return err
	}
	solNodes, err := solwallet.Dial(ctx, solRPC, solConfs)
	if err != nil {
		return err
	}
	nodes, err := evmwallet.Dial(ctx, evmwallet.NodeConfig{RPC: evmRPC, Confirmations: evmConfs})
	if err != nil {
		return err
	}
	a.EVM = evmwallet.New(a.DB, ws, a.DB, ks, a.Policies, nodes, a.Logger)
	a.EVM.SetEvents(a.Events)
	a.EVM.SetHolder(a.replicaID)
	a.SOL = solwallet.New(a.DB, ws, a.DB, ks, a.Policies, solNodes, a.Logger)
	a.SOL.SetEvents(a.Events)
	a.SOL.SetHolder(a.replicaID)
	a.BTC = btcwallet.New(a.DB, ws, a.DB, ks, a.Policies, btcNodes, a.Logger)
	a.BTC.SetEvents(a.Events)
	a.BTC.SetHolder(a.replicaID)
	// Wallets:Sign approvals hold signature requests (sig-…), transfers
	// (xfr-…) and transactions (tx-…) of every chain family: heldreq
	// resolves the latter, and the family serving the request's network
	// carries it out.
	a.Policies.Register(policy.KindWalletsSign, policy.ByPrefix(
		policy.Route{Prefixes: []string{"sig"}, Runner: ks.Approvals()},
		policy.Route{Prefixes: []string{"xfr", "tx"}, Runner: heldreq.Runner(a.DB, a.Events, a.EVM, a.BTC, a.SOL)}))
	h := httpapi.New(httpapi.Deps{
		Auth: a.Auth, Perms: a.Perms, Identity: a.Identity, Keys: ks, Wallets: ws, Policies: a.Policies, EVM: a.EVM, BTC: a.BTC, SOL: a.SOL,
		Ready: a.DB.Ping, Logger: a.Logger,
		Webhooks: a.Webhooks,
		People:   people, Page: webapp.Handler("/app/", webapp.Config{RPID: a.Config.RPID}),
		WriteStats: a.DB.WriteStats,
		Limits:     a.limits(),

		// Browsers get only the configured origins; /metrics moves to its
		// own listener when one is configured.
		AllowedOrigins: a.Config.CORSOrigins, MetricsApart: a.Config.MetricsAddr != "",
	})
	// The writer sizes its group commits by how many requests are in flight.
	a.DB.SetLoad(h.InFlight)
	a.Handler = h
	return nil
}

// limits builds the request budgets and sets the login and action backoff:
// in memory on SQLite (one process owns the database), in the database on
// PostgreSQL, so that replicas share one budget (docs/security.md, "Rate
// limits and backoff").
func (a *App) limits() httpapi.Limits {
	c := a.Config
	if !a.DB.SharesLimits() {
		return httpapi.NewLimits(c.RateLimit, c.RateLimitIdentity, c.RateLimitIP)
	}
	a.Auth.SetBackoff(ratelimit.NewSharedLockout(a.DB, "login", ratelimit.DefaultLockout()),
		ratelimit.NewSharedLockout(a.DB, "action", ratelimit.DefaultLockout()))
	return httpapi.NewLimitsWith(c.RateLimit, c.RateLimitIdentity, c.RateLimitIP, func(name string, n int) ratelimit.Limiter {
		return ratelimit.NewShared(a.DB, name, n, time.Minute)
	})
}

// signingKeys loads the token signing keys, creating the first one. Of
// several replicas starting together on one database, one creates it and
// the others find it (docs/replicas.md): every replica signs with the same
// key and verifies every replica's tokens.
func (a *App) signingKeys(ctx context.Context) ([]auth.SigningKey, error) {
	stored, err := a.DB.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	if len(stored) == 0 {
		pub, priv, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			return nil, err
		}
		kid := id.New("kid")
		kekID, sealed, err := a.Keyring.Seal(priv.Seed(), []byte("jwt:"+kid))
		if err != nil {
			return nil, err
		}
		k := auth.StoredKey{KID: kid, PublicKey: fmt.Sprintf("%x", pub), KEKID: kekID, Sealed: sealed, Created: time.Now()}
		err = a.DB.Tx(ctx, func(ctx context.Context) error {
			if err := a.DB.Serialize(ctx, "signing-keys"); err != nil {
				return err
			}
			if stored, err = a.DB.SigningKeys(ctx); err != nil || len(stored) > 0 {
				return err
			}
			stored = []auth.StoredKey{k}
			return a.DB.CreateSigningKey(ctx, k)
		})
		if err != nil {
			return nil, err
		}
	}
	out := make([]auth.SigningKey, 0, len(stored))
	for _, k := range stored {
		seed, err := a.Keyring.Open(k.KEKID, k.Sealed, []byte("jwt:"+k.KID))
		if err != nil {
			return nil, a.wrongKey("token signing key "+k.KID, k.KEKID, err)
		}
		out = append(out, auth.SigningKey{KID: k.KID, Private: ed25519.NewKeyFromSeed(seed)})
	}
	return out, nil
}

// Listen binds the configured address (":0" picks a free port).
func (a *App) Listen() error {
	ln, err := net.Listen("tcp", a.Config.Addr)
	if err != nil {
		return fmt.Errorf("listen %s: %w", a.Config.Addr, err)
	}
	if a.Config.useTLS() {
		cert, err := a.certificate()
		if err != nil {
			ln.Close()
			return err
		}
		ln = tls.NewListener(ln, &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	}
	if err := a.listenMetrics(); err != nil {
		ln.Close()
		return err
	}
	a.listener = ln
	a.server = &http.Server{
		Handler:           a.Handler,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn),
	}
	a.listenControl()
	return nil
}

// listenMetrics binds Config.MetricsAddr, if set, for /metrics alone.
func (a *App) listenMetrics() error {
	if a.Config.MetricsAddr == "" {
		return nil
	}
	h, ok := a.Handler.(*httpapi.Server)
	if !ok {
		return errors.New("metrics listener: the handler is not the API server")
	}
	ln, err := net.Listen("tcp", a.Config.MetricsAddr)
	if err != nil {
		return fmt.Errorf("listen %s (metrics): %w", a.Config.MetricsAddr, err)
	}
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", h.MetricsHandler())
	a.metricsListener = ln
	a.metrics = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, WriteTimeout: 30 * time.Second,
		IdleTimeout: 120 * time.Second, ErrorLog: slog.NewLogLogger(a.Logger.Handler(), slog.LevelWarn)}
	return nil
}

// MetricsURL is the URL of /metrics on its own listener, or "" when the API
// listener serves it.
func (a *App) MetricsURL() string {
	if a.metricsListener == nil {
		return ""
	}
	return "http://" + a.metricsListener.Addr().String() + "/metrics"
}

// BaseURL is the address clients use.
func (a *App) BaseURL() string {
	var addr net.Addr
	if a.listener != nil {
		addr = a.listener.Addr()
	}
	return a.Config.baseURL(addr)
}

// Serve serves until ctx is done, then shuts down gracefully: in-flight
// requests finish (up to 15 s) before it returns. The API listener, the
// metrics listener, the control socket and the background jobs run as one
// worker group (workers.go): Serve returns only once all of them have
// stopped, and the first that fails stops the others.
func (a *App) Serve(ctx context.Context) error {
	g := newWorkers(ctx, a.Logger)
	g.Go("api", serveUntil(a.server, a.listener, 15*time.Second))
	if a.metrics != nil {
		g.Go("metrics", serveUntil(a.metrics, a.metricsListener, 5*time.Second))
	}
	if a.control != nil {
		g.Go("control", serveUntil(a.controlServer, a.control, 5*time.Second))
	}
	g.Go("cache-generation", a.DB.WatchCacheGeneration)
	g.Go("webhooks", a.webhooks.Run)
	if a.priceFeed != nil {
		g.Go("price-feed", func(ctx context.Context) error {
			return a.priceFeed.Run(ctx, func(err error) { a.Logger.Warn("price feed refresh failed", "error", err.Error()) })
		})
	}
	g.Go("evm-follower", a.EVM.Run)
	g.Go("btc-follower", a.BTC.Run)
	g.Go("sol-follower", a.SOL.Run)
	g.Go("prune", periodic(a.DB, a.Logger, "prune", a.replicaID, 30*time.Second, a.pruner()))
	g.Go("policy", periodic(a.DB, a.Logger, "policy-sweep", a.replicaID, a.policySweepEvery(), a.sweepPolicies))
	return g.Wait()
}

// pruner returns the job that removes expired protocol state: challenges
// and unconsumed user actions within a minute of their expiry (they cost
// storage until then; issue 7), nonces and logged-out sessions every ten
// minutes with an hour of slack; on PostgreSQL also the rate-limit budgets
// at rest and the forgotten backoff failures. Of several replicas, the
// one holding the lease runs it (periodic).
func (a *App) pruner() func(ctx context.Context, now time.Time) error {
	// An unconsumed user action expires at most ChallengeTTL + ActionTTL
	// after its id's time (its challenge's creation), so a run need only
	// look at actions made since the previous run's cut-off less that
	// (and a minute of margin); the first run looks back as far as any
	// protocol lifetime allows.
	since := time.Now().Add(-2*auth.MaxProtocolTTL - time.Minute)
	lookback := a.Config.ChallengeTTL + a.Config.ActionTTL + time.Minute
	lastSessions := time.Now()
	return func(ctx context.Context, now time.Time) error {
		n, err := a.DB.PruneProtocol(ctx, now, since)
		if err != nil {
			return err
		}
		// Shared rate limits and backoff (PostgreSQL only).
		m, err := a.DB.PruneLimits(ctx, now, ratelimit.DefaultLockout().Forget)
		if err != nil {
			return err
		}
		n += m
		since = now.Add(-lookback)
		if now.Sub(lastSessions) >= 10*time.Minute {
			m, err = a.DB.PruneSessions(ctx, now.Add(-time.Hour))
			if err != nil {
				return err
			}
			n += m
			lastSessions = now
		}
		if n > 0 {
			a.Logger.Debug("pruned expired protocol state", "rows", n)
		}
		return nil
	}
}

// Close closes the database and releases the data directory.
func (a *App) Close() error {
	a.closeControl()
	if a.EVM != nil {
		a.EVM.Close()
	}
	err := a.DB.Close()
	if a.lock != nil {
		a.lock.Close()
	}
	return err
}
