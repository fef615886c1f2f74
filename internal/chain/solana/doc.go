// Package solana is the chain adapter for the networks Solana and
// SolanaDevnet.
//
// # Wire facts (from public Dfns sources)
//
//   - Keys are EdDSA/ed25519; the wallet address is the base58 of the 32-byte
//     public key (dfns/dfns-sdk-ts packages/lib-solana/index.ts: refuses keys
//     that are not EdDSA/ed25519 and uses new PublicKey(signingKey.publicKey)
//     .toBase58() as the address).
//   - Transaction: {"kind":"Transaction","transaction":"0x…"} where
//     transaction is the serialized unsigned transaction in HEX (not base64),
//     including its zero-filled placeholder signatures: "Solana web3.js
//     expects the serialized transaction to include 0-padded placeholder
//     signatures … such as the Go SDK, please make sure to include the
//     placeholder signatures" (docs.dfns.co api-reference/sign/solana.md;
//     dfns/dfns-api-docs api-docs/wallets/generate-signature-from-wallet/
//     solana-generate-signature.md, "Hex String"). lib-solana sends
//     transaction.serialize({verifySignatures:false}) for legacy and
//     VersionedTransaction.serialize() for v0 transactions, both hex.
//   - The response (solana-generate-signature.md, 200 example, network
//     SolanaDevnet, a v0 transaction): signature.r is the first 32 bytes of
//     the ed25519 signature, signature.s the last 32, signature.encoded the
//     64-byte r||s, no recid; signedData is 0x hex of the whole transaction
//     with the signature written into the signer's slot (there the first and
//     only slot). The example signature verifies with crypto/ed25519 over
//     the message bytes (everything after the signature section) under the
//     first account key; solana_test.go pins it byte for byte.
//     lib-solana decodes signedData as hex (Transaction.from /
//     VersionedTransaction.deserialize).
//   - Message: {"kind":"Message","message":"0x…"} signs the raw bytes with
//     pure ed25519; lib-solana uses it with wallets not bound to a Solana
//     network and rebuilds the signature as r||s. The Solana pages list only
//     Transaction; Message follows the generic EdDSA rule (docs.dfns.co
//     d/api-docs/keys/generate-signature) and returns r and s only, as the
//     KeyEdDSA examples do.
//
// A transaction whose wallet is not among the message's required signers,
// whose signature count differs from the header's, that does not decode,
// carries trailing bytes, names a message version other than legacy or v0,
// or exceeds Solana's 1232-byte packet limit is a 400.
package solana
