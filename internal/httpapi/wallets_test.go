package httpapi_test

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"strings"
	"testing"

	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"
	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/math"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/ethereum/go-ethereum/rlp"
	"github.com/ethereum/go-ethereum/signer/core/apitypes"
	sol "github.com/gagliardetto/solana-go"
	"github.com/gagliardetto/solana-go/programs/system"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

type walletJSON struct {
	ID         string `json:"id"`
	Network    string `json:"network"`
	Address    string `json:"address"`
	Status     string `json:"status"`
	Name       string `json:"name"`
	ExternalID string `json:"externalId"`
	Custodial  bool   `json:"custodial"`
	Tags       []string
	SigningKey struct {
		ID        string `json:"id"`
		Scheme    string `json:"scheme"`
		Curve     string `json:"curve"`
		PublicKey string `json:"publicKey"`
	} `json:"signingKey"`
	DateCreated string `json:"dateCreated"`
}

func createWallet(t *testing.T, id *apitest.Identity, body map[string]any) walletJSON {
	t.Helper()
	var w walletJSON
	expect(t, id.Do(bg, "POST", "/wallets", body, &w), 0)
	if w.Status != "Active" || w.Tags == nil || w.SigningKey.ID == "" || w.Network != body["network"] {
		t.Fatalf("wallet %+v", w)
	}
	return w
}

func signWallet(t *testing.T, id *apitest.Identity, w walletJSON, body map[string]any) sigReqJSON {
	t.Helper()
	var r sigReqJSON
	expect(t, id.Do(bg, "POST", "/wallets/"+w.ID+"/signatures", body, &r), 0)
	if r.Status != "Signed" || r.WalletID != w.ID || r.KeyID != w.SigningKey.ID || r.Network != w.Network {
		t.Fatalf("signature request %+v", r)
	}
	return r
}

// recoverAddr recovers the signer of digest from an EVM {r, s, recid}.
func recoverAddr(t *testing.T, digest []byte, s *sigJSON) common.Address {
	t.Helper()
	if s == nil || s.Recid == nil {
		t.Fatal("no signature with recid")
	}
	pub, err := crypto.SigToPub(digest, append(rs(t, s), byte(*s.Recid)))
	if err != nil {
		t.Fatal(err)
	}
	return crypto.PubkeyToAddress(*pub)
}

func TestEVMWallet(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "EthereumSepolia", "name": "evm", "tags": []string{"a", "a", "b"}})
	pub, err := crypto.DecompressPubkey(unhex(t, w.SigningKey.PublicKey))
	if err != nil {
		t.Fatal(err)
	}
	addr := crypto.PubkeyToAddress(*pub)
	if w.Address != addr.Hex() || w.SigningKey.Scheme != "ECDSA" || w.Name != "evm" || len(w.Tags) != 2 {
		t.Fatalf("wallet %+v, address want %s", w, addr.Hex())
	}

	t.Run("Hash", func(t *testing.T) {
		digest := crypto.Keccak256([]byte("hash me"))
		r := signWallet(t, sa, w, map[string]any{"kind": "Hash", "hash": hex.EncodeToString(digest)})
		if recoverAddr(t, digest, r.Signature) != addr {
			t.Fatal("Hash signature recovers another address")
		}
	})
	t.Run("Eip191", func(t *testing.T) {
		msg := []byte("Hello from Custos")
		for _, kind := range []string{"Eip191", "Message"} {
			r := signWallet(t, sa, w, map[string]any{"kind": kind, "message": "0x" + hex.EncodeToString(msg)})
			if recoverAddr(t, accounts.TextHash(msg), r.Signature) != addr {
				t.Fatalf("%s signature recovers another address", kind)
			}
		}
	})
	t.Run("Eip712", func(t *testing.T) {
		types712 := map[string]any{
			"Person": []map[string]string{{"name": "name", "type": "string"}, {"name": "wallet", "type": "address"}},
			"Mail":   []map[string]string{{"name": "from", "type": "Person"}, {"name": "to", "type": "Person"}, {"name": "contents", "type": "string"}},
		}
		domain := map[string]any{"name": "Ether Mail", "version": "1", "chainId": 11155111,
			"verifyingContract": "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"}
		message := map[string]any{
			"from":     map[string]any{"name": "Cow", "wallet": "0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"},
			"to":       map[string]any{"name": "Bob", "wallet": "0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"},
			"contents": "Hello, Bob!",
		}
		r := signWallet(t, sa, w, map[string]any{"kind": "Eip712", "types": types712, "domain": domain, "message": message})
		td := apitypes.TypedData{
			Types: apitypes.Types{
				"EIP712Domain": {{Name: "name", Type: "string"}, {Name: "version", Type: "string"},
					{Name: "chainId", Type: "uint256"}, {Name: "verifyingContract", Type: "address"}},
				"Person": {{Name: "name", Type: "string"}, {Name: "wallet", Type: "address"}},
				"Mail":   {{Name: "from", Type: "Person"}, {Name: "to", Type: "Person"}, {Name: "contents", Type: "string"}},
			},
			PrimaryType: "Mail",
			Domain: apitypes.TypedDataDomain{Name: "Ether Mail", Version: "1",
				ChainId: (*math.HexOrDecimal256)(big.NewInt(11155111)), VerifyingContract: "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC"},
			Message: message,
		}
		digest, _, err := apitypes.TypedDataAndHash(td)
		if err != nil {
			t.Fatal(err)
		}
		if recoverAddr(t, digest, r.Signature) != addr {
			t.Fatal("Eip712 signature recovers another address")
		}
	})
	t.Run("EIP-1559 transaction", func(t *testing.T) {
		chainID := big.NewInt(11155111)
		to := common.HexToAddress("0x000000000000000000000000000000000000dEaD")
		payload, err := rlp.EncodeToBytes([]any{chainID, uint64(7), big.NewInt(1_000_000_000), big.NewInt(30_000_000_000),
			uint64(21_000), to, big.NewInt(12345), []byte{}, types.AccessList{}})
		if err != nil {
			t.Fatal(err)
		}
		unsigned := append([]byte{types.DynamicFeeTxType}, payload...)
		r := signWallet(t, sa, w, map[string]any{"kind": "Transaction", "transaction": "0x" + hex.EncodeToString(unsigned)})
		var tx types.Transaction
		if err := tx.UnmarshalBinary(unhex(t, r.SignedData)); err != nil {
			t.Fatal(err)
		}
		from, err := types.Sender(types.LatestSignerForChainID(chainID), &tx)
		if err != nil || from != addr {
			t.Fatalf("sender %s (%v), want %s", from.Hex(), err, addr.Hex())
		}
		if tx.Nonce() != 7 || *tx.To() != to || tx.Value().Int64() != 12345 || tx.Type() != types.DynamicFeeTxType {
			t.Fatalf("signed transaction differs: nonce %d to %s value %s", tx.Nonce(), tx.To(), tx.Value())
		}
	})
	t.Run("wallet signatures list and get", func(t *testing.T) {
		var l listJSON[sigReqJSON]
		expect(t, sa.Do(bg, "GET", "/wallets/"+w.ID+"/signatures", nil, &l), 0)
		if len(l.Items) != 5 || l.WalletID != w.ID {
			t.Fatalf("listed %d requests (walletId %q), want 5", len(l.Items), l.WalletID)
		}
		var one sigReqJSON
		expect(t, sa.Do(bg, "GET", "/wallets/"+w.ID+"/signatures/"+l.Items[0].ID, nil, &one), 0)
		if one.ID != l.Items[0].ID {
			t.Fatal("GET returned another request")
		}
		expect(t, sa.Do(bg, "GET", "/keys/"+w.SigningKey.ID+"/signatures/"+one.ID, nil, nil), 0)
	})
	t.Run("bad input", func(t *testing.T) {
		for name, body := range map[string]map[string]any{
			"kind for network": {"kind": "Psbt", "psbt": "0x70736274ff"},
			"garbage tx":       {"kind": "Transaction", "transaction": "0x02c0ffee"},
			"hash long":        {"kind": "Hash", "hash": "0x" + strings.Repeat("00", 33)},
			"other network":    {"kind": "Hash", "hash": "0x" + strings.Repeat("00", 32), "network": "Ethereum"},
		} {
			err := sa.Do(bg, "POST", "/wallets/"+w.ID+"/signatures", body, nil)
			if apitest.Status(err) != 400 {
				t.Errorf("%s: %v, want 400", name, err)
			}
		}
	})
}

func TestBitcoinWallet(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "Bitcoin"})
	pub := unhex(t, w.SigningKey.PublicKey)
	want, err := btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(pub), &chaincfg.MainNetParams)
	if err != nil {
		t.Fatal(err)
	}
	if w.Address != want.EncodeAddress() {
		t.Fatalf("address %s, want %s", w.Address, want.EncodeAddress())
	}
	script, _ := txscript.PayToAddrScript(want)
	op := wire.OutPoint{Hash: chainhash.DoubleHashH([]byte("prev")), Index: 1}
	prev := wire.NewTxOut(100_000, script)
	pkt, err := psbt.New([]*wire.OutPoint{&op}, []*wire.TxOut{wire.NewTxOut(90_000, script)}, 2, 0, []uint32{wire.MaxTxInSequenceNum})
	if err != nil {
		t.Fatal(err)
	}
	pkt.Inputs[0].WitnessUtxo = prev
	var buf bytes.Buffer
	if err := pkt.Serialize(&buf); err != nil {
		t.Fatal(err)
	}
	r := signWallet(t, sa, w, map[string]any{"kind": "Psbt", "psbt": "0x" + hex.EncodeToString(buf.Bytes())})
	signed, err := psbt.NewFromRawBytes(bytes.NewReader(unhex(t, r.SignedData)), false)
	if err != nil {
		t.Fatal(err)
	}
	if err := psbt.MaybeFinalizeAll(signed); err != nil {
		t.Fatal(err)
	}
	tx, err := psbt.Extract(signed)
	if err != nil {
		t.Fatal(err)
	}
	fetcher := txscript.NewCannedPrevOutputFetcher(prev.PkScript, prev.Value)
	vm, err := txscript.NewEngine(prev.PkScript, tx, 0, txscript.StandardVerifyFlags, nil,
		txscript.NewTxSigHashes(tx, fetcher), prev.Value, fetcher)
	if err != nil {
		t.Fatal(err)
	}
	if err := vm.Execute(); err != nil {
		t.Fatalf("script engine: %v", err)
	}
	for _, garbage := range []string{"0x00", "0x70736274ff0100", "zz"} {
		err := sa.Do(bg, "POST", "/wallets/"+w.ID+"/signatures", map[string]any{"kind": "Psbt", "psbt": garbage}, nil)
		expect(t, err, 400)
	}

	t.Run("taproot", func(t *testing.T) {
		tw := createWallet(t, sa, map[string]any{"network": "Bitcoin", "signingKey": map[string]any{"scheme": "Schnorr"}})
		internal, err := schnorr.ParsePubKey(unhex(t, tw.SigningKey.PublicKey)[1:])
		if err != nil {
			t.Fatal(err)
		}
		// The x-only parse forgets the parity; the taproot tweak only
		// depends on the x coordinate.
		out := txscript.ComputeTaprootKeyNoScript(internal)
		addr, err := btcutil.NewAddressTaproot(schnorr.SerializePubKey(out), &chaincfg.MainNetParams)
		if err != nil || tw.Address != addr.EncodeAddress() || tw.SigningKey.Scheme != "Schnorr" {
			t.Fatalf("taproot address %s, want %s (%v)", tw.Address, addr.EncodeAddress(), err)
		}
	})
}

func TestSolanaWallet(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	w := createWallet(t, sa, map[string]any{"network": "SolanaDevnet"})
	from := sol.PublicKeyFromBytes(unhex(t, w.SigningKey.PublicKey))
	if w.Address != from.String() || w.SigningKey.Scheme != "EdDSA" {
		t.Fatalf("address %s, want %s", w.Address, from)
	}
	tx, err := sol.NewTransaction([]sol.Instruction{system.NewTransferInstruction(5000, from, sol.NewWallet().PublicKey()).Build()},
		sol.MustHashFromBase58("EtWTRABZaYq6iMfeYKouRu166VU2xqa1wcaWoxPkrZBG"), sol.TransactionPayer(from))
	if err != nil {
		t.Fatal(err)
	}
	unsigned, err := tx.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	r := signWallet(t, sa, w, map[string]any{"kind": "Transaction", "transaction": "0x" + hex.EncodeToString(unsigned)})
	signed, err := sol.TransactionFromBytes(unhex(t, r.SignedData))
	if err != nil {
		t.Fatal(err)
	}
	if err := signed.VerifySignatures(); err != nil {
		t.Fatalf("signed transfer: %v", err)
	}
}

func TestWalletManagement(t *testing.T) {
	t.Parallel()
	env := apitest.New(t)
	sa := env.SA(t)
	ko := createWallet(t, sa, map[string]any{"network": "KeyECDSA", "externalId": "ext-1"})
	if ko.Address != "" || ko.ExternalID != "ext-1" {
		t.Fatalf("pseudo-network wallet %+v", ko)
	}
	var raw map[string]any
	expect(t, sa.Do(bg, "GET", "/wallets/"+ko.ID, nil, &raw), 0)
	if _, ok := raw["address"]; ok {
		t.Error("pseudo-network wallet has an address")
	}
	if raw["dateCreated"] != ko.DateCreated {
		t.Errorf("GET dateCreated %v, create said %s", raw["dateCreated"], ko.DateCreated)
	}
	if tags, ok := raw["tags"].([]any); !ok || len(tags) != 0 {
		t.Errorf("tags %v, want []", raw["tags"])
	}

	t.Run("reuse key", func(t *testing.T) {
		evm := createWallet(t, sa, map[string]any{"network": "Ethereum", "signingKey": map[string]any{"id": ko.SigningKey.ID}})
		if evm.SigningKey.ID != ko.SigningKey.ID {
			t.Fatal("key not reused")
		}
		var k keyJSON
		expect(t, sa.Do(bg, "GET", "/keys/"+ko.SigningKey.ID, nil, &k), 0)
		if len(k.Wallets) != 2 {
			t.Fatalf("key lists %d wallets, want 2", len(k.Wallets))
		}
		creator := env.User(t, pemkey.P256, "Wallets:Create")
		err := creator.Do(bg, "POST", "/wallets", map[string]any{"network": "Ethereum", "signingKey": map[string]any{"id": ko.SigningKey.ID}}, nil)
		expect(t, err, 403)
		createWallet(t, creator, map[string]any{"network": "Ethereum"})
		sol := createWallet(t, sa, map[string]any{"network": "Solana"})
		err = sa.Do(bg, "POST", "/wallets", map[string]any{"network": "Ethereum", "signingKey": map[string]any{"id": sol.SigningKey.ID}}, nil)
		expect(t, err, 400)
	})
	t.Run("update and tags", func(t *testing.T) {
		var w walletJSON
		expect(t, sa.Do(bg, "PUT", "/wallets/"+ko.ID, map[string]any{"name": "treasury"}, &w), 0)
		if w.Name != "treasury" || w.ExternalID != "ext-1" {
			t.Fatalf("updated %+v", w)
		}
		w = walletJSON{}
		expect(t, sa.Do(bg, "PUT", "/wallets/"+ko.ID, map[string]any{"externalId": nil}, &w), 0)
		if w.Name != "treasury" || w.ExternalID != "" {
			t.Fatalf("updated %+v", w)
		}
		var empty map[string]any
		expect(t, sa.Do(bg, "PUT", "/wallets/"+ko.ID+"/tags", map[string]any{"tags": []string{"x", "y", "x"}}, &empty), 0)
		if len(empty) != 0 {
			t.Fatalf("tag response %v, want {}", empty)
		}
		expect(t, sa.Do(bg, "DELETE", "/wallets/"+ko.ID+"/tags", map[string]any{"tags": []string{"x"}}, nil), 0)
		w = walletJSON{}
		expect(t, sa.Do(bg, "GET", "/wallets/"+ko.ID, nil, &w), 0)
		if len(w.Tags) != 1 || w.Tags[0] != "y" {
			t.Fatalf("tags %v, want [y]", w.Tags)
		}
		expect(t, sa.Do(bg, "PUT", "/wallets/"+ko.ID+"/tags", map[string]any{"tags": []string{""}}, nil), 400)
	})
	t.Run("list", func(t *testing.T) {
		var l listJSON[walletJSON]
		expect(t, sa.Do(bg, "GET", "/wallets?limit=2", nil, &l), 0)
		if len(l.Items) != 2 || l.NextPageToken == "" {
			t.Fatalf("page of %d, next %q", len(l.Items), l.NextPageToken)
		}
	})
	t.Run("bad input", func(t *testing.T) {
		unserved, unservedSays := unservedNetwork()
		for _, tc := range []struct {
			body map[string]any
			says string
		}{
			{map[string]any{"network": "Nope"}, "unknown network"},
			{map[string]any{"network": unserved}, unservedSays},
			{map[string]any{}, "network is required"},
			{map[string]any{"network": "Solana", "signingKey": map[string]any{"scheme": "ECDSA"}}, "EdDSA"},
			{map[string]any{"network": "Ethereum", "signingKey": map[string]any{"scheme": "ECDSA", "curve": "ed25519"}}, "not supported"},
			{map[string]any{"network": "Ethereum", "delegateTo": "us-1"}, "delegateTo"}, // not an end user (docs/protocol/delegated.md)
		} {
			err := sa.Do(bg, "POST", "/wallets", tc.body, nil)
			expect(t, err, 400)
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("%v: %q does not say %q", tc.body, err, tc.says)
			}
		}
		other := env.OtherOrg(t)
		expect(t, other.Do(bg, "GET", "/wallets/"+ko.ID, nil, nil), 404)
		expect(t, other.Do(bg, "POST", "/wallets/"+ko.ID+"/signatures", map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("00", 32)}, nil), 404)
		expect(t, other.Do(bg, "PUT", "/wallets/"+ko.ID+"/tags", map[string]any{"tags": []string{"t"}}, nil), 404)
		reader := env.User(t, pemkey.Ed25519, "Wallets:Read")
		expect(t, reader.Do(bg, "PUT", "/wallets/"+ko.ID, map[string]any{"name": "n"}, nil), 403)
		expect(t, reader.Do(bg, "POST", "/wallets/"+ko.ID+"/signatures", map[string]any{"kind": "Hash", "hash": "0x" + strings.Repeat("00", 32)}, nil), 403)
	})
}
