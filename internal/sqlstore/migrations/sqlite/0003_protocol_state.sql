-- Protocol state written on every signed request, in one B-tree each.
-- Their ids are time-ordered, so a WITHOUT ROWID table keyed by id appends
-- like a rowid table does, without a second B-tree for the id: every
-- commit writes fewer pages. Expiry and audit-log time ranges are served
-- by id ranges (an id starts with its creation time), so the expiry and
-- per-org time indexes go.
--
-- A user action's id is derived from the id of the challenge it was minted
-- for; the primary key then makes each challenge yield at most one action.

CREATE TABLE challenges_v3 (
	id          TEXT NOT NULL PRIMARY KEY,
	secret_hash TEXT NOT NULL,
	org_id      TEXT NOT NULL,
	purpose     TEXT NOT NULL,
	user_id     TEXT NOT NULL,
	token_id    TEXT NOT NULL DEFAULT '',
	session_id  TEXT NOT NULL DEFAULT '',
	challenge   TEXT NOT NULL,
	kind        TEXT NOT NULL DEFAULT '',
	method      TEXT NOT NULL DEFAULT '',
	path        TEXT NOT NULL DEFAULT '',
	payload     TEXT NOT NULL DEFAULT '',
	allowed     TEXT NOT NULL DEFAULT '[]',
	expires_at  BIGINT NOT NULL,
	used_at     BIGINT NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO challenges_v3 SELECT id, secret_hash, org_id, purpose, user_id, token_id, session_id, challenge, kind,
	method, path, payload, allowed, expires_at, used_at, created_at FROM challenges;
DROP TABLE challenges;
ALTER TABLE challenges_v3 RENAME TO challenges;

CREATE TABLE user_actions_v3 (
	id                 TEXT NOT NULL PRIMARY KEY,
	token_hash         TEXT NOT NULL,
	org_id             TEXT NOT NULL,
	user_id            TEXT NOT NULL,
	username           TEXT NOT NULL DEFAULT '',
	token_id           TEXT NOT NULL DEFAULT '',
	session_id         TEXT NOT NULL DEFAULT '',
	cred_uuid          TEXT NOT NULL,
	method             TEXT NOT NULL,
	path               TEXT NOT NULL,
	payload            TEXT NOT NULL,
	payload_hash       TEXT NOT NULL,
	client_data        TEXT NOT NULL,
	signature          TEXT NOT NULL,
	authenticator_data TEXT NOT NULL DEFAULT '',
	expires_at         BIGINT NOT NULL,
	consumed_at        BIGINT NOT NULL DEFAULT 0,
	created_at         BIGINT NOT NULL
) WITHOUT ROWID;
INSERT INTO user_actions_v3 SELECT id, token_hash, org_id, user_id, username, token_id, session_id, cred_uuid, method,
	path, payload, payload_hash, client_data, signature, authenticator_data, expires_at, consumed_at, created_at
	FROM user_actions;
DROP TABLE user_actions;
ALTER TABLE user_actions_v3 RENAME TO user_actions;

-- Signature requests: keyed by their time-ordered id in one B-tree; the
-- wallet index holds only wallet-level requests.
CREATE TABLE signature_requests_v3 (
	id                 TEXT NOT NULL PRIMARY KEY,
	org_id             TEXT NOT NULL REFERENCES orgs(id),
	key_id             TEXT NOT NULL REFERENCES keys(id),
	wallet_id          TEXT NOT NULL DEFAULT '',
	network            TEXT NOT NULL DEFAULT '',
	requester_user_id  TEXT NOT NULL,
	requester_token_id TEXT NOT NULL DEFAULT '',
	requester_app_id   TEXT NOT NULL DEFAULT '',
	request_body       TEXT NOT NULL,
	status             TEXT NOT NULL,
	reason             TEXT NOT NULL DEFAULT '',
	result             TEXT NOT NULL DEFAULT '',
	approval_id        TEXT NOT NULL DEFAULT '',
	external_id        TEXT NOT NULL DEFAULT '',
	requested_at       BIGINT NOT NULL,
	policy_resolved_at BIGINT NOT NULL DEFAULT 0,
	signed_at          BIGINT NOT NULL DEFAULT 0
) WITHOUT ROWID;
INSERT INTO signature_requests_v3 SELECT id, org_id, key_id, wallet_id, network, requester_user_id, requester_token_id,
	requester_app_id, request_body, status, reason, result, approval_id, external_id, requested_at, policy_resolved_at,
	signed_at FROM signature_requests;
DROP TABLE signature_requests;
ALTER TABLE signature_requests_v3 RENAME TO signature_requests;
CREATE INDEX signature_requests_key ON signature_requests (org_id, key_id, id);
CREATE INDEX signature_requests_wallet ON signature_requests (org_id, wallet_id, id) WHERE wallet_id <> '';
CREATE UNIQUE INDEX signature_requests_external ON signature_requests (org_id, external_id) WHERE external_id <> '';
