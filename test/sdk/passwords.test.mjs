// Password credentials through the official SDK: added with
// createCredentialChallenge + createCredential (signed with the user's key),
// then a login with DfnsAuthenticator whose signer answers with the password.
// A wrong password is refused; a password cannot sign user actions.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfnsAuthenticator } from '@dfns/sdk';
import { baseUrl, client, createUserWithKey, generateKey, orgId, rejects, saClient } from './lib/env.mjs';

const passwordSigner = (password) => ({ sign: async () => ({ kind: 'Password', password }) });

test('Password credential: add it, log in with it, refused as a signer', async () => {
  const owner = await createUserWithKey(saClient(), generateKey('ed25519'));
  const ch = await owner.api.auth.createCredentialChallenge({ body: { kind: 'Password' } });
  const cred = await owner.api.auth.createCredential({
    body: { credentialKind: 'Password', credentialInfo: { password: 'a long enough secret' }, credentialName: 'pw', challengeIdentifier: ch.challengeIdentifier },
  });
  assert.equal(cred.kind, 'Password');
  assert.equal(cred.publicKey, '');

  await rejects(new DfnsAuthenticator({ baseUrl, signer: passwordSigner('not the secret') }).login({ username: owner.email, orgId }), 401);
  const { token } = await new DfnsAuthenticator({ baseUrl, signer: passwordSigner('a long enough secret') }).login({ username: owner.email, orgId });
  const api = client(token, passwordSigner('a long enough secret'));
  assert.equal((await api.auth.listCredentials()).items.length, 2);
  await rejects(api.auth.deactivateCredential({ body: { credentialUuid: cred.credentialUuid } }), 401);
});
