package auth

import (
	"context"
	"errors"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/ratelimit"
)

// ErrBackingOff is the cause of the 429 that refuses a login or an action
// signature while its user is backing off after failures.
var ErrBackingOff = errors.New("backing off after failed attempts")

// guard backs off failed logins and failed action signatures per (user,
// client address), with a user-wide tier (ratelimit.Lockout;
// docs/security.md, "Rate limits and backoff"). Its zero value is ready.
// It is always on, whatever the rate limits: without failures it costs one
// atomic load per attempt.
type guard struct {
	once          sync.Once
	login, action ratelimit.Backoff
	clock         atomic.Pointer[func() time.Time]
}

func (g *guard) lockouts() (login, action ratelimit.Backoff) {
	g.once.Do(func() {
		g.login = ratelimit.NewLockout(ratelimit.DefaultLockout())
		g.action = ratelimit.NewLockout(ratelimit.DefaultLockout())
	})
	return g.login, g.action
}

func (g *guard) now() time.Time {
	if f := g.clock.Load(); f != nil {
		return (*f)()
	}
	return time.Now()
}

// SetBackoff replaces the in-memory login and action backoff with login
// and action (ratelimit.SharedLockout: replicas on one PostgreSQL database
// share the failures). It must be called before the service is used.
func (s *Service) SetBackoff(login, action ratelimit.Backoff) {
	s.guard.once.Do(func() {})
	s.guard.login, s.guard.action = login, action
}

// SetBackoffClock makes the login and action backoff read the time from
// now (tests advance it instead of sleeping).
func (s *Service) SetBackoffClock(now func() time.Time) { s.guard.clock.Store(&now) }

// wait refuses an attempt of user from remote (an http.Request's
// RemoteAddr) while it is backing off.
func (g *guard) wait(l ratelimit.Backoff, user, remote string) error {
	if m, ok := l.(*ratelimit.Lockout); ok && m.Idle() {
		return nil
	}
	if d := l.Wait(user, ratelimit.ClientKey(remote), g.now()); d > 0 {
		return apierr.TooManyRequests(d, "Too many failed attempts, retry in %d seconds.", apierr.RetryAfterSeconds(d)).Wrap(ErrBackingOff)
	}
	return nil
}

// record notes the outcome of a verified attempt: a 401 (signature not
// valid, credential not allowed or not the user's) is a failure and success
// resets; a malformed assertion or an invalid or spent challenge (400, as
// when an SDK retries a completion) and server errors count as neither.
func (g *guard) record(l ratelimit.Backoff, user, remote string, err error) {
	switch {
	case err == nil:
		if m, ok := l.(*ratelimit.Lockout); !ok || !m.Idle() {
			l.Succeed(user, ratelimit.ClientKey(remote))
		}
	case isFailure(err):
		l.Fail(user, ratelimit.ClientKey(remote), g.now())
	}
}

func isFailure(err error) bool {
	var e *apierr.Error
	return errors.As(err, &e) && e.Status == http.StatusUnauthorized
}

// ActionBackoff refuses (429) an action signature from the caller at
// remote while it is backing off after failed ones.
func (s *Service) ActionBackoff(p *principal.Principal, remote string) error {
	_, l := s.guard.lockouts()
	return s.guard.wait(l, p.UserID, remote)
}

// ActionAttempted records the outcome err of CompleteAction for the caller
// at remote.
func (s *Service) ActionAttempted(p *principal.Principal, remote string, err error) {
	_, l := s.guard.lockouts()
	s.guard.record(l, p.UserID, remote, err)
}

type clientKey struct{}

// WithClient returns ctx carrying the client address of the request
// (http.Request.RemoteAddr), which Login keys its backoff by.
func WithClient(ctx context.Context, remoteAddr string) context.Context {
	return context.WithValue(ctx, clientKey{}, remoteAddr)
}

func clientFrom(ctx context.Context) string {
	a, _ := ctx.Value(clientKey{}).(string)
	return a
}
