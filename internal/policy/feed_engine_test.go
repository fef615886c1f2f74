package policy_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/policy"
)

// The amount rules read the operator's price feed: the same transfer is
// blocked or allowed as the feed's ETH price moves.
func TestAmountLimitFollowsThePriceFeed(t *testing.T) {
	var price atomic.Int64
	price.Store(3000)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, `{"ETH": %d}`, price.Load())
	}))
	defer srv.Close()
	e := newEngine(t)
	feed := &policy.FeedPrices{URL: srv.URL, Every: time.Minute, MaxAge: time.Hour}
	e.s = policy.NewService(e.db, e.ev, feed, nil)
	e.s.SetClock(func() time.Time { return e.now })
	e.s.Register(policy.KindWalletsSign, newCounter())
	e.rule(t, `{"kind":"TransactionAmountLimit","configuration":{"limit":100,"currency":"USD"}}`, `{"kind":"Block"}`)
	tx := eip1559(stranger, eth(40), nil) // 0.04 ETH

	if d := e.sign(t, "Transaction", tx); d.Outcome != policy.Deny {
		t.Fatalf("before the feed was read (no price): outcome %d, want Deny", d.Outcome)
	}
	for _, c := range []struct {
		usd  int64
		want policy.Outcome
	}{{3000, policy.Deny}, {2000, policy.Allow}} {
		price.Store(c.usd)
		if err := feed.Refresh(bg); err != nil {
			t.Fatal(err)
		}
		if d := e.sign(t, "Transaction", tx); d.Outcome != c.want {
			t.Fatalf("0.04 ETH at %d USD: outcome %d, want %d", c.usd, d.Outcome, c.want)
		}
	}
}
