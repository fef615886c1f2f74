package evmwallet_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/evmwallet"
	"github.com/custos-dev/custos/internal/heldreq"
	"github.com/custos-dev/custos/internal/pgtest"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/sqlstore"
)

var bg = context.Background()

// held is an env whose transfers and transactions from wa-1 a real policy
// engine holds for the approval of us-2 or us-3 (quorum 1, expiring after
// five minutes).
type held struct {
	*env
	pol    *policy.Service
	events *emitted
}

var (
	approver1 = &principal.Principal{OrgID: "or-1", UserID: "us-2"}
	approver2 = &principal.Principal{OrgID: "or-1", UserID: "us-3"}
)

// dialects opens a fresh database per dialect this run can test: SQLite
// always, PostgreSQL when CUSTOS_TEST_POSTGRES names a server.
var dialects = map[string]func(t *testing.T) *sqlstore.DB{
	"sqlite": func(t *testing.T) *sqlstore.DB {
		db, err := sqlstore.OpenSQLite(bg, filepath.Join(t.TempDir(), "t.db"))
		if err != nil {
			t.Fatal(err)
		}
		return db
	},
	"postgres": func(t *testing.T) *sqlstore.DB {
		db, err := sqlstore.OpenPostgres(bg, pgtest.NewDatabase(t))
		if err != nil {
			t.Fatal(err)
		}
		return db
	},
}

// newHeld returns a held env on db; wrap, when not nil, wraps the runner
// the engine is given.
func newHeld(t *testing.T, db *sqlstore.DB, wrap func(policy.Runner) policy.Runner) *held {
	t.Helper()
	e := newEnvOn(t, db)
	h := &held{env: e, pol: policy.NewService(db, nil, nil, nil), events: &emitted{}}
	e.svc = h.restart()
	r := heldreq.Runner(db, h.events, e.svc)
	if wrap != nil {
		r = wrap(r)
	}
	h.pol.Register(policy.KindWalletsSign, policy.ByPrefix(policy.Route{Prefixes: []string{"xfr", "tx"}, Runner: r}))
	var b policy.Body
	if err := json.Unmarshal([]byte(`{"name":"hold","activityKind":"Wallets:Sign","rule":{"kind":"AlwaysTrigger"},
		"action":{"kind":"RequestApproval","autoRejectTimeout":5,
			"approvalGroups":[{"quorum":1,"approvers":{"userId":{"in":["us-2","us-3"]}}}]},
		"filters":{"walletId":{"in":["wa-1"]}}}`), &b); err != nil {
		t.Fatal(err)
	}
	if _, err := h.pol.CreatePolicy(bg, e.p, nil, &b); err != nil {
		t.Fatal(err)
	}
	return h
}

// restart is a fresh service on h's database, node and engine (a
// restarted server), whose worker takes Executing requests over at once.
func (h *held) restart() *evmwallet.Service {
	s := evmwallet.New(h.db, walletsOf{h.db}, h.db, testSigner{h.key}, h.pol, h.nodes, slog.New(slog.NewTextHandler(io.Discard, nil)))
	s.SetEvents(h.events)
	evmwallet.SetResumeAfter(s, 0)
	return s
}

// pendingTransfer asks for a transfer of amount wei and checks that it
// waits for its approval with nothing built or sent.
func (h *held) pendingTransfer(t *testing.T, amount int) evmwallet.View {
	t.Helper()
	v, err := h.transfer(t, fmt.Sprintf(`{"kind":"Native","to":"0x00000000000000000000000000000000000000b2","amount":"%d"}`, amount))
	if err != nil || v.Status != evmwallet.StatusPending || !strings.HasPrefix(v.ApprovalID, "ap-") || v.DatePolicyResolved != "" {
		t.Fatalf("held transfer: %+v, %v", v, err)
	}
	r, err := h.db.EVMRequest(bg, "or-1", v.ID)
	if err != nil || r.Nonce != -1 || r.Unsigned != "" || r.Signed != "" {
		t.Fatalf("a Pending request has a nonce or a transaction: %+v, %v", r, err)
	}
	return v
}

func (h *held) decide(t *testing.T, p *principal.Principal, approvalID, value string) policy.ApprovalView {
	t.Helper()
	a, err := h.pol.Decide(bg, p, nil, approvalID, &policy.DecisionInput{Value: value})
	if err != nil {
		t.Fatalf("decide %s: %v", value, err)
	}
	return a
}

func (h *held) get(t *testing.T, v evmwallet.View) evmwallet.View {
	t.Helper()
	got, err := h.svc.Get(bg, h.p, "wa-1", v.ID, strings.HasPrefix(v.ID, "xfr-"))
	if err != nil {
		t.Fatal(err)
	}
	return got
}

func (h *held) kinds() string {
	h.events.mu.Lock()
	defer h.events.mu.Unlock()
	return strings.Join(h.events.kinds, ",")
}

// A held transfer answers Pending and is shown by its approval; approved,
// it is built with the wallet's first nonce, signed by the wallet's key
// and sent once, then Broadcasted; the follower sends nothing more. A held
// transaction (tx-…) goes the same way.
func TestApprovedTransferIsSentOnce(t *testing.T) {
	h := newHeld(t, dialects["sqlite"](t), nil)
	v := h.pendingTransfer(t, 4321)
	a, err := h.pol.GetApproval(bg, h.p, v.ApprovalID)
	if err != nil || a.Status != policy.ApprovalPending ||
		!strings.Contains(string(a.Activity), `"transferRequest":{"id":"`+v.ID+`"`) ||
		!strings.Contains(string(a.Activity), `"kind":"Wallets:Sign"`) {
		t.Fatalf("approval %s: %v", a.Activity, err)
	}
	if len(h.node.sends()) != 0 {
		t.Fatal("a held transfer was sent")
	}
	if a := h.decide(t, approver1, v.ApprovalID, policy.Approved); a.Status != policy.ApprovalApproved {
		t.Fatalf("approval after the decision: %s", a.Status)
	}
	sent := h.node.sends()
	if len(sent) != 1 {
		t.Fatalf("%d transactions sent on approval, want 1", len(sent))
	}
	tx := h.decodeSent(t, sent[0])
	got := h.get(t, v)
	if tx.Nonce() != 0 || tx.Value().Int64() != 4321 || tx.Gas() != 21000 || got.Status != evmwallet.StatusBroadcasted ||
		got.TxHash != tx.Hash().Hex() || got.DatePolicyResolved == "" || got.ApprovalID != v.ApprovalID {
		t.Fatalf("approved transfer %+v, sent nonce %d value %s", got, tx.Nonce(), tx.Value())
	}
	if err := evmwallet.StepOnce(bg, h.restart(), "EthereumSepolia"); err != nil {
		t.Fatal(err)
	}
	if n := len(h.node.sends()); n != 1 {
		t.Fatalf("%d transactions sent after the follower's step, want 1", n)
	}

	tv, err := h.svc.Transaction(bg, h.p, nil, "wa-1", []byte(`{"kind":"Evm","to":"0x00000000000000000000000000000000000000b3","value":"9"}`))
	if err != nil || tv.Status != evmwallet.StatusPending || !strings.HasPrefix(tv.ID, "tx-") {
		t.Fatalf("held transaction: %+v, %v", tv, err)
	}
	h.decide(t, approver2, tv.ApprovalID, policy.Approved)
	sent = h.node.sends()
	if len(sent) != 2 {
		t.Fatalf("%d transactions sent, want 2", len(sent))
	}
	if tx := h.decodeSent(t, sent[1]); tx.Nonce() != 1 || tx.Value().Int64() != 9 || h.get(t, tv).Status != evmwallet.StatusBroadcasted {
		t.Fatalf("approved transaction: nonce %d, value %s, %+v", tx.Nonce(), tx.Value(), h.get(t, tv))
	}
	want := "wallet.transfer.requested,wallet.transfer.broadcasted,wallet.transaction.requested,wallet.transaction.broadcasted"
	if h.kinds() != want {
		t.Fatalf("events %s, want %s", h.kinds(), want)
	}
	// Each event's data is {transferRequest} or {transactionRequest}
	// (docs/protocol/webhooks.md): every top-level value an object.
	for i, key := range []string{"transferRequest", "transferRequest", "transactionRequest", "transactionRequest"} {
		b, _ := json.Marshal(h.events.data[i])
		var d map[string]map[string]any
		if err := json.Unmarshal(b, &d); err != nil || len(d) != 1 || d[key]["id"] == nil {
			t.Fatalf("event %d data %s, want {%s}", i, b, key)
		}
	}
	if got := h.events.data[1].(map[string]any)["transferRequest"].(evmwallet.View); got.ID != v.ID || got.Status != evmwallet.StatusBroadcasted {
		t.Fatalf("broadcasted event of %+v", got)
	}
}

// A denied transfer and an expired one end Rejected and are never sent,
// not even by the follower; neither takes a nonce, so the next approved
// transfer has nonce 0.
func TestDeniedOrExpiredTransferIsNeverSent(t *testing.T) {
	h := newHeld(t, dialects["sqlite"](t), nil)
	denied := h.pendingTransfer(t, 1)
	if a := h.decide(t, approver1, denied.ApprovalID, policy.Denied); a.Status != policy.ApprovalDenied {
		t.Fatalf("approval: %s", a.Status)
	}
	if got := h.get(t, denied); got.Status != evmwallet.StatusRejected || !strings.Contains(got.Reason, "denied by us-2") {
		t.Fatalf("denied transfer: %+v", got)
	}
	expired := h.pendingTransfer(t, 2)
	h.pol.SetClock(func() time.Time { return time.Now().Add(6 * time.Minute) })
	if err := h.pol.Sweep(bg); err != nil {
		t.Fatal(err)
	}
	if got := h.get(t, expired); got.Status != evmwallet.StatusRejected || !strings.Contains(got.Reason, "expired") {
		t.Fatalf("expired transfer: %+v", got)
	}
	if _, err := h.pol.Decide(bg, approver2, nil, expired.ApprovalID, &policy.DecisionInput{Value: policy.Approved}); apierr.From(err).Status != 400 {
		t.Fatalf("approving an expired approval: %v, want a 400", err)
	}
	if err := evmwallet.StepOnce(bg, h.restart(), "EthereumSepolia"); err != nil {
		t.Fatal(err)
	}
	if n := len(h.node.sends()); n != 0 {
		t.Fatalf("%d rejected transfers sent", n)
	}
	h.pol.SetClock(time.Now)
	next := h.pendingTransfer(t, 3)
	h.decide(t, approver1, next.ApprovalID, policy.Approved)
	if sent := h.node.sends(); len(sent) != 1 || h.decodeSent(t, sent[0]).Nonce() != 0 {
		t.Fatalf("next approved transfer: %d sent", len(sent))
	}
	want := "wallet.transfer.requested,wallet.transfer.rejected,wallet.transfer.requested,wallet.transfer.rejected," +
		"wallet.transfer.requested,wallet.transfer.broadcasted"
	if h.kinds() != want {
		t.Fatalf("events %s, want %s", h.kinds(), want)
	}
}

// Two approvers decide on one held transfer at the same instant while a
// restarted server's follower looks for work, 100 times per dialect: one
// decision approves, the other is refused, and each transfer is built and
// sent as one transaction, with consecutive nonces.
func TestRacingApproversSendOnce(t *testing.T) {
	const trials = 100
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			h := newHeld(t, open(t), nil)
			other := h.restart()
			for i := range trials {
				v := h.pendingTransfer(t, 100+i)
				start := make(chan struct{})
				errs := make([]error, 3)
				var wg sync.WaitGroup
				for j, p := range []*principal.Principal{approver1, approver2} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, errs[j] = h.pol.Decide(bg, p, nil, v.ApprovalID, &policy.DecisionInput{Value: policy.Approved})
					}()
				}
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					errs[2] = evmwallet.StepOnce(bg, other, "EthereumSepolia")
				}()
				close(start)
				wg.Wait()
				if errs[2] != nil {
					t.Fatalf("trial %d: follower: %v", i, errs[2])
				}
				if (errs[0] == nil) == (errs[1] == nil) {
					t.Fatalf("trial %d: decisions %v; want one to approve and one to be refused", i, errs[:2])
				}
				// The follower may have started before the approval: it
				// (or the deciding server) finishes what is left.
				if err := evmwallet.StepOnce(bg, other, "EthereumSepolia"); err != nil {
					t.Fatal(err)
				}
				if got := h.get(t, v); got.Status != evmwallet.StatusBroadcasted {
					t.Fatalf("trial %d: %+v", i, got)
				}
			}
			distinct := map[string]bool{}
			for _, raw := range h.node.sends() {
				distinct[raw] = true
			}
			if len(distinct) != trials {
				t.Fatalf("%d distinct transactions sent for %d approved transfers", len(distinct), trials)
			}
			nonces := map[uint64]bool{}
			for raw := range distinct {
				nonces[h.decodeSent(t, raw).Nonce()] = true
			}
			for n := range uint64(trials) {
				if !nonces[n] {
					t.Fatalf("nonce %d not used; nonces %v", n, nonces)
				}
			}
			t.Logf("%s: %d approved transfers, %d sends of %d transactions", dialect, trials, len(h.node.sends()), len(distinct))
		})
	}
}

// crashAfterDecision is a runner whose Execute does nothing: the server
// died once the approving decision committed.
type crashAfterDecision struct{ policy.Runner }

func (crashAfterDecision) Execute(context.Context, string, string) error { return nil }

// A server dies between the commit of the approving decision and the
// transfer's broadcast: the request is stored Executing with nothing built;
// the restarted server's follower builds, signs and sends it once, and
// its next rounds send nothing more.
func TestRestartBetweenApprovalAndBroadcastSendsOnce(t *testing.T) {
	for dialect, open := range dialects {
		t.Run(dialect, func(t *testing.T) {
			h := newHeld(t, open(t), func(r policy.Runner) policy.Runner { return crashAfterDecision{r} })
			v := h.pendingTransfer(t, 77)
			h.decide(t, approver1, v.ApprovalID, policy.Approved)
			r, err := h.db.EVMRequest(bg, "or-1", v.ID)
			if err != nil || r.Status != evmwallet.StatusExecuting || r.Unsigned != "" || len(h.node.sends()) != 0 {
				t.Fatalf("after the crash: %+v, %v, %d sent", r, err, len(h.node.sends()))
			}
			restarted := h.restart()
			for range 3 {
				if err := evmwallet.StepOnce(bg, restarted, "EthereumSepolia"); err != nil {
					t.Fatal(err)
				}
			}
			sent := h.node.sends()
			if len(sent) != 1 {
				t.Fatalf("%d transactions sent after the restart, want 1", len(sent))
			}
			tx := h.decodeSent(t, sent[0])
			if got := h.get(t, v); got.Status != evmwallet.StatusBroadcasted || got.TxHash != tx.Hash().Hex() || tx.Value().Int64() != 77 {
				t.Fatalf("after the restart: %+v", got)
			}
		})
	}
}

// Transfers and transactions reach the policy rules with the recipient
// and amount they carry: a whitelisted recipient (in any checksum casing)
// is sent at once and another waits for approval; with ETH at 3000 USD, a
// 30 USD transfer passes a 100 USD limit and a 300 USD one is blocked.
func TestTransferRecipientAndAmountReachTheRules(t *testing.T) {
	e := newEnvOn(t, dialects["sqlite"](t))
	prices, err := policy.ParsePrices([]string{"ETH=3000"})
	if err != nil {
		t.Fatal(err)
	}
	pol := policy.NewService(e.db, nil, prices, nil)
	e.svc = evmwallet.New(e.db, walletsOf{e.db}, e.db, testSigner{e.key}, pol, e.nodes, slog.New(slog.NewTextHandler(io.Discard, nil)))
	pol.Register(policy.KindWalletsSign, policy.ByPrefix(policy.Route{Prefixes: []string{"xfr", "tx"}, Runner: heldreq.Runner(e.db, nil, e.svc)}))
	friend := common.HexToAddress("0x00000000000000000000000000000000000000fa").Hex() // EIP-55
	for _, body := range []string{
		`{"name":"whitelist","activityKind":"Wallets:Sign","rule":{"kind":"TransactionRecipientWhitelist","configuration":{"addresses":["` +
			strings.ToLower(friend) + `"]}},"action":{"kind":"RequestApproval","approvalGroups":[{"quorum":1,"approvers":{"userId":{"in":["us-2"]}}}]}}`,
		`{"name":"limit","activityKind":"Wallets:Sign","rule":{"kind":"TransactionAmountLimit","configuration":{"limit":100,"currency":"USD"}},
			"action":{"kind":"Block"}}`,
	} {
		var b policy.Body
		if err := json.Unmarshal([]byte(body), &b); err != nil {
			t.Fatal(err)
		}
		if _, err := pol.CreatePolicy(bg, e.p, nil, &b); err != nil {
			t.Fatal(err)
		}
	}
	native := func(to, amount string) string {
		return `{"kind":"Native","to":"` + to + `","amount":"` + amount + `"}`
	}
	for _, tc := range []struct {
		name, body, status string
	}{
		{"whitelisted, 30 USD", native("0x00000000000000000000000000000000000000FA", "10000000000000000"), evmwallet.StatusBroadcasted},
		{"another recipient", native("0x00000000000000000000000000000000000000b2", "1"), evmwallet.StatusPending},
		{"whitelisted, 300 USD", native(friend, "100000000000000000"), evmwallet.StatusRejected},
	} {
		if v, err := e.transfer(t, tc.body); err != nil || v.Status != tc.status {
			t.Errorf("%s: %+v, %v; want %s", tc.name, v, err, tc.status)
		}
	}
	v, err := e.svc.Transaction(bg, e.p, nil, "wa-1", []byte(`{"kind":"Evm","to":"`+friend+`","value":"9"}`))
	if err != nil || v.Status != evmwallet.StatusBroadcasted {
		t.Errorf("transaction to the whitelisted recipient: %+v, %v", v, err)
	}
	if n := len(e.node.sends()); n != 2 {
		t.Fatalf("%d transactions sent, want 2", n)
	}
}
