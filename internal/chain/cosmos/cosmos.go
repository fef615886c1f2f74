// Package cosmos is the chain adapter for the Cosmos SDK networks
// CosmosHub4, CosmosIcsTestnet, BabylonGenesis and BabylonTestnet5: bech32
// addresses of secp256k1 keys and SignDocDirect signing
// (docs/protocol/networks-cosmos.md). SignDirect is also used by the EVM
// adapter for the Sei networks, which Dfns' Cosmos library signs this way.
package cosmos

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"

	"github.com/btcsuite/btcd/btcec/v2"
	"github.com/btcsuite/btcd/btcec/v2/ecdsa"
	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/bech32"
	"google.golang.org/protobuf/encoding/protowire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
)

// prefixes maps each served network to its bech32 account prefix
// (cosmos/chain-registry: cosmoshub and its ICS testnet "cosmos", babylon
// and its testnet "bbn").
var prefixes = map[string]string{
	"CosmosHub4":       "cosmos",
	"CosmosIcsTestnet": "cosmos",
	"BabylonGenesis":   "bbn",
	"BabylonTestnet5":  "bbn",
}

// maxSignDocBytes bounds the sign doc a request may carry.
const maxSignDocBytes = 512 << 10

// Adapter implements chain.Adapter for the Cosmos networks. It is stateless.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks lists the served network names.
func (Adapter) Networks() []string {
	return []string{"BabylonGenesis", "BabylonTestnet5", "CosmosHub4", "CosmosIcsTestnet"}
}

// KeyFits reports, as a 400, why key cannot back a wallet on network.
func (Adapter) KeyFits(network string, key chain.Key) error {
	if _, ok := prefixes[network]; !ok {
		return apierr.BadRequest("network %q is not a Cosmos network", chain.Clip(network))
	}
	_, err := PublicKey(network, key)
	return err
}

// Address returns bech32(prefix, RIPEMD-160(SHA-256(compressed key))).
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	conv, err := bech32.ConvertBits(btcutil.Hash160(key.PublicKey), 8, 5, true)
	if err != nil {
		return "", fmt.Errorf("bech32 bits: %w", err)
	}
	return bech32.Encode(prefixes[network], conv)
}

// Sign signs a SignDocDirect or Hash request.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	pub, _ := PublicKey(network, key)
	switch req.Kind {
	case "SignDocDirect":
		return SignDirect(ctx, pub, s, req.Body)
	case "Hash":
		return signHash(ctx, pub, s, req.Body)
	case "":
		return nil, apierr.BadRequest("kind is required")
	default:
		return nil, apierr.BadRequest("signature kind %q is not supported on %s: use SignDocDirect or Hash", chain.Clip(req.Kind), network)
	}
}

// PublicKey checks that key is ECDSA on secp256k1 and parses it.
func PublicKey(network string, key chain.Key) (*btcec.PublicKey, error) {
	if key.Scheme != chain.SchemeECDSA || key.Curve != chain.CurveSecp256k1 {
		return nil, apierr.BadRequest("network %s needs an ECDSA key on secp256k1, not %s/%s", network, chain.Clip(key.Scheme), chain.Clip(key.Curve))
	}
	if len(key.PublicKey) != 33 {
		return nil, apierr.BadRequest("public key must be a 33-byte compressed secp256k1 point")
	}
	pub, err := btcec.ParsePubKey(key.PublicKey)
	if err != nil {
		return nil, apierr.BadRequest("public key is not a valid secp256k1 point").Wrap(err)
	}
	return pub, nil
}

// sign asks s for a low-S ECDSA signature of digest, checked against pub;
// encoded is r ‖ s (64 bytes), the Cosmos SDK secp256k1 signature.
func sign(ctx context.Context, pub *btcec.PublicKey, s chain.Signer, digest []byte) (*chain.Signature, []byte, error) {
	raw, recid, err := s.SignECDSA(ctx, digest)
	if err != nil {
		return nil, nil, fmt.Errorf("ecdsa signer: %w", err)
	}
	if len(raw) != 64 {
		return nil, nil, fmt.Errorf("ecdsa signer returned %d bytes", len(raw))
	}
	var r, sc btcec.ModNScalar
	if r.SetByteSlice(raw[:32]) || sc.SetByteSlice(raw[32:]) {
		return nil, nil, fmt.Errorf("ecdsa signer returned r or s out of range")
	}
	if sc.IsOverHalfOrder() {
		// The Cosmos SDK accepts low-S signatures only.
		sc.Negate()
		recid ^= 1
	}
	if !ecdsa.NewSignature(&r, &sc).Verify(digest, pub) {
		return nil, nil, fmt.Errorf("ecdsa signer returned a signature that does not verify")
	}
	rb, sb := r.Bytes(), sc.Bytes()
	rs := append(append([]byte(nil), rb[:]...), sb[:]...)
	id := int(recid)
	return &chain.Signature{R: chain.Hex0x(rb[:]), S: chain.Hex0x(sb[:]), Recid: &id, Encoded: chain.Hex0x(rs)}, rs, nil
}

// SignDirect signs a SignDocDirect request: SHA-256 of the SignDoc bytes.
// signedData is the TxRaw {body_bytes, auth_info_bytes, signatures: [sig]}
// ready to broadcast.
func SignDirect(ctx context.Context, pub *btcec.PublicKey, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	var in struct {
		SignDoc *string `json:"signDoc"`
	}
	if err := chain.DecodeBody(body, &in); err != nil {
		return nil, err
	}
	if in.SignDoc == nil || *in.SignDoc == "" {
		return nil, apierr.BadRequest("signDoc is required (hex of the protobuf SignDoc)")
	}
	if len(*in.SignDoc) > 2*maxSignDocBytes+2 {
		return nil, apierr.BadRequest("signDoc is larger than %d bytes", maxSignDocBytes)
	}
	doc, err := chain.DecodeHex("signDoc", *in.SignDoc)
	if err != nil {
		return nil, err
	}
	bodyBytes, authInfo, err := parseSignDoc(doc)
	if err != nil {
		return nil, err
	}
	d := sha256.Sum256(doc)
	sig, rs, err := sign(ctx, pub, s, d[:])
	if err != nil {
		return nil, err
	}
	var tx []byte
	tx = protowire.AppendTag(tx, 1, protowire.BytesType)
	tx = protowire.AppendBytes(tx, bodyBytes)
	tx = protowire.AppendTag(tx, 2, protowire.BytesType)
	tx = protowire.AppendBytes(tx, authInfo)
	tx = protowire.AppendTag(tx, 3, protowire.BytesType)
	tx = protowire.AppendBytes(tx, rs)
	return &chain.Result{Signature: sig, SignedData: chain.Hex0x(tx)}, nil
}

// parseSignDoc reads cosmos.tx.v1beta1.SignDoc: body_bytes = 1,
// auth_info_bytes = 2, chain_id = 3, account_number = 4.
func parseSignDoc(b []byte) (body, authInfo []byte, err error) {
	bad := func(why string) error {
		return apierr.BadRequest("signDoc is not a protobuf SignDoc: %s", why)
	}
	var chainID bool
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return nil, nil, bad("malformed field key")
		}
		b = b[n:]
		if typ == protowire.BytesType && num >= 1 && num <= 3 {
			v, m := protowire.ConsumeBytes(b)
			if m < 0 {
				return nil, nil, bad("truncated field")
			}
			switch num {
			case 1:
				body = v
			case 2:
				authInfo = v
			case 3:
				chainID = len(v) > 0
			}
			b = b[m:]
			continue
		}
		m := protowire.ConsumeFieldValue(num, typ, b)
		if m < 0 {
			return nil, nil, bad("malformed field")
		}
		b = b[m:]
	}
	if body == nil || authInfo == nil || !chainID {
		return nil, nil, bad("body_bytes, auth_info_bytes and chain_id are required")
	}
	return body, authInfo, nil
}

func signHash(ctx context.Context, pub *btcec.PublicKey, s chain.Signer, body json.RawMessage) (*chain.Result, error) {
	h, err := chain.DecodeHash(body)
	if err != nil {
		return nil, err
	}
	sig, _, err := sign(ctx, pub, s, h)
	if err != nil {
		return nil, err
	}
	return &chain.Result{Signature: sig}, nil
}
