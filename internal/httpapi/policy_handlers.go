package httpapi

import (
	"net/http"

	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
)

// policyRoutes registers policies and approvals (docs/protocol/policies.md).
func (s *Server) policyRoutes() {
	s.handle("GET /v2/policies", s.listPolicies, needs("Policies:Read"))
	s.handle("POST /v2/policies", s.createPolicy, signed, needs("Policies:Create"))
	s.handle("GET /v2/policies/{policyId}", s.getPolicy, needs("Policies:Read"))
	s.handle("PUT /v2/policies/{policyId}", s.updatePolicy, signed, needs("Policies:Update"))
	s.handle("DELETE /v2/policies/{policyId}", s.archivePolicy, signed, needs("Policies:Archive"))

	s.handle("GET /v2/policy-approvals", s.listApprovals, needs("Policies:Approvals:Read"))
	s.handle("GET /v2/policy-approvals/{approvalId}", s.getApproval, needs("Policies:Approvals:Read"))
	s.handle("POST /v2/policy-approvals/{approvalId}/decisions", s.decideApproval, signed, needs("Policies:Approvals:Approve"))
}

func (s *Server) listPolicies(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	v, err := s.Policies.ListPolicies(r.Context(), principal.From(r.Context()), r.URL.Query().Get("status"), pg)
	return reply(w, v, err)
}

func (s *Server) createPolicy(w http.ResponseWriter, r *http.Request) error {
	var in policy.Body
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Policies.CreatePolicy(r.Context(), principal.From(r.Context()), actionOf(r), &in)
	return reply(w, v, err)
}

func (s *Server) getPolicy(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Policies.GetPolicy(r.Context(), principal.From(r.Context()), r.PathValue("policyId"))
	return reply(w, v, err)
}

func (s *Server) updatePolicy(w http.ResponseWriter, r *http.Request) error {
	var in policy.Body
	if err := readJSON(r, &in); err != nil {
		return err
	}
	c, err := s.Policies.UpdatePolicy(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("policyId"), &in)
	return replyChange(w, c, err)
}

func (s *Server) archivePolicy(w http.ResponseWriter, r *http.Request) error {
	c, err := s.Policies.ArchivePolicy(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("policyId"))
	return replyChange(w, c, err)
}

// replyChange answers a governed change: 200 with the entity, or 202 with
// the change request waiting for approval (the TS SDK raises
// PolicyPendingError on any 202).
func replyChange[T any](w http.ResponseWriter, c policy.Change[T], err error) error {
	if err != nil {
		return err
	}
	if c.Pending != nil {
		return writeJSON(w, http.StatusAccepted, c.Pending)
	}
	return writeJSON(w, http.StatusOK, c.Done)
}

func (s *Server) listApprovals(w http.ResponseWriter, r *http.Request) error {
	pg, err := page(r)
	if err != nil {
		return err
	}
	q := r.URL.Query()
	f := policy.ApprovalFilter{Status: q.Get("status"), InitiatorID: q.Get("initiatorId"), ApproverID: q.Get("approverId")}
	v, err := s.Policies.ListApprovals(r.Context(), principal.From(r.Context()), f, pg)
	return reply(w, v, err)
}

func (s *Server) getApproval(w http.ResponseWriter, r *http.Request) error {
	v, err := s.Policies.GetApproval(r.Context(), principal.From(r.Context()), r.PathValue("approvalId"))
	return reply(w, v, err)
}

func (s *Server) decideApproval(w http.ResponseWriter, r *http.Request) error {
	var in policy.DecisionInput
	if err := readJSON(r, &in); err != nil {
		return err
	}
	v, err := s.Policies.Decide(r.Context(), principal.From(r.Context()), actionOf(r), r.PathValue("approvalId"), &in)
	return reply(w, v, err)
}
