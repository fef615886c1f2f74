// Package ton is the chain adapter for TON and ION (a TON fork with the
// same wallets): Ton, TonTestnet, Ion and IonTestnet. The wallet is the
// standard wallet contract v4R2 for the key; requests sign external
// messages to it, or any cell (docs/protocol/networks-ton.md).
package ton

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/chainkit"
)

// Network names (docs/protocol/keys-wallets.md §5).
const (
	NetworkTon        = "Ton"
	NetworkTonTestnet = "TonTestnet"
	NetworkIon        = "Ion"
	NetworkIonTestnet = "IonTestnet"
)

// Signature kinds.
const (
	KindTransaction = "Transaction"
	KindMessage     = "Message"
)

// The wallet v4R2 code cell (its representation hash and depth) and the
// default wallet id of workchain 0.
var v4r2CodeHash, _ = hex.DecodeString("feb5ff6820e2ff0d9483e7e0d62c817d846789fb4ae580c878866d959dabd5c0")

const (
	v4r2CodeDepth = 7
	walletID      = 698983191
)

var family = chainkit.Family{Name: "TON or ION", Networks: []string{NetworkTon, NetworkTonTestnet, NetworkIon, NetworkIonTestnet}, Ed25519: true}

// Adapter serves Ton, TonTestnet, Ion and IonTestnet.
type Adapter struct{}

var _ chain.Adapter = Adapter{}

// Networks returns the TON and ION networks.
func (Adapter) Networks() []string { return family.Networks }

// KeyFits: TON wallets are ed25519 keys.
func (Adapter) KeyFits(network string, key chain.Key) error { return family.KeyFits(network, key) }

func testnet(network string) bool {
	return network == NetworkTonTestnet || network == NetworkIonTestnet
}

// accountID is the hash of the StateInit of the v4R2 wallet for pub in
// workchain 0: code, and data = seqno 0, wallet id, key, no plugins.
func accountID(pub []byte) [32]byte {
	var d builder
	d.uint(0, 32)
	d.uint(walletID, 32)
	d.bytes(pub)
	d.bit(false)
	data, _ := d.done()
	code := &cell{hashed: true, depth: v4r2CodeDepth}
	copy(code.hash[:], v4r2CodeHash)
	var si builder
	si.uint(0b00110, 5) // no split depth, not special, code, data, no library
	init, _ := si.done(code, data)
	h, _ := init.repr()
	return h
}

// Address returns the user-friendly address of the wallet: base64url of
// flags (non-bounceable 0x51, with the test-only bit 0x80 on testnets),
// workchain 0, the account id and a CRC16-XModem.
func (a Adapter) Address(network string, key chain.Key) (string, error) {
	if err := a.KeyFits(network, key); err != nil {
		return "", err
	}
	id := accountID(key.PublicKey)
	flags := byte(0x51)
	if testnet(network) {
		flags |= 0x80
	}
	b := append([]byte{flags, 0}, id[:]...)
	b = binary.BigEndian.AppendUint16(b, crc16(b))
	return base64.RawURLEncoding.EncodeToString(b), nil
}

func crc16(b []byte) uint16 {
	var crc uint16
	for _, x := range b {
		crc ^= uint16(x) << 8
		for range 8 {
			if crc&0x8000 != 0 {
				crc = crc<<1 ^ 0x1021
			} else {
				crc <<= 1
			}
		}
	}
	return crc
}

// Sign signs a Transaction (hex BoC of an unsigned external-in message to
// the wallet) or a Message (hex BoC of one cell).
func (a Adapter) Sign(ctx context.Context, network string, key chain.Key, s chain.Signer, req chain.Request) (*chain.Result, error) {
	if err := a.KeyFits(network, key); err != nil {
		return nil, err
	}
	field := map[string]string{KindTransaction: "transaction", KindMessage: "message"}[req.Kind]
	if field == "" {
		return nil, chainkit.UnsupportedKind(req.Kind, network, "Transaction or Message")
	}
	boc, err := chainkit.HexField(req.Body, field)
	if err != nil {
		return nil, err
	}
	root, err := parseBoC(boc)
	if err != nil {
		return nil, apierr.BadRequest("%s is not a bag of cells with one root of ordinary cells", field)
	}
	if req.Kind == KindMessage {
		signed, sig, err := signCell(ctx, s, root)
		if err != nil {
			return nil, err
		}
		return chainkit.Result(sig, nil, sig, serializeBoC(signed)), nil
	}
	m, err := parseExternal(root)
	if err != nil {
		return nil, err
	}
	if id := accountID(key.PublicKey); m.workchain != 0 || !bytes.Equal(m.dest, id[:]) {
		return nil, apierr.BadRequest("transaction is not addressed to the wallet")
	}
	body, sig, err := signCell(ctx, s, m.body)
	if err != nil {
		return nil, err
	}
	out, ok := m.rebuild(body)
	if !ok {
		return nil, apierr.BadRequest("transaction: the signed message does not fit in its cell")
	}
	return chainkit.Result(sig, nil, sig, serializeBoC(out)), nil
}

// signCell signs the representation hash of c and returns the cell with
// the 512-bit signature in front of its bits.
func signCell(ctx context.Context, s chain.Signer, c *cell) (*cell, []byte, error) {
	h, _ := c.repr()
	sig, err := chainkit.SignEd25519(ctx, s, h[:])
	if err != nil {
		return nil, nil, err
	}
	var b builder
	b.bytes(sig)
	b.slice(c.bits, 0, c.nbits)
	out, ok := b.done(c.refs...)
	if !ok {
		return nil, nil, apierr.BadRequest("the cell to sign has no room for a 512-bit signature")
	}
	return out, sig, nil
}
