package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
)

func (s *Server) listUsers(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	items, next, err := s.Identity.ListUsers(r.Context(), principal.From(r.Context()), r.URL.Query().Get("kind"), pg)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, next))
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) error {
	var in identity.CreateUserInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Identity.CreateUser(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Identity.GetUser(r.Context(), principal.From(r.Context()), r.PathValue("id"))
	return reply(w, v, err)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) error {
	var in identity.UpdateUserInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Identity.UpdateUser(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), &in)
	return reply(w, v, err)
}

func (s *Server) userState(st identity.State) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.Identity.SetUserState(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), st)
		return reply(w, v, err)
	}
}

func (s *Server) archiveUser(w http.ResponseWriter, r *http.Request) error {
	return s.userState(identity.Archive)(w, r)
}

func (s *Server) activateUser(w http.ResponseWriter, r *http.Request) error {
	return s.userState(identity.Activate)(w, r)
}

func (s *Server) deactivateUser(w http.ResponseWriter, r *http.Request) error {
	return s.userState(identity.Deactivate)(w, r)
}

func (s *Server) listServiceAccounts(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Identity.ListServiceAccounts(r.Context(), principal.From(r.Context()))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, ""))
}

func (s *Server) createServiceAccount(w http.ResponseWriter, r *http.Request) error {
	var in identity.TokenInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Identity.CreateServiceAccount(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) getServiceAccount(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Identity.GetServiceAccount(r.Context(), principal.From(r.Context()), r.PathValue("id"))
	return reply(w, v, err)
}

func (s *Server) updateServiceAccount(w http.ResponseWriter, r *http.Request) error {
	var in identity.UpdateTokenInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Identity.UpdateServiceAccount(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), &in)
	return reply(w, v, err)
}

func (s *Server) serviceAccountState(st identity.State) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.Identity.SetServiceAccountState(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), st)
		return reply(w, v, err)
	}
}

func (s *Server) archiveServiceAccount(w http.ResponseWriter, r *http.Request) error {
	return s.serviceAccountState(identity.Archive)(w, r)
}

func (s *Server) activateServiceAccount(w http.ResponseWriter, r *http.Request) error {
	return s.serviceAccountState(identity.Activate)(w, r)
}

func (s *Server) deactivateServiceAccount(w http.ResponseWriter, r *http.Request) error {
	return s.serviceAccountState(identity.Deactivate)(w, r)
}

func (s *Server) listPats(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Identity.ListPats(r.Context(), principal.From(r.Context()))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, ""))
}

func (s *Server) createPat(w http.ResponseWriter, r *http.Request) error {
	var in identity.TokenInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Identity.CreatePat(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) getPat(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Identity.GetPat(r.Context(), principal.From(r.Context()), r.PathValue("id"))
	return reply(w, v, err)
}

func (s *Server) updatePat(w http.ResponseWriter, r *http.Request) error {
	var in identity.UpdateTokenInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Identity.UpdatePat(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), &in)
	return reply(w, v, err)
}

func (s *Server) patState(st identity.State) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.Identity.SetPatState(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), st)
		return reply(w, v, err)
	}
}

func (s *Server) archivePat(w http.ResponseWriter, r *http.Request) error {
	return s.patState(identity.Archive)(w, r)
}

func (s *Server) activatePat(w http.ResponseWriter, r *http.Request) error {
	return s.patState(identity.Activate)(w, r)
}

func (s *Server) deactivatePat(w http.ResponseWriter, r *http.Request) error {
	return s.patState(identity.Deactivate)(w, r)
}

func (s *Server) listApps(w http.ResponseWriter, r *http.Request) error {
	items, err := s.Identity.ListApps(r.Context(), principal.From(r.Context()))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(items, ""))
}

func (s *Server) createApp(w http.ResponseWriter, r *http.Request) error {
	var in identity.AppInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Identity.CreateApp(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) getApp(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Identity.GetApp(r.Context(), principal.From(r.Context()), r.PathValue("id"))
	return reply(w, v, err)
}

func (s *Server) updateApp(w http.ResponseWriter, r *http.Request) error {
	var in identity.AppInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Identity.UpdateApp(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), &in)
	return reply(w, v, err)
}

func (s *Server) appState(st identity.State) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request) error {
		v, err := s.Identity.SetAppState(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), st)
		return reply(w, v, err)
	}
}

func (s *Server) archiveApp(w http.ResponseWriter, r *http.Request) error {
	return s.appState(identity.Archive)(w, r)
}

func (s *Server) activateApp(w http.ResponseWriter, r *http.Request) error {
	return s.appState(identity.Activate)(w, r)
}

func (s *Server) deactivateApp(w http.ResponseWriter, r *http.Request) error {
	return s.appState(identity.Deactivate)(w, r)
}
