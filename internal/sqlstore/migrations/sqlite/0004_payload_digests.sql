-- A user action's signed payload is no longer kept (issue 7): a challenge
-- and its user action carry the SHA-256 of the payload bytes (payload_hash,
-- the audit log's payloadSha256) and of its canonical JSON form
-- (canonical_hash), enough to bind a request body to what was signed, at a
-- fixed cost per row whatever the payload's size.
--
-- Rows made before this migration keep working where they can: a user
-- action's payload_hash already was the digest of its payload, so a body
-- with the same bytes still matches it (canonical_hash stays empty, so
-- nothing else does); a challenge issued before has no digest and can no
-- longer be completed (it expires within minutes anyway).

ALTER TABLE challenges DROP COLUMN payload;
ALTER TABLE challenges ADD COLUMN payload_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE challenges ADD COLUMN canonical_hash TEXT NOT NULL DEFAULT '';
ALTER TABLE user_actions DROP COLUMN payload;
ALTER TABLE user_actions ADD COLUMN canonical_hash TEXT NOT NULL DEFAULT '';
