// Speed-up and cancel of a transfer stuck in the pool, through the official
// Dfns SDK against anvil with automining off (docs/protocol/evm-transfers.md
// §4c): the replacement (same nonce, higher fees) is what the next block
// mines; it is Confirmed, the original Failed as replaced, and the
// recipient is paid once (speed-up) or not at all (cancel).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, balance, hex, randomAddress, rejects, rpc, send, settled } from './lib.mjs';

const ETH = 10n ** 18n;

test('speed-up and cancel replace a Broadcasted transfer', async () => {
  const wallet = await api.wallets.createWallet({ body: { network: 'EthereumSepolia' } });
  const walletId = wallet.id;
  await send({ to: wallet.address, value: hex(ETH) });
  await rpc('evm_setAutomine', [false]);
  try {
    // Speed-up.
    const to = randomAddress();
    const xfr = await api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: '777', priority: 'Slow' } });
    assert.equal(xfr.status, 'Broadcasted');
    const orig = await rpc('eth_getTransactionByHash', [xfr.txHash]);
    const up = await api.wallets.speedUpTransfer({ walletId, transferId: xfr.id });
    assert.match(up.id, /^tx-/);
    assert.equal(up.status, 'Broadcasted', up.reason);
    assert.equal(up.requestBody.kind, 'SpeedUpTransaction');
    assert.equal(up.requestBody.txHash, xfr.txHash);
    assert.notEqual(up.txHash, xfr.txHash);
    const repl = await rpc('eth_getTransactionByHash', [up.txHash]);
    assert.equal(repl.nonce, orig.nonce, 'the same nonce');
    assert.equal(repl.to, orig.to);
    assert.equal(repl.value, orig.value);
    assert.ok(BigInt(repl.maxFeePerGas) >= BigInt(orig.maxFeePerGas) * 11n / 10n, 'fees raised by at least a tenth');
    assert.ok(BigInt(repl.maxPriorityFeePerGas) >= BigInt(orig.maxPriorityFeePerGas) * 11n / 10n);
    assert.equal((await api.wallets.getTransfer({ walletId, transferId: xfr.id })).replacementId, up.id);
    // One replacement per request.
    await rejects(api.wallets.speedUpTransfer({ walletId, transferId: xfr.id }), 409, /replaced/);
    await rejects(api.wallets.cancelTransfer({ walletId, transferId: xfr.id }), 409, /replaced/);
    await rpc('evm_mine', []);
    assert.equal((await settled(walletId, up.id, true)).status, 'Confirmed');
    const replaced = await settled(walletId, xfr.id);
    assert.equal(replaced.status, 'Failed');
    assert.match(replaced.reason, /replaced/);
    assert.equal(await balance(to), 777n, 'paid once');
    await rejects(api.wallets.speedUpTransfer({ walletId, transferId: xfr.id }), 400, /Broadcasted/);

    // Cancel: nothing to the wallet itself at the same nonce.
    const to2 = randomAddress();
    const x2 = await api.wallets.transferAsset({ walletId, body: { kind: 'Native', to: to2, amount: '888' } });
    assert.equal(x2.status, 'Broadcasted');
    const c = await api.wallets.cancelTransfer({ walletId, transferId: x2.id });
    assert.equal(c.requestBody.kind, 'CancelTransaction');
    const ctx = await rpc('eth_getTransactionByHash', [c.txHash]);
    assert.equal(ctx.to.toLowerCase(), wallet.address.toLowerCase());
    assert.equal(BigInt(ctx.value), 0n);
    await rpc('evm_mine', []);
    assert.equal((await settled(walletId, c.id, true)).status, 'Confirmed');
    assert.equal((await settled(walletId, x2.id)).status, 'Failed');
    assert.equal(await balance(to2), 0n, 'a cancelled transfer pays nothing');

    // A transaction (broadcastTransaction) is sped up the same way.
    const to3 = randomAddress();
    const tx = await api.wallets.broadcastTransaction({ walletId, body: { kind: 'Evm', to: to3, value: '5' } });
    const up3 = await api.wallets.speedUpTransaction({ walletId, transactionId: tx.id });
    assert.equal(up3.requestBody.txHash, tx.txHash);
    await rpc('evm_mine', []);
    assert.equal((await settled(walletId, up3.id, true)).status, 'Confirmed');
    assert.equal((await settled(walletId, tx.id, true)).status, 'Failed');
    assert.equal(await balance(to3), 5n);
  } finally {
    await rpc('evm_setAutomine', [true]);
  }
});
