package credential_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/go-webauthn/webauthn/protocol/webauthncbor"
	"github.com/go-webauthn/webauthn/protocol/webauthncose"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/credential"
)

// fido2Fixture is a recorded passkey registration and assertion
// (testdata/fido2_*.json, written by TestRecordFido2Fixtures).
type fido2Fixture struct {
	RPID, Origin, UserID  string
	RegChallenge          string
	Format                string
	Registration          credential.CredentialInfo
	AssertChallenge       string
	Assertion             credential.CredentialAssertion
	AlgorithmCOSE         int
	RecordedWithAuthority string
}

var fixtureAlgs = []struct {
	name   string
	alg    int
	format string
}{{"es256", -7, "none"}, {"rs256", -257, "none"}, {"eddsa", -8, "none"}, {"es256_packed", -7, "packed"}}

// TestRecordFido2Fixtures records the fixtures with the software passkey
// of package client when CUSTOS_RECORD_FIXTURES=1; otherwise it checks
// that they are there.
func TestRecordFido2Fixtures(t *testing.T) {
	for _, fa := range fixtureAlgs {
		path := filepath.Join("testdata", "fido2_"+fa.name+".json")
		if os.Getenv("CUSTOS_RECORD_FIXTURES") != "1" {
			if _, err := os.Stat(path); err != nil {
				t.Fatalf("fixture %s missing: run with CUSTOS_RECORD_FIXTURES=1", path)
			}
			continue
		}
		fx := fido2Fixture{RPID: "custos.test", Origin: "https://wallet.custos.test", UserID: "us-fixture-user",
			RegChallenge: "registration-challenge-0123456789", AssertChallenge: "assertion-challenge-0123456789",
			Format: fa.format, AlgorithmCOSE: fa.alg, RecordedWithAuthority: "client.Passkey (software authenticator)"}
		pk := client.NewPasskey(fx.Origin)
		pk.Alg, pk.Format = fa.alg, fa.format
		info, err := pk.Create(&client.RegistrationChallenge{Challenge: fx.RegChallenge,
			RP: &client.RelyingParty{ID: fx.RPID}, User: client.ChallengeUser{ID: fx.UserID}})
		if err != nil {
			t.Fatal(err)
		}
		fx.Registration = *info
		a, err := pk.Sign(context.Background(), &client.Challenge{Challenge: fx.AssertChallenge, RP: &client.RelyingParty{ID: fx.RPID},
			AllowCredentials: client.AllowCredentials{Webauthn: []client.AllowCredential{{Type: "public-key", ID: pk.CredID()}}}})
		if err != nil {
			t.Fatal(err)
		}
		fx.Assertion = *a.CredentialAssertion
		b, _ := json.MarshalIndent(fx, "", "  ")
		if err := os.WriteFile(path, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func loadFido2Fixtures(tb testing.TB) []fido2Fixture {
	tb.Helper()
	var out []fido2Fixture
	for _, fa := range fixtureAlgs {
		b, err := os.ReadFile(filepath.Join("testdata", "fido2_"+fa.name+".json"))
		if err != nil {
			tb.Fatal(err)
		}
		var fx fido2Fixture
		if err := json.Unmarshal(b, &fx); err != nil {
			tb.Fatal(err)
		}
		out = append(out, fx)
	}
	return out
}

func (fx *fido2Fixture) regExpect() credential.Expect {
	return credential.Expect{Challenge: fx.RegChallenge, RPID: fx.RPID, Origins: []string{fx.Origin}}
}

func (fx *fido2Fixture) assertExpect() credential.Expect {
	return credential.Expect{Challenge: fx.AssertChallenge, RPID: fx.RPID, Origins: []string{fx.Origin}}
}

func fido2() credential.Verifier {
	v, _ := credential.For(credential.KindFido2)
	return v
}

// registered returns the credential the fixture's registration stores.
func registered(tb testing.TB, fx *fido2Fixture) *credential.Credential {
	tb.Helper()
	c, err := fido2().Register(&credential.Attestation{CredentialKind: "Fido2", CredentialInfo: fx.Registration}, fx.regExpect())
	if err != nil {
		tb.Fatalf("fixture registration (%d): %v", fx.AlgorithmCOSE, err)
	}
	c.UserID = fx.UserID
	return c
}

// refusedCleanly fails unless err is a 400 or 401 API error.
func refusedCleanly(t *testing.T, err error) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || (e.Status != http.StatusBadRequest && e.Status != http.StatusUnauthorized) {
		t.Fatalf("refusal %v is not a 400 or 401", err)
	}
}

func flip(s string, pos int, x byte) string {
	raw, _ := base64.RawURLEncoding.DecodeString(s)
	if len(raw) == 0 {
		return s
	}
	raw = append([]byte(nil), raw...)
	raw[pos%len(raw)] ^= x
	return base64.RawURLEncoding.EncodeToString(raw)
}

// FuzzFido2Assertion XORs one byte of one field of a recorded assertion:
// unchanged it verifies; changed it is refused with a 400 or 401, never
// accepted and never a panic.
func FuzzFido2Assertion(f *testing.F) {
	fxs := loadFido2Fixtures(f)
	creds := make([]*credential.Credential, len(fxs))
	for i := range fxs {
		creds[i] = registered(f, &fxs[i])
	}
	for i := range fxs {
		for field := 0; field < 5; field++ {
			f.Add(uint8(i), uint8(field), uint16(0), byte(0))
			f.Add(uint8(i), uint8(field), uint16(37), byte(1))
			f.Add(uint8(i), uint8(field), uint16(33), byte(0x05)) // authData flags: UP and UV
		}
	}
	f.Fuzz(func(t *testing.T, which, field uint8, pos uint16, x byte) {
		i := int(which) % len(fxs)
		fx, cred := &fxs[i], *creds[i]
		ca := fx.Assertion
		fields := []*string{&ca.ClientData, &ca.AuthenticatorData, &ca.Signature, &ca.UserHandle, &ca.CredID}
		p := fields[int(field)%len(fields)]
		*p = flip(*p, int(pos), x)
		if p == &ca.CredID {
			cred.CredID = fx.Assertion.CredID // the stored id stays; the assertion names another
		}
		_, err := fido2().Verify(&cred, &credential.Assertion{Kind: "Fido2", CredentialAssertion: &ca}, fx.assertExpect())
		if x == 0 {
			if err != nil {
				t.Fatalf("recorded assertion refused: %v", err)
			}
			return
		}
		if err == nil {
			t.Fatalf("assertion with byte %d of field %d XOR %#x accepted", pos, field, x)
		}
		refusedCleanly(t, err)
	})
}

// FuzzFido2AssertionBytes sends arbitrary authenticatorData, clientData
// and signature for a recorded credential: never a panic, never accepted.
func FuzzFido2AssertionBytes(f *testing.F) {
	fxs := loadFido2Fixtures(f)
	fx := &fxs[0]
	cred := registered(f, fx)
	dec := func(s string) []byte { b, _ := base64.RawURLEncoding.DecodeString(s); return b }
	f.Add(dec(fx.Assertion.AuthenticatorData), dec(fx.Assertion.ClientData)[:20], dec(fx.Assertion.Signature))
	f.Add([]byte{}, []byte("{}"), []byte{0x30, 0})
	f.Fuzz(func(t *testing.T, authData, clientData, sig []byte) {
		enc := base64.RawURLEncoding.EncodeToString
		ca := credential.CredentialAssertion{CredID: fx.Assertion.CredID, ClientData: enc(clientData),
			AuthenticatorData: enc(authData), Signature: enc(sig)}
		_, err := fido2().Verify(cred, &credential.Assertion{Kind: "Fido2", CredentialAssertion: &ca}, fx.assertExpect())
		if err == nil {
			t.Fatal("arbitrary assertion accepted")
		}
		refusedCleanly(t, err)
	})
}

// FuzzFido2Attestation XORs one byte of a recorded registration: unchanged
// it registers; changed it is refused cleanly, or, where attestation
// "none" signs nothing, accepted only with a usable key of an offered
// algorithm under the right rp id with UP and UV — and a packed
// (signed) attestation is accepted only with its signed bytes unchanged.
func FuzzFido2Attestation(f *testing.F) {
	fxs := loadFido2Fixtures(f)
	for i := range fxs {
		for field := 0; field < 3; field++ {
			f.Add(uint8(i), uint8(field), uint16(0), byte(0))
			f.Add(uint8(i), uint8(field), uint16(70), byte(0x80))
		}
	}
	f.Fuzz(func(t *testing.T, which, field uint8, pos uint16, x byte) {
		i := int(which) % len(fxs)
		fx := &fxs[i]
		info := fx.Registration
		fields := []*string{&info.ClientData, &info.AttestationData, &info.CredID}
		p := fields[int(field)%len(fields)]
		*p = flip(*p, int(pos), x)
		c, err := fido2().Register(&credential.Attestation{CredentialKind: "Fido2", CredentialInfo: info}, fx.regExpect())
		if x == 0 && err != nil {
			t.Fatalf("recorded registration refused: %v", err)
		}
		if err != nil {
			refusedCleanly(t, err)
			return
		}
		key, perr := webauthncose.ParsePublicKey(c.WebAuthn.COSEKey)
		if perr != nil || key == nil {
			t.Fatalf("accepted a credential whose key does not parse: %v", perr)
		}
		authData := attestedAuthData(t, info.AttestationData)
		rp := sha256.Sum256([]byte(fx.RPID))
		if len(authData) < 37 || !bytes.Equal(authData[:32], rp[:]) || authData[32]&0x05 != 0x05 {
			t.Fatalf("accepted authenticator data without the rp id hash or UP and UV: %x", authData[:min(len(authData), 37)])
		}
		if fx.Format == "packed" && x != 0 {
			orig := attestedAuthData(t, fx.Registration.AttestationData)
			if !bytes.Equal(authData, orig) || info.ClientData != fx.Registration.ClientData {
				t.Fatalf("packed attestation accepted with changed signed bytes (field %d, byte %d)", field, pos)
			}
		}
	})
}

func attestedAuthData(t *testing.T, b64 string) []byte {
	raw, _ := base64.RawURLEncoding.DecodeString(b64)
	var obj struct {
		AuthData []byte `cbor:"authData"`
	}
	if err := webauthncbor.Unmarshal(raw, &obj); err != nil {
		t.Fatal(fmt.Errorf("accepted attestation object does not decode: %w", err))
	}
	return obj.AuthData
}
