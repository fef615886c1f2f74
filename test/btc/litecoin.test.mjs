// Litecoin transfers through the official Dfns SDK against a real Litecoin
// node: ltcd (Litecoin's btcd fork) in regtest, network LitecoinRegtest
// (rltc addresses; docs/protocol/btc-transfers.md §1). The miner wallet
// run.mjs funded with block rewards pays a P2WPKH wallet, which pays on
// with change; both confirm, and history and balances follow.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, balance, btc, mine, nodeBalance, paysTo, rehrp, sats, settled, until } from './lib.mjs';

const url = process.env.LTCD_URL;
const network = 'LitecoinRegtest';
// ltcd spells the same segwit addresses with btcd's regtest HRP.
const asNode = (a) => rehrp(a, 'bcrt');

/** transfer sends a Native transfer, mines a block and waits until it is Confirmed. */
async function transfer(from, to, amount) {
  const t = await api.wallets.transferAsset({ walletId: from.id, body: { kind: 'Native', to: to.address, amount } });
  assert.equal(t.status, 'Broadcasted', `transfer ${t.id}: ${t.reason ?? ''}`);
  assert.equal(t.network, network);
  assert.equal(t.metadata.asset.symbol, 'LTC');
  assert.equal(t.metadata.asset.decimals, 8);
  assert.deepEqual(await btc('getrawmempool', [], url), [t.txHash], 'the transfer is in ltcd\'s pool');
  await mine(1, url);
  const done = await settled(from.id, t.id);
  assert.equal(done.status, 'Confirmed', done.reason);
  assert.match(done.fee, /^[1-9][0-9]*$/);
  return done;
}

test('Litecoin against ltcd: fund, transfer with change, confirm, history and balances', async () => {
  const minerId = process.env.LTC_MINER_WALLET_ID;
  const miner = await api.wallets.getWallet({ walletId: minerId });
  assert.match(miner.address, /^rltc1q/);
  let reward = 0n;
  for (let h = 1; h <= Number(process.env.MINED); h++) reward += 5_000_000_000n >> BigInt(Math.floor(h / 150));
  let seen;
  await until(async () => (seen = await balance(minerId)) === reward, 'the miner\'s block rewards', 120_000)
    .catch((e) => assert.fail(`${e.message}: ${seen}, want ${reward}`));
  const fees = await api.networks.getFees({ query: { network } });
  assert.equal(fees.kind, 'Bitcoin');
  assert.equal(fees.blockNumber, await btc('getblockcount', [], url));

  const alice = await api.wallets.createWallet({ body: { network, name: 'ltc-alice' } });
  const bob = await api.wallets.createWallet({ body: { network, name: 'ltc-bob' } });
  assert.match(alice.address, /^rltc1q/);

  // Miner → alice, 10 LTC, change back to the miner.
  const t1 = await transfer(miner, alice, '1000000000');
  const tx1 = await btc('getrawtransaction', [t1.txHash, 1], url);
  assert.ok(tx1.confirmations >= 1);
  assert.equal(tx1.vout.filter((o) => paysTo(o, asNode(alice.address))).length, 1);
  assert.equal(tx1.vout.filter((o) => paysTo(o, asNode(miner.address))).length, 1, 'change back to the miner');
  await until(async () => (await balance(alice.id)) === 1_000_000_000n, 'alice\'s balance');

  // Alice → bob, 2.5 LTC, change back to alice.
  const t2 = await transfer(alice, bob, '250000000');
  assert.equal(await nodeBalance(asNode(bob.address), url), 250_000_000n, 'bob\'s balance on ltcd');
  const tx2 = await btc('getrawtransaction', [t2.txHash, 1], url);
  const change = tx2.vout.find((o) => paysTo(o, asNode(alice.address)));
  assert.equal(sats(change.value), 750_000_000n - BigInt(t2.fee));
  await until(async () => (await balance(alice.id)) === 750_000_000n - BigInt(t2.fee), 'alice\'s change');
  await until(async () => (await balance(bob.id)) === 250_000_000n, 'bob\'s balance');
  assert.equal(await nodeBalance(asNode(alice.address), url), 750_000_000n - BigInt(t2.fee));

  const h = await api.wallets.getWalletHistory({ walletId: alice.id });
  assert.deepEqual(h.items.map((e) => [e.kind, e.direction, e.txHash, e.value]),
    [['UtxoTransfer', 'Out', t2.txHash, '250000000'], ['UtxoTransfer', 'In', t1.txHash, '1000000000']]);
  assert.deepEqual(h.items[0].tos, [bob.address]);
  assert.deepEqual(h.items[1].froms, [miner.address]);
  assert.equal(h.items[0].fee, t2.fee);
  const assets = await api.wallets.getWalletAssets({ walletId: bob.id });
  assert.deepEqual(assets.assets.map((a) => [a.symbol, a.decimals, a.balance]), [['LTC', 8, '250000000']]);
});
