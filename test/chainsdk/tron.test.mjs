// Tron wallets checked with TronWeb: the address TronWeb computes from the
// wallet's public key, and a TRX transfer built as TronWeb's JSON
// transaction, serialized with TronWeb's txJsonToPb as the Dfns docs show,
// signed through Custos (kind Transaction), then decoded and checked with
// TronWeb (txID, signature recovery, deserializeTx).
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { utils } from 'tronweb';
import { buf, createWallet, sign, signFails } from './lib.mjs';

const { computeAddress, getBase58CheckAddress, ecRecover } = utils.crypto;
const { txJsonToPb, txPbToTxID, txPbToRawDataHex } = utils.transaction;

/** uncompressed returns the 65-byte SEC1 form of a compressed secp256k1 key (node crypto). */
function uncompressed(compressedHex) {
  return crypto.ECDH.convertKey(Buffer.from(compressedHex, 'hex'), 'secp256k1', undefined, undefined, 'uncompressed');
}

/** transfer returns a TronWeb JSON TransferContract transaction from owner to to (hex addresses). */
function transfer(ownerHex, toHex, amount) {
  const now = Date.now();
  return {
    visible: false,
    raw_data: {
      contract: [{
        parameter: {
          value: { amount, owner_address: ownerHex, to_address: toHex },
          type_url: 'type.googleapis.com/protocol.TransferContract',
        },
        type: 'TransferContract',
      }],
      ref_block_bytes: '2822',
      ref_block_hash: 'b142ad939b228d78',
      expiration: now + 60_000,
      timestamp: now,
    },
  };
}

for (const network of ['Tron', 'TronNile']) {
  test(`${network}: address and Transaction signing checked by TronWeb`, async () => {
    const w = await createWallet(network);
    const pub = uncompressed(w.signingKey.publicKey);
    const want = getBase58CheckAddress(computeAddress(pub));
    assert.equal(w.address, want, 'address as TronWeb computes it');
    assert.ok(utils.crypto.isAddressValid(w.address));

    const ownerHex = utils.address.toHex(w.address);
    const toHex = utils.address.toHex(getBase58CheckAddress(computeAddress(uncompressed(crypto.createECDH('secp256k1').generateKeys('hex', 'compressed')))));
    const tx = transfer(ownerHex, toHex, 1_000);
    const pb = txJsonToPb(tx);
    const txID = txPbToTxID(pb).replace(/^0x/, '');
    const res = await sign(w, { kind: 'Transaction', transaction: `0x${Buffer.from(pb.serializeBinary()).toString('hex')}` });

    // The signature recovers, over the txID TronWeb computes, to the wallet.
    assert.equal(ecRecover(txID, res.signature.encoded).toLowerCase(), ownerHex);
    assert.equal(res.signature.encoded.length, 2 + 130);
    // signedData is the protobuf Transaction with the signature: TronWeb's
    // deserializer reads its raw_data back as the transfer.
    const signed = buf(res.signedData);
    const rawHex = txPbToRawDataHex(pb).replace(/^0x/, '');
    assert.ok(signed.toString('hex').startsWith(Buffer.from(pb.serializeBinary()).toString('hex')));
    assert.equal(signed.subarray(-67, -65).toString('hex'), '1241');
    assert.equal(`0x${signed.subarray(-65).toString('hex')}`, res.signature.encoded);
    const decoded = utils.deserializeTx.deserializeTransaction('TransferContract', rawHex);
    assert.equal(decoded.contract[0].parameter.value.owner_address.toLowerCase(), ownerHex);
    assert.equal(decoded.contract[0].parameter.value.amount, 1_000);
    // A tampered transaction's txID does not recover to the wallet.
    const tampered = transfer(ownerHex, toHex, 1_001);
    tampered.raw_data.expiration = tx.raw_data.expiration;
    tampered.raw_data.timestamp = tx.raw_data.timestamp;
    assert.notEqual(ecRecover(txPbToTxID(txJsonToPb(tampered)).replace(/^0x/, ''), res.signature.encoded).toLowerCase(), ownerHex);

    // Hash.
    const hash = crypto.randomBytes(32).toString('hex');
    const h = await sign(w, { kind: 'Hash', hash: `0x${hash}` });
    assert.equal(ecRecover(hash, h.signature.encoded).toLowerCase(), ownerHex);

    assert.match(await signFails(w, { kind: 'Psbt', psbt: '0x00' }), /Psbt.*not supported on/);
    assert.match(await signFails(w, { kind: 'Transaction', transaction: '0x0a' }), /Tron protobuf/);
  });
}
