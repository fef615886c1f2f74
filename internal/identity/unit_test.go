package identity_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"time"

	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/sqlstore"
)

// keysFake makes Key credentials, remembering them, and bearers without
// signing anything.
type keysFake struct{ made []*credential.Credential }

func (f *keysFake) KeyCredential(org, userID, name, pub string) (*credential.Credential, error) {
	c := &credential.Credential{UUID: id.New("cr"), OrgID: org, UserID: userID, CredID: id.Secret(32),
		Kind: credential.KindKey, Name: name, PublicKey: pub, IsActive: true, DateCreated: time.Now()}
	f.made = append(f.made, c)
	return c, nil
}

func (*keysFake) IssueAccessToken(t *identity.Token, _ string) (string, error) {
	return "bearer-" + t.ID, nil
}

var errGrant = errors.New("grant failed")

// failingGrants allows every grant and then fails to make it, as a grant
// step that fails after the account, token and credential are written.
type failingGrants struct{ identity.Grants }

func (failingGrants) CheckGrantID(context.Context, *principal.Principal, string) error { return nil }
func (failingGrants) GrantPermission(context.Context, *principal.Principal, string, string) error {
	return errGrant
}
func (failingGrants) CopyGrants(context.Context, *principal.Principal, string) error { return errGrant }
func (failingGrants) NarrowLikeCreator(context.Context, *principal.Principal, string) error {
	return errGrant
}

// A service account, or PAT, whose grant step fails leaves no user, token
// or credential behind: all of it is one unit of work.
func TestCreateTokenFailingAtGrantLeavesNothing(t *testing.T) {
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	owner := &identity.User{ID: "us-owner", OrgID: "or-1", Username: "owner", Name: "owner", Kind: identity.KindEmployee,
		IsActive: true, IsRegistered: true, Created: time.Now()}
	if err := db.CreateUser(ctx, owner); err != nil {
		t.Fatal(err)
	}
	k, err := pemkey.Generate(pemkey.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	keys := &keysFake{}
	s := identity.NewService(db, keys, failingGrants{})
	p := &principal.Principal{OrgID: "or-1", UserID: owner.ID, TokenKind: principal.KindLogin}
	for _, permID := range []string{"", "pm-some"} {
		in := &identity.TokenInput{Name: "sa", PublicKey: k.Public().MarshalPEM(), PermissionID: permID}
		if _, err := s.CreateServiceAccount(ctx, p, nil, in); !errors.Is(err, errGrant) {
			t.Fatalf("service account (permissionId %q): %v, want the grant's error", permID, err)
		}
		if _, err := s.CreatePat(ctx, p, nil, in); !errors.Is(err, errGrant) {
			t.Fatalf("PAT (permissionId %q): %v, want the grant's error", permID, err)
		}
	}
	accounts, _, err := db.Users(ctx, "or-1", "", true, identity.Page{})
	if err != nil {
		t.Fatal(err)
	}
	if len(accounts) != 0 {
		t.Fatalf("%d service accounts left behind", len(accounts))
	}
	for _, kind := range []string{principal.KindServiceAccount, principal.KindPat} {
		ts, err := db.Tokens(ctx, "or-1", kind, "")
		if err != nil {
			t.Fatal(err)
		}
		if len(ts) != 0 {
			t.Fatalf("%d %s tokens left behind", len(ts), kind)
		}
	}
	if len(keys.made) != 4 {
		t.Fatalf("%d credentials made, want 4", len(keys.made))
	}
	for _, c := range keys.made {
		if _, err := db.CredentialByCredID(ctx, "or-1", c.CredID); err == nil {
			t.Fatalf("credential %s left behind", c.UUID)
		}
	}
}
