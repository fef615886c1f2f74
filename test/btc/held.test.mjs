// Bitcoin transfers and PSBT transactions held by a RequestApproval policy,
// through the official Dfns SDK against btcd in regtest
// (docs/protocol/btc-transfers.md §6): Pending with nothing broadcast until
// another user approves, then built from the wallet's outputs, sent and
// confirmed; denied, Rejected with nothing broadcast.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { api, approverClient, balance, btc, mine, nodeBalance, paysTo, psbt, sats, settled, until } from './lib.mjs';

const network = 'BitcoinRegtest';

test('a RequestApproval policy holds Bitcoin transfers and transactions for another user’s decision', async () => {
  const approver = await approverClient();
  const minerId = process.env.MINER_WALLET_ID;
  const wallet = await api.wallets.createWallet({ body: { network, name: 'held' } });
  const dest = await api.wallets.createWallet({ body: { network, name: 'held-dest' } });
  const fund = await api.wallets.transferAsset({ walletId: minerId, body: { kind: 'Native', to: wallet.address, amount: '50000000' } });
  await mine(1);
  assert.equal((await settled(minerId, fund.id)).status, 'Confirmed');
  await until(async () => (await balance(wallet.id)) === 50_000_000n, 'the held wallet to be funded');

  const policy = await api.policies.createPolicy({
    body: {
      name: `btc-hold-${wallet.id}`, activityKind: 'Wallets:Sign', rule: { kind: 'AlwaysTrigger' },
      action: {
        kind: 'RequestApproval', autoRejectTimeout: 60,
        approvalGroups: [{ name: 'treasury', quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
      },
      filters: { walletId: { in: [wallet.id] } },
    },
  });
  try {
    // Approved: Pending, nothing in btcd's pool until the approver decides;
    // then sent (change back to the wallet) and confirmed.
    const xfr = await api.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to: dest.address, amount: '1234567' } });
    assert.equal(xfr.status, 'Pending', xfr.reason);
    assert.match(xfr.approvalId, /^ap-/);
    assert.equal(xfr.txHash, undefined);
    assert.equal(xfr.datePolicyResolved, undefined);
    const approval = await approver.api.policies.getApproval({ approvalId: xfr.approvalId });
    assert.equal(approval.activity.kind, 'Wallets:Sign');
    assert.equal(approval.activity.transferRequest.id, xfr.id);
    assert.equal(approval.activity.transferRequest.status, 'Pending');
    assert.deepEqual(await btc('getrawmempool'), [], 'nothing broadcast before the approval');
    await mine(1);
    assert.equal((await api.wallets.getTransfer({ walletId: wallet.id, transferId: xfr.id })).status, 'Pending');
    const decided = await approver.api.policies.createApprovalDecision({ approvalId: xfr.approvalId, body: { value: 'Approved' } });
    assert.equal(decided.status, 'Approved');
    const out = await until(async () => {
      const t = await api.wallets.getTransfer({ walletId: wallet.id, transferId: xfr.id });
      return t.status === 'Broadcasted' ? t : undefined;
    }, 'the approved transfer to be broadcast');
    assert.deepEqual(await btc('getrawmempool'), [out.txHash], 'the approved transfer is sent, once');
    await mine(1);
    const done = await settled(wallet.id, xfr.id);
    assert.equal(done.status, 'Confirmed', done.reason);
    assert.equal(done.approvalId, xfr.approvalId);
    assert.ok(done.datePolicyResolved);
    assert.match(done.fee, /^[1-9][0-9]*$/);
    assert.equal(await nodeBalance(dest.address), 1_234_567n);
    await until(async () => (await balance(wallet.id)) === 50_000_000n - 1_234_567n - BigInt(done.fee), 'the change back');

    // Denied: Rejected with the approver's reason, nothing broadcast.
    const x2 = await api.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to: dest.address, amount: '777777' } });
    assert.equal(x2.status, 'Pending');
    await approver.api.policies.createApprovalDecision({ approvalId: x2.approvalId, body: { value: 'Denied', reason: 'not this one' } });
    const rejected = await api.wallets.getTransfer({ walletId: wallet.id, transferId: x2.id });
    assert.equal(rejected.status, 'Rejected');
    assert.match(rejected.reason, /not this one/);
    assert.equal(rejected.txHash, undefined);
    await mine(1);
    assert.deepEqual(await btc('getrawmempool'), []);
    assert.equal(await nodeBalance(dest.address), 1_234_567n, 'a denied transfer is never sent');

    // A PSBT (broadcastTransaction) spending the wallet's change is held
    // and approved the same way.
    const raw = await btc('getrawtransaction', [done.txHash, 1]);
    const change = raw.vout.find((o) => paysTo(o, wallet.address));
    const destScript = raw.vout.find((o) => paysTo(o, dest.address)).scriptPubKey.hex;
    const value = sats(change.value);
    const tx = await api.wallets.broadcastTransaction({
      walletId: wallet.id,
      body: { kind: 'Psbt', psbt: psbt([{ txid: done.txHash, vout: change.n, value, script: change.scriptPubKey.hex }], [{ value: value - 5000n, script: destScript }]) },
    });
    assert.equal(tx.status, 'Pending');
    assert.equal((await approver.api.policies.getApproval({ approvalId: tx.approvalId })).activity.transactionRequest.id, tx.id);
    await approver.api.policies.createApprovalDecision({ approvalId: tx.approvalId, body: { value: 'Approved' } });
    await until(async () => (await api.wallets.getTransaction({ walletId: wallet.id, transactionId: tx.id })).status === 'Broadcasted', 'the PSBT to be sent');
    await mine(1);
    assert.equal((await settled(wallet.id, tx.id, true)).status, 'Confirmed');
    assert.equal(await nodeBalance(dest.address), 1_234_567n + value - 5000n);
  } finally {
    await api.policies.archivePolicy({ policyId: policy.id }).catch(() => {});
  }
});
