package permission

import (
	"context"
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/principal"
)

var bg = context.Background()

func grant(id string, ops ...string) Grant {
	return Grant{AssignmentID: "as-" + id, PermissionID: "pm-" + id, Name: id, Operations: ops}
}

var fullGrant = Grant{AssignmentID: "as-full", PermissionID: "pm-full", Name: FullAdmin, FullAccess: true}

// fakeStore holds grants by identity id and records new assignments.
type fakeStore struct {
	Store
	grants   map[string][]Grant
	perms    map[string]*Permission
	assigned []Assignment
}

func (f *fakeStore) GrantsOf(_ context.Context, _ string, ids ...string) (map[string][]Grant, error) {
	out := map[string][]Grant{}
	for _, id := range ids {
		out[id] = f.grants[id]
	}
	return out, nil
}

func (f *fakeStore) Permission(_ context.Context, _, id string) (*Permission, error) {
	if p, ok := f.perms[id]; ok {
		return p, nil
	}
	return nil, apierr.NotFound("permission %s not found", id)
}

// Tx runs fn at once: the fake has no transactions.
func (f *fakeStore) Tx(ctx context.Context, fn func(context.Context) error) error { return fn(ctx) }

func (f *fakeStore) CreateAssignment(_ context.Context, a *Assignment) error {
	f.assigned = append(f.assigned, *a)
	return nil
}

var (
	login  = principal.Principal{OrgID: "or-1", UserID: "us-1", TokenKind: principal.KindLogin}
	pat    = principal.Principal{OrgID: "or-1", UserID: "us-1", TokenKind: principal.KindPat, TokenID: "to-pat"}
	saTok  = principal.Principal{OrgID: "or-1", UserID: "us-sa", TokenKind: principal.KindServiceAccount, TokenID: "to-sa", IsServiceAccount: true}
	assign = grant("assign", OpAssign, "Wallets:Read", "Wallets:Create")
)

func TestEffective(t *testing.T) {
	for _, tc := range []struct {
		name   string
		p      principal.Principal
		grants map[string][]Grant
		full   bool
		want   []string
	}{
		{"login: union", login, map[string][]Grant{"us-1": {grant("a", "Wallets:Read"), grant("b", "Keys:Read")}}, false, []string{"Keys:Read", "Wallets:Read"}},
		{"login: full", login, map[string][]Grant{"us-1": {fullGrant}}, true, nil},
		{"pat without own: owner's", pat, map[string][]Grant{"us-1": {grant("a", "Wallets:Read")}}, false, []string{"Wallets:Read"}},
		{"pat narrowed: own ∩ owner", pat, map[string][]Grant{"us-1": {grant("a", "Wallets:Read", "Keys:Read")}, "to-pat": {grant("b", "Keys:Read", "Wallets:Create")}}, false, []string{"Keys:Read"}},
		{"pat narrowed under full owner", pat, map[string][]Grant{"us-1": {fullGrant}, "to-pat": {grant("b", "Auth:Pats:Create")}}, false, []string{"Auth:Pats:Create"}},
		{"pat with full own: owner's", pat, map[string][]Grant{"us-1": {grant("a", "Wallets:Read")}, "to-pat": {fullGrant}}, false, []string{"Wallets:Read"}},
		{"service account: user ∪ token", saTok, map[string][]Grant{"us-sa": {grant("a", "Wallets:Read")}, "to-sa": {grant("b", "Keys:Read")}}, false, []string{"Keys:Read", "Wallets:Read"}},
		{"service account: full token", saTok, map[string][]Grant{"to-sa": {fullGrant}}, true, nil},
		{"nothing", login, nil, false, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := New(&fakeStore{grants: tc.grants})
			ops, err := s.Effective(bg, &tc.p)
			if err != nil {
				t.Fatal(err)
			}
			if ops.Full() != tc.full {
				t.Fatalf("full %v, want %v", ops.Full(), tc.full)
			}
			if tc.full {
				if !slices.Equal(ops.List(), slices.Sorted(slices.Values(Current))) {
					t.Fatal("full access does not list every current operation")
				}
				return
			}
			if got := ops.List(); !slices.Equal(got, tc.want) {
				t.Fatalf("ops %v, want %v", got, tc.want)
			}
			for _, op := range tc.want {
				if err := s.Authorize(bg, &tc.p, op); err != nil {
					t.Fatalf("Authorize(%s): %v", op, err)
				}
			}
			if err := s.Authorize(bg, &tc.p, "Orgs:Update"); status(err) != http.StatusForbidden {
				t.Fatalf("Authorize outside the set: %v", err)
			}
		})
	}
}

func status(err error) int {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

func TestCheckGrant(t *testing.T) {
	perm := func(ops ...string) *Permission { return &Permission{ID: "pm-x", Name: "x", Operations: ops} }
	full := &Permission{ID: "pm-full", Name: FullAdmin, FullAccess: true}
	for _, tc := range []struct {
		name   string
		p      principal.Principal
		grants map[string][]Grant
		perm   *Permission
		want   string // "" for allowed, else a piece of the 403 message
	}{
		{"full admin grants full", login, map[string][]Grant{"us-1": {fullGrant}}, full, ""},
		{"full admin grants anything", login, map[string][]Grant{"us-1": {fullGrant}}, perm("Orgs:Update"), ""},
		{"subset", login, map[string][]Grant{"us-1": {assign}}, perm("Wallets:Read"), ""},
		{"all held", login, map[string][]Grant{"us-1": {assign}}, perm("Wallets:Read", "Wallets:Create"), ""},
		{"no Permissions:Assign", login, map[string][]Grant{"us-1": {grant("a", "Wallets:Read")}}, perm("Wallets:Read"), "perform operation (Permissions:Assign)"},
		{"op not held", login, map[string][]Grant{"us-1": {assign}}, perm("Wallets:Read", "Keys:Read"), "grant operation (Keys:Read)"},
		{"full access by non-admin", login, map[string][]Grant{"us-1": {assign}}, full, "grant full access"},
		{"narrowed PAT of a full admin", pat, map[string][]Grant{"us-1": {fullGrant}, "to-pat": {grant("b", OpAssign, "Wallets:Read")}}, perm("Wallets:Create"), "grant operation (Wallets:Create)"},
		{"narrowed PAT of a full admin: full", pat, map[string][]Grant{"us-1": {fullGrant}, "to-pat": {grant("b", OpAssign)}}, full, "grant full access"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := New(&fakeStore{grants: tc.grants}).CheckGrant(bg, &tc.p, tc.perm)
			if tc.want == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			if status(err) != http.StatusForbidden || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want a 403 with %q", err, tc.want)
			}
		})
	}
}

func assignedPerms(f *fakeStore) []string {
	var out []string
	for _, a := range f.assigned {
		out = append(out, a.PermissionID)
	}
	return out
}

func TestCopyGrants(t *testing.T) {
	for _, tc := range []struct {
		name    string
		creator principal.Principal
		grants  map[string][]Grant
		want    []string
	}{
		{"login copies all", login, map[string][]Grant{"us-1": {fullGrant, grant("a", "Wallets:Read")}}, []string{"pm-full", "pm-a"}},
		{"service account copies user and token", saTok, map[string][]Grant{"us-sa": {grant("a", "Wallets:Read")}, "to-sa": {grant("b", "Keys:Read")}}, []string{"pm-a", "pm-b"}},
		{"narrowed PAT of a full admin: only its own", pat, map[string][]Grant{"us-1": {fullGrant}, "to-pat": {grant("b", "Auth:ServiceAccounts:Create")}}, []string{"pm-b"}},
		{"narrowing that splits grants copies nothing", pat, map[string][]Grant{"us-1": {grant("a", "Wallets:Read", "Keys:Read")}, "to-pat": {grant("b", "Keys:Read", "Orgs:Read")}}, nil},
		{"once per permission", pat, map[string][]Grant{"us-1": {grant("a", "Wallets:Read")}, "to-pat": {grant("a", "Wallets:Read")}}, []string{"pm-a"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeStore{grants: tc.grants}
			if err := New(f).CopyGrants(bg, &tc.creator, "us-new"); err != nil {
				t.Fatal(err)
			}
			if got := assignedPerms(f); !slices.Equal(got, tc.want) {
				t.Fatalf("copied %v, want %v", got, tc.want)
			}
		})
	}
}

func TestNarrowLikeCreator(t *testing.T) {
	grants := map[string][]Grant{"us-1": {fullGrant}, "to-pat": {grant("b", "Auth:Pats:Create")}}
	for _, tc := range []struct {
		name    string
		creator principal.Principal
		want    []string
	}{
		{"narrowed PAT passes its narrowing on", pat, []string{"pm-b"}},
		{"login session: the PAT mirrors the owner", login, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := &fakeStore{grants: grants}
			if err := New(f).NarrowLikeCreator(bg, &tc.creator, "to-new"); err != nil {
				t.Fatal(err)
			}
			if got := assignedPerms(f); !slices.Equal(got, tc.want) {
				t.Fatalf("assigned %v, want %v", got, tc.want)
			}
		})
	}
}

func TestCheckHolds(t *testing.T) {
	s := New(&fakeStore{grants: map[string][]Grant{"us-1": {grant("a", "Wallets:Read", "Keys:Read")}}})
	if err := s.CheckHolds(bg, &login, &Permission{Name: "x", Operations: []string{"Wallets:Read"}}); err != nil {
		t.Fatalf("held operations without Permissions:Assign: %v", err)
	}
	if err := s.CheckHolds(bg, &login, &Permission{Name: "x", Operations: []string{"Wallets:Create"}}); status(err) != http.StatusForbidden {
		t.Fatalf("operation not held: %v", err)
	}
	if err := s.CheckHolds(bg, &login, &Permission{Name: FullAdmin, FullAccess: true}); status(err) != http.StatusForbidden {
		t.Fatalf("full access: %v", err)
	}
}
