package sqlstore

import (
	"context"
	"database/sql"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// A database made before the protocol tables were rebuilt (0003) keeps its
// audit log, challenges and signature requests through the upgrade.
func TestMigrationKeepsProtocolRows(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "old.db")
	old, err := sql.Open("sqlite", "file:"+filepath.ToSlash(path))
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"0001_foundation.sql", "0002_keys_wallets.sql"} {
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

func itoa(v int64) string { return strconv.FormatInt(v, 10) }
