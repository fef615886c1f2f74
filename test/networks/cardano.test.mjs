// Cardano: the address Custos derives is the enterprise address
// @emurgo/cardano-serialization-lib builds from the wallet's key hash; a
// transaction built with that library is signed through Custos, decoded
// back by it (same body and hash, one vkey witness for the wallet) and the
// witness verified over the transaction hash; a Cip8 message is decoded by
// @emurgo/cardano-message-signing as COSE_Sign1 and verified over the
// Sig_structure it rebuilds.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import CSL from '@emurgo/cardano-serialization-lib-nodejs';
import MS from '@emurgo/cardano-message-signing-nodejs';
import { hex, rejects400, sign, wallet } from './lib.mjs';

function unsignedTx(addr) {
  const inputs = CSL.TransactionInputs.new();
  inputs.add(CSL.TransactionInput.new(CSL.TransactionHash.from_bytes(Buffer.alloc(32, 0x82)), 1));
  const outputs = CSL.TransactionOutputs.new();
  outputs.add(CSL.TransactionOutput.new(addr, CSL.Value.new(CSL.BigNum.from_str('1000000'))));
  const body = CSL.TransactionBody.new_tx_body(inputs, outputs, CSL.BigNum.from_str('170000'));
  body.set_ttl(CSL.BigNum.from_str('90000000'));
  return CSL.Transaction.new(body, CSL.TransactionWitnessSet.new(), undefined);
}

for (const [network, networkId] of [['Cardano', 1], ['CardanoPreprod', 0]]) {
  test(`${network}: address, Transaction and Cip8`, async () => {
    const w = await wallet(network);
    const pk = CSL.PublicKey.from_bytes(hex(w.signingKey.publicKey));
    const addr = CSL.EnterpriseAddress.new(networkId, CSL.Credential.from_keyhash(pk.hash())).to_address();
    assert.equal(w.address, addr.to_bech32());
    assert.equal(CSL.Address.from_bech32(w.address).network_id(), networkId);

    const tx = unsignedTx(addr);
    const hash = CSL.FixedTransaction.from_hex(tx.to_hex()).transaction_hash();
    const res = await sign(w, { kind: 'Transaction', transaction: `0x${tx.to_hex()}` });
    const signed = CSL.FixedTransaction.from_hex(res.signedData.slice(2));
    assert.equal(signed.transaction_hash().to_hex(), hash.to_hex(), 'the body is unchanged');
    const vkeys = signed.witness_set().vkeys();
    assert.equal(vkeys.len(), 1);
    const wit = vkeys.get(0);
    assert.equal(wit.vkey().public_key().to_hex(), pk.to_hex());
    assert.ok(pk.verify(hash.to_bytes(), wit.signature()), 'the witness verifies over the transaction hash');
    assert.ok(!pk.verify(Buffer.alloc(32), wit.signature()));

    const payload = Buffer.from(`hello ${network}`);
    const aad = Buffer.from('aad');
    const res2 = await sign(w, { kind: 'Cip8', payload: `0x${payload.toString('hex')}`, externalAad: `0x${aad.toString('hex')}`, context: 'Signature1' });
    const cose = MS.COSESign1.from_bytes(hex(res2.signedData));
    assert.equal(Buffer.from(cose.payload()).toString(), payload.toString());
    const hdr = cose.headers().protected().deserialized_headers();
    assert.equal(hdr.algorithm_id().as_int().as_i32(), -8);
    assert.equal(Buffer.from(hdr.header(MS.Label.new_text('address')).as_bytes()).toString('hex'), Buffer.from(addr.to_bytes()).toString('hex'));
    const toSign = cose.signed_data(aad, undefined).to_bytes();
    assert.ok(pk.verify(toSign, CSL.Ed25519Signature.from_bytes(cose.signature())), 'COSE signature verifies');
  });
}

test('Cardano: other kinds and garbage are 400s', async () => {
  const w = await wallet('CardanoPreprod');
  await rejects400(w, { kind: 'Hash', hash: `0x${'11'.repeat(32)}` }, /Hash.*not supported on CardanoPreprod/);
  await rejects400(w, { kind: 'Transaction', transaction: '0x80' }, /CBOR/);
  await rejects400(w, { kind: 'Cip8', payload: '0x00', context: 'Signature2' }, /context/);
});
