package policy

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"sync"
	"time"
)

// FeedPrices are prices an operator's price feed serves (--price-feed
// URL, docs/protocol/policies.md §1.2), refreshed by Run, in front of a
// static table (--price) that answers for assets the feed does not list.
// Prices older than MaxAge are not used: an amount rule that needs one
// then triggers, saying the price is unknown (fail closed).
//
// The feed answers GET with a JSON object mapping an asset — a native
// coin's symbol or network name, a token's contract address or mint — to
// its USD value, a number, or {"usd": number, "decimals": n} for tokens.
type FeedPrices struct {
	URL      string
	Every    time.Duration // between refreshes
	MaxAge   time.Duration // a feed not refreshed for longer is not used
	Fallback Prices        // the static table; may be nil
	Client   *http.Client

	mu      sync.RWMutex
	prices  StaticPrices
	fetched time.Time
	now     func() time.Time
}

// Bounds of one feed document.
const (
	maxFeedBytes   = 1 << 20
	maxFeedEntries = 10000
	feedTimeout    = 10 * time.Second
)

// ErrFeed is wrapped by every refusal of a feed document.
var ErrFeed = errors.New("price feed")

// USD implements Prices: the feed's fresh price, else the fallback's.
func (f *FeedPrices) USD(asset string) (float64, int, bool) {
	f.mu.RLock()
	p, ok := f.prices[canonicalAddress(asset)]
	fresh := !f.fetched.IsZero() && f.clock().Sub(f.fetched) <= f.MaxAge
	f.mu.RUnlock()
	if ok && fresh {
		return p.USD, p.Decimals, true
	}
	if f.Fallback != nil {
		return f.Fallback.USD(asset)
	}
	return 0, 0, false
}

func (f *FeedPrices) clock() time.Time {
	if f.now != nil {
		return f.now()
	}
	return time.Now()
}

// Refresh fetches the feed once; on failure the previous prices stay (and
// age).
func (f *FeedPrices) Refresh(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, feedTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, f.URL, nil)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFeed, err)
	}
	req.Header.Set("Accept", "application/json")
	c := f.Client
	if c == nil {
		c = http.DefaultClient
	}
	res, err := c.Do(req)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFeed, err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusOK {
		return fmt.Errorf("%w: %s answered %d", ErrFeed, f.URL, res.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(res.Body, maxFeedBytes+1))
	if err != nil {
		return fmt.Errorf("%w: %v", ErrFeed, err)
	}
	if len(body) > maxFeedBytes {
		return fmt.Errorf("%w: more than %d bytes", ErrFeed, maxFeedBytes)
	}
	prices, err := parseFeed(body)
	if err != nil {
		return err
	}
	f.mu.Lock()
	f.prices, f.fetched = prices, f.clock()
	f.mu.Unlock()
	return nil
}

func parseFeed(body []byte) (StaticPrices, error) {
	var doc map[string]json.RawMessage
	if err := json.Unmarshal(body, &doc); err != nil {
		return nil, fmt.Errorf("%w: not a JSON object: %v", ErrFeed, err)
	}
	if len(doc) > maxFeedEntries {
		return nil, fmt.Errorf("%w: more than %d entries", ErrFeed, maxFeedEntries)
	}
	out := make(StaticPrices, len(doc))
	for k, raw := range doc {
		p := Price{Decimals: -1}
		var n float64
		if err := json.Unmarshal(raw, &n); err == nil {
			p.USD = n
		} else {
			var t struct {
				USD      *float64 `json:"usd"`
				Decimals *int     `json:"decimals"`
			}
			if err := json.Unmarshal(raw, &t); err != nil || t.USD == nil {
				return nil, fmt.Errorf("%w: %q is neither a number nor {\"usd\": number}", ErrFeed, k)
			}
			p.USD = *t.USD
			if t.Decimals != nil {
				if *t.Decimals < 0 || *t.Decimals > 36 {
					return nil, fmt.Errorf("%w: %q: decimals must be 0 to 36", ErrFeed, k)
				}
				p.Decimals = *t.Decimals
			}
		}
		if k == "" || p.USD < 0 || math.IsInf(p.USD, 0) || math.IsNaN(p.USD) {
			return nil, fmt.Errorf("%w: %q has no valid USD value", ErrFeed, k)
		}
		out[canonicalAddress(k)] = p
	}
	return out, nil
}

// Run refreshes the feed at once and then every f.Every until ctx ends;
// it runs in the program's worker group (each replica keeps its own copy).
// A failed refresh is logged by report and retried at the next tick.
func (f *FeedPrices) Run(ctx context.Context, report func(error)) error {
	t := time.NewTicker(f.Every)
	defer t.Stop()
	for {
		if err := f.Refresh(ctx); err != nil && ctx.Err() == nil {
			report(err)
		}
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
		}
	}
}
