// Starknet and StarknetSepolia, checked with starknet.js 10.8.0:
// - the wallet's address is the OpenZeppelin account starknet.js's
//   calculateContractAddressFromHash derives from the wallet's public key;
// - version 3 INVOKE and DEPLOY_ACCOUNT transactions built by starknet.js's
//   own Account (through a signer that asks Custos) are signed through
//   generateSignature; the transaction the Account would broadcast (caught
//   by a stand-in JSON-RPC node) carries a signature that verifies with
//   ec.starkCurve.verify over the hash starknet.js computes for it;
// - SNIP-12 typed data (revisions 1 and 0) signed through Account.signMessage
//   verifies with starknet.js's typedData.verifyMessage;
// - wrong kinds and malformed transactions are 400s naming the problem.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { Account, CallData, RpcProvider, addAddressPadding, ec, hash, transaction, typedData, validateAndParseAddress } from 'starknet';
import { api, hex, rejects400, sign, to0x, wallet } from './lib.mjs';

// The account class Custos derives addresses for (docs/protocol/networks-starknet.md).
const OZ_ACCOUNT = '0x05b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564';
const CHAIN = { Starknet: '0x534e5f4d41494e', StarknetSepolia: '0x534e5f5345504f4c4941' };
const STRK = '0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d';
const BOUNDS = {
  l1_gas: { max_amount: 0x0n, max_price_per_unit: 0x5af3107a4000n },
  l2_gas: { max_amount: 0x1f4c80n, max_price_per_unit: 0x3b9aca00n },
  l1_data_gas: { max_amount: 0x180n, max_price_per_unit: 0x2540be400n },
};

/** starkKey returns the x coordinate of a wallet's compressed public key. */
const starkKey = (w) => to0x(hex(w.signingKey.publicKey).subarray(1));

// A stand-in JSON-RPC node: answers what an Account asks before sending
// and keeps what it would broadcast.
let node;
let nodeURL;
let chainId = CHAIN.StarknetSepolia;
const sent = [];
before(async () => {
  node = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => { body += c; });
    req.on('end', () => {
      const { id, method, params } = JSON.parse(body);
      const results = {
        starknet_specVersion: '0.10.0',
        starknet_chainId: chainId,
        starknet_getNonce: '0x0',
        starknet_addInvokeTransaction: () => { sent.push(params.invoke_transaction); return { transaction_hash: '0x1' }; },
        starknet_addDeployAccountTransaction: () => {
          sent.push(params.deploy_account_transaction);
          return { transaction_hash: '0x2', contract_address: '0x3' };
        },
      };
      res.setHeader('content-type', 'application/json');
      if (!(method in results)) {
        res.end(JSON.stringify({ jsonrpc: '2.0', id, error: { code: -32601, message: `stand-in node: no ${method}` } }));
        return;
      }
      const r = results[method];
      res.end(JSON.stringify({ jsonrpc: '2.0', id, result: typeof r === 'function' ? r() : r }));
    });
  });
  await new Promise((resolve) => node.listen(0, '127.0.0.1', resolve));
  nodeURL = `http://127.0.0.1:${node.address().port}`;
});
after(() => node?.close());

/**
 * CustosSigner is a starknet.js SignerInterface that signs through Custos:
 * transactions go as the JSON-RPC transaction starknet.js's own channel
 * builds, typed data as a Snip12 request.
 */
class CustosSigner {
  constructor(w, channel) {
    this.w = w;
    this.channel = channel;
  }

  async getPubKey() {
    return starkKey(this.w);
  }

  async custos(body) {
    const res = await sign(this.w, body);
    return [BigInt(res.signature.r).toString(), BigInt(res.signature.s).toString()];
  }

  async signMessage(td) {
    return this.custos({ kind: 'Snip12', ...td });
  }

  async signTransaction(calls, details) {
    const tx = await this.channel.buildTransaction({
      ...details,
      type: 'INVOKE',
      contractAddress: details.walletAddress,
      calldata: transaction.getExecuteCalldata(calls, details.cairoVersion),
      signature: [],
    }, 'transaction');
    delete tx.signature;
    return this.custos({ kind: 'Transaction', transaction: tx });
  }

  async signDeployAccountTransaction(details) {
    const tx = await this.channel.buildTransaction({
      ...details,
      type: 'DEPLOY_ACCOUNT',
      constructorCalldata: CallData.compile(details.constructorCalldata),
      signature: [],
    }, 'transaction');
    delete tx.signature;
    return this.custos({ kind: 'Transaction', transaction: tx });
  }

  async signDeclareTransaction() {
    throw new Error('not used');
  }
}

function accountOf(w) {
  const provider = new RpcProvider({ nodeUrl: nodeURL });
  return new Account({ provider, address: w.address, signer: new CustosSigner(w, provider.channel), cairoVersion: '1' });
}

const dam = (m) => (m === 'L2' ? 1 : 0);

/** verifyInvoke checks a broadcast INVOKE's signature over starknet.js's hash of it. */
function verifyInvoke(w, tx, chain) {
  const h = hash.calculateInvokeTransactionHash({
    senderAddress: tx.sender_address, version: tx.version, compiledCalldata: tx.calldata, chainId: chain,
    nonce: tx.nonce, accountDeploymentData: tx.account_deployment_data,
    nonceDataAvailabilityMode: dam(tx.nonce_data_availability_mode), feeDataAvailabilityMode: dam(tx.fee_data_availability_mode),
    resourceBounds: bigBounds(tx.resource_bounds), tip: tx.tip, paymasterData: tx.paymaster_data,
  });
  return ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(tx.signature[0]), BigInt(tx.signature[1])), h, w.signingKey.publicKey.replace(/^0x/, ''));
}

function bigBounds(rb) {
  const out = {};
  for (const [k, v] of Object.entries(rb)) out[k] = { max_amount: BigInt(v.max_amount), max_price_per_unit: BigInt(v.max_price_per_unit) };
  return out;
}

for (const network of ['Starknet', 'StarknetSepolia']) {
  test(`${network}: the address is starknet.js's OpenZeppelin account of the public key`, async () => {
    const w = await wallet(network);
    assert.equal(w.signingKey.scheme, 'ECDSA');
    assert.equal(w.signingKey.curve, 'stark');
    const key = starkKey(w);
    const want = hash.calculateContractAddressFromHash(key, OZ_ACCOUNT, CallData.compile({ publicKey: key }), 0);
    assert.equal(w.address, addAddressPadding(want));
    assert.equal(validateAndParseAddress(w.address), w.address);
  });

  test(`${network}: an INVOKE built and sent by starknet.js's Account, signed through Custos`, async () => {
    chainId = CHAIN[network];
    const w = await wallet(network);
    const account = accountOf(w);
    sent.length = 0;
    const calls = [
      { contractAddress: STRK, entrypoint: 'transfer', calldata: CallData.compile({ recipient: '0x1234', amount: { low: 1000n, high: 0n } }) },
      { contractAddress: STRK, entrypoint: 'approve', calldata: CallData.compile({ spender: '0x99', amount: { low: 5n, high: 0n } }) },
    ];
    await account.execute(calls, { nonce: 7, resourceBounds: BOUNDS, tip: 3n });
    assert.equal(sent.length, 1);
    const tx = sent[0];
    assert.equal(tx.type, 'INVOKE');
    assert.equal(BigInt(tx.sender_address), BigInt(w.address));
    assert.ok(verifyInvoke(w, tx, CHAIN[network]), 'the broadcast signature verifies over starknet.js\'s hash');
    // The other network's chain id gives another hash: the signature is bound to this one.
    const other = network === 'Starknet' ? CHAIN.StarknetSepolia : CHAIN.Starknet;
    assert.ok(!verifyInvoke(w, tx, other));
    assert.ok(!verifyInvoke(w, { ...tx, nonce: '0x8' }, CHAIN[network]));
  });

  test(`${network}: the DEPLOY_ACCOUNT of the wallet's own account, signed through Custos`, async () => {
    chainId = CHAIN[network];
    const w = await wallet(network);
    const account = accountOf(w);
    sent.length = 0;
    const key = starkKey(w);
    await account.deployAccount(
      { classHash: OZ_ACCOUNT, constructorCalldata: { publicKey: key }, addressSalt: key, contractAddress: w.address },
      { nonce: 0, resourceBounds: BOUNDS, tip: 0n },
    );
    assert.equal(sent.length, 1);
    const tx = sent[0];
    assert.equal(tx.type, 'DEPLOY_ACCOUNT');
    const h = hash.calculateDeployAccountTransactionHash({
      contractAddress: w.address, classHash: tx.class_hash, compiledConstructorCalldata: tx.constructor_calldata,
      salt: tx.contract_address_salt, version: tx.version, chainId: CHAIN[network], nonce: tx.nonce,
      nonceDataAvailabilityMode: 0, feeDataAvailabilityMode: 0, resourceBounds: bigBounds(tx.resource_bounds), tip: tx.tip, paymasterData: tx.paymaster_data,
    });
    const sig = new ec.starkCurve.Signature(BigInt(tx.signature[0]), BigInt(tx.signature[1]));
    assert.ok(ec.starkCurve.verify(sig, h, w.signingKey.publicKey.replace(/^0x/, '')));
  });
}

const rev1 = {
  types: {
    StarknetDomain: [
      { name: 'name', type: 'shortstring' }, { name: 'version', type: 'shortstring' },
      { name: 'chainId', type: 'shortstring' }, { name: 'revision', type: 'shortstring' },
    ],
    Order: [
      { name: 'maker', type: 'ContractAddress' }, { name: 'offer', type: 'TokenAmount' }, { name: 'memo', type: 'string' },
      { name: 'expiry', type: 'timestamp' }, { name: 'side', type: 'enum', contains: 'Side' }, { name: 'delta', type: 'i128' },
      { name: 'call', type: 'selector' }, { name: 'allow', type: 'merkletree', contains: 'Leaf' }, { name: 'flags', type: 'bool*' },
      { name: 'nft', type: 'NftId' },
    ],
    Side: [{ name: 'Buy', type: '()' }, { name: 'Sell', type: '(u128,felt*)' }],
    Leaf: [{ name: 'who', type: 'ContractAddress' }],
  },
  primaryType: 'Order',
  domain: { name: 'Custos', version: '1', chainId: 'SN_SEPOLIA', revision: '1' },
  message: {
    maker: '0x1', offer: { token_address: STRK, amount: { low: '1000000', high: '0' } },
    memo: 'a memo longer than one thirty-one character word', expiry: 1750000000,
    side: { Sell: [42, ['0x5', 'abc']] }, delta: -7, call: 'transfer',
    allow: [{ who: '0x11' }, { who: '0x22' }, { who: '0x33' }], flags: [true, false], nft: { collection_address: '0x77', token_id: { low: 9, high: 0 } },
  },
};

const rev0 = {
  types: {
    StarkNetDomain: [{ name: 'name', type: 'felt' }, { name: 'version', type: 'felt' }, { name: 'chainId', type: 'felt' }],
    Person: [{ name: 'name', type: 'felt' }, { name: 'wallet', type: 'felt' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'felt' }, { name: 'cc', type: 'Person*' }],
  },
  primaryType: 'Mail',
  domain: { name: 'StarkNet Mail', version: '1', chainId: 1 },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' },
    to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!', cc: [{ name: 'Ann', wallet: '12' }],
  },
};

for (const [name, td] of [['revision 1 (Poseidon)', rev1], ['revision 0 (Pedersen)', rev0], ['revision 1, unit variant', { ...rev1, message: { ...rev1.message, side: { Buy: [] } } }]]) {
  test(`Snip12 ${name}: Account.signMessage through Custos verifies with starknet.js`, async () => {
    const w = await wallet('StarknetSepolia');
    const sig = await accountOf(w).signMessage(td);
    const pub = w.signingKey.publicKey.replace(/^0x/, '');
    // verifyMessage takes the full (uncompressed) public key, as starknet.js's getFullPublicKey gives it.
    const full = `0x${ec.starkCurve.ProjectivePoint.fromHex(pub).toHex(false)}`;
    assert.ok(typedData.verifyMessage(td, sig, full, w.address), 'typedData.verifyMessage');
    const h = typedData.getMessageHash(td, w.address);
    assert.ok(ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(sig[0]), BigInt(sig[1])), h, pub));
    // Another account's message hash does not verify: the signature is bound to the wallet's address.
    assert.ok(!typedData.verifyMessage(td, sig, full, '0x1234'));
  });
}

test('Starknet: Hash signs a field element; wrong kinds and malformed bodies are 400s', async () => {
  const w = await wallet('Starknet');
  const h = `0x01${'ab'.repeat(31)}`;
  const res = await sign(w, { kind: 'Hash', hash: h });
  assert.ok(ec.starkCurve.verify(new ec.starkCurve.Signature(BigInt(res.signature.r), BigInt(res.signature.s)), h, w.signingKey.publicKey.replace(/^0x/, '')));
  await rejects400(w, { kind: 'Message', message: '0x00' }, /Message.*Starknet/);
  await rejects400(w, { kind: 'Eip712', types: {}, domain: {}, message: {} }, /Eip712.*Starknet/);
  await rejects400(w, { kind: 'Psbt', psbt: '0x00' }, /Psbt.*Starknet/);
  const tx = {
    type: 'INVOKE', version: '0x3', sender_address: w.address, calldata: ['0x0'], nonce: '0x0', tip: '0x0',
    resource_bounds: { l1_gas: { max_amount: '0x0', max_price_per_unit: '0x1' }, l2_gas: { max_amount: '0x1', max_price_per_unit: '0x1' }, l1_data_gas: { max_amount: '0x1', max_price_per_unit: '0x1' } },
    paymaster_data: [], account_deployment_data: [], nonce_data_availability_mode: 'L1', fee_data_availability_mode: 'L1',
  };
  await sign(w, { kind: 'Transaction', transaction: tx });
  await rejects400(w, { kind: 'Transaction', transaction: { ...tx, version: '0x1' } }, /transaction\.version/);
  await rejects400(w, { kind: 'Transaction', transaction: { ...tx, nonce: 5 } }, /transaction\.nonce/);
  await rejects400(w, { kind: 'Transaction', transaction: { ...tx, calldata: ['xyz'] } }, /transaction\.calldata/);
  await rejects400(w, { kind: 'Transaction', transaction: { ...tx, sender_address: '0x1' } }, /sender_address/);
  await rejects400(w, { kind: 'Transaction', transaction: { ...tx, resource_bounds: { l1_gas: tx.resource_bounds.l1_gas } } }, /l2_gas/);
  await rejects400(w, { kind: 'Transaction', transaction: '0xdeadbeef' }, /transaction/);
  await rejects400(w, { kind: 'Snip12', types: rev1.types, primaryType: 'Nope', domain: rev1.domain, message: {} }, /primaryType/);
});

test('Starknet: a secp256k1 key cannot back a Starknet wallet', async () => {
  await assert.rejects(api.wallets.createWallet({ body: { network: 'Starknet', signingKey: { scheme: 'ECDSA', curve: 'secp256k1' } } }), (err) => {
    assert.equal(err.httpStatus, 400);
    assert.match(err.message, /stark/);
    return true;
  });
});
