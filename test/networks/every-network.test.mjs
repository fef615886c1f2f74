// Every network name of the Go SDK's list (docs/protocol/keys-wallets.md §5,
// README "Networks"): createWallet through the official Dfns SDK succeeds with an
// address on each served name (Inactive and without one where the chain
// creates the account), and answers 400 naming the network on the
// few Custos does not serve yet. A name that stops working, or starts
// working unannounced, fails here.
import assert from 'node:assert/strict';
import test from 'node:test';
import { DfnsError } from '@dfns/sdk';
import { api } from './lib.mjs';

const goSDK = [
  'Algorand', 'AlgorandTestnet', 'Aptos', 'AptosTestnet', 'ArbitrumOne', 'ArbitrumSepolia', 'ArcTestnet',
  'AvalancheC', 'AvalancheCFuji', 'BabylonGenesis', 'BabylonTestnet5', 'Base', 'BaseSepolia', 'Berachain',
  'BerachainBepolia', 'Bitcoin', 'BitcoinSignet', 'BitcoinTestnet4', 'BitcoinCash', 'Bob', 'BobSepolia', 'Bsc',
  'BscTestnet', 'Canton', 'CantonTestnet', 'Cardano', 'CardanoPreprod', 'Concordium', 'ConcordiumTestnet', 'Celo',
  'CeloAlfajores', 'Codex', 'CodexSepolia', 'CosmosHub4', 'CosmosIcsTestnet', 'Dogecoin', 'DogecoinTestnet',
  'Ethereum', 'EthereumClassic', 'EthereumClassicMordor', 'EthereumSepolia', 'EthereumHoodi', 'FlareC',
  'FlareCCoston2', 'FlowEvm', 'FlowEvmTestnet', 'Hedera', 'HederaTestnet', 'Ink', 'InkSepolia', 'InternetComputer',
  'Ion', 'IonTestnet', 'Iota', 'IotaTestnet', 'Kusama', 'KusamaAssetHub', 'Litecoin', 'LitecoinTestnet', 'Movement',
  'MovementTestnet', 'Near', 'NearTestnet', 'Optimism', 'OptimismSepolia', 'Origyn', 'Plasma', 'PlasmaTestnet',
  'Plume', 'PlumeSepolia', 'Paseo', 'PaseoAssetHub', 'Polkadot', 'PolkadotAssetHub', 'Polygon', 'PolygonAmoy',
  'Polymesh', 'PolymeshTestnet', 'Race', 'RaceSepolia', 'Rayls', 'RaylsTestnet', 'Robinhood', 'RobinhoodSepolia',
  'SeiAtlantic2', 'SeiPacific1', 'Solana', 'SolanaDevnet', 'Sonic', 'SonicTestnet', 'Starknet', 'StarknetSepolia',
  'Stellar', 'StellarTestnet', 'Sui', 'SuiTestnet', 'Tezos', 'TezosGhostnet', 'TezosShadownet', 'Tempo',
  'TempoModerato', 'Tsc', 'TscTestnet1', 'Ton', 'TonTestnet', 'Tron', 'TronNile', 'Westend', 'WestendAssetHub',
  'Xdc', 'XdcApothem', 'XLayer', 'XLayerSepolia', 'XrpLedger', 'XrpLedgerTestnet',
];

// Not served yet (README "Networks" says why).
const notServed = new Set([]);

// Accounts the chain creates (docs/protocol/networks-hedera-concordium.md,
// networks-canton.md): the wallet is Inactive, without an address, until
// activated.
const inactive = new Set(['Canton', 'CantonTestnet', 'Concordium', 'ConcordiumTestnet']);

test('createWallet on every network name of the Go SDK', async () => {
  let made = 0;
  for (const network of goSDK) {
    const body = { network, name: `every-${network}` };
    if (notServed.has(network)) {
      await assert.rejects(api.wallets.createWallet({ body }), (err) => {
        assert.ok(err instanceof DfnsError, `${network}: ${err}`);
        assert.equal(err.httpStatus, 400);
        assert.match(err.message, new RegExp(network));
        return true;
      });
      continue;
    }
    const w = await api.wallets.createWallet({ body });
    assert.equal(w.network, network);
    if (inactive.has(network)) {
      assert.equal(w.status, 'Inactive', network);
      assert.equal(w.address, undefined, `${network}: no address yet`);
    } else {
      assert.equal(w.status, 'Active', network);
      assert.ok(typeof w.address === 'string' && w.address.length > 0, `${network}: an address`);
    }
    assert.ok(w.signingKey?.publicKey, `${network}: a signing key`);
    made++;
  }
  assert.equal(made, goSDK.length - notServed.size);
});
