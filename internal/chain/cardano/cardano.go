// Package cardano is the chain adapter for Cardano and CardanoPreprod:
// Shelley enterprise addresses (payment key only, as Dfns derives them),
// signing of transactions (a vkey witness added to the witness set) and
// CIP-8 message signing (docs/protocol/networks-cardano.md).
package cardano

import (
	"bytes"
	"context"
	"slices"

	"github.com/btcsuite/btcd/btcutil/bech32"
	"golang.org/x/crypto/blake2b"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// Network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkCardano        = "Cardano"
	NetworkCardanoPreprod = "CardanoPreprod"
)

// Signature kinds.
const (
	KindTransaction = "Transaction"
	KindCip8        = "Cip8"
)

var family = chainkit.Family{Name: "Cardano", Networks: []string{NetworkCardano, NetworkCardanoPreprod}, Ed25519: true}

// Adapter serves Cardano and CardanoPreprod.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns Cardano and CardanoPreprod.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: Cardano payment keys are ed25519 keys.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

// addressBytes is the enterprise address: header 0110 ‖ network id (1
// mainnet, 0 testnets), then BLAKE2b-224 of the key.
func addressBytes(network string, pub []byte) []byte {
	h, _ := blake2b.New(28, nil)
	h.Write(pub)
	header := byte(0x60)
	if network == NetworkCardano {
		header |= 1
	}
	return append([]byte{header}, h.Sum(nil)...)
}

// Address returns the bech32 enterprise address (addr1… / addr_test1…).
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	hrp := "addr_test"
	if network == NetworkCardano {
		hrp = "addr"
	}
	conv, err := bech32.ConvertBits(addressBytes(network, key.PublicKey), 8, 5, true)
	if err != nil {
		return "", err
	}
	return bech32.Encode(hrp, conv)
}

// Sign signs a Transaction (hex CBOR transaction) or a Cip8 message.
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	switch req.Kind {
	case KindTransaction:
		tx, err := chainkit.HexField(req.Body, "transaction")
		if err != nil {
			return nil, err
		}
		return signTx(ctx, key, s, tx)
	case KindCip8:
		return signCip8(ctx, network, key, s, req)
	}
	return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction or Cip8")
}

// signTx signs BLAKE2b-256 of the transaction body as it is encoded and
// adds [vkey, signature] to the vkey witnesses (witness set key 0).
func signTx(ctx context.Context, key chain.Key, s chain.Signer, tx []byte) (*chain.Result, error) {
	major, n, off, ok := head(tx, 0)
	if !ok || major != 4 || (n != 3 && n != 4) {
		return nil, errCBOR
	}
	bodyEnd, ok := skip(tx, off, 0)
	if !ok || tx[off]>>5 != 5 {
		return nil, apierr.BadRequest("transaction: the body is not a CBOR map")
	}
	wsEnd, ok := skip(tx, bodyEnd, 0)
	if !ok {
		return nil, errCBOR
	}
	end := wsEnd
	for range n - 2 {
		if end, ok = skip(tx, end, 0); !ok {
			return nil, errCBOR
		}
	}
	if end != len(tx) {
		return nil, apierr.BadRequest("transaction has %d trailing bytes", len(tx)-end)
	}
	hash := blake2b.Sum256(tx[off:bodyEnd])
	sig, err := chainkit.SignEd25519(ctx, s, hash[:])
	if err != nil {
		return nil, err
	}
	witness := appendBytes(appendBytes([]byte{0x82}, key.PublicKey), sig)
	ws, err := addWitness(tx[bodyEnd:wsEnd], witness)
	if err != nil {
		return nil, err
	}
	signed := slices.Concat(tx[:bodyEnd], ws, tx[wsEnd:])
	return chainkit.Result(sig, nil, sig, signed), nil
}

// addWitness returns the witness set map with witness appended to its
// vkey witnesses (key 0), which it creates when absent; a set tagged 258
// keeps its tag.
func addWitness(ws, witness []byte) ([]byte, error) {
	major, n, off, ok := head(ws, 0)
	if !ok || major != 5 {
		return nil, apierr.BadRequest("transaction: the witness set is not a CBOR map")
	}
	var out []byte
	found := false
	for range n {
		kMajor, k, vOff, ok := head(ws, off)
		if !ok {
			return nil, errCBOR
		}
		vEnd, ok := skip(ws, vOff, 0)
		if !ok {
			return nil, errCBOR
		}
		if kMajor != 0 || k != 0 {
			out = append(out, ws[off:vEnd]...)
			off = vEnd
			continue
		}
		found = true
		out = append(out, ws[off:vOff]...)
		v := ws[vOff:vEnd]
		if tMajor, tag, aOff, ok := head(v, 0); ok && tMajor == 6 && tag == 258 {
			out = append(out, v[:aOff]...)
			v = v[aOff:]
		}
		aMajor, count, items, ok := head(v, 0)
		if !ok || aMajor != 4 {
			return nil, apierr.BadRequest("transaction: the vkey witnesses are not a CBOR array")
		}
		if bytes.Contains(v[items:], witness[:35]) {
			return nil, apierr.BadRequest("transaction already holds the wallet's witness")
		}
		out = appendHead(out, 4, count+1)
		out = append(out, v[items:]...)
		out = append(out, witness...)
		off = vEnd
	}
	if found {
		return append(appendHead(nil, 5, n), out...), nil
	}
	res := appendHead(nil, 5, n+1)
	res = append(res, 0x00, 0x81)
	res = append(res, witness...)
	return append(res, out...), nil
}
