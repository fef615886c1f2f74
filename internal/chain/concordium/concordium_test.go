package concordium

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
	"time"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// A simple transfer of 1234 microCCD from the account 01×32 (nonce 7,
// expiry 1800000000) to 02×32, serialized and signed by @concordium/web-sdk
// 12.0.2 (signTransaction with buildBasicAccountSigner of the key 07×32,
// then serializeAccountTransactionForSubmission).
const (
	vectorUnsigned = "0101010101010101010101010101010101010101010101010101010101010101000000000000000700000000000001f500000029000000006b49d20003020202020202020202020202020202020202020202020202020202020202020200000000000004d2"
	vectorSig      = "22197c917ec4c3f6f21fb4eb3520cdb482e8a7e73b263b6a6c1bda74079656fda5479299ec7c28cb0a7f6cd610e5c3d6fad86397026bd6c37229d570300ae10b"
	vectorSigned   = "00000100010000" + "40" + vectorSig + vectorUnsigned
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

// TestWallet: Concordium wallets have no address and start Inactive.
func TestWallet(t *testing.T) {
	s := signer()
	for _, n := range []string{NetworkConcordium, NetworkConcordiumTestnet} {
		addr, err := Adapter{}.Address(n, s.Key())
		if err != nil || addr != "" {
			t.Errorf("%s: address %q %v", n, addr, err)
		}
		if !chain.StartsInactive(Adapter{}, n, s.Key()) {
			t.Errorf("%s: not Inactive", n)
		}
	}
	secp := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: append([]byte{2}, make([]byte, 32)...)}
	if err := (Adapter{}).KeyFits(NetworkConcordium, secp); status(err) != http.StatusBadRequest {
		t.Errorf("secp256k1 key: %v", err)
	}
}

// TestSignTransaction: the web-sdk vector, byte for byte.
func TestSignTransaction(t *testing.T) {
	s := signer()
	body, _ := json.Marshal(map[string]string{"transaction": "0x" + vectorUnsigned})
	res, err := Adapter{}.Sign(context.Background(), NetworkConcordiumTestnet, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if res.SignedData != "0x"+vectorSigned {
		t.Errorf("signedData\n got %s\nwant 0x%s", res.SignedData, vectorSigned)
	}
	if res.Signature.Encoded != "0x"+vectorSig || res.Signature.R != "0x"+vectorSig[:64] {
		t.Errorf("signature %+v", res.Signature)
	}
}

// TestBadInput: wrong kinds and transactions whose header does not match
// their payload are 400s.
func TestBadInput(t *testing.T) {
	s := signer()
	for _, tc := range []struct{ kind, body, want string }{
		{"Psbt", `{"psbt":"00"}`, "not supported on Concordium"},
		{"SignerPayload", `{}`, "not supported on Concordium"},
		{"Transaction", `{}`, "transaction is required"},
		{"Transaction", `{"transaction":"0x0102"}`, "shorter than"},
		{"Transaction", `{"transaction":"0x` + vectorUnsigned + `00"}`, "payload size 41"},
		{"Transaction", `{"transaction":"0x` + vectorUnsigned[:len(vectorUnsigned)-2] + `"}`, "payload size 41"},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkConcordium, s.Key(), s, chain.Request{Kind: tc.kind, Body: json.RawMessage(tc.body)})
		if status(err) != http.StatusBadRequest || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want a 400 with %q", tc.kind, tc.body, err, tc.want)
		}
	}
}

// TestAccountAddress: @concordium/web-sdk 12.0.2 getAccountAddress of the
// credential registration id aa×48.
func TestAccountAddress(t *testing.T) {
	if got := AccountAddress(bytes.Repeat([]byte{0xaa}, 48)); got != "4dFTxRqwdVtyhtge8zAbWDWRAKqkeeYmjCKBdTd2YjCW7kmx2N" {
		t.Errorf("got %s", got)
	}
}

// TestActivation: the body is checked against the wallet's key before the
// answer names the account and the missing node.
func TestActivation(t *testing.T) {
	s := signer()
	pub := hex.EncodeToString(s.Key().PublicKey)
	cdi := func(credID, key string) string {
		b, _ := json.Marshal(map[string]any{"credId": credID,
			"credentialPublicKeys": map[string]any{"keys": map[string]any{"0": map[string]any{"schemeId": "Ed25519", "verifyKey": key}}}})
		return string(b)
	}
	body := func(expiry int64, c string) json.RawMessage {
		b, _ := json.Marshal(map[string]any{"expiry": expiry, "unsignedCdiStr": c})
		return b
	}
	future := time.Now().Add(time.Hour).Unix()
	aa := strings.Repeat("aa", 48)
	for _, tc := range []struct {
		body json.RawMessage
		want string
	}{
		{json.RawMessage(`{}`), "expiry and unsignedCdiStr are required"},
		{json.RawMessage(`{"expiry":"soon","unsignedCdiStr":"{}"}`), ""},
		{body(100, cdi(aa, pub)), "has passed"},
		{body(future, "not json"), "not an unsigned credential deployment"},
		{body(future, cdi("aa", pub)), "credId must be 48 bytes"},
		{body(future, cdi(aa, strings.Repeat("11", 32))), "does not hold this wallet's key"},
		{body(future, strings.Repeat(" ", maxCdi+1)), "larger than"},
		{body(future, cdi(aa, pub)), "creates the account 4dFTxRqwdVtyhtge8zAbWDWRAKqkeeYmjCKBdTd2YjCW7kmx2N; Custos has no Concordium node client (--rpc"},
	} {
		err := Adapter{}.Activation(NetworkConcordium, s.Key(), tc.body)
		if status(err) != http.StatusBadRequest || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%.80s: %v, want a 400 with %q", tc.body, err, tc.want)
		}
	}
}

// FuzzSignTransaction: any bytes either sign, when the header's payload
// size matches, into a block item that ends with them, or answer 400.
func FuzzSignTransaction(f *testing.F) {
	v, _ := hex.DecodeString(vectorUnsigned)
	f.Add(v)
	f.Add(make([]byte, headerSize))
	s := signer()
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(b)})
		res, err := Adapter{}.Sign(context.Background(), NetworkConcordium, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
		if err != nil {
			if status(err) != http.StatusBadRequest {
				t.Fatalf("non-400 error: %v", err)
			}
			return
		}
		if !strings.HasSuffix(res.SignedData, hex.EncodeToString(b)) || len(b) <= headerSize {
			t.Fatalf("signed %x into %s", b, res.SignedData)
		}
	})
}
