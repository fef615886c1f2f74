// Canton: a wallet starts Inactive without an address (its party exists
// once a validator allocates it); the prepared transaction hash an external
// party signs (Hash) and a message (Message) are signed through Custos and
// checked by @canton-network/core-signing-lib's verifySignedTxHash; the
// activation answer names the party namespace, computed here as the Canton
// wallet SDK's createFingerprintFromKey does.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash, randomBytes } from 'node:crypto';
import { verifySignedTxHash } from '@canton-network/core-signing-lib';
import { DfnsError } from '@dfns/sdk';
import { api, hex, rejects400, sign, to0x } from './lib.mjs';

const b64 = (b) => Buffer.from(b).toString('base64');
const rs = (res) => Buffer.concat([hex(res.signature.r), hex(res.signature.s)]);

// namespace is the party namespace of an ed25519 key: multihash 12 20 of
// SHA-256 over the hash purpose 12 (4 bytes, big-endian) and the raw key.
function namespace(pub) {
  const purpose = Buffer.alloc(4);
  purpose.writeUInt32BE(12);
  return `1220${createHash('sha256').update(Buffer.concat([purpose, pub])).digest('hex')}`;
}

for (const network of ['Canton', 'CantonTestnet', 'CantonDevnet']) {
  test(`${network}: Inactive wallet, Hash and Message, activation`, async () => {
    const w = await api.wallets.createWallet({ body: { network, name: `nets-${network}` } });
    assert.equal(w.status, 'Inactive');
    assert.equal(w.address, undefined);
    assert.equal(w.signingKey.curve, 'ed25519');
    const pub = hex(w.signingKey.publicKey);

    const txHash = randomBytes(32); // a prepared transaction hash
    const res = await sign(w, { kind: 'Hash', hash: to0x(txHash) });
    assert.ok(verifySignedTxHash(b64(txHash), b64(pub), b64(rs(res))));
    const other = Buffer.from(txHash);
    other[0] ^= 1;
    assert.equal(verifySignedTxHash(b64(other), b64(pub), b64(rs(res))), false);

    const topology = randomBytes(34); // a topology multi-hash: 12 20 ‖ 32 bytes
    const res2 = await sign(w, { kind: 'Message', message: to0x(topology) });
    assert.ok(verifySignedTxHash(b64(topology), b64(pub), b64(rs(res2))));

    await rejects400(w, { kind: 'Transaction', transaction: '0x00' }, new RegExp(`Transaction.*not supported on ${network}`));

    await assert.rejects(api.wallets.activateWallet({ walletId: w.id, body: { validatorId: 'cv-shared' } }), (err) => {
      assert.ok(err instanceof DfnsError, String(err));
      assert.equal(err.httpStatus, 400);
      assert.match(err.message, new RegExp(`namespace ${namespace(pub)}.*validator cv-shared.*manages no Canton validators`));
      return true;
    });
  });
}
