package policy

import (
	"errors"
	"fmt"
	"math/big"
	"strconv"
	"strings"

	"github.com/custos-dev/custos/internal/chain/evm"
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

// ParsePrices reads --price entries: SYMBOL=USD for native coins (18
// decimals, e.g. ETH=3000, or a network name), 0xCONTRACT=USD:DECIMALS for
// ERC-20 tokens (e.g. 0xa0b8…eb48=1:6).
func ParsePrices(entries []string) (StaticPrices, error) {
	out := StaticPrices{}
	for _, e := range entries {
		k, v, ok := strings.Cut(e, "=")
		if !ok || k == "" {
			return nil, fmt.Errorf("price %q: want SYMBOL=USD or 0xCONTRACT=USD:DECIMALS", e)
		}
		dec := 18
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

// nativeSymbols names the native coin of EVM networks by network name
// prefix (the price table may also be keyed by the network name).
var nativeSymbols = []struct{ prefix, symbol string }{
	{"Ethereum", "ETH"}, {"Arbitrum", "ETH"}, {"Base", "ETH"}, {"Optimism", "ETH"},
	{"Polygon", "POL"}, {"Bsc", "BNB"}, {"AvalancheC", "AVAX"},
}

// facts is what the rules learn about an activity, decoded once and only
// when a rule asks.
type facts struct {
	a       *Activity
	prices  Prices
	decoded bool
	out     evm.Outflow
	err     error
}

func (f *facts) outflow() (evm.Outflow, error) {
	if !f.decoded {
		f.decoded = true
		switch {
		case f.a.RequestKind != "Transaction":
			f.err = fmt.Errorf("a %s signature request has no recipient or amount", f.a.RequestKind)
		case f.a.Network == "":
			f.err = errors.New("a request without network has no recipient or amount")
		default:
			f.out, f.err = evm.DecodeOutflow(f.a.Network, f.a.Body)
		}
	}
	return f.out, f.err
}

func (f *facts) recipient() (string, error) {
	o, err := f.outflow()
	return o.To, err
}

func (f *facts) usd() (float64, error) {
	o, err := f.outflow()
	if err != nil {
		return 0, err
	}
	var keys []string
	if o.Token != "" {
		keys = []string{canonicalAddress(o.Token)}
	} else {
		keys = []string{f.a.Network}
		for _, n := range nativeSymbols {
			if strings.HasPrefix(f.a.Network, n.prefix) {
				keys = append(keys, n.symbol)
			}
		}
	}
	for _, k := range keys {
		if usd, dec, ok := f.prices.USD(k); ok {
			v := new(big.Float).SetInt(o.Amount)
			v.Quo(v, new(big.Float).SetInt(new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(dec)), nil)))
			v.Mul(v, big.NewFloat(usd))
			r, _ := v.Float64()
			return r, nil
		}
	}
	return 0, fmt.Errorf("no price configured for %s", keys[0])
}

// usdOrUnknown is the value velocity rules record: -1 when unknown.
func (f *facts) usdOrUnknown() float64 {
	v, err := f.usd()
	if err != nil {
		return -1
	}
	return v
}
