// Policies and approvals through the SDK's own clients: a Wallets:Sign
// policy holds signature requests for another user's approval; that user
// registers a Key credential, logs in with it through the SDK and decides.
// Signatures are checked with ethers, never with what the server computed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { PolicyPendingError } from '@dfns/sdk';
import { ethers } from 'ethers';
import {
  attestKey, client, createUserWithKey, generateKey, keySigner, login, rejects, saClient, uniqueName,
} from './lib/env.mjs';

const SEPOLIA = 11155111;
const api = saClient();
const APPROVER_OPS = ['Policies:Approvals:Read', 'Policies:Approvals:Approve'];

/** approverClient creates a user who registers a new Key credential and logs in with it. */
async function approverClient() {
  const first = await createUserWithKey(api, generateKey('p256'), APPROVER_OPS);
  const key = generateKey('ed25519');
  const credId = crypto.randomBytes(32).toString('base64url');
  const challenge = await first.api.auth.createCredentialChallenge({ body: { kind: 'Key' } });
  await first.api.auth.createCredential({
    body: {
      credentialKind: 'Key', credentialInfo: attestKey(challenge, key, credId),
      credentialName: uniqueName('approver'), challengeIdentifier: challenge.challengeIdentifier,
    },
  });
  const signer = keySigner(credId, key.privateKey);
  return { userId: first.user.userId, api: client(await login(first.email, signer), signer) };
}

const wallet = () => api.wallets.createWallet({ body: { network: 'EthereumSepolia', name: uniqueName('pol') } });

/** unsignedTx is an EIP-1559 Sepolia transfer (hex, as ethers serializes it unsigned). */
function unsignedTx(to = ethers.Wallet.createRandom().address, value = 123456789n) {
  return ethers.Transaction.from({
    type: 2, chainId: SEPOLIA, nonce: 1, to, value, gasLimit: 21000n,
    maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_500_000_000n, data: '0x',
  }).unsignedSerialized;
}

const approvalGroups = (userIds, quorum = 1) => [{ name: 'treasury', quorum, approvers: { userId: { in: userIds } } }];

const signTx = (w, transaction) => api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Transaction', transaction } });

test('RequestApproval: approved request is signed (ethers verifies), denied one is never signed', async () => {
  const approver = await approverClient();
  const w = await wallet();
  const policy = await api.policies.createPolicy({
    body: {
      name: uniqueName('approve'), activityKind: 'Wallets:Sign', rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: approvalGroups([approver.userId]), autoRejectTimeout: 60 },
      filters: { walletId: { in: [w.id] } },
    },
  });
  assert.match(policy.id, /^plc-/);
  assert.equal(policy.status, 'Active');
  assert.equal((await api.policies.getPolicy({ policyId: policy.id })).name, policy.name);

  const req = await signTx(w, unsignedTx());
  assert.equal(req.status, 'Pending');
  assert.match(req.approvalId, /^ap-/);
  assert.equal(req.signature, undefined);

  const pending = await approver.api.policies.listApprovals({ query: { status: 'Pending' } });
  const listed = pending.items.find((a) => a.id === req.approvalId);
  assert.ok(listed, 'the approval is listed as Pending');
  assert.equal(listed.activity.kind, 'Wallets:Sign');
  assert.equal(listed.activity.signatureRequest.id, req.id);
  assert.equal(listed.policyEvaluations[0].policyId, policy.id);
  assert.equal(listed.policyEvaluations[0].triggered, true);
  assert.ok(listed.expirationDate, 'autoRejectTimeout sets an expiration date');

  // The initiator may not approve its own request.
  await rejects(api.policies.createApprovalDecision({ approvalId: req.approvalId, body: { value: 'Approved' } }), 403);

  const decided = await approver.api.policies.createApprovalDecision({ approvalId: req.approvalId, body: { value: 'Approved' } });
  assert.equal(decided.status, 'Approved');
  assert.equal(decided.decisions.length, 1);
  assert.equal(decided.decisions[0].userId, approver.userId);
  const done = await api.wallets.getSignature({ walletId: w.id, signatureId: req.id });
  assert.equal(done.status, 'Signed');
  assert.equal(ethers.Transaction.from(done.signedData).from, w.address, 'the signed transaction recovers to the wallet');

  const req2 = await signTx(w, unsignedTx());
  assert.equal(req2.status, 'Pending');
  const denied = await approver.api.policies.createApprovalDecision({ approvalId: req2.approvalId, body: { value: 'Denied', reason: 'no' } });
  assert.equal(denied.status, 'Denied');
  const rejected = await api.wallets.getSignature({ walletId: w.id, signatureId: req2.id });
  assert.equal(rejected.status, 'Rejected');
  assert.equal(rejected.signature, undefined);
  assert.equal(rejected.signedData, undefined);
  await rejects(approver.api.policies.createApprovalDecision({ approvalId: req2.approvalId, body: { value: 'Approved' } }), 400);
});

test('quorum 2 of 3 across two groups; a user in both groups counts for both', async () => {
  const [u1, u2, u3] = await Promise.all([1, 2, 3].map(() => createUserWithKey(api, generateKey('ed25519'), APPROVER_OPS)));
  const w = await wallet();
  await api.policies.createPolicy({
    body: {
      name: uniqueName('quorum'), activityKind: 'Wallets:Sign', rule: { kind: 'AlwaysTrigger' },
      action: {
        kind: 'RequestApproval',
        approvalGroups: [
          { name: 'treasury', quorum: 2, approvers: { userId: { in: [u1.user.userId, u2.user.userId, u3.user.userId] } } },
          { name: 'risk', quorum: 1, approvers: { userId: { in: [u2.user.userId, u3.user.userId] } } },
        ],
      },
      filters: { walletId: { in: [w.id] } },
    },
  });
  const req = await signTx(w, unsignedTx());
  const decide = (u) => u.api.policies.createApprovalDecision({ approvalId: req.approvalId, body: { value: 'Approved' } });
  assert.equal((await decide(u1)).status, 'Pending', 'treasury has 1 of 2, risk 0 of 1');
  await rejects(decide(u1), 400);
  assert.equal((await decide(u2)).status, 'Approved', 'u2 completes both groups');
  const done = await api.wallets.getSignature({ walletId: w.id, signatureId: req.id });
  assert.equal(done.status, 'Signed');
  assert.equal(ethers.Transaction.from(done.signedData).from, w.address);
  const byApprover = await u3.api.policies.listApprovals({ query: { approverId: u3.user.userId, status: 'Approved' } });
  assert.ok(byApprover.items.some((a) => a.id === req.approvalId), 'approverId lists the approvals a user may decide');
});

test('Block, recipient whitelist (any checksum casing) and amount limit with a configured price', async () => {
  const approver = await approverClient();
  const blocked = await wallet();
  await api.policies.createPolicy({
    body: { name: uniqueName('block'), activityKind: 'Wallets:Sign', rule: { kind: 'AlwaysTrigger' }, action: { kind: 'Block' },
      filters: { walletId: { in: [blocked.id] } } },
  });
  const b = await signTx(blocked, unsignedTx());
  assert.equal(b.status, 'Rejected');
  assert.equal(b.signedData, undefined);

  const w = await wallet();
  const friend = ethers.Wallet.createRandom().address;
  await api.policies.createPolicy({
    body: {
      name: uniqueName('whitelist'), activityKind: 'Wallets:Sign',
      rule: { kind: 'TransactionRecipientWhitelist', configuration: { addresses: [friend.toLowerCase()] } },
      action: { kind: 'RequestApproval', approvalGroups: approvalGroups([approver.userId]) },
      filters: { walletId: { in: [w.id] } },
    },
  });
  const ok = await signTx(w, unsignedTx(friend));
  assert.equal(ok.status, 'Signed', 'a whitelisted recipient passes');
  assert.equal(ethers.Transaction.from(ok.signedData).from, w.address);
  const held = await signTx(w, unsignedTx());
  assert.equal(held.status, 'Pending', 'another recipient waits for approval');
  const hash = await api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Hash', hash: ethers.keccak256('0x01') } });
  assert.equal(hash.status, 'Pending', 'a Hash has no recipient: the rule fails closed');

  // ETH=3000 (run.mjs): 0.01 ETH = 30 USD passes a 100 USD limit, 0.1 ETH = 300 USD does not.
  const limited = await wallet();
  await api.policies.createPolicy({
    body: {
      name: uniqueName('limit'), activityKind: 'Wallets:Sign',
      rule: { kind: 'TransactionAmountLimit', configuration: { limit: 100, currency: 'USD' } },
      action: { kind: 'Block' }, filters: { walletId: { in: [limited.id] } },
    },
  });
  assert.equal((await signTx(limited, unsignedTx(undefined, 10n ** 16n))).status, 'Signed');
  assert.equal((await signTx(limited, unsignedTx(undefined, 10n ** 17n))).status, 'Rejected');
});

test('Policies:Modify: updatePolicy raises PolicyPendingError, applied after approval', async () => {
  const approver = await approverClient();
  const w = await wallet();
  const target = await api.policies.createPolicy({
    body: { name: uniqueName('target'), activityKind: 'Wallets:Sign', rule: { kind: 'AlwaysTrigger' }, action: { kind: 'NoAction' },
      filters: { walletId: { in: [w.id] } } },
  });
  await api.policies.createPolicy({
    body: {
      name: uniqueName('guard'), activityKind: 'Policies:Modify', rule: { kind: 'AlwaysTrigger' },
      action: { kind: 'RequestApproval', approvalGroups: approvalGroups([approver.userId]) },
      filters: { policyId: { in: [target.id] } },
    },
  });
  const renamed = uniqueName('renamed');
  let pendingErr;
  try {
    await api.policies.updatePolicy({
      policyId: target.id,
      body: { name: renamed, activityKind: 'Wallets:Sign', rule: { kind: 'AlwaysTrigger' }, action: { kind: 'Block' },
        filters: { walletId: { in: [w.id] } } },
    });
  } catch (e) {
    pendingErr = e;
  }
  assert.ok(pendingErr instanceof PolicyPendingError, `expected PolicyPendingError, got ${pendingErr}`);
  assert.equal(pendingErr.httpStatus, 202);
  const cr = pendingErr.context;
  assert.match(cr.id, /^cr-/);
  assert.equal(cr.kind, 'Policy');
  assert.equal(cr.status, 'Pending');
  assert.equal(cr.entityId, target.id);

  const before = await api.policies.getPolicy({ policyId: target.id });
  assert.equal(before.name, target.name, 'not applied yet');
  assert.equal(before.pendingChangeRequest.id, cr.id);
  assert.equal((await signTx(w, unsignedTx())).status, 'Signed', 'the old NoAction policy still rules');

  const approved = await approver.api.policies.createApprovalDecision({ approvalId: cr.approvalId, body: { value: 'Approved' } });
  assert.equal(approved.status, 'Approved');
  assert.equal(approved.activity.changeRequest.status, 'Applied');
  const after = await api.policies.getPolicy({ policyId: target.id });
  assert.equal(after.name, renamed);
  assert.equal(after.action.kind, 'Block');
  assert.equal(after.pendingChangeRequest, undefined);
  assert.equal((await signTx(w, unsignedTx())).status, 'Rejected', 'the new Block policy rules');
});
