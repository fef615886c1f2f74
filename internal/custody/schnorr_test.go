package custody

import (
	"bytes"
	"context"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/decred/dcrd/dcrec/secp256k1/v4"

	"github.com/custos-dev/custos/internal/chain"
)

func TestLocalSchnorr(t *testing.T) {
	t.Parallel()
	l := newLocal(t)
	parities := map[byte]bool{}
	for i := 0; i < 16 && !(parities[2] && parities[3]); i++ {
		key, s := newSigner(t, l, chain.SchemeSchnorr, chain.CurveSecp256k1, nil)
		parities[key.PublicKey[0]] = true
		internal, err := btcec.ParsePubKey(key.PublicKey)
		if err != nil {
			t.Fatal(err)
		}
		digest := randomBytes(t, 32)

		// Untweaked: plain BIP-340 under the x-only internal key.
		sig := signSchnorrOK(t, s, digest, nil)
		if !verifySchnorr(t, sig, digest, internal) {
			t.Fatal("untweaked signature does not verify")
		}

		xonly := schnorr.SerializePubKey(internal)
		for _, root := range [][]byte{nil, randomBytes(t, 32)} {
			// The caller's tweak, computed with btcd: t = H_TapTweak(P.x || root).
			tweak := chainhash.TaggedHash(chainhash.TagTapTweak, xonly, root)
			output := txscript.ComputeTaprootOutputKey(internal, root)
			sig := signSchnorrOK(t, s, digest, tweak[:])
			if !verifySchnorr(t, sig, digest, output) {
				t.Fatalf("tweaked signature (root %x) does not verify under the taproot output key", root)
			}
			if verifySchnorr(t, sig, digest, internal) {
				t.Fatal("tweaked signature verifies under the internal key: tweak not applied")
			}
		}
	}
	if !parities[2] || !parities[3] {
		t.Errorf("keys covered parities %v, want even and odd Y", parities)
	}
}

func signSchnorrOK(t *testing.T, s chain.Signer, digest, tweak []byte) []byte {
	t.Helper()
	sig, err := s.SignSchnorr(context.Background(), digest, tweak)
	if err != nil {
		t.Fatal(err)
	}
	return sig
}

func verifySchnorr(t *testing.T, sig, digest []byte, pub *btcec.PublicKey) bool {
	t.Helper()
	parsed, err := schnorr.ParseSignature(sig)
	if err != nil {
		t.Fatal(err)
	}
	return parsed.Verify(digest, pub)
}

// TestBIP340Vectors checks signing against BIP-340 test-vectors.csv rows 0-3
// (secret key, aux_rand, message, signature).
func TestBIP340Vectors(t *testing.T) {
	t.Parallel()
	for i, v := range []struct{ sk, aux, msg, sig string }{
		{"0000000000000000000000000000000000000000000000000000000000000003",
			"0000000000000000000000000000000000000000000000000000000000000000",
			"0000000000000000000000000000000000000000000000000000000000000000",
			"E907831F80848D1069A5371B402410364BDF1C5F8307B0084C55F1CE2DCA821525F66A4A85EA8B71E482A74F382D2CE5EBEEE8FDB2172F477DF4900D310536C0"},
		{"B7E151628AED2A6ABF7158809CF4F3C762E7160F38B4DA56A784D9045190CFEF",
			"0000000000000000000000000000000000000000000000000000000000000001",
			"243F6A8885A308D313198A2E03707344A4093822299F31D0082EFA98EC4E6C89",
			"6896BD60EEAE296DB48A229FF71DFE071BDE413E6D43F917DC8DCF8C78DE33418906D11AC976ABCCB20B091292BFF4EA897EFCB639EA871CFA95F6DE339E4B0A"},
		{"C90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B14E5C9",
			"C87AA53824B4D7AE2EB035A2B5BBBCCC080E76CDC6D1692C4B0B62D798E6D906",
			"7E2D58D8B3BCDF1ABADEC7829054F90DDA9805AAB56C77333024B9D0A508B75C",
			"5831AAEED7B44BB74E5EAB94BA9D4294C49BCF2A60728D8B4C200F50DD313C1BAB745879A5AD954A72C45A91C3A51D3C7ADEA98D82F8481E0E1E03674A6F3FB7"},
		{"0B432B2677937381AEF05BB02A66ECD012773062CF3FA2549E44F58ED2401710",
			"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
			"FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
			"7EB0509757E246F19449885651611CB965ECC1A187DD51B64FDA1EDC9637D5EC97582B9CB13DB3933705B32BA982AF5AF25FD78881EBB32771FC5922EFC66EA3"},
	} {
		var aux [32]byte
		copy(aux[:], unhex(t, v.aux))
		sig, err := signSchnorr(unhex(t, v.sk), unhex(t, v.msg), nil, aux)
		if err != nil {
			t.Fatalf("vector %d: %v", i, err)
		}
		if got := strings.ToUpper(hex.EncodeToString(sig)); got != v.sig {
			t.Errorf("vector %d:\n got %s\nwant %s", i, got, v.sig)
		}
	}
}

// TestTweakMatchesBtcd compares our BIP-341 private-key tweak with btcd's.
func TestTweakMatchesBtcd(t *testing.T) {
	t.Parallel()
	for range 16 {
		k, err := secp256k1.GeneratePrivateKey()
		if err != nil {
			t.Fatal(err)
		}
		root := randomBytes(t, 32)
		tweak := chainhash.TaggedHash(chainhash.TagTapTweak, schnorr.SerializePubKey(k.PubKey()), root)
		got, err := tweakKey(k, tweak[:])
		if err != nil {
			t.Fatal(err)
		}
		want := txscript.TweakTaprootPrivKey(*k, root)
		if !bytes.Equal(got.Serialize(), want.Serialize()) {
			t.Fatal("tweaked key differs from txscript.TweakTaprootPrivKey")
		}
	}
	k, _ := secp256k1.GeneratePrivateKey()
	for _, bad := range [][]byte{{}, make([]byte, 31), bytes.Repeat([]byte{0xff}, 32)} {
		if _, err := tweakKey(k, bad); err == nil {
			t.Errorf("tweak %x accepted", bad)
		}
	}
}
