-- Keys, wallets, signature requests and key-import signers. Private keys
-- are kept only sealed (AES-256-GCM under the KEK named by kek_id, bound to
-- the row); public keys are lower-case hex.

CREATE TABLE keys (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs(id),
	scheme        TEXT NOT NULL,
	curve         TEXT NOT NULL,
	public_key    TEXT NOT NULL,
	name          TEXT NOT NULL DEFAULT '',
	status        TEXT NOT NULL,
	custodial     INTEGER NOT NULL DEFAULT 1,
	imported      INTEGER NOT NULL DEFAULT 0,
	exportable    INTEGER NOT NULL DEFAULT 0,
	exported      INTEGER NOT NULL DEFAULT 0,
	backend       TEXT NOT NULL,
	kek_id        TEXT NOT NULL,
	sealed        BLOB NOT NULL,
	created_by    TEXT NOT NULL DEFAULT '',
	created_at    BIGINT NOT NULL,
	exported_at   BIGINT NOT NULL DEFAULT 0,
	deleted_at    BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX keys_org ON keys (org_id, id);

CREATE TABLE wallets (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES orgs(id),
	key_id      TEXT NOT NULL REFERENCES keys(id),
	network     TEXT NOT NULL,
	address     TEXT NOT NULL DEFAULT '',
	name        TEXT NOT NULL DEFAULT '',
	external_id TEXT NOT NULL DEFAULT '',
	status      TEXT NOT NULL,
	-- tags is a JSON array of strings.
	tags        TEXT NOT NULL DEFAULT '[]',
	created_at  BIGINT NOT NULL
);
CREATE INDEX wallets_org ON wallets (org_id, id);
CREATE INDEX wallets_key ON wallets (org_id, key_id);

-- signature_requests: request_body is the body as received (JSON text),
-- result the chain.Result once signed (JSON text, '' before).
CREATE TABLE signature_requests (
	id                 TEXT PRIMARY KEY,
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
);
CREATE INDEX signature_requests_key ON signature_requests (org_id, key_id, id);
CREATE INDEX signature_requests_wallet ON signature_requests (org_id, wallet_id, id);
-- externalId idempotency (policies-permissions-webhooks.md §6), per org.
CREATE UNIQUE INDEX signature_requests_external ON signature_requests (org_id, external_id) WHERE external_id <> '';

-- import_signers are the key-import encryption keys of an org (sealed).
CREATE TABLE import_signers (
	id         TEXT PRIMARY KEY,
	org_id     TEXT NOT NULL REFERENCES orgs(id),
	public_key TEXT NOT NULL,
	kek_id     TEXT NOT NULL,
	sealed     BLOB NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX import_signers_org ON import_signers (org_id);
