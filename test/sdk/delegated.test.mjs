// DfnsDelegatedApiClient: …Init returns the user-action challenge, the user
// signs it with their own key (AsymmetricKeySigner.sign), …Complete sends
// the signed challenge and the call.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfnsDelegatedApiClient } from '@dfns/sdk';
import {
  admin, baseUrl, createUserWithKey, forcedSigner, generateKey, keySigner, login, rejects, saClient, uniqueEmail,
  uniqueName,
} from './lib/env.mjs';

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
