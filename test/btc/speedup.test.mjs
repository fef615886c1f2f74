// Replace-by-fee speed-up of a Bitcoin transfer waiting in btcd's pool,
// through the official Dfns SDK (docs/protocol/btc-transfers.md §4a): the
// replacement spends the same inputs, pays the recipient the same amount
// with a higher fee from the change; the next block mines it, it is
// Confirmed, the original Failed as replaced, and the recipient is paid
// once.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, balance, btc, mine, nodeBalance, rejects, settled, until } from './lib.mjs';

const network = 'BitcoinRegtest';

test('speed-up replaces a Broadcasted Bitcoin transfer (RBF)', async () => {
  const minerId = process.env.MINER_WALLET_ID;
  const payer = await api.wallets.createWallet({ body: { network, name: 'rbf-payer' } });
  const payee = await api.wallets.createWallet({ body: { network, name: 'rbf-payee' } });
  const fund = await api.wallets.transferAsset({ walletId: minerId, body: { kind: 'Native', to: payer.address, amount: '20000000' } });
  await mine(1);
  assert.equal((await settled(minerId, fund.id)).status, 'Confirmed');
  await until(async () => (await balance(payer.id)) === 20_000_000n, 'the payer to be funded');

  const xfr = await api.wallets.transferAsset({ walletId: payer.id, body: { kind: 'Native', to: payee.address, amount: '5000000', priority: 'Slow' } });
  assert.equal(xfr.status, 'Broadcasted');
  const before = (await btc('getrawmempool', [true]))[xfr.txHash];
  const up = await api.wallets.speedUpTransfer({ walletId: payer.id, transferId: xfr.id });
  assert.match(up.id, /^tx-/);
  assert.equal(up.status, 'Broadcasted', up.reason);
  assert.equal(up.requestBody.kind, 'SpeedUpTransaction');
  assert.equal(up.requestBody.txHash, xfr.txHash);
  assert.notEqual(up.txHash, xfr.txHash);
  const pool = await btc('getrawmempool');
  assert.ok(pool.includes(up.txHash) && !pool.includes(xfr.txHash), 'btcd replaced the transfer in its pool');
  const after = (await btc('getrawmempool', [true]))[up.txHash];
  assert.ok(after.fee > before.fee, `the fee grew: ${before.fee} → ${after.fee}`);
  const orig = await btc('getrawtransaction', [xfr.txHash, 1]).catch(() => undefined);
  const repl = await btc('getrawtransaction', [up.txHash, 1]);
  if (orig) assert.deepEqual(repl.vin.map((i) => `${i.txid}:${i.vout}`), orig.vin.map((i) => `${i.txid}:${i.vout}`), 'the same inputs');
  assert.equal((await api.wallets.getTransfer({ walletId: payer.id, transferId: xfr.id })).replacementId, up.id);
  await rejects(api.wallets.speedUpTransfer({ walletId: payer.id, transferId: xfr.id }), 409, /replaced/);
  await rejects(api.wallets.cancelTransfer({ walletId: payer.id, transferId: xfr.id }), 400, /not supported/);

  await mine(1);
  const done = await settled(payer.id, up.id, true);
  assert.equal(done.status, 'Confirmed', done.reason);
  const replaced = await settled(payer.id, xfr.id);
  assert.equal(replaced.status, 'Failed');
  assert.match(replaced.reason, /replaced/);
  assert.equal(await nodeBalance(payee.address), 5_000_000n, 'paid once');
  await until(async () => (await balance(payee.id)) === 5_000_000n, 'the payee\'s balance');
  await until(async () => (await balance(payer.id)) === 20_000_000n - 5_000_000n - BigInt(done.fee), 'the payer\'s change');
  assert.ok(BigInt(done.fee) > 0n);
  await rejects(api.wallets.speedUpTransfer({ walletId: payer.id, transferId: xfr.id }), 400, /Failed/);
});
