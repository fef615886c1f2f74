package httpapi

import (
	"net/http"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/enduser"
)

// endUserRoutes registers POST /auth/registration/enduser
// (docs/protocol/delegated.md). Its bearer is the temporary token of a
// delegated registration challenge, which only this handler and
// POST /auth/registration accept.
func (s *Server) endUserRoutes() {
	var eu *enduser.Service
	if s.People != nil && s.Wallets != nil {
		eu = enduser.New(s.People, s.Wallets)
	}
	s.handle("POST /auth/registration/enduser", func(w http.ResponseWriter, r *http.Request) error {
		if eu == nil {
			return errNoPeople
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || tok == "" {
			return apierr.Unauthorized("Not Authorized.")
		}
		var in enduser.Input
		if err := readJSON(r, &in); err != nil {
			return err
		}
		out, err := eu.Register(r.Context(), tok, &in)
		return reply(w, out, err)
	}, public)
}
