// Shared helpers: an SDK client for the bootstrap service account of the
// server run.mjs started, wallet creation and signing through the official
// Dfns SDK, and hex helpers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DfnsApiClient } from '@dfns/sdk';
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner';

const url = process.env.CUSTOS_URL;
const adminPath = process.env.CUSTOS_ADMIN;
if (!url || !adminPath) throw new Error('CUSTOS_URL and CUSTOS_ADMIN must be set: run the suite through run.mjs');
const admin = JSON.parse(readFileSync(adminPath, 'utf8'));

/** api is a DfnsApiClient of the admin service account. */
export const api = new DfnsApiClient({
  baseUrl: url,
  authToken: admin.serviceAccount.authToken,
  signer: new AsymmetricKeySigner({ credId: admin.serviceAccount.credId, privateKey: admin.serviceAccount.privateKeyPem }),
});

let seq = 0;

/** createWallet creates an active wallet on network (extra: e.g. signingKey). */
export async function createWallet(network, extra = {}) {
  const w = await api.wallets.createWallet({ body: { network, name: `chainsdk-${network}-${++seq}`, ...extra } });
  assert.equal(w.status, 'Active');
  assert.equal(w.network, network);
  return w;
}

/** sign asks Custos for a signature with the wallet's key through both routes; returns the key route's answer. */
export async function sign(wallet, body) {
  const res = await api.keys.generateSignature({ keyId: wallet.signingKey.id, body: { ...body, network: wallet.network } });
  assert.equal(res.status, 'Signed', JSON.stringify(res));
  return res;
}

/** signFails asserts a signature request is refused with status 400 and returns the message. */
export async function signFails(wallet, body) {
  try {
    await api.keys.generateSignature({ keyId: wallet.signingKey.id, body: { ...body, network: wallet.network } });
  } catch (err) {
    assert.equal(err.httpStatus, 400, `${err.message}`);
    return err.message;
  }
  assert.fail('request was accepted');
}

/** hex strips 0x and returns a Buffer. */
export function buf(hex) {
  return Buffer.from(hex.replace(/^0x/, ''), 'hex');
}
