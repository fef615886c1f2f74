package credential

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/pemkey"
)

// checkStatus fails unless err is an API error with a 400 or 401 status.
func checkStatus(t *testing.T, err error) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || (e.Status != http.StatusBadRequest && e.Status != http.StatusUnauthorized) {
		t.Fatalf("error %v is not a 400 or 401", err)
	}
}

// mutate changes byte i of the assertion in one of four ways chosen by how:
// replaces it with b on the wire string of the signature (0) or clientData
// (1), or XORs it with b in the decoded bytes of the signature (2) or
// clientData (3), re-encoded.
func mutate(ca CredentialAssertion, how, i int, b byte) CredentialAssertion {
	field := &ca.Signature
	if how%2 == 1 {
		field = &ca.ClientData
	}
	if how < 2 {
		s := []byte(*field)
		s[i%len(s)] = b
		*field = string(s)
		return ca
	}
	raw, _ := DecodeB64URL(*field)
	raw = append([]byte(nil), raw...)
	raw[i%len(raw)] ^= b
	*field = b64url(raw)
	return ca
}

// assertionCases returns every fixture assertion with its credential.
func assertionCases(t testing.TB) (creds []*Credential, as []Assertion, exps []Expect) {
	for _, f := range loadFixtures(t) {
		cred := register(t, f)
		for _, a := range f.Assertions {
			creds = append(creds, cred)
			as = append(as, a.Assertion)
			exps = append(exps, Expect{Challenge: f.Challenge})
		}
	}
	return creds, as, exps
}

// TestSingleByteMutationsRejected checks, for every Node assertion, that
// changing any one byte of the signature or of the clientData (on the wire or
// decoded) is rejected.
func TestSingleByteMutationsRejected(t *testing.T) {
	t.Parallel()
	v := mustVerifier(t, KindKey)
	creds, as, exps := assertionCases(t)
	for n := range as {
		ca := *as[n].CredentialAssertion
		for how := range 4 {
			field := ca.Signature
			if how%2 == 1 {
				field = ca.ClientData
			}
			size := len(field)
			if how >= 2 {
				raw, _ := DecodeB64URL(field)
				size = len(raw)
			}
			values := []byte{'A', '='} // wire: replace
			if how >= 2 {
				values = []byte{0x01} // decoded: flip a bit
			}
			for i := range size {
				for _, b := range values {
					m := mutate(ca, how, i, b)
					if m == ca {
						continue
					}
					a := as[n]
					a.CredentialAssertion = &m
					if _, err := v.Verify(creds[n], &a, exps[n]); err == nil {
						t.Fatalf("assertion %d: mutation %d at %d to %q accepted", n, how, i, b)
					}
				}
			}
		}
	}
}

// FuzzAssertionMutation is the fuzzing form of TestSingleByteMutationsRejected:
// a valid assertion with any single byte changed is rejected with a 400 or 401.
func FuzzAssertionMutation(f *testing.F) {
	creds, as, exps := assertionCases(f)
	for n := range as {
		f.Add(n, 0, 3, byte('x'))
		f.Add(n, 3, 10, byte('{'))
	}
	v := mustVerifier(f, KindKey)
	f.Fuzz(func(t *testing.T, n, how, i int, b byte) {
		n, how, i = abs(n)%len(as), abs(how)%4, abs(i)
		ca := *as[n].CredentialAssertion
		m := mutate(ca, how, i, b)
		if m == ca {
			return
		}
		a := as[n]
		a.CredentialAssertion = &m
		_, err := v.Verify(creds[n], &a, exps[n])
		if err == nil {
			t.Fatalf("mutation accepted")
		}
		checkStatus(t, err)
	})
}

func abs(x int) int {
	if x < 0 {
		if -x < 0 {
			return 0
		}
		return -x
	}
	return x
}

// FuzzParseClientData checks that accepted clientData has exactly one
// spelling, non-empty type and challenge, and matches its own challenge only.
func FuzzParseClientData(f *testing.F) {
	for _, fx := range loadFixtures(f) {
		for _, r := range fx.Registrations {
			f.Add(r.Attestation.CredentialInfo.ClientData)
		}
		for _, a := range fx.Assertions {
			f.Add(a.Assertion.CredentialAssertion.ClientData)
		}
	}
	f.Add(enc(`{"type":"key.get","challenge":"a","origin":null}`))
	f.Add(enc(`{"type":"key.get","challenge":"\u00e9\ud800"}`) + "==")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseClientData(s)
		if err != nil {
			return
		}
		if b64url(c.Raw) != strings.TrimRight(s, "=") {
			t.Fatalf("accepted a second spelling of the same bytes: %q", s)
		}
		if c.Type == "" || c.Challenge == "" {
			t.Fatal("empty type or challenge accepted")
		}
		if !c.HasChallenge(c.Challenge) || c.HasChallenge(c.Challenge+"x") || c.HasChallenge("") {
			t.Fatal("HasChallenge is inconsistent")
		}
	})
}

// FuzzRegister feeds arbitrary attestation JSON to the Key verifier: every
// failure is a 400 or 401, and every success is backed by a signature that
// verifies over the fingerprint of clientData carrying the challenge.
func FuzzRegister(f *testing.F) {
	fs := loadFixtures(f)
	for _, fx := range fs {
		for _, r := range fx.Registrations {
			b, _ := json.Marshal(r.Attestation)
			f.Add(string(b), fx.Challenge)
		}
	}
	v := mustVerifier(f, KindKey)
	f.Fuzz(func(t *testing.T, body, challenge string) {
		var in Attestation
		if json.Unmarshal([]byte(body), &in) != nil {
			return
		}
		c, err := v.Register(&in, Expect{Challenge: challenge})
		if err != nil {
			checkStatus(t, err)
			return
		}
		cd, err := ParseClientData(in.CredentialInfo.ClientData)
		if err != nil || cd.Type != "key.create" || !cd.HasChallenge(challenge) {
			t.Fatal("registered with bad clientData")
		}
		pub, err := pemkey.ParsePublic(c.PublicKey)
		if err != nil {
			t.Fatal("registered an unparsable key")
		}
		raw, _ := DecodeB64URL(in.CredentialInfo.AttestationData)
		var ad AttestationData
		_ = json.Unmarshal(raw, &ad)
		sig, _ := hex.DecodeString(ad.Signature)
		if pub.Verify(FingerprintBytes(cd.Raw, c.PublicKey), sig, c.Algorithm) != nil {
			t.Fatal("registered without a valid signature")
		}
		if c.CredID != in.CredentialInfo.CredID || c.CredID == "" || c.Kind != KindKey {
			t.Fatal("credential fields do not match the input")
		}
	})
}
