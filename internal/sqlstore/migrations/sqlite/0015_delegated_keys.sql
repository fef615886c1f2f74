-- Keys delegated to an end user (docs/protocol/delegated.md): delegated_to
-- is the id of the end user who alone signs with the key and its wallets,
-- '' for custodial keys.
ALTER TABLE keys ADD COLUMN delegated_to TEXT NOT NULL DEFAULT '';
CREATE INDEX keys_delegated ON keys (org_id, delegated_to, id);
