package keys

import (
	"context"
	"errors"
	"net/http"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/identity"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
)

// Delegation of custodial keys to end users (docs/protocol/delegated.md,
// "Delegating a key or wallet"): delegateTo at creation, or
// POST /keys/{keyId}/delegate later. A delegated key stays delegated.

// Users finds the end user a key is delegated to; the SQL store is one.
type Users interface {
	User(ctx context.Context, org, id string) (*identity.User, error)
}

// DelegateStore delegates a custodial key; the SQL store is one.
type DelegateStore interface {
	// DelegateKey makes custodial key keyID of org a key of owner and
	// reports whether it was custodial.
	DelegateKey(ctx context.Context, org, keyID, owner string) (bool, error)
}

// Authorizer checks that a principal may perform an operation;
// *permission.Service is one.
type Authorizer interface {
	Authorize(ctx context.Context, p *principal.Principal, op string) error
}

// SetDelegation enables delegation (delegateTo, /delegate) with the end
// users of u; a creation with delegateTo also needs Keys:Delegate, which a
// checks. Without it they are a 400. It must be called before the service
// is used.
func (s *Service) SetDelegation(u Users, a Authorizer) { s.users, s.authz = u, a }

// EndUser returns nil when userID names an active, registered end user of
// org that a key may be delegated to, else a 400 naming field.
func (s *Service) EndUser(ctx context.Context, org, field, userID string) error {
	if s.users == nil {
		return apierr.BadRequest("%s: key delegation is not enabled on this server", field)
	}
	if err := validate.ID(field, userID); err != nil {
		return err
	}
	u, err := s.users.User(ctx, org, userID)
	var ae *apierr.Error
	if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
		return apierr.BadRequest("%s: user %s not found", field, clip(userID))
	}
	if err != nil {
		return err
	}
	if u.Kind != identity.KindEndUser || u.IsServiceAccount || !u.IsActive || u.IsArchived {
		return apierr.BadRequest("%s: keys are delegated only to active end users", field)
	}
	return nil
}

// DelegateInput is the body of POST /keys/{keyId}/delegate.
type DelegateInput struct {
	DelegateTo string `json:"delegateTo"`
}

// DelegateOutput is its answer.
type DelegateOutput struct {
	KeyID  string `json:"keyId"`
	Status string `json:"status"`
}

// Delegate serves POST /keys/{keyId}/delegate: custodial key keyID becomes
// the key of end user owner, who alone signs with it from then on
// (owner.go). extra events are recorded with the change (wallet.delegated).
// act, when not nil, is consumed with it.
func (s *Service) Delegate(ctx context.Context, p *principal.Principal, act Action, keyID, owner string, extra ...Event) (DelegateOutput, error) {
	if err := s.EndUser(ctx, p.OrgID, "delegateTo", owner); err != nil {
		return DelegateOutput{}, err
	}
	k, err := s.Load(ctx, p, keyID)
	if err != nil {
		return DelegateOutput{}, err
	}
	if k.DelegatedTo != "" {
		return DelegateOutput{}, apierr.BadRequest("key %s is already delegated", k.ID)
	}
	if k.Status != StatusActive {
		return DelegateOutput{}, apierr.BadRequest("key %s is archived", k.ID)
	}
	ds, ok := s.store.(DelegateStore)
	if !ok {
		return DelegateOutput{}, errors.New("key store cannot delegate keys")
	}
	k.Delegate(owner)
	err = store.Run(ctx, s.store, act, func(ctx context.Context) error {
		ok, err := ds.DelegateKey(ctx, k.OrgID, k.ID, owner)
		if err == nil && !ok {
			err = apierr.BadRequest("key %s is already delegated", k.ID)
		}
		if err != nil {
			return err
		}
		return s.emit(ctx, k.OrgID, append([]Event{keyEvent("key.delegated", k)}, extra...)...)
	})
	if err != nil {
		return DelegateOutput{}, err
	}
	return DelegateOutput{KeyID: k.ID, Status: "Delegated"}, nil
}
