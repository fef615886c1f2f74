package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
)

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) error {
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			return (&apierr.Error{Status: http.StatusServiceUnavailable, Message: "not ready"}).Wrap(err)
		}
	}
	return writeJSON(w, http.StatusOK, map[string]string{"status": "ready"})
}

func (s *Server) jwks(w http.ResponseWriter, r *http.Request) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=300")
	_, _ = w.Write(s.Auth.Tokens().JWKS())
	return nil
}

// notProvided answers a Dfns-only product area with 501
// (docs/protocol/README.md, Decision 10).
func (s *Server) notProvided(area string) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		return apierr.NotImplemented("%s: this product area is provided by Dfns only and is not offered by this server", area)
	}
}

func errNoRoute(r *http.Request) error {
	return apierr.NotFound("no route for %s %s", r.Method, r.URL.Path)
}
