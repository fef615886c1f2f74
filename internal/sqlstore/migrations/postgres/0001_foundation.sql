-- The whole schema of SQLite migrations 0001-0005 in one file: no
-- PostgreSQL database predates them, so versions 0002-0005 are empty here
-- and a version number names the same schema on both dialects (see
-- ../README.md). Times are unix milliseconds (BIGINT); booleans are 0/1
-- integers as on SQLite, so the same SQL runs on both; sealed material is
-- BYTEA. Text compares byte by byte (COLLATE "C"), as SQLite's BINARY
-- does: ids are ordered and paged by range, which a locale's collation
-- (that skips the '-' in an id) would break.

CREATE TABLE orgs (
	id         TEXT COLLATE "C" PRIMARY KEY,
	name       TEXT COLLATE "C" NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE users (
	id                  TEXT COLLATE "C" PRIMARY KEY,
	org_id              TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	username            TEXT COLLATE "C" NOT NULL,
	name                TEXT COLLATE "C" NOT NULL,
	kind                TEXT COLLATE "C" NOT NULL,
	is_service_account  INTEGER NOT NULL DEFAULT 0,
	is_active           INTEGER NOT NULL DEFAULT 1,
	is_archived         INTEGER NOT NULL DEFAULT 0,
	is_registered       INTEGER NOT NULL DEFAULT 0,
	is_sso_required     INTEGER NOT NULL DEFAULT 0,
	external_id         TEXT COLLATE "C" NOT NULL DEFAULT '',
	credential_uuid     TEXT COLLATE "C" NOT NULL DEFAULT '',
	registration_code   TEXT COLLATE "C" NOT NULL DEFAULT '',
	registration_expiry BIGINT NOT NULL DEFAULT 0,
	sessions_after      BIGINT NOT NULL DEFAULT 0,
	created_at          BIGINT NOT NULL,
	session_gen         BIGINT NOT NULL DEFAULT 0,
	UNIQUE (org_id, username)
);

CREATE TABLE credentials (
	uuid                  TEXT COLLATE "C" PRIMARY KEY,
	org_id                TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	user_id               TEXT COLLATE "C" NOT NULL REFERENCES users(id),
	token_id              TEXT COLLATE "C" NOT NULL DEFAULT '',
	cred_id               TEXT COLLATE "C" NOT NULL,
	kind                  TEXT COLLATE "C" NOT NULL,
	name                  TEXT COLLATE "C" NOT NULL,
	public_key            TEXT COLLATE "C" NOT NULL,
	algorithm             TEXT COLLATE "C" NOT NULL DEFAULT '',
	encrypted_private_key TEXT COLLATE "C" NOT NULL DEFAULT '',
	rp_id                 TEXT COLLATE "C" NOT NULL DEFAULT '',
	origin                TEXT COLLATE "C" NOT NULL DEFAULT '',
	sign_count            BIGINT NOT NULL DEFAULT 0,
	is_active             INTEGER NOT NULL DEFAULT 1,
	is_archived           INTEGER NOT NULL DEFAULT 0,
	created_at            BIGINT NOT NULL,
	UNIQUE (org_id, cred_id)
);
CREATE INDEX credentials_user ON credentials (user_id);

CREATE TABLE apps (
	id          TEXT COLLATE "C" PRIMARY KEY,
	org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	kind        TEXT COLLATE "C" NOT NULL,
	name        TEXT COLLATE "C" NOT NULL,
	rp_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
	origin      TEXT COLLATE "C" NOT NULL DEFAULT '',
	external_id TEXT COLLATE "C" NOT NULL DEFAULT '',
	is_active   INTEGER NOT NULL DEFAULT 1,
	is_archived INTEGER NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL
);

CREATE TABLE tokens (
	id          TEXT COLLATE "C" PRIMARY KEY,
	org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	kind        TEXT COLLATE "C" NOT NULL,
	user_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
	app_id      TEXT COLLATE "C" NOT NULL DEFAULT '',
	name        TEXT COLLATE "C" NOT NULL,
	cred_uuid   TEXT COLLATE "C" NOT NULL DEFAULT '',
	cred_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
	public_key  TEXT COLLATE "C" NOT NULL DEFAULT '',
	token_hash  TEXT COLLATE "C" NOT NULL DEFAULT '',
	external_id TEXT COLLATE "C" NOT NULL DEFAULT '',
	is_active   INTEGER NOT NULL DEFAULT 1,
	is_archived INTEGER NOT NULL DEFAULT 0,
	expires_at  BIGINT NOT NULL,
	created_at  BIGINT NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id);

CREATE TABLE revoked_sessions (
	jti        TEXT COLLATE "C" PRIMARY KEY,
	expires_at BIGINT NOT NULL
);

CREATE TABLE jwt_keys (
	kid        TEXT COLLATE "C" PRIMARY KEY,
	public_key TEXT COLLATE "C" NOT NULL,
	kek_id     TEXT COLLATE "C" NOT NULL,
	sealed     BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);

-- Protocol state: keyed by time-ordered ids; expiry and audit-log time
-- ranges are served by id ranges.
CREATE TABLE challenges (
	id             TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	secret_hash    TEXT COLLATE "C" NOT NULL,
	org_id         TEXT COLLATE "C" NOT NULL,
	purpose        TEXT COLLATE "C" NOT NULL,
	user_id        TEXT COLLATE "C" NOT NULL,
	token_id       TEXT COLLATE "C" NOT NULL DEFAULT '',
	session_id     TEXT COLLATE "C" NOT NULL DEFAULT '',
	challenge      TEXT COLLATE "C" NOT NULL,
	kind           TEXT COLLATE "C" NOT NULL DEFAULT '',
	method         TEXT COLLATE "C" NOT NULL DEFAULT '',
	path           TEXT COLLATE "C" NOT NULL DEFAULT '',
	allowed        TEXT COLLATE "C" NOT NULL DEFAULT '[]',
	expires_at     BIGINT NOT NULL,
	used_at        BIGINT NOT NULL DEFAULT 0,
	created_at     BIGINT NOT NULL,
	payload_hash   TEXT COLLATE "C" NOT NULL DEFAULT '',
	canonical_hash TEXT COLLATE "C" NOT NULL DEFAULT ''
);

CREATE TABLE user_actions (
	id                 TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	token_hash         TEXT COLLATE "C" NOT NULL,
	org_id             TEXT COLLATE "C" NOT NULL,
	user_id            TEXT COLLATE "C" NOT NULL,
	username           TEXT COLLATE "C" NOT NULL DEFAULT '',
	token_id           TEXT COLLATE "C" NOT NULL DEFAULT '',
	session_id         TEXT COLLATE "C" NOT NULL DEFAULT '',
	cred_uuid          TEXT COLLATE "C" NOT NULL,
	method             TEXT COLLATE "C" NOT NULL,
	path               TEXT COLLATE "C" NOT NULL,
	payload_hash       TEXT COLLATE "C" NOT NULL,
	client_data        TEXT COLLATE "C" NOT NULL,
	signature          TEXT COLLATE "C" NOT NULL,
	authenticator_data TEXT COLLATE "C" NOT NULL DEFAULT '',
	expires_at         BIGINT NOT NULL,
	consumed_at        BIGINT NOT NULL DEFAULT 0,
	created_at         BIGINT NOT NULL,
	canonical_hash     TEXT COLLATE "C" NOT NULL DEFAULT ''
);

CREATE TABLE nonces (
	value      TEXT COLLATE "C" PRIMARY KEY,
	expires_at BIGINT NOT NULL
);

CREATE TABLE permissions (
	id           TEXT COLLATE "C" PRIMARY KEY,
	org_id       TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	name         TEXT COLLATE "C" NOT NULL,
	operations   TEXT COLLATE "C" NOT NULL,
	full_access  INTEGER NOT NULL DEFAULT 0,
	is_immutable INTEGER NOT NULL DEFAULT 0,
	is_archived  INTEGER NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL,
	UNIQUE (org_id, name)
);

CREATE TABLE assignments (
	id            TEXT COLLATE "C" PRIMARY KEY,
	org_id        TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	permission_id TEXT COLLATE "C" NOT NULL REFERENCES permissions(id),
	identity_id   TEXT COLLATE "C" NOT NULL,
	is_immutable  INTEGER NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	UNIQUE (permission_id, identity_id)
);
CREATE INDEX assignments_identity ON assignments (identity_id);

-- Keys, wallets, signature requests and key-import signers. Private keys
-- are kept only sealed; public keys are lower-case hex.
CREATE TABLE keys (
	id          TEXT COLLATE "C" PRIMARY KEY,
	org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	scheme      TEXT COLLATE "C" NOT NULL,
	curve       TEXT COLLATE "C" NOT NULL,
	public_key  TEXT COLLATE "C" NOT NULL,
	name        TEXT COLLATE "C" NOT NULL DEFAULT '',
	status      TEXT COLLATE "C" NOT NULL,
	custodial   INTEGER NOT NULL DEFAULT 1,
	imported    INTEGER NOT NULL DEFAULT 0,
	exportable  INTEGER NOT NULL DEFAULT 0,
	exported    INTEGER NOT NULL DEFAULT 0,
	backend     TEXT COLLATE "C" NOT NULL,
	kek_id      TEXT COLLATE "C" NOT NULL,
	sealed      BYTEA NOT NULL,
	created_by  TEXT COLLATE "C" NOT NULL DEFAULT '',
	created_at  BIGINT NOT NULL,
	exported_at BIGINT NOT NULL DEFAULT 0,
	deleted_at  BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX keys_org ON keys (org_id, id);

CREATE TABLE wallets (
	id          TEXT COLLATE "C" PRIMARY KEY,
	org_id      TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	key_id      TEXT COLLATE "C" NOT NULL REFERENCES keys(id),
	network     TEXT COLLATE "C" NOT NULL,
	address     TEXT COLLATE "C" NOT NULL DEFAULT '',
	name        TEXT COLLATE "C" NOT NULL DEFAULT '',
	external_id TEXT COLLATE "C" NOT NULL DEFAULT '',
	status      TEXT COLLATE "C" NOT NULL,
	tags        TEXT COLLATE "C" NOT NULL DEFAULT '[]',
	created_at  BIGINT NOT NULL
);
CREATE INDEX wallets_org ON wallets (org_id, id);
CREATE INDEX wallets_key ON wallets (org_id, key_id);

CREATE TABLE signature_requests (
	id                 TEXT COLLATE "C" NOT NULL PRIMARY KEY,
	org_id             TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	key_id             TEXT COLLATE "C" NOT NULL REFERENCES keys(id),
	wallet_id          TEXT COLLATE "C" NOT NULL DEFAULT '',
	network            TEXT COLLATE "C" NOT NULL DEFAULT '',
	requester_user_id  TEXT COLLATE "C" NOT NULL,
	requester_token_id TEXT COLLATE "C" NOT NULL DEFAULT '',
	requester_app_id   TEXT COLLATE "C" NOT NULL DEFAULT '',
	request_body       TEXT COLLATE "C" NOT NULL,
	status             TEXT COLLATE "C" NOT NULL,
	reason             TEXT COLLATE "C" NOT NULL DEFAULT '',
	result             TEXT COLLATE "C" NOT NULL DEFAULT '',
	approval_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
	external_id        TEXT COLLATE "C" NOT NULL DEFAULT '',
	requested_at       BIGINT NOT NULL,
	policy_resolved_at BIGINT NOT NULL DEFAULT 0,
	signed_at          BIGINT NOT NULL DEFAULT 0
);
CREATE INDEX signature_requests_key ON signature_requests (org_id, key_id, id);
CREATE INDEX signature_requests_wallet ON signature_requests (org_id, wallet_id, id) WHERE wallet_id <> '';
CREATE UNIQUE INDEX signature_requests_external ON signature_requests (org_id, external_id) WHERE external_id <> '';

CREATE TABLE import_signers (
	id         TEXT COLLATE "C" PRIMARY KEY,
	org_id     TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	public_key TEXT COLLATE "C" NOT NULL,
	kek_id     TEXT COLLATE "C" NOT NULL,
	sealed     BYTEA NOT NULL,
	created_at BIGINT NOT NULL
);
CREATE INDEX import_signers_org ON import_signers (org_id);
