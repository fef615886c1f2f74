package wallet

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/all"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/keys"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/validate"
)

// MaxOwnedWallets bounds the wallets one end-user registration creates.
const MaxOwnedWallets = 10

// OwnedInput is one wallet of a new end user: an element of wallets in
// POST /auth/registration/enduser (docs/protocol/delegated.md).
type OwnedInput struct {
	Network string  `json:"network"`
	Name    *string `json:"name"`
}

// Owned is a set of new wallets of one end user, with their keys generated
// and nothing stored yet.
type Owned struct {
	s       *Service
	org     string
	wallets []*Wallet
	keys    []*keys.Key
}

// CheckOwned bounds ins before anything else is done: at most
// MaxOwnedWallets, each with a network and a short printable name. A bad
// field is a 400 naming it (wallets.network, wallets.name).
func CheckOwned(ins []OwnedInput) error {
	if len(ins) > MaxOwnedWallets {
		return apierr.BadRequest("wallets: at most %d wallets per registration", MaxOwnedWallets)
	}
	for _, in := range ins {
		if err := validate.Word("wallets.network", in.Network); err != nil {
			return err
		}
		if in.Network == "" {
			return apierr.BadRequest("wallets.network is required")
		}
		if err := validate.OptName("wallets.name", in.Name); err != nil {
			return err
		}
	}
	return nil
}

// PrepareOwned checks ins and generates their keys, each with the
// network's default scheme and curve and delegated to end user owner
// (keys/owner.go), without storing anything: Store writes them in the
// caller's unit of work.
func (s *Service) PrepareOwned(ctx context.Context, org, owner string, ins []OwnedInput) (*Owned, error) {
	if err := CheckOwned(ins); err != nil {
		return nil, err
	}
	out := &Owned{s: s, org: org}
	for _, in := range ins {
		a, err := keys.Adapter(in.Network)
		if err != nil {
			return nil, err
		}
		scheme, curve, _ := all.DefaultKey(in.Network)
		k, err := s.keys.NewKey(ctx, org, owner, scheme, curve, false)
		if err != nil {
			return nil, err
		}
		k.Delegate(owner)
		addr, err := a.Address(in.Network, k.Chain())
		if err != nil {
			return nil, err
		}
		w := &Wallet{ID: id.New("wa"), OrgID: org, KeyID: k.ID, Network: in.Network, Address: addr,
			Status: initialStatus(a, in.Network, k.Chain()), Tags: []string{}, Created: s.now(),
			Key: SigningKey{Scheme: k.Scheme, Curve: k.Curve, PublicKey: k.PublicKey, Status: k.Status, DelegatedTo: owner}}
		if in.Name != nil {
			w.Name = *in.Name
		}
		out.wallets, out.keys = append(out.wallets, w), append(out.keys, k)
	}
	return out, nil
}

// Store writes the wallets and their keys, with their wallet.created
// events, in the unit of work of ctx.
func (o *Owned) Store(ctx context.Context) error {
	for i, w := range o.wallets {
		if err := o.s.store.CreateWallet(ctx, w, o.keys[i]); err != nil {
			return err
		}
		if err := o.s.emit(ctx, o.org, walletEvent("wallet.created", w)); err != nil {
			return err
		}
	}
	return nil
}

// Views returns the wallets for the wire.
func (o *Owned) Views() []View {
	out := make([]View, 0, len(o.wallets))
	for _, w := range o.wallets {
		out = append(out, ViewOf(w))
	}
	return out
}

// DelegateInput is the body of POST /wallets/{walletId}/delegate.
type DelegateInput struct {
	UserID string `json:"userId"`
}

// DelegateOutput is its answer.
type DelegateOutput struct {
	WalletID string `json:"walletId"`
	Status   string `json:"status"`
}

// Delegate serves POST /wallets/{walletId}/delegate: the wallet's custodial
// key becomes the key of end user in.UserID (keys.Service.Delegate), with
// a wallet.delegated event. act, when not nil, is consumed with it.
func (s *Service) Delegate(ctx context.Context, p *principal.Principal, act keys.Action, walletID string, in *DelegateInput) (DelegateOutput, error) {
	w, err := s.Load(ctx, p, walletID)
	if err != nil {
		return DelegateOutput{}, err
	}
	after := *w
	after.Key.DelegatedTo = in.UserID
	if _, err := s.keys.Delegate(ctx, p, act, w.KeyID, in.UserID, walletEvent("wallet.delegated", &after)); err != nil {
		return DelegateOutput{}, err
	}
	return DelegateOutput{WalletID: w.ID, Status: "Delegated"}, nil
}
