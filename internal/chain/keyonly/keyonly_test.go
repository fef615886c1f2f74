package keyonly

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/txscript"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/custody"
)

func newKey(t *testing.T, scheme, curve string) (chain.Key, chain.Signer) {
	t.Helper()
	kek := make([]byte, 32)
	rand.Read(kek)
	k, err := custody.KEKFromHex(hex.EncodeToString(kek))
	if err != nil {
		t.Fatal(err)
	}
	l := custody.NewLocal(custody.NewKeyring(k))
	ctx := context.Background()
	key, m, err := l.Generate(ctx, scheme, curve, []byte("row"))
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Signer(ctx, key, m, []byte("row"))
	if err != nil {
		t.Fatal(err)
	}
	return key, s
}

func random32(t *testing.T) []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

func req(kind string, fields map[string]any) chain.Request {
	body := map[string]any{"kind": kind}
	for k, v := range fields {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	return chain.Request{Kind: kind, Body: b}
}

func mustHex(t *testing.T, s string, n int) []byte {
	t.Helper()
	if !strings.HasPrefix(s, "0x") || strings.ToLower(s) != s {
		t.Fatalf("%q is not 0x lower-case hex", s)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil || len(b) != n {
		t.Fatalf("%q: want %d bytes of hex", s, n)
	}
	return b
}

func TestKeyFits(t *testing.T) {
	t.Parallel()
	ecdsaKey := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1}
	schnorrKey := chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1}
	edKey := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519}
	a := Adapter{}
	for _, tc := range []struct {
		network string
		key     chain.Key
		ok      bool
	}{
		{NetworkKeyECDSA, ecdsaKey, true},
		{NetworkKeyECDSA, schnorrKey, true},
		{NetworkKeyECDSA, edKey, false},
		{NetworkKeyEdDSA, edKey, true},
		{NetworkKeyEdDSA, ecdsaKey, false},
		{NetworkKeyEdDSA, schnorrKey, false},
		{"KeyECDSAStark", ecdsaKey, false},
		{"Ethereum", ecdsaKey, false},
	} {
		err := a.KeyFits(tc.network, tc.key)
		if (err == nil) != tc.ok {
			t.Errorf("KeyFits(%s, %s): %v, want ok=%v", tc.network, tc.key.Scheme, err, tc.ok)
		}
		addr, err := a.Address(tc.network, tc.key)
		if (err == nil) != tc.ok || addr != "" {
			t.Errorf("Address(%s, %s) = %q, %v", tc.network, tc.key.Scheme, addr, err)
		}
		if err != nil {
			wantStatus(t, err, http.StatusBadRequest)
		}
	}
}

func TestHashECDSA(t *testing.T) {
	t.Parallel()
	key, s := newKey(t, chain.SchemeECDSA, chain.CurveSecp256k1)
	pub, err := secp256k1.ParsePubKey(key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 8 {
		h := random32(t)
		hash := "0x" + hex.EncodeToString(h)
		if i%2 == 1 {
			hash = strings.ToUpper(hex.EncodeToString(h)) // no prefix, upper case
		}
		var res *chain.Result
		if i < 4 {
			res, err = Adapter{}.Sign(context.Background(), NetworkKeyECDSA, key, s, req("Hash", map[string]any{"hash": hash}))
		} else {
			res, err = SignGeneric(context.Background(), key, s, req("Hash", map[string]any{"hash": hash}))
		}
		if err != nil {
			t.Fatal(err)
		}
		sig := res.Signature
		if sig == nil || sig.Recid == nil || sig.Encoded != "" || res.SignedData != "" {
			t.Fatalf("result %+v: want r, s, recid only", res)
		}
		var r, sv secp256k1.ModNScalar
		r.SetByteSlice(mustHex(t, sig.R, 32))
		sv.SetByteSlice(mustHex(t, sig.S, 32))
		if !ecdsa.NewSignature(&r, &sv).Verify(h, pub) {
			t.Fatal("signature does not verify")
		}
		if sv.IsOverHalfOrder() {
			t.Fatal("high S")
		}
		if *sig.Recid != 0 && *sig.Recid != 1 {
			t.Fatalf("recid %d", *sig.Recid)
		}
		compact := append([]byte{byte(27 + 4 + *sig.Recid)}, mustHex(t, sig.R, 32)...)
		compact = append(compact, mustHex(t, sig.S, 32)...)
		got, _, err := ecdsa.RecoverCompact(compact, h)
		if err != nil || !got.IsEqual(pub) {
			t.Fatal("recid does not recover the key")
		}
	}
}

// TestWireShape pins the JSON of an ECDSA result: recid present even when 0,
// no encoded (the Dfns KeyECDSA Hash example).
func TestWireShape(t *testing.T) {
	t.Parallel()
	zero := byte(0)
	res, err := splitSignature(make([]byte, 64), &zero)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(res)
	z := "0x" + strings.Repeat("00", 32)
	want := fmt.Sprintf(`{"signature":{"r":"%s","s":"%s","recid":0}}`, z, z)
	if string(b) != want {
		t.Errorf("got %s\nwant %s", b, want)
	}
}

func TestHashSchnorr(t *testing.T) {
	t.Parallel()
	key, s := newKey(t, chain.SchemeSchnorr, chain.CurveSecp256k1)
	internal, err := btcec.ParsePubKey(key.PublicKey)
	if err != nil {
		t.Fatal(err)
	}
	root := random32(t)
	for _, tc := range []struct {
		root string
		want *btcec.PublicKey
	}{
		{"", txscript.ComputeTaprootKeyNoScript(internal)},
		{"0x" + hex.EncodeToString(root), txscript.ComputeTaprootOutputKey(internal, root)},
		{hex.EncodeToString(root), txscript.ComputeTaprootOutputKey(internal, root)},
	} {
		h := random32(t)
		res, err := Adapter{}.Sign(context.Background(), NetworkKeyECDSA, key, s,
			req("Hash", map[string]any{"hash": "0x" + hex.EncodeToString(h), "taprootMerkleRoot": tc.root}))
		if err != nil {
			t.Fatal(err)
		}
		if res.Signature.Recid != nil || res.Signature.Encoded != "" {
			t.Errorf("Schnorr result %+v: want r and s only", res.Signature)
		}
		raw := append(mustHex(t, res.Signature.R, 32), mustHex(t, res.Signature.S, 32)...)
		sig, err := schnorr.ParseSignature(raw)
		if err != nil {
			t.Fatal(err)
		}
		if !sig.Verify(h, tc.want) {
			t.Errorf("root %q: signature does not verify under the taproot output key", tc.root)
		}
		if sig.Verify(h, internal) {
			t.Errorf("root %q: signature verifies under the untweaked key", tc.root)
		}
	}
}

func TestEdDSA(t *testing.T) {
	t.Parallel()
	key, s := newKey(t, chain.SchemeEdDSA, chain.CurveEd25519)
	msg := make([]byte, 300)
	rand.Read(msg)
	h := random32(t)
	for _, tc := range []struct {
		req  chain.Request
		data []byte
	}{
		{req("Message", map[string]any{"message": "0x" + hex.EncodeToString(msg)}), msg},
		{req("Message", map[string]any{"message": "0x01"}), []byte{1}},
		{req("Hash", map[string]any{"hash": "0x" + hex.EncodeToString(h)}), h},
	} {
		res, err := Adapter{}.Sign(context.Background(), NetworkKeyEdDSA, key, s, tc.req)
		if err != nil {
			t.Fatal(err)
		}
		if res.Signature.Recid != nil || res.Signature.Encoded != "" {
			t.Errorf("EdDSA result %+v: want r and s only", res.Signature)
		}
		sig := append(mustHex(t, res.Signature.R, 32), mustHex(t, res.Signature.S, 32)...)
		if !ed25519.Verify(key.PublicKey, tc.data, sig) {
			t.Errorf("%s: signature does not verify", tc.req.Kind)
		}
	}
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Status != status {
		t.Errorf("err = %v, want an apierr with status %d", err, status)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	ecKey, ecS := newKey(t, chain.SchemeECDSA, chain.CurveSecp256k1)
	scKey, scS := newKey(t, chain.SchemeSchnorr, chain.CurveSecp256k1)
	edKey, edS := newKey(t, chain.SchemeEdDSA, chain.CurveEd25519)
	h := "0x" + strings.Repeat("ab", 32)
	raw := func(kind, body string) chain.Request { return chain.Request{Kind: kind, Body: json.RawMessage(body)} }

	for _, tc := range []struct {
		name    string
		network string
		key     chain.Key
		s       chain.Signer
		req     chain.Request
		field   string // the error message must name it
	}{
		{"no kind", NetworkKeyECDSA, ecKey, ecS, raw("", `{}`), "kind"},
		{"transaction kind", NetworkKeyECDSA, ecKey, ecS, req("Transaction", map[string]any{"transaction": "0x00"}), "Transaction"},
		{"eip191 kind", NetworkKeyECDSA, ecKey, ecS, req("Eip191", map[string]any{"message": "0x00"}), "Eip191"},
		{"no hash", NetworkKeyECDSA, ecKey, ecS, req("Hash", nil), "hash"},
		{"hash not hex", NetworkKeyECDSA, ecKey, ecS, req("Hash", map[string]any{"hash": "0x" + strings.Repeat("zz", 32)}), "hash"},
		{"hash odd hex", NetworkKeyECDSA, ecKey, ecS, req("Hash", map[string]any{"hash": h + "a"}), "hash"},
		{"hash short", NetworkKeyECDSA, ecKey, ecS, req("Hash", map[string]any{"hash": h[:64]}), "hash"},
		{"hash long", NetworkKeyECDSA, ecKey, ecS, req("Hash", map[string]any{"hash": h + "00"}), "hash"},
		{"hash empty", NetworkKeyECDSA, ecKey, ecS, req("Hash", map[string]any{"hash": ""}), "hash"},
		{"hash number", NetworkKeyECDSA, ecKey, ecS, req("Hash", map[string]any{"hash": 12}), "hash"},
		{"hash base64", NetworkKeyECDSA, ecKey, ecS, req("Hash", map[string]any{"hash": "q6urq6urq6urq6urq6urq6urq6urq6urq6urq6urq6s="}), "hash"},
		{"body not json", NetworkKeyECDSA, ecKey, ecS, raw("Hash", `{"hash":`), "body"},
		{"body array", NetworkKeyECDSA, ecKey, ecS, raw("Hash", `[]`), "body"},
		{"body empty", NetworkKeyECDSA, ecKey, ecS, raw("Hash", ``), "body"},
		{"root on ECDSA", NetworkKeyECDSA, ecKey, ecS, req("Hash", map[string]any{"hash": h, "taprootMerkleRoot": ""}), "taprootMerkleRoot"},
		{"schnorr without root", NetworkKeyECDSA, scKey, scS, req("Hash", map[string]any{"hash": h}), "taprootMerkleRoot"},
		{"schnorr root short", NetworkKeyECDSA, scKey, scS, req("Hash", map[string]any{"hash": h, "taprootMerkleRoot": "0xabcd"}), "taprootMerkleRoot"},
		{"schnorr root not hex", NetworkKeyECDSA, scKey, scS, req("Hash", map[string]any{"hash": h, "taprootMerkleRoot": "root"}), "taprootMerkleRoot"},
		{"schnorr root number", NetworkKeyECDSA, scKey, scS, req("Hash", map[string]any{"hash": h, "taprootMerkleRoot": 1}), "taprootMerkleRoot"},
		{"message on ECDSA", NetworkKeyECDSA, ecKey, ecS, req("Message", map[string]any{"message": "0x01"}), "Message"},
		{"message on Schnorr", NetworkKeyECDSA, scKey, scS, req("Message", map[string]any{"message": "0x01"}), "Message"},
		{"no message", NetworkKeyEdDSA, edKey, edS, req("Message", nil), "message"},
		{"empty message", NetworkKeyEdDSA, edKey, edS, req("Message", map[string]any{"message": "0x"}), "message"},
		{"message not hex", NetworkKeyEdDSA, edKey, edS, req("Message", map[string]any{"message": "hello"}), "message"},
		{"message object", NetworkKeyEdDSA, edKey, edS, req("Message", map[string]any{"message": map[string]any{}}), "message"},
		{"EdDSA key on KeyECDSA", NetworkKeyECDSA, edKey, edS, req("Hash", map[string]any{"hash": h}), "KeyECDSA"},
		{"ECDSA key on KeyEdDSA", NetworkKeyEdDSA, ecKey, ecS, req("Hash", map[string]any{"hash": h}), "KeyEdDSA"},
		{"other network", "Solana", edKey, edS, req("Message", map[string]any{"message": "0x01"}), "Solana"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Adapter{}.Sign(context.Background(), tc.network, tc.key, tc.s, tc.req)
			wantStatus(t, err, http.StatusBadRequest)
			if err != nil && !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name %q", err, tc.field)
			}
		})
	}
}
