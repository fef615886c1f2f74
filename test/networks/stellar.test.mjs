// Stellar: the address Custos derives is the StrKey the Stellar SDK encodes
// from the wallet's public key; a payment, a fee-bump the SDK builds and a
// StellarFeeBumpTransaction are signed through Custos and verified and
// decoded by the SDK.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Asset, FeeBumpTransaction, Keypair, Networks, Operation, StrKey, TransactionBuilder } from '@stellar/stellar-sdk';
import { hex, rejects400, sign, wallet } from './lib.mjs';

const passphrase = { Stellar: Networks.PUBLIC, StellarTestnet: Networks.TESTNET };

for (const network of ['Stellar', 'StellarTestnet']) {
  test(`${network}: address and Transaction`, async () => {
    const w = await wallet(network);
    assert.equal(w.signingKey.curve, 'ed25519');
    assert.equal(w.address, StrKey.encodeEd25519PublicKey(hex(w.signingKey.publicKey)));
    const kp = Keypair.fromPublicKey(w.address);

    const tx = new TransactionBuilder(new Account(w.address, '41'), { fee: '100', networkPassphrase: passphrase[network] })
      .addOperation(Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1.5' }))
      .setTimeout(180)
      .build();
    const res = await sign(w, { kind: 'Transaction', transaction: `0x${tx.toEnvelope().toXDR('hex')}` });
    const signed = TransactionBuilder.fromXDR(hex(res.signedData).toString('base64'), passphrase[network]);
    assert.equal(signed.source, w.address);
    assert.equal(signed.operations[0].type, 'payment');
    assert.equal(signed.signatures.length, 1);
    assert.equal(Buffer.from(signed.signatures[0].hint.value).toString('hex'), Buffer.from(kp.signatureHint()).toString('hex'));
    assert.ok(kp.verify(signed.hash(), signed.signatures[0].signature.value), 'signature verifies over the tx hash');
    assert.equal(Buffer.from(signed.signatures[0].signature.value).toString("hex"), hex(res.signature.encoded).toString("hex"));
    // The same envelope on the other network's passphrase does not verify.
    const other = network === 'Stellar' ? Networks.TESTNET : Networks.PUBLIC;
    assert.ok(!kp.verify(TransactionBuilder.fromXDR(signed.toXDR(), other).hash(), signed.signatures[0].signature.value));

    // A fee-bump the SDK builds, signed as a Transaction.
    const user = Keypair.random();
    const inner = new TransactionBuilder(new Account(user.publicKey(), '7'), { fee: '300', networkPassphrase: passphrase[network] })
      .addOperation(Operation.payment({ destination: w.address, asset: Asset.native(), amount: '2' }))
      .setTimeout(180)
      .build();
    inner.sign(user);
    const bump = TransactionBuilder.buildFeeBumpTransaction(w.address, '400', inner, passphrase[network]);
    const res2 = await sign(w, { kind: 'Transaction', transaction: `0x${bump.toEnvelope().toXDR('hex')}` });
    const signed2 = TransactionBuilder.fromXDR(hex(res2.signedData).toString('base64'), passphrase[network]);
    assert.ok(signed2 instanceof FeeBumpTransaction);
    assert.ok(kp.verify(signed2.hash(), signed2.signatures[0].signature.value));
    assert.ok(user.verify(signed2.innerTransaction.hash(), signed2.innerTransaction.signatures[0].signature.value));
  });

  test(`${network}: StellarFeeBumpTransaction`, async () => {
    const w = await wallet(network);
    const kp = Keypair.fromPublicKey(w.address);
    const user = Keypair.random();
    const inner = new TransactionBuilder(new Account(user.publicKey(), '9'), { fee: '250', networkPassphrase: passphrase[network] })
      .addOperation(Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '3' }))
      .addOperation(Operation.bumpSequence({ bumpTo: '100' }))
      .setTimeout(180)
      .build();
    inner.sign(user);
    const res = await sign(w, {
      kind: 'StellarFeeBumpTransaction',
      innerTransaction: `0x${inner.toEnvelope().toXDR('hex')}`,
      transactionReference: 'ref-1',
    });
    const bump = TransactionBuilder.fromXDR(hex(res.signedData).toString('base64'), passphrase[network]);
    assert.ok(bump instanceof FeeBumpTransaction);
    assert.equal(bump.feeSource, w.address);
    // Fee rate kept: 250 per operation (500 for 2) → 250 × 3 with the bump.
    assert.equal(bump.fee, "750");
    assert.equal(bump.innerTransaction.hash().toString('hex'), inner.hash().toString('hex'));
    assert.ok(kp.verify(bump.hash(), bump.signatures[0].signature.value));
    assert.equal(Buffer.from(bump.signatures[0].hint.value).toString('hex'), Buffer.from(kp.signatureHint()).toString('hex'));
    assert.ok(user.verify(bump.innerTransaction.hash(), bump.innerTransaction.signatures[0].signature.value));
  });
}

test('Stellar: other kinds and bad envelopes are 400s', async () => {
  const w = await wallet('StellarTestnet');
  await rejects400(w, { kind: 'Psbt', psbt: '0x00' }, /Psbt.*not supported on StellarTestnet/);
  await rejects400(w, { kind: 'Eip191', message: '0x00' }, /not supported/);
  await rejects400(w, { kind: 'Transaction', transaction: '0x00000002deadbeef' }, /transaction/);
  await rejects400(w, { kind: 'StellarFeeBumpTransaction', innerTransaction: '0x00', transactionReference: 'x' }, /innerTransaction/);
});
