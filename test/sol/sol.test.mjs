// Solana transfers through the official Dfns SDK against the litesvm shim
// (docs/protocol/sol-transfers.md): a wallet funded by an airdrop pays SOL
// on; an SPL mint made in the test pays a wallet without a token account
// (created by the transfer); a transaction built with @solana/kit is
// signed and broadcast; assets and history follow; bad input is refused
// naming the field with nothing sent.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  address, appendTransactionMessageInstructions, compileTransaction, createNoopSigner, createTransactionMessage,
  generateKeyPairSigner, getTransactionEncoder, pipe, setTransactionMessageFeePayer, setTransactionMessageLifetimeUsingBlockhash,
} from '@solana/kit';
import { getTransferSolInstruction } from '@solana-program/system';
import {
  airdrop, api, approverClient, createMint, lamportsOf, latestBlockhash, mintTo, rejects, rpc, settled, TOKEN_2022, tokensOf, until,
} from './lib.mjs';

const network = 'SolanaDevnet';
const SOL = 1_000_000_000n;
let alice, bob, carol, token;

/** transfer sends a transfer and checks the answer. */
async function transfer(from, body) {
  const t = await api.wallets.transferAsset({ walletId: from.id, body });
  assert.equal(t.status, 'Broadcasted', `transfer ${t.id}: ${t.reason ?? ''}`);
  assert.match(t.txHash, /^[1-9A-HJ-NP-Za-km-z]{64,88}$/, 'a base58 signature');
  assert.equal(t.network, network);
  return t;
}

/** confirmed waits for a transfer (or transaction) to be Confirmed. */
async function confirmed(walletId, t, transaction = false) {
  const done = await settled(walletId, t.id, transaction);
  assert.equal(done.status, 'Confirmed', `${t.id}: ${done.reason ?? ''}`);
  assert.ok(done.dateConfirmed);
  assert.match(done.fee, /^[1-9][0-9]*$/);
  assert.equal((await rpc('getSignatureStatuses', [[t.txHash]])).value[0].err, null, 'it succeeded in litesvm');
  return done;
}

/** nativeBalance is the Native balance GET /wallets/{id}/assets shows. */
async function nativeBalance(walletId) {
  const a = await api.wallets.getWalletAssets({ walletId });
  const n = a.assets.find((x) => x.kind === 'Native');
  assert.equal(n.symbol, 'SOL');
  assert.equal(n.decimals, 9);
  return BigInt(n.balance);
}

test('fee estimates for a Solana network', async () => {
  const f = await api.networks.getFees({ query: { network } });
  assert.equal(f.kind, 'Solana');
  assert.equal(f.network, network);
  assert.ok(f.blockNumber > 0);
  for (const level of ['slow', 'standard', 'fast']) assert.match(f[level].computeUnitPrice, /^[0-9]+$/);
  await rejects(api.networks.getFees({ query: { network: 'Solana' } }), 400, /--rpc Solana=URL/);
});

test('Native transfer: confirmed, on chain, in balances and history', async () => {
  alice = await api.wallets.createWallet({ body: { network, name: 'alice' } });
  bob = await api.wallets.createWallet({ body: { network, name: 'bob' } });
  await airdrop(alice.address, 10n * SOL);
  assert.equal(await nativeBalance(alice.id), 10n * SOL);

  const ext = `sol-${Date.now()}`;
  const t = await transfer(alice, { kind: 'Native', to: bob.address, amount: String(3n * SOL / 2n), externalId: ext, priority: 'Fast' });
  assert.equal(t.metadata.asset.symbol, 'SOL');
  assert.equal(t.metadata.asset.decimals, 9);
  const again = await api.wallets.transferAsset({ walletId: alice.id, body: JSON.parse(JSON.stringify(t.requestBody)) });
  assert.equal(again.id, t.id, 'the same externalId and body get the stored transfer back');
  const done = await confirmed(alice.id, t);
  assert.equal(done.fee, '5000', 'one signature, no compute-unit price (the shim has no recent priority fees)');
  assert.equal(await lamportsOf(bob.address), 3n * SOL / 2n, 'bob\'s balance in litesvm');
  assert.equal(await lamportsOf(alice.address), 10n * SOL - 3n * SOL / 2n - 5000n);
  assert.equal(await nativeBalance(bob.id), 3n * SOL / 2n);

  const h = await until(async () => {
    const r = await api.wallets.getWalletHistory({ walletId: alice.id });
    return r.items.length === 2 ? r : undefined;
  }, 'alice\'s two events');
  const [out, inn] = h.items; // newest first
  assert.equal(out.kind, 'NativeTransfer');
  assert.equal(out.direction, 'Out');
  assert.equal(out.txHash, t.txHash);
  assert.equal(out.value, String(3n * SOL / 2n));
  assert.equal(out.fee, '5000');
  assert.equal(out.from, alice.address);
  assert.equal(out.to, bob.address);
  assert.equal(inn.direction, 'In');
  assert.equal(inn.value, String(10n * SOL));
  assert.equal(inn.to, alice.address);
  const bh = await until(async () => (await api.wallets.getWalletHistory({ walletId: bob.id, query: { direction: 'In' } }))
    .items.find((e) => e.txHash === t.txHash), 'bob\'s In event');
  assert.equal(bh.from, alice.address);
  const list = await api.wallets.listTransfers({ walletId: alice.id });
  assert.deepEqual(list.items.map((x) => x.id), [t.id]);
});

test('Spl transfer to a wallet without a token account: the account is created, the tokens arrive', async () => {
  carol = await api.wallets.createWallet({ body: { network, name: 'carol' } });
  token = await createMint(6);
  await mintTo(token, alice.address, 1_000_000_000n);
  assert.equal(await tokensOf(alice.address, token.mint), 1_000_000_000n);

  await rejects(api.wallets.transferAsset({ walletId: alice.id, body: { kind: 'Spl', mint: token.mint, to: carol.address, amount: '1' } }),
    400, /createDestinationAccount/);
  const t = await transfer(alice, { kind: 'Spl', mint: token.mint, to: carol.address, amount: '250000000', createDestinationAccount: true });
  assert.equal(t.metadata.asset.decimals, 6);
  await confirmed(alice.id, t);
  assert.equal(await tokensOf(carol.address, token.mint), 250_000_000n, 'carol holds the tokens in litesvm');
  assert.equal(await tokensOf(alice.address, token.mint), 750_000_000n);

  const spl = await until(async () => {
    const r = await api.wallets.getWalletHistory({ walletId: alice.id, query: { kind: 'SplTransfer' } });
    return r.items.length === 2 ? r.items : undefined;
  }, 'alice\'s SplTransfer events');
  assert.equal(spl[0].direction, 'Out');
  assert.equal(spl[0].mint, token.mint);
  assert.equal(spl[0].value, '250000000');
  assert.equal(spl[0].to, carol.address);
  assert.equal(spl[0].metadata.asset.decimals, 6);
  assert.equal(spl[1].direction, 'In', 'the mint to alice');
  assert.equal(spl[1].value, '1000000000');
  await until(async () => (await api.wallets.getWalletHistory({ walletId: carol.id, query: { kind: 'SplTransfer' } }))
    .items.some((e) => e.direction === 'In' && e.from === alice.address && e.value === '250000000'), 'carol\'s In event');

  const assets = await api.wallets.getWalletAssets({ walletId: alice.id });
  const a = assets.assets.find((x) => x.kind === 'Spl');
  assert.deepEqual({ mint: a.mint, decimals: a.decimals, balance: a.balance, symbol: a.symbol },
    { mint: token.mint, decimals: 6, balance: '750000000', symbol: undefined });
  const c = (await api.wallets.getWalletAssets({ walletId: carol.id })).assets.find((x) => x.kind === 'Spl');
  assert.equal(c.balance, '250000000');
});

test('Spl2022 transfer of a Token-2022 mint; a mint of the other program is refused naming mint', async () => {
  const t22 = await createMint(9, TOKEN_2022);
  await mintTo(t22, alice.address, 5_000_000_000n);
  await rejects(api.wallets.transferAsset({ walletId: alice.id,
    body: { kind: 'Spl', mint: t22.mint, to: carol.address, amount: '1', createDestinationAccount: true } }), 400, /mint .* kind Spl/);
  const t = await transfer(alice, { kind: 'Spl2022', mint: t22.mint, to: carol.address, amount: '1500000000', createDestinationAccount: true });
  assert.equal(t.metadata.asset.decimals, 9);
  await confirmed(alice.id, t);
  assert.equal(await tokensOf(carol.address, t22.mint), 1_500_000_000n, 'carol holds the Token-2022 tokens in litesvm');
  const e = await until(async () => (await api.wallets.getWalletHistory({ walletId: carol.id, query: { kind: 'Spl2022Transfer' } }))
    .items.find((x) => x.txHash === t.txHash), 'carol\'s Spl2022Transfer');
  assert.deepEqual([e.direction, e.mint, e.value, e.from], ['In', t22.mint, '1500000000', alice.address]);
  const a = (await api.wallets.getWalletAssets({ walletId: carol.id })).assets.find((x) => x.kind === 'Spl2022');
  assert.deepEqual([a.mint, a.decimals, a.balance], [t22.mint, 9, '1500000000']);
});

test('broadcastTransaction of an unsigned transaction built with @solana/kit', async () => {
  const before = await lamportsOf(bob.address);
  const me = createNoopSigner(address(alice.address));
  const lifetime = await latestBlockhash();
  const message = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(address(alice.address), m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions([getTransferSolInstruction({ source: me, destination: address(bob.address), amount: 12_345_678n })], m),
  );
  const unsigned = Buffer.from(getTransactionEncoder().encode(compileTransaction(message))).toString('hex');
  const tx = await api.wallets.broadcastTransaction({ walletId: alice.id, body: { kind: 'Transaction', transaction: `0x${unsigned}` } });
  assert.equal(tx.status, 'Broadcasted', tx.reason);
  await confirmed(alice.id, tx, true);
  assert.equal(await lamportsOf(bob.address), before + 12_345_678n);
  const listed = await api.wallets.listTransactions({ walletId: alice.id });
  assert.deepEqual(listed.items.map((x) => x.id), [tx.id]);

  // A transaction the wallet does not sign is refused.
  const stranger = await generateKeyPairSigner();
  const other = pipe(
    createTransactionMessage({ version: 0 }),
    (m) => setTransactionMessageFeePayer(stranger.address, m),
    (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
    (m) => appendTransactionMessageInstructions([getTransferSolInstruction({ source: createNoopSigner(stranger.address), destination: address(bob.address), amount: 1n })], m),
  );
  const hex = Buffer.from(getTransactionEncoder().encode(compileTransaction(other))).toString('hex');
  await rejects(api.wallets.broadcastTransaction({ walletId: alice.id, body: { kind: 'Transaction', transaction: hex } }), 400,
    /not a required signer/);
});

test('every transfer passes the policy step: a recipient whitelist blocks the others, nothing sent', async () => {
  const policy = await api.policies.createPolicy({
    body: {
      name: `sol-whitelist-${Date.now()}`, activityKind: 'Wallets:Sign',
      rule: { kind: 'TransactionRecipientWhitelist', configuration: { addresses: [bob.address] } },
      action: { kind: 'Block' }, filters: { walletId: { in: [alice.id] } },
    },
  });
  try {
    const ok = await transfer(alice, { kind: 'Native', to: bob.address, amount: '1000000' });
    await confirmed(alice.id, ok);
    const carolBefore = await lamportsOf(carol.address);
    const carolTokens = await tokensOf(carol.address, token.mint);
    for (const body of [{ kind: 'Native', to: carol.address, amount: '1000000' },
      { kind: 'Spl', mint: token.mint, to: carol.address, amount: '1000' }]) {
      const blocked = await api.wallets.transferAsset({ walletId: alice.id, body });
      assert.equal(blocked.status, 'Rejected', `${body.kind}: ${blocked.reason ?? ''}`);
      assert.match(blocked.reason, new RegExp(policy.id));
      assert.equal(blocked.txHash, undefined);
      assert.equal((await api.wallets.getTransfer({ walletId: alice.id, transferId: blocked.id })).status, 'Rejected');
    }
    assert.equal(await lamportsOf(carol.address), carolBefore, 'nothing reached carol');
    assert.equal(await tokensOf(carol.address, token.mint), carolTokens);
  } finally {
    await api.policies.archivePolicy({ policyId: policy.id }).catch(() => {});
  }
});

test('a RequestApproval policy holds Solana transfers and transactions for another user’s decision', async () => {
  const approver = await approverClient();
  const wallet = await api.wallets.createWallet({ body: { network } });
  await airdrop(wallet.address, 2n * SOL);
  const policy = await api.policies.createPolicy({
    body: {
      name: `sol-hold-${wallet.id}`, activityKind: 'Wallets:Sign', rule: { kind: 'AlwaysTrigger' },
      action: {
        kind: 'RequestApproval', autoRejectTimeout: 60,
        approvalGroups: [{ name: 'treasury', quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
      },
      filters: { walletId: { in: [wallet.id] } },
    },
  });
  try {
    const to = (await generateKeyPairSigner()).address;
    const held = await api.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to, amount: '31337000' } });
    assert.equal(held.status, 'Pending');
    assert.match(held.approvalId, /^ap-/);
    assert.equal(held.txHash, undefined);
    const listed = await approver.api.policies.getApproval({ approvalId: held.approvalId });
    assert.equal(listed.activity.kind, 'Wallets:Sign');
    assert.equal(listed.activity.transferRequest.id, held.id);
    assert.equal(await lamportsOf(to), 0n, 'nothing sent before the approval');
    // The blockhash it was built with expires while it waits: it is signed with a fresh one.
    await rpc('shim_warp', [160]);
    const decided = await approver.api.policies.createApprovalDecision({ approvalId: held.approvalId, body: { value: 'Approved' } });
    assert.equal(decided.status, 'Approved');
    const done = await settled(wallet.id, held.id);
    assert.equal(done.status, 'Confirmed', done.reason);
    assert.equal(done.approvalId, held.approvalId);
    assert.equal(await lamportsOf(to), 31_337_000n);

    const denied = await api.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to, amount: '4444000' } });
    assert.equal(denied.status, 'Pending');
    await approver.api.policies.createApprovalDecision({ approvalId: denied.approvalId, body: { value: 'Denied', reason: 'not this one' } });
    const rejected = await api.wallets.getTransfer({ walletId: wallet.id, transferId: denied.id });
    assert.equal(rejected.status, 'Rejected');
    assert.match(rejected.reason, /not this one/);
    assert.equal(await lamportsOf(to), 31_337_000n, 'a denied transfer is never sent');

    // A transaction (broadcastTransaction) is held and approved the same way.
    const lifetime = await latestBlockhash();
    const msg = pipe(
      createTransactionMessage({ version: 0 }),
      (m) => setTransactionMessageFeePayer(address(wallet.address), m),
      (m) => setTransactionMessageLifetimeUsingBlockhash(lifetime, m),
      (m) => appendTransactionMessageInstructions([getTransferSolInstruction({ source: createNoopSigner(address(wallet.address)),
        destination: address(to), amount: 5_000_000n })], m),
    );
    const unsigned = Buffer.from(getTransactionEncoder().encode(compileTransaction(msg))).toString('hex');
    const tx = await api.wallets.broadcastTransaction({ walletId: wallet.id, body: { kind: 'Transaction', transaction: unsigned } });
    assert.equal(tx.status, 'Pending');
    assert.equal((await approver.api.policies.getApproval({ approvalId: tx.approvalId })).activity.transactionRequest.id, tx.id);
    await approver.api.policies.createApprovalDecision({ approvalId: tx.approvalId, body: { value: 'Approved' } });
    assert.equal((await settled(wallet.id, tx.id, true)).status, 'Confirmed');
    assert.equal(await lamportsOf(to), 36_337_000n);
  } finally {
    await api.policies.archivePolicy({ policyId: policy.id }).catch(() => {});
  }
});

test('a transfer whose transaction never lands is Failed once its blockhash expired, and moves nothing', async () => {
  const before = await lamportsOf(bob.address);
  await rpc('shim_drop', [true]);
  let t;
  try {
    t = await transfer(alice, { kind: 'Native', to: bob.address, amount: '7777777' });
    assert.equal((await rpc('getSignatureStatuses', [[t.txHash]])).value[0], null, 'the node dropped it');
    await rpc('shim_warp', [160]); // past the last height its blockhash allows
  } finally {
    await rpc('shim_drop', [false]);
  }
  const done = await settled(alice.id, t.id);
  assert.equal(done.status, 'Failed');
  assert.match(done.reason, /blockhash expired before it landed/);
  assert.equal((await rpc('getSignatureStatuses', [[t.txHash]])).value[0], null, 'it never landed');
  assert.equal(await lamportsOf(bob.address), before, 'bob got nothing');
});

test('bad input is refused naming the field, and nothing is sent', async () => {
  const before = await lamportsOf(alice.address);
  const listed = (await api.wallets.listTransfers({ walletId: alice.id })).items.length;
  const send = (body) => api.wallets.transferAsset({ walletId: alice.id, body });
  await rejects(send({ kind: 'Native', to: bob.address, amount: '1.5' }), 400, /amount must be a decimal string/);
  await rejects(send({ kind: 'Native', to: bob.address, amount: '-1' }), 400, /amount/);
  await rejects(send({ kind: 'Native', to: '0x742d35Cc6634C0532925a3b844Bc454e4438f44e', amount: '1000' }), 400, /to is not a Solana address/);
  await rejects(send({ kind: 'Native', to: bob.address, amount: String(1000n * SOL) }), 400, /amount .* exceeds the wallet's balance/);
  await rejects(send({ kind: 'Spl', mint: token.mint, to: bob.address, amount: '999999999999', createDestinationAccount: true }), 400,
    /amount .* exceeds the wallet's balance .* of mint/);
  const nobody = (await generateKeyPairSigner()).address;
  await rejects(send({ kind: 'Spl', mint: nobody, to: bob.address, amount: '1', createDestinationAccount: true }), 400, /mint .* is not an account/);
  await rejects(send({ kind: 'Spl', mint: bob.address, to: carol.address, amount: '1', createDestinationAccount: true }), 400, /mint .* is not a token mint/);
  await rejects(send({ kind: 'Erc20', contract: token.mint, to: bob.address, amount: '1' }), 400, /kind "Erc20" is not supported/);
  await rejects(api.wallets.broadcastTransaction({ walletId: alice.id, body: { kind: 'Transaction', transaction: '0xzz' } }), 400, /transaction must be hex/);
  await rejects(api.wallets.broadcastTransaction({ walletId: alice.id, body: { kind: 'Transaction', transaction: '0x0102' } }), 400,
    /transaction does not decode/);
  const mainnet = await api.wallets.createWallet({ body: { network: 'Solana' } });
  await rejects(api.wallets.transferAsset({ walletId: mainnet.id, body: { kind: 'Native', to: bob.address, amount: '1000000' } }), 400,
    /--rpc Solana=URL/);
  await rejects(api.wallets.getWalletAssets({ walletId: mainnet.id }), 400, /--rpc Solana=URL/);
  assert.equal((await api.wallets.listTransfers({ walletId: alice.id })).items.length, listed, 'no transfer was stored');
  assert.equal(await lamportsOf(alice.address), before, 'nothing left alice\'s account');
});
