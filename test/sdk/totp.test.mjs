// Totp credentials (docs/protocol/totp.md) through the official SDK: a user
// adds one with createCredentialChallenge({kind: "Totp"}) — whose otpUrl
// carries the secret — and createCredential with a code, then logs in with
// its key and a code as secondFactor of auth.login. Codes are RFC 6238
// (HMAC-SHA1, 6 digits, 30 s), computed here with node:crypto.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { client, createUserWithKey, generateKey, orgId, rejects, saClient } from './lib/env.mjs';

/** base32 decodes RFC 4648 base32 without padding. */
function base32(s) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0;
  let value = 0;
  const out = [];
  for (const ch of s) {
    value = (value << 5) | alphabet.indexOf(ch);
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  return Buffer.from(out);
}

/** code returns the TOTP code of secret d steps from now. */
function code(secret, d = 0) {
  const step = BigInt(Math.floor(Date.now() / 1000 / 30) + d);
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(step);
  const mac = crypto.createHmac('sha1', secret).update(msg).digest();
  const o = mac[mac.length - 1] & 0x0f;
  const n = (mac.readUInt32BE(o) & 0x7fffffff) % 1_000_000;
  return String(n).padStart(6, '0');
}

async function loginWith(email, signer, secondFactor) {
  const anon = client();
  const ch = await anon.auth.createLoginChallenge({ body: { username: email, orgId } });
  const firstFactor = await signer.sign(ch);
  const body = { challengeIdentifier: ch.challengeIdentifier, firstFactor };
  if (secondFactor) body.secondFactor = secondFactor;
  return { ch, res: anon.auth.login({ body }) };
}

test('a Totp second factor: registered with a code of otpUrl, then needed at login; wrong and replayed codes refused', async () => {
  const alice = await createUserWithKey(saClient(), generateKey('p256'));
  const ch = await alice.api.auth.createCredentialChallenge({ body: { kind: 'Totp' } });
  assert.equal(ch.kind, 'Totp');
  const url = new URL(ch.otpUrl);
  assert.equal(url.protocol, 'otpauth:');
  assert.equal(url.searchParams.get('issuer'), 'Custos');
  const secret = base32(url.searchParams.get('secret'));
  assert.equal(secret.length, 20);
  const cred = await alice.api.auth.createCredential({
    body: { challengeIdentifier: ch.challengeIdentifier, credentialKind: 'Totp', credentialName: 'phone', credentialInfo: { otpCode: code(secret) } },
  });
  assert.equal(cred.kind, 'Totp');
  assert.ok(!JSON.stringify(await alice.api.auth.listCredentials()).includes(url.searchParams.get('secret')));

  // The first factor alone no longer logs in; the challenge says why.
  const bare = await loginWith(alice.email, alice.signer);
  assert.ok(bare.ch.supportedCredentialKinds.some((k) => k.kind === 'Totp' && k.factor === 'second'));
  await rejects(bare.res, 401);
  await rejects((await loginWith(alice.email, alice.signer, { kind: 'Totp', otpCode: code(secret, 4) })).res, 401);
  // The code that registered the credential is spent.
  await rejects((await loginWith(alice.email, alice.signer, { kind: 'Totp', otpCode: code(secret) })).res, 401);
  const fresh = code(secret, 1);
  const { token } = await (await loginWith(alice.email, alice.signer, { kind: 'Totp', otpCode: fresh })).res;
  assert.equal(typeof token, 'string');
  await rejects((await loginWith(alice.email, alice.signer, { kind: 'Totp', otpCode: fresh })).res, 401, /used already/);
});
