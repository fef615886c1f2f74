package solana

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/custody"
)

// newLocal returns a custody backend with a random KEK.
func newLocal(t testing.TB) *custody.Local {
	t.Helper()
	kek := make([]byte, 32)
	rand.Read(kek)
	k, err := custody.KEKFromHex(hex.EncodeToString(kek))
	if err != nil {
		t.Fatal(err)
	}
	return custody.NewLocal(custody.NewKeyring(k))
}

// newKey generates an ed25519 key, or imports seed when non-nil.
func newKey(t testing.TB, seed []byte) (chain.Key, chain.Signer) {
	t.Helper()
	l := newLocal(t)
	ctx := context.Background()
	var (
		key chain.Key
		m   custody.Material
		err error
	)
	if seed == nil {
		key, m, err = l.Generate(ctx, chain.SchemeEdDSA, chain.CurveEd25519, []byte("row"))
	} else {
		key, m, err = l.Import(ctx, chain.SchemeEdDSA, chain.CurveEd25519, seed, []byte("row"))
	}
	if err != nil {
		t.Fatal(err)
	}
	s, err := l.Signer(ctx, key, m, []byte("row"))
	if err != nil {
		t.Fatal(err)
	}
	return key, s
}

func txReq(hexTx string) chain.Request {
	b, _ := json.Marshal(map[string]string{"kind": "Transaction", "transaction": hexTx})
	return chain.Request{Kind: "Transaction", Body: b}
}

func unhex0x(t *testing.T, s string) []byte {
	t.Helper()
	if !strings.HasPrefix(s, "0x") {
		t.Fatalf("%q lacks 0x", s)
	}
	b, err := hex.DecodeString(s[2:])
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantStatus(t *testing.T, err error, status int) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) || e.Status != status {
		t.Errorf("err = %v, want an apierr with status %d", err, status)
	}
}

// TestAddressVector uses solana-go's testdata/standard.solana-keygen.json, a
// key file written by solana-keygen, whose address its keys_test.go pins as
// F8UvVsKnzWyp2nF8aDcqvQ2GVcRpqT91WDsAtvBKCMt9. The file is seed || public
// key; the seed goes through custody like any imported key.
func TestAddressVector(t *testing.T) {
	t.Parallel()
	keygen := []byte{254, 235, 166, 85, 112, 29, 132, 16, 126, 87, 234, 58, 144, 120, 98, 141, 75, 133, 85, 10, 31, 71, 74,
		147, 81, 189, 128, 180, 112, 21, 110, 62, 209, 238, 65, 42, 248, 12, 152, 28, 130, 46, 170, 32, 19, 8, 11, 29, 255,
		208, 207, 18, 123, 131, 230, 60, 249, 157, 68, 133, 246, 187, 45, 62}
	key, _ := newKey(t, keygen[:32])
	if !bytes.Equal(key.PublicKey, keygen[32:]) {
		t.Fatalf("public key %x, want %x", key.PublicKey, keygen[32:])
	}
	for _, network := range []string{NetworkSolana, NetworkSolanaDevnet} {
		addr, err := Adapter{}.Address(network, key)
		if err != nil {
			t.Fatal(err)
		}
		if addr != "F8UvVsKnzWyp2nF8aDcqvQ2GVcRpqT91WDsAtvBKCMt9" {
			t.Errorf("%s address %s", network, addr)
		}
	}
}

func TestKeyFits(t *testing.T) {
	t.Parallel()
	ed := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: make([]byte, 32)}
	a := Adapter{}
	if err := a.KeyFits(NetworkSolana, ed); err != nil {
		t.Errorf("EdDSA key: %v", err)
	}
	for name, tc := range map[string]struct {
		network string
		key     chain.Key
	}{
		"ECDSA":     {NetworkSolana, chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)}},
		"Schnorr":   {NetworkSolanaDevnet, chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)}},
		"short key": {NetworkSolana, chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: make([]byte, 31)}},
		"network":   {"SolanaTestnet", ed},
	} {
		err := a.KeyFits(tc.network, tc.key)
		wantStatus(t, err, http.StatusBadRequest)
		if _, err := a.Address(tc.network, tc.key); err == nil {
			t.Errorf("%s: Address succeeded", name)
		}
	}
}

// The Dfns docs example (solana-generate-signature.md): a v0 transfer on
// SolanaDevnet, its request and the signature Dfns returned.
const (
	docsTx = "0x01000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000000008001000103b25c8c464080ab2835a166d2b3f13195c2ff3c8f281c7ebe492f0d45d830ff4824a8b38a94b73d2756f2be68655a49706be9b1dc900978984d6eeaf65ab62e900000000000000000000000000000000000000000000000000000000000000000ed589eed2559d935c834cd6d6cbee12970423ad37853618d39e632032aa4c51201020200010c02000000010000000000000000"
	docsR  = "0x87e2fafa916877495baed6adb66283fcecd6166c73b1bb5812441045fc52b5ac"
	docsS  = "0x52f5216e39945db8a1fc7a19778813ed30e4cb84787ff9fe7a1e4f1d7976d70f"
	docsSD = "0x0187e2fafa916877495baed6adb66283fcecd6166c73b1bb5812441045fc52b5ac52f5216e39945db8a1fc7a19778813ed30e4cb84787ff9fe7a1e4f1d7976d70f8001000103b25c8c464080ab2835a166d2b3f13195c2ff3c8f281c7ebe492f0d45d830ff4824a8b38a94b73d2756f2be68655a49706be9b1dc900978984d6eeaf65ab62e900000000000000000000000000000000000000000000000000000000000000000ed589eed2559d935c834cd6d6cbee12970423ad37853618d39e632032aa4c51201020200010c02000000010000000000000000"
)

// docsSigner replays the signature Dfns made in the docs example, but only
// for the exact bytes Dfns signed.
type docsSigner struct {
	msg, sig []byte
}

func (d docsSigner) SignEdDSA(_ context.Context, msg []byte) ([]byte, error) {
	if !bytes.Equal(msg, d.msg) {
		return nil, errors.New("asked to sign other bytes than Dfns signed")
	}
	return d.sig, nil
}
func (docsSigner) SignECDSA(context.Context, []byte) ([]byte, byte, error) {
	return nil, 0, errors.New("no ECDSA")
}
func (docsSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("no Schnorr")
}

func TestDocsExample(t *testing.T) {
	t.Parallel()
	raw := unhex0x(t, docsTx)
	msg := raw[1+64:]
	sig := append(unhex0x(t, docsR), unhex0x(t, docsS)...)
	pub := msg[5 : 5+32] // v0 prefix, 3 header bytes, 1 account count byte
	// Independent of our code: Dfns's signature is ed25519 over the message.
	if !ed25519.Verify(pub, msg, sig) {
		t.Fatal("docs signature does not verify over the message bytes")
	}

	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: pub}
	res, err := Adapter{}.Sign(context.Background(), NetworkSolanaDevnet, key, docsSigner{msg, sig}, txReq(docsTx))
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(res)
	want, _ := json.Marshal(chain.Result{
		Signature:  &chain.Signature{R: docsR, S: docsS, Encoded: docsR + docsS[2:]},
		SignedData: docsSD,
	})
	if !bytes.Equal(got, want) {
		t.Errorf("result\n got %s\nwant %s", got, want)
	}
	// solana-go decodes the signed transaction and verifies it.
	tx, err := sol.TransactionFromBytes(unhex0x(t, res.SignedData))
	if err != nil {
		t.Fatal(err)
	}
	if err := tx.VerifySignatures(); err != nil {
		t.Error(err)
	}
}

var blockhash = sol.MustHashFromBase58("EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG")

func transferTx(t *testing.T, payer, from, to sol.PublicKey) *sol.Transaction {
	t.Helper()
	tx, err := sol.NewTransaction(
		[]sol.Instruction{system.NewTransferInstruction(1_000_000, from, to).Build()},
		blockhash, sol.TransactionPayer(payer))
	if err != nil {
		t.Fatal(err)
	}
	return tx
}

func TestSignTransfer(t *testing.T) {
	t.Parallel()
	key, s := newKey(t, nil)
	wallet := sol.PublicKeyFromBytes(key.PublicKey)
	to := sol.NewWallet().PublicKey()

	tx := transferTx(t, wallet, wallet, to)
	unsigned, err := tx.MarshalBinary() // zero-filled placeholder signature
	if err != nil {
		t.Fatal(err)
	}
	res, err := Adapter{}.Sign(context.Background(), NetworkSolana, key, s, txReq("0x"+hex.EncodeToString(unsigned)))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := sol.TransactionFromBytes(unhex0x(t, res.SignedData))
	if err != nil {
		t.Fatal(err)
	}
	if err := signed.VerifySignatures(); err != nil {
		t.Fatalf("signed transfer: %v", err)
	}
	if got := signed.Signatures[0][:]; !bytes.Equal(got, unhex0x(t, res.Signature.Encoded)) {
		t.Error("encoded differs from the signature in signedData")
	}
	if res.Signature.Encoded != res.Signature.R+res.Signature.S[2:] || res.Signature.Recid != nil {
		t.Errorf("signature %+v: want encoded = r||s and no recid", res.Signature)
	}
	// Only the signature slot changed.
	if !bytes.Equal(unhex0x(t, res.SignedData)[65:], unsigned[65:]) {
		t.Error("signedData changed the message")
	}
	// The transfer is intact after the round trip.
	inst := signed.Message.Instructions[0]
	if prog, _ := signed.Message.Program(inst.ProgramIDIndex); !prog.Equals(sol.SystemProgramID) {
		t.Errorf("program %s", prog)
	}
}

// TestSignSecondSigner has another key pay the fee (signed by solana-go) and
// the wallet sign the transfer, so the wallet owns slot 1.
func TestSignSecondSigner(t *testing.T) {
	t.Parallel()
	key, s := newKey(t, nil)
	wallet := sol.PublicKeyFromBytes(key.PublicKey)
	payer := sol.NewWallet()

	tx := transferTx(t, payer.PublicKey(), wallet, sol.NewWallet().PublicKey())
	if _, err := tx.PartialSign(func(k sol.PublicKey) *sol.PrivateKey {
		if k.Equals(payer.PublicKey()) {
			return &payer.PrivateKey
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	partly, _ := tx.MarshalBinary()
	res, err := Adapter{}.Sign(context.Background(), NetworkSolanaDevnet, key, s, txReq("0x"+hex.EncodeToString(partly)))
	if err != nil {
		t.Fatal(err)
	}
	signed, err := sol.TransactionFromBytes(unhex0x(t, res.SignedData))
	if err != nil {
		t.Fatal(err)
	}
	if !signed.Message.AccountKeys[1].Equals(wallet) {
		t.Fatal("test setup: wallet is not signer 1")
	}
	if err := signed.VerifySignatures(); err != nil {
		t.Fatalf("both signatures: %v", err)
	}
}

func TestSignMessage(t *testing.T) {
	t.Parallel()
	key, s := newKey(t, nil)
	msg := []byte("Sign in to example.com")
	b, _ := json.Marshal(map[string]string{"kind": "Message", "message": "0x" + hex.EncodeToString(msg)})
	res, err := Adapter{}.Sign(context.Background(), NetworkSolana, key, s, chain.Request{Kind: "Message", Body: b})
	if err != nil {
		t.Fatal(err)
	}
	sig := append(unhex0x(t, res.Signature.R), unhex0x(t, res.Signature.S)...)
	if !ed25519.Verify(key.PublicKey, msg, sig) {
		t.Error("message signature does not verify")
	}
	if res.SignedData != "" || res.Signature.Recid != nil {
		t.Errorf("result %+v: want r and s only", res)
	}
}

func TestBadInput(t *testing.T) {
	t.Parallel()
	key, s := newKey(t, nil)
	wallet := sol.PublicKeyFromBytes(key.PublicKey)
	other := sol.NewWallet().PublicKey()

	good, _ := transferTx(t, wallet, wallet, other).MarshalBinary()
	notSigner, _ := transferTx(t, other, other, wallet).MarshalBinary()
	// Two signers in the header but one slot.
	twoSigners, _ := transferTx(t, other, wallet, other).MarshalBinary()
	oneSlot := append(append([]byte{1}, make([]byte, 64)...), twoSigners[1+128:]...)
	v1 := bytes.Clone(good)
	v1[65] = 0x81 // message version 1
	v127 := bytes.Clone(good)
	v127[65] = 0x7f // legacy header claiming 127 signers
	huge := make([]byte, maxTxSize+1)
	huge[0] = 1

	hx := func(b []byte) string { return "0x" + hex.EncodeToString(b) }
	raw := func(kind, body string) chain.Request { return chain.Request{Kind: kind, Body: json.RawMessage(body)} }

	for _, tc := range []struct {
		name  string
		req   chain.Request
		field string
	}{
		{"not a signer", txReq(hx(notSigner)), "signer"},
		{"slot count mismatch", txReq(hx(oneSlot)), "signature"},
		{"version 1", txReq(hx(v1)), "version"},
		{"version byte 0x7f", txReq(hx(v127)), "signature"},
		{"trailing bytes", txReq(hx(append(bytes.Clone(good), 0))), "trailing"},
		{"truncated", txReq(hx(good[:len(good)-1])), "transaction"},
		{"slots only", txReq(hx(good[:65])), "transaction"},
		{"message only", txReq(hx(good[65:])), "transaction"},
		{"empty", txReq("0x"), "transaction"},
		{"too big", txReq(hx(huge)), "transaction"},
		{"base64", txReq(base64.StdEncoding.EncodeToString(good)), "transaction"},
		{"odd hex", txReq(hx(good) + "0"), "transaction"},
		{"garbage", txReq("0xdeadbeef"), "transaction"},
		{"no transaction", raw("Transaction", `{"kind":"Transaction"}`), "transaction"},
		{"transaction object", raw("Transaction", `{"transaction":{"a":1}}`), "transaction"},
		{"body not json", raw("Transaction", `{`), "body"},
		{"no message", raw("Message", `{}`), "message"},
		{"empty message", raw("Message", `{"message":"0x"}`), "message"},
		{"message not hex", raw("Message", `{"message":"hi"}`), "message"},
		{"hash kind", raw("Hash", `{"hash":"0x00"}`), "Hash"},
		{"psbt kind", raw("Psbt", `{"psbt":"0x00"}`), "Psbt"},
		{"no kind", raw("", `{}`), "kind"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Adapter{}.Sign(context.Background(), NetworkSolana, key, s, tc.req)
			wantStatus(t, err, http.StatusBadRequest)
			if err != nil && !strings.Contains(err.Error(), tc.field) {
				t.Errorf("error %q does not name %q", err, tc.field)
			}
		})
	}

	// A non-ed25519 key is refused before anything is signed.
	ec := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: make([]byte, 33)}
	_, err := Adapter{}.Sign(context.Background(), NetworkSolana, ec, s, txReq(hx(good)))
	wantStatus(t, err, http.StatusBadRequest)
}
