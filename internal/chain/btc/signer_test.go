package btc

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/txscript"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// testSigner is a software chain.Signer over one secp256k1 private key,
// built only from btcec (never from adapter code).
type testSigner struct {
	priv *btcec.PrivateKey
}

func (t testSigner) SignECDSA(_ context.Context, digest []byte) ([]byte, byte, error) {
	if len(digest) != 32 {
		return nil, 0, errors.New("digest must be 32 bytes")
	}
	c := ecdsa.SignCompact(t.priv, digest, true) // header 27+4+recid, r, s
	return c[1:], c[0] - 31, nil
}

func (t testSigner) SignEdDSA(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("not an ed25519 key")
}

func (t testSigner) SignSchnorr(_ context.Context, digest, tweak []byte) ([]byte, error) {
	key := t.priv
	if tweak != nil {
		// d' = d + t with d negated when P has odd Y (BIP-341), exactly
		// as chain.Signer documents.
		d := key.Key
		if key.PubKey().SerializeCompressed()[0] == 0x03 {
			d.Negate()
		}
		var ts btcec.ModNScalar
		if len(tweak) != 32 || ts.SetByteSlice(tweak) {
			return nil, errors.New("bad tweak")
		}
		d.Add(&ts)
		key = btcec.PrivKeyFromScalar(&d)
	}
	sig, err := schnorr.Sign(key, digest)
	if err != nil {
		return nil, err
	}
	return sig.Serialize(), nil
}

// fixedSigner returns one recorded signature whatever it is asked, to replay
// signatures published by Dfns.
type fixedSigner struct {
	rs    []byte
	recid byte
}

func (f fixedSigner) SignECDSA(context.Context, []byte) ([]byte, byte, error) {
	return f.rs, f.recid, nil
}

func (f fixedSigner) SignEdDSA(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("no")
}

func (f fixedSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return f.rs, nil
}

// newKey returns a private key from a fixed 32-byte hex scalar.
func newKey(t testing.TB, hexScalar string) *btcec.PrivateKey {
	t.Helper()
	priv, _ := btcec.PrivKeyFromBytes(mustHex(t, hexScalar))
	return priv
}

// ecdsaKey and schnorrKey describe priv's public key as a wallet key.
func ecdsaKey(priv *btcec.PrivateKey) chain.Key {
	return chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: priv.PubKey().SerializeCompressed()}
}

func schnorrKey(priv *btcec.PrivateKey) chain.Key {
	return chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: priv.PubKey().SerializeCompressed()}
}

func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatalf("bad hex %q: %v", s, err)
	}
	return b
}

func mustJSON(t testing.TB, v any) json.RawMessage {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// wantStatus fails unless err is an *apierr.Error with status, and returns it.
func wantStatus(t *testing.T, err error, status int) *apierr.Error {
	t.Helper()
	var ae *apierr.Error
	if !errors.As(err, &ae) {
		t.Fatalf("got error %v (%T), want *apierr.Error %d", err, err, status)
	}
	if ae.Status != status {
		t.Fatalf("got status %d (%s), want %d", ae.Status, ae.Message, status)
	}
	return ae
}

// TestSignerTweakMatchesBtcd pins the test signer's tweak arithmetic to
// btcd's own TweakTaprootPrivKey, so Taproot tests do not rest on it alone.
func TestSignerTweakMatchesBtcd(t *testing.T) {
	t.Parallel()
	for _, scalar := range []string{
		"0000000000000000000000000000000000000000000000000000000000000003",
		"b7e151628aed2a6abf7158809cf4f3c762e7160f38b4da56a784d9045190cfef",
	} {
		priv := newKey(t, scalar)
		want := txscript.TweakTaprootPrivKey(*priv, nil)
		msg := make([]byte, 32)
		sig, err := testSigner{priv}.SignSchnorr(context.Background(), msg, tapTweakRef(priv.PubKey(), nil))
		if err != nil {
			t.Fatal(err)
		}
		wantSig, err := schnorr.Sign(want, msg)
		if err != nil {
			t.Fatal(err)
		}
		if hex.EncodeToString(sig) != hex.EncodeToString(wantSig.Serialize()) {
			t.Fatalf("test signer tweak differs from txscript.TweakTaprootPrivKey for %s", scalar)
		}
	}
}

// tapTweakRef computes t = H_TapTweak(P.x ‖ root) straight from BIP-341 with
// the standard library, independently of the adapter.
func tapTweakRef(pub *btcec.PublicKey, root []byte) []byte {
	return taggedHash("TapTweak", pub.SerializeCompressed()[1:], root)
}

// taggedHash is the BIP-340 tagged hash, from the standard library.
func taggedHash(tag string, parts ...[]byte) []byte {
	th := sha256.Sum256([]byte(tag))
	h := sha256.New()
	h.Write(th[:])
	h.Write(th[:])
	for _, p := range parts {
		h.Write(p)
	}
	return h.Sum(nil)
}
