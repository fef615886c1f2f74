// Speed-up, cancel and abort of Solana wallets' requests through the
// official Dfns SDK (docs/protocol/sol-transfers.md §2): speed-up and cancel
// are a 400 (Solana has no replacement of a sent transaction) and leave the
// transfer as it was; abort refuses a transfer that is sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { airdrop, api, rejects, settled } from './lib.mjs';

const network = 'SolanaDevnet';

test('speed-up and cancel of a Solana transfer are a 400; abort refuses a sent one', async () => {
  const from = await api.wallets.createWallet({ body: { network, name: 'replace-from' } });
  const to = await api.wallets.createWallet({ body: { network, name: 'replace-to' } });
  await airdrop(from.address, 1_000_000_000n);
  const t = await api.wallets.transferAsset({ walletId: from.id, body: { kind: 'Native', to: to.address, amount: '1000000' } });
  assert.equal(t.status, 'Broadcasted', `${t.id}: ${t.reason ?? ''}`);
  const ids = { walletId: from.id, transferId: t.id };
  await rejects(api.wallets.speedUpTransfer(ids), 400, /cannot be sped up: Solana \(SolanaDevnet\) has no replacement/);
  await rejects(api.wallets.cancelTransfer(ids), 400, /cannot be cancelled: Solana \(SolanaDevnet\) has no replacement/);
  await rejects(api.wallets.abortTransfer(ids), 400, /only an Executing transfer that is not signed yet can be aborted/);
  const done = await settled(from.id, t.id);
  assert.equal(done.status, 'Confirmed', `${t.id}: ${done.reason ?? ''}`);
  assert.equal(done.replacementId, undefined, 'no replacement recorded');
  const txs = await api.wallets.listTransactions({ walletId: from.id });
  assert.equal(txs.items.length, 0, 'no replacement transaction stored');
  await rejects(api.wallets.speedUpTransfer(ids), 400, /has no replacement/);
});
