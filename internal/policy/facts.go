package policy

import (
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/chain/cosmos"
	"github.com/custos-dev/custos/internal/chain/evm"
	"github.com/custos-dev/custos/internal/chain/solana"
	"github.com/custos-dev/custos/internal/chain/tron"
	"github.com/custos-dev/custos/internal/chain/utxo"
	"github.com/custos-dev/custos/internal/chain/xrpl"
)

// Prices gives the USD value of one whole unit of an asset: a native coin
// by its symbol (ETH) or network name (EthereumSepolia), a token by its
// lower-case contract address; decimals is the asset's precision.
type Prices interface {
	USD(asset string) (usd float64, decimals int, ok bool)
}

// StaticPrices is a price table an operator configures (--price).
type StaticPrices map[string]Price

// Price is one entry of a price table.
type Price struct {
	USD      float64
	Decimals int
}

// USD implements Prices.
func (p StaticPrices) USD(asset string) (float64, int, bool) {
	v, ok := p[asset]
	return v.USD, v.Decimals, ok
}

// ParsePrices reads --price entries: SYMBOL=USD for native coins (e.g.
// ETH=3000, BTC=60000, SOL=150, or a network name), TOKEN=USD:DECIMALS for
// tokens by ERC-20 contract or SPL mint (e.g. 0xa0b8…eb48=1:6); a token
// transfer that states its decimals (SPL TransferChecked) uses those.
func ParsePrices(entries []string) (StaticPrices, error) {
	out := StaticPrices{}
	for _, e := range entries {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("price %q: want SYMBOL=USD or 0xCONTRACT=USD:DECIMALS", e)
		}
		dec := -1
		if usd, d, ok := strings.Cut(v, ":"); ok {
			n, err := strconv.Atoi(d)
			if err != nil || n < 0 || n > 36 {
				return nil, fmt.Errorf("price %q: decimals must be 0 to 36", e)
			}
			v, dec = usd, n
		}
		usd, err := strconv.ParseFloat(v, 64)
		if err != nil || usd < 0 {
			return nil, fmt.Errorf("price %q: the USD value must be a non-negative number", e)
		}
		out[canonicalAddress(k)] = Price{USD: usd, Decimals: dec}
	}
	return out, nil
}

// utxoNetwork reports whether network is served by the Bitcoin Cash and
// Dogecoin adapter.
func utxoNetwork(network string) bool {
	return slices.Contains(utxo.Adapter{}.Networks(), network)
}

// nativeSymbols names the native coin of networks by network name prefix,
// the first match winning (BitcoinCash before Bitcoin); the price table may
// also be keyed by the network name itself.
var nativeSymbols = []struct{ prefix, symbol string }{
	{"BitcoinCash", "BCH"}, {"Dogecoin", "DOGE"}, {"Tron", "TRX"}, {"XrpLedger", "XRP"},
	{"Cosmos", "ATOM"}, {"Babylon", "BABY"}, {"Sei", "SEI"},
	{"Ethereum", "ETH"}, {"Arbitrum", "ETH"}, {"Base", "ETH"}, {"Optimism", "ETH"},
	{"Polygon", "POL"}, {"Bsc", "BNB"}, {"AvalancheC", "AVAX"},
	{"Bitcoin", "BTC"}, {"Litecoin", "LTC"}, {"Solana", "SOL"},
}

// facts is what the rules learn about an activity, decoded once and only
// when a rule asks.
type facts struct {
	a       *Activity
	prices  Prices
	decoded bool
	out     []chain.Outflow
	err     error
}

// outflows decodes the payments of the request: EVM transactions (native
// and ERC-20 transfers), Bitcoin-family PSBTs (outputs not paying the
// wallet) and Solana transactions (System and SPL transfers).
func (f *facts) outflows() ([]chain.Outflow, error) {
	if !f.decoded {
		f.decoded = true
		a := f.a
		switch {
		case a.Outflows != nil:
			f.out, f.err = a.Outflows()
		case a.Network == "":
			f.err = errors.New("a request without network has no recipient or amount")
		case a.RequestKind == "Psbt" && utxoNetwork(a.Network):
			f.out, f.err = utxo.DecodeOutflows(a.Network, a.Key, a.Body)
		case a.RequestKind == "Psbt":
			f.out, f.err = btc.DecodeOutflows(a.Network, a.Key, a.Body)
		case a.RequestKind == "SignDocDirect":
			f.out, f.err = cosmos.DecodeOutflows(a.Network, a.Body)
		case a.RequestKind != "Transaction":
			f.err = fmt.Errorf("a %s signature request has no recipient or amount", a.RequestKind)
		case a.Network == solana.NetworkSolana || a.Network == solana.NetworkSolanaDevnet:
			f.out, f.err = solana.DecodeOutflows(a.Key, a.Body)
		case a.Network == tron.NetworkTron || a.Network == tron.NetworkTronNile:
			f.out, f.err = tron.DecodeOutflows(a.Body)
		case a.Network == xrpl.NetworkXrpLedger || a.Network == xrpl.NetworkXrpLedgerTestnet:
			f.out, f.err = xrpl.DecodeOutflows(a.Body)
		default:
			f.out, f.err = evm.DecodeOutflows(a.Network, a.Body)
		}
	}
	return f.out, f.err
}

// recipients lists who the request pays (none when it pays only the
// wallet itself).
func (f *facts) recipients() ([]string, error) {
	out, err := f.outflows()
	if err != nil {
		return nil, err
	}
	to := make([]string, 0, len(out))
	for _, o := range out {
		to = append(to, o.To)
	}
	return to, nil
}

// usd is the value of every payment of the request in USD.
func (f *facts) usd() (float64, error) {
	out, err := f.outflows()
	if err != nil {
		return 0, err
	}
	total := 0.0
	for _, o := range out {
		v, err := f.value(o)
		if err != nil {
			return 0, err
		}
		total += v
	}
	return total, nil
}

func (f *facts) value(o chain.Outflow) (float64, error) {
	keys := []string{canonicalAddress(o.Asset)}
	if o.Asset == "" {
		keys = []string{f.a.Network}
		for _, n := range nativeSymbols {
			if strings.HasPrefix(f.a.Network, n.prefix) {
				keys = append(keys, n.symbol)
				break
			}
		}
	}
	for _, k := range keys {
		usd, dec, ok := f.prices.USD(k)
		if !ok {
			continue
		}
		if o.Decimals >= 0 {
			dec = o.Decimals
		}
		if dec < 0 {
			return 0, fmt.Errorf("the decimals of %s are unknown: configure --price %s=USD:DECIMALS", k, k)
		}
		v := new(big.Float).SetInt(o.Amount)
		v.Quo(v, new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dec)), nil)))
		v.Mul(v, big.NewFloat(usd))
		r, _ := v.Float64()
		return r, nil
	}
	return 0, fmt.Errorf("no price configured for %s", keys[len(keys)-1])
}

// usdOrUnknown is the value velocity rules record: -1 when unknown.
func (f *facts) usdOrUnknown() float64 {
	v, err := f.usd()
	if err != nil {
		return -1
	}
	return v
}
