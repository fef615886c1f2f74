-- Policies v2, approvals and their decisions, policy evaluations, change
-- requests and the per-wallet history the velocity rules read
-- (docs/protocol/policies.md). Rules, actions and filters are kept as the
-- JSON the API accepted (body); approval groups and evaluations as JSON.

CREATE TABLE policies (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs(id),
	name          TEXT NOT NULL,
	activity_kind TEXT NOT NULL,
	status        TEXT NOT NULL,
	body          TEXT NOT NULL,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL
);
CREATE INDEX policies_org ON policies (org_id, id);
CREATE INDEX policies_active ON policies (org_id, status, id);

-- approvals: target_id is what the approval holds (a signature request or
-- a change request); activity is its JSON snapshot for the wire; groups the
-- approval groups of the triggered policies; any_approver is 1 when some
-- group lets any user of the org approve.
CREATE TABLE approvals (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs(id),
	initiator_id  TEXT NOT NULL,
	activity_kind TEXT NOT NULL,
	target_id     TEXT NOT NULL,
	activity      TEXT NOT NULL,
	status        TEXT NOT NULL,
	groups_json   TEXT NOT NULL,
	evaluations   TEXT NOT NULL,
	any_approver  INTEGER NOT NULL DEFAULT 0,
	expires_at    BIGINT NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	resolved_at   BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX approvals_org ON approvals (org_id, id);
CREATE INDEX approvals_status ON approvals (org_id, status, id);
CREATE INDEX approvals_expiry ON approvals (status, expires_at) WHERE expires_at > 0;

-- approval_approvers lists the users named in an approval's groups
-- (the approverId filter).
CREATE TABLE approval_approvers (
	approval_id TEXT NOT NULL REFERENCES approvals(id),
	org_id      TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	PRIMARY KEY (approval_id, user_id)
);
CREATE INDEX approval_approvers_user ON approval_approvers (org_id, user_id, approval_id);

-- One decision per user and approval.
CREATE TABLE approval_decisions (
	approval_id TEXT NOT NULL REFERENCES approvals(id),
	user_id     TEXT NOT NULL,
	value       TEXT NOT NULL,
	reason      TEXT,
	service_account INTEGER NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL,
	PRIMARY KEY (approval_id, user_id)
);

-- policy_evaluations records every evaluation of a policy against an
-- activity (target_id: the signature or change request).
CREATE TABLE policy_evaluations (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES orgs(id),
	policy_id   TEXT NOT NULL,
	target_id   TEXT NOT NULL,
	triggered   INTEGER NOT NULL,
	reason      TEXT NOT NULL,
	context     TEXT NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL
);
CREATE INDEX policy_evaluations_target ON policy_evaluations (org_id, target_id);

-- change_requests hold a change waiting for approval (body: the would-be
-- entity).
CREATE TABLE change_requests (
	id             TEXT PRIMARY KEY,
	org_id         TEXT NOT NULL REFERENCES orgs(id),
	kind           TEXT NOT NULL,
	operation_kind TEXT NOT NULL,
	entity_id      TEXT NOT NULL,
	status         TEXT NOT NULL,
	requester      TEXT NOT NULL,
	body           TEXT NOT NULL,
	approval_id    TEXT NOT NULL DEFAULT '',
	created_at     BIGINT NOT NULL,
	resolved_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX change_requests_entity ON change_requests (org_id, entity_id, status);

-- wallet_activity is what the velocity rules count: each wallet signing
-- activity a velocity policy saw, with its value in USD (-1: unknown).
CREATE TABLE wallet_activity (
	org_id     TEXT NOT NULL,
	wallet_id  TEXT NOT NULL,
	target_id  TEXT NOT NULL,
	usd        DOUBLE PRECISION NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (org_id, wallet_id, created_at, target_id)
);

-- Approved signature requests wait in Executing until signed; the resume
-- job finds those a crash left (docs/protocol/policies.md §2).
CREATE INDEX signature_requests_executing ON signature_requests (status) WHERE status = 'Executing';
