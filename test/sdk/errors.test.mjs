// Rejections as the SDK surfaces them (DfnsError with httpStatus, message and
// the JSON error body), user-action replay with plain fetch, and the Dfns-only
// product areas (501).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfnsError } from '@dfns/sdk';
import {
  admin, client, createUserWithKey, forcedSigner, generateKey, keySigner, login, rawFetch, rejects,
  saClient, uniqueEmail, uniqueName,
} from './lib/env.mjs';

const permBody = () => ({ name: uniqueName('err'), operations: ['Wallets:Read'] });

/**
 * userActionFor gets an X-DFNS-USERACTION token for one request through the
 * SDK's own user-action endpoints (createUserActionChallenge, the keysigner,
 * createUserActionSignature).
 */
async function userActionFor(api, signer, method, path, payload) {
  const challenge = await api.auth.createUserActionChallenge({
    body: { userActionPayload: payload, userActionHttpMethod: method, userActionHttpPath: path, userActionServerKind: 'Api' },
  });
  const firstFactor = await signer.sign(challenge);
  const { userAction } = await api.auth.createUserActionSignature({
    body: { challengeIdentifier: challenge.challengeIdentifier, firstFactor },
  });
  assert.equal(typeof userAction, 'string');
  return userAction;
}

test('missing permission: 403 naming the operation', async () => {
  const user = await createUserWithKey(saClient(), generateKey('ed25519'), ['Auth:Users:Read']);
  await user.api.auth.listUsers();
  await rejects(user.api.permissions.listPermissions(), 403, /is not authorized to perform operation \(Permissions:Read\)/);
  await rejects(user.api.permissions.createPermission({ body: permBody() }), 403, /Permissions:Create/);
  await rejects(user.api.auth.createUser({ body: { email: uniqueEmail('nope'), kind: 'CustomerEmployee' } }), 403, /Auth:Users:Create/);
});

test('unknown ids: 404', async () => {
  const api = saClient();
  const missing = 'us-00000-00000-0000000000000000';
  await rejects(api.auth.getUser({ userId: missing }), 404);
  await rejects(api.auth.getServiceAccount({ serviceAccountId: missing }), 404);
  await rejects(api.auth.getPersonalAccessToken({ tokenId: 'to-00000-00000-0000000000000000' }), 404);
  await rejects(api.permissions.getPermission({ permissionId: 'pm-00000-00000-0000000000000000' }), 404);
  await rejects(api.auth.deactivateUser({ userId: missing }), 404);
  await rejects(
    api.permissions.createAssignment({ permissionId: 'pm-00000-00000-0000000000000000', body: { identityId: admin.user.userId } }),
    404,
  );
});

test('replayed user action: second use is 400', async () => {
  const u = admin.user;
  const signer = keySigner(u.credId, u.privateKeyPem);
  const token = await login(u.username, signer);
  const payload = JSON.stringify(permBody());
  const userAction = await userActionFor(client(token, signer), signer, 'POST', '/permissions', payload);

  const first = await rawFetch('POST', '/permissions', { token, body: payload, userAction });
  assert.equal(first.status, 200, JSON.stringify(first.body));
  assert.match(first.body.id, /^pm-/);
  const second = await rawFetch('POST', '/permissions', { token, body: payload, userAction });
  assert.equal(second.status, 400);
  assert.match(second.contentType, /application\/json/);
  assert.equal(second.body.error.status, 400);
  assert.match(second.body.error.message, /already been used/);
});

test('missing, forged or misused user action: 403', async () => {
  const sa = admin.serviceAccount;
  const signer = keySigner(sa.credId, sa.privateKeyPem);
  const payload = JSON.stringify(permBody());
  const missing = await rawFetch('POST', '/permissions', { token: sa.authToken, body: payload });
  assert.equal(missing.status, 403);
  assert.match(missing.body.error.message, /user action/i);
  const forged = await rawFetch('POST', '/permissions', { token: sa.authToken, body: payload, userAction: 'forged' });
  assert.equal(forged.status, 403);

  // A user action is bound to method, path and payload.
  const api = client(sa.authToken, signer);
  let ua = await userActionFor(api, signer, 'POST', '/permissions', payload);
  const otherBody = await rawFetch('POST', '/permissions', { token: sa.authToken, body: JSON.stringify(permBody()), userAction: ua });
  assert.equal(otherBody.status, 403);
  ua = await userActionFor(api, signer, 'POST', '/auth/users', payload);
  const otherPath = await rawFetch('POST', '/permissions', { token: sa.authToken, body: payload, userAction: ua });
  assert.equal(otherPath.status, 403);

  // …and to the identity that obtained it.
  const rootToken = await login(admin.user.username, keySigner(admin.user.credId, admin.user.privateKeyPem));
  ua = await userActionFor(api, signer, 'POST', '/permissions', payload);
  const otherCaller = await rawFetch('POST', '/permissions', { token: rootToken, body: payload, userAction: ua });
  assert.equal(otherCaller.status, 403);
});

test("signing with another identity's credential: 401 at /auth/action", async () => {
  const sa = admin.serviceAccount;
  const api = client(sa.authToken);
  const u = admin.user;
  // The service account may only sign with its own key.
  await rejects(
    userActionFor(api, forcedSigner(u.credId, u.privateKeyPem), 'POST', '/permissions', JSON.stringify(permBody())),
    401,
  );
  // A known credId with the wrong key.
  await rejects(
    userActionFor(api, forcedSigner(sa.credId, generateKey('ed25519').privateKey), 'POST', '/permissions', JSON.stringify(permBody())),
    401,
  );
});

test('bad bearer: 401', async () => {
  const good = admin.serviceAccount.authToken;
  const [h, p] = good.split('.');
  const claims = JSON.parse(Buffer.from(p, 'base64url').toString('utf8'));
  claims['https://custom/app_metadata'].userId = admin.user.userId;
  const tampered = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${good.split('.')[2]}`;
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${p}.`;
  for (const token of ['garbage', tampered, none, `${h}.${p}.`]) {
    await rejects(client(token).auth.listUsers(), 401, /Not Authorized/i);
  }
  // On a signed endpoint the SDK's first request (/auth/action/init) is refused.
  const signer = keySigner(admin.serviceAccount.credId, admin.serviceAccount.privateKeyPem);
  await rejects(client('garbage', signer).permissions.createPermission({ body: permBody() }), 401);
  // No bearer at all.
  await rejects(client(undefined).auth.listUsers(), 401);
});

test('unknown user at login: 401', async () => {
  const key = generateKey('p256');
  await rejects(login(uniqueEmail('ghost'), forcedSigner('x', key.privateKey)), 401);
});

test('validation errors: 400 with a message naming the field', async () => {
  const api = saClient();
  await rejects(api.auth.createUser({ body: { email: 'not an email', kind: 'CustomerEmployee' } }), 400, /email/);
  await rejects(api.auth.createUser({ body: { email: uniqueEmail('k'), kind: 'EndUser' } }), 400, /kind/);
  await rejects(api.auth.createUser({ body: { email: uniqueEmail('pk'), kind: 'CustomerEmployee', publicKey: 'not a pem' } }), 400, /publicKey/);
  await rejects(api.permissions.createPermission({ body: { name: uniqueName('e'), operations: [] } }), 400, /operations/);
  await rejects(api.permissions.createPermission({ body: { name: uniqueName('e'), operations: ['No:Such:Op'] } }), 400, /No:Such:Op/);
  await rejects(api.auth.createServiceAccount({ body: { name: uniqueName('s'), publicKey: '' } }), 400, /publicKey/);
  await rejects(api.auth.createCredentialChallenge({ body: { kind: 'Carrier-Pigeon' } }), 400);
  await rejects(api.auth.listUsers({ query: { kind: 'Robot' } }), 400, /kind/);
  // A body that is not JSON is a 400 with a JSON error body too.
  const res = await rawFetch('POST', '/auth/login/init', { body: '{not json' });
  assert.equal(res.status, 400);
  assert.equal(res.body.error.status, 400);
});

// GET /signers is served (key import needs it), so it is not listed here.
const dfnsOnly = [
  ['GET', '/agreements'], ['GET', '/allocations'], ['POST', '/exchanges'], ['GET', '/fee-sponsors'],
  ['GET', '/payins'], ['POST', '/payouts/quote'], ['GET', '/key-stores'],
  ['POST', '/staking/stakes'], ['GET', '/swaps'], ['POST', '/swaps/quotes'], ['GET', '/vaults/va-1'],
  ['GET', '/networks/Canton/validators'], ['DELETE', '/networks/Canton/validators/v-1'],
];

test('Dfns-only areas answer 501 with a JSON error', async () => {
  const token = admin.serviceAccount.authToken;
  for (const [method, path] of dfnsOnly) {
    const res = await rawFetch(method, path, { token, body: method === 'GET' ? undefined : {} });
    assert.equal(res.status, 501, `${method} ${path}`);
    assert.match(res.contentType, /application\/json/);
    assert.equal(res.body.error.status, 501);
    assert.match(res.body.error.message, /provided by Dfns only/);
  }
  // Through the SDK it is a DfnsError 501.
  const api = saClient();
  await rejects(api.swaps.listSwaps(), 501, /swaps/);
  await rejects(api.networks.listCantonValidators({ network: 'Canton', query: {} }), 501);
  const err = await rejects(api.staking.createStake({ body: { provider: 'Figment', walletId: 'wa-1' } }), 501);
  assert.ok(err instanceof DfnsError);
});
