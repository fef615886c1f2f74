// A network without EIP-1559 (anvil --hardfork berlin, standing for
// BscTestnet; run.mjs starts it): fees are answered in Dfns's Eip1559 shape
// from eth_gasPrice, and a transfer goes out as a legacy (type 0, EIP-155)
// transaction, to Confirmed (docs/protocol/evm-transfers.md §3).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, balance, hex, randomAddress, rpc, send, settled } from './lib.mjs';

const url = process.env.ANVIL_LEGACY_URL;
const network = 'BscTestnet';

test('a network without EIP-1559: legacy fees and a legacy transfer to Confirmed', async () => {
  const head = await rpc('eth_getBlockByNumber', ['latest', false], url);
  assert.equal(head.baseFeePerGas, undefined, 'the berlin node has no base fee');
  const gasPrice = BigInt(await rpc('eth_gasPrice', [], url));

  const fees = await api.networks.getFees({ query: { network } });
  assert.equal(fees.kind, 'Eip1559');
  assert.equal(fees.network, network);
  assert.equal(fees.baseFeePerGas, '0');
  assert.equal(BigInt(fees.slow.maxFeePerGas), gasPrice);
  for (const level of ['slow', 'standard', 'fast']) {
    assert.equal(fees[level].maxPriorityFeePerGas, fees[level].maxFeePerGas, `${level}: a gas price`);
  }
  assert.ok(BigInt(fees.fast.maxFeePerGas) > BigInt(fees.standard.maxFeePerGas));

  const wallet = await api.wallets.createWallet({ body: { network } });
  await send({ to: wallet.address, value: hex(10n ** 18n), gasPrice: hex(gasPrice) }, url);
  const to = randomAddress();
  const xfr = await api.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to, amount: '4242', priority: 'Fast' } });
  assert.equal(xfr.status, 'Broadcasted', xfr.reason);
  const tx = await rpc('eth_getTransactionByHash', [xfr.txHash], url);
  assert.equal(tx.type, '0x0', 'a legacy transaction');
  assert.equal(BigInt(tx.chainId), 97n, 'signed with EIP-155');
  assert.ok(BigInt(tx.gasPrice) > gasPrice, 'the Fast gas price, above the node\'s');
  assert.equal(tx.from.toLowerCase(), wallet.address.toLowerCase());
  await rpc('evm_mine', [], url);
  const done = await settled(wallet.id, xfr.id);
  assert.equal(done.status, 'Confirmed', done.reason);
  assert.equal(BigInt(done.fee), 21000n * BigInt(tx.gasPrice));
  assert.equal(await balance(to, url), 4242n);

  // A transaction without fees (Evm kind) goes out as a legacy one too.
  const bt = await api.wallets.broadcastTransaction({ walletId: wallet.id, body: { kind: 'Evm', to, value: '8' } });
  assert.equal(bt.status, 'Broadcasted', bt.reason);
  assert.equal((await rpc('eth_getTransactionByHash', [bt.txHash], url)).type, '0x0');
  await rpc('evm_mine', [], url);
  assert.equal((await settled(wallet.id, bt.id, true)).status, 'Confirmed');
  assert.equal(await balance(to, url), 4250n);
});
