package httpapi

import (
	"errors"
	"net/http"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/ratelimit"
)

// Limits are the request budgets of the API (docs/security.md, "Rate limits
// and backoff"). A nil limiter limits nothing; with Org nil every check is
// skipped before any work.
type Limits struct {
	// Org budgets each organisation's authenticated requests.
	Org ratelimit.Limiter
	// Identity budgets each identity (its token id, else its user id).
	Identity ratelimit.Limiter
	// Addr budgets each client address on the endpoints that need no
	// bearer token (ratelimit.ClientKey: the connection's peer, never
	// X-Forwarded-For).
	Addr ratelimit.Limiter
}

// NewLimits returns in-memory limits of org requests per minute per
// organisation, identity per identity (0: the organisation's, and then no
// separate identity limit is kept, the organisation's being the tighter)
// and addr per client address (0: none). org 0 turns every limit off.
func NewLimits(org, identity, addr int) Limits {
	return NewLimitsWith(org, identity, addr, func(_ string, n int) ratelimit.Limiter {
		return ratelimit.NewMemory(n, time.Minute, ratelimit.DefaultMaxKeys)
	})
}

// NewLimitsWith is NewLimits with limiters of n requests per minute made by
// newLimiter, named "org", "identity" or "addr" (replicas on PostgreSQL
// share ratelimit.Shared limiters; org 0 still builds none).
func NewLimitsWith(org, identity, addr int, newLimiter func(name string, n int) ratelimit.Limiter) Limits {
	var l Limits
	if org <= 0 {
		return l
	}
	l.Org = newLimiter("org", org)
	if identity > 0 && identity < org {
		l.Identity = newLimiter("identity", identity)
	}
	if addr > 0 {
		l.Addr = newLimiter("addr", addr)
	}
	return l
}

// The causes logged (at debug level) with a refusal; the access log line
// of a refused request is at INFO like any other 4xx.
var (
	errOrgLimit      = errors.New("organisation rate limit")
	errIdentityLimit = errors.New("identity rate limit")
	errAddrLimit     = errors.New("client address rate limit")
)

// refuse counts a refusal by limiter kind and returns the 429.
func (s *Server) refuse(kind string, cause error, wait time.Duration) error {
	s.metrics.limited.WithLabelValues(kind).Inc()
	return apierr.TooManyRequests(wait, "Rate limit exceeded, retry in %d seconds.", apierr.RetryAfterSeconds(wait)).Wrap(cause)
}

// limitAddr spends one request of the client address's budget on an
// endpoint that needs no bearer token. Health probes are not budgeted (a
// load balancer's address may be shared with clients).
func (s *Server) limitAddr(r *http.Request) error {
	if s.Limits.Addr == nil || r.Pattern == "GET /healthz" || r.Pattern == "GET /readyz" {
		return nil
	}
	if ok, wait := s.Limits.Addr.Allow(ratelimit.ClientKey(r.RemoteAddr), time.Now()); !ok {
		return s.refuse("address", errAddrLimit, wait)
	}
	return nil
}

// limitPrincipal spends one request of the caller's identity budget, then
// of its organisation's: an identity that is refused does not spend the
// budget its organisation's other identities share.
func (s *Server) limitPrincipal(r *http.Request, p *principal.Principal) error {
	if s.Limits.Org == nil {
		return nil
	}
	now := time.Now()
	if s.Limits.Identity != nil {
		key := p.TokenID
		if key == "" {
			key = p.UserID
		}
		if ok, wait := s.Limits.Identity.Allow(key, now); !ok {
			return s.refuse("identity", errIdentityLimit, wait)
		}
	}
	if ok, wait := s.Limits.Org.Allow(p.OrgID, now); !ok {
		return s.refuse("organisation", errOrgLimit, wait)
	}
	return nil
}

// countBackoff counts err as a refusal of kind when it is a backoff's 429.
func (s *Server) countBackoff(kind string, err error) {
	if errors.Is(err, auth.ErrBackingOff) {
		s.metrics.limited.WithLabelValues(kind).Inc()
	}
}
