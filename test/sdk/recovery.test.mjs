// Recovery through the official SDK: a user registered with a passkey and a
// recovery key gets a recovery code by email (run.mjs's SMTP sink), opens a
// recovery with createRecoveryChallenge, signs it with the recovery key
// (AsymmetricKeySigner, kind RecoveryKey) and registers a new passkey with
// WebAuthnSigner through recover. The old passkey is then refused.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { BaseAuthApi } from '@dfns/sdk/baseAuthApi.js';
import { WebAuthnSigner } from '@dfns/sdk-browser';
import { attestKey, baseUrl, client, generateKey, keySigner, login, orgId, rejects, saClient, uniqueEmail } from './lib/env.mjs';
import { mailCode } from './lib/smtpsink.mjs';
import { SoftAuthenticator } from './lib/webauthn.mjs';

const authenticator = new SoftAuthenticator('https://localhost').install();
const signer = new WebAuthnSigner({ relyingParty: { id: 'localhost', name: 'Custos' } });
const mailDir = process.env.CUSTOS_MAIL_DIR;

test('a user recovers with the recovery key; the old passkey is refused afterwards', async () => {
  const sa = saClient();
  const email = uniqueEmail('recover');
  await sa.auth.createUser({ body: { email, kind: 'CustomerEmployee' } });
  const anon = client();

  // Registration with a passkey and a recovery key.
  const ch = await BaseAuthApi.createUserRegistrationChallenge(
    { orgId, username: email, registrationCode: mailCode(mailDir, email, 'Registration code') }, { baseUrl });
  const recoveryKey = generateKey('p256');
  const recoveryCredId = crypto.randomBytes(32).toString('base64url');
  await BaseAuthApi.createUserRegistration({
    firstFactorCredential: await signer.create(ch),
    recoveryCredential: {
      credentialKind: 'RecoveryKey', encryptedPrivateKey: 'opaque-to-the-server',
      credentialInfo: attestKey(ch, recoveryKey, recoveryCredId),
    },
  }, { baseUrl, authToken: ch.temporaryAuthenticationToken });
  const oldCredIds = [...authenticator.creds.keys()];
  await login(email, signer);

  // Recovery.
  assert.equal((await anon.auth.sendRecoveryCode({ body: { username: email, orgId } })).message, 'success');
  const code = mailCode(mailDir, email, 'Recovery code');
  assert.ok(code, 'a recovery code was mailed');
  const rch = await anon.auth.createRecoveryChallenge({
    body: { username: email, orgId, verificationCode: code, credentialId: recoveryCredId },
  });
  assert.deepEqual(rch.allowedRecoveryCredentials, [{ id: recoveryCredId, encryptedRecoveryKey: 'opaque-to-the-server' }]);
  const recovery = await keySigner(recoveryCredId, recoveryKey.privateKey).sign({
    ...rch, allowCredentials: { key: [{ type: 'public-key', id: recoveryCredId }], webauthn: [] },
  });
  const res = await client(rch.temporaryAuthenticationToken).auth.recover({
    body: { recovery: { ...recovery, kind: 'RecoveryKey' }, newCredentials: { firstFactorCredential: await signer.create(rch) } },
  });
  assert.equal(res.credential.kind, 'Fido2');

  // The old passkey, used anyway, is refused; only the new one signs in.
  const lc0 = await anon.auth.createLoginChallenge({ body: { username: email, orgId } });
  const forced = await signer.sign({ ...lc0, allowCredentials: { ...lc0.allowCredentials, webauthn: [{ type: 'public-key', id: oldCredIds[0] }] } });
  assert.equal(forced.credentialAssertion.credId, oldCredIds[0]);
  await rejects(BaseAuthApi.createUserLogin({ challengeIdentifier: lc0.challengeIdentifier, firstFactor: forced }, { baseUrl }), 401);
  for (const id of oldCredIds) authenticator.creds.delete(id);
  const token = await login(email, signer);
  assert.equal((await client(token, signer).auth.listCredentials()).items.length, 1);
  const lc = await anon.auth.createLoginChallenge({ body: { username: email, orgId } });
  assert.equal(lc.allowCredentials.webauthn.length, 1);
  await rejects(anon.auth.createRecoveryChallenge({
    body: { username: email, orgId, verificationCode: code, credentialId: recoveryCredId },
  }), 401);
});
