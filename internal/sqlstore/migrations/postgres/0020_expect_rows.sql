-- custos_expect_rows fails the statement (SQLSTATE CUS01) unless a write
-- changed the number of rows its caller expects. A unit of work sends its
-- writes in one pipeline, run as one implicit transaction; a write wrapped
-- with it that changes no row (a user action already consumed, an
-- externalId already used) rolls the whole pipeline back
-- (internal/sqlstore/pipeline.go, docs/replicas.md). The migration runner
-- splits statements at a semicolon ending a line, so none inside the body
-- does.
CREATE FUNCTION custos_expect_rows(got bigint, want bigint) RETURNS bigint
LANGUAGE plpgsql AS $$
BEGIN
	IF got <> want THEN RAISE EXCEPTION USING ERRCODE = 'CUS01'; END IF; RETURN got; END
$$;

-- A signature request's key and organisation are never deleted (a key is
-- archived, not removed), so the store keeps these references by itself.
-- As foreign keys, each insert took a KEY SHARE lock on its key's row: all
-- concurrent signatures with one key contended on that row, and the
-- insert cost twice its executor time (docs/replicas.md, "What it costs").
ALTER TABLE signature_requests DROP CONSTRAINT signature_requests_key_id_fkey;
ALTER TABLE signature_requests DROP CONSTRAINT signature_requests_org_id_fkey;
