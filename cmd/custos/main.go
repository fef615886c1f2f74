// Command custos is the Custos server: a self-hosted, Dfns-compatible wallet
// and key-infrastructure API.
//
//	custos serve [--data DIR] [--db postgres://…] [--addr HOST:PORT] [--tls] ...
//	custos init  [--data DIR] [--base-url URL]
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"runtime/debug"
	"strings"
	"syscall"

	"github.com/custos-dev/custos/internal/app"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout, os.Stderr); err != nil {
		fmt.Fprintln(os.Stderr, "custos:", err)
		os.Exit(1)
	}
}

const usage = `usage: custos <command> [flags]

commands:
  serve   run the API server (bootstraps an empty data directory)
  init    bootstrap an empty data directory without serving
  bench   drive the full signing protocol against a running server (see custos bench -h)
  floor   serve the bare-floor endpoints that custos bench --floor measures
  backup  write a consistent copy of the database, also while the server runs (--data DIR --out FILE)
  restore put a backup in place of the database; the server must be stopped (--data DIR --in FILE)
  migrate apply pending schema migrations and exit; --dry-run lists them (--data DIR or --db URL)

Every flag can also be set with a CUSTOS_* environment variable (e.g. CUSTOS_DATA, CUSTOS_ADDR).`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, usage)
		return errors.New("no command")
	}
	switch args[0] {
	case "serve":
		return serve(ctx, args[1:], stdout, stderr)
	case "init":
		return initCmd(ctx, args[1:], stdout, stderr)
	case "bench":
		return bench(ctx, args[1:], stdout, stderr)
	case "floor":
		return floor(ctx, args[1:], stdout, stderr)
	case "backup":
		return backupCmd(ctx, args[1:], stdout, stderr)
	case "restore":
		return restoreCmd(ctx, args[1:], stdout, stderr)
	case "migrate":
		return migrateCmd(ctx, args[1:], stdout, stderr)
	case "-h", "--help", "help":
		fmt.Fprintln(stdout, usage)
		return nil
	}
	fmt.Fprintln(stderr, usage)
	return fmt.Errorf("unknown command %q", args[0])
}

// flags registers the common flags, with defaults from CUSTOS_* variables.
func flags(name string, cfg *app.Config, stderr io.Writer) (*flag.FlagSet, error) {
	if err := cfg.FromEnv(app.Getenv); err != nil {
		return nil, err
	}
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&cfg.DataDir, "data", cfg.DataDir, "data directory (CUSTOS_DATA)")
	fs.StringVar(&cfg.DB, "db", cfg.DB, "PostgreSQL database URL postgres://…; default SQLite in DIR/custos.db (CUSTOS_DB)")
	fs.BoolVar(&cfg.SQLiteFullSync, "sqlite-full-sync", cfg.SQLiteFullSync,
		"SQLite: sync every commit to disk, so that a power loss loses no acknowledged write (slower; CUSTOS_SQLITE_FULL_SYNC)")
	fs.StringVar(&cfg.Addr, "addr", cfg.Addr, "listen address HOST:PORT (CUSTOS_ADDR)")
	fs.StringVar(&cfg.BaseURL, "base-url", cfg.BaseURL, "public base URL written to admin.json (CUSTOS_BASE_URL)")
	fs.BoolVar(&cfg.TLS, "tls", cfg.TLS, "serve HTTPS with a self-signed certificate kept in DIR/tls (CUSTOS_TLS)")
	fs.StringVar(&cfg.TLSCert, "tls-cert", cfg.TLSCert, "TLS certificate file (CUSTOS_TLS_CERT)")
	fs.StringVar(&cfg.TLSKey, "tls-key", cfg.TLSKey, "TLS private key file (CUSTOS_TLS_KEY)")
	fs.BoolVar(&cfg.Insecure, "insecure", cfg.Insecure, "allow plain HTTP on a non-loopback address (CUSTOS_INSECURE)")
	fs.StringVar(&cfg.MasterKeyFile, "master-key-file", cfg.MasterKeyFile, "key-encryption key file; default DIR/master.key (CUSTOS_MASTER_KEY_FILE; or CUSTOS_MASTER_KEY=hex)")
	fs.StringVar(&cfg.LogLevel, "log-level", cfg.LogLevel, "debug, info, warn or error (CUSTOS_LOG_LEVEL)")
	fs.StringVar(&cfg.RPID, "rp-id", cfg.RPID, "WebAuthn relying party id (CUSTOS_RP_ID)")
	fs.Func("origin", "origin passkeys may be used from, repeatable; default https://<rp-id> (CUSTOS_ORIGINS, comma-separated)", func(v string) error {
		cfg.Origins = append(cfg.Origins, v)
		return nil
	})
	fs.StringVar(&cfg.SMTPURL, "smtp-url", cfg.SMTPURL, "SMTP server for emails, smtp://[user:pass@]host:port[?starttls=required|off]; none by default (CUSTOS_SMTP_URL)")
	fs.StringVar(&cfg.SMTPFrom, "smtp-from", cfg.SMTPFrom, "sender address of emails (CUSTOS_SMTP_FROM)")
	fs.DurationVar(&cfg.LoginTTL, "login-ttl", cfg.LoginTTL, "login token lifetime")
	fs.DurationVar(&cfg.ActionTTL, "action-ttl", cfg.ActionTTL, "user action token lifetime")
	fs.DurationVar(&cfg.ChallengeTTL, "challenge-ttl", cfg.ChallengeTTL, "signing challenge lifetime")
	fs.StringVar(&cfg.DebugAddr, "debug-addr", cfg.DebugAddr, "loopback address for Go pprof profiles, off when empty (CUSTOS_DEBUG_ADDR)")
	fs.StringVar(&cfg.MetricsAddr, "metrics-addr", cfg.MetricsAddr, "serve /metrics on this address instead of the API listener (CUSTOS_METRICS_ADDR)")
	fs.StringVar(&cfg.PriceFeed, "price-feed", cfg.PriceFeed, "URL of a price feed (a JSON object asset → USD) read every --price-feed-every; its prices come before --price's (CUSTOS_PRICE_FEED)")
	fs.DurationVar(&cfg.PriceFeedEvery, "price-feed-every", cfg.PriceFeedEvery, "how often the price feed is read; prices older than ten reads are not used")
	fs.Func("price", "USD price for the policy amount rules, repeatable: SYMBOL=USD (native coin, e.g. ETH=3000) or 0xCONTRACT=USD:DECIMALS (ERC-20) (CUSTOS_PRICES, comma-separated)", func(v string) error {
		cfg.Prices = append(cfg.Prices, v)
		return nil
	})
	fs.Func("cors-origin", "browser origin allowed by CORS, repeatable; none by default (CUSTOS_CORS_ORIGINS, comma-separated)", func(v string) error {
		cfg.CORSOrigins = append(cfg.CORSOrigins, v)
		return nil
	})
	fs.Func("rpc", "chain node of a network, NETWORK=URL, repeatable (CUSTOS_RPC, comma-separated)", func(v string) error {
		cfg.RPC = append(cfg.RPC, v)
		return nil
	})
	fs.Func("confirmations", "blocks before a network's transfers count as confirmed, NETWORK=N, repeatable (CUSTOS_CONFIRMATIONS)", func(v string) error {
		cfg.Confirmations = append(cfg.Confirmations, v)
		return nil
	})
	fs.IntVar(&cfg.RateLimit, "rate-limit", cfg.RateLimit, "requests per minute per organisation; 0 turns every rate limit off (CUSTOS_RATE_LIMIT)")
	fs.IntVar(&cfg.RateLimitIdentity, "rate-limit-identity", cfg.RateLimitIdentity, "requests per minute per identity; 0 means the organisation's limit (CUSTOS_RATE_LIMIT_IDENTITY)")
	fs.Func("webhook-retry-delays", "delays from the first attempt of the retries of a failed webhook delivery, e.g. 1m,12m,2h,24h (the default), or none (CUSTOS_WEBHOOK_RETRY_DELAYS)", func(v string) error {
		ds, err := app.ParseRetryDelays(v)
		cfg.WebhookRetryDelays = ds
		return err
	})
	fs.DurationVar(&cfg.WebhookTimeout, "webhook-timeout", cfg.WebhookTimeout, "time limit of one webhook delivery (CUSTOS_WEBHOOK_TIMEOUT)")
	fs.BoolVar(&cfg.WebhookAllowPrivate, "webhook-allow-private", cfg.WebhookAllowPrivate, "let webhooks reach loopback and private addresses; link-local and cloud metadata addresses stay refused (CUSTOS_WEBHOOK_ALLOW_PRIVATE)")
	fs.IntVar(&cfg.RateLimitIP, "rate-limit-ip", cfg.RateLimitIP, "requests per minute per client address on unauthenticated endpoints (CUSTOS_RATE_LIMIT_IP)")
	return fs, nil
}

func newLogger(level string, w io.Writer) (*slog.Logger, error) {
	var l slog.Level
	if err := l.UnmarshalText([]byte(strings.ToUpper(level))); err != nil {
		return nil, fmt.Errorf("log level %q: %w", level, err)
	}
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})), nil
}

// configure parses the flags of command name (defaults from CUSTOS_*
// variables) and builds the logger.
func configure(name string, args []string, stderr io.Writer) (app.Config, *slog.Logger, error) {
	cfg := app.Defaults()
	fs, err := flags(name, &cfg, stderr)
	if err != nil {
		return cfg, nil, err
	}
	if err := fs.Parse(args); err != nil {
		return cfg, nil, err
	}
	logger, err := newLogger(cfg.LogLevel, stderr)
	return cfg, logger, err
}

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, logger, err := configure("serve", args, stderr)
	if err != nil {
		return err
	}
	tuneGC()
	ctx, stop := signal.NotifyContext(ctx, syscall.SIGINT, syscall.SIGTERM)
	defer stop()
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	if err := a.Listen(); err != nil {
		return err
	}
	created, err := a.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if created {
		fmt.Fprintf(stdout, "custos: bootstrapped a new organisation; admin credentials are in %s\n", a.AdminFile)
	} else {
		fmt.Fprintf(stdout, "custos: admin credentials are in %s\n", a.AdminFile)
	}
	fmt.Fprintf(stdout, "custos: serving on %s\n", a.BaseURL())
	logger.Info("serving", "base_url", a.BaseURL(), "admin_file", a.AdminFile)
	if cfg.DebugAddr != "" {
		if err := serveDebug(ctx, cfg.DebugAddr, logger); err != nil {
			return err
		}
	}
	if err := a.Serve(ctx); err != nil {
		return err
	}
	logger.Info("stopped")
	return nil
}

// tuneGC trades memory for CPU: the server's live heap is small (tens of
// MB), so collecting at 4x growth instead of 2x halves GC work, while a soft
// limit keeps the heap in bounds. GOGC / GOMEMLIMIT in the environment win.
func tuneGC() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(400)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(256 << 20)
	}
}

func initCmd(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cfg, logger, err := configure("init", args, stderr)
	if err != nil {
		return err
	}
	a, err := app.Open(ctx, cfg, logger)
	if err != nil {
		return err
	}
	defer a.Close()
	created, err := a.Bootstrap(ctx)
	if err != nil {
		return fmt.Errorf("bootstrap: %w", err)
	}
	if !created {
		fmt.Fprintf(stdout, "custos: %s already holds an organisation; admin credentials are in %s\n", cfg.DataDir, a.AdminFile)
		return nil
	}
	fmt.Fprintf(stdout, "custos: bootstrapped a new organisation; admin credentials are in %s\n", a.AdminFile)
	return nil
}
