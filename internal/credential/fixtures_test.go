package credential

import (
	"encoding/json"
	"errors"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
)

// fixture is one testdata/node_<algo>.json file, made by gen_node.js with
// Node's crypto the way the Dfns signers sign.
type fixture struct {
	Algo          string
	PrivateKey    string
	PublicKey     string
	CredID        string
	Challenge     string
	Registrations []struct {
		Name        string
		Attestation Attestation
	}
	Assertions []struct {
		Name      string
		Assertion Assertion
	}
}

func loadFixtures(t testing.TB) []fixture {
	t.Helper()
	names, err := filepath.Glob(filepath.Join("testdata", "node_*.json"))
	if err != nil || len(names) != 4 {
		t.Fatalf("want 4 fixtures, got %d (%v)", len(names), err)
	}
	var fs []fixture
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var f fixture
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatalf("%s: %v", n, err)
		}
		fs = append(fs, f)
	}
	return fs
}

func mustVerifier(t testing.TB, k Kind) Verifier {
	t.Helper()
	v, ok := For(k)
	if !ok {
		t.Fatalf("no verifier for %s", k)
	}
	return v
}

// statusOf returns the API status of err, or 0 if err is not an *apierr.Error.
func statusOf(err error) int {
	var e *apierr.Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// register registers f's BrowserKeySigner-style attestation as a Key.
func register(t testing.TB, f fixture) *Credential {
	t.Helper()
	att := f.Registrations[0].Attestation
	c, err := mustVerifier(t, KindKey).Register(&att, Expect{Challenge: f.Challenge})
	if err != nil {
		t.Fatalf("%s: Register: %v", f.Algo, err)
	}
	return c
}

func TestRegisterNodeAttestations(t *testing.T) {
	t.Parallel()
	v := mustVerifier(t, KindKey)
	for _, f := range loadFixtures(t) {
		for _, r := range f.Registrations {
			t.Run(f.Algo+"/"+r.Name, func(t *testing.T) {
				att := r.Attestation
				c, err := v.Register(&att, Expect{Challenge: f.Challenge})
				if err != nil {
					t.Fatalf("Register: %v", err)
				}
				var ad AttestationData
				raw, _ := DecodeB64URL(att.CredentialInfo.AttestationData)
				_ = json.Unmarshal(raw, &ad)
				if c.CredID != f.CredID || c.Kind != KindKey || c.Name != DefaultCredentialName ||
					c.PublicKey != ad.PublicKey || c.Algorithm != ad.Algorithm || !c.IsActive || c.EncryptedPrivateKey != "" {
					t.Errorf("credential = %+v", c)
				}
				if r.Name != "pkcs1-public-key" && c.PublicKey != f.PublicKey {
					t.Error("public key not stored exactly as received")
				}
				_, err = v.Register(&att, Expect{Challenge: f.Challenge + "x"})
				if statusOf(err) != http.StatusUnauthorized {
					t.Errorf("wrong challenge: %v", err)
				}
				_, err = v.Register(&att, Expect{})
				if statusOf(err) != http.StatusUnauthorized {
					t.Errorf("no challenge: %v", err)
				}
			})
		}
	}
}

func TestRegisterKinds(t *testing.T) {
	t.Parallel()
	f := loadFixtures(t)[0]
	att := f.Registrations[0].Attestation
	exp := Expect{Challenge: f.Challenge}

	att.CredentialKind = string(KindPasswordProtectedKey)
	_, err := mustVerifier(t, KindPasswordProtectedKey).Register(&att, exp)
	if statusOf(err) != http.StatusBadRequest || !strings.Contains(err.Error(), "encryptedPrivateKey") {
		t.Errorf("PasswordProtectedKey without encryptedPrivateKey: %v", err)
	}
	att.EncryptedPrivateKey = "opaque-blob"
	att.CredentialName = "laptop"
	c, err := mustVerifier(t, KindPasswordProtectedKey).Register(&att, exp)
	if err != nil || c.Kind != KindPasswordProtectedKey || c.EncryptedPrivateKey != "opaque-blob" || c.Name != "laptop" {
		t.Errorf("PasswordProtectedKey: %+v, %v", c, err)
	}

	att.CredentialKind = string(KindRecoveryKey)
	c, err = mustVerifier(t, KindRecoveryKey).Register(&att, exp)
	if err != nil || c.Kind != KindRecoveryKey || c.EncryptedPrivateKey != "opaque-blob" {
		t.Errorf("RecoveryKey: %+v, %v", c, err)
	}

	att.CredentialKind = string(KindKey)
	c, err = mustVerifier(t, KindKey).Register(&att, exp)
	if err != nil || c.EncryptedPrivateKey != "" {
		t.Errorf("Key keeps no encrypted key: %+v, %v", c, err)
	}
	_, err = mustVerifier(t, KindRecoveryKey).Register(&att, exp)
	if statusOf(err) != http.StatusBadRequest {
		t.Errorf("Key attestation given to the RecoveryKey verifier: %v", err)
	}
}

func TestVerifyNodeAssertions(t *testing.T) {
	t.Parallel()
	v := mustVerifier(t, KindKey)
	fs := loadFixtures(t)
	for i, f := range fs {
		cred := register(t, f)
		cred.SignCount = 7
		other := register(t, fs[(i+1)%len(fs)])
		other.CredID = cred.CredID // same id, key of another algorithm
		for _, a := range f.Assertions {
			t.Run(f.Algo+"/"+a.Name, func(t *testing.T) {
				as := a.Assertion
				exp := Expect{Challenge: f.Challenge}
				n, err := v.Verify(cred, &as, exp)
				if err != nil || n != 7 {
					t.Fatalf("Verify = %d, %v", n, err)
				}
				if _, err := v.Verify(cred, &as, Expect{Challenge: "Y2gtb3RoZXI"}); statusOf(err) != http.StatusUnauthorized {
					t.Errorf("wrong challenge: %v", err)
				}
				if _, err := v.Verify(other, &as, exp); statusOf(err) != http.StatusUnauthorized {
					t.Errorf("key of another algorithm: %v", err)
				}
				renamed := *cred
				renamed.CredID = "someone-else"
				if _, err := v.Verify(&renamed, &as, exp); statusOf(err) != http.StatusUnauthorized {
					t.Errorf("other credId: %v", err)
				}
				recovery := *cred
				recovery.Kind = KindRecoveryKey
				if _, err := v.Verify(&recovery, &as, exp); statusOf(err) != http.StatusUnauthorized {
					t.Errorf("RecoveryKey credential used as Key: %v", err)
				}
			})
		}
	}
}

// TestDigestPrecedence checks docs/protocol/auth.md §4.4: the assertion's algorithm, else the
// registered one, else SHA-256 with the SHA-384/512 fallback.
func TestDigestPrecedence(t *testing.T) {
	t.Parallel()
	v := mustVerifier(t, KindKey)
	for _, f := range loadFixtures(t) {
		if f.Algo == "ed25519" {
			continue
		}
		assertion := func(name string) *Assertion {
			for _, a := range f.Assertions {
				if a.Name == name {
					as := a.Assertion
					ca := *as.CredentialAssertion
					as.CredentialAssertion = &ca
					return &as
				}
			}
			t.Fatalf("%s: no assertion %s", f.Algo, name)
			return nil
		}
		exp := Expect{Challenge: f.Challenge}
		cred := register(t, f)
		cred.Algorithm = "SHA512"
		if _, err := v.Verify(cred, assertion("keysigner-SHA512-untransmitted"), exp); err != nil {
			t.Errorf("%s: registered SHA512: %v", f.Algo, err)
		}
		if _, err := v.Verify(cred, assertion("keysigner"), exp); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("%s: SHA-256 signature with registered SHA512: %v", f.Algo, err)
		}
		sent := assertion("algorithm-SHA512-sent")
		cred.Algorithm = "SHA256"
		if _, err := v.Verify(cred, sent, exp); err != nil {
			t.Errorf("%s: assertion algorithm overrides the registered one: %v", f.Algo, err)
		}
		sent.CredentialAssertion.Algorithm = "SHA256"
		if _, err := v.Verify(cred, sent, exp); statusOf(err) != http.StatusUnauthorized {
			t.Errorf("%s: SHA-512 signature stated as SHA256: %v", f.Algo, err)
		}
		sent.CredentialAssertion.Algorithm = "MD5"
		if _, err := v.Verify(cred, sent, exp); statusOf(err) != http.StatusBadRequest {
			t.Errorf("%s: algorithm MD5: %v", f.Algo, err)
		}
	}
}
