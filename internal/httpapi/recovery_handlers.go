package httpapi

import (
	"net/http"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/principal"
)

// recoveryRoutes registers the recovery of registered users
// (docs/protocol/recovery.md).
func (s *Server) recoveryRoutes() {
	s.handle("POST /auth/recover/user/code", s.sendRecoveryCode, public)
	s.handle("POST /auth/recover/user/init", s.recoveryInit, public)
	s.handle("POST /auth/recover/user/delegated", s.delegatedRecoveryInit, signed, needs("Auth:Recover:Delegated"))
	// The bearer of POST /auth/recover/user is the temporary token of a
	// recovery challenge, which only this handler accepts.
	s.handle("POST /auth/recover/user", s.recoverUser, public)

	// Login codes release PasswordProtectedKey material (docs/protocol/passwords.md).
	s.handle("POST /auth/login/code", s.sendLoginCode, public)

	// Credential codes (docs/protocol/credential-codes.md).
	s.handle("POST /auth/credentials/code", s.createCredentialCode, signed)
	s.handle("POST /auth/credentials/code/init", s.credentialCodeInit, public)
	s.handle("POST /auth/credentials/code/verify", s.createCredentialWithCode, public)
}

func (s *Server) createCredentialCode(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.CredentialCodeInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	out, err := s.People.CreateCredentialCode(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, out, err)
}

func (s *Server) credentialCodeInit(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.CredentialCodeInitInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	out, err := s.People.CredentialCodeInit(r.Context(), &in)
	return reply(w, out, err)
}

func (s *Server) createCredentialWithCode(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.CreateCredentialInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	c, err := s.People.CreateCredentialWithCode(r.Context(), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, auth.ViewCredential(c))
}

func (s *Server) sendRecoveryCode(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.RecoveryCodeInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := s.People.SendRecoveryCode(r.Context(), &in); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"message": "success"})
}

func (s *Server) recoveryInit(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.RecoveryInitInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.People.RecoveryInit(auth.WithClient(r.Context(), r.RemoteAddr), &in)
	if err != nil {
		s.countBackoff("recovery_backoff", err)
		return err
	}
	return writeJSON(w, http.StatusOK, ch)
}

func (s *Server) delegatedRecoveryInit(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.DelegatedRecoveryInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.People.DelegatedRecoveryInit(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ch)
}

func (s *Server) recoverUser(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.RecoverInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok || tok == "" {
		return apierr.Unauthorized("Not Authorized.")
	}
	out, err := s.People.Recover(r.Context(), tok, &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, out)
}

func (s *Server) sendLoginCode(w http.ResponseWriter, r *http.Request) error {
	if s.People == nil {
		return errNoPeople
	}
	var in auth.ResendCodeInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := s.People.SendLoginCode(r.Context(), &in); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"message": "success"})
}
