// Package approvalcrash kills Custos with SIGKILL between the commit of the
// decision that approves a signature request and the signing of that
// request, restarts it on the same data directory (and database), and
// checks that the request is then signed, once (docs/protocol/policies.md
// §2). The server runs in a child process: this test binary, re-executed
// in server mode (TestMain), with the policy engine's SetAfterApproved
// hook sending SIGKILL to itself.
package approvalcrash

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/pgtest"
)

// Child mode: CHILD_DATA names the data directory; CHILD_DB the database
// ("" SQLite); CHILD_KILL=1 installs the kill hook; CHILD_RPC, when set,
// names a chain node (NETWORK=URL).
func TestMain(m *testing.M) {
	if dir := os.Getenv("CHILD_DATA"); dir != "" {
		serveChild(dir)
		return
	}
	os.Exit(m.Run())
}

func serveChild(dir string) {
	cfg := app.Defaults()
	cfg.DataDir, cfg.Addr, cfg.DB, cfg.RateLimit = dir, "127.0.0.1:0", os.Getenv("CHILD_DB"), 0
	cfg.PolicySweep = 100 * time.Millisecond
	if rpc := os.Getenv("CHILD_RPC"); rpc != "" {
		cfg.RPC = []string{rpc}
	}
	ctx := context.Background()
	a, err := app.Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		os.Exit(2)
	}
	if os.Getenv("CHILD_KILL") == "1" {
		a.Policies.SetAfterApproved(func() { _ = syscall.Kill(os.Getpid(), syscall.SIGKILL) })
	}
	if err := a.Listen(); err != nil {
		fmt.Fprintln(os.Stderr, "listen:", err)
		os.Exit(2)
	}
	if _, err := a.Bootstrap(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "bootstrap:", err)
		os.Exit(2)
	}
	if err := os.WriteFile(filepath.Join(dir, "url.tmp"), []byte(a.BaseURL()), 0o600); err != nil ||
		os.Rename(filepath.Join(dir, "url.tmp"), filepath.Join(dir, "url")) != nil {
		os.Exit(2)
	}
	_ = a.Serve(ctx)
	os.Exit(0)
}

// start runs a child server on dir and returns it with its URL.
func start(t *testing.T, dir, db string, kill bool) (*exec.Cmd, string) {
	t.Helper()
	_ = os.Remove(filepath.Join(dir, "url"))
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "CHILD_DATA="+dir, "CHILD_DB="+db)
	if kill {
		cmd.Env = append(cmd.Env, "CHILD_KILL=1")
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if cmd.ProcessState == nil {
			_ = cmd.Process.Kill()
			_ = cmd.Wait()
		}
	})
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if b, err := os.ReadFile(filepath.Join(dir, "url")); err == nil {
			return cmd, string(b)
		}
	}
	t.Fatal("child server did not start within 60 s")
	return nil, ""
}

func TestKillBetweenApprovalAndSigning(t *testing.T) {
	if testing.Short() {
		t.Skip("starts and kills server processes")
	}
	for _, dialect := range []string{"sqlite", "postgres"} {
		t.Run(dialect, func(t *testing.T) {
			db := ""
			if dialect == "postgres" {
				db = pgtest.NewDatabase(t)
			}
			run(t, db)
		})
	}
}

type sigJSON struct {
	ID         string `json:"id"`
	Status     string `json:"status"`
	ApprovalID string `json:"approvalId"`
	Signature  *struct {
		R, S    string
		RecID   int    `json:"recid"`
		Encoded string `json:"encoded"`
	} `json:"signature"`
}

func run(t *testing.T, db string) {
	ctx := context.Background()
	dir := t.TempDir()
	child, url := start(t, dir, db, true)
	admin, err := app.ReadAdmin(filepath.Join(dir, "admin.json"))
	if err != nil {
		t.Fatal(err)
	}
	env := &apitest.Env{URL: url, Admin: admin, HTTP: &http.Client{Timeout: 30 * time.Second}}
	sa := env.SA(t)
	approver := env.User(t, pemkey.Ed25519, "Policies:Approvals:Read", "Policies:Approvals:Approve")
	var w struct{ ID, Address string }
	if err := sa.Do(ctx, "POST", "/wallets", map[string]any{"network": "EthereumSepolia"}, &w); err != nil {
		t.Fatal(err)
	}
	if err := sa.Do(ctx, "POST", "/v2/policies", map[string]any{"name": "crash", "activityKind": "Wallets:Sign",
		"rule": map[string]any{"kind": "AlwaysTrigger"},
		"action": map[string]any{"kind": "RequestApproval", "approvalGroups": []any{map[string]any{"quorum": 1,
			"approvers": map[string]any{"userId": map[string]any{"in": []string{approver.UserID}}}}}},
	}, nil); err != nil {
		t.Fatal(err)
	}
	msg := []byte("approved after a crash")
	var r sigJSON
	if err := sa.Do(ctx, "POST", "/wallets/"+w.ID+"/signatures", map[string]any{"kind": "Message",
		"message": "0x" + hex.EncodeToString(msg)}, &r); err != nil || r.Status != "Pending" {
		t.Fatalf("request %+v (%v)", r, err)
	}

	// The approving decision commits, then the server dies before signing.
	err = approver.Do(ctx, "POST", "/v2/policy-approvals/"+r.ApprovalID+"/decisions", map[string]any{"value": "Approved"}, nil)
	if err == nil {
		t.Fatal("the decision was answered: the kill hook did not run")
	}
	werr := child.Wait()
	var exit *exec.ExitError
	if !errors.As(werr, &exit) || exit.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("child ended with %v, want SIGKILL", werr)
	}

	// Restarted (no hook): the approval stands and the request is signed.
	_, url = start(t, dir, db, false)
	sa.BaseURL = url
	var got sigJSON
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		got = sigJSON{}
		if err := sa.Do(ctx, "GET", "/wallets/"+w.ID+"/signatures/"+r.ID, nil, &got); err != nil {
			t.Fatal(err)
		}
		if got.Status != "Executing" || time.Now().After(deadline) {
			break
		}
	}
	if got.Status != "Signed" || got.Signature == nil {
		t.Fatalf("after restart: %+v", got)
	}
	var a struct{ Status string }
	if err := sa.Do(ctx, "GET", "/v2/policy-approvals/"+r.ApprovalID, nil, &a); err != nil || a.Status != "Approved" {
		t.Fatalf("approval %+v (%v)", a, err)
	}
	// The signature is the wallet's (personal_sign of msg).
	sig, err := hex.DecodeString(strings.TrimPrefix(got.Signature.Encoded, "0x"))
	if err != nil || len(sig) != 65 {
		t.Fatalf("encoded signature %q", got.Signature.Encoded)
	}
	if sig[64] >= 27 {
		sig[64] -= 27
	}
	pub, err := crypto.SigToPub(accounts.TextHash(msg), sig)
	if err != nil || crypto.PubkeyToAddress(*pub) != common.HexToAddress(w.Address) {
		t.Fatalf("signature does not recover to the wallet %s (%v)", w.Address, err)
	}
	// One request, signed once: no second request or result appeared.
	var l struct{ Items []sigJSON }
	if err := sa.Do(ctx, "GET", "/wallets/"+w.ID+"/signatures", nil, &l); err != nil || len(l.Items) != 1 {
		t.Fatalf("wallet requests %+v (%v)", l.Items, err)
	}
}
