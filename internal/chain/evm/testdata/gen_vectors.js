// gen_vectors.js regenerates ethers_vectors.json, the fixed vectors the evm
// adapter tests compare against (ethers 6.17.0; signatures are RFC 6979, so
// the output is deterministic):
//
//   npm install ethers@6.17.0 && node gen_vectors.js > ethers_vectors.json
//
// The private keys are public test keys (web3.js docs, 0x11…11).
const { Wallet, Transaction, TypedDataEncoder, hashMessage, getBytes, toUtf8Bytes, hexlify, SigningKey, keccak256, parseUnits } = require("ethers");
(async () => {
const PK = "0x4c0883a69102937d6231471b5dbb6204fe5129617082792ae468d01a3f362318";
const w = new Wallet(PK);
const out = {};
out.addrWeb3 = w.address;
out.addrOne = new Wallet("0x0000000000000000000000000000000000000000000000000000000000000001").address;
out.pubCompressed = w.signingKey.compressedPublicKey;
// Hash
const digest = keccak256(toUtf8Bytes("custos hash vector"));
out.hash = digest; out.hashSig = w.signingKey.sign(digest).serialized;
// Messages
const m1 = toUtf8Bytes("I love Dfns");
out.msg1 = hexlify(m1); out.msg1Sig = await w.signMessage(m1);
const m2 = new Uint8Array([0x00,0xff,0x10,0x20]);
out.msg2 = hexlify(m2); out.msg2Sig = await w.signMessage(m2);
out.msgEmptySig = await w.signMessage(new Uint8Array([]));
// EIP-712 spec Mail
const mailTypes = { Person: [{name:"name",type:"string"},{name:"wallet",type:"address"}], Mail: [{name:"from",type:"Person"},{name:"to",type:"Person"},{name:"contents",type:"string"}] };
const specDomain = { name: "Ether Mail", version: "1", chainId: 1, verifyingContract: "0xCcCCccccCCCCcCCCCCCcCcCccCcCCCcCcccccccC" };
const specMsg = { from: {name:"Cow", wallet:"0xCD2a3d9F938E13CD947Ec05AbC7FE734Df8DD826"}, to: {name:"Bob", wallet:"0xbBbBBBBbbBBBbbbBbbBbbbbBBbBbbbbBbBbbBBbB"}, contents: "Hello, Bob!" };
out.mailDigest = TypedDataEncoder.hash(specDomain, mailTypes, specMsg);
out.mailSig = await w.signTypedData(specDomain, mailTypes, specMsg);
const dfnsDomain = { name: "Ether Mail", version: "1", chainId: 1, verifyingContract: "0x1b352de7a926ebd1bf52194dab487c2cb0793a9b", salt: "0xf2d857f4a3edcb9b78b4d503bfe733db1e3f6cdc2b7971ee739626c97e86a558" };
const dfnsMsg = { from: {name:"Chris", wallet:"0x00e3495cf6af59008f22ffaf32d4c92ac33dac47"}, to: {name:"Bob", wallet:"0xcc0ee1a1c5e788b61916c8f1c96c960f9a9d3db7"}, contents: "Hello, Bob!" };
out.dfnsMailDigest = TypedDataEncoder.hash(dfnsDomain, mailTypes, dfnsMsg);
out.dfnsMailSig = await w.signTypedData(dfnsDomain, mailTypes, dfnsMsg);
// Permit-like with big uint256 and bytes and arrays, no verifyingContract
const pTypes = { Permit: [{name:"owner",type:"address"},{name:"spender",type:"address"},{name:"value",type:"uint256"},{name:"nonce",type:"uint256"},{name:"deadline",type:"uint256"},{name:"tags",type:"bytes32[]"},{name:"memo",type:"bytes"},{name:"ok",type:"bool"},{name:"delta",type:"int64"}] };
const pDomain = { name: "Token", chainId: 137 };
const pMsg = { owner: w.address, spender: "0x1111111111111111111111111111111111111111", value: "115792089237316195423570985008687907853269984665640564039457584007913129639935", nonce: 7, deadline: "0x6553f100", tags: ["0x"+"ab".repeat(32), "0x"+"cd".repeat(32)], memo: "0xdeadbeef", ok: true, delta: -5 };
out.permitDigest = TypedDataEncoder.hash(pDomain, pTypes, pMsg);
out.permitSig = await w.signTypedData(pDomain, pTypes, pMsg);
// Transactions on Sepolia
const to = "0xa238b6008Bc2FBd9E386A5d4784511980cE504Cd";
const txs = {};
const mk = async (name, fields, unsignedOverride) => {
  const t = Transaction.from(fields);
  const u = unsignedOverride ? Transaction.from(unsignedOverride).unsignedSerialized : t.unsignedSerialized;
  txs[name] = { unsigned: u, signed: await w.signTransaction(fields), hash: Transaction.from(await w.signTransaction(fields)).hash };
};
await mk("legacy155", { type: 0, to, value: 1n, gasLimit: 21000n, gasPrice: parseUnits("20","gwei"), nonce: 3, chainId: 11155111n, data: "0x1234" });
await mk("legacyNoChain", { type: 0, to, value: 1n, gasLimit: 21000n, gasPrice: parseUnits("20","gwei"), nonce: 4, chainId: 11155111n }, { type: 0, to, value: 1n, gasLimit: 21000n, gasPrice: parseUnits("20","gwei"), nonce: 4 });
await mk("eip2930", { type: 1, to, value: 5n, gasLimit: 30000n, gasPrice: parseUnits("3","gwei"), nonce: 9, chainId: 11155111n, accessList: [{address: to, storageKeys: ["0x"+"00".repeat(31)+"01"]}] });
await mk("eip1559", { type: 2, to, value: 1n, gasLimit: 21000n, maxPriorityFeePerGas: parseUnits("5","gwei"), maxFeePerGas: parseUnits("20","gwei"), nonce: 3, chainId: 11155111n });
await mk("eip1559Create", { type: 2, to: null, value: 0n, gasLimit: 500000n, maxPriorityFeePerGas: 1n, maxFeePerGas: 2n, nonce: 0, chainId: 11155111n, data: "0x6080604052348015600f57600080fd5b50" });
await mk("eip1559Polygon", { type: 2, to, value: 10n**18n, gasLimit: 21000n, maxPriorityFeePerGas: parseUnits("30","gwei"), maxFeePerGas: parseUnits("100","gwei"), nonce: 1, chainId: 137n });
// 7702 authorization signed by another key
const other = new Wallet("0x"+"11".repeat(32));
const auth = await other.authorize({ address: "0x2222222222222222222222222222222222222222", nonce: 5n, chainId: 11155111n });
await mk("eip7702", { type: 4, to, value: 0n, gasLimit: 100000n, maxPriorityFeePerGas: 1n, maxFeePerGas: 2n, nonce: 2, chainId: 11155111n, authorizationList: [auth] });
out.txs = txs;
// Eip7702 authorization signed by w
const a = await w.authorize({ address: "0x63c0c19a282a1B52b07dD5a65b58948A07DAE32B", nonce: 12n, chainId: 11155111n });
out.auth = { address: a.address, nonce: a.nonce.toString(), chainId: a.chainId.toString(), r: a.signature.r, s: a.signature.s, yParity: a.signature.yParity, serialized: a.signature.serialized };
console.log(JSON.stringify(out, null, 1));
})();
