package auth

import (
	"context"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/id"
	"github.com/custos-dev/custos/internal/pemkey"
	"github.com/custos-dev/custos/internal/principal"
	"github.com/custos-dev/custos/internal/store"
	"github.com/custos-dev/custos/internal/validate"
	"github.com/custos-dev/custos/internal/wire"
)

// CredentialView is the wire Credential (docs/protocol/identities.md §7).
type CredentialView struct {
	Kind           string `json:"kind"`
	CredentialID   string `json:"credentialId"`
	CredentialUUID string `json:"credentialUuid"`
	DateCreated    string `json:"dateCreated"`
	IsActive       bool   `json:"isActive"`
	Name           string `json:"name"`
	PublicKey      string `json:"publicKey"`
	RelyingPartyID string `json:"relyingPartyId"`
	Origin         string `json:"origin"`
}

// ViewCredential renders c for the wire.
func ViewCredential(c *credential.Credential) CredentialView {
	return CredentialView{
		Kind: string(c.Kind), CredentialID: c.CredID, CredentialUUID: c.UUID,
		DateCreated: wire.Time(c.DateCreated), IsActive: c.IsActive, Name: c.Name,
		PublicKey: c.PublicKey, RelyingPartyID: c.RelyingPartyID, Origin: c.Origin,
	}
}

// CredentialChallenge is the body of POST /auth/credentials/init (docs/protocol/auth.md §5.2).
type CredentialChallenge struct {
	Kind                         string              `json:"kind"`
	User                         ChallengeUser       `json:"user"`
	ChallengeIdentifier          string              `json:"challengeIdentifier"`
	TemporaryAuthenticationToken string              `json:"temporaryAuthenticationToken"`
	Challenge                    string              `json:"challenge"`
	RP                           RelyingParty        `json:"rp"`
	Attestation                  string              `json:"attestation"`
	PubKeyCredParams             []PubKeyCredParam   `json:"pubKeyCredParams"`
	ExcludeCredentials           []AllowedCredential `json:"excludeCredentials"`
	// OtpURL is the otpauth:// URL of a Totp challenge (docs/protocol/totp.md).
	OtpURL string `json:"otpUrl,omitempty"`
	// AuthenticatorSelection is sent for Fido2 (docs/protocol/passkeys.md).
	AuthenticatorSelection *AuthenticatorSelection `json:"authenticatorSelection,omitempty"`
}

// AuthenticatorSelection is what a WebAuthn registration asks of the
// authenticator: a discoverable credential and user verification.
type AuthenticatorSelection struct {
	AuthenticatorAttachment string `json:"authenticatorAttachment,omitempty"`
	ResidentKey             string `json:"residentKey"`
	RequireResidentKey      bool   `json:"requireResidentKey"`
	UserVerification        string `json:"userVerification"`
}

// passkeySelection asks for a discoverable, user-verified passkey.
func passkeySelection() *AuthenticatorSelection {
	return &AuthenticatorSelection{ResidentKey: "required", RequireResidentKey: true, UserVerification: "required"}
}

// pubKeyCredParams lists the algorithms a passkey may use.
func pubKeyCredParams() []PubKeyCredParam {
	out := make([]PubKeyCredParam, 0, len(credential.Fido2Algorithms))
	for _, a := range credential.Fido2Algorithms {
		out = append(out, PubKeyCredParam{Type: "public-key", Alg: a})
	}
	return out
}

// ChallengeUser names the user a registration-type challenge is for.
type ChallengeUser struct {
	ID          string `json:"id"`
	DisplayName string `json:"displayName"`
	Name        string `json:"name"`
}

// PubKeyCredParam is a WebAuthn algorithm choice.
type PubKeyCredParam struct {
	Type string `json:"type"`
	Alg  int    `json:"alg"`
}

// CredentialInit issues a challenge to register a new credential of kind for
// the caller.
func (s *Service) CredentialInit(ctx context.Context, p *principal.Principal, kind string) (*CredentialChallenge, error) {
	c := &Challenge{OrgID: p.OrgID, Purpose: PurposeCredential, UserID: p.UserID, TokenID: p.TokenID, SessionID: p.SessionID}
	return s.credentialChallenge(ctx, c, p.Username, kind, p.AppID)
}

// credentialChallenge fills and stores c, a challenge to register a
// credential of kind for c's user (named username), for the relying party
// of application appID ("" or none: the server's), and returns it for the
// wire.
func (s *Service) credentialChallenge(ctx context.Context, c *Challenge, username, kind, appID string) (*CredentialChallenge, error) {
	k, err := credential.ParseKind(kind)
	if err != nil {
		return nil, err
	}
	if _, ok := credential.For(k); !ok {
		return nil, apierr.BadRequest("credential kind %s is not supported by this server yet", k)
	}
	existing, err := s.store.UserCredentials(ctx, c.OrgID, c.UserID)
	if err != nil {
		return nil, err
	}
	otpURL := ""
	if k == credential.KindTotp {
		if s.sealer == nil {
			return nil, errNoTotp
		}
		if otpURL, err = s.offerTotp(c, username); err != nil {
			return nil, err
		}
	}
	ident, rowID, secretHash := newHandle("ch")
	now := s.now()
	c.ID, c.SecretHash, c.Challenge, c.Kind = rowID, secretHash, id.Secret(32), string(k)
	c.Created, c.ExpiresAt = now, now.Add(s.cfg.ChallengeTTL)
	if err := s.store.CreateChallenge(ctx, c); err != nil {
		return nil, err
	}
	out := &CredentialChallenge{
		Kind: string(k), User: ChallengeUser{ID: c.UserID, DisplayName: username, Name: username},
		ChallengeIdentifier: ident, TemporaryAuthenticationToken: ident, Challenge: c.Challenge,
		RP: RelyingParty{ID: s.partyID(ctx, c.OrgID, appID), Name: "Custos"}, Attestation: "none",
		PubKeyCredParams:   pubKeyCredParams(),
		ExcludeCredentials: excludeCredentials(existing),
		OtpURL:             otpURL,
	}
	if k == credential.KindFido2 {
		out.AuthenticatorSelection = passkeySelection()
	}
	return out, nil
}

// excludeCredentials lists the passkeys among creds, which a new passkey
// must not duplicate on the same authenticator.
func excludeCredentials(creds []*credential.Credential) []AllowedCredential {
	out := []AllowedCredential{}
	for _, e := range creds {
		if e.Kind == credential.KindFido2 {
			out = append(out, AllowedCredential{Type: "public-key", ID: e.CredID, Transports: e.WebAuthn.Transports})
		}
	}
	return out
}

// CreateCredentialInput is the body of POST /auth/credentials.
type CreateCredentialInput struct {
	credential.Attestation
	ChallengeIdentifier string `json:"challengeIdentifier"`
}

// CreateCredential verifies the attestation against the caller's credential
// challenge and stores the new credential, with the consumption of act
// when not nil.
func (s *Service) CreateCredential(ctx context.Context, p *principal.Principal, act store.Consumer, in *CreateCredentialInput) (*credential.Credential, error) {
	return s.createCredential(ctx, p, act, in, PurposeCredential)
}

// createCredential verifies in against a taken challenge of purpose: a
// credential challenge of p (regular flow), or, with p nil, a challenge
// opened with a credential code (code flow, credential_codes.go).
func (s *Service) createCredential(ctx context.Context, p *principal.Principal, act store.Consumer, in *CreateCredentialInput, purpose string) (*credential.Credential, error) {
	if err := in.check(); err != nil {
		return nil, err
	}
	k, err := credential.ParseKind(in.CredentialKind)
	if err != nil {
		return nil, err
	}
	c, err := s.takeChallenge(ctx, in.ChallengeIdentifier, purpose)
	if err != nil {
		return nil, err
	}
	if p != nil && (c.OrgID != p.OrgID || c.UserID != p.UserID) {
		return nil, apierr.BadRequest("Challenge token is not valid.")
	}
	if c.Kind != string(k) {
		return nil, apierr.BadRequest("credentialKind %s does not match the challenge kind %s", k, c.Kind)
	}
	v, ok := credential.For(k)
	if !ok {
		return nil, apierr.BadRequest("credential kind %s is not supported by this server yet", k)
	}
	secret, err := s.openTotp(c.OrgID, c.UserID, c.TotpSecret)
	if err != nil {
		return nil, err
	}
	cred, err := s.register(ctx, c.OrgID, v, k, &in.Attestation, credential.Expect{Challenge: c.Challenge, TotpSecret: secret, Now: s.now()})
	clear(secret)
	if err != nil {
		return nil, err
	}
	if k == credential.KindTotp {
		cred.TotpSecret = c.TotpSecret
	}
	cred.UUID, cred.OrgID, cred.UserID = id.New("cr"), c.OrgID, c.UserID
	cred.IsActive, cred.DateCreated = true, s.now()
	if err := store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.CreateCredential(ctx, cred, "") }); err != nil {
		return nil, err
	}
	return cred, nil
}

// KeyCredential makes, without storing it, the Key credential of user
// userID backed by publicKeyPEM, named name ("" for a user's default
// credential). The caller stores it, bound to a PAT or service-account
// token (then only that token may sign with it) or to the user, in the
// unit of work that creates its owner.
func (s *Service) KeyCredential(org, userID, name, publicKeyPEM string) (*credential.Credential, error) {
	if _, err := pemkey.ParsePublic(publicKeyPEM); err != nil {
		return nil, apierr.BadRequest("publicKey: %v", err)
	}
	if name == "" {
		name = "Default Credential"
	}
	return &credential.Credential{
		UUID: id.New("cr"), OrgID: org, UserID: userID, CredID: id.Secret(32), Kind: credential.KindKey,
		Name: name, PublicKey: publicKeyPEM, IsActive: true, DateCreated: s.now(),
	}, nil
}

// Credentials lists the caller's credentials.
func (s *Service) Credentials(ctx context.Context, p *principal.Principal) ([]*credential.Credential, error) {
	return s.store.UserCredentials(ctx, p.OrgID, p.UserID)
}

// SetCredentialActive activates or deactivates one of the caller's
// credentials. A user may not deactivate their last active credential.
// act, when not nil, is consumed with the change (first: the credential
// being deactivated may be the one that signed it).
func (s *Service) SetCredentialActive(ctx context.Context, p *principal.Principal, act store.Consumer, uuid string, active bool) error {
	c, err := s.ownCredential(ctx, p, uuid)
	if err != nil {
		return err
	}
	if !active && c.IsActive {
		if err := s.keepOneActive(ctx, p, c); err != nil {
			return err
		}
	}
	return store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.SetCredentialActive(ctx, p.OrgID, uuid, active) })
}

// ArchiveCredential removes one of the caller's credentials for good; act,
// when not nil, is consumed with the change.
func (s *Service) ArchiveCredential(ctx context.Context, p *principal.Principal, act store.Consumer, uuid string) error {
	c, err := s.ownCredential(ctx, p, uuid)
	if err != nil {
		return err
	}
	if c.IsActive {
		if err := s.keepOneActive(ctx, p, c); err != nil {
			return err
		}
	}
	return store.Run(ctx, s.store, act, func(ctx context.Context) error { return s.store.ArchiveCredential(ctx, p.OrgID, uuid) })
}

// ownCredential returns credential uuid of the caller (not a token's key).
func (s *Service) ownCredential(ctx context.Context, p *principal.Principal, uuid string) (*credential.Credential, error) {
	if err := validate.ID("credentialUuid", uuid); err != nil {
		return nil, err
	}
	creds, err := s.store.UserCredentials(ctx, p.OrgID, p.UserID)
	if err != nil {
		return nil, err
	}
	for _, c := range creds {
		if c.UUID == uuid {
			return c, nil
		}
	}
	return nil, apierr.NotFound("credential %s not found", uuid)
}

// keepOneActive refuses to take away a user's last active signing credential.
func (s *Service) keepOneActive(ctx context.Context, p *principal.Principal, c *credential.Credential) error {
	creds, err := s.store.SigningCredentials(ctx, p.OrgID, p.UserID)
	if err != nil {
		return err
	}
	for _, o := range creds {
		if o.UUID != c.UUID && o.IsActive && o.Kind != credential.KindTotp { // a Totp alone cannot sign in
			return nil
		}
	}
	if c.Kind == credential.KindRecoveryKey {
		return nil
	}
	return apierr.BadRequest("cannot deactivate the last active credential of a user")
}
