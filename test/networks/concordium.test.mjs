// Concordium: a wallet starts Inactive without an address (the account
// exists once a credential is deployed); a transfer @concordium/web-sdk
// builds is signed through Custos (Transaction), the signed block item is
// byte for byte what serializeAccountTransactionForSubmission makes of the
// transaction and Custos's signature, deserializeTransaction decodes it,
// and verifyAccountSignature accepts the signature over
// getAccountTransactionSignDigest for an account holding the wallet's key.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { randomBytes } from 'node:crypto';
import {
  AccountAddress, AccountTransactionType, CcdAmount, SequenceNumber, TransactionExpiry,
  deserializeTransaction, getAccountAddress, getAccountTransactionSignDigest,
  serializeAccountTransactionForSubmission, verifyAccountSignature,
} from '@concordium/web-sdk';
import { DfnsError } from '@dfns/sdk';
import { api, hex, rejects400, sign, to0x } from './lib.mjs';

// unsigned returns header ‖ payload as the SDK serializes them: its
// submission form for one 64-byte signature, without the version, kind and
// signature map (2 + 70 bytes) in front.
function unsigned(tx) {
  const dummy = { 0: { 0: '00'.repeat(64) } };
  return serializeAccountTransactionForSubmission(tx, dummy).subarray(72);
}

function accountWith(pub) {
  return {
    accountThreshold: 1,
    accountAddress: AccountAddress.fromBuffer(Buffer.alloc(32, 9)),
    accountCredentials: { 0: { v: 0, value: { type: 'normal', contents: { credentialPublicKeys: { threshold: 1, keys: { 0: { schemeId: 'Ed25519', verifyKey: pub } } } } } } },
  };
}

for (const network of ['Concordium', 'ConcordiumTestnet']) {
  test(`${network}: Inactive wallet, Transaction`, async () => {
    const w = await api.wallets.createWallet({ body: { network, name: `nets-${network}` } });
    assert.equal(w.status, 'Inactive');
    assert.equal(w.address, undefined);
    assert.equal(w.signingKey.scheme, 'EdDSA');
    assert.equal((await api.wallets.getWallet({ walletId: w.id })).status, 'Inactive');

    const tx = {
      header: {
        expiry: TransactionExpiry.futureMinutes(30),
        nonce: SequenceNumber.create(3n),
        sender: AccountAddress.fromBuffer(Buffer.alloc(32, 9)),
      },
      type: AccountTransactionType.Transfer,
      payload: { amount: CcdAmount.fromMicroCcd(4242n), toAddress: AccountAddress.fromBuffer(Buffer.alloc(32, 5)) },
    };
    const res = await sign(w, { kind: 'Transaction', transaction: to0x(unsigned(tx)) });
    const sig = { 0: { 0: hex(res.signature.encoded).toString('hex') } };
    assert.equal(res.signedData, to0x(serializeAccountTransactionForSubmission(tx, sig)));
    const digest = getAccountTransactionSignDigest(tx);
    assert.ok(await verifyAccountSignature(digest, sig, accountWith(w.signingKey.publicKey)));
    const other = { 0: { 0: '11'.repeat(32) } };
    assert.equal(await verifyAccountSignature(digest, sig, accountWith(other[0][0])), false);

    const item = deserializeTransaction(hex(res.signedData));
    assert.equal(item.kind, 0); // an account transaction
    assert.equal(item.transaction.signature[0][0], sig[0][0]);
    assert.equal(item.transaction.header.nonce.value, 3n);
    assert.equal(item.transaction.payload.amount.microCcdAmount, 4242n);

    await rejects400(w, { kind: 'Psbt', psbt: '0x00' }, new RegExp(`Psbt.*not supported on ${network}`));
    await rejects400(w, { kind: 'Transaction', transaction: to0x(Buffer.concat([unsigned(tx), Buffer.from([0])])) }, /payload size/);

    // Activation with the ID app's unsigned credential deployment: checked
    // against the wallet's key, then a 400 naming the account it would
    // create (the SDK's getAccountAddress of the credId) and the missing node.
    const credId = randomBytes(48).toString('hex');
    const unsignedCdiStr = JSON.stringify({
      credId,
      credentialPublicKeys: { threshold: 1, keys: { 0: { schemeId: 'Ed25519', verifyKey: w.signingKey.publicKey } } },
    });
    const expiry = Math.floor(Date.now() / 1000) + 600;
    await assert.rejects(api.wallets.activateWallet({ walletId: w.id, body: { expiry, unsignedCdiStr } }), (err) => {
      assert.ok(err instanceof DfnsError, String(err));
      assert.equal(err.httpStatus, 400);
      assert.ok(err.message.includes(`creates the account ${getAccountAddress(credId).address}`), err.message);
      assert.match(err.message, /--rpc/);
      return true;
    });
    assert.equal((await api.wallets.getWallet({ walletId: w.id })).status, 'Inactive');
  });
}
