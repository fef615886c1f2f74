package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/principal"
)

// limitAddr spends one request of the client address's budget on an
// endpoint that needs no bearer token.
// TODO(rate limits).
func (s *Server) limitAddr(r *http.Request) error { return nil }

// limitPrincipal spends one request of the caller's organisation and
// identity budgets.
// TODO(rate limits).
func (s *Server) limitPrincipal(r *http.Request, p *principal.Principal) error { return nil }
