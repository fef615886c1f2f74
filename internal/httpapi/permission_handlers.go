package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/permission"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
)

func viewPerm(p *permission.Permission, err error) (permission.View, error) {
	if err != nil {
		return permission.View{}, err
	}
	return permission.ViewOf(p), nil
}

func (s *Server) listPermissions(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	perms, next, err := s.Perms.List(r.Context(), principal.From(r.Context()), pg)
	if err != nil {
		return err
	}
	out := make([]permission.View, 0, len(perms))
	for _, p := range perms {
		out = append(out, permission.ViewOf(p))
	}
	return writeJSON(w, http.StatusOK, listOf(out, next))
}

func (s *Server) createPermission(w http.ResponseWriter, r *http.Request) error {
	var in permission.Input
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := viewPerm(s.Perms.Create(r.Context(), principal.From(r.Context()), actionOf(r), &in))
	return reply(w, v, err)
}

func (s *Server) getPermission(w http.ResponseWriter, r *http.Request) error {
	v, err := viewPerm(s.Perms.Get(r.Context(), principal.From(r.Context()), r.PathValue("id")))
	if err != nil || s.Policies == nil {
		return reply(w, v, err)
	}
	// A change held for approval shows as pendingChangeRequest.
	cr, err := s.Policies.PendingChange(r.Context(), v.OrgID, v.ID)
	return reply(w, struct {
		permission.View
		PendingChangeRequest *policy.ChangeRequestView `json:"pendingChangeRequest,omitempty"`
	}{v, cr}, err)
}

func (s *Server) updatePermission(w http.ResponseWriter, r *http.Request) error {
	var in permission.Input
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := viewPerm(s.Perms.Update(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), &in))
	return reply(w, v, err)
}

func (s *Server) archivePermission(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		IsArchived *bool `json:"isArchived"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	if in.IsArchived == nil {
		return apierr.BadRequest("isArchived is required")
	}
	v, err := viewPerm(s.Perms.Archive(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), *in.IsArchived))
	return reply(w, v, err)
}

func (s *Server) listAssignments(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	as, next, err := s.Perms.Assignments(r.Context(), principal.From(r.Context()), r.PathValue("id"), pg)
	if err != nil {
		return err
	}
	type item struct {
		permission.AssignmentView
		PendingChangeRequest *policy.ChangeRequestView `json:"pendingChangeRequest,omitempty"`
	}
	out := make([]item, 0, len(as))
	for _, a := range as {
		it := item{AssignmentView: permission.ViewAssignment(a)}
		if s.Policies != nil {
			// A revocation held for approval.
			if it.PendingChangeRequest, err = s.Policies.PendingChange(r.Context(), a.OrgID, a.ID); err != nil {
				return err
			}
		}
		out = append(out, it)
	}
	return writeJSON(w, http.StatusOK, listOf(out, next))
}

func (s *Server) createAssignment(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		IdentityID string `json:"identityId"`
	}
	if err := readJSON(r, &in); err != nil {
		return err
	}
	a, err := s.Perms.Assign(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), in.IdentityID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, permission.ViewAssignment(a))
}

func (s *Server) deleteAssignment(w http.ResponseWriter, r *http.Request) error {
	err := s.Perms.Revoke(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("id"), r.PathValue("aid"))
	return reply(w, map[string]bool{"deleted": true}, err)
}
