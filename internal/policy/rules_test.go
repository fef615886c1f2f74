package policy_test

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math/big"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rlp"

	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/sqlstore"
)

const sepolia = 11155111

// events records what the engine emits.
type events struct {
	mu    sync.Mutex
	kinds []string
}

func (e *events) Emit(_ context.Context, _, kind string, _ any) error {
	e.mu.Lock()
	e.kinds = append(e.kinds, kind)
	e.mu.Unlock()
	return nil
}

type engine struct {
	db  *sqlstore.DB
	s   *policy.Service
	ev  *events
	p   *principal.Principal
	now time.Time
}

func newEngine(t testing.TB, prices ...string) *engine {
	t.Helper()
	db, err := sqlstore.OpenSQLite(bg, filepath.Join(t.TempDir(), "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateOrg(bg, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	table, err := policy.ParsePrices(prices)
	if err != nil {
		t.Fatal(err)
	}
	e := &engine{db: db, ev: &events{}, p: &principal.Principal{OrgID: "or-1", UserID: "us-1"}, now: time.Now().Truncate(time.Millisecond)}
	e.s = policy.NewService(db, e.ev, table, nil)
	e.s.SetClock(func() time.Time { return e.now })
	e.s.Register(policy.KindWalletsSign, newCounter())
	return e
}

// rule creates a Block policy with rule on wallet wa-1.
func (e *engine) rule(t *testing.T, rule, action string) {
	t.Helper()
	mustPolicy(t, e.s, e.p, `{"name":"r","activityKind":"Wallets:Sign","rule":`+rule+`,"action":`+action+`,
		"filters":{"walletId":{"in":["wa-1"]}}}`)
}

var seq int

// sign evaluates a Transaction request on wa-1 and commits its record.
func (e *engine) sign(t *testing.T, kind string, body string) policy.Decision {
	t.Helper()
	seq++
	d, err := e.s.Evaluate(bg, policy.Activity{Kind: policy.KindWalletsSign, Principal: e.p, WalletID: "wa-1",
		Network: "EthereumSepolia", RequestKind: kind, Body: json.RawMessage(body), RequestID: fmt.Sprintf("sig-%d", seq)})
	if err != nil {
		t.Fatal(err)
	}
	if d.Commit != nil {
		if err := e.db.Tx(bg, func(ctx context.Context) error { return d.Commit(ctx, map[string]any{"kind": "Wallets:Sign"}) }); err != nil {
			t.Fatal(err)
		}
	}
	return d
}

func txBody(raw []byte) string {
	return `{"kind":"Transaction","transaction":"0x` + hex.EncodeToString(raw) + `"}`
}

// eip1559 is an unsigned EIP-1559 transaction as ethers serializes it.
func eip1559(to common.Address, value *big.Int, data []byte) string {
	b, _ := rlp.EncodeToBytes([]any{big.NewInt(sepolia), uint64(1), big.NewInt(1), big.NewInt(2), uint64(21000), to, value, data, []any{}})
	return txBody(append([]byte{2}, b...))
}

// legacy is an unsigned EIP-155 legacy transaction.
func legacy(to common.Address, value *big.Int) string {
	b, _ := rlp.EncodeToBytes([]any{uint64(1), big.NewInt(1), uint64(21000), to, value, []byte{}, big.NewInt(sepolia), uint(0), uint(0)})
	return txBody(b)
}

func erc20(to common.Address, amount *big.Int) []byte {
	data := append([]byte{0xa9, 0x05, 0x9c, 0xbb}, common.LeftPadBytes(to.Bytes(), 32)...)
	return append(data, common.LeftPadBytes(amount.Bytes(), 32)...)
}

func eth(milli int64) *big.Int { return new(big.Int).Mul(big.NewInt(milli), big.NewInt(1e15)) }

var (
	friend   = common.HexToAddress("0x5aAeb6053F3E94C9b9A09f33669435E7Ef1BeAed")
	stranger = common.HexToAddress("0x00000000000000000000000000000000000000bb")
	usdc     = common.HexToAddress("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48")
)

func TestRecipientWhitelist(t *testing.T) {
	e := newEngine(t)
	// Listed in lower case; transactions use the EIP-55 casing.
	e.rule(t, `{"kind":"TransactionRecipientWhitelist","configuration":{"addresses":["`+strings.ToLower(friend.Hex())+`"]}}`, `{"kind":"Block"}`)
	for name, tc := range map[string]struct {
		kind, body string
		want       policy.Outcome
	}{
		"EIP-1559 to a listed address":  {"Transaction", eip1559(friend, eth(1), nil), policy.Allow},
		"legacy to a listed address":    {"Transaction", legacy(friend, eth(1)), policy.Allow},
		"ERC-20 transfer to listed":     {"Transaction", eip1559(usdc, big.NewInt(0), erc20(friend, big.NewInt(5))), policy.Allow},
		"EIP-1559 to another":           {"Transaction", eip1559(stranger, eth(1), nil), policy.Deny},
		"ERC-20 transfer to another":    {"Transaction", eip1559(usdc, big.NewInt(0), erc20(stranger, big.NewInt(5))), policy.Deny},
		"other contract call":           {"Transaction", eip1559(friend, big.NewInt(0), []byte{1, 2, 3, 4}), policy.Deny},
		"Hash has no recipient":         {"Hash", `{"kind":"Hash","hash":"0x` + strings.Repeat("ab", 32) + `"}`, policy.Deny},
		"Message has no recipient":      {"Message", `{"kind":"Message","message":"0x01"}`, policy.Deny},
		"ERC-20 to the listed contract": {"Transaction", eip1559(friend, big.NewInt(0), erc20(stranger, big.NewInt(5))), policy.Deny},
	} {
		if d := e.sign(t, tc.kind, tc.body); d.Outcome != tc.want {
			t.Errorf("%s: outcome %d, want %d (%s)", name, d.Outcome, tc.want, d.Reason)
		}
	}
}

func TestAmountLimit(t *testing.T) {
	e := newEngine(t, "ETH=3000", usdc.Hex()+"=1:6")
	e.rule(t, `{"kind":"TransactionAmountLimit","configuration":{"limit":100,"currency":"USD"}}`, `{"kind":"Block"}`)
	for name, tc := range map[string]struct {
		body string
		want policy.Outcome
	}{
		"0.03 ETH = 90 USD":        {eip1559(stranger, eth(30), nil), policy.Allow},
		"0.04 ETH = 120 USD":       {eip1559(stranger, eth(40), nil), policy.Deny},
		"legacy 0.04 ETH":          {legacy(stranger, eth(40)), policy.Deny},
		"99 USDC":                  {eip1559(usdc, big.NewInt(0), erc20(stranger, big.NewInt(99_000_000))), policy.Allow},
		"101 USDC":                 {eip1559(usdc, big.NewInt(0), erc20(stranger, big.NewInt(101_000_000))), policy.Deny},
		"a token without a price":  {eip1559(stranger, big.NewInt(0), erc20(friend, big.NewInt(1))), policy.Deny},
		"a call with no amount":    {eip1559(stranger, big.NewInt(0), []byte{9, 9, 9, 9}), policy.Deny},
		"a Hash has no amount":     {`{"kind":"Hash","hash":"0x` + strings.Repeat("ab", 32) + `"}`, policy.Deny},
		"wrong chain id is closed": {`{"kind":"Transaction","transaction":"0x02c0"}`, policy.Deny},
	} {
		kind := "Transaction"
		if strings.Contains(tc.body, `"Hash"`) {
			kind = "Hash"
		}
		if d := e.sign(t, kind, tc.body); d.Outcome != tc.want {
			t.Errorf("%s: outcome %d, want %d", name, d.Outcome, tc.want)
		}
	}
}

func TestVelocity(t *testing.T) {
	e := newEngine(t, "ETH=1000")
	e.rule(t, `{"kind":"TransactionCountVelocity","configuration":{"limit":2,"timeframe":60}}`, `{"kind":"Block"}`)
	tx := eip1559(stranger, eth(1), nil)
	for i, want := range []policy.Outcome{policy.Allow, policy.Allow, policy.Deny} {
		if d := e.sign(t, "Transaction", tx); d.Outcome != want {
			t.Fatalf("request %d: outcome %d, want %d", i+1, d.Outcome, want)
		}
	}
	// An hour later the window is empty again.
	e.now = e.now.Add(61 * time.Minute)
	if d := e.sign(t, "Transaction", tx); d.Outcome != policy.Allow {
		t.Fatalf("after the timeframe: %d", d.Outcome)
	}

	a := newEngine(t, "ETH=1000")
	a.rule(t, `{"kind":"TransactionAmountVelocity","configuration":{"limit":100,"currency":"USD","timeframe":10}}`, `{"kind":"Block"}`)
	for i, want := range []policy.Outcome{policy.Allow, policy.Allow, policy.Deny} { // 40, 80, 120 USD
		if d := a.sign(t, "Transaction", eip1559(stranger, eth(40), nil)); d.Outcome != want {
			t.Fatalf("amount request %d: outcome %d, want %d", i+1, d.Outcome, want)
		}
	}
}

func TestNoActionRecordsAndEmits(t *testing.T) {
	e := newEngine(t)
	e.rule(t, `{"kind":"AlwaysTrigger"}`, `{"kind":"NoAction"}`)
	d := e.sign(t, "Message", `{"kind":"Message","message":"0x01"}`)
	if d.Outcome != policy.Allow || d.Commit == nil {
		t.Fatalf("decision %+v", d)
	}
	if len(e.ev.kinds) != 1 || e.ev.kinds[0] != "policy.triggered" {
		t.Fatalf("events %v", e.ev.kinds)
	}
	// Another wallet: the filter does not select it, no evaluation, no cost.
	d, err := e.s.Evaluate(bg, policy.Activity{Kind: policy.KindWalletsSign, Principal: e.p, WalletID: "wa-2", RequestKind: "Message"})
	if err != nil || d.Commit != nil {
		t.Fatalf("unfiltered wallet: %+v %v", d, err)
	}
}

func TestAutoRejectTimeout(t *testing.T) {
	e := newEngine(t)
	c := newCounter()
	e.s.Register(policy.KindWalletsSign, c)
	e.rule(t, `{"kind":"AlwaysTrigger"}`, `{"kind":"RequestApproval","autoRejectTimeout":5,
		"approvalGroups":[{"quorum":1,"approvers":{"userId":{"in":["us-2"]}}}]}`)
	d := e.sign(t, "Message", `{"kind":"Message","message":"0x01"}`)
	if d.Outcome != policy.Pending {
		t.Fatal(d.Outcome)
	}
	e.now = e.now.Add(4 * time.Minute)
	if err := e.s.Sweep(bg); err != nil {
		t.Fatal(err)
	}
	if a, _ := e.s.GetApproval(bg, e.p, d.ApprovalID); a.Status != policy.ApprovalPending {
		t.Fatalf("before the timeout: %s", a.Status)
	}
	e.now = e.now.Add(2 * time.Minute)
	// A late decision is refused.
	if _, err := e.s.Decide(bg, &principal.Principal{OrgID: "or-1", UserID: "us-2"}, nil, d.ApprovalID,
		&policy.DecisionInput{Value: policy.Approved}); err == nil {
		t.Fatal("decision after the timeout accepted")
	}
	if err := e.s.Sweep(bg); err != nil {
		t.Fatal(err)
	}
	a, _ := e.s.GetApproval(bg, e.p, d.ApprovalID)
	if a.Status != policy.ApprovalExpired || c.rejected[fmt.Sprintf("sig-%d", seq)] != 1 || len(c.approved) != 0 {
		t.Fatalf("after the timeout: %s, rejected %v, approved %v", a.Status, c.rejected, c.approved)
	}
}
