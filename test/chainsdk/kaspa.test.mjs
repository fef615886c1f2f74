// Kaspa wallets checked with @dfns/kaspa-wasm (the Kaspa library Dfns' own
// @dfns/lib-kaspa uses): the address kaspa-wasm derives from the wallet's
// public key, and a transaction built with kaspa-wasm's createTransaction,
// sent as @dfns/lib-kaspa sends it (kind Psbt, hex of serializeToJSON),
// whose signedData kaspa-wasm deserializes with a Schnorr signature script
// on each input. That the signatures are over Kaspa's own sighash is shown
// by internal/chain/kaspa's test against a transaction kaspa-wasm signed.
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { test } from 'node:test';
import { buf, createWallet, sign, signFails } from './lib.mjs';

const k = createRequire(import.meta.url)('@dfns/kaspa-wasm');

for (const [network, type, prefix] of [['Kaspa', k.NetworkType.Mainnet, 'kaspa:'], ['KaspaTestnet11', k.NetworkType.Testnet, 'kaspatest:']]) {
  test(`${network}: address and Psbt (transaction JSON) signing checked with kaspa-wasm`, async () => {
    const w = await createWallet(network);
    assert.equal(w.signingKey.scheme, 'Schnorr');
    const pub = new k.PublicKey(w.signingKey.publicKey);
    const want = pub.toAddress(type).toString();
    assert.equal(w.address, want, 'address as kaspa-wasm derives it');
    assert.ok(w.address.startsWith(prefix));

    const spk = new k.ScriptPublicKey(0, `20${pub.toXOnlyPublicKey().toString()}ac`);
    const entries = [0, 1].map((i) => ({
      address: w.address,
      outpoint: { transactionId: `${i}`.repeat(64), index: i },
      utxoEntry: { amount: 100_000_000n * BigInt(i + 1), scriptPublicKey: spk, blockDaaScore: 5n, isCoinbase: false },
    }));
    const to = new k.PrivateKey('33'.repeat(32)).toPublicKey().toAddress(type).toString();
    const tx = k.createTransaction(entries, [{ address: to, amount: 123_456_789n }], w.address, 10_000n, undefined, 1, 1);
    const res = await sign(w, { kind: 'Psbt', psbt: `0x${Buffer.from(tx.serializeToJSON()).toString('hex')}` });

    const signed = k.Transaction.deserializeFromJSON(buf(res.signedData).toString());
    assert.equal(signed.id, tx.id, 'same transaction');
    assert.equal(res.signatures.length, 2);
    signed.inputs.forEach((input, i) => {
      const script = input.signatureScript.replace(/^0x/, '');
      assert.equal(script, `41${res.signatures[i].encoded.slice(2)}01`, `input ${i}: OP_DATA_65 <sig> SIGHASH_ALL`);
    });

    const h = await sign(w, { kind: 'Hash', hash: `0x${'ab'.repeat(32)}` });
    assert.equal(h.signedData, h.signature.encoded);
    assert.match(await signFails(w, { kind: 'Transaction', transaction: '0x00' }), /Transaction.*not supported on/);
    assert.match(await signFails(w, { kind: 'Psbt', psbt: res.signedData }), /no unsigned input/);
  });
}

test('Kaspa wallets refuse ECDSA keys', async () => {
  await assert.rejects(createWallet('Kaspa', { signingKey: { scheme: 'ECDSA', curve: 'secp256k1' } }), (err) => err.httpStatus === 400);
});
