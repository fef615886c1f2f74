package utxo

import (
	"context"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/txscript"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// Wire network names served here (docs/protocol/keys-wallets.md §5).
const (
	NetworkBitcoinCash        = "BitcoinCash"
	NetworkBitcoinCashTestnet = "BitcoinCashTestnet"
	NetworkDogecoin           = "Dogecoin"
	NetworkDogecoinTestnet    = "DogecoinTestnet"
)

// params is what differs between the networks of this adapter.
type params struct {
	// cashPrefix is the CashAddr prefix of a Bitcoin Cash network; empty
	// for the base58check networks.
	cashPrefix string
	// p2pkhVersion and p2shVersion are the base58check version bytes of
	// P2PKH and P2SH addresses.
	p2pkhVersion, p2shVersion byte
	// forkID reports whether signatures use the Bitcoin Cash replay
	// protected digest (SIGHASH_FORKID, BIP-143 layout, fork id 0).
	forkID bool
}

var networkParams = map[string]params{
	// bitcoin-cash-node src/chainparams.cpp: cashaddrPrefix "bitcoincash"
	// (main) and "bchtest" (testnet3, testnet4, scalenet, chipnet).
	NetworkBitcoinCash:        {cashPrefix: "bitcoincash", forkID: true},
	NetworkBitcoinCashTestnet: {cashPrefix: "bchtest", forkID: true},
	// dogecoin src/chainparams.cpp: PUBKEY_ADDRESS 30 (D…) and
	// SCRIPT_ADDRESS 22 on main, 113 (n…) and 196 on testnet.
	NetworkDogecoin:        {p2pkhVersion: 30, p2shVersion: 22},
	NetworkDogecoinTestnet: {p2pkhVersion: 113, p2shVersion: 196},
}

// Adapter implements chain.Adapter for Bitcoin Cash and Dogecoin: P2PKH
// wallets of ECDSA secp256k1 keys. It is stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks lists the served wire network names.
func (Adapter) Networks() []string {
	return []string{NetworkBitcoinCash, NetworkBitcoinCashTestnet, NetworkDogecoin, NetworkDogecoinTestnet}
}

// KeyFits reports, as a 400, why key cannot back a wallet on network.
func (Adapter) KeyFits(network string, key chain.Key) error {
	if _, err := paramsOf(network); err != nil {
		return err
	}
	_, err := publicKey(network, key)
	return err
}

// Address derives the P2PKH address of key: CashAddr on Bitcoin Cash,
// base58check on Dogecoin.
func (Adapter) Address(network string, key chain.Key) (string, error) {
	p, err := paramsOf(network)
	if err != nil {
		return "", err
	}
	pub, err := publicKey(network, key)
	if err != nil {
		return "", err
	}
	h := btcutil.Hash160(pub.SerializeCompressed())
	if p.cashPrefix != "" {
		return cashAddrP2PKH(p.cashPrefix, h), nil
	}
	return base58.CheckEncode(h, p.p2pkhVersion), nil
}

// Sign signs a Psbt or Hash request; other kinds are a 400.
func (Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	p, err := paramsOf(network)
	if err != nil {
		return nil, err
	}
	pub, err := publicKey(network, key)
	if err != nil {
		return nil, err
	}
	w := &wallet{p: p, pub: pub, signer: s}
	if w.pkScript, err = w.script(); err != nil {
		return nil, err
	}
	switch req.Kind {
	case "Psbt":
		return w.signPsbt(ctx, req.Body)
	case "Hash":
		return w.signHash(ctx, req.Body)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use Psbt or Hash", chain.Clip(req.Kind), network)
	}
}

func paramsOf(network string) (params, error) {
	p, ok := networkParams[network]
	if !ok {
		return params{}, apierr.BadRequest("network %q is not a Bitcoin Cash or Dogecoin network", chain.Clip(network))
	}
	return p, nil
}

// publicKey checks that key is ECDSA on secp256k1 and parses it.
func publicKey(network string, key chain.Key) (*btcec.PublicKey, error) {
	if key.Scheme != chain.SchemeECDSA || key.Curve != chain.CurveSecp256k1 {
		return nil, apierr.BadRequest("network %s needs an ECDSA key on secp256k1, not %s/%s",
			network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
	}
	if len(key.PublicKey) != btcec.PubKeyBytesLenCompressed {
		return nil, apierr.BadRequest("public key must be a 33-byte compressed secp256k1 point")
	}
	pub, err := btcec.ParsePubKey(key.PublicKey)
	if err != nil {
		return nil, apierr.BadRequest("public key is not a valid secp256k1 point").Wrap(err)
	}
	return pub, nil
}

// wallet is one key seen as a P2PKH wallet of one network.
type wallet struct {
	p        params
	pub      *btcec.PublicKey
	pkScript []byte // OP_DUP OP_HASH160 <hash160(pub)> OP_EQUALVERIFY OP_CHECKSIG
	signer   chain.Signer
}

// script returns the wallet's P2PKH output script.
func (w *wallet) script() ([]byte, error) {
	s, err := txscript.NewScriptBuilder().AddOp(txscript.OP_DUP).AddOp(txscript.OP_HASH160).
		AddData(btcutil.Hash160(w.pub.SerializeCompressed())).AddOp(txscript.OP_EQUALVERIFY).AddOp(txscript.OP_CHECKSIG).Script()
	if err != nil {
		return nil, fmt.Errorf("p2pkh script: %w", err)
	}
	return s, nil
}

// sig is one ECDSA signature from the Signer, made low-S and checked.
type sig struct {
	r, s  btcec.ModNScalar
	recid byte
	der   []byte
}

// sign asks the Signer for an ECDSA signature of digest and verifies it.
func (w *wallet) sign(ctx context.Context, digest []byte) (*sig, error) {
	raw, recid, err := w.signer.SignECDSA(ctx, digest)
	if err != nil {
		return nil, fmt.Errorf("ecdsa signer: %w", err)
	}
	if len(raw) != 64 || recid > 3 {
		return nil, fmt.Errorf("ecdsa signer returned %d bytes, recid %d", len(raw), recid)
	}
	var e sig
	if e.r.SetByteSlice(raw[:32]) || e.s.SetByteSlice(raw[32:]) || e.r.IsZero() || e.s.IsZero() {
		return nil, fmt.Errorf("ecdsa signer returned r or s out of range")
	}
	e.recid = recid
	if e.s.IsOverHalfOrder() {
		// Both chains relay low-S signatures only (LOW_S standardness).
		e.s.Negate()
		e.recid ^= 1
	}
	es := ecdsa.NewSignature(&e.r, &e.s)
	if !es.Verify(digest, w.pub) {
		return nil, fmt.Errorf("ecdsa signer returned a signature that does not verify against the wallet key")
	}
	e.der = es.Serialize()
	return &e, nil
}

// wire returns {r, s, recid, encoded = DER without sighash byte}, as the
// Bitcoin adapter does.
func (e *sig) wire() chain.Signature {
	r, s := e.r.Bytes(), e.s.Bytes()
	recid := int(e.recid)
	return chain.Signature{R: chain.Hex0x(r[:]), S: chain.Hex0x(s[:]), Recid: &recid, Encoded: chain.Hex0x(e.der)}
}
