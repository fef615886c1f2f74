// starknet-fixture.mjs writes internal/chain/starknet/testdata/starknetjs.json: the
// address, transaction hashes and SNIP-12 message hashes starknet.js 10.8.0
// computes for Starkware's published vector key, which the Go unit tests of
// internal/chain/starknet reproduce. It is not a test file (run.mjs skips it).
//
// Usage (in test/networks, after npm ci): node starknet-fixture.mjs
import { hash, CallData, ec, typedData, RpcProvider, transaction } from 'starknet';
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const outFile = fileURLToPath(new URL('../../internal/chain/starknet/testdata/starknetjs.json', import.meta.url));
const priv = '0x3c1e9550e66958296d11b60f8e8e7a7ad990d07fa65d5f7652c4a6c87d4e3cc';
const key = ec.starkCurve.getStarkKey(priv);
const oz = '0x05b4b537eaa2399e3aa99c4e2e0208ebd6c71bc1467938cd52c798c601e43564';
const address = hash.calculateContractAddressFromHash(key, oz, CallData.compile({ publicKey: key }), 0);
const channel = new RpcProvider({ nodeUrl: 'http://127.0.0.1:1' }).channel;
const rb = { l1_gas: { max_amount: 0x2000n, max_price_per_unit: 0x5af3107a4000n }, l2_gas: { max_amount: 0x9f4c80n, max_price_per_unit: 0x3b9aca00n }, l1_data_gas: { max_amount: 0x180n, max_price_per_unit: 0x2540be400n } };
const calls = [{ contractAddress: '0x04718f5a0fc34cc1af16a1cdee98ffb20c31f5cd61d6ab07201858f4287c938d', entrypoint: 'transfer', calldata: CallData.compile({ recipient: '0x1234', amount: { low: 1000n, high: 0n } }) }];
const compiledCalldata = transaction.getExecuteCalldata(calls, '1');
const chainId = '0x534e5f5345504f4c4941';
const invHash = hash.calculateInvokeTransactionHash({ senderAddress: address, version: '0x3', compiledCalldata, chainId, nonce: 7, accountDeploymentData: [], nonceDataAvailabilityMode: 0, feeDataAvailabilityMode: 0, resourceBounds: rb, tip: 5n, paymasterData: [] });
const invTx = await channel.buildTransaction({ type: 'INVOKE', contractAddress: address, calldata: compiledCalldata, signature: ['0x0', '0x0'], nonce: 7, resourceBounds: rb, tip: 5n, paymasterData: [], accountDeploymentData: [], nonceDataAvailabilityMode: 'L1', feeDataAvailabilityMode: 'L1', version: '0x3' }, 'transaction');
const ctor = CallData.compile({ publicKey: key });
const depHash = hash.calculateDeployAccountTransactionHash({ contractAddress: address, classHash: oz, compiledConstructorCalldata: ctor, salt: key, version: '0x3', chainId: '0x534e5f4d41494e', nonce: 0, nonceDataAvailabilityMode: 0, feeDataAvailabilityMode: 0, resourceBounds: rb, tip: 0n, paymasterData: [] });
const depTx = await channel.buildTransaction({ type: 'DEPLOY_ACCOUNT', classHash: oz, constructorCalldata: ctor, addressSalt: key, signature: [], nonce: 0, resourceBounds: rb, tip: 0n, paymasterData: [], accountDeploymentData: [], nonceDataAvailabilityMode: 'L1', feeDataAvailabilityMode: 'L1', version: '0x3' }, 'transaction');
const rev1 = {
  types: {
    StarknetDomain: [{ name: 'name', type: 'shortstring' }, { name: 'version', type: 'shortstring' }, { name: 'chainId', type: 'shortstring' }, { name: 'revision', type: 'shortstring' }],
    Example: [
      { name: 'n0', type: 'felt' }, { name: 'n1', type: 'bool' }, { name: 'n2', type: 'string' }, { name: 'n3', type: 'selector' },
      { name: 'n4', type: 'u128' }, { name: 'n5', type: 'i128' }, { name: 'n6', type: 'ContractAddress' }, { name: 'n7', type: 'ClassHash' },
      { name: 'n8', type: 'timestamp' }, { name: 'n9', type: 'shortstring' }, { name: 'n10', type: 'TokenAmount' }, { name: 'n11', type: 'NftId' },
      { name: 'n12', type: 'enum', contains: 'Choice' }, { name: 'n13', type: 'merkletree', contains: 'Leaf' }, { name: 'n14', type: 'Leaf*' }, { name: 'n15', type: 'u256' },
    ],
    Choice: [{ name: 'None', type: '()' }, { name: 'Some', type: '(u128,felt*)' }],
    Leaf: [{ name: 'v', type: 'felt' }],
  },
  primaryType: 'Example',
  domain: { name: 'Custos test', version: '1', chainId: 'SN_SEPOLIA', revision: '1' },
  message: {
    n0: '0x3e8', n1: true, n2: 'a string longer than thirty-one characters, to need two words', n3: 'transfer',
    n4: '340282366920938463463374607431768211455', n5: -42, n6: '0x0123', n7: '0x0456', n8: 1700000000, n9: 'hello',
    n10: { token_address: '0x0789', amount: { low: '1000', high: 0 } }, n11: { collection_address: '0xabc', token_id: { low: 7, high: 1 } },
    n12: { Some: [12, ['0x1', 'x']] }, n13: [{ v: 1 }, { v: 2 }, { v: 3 }], n14: [{ v: 'abc' }], n15: { low: 1, high: 2 },
  },
};
const rev1None = { ...rev1, message: { ...rev1.message, n12: { None: [] } } };
const rev0 = {
  types: {
    StarkNetDomain: [{ name: 'name', type: 'felt' }, { name: 'version', type: 'felt' }, { name: 'chainId', type: 'felt' }],
    Person: [{ name: 'name', type: 'felt' }, { name: 'wallet', type: 'felt' }],
    Mail: [{ name: 'from', type: 'Person' }, { name: 'to', type: 'Person' }, { name: 'contents', type: 'felt' }, { name: 'cc', type: 'Person*' }, { name: 'root', type: 'merkletree', contains: 'Person' }, { name: 'sel', type: 'selector' }, { name: 'note', type: 'string' }],
  },
  primaryType: 'Mail',
  domain: { name: 'StarkNet Mail', version: '1', chainId: 1 },
  message: {
    from: { name: 'Cow', wallet: '0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826' }, to: { name: 'Bob', wallet: '0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB' },
    contents: 'Hello, Bob!', cc: [{ name: 'Ann', wallet: '12' }], root: [{ name: 'A', wallet: 1 }, { name: 'B', wallet: 2 }], sel: 'transfer', note: 'short',
  },
};
const out = {
  starkKey: key, address,
  invoke: { tx: invTx, chainId, hash: invHash },
  deploy: { tx: depTx, chainId: '0x534e5f4d41494e', hash: depHash },
  rev1: { td: rev1, hash: typedData.getMessageHash(rev1, address) },
  rev1None: { td: rev1None, hash: typedData.getMessageHash(rev1None, address) },
  rev0: { td: rev0, hash: typedData.getMessageHash(rev0, address) },
};
writeFileSync(outFile, `${JSON.stringify(out, null, 1)}\n`);
console.log(out.address, invHash, depHash, out.rev1.hash, out.rev1None.hash, out.rev0.hash);
