package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/loadgen"
)

// bench runs the load tool: concurrent clients through the full signing
// protocol against a running server on loopback.
func bench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	adminPath := fs.String("admin", "./custos-data/admin.json", "admin.json of the server (its service account drives the load)")
	base := fs.String("url", "", "server base URL (default: baseUrl from admin.json)")
	curve := fs.String("curve", "ed25519", "key to sign with: ed25519 (kind Message) or secp256k1 (kind Hash)")
	conc := fs.Int("c", 8, "concurrent clients")
	dur := fs.Duration("d", 20*time.Second, "duration (at most 1h)")
	maxFlows := fs.Int64("n", 0, "stop after this many flows (0: duration only)")
	pid := fs.Int("pid", 0, "server process id, to report its CPU time per flow and RSS from /proc")
	ca := fs.String("ca", "", "CA certificate to trust for https (e.g. DIR/tls/cert.pem)")
	var cpuPIDs pidList
	fs.Var(&cpuPIDs, "cpu-pid", "another process whose CPU, with its children's, counts as the server's: a second replica, PostgreSQL's postmaster (repeatable)")
	var replicas urlList
	fs.Var(&replicas, "replica-url", "base URL of another replica on the same database: the clients are spread over -url and these (repeatable)")
	floorRun := fs.Bool("floor", false, "drive a custos floor server at -url instead (default http://127.0.0.1:18999)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *floorRun {
		if *base == "" {
			*base = "http://" + floorAddr
		}
		cfg := loadgen.Config{BaseURL: *base, Curve: "floor", Concurrency: *conc, Duration: *dur, MaxFlows: *maxFlows,
			PID: *pid, Floor: true}
		r, err := loadgen.Run(ctx, cfg)
		if err != nil {
			return err
		}
		r.Print(stdout, &cfg)
		return nil
	}
	admin, err := app.ReadAdmin(*adminPath)
	if err != nil {
		return err
	}
	if *base == "" {
		*base = admin.BaseURL
	}
	tr := &http.Transport{MaxIdleConnsPerHost: *conc * 2}
	if *ca != "" {
		pem, err := os.ReadFile(*ca)
		if err != nil {
			return err
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return errors.New("no certificate in " + *ca)
		}
		tr.TLSClientConfig = &tls.Config{RootCAs: pool}
	}
	cfg := loadgen.Config{
		BaseURL: *base, Token: admin.ServiceAccount.AuthToken, CredID: admin.ServiceAccount.CredID,
		KeyPEM: admin.ServiceAccount.PrivateKeyPEM, Curve: *curve, Concurrency: *conc, Duration: *dur,
		MaxFlows: *maxFlows, PID: *pid, CPUPIDs: cpuPIDs, Replicas: replicas,
	}
	if strings.HasPrefix(*base, "https:") {
		// Plain HTTP runs use loadgen's lean keep-alive connections; TLS
		// goes through net/http.
		cfg.HTTP = &http.Client{Transport: tr, Timeout: 30 * time.Second}
	}
	r, err := loadgen.Run(ctx, cfg)
	if err != nil {
		return err
	}
	r.Print(stdout, &cfg)
	return nil
}

// pidList is a repeatable flag of process ids.
type pidList []int

func (l *pidList) String() string { return fmt.Sprint([]int(*l)) }

func (l *pidList) Set(v string) error {
	n, err := strconv.Atoi(v)
	if err != nil || n <= 0 {
		return fmt.Errorf("%q is not a process id", v)
	}
	*l = append(*l, n)
	return nil
}

// urlList is a repeatable flag of URLs.
type urlList []string

func (l *urlList) String() string { return strings.Join(*l, ",") }

func (l *urlList) Set(v string) error {
	*l = append(*l, v)
	return nil
}

// floorAddr is where `custos floor` listens by default.
const floorAddr = "127.0.0.1:18999"

// floor serves loadgen.FloorHandler on a loopback address until ctx ends:
// the bare cost of a flow's HTTP, JSON and Ed25519 work, for comparison.
func floor(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("floor", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", floorAddr, "loopback listen address")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if err := loadgen.CheckLoopback("http://" + *addr); err != nil {
		return fmt.Errorf("custos floor listens on loopback only: %w", err)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: loadgen.FloorHandler(), ReadHeaderTimeout: 10 * time.Second}
	fmt.Fprintln(stdout, "floor endpoints on http://"+ln.Addr().String())
	ctx, stop := signal.NotifyContext(ctx, os.Interrupt, syscall.SIGTERM)
	defer stop()
	go func() {
		<-ctx.Done()
		_ = srv.Close()
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
