package solwallet_test

import (
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/heldreq"
	"github.com/custos-dev/custos/internal/pgtest"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/solwallet"
	"github.com/custos-dev/custos/internal/sqlstore"
)

// dialects opens a fresh database per dialect this run can test: SQLite
// always, PostgreSQL when CUSTOS_TEST_POSTGRES names a server (skipped
// otherwise).
var dialects = map[string]func(t *testing.T) *sqlstore.DB{
	"sqlite": func(t *testing.T) *sqlstore.DB {
		db, err := sqlstore.OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
	"postgres": func(t *testing.T) *sqlstore.DB {
		db, err := sqlstore.OpenPostgres(context.Background(), pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	},
}

// holdAll holds every request for the approval ap-1.
type holdAll struct{}

func (holdAll) Evaluate(context.Context, policy.Activity) (policy.Decision, error) {
	return policy.Decision{Outcome: policy.Pending, ApprovalID: "ap-1"}, nil
}

// The shared runner of held requests (internal/heldreq) carries out
// Solana ones through the Solana family (docs/protocol/sol-transfers.md
// §6): a held transfer is stored Pending, unsigned, and nothing is sent;
// approved after its blockhash expired, it is signed with a fresh one and
// lands once. A denied one ends Rejected and is never sent, not even by the
// follower. One approved by a server that stopped before carrying it out
// is carried out by the follower.
func TestApprovedSolanaTransfers(t *testing.T) {
	for name, open := range dialects {
		t.Run(name, func(t *testing.T) { testApproved(t, open(t)) })
	}
}

func testApproved(t *testing.T, db0 *sqlstore.DB) {
	ctx := context.Background()
	svc, db, node := setupOn(t, db0)
	solwallet.SetPolicy(svc, holdAll{})
	solwallet.SetResumeAfter(svc, 0)
	fol := &solwallet.Follower{}
	step := func() {
		t.Helper()
		if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
			t.Fatal(err)
		}
	}
	step()
	runner := heldreq.Runner(db, nil, svc)
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	hold := func(amount string) *evmwallet.Request {
		t.Helper()
		v, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"`+amount+`"}`))
		if err != nil || v.Status != evmwallet.StatusPending || v.ApprovalID != "ap-1" {
			t.Fatalf("held transfer: %+v %v", v, err)
		}
		r, err := db.EVMRequest(ctx, "or-1", v.ID)
		if err != nil || r.Unsigned == "" || r.Signed != "" {
			t.Fatalf("held transfer stored %+v %v", r, err)
		}
		return r
	}
	decide := func(id string, approve bool) {
		t.Helper()
		err := db.Tx(ctx, func(ctx context.Context) error {
			if approve {
				return runner.Approved(ctx, "or-1", id)
			}
			return runner.Rejected(ctx, "or-1", id, "denied by us-2")
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	get := func(id string) *evmwallet.Request {
		t.Helper()
		r, err := db.EVMRequest(ctx, "or-1", id)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	held := hold("1000000")
	step()
	node.expire() // the approval took longer than the blockhash lives
	node.mu.Lock()
	fresh, sends := node.hashes[len(node.hashes)-1], node.sends
	node.mu.Unlock()
	if sends != 0 {
		t.Fatalf("%d sends before the approval", sends)
	}
	decide(held.ID, true)
	if err := runner.Execute(ctx, "or-1", held.ID); err != nil {
		t.Fatal(err)
	}
	r := get(held.ID)
	if r.Status != evmwallet.StatusBroadcasted || blockhashOf(t, r.Signed) != fresh || r.PolicyResolved.IsZero() {
		t.Fatalf("approved transfer: %s, blockhash %s (fresh %s)", r.Status, blockhashOf(t, r.Signed), fresh)
	}
	if err := runner.Execute(ctx, "or-1", held.ID); err != nil { // a second Execute does nothing
		t.Fatal(err)
	}
	node.seal()
	step()
	if r = get(held.ID); r.Status != evmwallet.StatusConfirmed || node.landed(r.TxHash) != 1 {
		t.Fatalf("approved transfer after its block: %s, landed %d", r.Status, node.landed(r.TxHash))
	}

	denied := hold("2000000")
	decide(denied.ID, false)
	if err := runner.Execute(ctx, "or-1", denied.ID); err != nil {
		t.Fatal(err)
	}
	step()
	node.mu.Lock()
	sends = node.sends
	node.mu.Unlock()
	if r := get(denied.ID); r.Status != evmwallet.StatusRejected || r.Reason != "denied by us-2" || r.Signed != "" || sends != 1 {
		t.Fatalf("denied transfer: %s %q, signed %t, %d sends", r.Status, r.Reason, r.Signed != "", sends)
	}
	if err := db.Tx(ctx, func(ctx context.Context) error { return runner.Approved(ctx, "or-1", denied.ID) }); err == nil {
		t.Fatal("a rejected transfer was approved")
	}

	// Approved, and the server stopped before Execute: the follower
	// carries it out.
	left := hold("3000000")
	decide(left.ID, true)
	step()
	if r := get(left.ID); r.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("approved transfer left by a crash, after the follower's step: %s %q", r.Status, r.Reason)
	}
	node.seal()
	step()
	if r := get(left.ID); r.Status != evmwallet.StatusConfirmed || node.landed(r.TxHash) != 1 {
		t.Fatalf("approved transfer left by a crash: %s, landed %d", r.Status, node.landed(r.TxHash))
	}
}

// abortingSigners aborts request id (as PUT …/abort does) while its
// transaction is being signed, once.
type abortingSigners struct {
	evmwallet.Signers
	abort func()
}

func (a abortingSigners) ChainSigner(ctx context.Context, org, keyID string) (chain.Key, chain.Signer, error) {
	k, s, err := a.Signers.ChainSigner(ctx, org, keyID)
	return k, abortingSigner{s, a.abort}, err
}

type abortingSigner struct {
	chain.Signer
	abort func()
}

func (a abortingSigner) SignEdDSA(ctx context.Context, msg []byte) ([]byte, error) {
	a.abort()
	return a.Signer.SignEdDSA(ctx, msg)
}

// A request aborted while it is being signed (docs/protocol/evm-transfers.md
// §4b) is never sent: its signed form is not stored, as it is no longer
// Executing, and neither that signing nor the follower's later steps send
// anything.
func TestAbortedWhileSigningIsNeverSent(t *testing.T) {
	for name, open := range dialects {
		t.Run(name, func(t *testing.T) { testAbortedWhileSigning(t, open(t)) })
	}
}

func testAbortedWhileSigning(t *testing.T, db0 *sqlstore.DB) {
	ctx := context.Background()
	svc, db, node := setupOn(t, db0)
	solwallet.SetResumeAfter(svc, 0)
	fol := &solwallet.Follower{}
	step := func() {
		t.Helper()
		if err := solwallet.StepOnce(ctx, svc, "SolanaDevnet", fol); err != nil {
			t.Fatal(err)
		}
	}
	step()
	node.mu.Lock()
	node.failValid = true // the transfer is stored, not signed
	node.mu.Unlock()
	p := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
	v, err := svc.Transfer(ctx, p, nil, "wa-1", []byte(`{"kind":"Native","to":"`+recipient+`","amount":"1000000"}`))
	if err != nil || v.Status != evmwallet.StatusExecuting {
		t.Fatalf("transfer: %+v %v", v, err)
	}
	var once sync.Once
	solwallet.WrapSigners(svc, func(s evmwallet.Signers) evmwallet.Signers {
		return abortingSigners{s, func() {
			once.Do(func() {
				if ok, err := db.AbortEVMRequest(ctx, "or-1", v.ID, "aborted by us-1"); !ok || err != nil {
					t.Errorf("abort: %t %v", ok, err)
				}
			})
		}}
	})
	node.mu.Lock()
	node.failValid = false
	node.mu.Unlock()
	step() // signs it, and the abort comes first
	fol.ForgetSends()
	step()
	r, err := db.EVMRequest(ctx, "or-1", v.ID)
	if err != nil {
		t.Fatal(err)
	}
	node.mu.Lock()
	sends := node.sends
	node.mu.Unlock()
	if r.Status != evmwallet.StatusFailed || !strings.Contains(r.Reason, "aborted by us-1") || r.Signed != "" || sends != 0 {
		t.Fatalf("aborted transfer: %s %q, signed %t, %d sends", r.Status, r.Reason, r.Signed != "", sends)
	}
	if _, ok, err := db.SolValidUntil(ctx, v.ID); ok || err != nil {
		t.Fatalf("aborted transfer has a last valid height recorded (%t, %v)", ok, err)
	}
}
