// Package all is the one registry of chain adapters: it maps every wire
// network name to the adapter that serves it, and knows the Dfns network
// names no adapter serves yet (docs/protocol/keys-wallets.md §5).
package all

import (
	"slices"
	"sort"

	"github.com/custos-dev/custos/internal/chain"
	"github.com/custos-dev/custos/internal/chain/algorand"
	"github.com/custos-dev/custos/internal/chain/aptos"
	"github.com/custos-dev/custos/internal/chain/btc"
	"github.com/custos-dev/custos/internal/chain/canton"
	"github.com/custos-dev/custos/internal/chain/cardano"
	"github.com/custos-dev/custos/internal/chain/concordium"
	"github.com/custos-dev/custos/internal/chain/cosmos"
	"github.com/custos-dev/custos/internal/chain/evm"
	"github.com/custos-dev/custos/internal/chain/hedera"
	"github.com/custos-dev/custos/internal/chain/icp"
	"github.com/custos-dev/custos/internal/chain/kaspa"
	"github.com/custos-dev/custos/internal/chain/keyonly"
	"github.com/custos-dev/custos/internal/chain/near"
	"github.com/custos-dev/custos/internal/chain/solana"
	"github.com/custos-dev/custos/internal/chain/starknet"
	"github.com/custos-dev/custos/internal/chain/stellar"
	"github.com/custos-dev/custos/internal/chain/substrate"
	"github.com/custos-dev/custos/internal/chain/sui"
	"github.com/custos-dev/custos/internal/chain/tezos"
	"github.com/custos-dev/custos/internal/chain/ton"
	"github.com/custos-dev/custos/internal/chain/tron"
	"github.com/custos-dev/custos/internal/chain/utxo"
	"github.com/custos-dev/custos/internal/chain/xrpl"
)

// family is one adapter and the key a new wallet on its networks gets by
// default.
type family struct {
	adapter chain.Adapter
	scheme  string
	curve   string
}

var (
	families = []family{
		{evm.New(), chain.SchemeECDSA, chain.CurveSecp256k1},
		{btc.New(), chain.SchemeECDSA, chain.CurveSecp256k1},
		{solana.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{stellar.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{algorand.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{sui.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{aptos.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{tezos.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{substrate.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{ton.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{cardano.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{utxo.Adapter{}, chain.SchemeECDSA, chain.CurveSecp256k1},
		{tron.Adapter{}, chain.SchemeECDSA, chain.CurveSecp256k1},
		{xrpl.Adapter{}, chain.SchemeECDSA, chain.CurveSecp256k1},
		{cosmos.Adapter{}, chain.SchemeECDSA, chain.CurveSecp256k1},
		{near.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{icp.Adapter{}, chain.SchemeECDSA, chain.CurveSecp256k1},
		{kaspa.Adapter{}, chain.SchemeSchnorr, chain.CurveSecp256k1},
		{starknet.Adapter{}, chain.SchemeECDSA, chain.CurveStark},
		{hedera.Adapter{}, chain.SchemeECDSA, chain.CurveSecp256k1},
		{concordium.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
		{canton.Adapter{}, chain.SchemeEdDSA, chain.CurveEd25519},
	}
	byNetwork = map[string]*family{}
)

func init() {
	for i := range families {
		for _, n := range families[i].adapter.Networks() {
			if _, dup := byNetwork[n]; dup {
				panic("chain/all: network " + n + " served by two adapters")
			}
			byNetwork[n] = &families[i]
		}
	}
	// The key-only pseudo-networks share one adapter but differ in their
	// default key.
	ko := keyonly.Adapter{}
	byNetwork[keyonly.NetworkKeyECDSA] = &family{ko, chain.SchemeECDSA, chain.CurveSecp256k1}
	byNetwork[keyonly.NetworkKeyEdDSA] = &family{ko, chain.SchemeEdDSA, chain.CurveEd25519}
	byNetwork[keyonly.NetworkKeyECDSAStark] = &family{ko, chain.SchemeECDSA, chain.CurveStark}
}

// For returns the adapter serving network and reports whether there is one.
func For(network string) (chain.Adapter, bool) {
	f, ok := byNetwork[network]
	if !ok {
		return nil, false
	}
	return f.adapter, true
}

// DefaultKey returns the scheme and curve of the key a new wallet on
// network gets when the request names none: ECDSA/secp256k1 for EVM,
// Bitcoin, Litecoin and KeyECDSA; EdDSA/ed25519 for Solana and KeyEdDSA.
func DefaultKey(network string) (scheme, curve string, ok bool) {
	f, ok := byNetwork[network]
	if !ok {
		return "", "", false
	}
	return f.scheme, f.curve, true
}

// Networks returns the served network names, sorted.
func Networks() []string {
	out := make([]string, 0, len(byNetwork))
	for n := range byNetwork {
		out = append(out, n)
	}
	sort.Strings(out)
	return out
}

// Extensions lists the served networks that are not Dfns network names:
// local chains for operators and tests.
var Extensions = []string{btc.NetworkBitcoinRegtest, btc.NetworkLitecoinRegtest}

// Known reports whether network is a Dfns network name (GoSDK 2026, TS
// 0.8.21 or a pseudo-network), served or not.
func Known(network string) bool {
	_, served := byNetwork[network]
	return served || slices.Contains(dfnsNetworks, network)
}

// dfnsNetworks lists the wire network names of
// docs/protocol/keys-wallets.md §5: the
// GoSDK 2026 types.Network set, the retired ones TS 0.8.21 still accepts,
// and the pseudo-networks.
var dfnsNetworks = []string{
	"Algorand", "AlgorandTestnet", "Aptos", "AptosTestnet", "ArbitrumOne", "ArbitrumSepolia", "ArcTestnet",
	"AvalancheC", "AvalancheCFuji", "BabylonGenesis", "BabylonTestnet5", "Base", "BaseSepolia", "Berachain",
	"BerachainBepolia", "Bitcoin", "BitcoinSignet", "BitcoinTestnet4", "BitcoinCash", "Bob", "BobSepolia", "Bsc",
	"BscTestnet", "Canton", "CantonTestnet", "Cardano", "CardanoPreprod", "Concordium", "ConcordiumTestnet", "Celo",
	"CeloAlfajores", "Codex", "CodexSepolia", "CosmosHub4", "CosmosIcsTestnet", "Dogecoin", "DogecoinTestnet",
	"Ethereum", "EthereumClassic", "EthereumClassicMordor", "EthereumSepolia", "EthereumHoodi", "FlareC",
	"FlareCCoston2", "FlowEvm", "FlowEvmTestnet", "Hedera", "HederaTestnet", "Ink", "InkSepolia", "InternetComputer",
	"Ion", "IonTestnet", "Iota", "IotaTestnet", "Kusama", "KusamaAssetHub", "Litecoin", "LitecoinTestnet", "Movement",
	"MovementTestnet", "Near", "NearTestnet", "Optimism", "OptimismSepolia", "Origyn", "Plasma", "PlasmaTestnet",
	"Plume", "PlumeSepolia", "Paseo", "PaseoAssetHub", "Polkadot", "PolkadotAssetHub", "Polygon", "PolygonAmoy",
	"Polymesh", "PolymeshTestnet", "Race", "RaceSepolia", "Rayls", "RaylsTestnet", "Robinhood", "RobinhoodSepolia",
	"SeiAtlantic2", "SeiPacific1", "Solana", "SolanaDevnet", "Sonic", "SonicTestnet", "Starknet", "StarknetSepolia",
	"Stellar", "StellarTestnet", "Sui", "SuiTestnet", "Tezos", "TezosGhostnet", "TezosShadownet", "Tempo",
	"TempoModerato", "Tsc", "TscTestnet1", "Ton", "TonTestnet", "Tron", "TronNile", "Westend", "WestendAssetHub",
	"Xdc", "XdcApothem", "XLayer", "XLayerSepolia", "XrpLedger", "XrpLedgerTestnet",
	// TS 0.8.21 only.
	"Adi", "AdiTestnet", "AdiTestnetAb", "ArbitrumGoerli", "Areum", "BaseGoerli", "BerachainBArtio", "BesuTestnet",
	"BitcoinCashTestnet", "BitcoinTestnet3", "CantonDevnet", "EthereumGoerli", "EthereumHolesky", "FantomOpera",
	"FantomTestnet", "IotaZodianet", "Kaspa", "KaspaTestnet11", "OptimismGoerli", "PolygonMumbai", "TempoAndantino",
	// Pseudo-networks.
	"KeyECDSA", "KeyEdDSA", "KeyECDSAStark",
}
