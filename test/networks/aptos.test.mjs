// Aptos and Movement: the address Custos derives is the one the Aptos SDK
// derives from the wallet's public key; a RawTransaction, and
// SignedTransactions with a fee payer (the wallet as sender, then as fee
// payer) in the shape the Dfns Aptos signer sends, are signed through
// Custos, deserialized by the SDK and verified over the SDK's own signing
// message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  AccountAddress, AccountAuthenticatorEd25519, AccountAuthenticatorNoAccountAuthenticator, ChainId, Deserializer,
  Ed25519PublicKey, EntryFunction, RawTransaction, SignedTransaction, SimpleTransaction,
  TransactionAuthenticatorEd25519, TransactionAuthenticatorFeePayer, TransactionPayloadEntryFunction, U64,
  generateSigningMessageForTransaction,
} from '@aptos-labs/ts-sdk';
import { hex, rejects400, sign, wallet } from './lib.mjs';

const chainIds = { Aptos: 1, AptosTestnet: 2, Movement: 126, MovementTestnet: 250 };

function rawTx(sender, chainId) {
  const payload = new TransactionPayloadEntryFunction(EntryFunction.build(
    '0x1::aptos_account', 'transfer', [], [AccountAddress.from(`0x${'cd'.repeat(32)}`), new U64(12345)],
  ));
  return new RawTransaction(AccountAddress.from(sender), 7n, payload, 200000n, 100n, 1900000000n, new ChainId(chainId));
}

function withFeePayer(raw, feePayer) {
  return new SignedTransaction(raw, new TransactionAuthenticatorFeePayer(
    new AccountAuthenticatorNoAccountAuthenticator(), [], [],
    { address: AccountAddress.from(feePayer), authenticator: new AccountAuthenticatorNoAccountAuthenticator() },
  ));
}

const decode = (h) => SignedTransaction.deserialize(new Deserializer(hex(h)));

for (const [network, chainId] of Object.entries(chainIds)) {
  test(`${network}: address and Transaction`, async () => {
    const w = await wallet(network);
    const pk = new Ed25519PublicKey(hex(w.signingKey.publicKey));
    assert.equal(w.address, pk.authKey().derivedAddress().toStringLong());

    // A RawTransaction: the wallet signs as sender.
    const raw = rawTx(w.address, chainId);
    const res = await sign(w, { kind: 'Transaction', transaction: raw.bcsToHex().toString() });
    const signed = decode(res.signedData);
    assert.ok(signed.authenticator instanceof TransactionAuthenticatorEd25519);
    assert.equal(signed.raw_txn.bcsToHex().toString(), raw.bcsToHex().toString());
    assert.equal(signed.authenticator.public_key.toString(), pk.toString());
    const message = generateSigningMessageForTransaction(new SimpleTransaction(raw));
    assert.ok(pk.verifySignature({ message, signature: signed.authenticator.signature }));
    assert.ok(!pk.verifySignature({ message: generateSigningMessageForTransaction(new SimpleTransaction(rawTx(w.address, chainId + 1))), signature: signed.authenticator.signature }));

    // Sender with a fee payer (as the Dfns Aptos signer sends it).
    const sponsor = `0x${'ef'.repeat(32)}`;
    const res2 = await sign(w, { kind: 'Transaction', transaction: withFeePayer(raw, sponsor).bcsToHex().toString() });
    const signed2 = decode(res2.signedData);
    assert.ok(signed2.authenticator instanceof TransactionAuthenticatorFeePayer);
    assert.ok(signed2.authenticator.sender instanceof AccountAuthenticatorEd25519);
    assert.ok(signed2.authenticator.fee_payer.authenticator instanceof AccountAuthenticatorNoAccountAuthenticator);
    const msg2 = generateSigningMessageForTransaction(new SimpleTransaction(raw, AccountAddress.from(sponsor)));
    assert.ok(pk.verifySignature({ message: msg2, signature: signed2.authenticator.sender.signature }));

    // The wallet as fee payer of someone else's transaction.
    const user = `0x${'12'.repeat(32)}`;
    const raw3 = rawTx(user, chainId);
    const res3 = await sign(w, { kind: 'Transaction', transaction: withFeePayer(raw3, w.address).bcsToHex().toString() });
    const signed3 = decode(res3.signedData);
    assert.ok(signed3.authenticator.sender instanceof AccountAuthenticatorNoAccountAuthenticator);
    const feeAuth = signed3.authenticator.fee_payer.authenticator;
    assert.ok(feeAuth instanceof AccountAuthenticatorEd25519);
    const msg3 = generateSigningMessageForTransaction(new SimpleTransaction(raw3, AccountAddress.from(w.address)));
    assert.ok(pk.verifySignature({ message: msg3, signature: feeAuth.signature }));
  });
}

test('Aptos: other kinds, strangers and garbage are 400s', async () => {
  const w = await wallet('AptosTestnet');
  await rejects400(w, { kind: 'Message', message: '0x00' }, /Message.*not supported on AptosTestnet/);
  await rejects400(w, { kind: 'Transaction', transaction: '0x0102' }, /does not decode/);
  const raw = rawTx(`0x${'12'.repeat(32)}`, 2);
  await rejects400(w, { kind: 'Transaction', transaction: withFeePayer(raw, `0x${'34'.repeat(32)}`).bcsToHex().toString() }, /not the sender/);
});
