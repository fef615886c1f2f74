-- People: what a passkey (Fido2 credential) needs besides its public key
-- (docs/protocol/passkeys.md), and the registration codes of invited users
-- (docs/protocol/registration.md), the recovery codes of registered users, and
-- credential codes.

-- cose_key is the credential public key as the authenticator sent it (COSE,
-- base64url); public_key keeps its PEM for the wire. transports is a
-- comma-separated list; backup_* are the BE and BS flags seen at
-- registration; attestation_fmt is the attestation statement format.
ALTER TABLE credentials ADD COLUMN cose_key TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN aaguid TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN transports TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN backup_eligible INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN backup_state INTEGER NOT NULL DEFAULT 0;
ALTER TABLE credentials ADD COLUMN attestation_fmt TEXT COLLATE "C" NOT NULL DEFAULT '';
-- secret_hash is the Argon2id hash of a Password credential (docs/protocol/passwords.md).
ALTER TABLE credentials ADD COLUMN secret_hash TEXT COLLATE "C" NOT NULL DEFAULT '';

-- The pending recovery code of a registered user (a salted hash) and when it
-- expires (docs/protocol/recovery.md).
ALTER TABLE users ADD COLUMN recovery_code TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN recovery_expiry BIGINT NOT NULL DEFAULT 0;

-- Credential codes (docs/protocol/credential-codes.md): a short code a
-- logged-in user makes to add a credential from another device. Only its
-- salted hash is kept; used_at is set when it opens a credential challenge.
CREATE TABLE credential_codes (
	code_hash  TEXT COLLATE "C" PRIMARY KEY,
	org_id     TEXT COLLATE "C" NOT NULL REFERENCES orgs(id),
	user_id    TEXT COLLATE "C" NOT NULL REFERENCES users(id),
	expires_at BIGINT NOT NULL,
	used_at    BIGINT NOT NULL DEFAULT 0,
	created_at BIGINT NOT NULL
);
CREATE INDEX credential_codes_user ON credential_codes (user_id, expires_at);
CREATE INDEX credential_codes_expiry ON credential_codes (expires_at);

-- The pending login code of a user (a salted hash), which releases its
-- PasswordProtectedKey material at login (docs/protocol/passwords.md).
ALTER TABLE users ADD COLUMN login_code TEXT COLLATE "C" NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN login_code_expiry BIGINT NOT NULL DEFAULT 0;
