package evmwallet

import (
	"context"
	"math/big"
	"sort"
)

// Priorities of a transfer (docs/protocol/keys-wallets.md §5).
const (
	PrioritySlow     = "Slow"
	PriorityStandard = "Standard"
	PriorityFast     = "Fast"
)

// feeLevel is the EIP-1559 fee of one priority.
type feeLevel struct {
	Tip    *big.Int // maxPriorityFeePerGas
	FeeCap *big.Int // maxFeePerGas
}

// Fees are the three fee levels of a network at a block.
type Fees struct {
	Block   uint64
	BaseFee *big.Int // of the next block
	// Legacy is set for a network without EIP-1559 (its blocks have no
	// base fee): each level's Tip and FeeCap are its gas price, and its
	// transactions are legacy (type 0, EIP-155) ones.
	Legacy bool
	Slow   feeLevel
	Std    feeLevel
	Fast   feeLevel
}

// level returns the fees of a priority ("" is Standard).
func (f *Fees) level(priority string) feeLevel {
	switch priority {
	case PrioritySlow:
		return f.Slow
	case PriorityFast:
		return f.Fast
	}
	return f.Std
}

// feeBlocks is how many recent blocks eth_feeHistory looks at.
const feeBlocks = 20

// feePercentiles are the tip percentiles of Slow, Standard and Fast.
var feePercentiles = []float64{20, 50, 80}

// estimateFees reads eth_feeHistory over the last blocks: each priority's
// tip is the median, over those blocks, of the block's tip at the
// priority's percentile (20th, 50th, 80th), and at least the node's
// eth_maxPriorityFeePerGas scaled by 1/2, 1 and 3/2 when the blocks carry
// no tips (an idle chain); the fee cap is twice the next block's base fee
// plus the tip, which stays valid through six full blocks of base-fee rises.
// A network whose latest block has no base fee (no EIP-1559) gets
// legacyFees instead (docs/protocol/evm-transfers.md §3).
func (n *Node) estimateFees(ctx context.Context) (*Fees, error) {
	h, err := n.eth.FeeHistory(ctx, feeBlocks, nil, feePercentiles)
	if err != nil && !isNodeAnswer(err) {
		return nil, nodeError(n.Network, err)
	}
	if err != nil || zeroBaseFees(h.BaseFee) {
		// No fee history, or no base fee in it: a network without
		// EIP-1559 when its latest block has no base fee.
		head, herr := n.eth.HeaderByNumber(ctx, nil)
		if herr != nil {
			return nil, nodeError(n.Network, herr)
		}
		if head.BaseFee == nil {
			return n.legacyFees(ctx, head.Number.Uint64())
		}
		if err != nil {
			return nil, nodeError(n.Network, err)
		}
	}
	base := new(big.Int)
	if len(h.BaseFee) > 0 && h.BaseFee[len(h.BaseFee)-1] != nil {
		base.Set(h.BaseFee[len(h.BaseFee)-1])
	}
	tips := make([]*big.Int, len(feePercentiles))
	for i := range feePercentiles {
		var col []*big.Int
		for _, r := range h.Reward {
			if i < len(r) && r[i] != nil {
				col = append(col, r[i])
			}
		}
		tips[i] = median(col)
	}
	if tips[2].Sign() == 0 {
		suggested, err := n.eth.SuggestGasTipCap(ctx)
		if err != nil {
			return nil, nodeError(n.Network, err)
		}
		half := new(big.Int).Rsh(suggested, 1)
		tips = []*big.Int{half, suggested, new(big.Int).Add(suggested, half)}
	}
	f := &Fees{BaseFee: base}
	if h.OldestBlock != nil {
		f.Block = h.OldestBlock.Uint64() + uint64(len(h.BaseFee)) - 2
		if len(h.BaseFee) < 2 {
			f.Block = h.OldestBlock.Uint64()
		}
	}
	for i, lv := range []*feeLevel{&f.Slow, &f.Std, &f.Fast} {
		lv.Tip = tips[i]
		lv.FeeCap = new(big.Int).Add(new(big.Int).Lsh(base, 1), tips[i])
	}
	return f, nil
}

// zeroBaseFees reports whether a fee history has no base fee above 0.
func zeroBaseFees(fees []*big.Int) bool {
	for _, f := range fees {
		if f != nil && f.Sign() > 0 {
			return false
		}
	}
	return true
}

// legacyFees are the fees of a network without EIP-1559, whose latest
// block (number) has no base fee (docs/protocol/evm-transfers.md §3): the
// node's eth_gasPrice for Slow, and it raised by a quarter and by a half
// for Standard and Fast.
func (n *Node) legacyFees(ctx context.Context, number uint64) (*Fees, error) {
	price, err := n.eth.SuggestGasPrice(ctx)
	if err != nil {
		return nil, nodeError(n.Network, err)
	}
	f := &Fees{Block: number, BaseFee: new(big.Int), Legacy: true}
	for i, lv := range []*feeLevel{&f.Slow, &f.Std, &f.Fast} {
		p := new(big.Int).Mul(price, big.NewInt(int64(4+i)))
		p.Quo(p, big.NewInt(4))
		lv.Tip, lv.FeeCap = p, p
	}
	return f, nil
}

// median returns the median of xs (0 for none).
func median(xs []*big.Int) *big.Int {
	if len(xs) == 0 {
		return new(big.Int)
	}
	s := append([]*big.Int(nil), xs...)
	sort.Slice(s, func(i, j int) bool { return s[i].Cmp(s[j]) < 0 })
	return new(big.Int).Set(s[len(s)/2])
}

// FeesView is the wire GetFeesResponse of an EVM network.
type FeesView struct {
	Kind          string       `json:"kind"`
	Network       string       `json:"network"`
	BlockNumber   uint64       `json:"blockNumber"`
	Slow          feeLevelView `json:"slow"`
	Standard      feeLevelView `json:"standard"`
	Fast          feeLevelView `json:"fast"`
	BaseFeePerGas string       `json:"baseFeePerGas"`
}

type feeLevelView struct {
	MaxPriorityFeePerGas string `json:"maxPriorityFeePerGas"`
	MaxFeePerGas         string `json:"maxFeePerGas"`
}

func levelView(l feeLevel) feeLevelView {
	return feeLevelView{MaxPriorityFeePerGas: l.Tip.String(), MaxFeePerGas: l.FeeCap.String()}
}
