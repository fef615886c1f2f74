package sqlstore

import (
	"context"
	"os"
	"path/filepath"
	"testing"
)

// The database files are narrowed to their owner, whether SQLite creates
// them or they exist already with a wider mode.
func TestDatabaseFilesOwnerOnly(t *testing.T) {
	sqliteOnly(t, "file modes of the database files")
	ctx := context.Background()
	for _, existing := range []bool{false, true} {
		dir := t.TempDir()
		path := filepath.Join(dir, "custos.db")
		if existing {
			db, err := OpenSQLite(ctx, path)
			if err != nil {
				t.Fatal(err)
			}
			db.Close()
			// An older Custos left them 0644 (an empty -wal / -shm is what a
			// stopped server may leave).
			for _, p := range []string{path + "-wal", path + "-shm"} {
				if _, err := os.Stat(p); os.IsNotExist(err) {
					if err := os.WriteFile(p, nil, 0o644); err != nil {
						t.Fatal(err)
					}
				}
			}
			for _, p := range []string{path, path + "-wal", path + "-shm"} {
				if err := os.Chmod(p, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		db, err := OpenSQLite(ctx, path)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.Ping(ctx); err != nil {
			t.Fatal(err)
		}
		if _, err := db.w.DB.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS t (x)`); err != nil {
			t.Fatal(err)
		}
		for _, p := range []string{path, path + "-wal", path + "-shm"} {
			fi, err := os.Stat(p)
			if os.IsNotExist(err) && p == path+"-shm" {
				continue // exclusive locking mode keeps the WAL index in memory
			}
			if err != nil {
				t.Fatalf("existing=%v: %v", existing, err)
			}
			if m := fi.Mode().Perm(); m != 0o600 {
				t.Errorf("existing=%v: %s has mode %o, want 600", existing, filepath.Base(p), m)
			}
		}
		db.Close()
	}
}
