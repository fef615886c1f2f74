// Wallets and signature requests through the SDK's own clients (keys and
// wallets), @dfns/lib-viem's DfnsWallet and viem accounts. Every address and
// signature is checked with the chains' own JS libraries (ethers, viem) or
// node:crypto, never with anything the server computed.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import { test } from 'node:test';
import { DfnsWallet } from '@dfns/lib-viem';
import { ethers } from 'ethers';
import {
  keccak256, parseTransaction, recoverAddress, serializeTransaction, signatureToHex, verifyMessage, verifyTypedData,
} from 'viem';
import { toAccount } from 'viem/accounts';
import { bech32Encode, ed25519PublicKey, evmSignature, p2wpkhAddress, rawSignature } from './lib/chains.mjs';
import { rejects, saClient, uniqueName } from './lib/env.mjs';

const SEPOLIA = 11155111;
const api = saClient();

let evmWalletPromise;
/** evmWallet creates (once per file) the EthereumSepolia wallet most tests sign with. */
function evmWallet() {
  evmWalletPromise ??= api.wallets.createWallet({ body: { network: 'EthereumSepolia', name: uniqueName('evm') } });
  return evmWalletPromise;
}

/** randomHash returns a fresh 32-byte 0x hex digest. */
const randomHash = () => ethers.keccak256(crypto.randomBytes(32));

/** signed asserts a signature request was executed and returns its signature. */
function signed(res, kind) {
  assert.equal(res.status, 'Signed', `${kind} request status`);
  assert.match(res.id, /^sig-/);
  assert.equal(res.requestBody.kind, kind);
  assert.equal(typeof res.dateRequested, 'string');
  assert.ok(res.signature, `${kind} response has a signature`);
  assert.match(res.signature.r, /^0x[0-9a-f]{64}$/);
  assert.match(res.signature.s, /^0x[0-9a-f]{64}$/);
  return res.signature;
}

/**
 * sameRecord asserts deep equality of two API objects, comparing date*
 * fields as instants (exact text equality is checked by the last test).
 */
function sameRecord(actual, expected, message) {
  const ms = (o) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, k.startsWith('date') ? Date.parse(v) : v]));
  assert.deepEqual(ms(actual), ms(expected), message);
}

/** unsignedTx is an EIP-1559 Sepolia transfer with a random recipient. */
function unsignedTx(overrides = {}) {
  return ethers.Transaction.from({
    type: 2, chainId: SEPOLIA, nonce: 7, to: ethers.Wallet.createRandom().address, value: 123456789n,
    gasLimit: 21000n, maxFeePerGas: 30_000_000_000n, maxPriorityFeePerGas: 1_500_000_000n, data: '0x',
    ...overrides,
  });
}

test('EVM wallet: address is the EIP-55 address of the signing key', async () => {
  const w = await evmWallet();
  assert.match(w.id, /^wa-/);
  assert.equal(w.network, 'EthereumSepolia');
  assert.equal(w.status, 'Active');
  assert.deepEqual(w.tags, []);
  assert.equal(w.signingKey.scheme, 'ECDSA');
  assert.equal(w.signingKey.curve, 'secp256k1');
  assert.match(w.signingKey.publicKey, /^0[23][0-9a-f]{64}$/, 'compressed SEC1 hex without 0x');
  assert.equal(w.address, ethers.computeAddress(`0x${w.signingKey.publicKey}`));
  assert.equal(ethers.getAddress(w.address.toLowerCase()), w.address, 'EIP-55 checksummed');

  sameRecord(await api.wallets.getWallet({ walletId: w.id }), w);
  const key = await api.keys.getKey({ keyId: w.signingKey.id });
  assert.equal(key.publicKey, w.signingKey.publicKey);
  assert.ok(key.wallets.some((x) => x.id === w.id && x.network === 'EthereumSepolia'), 'the key lists its wallet');
});

test('Hash: key and wallet signatures recover to the wallet address', async () => {
  const w = await evmWallet();
  const keyId = w.signingKey.id;
  const hash = randomHash();

  const byKey = await api.keys.generateSignature({ keyId, body: { kind: 'Hash', hash } });
  assert.equal(byKey.keyId, keyId);
  assert.equal(byKey.requestBody.hash, hash);
  assert.equal(ethers.recoverAddress(hash, evmSignature(signed(byKey, 'Hash'))), w.address);

  const onNet = await api.keys.generateSignature({ keyId, body: { kind: 'Hash', hash, network: 'EthereumSepolia' } });
  assert.equal(ethers.recoverAddress(hash, signed(onNet, 'Hash').encoded), w.address, 'encoded on the key endpoint');

  const byWallet = await api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Hash', hash } });
  const sig = signed(byWallet, 'Hash');
  assert.equal(byWallet.walletId, w.id);
  assert.equal(byWallet.keyId, keyId);
  assert.equal(byWallet.network, 'EthereumSepolia');
  assert.match(sig.encoded, /^0x[0-9a-f]{130}$/);
  assert.equal(ethers.recoverAddress(hash, sig.encoded), w.address, 'encoded');
  assert.equal(ethers.recoverAddress(hash, evmSignature(sig)), w.address, 'r, s, recid');
  assert.equal(await recoverAddress({ hash, signature: sig.encoded }), w.address, 'viem recoverAddress');

  sameRecord(await api.wallets.getSignature({ walletId: w.id, signatureId: byWallet.id }), byWallet);
  sameRecord(await api.keys.getSignature({ keyId, signatureId: byKey.id }), byKey);
  const keyList = await api.keys.listSignatures({ keyId });
  for (const id of [byKey.id, onNet.id, byWallet.id]) {
    assert.ok(keyList.items.some((x) => x.id === id), `key list has ${id}`);
  }
  const walletList = await api.wallets.listSignatures({ walletId: w.id });
  assert.ok(walletList.items.some((x) => x.id === byWallet.id), 'wallet list has the wallet request');
});

test('Transaction: EIP-1559 and EIP-155 transactions come back signed by the wallet', async () => {
  const w = await evmWallet();
  const tx = unsignedTx();

  const byKey = await api.keys.generateSignature({
    keyId: w.signingKey.id, body: { kind: 'Transaction', transaction: tx.unsignedSerialized, network: 'EthereumSepolia' },
  });
  const byWallet = await api.wallets.generateSignature({
    walletId: w.id, body: { kind: 'Transaction', transaction: tx.unsignedSerialized },
  });
  for (const res of [byKey, byWallet]) {
    const sig = signed(res, 'Transaction');
    const out = ethers.Transaction.from(res.signedData);
    assert.equal(out.from, w.address);
    assert.equal(out.type, 2);
    assert.equal(out.chainId, BigInt(SEPOLIA));
    assert.equal(out.nonce, tx.nonce);
    assert.equal(out.to, tx.to);
    assert.equal(out.value, tx.value);
    assert.equal(out.gasLimit, tx.gasLimit);
    assert.equal(out.maxFeePerGas, tx.maxFeePerGas);
    assert.equal(out.maxPriorityFeePerGas, tx.maxPriorityFeePerGas);
    assert.equal(out.unsignedSerialized, tx.unsignedSerialized, 'payload unchanged');
    assert.equal(out.signature.r, sig.r);
    assert.equal(out.signature.s, sig.s);
    assert.equal(ethers.recoverAddress(tx.unsignedHash, evmSignature(sig)), w.address);
  }

  const legacy = ethers.Transaction.from({
    type: 0, chainId: SEPOLIA, nonce: 1, to: tx.to, value: 1n, gasLimit: 21000n, gasPrice: 2_000_000_000n,
  });
  const res = await api.wallets.generateSignature({
    walletId: w.id, body: { kind: 'Transaction', transaction: legacy.unsignedSerialized },
  });
  signed(res, 'Transaction');
  const out = ethers.Transaction.from(res.signedData);
  assert.equal(out.from, w.address);
  assert.equal(out.type, 0);
  assert.equal(out.chainId, BigInt(SEPOLIA), 'EIP-155 chain id kept');
  assert.ok(out.signature.v === 27 || out.signature.v === 28);
  assert.equal(out.signature.networkV, BigInt(SEPOLIA) * 2n + 35n + BigInt(out.signature.v - 27));
});

test('Eip191 and Eip712 requests verify with ethers', async () => {
  const w = await evmWallet();
  const text = `custos ${crypto.randomUUID()}`;
  const personal = await api.wallets.generateSignature({
    walletId: w.id, body: { kind: 'Eip191', message: ethers.hexlify(ethers.toUtf8Bytes(text)) },
  });
  assert.equal(ethers.verifyMessage(text, signed(personal, 'Eip191').encoded), w.address);

  const domain = { name: 'Custos', version: '1', chainId: SEPOLIA, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' };
  const types = {
    Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }],
  };
  const message = {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!',
  };
  const typed = await api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Eip712', types, domain, message } });
  assert.equal(ethers.verifyTypedData(domain, types, message, signed(typed, 'Eip712').encoded), w.address);
});

test('lib-viem DfnsWallet: viem account signs messages, typed data and transactions', async () => {
  const w = await evmWallet();
  const dfnsWallet = await DfnsWallet.init({ walletId: w.id, dfnsClient: api });
  const account = toAccount(dfnsWallet);
  assert.equal(account.address, w.address);

  const message = `custos viem ${crypto.randomUUID()}`;
  const msgSig = await account.signMessage({ message });
  assert.equal(await verifyMessage({ address: w.address, message, signature: msgSig }), true);
  assert.equal(ethers.verifyMessage(message, msgSig), w.address);
  const raw = crypto.randomBytes(40);
  const rawSig = await account.signMessage({ message: { raw } });
  assert.equal(ethers.verifyMessage(raw, rawSig), w.address, 'raw bytes message');

  const typedData = {
    domain: { name: 'Ether Mail', version: '1', chainId: SEPOLIA, verifyingContract: '0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC' },
    types: {
      Person: [{ name: 'name', type: 'string' }, { name: 'wallet', type: 'address' }],
      Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'string' }],
    },
    primaryType: 'Mail',
    message: {
      from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
      to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
      contents: 'Hello, Bob!',
    },
  };
  const typedSig = await account.signTypedData(typedData);
  assert.equal(await verifyTypedData({ address: w.address, ...typedData, signature: typedSig }), true);

  const request = {
    type: 'eip1559', chainId: SEPOLIA, nonce: 3, to: '0x70997970C51812dc3A010C7d01b50e0d17dc79C8', value: 10n ** 15n,
    gas: 21000n, maxFeePerGas: 20_000_000_000n, maxPriorityFeePerGas: 1_000_000_000n,
  };
  const signedTx = await account.signTransaction(request);
  const parsed = parseTransaction(signedTx);
  assert.equal(parsed.type, 'eip1559');
  assert.equal(parsed.chainId, SEPOLIA);
  assert.equal(parsed.nonce, request.nonce);
  assert.equal(parsed.to.toLowerCase(), request.to.toLowerCase());
  assert.equal(parsed.value, request.value);
  const { r, s, v, yParity, ...unsigned } = parsed;
  const hash = keccak256(serializeTransaction(unsigned));
  assert.equal(await recoverAddress({ hash, signature: signatureToHex({ r, s, v }) }), w.address, 'viem recovers the sender');
  assert.equal(ethers.Transaction.from(signedTx).from, w.address, 'ethers recovers the sender');
});

test('Bitcoin wallets: P2WPKH address of the key (BIP-173)', async () => {
  // BIP-173's own example: the generator point's P2WPKH address.
  const g = '0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798';
  assert.equal(p2wpkhAddress(g, 'bc'), 'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t4');
  assert.equal(bech32Encode('a', []), 'a12uel5l', 'BIP-173 valid bech32 string');

  for (const [network, hrp] of [['Bitcoin', 'bc'], ['BitcoinTestnet4', 'tb']]) {
    const w = await api.wallets.createWallet({ body: { network } });
    assert.equal(w.network, network);
    assert.equal(w.signingKey.scheme, 'ECDSA');
    assert.equal(w.signingKey.curve, 'secp256k1');
    assert.match(w.signingKey.publicKey, /^0[23][0-9a-f]{64}$/);
    assert.equal(w.address, p2wpkhAddress(w.signingKey.publicKey, hrp), `${network} address`);
  }
});

test('Solana wallet: base58 address of the ed25519 key, Message verifies', async () => {
  assert.equal(ethers.encodeBase58(new Uint8Array(32)), '11111111111111111111111111111111', 'system program id');
  const w = await api.wallets.createWallet({ body: { network: 'SolanaDevnet' } });
  assert.equal(w.signingKey.scheme, 'EdDSA');
  assert.equal(w.signingKey.curve, 'ed25519');
  assert.match(w.signingKey.publicKey, /^[0-9a-f]{64}$/);
  assert.equal(w.address, ethers.encodeBase58(`0x${w.signingKey.publicKey}`));

  const msg = crypto.randomBytes(48);
  const res = await api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Message', message: `0x${msg.toString('hex')}` } });
  const sig = rawSignature(signed(res, 'Message'));
  assert.equal(crypto.verify(null, msg, ed25519PublicKey(w.signingKey.publicKey), sig), true);
});

test('KeyEdDSA wallet: ed25519 Message and Hash signatures verify with node:crypto', async () => {
  const w = await api.wallets.createWallet({ body: { network: 'KeyEdDSA' } });
  assert.equal(w.network, 'KeyEdDSA');
  assert.equal(w.address, undefined, 'pseudo-network wallets have no address');
  assert.equal(w.signingKey.scheme, 'EdDSA');
  assert.equal(w.signingKey.curve, 'ed25519');
  const pub = ed25519PublicKey(w.signingKey.publicKey);

  const msg = Buffer.from(`custos eddsa ${crypto.randomUUID()}`);
  const res = await api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Message', message: `0x${msg.toString('hex')}` } });
  assert.equal(res.network, 'KeyEdDSA');
  const sig = rawSignature(signed(res, 'Message'));
  assert.equal(crypto.verify(null, msg, pub, sig), true, 'signature over the message');
  assert.equal(crypto.verify(null, Buffer.from('other'), pub, sig), false, 'and only over it');

  const hash = randomHash();
  const byKey = await api.keys.generateSignature({ keyId: w.signingKey.id, body: { kind: 'Hash', hash } });
  assert.equal(crypto.verify(null, ethers.getBytes(hash), pub, rawSignature(signed(byKey, 'Hash'))), true);
});

test('bad signature requests: DfnsError 400 / 404', async () => {
  const w = await evmWallet();
  const psbt = '0x70736274ff01000a0200000000000000000000';
  await rejects(api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Psbt', psbt } }), 400, /Psbt/);
  await rejects(api.keys.generateSignature({ keyId: w.signingKey.id, body: { kind: 'Psbt', psbt, network: 'EthereumSepolia' } }), 400);
  await rejects(api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Hash', hash: '0x1234' } }), 400, /hash/);
  await rejects(api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Hash', hash: `0x${'zz'.repeat(32)}` } }), 400, /hash/);
  await rejects(api.keys.generateSignature({ keyId: w.signingKey.id, body: { kind: 'Hash', hash: 'nothex' } }), 400, /hash/);
  await rejects(api.wallets.generateSignature({
    walletId: w.id, body: { kind: 'Transaction', transaction: unsignedTx({ chainId: 1 }).unsignedSerialized },
  }), 400, /chain/i);
  await rejects(api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Hash', hash: randomHash(), network: 'Ethereum' } }), 400);
  await rejects(api.wallets.createWallet({ body: { network: 'NoSuchNetwork' } }), 400);

  const missing = 'wa-00000-00000-0000000000000000';
  await rejects(api.wallets.getWallet({ walletId: missing }), 404);
  await rejects(api.wallets.generateSignature({ walletId: missing, body: { kind: 'Hash', hash: randomHash() } }), 404);
  await rejects(api.keys.generateSignature({ keyId: 'key-00000-00000-0000000000000000', body: { kind: 'Hash', hash: randomHash() } }), 404);
  await rejects(api.wallets.getSignature({ walletId: w.id, signatureId: 'sig-00000-00000-0000000000000000' }), 404);
});

test('timestamps read back exactly as the create response wrote them', async () => {
  const w = await evmWallet();
  assert.equal((await api.wallets.getWallet({ walletId: w.id })).dateCreated, w.dateCreated);
  const res = await api.wallets.generateSignature({ walletId: w.id, body: { kind: 'Hash', hash: randomHash() } });
  const got = await api.wallets.getSignature({ walletId: w.id, signatureId: res.id });
  assert.equal(got.dateRequested, res.dateRequested);
  assert.equal(got.dateSigned, res.dateSigned);
});
