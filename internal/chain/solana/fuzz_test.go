package solana

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"errors"
	"net/http"
	"testing"

	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"

	"github.com/custos-dev/custos/internal/apierr"
)

// FuzzSignTransaction feeds arbitrary bytes as the transaction. It must never
// panic; whatever it signs must decode with solana-go and verify, and differ
// from the input only in signature slots.
func FuzzSignTransaction(f *testing.F) {
	key, s := newKey(f, nil)
	wallet := sol.PublicKeyFromBytes(key.PublicKey)
	tx, err := sol.NewTransaction(
		[]sol.Instruction{system.NewTransferInstruction(1, wallet, sol.SystemProgramID).Build()},
		blockhash, sol.TransactionPayer(wallet))
	if err != nil {
		f.Fatal(err)
	}
	good, _ := tx.MarshalBinary()
	docs, _ := hex.DecodeString(docsTx[2:])
	f.Add(good)
	f.Add(docs)
	f.Add([]byte{})
	f.Add([]byte{0x80, 0x80, 0x80})
	f.Add(good[:70])
	f.Fuzz(func(t *testing.T, raw []byte) {
		res, err := Adapter{}.Sign(context.Background(), NetworkSolana, key, s, txReq("0x"+hex.EncodeToString(raw)))
		if err != nil {
			var e *apierr.Error
			if !errors.As(err, &e) || e.Status != http.StatusBadRequest {
				t.Fatalf("error %v is not a 400", err)
			}
			return
		}
		out, err := hex.DecodeString(res.SignedData[2:])
		if err != nil || len(out) != len(raw) {
			t.Fatalf("signedData length %d, input %d", len(out), len(raw))
		}
		signed, err := sol.TransactionFromBytes(out)
		if err != nil {
			t.Fatalf("signed transaction does not decode: %v", err)
		}
		msg, _ := signed.Message.MarshalBinary()
		if !bytes.HasSuffix(out, msg) || !bytes.HasSuffix(raw, msg) {
			t.Fatal("the message bytes changed or solana-go re-encodes them differently")
		}
		found := false
		for i, k := range signed.Message.AccountKeys[:signed.Message.Header.NumRequiredSignatures] {
			if k.Equals(wallet) {
				found = true
				if !ed25519.Verify(key.PublicKey, msg, signed.Signatures[i][:]) {
					t.Fatalf("slot %d does not verify", i)
				}
			}
		}
		if !found {
			t.Fatal("signed a transaction the wallet is not a signer of")
		}
	})
}
