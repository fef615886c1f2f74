package sqlstore

import (
	"context"
	"path/filepath"
	"testing"
)

// FullSync syncs every SQLite commit (synchronous=FULL, 2); by default a
// commit is synced at checkpoints (NORMAL, 1).
func TestSQLiteFullSync(t *testing.T) {
	for _, c := range []struct {
		opts []Option
		want int
	}{{nil, 1}, {[]Option{FullSync()}, 2}} {
		db, err := OpenSQLite(context.Background(), filepath.Join(t.TempDir(), "t.db"), c.opts...)
		if err != nil {
			t.Fatal(err)
		}
		var got int
		if err := db.r.QueryRowContext(context.Background(), `PRAGMA synchronous`).Scan(&got); err != nil {
			t.Fatal(err)
		}
		db.Close()
		if got != c.want {
			t.Fatalf("synchronous = %d, want %d", got, c.want)
		}
	}
}
