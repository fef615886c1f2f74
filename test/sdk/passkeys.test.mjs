// Passkeys (Fido2) through the official browser signer: @dfns/sdk-browser's
// WebAuthnSigner, unchanged, over a software authenticator standing in for
// navigator.credentials (lib/webauthn.mjs). The server runs with its default
// relying party (rp id localhost, origin https://localhost). The passkey
// belongs to a user of its own, so its refused logins back off no one else.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { WebAuthnSigner } from '@dfns/sdk-browser';
import { client, createUserWithKey, generateKey, login, rejects, saClient, uniqueEmail } from './lib/env.mjs';
import { SoftAuthenticator } from './lib/webauthn.mjs';

const ORIGIN = 'https://localhost';
const authenticator = new SoftAuthenticator(ORIGIN).install();
const signer = new WebAuthnSigner({ relyingParty: { id: 'localhost', name: 'Custos' } });

test('Fido2 credential: register with WebAuthnSigner, log in with it, sign createUser with it', async (t) => {
  const owner = await createUserWithKey(saClient(), generateKey('p256'), ['Auth:Users:Create']);
  const root = owner.api;
  const challenge = await root.auth.createCredentialChallenge({ body: { kind: 'Fido2' } });
  assert.equal(challenge.kind, 'Fido2');
  assert.equal(challenge.rp.id, 'localhost');
  assert.equal(challenge.authenticatorSelection.userVerification, 'required');
  assert.ok(challenge.pubKeyCredParams.some((p) => p.alg === -7) && challenge.pubKeyCredParams.some((p) => p.alg === -257));
  const attestation = await signer.create(challenge);
  const cred = await root.auth.createCredential({
    body: { ...attestation, credentialName: 'passkey', challengeIdentifier: challenge.challengeIdentifier },
  });
  assert.equal(cred.kind, 'Fido2');
  assert.equal(cred.credentialId, attestation.credentialInfo.credId);
  assert.match(cred.publicKey, /BEGIN PUBLIC KEY/);

  const token = await login(owner.email, signer);
  const api = client(token, signer);
  const email = uniqueEmail('passkey-signed');
  const user = await api.auth.createUser({ body: { email, kind: 'CustomerEmployee' } });
  assert.equal(user.username, email);

  await t.test('wrong origin is refused', async () => {
    authenticator.origin = 'https://evil.example';
    try {
      await rejects(login(owner.email, signer), 401);
    } finally {
      authenticator.origin = ORIGIN;
    }
  });
  await t.test('assertion without user verification is refused', async () => {
    authenticator.flags = 0x01;
    try {
      await rejects(login(owner.email, signer), 401);
    } finally {
      authenticator.flags = 0x05;
    }
  });
  await t.test('wrong rp id hash is refused', async () => {
    authenticator.rpIdOverride = 'example.com';
    try {
      await rejects(login(owner.email, signer), 401);
    } finally {
      authenticator.rpIdOverride = undefined;
    }
  });
  await t.test('a counter that goes back is refused', async () => {
    for (const c of authenticator.creds.values()) c.counter = 0;
    await rejects(login(owner.email, signer), 401);
    for (const c of authenticator.creds.values()) c.counter = 100;
    await login(owner.email, signer);
  });
});
