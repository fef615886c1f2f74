package httpapi

import (
	"net/http"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/auth"
	"github.com/custos-dev/custos/internal/principal"
)

func (s *Server) loginInit(w http.ResponseWriter, r *http.Request) error {
	var in auth.LoginInitInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.Auth.LoginInit(auth.WithClient(r.Context(), r.RemoteAddr), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ch)
}

func (s *Server) login(w http.ResponseWriter, r *http.Request) error {
	var in auth.CompleteInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	token, err := s.Auth.Login(auth.WithClient(r.Context(), r.RemoteAddr), &in)
	if err != nil {
		s.countBackoff("login_backoff", err)
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"token": token})
}

func (s *Server) logout(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		AllSessions bool `json:"allSessions"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := s.Auth.Logout(r.Context(), principal.From(r.Context()), in.AllSessions); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"message": "success"})
}

func (s *Server) actionInit(w http.ResponseWriter, r *http.Request) error {
	var in auth.InitActionInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.Auth.InitAction(r.Context(), principal.From(r.Context()), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ch)
}

func (s *Server) action(w http.ResponseWriter, r *http.Request) error {
	var in auth.CompleteInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	p := principal.From(r.Context())
	if err := s.Auth.ActionBackoff(p, r.RemoteAddr); err != nil {
		s.countBackoff("action_backoff", err)
		return err
	}
	token, err := s.Auth.CompleteAction(r.Context(), p, &in)
	s.Auth.ActionAttempted(p, r.RemoteAddr, err)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"userAction": token})
}

func (s *Server) listCredentials(w http.ResponseWriter, r *http.Request) error {
	creds, err := s.Auth.Credentials(r.Context(), principal.From(r.Context()))
	if err != nil {
		return err
	}
	out := make([]auth.CredentialView, 0, len(creds))
	for _, c := range creds {
		out = append(out, auth.ViewCredential(c))
	}
	return writeJSON(w, http.StatusOK, listOf(out, ""))
}

func (s *Server) credentialInit(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Kind string `json:"kind"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	ch, err := s.Auth.CredentialInit(r.Context(), principal.From(r.Context()), in.Kind)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ch)
}

func (s *Server) createCredential(w http.ResponseWriter, r *http.Request) error {
	var in auth.CreateCredentialInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	c, err := s.Auth.CreateCredential(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, auth.ViewCredential(c))
}

func (s *Server) setCredential(w http.ResponseWriter, r *http.Request, active bool) error {
	var in struct {
		CredentialUUID string `json:"credentialUuid"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if err := s.Auth.SetCredentialActive(r.Context(), principal.From(r.Context()), actionOf(r), in.CredentialUUID, active); err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, map[string]string{"message": "success"})
}

func (s *Server) activateCredential(w http.ResponseWriter, r *http.Request) error {
	return s.setCredential(w, r, true)
}

func (s *Server) deactivateCredential(w http.ResponseWriter, r *http.Request) error {
	return s.setCredential(w, r, false)
}

func (s *Server) archiveCredential(w http.ResponseWriter, r *http.Request) error {
	err := s.Auth.ArchiveCredential(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"))
	return reply(w, struct{}{}, err)
}

func (s *Server) listAuditLogs(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := auth.LogFilter{UserID: q.Get("userId"), Page: pg}
	for name, dst := range map[string]*time.Time{"startTime": &f.Start, "endTime": &f.End} {
		if v := q.Get(name); v != "" {
			t, err := time.Parse(time.RFC3339Nano, v)
			if err != nil {
				return apierr.BadRequest("%s must be an ISO-8601 date", name)
			}
			*dst = t
		}
	}
	items, next, err := s.Auth.AuditLogs(r.Context(), principal.From(r.Context()), f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, next))
}

func (s *Server) getAuditLog(w http.ResponseWriter, r *http.Request) error {
	e, err := s.Auth.AuditLog(r.Context(), principal.From(r.Context()), r.PathValue("id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, e)
}
