package btcwallet

import (
	"errors"
	"strings"

	"github.com/btcsuite/btcd/btcutil"
	"github.com/btcsuite/btcd/btcutil/base58"
	"github.com/btcsuite/btcd/btcutil/bech32"
	"github.com/btcsuite/btcd/chaincfg"
)

// errNotForNet is an address that is not one of the network's.
var errNotForNet = errors.New("btcwallet: not an address of the network")

// decodeAddress decodes address as an address of the network of p.
// btcutil's decoder only knows the networks registered with chaincfg (the
// Bitcoin ones): the segwit and base58 addresses of the others (Litecoin's
// ltc1/tltc1/rltc1, L…/M…) are decoded here with p's own prefixes.
func decodeAddress(address string, p *chaincfg.Params) (btcutil.Address, error) {
	if hrp := p.Bech32HRPSegwit + "1"; len(address) > len(hrp) && strings.EqualFold(address[:len(hrp)], hrp) {
		got, data, variant, err := bech32.DecodeGeneric(address)
		if err != nil || got != p.Bech32HRPSegwit || len(data) < 1 {
			return nil, errNotForNet
		}
		prog, err := bech32.ConvertBits(data[1:], 5, 8, false)
		if err != nil {
			return nil, errNotForNet
		}
		// BIP-350: version 0 uses bech32, later versions bech32m.
		switch version := data[0]; {
		case version == 0 && variant == bech32.Version0 && len(prog) == 20:
			return btcutil.NewAddressWitnessPubKeyHash(prog, p)
		case version == 0 && variant == bech32.Version0 && len(prog) == 32:
			return btcutil.NewAddressWitnessScriptHash(prog, p)
		case version == 1 && variant == bech32.VersionM && len(prog) == 32:
			return btcutil.NewAddressTaproot(prog, p)
		}
		return nil, errNotForNet
	}
	if payload, version, err := base58.CheckDecode(address); err == nil && len(payload) == 20 {
		switch version {
		case p.PubKeyHashAddrID:
			return btcutil.NewAddressPubKeyHash(payload, p)
		case p.ScriptHashAddrID:
			return btcutil.NewAddressScriptHashFromHash(payload, p)
		}
		return nil, errNotForNet
	}
	return btcutil.DecodeAddress(address, p)
}
