package auth

import (
	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/validate"
)

// Input limits of the auth bodies (docs/security.md, "Input limits and
// operational defaults"): ids, kinds and encoded data are bounded
// printable ASCII, names and passwords bounded text. The verifiers check
// the content.

const (
	maxPassword = 1024
	maxCode     = 256
)

func (in *LoginInitInput) check() error {
	if err := validate.Text("username", in.Username, validate.MaxEmail); err != nil {
		return err
	}
	if err := validate.OptID("orgId", in.OrgID); err != nil {
		return err
	}
	if err := validate.OptID("tenantId", in.TenantID); err != nil {
		return err
	}
	return validate.Printable("loginCode", in.LoginCode, maxCode)
}

// check bounds a signed challenge answer (login, user action).
func (in *CompleteInput) check() error {
	if err := validate.ID("challengeIdentifier", in.ChallengeIdentifier); err != nil {
		return err
	}
	if err := checkAssertion("firstFactor", in.FirstFactor); err != nil {
		return err
	}
	return checkAssertion("secondFactor", in.SecondFactor)
}

func checkAssertion(field string, a *credential.Assertion) error {
	if a == nil {
		return nil
	}
	if err := validate.Word(field+".kind", a.Kind); err != nil {
		return err
	}
	if err := validate.Text(field+".password", a.Password, maxPassword); err != nil {
		return err
	}
	if err := validate.Printable(field+".otpCode", a.OtpCode, maxCode); err != nil {
		return err
	}
	ca := a.CredentialAssertion
	if ca == nil {
		return nil
	}
	p := field + ".credentialAssertion."
	if err := validate.Printable(p+"credId", ca.CredID, validate.MaxData); err != nil {
		return err
	}
	for _, f := range []struct{ name, v string }{{"clientData", ca.ClientData}, {"signature", ca.Signature},
		{"authenticatorData", ca.AuthenticatorData}, {"userHandle", ca.UserHandle}} {
		if err := validate.Printable(p+f.name, f.v, validate.MaxData); err != nil {
			return err
		}
	}
	return nil
}

func (in *CreateCredentialInput) check() error {
	if err := validate.ID("challengeIdentifier", in.ChallengeIdentifier); err != nil {
		return err
	}
	return checkAttestation("", &in.Attestation)
}

// checkAttestation bounds a credential attestation; prefix ("" or
// "field.") names where it sits in the body.
func checkAttestation(prefix string, a *credential.Attestation) error {
	if err := validate.Word(prefix+"credentialKind", a.CredentialKind); err != nil {
		return err
	}
	if err := validate.Text(prefix+"credentialName", a.CredentialName, validate.MaxName); err != nil {
		return err
	}
	if err := validate.Printable(prefix+"encryptedPrivateKey", a.EncryptedPrivateKey, validate.MaxData); err != nil {
		return err
	}
	ci := a.CredentialInfo
	for _, f := range []struct{ name, v string }{{"credentialInfo.credId", ci.CredID},
		{"credentialInfo.clientData", ci.ClientData}, {"credentialInfo.attestationData", ci.AttestationData},
		{"credentialInfo.otpCode", ci.OtpCode}} {
		if err := validate.Printable(prefix+f.name, f.v, validate.MaxData); err != nil {
			return err
		}
	}
	return validate.Text(prefix+"credentialInfo.password", ci.Password, maxPassword)
}

// check bounds a registration body.
func (in *RegistrationInput) check() error { return in.checkAt("") }

// checkAt bounds registration credentials found at prefix of a body.
func (in *RegistrationInput) checkAt(prefix string) error {
	if in.FirstFactorCredential == nil {
		return apierr.BadRequest("%sfirstFactorCredential is required", prefix)
	}
	for _, f := range []struct {
		name string
		a    *credential.Attestation
	}{{"firstFactorCredential", in.FirstFactorCredential}, {"secondFactorCredential", in.SecondFactorCredential},
		{"recoveryCredential", in.RecoveryCredential}} {
		if f.a == nil {
			continue
		}
		if err := checkAttestation(prefix+f.name+".", f.a); err != nil {
			return err
		}
	}
	return nil
}

// check bounds a registration challenge request.
func (in *RegistrationInitInput) check() error {
	if err := validate.Text("username", in.Username, validate.MaxEmail); err != nil {
		return err
	}
	if err := validate.Printable("registrationCode", in.RegistrationCode, maxCode); err != nil {
		return err
	}
	if err := validate.OptID("orgId", in.OrgID); err != nil {
		return err
	}
	if err := validate.OptID("tenantId", in.TenantID); err != nil {
		return err
	}
	if in.Username == "" || in.RegistrationCode == "" {
		return apierr.BadRequest("username and registrationCode are required")
	}
	return nil
}

// checkCodeInit bounds a credential code challenge request.
func checkCodeInit(in *CredentialCodeInitInput) error {
	if err := validate.Word("credentialKind", in.CredentialKind); err != nil {
		return err
	}
	if err := validate.Printable("code", in.Code, maxCode); err != nil {
		return err
	}
	if in.Code == "" {
		return apierr.BadRequest("code is required")
	}
	return nil
}
