// Key credentials of each algorithm (Ed25519, P-256, secp256k1, RSA-2048):
// registered at user creation (publicKey in createUser) and through the SDK's
// credential flow (createCredentialChallenge + createCredential), then used
// to log in with DfnsAuthenticator and to sign calls with DfnsApiClient.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import {
  ALGOS, attestKey, client, createUserWithKey, forcedSigner, generateKey, keySigner, login, loginCredIds, rejects, saClient,
  uniqueName,
} from './lib/env.mjs';

for (const algo of ALGOS) {
  test(`${algo} Key credential: create user with it, add another through the credential flow, log in with both`, async () => {
    const sa = saClient();
    // 1. The user's first credential comes from publicKey in createUser.
    const first = await createUserWithKey(sa, generateKey(algo));
    assert.ok(first.user.credentialUuid.startsWith('cr-'), 'credentialUuid set');
    const creds = await first.api.auth.listCredentials();
    assert.equal(creds.items.length, 1);
    assert.equal(creds.items[0].kind, 'Key');
    assert.equal(creds.items[0].credentialId, first.credId);
    assert.equal(creds.items[0].credentialUuid, first.user.credentialUuid);
    assert.equal(creds.items[0].isActive, true);

    // 2. Add a second Key credential through the SDK: the challenge is
    //    unsigned, createCredential is signed with the first credential.
    const key2 = generateKey(algo);
    const credId2 = crypto.randomBytes(32).toString('base64url');
    const challenge = await first.api.auth.createCredentialChallenge({ body: { kind: 'Key' } });
    assert.equal(challenge.kind, 'Key');
    assert.equal(challenge.user.id, first.user.userId);
    assert.equal(typeof challenge.challenge, 'string');
    assert.equal(typeof challenge.challengeIdentifier, 'string');
    const credentialName = uniqueName(`second-${algo}`);
    const cred = await first.api.auth.createCredential({
      body: {
        credentialKind: 'Key',
        credentialInfo: attestKey(challenge, key2, credId2),
        credentialName,
        challengeIdentifier: challenge.challengeIdentifier,
      },
    });
    assert.equal(cred.kind, 'Key');
    assert.equal(cred.credentialId, credId2);
    assert.equal(cred.name, credentialName);
    assert.equal(cred.isActive, true);
    assert.match(cred.credentialUuid, /^cr-/);
    assert.deepEqual((await loginCredIds(first.email)).sort(), [first.credId, credId2].sort());

    // 3. Log in with the new credential and sign with it.
    const signer2 = keySigner(credId2, key2.privateKey);
    const second = client(await login(first.email, signer2), signer2);
    const listed = await second.auth.listCredentials();
    assert.equal(listed.items.length, 2);

    // Signed with the second key: deactivate the first credential; it can
    // no longer log in, and activating it again (signed) restores it.
    const off = await second.auth.deactivateCredential({ body: { credentialUuid: first.user.credentialUuid } });
    assert.equal(off.message, 'success');
    await assert.rejects(login(first.email, first.signer), /does not match allowed credentials/, 'not offered');
    await rejects(login(first.email, forcedSigner(first.credId, first.key.privateKey)), 401);
    assert.deepEqual(await loginCredIds(first.email), [credId2]);
    await second.auth.activateCredential({ body: { credentialUuid: first.user.credentialUuid } });
    await login(first.email, first.signer);

    // A challenge is single-use: registering again with it fails.
    await rejects(first.api.auth.createCredential({
      body: {
        credentialKind: 'Key',
        credentialInfo: attestKey(challenge, generateKey(algo), crypto.randomBytes(32).toString('base64url')),
        credentialName: 'again',
        challengeIdentifier: challenge.challengeIdentifier,
      },
    }), 400);
  });
}

test('an attestation signed by another key is refused', async () => {
  const user = await createUserWithKey(saClient(), generateKey('p256'));
  const challenge = await user.api.auth.createCredentialChallenge({ body: { kind: 'Key' } });
  const claimed = generateKey('p256');
  const info = attestKey(challenge, { ...claimed, privateKey: generateKey('p256').privateKey }, 'forged');
  await rejects(user.api.auth.createCredential({
    body: { credentialKind: 'Key', credentialInfo: info, credentialName: 'forged', challengeIdentifier: challenge.challengeIdentifier },
  }), 401, /signature/);
});

test('an attestation for another challenge is refused', async () => {
  const user = await createUserWithKey(saClient(), generateKey('ed25519'));
  const challenge = await user.api.auth.createCredentialChallenge({ body: { kind: 'Key' } });
  const key = generateKey('ed25519');
  const info = attestKey({ challenge: 'not-the-challenge' }, key, 'wrong-challenge');
  await rejects(user.api.auth.createCredential({
    body: { credentialKind: 'Key', credentialInfo: info, credentialName: 'x', challengeIdentifier: challenge.challengeIdentifier },
  }), 401, /challenge/);
});

test('RSA public key in PKCS#1 PEM is accepted at user creation', async () => {
  const key = generateKey('rsa');
  const pkcs1 = { ...key, publicKeyPem: key.publicKey.export({ type: 'pkcs1', format: 'pem' }) };
  assert.match(pkcs1.publicKeyPem, /BEGIN RSA PUBLIC KEY/);
  const user = await createUserWithKey(saClient(), pkcs1);
  assert.equal((await user.api.auth.listCredentials()).items.length, 1);
});
