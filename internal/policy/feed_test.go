package policy

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestFeedPrices(t *testing.T) {
	doc := `{"ETH": 3000, "0xA0B86991C6218B36C1D19D4A2E9EB0CE3606EB48": {"usd": 1, "decimals": 6}}`
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(status)
		w.Write([]byte(doc))
	}))
	defer srv.Close()
	now := time.Unix(1_800_000_000, 0)
	f := &FeedPrices{URL: srv.URL, Every: time.Minute, MaxAge: 10 * time.Minute,
		Fallback: StaticPrices{"BTC": {USD: 60000, Decimals: -1}, "ETH": {USD: 1, Decimals: -1}}, now: func() time.Time { return now }}
	want := func(asset string, usd float64, dec int, ok bool) {
		t.Helper()
		u, d, k := f.USD(asset)
		if u != usd || d != dec || k != ok {
			t.Fatalf("USD(%s) = %v, %d, %v; want %v, %d, %v", asset, u, d, k, usd, dec, ok)
		}
	}
	want("ETH", 1, -1, true) // before the first refresh: the static table
	if err := f.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	want("ETH", 3000, -1, true)
	want("0xa0b86991c6218b36c1d19d4a2e9eb0ce3606eb48", 1, 6, true) // any casing
	want("BTC", 60000, -1, true)                                   // not in the feed: the table
	want("SOL", 0, 0, false)

	// A failed refresh keeps the previous prices until they are too old.
	status = http.StatusBadGateway
	if err := f.Refresh(context.Background()); !errors.Is(err, ErrFeed) {
		t.Fatalf("refresh from a failing feed: %v", err)
	}
	now = now.Add(9 * time.Minute)
	want("ETH", 3000, -1, true)
	now = now.Add(2 * time.Minute)
	want("ETH", 1, -1, true) // stale feed: the table again
	f.Fallback = nil
	want("ETH", 0, 0, false) // stale and no table: unknown, the rule fails closed
}

func TestFeedRefusesBadDocuments(t *testing.T) {
	for _, doc := range []string{
		`[1,2]`, `{"ETH": "3000"}`, `{"ETH": -1}`, `{"T": {"usd": 1, "decimals": 99}}`, `{"T": {"decimals": 2}}`,
		`{"": 1}`, `{"ETH": 1` + strings.Repeat(" ", maxFeedBytes) + `}`,
	} {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.Write([]byte(doc)) }))
		f := &FeedPrices{URL: srv.URL, MaxAge: time.Hour}
		if err := f.Refresh(context.Background()); !errors.Is(err, ErrFeed) {
			t.Errorf("document %.40q: refresh = %v, want a feed error", doc, err)
		}
		if _, _, ok := f.USD("ETH"); ok {
			t.Errorf("document %.40q: a price was taken from it", doc)
		}
		srv.Close()
	}
}
