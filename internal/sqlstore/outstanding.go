package sqlstore

import (
	"container/heap"
	"sync"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
)

// Caps on outstanding challenges (issued, neither used nor expired). A
// client has one outstanding per flow in flight; the caps only stop a
// caller from making the server hold challenges without end (issue 7).
const (
	// maxOutstandingPerIdentity caps those of one user, PAT or service
	// account (a user's login sessions share one budget).
	maxOutstandingPerIdentity = 256
	// maxOutstandingLogins caps the login challenges of one user of an
	// organisation. Anybody may ask for those, so past the cap the oldest
	// is evicted (and deleted) rather than the new one refused: someone
	// flooding /auth/login/init for a username cannot hold that user's
	// logins off, only make a login that waits for 32 other challenges
	// fail once.
	maxOutstandingLogins = 32
	// maxOutstandingBytes caps the stored size of all of them (about
	// 50,000 challenges of usual size).
	maxOutstandingBytes = 16 << 20
)

// outstanding counts outstanding challenges per identity and their bytes
// in total, in memory. The count is exact for a SQLite store, which one
// process owns; PostgreSQL replicas will need it from the database (live
// rows per identity) instead.
type outstanding struct {
	perIdentity, perLogin int
	maxBytes              int64

	mu     sync.Mutex
	bytes  int64
	byKey  map[string]int
	byID   map[string]*liveChallenge
	expiry expiryHeap
	// logins lists the login challenges of each login key, oldest first.
	logins map[string][]*liveChallenge
}

type liveChallenge struct {
	id, key string
	size    int64
	exp     time.Time
	index   int // in expiry
}

func newOutstanding() *outstanding {
	return &outstanding{perIdentity: maxOutstandingPerIdentity, perLogin: maxOutstandingLogins,
		maxBytes: maxOutstandingBytes, byKey: map[string]int{}, byID: map[string]*liveChallenge{},
		logins: map[string][]*liveChallenge{}}
}

// challengeSize is about what c takes in the database and in the cache.
func challengeSize(c *auth.Challenge) int64 {
	n := 256 + len(c.ID) + len(c.SecretHash) + len(c.OrgID) + len(c.Purpose) + len(c.UserID) + len(c.TokenID) +
		len(c.SessionID) + len(c.Challenge) + len(c.Kind) + len(c.Method) + len(c.Path) + len(c.PayloadHash) +
		len(c.CanonicalHash)
	for _, a := range c.Allowed {
		n += len(a) + 3
	}
	return int64(n)
}

// reserve counts c, or returns a 429 when a cap would be passed. A login
// challenge past its user's cap evicts the oldest one instead: evicted is
// its id, which the caller must delete.
func (o *outstanding) reserve(c *auth.Challenge, now time.Time) (evicted string, err error) {
	login := c.Purpose == auth.PurposeLogin
	key, limit := c.OrgID+"\x00"+c.UserID+"\x00"+c.TokenID, o.perIdentity
	if login {
		key, limit = "login\x00"+c.OrgID+"\x00"+c.UserID, o.perLogin
	}
	size := challengeSize(c)
	o.mu.Lock()
	defer o.mu.Unlock()
	o.expireLocked(now)
	if o.byKey[key] >= limit {
		if !login {
			return "", o.tooMany(now, "Too many challenges outstanding for this identity (at most %d): complete them or let them expire.", limit)
		}
		oldest := o.logins[key][0]
		heap.Remove(&o.expiry, oldest.index)
		o.forgetLocked(oldest)
		evicted = oldest.id
	}
	if o.bytes+size > o.maxBytes {
		return evicted, o.tooMany(now, "Too many challenges outstanding: try again later.")
	}
	lc := &liveChallenge{id: c.ID, key: key, size: size, exp: c.ExpiresAt}
	o.byKey[key]++
	o.byID[c.ID] = lc
	o.bytes += size
	heap.Push(&o.expiry, lc)
	if login {
		o.logins[key] = append(o.logins[key], lc)
	}
	return evicted, nil
}

// tooMany is the 429 of a cap, retrying when the soonest outstanding
// challenge expires.
func (o *outstanding) tooMany(now time.Time, format string, args ...any) error {
	wait := time.Second
	if len(o.expiry) > 0 {
		wait = max(wait, o.expiry[0].exp.Sub(now))
	}
	return apierr.TooManyRequests(wait, format, args...)
}

// release stops counting challenge id (used, or never stored).
func (o *outstanding) release(id string) {
	o.mu.Lock()
	defer o.mu.Unlock()
	if lc, ok := o.byID[id]; ok {
		heap.Remove(&o.expiry, lc.index)
		o.forgetLocked(lc)
	}
}

// expire stops counting the challenges expired at now.
func (o *outstanding) expire(now time.Time) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.expireLocked(now)
}

func (o *outstanding) expireLocked(now time.Time) {
	for len(o.expiry) > 0 && !now.Before(o.expiry[0].exp) {
		o.forgetLocked(heap.Pop(&o.expiry).(*liveChallenge))
	}
}

func (o *outstanding) forgetLocked(lc *liveChallenge) {
	if l, ok := o.logins[lc.key]; ok {
		for i, x := range l {
			if x == lc {
				l = append(l[:i], l[i+1:]...)
				break
			}
		}
		if len(l) == 0 {
			delete(o.logins, lc.key)
		} else {
			o.logins[lc.key] = l
		}
	}
	delete(o.byID, lc.id)
	o.bytes -= lc.size
	if n := o.byKey[lc.key] - 1; n > 0 {
		o.byKey[lc.key] = n
	} else {
		delete(o.byKey, lc.key)
	}
}

// count returns how many challenges are counted, and their bytes.
func (o *outstanding) count() (int, int64) {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.byID), o.bytes
}

// expiryHeap orders live challenges by expiry, soonest first.
type expiryHeap []*liveChallenge

func (h expiryHeap) Len() int           { return len(h) }
func (h expiryHeap) Less(i, j int) bool { return h[i].exp.Before(h[j].exp) }
func (h expiryHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *expiryHeap) Push(x any) {
	lc := x.(*liveChallenge)
	lc.index = len(*h)
	*h = append(*h, lc)
}
func (h *expiryHeap) Pop() any {
	old := *h
	lc := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return lc
}
