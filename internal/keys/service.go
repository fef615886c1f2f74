package keys

import (
	"context"
	"crypto/hkdf"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/custody"
	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/policy"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// Sealer seals small secrets at rest (the key-import decryption keys);
// *custody.Keyring is one.
type Sealer interface {
	Seal(plaintext, aad []byte) (kekID string, ciphertext []byte, err error)
	Open(kekID string, ciphertext, aad []byte) ([]byte, error)
}

// Service manages keys and signature requests.
type Service struct {
	store   Store
	backend custody.Backend
	sealer  Sealer
	policy  policy.Evaluator
	events  event.Emitter
	now     func() time.Time
	users   Users      // end users keys are delegated to (delegate.go); nil: none
	authz   Authorizer // checks Keys:Delegate of a creation with delegateTo

	// signersMu serialises the creation of an org's import signers.
	signersMu sync.Mutex
}

// New returns the key service. pol may be nil for policy.AllowAll.
func New(store Store, backend custody.Backend, sealer Sealer, pol policy.Evaluator) *Service {
	if pol == nil {
		pol = policy.AllowAll{}
	}
	return &Service{store: store, backend: backend, sealer: sealer, policy: pol, events: event.Nop{}, now: nowMS}
}

// CreateInput is the body of POST /keys. Exportable is a Custos extension.
type CreateInput struct {
	Scheme          string          `json:"scheme"`
	Curve           string          `json:"curve"`
	Name            *string         `json:"name"`
	MasterKey       *bool           `json:"masterKey"`
	DeriveFrom      json.RawMessage `json:"deriveFrom"`
	StoreID         *string         `json:"storeId"`
	DelegateTo      *string         `json:"delegateTo"`
	DelayDelegation *bool           `json:"delayDelegation"`
	Exportable      bool            `json:"exportable"`
}

// CheckScheme returns a 400 unless scheme/curve is a pair Custos serves:
// ECDSA/secp256k1, EdDSA/ed25519, Schnorr/secp256k1 (signing) or
// DH/secp256k1 (derivation only).
func CheckScheme(scheme, curve string) error {
	switch {
	case scheme == chain.SchemeECDSA && curve == chain.CurveSecp256k1,
		scheme == chain.SchemeEdDSA && curve == chain.CurveEd25519,
		scheme == chain.SchemeSchnorr && curve == chain.CurveSecp256k1,
		scheme == chain.SchemeECDSA && curve == chain.CurveStark,
		scheme == SchemeDH && curve == chain.CurveSecp256k1:
		return nil
	case scheme == "" || curve == "":
		return apierr.BadRequest("scheme and curve are required")
	}
	return apierr.BadRequest("scheme %q with curve %q is not supported: use ECDSA/secp256k1, EdDSA/ed25519, Schnorr/secp256k1, ECDSA/stark or DH/secp256k1",
		clip(scheme), clip(curve))
}

// checkUnsupported refuses the Dfns options Custos does not offer yet.
func (in *CreateInput) checkUnsupported() error {
	switch {
	case in.MasterKey != nil && *in.MasterKey:
		return apierr.BadRequest("masterKey is not supported yet")
	case len(in.DeriveFrom) > 0 && string(in.DeriveFrom) != "null":
		return apierr.BadRequest("deriveFrom is not supported yet")
	case in.StoreID != nil:
		return apierr.BadRequest("storeId is not supported: Custos has no key stores")
	}
	return nil
}

// NewKey generates a key of org in custody without storing it; the wallet
// service stores it together with its wallet.
func (s *Service) NewKey(ctx context.Context, org, createdBy, scheme, curve string, exportable bool) (*Key, error) {
	if err := CheckScheme(scheme, curve); err != nil {
		return nil, err
	}
	k := &Key{ID: id.New("key"), OrgID: org, Scheme: scheme, Curve: curve, Status: StatusActive, Custodial: true,
		Exportable: exportable, CreatedBy: createdBy, Created: s.now()}
	ck, aad := k.custodyKey()
	pub, m, err := s.backend.Generate(ctx, ck.Scheme, ck.Curve, aad)
	if err != nil {
		return nil, err
	}
	k.PublicKey, k.Material = pub.PublicKey, m
	return k, nil
}

// Create serves POST /keys; act, when not nil, is consumed with the
// stored key.
func (s *Service) Create(ctx context.Context, p *principal.Principal, act Action, in *CreateInput) (View, error) {
	if err := in.checkUnsupported(); err != nil {
		return View{}, err
	}
	if err := checkName(in.Name); err != nil {
		return View{}, err
	}
	if in.DelegateTo != nil && !(in.DelayDelegation != nil && *in.DelayDelegation) {
		if err := s.EndUser(ctx, p.OrgID, "delegateTo", *in.DelegateTo); err != nil {
			return View{}, err
		}
		if err := s.authz.Authorize(ctx, p, "Keys:Delegate"); err != nil {
			return View{}, err
		}
	}
	k, err := s.NewKey(ctx, p.OrgID, p.UserID, in.Scheme, in.Curve, in.Exportable)
	if err != nil {
		return View{}, err
	}
	if in.Name != nil {
		k.Name = *in.Name
	}
	switch {
	case IsEndUser(p): // an end user's new key is theirs (owner.go)
		k.Delegate(p.UserID)
	case in.DelegateTo != nil && !(in.DelayDelegation != nil && *in.DelayDelegation):
		k.Delegate(*in.DelegateTo) // delayDelegation: custodial until POST /keys/{keyId}/delegate
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := s.store.CreateKey(ctx, k); err != nil {
			return err
		}
		return s.emit(ctx, k.OrgID, keyEvent("key.created", k))
	}); err != nil {
		return View{}, err
	}
	return ViewOf(k), nil
}

// Load returns key keyID of p's org, or a 404.
func (s *Service) Load(ctx context.Context, p *principal.Principal, keyID string) (*Key, error) {
	if !id.Valid("key", keyID) {
		return nil, apierr.NotFound("key %s not found", clip(keyID))
	}
	k, err := s.store.Key(ctx, p.OrgID, keyID)
	if err != nil {
		return nil, err
	}
	if !Visible(p, k.DelegatedTo) {
		return nil, notVisible(keyID)
	}
	return k, nil
}

// Get serves GET /keys/{keyId}.
func (s *Service) Get(ctx context.Context, p *principal.Principal, keyID string) (DetailView, error) {
	k, err := s.Load(ctx, p, keyID)
	if err != nil {
		return DetailView{}, err
	}
	ws, err := s.store.KeyWallets(ctx, p.OrgID, k.ID)
	if err != nil {
		return DetailView{}, err
	}
	if ws == nil {
		ws = []WalletRef{}
	}
	return DetailView{View: ViewOf(k), Wallets: ws}, nil
}

// List serves GET /keys.
func (s *Service) List(ctx context.Context, p *principal.Principal, pg identity.Page) ([]View, string, error) {
	var ks []*Key
	var next string
	var err error
	if IsEndUser(p) {
		ks, next, err = s.store.OwnedKeys(ctx, p.OrgID, p.UserID, pg)
	} else {
		ks, next, err = s.store.Keys(ctx, p.OrgID, pg)
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]View, 0, len(ks))
	for _, k := range ks {
		out = append(out, ViewOf(k))
	}
	return out, next, nil
}

// UpdateInput is the body of PUT /keys/{keyId}.
type UpdateInput struct {
	Name *string `json:"name"`
}

// Update serves PUT /keys/{keyId}: a null name clears it. act, when not
// nil, is consumed with the change.
func (s *Service) Update(ctx context.Context, p *principal.Principal, act Action, keyID string, in *UpdateInput) (View, error) {
	if err := checkName(in.Name); err != nil {
		return View{}, err
	}
	k, err := s.Load(ctx, p, keyID)
	if err != nil {
		return View{}, err
	}
	k.Name = ""
	if in.Name != nil {
		k.Name = *in.Name
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.UpdateKey(ctx, k) }); err != nil {
		return View{}, err
	}
	return ViewOf(k), nil
}

// Delete serves DELETE /keys/{keyId}: the key is archived (it can no
// longer sign) and keeps its sealed material. act, when not nil, is
// consumed with the change.
func (s *Service) Delete(ctx context.Context, p *principal.Principal, act Action, keyID string) (View, error) {
	k, err := s.Load(ctx, p, keyID)
	if err != nil {
		return View{}, err
	}
	if k.Status != StatusArchived {
		k.Status, k.DateDeleted = StatusArchived, s.now()
		if err := store.Run(ctx, s.store, act, func(ctx context.Context) error {
			if err := s.store.UpdateKey(ctx, k); err != nil {
				return err
			}
			return s.emit(ctx, k.OrgID, keyEvent("key.deleted", k))
		}); err != nil {
			return View{}, err
		}
	}
	return ViewOf(k), nil
}

// DeriveInput is the body of POST /keys/{keyId}/derive.
type DeriveInput struct {
	Domain *string `json:"domain"`
	Seed   *string `json:"seed"`
}

// DeriveOutput is its response.
type DeriveOutput struct {
	Output string `json:"output"`
}

// deriveInfo labels the derivation below; bump it to change the output.
const deriveInfo = "custos/keys/derive/v1"

// Derive serves POST /keys/{keyId}/derive.
//
// Dfns documents this endpoint for DH keys only ("Regular threshold
// signature keys, like ECDSA or EdDSA, will not work"; docs.dfns.co
// api-reference/keys/derive-key): a threshold Diffie-Hellman evaluation
// (GLOW20) of the key on hash_to_curve(seed) with the ciphersuite
// secp256k1_XMD:SHA-256_SSWU_RO_ and domain as the separation tag. Dfns
// does not document how the point becomes the output bytes, so Custos
// cannot reproduce Dfns' outputs. It keeps the documented properties
// (deterministic per key, domain and seed; the seed need not be secret;
// outputs for other seeds cannot be computed without the key) with
//
//	output = HKDF-SHA256(ikm = the 32-byte secret scalar, salt = domain,
//	                     info = "custos/keys/derive/v1" || seed, length 32)
//
// (RFC 5869). Non-DH keys are a 400, as at Dfns.
func (s *Service) Derive(ctx context.Context, p *principal.Principal, keyID string, in *DeriveInput) (DeriveOutput, error) {
	if err := in.check(); err != nil {
		return DeriveOutput{}, err
	}
	k, err := s.Load(ctx, p, keyID)
	if err != nil {
		return DeriveOutput{}, err
	}
	if k.Scheme != SchemeDH {
		return DeriveOutput{}, apierr.BadRequest("only DH keys can derive; create one with scheme DH and curve secp256k1")
	}
	if k.Status != StatusActive {
		return DeriveOutput{}, apierr.BadRequest("key %s is archived", k.ID)
	}
	if in.Domain == nil || in.Seed == nil {
		return DeriveOutput{}, apierr.BadRequest("domain and seed are required (hex)")
	}
	domain, err := decodeHex("domain", *in.Domain)
	if err != nil {
		return DeriveOutput{}, err
	}
	seed, err := decodeHex("seed", *in.Seed)
	if err != nil {
		return DeriveOutput{}, err
	}
	if len(domain) == 0 {
		return DeriveOutput{}, apierr.BadRequest("domain must not be empty")
	}
	ck, aad := k.custodyKey()
	secret, err := s.backend.Export(ctx, ck, k.Material, aad)
	if err != nil {
		return DeriveOutput{}, err
	}
	defer clear(secret)
	out, err := hkdf.Key(sha256.New, secret, domain, deriveInfo+string(seed), 32)
	if err != nil {
		return DeriveOutput{}, err
	}
	return DeriveOutput{Output: hex0x(out)}, nil
}

// clip shortens caller-supplied text echoed in error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}

// isStatus reports whether err is an API error with status code.
func isStatus(err error, code int) bool {
	var e *apierr.Error
	return errors.As(err, &e) && e.Status == code
}

func trim0x(s string) string {
	if strings.HasPrefix(s, "0x") || strings.HasPrefix(s, "0X") {
		return s[2:]
	}
	return s
}

// nowMS is the clock of the services: UTC, cut to the millisecond the store
// keeps, so a create response shows the same dates as a later read.
func nowMS() time.Time { return time.Now().UTC().Truncate(time.Millisecond) }
