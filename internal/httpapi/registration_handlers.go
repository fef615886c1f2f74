package httpapi

import (
	"net/http"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/principal"
)

// peopleRoutes registers the routes of invited users' registration
// (docs/protocol/registration.md).
func (s *Server) peopleRoutes() {
	s.handle("POST /auth/registration/init", s.registrationInit, public)
	// The bearer of POST /auth/registration is the temporary token of a
	// registration challenge, which only this handler accepts.
	s.handle("POST /auth/registration", s.register, public)
	s.handle("PUT /auth/registration/code", s.resendRegistrationCode, public)
	// Delegated registration and login of end users (docs/protocol/delegated.md).
	s.handle("POST /auth/registration/delegated", s.delegatedRegistration, signed, needs("Auth:Register:Delegated"))
	s.handle("POST /auth/login/delegated", s.delegatedLogin, signed, needs("Auth:Login:Delegated"))
	s.endUserRoutes()
	s.recoveryRoutes()
	if s.Page != nil {
		// The people's page (internal/webapp): static files and its config.
		s.handle("GET /app/", s.page, public)
	}
}

var errNoPeople = apierr.NotImplemented("registration of invited users is not enabled on this server")

func (s *Server) registrationInit(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.RegistrationInitInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.People.Init(auth.WithClient(r.Context(), r.RemoteAddr), &in)
	if err != nil {
		s.countBackoff("registration_backoff", err)
		return err
	}
	return writeJSON(w, http.StatusOK, ch)
}

func (s *Server) register(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return apierr.Unauthorized("Not Authorized.")
	}
	var in auth.RegistrationInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	out, err := s.People.Register(r.Context(), tok, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) resendRegistrationCode(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.ResendCodeInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := s.People.ResendCode(r.Context(), &in); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"message": "success"})
}

// page serves the files of the people's page; any other path under /app/
// is a 404 in the Dfns error shape.
func (s *Server) page(w http.ResponseWriter, r *http.Request) error {
	switch strings.TrimPrefix(r.URL.Path, "/app/") {
	case "", "app.js", "config.json":
		s.Page.ServeHTTP(w, r)
		return nil
	}
	return errNoRoute(r)
}

func (s *Server) delegatedRegistration(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.DelegatedRegistrationInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.People.DelegatedRegistration(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, ch, err)
}

func (s *Server) delegatedLogin(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.DelegatedLoginInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	tok, err := s.People.DelegatedLogin(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"token": tok})
}
