package hedera

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

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	secpecdsa "github.com/decred/dcrd/dcrec/secp256k1/v4/ecdsa"
	"golang.org/x/crypto/sha3"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// dfnsExample is the unsigned transfer the public Dfns Hedera broadcast
// page shows as a Transaction request: a TransactionList of one
// Transaction whose SignedTransaction carries bodyBytes and no signature.
const dfnsExample = "0a6c2a6a0a660a1a0a0b08f6f89fc80610ecf1bf1912090800100018c7b1a303180012060800100018051880c2d72f22020878320072350a330a200a1a0800100022140c78f5e80fe0107ba1ab52048b4b2053ee948611100218000a0f0a090800100018c7b1a303100118001200"

func seven() []byte { return bytes.Repeat([]byte{7}, 32) }

func signers() map[string]chainkit.SoftSigner {
	return map[string]chainkit.SoftSigner{
		"ed25519":   {Ed: ed25519.NewKeyFromSeed(seven())},
		"secp256k1": {Secp: secp256k1.PrivKeyFromBytes(seven())},
	}
}

// TestAddress: for the private key 07×32 of each curve, what @hashgraph/sdk
// 2.81.0 computes: PublicKey.toEvmAddress() for secp256k1 and
// toAccountId(0, 0).toString() for ed25519.
func TestAddress(t *testing.T) {
	want := map[string]string{
		"secp256k1": "0x4a62316623ad457f02cdc5d997ded67a383ec569",
		"ed25519":   "0.0.302a300506032b6570032100ea4a6c63e29c520abef5507b132ec5f9954776aebebe7b92421eea691446d22c",
	}
	for name, s := range signers() {
		for _, n := range []string{NetworkHedera, NetworkHederaTestnet} {
			got, err := Adapter{}.Address(n, s.Key())
			if err != nil || got != want[name] {
				t.Errorf("%s %s: got %s %v, want %s", n, name, got, err, want[name])
			}
		}
	}
	bad := chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: append([]byte{2}, make([]byte, 32)...)}
	if _, err := (Adapter{}).Address(NetworkHedera, bad); status(err) != http.StatusBadRequest {
		t.Errorf("a point off the curve: %v", err)
	}
}

// parsed is what a signed list holds, read back with the package's own
// field splitter.
type parsed struct{ body, prefix, sig []byte }

func readBack(t *testing.T, list []byte) []parsed {
	t.Helper()
	var out []parsed
	txs, err := fields("list", list)
	if err != nil {
		t.Fatal(err)
	}
	for _, tx := range txs {
		fs, _ := fields("tx", tx.data)
		for _, f := range fs {
			if f.num != fieldSignedTxBytes {
				continue
			}
			st, _ := fields("st", f.data)
			var p parsed
			for _, x := range st {
				switch x.num {
				case fieldBodyBytes:
					p.body = x.data
				case fieldSigMap:
					pairs, _ := fields("map", x.data)
					for _, pr := range pairs {
						pf, _ := fields("pair", pr.data)
						for _, y := range pf {
							if y.num == fieldPubKeyPrefix {
								p.prefix = y.data
							} else {
								p.sig = y.data
							}
						}
					}
				}
			}
			out = append(out, p)
		}
	}
	return out
}

// TestSignTransaction: each curve signs the Dfns example's bodyBytes the
// way the network checks them, and the signed list keeps the body.
func TestSignTransaction(t *testing.T) {
	for name, s := range signers() {
		body, _ := json.Marshal(map[string]string{"transaction": "0x" + dfnsExample})
		res, err := Adapter{}.Sign(context.Background(), NetworkHederaTestnet, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		signed, _ := hex.DecodeString(strings.TrimPrefix(res.SignedData, "0x"))
		got := readBack(t, signed)
		if len(got) != 1 || !bytes.Equal(got[0].prefix, s.Key().PublicKey) || len(got[0].sig) != 64 {
			t.Fatalf("%s: signed list %x", name, signed)
		}
		if !strings.Contains(dfnsExample, hex.EncodeToString(got[0].body)) {
			t.Errorf("%s: body changed", name)
		}
		if res.Signature.Encoded != "0x"+hex.EncodeToString(got[0].sig) {
			t.Errorf("%s: encoded %s is not the signature in the list", name, res.Signature.Encoded)
		}
		if name == "ed25519" {
			if !ed25519.Verify(s.Ed.Public().(ed25519.PublicKey), got[0].body, got[0].sig) {
				t.Error("ed25519 signature does not verify")
			}
			continue
		}
		h := sha3.NewLegacyKeccak256()
		h.Write(got[0].body)
		var r, ss secp256k1.ModNScalar
		r.SetByteSlice(got[0].sig[:32])
		ss.SetByteSlice(got[0].sig[32:])
		if !secpecdsa.NewSignature(&r, &ss).Verify(h.Sum(nil), s.Secp.PubKey()) {
			t.Error("secp256k1 signature over keccak256(bodyBytes) does not verify")
		}
		// Signing again replaces the wallet's pair instead of adding one.
		again, _ := json.Marshal(map[string]string{"transaction": res.SignedData})
		res2, err := Adapter{}.Sign(context.Background(), NetworkHederaTestnet, s.Key(), s, chain.Request{Kind: KindTransaction, Body: again})
		if err != nil {
			t.Fatal(err)
		}
		if res2.SignedData != res.SignedData {
			t.Errorf("re-signing changed the list: %s", res2.SignedData)
		}
	}
}

// TestSignMultiNode: a list frozen for two nodes gets one signature per
// body, listed in signatures.
func TestSignMultiNode(t *testing.T) {
	one, _ := hex.DecodeString(dfnsExample)
	txs, _ := fields("list", one)
	two := append(append([]byte{}, one...), appendBytes(nil, fieldListTransaction, txs[0].data)...)
	s := signers()["ed25519"]
	body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(two)})
	res, err := Adapter{}.Sign(context.Background(), NetworkHedera, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Signatures) != 2 {
		t.Fatalf("signatures: %+v", res.Signatures)
	}
}

func status(err error) int {
	var ae *apierr.Error
	if errors.As(err, &ae) {
		return ae.Status
	}
	return 0
}

// TestBadInput: wrong kinds and malformed lists are 400s naming the
// problem, never panics.
func TestBadInput(t *testing.T) {
	s := signers()["secp256k1"]
	for _, tc := range []struct{ kind, body, want string }{
		{"Psbt", `{"psbt":"00"}`, "not supported on Hedera"},
		{"Eip712", `{}`, "not supported on Hedera"},
		{"Transaction", `{}`, "transaction is required"},
		{"Transaction", `{"transaction":"0x0a"}`, "truncated"},
		{"Transaction", `{"transaction":"0x0a001200"}`, "other than transaction_list"},
		{"Transaction", `{"transaction":"0x1200"}`, "transaction"}, // not 0x0a: read as an EVM transaction
		{"Transaction", `{"transaction":"0x0a00"}`, "signedTransactionBytes is missing"},
		{"Transaction", `{"transaction":"0x0a021200"}`, "deprecated"},
		{"Transaction", `{"transaction":"0x0a022a00"}`, "bodyBytes is missing"},
		{"Transaction", `{"transaction":"0x0a062a04120208ff"}`, "bodyBytes is missing"},
	} {
		_, err := Adapter{}.Sign(context.Background(), NetworkHedera, s.Key(), s, chain.Request{Kind: tc.kind, Body: json.RawMessage(tc.body)})
		if status(err) != http.StatusBadRequest || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s %s: %v, want a 400 with %q", tc.kind, tc.body, err, tc.want)
		}
	}
	many := bytes.Repeat(appendBytes(nil, fieldListTransaction, []byte{0x2a, 0x02, 0x0a, 0x00}), maxBodies+1)
	body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(many)})
	if _, err := (Adapter{}).Sign(context.Background(), NetworkHedera, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body}); status(err) != http.StatusBadRequest {
		t.Errorf("too many bodies: %v", err)
	}
}

// FuzzSignTransaction: any bytes either sign or answer 400; what signs
// reads back with the body untouched.
func FuzzSignTransaction(f *testing.F) {
	ex, _ := hex.DecodeString(dfnsExample)
	f.Add(ex)
	f.Add([]byte{0x0a, 0x00})
	s := signers()["ed25519"]
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		body, _ := json.Marshal(map[string]string{"transaction": hex.EncodeToString(b)})
		res, err := Adapter{}.Sign(context.Background(), NetworkHedera, s.Key(), s, chain.Request{Kind: KindTransaction, Body: body})
		if err != nil {
			if status(err) != http.StatusBadRequest {
				t.Fatalf("non-400 error: %v", err)
			}
			return
		}
		signed, _ := hex.DecodeString(strings.TrimPrefix(res.SignedData, "0x"))
		for _, p := range readBack(t, signed) {
			if !ed25519.Verify(s.Ed.Public().(ed25519.PublicKey), p.body, p.sig) {
				t.Fatal("a signed body does not verify")
			}
		}
	})
}
