// Hedera: the address Custos returns is the alias @hashgraph/sdk derives
// from the wallet's public key (toEvmAddress for secp256k1, the key alias
// account id for ed25519); a transfer the SDK builds and freezes for two
// nodes is signed through Custos (Transaction) and the signed list decoded
// by Transaction.fromBytes and checked by PublicKey.verifyTransaction;
// an EIP-1559 transaction for the JSON-RPC relay (chain id 295/296) is
// signed through Custos, decoded by EthereumTransactionDataEip1559 and its
// signature checked by PublicKey.verify; Hash (secp256k1) and Message
// (ed25519) signatures are checked by PublicKey.verify too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import {
  AccountId, EthereumTransactionDataEip1559, Hbar, PublicKey, Timestamp, Transaction, TransactionId, TransferTransaction,
} from '@hashgraph/sdk';
import { encode as rlpEncode } from '@ethersproject/rlp'; // @hashgraph/sdk's own RLP codec
import { keccak_256 } from '@noble/hashes/sha3.js';
import { hex, rejects400, sign, to0x, wallet } from './lib.mjs';

const keys = {
  secp256k1: {
    signingKey: undefined, // the network's default
    pub: (w) => PublicKey.fromBytesECDSA(hex(w.signingKey.publicKey)),
    addr: (pk) => `0x${pk.toEvmAddress()}`,
  },
  ed25519: {
    signingKey: { scheme: 'EdDSA', curve: 'ed25519' },
    pub: (w) => PublicKey.fromBytesED25519(hex(w.signingKey.publicKey)),
    addr: (pk) => pk.toAccountId(0, 0).toString(),
  },
};

function transfer(seed) {
  const payer = AccountId.fromString('0.0.1234');
  return new TransferTransaction()
    .addHbarTransfer(payer, Hbar.fromTinybars(-seed))
    .addHbarTransfer(AccountId.fromString('0.0.5678'), Hbar.fromTinybars(seed))
    .setTransactionMemo(`custos ${seed}`)
    .setNodeAccountIds([AccountId.fromString('0.0.3'), AccountId.fromString('0.0.4')])
    .setTransactionId(TransactionId.withValidStart(payer, new Timestamp(1_700_000_000, seed)))
    .freeze();
}

for (const network of ['Hedera', 'HederaTestnet']) {
  for (const [curve, k] of Object.entries(keys)) {
    test(`${network} ${curve}: address and Transaction`, async () => {
      const w = await wallet(network, k.signingKey);
      assert.equal(w.signingKey.curve, curve);
      const pk = k.pub(w);
      assert.equal(w.address, k.addr(pk));

      const tx = transfer(4242);
      const res = await sign(w, { kind: 'Transaction', transaction: to0x(tx.toBytes()) });
      const signed = Transaction.fromBytes(hex(res.signedData));
      assert.ok(signed instanceof TransferTransaction);
      assert.equal(signed.transactionMemo, 'custos 4242');
      assert.ok(pk.verifyTransaction(signed), 'the SDK verifies every node body');
      assert.equal(res.signatures.length, 2, 'one signature per node body');
      const sigs = signed.getSignatures(); // node → public key → signature
      for (const node of ['0.0.3', '0.0.4']) {
        const byKey = sigs.get(AccountId.fromString(node));
        assert.ok(byKey && byKey.size === 1, `${node}: one signature`);
      }
      // A changed signature fails the SDK's check.
      const bad = hex(res.signedData);
      const at = bad.indexOf(hex(res.signature.encoded));
      bad[at] ^= 1;
      assert.equal(pk.verifyTransaction(Transaction.fromBytes(bad)), false);
    });
  }

  test(`${network}: EVM transaction for the relay`, async () => {
    const w = await wallet(network);
    const chainId = network === 'Hedera' ? 295 : 296;
    const to = `0x${'00'.repeat(18)}04d2`;
    const res = await sign(w, {
      kind: 'Transaction',
      transaction: { type: 2, chainId, nonce: 5, to, value: '0x1000', gasLimit: 21000, maxFeePerGas: '0xe8d4a51000', maxPriorityFeePerGas: '0x0' },
    });
    const data = EthereumTransactionDataEip1559.fromBytes(hex(res.signedData));
    assert.equal(Buffer.from(data.chainId).readUIntBE(0, data.chainId.length), chainId);
    assert.equal(to0x(data.to), to);
    assert.equal(Buffer.from(data.nonce).readUIntBE(0, data.nonce.length), 5);
    const fields = [data.chainId, data.nonce, data.maxPriorityGas, data.maxGas, data.gasLimit, data.to, data.value, data.callData];
    const unsigned = Buffer.concat([Buffer.from([2]), hex(rlpEncode([...fields.map((b) => to0x(b)), data.accessList.map((b) => to0x(b))]))]);
    const rs = Buffer.concat([Buffer.from(data.r), Buffer.from(data.s)]);
    assert.ok(keys.secp256k1.pub(w).verify(unsigned, rs), 'the signature is over keccak256 of the unsigned transaction');
    await rejects400(w, { kind: 'Transaction', transaction: { type: 2, chainId: 1, nonce: 0, to, gasLimit: 21000, maxFeePerGas: '0x1', maxPriorityFeePerGas: '0x0' } }, /chain/);
  });

  test(`${network}: Hash (secp256k1) and Message (ed25519), other kinds 400`, async () => {
    const ec = await wallet(network);
    const msg = Buffer.from(`hello ${network}`);
    const res = await sign(ec, { kind: 'Hash', hash: to0x(keccak_256(msg)) });
    const rs = Buffer.concat([hex(res.signature.r), hex(res.signature.s)]);
    assert.ok(keys.secp256k1.pub(ec).verify(msg, rs), 'PublicKey.verify hashes with keccak256 as Hedera does');

    const ed = await wallet(network, keys.ed25519.signingKey);
    const res2 = await sign(ed, { kind: 'Message', message: to0x(msg) });
    assert.ok(keys.ed25519.pub(ed).verify(msg, Buffer.concat([hex(res2.signature.r), hex(res2.signature.s)])));

    await rejects400(ec, { kind: 'Psbt', psbt: '0x00' }, new RegExp(`Psbt.*not supported on ${network}`));
    await rejects400(ec, { kind: 'Transaction', transaction: `0x0a${createHash('sha256').update('x').digest('hex')}` }, /Hedera TransactionList/);
  });
}
