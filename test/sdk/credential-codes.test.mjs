// Credential codes through the official SDK: a logged-in user makes a code
// (createCredentialCode, signed), another device with no token opens a
// challenge with it (createCredentialChallengeWithCode) and registers a
// passkey with WebAuthnSigner (createCredentialWithCode), which then logs in.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebAuthnSigner } from '@dfns/sdk-browser';
import { client, createUserWithKey, generateKey, login, rejects, saClient } from './lib/env.mjs';
import { SoftAuthenticator } from './lib/webauthn.mjs';

new SoftAuthenticator('https://localhost').install();
const signer = new WebAuthnSigner({ relyingParty: { id: 'localhost', name: 'Custos' } });

test('a credential code adds a passkey from another device', async () => {
  const owner = await createUserWithKey(saClient(), generateKey('p256'));
  const expiration = new Date(Date.now() + 2 * 60_000).toISOString();
  const { code, expiration: exp } = await owner.api.auth.createCredentialCode({ body: { expiration } });
  assert.match(code, /^[0-9A-Z]{3}-[0-9A-Z]{3}-[0-9A-Z]{3}$/);
  assert.equal(typeof exp, 'string');

  const anon = client();
  const ch = await anon.auth.createCredentialChallengeWithCode({ body: { credentialKind: 'Fido2', code } });
  assert.equal(ch.kind, 'Fido2');
  assert.equal(ch.user.id, owner.user.userId);
  const att = await signer.create(ch);
  const cred = await anon.auth.createCredentialWithCode({
    body: { ...att, credentialName: 'phone', challengeIdentifier: ch.challengeIdentifier },
  });
  assert.equal(cred.kind, 'Fido2');
  assert.equal(cred.name, 'phone');
  await login(owner.email, signer);
  await rejects(anon.auth.createCredentialChallengeWithCode({ body: { credentialKind: 'Fido2', code } }), 401);
});
