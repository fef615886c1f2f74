package evmwallet

import (
	"context"
	"errors"
	"math/big"
	"strings"

	"github.com/ethereum/go-ethereum"
	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/rpc"

	"github.com/custos-dev/custos/internal/apierr"
)

// Read-only ERC-20 selectors: balanceOf(address), symbol(), decimals().
var (
	selBalanceOf = []byte{0x70, 0xa0, 0x82, 0x31}
	selSymbol    = []byte{0x95, 0xd8, 0x9b, 0x41}
	selDecimals  = []byte{0x31, 0x3c, 0xe5, 0x67}
)

// nativeSymbols are the native coins that are not ETH.
var nativeSymbols = map[string]string{
	"AvalancheC": "AVAX", "AvalancheCFuji": "AVAX", "Bsc": "BNB", "BscTestnet": "BNB", "Celo": "CELO",
	"CeloAlfajores": "CELO", "EthereumClassic": "ETC", "EthereumClassicMordor": "ETC", "FantomOpera": "FTM",
	"FantomTestnet": "FTM", "FlareC": "FLR", "FlareCCoston2": "C2FLR", "FlowEvm": "FLOW", "FlowEvmTestnet": "FLOW",
	"Polygon": "POL", "PolygonAmoy": "POL", "PolygonMumbai": "MATIC", "SeiAtlantic2": "SEI", "SeiPacific1": "SEI",
	"Sonic": "S", "SonicTestnet": "S", "Xdc": "XDC", "XdcApothem": "TXDC", "XLayer": "OKB", "XLayerSepolia": "OKB",
	"Berachain": "BERA", "BerachainBepolia": "BERA", "Plasma": "XPL", "PlasmaTestnet": "XPL", "Plume": "PLUME",
	"PlumeSepolia": "PLUME",
}

// nativeSymbol is the symbol of network's native coin (18 decimals).
func nativeSymbol(network string) string {
	if s, ok := nativeSymbols[network]; ok {
		return s
	}
	return "ETH"
}

// isNodeAnswer reports whether err is an error the node answered with (a
// JSON-RPC error: a revert, a refused transaction), not a failure to
// reach it.
func isNodeAnswer(err error) bool {
	var re rpc.Error
	return errors.As(err, &re)
}

// callMsg is the eth_call / eth_estimateGas message of pl from sender.
func callMsg(sender common.Address, pl *plan) ethereum.CallMsg {
	if pl.legacy {
		return ethereum.CallMsg{From: sender, To: pl.to, Value: pl.value, Data: pl.data, GasPrice: pl.feeCap}
	}
	return ethereum.CallMsg{From: sender, To: pl.to, Value: pl.value, Data: pl.data, GasTipCap: pl.tip, GasFeeCap: pl.feeCap}
}

// checkToken checks that pl's contract is a contract and that the wallet
// holds the amount of its token.
func (s *Service) checkToken(ctx context.Context, n *Node, sender common.Address, pl *plan) error {
	code, err := n.eth.CodeAt(ctx, *pl.token, nil)
	if err != nil {
		return nodeError(n.Network, err)
	}
	if len(code) == 0 {
		return apierr.BadRequest("contract %s is not a contract on %s", pl.token.Hex(), n.Network)
	}
	bal, err := n.tokenBalance(ctx, *pl.token, sender)
	if err != nil {
		return err
	}
	if pl.tokenAmount.Cmp(bal) > 0 {
		return apierr.BadRequest("amount %s exceeds the wallet's balance of %s of token %s", pl.tokenAmount, bal, pl.token.Hex())
	}
	return nil
}

// tokenBalance reads balanceOf(owner) of an ERC-20 contract.
func (n *Node) tokenBalance(ctx context.Context, contract, owner common.Address) (*big.Int, error) {
	out, err := n.eth.CallContract(ctx, ethereum.CallMsg{To: &contract, Data: call(selBalanceOf, common.LeftPadBytes(owner.Bytes(), 32))}, nil)
	if err != nil {
		if isNodeAnswer(err) {
			return nil, apierr.BadRequest("contract %s is not an ERC-20 token (balanceOf fails)", contract.Hex())
		}
		return nil, nodeError(n.Network, err)
	}
	if len(out) != 32 {
		return nil, apierr.BadRequest("contract %s is not an ERC-20 token (balanceOf answers %d bytes)", contract.Hex(), len(out))
	}
	return new(big.Int).SetBytes(out), nil
}

// tokenMeta is what a token contract says of itself.
type tokenMeta struct {
	Symbol   string
	Decimals int // -1 unknown
}

// token reads (once per contract) a token's symbol and decimals.
func (s *Service) token(ctx context.Context, n *Node, contract common.Address) tokenMeta {
	k := n.Network + "/" + contract.Hex()
	if v, ok := s.tokens.Load(k); ok {
		return v.(tokenMeta)
	}
	m := tokenMeta{Decimals: -1}
	out, err := n.eth.CallContract(ctx, ethereum.CallMsg{To: &contract, Data: selDecimals}, nil)
	if err != nil && !isNodeAnswer(err) {
		return m // the node is away: try again next time
	}
	if err == nil && len(out) == 32 {
		if d := new(big.Int).SetBytes(out); d.IsInt64() && d.Int64() <= 255 {
			m.Decimals = int(d.Int64())
		}
	}
	if out, err := n.eth.CallContract(ctx, ethereum.CallMsg{To: &contract, Data: selSymbol}, nil); err == nil {
		m.Symbol = abiString(out)
	}
	if s.tokenCount.Add(1) <= maxTokens {
		s.tokens.Store(k, m)
	}
	return m
}

// maxTokens bounds the token metadata kept in memory: a caller can name
// any contract, so past this many, metadata is read again each time.
const maxTokens = 10_000

// abiString decodes an ABI-encoded string (or a bytes32 one), keeping
// printable ASCII and at most 32 characters.
func abiString(b []byte) string {
	var raw []byte
	switch {
	case len(b) >= 64:
		off := new(big.Int).SetBytes(b[:32])
		if off.IsInt64() && off.Int64()+32 <= int64(len(b)) {
			o := off.Int64()
			l := new(big.Int).SetBytes(b[o : o+32])
			if l.IsInt64() && o+32+l.Int64() <= int64(len(b)) {
				raw = b[o+32 : o+32+l.Int64()]
			}
		}
	case len(b) == 32:
		raw = []byte(strings.TrimRight(string(b), "\x00"))
	}
	var out strings.Builder
	for _, c := range raw {
		if c >= 0x20 && c < 0x7f && out.Len() < 32 {
			out.WriteByte(c)
		}
	}
	return out.String()
}

// assetMeta is the symbol and decimals of the asset pl moves.
func (s *Service) assetMeta(ctx context.Context, n *Node, pl *plan) (string, int) {
	switch pl.kind {
	case "Native":
		return nativeSymbol(n.Network), 18
	case "Erc20":
		m := s.token(ctx, n, *pl.token)
		return m.Symbol, m.Decimals
	case "Erc721":
		m := s.token(ctx, n, *pl.to)
		return m.Symbol, 0
	}
	return "", -1
}
