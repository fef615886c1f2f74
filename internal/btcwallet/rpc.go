package btcwallet

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"math"

	"github.com/btcsuite/btcd/wire"
	"github.com/custos-dev/custos/internal/chain/jsonrpc"
)

// The node calls Custos makes, in btcd's dialect (which Bitcoin Core and
// Litecoin Core share for these): getblockcount, getblockhash, getblock
// with verbosity 0, getrawtransaction, sendrawtransaction,
// estimatesmartfee or estimatefee, getnetworkinfo or getinfo.

// blockCount returns the height of the node's best block.
func (n *Node) blockCount(ctx context.Context) (int64, error) {
	var h int64
	err := n.call(ctx, &h, "getblockcount")
	return h, err
}

// blockHash returns the hash of block number on the node's best chain.
func (n *Node) blockHash(ctx context.Context, number int64) (string, error) {
	var h string
	err := n.call(ctx, &h, "getblockhash", number)
	return h, err
}

// block returns the block with hash.
func (n *Node) block(ctx context.Context, hash string) (*wire.MsgBlock, error) {
	var h string
	var verbosity any = 0
	if n.boolVerbose.Load() {
		verbosity = false
	}
	err := n.call(ctx, &h, "getblock", hash, verbosity)
	var re *jsonrpc.Error
	if errors.As(err, &re) && re.Code == -32602 && verbosity == 0 {
		// Invalid params: a node that takes "verbose" as a boolean
		// (ltcd, older btcd); Bitcoin Core and btcd take both forms.
		n.boolVerbose.Store(true)
		err = n.call(ctx, &h, "getblock", hash, false)
	}
	if err != nil {
		return nil, err
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("block %s: %w", hash, err)
	}
	var b wire.MsgBlock
	if err := b.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("block %s: %w", hash, err)
	}
	return &b, nil
}

// errNoTx is a transaction the node does not know (neither pooled nor,
// with --txindex, mined).
var errNoTx = errors.New("btcwallet: the node does not know the transaction")

// rawTx returns the transaction with hash, pooled or mined.
func (n *Node) rawTx(ctx context.Context, hash string) (*wire.MsgTx, error) {
	var h string
	if err := n.call(ctx, &h, "getrawtransaction", hash, 0); err != nil {
		var re *jsonrpc.Error
		if errors.As(err, &re) && (re.Code == -5 || re.Code == -8) {
			// RPC_INVALID_ADDRESS_OR_KEY: no such transaction.
			return nil, errNoTx
		}
		return nil, err
	}
	raw, err := hex.DecodeString(h)
	if err != nil {
		return nil, fmt.Errorf("transaction %s: %w", hash, err)
	}
	var tx wire.MsgTx
	if err := tx.Deserialize(bytes.NewReader(raw)); err != nil {
		return nil, fmt.Errorf("transaction %s: %w", hash, err)
	}
	return &tx, nil
}

// floorRate is the fee rate, in satoshis per virtual byte, below which
// Custos never goes: above the default minimum relay fee (1 sat/vB) of
// btcd, Bitcoin Core and Litecoin Core.
const floorRate = 2

// maxRate bounds the fee rate a node's estimate can make Custos pay.
const maxRate = 5000

// targets are the confirmation targets, in blocks, of each priority.
var targets = map[string]int{"Slow": 12, "Standard": 6, "Fast": 2}

// feeRate is the fee rate for priority, in satoshis per virtual byte: the
// node's estimate for the priority's target, at least its relay fee and
// floorRate. A node without an estimate (a quiet chain, a regtest node)
// gives the floor.
func (n *Node) feeRate(ctx context.Context, priority string) (int64, error) {
	rate := int64(floorRate)
	var info struct {
		RelayFee float64 `json:"relayfee"` // BTC per 1000 virtual bytes
	}
	err := n.call(ctx, &info, "getnetworkinfo")
	if err != nil {
		var re *jsonrpc.Error
		if !errors.As(err, &re) {
			return 0, err
		}
		if err := n.call(ctx, &info, "getinfo"); err != nil && !errors.As(err, &re) {
			return 0, err
		}
	}
	rate = max(rate, perVByte(info.RelayFee))
	target := targets[priority]
	var smart struct {
		FeeRate float64 `json:"feerate"`
	}
	if err := n.call(ctx, &smart, "estimatesmartfee", target); err == nil && smart.FeeRate > 0 {
		return min(max(rate, perVByte(smart.FeeRate)), maxRate), nil
	}
	var est float64
	if err := n.call(ctx, &est, "estimatefee", target); err == nil && est > 0 {
		return min(max(rate, perVByte(est)), maxRate), nil
	}
	return rate, nil
}

// perVByte converts a rate in coins per 1000 virtual bytes to satoshis per
// virtual byte, rounding up.
func perVByte(coinsPerKvB float64) int64 {
	if coinsPerKvB <= 0 || math.IsNaN(coinsPerKvB) || coinsPerKvB > 1 {
		return 0
	}
	perKvB := int64(math.Round(coinsPerKvB * 1e8)) // satoshis per 1000 vB
	return (perKvB + 999) / 1000
}
