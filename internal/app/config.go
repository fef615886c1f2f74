// Package app wires Custos together: configuration, storage, keys,
// bootstrap and the HTTP server with its lifecycle (Run / Close), so that
// cmd/custos and end-to-end tests start the same program.
package app

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/btcwallet"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/mail"
	"github.com/custos-dev/custos/internal/solwallet"
)

// Config is the whole configuration; defaults in code, then flags, then
// CUSTOS_* environment variables (see cmd/custos).
type Config struct {
	DataDir string
	// DB is the URL of a PostgreSQL database (postgres://…); empty, the
	// database is SQLite in DataDir/custos.db. DataDir still holds
	// admin.json, master.key and tls/.
	DB string
	// SQLiteFullSync syncs every SQLite commit to disk (synchronous=FULL)
	// instead of at checkpoints: acknowledged writes then survive a power
	// loss, not only a crash of the process.
	SQLiteFullSync bool
	Addr           string
	BaseURL        string // advertised in admin.json; derived from Addr when empty
	TLS            bool   // serve HTTPS with a self-signed certificate in DataDir/tls
	TLSCert        string // real certificate files (implies TLS)
	TLSKey         string
	Insecure       bool // allow plain HTTP on a non-loopback address
	// MasterKeyHex supplies the KEK instead of DataDir/master.key.
	MasterKeyHex  string
	MasterKeyFile string
	LogLevel      string
	ChallengeTTL  time.Duration
	ActionTTL     time.Duration
	LoginTTL      time.Duration
	RPID          string
	Origins       []string
	// SMTPURL (smtp://[user:pass@]host:port[?starttls=required|off]) and
	// SMTPFrom configure the server's email (registration codes); without
	// them no email is sent.
	SMTPURL  string
	SMTPFrom string
	// DebugAddr serves pprof profiles on a loopback address when set.
	DebugAddr string
	// CORSOrigins are the browser origins allowed by CORS; none by default.
	CORSOrigins []string
	// MetricsAddr serves /metrics on its own listener when set; the API
	// listener then does not serve it.
	MetricsAddr string
	// RateLimit is the request budget per organisation per minute (Dfns
	// documents 1,000); 0 turns every rate limit off (local load tests).
	RateLimit int
	// RateLimitIdentity is the budget per identity (user, service account
	// or token) per minute; 0 means the organisation's budget.
	RateLimitIdentity int
	// RateLimitIP is the budget per client address per minute on the
	// endpoints that need no bearer token.
	RateLimitIP int
	// Prices is the static price table of the policy amount rules
	// (--price SYMBOL=USD or 0xCONTRACT=USD:DECIMALS; policy.ParsePrices).
	Prices []string
	// PriceFeed is the URL of a price feed read every PriceFeedEvery
	// (policy.FeedPrices): its prices come first, the table's after;
	// prices older than ten refreshes are not used.
	PriceFeed      string
	PriceFeedEvery time.Duration
	// PolicySweep is how often expired approvals are resolved and
	// approved activities a crash left undone are resumed (default 5 s).
	PolicySweep time.Duration
	// WebhookRetryDelays are the delays, from the first attempt, of the
	// retries of a failed webhook delivery; nil means the documented
	// 1m, 12m, 2h, 24h, empty (not nil) no retries.
	WebhookRetryDelays []time.Duration
	// WebhookTimeout bounds one webhook delivery.
	WebhookTimeout time.Duration
	// WebhookAllowPrivate lets webhooks reach loopback and private
	// addresses (link-local and metadata addresses stay refused).
	WebhookAllowPrivate bool
	// RPC names the chain node of a network, NETWORK=URL each (--rpc,
	// CUSTOS_RPC); Confirmations its depth, NETWORK=N each
	// (--confirmations, CUSTOS_CONFIRMATIONS). See evmwallet.ParseNodes.
	RPC           []string
	Confirmations []string
}

// Defaults returns the default configuration.
func Defaults() Config {
	return Config{
		DataDir: "./custos-data", Addr: "127.0.0.1:8080", LogLevel: "info",
		ChallengeTTL: 5 * time.Minute, ActionTTL: 5 * time.Minute, LoginTTL: time.Hour, RPID: "localhost",
		RateLimit: 1000, RateLimitIP: 300, WebhookTimeout: 10 * time.Second, PriceFeedEvery: time.Minute,
	}
}

// useTLS reports whether the server speaks HTTPS.
func (c *Config) useTLS() bool { return c.TLS || c.TLSCert != "" }

// Validate checks c before anything starts.
func (c *Config) Validate() error {
	if c.DataDir == "" {
		return errors.New("data directory is required")
	}
	if c.DB != "" && !IsPostgresURL(c.DB) {
		return fmt.Errorf("--db (CUSTOS_DB) takes a postgres:// URL; an SQLite database lives in --data DIR")
	}
	host, _, err := net.SplitHostPort(c.Addr)
	if err != nil {
		return fmt.Errorf("addr %q: %w", c.Addr, err)
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if !c.useTLS() && !c.Insecure && !isLoopback(host) {
		return fmt.Errorf("refusing to serve plain HTTP on non-loopback address %s: use --tls, --tls-cert/--tls-key, or --insecure", c.Addr)
	}
	if c.DebugAddr != "" {
		h, _, err := net.SplitHostPort(c.DebugAddr)
		if err != nil || !isLoopback(h) {
			return fmt.Errorf("debug address %q must be on loopback", c.DebugAddr)
		}
	}
	if c.RateLimit < 0 || c.RateLimitIdentity < 0 || c.RateLimitIP < 0 {
		return errors.New("rate limits must not be negative")
	}
	for _, d := range []time.Duration{c.ChallengeTTL, c.ActionTTL, c.LoginTTL} {
		if d <= 0 {
			return errors.New("lifetimes must be positive")
		}
	}
	if c.PriceFeed != "" {
		if u, err := url.Parse(c.PriceFeed); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("--price-feed %q must be an http(s) URL", c.PriceFeed)
		}
		if c.PriceFeedEvery < time.Second || c.PriceFeedEvery > 24*time.Hour {
			return errors.New("--price-feed-every must be between 1s and 24h")
		}
	}
	if err := checkRetryDelays(c.WebhookRetryDelays); err != nil {
		return err
	}
	if c.WebhookTimeout <= 0 || c.WebhookTimeout > 5*time.Minute {
		return errors.New("--webhook-timeout must be positive and at most 5m")
	}
	solRPC, rpcRest := solwallet.SplitEntries(c.RPC)
	solConfs, confRest := solwallet.SplitEntries(c.Confirmations)
	if _, _, err := solwallet.ParseNodes(solRPC, solConfs); err != nil {
		return err
	}
	btcRPC, evmRPC := btcwallet.SplitEntries(rpcRest)
	btcConfs, evmConfs := btcwallet.SplitEntries(confRest)
	if _, _, err := evmwallet.ParseNodes(evmwallet.NodeConfig{RPC: evmRPC, Confirmations: evmConfs}); err != nil {
		return err
	}
	if _, _, err := btcwallet.ParseNodes(btcRPC, btcConfs); err != nil {
		return err
	}
	for _, o := range c.Origins {
		if u, err := url.Parse(o); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.Path != "" {
			return fmt.Errorf("--origin %q must be a scheme://host[:port] origin", o)
		}
	}
	if c.SMTPURL != "" {
		if c.SMTPFrom == "" {
			c.SMTPFrom = "custos@localhost"
		}
		if _, err := mail.NewSMTP(c.SMTPURL, c.SMTPFrom, nil); err != nil {
			return err
		}
	}
	if c.ChallengeTTL > auth.MaxProtocolTTL || c.ActionTTL > auth.MaxProtocolTTL {
		return fmt.Errorf("challenge and user action lifetimes are at most %v", auth.MaxProtocolTTL)
	}
	return nil
}

func isLoopback(host string) bool {
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// baseURL is the address clients use, from BaseURL or the listener.
func (c *Config) baseURL(listen net.Addr) string {
	if c.BaseURL != "" {
		return strings.TrimRight(c.BaseURL, "/")
	}
	scheme := "http"
	if c.useTLS() {
		scheme = "https"
	}
	addr := c.Addr
	if listen != nil {
		addr = listen.String()
	}
	return scheme + "://" + addr
}

// FromEnv overrides c with CUSTOS_* variables that are set.
func (c *Config) FromEnv(getenv func(string) string) error {
	str := map[string]*string{
		"CUSTOS_DATA": &c.DataDir, "CUSTOS_ADDR": &c.Addr, "CUSTOS_BASE_URL": &c.BaseURL,
		"CUSTOS_TLS_CERT": &c.TLSCert, "CUSTOS_TLS_KEY": &c.TLSKey, "CUSTOS_MASTER_KEY": &c.MasterKeyHex,
		"CUSTOS_MASTER_KEY_FILE": &c.MasterKeyFile, "CUSTOS_LOG_LEVEL": &c.LogLevel, "CUSTOS_RP_ID": &c.RPID, "CUSTOS_DEBUG_ADDR": &c.DebugAddr,
		"CUSTOS_METRICS_ADDR": &c.MetricsAddr, "CUSTOS_DB": &c.DB,
		"CUSTOS_SMTP_URL": &c.SMTPURL, "CUSTOS_SMTP_FROM": &c.SMTPFrom,
	}
	for k, p := range str {
		if v := getenv(k); v != "" {
			*p = v
		}
	}
	if v := getenv("CUSTOS_WEBHOOK_RETRY_DELAYS"); v != "" {
		ds, err := ParseRetryDelays(v)
		if err != nil {
			return fmt.Errorf("CUSTOS_WEBHOOK_RETRY_DELAYS: %w", err)
		}
		c.WebhookRetryDelays = ds
	}
	if v := getenv("CUSTOS_WEBHOOK_TIMEOUT"); v != "" {
		d, err := time.ParseDuration(v)
		if err != nil {
			return fmt.Errorf("CUSTOS_WEBHOOK_TIMEOUT: %w", err)
		}
		c.WebhookTimeout = d
	}
	for k, p := range map[string]*bool{"CUSTOS_TLS": &c.TLS, "CUSTOS_INSECURE": &c.Insecure,
		"CUSTOS_SQLITE_FULL_SYNC": &c.SQLiteFullSync, "CUSTOS_WEBHOOK_ALLOW_PRIVATE": &c.WebhookAllowPrivate} {
		if v := getenv(k); v != "" {
			b, err := strconv.ParseBool(v)
			if err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
			*p = b
		}
	}
	if v := getenv("CUSTOS_ORIGINS"); v != "" {
		c.Origins = strings.Split(v, ",")
	}
	if v := getenv("CUSTOS_PRICE_FEED"); v != "" {
		c.PriceFeed = v
	}
	if v := getenv("CUSTOS_PRICES"); v != "" {
		c.Prices = strings.Split(v, ",")
	}
	if v := getenv("CUSTOS_RPC"); v != "" {
		c.RPC = append(c.RPC, v)
	}
	if v := getenv("CUSTOS_CONFIRMATIONS"); v != "" {
		c.Confirmations = append(c.Confirmations, v)
	}
	if v := getenv("CUSTOS_CORS_ORIGINS"); v != "" {
		c.CORSOrigins = strings.Split(v, ",")
	}
	for k, p := range map[string]*int{"CUSTOS_RATE_LIMIT": &c.RateLimit, "CUSTOS_RATE_LIMIT_IDENTITY": &c.RateLimitIdentity,
		"CUSTOS_RATE_LIMIT_IP": &c.RateLimitIP} {
		if v := getenv(k); v != "" {
			n, err := strconv.Atoi(v)
			if err != nil || n < 0 {
				return fmt.Errorf("%s: must be a non-negative integer", k)
			}
			*p = n
		}
	}
	return nil
}

// Getenv is os.Getenv, named for FromEnv callers.
var Getenv = os.Getenv

// IsPostgresURL reports whether v names a PostgreSQL database
// (postgres:// or postgresql://).
func IsPostgresURL(v string) bool {
	l := strings.ToLower(v)
	return strings.HasPrefix(l, "postgres://") || strings.HasPrefix(l, "postgresql://")
}

// dbName names the database in messages: the SQLite file, or the
// PostgreSQL host and database without user or password.
func (c *Config) dbName() string {
	if c.DB == "" {
		return filepath.Join(c.DataDir, "custos.db")
	}
	u, err := url.Parse(c.DB)
	if err != nil {
		return "the PostgreSQL database"
	}
	return "PostgreSQL database " + strings.TrimPrefix(u.Path, "/") + " on " + u.Host
}

// ParseRetryDelays parses --webhook-retry-delays: durations separated by
// commas ("1m,12m,2h,24h"), or "none" for no retries.
func ParseRetryDelays(v string) ([]time.Duration, error) {
	if strings.TrimSpace(v) == "none" {
		return []time.Duration{}, nil
	}
	var out []time.Duration
	for _, f := range strings.Split(v, ",") {
		d, err := time.ParseDuration(strings.TrimSpace(f))
		if err != nil {
			return nil, fmt.Errorf("retry delay %q: %w", f, err)
		}
		out = append(out, d)
	}
	return out, checkRetryDelays(out)
}

// checkRetryDelays refuses a schedule that is not positive and
// non-decreasing (delays count from the first attempt), or too long.
func checkRetryDelays(ds []time.Duration) error {
	if len(ds) > 10 {
		return errors.New("--webhook-retry-delays lists at most 10 retries")
	}
	for i, d := range ds {
		if d <= 0 || d > 7*24*time.Hour || (i > 0 && d < ds[i-1]) {
			return errors.New("--webhook-retry-delays must be positive, at most 168h, and non-decreasing (each counts from the first attempt)")
		}
	}
	return nil
}
