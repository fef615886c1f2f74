package store

import (
	"context"
	"sync"
)

// A scope is one request's view of the stores: values a store needs once
// per request (such as the shared cache generation a replica checks before
// trusting its cached reads, docs/replicas.md) are loaded at most once in
// it. The HTTP layer opens one per request; without one, every lookup
// loads afresh.
type scope struct {
	mu sync.Mutex
	m  map[any]any
}

type scopeKey struct{}

// WithScope returns ctx with a new, empty scope.
func WithScope(ctx context.Context) context.Context {
	return context.WithValue(ctx, scopeKey{}, &scope{})
}

// Scoped returns the value stored under key in ctx's scope, loading it
// with load the first time. Errors are returned, not kept: a later lookup
// loads again. Without a scope in ctx it always loads.
func Scoped[T any](ctx context.Context, key any, load func() (T, error)) (T, error) {
	s, _ := ctx.Value(scopeKey{}).(*scope)
	if s == nil {
		return load()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if v, ok := s.m[key]; ok {
		return v.(T), nil
	}
	v, err := load()
	if err != nil {
		return v, err
	}
	if s.m == nil {
		s.m = map[any]any{}
	}
	s.m[key] = v
	return v, nil
}
