package credential

import (
	"errors"
	"strings"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"
	"github.com/google/uuid"

	"github.com/custos-dev/custos/internal/apierr"
)

// The clientData types of Fido2 credentials (WebAuthn §5.8.1).
const (
	typeWebauthnCreate = "webauthn.create"
	typeWebauthnGet    = "webauthn.get"
)

// Fido2Algorithms are the COSE algorithms a passkey may use, in the order
// the server offers them: ES256, RS256, EdDSA (docs/protocol/passkeys.md).
var Fido2Algorithms = []int{int(webauthncose.AlgES256), int(webauthncose.AlgRS256), int(webauthncose.AlgEdDSA)}

// ErrCounterNotIncreasing refuses an assertion whose sign counter is not
// above the stored one: a sign of a cloned authenticator, or a replay
// (docs/protocol/passkeys.md, "Sign counter").
var ErrCounterNotIncreasing = apierr.Unauthorized("credential sign counter did not increase")

// fido2Verifier serves the Fido2 kind: WebAuthn passkeys, verified with
// go-webauthn's protocol package (docs/protocol/passkeys.md).
type fido2Verifier struct{}

// Kind returns KindFido2.
func (fido2Verifier) Kind() Kind { return KindFido2 }

// origins returns the origins a ceremony may come from: exp.Origins, or
// https://<rp id> when none are configured.
func origins(exp Expect) []string {
	if len(exp.Origins) > 0 {
		return exp.Origins
	}
	return []string{"https://" + exp.RPID}
}

// webauthnRefused is the 401 of a WebAuthn check that failed; the
// library's reason is kept for the log only.
func webauthnRefused(msg string, err error) error {
	return apierr.Unauthorized("%s", msg).Wrap(err)
}

// Register checks a Fido2 registration (docs/protocol/passkeys.md,
// "Registration"): clientData of type webauthn.create carrying exp.Challenge
// from an allowed origin; an attestation object whose rpIdHash is that of
// exp.RPID, with the UP and UV flags, an ES256, RS256 or EdDSA key, and an
// attestation statement that verifies (none, packed, fido-u2f, …).
func (fido2Verifier) Register(in *Attestation, exp Expect) (*Credential, error) {
	if in == nil {
		return nil, apierr.BadRequest("missing credential attestation")
	}
	if in.CredentialKind != string(KindFido2) {
		return nil, apierr.BadRequest("invalid credentialKind: want %s", KindFido2)
	}
	info := in.CredentialInfo
	rawID, err := DecodeB64URL(info.CredID)
	if err != nil || len(rawID) == 0 {
		return nil, badField("credentialInfo.credId", errNotB64URL)
	}
	cd, err := ParseClientData(info.ClientData)
	if err != nil {
		return nil, badField("credentialInfo.clientData", err)
	}
	if cd.Type != typeWebauthnCreate {
		return nil, badField("credentialInfo.clientData", errors.New("type must be "+typeWebauthnCreate))
	}
	attObj, err := DecodeB64URL(info.AttestationData)
	if err != nil || len(attObj) == 0 {
		return nil, badField("credentialInfo.attestationData", errNotB64URL)
	}
	ccr := protocol.CredentialCreationResponse{
		PublicKeyCredential: protocol.PublicKeyCredential{
			Credential: protocol.Credential{ID: b64url(rawID), Type: string(protocol.PublicKeyCredentialType)},
			RawID:      rawID,
		},
		AttestationResponse: protocol.AuthenticatorAttestationResponse{
			AuthenticatorResponse: protocol.AuthenticatorResponse{ClientDataJSON: cd.Raw},
			AttestationObject:     attObj,
		},
	}
	pcc, err := ccr.Parse()
	if err != nil {
		return nil, badField("credentialInfo.attestationData", errors.New("not a WebAuthn attestation object"))
	}
	if !cd.HasChallenge(exp.Challenge) {
		return nil, apierr.Unauthorized("credential challenge does not match")
	}
	params := make([]protocol.CredentialParameter, 0, len(Fido2Algorithms))
	for _, a := range Fido2Algorithms {
		params = append(params, protocol.CredentialParameter{Type: protocol.PublicKeyCredentialType,
			Algorithm: webauthncose.COSEAlgorithmIdentifier(a)})
	}
	// The challenge was checked in both of its forms above; the library
	// compares the one the client used.
	if _, err := pcc.Verify(cd.Challenge, exp.RPID, origins(exp), nil, nil, protocol.TopOriginExplicitVerificationMode,
		false, true, true, nil, params, protocol.AttestationPolicy{}, protocol.SignaturePolicy{}); err != nil {
		return nil, webauthnRefused("credential attestation is not valid", err)
	}
	ad := pcc.Response.AttestationObject.AuthData
	pemText := webauthncose.DisplayPublicKey(ad.AttData.CredentialPublicKey)
	if !strings.HasPrefix(pemText, "-----BEGIN") {
		return nil, badField("credentialInfo.attestationData", errors.New("unsupported credential public key"))
	}
	aaguid := ""
	if u, err := uuid.FromBytes(ad.AttData.AAGUID); err == nil {
		aaguid = u.String()
	}
	transports := make([]string, 0, len(pcc.Response.Transports))
	for _, t := range pcc.Response.Transports {
		transports = append(transports, string(t))
	}
	c := &Credential{
		CredID:         info.CredID,
		Kind:           KindFido2,
		Name:           in.CredentialName,
		PublicKey:      pemText,
		RelyingPartyID: exp.RPID,
		Origin:         pcc.Response.CollectedClientData.Origin,
		SignCount:      ad.Counter,
		IsActive:       true,
		WebAuthn: WebAuthnData{
			COSEKey:           ad.AttData.CredentialPublicKey,
			AAGUID:            aaguid,
			Transports:        transports,
			BackupEligible:    ad.Flags.HasBackupEligible(),
			BackupState:       ad.Flags.HasBackupState(),
			AttestationFormat: pcc.Response.AttestationObject.Format,
		},
	}
	if c.Name == "" {
		c.Name = DefaultCredentialName
	}
	return c, nil
}

// Verify checks a Fido2 assertion (docs/protocol/passkeys.md, "Assertion"):
// clientData of type webauthn.get carrying exp.Challenge from an allowed
// origin; authenticator data for exp.RPID with the UP and UV flags; a
// userHandle, when sent, naming cred's user; a signature over
// authenticatorData ‖ SHA-256(clientData) by cred's key; and a sign
// counter above the stored one unless both are 0 (authenticators without a
// counter, as synced passkeys, always send 0). It returns the new counter.
func (fido2Verifier) Verify(cred *Credential, a *Assertion, exp Expect) (uint32, error) {
	if a == nil {
		return 0, apierr.BadRequest("missing credential assertion")
	}
	if a.Kind != string(KindFido2) {
		return 0, apierr.BadRequest("invalid kind: want %s", KindFido2)
	}
	ca := a.CredentialAssertion
	if ca == nil {
		return 0, apierr.BadRequest("invalid credentialAssertion: missing")
	}
	rawID, err := DecodeB64URL(ca.CredID)
	if err != nil || len(rawID) == 0 {
		return 0, badField("credentialAssertion.credId", errNotB64URL)
	}
	cd, err := ParseClientData(ca.ClientData)
	if err != nil {
		return 0, badField("credentialAssertion.clientData", err)
	}
	if cd.Type != typeWebauthnGet {
		return 0, badField("credentialAssertion.clientData", errors.New("type must be "+typeWebauthnGet))
	}
	authData, err := DecodeB64URL(ca.AuthenticatorData)
	if err != nil || len(authData) == 0 {
		return 0, badField("credentialAssertion.authenticatorData", errNotB64URL)
	}
	sig, err := DecodeB64URL(ca.Signature)
	if err != nil || len(sig) == 0 {
		return 0, badField("credentialAssertion.signature", errNotB64URL)
	}
	var userHandle []byte
	if ca.UserHandle != "" {
		if userHandle, err = DecodeB64URL(ca.UserHandle); err != nil {
			return 0, badField("credentialAssertion.userHandle", errNotB64URL)
		}
	}
	car := protocol.CredentialAssertionResponse{
		PublicKeyCredential: protocol.PublicKeyCredential{
			Credential: protocol.Credential{ID: b64url(rawID), Type: string(protocol.PublicKeyCredentialType)},
			RawID:      rawID,
		},
		AssertionResponse: protocol.AuthenticatorAssertionResponse{
			AuthenticatorResponse: protocol.AuthenticatorResponse{ClientDataJSON: cd.Raw},
			AuthenticatorData:     authData, Signature: sig, UserHandle: userHandle,
		},
	}
	par, err := car.Parse()
	if err != nil {
		return 0, badField("credentialAssertion.authenticatorData", errors.New("not WebAuthn authenticator data"))
	}
	if cred == nil || cred.Kind != KindFido2 || ca.CredID != cred.CredID || len(cred.WebAuthn.COSEKey) == 0 {
		return 0, apierr.Unauthorized("credential cannot be used for this challenge")
	}
	if userHandle != nil && string(userHandle) != cred.UserID {
		return 0, apierr.Unauthorized("credential userHandle does not name its user")
	}
	if !cd.HasChallenge(exp.Challenge) {
		return 0, apierr.Unauthorized("credential challenge does not match")
	}
	rpID := cred.RelyingPartyID
	if rpID == "" {
		rpID = exp.RPID
	}
	if err := par.Verify(cd.Challenge, rpID, "", origins(exp), nil, nil, protocol.TopOriginExplicitVerificationMode,
		false, true, true, cred.WebAuthn.COSEKey, protocol.SignaturePolicy{}); err != nil {
		return 0, webauthnRefused("credential assertion is not valid", err)
	}
	n := par.Response.AuthenticatorData.Counter
	if (n != 0 || cred.SignCount != 0) && n <= cred.SignCount {
		return 0, ErrCounterNotIncreasing
	}
	return n, nil
}
