// XRP Ledger wallets checked with xrpl.js: the address xrpl.js derives from
// the wallet's public key (secp256k1 and ed25519 keys), and a Payment
// encoded with xrpl.js, signed through Custos (kind Transaction), then
// decoded and verified by xrpl.js (verifySignature, decode, hashSignedTx).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { decode, deriveAddress, encode, encodeForSigning, hashes, verifySignature } from 'xrpl';
import { createWallet, sign, signFails } from './lib.mjs';

const KEYS = [
  { name: 'secp256k1', signingKey: undefined, xrplPub: (hex) => hex.toUpperCase() },
  { name: 'ed25519', signingKey: { scheme: 'EdDSA', curve: 'ed25519' }, xrplPub: (hex) => `ED${hex.toUpperCase()}` },
];

for (const network of ['XrpLedger', 'XrpLedgerTestnet']) {
  for (const k of KEYS) {
    test(`${network} (${k.name}): address and Transaction signing checked by xrpl.js`, async () => {
      const w = await createWallet(network, k.signingKey ? { signingKey: k.signingKey } : {});
      const pub = k.xrplPub(w.signingKey.publicKey);
      assert.equal(w.address, deriveAddress(pub), 'address as xrpl.js derives it');

      const tx = {
        TransactionType: 'Payment',
        Account: w.address,
        Destination: 'rBYtCQKxGTfFuob3hxSc8pEYddetT9CdDZ',
        Amount: '1000',
        Fee: '12',
        Sequence: 43606696,
        LastLedgerSequence: 44442678,
        Flags: 0,
        Memos: [{ Memo: { MemoData: '637573746f73' } }],
      };
      const res = await sign(w, { kind: 'Transaction', transaction: `0x${encode(tx).toLowerCase()}` });
      const signedHex = res.signedData.slice(2).toUpperCase();

      assert.ok(verifySignature(signedHex), 'xrpl.js verifySignature');
      const decoded = decode(signedHex);
      assert.equal(decoded.SigningPubKey, pub);
      assert.equal(decoded.TxnSignature, res.signature.encoded.slice(2).toUpperCase());
      for (const f of ['Account', 'Destination', 'Amount', 'Fee', 'Sequence', 'LastLedgerSequence']) assert.equal(decoded[f], tx[f], f);
      assert.deepEqual(decoded.Memos, [{ Memo: { MemoData: '637573746F73' } }]);
      // xrpl.js' own signing encoding of the decoded transaction is what was signed.
      assert.equal(encodeForSigning({ ...decoded, TxnSignature: undefined }).length > 0, true);
      assert.match(hashes.hashSignedTx(signedHex), /^[0-9A-F]{64}$/);
      // A tampered amount does not verify.
      assert.equal(verifySignature(encode({ ...decoded, Amount: '1001' })), false);

      assert.match(await signFails(w, { kind: 'Psbt', psbt: '0x00' }), /Psbt.*not supported on/);
      assert.match(await signFails(w, { kind: 'Transaction', transaction: res.signedData }), /already has a TxnSignature/);
    });
  }
}
