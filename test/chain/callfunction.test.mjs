// POST /networks/{network}/call-function through the official Dfns SDK
// (networks.callFunction) against anvil (docs/protocol/evm-call-function.md):
// read-only calls of the test ERC-20 decode its answers; bad input is a 400
// naming what is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { addrWord, api, deployToken, randomAddress, rejects, send, word } from './lib.mjs';

const view = (name, inputs, outputs) => ({ type: 'function', name, stateMutability: 'view', inputs, outputs });
const balanceOf = view('balanceOf', [{ name: 'owner', type: 'address' }], [{ name: '', type: 'uint256' }]);

test('call-function reads the test ERC-20 on anvil', async () => {
  const token = await deployToken(5_000_000n);
  const holder = randomAddress();
  await send({ to: token, data: '0xa9059cbb' + addrWord(holder) + word(1234n) });
  const call = (network, body) => api.networks.callFunction({ network, body });

  assert.equal(await call('EthereumSepolia', { contract: token, abi: balanceOf, calldata: { owner: holder } }), '1234');
  // The path names the network in kebab case, as Dfns documents it.
  assert.equal(await call('ethereum-sepolia', { contract: token, abi: balanceOf, calldata: { owner: randomAddress() } }), '0');
  assert.equal(await call('ethereum-sepolia', { contract: token, abi: view('decimals', [], [{ name: '', type: 'uint8' }]) }), '6');
  assert.equal(await call('ethereum-sepolia', { contract: token, abi: view('symbol', [], [{ name: '', type: 'string' }]) }), 'TST');

  // Bad input: 400 naming what is wrong, for each.
  await rejects(call('ethereum-sepolia', { contract: token, abi: balanceOf, calldata: {} }), 400, /calldata\.owner is required/);
  await rejects(call('ethereum-sepolia', { contract: token, abi: balanceOf, calldata: { owner: '0x12' } }), 400, /owner/);
  await rejects(call('ethereum-sepolia', { contract: token, abi: { ...balanceOf, stateMutability: 'nonpayable' }, calldata: { owner: holder } }),
    400, /abi\.stateMutability/);
  await rejects(call('ethereum-sepolia', { contract: token, abi: { ...balanceOf, inputs: [{ name: 'owner', type: 'money' }] }, calldata: { owner: holder } }),
    400, /abi is not a valid function/);
  // A function the contract does not have reverts: the node's answer, as a 400.
  await rejects(call('ethereum-sepolia', { contract: token, abi: view('owner', [], [{ name: '', type: 'address' }]) }), 400, /fails|reverted/);
  await rejects(call('ethereum-holesky', { contract: token, abi: balanceOf, calldata: { owner: holder } }), 400, /--rpc EthereumHolesky/);
  await rejects(call('bitcoin', { contract: token, abi: balanceOf, calldata: { owner: holder } }), 400, /not an EVM network/);
});
