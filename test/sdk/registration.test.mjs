// Registration of an invited user through the official SDK: createUser
// emails a registration code (read from run.mjs's SMTP sink), and
// DfnsAuthenticator.register with @dfns/sdk-browser's WebAuthnSigner (over
// the software authenticator of lib/webauthn.mjs) registers a passkey, which
// then logs in and signs.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DfnsAuthenticator } from '@dfns/sdk';
import { WebAuthnSigner } from '@dfns/sdk-browser';
import { baseUrl, client, login, orgId, rejects, saClient, uniqueEmail } from './lib/env.mjs';
import { mailCode } from './lib/smtpsink.mjs';
import { SoftAuthenticator } from './lib/webauthn.mjs';

new SoftAuthenticator('https://localhost').install();
const signer = new WebAuthnSigner({ relyingParty: { id: 'localhost', name: 'Custos' } });
const mailDir = process.env.CUSTOS_MAIL_DIR;

function code(email) {
  const c = mailCode(mailDir, email, 'Registration code');
  assert.ok(c, `a registration code was mailed to ${email}`);
  return c;
}

test('an invited user registers a passkey with the emailed code, logs in and signs with it', async () => {
  const sa = saClient();
  const email = uniqueEmail('invited');
  const user = await sa.auth.createUser({ body: { email, kind: 'CustomerEmployee' } });
  assert.equal(user.isRegistered, false);
  const first = code(email);

  const authenticator = new DfnsAuthenticator({ baseUrl, signer });
  await rejects(authenticator.register({ orgId, username: email, registrationCode: '0000-0000-0000-0000' }), 401);
  const reg = await authenticator.register({ orgId, username: email, registrationCode: first });
  assert.equal(reg.credential.kind, 'Fido2');
  assert.match(reg.credential.uuid, /^cr-/);
  assert.equal(reg.user.id, user.userId);
  assert.equal(reg.user.orgId, orgId);
  assert.equal((await sa.auth.getUser({ userId: user.userId })).isRegistered, true);

  // The code was used once.
  await rejects(authenticator.register({ orgId, username: email, registrationCode: first }), 401);

  const token = await login(email, signer);
  const api = client(token, signer);
  const creds = await api.auth.listCredentials();
  assert.deepEqual(creds.items.map((c) => c.kind), ['Fido2']);
  // A signed call with the passkey: adding a second one.
  const ch = await api.auth.createCredentialChallenge({ body: { kind: 'Fido2' } });
  const att = await signer.create(ch);
  const cred = await api.auth.createCredential({ body: { ...att, credentialName: 'second', challengeIdentifier: ch.challengeIdentifier } });
  assert.equal(cred.kind, 'Fido2');
});

test('resending the registration code invalidates the previous one', async () => {
  const sa = saClient();
  const email = uniqueEmail('resend');
  await sa.auth.createUser({ body: { email, kind: 'CustomerEmployee' } });
  const old = code(email);
  const res = await client().auth.resendRegistrationCode({ body: { username: email, orgId } });
  assert.equal(res.message, 'success');
  const fresh = code(email);
  assert.notEqual(fresh, old);
  const authenticator = new DfnsAuthenticator({ baseUrl, signer });
  await rejects(authenticator.register({ orgId, username: email, registrationCode: old }), 401);
  const reg = await authenticator.register({ orgId, username: email, registrationCode: fresh });
  assert.equal(reg.credential.kind, 'Fido2');
});
