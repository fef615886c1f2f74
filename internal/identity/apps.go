package identity

import (
	"context"
	"strings"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
)

// Application kinds.
const (
	AppServerSide = "ServerSideApplication"
	AppClientSide = "ClientSideApplication"
)

// AppInput is the body of POST and PUT /auth/apps.
type AppInput struct {
	Name           *string `json:"name"`
	Kind           string  `json:"kind,omitempty"`
	RelyingPartyID *string `json:"relyingPartyId,omitempty"`
	Origin         *string `json:"origin,omitempty"`
	ExternalID     *string `json:"externalId,omitempty"`
}

// MakeApp checks in and makes, without storing it, an application of org
// (bootstrap stores it in its unit of work).
func (s *Service) MakeApp(org string, in *AppInput) (*App, error) {
	if in.Name == nil || strings.TrimSpace(*in.Name) == "" || len(*in.Name) > 200 {
		return nil, apierr.BadRequest("name must be a non-empty string of at most 200 characters")
	}
	if err := in.checkFields(); err != nil {
		return nil, err
	}
	kind := in.Kind
	if kind == "" {
		kind = AppClientSide
	}
	if kind != AppClientSide && kind != AppServerSide {
		return nil, apierr.BadRequest("kind must be ClientSideApplication or ServerSideApplication")
	}
	a := &App{ID: id.New("ap"), OrgID: org, Kind: kind, Name: *in.Name, IsActive: true, Created: s.now()}
	applyApp(a, in)
	return a, nil
}

func applyApp(a *App, in *AppInput) {
	if in.Name != nil {
		a.Name = *in.Name
	}
	if in.RelyingPartyID != nil {
		a.RPID = *in.RelyingPartyID
	}
	if in.Origin != nil {
		a.Origin = *in.Origin
	}
	if in.ExternalID != nil {
		a.ExternalID = *in.ExternalID
	}
}

// CreateApp makes an application in p's org; act, when not nil, is
// consumed with it.
func (s *Service) CreateApp(ctx context.Context, p *principal.Principal, act store.Consumer, in *AppInput) (AppView, error) {
	a, err := s.MakeApp(p.OrgID, in)
	if err != nil {
		return AppView{}, err
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.CreateApp(ctx, a) }); err != nil {
		return AppView{}, err
	}
	return s.viewApp(ctx, a)
}

// GetApp returns application appID.
func (s *Service) GetApp(ctx context.Context, p *principal.Principal, appID string) (AppView, error) {
	a, err := s.store.App(ctx, p.OrgID, appID)
	if err != nil {
		return AppView{}, err
	}
	return s.viewApp(ctx, a)
}

// ListApps lists the applications of p's org.
func (s *Service) ListApps(ctx context.Context, p *principal.Principal) ([]AppView, error) {
	apps, err := s.store.Apps(ctx, p.OrgID)
	if err != nil {
		return nil, err
	}
	out := make([]AppView, 0, len(apps))
	for _, a := range apps {
		v, err := s.viewApp(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// UpdateApp changes an application's name, relying party or origin; act,
// when not nil, is consumed with the change.
func (s *Service) UpdateApp(ctx context.Context, p *principal.Principal, act store.Consumer, appID string, in *AppInput) (AppView, error) {
	a, err := s.store.App(ctx, p.OrgID, appID)
	if err != nil {
		return AppView{}, err
	}
	if in.Name != nil && (strings.TrimSpace(*in.Name) == "" || len(*in.Name) > 200) {
		return AppView{}, apierr.BadRequest("name must be a non-empty string of at most 200 characters")
	}
	if err := in.checkFields(); err != nil {
		return AppView{}, err
	}
	applyApp(a, in)
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.UpdateApp(ctx, a) }); err != nil {
		return AppView{}, err
	}
	return s.viewApp(ctx, a)
}

// SetAppState activates, deactivates or archives an application. The
// application a request names cannot change its own state. act, when not
// nil, is consumed with the change.
func (s *Service) SetAppState(ctx context.Context, p *principal.Principal, act store.Consumer, appID string, state State) (AppView, error) {
	a, err := s.store.App(ctx, p.OrgID, appID)
	if err != nil {
		return AppView{}, err
	}
	if a.ID == p.AppID {
		return AppView{}, apierr.BadRequest("an application cannot change its own state")
	}
	if a.IsArchived {
		return AppView{}, apierr.BadRequest("application %s is archived", appID)
	}
	switch state {
	case Activate:
		a.IsActive = true
	case Deactivate:
		a.IsActive = false
	case Archive:
		a.IsActive, a.IsArchived = false, true
	}
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.UpdateApp(ctx, a) }); err != nil {
		return AppView{}, err
	}
	return s.viewApp(ctx, a)
}
