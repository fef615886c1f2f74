package btc

import (
	"github.com/btcsuite/btcd/chaincfg"
	"github.com/btcsuite/btcd/wire"
)

// Wire network names served by this adapter (docs/protocol/keys-wallets.md §5).
// BitcoinTestnet3 is accepted by the TypeScript SDK only.
const (
	NetworkBitcoin         = "Bitcoin"
	NetworkBitcoinSignet   = "BitcoinSignet"
	NetworkBitcoinTestnet4 = "BitcoinTestnet4"
	NetworkBitcoinTestnet3 = "BitcoinTestnet3"
	NetworkLitecoin        = "Litecoin"
	NetworkLitecoinTestnet = "LitecoinTestnet"
	// NetworkBitcoinRegtest is a local regression-test chain (bcrt
	// addresses): an extension outside Dfns's network list, so that
	// operators and tests can run against a regtest node
	// (docs/protocol/btc-transfers.md).
	NetworkBitcoinRegtest = "BitcoinRegtest"
	// NetworkLitecoinRegtest is Litecoin's local regression-test chain
	// (rltc addresses), an extension outside Dfns's list like
	// BitcoinRegtest.
	NetworkLitecoinRegtest = "LitecoinRegtest"
)

// litecoinMainNetParams holds the Litecoin mainnet address parameters from
// litecoin-project/litecoin src/chainparams.cpp (CMainParams). Only the
// fields btcutil's address encoders read matter here; the params are not
// registered with chaincfg.
var litecoinMainNetParams = chaincfg.Params{
	Name:             "litecoin",
	Net:              wire.BitcoinNet(0xdbb6c0fb), // pchMessageStart fb c0 b6 db
	Bech32HRPSegwit:  "ltc",
	PubKeyHashAddrID: 48,  // L…
	ScriptHashAddrID: 50,  // M… (SCRIPT_ADDRESS2)
	PrivateKeyID:     176, // T…
	HDCoinType:       2,
}

// litecoinTestNetParams holds the Litecoin testnet (v4 genesis, "testnet")
// address parameters from the same file (CTestNetParams).
var litecoinTestNetParams = chaincfg.Params{
	Name:             "litecoin-testnet",
	Net:              wire.BitcoinNet(0xf1c8d2fd), // pchMessageStart fd d2 c8 f1
	Bech32HRPSegwit:  "tltc",
	PubKeyHashAddrID: 111, // m… / n…
	ScriptHashAddrID: 58,  // Q… (SCRIPT_ADDRESS2)
	PrivateKeyID:     239,
	HDCoinType:       1,
}

// litecoinRegtestParams holds the Litecoin regtest address parameters from
// the same file (CRegTestParams): rltc bech32 addresses, testnet's base58
// prefixes.
var litecoinRegtestParams = chaincfg.Params{
	Name:             "litecoin-regtest",
	Net:              wire.BitcoinNet(0xdab5bffa), // pchMessageStart fa bf b5 da
	Bech32HRPSegwit:  "rltc",
	PubKeyHashAddrID: 111,
	ScriptHashAddrID: 58,
	PrivateKeyID:     239,
	HDCoinType:       1,
}

// networkParams maps each served network to its address parameters.
var networkParams = map[string]*chaincfg.Params{
	NetworkBitcoin:         &chaincfg.MainNetParams,
	NetworkBitcoinSignet:   &chaincfg.SigNetParams,
	NetworkBitcoinTestnet4: &chaincfg.TestNet4Params,
	NetworkBitcoinTestnet3: &chaincfg.TestNet3Params,
	NetworkLitecoin:        &litecoinMainNetParams,
	NetworkLitecoinTestnet: &litecoinTestNetParams,
	NetworkBitcoinRegtest:  &chaincfg.RegressionNetParams,
	NetworkLitecoinRegtest: &litecoinRegtestParams,
}

// networks lists the served networks in a stable order.
var networks = []string{
	NetworkBitcoin,
	NetworkBitcoinSignet,
	NetworkBitcoinTestnet4,
	NetworkBitcoinTestnet3,
	NetworkLitecoin,
	NetworkLitecoinTestnet,
	NetworkBitcoinRegtest,
	NetworkLitecoinRegtest,
}

// Params returns the address parameters of a Bitcoin-family network and
// reports whether network is one.
func Params(network string) (*chaincfg.Params, bool) {
	p, ok := networkParams[network]
	return p, ok
}
