// suite.mjs holds what the chain suites (test/chain, test/btc, test/sol)
// share around the official SDK: the bootstrap service account's client,
// the approver, bounded polling, and the check of a refusal. Each suite
// keeps its own node_modules, so the SDK classes are passed in:
// sdk = {DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner, DfnsError}.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { approverClient as sharedApprover } from './approver.mjs';

/** until polls fn every 200 ms until it returns a truthy value, for at most timeoutMs. */
export async function until(fn, what, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/**
 * suiteHelpers returns the helpers bound to a suite's SDK classes:
 * clientFor(baseUrl, adminPath), api (the client of the server run.mjs
 * started, from CUSTOS_URL and CUSTOS_ADMIN; undefined in run.mjs itself),
 * approverClient(), settled(walletId, id, transaction, client) and
 * rejects(promise, httpStatus, message).
 */
export function suiteHelpers(sdk) {
  const { DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner, DfnsError } = sdk;
  const clientFor = (baseUrl, adminPath) => {
    const admin = JSON.parse(readFileSync(adminPath, 'utf8'));
    return new DfnsApiClient({
      baseUrl,
      orgId: admin.orgId,
      authToken: admin.serviceAccount.authToken,
      signer: new AsymmetricKeySigner({ credId: admin.serviceAccount.credId, privateKey: admin.serviceAccount.privateKeyPem }),
    });
  };
  const api = process.env.CUSTOS_URL ? clientFor(process.env.CUSTOS_URL, process.env.CUSTOS_ADMIN) : undefined;
  const approverClient = () => {
    const admin = JSON.parse(readFileSync(process.env.CUSTOS_ADMIN, 'utf8'));
    return sharedApprover({ api, baseUrl: process.env.CUSTOS_URL, orgId: admin.orgId,
      sdk: { DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner } });
  };
  /** settled polls a transfer (or transaction) until it is Confirmed or Failed. */
  const settled = (walletId, id, transaction = false, client = api) => until(async () => {
    const t = transaction
      ? await client.wallets.getTransaction({ walletId, transactionId: id })
      : await client.wallets.getTransfer({ walletId, transferId: id });
    return t.status === 'Confirmed' || t.status === 'Failed' ? t : undefined;
  }, `${id} to settle`);
  /** rejects asserts that promise fails with a DfnsError of httpStatus whose message matches message. */
  const rejects = async (promise, httpStatus, message) => {
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
  };
  return { clientFor, api, approverClient, settled, rejects };
}
