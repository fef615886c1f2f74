package auth

import (
	"context"
	"errors"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
)

// Relying parties (docs/protocol/passkeys.md, "Relying parties"): the
// server's own, --rp-id with the origins of --origin (https://<rp-id> when
// none is given), and those of the organisation's active applications,
// each an application's relyingPartyId with its origin (https://<id> when
// it names none). A passkey is made for one of them and kept with it.

// party is one relying party and the origins its ceremonies may come from.
type party struct {
	id      string
	origins []string
}

// maxParties bounds the applications' relying parties a ceremony is
// checked against.
const maxParties = 32

// parties lists the relying parties of org, the server's first.
func (s *Service) parties(ctx context.Context, org string) ([]party, error) {
	own := party{id: s.cfg.RPID, origins: s.cfg.Origins}
	if len(own.origins) == 0 {
		own.origins = []string{"https://" + s.cfg.RPID}
	}
	out := []party{own}
	apps, err := s.store.Apps(ctx, org)
	if err != nil {
		return nil, err
	}
	for _, a := range apps {
		if !a.IsActive || a.IsArchived || a.RPID == "" || len(out) > maxParties {
			continue
		}
		origin := a.Origin
		if origin == "" {
			origin = "https://" + a.RPID
		}
		i := slices.IndexFunc(out, func(p party) bool { return p.id == a.RPID })
		switch {
		case i < 0:
			out = append(out, party{id: a.RPID, origins: []string{origin}})
		case !slices.Contains(out[i].origins, origin):
			out[i].origins = append(slices.Clip(out[i].origins), origin)
		}
	}
	return out, nil
}

// partyID is the relying party id new passkeys of org are made for: that
// of application appID when it names one, else the server's.
func (s *Service) partyID(ctx context.Context, org, appID string) string {
	if appID != "" {
		if a, err := s.store.App(ctx, org, appID); err == nil && a.IsActive && !a.IsArchived && a.RPID != "" {
			return a.RPID
		}
	}
	return s.cfg.RPID
}

// originsOf returns the origins of relying party rpID of org; a party no
// longer served (its application archived, the server's --rp-id changed)
// serves no ceremony.
func (s *Service) originsOf(ctx context.Context, org, rpID string) ([]string, error) {
	ps, err := s.parties(ctx, org)
	if err != nil {
		return nil, err
	}
	for _, p := range ps {
		if p.id == rpID {
			return p.origins, nil
		}
	}
	return nil, apierr.Unauthorized("The relying party %s of this passkey is no longer served.", rpID)
}

// register verifies attestation att of org against each relying party of
// org in turn and returns the credential of the first that accepts it (its
// RelyingPartyID says which); when none does, the refusal for the
// server's own. Only passkeys depend on the relying party: other kinds
// are verified once.
func (s *Service) register(ctx context.Context, org string, v credential.Verifier, k credential.Kind, att *credential.Attestation,
	exp credential.Expect) (*credential.Credential, error) {
	if k != credential.KindFido2 {
		exp.RPID, exp.Origins = s.cfg.RPID, s.cfg.Origins
		return v.Register(att, exp)
	}
	ps, err := s.parties(ctx, org)
	if err != nil {
		return nil, err
	}
	var first error
	for _, p := range ps {
		exp.RPID, exp.Origins = p.id, p.origins
		cred, err := v.Register(att, exp)
		if err == nil {
			return cred, nil
		}
		var ae *apierr.Error
		if !errors.As(err, &ae) {
			return nil, err // not a refusal of the attestation
		}
		if first == nil {
			first = err
		}
	}
	return nil, first
}
