package evm

import (
	"context"
	"crypto/ecdsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"math/big"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/crypto"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// web3Key is the private key of the web3.js accounts docs example
// (privateKeyToAccount), whose address is web3Address. Public test key.
const (
	web3Key     = "4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318"
	web3Address = "0x2c7536E3605D9C16a7a3D7b1898e529396a65c23"
)

// testSigner is a chain.Signer over an in-memory secp256k1 key, signing
// with go-ethereum's crypto.Sign (RFC 6979, low S).
type testSigner struct {
	key *ecdsa.PrivateKey
	// highS makes it return the high-S twin of each signature.
	highS bool
}

func (s testSigner) SignECDSA(_ context.Context, digest []byte) ([]byte, byte, error) {
	sig, err := crypto.Sign(digest, s.key)
	if err != nil {
		return nil, 0, err
	}
	if s.highS {
		n := crypto.S256().Params().N
		sv := new(big.Int).Sub(n, new(big.Int).SetBytes(sig[32:64]))
		sv.FillBytes(sig[32:64])
		sig[64] ^= 1
	}
	return sig[:64], sig[64], nil
}

func (testSigner) SignEdDSA(context.Context, []byte) ([]byte, error) {
	return nil, errors.New("not an EdDSA key")
}

func (testSigner) SignSchnorr(context.Context, []byte, []byte) ([]byte, error) {
	return nil, errors.New("not a Schnorr key")
}

// mustKey parses a hex private key.
func mustKey(t testing.TB, h string) *ecdsa.PrivateKey {
	t.Helper()
	k, err := crypto.HexToECDSA(h)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// chainKey is the chain.Key (compressed public key) of k.
func chainKey(k *ecdsa.PrivateKey) chain.Key {
	return chain.Key{Scheme: chain.SchemeECDSA, Curve: chain.CurveSecp256k1, PublicKey: crypto.CompressPubkey(&k.PublicKey)}
}

// vectors are produced by ethers 6.17.0 with testdata/gen_vectors.js.
type vectors struct {
	AddrWeb3       string `json:"addrWeb3"`
	AddrOne        string `json:"addrOne"`
	PubCompressed  string `json:"pubCompressed"`
	Hash           string `json:"hash"`
	HashSig        string `json:"hashSig"`
	Msg1           string `json:"msg1"`
	Msg1Sig        string `json:"msg1Sig"`
	Msg2           string `json:"msg2"`
	Msg2Sig        string `json:"msg2Sig"`
	MsgEmptySig    string `json:"msgEmptySig"`
	MailDigest     string `json:"mailDigest"`
	MailSig        string `json:"mailSig"`
	DfnsMailDigest string `json:"dfnsMailDigest"`
	DfnsMailSig    string `json:"dfnsMailSig"`
	PermitDigest   string `json:"permitDigest"`
	PermitSig      string `json:"permitSig"`
	Txs            map[string]struct {
		Unsigned string `json:"unsigned"`
		Signed   string `json:"signed"`
		Hash     string `json:"hash"`
	} `json:"txs"`
	Auth struct {
		Address    string `json:"address"`
		Nonce      string `json:"nonce"`
		ChainID    string `json:"chainId"`
		R          string `json:"r"`
		S          string `json:"s"`
		YParity    int    `json:"yParity"`
		Serialized string `json:"serialized"`
	} `json:"auth"`
}

var loadVectors = sync.OnceValues(func() (*vectors, error) {
	b, err := os.ReadFile("testdata/ethers_vectors.json")
	if err != nil {
		return nil, err
	}
	var v vectors
	return &v, json.Unmarshal(b, &v)
})

func mustVectors(t testing.TB) *vectors {
	t.Helper()
	v, err := loadVectors()
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sign runs the adapter with the web3 key on network.
func sign(t testing.TB, network, kind, body string) (*chain.Result, error) {
	t.Helper()
	k := mustKey(t, web3Key)
	return New().Sign(context.Background(), network, chainKey(k), testSigner{key: k}, chain.Request{Kind: kind, Body: json.RawMessage(body)})
}

// mustSign is sign that fails the test on error.
func mustSign(t testing.TB, network, kind, body string) *chain.Result {
	t.Helper()
	res, err := sign(t, network, kind, body)
	if err != nil {
		t.Fatalf("%s on %s: %v", kind, network, err)
	}
	return res
}

// mustHex decodes 0x hex.
func mustHex(t testing.TB, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// checkSignature checks the wire shape of res.Signature and that it
// recovers (go-ethereum crypto.SigToPub) to want over digest.
func checkSignature(t *testing.T, res *chain.Result, digest []byte, want common.Address) {
	t.Helper()
	sig := res.Signature
	if sig == nil || sig.Recid == nil {
		t.Fatalf("missing signature or recid: %+v", res)
	}
	r, s, enc := mustHex(t, sig.R), mustHex(t, sig.S), mustHex(t, sig.Encoded)
	if len(r) != 32 || len(s) != 32 || len(enc) != 65 || !strings.HasPrefix(sig.R, "0x") || !strings.HasPrefix(sig.Encoded, "0x") {
		t.Fatalf("bad lengths/prefix: %+v", sig)
	}
	if *sig.Recid != 0 && *sig.Recid != 1 {
		t.Fatalf("recid %d", *sig.Recid)
	}
	if enc[64] != byte(27+*sig.Recid) || string(enc[:32]) != string(r) || string(enc[32:64]) != string(s) {
		t.Fatalf("encoded %s is not r||s||27+recid", sig.Encoded)
	}
	rsv := append(append(append([]byte{}, r...), s...), byte(*sig.Recid))
	pub, err := crypto.SigToPub(digest, rsv)
	if err != nil {
		t.Fatal(err)
	}
	if got := crypto.PubkeyToAddress(*pub); got != want {
		t.Fatalf("signature recovers to %s, want %s", got, want)
	}
	if !crypto.ValidateSignatureValues(byte(*sig.Recid), new(big.Int).SetBytes(r), new(big.Int).SetBytes(s), true) {
		t.Fatal("signature is not canonical (low S)")
	}
}

// want400 asserts err is an *apierr.Error with status 400 and a message.
func want400(t *testing.T, err error) {
	t.Helper()
	var e *apierr.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v (%T), want *apierr.Error", err, err)
	}
	if e.Status != 400 || e.Message == "" {
		t.Fatalf("got status %d message %q, want 400 with a message", e.Status, e.Message)
	}
}
