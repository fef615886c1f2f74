-- Keys delegated to an end user (docs/protocol/delegated.md): delegated_to
-- is the id of the end user who alone signs with the key and its wallets,
-- '' for custodial keys.
ALTER TABLE keys ADD COLUMN delegated_to TEXT NOT NULL DEFAULT '';
CREATE INDEX keys_delegated ON keys (org_id, delegated_to, id);

-- TOTP (docs/protocol/totp.md): the sealed secret offered by a challenge
-- (its otpUrl) and kept by a Totp credential; '' elsewhere.
ALTER TABLE challenges ADD COLUMN otp_secret TEXT NOT NULL DEFAULT '';
ALTER TABLE credentials ADD COLUMN otp_secret TEXT NOT NULL DEFAULT '';
