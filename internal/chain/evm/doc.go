// Package evm is the chain adapter for Ethereum and every EVM network
// (networks.go lists them with their chain ids). Wallet keys are ECDSA on
// secp256k1; the address is the EIP-55 checksummed keccak address of the
// uncompressed public key.
//
// # What Dfns documents for EVM signature requests
//
// Sources: dfns/dfns-api-docs
// api-docs/wallets/generate-signature-from-wallet/evm-generate-signature.md
// (2024, kinds Transaction, Message, Eip712, Hash, with response examples);
// docs.dfns.co/api-reference/sign/evm (current: Transaction, Eip191 "Also
// available as Message (they are equivalent)", Eip712, Eip7702; the
// transaction field "accepts either a hex-encoded string or a JSON object"
// EvmTransactionJson whose type is "0 for legacy transaction; 2 for
// EIP-1559 transaction; 4 for EIP-7702 transaction. Default is 2");
// docs-legacy.dfns.co/d/api-docs/keys/generate-signature/evm; npm
// @dfns/sdk 0.8.21 generated/keys/types.d.ts (GenerateSignatureBody,
// GenerateSignatureResponse); npm @dfns/lib-viem 0.3.3 index.js and
// dfns/dfns-sdk-ts packages/lib-ethersjs6/index.ts (how Dfns' own signers
// consume the response).
//
// Requests:
//   - Hash: hash, "32-byte hash in hex encoded format" (a docs example has
//     no 0x prefix, so both forms are accepted). Signed as is.
//   - Message / Eip191: message, hex. Signed as an EIP-191 personal
//     message: keccak256("\x19Ethereum Signed Message:\n" || len || msg).
//     lib-ethersjs6 and lib-viem return Dfns' Message signature as the
//     result of personal_sign for EVM-bound wallets, which fixes this.
//   - Eip712: types (map of name to [{name, type}]), domain {name?,
//     version?, chainId? (number or string), verifyingContract?, salt?},
//     message (object). No primaryType field: it is inferred as the one
//     type no other references (ethers' rule); the EIP712Domain type is
//     derived from the domain fields present unless types defines it.
//     The domain chainId is not checked against the network's (wallets
//     differ on this; nothing in the Dfns docs says).
//   - Transaction: transaction, the unsigned serialized transaction as
//     0x hex (ethers' unsignedSerialized; e.g. the docs' EIP-1559 sample
//     0x02e783aa36a715…c0 for Sepolia), or the EvmTransactionJson object.
//     The docs page shows only the first EvmTransactionJson fields (type,
//     to, value, data, …); the names nonce, gasLimit, gasPrice,
//     maxFeePerGas, maxPriorityFeePerGas, accessList and authorizationList
//     follow the Dfns broadcast templates (api-docs/wallets/
//     broadcast-transaction-from-wallet/evm-broadcast-transaction.md).
//   - Eip7702: address ("The address of the contract the signer's EOA
//     will be delegated to"), nonce (number), chainId (number).
//
// Responses: signature {r, s, recid, encoded} with r and s 0x hex of 32
// bytes and recid 0 or 1. encoded is 0x r || s || v, 65 bytes, with
// v = 27 + recid: the one unredacted docs example (Eip712, recid 1) ends in
// 0x1c, and lib-ethersjs6/lib-viem rebuild the same form (v = recid ? 28 :
// 27). The same encoding is used for every kind (the docs' other examples
// are redacted). signedData is set for Transaction only: the signed
// transaction in its network encoding (docs example
// 0x02f86a83aa36a716…c080a0<r>a0<s>), which lib-ethersjs6 returns as is.
// Nothing documents signedData for Eip7702, so it is left empty.
//
// Not done: blob transactions (type 3) and chain-specific transaction types
// (e.g. Celo's), Eip712 with an empty domain object (go-ethereum's encoder
// refuses it), and chain-agnostic (chainId 0) EIP-7702 authorizations.
package evm
