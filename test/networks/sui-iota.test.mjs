// Sui and IOTA: the address Custos derives is the one each SDK computes
// from the wallet's public key; a transfer each SDK builds is signed through
// Custos (Transaction) and the serialized signature verified by the SDK's
// verifyTransactionSignature, which also recovers the wallet's address; a
// personal message (Message) likewise with verifyPersonalMessageSignature.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Ed25519PublicKey as SuiPublicKey } from '@mysten/sui/keypairs/ed25519';
import { Transaction as SuiTransaction } from '@mysten/sui/transactions';
import * as suiVerify from '@mysten/sui/verify';
import { Ed25519PublicKey as IotaPublicKey } from '@iota/iota-sdk/keypairs/ed25519';
import { Transaction as IotaTransaction } from '@iota/iota-sdk/transactions';
import * as iotaVerify from '@iota/iota-sdk/verify';
import { hex, rejects400, sign, wallet } from './lib.mjs';

const chains = {
  Sui: { PK: SuiPublicKey, Tx: SuiTransaction, verify: suiVerify, addr: (pk) => pk.toSuiAddress() },
  SuiTestnet: { PK: SuiPublicKey, Tx: SuiTransaction, verify: suiVerify, addr: (pk) => pk.toSuiAddress() },
  Iota: { PK: IotaPublicKey, Tx: IotaTransaction, verify: iotaVerify, addr: (pk) => pk.toIotaAddress() },
  IotaTestnet: { PK: IotaPublicKey, Tx: IotaTransaction, verify: iotaVerify, addr: (pk) => pk.toIotaAddress() },
  IotaZodianet: { PK: IotaPublicKey, Tx: IotaTransaction, verify: iotaVerify, addr: (pk) => pk.toIotaAddress() },
};

const objectId = `0x${'ab'.repeat(32)}`;
const digest = '4vJ9JU1bJJE96FWSJKvHsmmFADCg4gpZQff4P3bkLKi'; // base58 of 32 bytes

for (const [network, c] of Object.entries(chains)) {
  test(`${network}: address, Transaction and Message`, async () => {
    const w = await wallet(network);
    const pk = new c.PK(hex(w.signingKey.publicKey));
    assert.equal(w.address, c.addr(pk));

    const tx = new c.Tx();
    tx.setSender(w.address);
    tx.setGasPrice(1000);
    tx.setGasBudget(5_000_000);
    tx.setGasPayment([{ objectId, version: '7', digest }]);
    const [coin] = tx.splitCoins(tx.gas, [tx.pure.u64(1234)]);
    tx.transferObjects([coin], tx.pure.address(`0x${'cd'.repeat(32)}`));
    const bytes = await tx.build();
    const res = await sign(w, { kind: 'Transaction', transaction: `0x${Buffer.from(bytes).toString('hex')}` });
    const serialized = hex(res.signature.encoded).toString('base64');
    const signer = await c.verify.verifyTransactionSignature(bytes, serialized);
    assert.equal(c.addr(signer), w.address);
    assert.ok(await pk.verifyTransaction(bytes, serialized));
    const other = Uint8Array.from(bytes);
    other[other.length - 1] ^= 1;
    assert.equal(await pk.verifyTransaction(other, serialized), false);

    const msg = Buffer.from(`hello ${network}`);
    const res2 = await sign(w, { kind: 'Message', message: `0x${msg.toString('hex')}` });
    const signer2 = await c.verify.verifyPersonalMessageSignature(msg, hex(res2.signature.encoded).toString('base64'));
    assert.equal(c.addr(signer2), w.address);
  });
}

test('Sui/IOTA: other kinds and garbage are 400s', async () => {
  const w = await wallet('SuiTestnet');
  await rejects400(w, { kind: 'Hash', hash: `0x${'11'.repeat(32)}` }, /Hash.*not supported on SuiTestnet/);
  await rejects400(w, { kind: 'Transaction', transaction: '0x01' }, /TransactionData/);
});
