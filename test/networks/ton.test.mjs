// TON and ION: the address Custos derives is @ton/ton's WalletContractV4
// (v4R2, workchain 0) for the wallet's key, non-bounceable (test-only on
// testnets); an external message to the wallet built with @ton/core as the
// Dfns documentation builds it (first with the wallet's StateInit, then
// without) is signed through Custos (Transaction), parsed back with
// loadMessage and its signature verified over the body hash; a cell is
// signed likewise (Message).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Address, Cell, SendMode, beginCell, external, internal, loadMessage, storeMessage, storeMessageRelaxed } from '@ton/core';
import { WalletContractV4 } from '@ton/ton';
import { signVerify } from '@ton/crypto';
import { hex, rejects400, sign, wallet } from './lib.mjs';

function transfer(w4, seqno) {
  const b = beginCell().storeUint(w4.walletId, 32);
  if (seqno === 0) b.storeUint(0xffffffff, 32);
  else b.storeUint(1900000000, 32);
  b.storeUint(seqno, 32).storeUint(0, 8).storeUint(SendMode.PAY_GAS_SEPARATELY, 8);
  const msg = internal({ value: '1', to: 'EQBfYLuQwjbBd-LAZ6eNC26XmVVxEl86MQPKG981hdTSicL_', body: 'Example transfer body' });
  const body = b.storeRef(beginCell().store(storeMessageRelaxed(msg))).endCell();
  const ext = external({ to: w4.address, body, init: seqno === 0 ? w4.init : undefined });
  return { body, boc: beginCell().store(storeMessage(ext)).endCell().toBoc() };
}

for (const network of ['Ton', 'TonTestnet', 'Ion', 'IonTestnet']) {
  test(`${network}: address, Transaction and Message`, async () => {
    const w = await wallet(network);
    const pub = hex(w.signingKey.publicKey);
    const w4 = WalletContractV4.create({ workchain: 0, publicKey: pub });
    const testOnly = network.endsWith('Testnet');
    assert.equal(w.address, w4.address.toString({ bounceable: false, testOnly }));
    assert.ok(Address.parse(w.address).equals(w4.address));

    for (const seqno of [0, 5]) {
      const { body, boc } = transfer(w4, seqno);
      const res = await sign(w, { kind: 'Transaction', transaction: `0x${boc.toString('hex')}` });
      const cells = Cell.fromBoc(hex(res.signedData));
      assert.equal(cells.length, 1);
      const msg = loadMessage(cells[0].beginParse());
      assert.equal(msg.info.type, 'external-in');
      assert.ok(msg.info.dest.equals(w4.address));
      assert.equal(Boolean(msg.init), seqno === 0);
      const s = msg.body.beginParse();
      const sig = s.loadBuffer(64);
      assert.equal(sig.toString('hex'), hex(res.signature.encoded).toString('hex'));
      const rest = beginCell().storeSlice(s).endCell();
      assert.ok(rest.equals(body), 'the body after the signature is the unsigned body');
      assert.ok(signVerify(rest.hash(), sig, pub), 'signature verifies over the body hash');
      assert.ok(!signVerify(beginCell().storeUint(1, 8).endCell().hash(), sig, pub));
    }

    const c = beginCell().storeUint(0xdeadbeef, 32).storeRef(beginCell().storeUint(7, 8).endCell()).endCell();
    const res = await sign(w, { kind: 'Message', message: `0x${c.toBoc().toString('hex')}` });
    const s = Cell.fromBoc(hex(res.signedData))[0].beginParse();
    const sig = s.loadBuffer(64);
    const rest = beginCell().storeSlice(s).endCell();
    assert.ok(rest.equals(c));
    assert.ok(signVerify(c.hash(), sig, pub));
  });
}

test('TON: other kinds, strangers and garbage are 400s', async () => {
  const w = await wallet('TonTestnet');
  await rejects400(w, { kind: 'Hash', hash: `0x${'11'.repeat(32)}` }, /Hash.*not supported on TonTestnet/);
  await rejects400(w, { kind: 'Transaction', transaction: '0xb5ee9c72' }, /bag of cells/);
  const other = WalletContractV4.create({ workchain: 0, publicKey: Buffer.alloc(32, 9) });
  await rejects400(w, { kind: 'Transaction', transaction: `0x${transfer(other, 3).boc.toString('hex')}` }, /not addressed to the wallet/);
});
