// Near wallets checked with near-api-js: the implicit account near-api-js
// derives from the wallet's public key, and a transfer plus function call
// built with createTransaction/encodeTransaction, signed through Custos
// (kind Transaction, as the Dfns documentation shows), whose signature
// near-api-js verifies and whose signedData it decodes as a SignedTransaction.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { actions, baseEncode, createTransaction, decodeSignedTransaction, encodeTransaction, keyToImplicitAddress, PublicKey } from 'near-api-js';
import { buf, createWallet, sign, signFails } from './lib.mjs';

for (const network of ['Near', 'NearTestnet']) {
  test(`${network}: implicit account and Transaction signing checked by near-api-js`, async () => {
    const w = await createWallet(network);
    assert.equal(w.signingKey.scheme, 'EdDSA');
    const pk = PublicKey.from(`ed25519:${baseEncode(buf(w.signingKey.publicKey))}`);
    assert.equal(w.address, keyToImplicitAddress(pk), 'implicit account as near-api-js derives it');

    const tx = createTransaction(w.address, pk, 'receiver.testnet', 7n, [
      actions.transfer(10n ** 21n),
      actions.functionCall('ft_transfer', { receiver_id: 'bob.testnet', amount: '1' }, 30_000_000_000_000n, 1n),
    ], crypto.randomBytes(32));
    const bytes = encodeTransaction(tx);
    const res = await sign(w, { kind: 'Transaction', transaction: `0x${Buffer.from(bytes).toString('hex')}` });

    const sig = buf(res.signature.encoded);
    const digest = crypto.createHash('sha256').update(bytes).digest();
    assert.ok(pk.verify(digest, sig), 'near-api-js verifies the signature over sha256(transaction)');
    assert.equal(pk.verify(crypto.createHash('sha256').update(Buffer.concat([bytes, Buffer.from([0])])).digest(), sig), false);
    const signed = decodeSignedTransaction(buf(res.signedData));
    assert.equal(signed.transaction.signerId, w.address);
    assert.equal(signed.transaction.receiverId, 'receiver.testnet');
    assert.equal(signed.transaction.actions.length, 2);
    assert.equal(Buffer.from(signed.signature.ed25519Signature.data).toString('hex'), sig.toString('hex'));

    assert.match(await signFails(w, { kind: 'Psbt', psbt: '0x00' }), /Psbt.*not supported on/);
    const m = await sign(w, { kind: 'Message', message: '0x637573746f73' });
    assert.ok(pk.verify(Buffer.from('custos'), buf(m.signature.encoded ?? `${m.signature.r}${m.signature.s.slice(2)}`)), 'Message signature');
    const other = createTransaction(w.address, PublicKey.from(`ed25519:${baseEncode(crypto.randomBytes(32))}`), 'r.testnet', 1n, [actions.transfer(1n)], crypto.randomBytes(32));
    assert.match(await signFails(w, { kind: 'Transaction', transaction: `0x${Buffer.from(encodeTransaction(other)).toString('hex')}` }), /public_key/);
  });
}
