package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/policy"
)

var _ policy.Store = (*DB)(nil)

const policyCols = `id, org_id, name, activity_kind, status, body, created_at, updated_at`

func scanPolicy(sc scanner) (*policy.Policy, error) {
	var p policy.Policy
	var body string
	var created, updated int64
	if err := sc.Scan(&p.ID, &p.OrgID, &p.Name, &p.ActivityKind, &p.Status, &body, &created, &updated); err != nil {
		return nil, err
	}
	if err := p.UnmarshalBody([]byte(body)); err != nil {
		return nil, fmt.Errorf("policy %s body: %w", p.ID, err)
	}
	p.Created, p.Updated = fromMS(created), fromMS(updated)
	return &p, nil
}

// CreatePolicy inserts p (a loud write: it invalidates the cached policy
// lists).
func (db *DB) CreatePolicy(ctx context.Context, p *policy.Policy) error {
	body, err := p.MarshalBody()
	if err != nil {
		return err
	}
	if _, err := db.exec(ctx, `INSERT INTO policies (`+policyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
		p.ID, p.OrgID, p.Name, p.ActivityKind, p.Status, string(body), ms(p.Created), ms(p.Updated)); err != nil {
		return fmt.Errorf("insert policy: %w", err)
	}
	return nil
}

// Policy returns policy id of org, or NotFound.
func (db *DB) Policy(ctx context.Context, org, id string) (*policy.Policy, error) {
	p, err := scanPolicy(db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT `+policyCols+` FROM policies WHERE org_id = ? AND id = ?`), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("policy %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select policy: %w", err)
	}
	return p, nil
}

// Policies pages through the policies of org by id.
func (db *DB) Policies(ctx context.Context, org, status string, p identity.Page) ([]*policy.Policy, string, error) {
	q := `SELECT ` + policyCols + ` FROM policies WHERE org_id = ? AND id > ?`
	args := []any{org, p.Token}
	if status != "" {
		q += ` AND status = ?`
		args = append(args, status)
	}
	return queryPage(ctx, db, "policies", q+` ORDER BY id`, args, p, scanPolicy,
		func(p *policy.Policy) string { return p.ID })
}

// UpdatePolicy writes p (loud).
func (db *DB) UpdatePolicy(ctx context.Context, p *policy.Policy) error {
	body, err := p.MarshalBody()
	if err != nil {
		return err
	}
	if _, err := db.exec(ctx, `UPDATE policies SET name = ?, activity_kind = ?, status = ?, body = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, p.Name, p.ActivityKind, p.Status, string(body), ms(p.Updated), p.OrgID, p.ID); err != nil {
		return fmt.Errorf("update policy: %w", err)
	}
	return nil
}

// ActivePolicies returns the active policies of org from the read cache
// (cache.go): policy writes are loud, so the list is never older than the
// last committed policy change.
func (db *DB) ActivePolicies(ctx context.Context, org string) ([]*policy.Policy, error) {
	return cached(db.cacheFor(ctx), "pl\x00"+org, func() ([]*policy.Policy, error) {
		return queryAll(ctx, db, "active policies", `SELECT `+policyCols+` FROM policies
			WHERE org_id = ? AND status = 'Active' ORDER BY id`, []any{org}, scanPolicy)
	})
}

const approvalCols = `id, org_id, initiator_id, activity_kind, target_id, activity, status, groups_json, evaluations,
	expires_at, created_at, updated_at, resolved_at`

func scanApproval(sc scanner) (*policy.Approval, error) {
	var a policy.Approval
	var act, groups, evs string
	var exp, created, updated, resolved int64
	if err := sc.Scan(&a.ID, &a.OrgID, &a.InitiatorID, &a.ActivityKind, &a.TargetID, &act, &a.Status, &groups, &evs,
		&exp, &created, &updated, &resolved); err != nil {
		return nil, err
	}
	a.Activity = json.RawMessage(act)
	if err := json.Unmarshal([]byte(groups), &a.Groups); err != nil {
		return nil, fmt.Errorf("approval %s groups: %w", a.ID, err)
	}
	if err := json.Unmarshal([]byte(evs), &a.Evaluations); err != nil {
		return nil, fmt.Errorf("approval %s evaluations: %w", a.ID, err)
	}
	a.Expires, a.Created, a.Updated, a.Resolved = fromMS(exp), fromMS(created), fromMS(updated), fromMS(resolved)
	return &a, nil
}

// CreateApproval inserts a and the users its groups name.
func (db *DB) CreateApproval(ctx context.Context, a *policy.Approval) error {
	groups, err := json.Marshal(a.Groups)
	if err != nil {
		return err
	}
	evs, err := json.Marshal(a.Evaluations)
	if err != nil {
		return err
	}
	anyone := 0
	named := map[string]bool{}
	for _, g := range a.Groups {
		if g.Approvers.UserID == nil {
			anyone = 1
			continue
		}
		for _, u := range g.Approvers.UserID.In {
			named[u] = true
		}
	}
	return db.submit(ctx, writeOp{quiet: true, fn: func(tx *Tx) error {
		if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO approvals (`+approvalCols+`, any_approver)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`), a.ID, a.OrgID, a.InitiatorID, a.ActivityKind, a.TargetID,
			string(a.Activity), a.Status, string(groups), string(evs), ms(a.Expires), ms(a.Created), ms(a.Updated),
			ms(a.Resolved), anyone); err != nil {
			return fmt.Errorf("insert approval: %w", err)
		}
		for u := range named {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO approval_approvers (approval_id, org_id, user_id)
				VALUES (?, ?, ?)`), a.ID, a.OrgID, u); err != nil {
				return fmt.Errorf("insert approval approver: %w", err)
			}
		}
		return nil
	}})
}

// Approval returns approval id of org with its decisions; lock takes its
// row lock on PostgreSQL (SQLite's single writer serialises units).
func (db *DB) Approval(ctx context.Context, org, id string, lock bool) (*policy.Approval, error) {
	q := `SELECT ` + approvalCols + ` FROM approvals WHERE org_id = ? AND id = ?`
	if lock {
		q += db.forUpdate()
	}
	a, err := scanApproval(db.rd(ctx).QueryRowContext(ctx, db.q(q), org, id))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apierr.NotFound("approval %s not found", id)
	}
	if err != nil {
		return nil, fmt.Errorf("select approval: %w", err)
	}
	if err := db.loadDecisions(ctx, []*policy.Approval{a}); err != nil {
		return nil, err
	}
	return a, nil
}

func (db *DB) loadDecisions(ctx context.Context, as []*policy.Approval) error {
	for _, a := range as {
		ds, err := queryAll(ctx, db, "approval decisions", `SELECT user_id, service_account, value, reason, created_at
			FROM approval_decisions WHERE approval_id = ? ORDER BY created_at, user_id`, []any{a.ID},
			func(r scanner) (policy.UserDecision, error) {
				var d policy.UserDecision
				var sa int
				var reason sql.NullString
				var at int64
				err := r.Scan(&d.UserID, &sa, &d.Value, &reason, &at)
				d.ServiceAccount, d.Date = sa == 1, fromMS(at)
				if reason.Valid {
					d.Reason = &reason.String
				}
				return d, err
			})
		if err != nil {
			return err
		}
		a.Decisions = ds
	}
	return nil
}

// Approvals pages through the approvals of org by id.
func (db *DB) Approvals(ctx context.Context, org string, f policy.ApprovalFilter, p identity.Page) ([]*policy.Approval, string, error) {
	q := `SELECT ` + approvalCols + ` FROM approvals WHERE org_id = ? AND id > ?`
	args := []any{org, p.Token}
	if f.Status != "" {
		q += ` AND status = ?`
		args = append(args, f.Status)
	}
	if f.InitiatorID != "" {
		q += ` AND initiator_id = ?`
		args = append(args, f.InitiatorID)
	}
	if f.ApproverID != "" {
		q += ` AND (any_approver = 1 OR id IN (SELECT approval_id FROM approval_approvers WHERE org_id = ? AND user_id = ?))`
		args = append(args, org, f.ApproverID)
	}
	as, next, err := queryPage(ctx, db, "approvals", q+` ORDER BY id`, args, p, scanApproval,
		func(a *policy.Approval) string { return a.ID })
	if err != nil {
		return nil, "", err
	}
	return as, next, db.loadDecisions(ctx, as)
}

// AddDecision inserts d.
func (db *DB) AddDecision(ctx context.Context, approvalID string, d policy.UserDecision) error {
	var reason any
	if d.Reason != nil {
		reason = *d.Reason
	}
	if _, err := db.execQuiet(ctx, `INSERT INTO approval_decisions (approval_id, user_id, value, reason, service_account, created_at)
		VALUES (?, ?, ?, ?, ?, ?)`, approvalID, d.UserID, d.Value, reason, b2i(d.ServiceAccount), ms(d.Date)); err != nil {
		return fmt.Errorf("insert approval decision: %w", err)
	}
	return nil
}

// UpdateApproval writes status and dates of a.
func (db *DB) UpdateApproval(ctx context.Context, a *policy.Approval) error {
	if _, err := db.execQuiet(ctx, `UPDATE approvals SET status = ?, updated_at = ?, resolved_at = ? WHERE org_id = ? AND id = ?`,
		a.Status, ms(a.Updated), ms(a.Resolved), a.OrgID, a.ID); err != nil {
		return fmt.Errorf("update approval: %w", err)
	}
	return nil
}

// ExpiredApprovals lists Pending approvals that expired before now.
func (db *DB) ExpiredApprovals(ctx context.Context, now time.Time, limit int) ([]*policy.Approval, error) {
	return queryAll(ctx, db, "expired approvals", `SELECT `+approvalCols+` FROM approvals
		WHERE status = 'Pending' AND expires_at > 0 AND expires_at <= ? ORDER BY expires_at LIMIT ?`,
		[]any{ms(now), limit}, scanApproval)
}

// RecordEvaluations inserts the evaluations of one activity.
func (db *DB) RecordEvaluations(ctx context.Context, org, targetID string, evs []policy.Evaluation, at time.Time) error {
	return db.submit(ctx, writeOp{quiet: true, fn: func(tx *Tx) error {
		for _, e := range evs {
			if _, err := tx.ExecContext(ctx, db.q(`INSERT INTO policy_evaluations (id, org_id, policy_id, target_id, triggered,
				reason, context, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), e.ID, org, e.PolicyID, targetID,
				b2i(e.Triggered), e.Reason, string(e.Context), ms(at)); err != nil {
				return fmt.Errorf("insert policy evaluation: %w", err)
			}
		}
		return nil
	}})
}

// RecordWalletActivity inserts one wallet activity for the velocity rules.
func (db *DB) RecordWalletActivity(ctx context.Context, org, walletID, targetID string, usd float64, at time.Time) error {
	if _, err := db.execQuiet(ctx, `INSERT INTO wallet_activity (org_id, wallet_id, target_id, usd, created_at)
		VALUES (?, ?, ?, ?, ?)`, org, walletID, targetID, usd, ms(at)); err != nil {
		return fmt.Errorf("insert wallet activity: %w", err)
	}
	return nil
}

// WalletActivity sums the activities of a wallet since a time.
func (db *DB) WalletActivity(ctx context.Context, org, walletID string, since time.Time) (int, float64, bool, error) {
	var n, unknown int
	var usd float64
	err := db.rd(ctx).QueryRowContext(ctx, db.q(`SELECT COUNT(*), COALESCE(SUM(CASE WHEN usd >= 0 THEN usd ELSE 0 END), 0),
		COALESCE(SUM(CASE WHEN usd < 0 THEN 1 ELSE 0 END), 0)
		FROM wallet_activity WHERE org_id = ? AND wallet_id = ? AND created_at >= ?`), org, walletID, ms(since)).Scan(&n, &usd, &unknown)
	if err != nil {
		return 0, 0, false, fmt.Errorf("select wallet activity: %w", err)
	}
	return n, usd, unknown > 0, nil
}
