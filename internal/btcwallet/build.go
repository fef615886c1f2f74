package btcwallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/psbt"
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/chaincfg/chainhash"
	"github.com/btcsuite/btcd/txscript"
	"github.com/btcsuite/btcd/wire"

	"github.com/custos-dev/custos/internal/apierr"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
	"github.com/custos-dev/custos/internal/wallet"
)

// Sizes, in virtual bytes, of what a transaction Custos builds holds
// (BIP-141 weight / 4, rounded up): the fixed part (version, lock time,
// counts, segwit marker and flag) and one input of each wallet kind,
// with a 72-byte DER signature.
const (
	txOverheadVB = 11
	p2wpkhInVB   = 68 // 41 bytes plus a witness of 108 weight units
	p2trInVB     = 58 // 41 bytes plus a witness of 66 weight units
	// maxInputs bounds the inputs of one transfer (about 34,000 vB of
	// P2WPKH inputs, well under the 100,000 vB standard limit).
	maxInputs = 500
	// coinbaseMaturity is how many blocks deep a block reward must be
	// before it can be spent.
	coinbaseMaturity = 100
	// rbfSequence signals replaceability (BIP-125), so that a stuck
	// transfer can later be replaced by a higher fee.
	rbfSequence = wire.MaxTxInSequenceNum - 2
)

// maxAmount is the most coins a network can ever hold, in satoshis.
func maxAmount(network string) int64 {
	if strings.HasPrefix(network, "Litecoin") {
		return 4 * btcutil.MaxSatoshi
	}
	return btcutil.MaxSatoshi
}

// outputVB is the size of an output paying script.
func outputVB(script []byte) int64 {
	return int64(wire.NewTxOut(0, script).SerializeSize())
}

// inputVB is the size of an input spending the wallet's script.
func inputVB(taproot bool) int64 {
	if taproot {
		return p2trInVB
	}
	return p2wpkhInVB
}

// vsize is the size of a transaction with n wallet inputs and outputs
// paying scripts.
func vsize(n int, taproot bool, scripts ...[]byte) int64 {
	v := int64(txOverheadVB) + int64(n)*inputVB(taproot)
	for _, s := range scripts {
		v += outputVB(s)
	}
	return v
}

// dustLimit is the smallest value an output paying script may carry
// before nodes refuse to relay it (btcd mempool policy, Bitcoin Core's
// GetDustThreshold at 3 sat/vB): three times what spending it costs at
// 1 sat/vB.
func dustLimit(script []byte) int64 {
	size := outputVB(script) + 41
	if txscript.IsWitnessProgram(script) {
		size += 107 / 4
	} else {
		size += 107
	}
	return 3 * size
}

// parseSats reads an amount: a decimal string of whole satoshis (the
// network's smallest unit), positive and at most the network's supply.
func parseSats(network, field string, v *string) (int64, error) {
	if v == nil {
		return 0, apierr.BadRequest("%s is required", field)
	}
	s := *v
	if s == "" || len(s) > 20 || strings.TrimLeft(s, "0123456789") != "" {
		return 0, apierr.BadRequest("%s must be a decimal string of whole satoshis (e.g. \"100000\")", field)
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > maxAmount(network) {
		return 0, apierr.BadRequest("%s is more than the network's whole supply", field)
	}
	if n <= 0 {
		return 0, apierr.BadRequest("%s must be positive", field)
	}
	return n, nil
}

// parseRecipient decodes to as an address of network and returns its
// output script: a 400 naming field when it is not one (another network's
// address, another chain's, or no address).
func parseRecipient(network, field, to string) (string, []byte, error) {
	p, _ := btc.Params(network)
	if to == "" {
		return "", nil, apierr.BadRequest("%s is required", field)
	}
	addr, err := decodeAddress(to, p)
	if err != nil || !addr.IsForNet(p) {
		return "", nil, apierr.BadRequest("%s is not a %s address", field, network)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return "", nil, apierr.BadRequest("%s is not an address Custos can pay", field)
	}
	return addr.EncodeAddress(), script, nil
}

// walletScript is the output script of a wallet's address.
func walletScript(p *chaincfg.Params, address string) ([]byte, bool, error) {
	addr, err := decodeAddress(address, p)
	if err != nil {
		return nil, false, fmt.Errorf("wallet address %s: %w", address, err)
	}
	script, err := txscript.PayToAddrScript(addr)
	if err != nil {
		return nil, false, err
	}
	_, taproot := addr.(*btcutil.AddressTaproot)
	return script, taproot, nil
}

// selection is the inputs and outputs of a transfer.
type selection struct {
	inputs []*Output
	change int64 // 0: no change output
	fee    int64
}

// selectOutputs picks the wallet's outputs (largest first, as given) that
// pay amount to recipient plus the fee at rate, with change back to the
// wallet when it is worth an output. ok is false when they do not cover
// it; then fee is the fee the transfer would need with all of them.
func selectOutputs(cands []*Output, amount, rate int64, taproot bool, recipient, change []byte) (selection, bool) {
	var sel selection
	var sum int64
	for _, o := range cands {
		if len(sel.inputs) == maxInputs {
			break
		}
		sel.inputs = append(sel.inputs, o)
		sum += o.Value
		n := len(sel.inputs)
		noChange := rate * vsize(n, taproot, recipient)
		if sum < amount+noChange {
			continue
		}
		withChange := rate * vsize(n, taproot, recipient, change)
		if rest := sum - amount - withChange; rest >= dustLimit(change) {
			sel.change, sel.fee = rest, withChange
		} else {
			// The rest is too small for an output: it goes to the fee.
			sel.change, sel.fee = 0, sum-amount
		}
		return sel, true
	}
	sel.fee = rate * vsize(max(len(sel.inputs), 1), taproot, recipient)
	return sel, false
}

// buildPsbt is the unsigned transaction of a selection as a PSBT, with the
// witness UTXO of every input (which BIP-143 and BIP-341 signatures commit
// to).
func buildPsbt(sel selection, amount int64, recipient, change []byte) (*psbt.Packet, error) {
	ins := make([]*wire.OutPoint, 0, len(sel.inputs))
	seqs := make([]uint32, 0, len(sel.inputs))
	for _, o := range sel.inputs {
		h, err := chainhash.NewHashFromStr(o.TxHash)
		if err != nil {
			return nil, fmt.Errorf("output %s: %w", o.TxHash, err)
		}
		ins = append(ins, wire.NewOutPoint(h, o.Vout))
		seqs = append(seqs, rbfSequence)
	}
	outs := []*wire.TxOut{wire.NewTxOut(amount, recipient)}
	if sel.change > 0 {
		outs = append(outs, wire.NewTxOut(sel.change, change))
	}
	pkt, err := psbt.New(ins, outs, 2, 0, seqs)
	if err != nil {
		return nil, fmt.Errorf("new psbt: %w", err)
	}
	for i, o := range sel.inputs {
		script, err := hex.DecodeString(o.PkScript)
		if err != nil {
			return nil, fmt.Errorf("output %s:%d script: %w", o.TxHash, o.Vout, err)
		}
		pkt.Inputs[i].WitnessUtxo = wire.NewTxOut(o.Value, script)
	}
	return pkt, nil
}

// psbtHex serializes pkt as 0x hex.
func psbtHex(pkt *psbt.Packet) (string, error) {
	var buf bytes.Buffer
	if err := pkt.Serialize(&buf); err != nil {
		return "", fmt.Errorf("serialize psbt: %w", err)
	}
	return "0x" + hex.EncodeToString(buf.Bytes()), nil
}

// readPsbt parses a 0x hex PSBT that Custos stored.
func readPsbt(s string) (*psbt.Packet, error) {
	raw, err := hex.DecodeString(strings.TrimPrefix(s, "0x"))
	if err != nil {
		return nil, err
	}
	return psbt.NewFromRawBytes(bytes.NewReader(raw), false)
}

// txHex serializes tx (with witnesses) as hex.
func txHex(tx *wire.MsgTx) (string, error) {
	var buf bytes.Buffer
	if err := tx.Serialize(&buf); err != nil {
		return "", err
	}
	return hex.EncodeToString(buf.Bytes()), nil
}

// newChooser reads the fee rate of in's priority and the node's tip, for
// choosing the outputs of transfer in of w.
func (s *Service) newChooser(ctx context.Context, n *Node, w *wallet.Wallet, in *transferInput) (*chooser, error) {
	c := &chooser{s: s, w: w, amount: in.amount, toScript: in.toScript}
	var err error
	if c.change, c.taproot, err = walletScript(n.Params, w.Address); err != nil {
		return nil, err
	}
	if c.rate, err = n.feeRate(ctx, in.priority); err != nil {
		return nil, jsonrpc.NodeError(n.Network, err)
	}
	if c.tip, err = n.blockCount(ctx); err != nil {
		return nil, jsonrpc.NodeError(n.Network, err)
	}
	return c, nil
}
