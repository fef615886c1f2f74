// Shared helpers for the SDK test files: the server under test (from the
// environment run.mjs sets), key generation, a Key-credential attestor and
// assertion helpers. Every client here is one of the SDK's own classes.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { readFileSync } from 'node:fs';
import { DfnsApiClient, DfnsAuthenticator, DfnsError } from '@dfns/sdk';
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner';
import { toBase64Url } from '@dfns/sdk/utils/index.js';

const url = process.env.CUSTOS_URL;
const adminPath = process.env.CUSTOS_ADMIN;
if (!url || !adminPath) {
  throw new Error('CUSTOS_URL and CUSTOS_ADMIN must be set: run the suite through run.mjs');
}

/** baseUrl is the URL of the server under test. */
export const baseUrl = url;

/** admin is the bootstrap admin.json of the server under test. */
export const admin = JSON.parse(readFileSync(adminPath, 'utf8'));

/** orgId is the organisation bootstrapped by the server. */
export const orgId = admin.orgId;

/** ALGOS lists the four key algorithms a Key credential may use. */
export const ALGOS = ['ed25519', 'p256', 'secp256k1', 'rsa'];

/** generateKey returns a fresh key pair of algo with the public key as SPKI PEM. */
export function generateKey(algo) {
  let pair;
  switch (algo) {
    case 'ed25519':
      pair = crypto.generateKeyPairSync('ed25519');
      break;
    case 'p256':
      pair = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
      break;
    case 'secp256k1':
      pair = crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' });
      break;
    case 'rsa':
      pair = crypto.generateKeyPairSync('rsa', { modulusLength: 2048 });
      break;
    default:
      throw new Error(`unknown algorithm ${algo}`);
  }
  return {
    algo,
    privateKey: pair.privateKey,
    privateKeyPem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKey: pair.publicKey,
    publicKeyPem: pair.publicKey.export({ type: 'spki', format: 'pem' }),
  };
}

let seq = 0;

/** uniqueEmail returns an email address no other test uses. */
export function uniqueEmail(tag) {
  seq += 1;
  return `${tag}-${process.pid}-${seq}-${crypto.randomBytes(3).toString('hex')}@example.com`;
}

/** uniqueName returns a name no other test uses. */
export function uniqueName(tag) {
  seq += 1;
  return `${tag}-${process.pid}-${seq}-${crypto.randomBytes(3).toString('hex')}`;
}

/** keySigner returns the keysigner package's signer for credId and a private key. */
export function keySigner(credId, privateKey) {
  return new AsymmetricKeySigner({ credId, privateKey });
}

/**
 * forcedSigner is a keysigner that answers even when the challenge does not
 * list its credId, to see what the server (not the SDK) does with it.
 */
export function forcedSigner(credId, privateKey) {
  const inner = keySigner(credId, privateKey);
  return {
    sign: (challenge) => inner.sign({
      ...challenge,
      allowCredentials: { ...challenge.allowCredentials, key: [...challenge.allowCredentials.key, { type: 'public-key', id: credId }] },
    }),
  };
}

/** client returns a DfnsApiClient for a bearer token and optional signer. */
export function client(authToken, signer) {
  return new DfnsApiClient({ baseUrl, authToken, signer });
}

/** saClient returns a client for the bootstrap service account. */
export function saClient() {
  const sa = admin.serviceAccount;
  return client(sa.authToken, keySigner(sa.credId, sa.privateKeyPem));
}

/** login logs username in through the SDK's DfnsAuthenticator and returns the token. */
export async function login(username, signer) {
  const auth = new DfnsAuthenticator({ baseUrl, signer });
  const { token } = await auth.login({ username, orgId });
  assert.equal(typeof token, 'string');
  assert.equal(token.split('.').length, 3, 'login token is a JWT');
  return token;
}

/** rootClient logs the bootstrap root user in and returns a signing client. */
export async function rootClient() {
  const u = admin.user;
  const signer = keySigner(u.credId, u.privateKeyPem);
  return client(await login(u.username, signer), signer);
}

/**
 * loginCredIds asks the public login challenge which Key credentials
 * username has (the ids a signer needs), through the SDK.
 */
export async function loginCredIds(username) {
  const ch = await client().auth.createLoginChallenge({ body: { username, orgId } });
  return ch.allowCredentials.key.map((c) => c.id);
}

/**
 * createUserWithKey creates a CustomerEmployee holding key as its Key
 * credential (Custos extension: publicKey in the createUser body), optionally
 * grants it operations, logs it in and returns {user, key, signer, api}.
 */
export async function createUserWithKey(api, key, operations = []) {
  const email = uniqueEmail(`user-${key.algo}`);
  const user = await api.auth.createUser({ body: { email, kind: 'CustomerEmployee', publicKey: key.publicKeyPem } });
  assert.equal(user.username, email);
  assert.equal(user.isRegistered, true);
  if (operations.length > 0) {
    await grant(api, user.userId, operations);
  }
  const ids = await loginCredIds(email);
  assert.equal(ids.length, 1, 'a new user has one Key credential');
  const signer = keySigner(ids[0], key.privateKey);
  const token = await login(email, signer);
  return { user, email, key, credId: ids[0], signer, token, api: client(token, signer) };
}

/** grant creates a permission of operations and assigns it to identityId. */
export async function grant(api, identityId, operations) {
  const perm = await api.permissions.createPermission({ body: { name: uniqueName('perm'), operations } });
  const asg = await api.permissions.createAssignment({ permissionId: perm.id, body: { identityId } });
  return { perm, asg };
}

/**
 * attestKey builds the Key-credential registration (auth-protocol.md §6.2)
 * for a credential challenge: clientData {type:"key.create", challenge};
 * attestationData {publicKey, signature: hex of the signature over the
 * fingerprint {"clientDataHash","publicKey"}}. The keysigner package has no
 * create(), so this plays the role of a BrowserKeySigner-style create.
 */
export function attestKey(challenge, key, credId) {
  const clientData = Buffer.from(JSON.stringify({ type: 'key.create', challenge: challenge.challenge }));
  const fingerprint = JSON.stringify({
    clientDataHash: crypto.createHash('sha256').update(clientData).digest('hex'),
    publicKey: key.publicKeyPem,
  });
  const signature = crypto.sign(undefined, Buffer.from(fingerprint), key.privateKey).toString('hex');
  return {
    credId,
    clientData: toBase64Url(clientData),
    attestationData: toBase64Url(Buffer.from(JSON.stringify({ publicKey: key.publicKeyPem, signature }))),
  };
}

/**
 * rejects asserts that promise fails with a DfnsError of httpStatus whose
 * message matches message (a RegExp) and whose body is the JSON error body.
 */
export async function rejects(promise, httpStatus, message = /./) {
  let err;
  try {
    await promise;
  } catch (e) {
    err = e;
  }
  assert.ok(err, `expected a DfnsError ${httpStatus}, got success`);
  assert.ok(err instanceof DfnsError, `expected a DfnsError, got ${err?.name}: ${err?.message}`);
  assert.equal(err.httpStatus, httpStatus, `status of "${err.message}"`);
  assert.match(err.message, message);
  const body = err.context?.body;
  assert.equal(body?.error?.status, httpStatus, 'error body carries the status');
  assert.equal(typeof body?.error?.message, 'string', 'error body carries a message');
  return err;
}

/** rawFetch sends one request with plain fetch and returns {status, body}. */
export async function rawFetch(method, path, { token, body, userAction, headers = {} } = {}) {
  const h = { ...headers };
  if (token !== undefined) h.authorization = `Bearer ${token}`;
  if (userAction !== undefined) h['x-dfns-useraction'] = userAction;
  let payload;
  if (body !== undefined) {
    payload = typeof body === 'string' ? body : JSON.stringify(body);
    h['content-type'] = 'application/json';
  }
  const res = await fetch(new URL(path, baseUrl), { method, headers: h, body: payload });
  const text = await res.text();
  let json;
  try {
    json = JSON.parse(text);
  } catch {
    assert.fail(`${method} ${path}: ${res.status} body is not JSON: ${text.slice(0, 200)}`);
  }
  return { status: res.status, contentType: res.headers.get('content-type'), body: json };
}
