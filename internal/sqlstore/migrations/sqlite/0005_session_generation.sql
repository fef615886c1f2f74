-- Logging out of every session bumps a user's session generation; login
-- tokens carry the generation they were issued under, and those of an
-- older one are refused. Unlike a cut-off time compared with the tokens'
-- whole-second iat, this refuses exactly the sessions issued before the
-- logout and none issued after it.
ALTER TABLE users ADD COLUMN session_gen BIGINT NOT NULL DEFAULT 0;
