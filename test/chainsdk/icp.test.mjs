// Internet Computer and Origyn wallets checked with @dfinity/principal: the
// address is the self-authenticating principal the library derives from
// the DER form of the wallet's public key (secp256k1 and ed25519 keys).
// Hash signatures are verified with node's crypto (plain ECDSA / Ed25519,
// which is what the Internet Computer checks).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { Principal } from '@dfinity/principal';
import { buf, createWallet, sign, signFails } from './lib.mjs';

const SECP_SPKI = Buffer.from('3056301006072a8648ce3d020106052b8104000a034200', 'hex');
const ED_SPKI = Buffer.from('302a300506032b6570032100', 'hex');

for (const network of ['InternetComputer', 'Origyn']) {
  test(`${network}: self-authenticating principal (secp256k1) checked by @dfinity/principal`, async () => {
    const w = await createWallet(network);
    const point = crypto.ECDH.convertKey(buf(w.signingKey.publicKey), 'secp256k1', undefined, undefined, 'uncompressed');
    const der = Buffer.concat([SECP_SPKI, point]);
    assert.equal(w.address, Principal.selfAuthenticating(der).toText());
    assert.equal(Principal.fromText(w.address).toText(), w.address);

    const msg = Buffer.from('\x0Aic-request custos');
    const hash = crypto.createHash('sha256').update(msg).digest();
    const res = await sign(w, { kind: 'Hash', hash: `0x${hash.toString('hex')}` });
    const key = crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
    const rs = Buffer.concat([buf(res.signature.r), buf(res.signature.s)]);
    assert.ok(crypto.verify('sha256', msg, { key, dsaEncoding: 'ieee-p1363' }, rs));
    assert.match(await signFails(w, { kind: 'Transaction', transaction: '0x00' }), /Transaction.*not supported on/);
  });

  test(`${network}: self-authenticating principal (ed25519) checked by @dfinity/principal`, async () => {
    const w = await createWallet(network, { signingKey: { scheme: 'EdDSA', curve: 'ed25519' } });
    const der = Buffer.concat([ED_SPKI, buf(w.signingKey.publicKey)]);
    assert.equal(w.address, Principal.selfAuthenticating(der).toText());
    const msg = Buffer.from('\x0Aic-request custos');
    const res = await sign(w, { kind: 'Message', message: `0x${msg.toString('hex')}` });
    const key = crypto.createPublicKey({ key: der, format: 'der', type: 'spki' });
    assert.ok(crypto.verify(null, msg, key, Buffer.concat([buf(res.signature.r), buf(res.signature.s)])));
  });
}
