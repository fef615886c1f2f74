package credential

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
)

func TestParseKindAndRegistry(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"Fido2", "Key", "Password", "Totp", "RecoveryKey", "PasswordProtectedKey"} {
		k, err := ParseKind(s)
		if err != nil || string(k) != s {
			t.Errorf("ParseKind(%q) = %q, %v", s, k, err)
		}
	}
	for _, s := range []string{"", "key", "KEY", "Webauthn", strings.Repeat("x", 1000)} {
		_, err := ParseKind(s)
		if statusOf(err) != http.StatusBadRequest || len(err.Error()) > 100 {
			t.Errorf("ParseKind(%.20q): %v", s, err)
		}
	}
	for k, want := range map[Kind]bool{
		KindKey: true, KindPasswordProtectedKey: true, KindRecoveryKey: true,
		KindFido2: true, KindPassword: true, KindTotp: true,
	} {
		v, ok := For(k)
		if ok != want || (ok && v.Kind() != k) {
			t.Errorf("For(%s) = %v, %v", k, v, ok)
		}
	}
}

func TestDecodeB64URL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"":         "",
		"YQ":       "a",
		"YQ==":     "a",
		"YWI":      "ab",
		"YWI=":     "ab",
		"YWJj":     "abc",
		"-_8":      "\xfb\xff",
		"-_8=":     "\xfb\xff",
		"Pz8_Pz8-": "???\x3f?>",
	} {
		got, err := DecodeB64URL(in)
		if err != nil || string(got) != want {
			t.Errorf("DecodeB64URL(%q) = %q, %v", in, got, err)
		}
	}
	for _, in := range []string{
		"+/8", "YQ=", "YQ===", "YWJj=", "Y", "YR", "YQ\n", "Y Q", "YQ==YQ", "=", "YW=I", "\u00e9", "YQ%3D",
	} {
		if _, err := DecodeB64URL(in); err == nil {
			t.Errorf("DecodeB64URL(%q) accepted", in)
		}
	}
}

func enc(s string) string { return base64.RawURLEncoding.EncodeToString([]byte(s)) }

func TestParseClientData(t *testing.T) {
	t.Parallel()
	c, err := ParseClientData(enc(`{"type":"key.get","challenge":"abc","origin":"https://x","crossOrigin":false,"extra":{"a":1}}`))
	if err != nil || c.Type != "key.get" || c.Challenge != "abc" || c.Origin != "https://x" {
		t.Fatalf("ParseClientData = %+v, %v", c, err)
	}
	for name, in := range map[string]string{
		"not base64url":      "eyJ0eXBlIjoia2V5LmdldCJ9+",
		"not json":           enc(`type=key.get`),
		"array":              enc(`[]`),
		"null":               enc(`null`),
		"trailing":           enc(`{"type":"key.get","challenge":"a"} x`),
		"no type":            enc(`{"challenge":"a"}`),
		"no challenge":       enc(`{"type":"key.get"}`),
		"empty challenge":    enc(`{"type":"key.get","challenge":""}`),
		"challenge number":   enc(`{"type":"key.get","challenge":1}`),
		"challenge null":     enc(`{"type":"key.get","challenge":null}`),
		"origin object":      enc(`{"type":"key.get","challenge":"a","origin":{}}`),
		"wrong-case members": enc(`{"Type":"key.get","CHALLENGE":"a"}`),
	} {
		if _, err := ParseClientData(in); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestHasChallenge(t *testing.T) {
	t.Parallel()
	const ch = "Y2gtMDEyMzQ1"
	for challenge, want := range map[string]bool{
		ch:                  true,
		enc(ch):             true, // browser WebAuthn form: base64url of the UTF-8 bytes
		enc(ch) + "==":      false,
		ch + "x":            false,
		ch[:len(ch)-1]:      false,
		strings.ToLower(ch): false,
		"":                  false,
	} {
		c := &ClientData{Challenge: challenge}
		if got := c.HasChallenge(ch); got != want {
			t.Errorf("clientData challenge %q: HasChallenge = %v, want %v", challenge, got, want)
		}
	}
	if (&ClientData{Challenge: ch}).HasChallenge("") {
		t.Error("empty expected challenge matched")
	}
}

func TestFingerprintBytes(t *testing.T) {
	t.Parallel()
	// Made by Node: JSON.stringify({clientDataHash: sha256 hex of the clientData, publicKey: pem}).
	// '<', '>' and '&' stay unescaped, as in JSON.stringify.
	pem := "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA<&>\n-----END PUBLIC KEY-----\n"
	want := `{"clientDataHash":"6a92b46ea668999c776b5699e05b88a42e91c220524e41a421efc71452cd7d3a",` +
		`"publicKey":"-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA<&>\n-----END PUBLIC KEY-----\n"}`
	if got := string(FingerprintBytes([]byte(`{"type":"key.create","challenge":"abc"}`), pem)); got != want {
		t.Errorf("FingerprintBytes =\n%s\nwant\n%s", got, want)
	}
}

// TestRegisterErrors checks that malformed registrations are 400s naming the
// field and that proof failures are 401s.
func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	f := loadFixtures(t)[0]
	good := f.Registrations[0].Attestation
	v := mustVerifier(t, KindKey)
	exp := Expect{Challenge: f.Challenge}
	attData := func(s string) string { return enc(s) }
	cases := []struct {
		name   string
		mod    func(a *Attestation)
		status int
		field  string
	}{
		{"kind", func(a *Attestation) { a.CredentialKind = "Fido2" }, 400, "credentialKind"},
		{"credId", func(a *Attestation) { a.CredentialInfo.CredID = "" }, 400, "credentialInfo.credId"},
		{"clientData b64", func(a *Attestation) { a.CredentialInfo.ClientData = "!!" }, 400, "credentialInfo.clientData"},
		{"clientData json", func(a *Attestation) { a.CredentialInfo.ClientData = enc("{") }, 400, "credentialInfo.clientData"},
		{"clientData type", func(a *Attestation) {
			a.CredentialInfo.ClientData = enc(`{"type":"key.get","challenge":"` + f.Challenge + `"}`)
		}, 400, "credentialInfo.clientData"},
		{"webauthn type", func(a *Attestation) {
			a.CredentialInfo.ClientData = enc(`{"type":"webauthn.create","challenge":"` + f.Challenge + `"}`)
		}, 400, "credentialInfo.clientData"},
		{"attestationData b64", func(a *Attestation) { a.CredentialInfo.AttestationData = "a+b" }, 400, "credentialInfo.attestationData"},
		{"attestationData json", func(a *Attestation) { a.CredentialInfo.AttestationData = attData(`[1]`) }, 400, "credentialInfo.attestationData"},
		{"attestationData empty", func(a *Attestation) { a.CredentialInfo.AttestationData = attData(`{}`) }, 400, "credentialInfo.attestationData"},
		{"publicKey", func(a *Attestation) {
			a.CredentialInfo.AttestationData = attData(`{"publicKey":"-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n","signature":"00"}`)
		}, 400, "credentialInfo.attestationData.publicKey"},
		{"signature hex", func(a *Attestation) {
			b, _ := DecodeB64URL(a.CredentialInfo.AttestationData)
			a.CredentialInfo.AttestationData = enc(strings.Replace(string(b), `"signature":"`, `"signature":"zz`, 1))
		}, 400, "credentialInfo.attestationData.signature"},
		{"signature changed", func(a *Attestation) {
			b, _ := DecodeB64URL(a.CredentialInfo.AttestationData)
			a.CredentialInfo.AttestationData = enc(strings.Replace(string(b), `"signature":"`, `"signature":"00`, 1))
		}, 401, ""},
		{"challenge", func(a *Attestation) {
			a.CredentialInfo.ClientData = enc(`{"type":"key.create","challenge":"other"}`)
		}, 401, ""},
	}
	for _, c := range cases {
		a := good
		c.mod(&a)
		_, err := v.Register(&a, exp)
		if statusOf(err) != c.status || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want %d naming %q", c.name, err, c.status, c.field)
		}
	}
	if _, err := v.Register(nil, exp); statusOf(err) != 400 {
		t.Errorf("nil attestation: %v", err)
	}
}

func TestVerifyErrors(t *testing.T) {
	t.Parallel()
	f := loadFixtures(t)[0]
	cred := register(t, f)
	v := mustVerifier(t, KindKey)
	exp := Expect{Challenge: f.Challenge}
	good := f.Assertions[0].Assertion
	cases := []struct {
		name   string
		mod    func(a *Assertion)
		status int
		field  string
	}{
		{"kind", func(a *Assertion) { a.Kind = "Fido2" }, 400, "kind"},
		{"no credentialAssertion", func(a *Assertion) { a.CredentialAssertion = nil }, 400, "credentialAssertion"},
		{"clientData b64", func(a *Assertion) { a.CredentialAssertion.ClientData += "=" }, 400, "credentialAssertion.clientData"},
		{"clientData type", func(a *Assertion) {
			a.CredentialAssertion.ClientData = enc(`{"type":"key.create","challenge":"` + f.Challenge + `"}`)
		}, 400, "credentialAssertion.clientData"},
		{"signature b64", func(a *Assertion) { a.CredentialAssertion.Signature = "ab/c" }, 400, "credentialAssertion.signature"},
		{"signature empty", func(a *Assertion) { a.CredentialAssertion.Signature = "" }, 400, "credentialAssertion.signature"},
		{"credId", func(a *Assertion) { a.CredentialAssertion.CredID = "x" }, 401, ""},
		{"challenge", func(a *Assertion) {
			a.CredentialAssertion.ClientData = enc(`{"type":"key.get","challenge":"other"}`)
		}, 401, ""},
		{"signature", func(a *Assertion) { a.CredentialAssertion.Signature = enc("not a signature") }, 401, ""},
	}
	for _, c := range cases {
		a := good
		ca := *good.CredentialAssertion
		a.CredentialAssertion = &ca
		c.mod(&a)
		_, err := v.Verify(cred, &a, exp)
		if statusOf(err) != c.status || !strings.Contains(err.Error(), c.field) {
			t.Errorf("%s: %v, want %d naming %q", c.name, err, c.status, c.field)
		}
		if strings.Contains(err.Error(), good.CredentialAssertion.Signature[:12]) {
			t.Errorf("%s: error repeats the signature", c.name)
		}
	}
	if _, err := v.Verify(cred, nil, exp); statusOf(err) != 400 {
		t.Errorf("nil assertion: %v", err)
	}
	broken := *cred
	broken.PublicKey = "garbage"
	if _, err := v.Verify(&broken, &good, exp); statusOf(err) != http.StatusInternalServerError {
		t.Errorf("corrupt stored key: %v", err)
	}
}
