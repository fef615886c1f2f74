package btc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/txscript"

	"github.com/custos-dev/custos/internal/chain"
)

func signHashVia(t *testing.T, key chain.Key, s chain.Signer, body map[string]any) (*chain.Result, error) {
	t.Helper()
	body["kind"] = "Hash"
	return New().Sign(context.Background(), NetworkBitcoin, key, s, chain.Request{Kind: "Hash", Body: mustJSON(t, body)})
}

func TestSignHashECDSA(t *testing.T) {
	t.Parallel()
	a := newKey(t, scalarA)
	digest := sha256.Sum256([]byte("custos hash"))
	for _, body := range []map[string]any{
		{"hash": "0x" + hex.EncodeToString(digest[:])},
		{"hash": hex.EncodeToString(digest[:]), "taprootMerkleRoot": ""},
	} {
		res, err := signHashVia(t, ecdsaKey(a), testSigner{a}, body)
		if err != nil {
			t.Fatal(err)
		}
		got := res.Signature
		if got == nil || got.Recid == nil {
			t.Fatalf("signature %+v", got)
		}
		der := mustHex(t, got.Encoded)
		checkECDSAWire(t, *got, der)
		sig, err := ecdsa.ParseDERSignature(der)
		if err != nil {
			t.Fatal(err)
		}
		if !sig.Verify(digest[:], a.PubKey()) {
			t.Fatal("signature does not verify")
		}
		compact := append([]byte{byte(27 + 4 + *got.Recid)}, append(mustHex(t, got.R), mustHex(t, got.S)...)...)
		pub, _, err := ecdsa.RecoverCompact(compact, digest[:])
		if err != nil || !pub.IsEqual(a.PubKey()) {
			t.Fatalf("recid %d does not recover the key: %v", *got.Recid, err)
		}
	}
}

func TestSignHashSchnorr(t *testing.T) {
	t.Parallel()
	b := newKey(t, scalarB)
	digest := sha256.Sum256([]byte("custos taproot hash"))
	root := sha256.Sum256([]byte("some script tree"))
	for _, tc := range []struct {
		name, root string
		want, not  *btcec.PublicKey
	}{
		{"bip86", "", txscript.ComputeTaprootKeyNoScript(b.PubKey()), txscript.ComputeTaprootOutputKey(b.PubKey(), root[:])},
		{"script root", "0x" + hex.EncodeToString(root[:]), txscript.ComputeTaprootOutputKey(b.PubKey(), root[:]), txscript.ComputeTaprootKeyNoScript(b.PubKey())},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res, err := signHashVia(t, schnorrKey(b), testSigner{b}, map[string]any{
				"hash": "0x" + hex.EncodeToString(digest[:]), "taprootMerkleRoot": tc.root,
			})
			if err != nil {
				t.Fatal(err)
			}
			got := res.Signature
			if got == nil || got.Recid != nil || got.Encoded != got.R+got.S[2:] {
				t.Fatalf("signature %+v", got)
			}
			sig, err := schnorr.ParseSignature(mustHex(t, got.Encoded))
			if err != nil {
				t.Fatal(err)
			}
			if !sig.Verify(digest[:], tc.want) {
				t.Fatal("signature does not verify against the tweaked key")
			}
			if sig.Verify(digest[:], tc.not) || sig.Verify(digest[:], b.PubKey()) {
				t.Fatal("signature verifies against the wrong key")
			}
		})
	}
}

func TestSignHashRejects(t *testing.T) {
	t.Parallel()
	a, b := newKey(t, scalarA), newKey(t, scalarB)
	h := "0x" + hex.EncodeToString(make([]byte, 32))
	for _, tc := range []struct {
		name string
		key  chain.Key
		s    chain.Signer
		body map[string]any
	}{
		{"no hash", ecdsaKey(a), testSigner{a}, map[string]any{}},
		{"short hash", ecdsaKey(a), testSigner{a}, map[string]any{"hash": "0x" + hex.EncodeToString(make([]byte, 31))}},
		{"long hash", ecdsaKey(a), testSigner{a}, map[string]any{"hash": "0x" + hex.EncodeToString(make([]byte, 33))}},
		{"not hex", ecdsaKey(a), testSigner{a}, map[string]any{"hash": "0xzz"}},
		{"hash not a string", ecdsaKey(a), testSigner{a}, map[string]any{"hash": 12}},
		{"root with ecdsa", ecdsaKey(a), testSigner{a}, map[string]any{"hash": h, "taprootMerkleRoot": h}},
		{"schnorr without root", schnorrKey(b), testSigner{b}, map[string]any{"hash": h}},
		{"short root", schnorrKey(b), testSigner{b}, map[string]any{"hash": h, "taprootMerkleRoot": "0x00"}},
		{"root not hex", schnorrKey(b), testSigner{b}, map[string]any{"hash": h, "taprootMerkleRoot": "root"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := signHashVia(t, tc.key, tc.s, tc.body)
			wantStatus(t, err, http.StatusBadRequest)
		})
	}
}
