// The same adapters answer POST /keys/{keyId}/signatures when the body
// names the network: a Stellar payment signed through the key of a wallet
// verifies as through the wallet, and a kind the network does not take is
// a 400 there too.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Account, Asset, Keypair, Networks, Operation, TransactionBuilder } from '@stellar/stellar-sdk';
import { DfnsError } from '@dfns/sdk';
import { api, hex, wallet } from './lib.mjs';

test('keys route: Stellar Transaction with network, and a refused kind', async () => {
  const w = await wallet('StellarTestnet');
  const tx = new TransactionBuilder(new Account(w.address, '3'), { fee: '100', networkPassphrase: Networks.TESTNET })
    .addOperation(Operation.payment({ destination: Keypair.random().publicKey(), asset: Asset.native(), amount: '1' }))
    .setTimeout(60)
    .build();
  const res = await api.keys.generateSignature({
    keyId: w.signingKey.id,
    body: { kind: 'Transaction', transaction: `0x${tx.toEnvelope().toXDR('hex')}`, network: 'StellarTestnet' },
  });
  assert.equal(res.status, 'Signed');
  const signed = TransactionBuilder.fromXDR(hex(res.signedData).toString('base64'), Networks.TESTNET);
  assert.ok(Keypair.fromPublicKey(w.address).verify(signed.hash(), signed.signatures[0].signature.value));

  await assert.rejects(
    api.keys.generateSignature({ keyId: w.signingKey.id, body: { kind: 'Psbt', psbt: '0x00', network: 'Tezos' } }),
    (err) => err instanceof DfnsError && err.httpStatus === 400 && /Psbt.*not supported on Tezos/.test(err.message),
  );
});
