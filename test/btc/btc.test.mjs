// Bitcoin transfers through the official Dfns SDK against a real btcd in
// regtest (docs/protocol/btc-transfers.md): the miner wallet run.mjs funded
// with block rewards pays a P2WPKH wallet, which pays on with change, to a
// taproot (P2TR) wallet too, which pays on; a PSBT is signed and broadcast;
// bad input is refused naming the field with nothing broadcast.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, balance, btc, mine, nodeBalance, paysTo, psbt, rejects, sats, settled, until } from './lib.mjs';

const minerId = process.env.MINER_WALLET_ID;
const network = 'BitcoinRegtest';

/** transfer sends a Native transfer and checks the answer. */
async function transfer(from, to, amount, extra = {}) {
  const t = await api.wallets.transferAsset({ walletId: from.id, body: { kind: 'Native', to: to.address ?? to, amount, ...extra } });
  assert.equal(t.status, 'Broadcasted', `transfer ${t.id}: ${t.reason ?? ''}`);
  assert.match(t.txHash, /^[0-9a-f]{64}$/);
  assert.equal(t.network, network);
  assert.equal(t.metadata.asset.symbol, 'BTC');
  assert.equal(t.metadata.asset.decimals, 8);
  return t;
}

/** confirm mines a block and waits for the transfer (or transaction) to be Confirmed. */
async function confirm(walletId, t, transaction = false) {
  await mine(1);
  const done = await settled(walletId, t.id, transaction);
  assert.equal(done.status, 'Confirmed', `${t.id}: ${done.reason ?? ''}`);
  assert.ok(done.dateConfirmed);
  assert.match(done.fee, /^[1-9][0-9]*$/, 'the fee is known: every input is the wallet\'s');
  return done;
}

let miner, alice, bob, carol;

test('the miner holds its block rewards', async () => {
  miner = await api.wallets.getWallet({ walletId: minerId });
  assert.match(miner.address, /^bcrt1q/);
  // The rewards of blocks 1 to MINED (50 BTC, halved every 150 blocks on
  // regtest); the follower records them as it reads the blocks.
  let want = 0n;
  for (let h = 1; h <= Number(process.env.MINED); h++) want += 5_000_000_000n >> BigInt(Math.floor(h / 150));
  await until(async () => (await balance(minerId)) === want, 'the miner balance');
  const h = await api.wallets.getWalletHistory({ walletId: minerId, query: { limit: 3 } });
  assert.equal(h.items.length, 3);
  for (const e of h.items) {
    assert.equal(e.kind, 'UtxoTransfer');
    assert.equal(e.direction, 'In');
    assert.equal(e.value, String(5_000_000_000n >> BigInt(Math.floor(e.blockNumber / 150))));
    assert.deepEqual(e.froms, [], 'a block reward has no sender');
    assert.deepEqual(e.tos, [miner.address]);
  }
});

test('fee estimates for a Bitcoin network', async () => {
  const f = await api.networks.getFees({ query: { network } });
  assert.equal(f.kind, 'Bitcoin');
  assert.equal(f.network, network);
  assert.equal(f.blockNumber, await btc('getblockcount'));
  for (const [level, horizon] of [['slow', 12], ['standard', 6], ['fast', 2]]) {
    assert.ok(Number(f[level].feeRate) >= 2, `${level} fee rate ${f[level].feeRate} is at least the floor`);
    assert.equal(f[level].blockHorizon, horizon);
  }
  await rejects(api.networks.getFees({ query: { network: 'Bitcoin' } }), 400, /--rpc Bitcoin=URL/);
});

test('transfer with change, confirmed, on the node, in history and balances', async () => {
  alice = await api.wallets.createWallet({ body: { network, name: 'alice' } });
  bob = await api.wallets.createWallet({ body: { network, name: 'bob' } });
  assert.match(alice.address, /^bcrt1q/);
  const minerBefore = await balance(minerId);

  // Miner → alice, 10 BTC, with an externalId that replays.
  const t1 = await transfer(miner, alice, '1000000000', { externalId: `fund-${Date.now()}`, priority: 'Fast' });
  const again = await api.wallets.transferAsset({ walletId: miner.id, body: JSON.parse(JSON.stringify(t1.requestBody)) });
  assert.equal(again.id, t1.id, 'the same externalId and body get the stored transfer back');
  const c1 = await confirm(miner.id, t1);
  const tx1 = await btc('getrawtransaction', [t1.txHash, 1]);
  assert.ok(tx1.confirmations >= 1);
  const toAlice = tx1.vout.filter((o) => paysTo(o, alice.address));
  const change1 = tx1.vout.filter((o) => paysTo(o, miner.address));
  assert.equal(toAlice.length, 1);
  assert.equal(sats(toAlice[0].value), 1_000_000_000n);
  assert.equal(change1.length, 1, 'change back to the miner');
  await until(async () => (await balance(alice.id)) === 1_000_000_000n, 'alice\'s balance');
  // The block that mined it pays the miner its reward and the fee back.
  const reward = 5_000_000_000n >> BigInt(Math.floor((Number(process.env.MINED) + 1) / 150));
  await until(async () => (await balance(minerId)) === minerBefore - 1_000_000_000n + reward,
    'the miner\'s balance: less the transfer, plus the reward and fee of the block that mined it');

  // Alice → bob, 2.5 BTC, change back to alice.
  const t2 = await transfer(alice, bob, '250000000');
  const c2 = await confirm(alice.id, t2);
  assert.equal(await nodeBalance(bob.address), 250_000_000n, 'bob\'s balance on the node');
  const tx2 = await btc('getrawtransaction', [t2.txHash, 1]);
  const change2 = tx2.vout.find((o) => paysTo(o, alice.address));
  assert.ok(change2, 'change back to alice');
  assert.equal(sats(change2.value), 750_000_000n - BigInt(c2.fee));
  const aliceLeft = 1_000_000_000n - 250_000_000n - BigInt(c2.fee);
  await until(async () => (await balance(alice.id)) === aliceLeft, 'alice\'s balance after paying bob');
  await until(async () => (await balance(bob.id)) === 250_000_000n, 'bob\'s balance');

  const h = await api.wallets.getWalletHistory({ walletId: alice.id });
  assert.equal(h.items.length, 2);
  const [out, inn] = h.items; // newest first
  assert.equal(out.direction, 'Out');
  assert.equal(out.txHash, t2.txHash);
  assert.equal(out.value, '250000000');
  assert.equal(out.fee, c2.fee);
  assert.deepEqual(out.froms, [alice.address]);
  assert.deepEqual(out.tos, [bob.address]);
  assert.equal(inn.direction, 'In');
  assert.equal(inn.txHash, t1.txHash);
  assert.equal(inn.value, '1000000000');
  assert.deepEqual(inn.froms, [miner.address]);
  const outs = await api.wallets.getWalletHistory({ walletId: alice.id, query: { direction: 'Out' } });
  assert.deepEqual(outs.items.map((e) => e.txHash), [t2.txHash]);
  const list = await api.wallets.listTransfers({ walletId: alice.id });
  assert.deepEqual(list.items.map((t) => t.id), [t2.id]);
});

test('a taproot (P2TR) wallet receives and spends', async () => {
  const key = await api.keys.createKey({ body: { scheme: 'Schnorr', curve: 'secp256k1' } });
  carol = await api.wallets.createWallet({ body: { network, name: 'carol', signingKey: { id: key.id } } });
  assert.match(carol.address, /^bcrt1p/);
  const t3 = await transfer(alice, carol, '100000000');
  await confirm(alice.id, t3);
  await until(async () => (await balance(carol.id)) === 100_000_000n, 'carol\'s balance');
  const t4 = await transfer(carol, bob, '50000000');
  const c4 = await confirm(carol.id, t4);
  assert.equal(await nodeBalance(bob.address), 300_000_000n);
  await until(async () => (await balance(carol.id)) === 50_000_000n - BigInt(c4.fee), 'carol\'s change');
});

test('back-to-back transfers: the second spends the first one\'s change before it is mined', async () => {
  const erin = await api.wallets.createWallet({ body: { network, name: 'erin' } });
  await confirm(miner.id, await transfer(miner, erin, '40000000'));
  await until(async () => (await balance(erin.id)) === 40_000_000n, 'erin\'s one output');
  const first = await transfer(erin, bob, '10000000');
  const second = await transfer(erin, bob, '10000000'); // only the first one's change can pay it
  const tx2 = await btc('getrawtransaction', [second.txHash, 1]);
  assert.deepEqual(tx2.vin.map((i) => i.txid), [first.txHash], 'the second spends the first one\'s change');
  assert.equal((await balance(erin.id)), 40_000_000n, 'pending change is not counted, the spent output still is');
  await mine(1);
  const [a, b] = [await settled(erin.id, first.id), await settled(erin.id, second.id)];
  assert.deepEqual([a.status, b.status], ['Confirmed', 'Confirmed']);
  await until(async () => (await balance(erin.id)) === 20_000_000n - BigInt(a.fee) - BigInt(b.fee), 'erin\'s balance');
});

test('a PSBT is signed and broadcast', async () => {
  // Spend alice's change output (the node tells its outpoint) to bob.
  const txs = await btc('searchrawtransactions', [alice.address, 1, 0, 100, 1]);
  const spent = new Set(txs.flatMap((tx) => tx.vin.map((i) => `${i.txid}:${i.vout}`)));
  const utxos = txs.flatMap((tx) => tx.vout.filter((o) => paysTo(o, alice.address) && !spent.has(`${tx.txid}:${o.n}`))
    .map((o) => ({ txid: tx.txid, vout: o.n, value: sats(o.value), script: o.scriptPubKey.hex })));
  assert.ok(utxos.length >= 1, 'alice has an unspent output');
  const input = utxos[0];
  const bobScript = (await btc('getrawtransaction', [(await api.wallets.listTransfers({ walletId: alice.id })).items.at(-1).txHash, 1]))
    .vout.find((o) => paysTo(o, bob.address)).scriptPubKey.hex;
  const fee = 1_000n;
  const body = { kind: 'Psbt', psbt: psbt([input], [{ value: 10_000_000n, script: bobScript },
    { value: input.value - 10_000_000n - fee, script: input.script }]) };
  const tx = await api.wallets.broadcastTransaction({ walletId: alice.id, body });
  assert.equal(tx.status, 'Broadcasted', tx.reason);
  assert.match(tx.id, /^tx-/);
  const done = await confirm(alice.id, tx, true);
  assert.equal(done.fee, String(fee));
  assert.equal(await nodeBalance(bob.address), 330_000_000n);
  const list = await api.wallets.listTransactions({ walletId: alice.id });
  assert.deepEqual(list.items.map((t) => t.id), [tx.id]);
});

test('bad input is refused naming the field, and nothing is broadcast', async () => {
  const pool = async () => (await btc('getrawmempool')).length;
  assert.equal(await pool(), 0);
  const send = (walletId, body) => api.wallets.transferAsset({ walletId, body: { kind: 'Native', ...body } });
  await rejects(send(alice.id, { to: bob.address, amount: '1.5' }), 400, /amount/);
  await rejects(send(alice.id, { to: bob.address, amount: '-5' }), 400, /amount/);
  await rejects(send(alice.id, { to: bob.address, amount: 'a lot' }), 400, /amount/);
  await rejects(send(alice.id, { to: bob.address, amount: '0' }), 400, /amount/);
  await rejects(send(alice.id, { to: bob.address, amount: '100' }), 400, /amount .*dust/);
  await rejects(send(alice.id, { to: bob.address, amount: '99900000000' }), 400, /amount .*exceeds the wallet's spendable balance/);
  await rejects(send(alice.id, { to: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', amount: '1000' }), 400, /to is not a BitcoinRegtest address/);
  await rejects(send(alice.id, { to: '0x' + '11'.repeat(20), amount: '1000' }), 400, /to is not a BitcoinRegtest address/);
  await rejects(send(alice.id, { amount: '1000' }), 400, /to is required/);
  await rejects(api.wallets.transferAsset({ walletId: alice.id, body: { kind: 'Erc20', contract: '0x' + '11'.repeat(20), to: bob.address, amount: '1' } }),
    400, /kind "Erc20"/);
  await rejects(api.wallets.broadcastTransaction({ walletId: alice.id, body: { kind: 'Psbt', psbt: '0x70736274ff00' } }), 400, /psbt/);
  // A network without a node: wallets are created, transfers name the flag.
  const main = await api.wallets.createWallet({ body: { network: 'Bitcoin' } });
  await rejects(send(main.id, { to: 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4', amount: '1000' }), 400, /--rpc Bitcoin=URL/);
  await rejects(api.wallets.getWalletHistory({ walletId: main.id }), 400, /--rpc Bitcoin=URL/);
  assert.equal(await pool(), 0, 'nothing was broadcast');
  assert.equal((await api.wallets.listTransfers({ walletId: alice.id })).items.length, 2, 'nothing was stored');
});

test('a reorganisation is reflected: the transfer is confirmed again in its new block, recorded once', async () => {
  const before = await btc('getblockcount');
  await mine(1); // block H-1, empty of our transfers
  const t = await transfer(alice, bob, '20000000');
  const first = await confirm(alice.id, t); // block H
  const h = before + 2;
  const out = async () => (await api.wallets.getWalletHistory({ walletId: alice.id, query: { direction: 'Out' } }))
    .items.filter((e) => e.txHash === t.txHash);
  await until(async () => (await out()).length === 1, 'the Out event');
  assert.equal((await out())[0].blockNumber, h);
  // Blocks H-1 and H leave the chain; the transfer goes back to btcd's
  // pool and is mined again in the new block H-1.
  await btc('invalidateblock', [await btc('getblockhash', [h - 1])]);
  await mine(3);
  const tx = await btc('getrawtransaction', [t.txHash, 1]);
  const newHeight = (await btc('getblockheader', [tx.blockhash, true])).height;
  assert.equal(newHeight, h - 1);
  await until(async () => {
    const es = await out();
    return es.length === 1 && es[0].blockNumber === h - 1;
  }, 'the Out event moved to the new block');
  const again = await settled(alice.id, t.id);
  assert.equal(again.status, 'Confirmed');
  assert.equal(again.fee, first.fee);
  assert.equal(await nodeBalance(bob.address), 350_000_000n);
});

test('every transfer passes the policy step: a recipient whitelist blocks the others, nothing broadcast', async () => {
  const policy = await api.policies.createPolicy({
    body: {
      name: `btc-whitelist-${Date.now()}`, activityKind: 'Wallets:Sign',
      rule: { kind: 'TransactionRecipientWhitelist', configuration: { addresses: [bob.address] } },
      action: { kind: 'Block' }, filters: { walletId: { in: [alice.id] } },
    },
  });
  try {
    const ok = await transfer(alice, bob, '1000000');
    await confirm(alice.id, ok);
    const blocked = await api.wallets.transferAsset({ walletId: alice.id, body: { kind: 'Native', to: carol.address, amount: '1000000' } });
    assert.equal(blocked.status, 'Rejected');
    assert.match(blocked.reason, new RegExp(policy.id));
    assert.equal(blocked.txHash, undefined);
    assert.deepEqual(await btc('getrawmempool'), [], 'nothing was broadcast');
    assert.equal((await api.wallets.getTransfer({ walletId: alice.id, transferId: blocked.id })).status, 'Rejected');
  } finally {
    await api.policies.archivePolicy({ policyId: policy.id }).catch(() => {});
  }
});
