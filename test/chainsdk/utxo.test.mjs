// Bitcoin Cash and Dogecoin wallets checked with bitcore-lib-cash and
// bitcore-lib-doge: the address each library derives from the wallet's
// public key, and a transaction built with the library, signed through
// Custos (kind Psbt; the PSBT container is written with bitcoinjs-lib) and
// verified by the library's own script interpreter.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { Psbt, Transaction as BjsTransaction } from 'bitcoinjs-lib';
import bch from 'bitcore-lib-cash';
import doge from 'bitcore-lib-doge';
import { buf, createWallet, sign, signFails } from './lib.mjs';

const CHAINS = [
  { network: 'BitcoinCash', lib: bch, net: bch.Networks.livenet, prefix: 'bitcoincash:q', forkid: true },
  { network: 'BitcoinCashTestnet', lib: bch, net: bch.Networks.testnet, prefix: 'bchtest:q', forkid: true },
  { network: 'Dogecoin', lib: doge, net: doge.Networks.livenet, prefix: 'D', forkid: false },
  { network: 'DogecoinTestnet', lib: doge, net: doge.Networks.testnet, prefix: 'n', forkid: false },
];

/** fund returns a transaction of lib paying sats to address (its input is made up). */
function fund(lib, net, address, sats) {
  const other = new lib.PrivateKey(undefined, net).toAddress();
  return new lib.Transaction()
    .from({ txId: crypto.randomBytes(32).toString('hex'), outputIndex: 0, script: lib.Script.buildPublicKeyHashOut(other), satoshis: sats * 2 })
    .to(address, sats);
}

/** toPsbt wraps the unsigned transaction of lib in a PSBT with the funding transaction as non_witness_utxo. */
function toPsbt(unsigned, prev) {
  const t = BjsTransaction.fromBuffer(unsigned);
  const psbt = new Psbt();
  psbt.setVersion(t.version);
  psbt.setLocktime(t.locktime);
  for (const i of t.ins) psbt.addInput({ hash: i.hash, index: i.index, sequence: i.sequence, nonWitnessUtxo: prev });
  for (const o of t.outs) psbt.addOutput({ script: o.script, value: o.value });
  return psbt;
}

for (const c of CHAINS) {
  test(`${c.network}: address and Psbt signing checked by ${c.forkid ? 'bitcore-lib-cash' : 'bitcore-lib-doge'}`, async () => {
    const { lib, net } = c;
    const w = await createWallet(c.network);
    const pub = new lib.PublicKey(w.signingKey.publicKey);
    const want = pub.toAddress(net).toString();
    assert.equal(w.address, want, 'address as the chain library derives it');
    assert.ok(w.address.startsWith(c.prefix), w.address);

    const prev = fund(lib, net, w.address, 100_000);
    const to = new lib.PrivateKey(undefined, net).toAddress();
    const tx = new lib.Transaction()
      .from({ txId: prev.id, outputIndex: 0, script: lib.Script.buildPublicKeyHashOut(pub.toAddress(net)), satoshis: 100_000 })
      .to(to, 60_000)
      .change(w.address)
      .fee(1_000);
    const psbt = toPsbt(tx.toBuffer(true), prev.toBuffer(true));
    const res = await sign(w, { kind: 'Psbt', psbt: `0x${psbt.toHex()}` });

    const signed = Psbt.fromHex(res.signedData.slice(2));
    const partial = signed.data.inputs[0].partialSig;
    assert.equal(partial.length, 1);
    assert.equal(Buffer.from(partial[0].pubkey).toString('hex'), w.signingKey.publicKey);
    const sigWithType = Buffer.from(partial[0].signature);
    assert.equal(sigWithType.at(-1), c.forkid ? 0x41 : 0x01, 'sighash type');
    assert.equal(res.signatures.length, 1);
    assert.equal(res.signatures[0].encoded, `0x${sigWithType.subarray(0, -1).toString('hex')}`);

    const scriptSig = new lib.Script().add(sigWithType).add(pub.toBuffer());
    tx.inputs[0].setScript(scriptSig);
    const I = lib.Script.Interpreter;
    // bitcore-lib-cash 11.5.1 mis-parses signatures under SCRIPT_VERIFY_LOW_S
    // (it strips the sighash byte twice), so low S is checked on its own.
    let flags = I.SCRIPT_VERIFY_P2SH | I.SCRIPT_VERIFY_STRICTENC | I.SCRIPT_VERIFY_DERSIG;
    if (c.forkid) flags |= I.SCRIPT_ENABLE_SIGHASH_FORKID;
    else flags |= I.SCRIPT_VERIFY_LOW_S;
    assert.ok(lib.crypto.Signature.fromTxFormat(sigWithType).hasLowS(), 'low S');
    const interp = new I();
    const ok = interp.verify(scriptSig, lib.Script.buildPublicKeyHashOut(pub.toAddress(net)), tx, 0, flags,
      c.forkid ? new lib.crypto.BN(100_000) : undefined);
    assert.ok(ok, `script interpreter: ${interp.errstr}`);
    // The signed transaction decodes as one, and a changed amount breaks it.
    const decoded = new lib.Transaction(tx.serialize({ disableAll: true }));
    assert.equal(decoded.outputs[0].satoshis, 60_000);
    tx.outputs[0].satoshis = 60_001;
    tx._outputAmount = undefined;
    assert.equal(new I().verify(scriptSig, lib.Script.buildPublicKeyHashOut(pub.toAddress(net)), tx, 0, flags,
      c.forkid ? new lib.crypto.BN(100_000) : undefined), false, 'tampered transaction must not verify');

    // Hash: a DER signature the library verifies.
    const hash = crypto.randomBytes(32);
    const h = await sign(w, { kind: 'Hash', hash: `0x${hash.toString('hex')}` });
    const sig = lib.crypto.Signature.fromDER(buf(h.signature.encoded));
    assert.ok(lib.crypto.ECDSA.verify(hash, sig, pub), 'Hash signature');

    // Kinds that do not apply.
    assert.match(await signFails(w, { kind: 'Transaction', transaction: '0x00' }), /Transaction.*not supported/);
    assert.match(await signFails(w, { kind: 'Eip191', message: '0x00' }), /not supported/);
  });
}
