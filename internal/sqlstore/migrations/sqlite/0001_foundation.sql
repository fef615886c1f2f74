-- Foundation: organisations, identities, credentials, tokens, protocol state,
-- permissions. Times are unix milliseconds; booleans are 0/1 integers so the
-- same SQL runs on SQLite and PostgreSQL.

CREATE TABLE orgs (
	id         TEXT PRIMARY KEY,
	name       TEXT NOT NULL,
	created_at BIGINT NOT NULL
);

CREATE TABLE users (
	id                  TEXT PRIMARY KEY,
	org_id              TEXT NOT NULL REFERENCES orgs(id),
	username            TEXT NOT NULL,
	name                TEXT NOT NULL,
	kind                TEXT NOT NULL,
	is_service_account  INTEGER NOT NULL DEFAULT 0,
	is_active           INTEGER NOT NULL DEFAULT 1,
	is_archived         INTEGER NOT NULL DEFAULT 0,
	is_registered       INTEGER NOT NULL DEFAULT 0,
	is_sso_required     INTEGER NOT NULL DEFAULT 0,
	external_id         TEXT NOT NULL DEFAULT '',
	credential_uuid     TEXT NOT NULL DEFAULT '',
	registration_code   TEXT NOT NULL DEFAULT '',
	registration_expiry BIGINT NOT NULL DEFAULT 0,
	sessions_after      BIGINT NOT NULL DEFAULT 0,
	created_at          BIGINT NOT NULL,
	UNIQUE (org_id, username)
);

CREATE TABLE credentials (
	uuid                  TEXT PRIMARY KEY,
	org_id                TEXT NOT NULL REFERENCES orgs(id),
	user_id               TEXT NOT NULL REFERENCES users(id),
	-- token_id binds a PAT's or service account's key to that token alone.
	token_id              TEXT NOT NULL DEFAULT '',
	cred_id               TEXT NOT NULL,
	kind                  TEXT NOT NULL,
	name                  TEXT NOT NULL,
	public_key            TEXT NOT NULL,
	algorithm             TEXT NOT NULL DEFAULT '',
	encrypted_private_key TEXT NOT NULL DEFAULT '',
	rp_id                 TEXT NOT NULL DEFAULT '',
	origin                TEXT NOT NULL DEFAULT '',
	sign_count            BIGINT NOT NULL DEFAULT 0,
	is_active             INTEGER NOT NULL DEFAULT 1,
	is_archived           INTEGER NOT NULL DEFAULT 0,
	created_at            BIGINT NOT NULL,
	UNIQUE (org_id, cred_id)
);
CREATE INDEX credentials_user ON credentials (user_id);

CREATE TABLE apps (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES orgs(id),
	kind        TEXT NOT NULL,
	name        TEXT NOT NULL,
	rp_id       TEXT NOT NULL DEFAULT '',
	origin      TEXT NOT NULL DEFAULT '',
	external_id TEXT NOT NULL DEFAULT '',
	is_active   INTEGER NOT NULL DEFAULT 1,
	is_archived INTEGER NOT NULL DEFAULT 0,
	created_at  BIGINT NOT NULL
);

-- tokens holds long-lived access tokens (PAT, service account, application);
-- only a SHA-256 hash of the bearer string is kept.
CREATE TABLE tokens (
	id          TEXT PRIMARY KEY,
	org_id      TEXT NOT NULL REFERENCES orgs(id),
	kind        TEXT NOT NULL,
	user_id     TEXT NOT NULL DEFAULT '',
	app_id      TEXT NOT NULL DEFAULT '',
	name        TEXT NOT NULL,
	cred_uuid   TEXT NOT NULL DEFAULT '',
	cred_id     TEXT NOT NULL DEFAULT '',
	public_key  TEXT NOT NULL DEFAULT '',
	token_hash  TEXT NOT NULL DEFAULT '',
	external_id TEXT NOT NULL DEFAULT '',
	is_active   INTEGER NOT NULL DEFAULT 1,
	is_archived INTEGER NOT NULL DEFAULT 0,
	expires_at  BIGINT NOT NULL,
	created_at  BIGINT NOT NULL
);
CREATE INDEX tokens_user ON tokens (user_id);

-- revoked_sessions lists login tokens ended by logout, until they expire.
CREATE TABLE revoked_sessions (
	jti        TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);

-- jwt_keys holds the token signing keys, sealed under the KEK.
CREATE TABLE jwt_keys (
	kid        TEXT PRIMARY KEY,
	public_key TEXT NOT NULL,
	kek_id     TEXT NOT NULL,
	sealed     BLOB NOT NULL,
	created_at BIGINT NOT NULL
);

-- challenges are issued signing challenges (login, user action, credential,
-- registration). The challengeIdentifier handed out is "<id>.<secret>";
-- only the SHA-256 of the secret is kept. Ids are time-ordered, so inserts
-- append to the B-tree.
CREATE TABLE challenges (
	id          TEXT PRIMARY KEY,
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
);
CREATE INDEX challenges_expiry ON challenges (expires_at);

-- user_actions are issued user-action signatures; consumed ones form the
-- audit log together with the signed assertion. The token handed out is
-- "<id>.<secret>"; only the SHA-256 of the secret is kept.
CREATE TABLE user_actions (
	id                 TEXT PRIMARY KEY,
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
);
CREATE INDEX user_actions_org ON user_actions (org_id, created_at);

CREATE TABLE nonces (
	value      TEXT PRIMARY KEY,
	expires_at BIGINT NOT NULL
);

CREATE TABLE permissions (
	id           TEXT PRIMARY KEY,
	org_id       TEXT NOT NULL REFERENCES orgs(id),
	name         TEXT NOT NULL,
	operations   TEXT NOT NULL,
	full_access  INTEGER NOT NULL DEFAULT 0,
	is_immutable INTEGER NOT NULL DEFAULT 0,
	is_archived  INTEGER NOT NULL DEFAULT 0,
	created_at   BIGINT NOT NULL,
	updated_at   BIGINT NOT NULL,
	UNIQUE (org_id, name)
);

CREATE TABLE assignments (
	id            TEXT PRIMARY KEY,
	org_id        TEXT NOT NULL REFERENCES orgs(id),
	permission_id TEXT NOT NULL REFERENCES permissions(id),
	identity_id   TEXT NOT NULL,
	is_immutable  INTEGER NOT NULL DEFAULT 0,
	created_at    BIGINT NOT NULL,
	updated_at    BIGINT NOT NULL,
	UNIQUE (permission_id, identity_id)
);
CREATE INDEX assignments_identity ON assignments (identity_id);
