package xrpl

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha512"
	"encoding/hex"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// The Dfns documentation's XRP Ledger example (dfns/dfns-api-docs
// api-docs/wallets/generate-signature-from-wallet/xrpledger-aka-ripple-generate-signature.md).
const (
	dfnsTx     = "120000220000000024029a62a82e0001e240201b02a6243661400000000000000168400000000000000c8114860184b4f4c6cc17ae9c2a77cfcd328b43ec2aac8314543aba55a3bede29c5d512ff0cb17db626b9ed9a"
	dfnsPub    = "02790b1b6ab9bc9d816dda4d2d4528996a2c78ad90e176f87d48c6f5333989dbc3"
	dfnsSigned = "120000220000000024029a62a82e0001e240201b02a6242361400000000000000168400000000000000c732102790b1b6ab9bc9d816dda4d2d4528996a2c78ad90e176f87d48c6f5333989dbc374463044022062a635aa543697406c1b15e6ec33b8bba1c62ab741d255ad822fc6f45d6c2881022024737ad61088a13134a75556707f7f73fa830991a812810daeacf9dffbe92db08114860184b4f4c6cc17ae9c2a77cfcd328b43ec2aac8314543aba55a3bede29c5d512ff0cb17db626b9ed9a"
)

func unhex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestDfnsExample: in the documented signed transaction, SigningPubKey sits
// where signingSlot puts it, TxnSignature right after, and the signature
// verifies over SHA-512Half("STX\0" ‖ the transaction without it).
func TestDfnsExample(t *testing.T) {
	t.Parallel()
	signed := unhex(t, dfnsSigned)
	pk := unhex(t, dfnsPub)
	i := bytes.Index(signed, append([]byte{0x73, 0x21}, pk...))
	j := i + 2 + 33
	if i < 0 || signed[j] != 0x74 {
		t.Fatal("fields not found")
	}
	der := signed[j+2 : j+2+int(signed[j+1])]
	unsigned := append(append([]byte(nil), signed[:j]...), signed[j+2+len(der):]...)
	at, has, err := signingSlot(unsigned, pk)
	if err != nil || !has || at != j {
		t.Fatalf("slot %d %v %v, want %d", at, has, err, j)
	}
	// The example's request (its own sequence numbers differ) gets the key
	// at the same place: after Fee (type 6), before Account (type 8).
	req := unhex(t, dfnsTx)
	at, has, err = signingSlot(req, pk)
	if err != nil || has || !bytes.HasPrefix(req[at:], []byte{0x81, 0x14}) {
		t.Fatalf("request slot %d %v %v", at, has, err)
	}
	h := sha512.Sum512(append([]byte("STX\x00"), unsigned...))
	sig, err := ecdsa.ParseDERSignature(der)
	if err != nil {
		t.Fatal(err)
	}
	pub, _ := btcec.ParsePubKey(pk)
	if !sig.Verify(h[:32], pub) {
		t.Fatal("the documented signature does not verify over the signing hash")
	}
}

// TestAddressVector: the XRPL documentation's example key
// (xrpl.org "Cryptographic Keys": secp256k1 public key
// 0330E7FC9D56BB25D6893BA3F317AE5BCF33B3291BD63DB32654A313222F7FD020 is
// account rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh).
func TestAddressVector(t *testing.T) {
	t.Parallel()
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: unhex(t, "0330E7FC9D56BB25D6893BA3F317AE5BCF33B3291BD63DB32654A313222F7FD020")}
	got, err := Adapter{}.Address(NetworkXrpLedger, key)
	if err != nil || got != "rHb9CJAWyB4rj91VRWn96DkukG4bwdtyTh" {
		t.Fatalf("got %s, %v", got, err)
	}
}

type testSigner struct {
	ec *btcec.PrivateKey
	ed ed25519.PrivateKey
}

func (s testSigner) SignECDSA(_ context.Context, d []byte) ([]byte, byte, error) {
	c := ecdsa.SignCompact(s.ec, d, true)
	return c[1:], (c[0] - 27) & 3, nil
}
func (s testSigner) SignEdDSA(_ context.Context, m []byte) ([]byte, error) {
	return ed25519.Sign(s.ed, m), nil
}
func (testSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("no")
}

func TestSignBothCurves(t *testing.T) {
	t.Parallel()
	ec, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{3}, 32))
	ed := ed25519.NewKeyFromSeed(bytes.Repeat([]byte{4}, 32))
	s := testSigner{ec, ed}
	for _, key := range []chain.Key{
		{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: ec.PubKey().SerializeCompressed()},
		{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: ed.Public().(ed25519.PublicKey)},
	} {
		res, err := Adapter{}.Sign(context.Background(), NetworkXrpLedgerTestnet, key, s, chain.Request{Kind: "Transaction", Body: json.RawMessage(`{"transaction":"0x` + dfnsTx + `"}`)})
		if err != nil {
			t.Fatal(err)
		}
		signed := unhex(t, res.SignedData)
		pk, _ := signingPubKey(NetworkXrpLedger, key)
		at, has, err := signingSlot(signed[:bytes.IndexByte(signed, 0x74)], pk)
		if err != nil || !has {
			t.Fatalf("signed tx: %v %v", has, err)
		}
		enc := unhex(t, res.Signature.Encoded)
		if !bytes.Equal(signed[at:at+2+len(enc)], append([]byte{0x74, byte(len(enc))}, enc...)) {
			t.Fatal("TxnSignature is not the returned signature")
		}
		msg := append([]byte("STX\x00"), append(append([]byte(nil), signed[:at]...), signed[at+2+len(enc):]...)...)
		if key.Scheme == chain.SchemeEdDSA {
			if !ed25519.Verify(key.PublicKey, msg, enc) {
				t.Fatal("ed25519 signature")
			}
			continue
		}
		h := sha512.Sum512(msg)
		sig, err := ecdsa.ParseDERSignature(enc)
		if err != nil || !sig.Verify(h[:32], ec.PubKey()) {
			t.Fatal("ecdsa signature")
		}
	}
}

func TestBadRequests(t *testing.T) {
	t.Parallel()
	ec, _ := btcec.PrivKeyFromBytes(bytes.Repeat([]byte{3}, 32))
	key := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: ec.PubKey().SerializeCompressed()}
	for _, body := range []string{
		`{}`, `{"transaction":"zz"}`, `{"transaction":{"TransactionType":"Payment"}}`,
		`{"transaction":"0x` + dfnsSigned + `"}`,                                                           // already signed
		`{"transaction":"0x` + dfnsTx[:40] + `"}`,                                                          // truncated inside LastLedgerSequence
		`{"transaction":"0x2400000001120000"}`,                                                             // out of order
		`{"transaction":"0x120000732102790b1b6ab9bc9d816dda4d2d4528996a2c78ad90e176f87d48c6f5333989dbc3"}`, // another key
		`{"transaction":"0x1200007300"}`,                                                                   // multi-signing
		`{"transaction":"0x6140"}`,                                                                         // truncated amount
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkXrpLedger, key, testSigner{ec: ec}, chain.Request{Kind: "Transaction", Body: json.RawMessage(body)})
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 {
			t.Errorf("%s: got %v, want 400", body, err)
		}
	}
	for _, kind := range []string{"Message", "Psbt", ""} { // Message needs an ed25519 key
		_, err := Adapter{}.Sign(context.Background(), NetworkXrpLedger, key, testSigner{ec: ec}, chain.Request{Kind: kind, Body: json.RawMessage(`{}`)})
		var e *apierr.Error
		if !errors.As(err, &e) || e.Status != 400 {
			t.Errorf("kind %q: got %v", kind, err)
		}
	}
	if err := (Adapter{}).KeyFits(NetworkXrpLedger, chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: key.PublicKey}); err == nil {
		t.Error("Schnorr key accepted")
	}
}

// FuzzSigningSlot: the walker never panics and never points past the input.
func FuzzSigningSlot(f *testing.F) {
	b, _ := hex.DecodeString(dfnsTx)
	f.Add(b)
	s, _ := hex.DecodeString(dfnsSigned)
	f.Add(s)
	pk, _ := hex.DecodeString(dfnsPub)
	f.Fuzz(func(t *testing.T, tx []byte) {
		at, _, err := signingSlot(tx, pk)
		if err == nil && (at < 0 || at > len(tx)) {
			t.Fatalf("slot %d of %d", at, len(tx))
		}
	})
}
