// STARK-curve keys (KeyECDSAStark): a key-only wallet and a key created
// with scheme ECDSA on curve stark sign a Hash through Custos; the public
// key is a point @scure/starknet accepts and the signature verifies with its
// verify. A hash that is not a field element (≥ 2^251) is a 400.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import crypto from 'node:crypto';
import * as starknet from '@scure/starknet';
import { api, hex, rejects400, sign, wallet } from './lib.mjs';

/** fieldHash returns 32 random bytes below 2^251, as 0x-hex. */
function fieldHash() {
  const b = crypto.randomBytes(32);
  b[0] &= 0x07;
  return `0x${b.toString('hex')}`;
}

test('KeyECDSAStark wallet: Hash signed and verified by @scure/starknet', async () => {
  const w = await wallet('KeyECDSAStark');
  assert.equal(w.signingKey.scheme, 'ECDSA');
  assert.equal(w.signingKey.curve, 'stark');
  assert.equal(w.address, undefined);
  const pub = w.signingKey.publicKey;
  starknet.Point.fromHex(pub).assertValidity();
  for (let i = 0; i < 3; i++) {
    const h = fieldHash();
    assert.ok(BigInt(h) < 2n ** 251n);
    const res = await sign(w, { kind: 'Hash', hash: h });
    const sig = new starknet.Signature(BigInt(res.signature.r), BigInt(res.signature.s));
    assert.ok(starknet.verify(sig, h.slice(2), pub), 'verifies with @scure/starknet');
    assert.ok(!starknet.verify(sig, (BigInt(h) ^ 1n).toString(16), pub));
    // Deterministic: scure's own RFC 6979 signer would need the private key;
    // the Go test checks Custos's nonces against Starkware's published vector.
  }
  await rejects400(w, { kind: 'Hash', hash: `0x08${'00'.repeat(31)}` }, /2\^251/);
  await rejects400(w, { kind: 'Message', message: '0x00' }, /Message/);
});

test('KeyECDSAStark: a wallet asked for scheme ECDSA gets a stark key', async () => {
  const w = await wallet('KeyECDSAStark', { scheme: 'ECDSA' });
  assert.equal(w.signingKey.curve, 'stark');
});

test('ECDSA/stark key: Hash without a network', async () => {
  const key = await api.keys.createKey({ body: { scheme: 'ECDSA', curve: 'stark', name: 'stark' } });
  assert.equal(key.curve, 'stark');
  const h = fieldHash();
  const res = await api.keys.generateSignature({ keyId: key.id, body: { kind: 'Hash', hash: h } });
  assert.equal(res.status, 'Signed');
  const sig = new starknet.Signature(BigInt(res.signature.r), BigInt(res.signature.s));
  assert.ok(starknet.verify(sig, h.slice(2), key.publicKey));
  assert.equal(hex(key.publicKey).length, 33);
});
