package btc

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/schnorr"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// Adapter implements chain.Adapter for the Bitcoin family. It is stateless
// and safe for concurrent use.
type Adapter struct{}

var _ chain.Adapter = (*Adapter)(nil)

// New returns the Bitcoin-family adapter.
func New() *Adapter { return &Adapter{} }

// Networks lists the wire network names this adapter serves.
func (a *Adapter) Networks() []string {
	return append([]string(nil), networks...)
}

// KeyFits reports whether key can back a wallet on network: ECDSA or Schnorr
// over secp256k1, with a valid compressed public key.
func (a *Adapter) KeyFits(network string, key chain.Key) error {
	if _, err := params(network); err != nil {
		return err
	}
	_, err := newWallet(key)
	return err
}

// Address derives the wallet address for key on network: P2WPKH (bech32) for
// ECDSA keys, BIP-86 P2TR (bech32m) for Schnorr keys.
func (a *Adapter) Address(network string, key chain.Key) (string, error) {
	p, err := params(network)
	if err != nil {
		return "", err
	}
	w, err := newWallet(key)
	if err != nil {
		return "", err
	}
	return w.address(p)
}

// Sign validates req and signs it with s for the wallet of key on network.
// Kinds: Psbt, Bip322 and Hash; anything else is a 400.
func (a *Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if _, err := params(network); err != nil {
		return nil, err
	}
	w, err := newWallet(key)
	if err != nil {
		return nil, err
	}
	switch req.Kind {
	case "Psbt":
		return w.signPsbt(ctx, s, req.Body)
	case "Bip322":
		return w.signBip322(ctx, s, req.Body)
	case "Hash":
		return w.signHash(ctx, s, req.Body)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use Psbt, Bip322 or Hash", req.Kind, network)
	}
}

// params returns the address parameters of network, or a 400.
func params(network string) (*chaincfg.Params, error) {
	p, ok := networkParams[network]
	if !ok {
		return nil, apierr.BadRequest("network %q is not a Bitcoin-family network", network)
	}
	return p, nil
}

// wallet is one key seen as a Bitcoin-family wallet: its internal key, the
// script its coins are locked with and, for Taproot, the BIP-86 tweak.
type wallet struct {
	taproot  bool
	pub      *btcec.PublicKey // ECDSA key, or Taproot internal key
	pkScript []byte           // P2WPKH or P2TR output script
	// Taproot only.
	outputKey *btcec.PublicKey // Q = P + tG
	tweak     []byte           // t = H_TapTweak(P.x), 32 bytes
}

// newWallet checks key's scheme and curve and derives its script.
func newWallet(key chain.Key) (*wallet, error) {
	if key.Curve != chain.CurveSecp256k1 {
		return nil, apierr.BadRequest("Bitcoin-family wallets need a secp256k1 key, not %s", key.Curve)
	}
	if key.Scheme != chain.SchemeECDSA && key.Scheme != chain.SchemeSchnorr {
		return nil, apierr.BadRequest("Bitcoin-family wallets need an ECDSA or Schnorr key, not %s", key.Scheme)
	}
	if len(key.PublicKey) != btcec.PubKeyBytesLenCompressed {
		return nil, apierr.BadRequest("public key must be a 33-byte compressed secp256k1 point")
	}
	pub, err := btcec.ParsePubKey(key.PublicKey)
	if err != nil {
		return nil, apierr.BadRequest("public key is not a valid secp256k1 point").Wrap(err)
	}
	w := &wallet{pub: pub, taproot: key.Scheme == chain.SchemeSchnorr}
	if !w.taproot {
		w.pkScript = p2wpkhScript(pub)
		return w, nil
	}
	w.tweak = tapTweak(pub, nil)
	w.outputKey = txscript.ComputeTaprootKeyNoScript(pub)
	w.pkScript, err = txscript.PayToTaprootScript(w.outputKey)
	if err != nil {
		return nil, fmt.Errorf("taproot script: %w", err)
	}
	return w, nil
}

// address encodes the wallet's script as an address of p.
func (w *wallet) address(p *chaincfg.Params) (string, error) {
	var (
		addr btcutil.Address
		err  error
	)
	if w.taproot {
		addr, err = btcutil.NewAddressTaproot(schnorr.SerializePubKey(w.outputKey), p)
	} else {
		addr, err = btcutil.NewAddressWitnessPubKeyHash(btcutil.Hash160(w.pub.SerializeCompressed()), p)
	}
	if err != nil {
		return "", fmt.Errorf("encode address: %w", err)
	}
	return addr.EncodeAddress(), nil
}

// p2wpkhScript returns OP_0 <hash160(pub)>.
func p2wpkhScript(pub *btcec.PublicKey) []byte {
	h := btcutil.Hash160(pub.SerializeCompressed())
	return append([]byte{txscript.OP_0, txscript.OP_DATA_20}, h...)
}

// tapTweak returns t = H_TapTweak(P.x ‖ root) (BIP-341); root is nil for the
// BIP-86 key-path-only output.
func tapTweak(pub *btcec.PublicKey, root []byte) []byte {
	h := chainhash.TaggedHash(chainhash.TagTapTweak, schnorr.SerializePubKey(pub), root)
	return h[:]
}

// decodeBody unmarshals a request body into v, or returns a 400.
func decodeBody(body json.RawMessage, v any) error {
	if len(body) == 0 {
		return apierr.BadRequest("request body is required")
	}
	if err := json.Unmarshal(body, v); err != nil {
		return apierr.BadRequest("invalid request body: %s", jsonProblem(err))
	}
	return nil
}

// jsonProblem describes a JSON decoding error without echoing the input.
func jsonProblem(err error) string {
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) && typeErr.Field != "" {
		return fmt.Sprintf("field %s must be a %s", typeErr.Field, typeErr.Type)
	}
	return "malformed JSON"
}

// decodeHex decodes a hex string with an optional 0x prefix, or returns a 400
// naming field.
func decodeHex(field, s string) ([]byte, error) {
	s = strings.TrimPrefix(strings.TrimPrefix(s, "0x"), "0X")
	b, err := hex.DecodeString(s)
	if err != nil {
		return nil, apierr.BadRequest("%s must be hex encoded", field)
	}
	return b, nil
}

// hex0x encodes b as 0x-prefixed lower-case hex.
func hex0x(b []byte) string { return "0x" + hex.EncodeToString(b) }
