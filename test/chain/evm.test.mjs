// EVM transfers through the official Dfns SDK against a real anvil node
// (chain id 11155111 standing for EthereumSepolia; run.mjs starts both).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { serializeTransaction } from 'viem';
import {
  api, rpc, send, hex, word, addrWord, randomAddress, balance, tokenBalance, deployToken, deployNft, until, settled, rejects,
  approverClient,
} from './lib.mjs';

const ETH = 10n ** 18n;

test('EVM wallets move funds on a real node', async (t) => {
  const wallet = await api.wallets.createWallet({ body: { network: 'EthereumSepolia' } });
  const walletId = wallet.id;
  const funding = await send({ to: wallet.address, value: hex(10n * ETH) });
  const state = {};

  await t.test('Native transfer is Broadcasted, then Confirmed on chain', async () => {
    const to = randomAddress();
    const amount = 1234567890000000n;
    const xfr = await api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: amount.toString(), priority: 'Fast' } });
    assert.match(xfr.id, /^xfr-/);
    assert.equal(xfr.status, 'Broadcasted');
    assert.match(xfr.txHash, /^0x[0-9a-f]{64}$/);
    assert.equal(xfr.metadata.asset.symbol, 'ETH');
    assert.equal(xfr.metadata.asset.decimals, 18);
    const done = await settled(walletId, xfr.id);
    assert.equal(done.status, 'Confirmed');
    assert.ok(done.dateConfirmed);
    assert.ok(BigInt(done.fee) > 0n, 'fee is set');
    assert.equal(await balance(to), amount);
    const rec = await rpc('eth_getTransactionReceipt', [done.txHash]);
    assert.equal(rec.status, '0x1');
    assert.equal(rec.from.toLowerCase(), wallet.address.toLowerCase());
    state.nativeHash = done.txHash;
    const list = await api.wallets.listTransfers({ walletId });
    assert.equal(list.items[0].id, xfr.id);
  });

  await t.test('externalId makes a transfer idempotent', async () => {
    const body = { kind: 'Native', to: randomAddress(), amount: '1000', externalId: `ext-${Date.now()}` };
    const a = await api.wallets.transferAsset({ walletId, body });
    const b = await api.wallets.transferAsset({ walletId, body });
    assert.equal(b.id, a.id);
    await rejects(api.wallets.transferAsset({ walletId, body: { ...body, amount: '1001' } }), 409, /externalId/);
    await settled(walletId, a.id);
    assert.equal(await balance(body.to), 1000n, 'sent once');
  });

  await t.test('Erc20 transfer of a token deployed here', async () => {
    const token = await deployToken(1_000_000_000n);
    await send({ to: token, data: '0xa9059cbb' + addrWord(wallet.address) + word(1_000_000n) });
    const to = randomAddress();
    const xfr = await api.wallets.transferAsset({ walletId, body: { kind: 'Erc20', contract: token, to, amount: '250000' } });
    assert.equal(xfr.metadata.asset.symbol, 'TST');
    assert.equal(xfr.metadata.asset.decimals, 6);
    const done = await settled(walletId, xfr.id);
    assert.equal(done.status, 'Confirmed');
    assert.equal(await tokenBalance(token, to), 250000n);
    assert.equal(await tokenBalance(token, wallet.address), 750000n);
    state.token = token;
    state.erc20Hash = done.txHash;
  });

  await t.test('Erc721 transfer of a token minted to the wallet', async () => {
    const nft = await deployNft();
    await send({ to: nft, data: '0x40c10f19' + addrWord(wallet.address) + word(42) });
    const to = randomAddress();
    const xfr = await api.wallets.transferAsset({ walletId, body: { kind: 'Erc721', contract: nft, to, tokenId: '42' } });
    const done = await settled(walletId, xfr.id);
    assert.equal(done.status, 'Confirmed');
    const owner = await rpc('eth_call', [{ to: nft, data: '0x6352211e' + word(42) }, 'latest']);
    assert.equal(owner.slice(-40), to.slice(2).toLowerCase());
    state.nftHash = done.txHash;
    await send({ to: nft, data: '0x40c10f19' + addrWord(wallet.address) + word(43) });
    const nfts = await until(async () => {
      const n = await api.wallets.getWalletNfts({ walletId });
      return n.nfts.length === 1 && !n.nfts.some((x) => x.tokenId === '42') ? n : undefined;
    }, 'the wallet to hold token 43 only');
    assert.equal(nfts.nfts[0].tokenId, '43');
    assert.equal(nfts.nfts[0].contract.toLowerCase(), nft.toLowerCase());
    assert.equal(nfts.nfts[0].symbol, 'TNFT');
    await rejects(api.wallets.transferAsset({ walletId, body: { kind: 'Erc721', contract: nft, to, tokenId: '42' } }), 400, /refuses/);
  });

  await t.test('broadcastTransaction signs and sends an unsigned EIP-1559 transaction', async () => {
    const to = randomAddress();
    const fees = await api.networks.getFees({ query: { network: 'EthereumSepolia' } });
    assert.equal(fees.kind, 'Eip1559');
    const nonce = Number(BigInt(await rpc('eth_getTransactionCount', [wallet.address, 'pending'])));
    const unsigned = serializeTransaction({
      type: 'eip1559', chainId: 11155111, nonce, to, value: 777n, gas: 21000n,
      maxFeePerGas: BigInt(fees.fast.maxFeePerGas), maxPriorityFeePerGas: BigInt(fees.fast.maxPriorityFeePerGas),
    });
    const tx = await api.wallets.broadcastTransaction({ walletId, body: { kind: 'Transaction', transaction: unsigned } });
    assert.match(tx.id, /^tx-/);
    const done = await settled(walletId, tx.id, true);
    assert.equal(done.status, 'Confirmed');
    assert.equal(await balance(to), 777n);
    const onChain = await rpc('eth_getTransactionByHash', [done.txHash]);
    assert.equal(Number(BigInt(onChain.nonce)), nonce);
    const eip = await api.wallets.broadcastTransaction({ walletId, body: { kind: 'Eip1559', to, value: '5' } });
    assert.equal((await settled(walletId, eip.id, true)).status, 'Confirmed');
    assert.equal(await balance(to), 782n);
    const list = await api.wallets.listTransactions({ walletId });
    assert.deepEqual(list.items.map((i) => i.id), [eip.id, tx.id]);
  });

  await t.test('20 concurrent transfers from one wallet confirm with consecutive nonces', async () => {
    const to = randomAddress();
    const xfrs = await Promise.all(Array.from({ length: 20 }, (_, i) =>
      api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: String(1000 + i) } })));
    const done = await Promise.all(xfrs.map((x) => settled(walletId, x.id)));
    assert.deepEqual(done.map((d) => d.status), Array(20).fill('Confirmed'));
    const nonces = [];
    for (const d of done) nonces.push(Number(BigInt((await rpc('eth_getTransactionByHash', [d.txHash])).nonce)));
    nonces.sort((a, b) => a - b);
    for (let i = 1; i < nonces.length; i++) assert.equal(nonces[i], nonces[0] + i, `nonces ${nonces}`);
    assert.equal(await balance(to), BigInt(20 * 1000 + 190));
  });

  await t.test('assets show the native and the token balance', async () => {
    const a = await api.wallets.getWalletAssets({ walletId });
    const native = a.assets.find((x) => x.kind === 'Native');
    assert.equal(BigInt(native.balance), await balance(wallet.address));
    assert.equal(native.symbol, 'ETH');
    const erc20 = await until(async () => (await api.wallets.getWalletAssets({ walletId })).assets.find((x) => x.kind === 'Erc20'), 'token asset');
    assert.equal(erc20.contract.toLowerCase(), state.token.toLowerCase());
    assert.equal(erc20.balance, '750000');
    assert.equal(erc20.symbol, 'TST');
    assert.equal(erc20.decimals, 6);
  });

  await t.test('history shows the funding In and the transfers Out', async () => {
    const all = [];
    const h = await until(async () => {
      all.length = 0;
      let token;
      do {
        const page = await api.wallets.getWalletHistory({ walletId, query: { limit: 10, paginationToken: token } });
        all.push(...page.items);
        token = page.nextPageToken;
      } while (token);
      return all.some((e) => e.txHash === state.erc20Hash) && all.some((e) => e.txHash === funding.transactionHash) ? all : undefined;
    }, 'history');
    const fund = h.find((e) => e.txHash === funding.transactionHash);
    assert.equal(fund.kind, 'NativeTransfer');
    assert.equal(fund.direction, 'In');
    assert.equal(fund.value, (10n * ETH).toString());
    const out = h.find((e) => e.txHash === state.nativeHash);
    assert.equal(out.direction, 'Out');
    assert.ok(BigInt(out.fee) > 0n);
    const tokOut = h.find((e) => e.txHash === state.erc20Hash && e.direction === 'Out');
    assert.equal(tokOut.kind, 'Erc20Transfer');
    assert.equal(tokOut.value, '250000');
    assert.ok(h.some((e) => e.kind === 'Erc20Transfer' && e.direction === 'In'));
    const nftOut = h.find((e) => e.txHash === state.nftHash && e.direction === 'Out');
    assert.equal(nftOut.kind, 'Erc721Transfer');
    assert.equal(nftOut.tokenId, '42');
    const ins = await api.wallets.getWalletHistory({ walletId, query: { direction: 'In' } });
    assert.ok(ins.items.every((e) => e.direction === 'In'));
  });

  await t.test('bad input is a 4xx naming the field, and nothing is sent', async () => {
    const before = await rpc('eth_getTransactionCount', [wallet.address, 'pending']);
    const count = (await api.wallets.listTransfers({ walletId, query: { limit: 1000 } })).items.length;
    const to = randomAddress();
    await rejects(api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: 12 } }), 400, /amount/);
    await rejects(api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: '1.5' } }), 400, /amount/);
    await rejects(api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: '-1' } }), 400, /amount/);
    await rejects(api.wallets.transferAsset({ walletId, body: { kind: 'Native', to: 'tb1qw508d6qejxtdg4y5r3zarvary0c5xw7kxpjzsx', amount: '1' } }), 400, /\bto\b/);
    await rejects(api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: (1000n * ETH).toString() } }), 400, /amount|funds/);
    await rejects(api.wallets.transferAsset({ walletId, body: { kind: 'Erc20', contract: randomAddress(), to, amount: '1' } }), 400, /contract/);
    await rejects(api.wallets.transferAsset({ walletId, body: { kind: 'Erc20', contract: state.token, to, amount: '999999999' } }), 400, /amount/);
    const base = await api.wallets.createWallet({ body: { network: 'BaseSepolia' } });
    await rejects(api.wallets.transferAsset({ walletId: base.id, body: { kind: 'Native', to, amount: '1' } }), 400, /--rpc BaseSepolia=/);
    await rejects(api.wallets.getWalletHistory({ walletId: base.id }), 400, /--rpc BaseSepolia=/);
    assert.equal(await rpc('eth_getTransactionCount', [wallet.address, 'pending']), before, 'nothing broadcast');
    assert.equal((await api.wallets.listTransfers({ walletId, query: { limit: 1000 } })).items.length, count, 'nothing stored');
    assert.equal(await balance(to), 0n);
  });

  await t.test('a reorganisation is reflected: the orphaned block’s events go, its transfer is sent again', async () => {
    const to = randomAddress();
    const xfr = await api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: '4242' } });
    const first = await settled(walletId, xfr.id);
    assert.equal(first.status, 'Confirmed');
    await until(async () => (await api.wallets.getWalletHistory({ walletId, query: { limit: 5 } })).items.some((e) => e.txHash === first.txHash), 'event');
    // The block holding the transfer is replaced by an empty one, and a
    // block on top lets the follower see the new chain.
    await rpc('anvil_reorg', [1, []]);
    assert.equal(await balance(to), 0n, 'the reorganisation dropped the transfer');
    await rpc('evm_mine', []);
    await until(async () => !(await api.wallets.getWalletHistory({ walletId, query: { limit: 5 } })).items.some((e) => e.txHash === first.txHash), 'the orphaned event to go');
    // Custos sends the stored transaction again; it is mined once more.
    const again = await until(async () => {
      await rpc('evm_mine', []);
      const x = await api.wallets.getTransfer({ walletId, transferId: xfr.id });
      return x.status === 'Confirmed' && BigInt(await balance(to)) === 4242n ? x : undefined;
    }, 'the transfer to be confirmed again', 90_000);
    assert.equal(again.txHash, first.txHash, 'the same transaction, not a second one');
    assert.equal(await balance(to), 4242n);
  });
});

test('a RequestApproval policy holds transfers and transactions for another user’s decision', async () => {
  const approver = await approverClient();
  const wallet = await api.wallets.createWallet({ body: { network: 'EthereumSepolia' } });
  const walletId = wallet.id;
  await send({ to: wallet.address, value: hex(ETH) });
  const policy = await api.policies.createPolicy({
    body: {
      name: `hold-${walletId}`, activityKind: 'Wallets:Sign', rule: { kind: 'AlwaysTrigger' },
      action: {
        kind: 'RequestApproval', autoRejectTimeout: 60,
        approvalGroups: [{ name: 'treasury', quorum: 1, approvers: { userId: { in: [approver.userId] } } }],
      },
      filters: { walletId: { in: [walletId] } },
    },
  });
  const nonce = () => rpc('eth_getTransactionCount', [wallet.address, 'pending']);

  // Approved: the transfer waits Pending, nothing is sent until the
  // approver decides; then it is sent and confirmed.
  const to = randomAddress();
  const xfr = await api.wallets.transferAsset({ walletId, body: { kind: 'Native', to, amount: '31337' } });
  assert.equal(xfr.status, 'Pending');
  assert.match(xfr.approvalId, /^ap-/);
  assert.equal(xfr.txHash, undefined);
  const listed = (await approver.api.policies.listApprovals({ query: { status: 'Pending' } })).items.find((a) => a.id === xfr.approvalId);
  assert.ok(listed, 'the approver sees the approval');
  assert.equal(listed.activity.kind, 'Wallets:Sign');
  assert.equal(listed.activity.transferRequest.id, xfr.id);
  assert.equal(listed.activity.transferRequest.status, 'Pending');
  assert.equal(listed.policyEvaluations[0].policyId, policy.id);
  // The initiator (the service account) may not approve its own transfer.
  await rejects(api.policies.createApprovalDecision({ approvalId: xfr.approvalId, body: { value: 'Approved' } }), 403, /approv/);
  await rpc('evm_mine', []);
  assert.equal(await balance(to), 0n, 'nothing sent before the approval');
  assert.equal((await api.wallets.getTransfer({ walletId, transferId: xfr.id })).status, 'Pending');
  const decided = await approver.api.policies.createApprovalDecision({ approvalId: xfr.approvalId, body: { value: 'Approved' } });
  assert.equal(decided.status, 'Approved');
  assert.equal(decided.activity.transferRequest.id, xfr.id);
  const done = await settled(walletId, xfr.id);
  assert.equal(done.status, 'Confirmed');
  assert.equal(done.approvalId, xfr.approvalId);
  assert.ok(done.datePolicyResolved);
  assert.equal(await balance(to), 31337n);
  const rec = await rpc('eth_getTransactionReceipt', [done.txHash]);
  assert.equal(rec.from.toLowerCase(), wallet.address.toLowerCase());

  // Denied: Rejected with the approver's reason, nothing on chain.
  const to2 = randomAddress();
  const before = await nonce();
  const x2 = await api.wallets.transferAsset({ walletId, body: { kind: 'Native', to: to2, amount: '4444' } });
  assert.equal(x2.status, 'Pending');
  const denied = await approver.api.policies.createApprovalDecision({ approvalId: x2.approvalId, body: { value: 'Denied', reason: 'not this one' } });
  assert.equal(denied.status, 'Denied');
  const rejected = await api.wallets.getTransfer({ walletId, transferId: x2.id });
  assert.equal(rejected.status, 'Rejected');
  assert.match(rejected.reason, /not this one/);
  assert.equal(rejected.txHash, undefined);
  await rpc('evm_mine', []);
  assert.equal(await balance(to2), 0n, 'a denied transfer is never sent');
  assert.equal(await nonce(), before, 'nothing broadcast');
  await rejects(approver.api.policies.createApprovalDecision({ approvalId: x2.approvalId, body: { value: 'Approved' } }), 400, /Denied/);

  // A transaction (broadcastTransaction) is held and approved the same way.
  const to3 = randomAddress();
  const tx = await api.wallets.broadcastTransaction({ walletId, body: { kind: 'Eip1559', to: to3, value: '5' } });
  assert.equal(tx.status, 'Pending');
  const txApproval = await approver.api.policies.getApproval({ approvalId: tx.approvalId });
  assert.equal(txApproval.activity.transactionRequest.id, tx.id);
  await approver.api.policies.createApprovalDecision({ approvalId: tx.approvalId, body: { value: 'Approved' } });
  assert.equal((await settled(walletId, tx.id, true)).status, 'Confirmed');
  assert.equal(await balance(to3), 5n);

  await api.policies.archivePolicy({ policyId: policy.id });
});
