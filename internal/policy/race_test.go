package policy_test

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/pgtest"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/sqlstore"
)

var bg = context.Background()

// counter is a Runner that counts, per activity, how often it was approved
// (in the deciding unit of work), rejected and executed.
type counter struct {
	mu                           sync.Mutex
	approved, rejected, executed map[string]int
}

func newCounter() *counter {
	return &counter{approved: map[string]int{}, rejected: map[string]int{}, executed: map[string]int{}}
}

func (c *counter) bump(m map[string]int, id string) {
	c.mu.Lock()
	m[id]++
	c.mu.Unlock()
}

func (c *counter) Approved(_ context.Context, _, id string) error { c.bump(c.approved, id); return nil }
func (c *counter) Rejected(_ context.Context, _, id, _ string) error {
	c.bump(c.rejected, id)
	return nil
}
func (c *counter) Execute(_ context.Context, _, id string) error { c.bump(c.executed, id); return nil }
func (c *counter) Resume(context.Context) error                  { return nil }
func (c *counter) Activity(context.Context, string, string) (json.RawMessage, error) {
	return json.RawMessage(`{"kind":"Wallets:Sign"}`), nil
}

// openStores returns a fresh store per dialect this run can test: SQLite
// always, PostgreSQL when CUSTOS_TEST_POSTGRES names a server.
func openStores(t *testing.T) map[string]func(t *testing.T) *sqlstore.DB {
	return map[string]func(t *testing.T) *sqlstore.DB{
		"sqlite": func(t *testing.T) *sqlstore.DB {
			db, err := sqlstore.OpenSQLite(bg, filepath.Join(t.TempDir(), "p.db"))
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
}

func mustPolicy(t *testing.T, s *policy.Service, p *principal.Principal, body string) {
	t.Helper()
	var b policy.Body
	if err := json.Unmarshal([]byte(body), &b); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CreatePolicy(bg, p, nil, &b); err != nil {
		t.Fatal(err)
	}
}

// pending evaluates a signature request on wallet and stores its approval
// (as keys does in the unit of work that stores the request).
func pending(t *testing.T, db *sqlstore.DB, s *policy.Service, p *principal.Principal, wallet, reqID string) string {
	t.Helper()
	d, err := s.Evaluate(bg, policy.Activity{Kind: policy.KindWalletsSign, Principal: p, WalletID: wallet,
		RequestKind: "Message", RequestID: reqID})
	if err != nil || d.Outcome != policy.Pending {
		t.Fatalf("evaluate: %+v %v", d, err)
	}
	if err := db.Tx(bg, func(ctx context.Context) error { return d.Commit(ctx, map[string]any{"kind": "Wallets:Sign"}) }); err != nil {
		t.Fatal(err)
	}
	return d.ApprovalID
}

// TestRacingApprovers: two approvers decide on one approval at the same
// instant, 200 times per dialect. With quorum 2 both decisions count and
// the activity is approved and executed exactly once; with quorum 1 one
// decision wins, the other is refused, and the activity runs once.
func TestRacingApprovers(t *testing.T) {
	const trials = 200
	for dialect, open := range openStores(t) {
		t.Run(dialect, func(t *testing.T) {
			db := open(t)
			defer db.Close()
			if err := db.CreateOrg(bg, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
				t.Fatal(err)
			}
			s := policy.NewService(db, nil, nil, nil)
			c := newCounter()
			s.Register(policy.KindWalletsSign, c)
			initiator := &principal.Principal{OrgID: "or-1", UserID: "us-init"}
			u1 := &principal.Principal{OrgID: "or-1", UserID: "us-1"}
			u2 := &principal.Principal{OrgID: "or-1", UserID: "us-2"}
			for wallet, quorum := range map[string]int{"wa-q1": 1, "wa-q2": 2} {
				mustPolicy(t, s, initiator, fmt.Sprintf(`{"name":"q%d","activityKind":"Wallets:Sign","rule":{"kind":"AlwaysTrigger"},
					"action":{"kind":"RequestApproval","approvalGroups":[{"quorum":%d,"approvers":{"userId":{"in":["us-1","us-2"]}}}]},
					"filters":{"walletId":{"in":[%q]}}}`, quorum, quorum, wallet))
			}
			var refused atomic.Int64
			for i := range trials {
				wallet, quorum := "wa-q2", 2
				if i%2 == 1 {
					wallet, quorum = "wa-q1", 1
				}
				req := fmt.Sprintf("sig-%d", i)
				ap := pending(t, db, s, initiator, wallet, req)
				start := make(chan struct{})
				errs := make([]error, 2)
				var wg sync.WaitGroup
				for j, u := range []*principal.Principal{u1, u2} {
					wg.Add(1)
					go func() {
						defer wg.Done()
						<-start
						_, errs[j] = s.Decide(bg, u, nil, ap, &policy.DecisionInput{Value: policy.Approved})
					}()
				}
				close(start)
				wg.Wait()
				failed := 0
				for _, err := range errs {
					if err != nil {
						if quorum == 2 || apierr.From(err).Status != 400 {
							t.Fatalf("trial %d (quorum %d): decision failed: %v", i, quorum, err)
						}
						failed++
					}
				}
				if quorum == 2 && failed != 0 || quorum == 1 && failed != 1 {
					t.Fatalf("trial %d (quorum %d): %d decisions refused: %v", i, quorum, failed, errs)
				}
				refused.Add(int64(failed))
				a, err := s.GetApproval(bg, initiator, ap)
				if err != nil || a.Status != policy.ApprovalApproved || len(a.Decisions) != quorum {
					t.Fatalf("trial %d: approval %+v (%v)", i, a, err)
				}
				c.mu.Lock()
				na, ne, nr := c.approved[req], c.executed[req], c.rejected[req]
				c.mu.Unlock()
				if na != 1 || ne != 1 || nr != 0 {
					t.Fatalf("trial %d (quorum %d): approved %d, executed %d, rejected %d times; want 1, 1, 0", i, quorum, na, ne, nr)
				}
			}
			t.Logf("%s: %d trials, each executed once; %d losing decisions refused (quorum 1)", dialect, trials, refused.Load())
		})
	}
}
