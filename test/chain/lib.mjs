// Helpers of the EVM transfer suite: the SDK client of the bootstrap
// service account, JSON-RPC to anvil, a test ERC-20 compiled with solc, and
// bounded polling.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import solc from 'solc';
import { DfnsApiClient, DfnsAuthenticator, DfnsError } from '@dfns/sdk';
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner';
import { suiteHelpers, until } from '../lib/suite.mjs';

export { until };
export const { clientFor, api, approverClient, settled, rejects } = suiteHelpers({
  DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner, DfnsError,
});

export const anvilURL = process.env.ANVIL_URL;

/** api is the SDK client of the server run.mjs started. */

let rpcId = 0;
/** rpc calls anvil (the one at url: the legacy one of legacy.test.mjs). */
export async function rpc(method, params = [], url = anvilURL) {
  const res = await fetch(url, {
    method: 'POST', headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: ++rpcId, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** dev is anvil's first funded dev account (unlocked for eth_sendTransaction). */
export async function dev(url = anvilURL) {
  return (await rpc('eth_accounts', [], url))[0];
}

/** send sends a transaction from anvil's dev account and returns its receipt. */
export async function send(tx, url = anvilURL) {
  const hash = await rpc('eth_sendTransaction', [{ from: await dev(url), ...tx }], url);
  const rec = await until(() => rpc('eth_getTransactionReceipt', [hash], url), 'receipt');
  assert.equal(rec.status, '0x1', `dev transaction ${hash} reverted`);
  return rec;
}

export const hex = (n) => '0x' + BigInt(n).toString(16);
export const word = (v) => BigInt(v).toString(16).padStart(64, '0');
export const addrWord = (a) => a.toLowerCase().replace(/^0x/, '').padStart(64, '0');

/** randomAddress is a fresh address nobody holds. */
export function randomAddress() {
  return '0x' + crypto.randomBytes(20).toString('hex');
}

export async function balance(addr, url = anvilURL) {
  return BigInt(await rpc('eth_getBalance', [addr, 'latest'], url));
}

export async function tokenBalance(token, addr) {
  return BigInt(await rpc('eth_call', [{ to: token, data: '0x70a08231' + addrWord(addr) }, 'latest']));
}

const TOKEN_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;
contract TestToken {
  string public symbol = "TST";
  uint8 public decimals = 6;
  mapping(address => uint256) public balanceOf;
  event Transfer(address indexed from, address indexed to, uint256 value);
  constructor(uint256 supply) { balanceOf[msg.sender] = supply; emit Transfer(address(0), msg.sender, supply); }
  function transfer(address to, uint256 value) external returns (bool) {
    require(balanceOf[msg.sender] >= value, "balance");
    balanceOf[msg.sender] -= value;
    balanceOf[to] += value;
    emit Transfer(msg.sender, to, value);
    return true;
  }
}`;

const NFT_SOURCE = `// SPDX-License-Identifier: MIT
pragma solidity ^0.8.0;
contract TestNft {
  string public symbol = "TNFT";
  mapping(uint256 => address) public ownerOf;
  event Transfer(address indexed from, address indexed to, uint256 indexed tokenId);
  function mint(address to, uint256 id) external {
    require(ownerOf[id] == address(0), "minted");
    ownerOf[id] = to;
    emit Transfer(address(0), to, id);
  }
  function transferFrom(address from, address to, uint256 id) external {
    require(ownerOf[id] == from && msg.sender == from, "not owner");
    ownerOf[id] = to;
    emit Transfer(from, to, id);
  }
}`;

/** deploy compiles contract name of source and deploys it from the dev account with constructor arguments args (hex). */
async function deploy(name, source, args = '') {
  const out = JSON.parse(solc.compile(JSON.stringify({
    language: 'Solidity',
    sources: { 'T.sol': { content: source } },
    settings: { evmVersion: 'cancun', outputSelection: { '*': { '*': ['evm.bytecode.object'] } } },
  })));
  const errors = (out.errors ?? []).filter((e) => e.severity === 'error');
  assert.equal(errors.length, 0, JSON.stringify(errors));
  const code = out.contracts['T.sol'][name].evm.bytecode.object;
  const rec = await send({ data: '0x' + code + args, gas: hex(2_000_000) });
  return rec.contractAddress;
}

/** deployToken deploys the test ERC-20 (TST, 6 decimals) with supply to the dev account. */
export const deployToken = (supply) => deploy('TestToken', TOKEN_SOURCE, word(supply));

/** deployNft deploys the test ERC-721 (TNFT; mint(to, id) is open to all). */
export const deployNft = () => deploy('TestNft', NFT_SOURCE);

