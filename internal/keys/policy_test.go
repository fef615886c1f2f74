package keys_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"math/big"
	"path/filepath"
	"testing"
	"time"

	"filippo.io/edwards25519"

	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/sqlstore"
)

// decider is a policy evaluator returning a fixed decision and recording
// what it saw.
type decider struct {
	d    policy.Decision
	seen []policy.Activity
}

func (e *decider) Evaluate(_ context.Context, a policy.Activity) (policy.Decision, error) {
	e.seen = append(e.seen, a)
	return e.d, nil
}

func newService(t *testing.T, pol policy.Evaluator) (*keys.Service, *principal.Principal) {
	t.Helper()
	ctx := context.Background()
	db, err := sqlstore.OpenSQLite(ctx, filepath.Join(t.TempDir(), "k.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.CreateOrg(ctx, &identity.Org{ID: "or-1", Name: "o", Created: time.Now()}); err != nil {
		t.Fatal(err)
	}
	kek, err := custody.KEKFromHex("000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f")
	if err != nil {
		t.Fatal(err)
	}
	ring := custody.NewKeyring(kek)
	return keys.New(db, custody.NewLocal(ring), ring, pol), &principal.Principal{OrgID: "or-1", UserID: "us-1"}
}

func TestPolicySeam(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	body := []byte(`{"kind":"Message","message":"0x0102"}`)
	for _, tc := range []struct {
		name       string
		d          policy.Decision
		status     string
		approvalID string
		reason     string
	}{
		{"allow", policy.Decision{Outcome: policy.Allow}, keys.SigSigned, "", ""},
		{"pending", policy.Decision{Outcome: policy.Pending, ApprovalID: "ap-1"}, keys.SigPending, "ap-1", ""},
		{"deny", policy.Decision{Outcome: policy.Deny, Reason: "blocked by policy"}, keys.SigRejected, "", "blocked by policy"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := &decider{d: tc.d}
			s, p := newService(t, e)
			k, err := s.Create(ctx, p, nil, &keys.CreateInput{Scheme: "EdDSA", Curve: "ed25519"})
			if err != nil {
				t.Fatal(err)
			}
			v, err := s.Sign(ctx, p, nil, k.ID, body)
			if err != nil {
				t.Fatal(err)
			}
			if v.Status != tc.status || v.ApprovalID != tc.approvalID || v.Reason != tc.reason {
				t.Fatalf("request %+v", v)
			}
			if (v.Signature != nil) != (tc.status == keys.SigSigned) {
				t.Fatalf("signature %+v with status %s", v.Signature, v.Status)
			}
			got, err := s.GetSignature(ctx, p, k.ID, "", v.ID)
			if err != nil || got.Status != tc.status || got.ApprovalID != tc.approvalID {
				t.Fatalf("stored %+v (%v)", got, err)
			}
			if len(e.seen) != 1 || e.seen[0].KeyID != k.ID || e.seen[0].RequestKind != "Message" || e.seen[0].Kind != policy.KindWalletsSign {
				t.Fatalf("evaluator saw %+v", e.seen)
			}
			// Bad input never reaches the evaluator.
			if _, err := s.Sign(ctx, p, nil, k.ID, []byte(`{"kind":"Message","message":"zz"}`)); err == nil {
				t.Fatal("bad message signed")
			}
			if len(e.seen) != 1 {
				t.Fatal("the evaluator saw a malformed request")
			}
		})
	}
}

// TestExportedEd25519Scalar checks the ed25519 secret scalar an export
// carries against RFC 8032 §7.1 TEST 1: scalar·B is the public key.
func TestExportedEd25519Scalar(t *testing.T) {
	t.Parallel()
	seed, _ := hex.DecodeString("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
	pub := ed25519.NewKeyFromSeed(seed).Public().(ed25519.PublicKey)
	s := keys.Ed25519ScalarForTest(seed)
	be := make([]byte, 32)
	s.FillBytes(be)
	le := make([]byte, 32)
	for i := range be {
		le[i] = be[31-i]
	}
	sc, err := edwards25519.NewScalar().SetCanonicalBytes(le)
	if err != nil {
		t.Fatal(err)
	}
	if got := new(edwards25519.Point).ScalarBaseMult(sc).Bytes(); hex.EncodeToString(got) != hex.EncodeToString(pub) {
		t.Fatalf("scalar·B = %x, want %x", got, pub)
	}
	if s.Cmp(new(big.Int).Lsh(big.NewInt(1), 253)) >= 0 {
		t.Fatal("scalar not reduced mod L")
	}
}
