package evm

import "sort"

// networks maps every EVM wire network name this adapter serves to its
// EIP-155 chain id.
//
// Which names are EVM: dfns/dfns-sdk-ts packages/sdk/generated/vaults/types.ts
// (CreateVaultTransferBody.network, "The EVM network the transfer is on") and
// npm @dfns/sdk 0.8.21 generated/networks/types.d.ts (the GetFeesResponse
// "Eip1559" network union).
//
// Chain ids: viem 2.57.20 chains/definitions/<file>.ts (named after each
// entry) unless the comment names ethereum-lists/chains
// _data/chains/eip155-<id>.json.
//
// Networks for which no public source ties the Dfns name to a chain id are
// served as open-chain networks (chain id openChain): addresses, Hash,
// Eip191 and Eip712 are chain independent, and Transaction and Eip7702
// take the chain id the request carries (typed transactions only; see
// docs/protocol/networks-evm-open.md).
var networks = map[string]int64{
	"AdiTestnet":   openChain,
	"AdiTestnetAb": openChain,
	"BesuTestnet":  openChain,
	"RaylsTestnet": openChain,
	"Tsc":          openChain,
	"TscTestnet1":  openChain,

	"Adi":                   36900,    // adi.ts
	"ArbitrumGoerli":        421613,   // arbitrumGoerli.ts
	"ArbitrumOne":           42161,    // arbitrum.ts
	"ArbitrumSepolia":       421614,   // arbitrumSepolia.ts
	"ArcTestnet":            5042002,  // arcTestnet.ts
	"Areum":                 463,      // areum.ts
	"AvalancheC":            43114,    // avalanche.ts
	"AvalancheCFuji":        43113,    // avalancheFuji.ts
	"Base":                  8453,     // base.ts
	"BaseGoerli":            84531,    // baseGoerli.ts
	"BaseSepolia":           84532,    // baseSepolia.ts
	"Berachain":             80094,    // berachain.ts
	"BerachainBArtio":       80084,    // berachainTestnetbArtio.ts
	"BerachainBepolia":      80069,    // berachainBepolia.ts
	"Bob":                   60808,    // bob.ts
	"BobSepolia":            808813,   // bobSepolia.ts
	"Bsc":                   56,       // bsc.ts
	"BscTestnet":            97,       // bscTestnet.ts
	"Celo":                  42220,    // celo.ts
	"CeloAlfajores":         44787,    // celoAlfajores.ts
	"Codex":                 81224,    // codex.ts
	"CodexSepolia":          812242,   // codexTestnet.ts (settles on Sepolia)
	"Ethereum":              1,        // mainnet.ts
	"EthereumClassic":       61,       // classic.ts
	"EthereumClassicMordor": 63,       // ethereum-lists eip155-63.json
	"EthereumGoerli":        5,        // goerli.ts
	"EthereumHolesky":       17000,    // holesky.ts
	"EthereumHoodi":         560048,   // hoodi.ts
	"EthereumSepolia":       11155111, // sepolia.ts
	"FantomOpera":           250,      // fantom.ts
	"FantomTestnet":         4002,     // fantomTestnet.ts
	"FlareC":                14,       // flare.ts
	"FlareCCoston2":         114,      // flareTestnet.ts ("Flare Testnet Coston2")
	"FlowEvm":               747,      // flowMainnet.ts
	"FlowEvmTestnet":        545,      // flowTestnet.ts
	"Ink":                   57073,    // ink.ts
	"InkSepolia":            763373,   // inkSepolia.ts
	"Optimism":              10,       // optimism.ts
	"OptimismGoerli":        420,      // optimismGoerli.ts
	"OptimismSepolia":       11155420, // optimismSepolia.ts
	"Plasma":                9745,     // plasma.ts
	"PlasmaTestnet":         9746,     // plasmaTestnet.ts
	"Plume":                 98866,    // plumeMainnet.ts ("Plume"; 98865 is "Plume (Legacy)")
	"PlumeSepolia":          98867,    // plumeSepolia.ts
	"Polygon":               137,      // polygon.ts
	"PolygonAmoy":           80002,    // polygonAmoy.ts
	"PolygonMumbai":         80001,    // polygonMumbai.ts
	"Race":                  6805,     // ethereum-lists eip155-6805.json
	"RaceSepolia":           6806,     // ethereum-lists eip155-6806.json
	"Rayls":                 72957,    // ethereum-lists eip155-72957.json
	"Robinhood":             4663,     // robinhood.ts
	"RobinhoodSepolia":      46630,    // robinhoodTestnet.ts
	"SeiAtlantic2":          1328,     // seiTestnet.ts; ethereum-lists eip155-1328.json (atlantic-2 faucet)
	"SeiPacific1":           1329,     // sei.ts
	"Sonic":                 146,      // sonic.ts
	"SonicTestnet":          14601,    // ethereum-lists eip155-14601.json ("Sonic Testnet")
	"Tempo":                 4217,     // tempo.ts
	"TempoAndantino":        42429,    // ethereum-lists eip155-42429.json (deprecated)
	"TempoModerato":         42431,    // tempoModerato.ts
	"Xdc":                   50,       // xdc.ts
	"XdcApothem":            51,       // xdcTestnet.ts ("Apothem Network")
	"XLayer":                196,      // xLayer.ts
	"XLayerSepolia":         1952,     // xLayerTestnet.ts; ethereum-lists eip155-1952.json
}

// ChainID returns the EIP-155 chain id of an EVM wire network name and
// reports whether the network is one this adapter serves with a fixed
// chain id (open-chain networks report false).
func ChainID(network string) (int64, bool) {
	id, ok := networks[network]
	return id, ok && id != openChain
}

// networkNames returns the served network names, sorted.
func networkNames() []string {
	names := make([]string, 0, len(networks))
	for n := range networks {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}
