// Substrate (Polkadot, Kusama, Westend, Paseo, their Asset Hubs, Polymesh):
// the address Custos derives is @polkadot/util-crypto's SS58 encoding of the
// wallet's key with the network's prefix; a signer payload built by
// @polkadot/types (ExtrinsicPayload, with each runtime's signed
// extensions) is signed through Custos as SignerPayload — in the JSON form
// the Dfns Polymesh signer sends and as raw bytes — and as Transaction and
// Message, and verified with signatureVerify.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { TypeRegistry } from '@polkadot/types';
import { u8aToHex } from '@polkadot/util';
import { blake2AsU8a, cryptoWaitReady, decodeAddress, encodeAddress, signatureVerify } from '@polkadot/util-crypto';
import { hex, rejects400, sign, wallet } from './lib.mjs';

await cryptoWaitReady();

const relay = ['CheckNonZeroSender', 'CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'CheckWeight', 'ChargeTransactionPayment', 'PrevalidateAttests', 'CheckMetadataHash'];
const assetHub = ['CheckNonZeroSender', 'CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'CheckWeight', 'ChargeAssetTxPayment', 'CheckMetadataHash', 'StorageWeightReclaim'];
const polymesh = ['CheckSpecVersion', 'CheckTxVersion', 'CheckGenesis', 'CheckMortality', 'CheckNonce', 'CheckWeight', 'ChargeTransactionPayment', 'StoreCallMetadata'];

const networks = {
  Polkadot: [0, relay], PolkadotAssetHub: [0, assetHub], Kusama: [2, relay], KusamaAssetHub: [2, assetHub],
  Westend: [42, relay], WestendAssetHub: [42, assetHub], Paseo: [0, relay], PaseoAssetHub: [0, assetHub],
  Polymesh: [12, polymesh], PolymeshTestnet: [42, polymesh],
};

/** payload builds a signer payload with polkadot.js and returns its JSON and raw bytes. */
function payload(address, extensions, methodLen) {
  const registry = new TypeRegistry();
  registry.setSignedExtensions(extensions);
  const json = {
    address,
    blockHash: u8aToHex(new Uint8Array(32).fill(0xbb)),
    blockNumber: '0x00001234',
    era: '0x4502',
    genesisHash: u8aToHex(new Uint8Array(32).fill(0x91)),
    method: u8aToHex(new Uint8Array(methodLen).fill(0x05)),
    nonce: '0x00000011',
    signedExtensions: extensions,
    specVersion: '0x000f4240',
    tip: '0x000000000000000000000000000f4240',
    transactionVersion: '0x0000001a',
    version: 4,
    mode: 0,
  };
  const ep = registry.createType('ExtrinsicPayload', json, { version: 4 });
  return { json, raw: ep.toU8a({ method: true }) };
}

for (const [network, [prefix, extensions]] of Object.entries(networks)) {
  test(`${network}: address, SignerPayload, Transaction and Message`, async () => {
    const w = await wallet(network);
    const pub = hex(w.signingKey.publicKey);
    assert.equal(w.address, encodeAddress(pub, prefix));
    assert.deepEqual(decodeAddress(w.address), new Uint8Array(pub));
    const polymesh = network.startsWith('Polymesh');
    const multi = (enc) => (polymesh ? `0x00${enc.slice(2)}` : enc); // MultiSignature

    for (const methodLen of [40, 400]) {
      const { json, raw } = payload(w.address, extensions, methodLen);
      const signed = raw.length > 256 ? blake2AsU8a(raw) : raw;
      assert.equal(raw.length > 256, methodLen === 400);
      for (const body of [
        { kind: 'SignerPayload', payload: json },
        { kind: 'SignerPayload', payload: u8aToHex(raw) },
        { kind: 'Transaction', transaction: u8aToHex(raw) },
      ]) {
        const res = await sign(w, body);
        const v = signatureVerify(signed, multi(res.signature.encoded), w.address);
        assert.ok(v.isValid, `${body.kind} ${typeof body.payload} ${methodLen}`);
        assert.equal(v.crypto, 'ed25519');
      }
    }
    // A JSON payload whose fields differ signs something else.
    const { json } = payload(w.address, extensions, 40);
    const { raw } = payload(w.address, extensions, 40);
    const res = await sign(w, { kind: 'SignerPayload', payload: { ...json, nonce: '0x00000012' } });
    assert.equal(signatureVerify(raw, multi(res.signature.encoded), w.address).isValid, false);

    const msg = u8aToHex(new TextEncoder().encode('<Bytes>hello</Bytes>'));
    const res2 = await sign(w, { kind: 'Message', message: msg });
    assert.ok(signatureVerify(msg, multi(res2.signature.encoded), w.address).isValid);
  });
}

test('Substrate: other kinds, strangers and bad payloads are 400s', async () => {
  const w = await wallet('Westend');
  await rejects400(w, { kind: 'Hash', hash: `0x${'11'.repeat(32)}` }, /Hash.*not supported on Westend/);
  const { json } = payload(encodeAddress(new Uint8Array(32).fill(3), 42), relay, 40);
  await rejects400(w, { kind: 'SignerPayload', payload: json }, /address/);
  const mine = payload(w.address, relay, 40).json;
  await rejects400(w, { kind: 'SignerPayload', payload: { ...mine, signedExtensions: [...relay, 'CheckSomethingNew'] } }, /CheckSomethingNew/);
  await rejects400(w, { kind: 'SignerPayload', payload: { ...mine, nonce: 'zz' } }, /nonce/);
});
