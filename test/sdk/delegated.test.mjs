// DfnsDelegatedApiClient: …Init returns the user-action challenge, the user
// signs it with their own key (AsymmetricKeySigner.sign), …Complete sends
// the signed challenge and the call.
//
// End users (docs/protocol/delegated.md): a service account registers an
// end user with wallets (createDelegatedRegistrationChallenge, then the end
// user's device answers registerEndUser with a passkey from @dfns/sdk-browser's
// WebAuthnSigner over lib/webauthn.mjs's software authenticator), logs them
// in by delegation, and relays the end user's signature of each user action.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { DfnsApiClient, DfnsDelegatedApiClient } from '@dfns/sdk';
import { WebAuthnSigner } from '@dfns/sdk-browser';
import {
  admin, attestKey, baseUrl, client, createUserWithKey, forcedSigner, generateKey, keySigner, login, rejects, saClient,
  uniqueEmail, uniqueName,
} from './lib/env.mjs';
import { SoftAuthenticator } from './lib/webauthn.mjs';

const authenticator = new SoftAuthenticator('https://localhost').install();
const passkeys = new WebAuthnSigner({ relyingParty: { id: 'localhost', name: 'Custos' } });

function delegated(token) {
  return new DfnsDelegatedApiClient({ baseUrl, authToken: token });
}

test('createPermissionInit / sign / createPermissionComplete with a user key', async () => {
  const alice = await createUserWithKey(saClient(), generateKey('p256'), ['Permissions:Create', 'Permissions:Read']);
  const api = delegated(alice.token);
  const body = { name: uniqueName('delegated'), operations: ['Wallets:Read'] };
  const challenge = await api.permissions.createPermissionInit({ body });
  assert.equal(typeof challenge.challenge, 'string');
  assert.equal(typeof challenge.challengeIdentifier, 'string');
  assert.deepEqual(challenge.allowCredentials.key.map((c) => c.id), [alice.credId]);
  assert.ok(Array.isArray(challenge.allowCredentials.webauthn));
  assert.ok(Array.isArray(challenge.supportedCredentialKinds));

  const firstFactor = await alice.signer.sign(challenge);
  assert.equal(firstFactor.kind, 'Key');
  const perm = await api.permissions.createPermissionComplete(
    { body },
    { challengeIdentifier: challenge.challengeIdentifier, firstFactor },
  );
  assert.match(perm.id, /^pm-/);
  assert.equal(perm.name, body.name);
  const read = await api.permissions.getPermission({ permissionId: perm.id });
  assert.equal(read.id, perm.id);
});

test('createUserInit / Complete as the root user', async () => {
  const u = admin.user;
  const signer = keySigner(u.credId, u.privateKeyPem);
  const api = delegated(await login(u.username, signer));
  const body = { email: uniqueEmail('delegated-user'), kind: 'CustomerEmployee' };
  const challenge = await api.auth.createUserInit({ body });
  const firstFactor = await signer.sign(challenge);
  const user = await api.auth.createUserComplete({ body }, { challengeIdentifier: challenge.challengeIdentifier, firstFactor });
  assert.equal(user.username, body.email);
  assert.equal((await api.auth.getUser({ userId: user.userId })).userId, user.userId);
});

test('delegated calls whose signed path carries a query string (?force=true)', async () => {
  const u = admin.user;
  const signer = keySigner(u.credId, u.privateKeyPem);
  const token = await login(u.username, signer);
  const api = delegated(token);

  // Assignment revocation with force=true: the delegated client signs path+query.
  const bob = await createUserWithKey(saClient(), generateKey('ed25519'));
  const perm = await saClient().permissions.createPermission({ body: { name: uniqueName('p'), operations: ['Permissions:Read'] } });
  const asg = await saClient().permissions.createAssignment({ permissionId: perm.id, body: { identityId: bob.user.userId } });
  await bob.api.permissions.listPermissions();
  const req = { permissionId: perm.id, assignmentId: asg.id, query: { force: true } };
  const ch = await api.permissions.deleteAssignmentInit(req);
  await api.permissions.deleteAssignmentComplete(req, { challengeIdentifier: ch.challengeIdentifier, firstFactor: await signer.sign(ch) });
  await rejects(bob.api.permissions.listPermissions(), 403);

  // Service-account archive with force=true.
  const key = generateKey('rsa');
  const sa = await saClient().auth.createServiceAccount({ body: { name: uniqueName('sa'), publicKey: key.publicKeyPem } });
  const sreq = { serviceAccountId: sa.userInfo.userId, query: { force: true } };
  const sch = await api.auth.archiveServiceAccountInit(sreq);
  const archived = await api.auth.archiveServiceAccountComplete(sreq, {
    challengeIdentifier: sch.challengeIdentifier, firstFactor: await signer.sign(sch),
  });
  assert.equal(archived.userInfo.isActive, false);
});

test('a delegated challenge signed by another user is refused (401)', async () => {
  const sa = saClient();
  const alice = await createUserWithKey(sa, generateKey('secp256k1'), ['Permissions:Create']);
  const bob = await createUserWithKey(sa, generateKey('secp256k1'), ['Permissions:Create']);
  const api = delegated(alice.token);
  const body = { name: uniqueName('stolen'), operations: ['Wallets:Read'] };
  const challenge = await api.permissions.createPermissionInit({ body });
  // The keysigner itself refuses a challenge that does not list its credential…
  await assert.rejects(bob.signer.sign(challenge), /does not match allowed credentials/);
  // …and the server refuses the assertion when it is forced through.
  const firstFactor = await forcedSigner(bob.credId, bob.key.privateKey).sign(challenge);
  await rejects(
    api.permissions.createPermissionComplete({ body }, { challengeIdentifier: challenge.challengeIdentifier, firstFactor }),
    401,
  );
});

test('Complete with a body other than the one signed at Init is refused (403)', async () => {
  const alice = await createUserWithKey(saClient(), generateKey('ed25519'), ['Permissions:Create']);
  const api = delegated(alice.token);
  const signedBody = { name: uniqueName('signed'), operations: ['Wallets:Read'] };
  const challenge = await api.permissions.createPermissionInit({ body: signedBody });
  const firstFactor = await alice.signer.sign(challenge);
  const otherBody = { name: signedBody.name, operations: ['Wallets:Read', 'Wallets:Create'] };
  await rejects(
    api.permissions.createPermissionComplete({ body: otherBody }, { challengeIdentifier: challenge.challengeIdentifier, firstFactor }),
    403,
  );
});

/** registerEndUser registers a new end user with a passkey and wallets of networks, as a backend and device do. */
async function registerEndUser(networks, extra = () => ({})) {
  const email = uniqueEmail('enduser');
  const ch = await saClient().auth.createDelegatedRegistrationChallenge({ body: { email, kind: 'EndUser' } });
  assert.equal(ch.user.name, email);
  const device = new DfnsApiClient({ baseUrl, authToken: ch.temporaryAuthenticationToken });
  const reg = await device.auth.registerEndUser({
    body: {
      firstFactorCredential: await passkeys.create(ch),
      wallets: networks.map((network) => ({ network, name: `${network} wallet` })),
      ...extra(ch),
    },
  });
  return { email, reg };
}

const hashBody = { kind: 'Hash', hash: `0x${'cd'.repeat(32)}` };

test('registerEndUser: an end user with wallets only they can sign with', async () => {
  const { email, reg } = await registerEndUser(['EthereumSepolia', 'Solana']);
  assert.equal(reg.credential.kind, 'Fido2');
  assert.match(reg.user.id, /^us-/);
  assert.equal(reg.user.username, email);
  assert.equal(typeof reg.authentication.token, 'string');
  assert.equal(reg.wallets.length, 2);
  for (const w of reg.wallets) {
    assert.equal(w.custodial, false);
    assert.equal(w.signingKey.delegatedTo, reg.user.id);
    assert.equal(w.status, 'Active');
    assert.ok(w.address);
  }
  const [wallet] = reg.wallets;
  const user = await saClient().auth.getUser({ userId: reg.user.id });
  assert.equal(user.kind, 'EndUser');
  assert.equal(user.isRegistered, true);
  assert.deepEqual(user.permissionAssignments.map((a) => a.permissionName), ['DfnsDefaultEndUserAccess']);

  // The end user, with the token of the registration, signs with the passkey.
  const own = client(reg.authentication.token, passkeys);
  assert.deepEqual((await own.wallets.listWallets()).items.map((w) => w.id).sort(), reg.wallets.map((w) => w.id).sort());
  const sig = await own.wallets.generateSignature({ walletId: wallet.id, body: hashBody });
  assert.equal(sig.status, 'Signed');

  // Delegated login: the backend holds the token, the end user signs each action on their device.
  const { token } = await saClient().auth.delegatedLogin({ body: { username: email } });
  const backend = new DfnsDelegatedApiClient({ baseUrl, authToken: token });
  const challenge = await backend.wallets.generateSignatureInit({ walletId: wallet.id, body: hashBody });
  assert.equal(challenge.allowCredentials.webauthn.length, 1);
  const firstFactor = await passkeys.sign(challenge);
  const relayed = await backend.wallets.generateSignatureComplete(
    { walletId: wallet.id, body: hashBody },
    { challengeIdentifier: challenge.challengeIdentifier, firstFactor },
  );
  assert.equal(relayed.status, 'Signed');
  assert.equal(relayed.requester.userId, reg.user.id);

  // The service account cannot sign with the end user's wallet, with its own token…
  await rejects(saClient().wallets.generateSignature({ walletId: wallet.id, body: hashBody }), 403, /delegated/);
  await rejects(saClient().keys.generateSignature({ keyId: wallet.signingKey.id, body: hashBody }), 403);
  // …nor with the end user's token and its own key.
  const sa = admin.serviceAccount;
  const ch2 = await backend.wallets.generateSignatureInit({ walletId: wallet.id, body: hashBody });
  const forced = await forcedSigner(sa.credId, crypto.createPrivateKey(sa.privateKeyPem)).sign(ch2);
  await rejects(backend.wallets.generateSignatureComplete(
    { walletId: wallet.id, body: hashBody },
    { challengeIdentifier: ch2.challengeIdentifier, firstFactor: forced },
  ), 401);
});

test("an end user reaching another end user's wallet gets 404", async () => {
  const a = await registerEndUser(['EthereumSepolia']);
  const b = await registerEndUser(['EthereumSepolia']);
  const bob = client(b.reg.authentication.token, passkeys);
  const walletId = a.reg.wallets[0].id;
  await rejects(bob.wallets.getWallet({ walletId }), 404);
  await rejects(bob.wallets.generateSignature({ walletId, body: hashBody }), 404);
  await rejects(bob.keys.getKey({ keyId: a.reg.wallets[0].signingKey.id }), 404);
  assert.deepEqual((await bob.wallets.listWallets()).items.map((w) => w.id), [b.reg.wallets[0].id]);
});

test('delegated recovery of an end user: the new passkey signs with the wallet, the old one is refused', async () => {
  const recoveryKey = generateKey('p256');
  const recoveryCredId = crypto.randomBytes(32).toString('base64url');
  const before = new Set(authenticator.creds.keys());
  const { email, reg } = await registerEndUser(['EthereumSepolia'], (ch) => ({
    recoveryCredential: { credentialKind: 'RecoveryKey', credentialInfo: attestKey(ch, recoveryKey, recoveryCredId) },
  }));
  const [oldId] = [...authenticator.creds.keys()].filter((id) => !before.has(id));
  const rch = await saClient().auth.createDelegatedRecoveryChallenge({ body: { username: email, credentialId: recoveryCredId } });
  const recovery = await keySigner(recoveryCredId, recoveryKey.privateKey).sign({
    ...rch, allowCredentials: { key: [{ type: 'public-key', id: recoveryCredId }], webauthn: [] },
  });
  await client(rch.temporaryAuthenticationToken).auth.recover({
    body: { recovery: { ...recovery, kind: 'RecoveryKey' }, newCredentials: { firstFactorCredential: await passkeys.create(rch) } },
  });
  const { token } = await saClient().auth.delegatedLogin({ body: { username: email } });
  const walletId = reg.wallets[0].id;
  assert.equal((await client(token, passkeys).wallets.generateSignature({ walletId, body: hashBody })).status, 'Signed');
  const backend = new DfnsDelegatedApiClient({ baseUrl, authToken: token });
  const ch = await backend.wallets.generateSignatureInit({ walletId, body: hashBody });
  const stale = await passkeys.sign({ ...ch, allowCredentials: { ...ch.allowCredentials, webauthn: [{ type: 'public-key', id: oldId }] } });
  await rejects(backend.wallets.generateSignatureComplete(
    { walletId, body: hashBody }, { challengeIdentifier: ch.challengeIdentifier, firstFactor: stale }), 401);
});

test('a custodial wallet delegated to an end user (delegateWallet, createWallet delegateTo) signs only for them', async () => {
  const { email, reg } = await registerEndUser([]);
  const sa = saClient();
  const w = await sa.wallets.createWallet({ body: { network: 'EthereumSepolia' } });
  assert.equal(w.custodial, true);
  assert.deepEqual(await sa.wallets.delegateWallet({ walletId: w.id, body: { userId: reg.user.id } }), { walletId: w.id, status: 'Delegated' });
  const w2 = await sa.wallets.createWallet({ body: { network: 'EthereumSepolia', delegateTo: reg.user.id } });
  assert.equal(w2.custodial, false);
  assert.equal(w2.signingKey.delegatedTo, reg.user.id);
  const { token } = await sa.auth.delegatedLogin({ body: { username: email } });
  const own = client(token, passkeys);
  for (const walletId of [w.id, w2.id]) {
    await rejects(sa.wallets.generateSignature({ walletId, body: hashBody }), 403);
    assert.equal((await own.wallets.generateSignature({ walletId, body: hashBody })).status, 'Signed');
  }
});
