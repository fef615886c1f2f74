// Tezos: the address Custos derives is the one @taquito/utils computes
// from the wallet's public key (tz1 for ed25519, tz2 for secp256k1); an
// operation forged with @taquito/local-forging is signed through Custos
// (Transaction) and verified by taquito's verifySignature with the
// operation watermark; a Hash of another watermark's bytes likewise.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import taquitoUtils from '@taquito/utils';
import forging from '@taquito/local-forging';
import { blake2b } from '@noble/hashes/blake2.js';
import { hex, rejects400, sign, wallet } from './lib.mjs';

const { PrefixV2, b58Encode, getPkhfromPk, verifySignature } = taquitoUtils;
const forger = new forging.LocalForger();
const branch = 'BLockGenesisGenesisGenesisGenesisGenesisf79b5d1CoW2';

const kinds = {
  EdDSA: { signingKey: undefined, pk: PrefixV2.Ed25519PublicKey, sig: PrefixV2.Ed25519Signature, tz: 'tz1' },
  ECDSA: { signingKey: { scheme: 'ECDSA', curve: 'secp256k1' }, pk: PrefixV2.Secp256k1PublicKey, sig: PrefixV2.Secp256k1Signature, tz: 'tz2' },
};

for (const network of ['Tezos', 'TezosGhostnet', 'TezosShadownet']) {
  for (const [scheme, k] of Object.entries(kinds)) {
    test(`${network} ${scheme}: address, Transaction and Hash`, async () => {
      const w = await wallet(network, k.signingKey);
      assert.equal(w.signingKey.scheme, scheme);
      const pk = b58Encode(hex(w.signingKey.publicKey), k.pk);
      assert.equal(w.address, getPkhfromPk(pk));
      assert.ok(w.address.startsWith(k.tz));

      const forged = await forger.forge({
        branch,
        contents: [{
          kind: 'transaction', source: w.address, fee: '1420', counter: '17', gas_limit: '1527', storage_limit: '257',
          amount: '1000000', destination: 'tz1KqTpEZ7Yob7QbPE4Hy4Wo8fHG8LhKxZSx',
        }],
      });
      const res = await sign(w, { kind: 'Transaction', transaction: `0x${forged}` });
      const sig = b58Encode(hex(res.signature.encoded), k.sig);
      assert.ok(verifySignature(forged, pk, sig, new Uint8Array([3])), 'verifies with the operation watermark');
      assert.ok(!verifySignature(forged, pk, sig, new Uint8Array([5])));
      assert.equal(res.signedData, `0x${forged}${hex(res.signature.encoded).toString('hex')}`);
      const parsed = await forger.parse(res.signedData.slice(2, -128));
      assert.equal(parsed.contents[0].source, w.address);

      // A Micheline off-chain message (watermark 0x05), hashed by the caller.
      const msg = '05010000000b68656c6c6f2074657a6f73';
      const h = blake2b(Buffer.concat([Buffer.from([5]), Buffer.from(msg, 'hex')]), { dkLen: 32 });
      const res2 = await sign(w, { kind: 'Hash', hash: `0x${Buffer.from(h).toString('hex')}` });
      assert.ok(verifySignature(msg, pk, b58Encode(hex(res2.signature.encoded), k.sig), new Uint8Array([5])));
    });
  }
}

test('Tezos: other kinds and garbage are 400s', async () => {
  const w = await wallet('TezosGhostnet');
  await rejects400(w, { kind: 'Message', message: '0x00' }, /Message.*not supported on TezosGhostnet/);
  await rejects400(w, { kind: 'Transaction', transaction: '0x00' }, /branch/);
});
