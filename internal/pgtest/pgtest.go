// Package pgtest gives tests a fresh PostgreSQL database of their own on
// the server named by CUSTOS_TEST_POSTGRES (a postgres:// URL of a role
// that may CREATE DATABASE). scripts/test starts a throwaway server and
// sets it, with CUSTOS_TEST_DIALECT=postgres to run the store and API
// suites on PostgreSQL.
package pgtest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // driver "pgx"
)

// Env is the variable naming the test server.
const Env = "CUSTOS_TEST_POSTGRES"

// URL returns the test server's URL, or "" when none is configured.
func URL() string { return os.Getenv(Env) }

// Selected reports whether the suites should run on PostgreSQL:
// CUSTOS_TEST_DIALECT=postgres and a server in CUSTOS_TEST_POSTGRES. A
// dialect of postgres without a server fails the test that asks, rather
// than quietly running on SQLite.
func Selected(t testing.TB) bool {
	if os.Getenv("CUSTOS_TEST_DIALECT") != "postgres" {
		return false
	}
	if URL() == "" {
		t.Fatalf("CUSTOS_TEST_DIALECT=postgres needs %s (a postgres:// URL)", Env)
	}
	return true
}

// NewDatabase creates an empty database custos_t_<random> on the test
// server and returns its URL; it is dropped when t ends. It skips t when
// no server is configured.
func NewDatabase(t testing.TB) string {
	t.Helper()
	base := URL()
	if base == "" {
		t.Skipf("no PostgreSQL for tests (%s is not set)", Env)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	name := "custos_t_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	// A locale's collation, as production databases usually have, rather
	// than the test server's C: the schema must not depend on byte order
	// by default. A server without ICU gets its default.
	if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name+` TEMPLATE template0 ENCODING 'UTF8'
		LOCALE_PROVIDER icu ICU_LOCALE 'en-US' LOCALE 'C.UTF-8'`); err != nil {
		if _, err := admin.ExecContext(ctx, `CREATE DATABASE `+name); err != nil {
			admin.Close()
			t.Fatalf("pgtest: create database: %v", err)
		}
	}
	t.Cleanup(func() {
		defer admin.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		if _, err := admin.ExecContext(ctx, `DROP DATABASE IF EXISTS `+name+` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database %s: %v", name, err)
		}
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("pgtest: %s: %v", Env, err)
	}
	u.Path = "/" + name
	return u.String()
}
