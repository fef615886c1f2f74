package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/id"
)

// Concurrent writes share commits on PostgreSQL (pggroup.go), yet each
// gets its own answer: here 64 user actions are stored at once, half of
// them a second time under an id already taken (a challenge completed
// twice). Every first one is stored, every second one is refused as an
// invalid challenge, and none of the refusals drags another write down
// with it. Rounds repeat so that groups of many members form.
func TestGroupedWritesAnsweredEachAlone(t *testing.T) {
	db := testDB(t)
	ctx := context.Background()
	now := time.Now()
	for round := range 10 {
		ids := make([]string, 32)
		for i := range ids {
			ids[i] = id.New("ua")
		}
		errs := make([]error, 64)
		var wg sync.WaitGroup
		start := make(chan struct{})
		for i := range 64 {
			wg.Go(func() {
				<-start
				a := &auth.UserAction{ID: ids[i/2], TokenHash: fmt.Sprint("t", i), OrgID: "or-1", UserID: "us-1",
					CredUUID: "cr-1", Method: "POST", Path: "/wallets", PayloadHash: "p", ExpiresAt: now.Add(time.Hour),
					Created: now}
				errs[i] = db.CreateActionFor(ctx, "ch-"+a.ID[3:], a)
			})
		}
		close(start)
		wg.Wait()
		for pair := range 32 {
			a, b := errs[2*pair], errs[2*pair+1]
			refused := func(err error) bool {
				var e *apierr.Error
				return errors.As(err, &e) && e.Status == 400
			}
			if !(a == nil && refused(b) || b == nil && refused(a)) {
				t.Fatalf("round %d, id %d: answers %v and %v, want one stored and one refused", round, pair, a, b)
			}
			var n int
			if err := db.r.QueryRowContext(ctx, db.q(`SELECT COUNT(*) FROM user_actions WHERE id = ?`), ids[pair]).Scan(&n); err != nil || n != 1 {
				t.Fatalf("round %d, id %d: %d rows (%v)", round, pair, n, err)
			}
		}
	}
}
