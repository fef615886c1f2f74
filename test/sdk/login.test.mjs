// Root login through the SDK's DfnsAuthenticator, signed calls with
// DfnsApiClient, the bootstrap service account, and logout.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfnsApiClient, DfnsAuthenticator } from '@dfns/sdk';
import {
  admin, baseUrl, client, keySigner, login, orgId, rejects, rootClient, saClient, uniqueName,
} from './lib/env.mjs';

function jwtPayload(token) {
  return JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));
}

test('root user logs in with DfnsAuthenticator and AsymmetricKeySigner', async () => {
  const u = admin.user;
  const signer = keySigner(u.credId, u.privateKeyPem);
  const auth = new DfnsAuthenticator({ baseUrl, signer });
  const { token } = await auth.login({ username: u.username, orgId });
  const claims = jwtPayload(token);
  assert.equal(claims['https://custom/app_metadata'].orgId, orgId);
  assert.equal(claims['https://custom/app_metadata'].userId, u.userId);
  assert.ok(claims.exp > Date.now() / 1000, 'token not yet expired');

  // orgId makes the SDK check the token's org claim before every call.
  const api = new DfnsApiClient({ baseUrl, orgId, authToken: token, signer });
  const me = await api.auth.getUser({ userId: u.userId });
  assert.equal(me.userId, u.userId);
  assert.equal(me.username, u.username);
  assert.equal(me.isActive, true);
  assert.equal(me.isServiceAccount, false);

  // A signed call: the SDK runs /auth/action/init, signs, /auth/action, then the call.
  const name = uniqueName('root-perm');
  const perm = await api.permissions.createPermission({ body: { name, operations: ['Wallets:Read'] } });
  assert.match(perm.id, /^pm-/);
  assert.equal(perm.name, name);
  assert.deepEqual(perm.operations, ['Wallets:Read']);
  assert.equal(perm.status, 'Active');
  const got = await api.permissions.getPermission({ permissionId: perm.id });
  assert.equal(got.id, perm.id);
  assert.equal(got.isArchived, false);
});

test('the SDK refuses a token of another org before sending (orgId option)', async () => {
  const api = new DfnsApiClient({ baseUrl, orgId: 'or-00000-00000-0000000000000000', authToken: admin.serviceAccount.authToken });
  await assert.rejects(api.auth.listUsers(), /org/i);
});

test('service account reads and signs with its own key', async () => {
  const api = saClient();
  const users = await api.auth.listUsers();
  assert.ok(Array.isArray(users.items));
  assert.ok(users.items.some((x) => x.userId === admin.user.userId), 'root user listed');
  assert.ok(users.items.every((x) => x.isServiceAccount === false), 'listUsers lists users only');

  const sas = await api.auth.listServiceAccounts();
  const me = sas.items.find((x) => x.userInfo.userId === admin.serviceAccount.userId);
  assert.ok(me, 'bootstrap service account listed');
  assert.equal(me.userInfo.isServiceAccount, true);
  assert.ok(me.accessTokens.some((t) => t.tokenId === admin.serviceAccount.tokenId && t.kind === 'ServiceAccount'));
  assert.ok(me.accessTokens.every((t) => t.accessToken === undefined), 'token is never shown again');

  const perm = await api.permissions.createPermission({ body: { name: uniqueName('sa-perm'), operations: ['Wallets:Read'] } });
  const list = await api.permissions.listPermissions();
  assert.ok(list.items.some((p) => p.id === perm.id));
});

test('the keysigner refuses a credential the challenge does not list', async () => {
  const rootToken = await login(admin.user.username, keySigner(admin.user.credId, admin.user.privateKeyPem));
  const sa = admin.serviceAccount;
  // The keysigner refuses a credId the challenge does not list.
  const mixed = client(rootToken, keySigner(sa.credId, sa.privateKeyPem));
  await assert.rejects(
    mixed.permissions.createPermission({ body: { name: uniqueName('x'), operations: ['Wallets:Read'] } }),
    /does not match allowed credentials/,
  );
});

test('logout ends the session token', async () => {
  const u = admin.user;
  const signer = keySigner(u.credId, u.privateKeyPem);
  const token = await login(u.username, signer);
  const api = client(token, signer);
  await api.auth.listUsers();
  const res = await api.auth.logout({});
  assert.equal(typeof res, 'object');
  await rejects(api.auth.listUsers(), 401);
  // Another session of the same user is untouched.
  const other = await rootClient();
  await other.auth.listUsers();
});
