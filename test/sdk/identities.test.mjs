// Users, personal access tokens, service accounts and permissions driven
// through the SDK's DfnsApiClient.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  admin, client, createUserWithKey, generateKey, grant, keySigner, login, orgId, rejects, rootClient, saClient,
  uniqueEmail, uniqueName,
} from './lib/env.mjs';

test('users: create, list, get, deactivate, activate, archive', async () => {
  const api = saClient();
  const email = uniqueEmail('Plain');
  const created = await api.auth.createUser({ body: { email, kind: 'CustomerEmployee', externalId: 'ext-1' } });
  assert.match(created.userId, /^us-/);
  assert.equal(created.username, email.toLowerCase());
  assert.equal(created.kind, 'CustomerEmployee');
  assert.equal(created.orgId, orgId);
  assert.equal(created.isActive, true);
  assert.equal(created.isRegistered, false, 'no credential yet');
  assert.equal(created.isServiceAccount, false);
  assert.deepEqual(created.permissionAssignments, []);

  const got = await api.auth.getUser({ userId: created.userId });
  assert.deepEqual(got, created);

  const all = await api.auth.listUsers({ query: { kind: 'CustomerEmployee' } });
  assert.ok(all.items.some((u) => u.userId === created.userId));
  const endUsers = await api.auth.listUsers({ query: { kind: 'EndUser' } });
  assert.ok(!endUsers.items.some((u) => u.userId === created.userId), 'kind filter applies');

  // Paging with limit walks every user exactly once.
  const seen = [];
  let paginationToken;
  do {
    const pageRes = await api.auth.listUsers({ query: { limit: 1, paginationToken } });
    assert.ok(pageRes.items.length <= 1);
    seen.push(...pageRes.items.map((u) => u.userId));
    paginationToken = pageRes.nextPageToken;
  } while (paginationToken);
  assert.equal(new Set(seen).size, seen.length, 'no user twice');
  assert.ok(seen.includes(created.userId) && seen.includes(admin.user.userId));

  const off = await api.auth.deactivateUser({ userId: created.userId });
  assert.equal(off.isActive, false);
  assert.equal((await api.auth.getUser({ userId: created.userId })).isActive, false);
  const on = await api.auth.activateUser({ userId: created.userId });
  assert.equal(on.isActive, true);
  const archived = await api.auth.archiveUser({ userId: created.userId });
  assert.equal(archived.isActive, false);
  await rejects(api.auth.activateUser({ userId: created.userId }), 400, /archived/);

  const updated = await api.auth.updateUser({ userId: (await api.auth.createUser({
    body: { email: uniqueEmail('sso'), kind: 'CustomerEmployee' },
  })).userId, body: { isSSORequired: true } });
  assert.equal(updated.isSSORequired, true);
});

test('a deactivated user cannot log in or call; reactivation restores access', async () => {
  const api = saClient();
  const alice = await createUserWithKey(api, generateKey('ed25519'), ['Auth:Users:Read']);
  await alice.api.auth.listUsers();
  await api.auth.deactivateUser({ userId: alice.user.userId });
  await rejects(alice.api.auth.listUsers(), 401);
  await rejects(login(alice.email, alice.signer), 400, /deactivated/i);
  await api.auth.activateUser({ userId: alice.user.userId });
  await alice.api.auth.listUsers();
  await login(alice.email, alice.signer);
});

test('personal access tokens: create, sign with their own key, deactivate, activate, archive', async () => {
  const root = await rootClient();
  const key = generateKey('p256');
  const name = uniqueName('pat');
  const pat = await root.auth.createPersonalAccessToken({ body: { name, publicKey: key.publicKeyPem, daysValid: 30 } });
  assert.match(pat.tokenId, /^to-/);
  assert.equal(pat.kind, 'Pat');
  assert.equal(pat.name, name);
  assert.equal(pat.isActive, true);
  assert.equal(pat.linkedUserId, admin.user.userId);
  assert.equal(pat.orgId, orgId);
  assert.equal(typeof pat.credId, 'string');
  assert.equal(pat.accessToken.split('.').length, 3, 'accessToken is a JWT');

  // The PAT signs its user actions with its own key only.
  const patApi = client(pat.accessToken, keySigner(pat.credId, key.privateKey));
  const perm = await patApi.permissions.createPermission({ body: { name: uniqueName('by-pat'), operations: ['Wallets:Read'] } });
  assert.match(perm.id, /^pm-/);
  const rootSigner = keySigner(admin.user.credId, admin.user.privateKeyPem);
  await assert.rejects(
    client(pat.accessToken, rootSigner).permissions.createPermission({ body: { name: uniqueName('x'), operations: ['Wallets:Read'] } }),
    /does not match allowed credentials/,
    "the PAT's challenge does not list its user's credential",
  );

  const again = await root.auth.getPersonalAccessToken({ tokenId: pat.tokenId });
  assert.equal(again.tokenId, pat.tokenId);
  assert.equal(again.accessToken, undefined, 'the token is shown once');
  const list = await root.auth.listPersonalAccessTokens();
  assert.ok(list.items.some((t) => t.tokenId === pat.tokenId));

  const renamed = await root.auth.updatePersonalAccessToken({ tokenId: pat.tokenId, body: { name: `${name}-2` } });
  assert.equal(renamed.name, `${name}-2`);

  assert.equal((await root.auth.deactivatePersonalAccessToken({ tokenId: pat.tokenId })).isActive, false);
  await rejects(patApi.permissions.listPermissions(), 401);
  assert.equal((await root.auth.activatePersonalAccessToken({ tokenId: pat.tokenId })).isActive, true);
  await patApi.permissions.listPermissions();
  assert.equal((await root.auth.archivePersonalAccessToken({ tokenId: pat.tokenId })).isActive, false);
  await rejects(patApi.permissions.listPermissions(), 401);
});

test('service accounts: create, use, get, list, update, deactivate, activate, archive with force', async () => {
  const root = await rootClient();
  const key = generateKey('secp256k1');
  const perm = await root.permissions.createPermission({
    body: { name: uniqueName('bot-perm'), operations: ['Permissions:Create', 'Permissions:Read'] },
  });
  const name = uniqueName('bot');
  const sa = await root.auth.createServiceAccount({ body: { name, publicKey: key.publicKeyPem, permissionId: perm.id } });
  assert.match(sa.userInfo.userId, /^us-/);
  assert.equal(sa.userInfo.isServiceAccount, true);
  assert.equal(sa.userInfo.isActive, true);
  assert.equal(sa.accessTokens.length, 1);
  const tok = sa.accessTokens[0];
  assert.equal(tok.kind, 'ServiceAccount');
  assert.equal(tok.linkedUserId, sa.userInfo.userId);
  assert.ok(tok.accessToken, 'token shown at creation');
  assert.ok(sa.userInfo.permissionAssignments.some((a) => a.permissionId === perm.id));

  const bot = client(tok.accessToken, keySigner(tok.credId, key.privateKey));
  const made = await bot.permissions.createPermission({ body: { name: uniqueName('by-bot'), operations: ['Wallets:Read'] } });
  assert.match(made.id, /^pm-/);
  await rejects(bot.auth.listUsers(), 403, /Auth:Users:Read/);

  const got = await root.auth.getServiceAccount({ serviceAccountId: sa.userInfo.userId });
  assert.equal(got.userInfo.userId, sa.userInfo.userId);
  assert.equal(got.accessTokens[0].accessToken, undefined);
  const list = await root.auth.listServiceAccounts();
  assert.ok(list.items.some((x) => x.userInfo.userId === sa.userInfo.userId));
  const renamed = await root.auth.updateServiceAccount({ serviceAccountId: sa.userInfo.userId, body: { name: `${name}-2` } });
  assert.equal(renamed.userInfo.name, `${name}-2`);

  assert.equal((await root.auth.deactivateServiceAccount({ serviceAccountId: sa.userInfo.userId, body: {} })).userInfo.isActive, false);
  await rejects(bot.permissions.listPermissions(), 401);
  assert.equal((await root.auth.activateServiceAccount({ serviceAccountId: sa.userInfo.userId })).userInfo.isActive, true);
  await bot.permissions.listPermissions();
  // TS signs the pathname only and sends ?force=true: the server must match paths without the query.
  const archived = await root.auth.archiveServiceAccount({ serviceAccountId: sa.userInfo.userId, query: { force: true } });
  assert.equal(archived.userInfo.isActive, false);
  await rejects(bot.permissions.listPermissions(), 401);
});

test('permissions: create, list, update, assign, revoke, archive', async () => {
  const api = saClient();
  const user = await createUserWithKey(api, generateKey('ed25519'));
  await rejects(user.api.permissions.listPermissions(), 403, /Permissions:Read/);

  const name = uniqueName('readers');
  const perm = await api.permissions.createPermission({ body: { name, operations: ['Permissions:Read'] } });
  assert.equal(perm.isArchived, false);
  assert.equal(perm.isImmutable, false);
  const list = await api.permissions.listPermissions();
  assert.ok(list.items.some((p) => p.id === perm.id && p.name === name));

  const asg = await api.permissions.createAssignment({ permissionId: perm.id, body: { identityId: user.user.userId } });
  assert.match(asg.id, /^as-/);
  assert.equal(asg.permissionId, perm.id);
  assert.equal(asg.identityId, user.user.userId);
  const asgs = await api.permissions.listAssignments({ permissionId: perm.id });
  assert.ok(asgs.items.some((a) => a.id === asg.id));
  const info = (await api.auth.getUser({ userId: user.user.userId })).permissionAssignments;
  assert.ok(info.some((a) => a.permissionId === perm.id && a.assignmentId === asg.id && a.permissionName === name));

  // The grant takes effect on the user's current token.
  await user.api.permissions.listPermissions();
  await rejects(user.api.permissions.listAssignments({ permissionId: perm.id }), 403, /Permissions:Assignments:Read/);

  const updated = await api.permissions.updatePermission({
    permissionId: perm.id, body: { name, operations: ['Permissions:Read', 'Permissions:Assignments:Read'] },
  });
  assert.deepEqual([...updated.operations].sort(), ['Permissions:Assignments:Read', 'Permissions:Read']);
  await user.api.permissions.listAssignments({ permissionId: perm.id });

  // deleteAssignment returns nothing in TS 0.8.21; force=true is sent but not signed.
  await api.permissions.deleteAssignment({ permissionId: perm.id, assignmentId: asg.id, query: { force: true } });
  await rejects(user.api.permissions.listPermissions(), 403);

  await grant(api, user.user.userId, ['Permissions:Read']);
  await user.api.permissions.listPermissions();
  const archived = await api.permissions.archivePermission({ permissionId: perm.id, body: { isArchived: true } });
  assert.equal(archived.isArchived, true);
  await rejects(
    api.permissions.createAssignment({ permissionId: perm.id, body: { identityId: user.user.userId } }),
    400,
    /archived/,
  );
});
