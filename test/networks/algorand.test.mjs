// Algorand: the address Custos derives is algosdk's encoding of the
// wallet's public key; payments algosdk builds (bare, wrapped as
// {txn: …}, and for a rekeyed sender) are signed through Custos, decoded
// by algosdk as signed transactions and verified over algosdk's own
// bytesToSign ("TX" prefix).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import algosdk from 'algosdk';
import { hex, rejects400, sign, wallet } from './lib.mjs';
import { ed25519Verify } from './lib-verify.mjs';

const genesis = {
  Algorand: ['mainnet-v1.0', 'wGHE2Pwdvd7S12BL5FaOP20EGYesN73ktiC1qzkkit8='],
  AlgorandTestnet: ['testnet-v1.0', 'SGO1GKSzyE7IEPItTxCByw9x8FmnrCDexi9/cOUJOiI='],
};

function payment(network, sender) {
  const [genesisID, genesisHash] = genesis[network];
  return algosdk.makePaymentTxnWithSuggestedParamsFromObject({
    sender,
    receiver: algosdk.generateAccount().addr,
    amount: 10000,
    suggestedParams: { fee: 1000, minFee: 1000, flatFee: true, firstValid: 1000, lastValid: 2000, genesisID, genesisHash: Buffer.from(genesisHash, 'base64') },
  });
}

for (const network of ['Algorand', 'AlgorandTestnet']) {
  test(`${network}: address and Transaction`, async () => {
    const w = await wallet(network);
    const pub = hex(w.signingKey.publicKey);
    assert.equal(w.address, algosdk.encodeAddress(pub));
    assert.ok(algosdk.isValidAddress(w.address));

    const txn = payment(network, w.address);
    const bare = algosdk.encodeUnsignedTransaction(txn);
    const wrapped = Buffer.concat([Buffer.from([0x81, 0xa3, 0x74, 0x78, 0x6e]), bare]); // {txn: …}
    for (const bytes of [bare, wrapped]) {
      const res = await sign(w, { kind: 'Transaction', transaction: `0x${Buffer.from(bytes).toString('hex')}` });
      const stxn = algosdk.decodeSignedTransaction(hex(res.signedData));
      assert.equal(stxn.txn.txID(), txn.txID());
      assert.equal(stxn.sgnr, undefined);
      assert.ok(ed25519Verify(pub, txn.bytesToSign(), stxn.sig), 'signature verifies over TX||txn');
      assert.ok(!ed25519Verify(pub, payment(network, w.address).bytesToSign().fill(1, 2, 3), stxn.sig));
      assert.equal(Buffer.from(stxn.sig).toString('hex'), hex(res.signature.encoded).toString('hex'));
    }

    // A rekeyed account: the wallet signs for another sender (sgnr set).
    const other = algosdk.generateAccount().addr.toString();
    const txn2 = payment(network, other);
    const res = await sign(w, { kind: 'Transaction', transaction: `0x${Buffer.from(algosdk.encodeUnsignedTransaction(txn2)).toString('hex')}` });
    const stxn = algosdk.decodeSignedTransaction(hex(res.signedData));
    assert.equal(stxn.sgnr.toString(), w.address);
    assert.ok(ed25519Verify(pub, txn2.bytesToSign(), stxn.sig));
  });
}

test('Algorand: other kinds and garbage are 400s', async () => {
  const w = await wallet('AlgorandTestnet');
  await rejects400(w, { kind: 'Message', message: '0x00' }, /Message.*not supported on AlgorandTestnet/);
  await rejects400(w, { kind: 'Transaction', transaction: '0x01' }, /msgpack/);
  await rejects400(w, { kind: 'Transaction' }, /transaction is required/);
});
