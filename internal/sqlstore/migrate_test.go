package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A database made before the protocol tables were rebuilt (0003) keeps its
// audit log, challenges and signature requests through the upgrade.
func TestMigrationKeepsProtocolRows(t *testing.T) {
	sqliteOnly(t, "SQLite migrations of older schemas")
	ctx := context.Background()
	path, old := oldDB(t, "0001_foundation.sql", "0002_keys_wallets.sql")
	created := time.Now().Add(-time.Minute).UnixMilli()
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, 0), (2, 0)`,
		`INSERT INTO orgs VALUES ('or-1', 'o', 0)`,
		`INSERT INTO keys (id, org_id, scheme, curve, public_key, status, backend, kek_id, sealed, created_at)
			VALUES ('key-1', 'or-1', 'EdDSA', 'ed25519', 'ab', 'Active', 'local', 'k1', x'00', 0)`,
		`INSERT INTO challenges (id, secret_hash, org_id, purpose, user_id, challenge, expires_at, created_at)
			VALUES ('ch-1', 'h', 'or-1', 'action', 'us-1', 'c', 1, 0)`,
		`INSERT INTO user_actions (id, token_hash, org_id, user_id, cred_uuid, method, path, payload, payload_hash,
			client_data, signature, expires_at, consumed_at, created_at)
			VALUES ('ua-1', 'h', 'or-1', 'us-1', 'cr-1', 'POST', '/keys', '{}', 'x', 'cd', 'sig', 1, 2, ` + itoa(created) + `)`,
		`INSERT INTO signature_requests (id, org_id, key_id, requester_user_id, request_body, status, requested_at)
			VALUES ('sig-1', 'or-1', 'key-1', 'us-1', '{}', 'Signed', 0)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	db, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	if a, err := db.AuditLog(ctx, "or-1", "ua-1"); err != nil || a.Signature != "sig" {
		t.Fatalf("audit log after upgrade: %+v %v", a, err)
	}
	if r, err := db.SignatureRequest(ctx, "or-1", "sig-1"); err != nil || r.Status != "Signed" {
		t.Fatalf("signature request after upgrade: %+v %v", r, err)
	}
	var n int
	if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM challenges WHERE id = 'ch-1'`).Scan(&n); err != nil || n != 1 {
		t.Fatalf("challenge after upgrade: %d %v", n, err)
	}
}

// oldDB makes a database at the schema of the named migrations only.
func oldDB(t *testing.T, names ...string) (string, *sql.DB) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range names {
		body, err := migrations.ReadFile("migrations/sqlite/" + name)
		if err != nil {
			t.Fatal(err)
		}
		for _, stmt := range strings.Split(string(body), ";\n") {
			if strings.TrimSpace(stripComments(stmt)) == "" {
				continue
			}
			if _, err := old.Exec(stmt); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	return path, old
}

// Payloads go (0004): the audit log keeps its entries and payload digests,
// an unconsumed user action still matches its exact bytes, a challenge
// row survives (it can no longer be completed), and no payload column is
// left.
func TestMigrationDropsPayloads(t *testing.T) {
	sqliteOnly(t, "SQLite migrations of older schemas")
	ctx := context.Background()
	path, old := oldDB(t, "0001_foundation.sql", "0002_keys_wallets.sql", "0003_protocol_state.sql")
	payload := `{"name":"p","operations":["Wallets:Read"]}`
	sum := sha256.Sum256([]byte(payload))
	hash := hex.EncodeToString(sum[:])
	now := time.Now()
	for _, q := range []string{
		`CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, applied_at BIGINT NOT NULL)`,
		`INSERT INTO schema_migrations VALUES (1, 0), (2, 0), (3, 0)`,
		`INSERT INTO orgs VALUES ('or-1', 'o', 0)`,
		`INSERT INTO challenges (id, secret_hash, org_id, purpose, user_id, challenge, method, path, payload, expires_at, created_at)
			VALUES ('ch-1', 'h', 'or-1', 'action', 'us-1', 'c', 'POST', '/permissions', '` + payload + `', ` +
			itoa(now.Add(time.Minute).UnixMilli()) + `, 0)`,
		`INSERT INTO user_actions (id, token_hash, org_id, user_id, cred_uuid, method, path, payload, payload_hash,
			client_data, signature, expires_at, consumed_at, created_at)
			VALUES ('ua-1', 'h1', 'or-1', 'us-1', 'cr-1', 'POST', '/permissions', '` + payload + `', '` + hash + `', 'cd', 'sig', 1, 2, ` +
			itoa(now.Add(-time.Minute).UnixMilli()) + `),
			('ua-2', 'h2', 'or-1', 'us-1', 'cr-1', 'POST', '/permissions', '` + payload + `', '` + hash + `', 'cd', 'sig', ` +
			itoa(now.Add(time.Minute).UnixMilli()) + `, 0, ` + itoa(now.UnixMilli()) + `)`,
	} {
		if _, err := old.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	old.Close()

	db, err := OpenSQLite(ctx, path)
	if err != nil {
		t.Fatalf("upgrade: %v", err)
	}
	defer db.Close()
	if a, err := db.AuditLog(ctx, "or-1", "ua-1"); err != nil || a.PayloadHash != hash || a.Signature != "sig" {
		t.Fatalf("audit log after upgrade: %+v %v", a, err)
	}
	a, err := db.UserAction(ctx, "ua-2", "h2")
	if err != nil || a == nil || a.PayloadHash != hash || a.CanonicalHash != "" || !a.ConsumedAt.IsZero() {
		t.Fatalf("unconsumed action after upgrade: %+v %v", a, err)
	}
	c, err := db.LiveChallenge(ctx, "ch-1", "h", "action", now)
	if err != nil || c.Path != "/permissions" || c.PayloadHash != "" {
		t.Fatalf("challenge after upgrade: %+v %v", c, err)
	}
	for _, table := range []string{"challenges", "user_actions"} {
		var n int
		if err := db.r.QueryRowContext(ctx, `SELECT COUNT(*) FROM pragma_table_info(?) WHERE name = 'payload'`, table).Scan(&n); err != nil || n != 0 {
			t.Fatalf("%s still has a payload column: %d %v", table, n, err)
		}
	}
}

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
