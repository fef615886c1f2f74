package wallet

import (
	"context"
	"encoding/json"
	"slices"
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/all"
	"github.com/custos-dev/custos/internal/event"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
)

// Authorizer checks that a principal may perform an operation;
// *permission.Service is one.
type Authorizer interface {
	Authorize(ctx context.Context, p *principal.Principal, op string) error
}

// Service manages wallets.
type Service struct {
	store  Store
	keys   *keys.Service
	auth   Authorizer
	events event.Emitter
	now    func() time.Time
}

// New returns the wallet service.
func New(store Store, ks *keys.Service, auth Authorizer) *Service {
	return &Service{store: store, keys: ks, auth: auth, events: event.Nop{}, now: nowMS}
}

// nowMS is the service clock: UTC, cut to the millisecond the store keeps,
// so a create response shows the same dates as a later read.
func nowMS() time.Time {
	return time.Now().UTC().Truncate(time.Millisecond)
}

// SigningKeyInput is the signingKey object of POST /wallets.
type SigningKeyInput struct {
	ID         *string         `json:"id"`
	Scheme     *string         `json:"scheme"`
	Curve      *string         `json:"curve"`
	StoreID    *string         `json:"storeId"`
	DeriveFrom json.RawMessage `json:"deriveFrom"`
}

// CreateInput is the body of POST /wallets.
type CreateInput struct {
	Network         string           `json:"network"`
	Name            *string          `json:"name"`
	SigningKey      *SigningKeyInput `json:"signingKey"`
	DelegateTo      *string          `json:"delegateTo"`
	DelayDelegation *bool            `json:"delayDelegation"`
	ExternalID      *string          `json:"externalId"`
	Tags            []string         `json:"tags"`
}

// checkText checks a wallet's name or externalId (docs/security.md,
// "Input limits and operational defaults").
func checkText(field string, v *string) error {
	if field == "externalId" {
		return validate.OptExternalID(field, v)
	}
	return validate.OptName(field, v)
}

// checkTags refuses empty, long, unprintable or too many tags.
func checkTags(tags []string) error {
	return validate.Tags("tags", tags)
}

// check bounds the text fields of a new wallet's body.
func (in *CreateInput) check() error {
	if err := validate.Word("network", in.Network); err != nil {
		return err
	}
	if err := checkText("name", in.Name); err != nil {
		return err
	}
	if err := checkText("externalId", in.ExternalID); err != nil {
		return err
	}
	if err := checkTags(in.Tags); err != nil {
		return err
	}
	if sk := in.SigningKey; sk != nil {
		fields := []string{"signingKey.id", "signingKey.scheme", "signingKey.curve", "signingKey.storeId"}
		for i, v := range []*string{sk.ID, sk.Scheme, sk.Curve, sk.StoreID} {
			if v != nil {
				if err := validate.Printable(fields[i], *v, validate.MaxID); err != nil {
					return err
				}
			}
		}
	}
	if in.DelegateTo != nil {
		return validate.Printable("delegateTo", *in.DelegateTo, validate.MaxID)
	}
	return nil
}

// Create serves POST /wallets: it makes a key with the network's default
// scheme and curve (or the ones signingKey names), or reuses signingKey.id
// (which needs Keys:Reuse), and derives the address. The wallet, its new
// key and the consumption of act (when not nil) commit together.
func (s *Service) Create(ctx context.Context, p *principal.Principal, act keys.Action, in *CreateInput) (View, error) {
	if err := in.check(); err != nil {
		return View{}, err
	}
	if in.Network == "" {
		return View{}, apierr.BadRequest("network is required")
	}
	a, err := keys.Adapter(in.Network)
	if err != nil {
		return View{}, err
	}
	owner := ""
	if in.DelegateTo != nil && !(in.DelayDelegation != nil && *in.DelayDelegation) {
		if err := s.keys.EndUser(ctx, p.OrgID, "delegateTo", *in.DelegateTo); err != nil {
			return View{}, err
		}
		if err := s.auth.Authorize(ctx, p, "Keys:Delegate"); err != nil {
			return View{}, err
		}
		owner = *in.DelegateTo
	}
	switch {
	case checkText("name", in.Name) != nil:
		return View{}, checkText("name", in.Name)
	case checkText("externalId", in.ExternalID) != nil:
		return View{}, checkText("externalId", in.ExternalID)
	}
	if err := checkTags(in.Tags); err != nil {
		return View{}, err
	}
	sk := in.SigningKey
	if sk == nil {
		sk = &SigningKeyInput{}
	}
	if sk.StoreID != nil || (len(sk.DeriveFrom) > 0 && string(sk.DeriveFrom) != "null") {
		return View{}, apierr.BadRequest("signingKey.storeId and signingKey.deriveFrom are not supported yet")
	}

	var k *keys.Key
	newKey := sk.ID == nil
	if newKey {
		scheme, curve, _ := all.DefaultKey(in.Network)
		if sk.Scheme != nil {
			// The network's own curve when the scheme is its default
			// (ECDSA on KeyECDSAStark is stark), else the scheme's.
			if sk.Curve == nil && *sk.Scheme != scheme {
				curve = defaultCurve(*sk.Scheme)
			}
			scheme = *sk.Scheme
		}
		if sk.Curve != nil {
			curve = *sk.Curve
		}
		if scheme == keys.SchemeDH {
			return View{}, apierr.BadRequest("DH keys cannot back wallets")
		}
		if k, err = s.keys.NewKey(ctx, p.OrgID, p.UserID, scheme, curve, false); err != nil {
			return View{}, err
		}
		switch {
		case keys.IsEndUser(p): // an end user's new wallet is theirs
			k.Delegate(p.UserID)
		case owner != "": // delayDelegation: custodial until /delegate
			k.Delegate(owner)
		}
	} else {
		if owner != "" {
			return View{}, apierr.BadRequest("delegateTo: an existing key is delegated with POST /keys/{keyId}/delegate")
		}
		if err := s.auth.Authorize(ctx, p, "Keys:Reuse"); err != nil {
			return View{}, err
		}
		if k, err = s.keys.Load(ctx, p, *sk.ID); err != nil {
			return View{}, err
		}
		if k.Status != keys.StatusActive {
			return View{}, apierr.BadRequest("key %s is archived", k.ID)
		}
		if (sk.Scheme != nil && *sk.Scheme != k.Scheme) || (sk.Curve != nil && *sk.Curve != k.Curve) {
			return View{}, apierr.BadRequest("signingKey scheme and curve do not match key %s", k.ID)
		}
	}
	if err := a.KeyFits(in.Network, k.Chain()); err != nil {
		return View{}, err
	}
	addr, err := a.Address(in.Network, k.Chain())
	if err != nil {
		return View{}, err
	}
	w := &Wallet{ID: id.New("wa"), OrgID: p.OrgID, KeyID: k.ID, Network: in.Network, Address: addr,
		Status: initialStatus(a, in.Network, k.Chain()), Tags: dedupe(in.Tags), Created: s.now(),
		Key: SigningKey{Scheme: k.Scheme, Curve: k.Curve, PublicKey: k.PublicKey, Status: k.Status, DelegatedTo: k.DelegatedTo}}
	if in.Name != nil {
		w.Name = *in.Name
	}
	if in.ExternalID != nil {
		w.ExternalID = *in.ExternalID
	}
	var created *keys.Key
	if newKey {
		created = k
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := s.store.CreateWallet(ctx, w, created); err != nil {
			return err
		}
		return s.emit(ctx, w.OrgID, walletEvent("wallet.created", w))
	}); err != nil {
		return View{}, err
	}
	return ViewOf(w), nil
}

// defaultCurve is the curve of a scheme named without one.
func defaultCurve(scheme string) string {
	if scheme == chain.SchemeEdDSA {
		return chain.CurveEd25519
	}
	return chain.CurveSecp256k1
}

func dedupe(tags []string) []string {
	out := make([]string, 0, len(tags))
	for _, t := range tags {
		if !slices.Contains(out, t) {
			out = append(out, t)
		}
	}
	return out
}

// Load returns wallet walletID of p's org, or a 404.
func (s *Service) Load(ctx context.Context, p *principal.Principal, walletID string) (*Wallet, error) {
	if !id.Valid("wa", walletID) {
		return nil, apierr.NotFound("wallet %s not found", clip(walletID))
	}
	w, err := s.store.Wallet(ctx, p.OrgID, walletID)
	if err != nil {
		return nil, err
	}
	if !keys.Visible(p, w.Key.DelegatedTo) { // end users see only their own (keys/owner.go)
		return nil, apierr.NotFound("wallet %s not found", clip(walletID))
	}
	return w, nil
}

// Get serves GET /wallets/{walletId}.
func (s *Service) Get(ctx context.Context, p *principal.Principal, walletID string) (View, error) {
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return View{}, err
	}
	return ViewOf(w), nil
}

// List serves GET /wallets: an end user's own wallets, or every wallet of
// the org for anyone else. Owner filters are ignored.
func (s *Service) List(ctx context.Context, p *principal.Principal, pg identity.Page) ([]View, string, error) {
	var ws []*Wallet
	var next string
	var err error
	if keys.IsEndUser(p) {
		ws, next, err = s.store.OwnedWallets(ctx, p.OrgID, p.UserID, pg)
	} else {
		ws, next, err = s.store.Wallets(ctx, p.OrgID, pg)
	}
	if err != nil {
		return nil, "", err
	}
	out := make([]View, 0, len(ws))
	for _, w := range ws {
		out = append(out, ViewOf(w))
	}
	return out, next, nil
}

// UpdateInput is the body of PUT /wallets/{walletId}: absent fields stay,
// null clears.
type UpdateInput struct {
	Name       json.RawMessage `json:"name"`
	ExternalID json.RawMessage `json:"externalId"`
}

// optional decodes a string|null member; set reports whether it was given.
func optional(field string, raw json.RawMessage) (v string, set bool, err error) {
	if len(raw) == 0 {
		return "", false, nil
	}
	var s *string
	if json.Unmarshal(raw, &s) != nil {
		return "", false, apierr.BadRequest("%s must be a string or null", field)
	}
	if s != nil {
		v = *s
	}
	if err := checkText(field, &v); err != nil {
		return "", false, err
	}
	return v, true, nil
}

// Update serves PUT /wallets/{walletId}; act, when not nil, is consumed
// with the change.
func (s *Service) Update(ctx context.Context, p *principal.Principal, act keys.Action, walletID string, in *UpdateInput) (View, error) {
	name, setName, err := optional("name", in.Name)
	if err != nil {
		return View{}, err
	}
	ext, setExt, err := optional("externalId", in.ExternalID)
	if err != nil {
		return View{}, err
	}
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return View{}, err
	}
	if setName {
		w.Name = name
	}
	if setExt {
		w.ExternalID = ext
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.UpdateWallet(ctx, w) }); err != nil {
		return View{}, err
	}
	return ViewOf(w), nil
}

// TagsInput is the body of PUT and DELETE /wallets/{walletId}/tags.
type TagsInput struct {
	Tags []string `json:"tags"`
}

// Tag adds (add true) or removes tags of a wallet; act, when not nil, is
// consumed with the change.
func (s *Service) Tag(ctx context.Context, p *principal.Principal, act keys.Action, walletID string, in *TagsInput, add bool) (struct{}, error) {
	if in.Tags == nil {
		return struct{}{}, apierr.BadRequest("tags is required")
	}
	if err := checkTags(in.Tags); err != nil {
		return struct{}{}, err
	}
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return struct{}{}, err
	}
	added, removed := dedupe(in.Tags), []string(nil)
	if !add {
		added, removed = nil, in.Tags
	}
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		if err := s.store.UpdateTags(ctx, p.OrgID, walletID, added, removed); err != nil {
			return err
		}
		after := *w
		after.Tags = retagged(w.Tags, added, removed)
		return s.emit(ctx, w.OrgID, walletEvent("wallet.tags.modified", &after))
	})
	return struct{}{}, err
}

// clip shortens caller-supplied text echoed in error messages.
func clip(s string) string {
	if len(s) > 40 {
		return s[:40] + "…"
	}
	return s
}
