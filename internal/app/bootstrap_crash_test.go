package app

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/custos-dev/custos/internal/principal"
)

var errCrash = errors.New("simulated crash")

// A crash at any step of Bootstrap leaves a data directory from which the
// next start ends with one complete organisation and its admin.json. The
// crash is simulated by an error at the step: Bootstrap cleans nothing up
// on failure, so what is on disk is what a kill -9 there would leave.
func TestBootstrapSurvivesACrashAtEveryStep(t *testing.T) {
	for _, step := range []string{"written", "stored", "committed"} {
		t.Run(step, func(t *testing.T) {
			ctx := context.Background()
			cfg := Defaults()
			cfg.DataDir, cfg.Addr = t.TempDir(), "127.0.0.1:0"
			logger := slog.New(slog.NewJSONHandler(io.Discard, nil))

			bootstrapFault = func(at string) error {
				if at == step {
					return errCrash
				}
				return nil
			}
			defer func() { bootstrapFault = func(string) error { return nil } }()
			a, err := Open(ctx, cfg, logger)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := a.Bootstrap(ctx); !errors.Is(err, errCrash) {
				t.Fatalf("bootstrap crashing at %s: %v", step, err)
			}
			a.Close()

			bootstrapFault = func(string) error { return nil }
			a, err = Open(ctx, cfg, logger)
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			created, err := a.Bootstrap(ctx)
			if err != nil {
				t.Fatalf("start after the crash: %v", err)
			}
			// Only a crash after the commit finds the organisation made.
			if created != (step != "committed") {
				t.Fatalf("created = %v after a crash at %s", created, step)
			}
			checkBootstrapped(t, a)
		})
	}
}

// checkBootstrapped checks that a holds exactly one organisation whose
// admin.json names its root user and a working admin service account.
func checkBootstrapped(t *testing.T, a *App) {
	t.Helper()
	ctx := context.Background()
	orgs, err := a.DB.Orgs(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(orgs) != 1 {
		t.Fatalf("%d organisations", len(orgs))
	}
	adm, err := ReadAdmin(a.AdminFile)
	if err != nil {
		t.Fatalf("admin.json: %v", err)
	}
	if adm.OrgID != orgs[0].ID {
		t.Fatalf("admin.json names %s, the organisation is %s", adm.OrgID, orgs[0].ID)
	}
	if _, err := os.Stat(a.AdminFile + ".new"); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("temporary admin file left: %v", err)
	}
	if _, err := a.DB.User(ctx, adm.OrgID, adm.User.UserID); err != nil {
		t.Fatalf("root user: %v", err)
	}
	if _, err := a.DB.CredentialByCredID(ctx, adm.OrgID, adm.User.CredID); err != nil {
		t.Fatalf("root credential: %v", err)
	}
	p, err := a.Auth.Authenticate(ctx, adm.ServiceAccount.AuthToken)
	if err != nil {
		t.Fatalf("admin token: %v", err)
	}
	if p.TokenKind != principal.KindServiceAccount || p.UserID != adm.ServiceAccount.UserID {
		t.Fatalf("admin token authenticates as %+v", p)
	}
	if err := a.Perms.Authorize(ctx, p, "Auth:Users:Create"); err != nil {
		t.Fatalf("admin service account is not a full admin: %v", err)
	}
}
