package auth

import (
	"context"
	"slices"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
)

// SigningChallenge is the body of /auth/action/init and /auth/login/init
// (docs/protocol/auth.md §3.1). supportedCredentialKinds is an array here.
type SigningChallenge struct {
	Challenge                 string           `json:"challenge"`
	ChallengeIdentifier       string           `json:"challengeIdentifier"`
	AllowCredentials          AllowCredentials `json:"allowCredentials"`
	SupportedCredentialKinds  []SupportedKind  `json:"supportedCredentialKinds"`
	UserVerification          string           `json:"userVerification"`
	Attestation               string           `json:"attestation"`
	ExternalAuthenticationURL string           `json:"externalAuthenticationUrl"`
	RP                        *RelyingParty    `json:"rp,omitempty"`
}

// AllowCredentials lists the credentials that may answer a challenge; key and
// webauthn are always present, possibly empty.
type AllowCredentials struct {
	Key                  []AllowedCredential `json:"key"`
	Webauthn             []AllowedCredential `json:"webauthn"`
	PasswordProtectedKey []AllowedCredential `json:"passwordProtectedKey,omitempty"`
}

// AllowedCredential is one entry of AllowCredentials.
type AllowedCredential struct {
	Type                string   `json:"type"`
	ID                  string   `json:"id"`
	Transports          []string `json:"transports,omitempty"`
	EncryptedPrivateKey string   `json:"encryptedPrivateKey,omitempty"`
}

// SupportedKind is one entry of supportedCredentialKinds.
type SupportedKind struct {
	Kind                 string `json:"kind"`
	Factor               string `json:"factor"`
	RequiresSecondFactor bool   `json:"requiresSecondFactor"`
}

// RelyingParty is the WebAuthn relying party.
type RelyingParty struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// signingKinds are the credential kinds that can answer a signing challenge.
var signingKinds = []credential.Kind{credential.KindKey, credential.KindFido2, credential.KindPasswordProtectedKey}

// loginKinds add to them the Password, a login first factor that cannot
// sign user actions (docs/protocol/passwords.md).
var loginKinds = []credential.Kind{credential.KindKey, credential.KindFido2, credential.KindPasswordProtectedKey, credential.KindPassword}

// kindsFor returns the kinds that may answer a challenge of purpose.
func kindsFor(purpose string) []credential.Kind {
	if purpose == PurposeLogin {
		return loginKinds
	}
	return signingKinds
}

// issueSigningChallenge stores c (filling its id, challenge and expiry) with
// creds as the allowed credentials and returns the wire challenge.
// revealPPK says whether PasswordProtectedKey material may be returned.
func (s *Service) issueSigningChallenge(ctx context.Context, c *Challenge, creds []*credential.Credential, revealPPK bool) (*SigningChallenge, error) {
	out := &SigningChallenge{
		AllowCredentials:         AllowCredentials{Key: []AllowedCredential{}, Webauthn: []AllowedCredential{}},
		SupportedCredentialKinds: []SupportedKind{},
		UserVerification:         "required",
		Attestation:              "none",
	}
	kinds := map[credential.Kind]bool{}
	allowedKinds := kindsFor(c.Purpose)
	for _, cr := range creds {
		if !cr.IsActive || !slices.Contains(allowedKinds, cr.Kind) {
			continue
		}
		switch cr.Kind {
		case credential.KindKey:
			out.AllowCredentials.Key = append(out.AllowCredentials.Key, AllowedCredential{Type: "public-key", ID: cr.CredID})
		case credential.KindFido2:
			out.AllowCredentials.Webauthn = append(out.AllowCredentials.Webauthn,
				AllowedCredential{Type: "public-key", ID: cr.CredID, Transports: cr.WebAuthn.Transports})
			out.RP = &RelyingParty{ID: s.rpID(cr), Name: "Custos"}
		case credential.KindPasswordProtectedKey:
			if !revealPPK {
				continue
			}
			out.AllowCredentials.PasswordProtectedKey = append(out.AllowCredentials.PasswordProtectedKey,
				AllowedCredential{Type: "public-key", ID: cr.CredID, EncryptedPrivateKey: cr.EncryptedPrivateKey})
		}
		kinds[cr.Kind] = true
		c.Allowed = append(c.Allowed, cr.UUID)
	}
	if len(c.Allowed) == 0 {
		return nil, apierr.Unauthorized("User does not have a credential that can be used for the application.")
	}
	// A login of a user with a Totp credential needs it as second factor
	// (docs/protocol/totp.md).
	second := c.Purpose == PurposeLogin && slices.ContainsFunc(creds, func(cr *credential.Credential) bool {
		return cr.IsActive && cr.Kind == credential.KindTotp
	})
	for _, k := range allowedKinds {
		if kinds[k] {
			factor := "first"
			if k == credential.KindFido2 {
				factor = "either"
			}
			out.SupportedCredentialKinds = append(out.SupportedCredentialKinds,
				SupportedKind{Kind: string(k), Factor: factor, RequiresSecondFactor: second})
		}
	}
	if second {
		out.SupportedCredentialKinds = append(out.SupportedCredentialKinds, SupportedKind{Kind: string(credential.KindTotp), Factor: "second"})
		// The login challenge remembers that it needs the second factor,
		// so that logins without TOTP cost no further read (totp.go).
		c.Kind = string(credential.KindTotp)
	}
	ident, rowID, secretHash := newHandle("ch")
	now := s.now()
	c.ID, c.SecretHash = rowID, secretHash
	c.Challenge = id.Secret(32)
	c.Created = now
	c.ExpiresAt = now.Add(s.cfg.ChallengeTTL)
	if c.Purpose == PurposeAction {
		// Not stored: the handle carries it (sealed.go).
		sealed, err := s.tokens.sealChallenge(c)
		if err != nil {
			return nil, err
		}
		ident = sealed
	} else if err := s.store.CreateChallenge(ctx, c); err != nil {
		return nil, err
	}
	out.Challenge = c.Challenge
	out.ChallengeIdentifier = ident
	return out, nil
}

func (s *Service) rpID(cr *credential.Credential) string {
	if cr.RelyingPartyID != "" {
		return cr.RelyingPartyID
	}
	return s.cfg.RPID
}

// verifyFactor checks a first-factor assertion against a taken challenge:
// the credential must be one the challenge allowed, still active, and its
// signature must verify (docs/protocol/auth.md §3.3 steps 4–6).
func (s *Service) verifyFactor(ctx context.Context, c *Challenge, a *credential.Assertion) (*credential.Credential, error) {
	noCred := apierr.Unauthorized("User does not have a credential that can be used for the application.")
	if a == nil {
		return nil, apierr.BadRequest("firstFactor is required")
	}
	kind, err := credential.ParseKind(a.Kind)
	if err != nil {
		return nil, err
	}
	if !slices.Contains(kindsFor(c.Purpose), kind) {
		return nil, noCred
	}
	var cred *credential.Credential
	if kind == credential.KindPassword {
		// A password names no credential: it is the user's.
		cred, err = s.allowedPassword(ctx, c)
	} else {
		if a.CredentialAssertion == nil {
			return nil, apierr.BadRequest("firstFactor.credentialAssertion is required")
		}
		cred, err = s.store.CredentialByCredID(ctx, c.OrgID, a.CredentialAssertion.CredID)
	}
	if err != nil {
		// The cause rides along: a database outage is a 503 (httpapi).
		return nil, noCred.Wrap(err)
	}
	if !slices.Contains(c.Allowed, cred.UUID) {
		return nil, noCred
	}
	if !cred.IsActive || cred.Kind != kind || cred.UserID != c.UserID {
		return nil, noCred
	}
	v, ok := credential.For(kind)
	if !ok {
		return nil, noCred
	}
	exp := credential.Expect{Challenge: c.Challenge, RPID: s.rpID(cred), Origins: s.cfg.Origins, UserVerification: "required"}
	if kind == credential.KindFido2 {
		// A passkey answers for the relying party it was made for, from
		// that party's origins (relyingparty.go).
		if exp.Origins, err = s.originsOf(ctx, c.OrgID, exp.RPID); err != nil {
			return nil, err
		}
	}
	n, err := v.Verify(cred, a, exp)
	if err != nil {
		return nil, err
	}
	if n != cred.SignCount {
		if err := s.store.SetSignCount(ctx, cred.OrgID, cred.UUID, n); err != nil {
			return nil, err
		}
	}
	return cred, nil
}

// allowedPassword returns the Password credential among those challenge c
// allows.
func (s *Service) allowedPassword(ctx context.Context, c *Challenge) (*credential.Credential, error) {
	for _, uuid := range c.Allowed {
		cr, err := s.store.Credential(ctx, c.OrgID, uuid)
		if err != nil {
			return nil, err
		}
		if cr.Kind == credential.KindPassword {
			return cr, nil
		}
	}
	return nil, apierr.NotFound("no password credential")
}
