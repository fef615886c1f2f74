package evm

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/ethereum/go-ethereum/accounts"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/ethereum/go-ethereum/crypto"
	"github.com/holiman/uint256"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

func TestNetworks(t *testing.T) {
	t.Parallel()
	names := New().Networks()
	if !slices.IsSorted(names) || len(names) != len(networks) {
		t.Fatalf("Networks() not sorted or incomplete: %v", names)
	}
	seen := map[int64]string{}
	for _, n := range names {
		if networks[n] == openChain {
			continue // open-chain_test.go
		}
		id, ok := ChainID(n)
		if !ok || id <= 0 {
			t.Fatalf("%s: chain id %d", n, id)
		}
		if other, dup := seen[id]; dup {
			t.Fatalf("%s and %s share chain id %d", n, other, id)
		}
		seen[id] = n
	}
	for n, want := range map[string]int64{
		"Ethereum": 1, "EthereumSepolia": 11155111, "EthereumHoodi": 560048, "Polygon": 137, "Bsc": 56,
		"ArbitrumOne": 42161, "Base": 8453, "Optimism": 10, "AvalancheC": 43114, "EthereumClassicMordor": 63,
	} {
		if got, _ := ChainID(n); got != want {
			t.Errorf("ChainID(%s) = %d, want %d", n, got, want)
		}
	}
	for _, n := range []string{"Bitcoin", "Solana", "KeyECDSA", "Tsc", "Near", ""} {
		if _, ok := ChainID(n); ok {
			t.Errorf("%q should not be an EVM network", n)
		}
	}
}

func TestAddress(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	for _, tc := range []struct{ key, want string }{
		{web3Key, web3Address}, // web3.js docs, privateKeyToAccount
		{"0000000000000000000000000000000000000000000000000000000000000001", "0x7E5F4552091A69125d5DfCb7b8C2659029395Bdf"},
		{web3Key, v.AddrWeb3},
	} {
		k := mustKey(t, tc.key)
		key := chainKey(k)
		for _, pub := range [][]byte{key.PublicKey, crypto.FromECDSAPub(&k.PublicKey)} {
			key.PublicKey = pub
			got, err := New().Address("Ethereum", key)
			if err != nil {
				t.Fatal(err)
			}
			if got != tc.want {
				t.Errorf("Address(%x…) = %s, want %s", pub[:4], got, tc.want)
			}
		}
	}
	if got := hex0x(chainKey(mustKey(t, web3Key)).PublicKey); got != v.PubCompressed {
		t.Errorf("compressed public key %s, ethers says %s", got, v.PubCompressed)
	}
}

func TestKeyFits(t *testing.T) {
	t.Parallel()
	good := chainKey(mustKey(t, web3Key))
	a := New()
	if err := a.KeyFits("Polygon", good); err != nil {
		t.Fatal(err)
	}
	bad := []struct {
		name    string
		network string
		key     chain.Key
	}{
		{"eddsa", "Ethereum", chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: make([]byte, 32)}},
		{"schnorr", "Ethereum", chain.Key{Scheme: chain.SchemeSchnorr, Curve: chain.CurveSecp256k1, PublicKey: good.PublicKey}},
		{"short key", "Ethereum", chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: good.PublicKey[:20]}},
		{"not on curve", "Ethereum", chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: append([]byte{0x02}, make([]byte, 32)...)}},
		{"bitcoin", "Bitcoin", good},
	}
	for _, tc := range bad {
		t.Run(tc.name, func(t *testing.T) {
			want400(t, a.KeyFits(tc.network, tc.key))
			_, err := a.Address(tc.network, tc.key)
			want400(t, err)
		})
	}
}

func TestSignHash(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	digest := mustHex(t, v.Hash)
	for _, h := range []string{v.Hash, v.Hash[2:]} { // the Dfns docs sample has no 0x
		res := mustSign(t, "EthereumSepolia", "Hash", fmt.Sprintf(`{"kind":"Hash","hash":%q}`, h))
		checkSignature(t, res, digest, common.HexToAddress(web3Address))
		if res.Signature.Encoded != v.HashSig {
			t.Errorf("encoded %s, ethers SigningKey.sign gives %s", res.Signature.Encoded, v.HashSig)
		}
		if res.SignedData != "" {
			t.Errorf("Hash must not set signedData")
		}
	}
}

func TestSignMessage(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	for _, tc := range []struct{ msg, want string }{
		{v.Msg1, v.Msg1Sig}, // the Dfns docs sample message "I love Dfns"
		{v.Msg2, v.Msg2Sig},
		{"0x", v.MsgEmptySig},
	} {
		for _, kind := range []string{"Message", "Eip191"} {
			res := mustSign(t, "Base", kind, fmt.Sprintf(`{"kind":%q,"message":%q}`, kind, tc.msg))
			checkSignature(t, res, accounts.TextHash(mustHex(t, tc.msg)), common.HexToAddress(web3Address))
			if res.Signature.Encoded != tc.want {
				t.Errorf("%s %s: encoded %s, ethers signMessage gives %s", kind, tc.msg, res.Signature.Encoded, tc.want)
			}
		}
	}
}

func TestSignAuthorization(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	body := fmt.Sprintf(`{"kind":"Eip7702","address":%q,"nonce":%s,"chainId":%s}`, v.Auth.Address, v.Auth.Nonce, v.Auth.ChainID)
	res := mustSign(t, "EthereumSepolia", "Eip7702", body)
	sig := res.Signature
	if sig.R != v.Auth.R || sig.S != v.Auth.S || *sig.Recid != v.Auth.YParity || sig.Encoded != v.Auth.Serialized {
		t.Fatalf("got %+v recid %d, ethers Wallet.authorize gives %+v", sig, *sig.Recid, v.Auth)
	}
	// go-ethereum recovers the authority from the signed tuple.
	auth := types.SetCodeAuthorization{
		ChainID: *uint256.NewInt(11155111),
		Address: common.HexToAddress(v.Auth.Address),
		Nonce:   12,
		V:       uint8(*sig.Recid),
		R:       *new(uint256.Int).SetBytes(mustHex(t, sig.R)),
		S:       *new(uint256.Int).SetBytes(mustHex(t, sig.S)),
	}
	who, err := auth.Authority()
	if err != nil || who != common.HexToAddress(web3Address) {
		t.Fatalf("authority %s, %v", who, err)
	}
}

// badSigner returns a fixed error or signs with another key.
type badSigner struct {
	testSigner
	err error
}

func (s badSigner) SignECDSA(ctx context.Context, digest []byte) ([]byte, byte, error) {
	if s.err != nil {
		return nil, 0, s.err
	}
	return s.testSigner.SignECDSA(ctx, digest)
}

func TestSignerFaults(t *testing.T) {
	t.Parallel()
	v := mustVectors(t)
	k := mustKey(t, web3Key)
	req := chain.Request{Kind: "Hash", Body: json.RawMessage(fmt.Sprintf(`{"hash":%q}`, v.Hash))}

	// A high-S signature is normalised to the low-S one ethers produces.
	res, err := New().Sign(context.Background(), "Ethereum", chainKey(k), testSigner{key: k, highS: true}, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Signature.Encoded != v.HashSig {
		t.Fatalf("high S not normalised: %s", res.Signature.Encoded)
	}

	// A signer holding another key must not yield a signature.
	other := badSigner{testSigner: testSigner{key: mustKey(t, "0000000000000000000000000000000000000000000000000000000000000001")}}
	_, err = New().Sign(context.Background(), "Ethereum", chainKey(k), other, req)
	var e *apierr.Error
	if !errors.As(err, &e) || e.Status != 500 {
		t.Fatalf("wrong-key signer: got %v, want a 500", err)
	}

	// Custody errors pass through unchanged.
	boom := errors.New("hsm unavailable")
	_, err = New().Sign(context.Background(), "Ethereum", chainKey(k), badSigner{err: boom}, req)
	if !errors.Is(err, boom) {
		t.Fatalf("got %v, want the signer's error", err)
	}
}
