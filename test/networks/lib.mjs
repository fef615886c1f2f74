// Helpers shared by the network test files: a Dfns SDK client for the
// bootstrap service account of the server run.mjs started, wallet creation
// and signing through the SDK, and hex helpers.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DfnsApiClient, DfnsError } from '@dfns/sdk';
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner';

const url = process.env.CUSTOS_URL;
const adminPath = process.env.CUSTOS_ADMIN;
if (!url || !adminPath) throw new Error('CUSTOS_URL and CUSTOS_ADMIN must be set: run through run.mjs');
const admin = JSON.parse(readFileSync(adminPath, 'utf8'));
const sa = admin.serviceAccount;

/** api is an SDK client of the bootstrap service account. */
export const api = new DfnsApiClient({
  baseUrl: url,
  authToken: sa.authToken,
  signer: new AsymmetricKeySigner({ credId: sa.credId, privateKey: sa.privateKeyPem }),
});

/** wallet creates a wallet on network (optionally with a scheme/curve). */
export async function wallet(network, signingKey) {
  const body = { network, name: `nets-${network}` };
  if (signingKey) body.signingKey = signingKey;
  const w = await api.wallets.createWallet({ body });
  assert.equal(w.network, network);
  assert.equal(w.status, 'Active');
  return w;
}

/** sign asks Custos for a signature with the wallet and checks it is Signed. */
export async function sign(w, body) {
  const res = await api.wallets.generateSignature({ walletId: w.id, body });
  assert.equal(res.status, 'Signed', JSON.stringify(res));
  return res;
}

/** rejects400 asserts that a signature request answers 400 mentioning words. */
export async function rejects400(w, body, words) {
  await assert.rejects(api.wallets.generateSignature({ walletId: w.id, body }), (err) => {
    assert.ok(err instanceof DfnsError, String(err));
    assert.equal(err.httpStatus, 400, JSON.stringify(err.context));
    if (words) assert.match(err.message, words);
    return true;
  });
}

/** hex returns the bytes of 0x-hex s. */
export function hex(s) {
  return Buffer.from(s.replace(/^0x/, ''), 'hex');
}

/** to0x returns bytes as 0x-hex. */
export function to0x(b) {
  return `0x${Buffer.from(b).toString('hex')}`;
}
