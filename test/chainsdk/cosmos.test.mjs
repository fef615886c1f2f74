// Cosmos SDK wallets checked with CosmJS: the bech32 address CosmJS derives
// from the wallet's public key, and a bank send built with CosmJS
// (TxBody, AuthInfo, SignDoc), signed through Custos (kind SignDocDirect,
// as @dfns/lib-cosmjs sends it), whose signature CosmJS verifies and whose
// signedData CosmJS decodes as the TxRaw it would broadcast. The Sei
// networks (EVM wallets in Custos) take SignDocDirect too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pubkeyToAddress, encodeSecp256k1Pubkey } from '@cosmjs/amino';
import { Secp256k1, Secp256k1Signature, sha256 } from '@cosmjs/crypto';
import { fromBech32, toBech32 } from '@cosmjs/encoding';
import { decodeTxRaw, encodePubkey, makeAuthInfoBytes, makeSignBytes, makeSignDoc, Registry } from '@cosmjs/proto-signing';
import { MsgSend } from 'cosmjs-types/cosmos/bank/v1beta1/tx';
import { TxRaw } from 'cosmjs-types/cosmos/tx/v1beta1/tx';
import { buf, createWallet, sign, signFails } from './lib.mjs';

const CHAINS = [
  { network: 'CosmosHub4', prefix: 'cosmos', chainId: 'cosmoshub-4', denom: 'uatom' },
  { network: 'CosmosIcsTestnet', prefix: 'cosmos', chainId: 'provider', denom: 'uatom' },
  { network: 'BabylonGenesis', prefix: 'bbn', chainId: 'bbn-1', denom: 'ubbn' },
  { network: 'BabylonTestnet5', prefix: 'bbn', chainId: 'bbn-test-5', denom: 'ubbn' },
];

/** signDoc builds the SignDoc of a MsgSend from address with CosmJS. */
function signDoc(pubkey, from, prefix, chainId, denom) {
  const registry = new Registry([['/cosmos.bank.v1beta1.MsgSend', MsgSend]]);
  const to = toBech32(prefix, new Uint8Array(20).fill(7));
  const bodyBytes = registry.encodeTxBody({
    messages: [{ typeUrl: '/cosmos.bank.v1beta1.MsgSend', value: MsgSend.fromPartial({ fromAddress: from, toAddress: to, amount: [{ denom, amount: '1234' }] }) }],
    memo: 'custos',
  });
  const authInfoBytes = makeAuthInfoBytes([{ pubkey: encodePubkey(encodeSecp256k1Pubkey(pubkey)), sequence: 3 }], [{ denom, amount: '5000' }], 200000, undefined, undefined);
  return makeSignDoc(bodyBytes, authInfoBytes, chainId, 42);
}

/** checkSignDirect signs doc through Custos and checks the answer with CosmJS. */
async function checkSignDirect(w, pubkey, doc) {
  const bytes = makeSignBytes(doc);
  const res = await sign(w, { kind: 'SignDocDirect', signDoc: `0x${Buffer.from(bytes).toString('hex')}` });
  const sig = buf(res.signature.encoded);
  assert.equal(sig.length, 64);
  const ok = await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(sig), sha256(bytes), pubkey);
  assert.ok(ok, 'CosmJS verifies the signature over sha256(signBytes)');
  // signedData is the TxRaw CosmJS would broadcast.
  const want = TxRaw.encode(TxRaw.fromPartial({ bodyBytes: doc.bodyBytes, authInfoBytes: doc.authInfoBytes, signatures: [sig] })).finish();
  assert.equal(res.signedData, `0x${Buffer.from(want).toString('hex')}`);
  const decoded = decodeTxRaw(buf(res.signedData));
  assert.equal(decoded.body.memo, 'custos');
  assert.equal(decoded.authInfo.signerInfos[0].sequence, 3n);
  // A different account number is a different sign doc: the signature does not verify for it.
  const other = makeSignBytes({ ...doc, accountNumber: 43n });
  assert.equal(await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(sig), sha256(other), pubkey), false);
  return res;
}

for (const c of CHAINS) {
  test(`${c.network}: address and SignDocDirect checked by CosmJS`, async () => {
    const w = await createWallet(c.network);
    const pubkey = buf(w.signingKey.publicKey);
    const want = pubkeyToAddress(encodeSecp256k1Pubkey(pubkey), c.prefix);
    assert.equal(w.address, want, 'address as CosmJS derives it');
    assert.equal(fromBech32(w.address, 90).prefix, c.prefix);

    await checkSignDirect(w, pubkey, signDoc(pubkey, w.address, c.prefix, c.chainId, c.denom));

    const hash = sha256(Buffer.from('custos'));
    const h = await sign(w, { kind: 'Hash', hash: `0x${Buffer.from(hash).toString('hex')}` });
    assert.ok(await Secp256k1.verifySignature(Secp256k1Signature.fromFixedLength(buf(h.signature.encoded)), hash, pubkey));

    assert.match(await signFails(w, { kind: 'Transaction', transaction: '0x00' }), /Transaction.*not supported on/);
    assert.match(await signFails(w, { kind: 'SignDocDirect', signDoc: '0x0a00' }), /SignDoc/);
  });
}

for (const network of ['SeiPacific1', 'SeiAtlantic2']) {
  test(`${network}: EVM wallet that also signs SignDocDirect as @dfns/lib-cosmjs does`, async () => {
    const w = await createWallet(network);
    assert.match(w.address, /^0x[0-9a-fA-F]{40}$/);
    const pubkey = buf(w.signingKey.publicKey);
    const sei = pubkeyToAddress(encodeSecp256k1Pubkey(pubkey), 'sei');
    await checkSignDirect(w, pubkey, signDoc(pubkey, sei, 'sei', network === 'SeiPacific1' ? 'pacific-1' : 'atlantic-2', 'usei'));
  });
}

test('SignDocDirect is refused on other EVM networks', async () => {
  const w = await createWallet('EthereumSepolia');
  assert.match(await signFails(w, { kind: 'SignDocDirect', signDoc: '0x0a00' }), /SignDocDirect is not supported on EthereumSepolia/);
});
