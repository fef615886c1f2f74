package canton

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

func signer() chainkit.SoftSigner {
	return chainkit.SoftSigner{Ed: ed25519.NewKeyFromSeed(bytes.Repeat([]byte{7}, 32))}
}

func status(err error) int {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// TestNamespace: the fingerprint of the ed25519 key of seed 07×32
// (ea4a6c…d22c), computed as the Canton wallet SDK's
// TopologyWriteService.createFingerprintFromKey does (hash purpose 12,
// SHA-256, multihash prefix 1220) with node:crypto.
func TestNamespace(t *testing.T) {
	got := Namespace(signer().Key())
	if want := "12205822a4a1eae801223c158e256fef229d956e3911284b9c3a7956200f61787ca6"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

// TestWallet: no address, Inactive, ed25519 only.
func TestWallet(t *testing.T) {
	s := signer()
	for _, n := range []string{NetworkCanton, NetworkCantonTestnet, NetworkCantonDevnet} {
		if a, err := (Adapter{}).Address(n, s.Key()); a != "" || err != nil {
			t.Errorf("%s: %q %v", n, a, err)
		}
		if !chain.StartsInactive(Adapter{}, n, s.Key()) {
			t.Errorf("%s: not Inactive", n)
		}
	}
	secp := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: append([]byte{2}, make([]byte, 32)...)}
	if err := (Adapter{}).KeyFits(NetworkCanton, secp); status(err) != http.StatusBadRequest {
		t.Errorf("secp256k1: %v", err)
	}
}

// TestSign: a prepared transaction hash is signed with pure ed25519 over
// its bytes (what the signing lib's verifySignedTxHash checks); other
// kinds are 400s naming kind and network.
func TestSign(t *testing.T) {
	s := signer()
	h := bytes.Repeat([]byte{0xab}, 32)
	body, _ := json.Marshal(map[string]string{"hash": hex.EncodeToString(h)})
	res, err := Adapter{}.Sign(context.Background(), NetworkCanton, s.Key(), s, chain.Request{Kind: "Hash", Body: body})
	if err != nil {
		t.Fatal(err)
	}
	r, _ := hex.DecodeString(res.Signature.R[2:])
	ss, _ := hex.DecodeString(res.Signature.S[2:])
	if !ed25519.Verify(s.Ed.Public().(ed25519.PublicKey), h, append(r, ss...)) {
		t.Error("signature does not verify")
	}
	for _, kind := range []string{"Transaction", "Psbt", "Eip712"} {
		_, err := Adapter{}.Sign(context.Background(), NetworkCantonTestnet, s.Key(), s, chain.Request{Kind: kind, Body: json.RawMessage(`{}`)})
		if status(err) != http.StatusBadRequest || !strings.Contains(err.Error(), kind+`" is not supported on CantonTestnet`) {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

// TestActivation: the body is checked, then the answer names the namespace
// and the missing validator.
func TestActivation(t *testing.T) {
	s := signer()
	for _, tc := range []struct{ body, want string }{
		{`{}`, "validatorId is required"},
		{`{"validatorId":""}`, "validatorId is required"},
		{`{"validatorId":"a b"}`, "is not a validator id"},
		{`[]`, ""},
		{`{"validatorId":"cv-1"}`, "(namespace 12205822a4a1eae801223c158e256fef229d956e3911284b9c3a7956200f61787ca6) on the validator cv-1; Custos manages no Canton validators"},
	} {
		err := Adapter{}.Activation(NetworkCanton, s.Key(), json.RawMessage(tc.body))
		if status(err) != http.StatusBadRequest || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want a 400 with %q", tc.body, err, tc.want)
		}
	}
}
