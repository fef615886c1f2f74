-- Nothing on SQLite: its single writer checks a write's row count in Go.
-- The PostgreSQL migration of this number adds custos_expect_rows
-- (internal/sqlstore/pipeline.go).
SELECT 1;
