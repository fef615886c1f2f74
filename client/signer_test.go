package client

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/credential"
	"github.com/custos-dev/custos/internal/pemkey"
)

func challengeFor(c, credID string) *Challenge {
	return &Challenge{
		Challenge:           c,
		ChallengeIdentifier: "ci",
		AllowCredentials:    AllowCredentials{Key: []AllowCredential{{Type: "public-key", ID: "other"}, {Type: "public-key", ID: credID}}},
	}
}

// TestKeySignerThroughVerifier registers a KeySigner attestation and verifies
// its assertions with internal/credential, for every algorithm and for the
// three Key-family kinds.
func TestKeySignerThroughVerifier(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, a := range []pemkey.Algo{pemkey.Ed25519, pemkey.P256, pemkey.Secp256k1, pemkey.RSA} {
		t.Run(string(a), func(t *testing.T) {
			t.Parallel()
			k, err := pemkey.Generate(a)
			if err != nil {
				t.Fatal(err)
			}
			pemText, err := k.MarshalPEM()
			if err != nil {
				t.Fatal(err)
			}
			s, err := NewKeySigner("cred-"+string(a), pemText)
			if err != nil {
				t.Fatal(err)
			}
			const regChallenge, signChallenge = "cmVnaXN0ZXItY2hhbGxlbmdl", "c2lnbi1jaGFsbGVuZ2U"
			info, err := s.Attest(regChallenge)
			if err != nil {
				t.Fatal(err)
			}
			for _, kind := range []credential.Kind{credential.KindKey, credential.KindPasswordProtectedKey, credential.KindRecoveryKey} {
				v, ok := credential.For(kind)
				if !ok {
					t.Fatalf("no verifier for %s", kind)
				}
				att := &credential.Attestation{CredentialKind: string(kind), CredentialInfo: *info, EncryptedPrivateKey: "blob"}
				cred, err := v.Register(att, credential.Expect{Challenge: regChallenge})
				if err != nil {
					t.Fatalf("%s Register: %v", kind, err)
				}
				if cred.CredID != s.CredID || cred.PublicKey != k.Public().MarshalPEM() {
					t.Fatalf("%s credential = %+v", kind, cred)
				}
				if _, err := v.Register(att, credential.Expect{Challenge: signChallenge}); err == nil {
					t.Errorf("%s: attestation accepted for another challenge", kind)
				}
				as, err := s.Sign(ctx, challengeFor(signChallenge, s.CredID))
				if err != nil {
					t.Fatal(err)
				}
				as.Kind = string(kind)
				if _, err := v.Verify(cred, as, credential.Expect{Challenge: signChallenge}); err != nil {
					t.Errorf("%s Verify: %v", kind, err)
				}
				if _, err := v.Verify(cred, as, credential.Expect{Challenge: regChallenge}); err == nil {
					t.Errorf("%s: assertion accepted for another challenge", kind)
				}
			}
		})
	}
}

func TestKeySignerWireShape(t *testing.T) {
	t.Parallel()
	k, err := pemkey.Generate(pemkey.Ed25519)
	if err != nil {
		t.Fatal(err)
	}
	s := &KeySigner{CredID: "c1", Key: k}
	as, err := s.Sign(context.Background(), challengeFor("Y2gtMQ", "c1"))
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(as)
	if !strings.HasPrefix(string(b), `{"kind":"Key","credentialAssertion":{"credId":"c1","clientData":"`) || strings.Contains(string(b), "algorithm") {
		t.Errorf("assertion JSON = %s", b)
	}
	cd, _ := base64.RawURLEncoding.DecodeString(as.CredentialAssertion.ClientData)
	if want := `{"challenge":"Y2gtMQ","crossOrigin":false,"type":"key.get"}`; string(cd) != want {
		t.Errorf("clientData = %s, want the Go SDK's %s", cd, want)
	}
	info, err := s.Attest("Y2gtMQ")
	if err != nil {
		t.Fatal(err)
	}
	cd, _ = base64.RawURLEncoding.DecodeString(info.ClientData)
	if want := `{"type":"key.create","challenge":"Y2gtMQ"}`; string(cd) != want {
		t.Errorf("attestation clientData = %s, want %s", cd, want)
	}
	if _, err := s.Sign(context.Background(), challengeFor("Y2gtMQ", "someone-else")); err == nil {
		t.Error("signed for a challenge that does not allow the credential")
	}
	if _, err := s.Sign(context.Background(), &Challenge{Challenge: "x"}); err == nil {
		t.Error("signed with no allowed key credentials")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := s.Sign(ctx, challengeFor("Y2gtMQ", "c1")); err == nil {
		t.Error("signed with a cancelled context")
	}
	if _, err := NewKeySigner("", "x"); err == nil {
		t.Error("NewKeySigner accepted an empty credential id")
	}
	if _, err := NewKeySigner("c", "not a key"); err == nil {
		t.Error("NewKeySigner accepted garbage")
	}
}

// nodeFixture is the part of internal/credential/testdata/node_<algo>.json
// used here: a key pair, credential and attestation made by Node.
type nodeFixture struct {
	Algo, PrivateKey, CredID, Challenge string
	Registrations                       []struct {
		Attestation credential.Attestation
	}
}

// TestKeySignerWithNodeKeys loads Node-generated private keys (PKCS#8,
// including secp256k1), registers the credential from Node's own
// attestation, and verifies our signer's assertion against it.
func TestKeySignerWithNodeKeys(t *testing.T) {
	t.Parallel()
	names, _ := filepath.Glob("../internal/credential/testdata/node_*.json")
	if len(names) != 4 {
		t.Fatalf("found %d Node fixtures, want 4", len(names))
	}
	v, _ := credential.For(credential.KindKey)
	for _, n := range names {
		b, err := os.ReadFile(n)
		if err != nil {
			t.Fatal(err)
		}
		var f nodeFixture
		if err := json.Unmarshal(b, &f); err != nil {
			t.Fatal(err)
		}
		cred, err := v.Register(&f.Registrations[0].Attestation, credential.Expect{Challenge: f.Challenge})
		if err != nil {
			t.Fatalf("%s: Node attestation: %v", f.Algo, err)
		}
		s, err := NewKeySigner(f.CredID, f.PrivateKey)
		if err != nil {
			t.Fatalf("%s: %v", f.Algo, err)
		}
		as, err := s.Sign(context.Background(), challengeFor("bmV3LWNoYWxsZW5nZQ", f.CredID))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := v.Verify(cred, as, credential.Expect{Challenge: "bmV3LWNoYWxsZW5nZQ"}); err != nil {
			t.Errorf("%s: our assertion with Node's key: %v", f.Algo, err)
		}
	}
}

// nodeCheckAttestation is run by Node: it rebuilds the fingerprint with
// JSON.stringify as the SDK's BrowserKeySigner does and verifies our
// attestation and assertion signatures with crypto.verify.
const nodeCheckAttestation = `
const crypto = require('node:crypto')
const jobs = JSON.parse(require('node:fs').readFileSync(0, 'utf8'))
const out = jobs.map((j) => {
  const clientData = Buffer.from(j.info.clientData, 'base64url')
  const ad = JSON.parse(Buffer.from(j.info.attestationData, 'base64url').toString())
  const fp = JSON.stringify({ clientDataHash: crypto.createHash('sha256').update(clientData).digest('hex'), publicKey: ad.publicKey })
  const att = crypto.verify(undefined, Buffer.from(fp), ad.publicKey, Buffer.from(ad.signature, 'hex'))
  const ca = j.assertion.credentialAssertion
  const as = crypto.verify(undefined, Buffer.from(ca.clientData, 'base64url'), ad.publicKey, Buffer.from(ca.signature, 'base64url'))
  return att && as
})
process.stdout.write(JSON.stringify(out))
`

// TestNodeVerifiesKeySigner has Node check our attestations and assertions;
// skipped when node is not installed.
func TestNodeVerifiesKeySigner(t *testing.T) {
	t.Parallel()
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node not installed")
	}
	type job struct {
		Info      *credential.CredentialInfo `json:"info"`
		Assertion *credential.Assertion      `json:"assertion"`
	}
	var jobs []job
	algos := []pemkey.Algo{pemkey.Ed25519, pemkey.P256, pemkey.Secp256k1, pemkey.RSA}
	for _, a := range algos {
		k, err := pemkey.Generate(a)
		if err != nil {
			t.Fatal(err)
		}
		s := &KeySigner{CredID: "c", Key: k}
		info, err := s.Attest("Y2gtYXR0ZXN0")
		if err != nil {
			t.Fatal(err)
		}
		as, err := s.Sign(context.Background(), challengeFor("Y2gtc2lnbg", "c"))
		if err != nil {
			t.Fatal(err)
		}
		jobs = append(jobs, job{info, as})
	}
	in, _ := json.Marshal(jobs)
	cmd := exec.Command(node, "-e", nodeCheckAttestation)
	cmd.Stdin = bytes.NewReader(in)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v", err)
	}
	var ok []bool
	if err := json.Unmarshal(out, &ok); err != nil || len(ok) != len(algos) {
		t.Fatalf("node output %s: %v", out, err)
	}
	for i, a := range algos {
		if !ok[i] {
			t.Errorf("%s: Node rejects our attestation or assertion", a)
		}
	}
}
