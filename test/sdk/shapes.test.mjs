// Response bodies carry every field the SDK 0.8.21 types (generated/*/types.d.ts)
// declare as required, with the declared JSON type.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import {
  admin, attestKey, client, createUserWithKey, generateKey, orgId, rootClient, saClient, uniqueName,
} from './lib/env.mjs';

/**
 * shape asserts that value matches spec: a type name ('string', 'boolean',
 * 'number', 'array', 'object'; a trailing '?' allows absence), an object of
 * field specs, or [spec] for an array whose items match spec.
 */
function shape(value, spec, where = 'body') {
  if (Array.isArray(spec)) {
    assert.ok(Array.isArray(value), `${where} is an array`);
    value.forEach((v, i) => shape(v, spec[0], `${where}[${i}]`));
    return;
  }
  if (typeof spec === 'object') {
    assert.ok(value !== null && typeof value === 'object' && !Array.isArray(value), `${where} is an object`);
    for (const [k, s] of Object.entries(spec)) shape(value[k], s, `${where}.${k}`);
    return;
  }
  const optional = spec.endsWith('?');
  const type = optional ? spec.slice(0, -1) : spec;
  if (value === undefined) {
    assert.ok(optional, `${where} is missing`);
    return;
  }
  const actual = Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value;
  assert.equal(actual, type, `${where} type`);
}

const assignmentInfo = { permissionName: 'string', permissionId: 'string', assignmentId: 'string', operations: 'array?' };
const user = {
  username: 'string', name: 'string', userId: 'string', kind: 'string', credentialUuid: 'string', orgId: 'string',
  permissions: 'array?', isActive: 'boolean', isServiceAccount: 'boolean', isRegistered: 'boolean',
  isSSORequired: 'boolean', permissionAssignments: [assignmentInfo],
};
const accessToken = {
  accessToken: 'string?', dateCreated: 'string', credId: 'string', isActive: 'boolean', kind: 'string',
  linkedUserId: 'string', linkedAppId: 'string', name: 'string', orgId: 'string', permissionAssignments: [assignmentInfo],
  publicKey: 'string', tokenId: 'string',
};
const { isSSORequired: _, ...saUser } = user;
const serviceAccount = { userInfo: saUser, accessTokens: [accessToken] };
const credential = {
  kind: 'string', credentialId: 'string', credentialUuid: 'string', dateCreated: 'string', isActive: 'boolean',
  name: 'string', publicKey: 'string', relyingPartyId: 'string', origin: 'string',
};
const allowCredential = { type: 'string', id: 'string' };
const signingChallenge = {
  challenge: 'string', challengeIdentifier: 'string',
  supportedCredentialKinds: [{ kind: 'string', factor: 'string', requiresSecondFactor: 'boolean' }],
  userVerification: 'string', attestation: 'string', externalAuthenticationUrl: 'string',
  allowCredentials: { key: [allowCredential], webauthn: [allowCredential] },
};
const permission = {
  id: 'string', name: 'string', operations: 'array', status: 'string', isImmutable: 'boolean', isArchived: 'boolean',
  dateCreated: 'string', dateUpdated: 'string',
};
const assignment = {
  id: 'string', permissionId: 'string', identityId: 'string', isImmutable: 'boolean', dateCreated: 'string', dateUpdated: 'string',
};

test('challenges, users, tokens, service accounts, credentials and permissions match the SDK types', async () => {
  const root = await rootClient();
  shape(await client().auth.createLoginChallenge({ body: { username: admin.user.username, orgId } }), signingChallenge);
  shape(await root.auth.createUserActionChallenge({
    body: { userActionPayload: '{}', userActionHttpMethod: 'POST', userActionHttpPath: '/permissions', userActionServerKind: 'Api' },
  }), signingChallenge);

  const u = await createUserWithKey(root, generateKey('p256'));
  shape(u.user, user, 'createUser');
  shape(await root.auth.getUser({ userId: u.user.userId }), user, 'getUser');
  const users = await root.auth.listUsers();
  shape(users, { items: [user], nextPageToken: 'string?' }, 'listUsers');

  const cc = await u.api.auth.createCredentialChallenge({ body: { kind: 'Key' } });
  shape(cc, {
    kind: 'string', user: { id: 'string', displayName: 'string', name: 'string' }, challengeIdentifier: 'string',
    challenge: 'string', attestation: 'string', pubKeyCredParams: [{ type: 'string', alg: 'number' }],
    temporaryAuthenticationToken: 'string',
  }, 'createCredentialChallenge');
  const cred = await u.api.auth.createCredential({
    body: {
      credentialKind: 'Key', credentialInfo: attestKey(cc, generateKey('p256'), crypto.randomBytes(16).toString('base64url')),
      credentialName: 'shape', challengeIdentifier: cc.challengeIdentifier,
    },
  });
  shape(cred, credential, 'createCredential');
  shape(await u.api.auth.listCredentials(), { items: [credential] }, 'listCredentials');

  const pat = await root.auth.createPersonalAccessToken({ body: { name: uniqueName('shape'), publicKey: generateKey('ed25519').publicKeyPem } });
  shape(pat, { ...accessToken, accessToken: 'string' }, 'createPersonalAccessToken');
  shape(await root.auth.listPersonalAccessTokens(), { items: [accessToken] }, 'listPersonalAccessTokens');

  const sa = await root.auth.createServiceAccount({ body: { name: uniqueName('shape'), publicKey: generateKey('ed25519').publicKeyPem } });
  shape(sa, serviceAccount, 'createServiceAccount');
  shape(await saClient().auth.listServiceAccounts(), { items: [serviceAccount] }, 'listServiceAccounts');

  const perm = await root.permissions.createPermission({ body: { name: uniqueName('shape'), operations: ['Wallets:Read'] } });
  shape(perm, permission, 'createPermission');
  shape(await root.permissions.listPermissions(), { items: [permission], nextPageToken: 'string?' }, 'listPermissions');
  const asg = await root.permissions.createAssignment({ permissionId: perm.id, body: { identityId: u.user.userId } });
  shape(asg, assignment, 'createAssignment');
  shape(await root.permissions.listAssignments({ permissionId: perm.id }), { items: [assignment], nextPageToken: 'string?' }, 'listAssignments');
});
