// Package btc is the chain adapter for the Bitcoin family: Bitcoin (mainnet,
// Signet, Testnet4, Testnet3) and Litecoin (mainnet, testnet). It derives
// wallet addresses from secp256k1 keys and signs PSBTs, BIP-322 messages and
// raw hashes through a chain.Signer; it never sees private keys.
//
// # What Dfns documents (and where we read it)
//
// Kinds. Bitcoin and Litecoin wallets accept the signature kinds Psbt and
// Bip322 (docs.dfns.co/api-reference/raw-transactions/bitcoin;
// docs.dfns.co/d/api-docs/keys/generate-signature/bitcoin). Hash is accepted
// for every key (docs/protocol/keys-wallets.md §3); we accept it on these networks too.
//
// Psbt. Request {"kind":"Psbt","psbt":"0x70736274ff…"}: the PSBT is hex with a
// 0x prefix (base64 is not documented). The 200 response (example, network
// BitcoinTestnet3, one P2WPKH input) carries
//   - "signatures": one {r, s, recid, encoded} per signed input, r and s 0x hex,
//     encoded = the DER signature WITHOUT the sighash byte;
//   - "signedData": the same PSBT, not finalized, with a PSBT_IN_PARTIAL_SIG
//     (key 0x02‖pubkey, value DER‖0x01) added to the input, 0x hex.
//
// Sources: dfnsco-external/documentation
// api-docs/wallets/generate-signature-from-wallet/bitcoin-generate-signature.md
// (commit dd1083398e8374e76e3d13440bc8d21e175e4e8d) and dfns/dfns-api-docs, same
// path (commit 16c96c6972a8482962d23a4f566e63dee0ca7efb). The tests replay that
// example byte for byte.
//
// Bip322. Request {"kind":"Bip322","message":"0x49206c6f76652044666e73",
// "format"?: "Simple"|"Full"}: message is hex; format defaults to Simple; "the
// formatted signature is returned in the signedData field". The response
// example (P2WPKH) has "signature": {r, s, recid, encoded=DER} and
// "signedData": "0x0248…01 21 03e6…": the BIP-322 simple signature, i.e. the
// consensus-encoded witness stack, in 0x HEX (the BIP itself says base64; Dfns
// returns hex, so do we). Full returns the signed to_sign transaction in the
// same 0x hex encoding (inferred: not shown in any Dfns example). Sources: the
// documentation file above; npm @dfns/sdk 0.8.21 generated/keys/types.d.ts
// (Bip322 field docs). The tests replay the Dfns example byte for byte.
//
// Hash. Request {"kind":"Hash","hash":"0x<32 bytes>","taprootMerkleRoot"?}.
// @dfns/sdk 0.8.21 generated/keys/types.d.ts: taprootMerkleRoot is "Required
// when signing with a Schnorr key. Specify the merkle root for tweaking the
// signing key, or the empty string "" to tweak with the default merkle root."
// So "" is the BIP-86 key-path tweak (t = H_TapTweak(P.x)), a 32-byte hex
// root r gives t = H_TapTweak(P.x‖r), and a missing field with a Schnorr key
// is a 400. The ECDSA response in the 2024 docs is {r, s, recid} (dfns/dfns-api-docs
// api-docs/wallets/generate-signature-from-wallet/pseudo-networks-all-other-chains-generate-signature.md);
// we add encoded = DER as on the Psbt response (inferred). Schnorr responses
// are {r = R.x, s, encoded = the 64-byte BIP-340 signature}, no recid
// (inferred).
//
// # Address types
//
// ECDSA/secp256k1 keys get native segwit v0 P2WPKH (bech32, BIP-84 style);
// Schnorr/secp256k1 keys get Taproot P2TR (bech32m) with the BIP-86 output key
// Q = P + H_TapTweak(P.x)·G, i.e. key-path only with no script tree. The first
// is what the Dfns Psbt example spends (witness UTXO 0014…); the second is
// inferred from the "default merkle root" wording above and BIP-86.
//
// Networks and HRPs: Bitcoin "bc"; BitcoinSignet, BitcoinTestnet4 and
// BitcoinTestnet3 "tb" (btcd chaincfg); Litecoin "ltc", LitecoinTestnet "tltc"
// (litecoin-project/litecoin src/chainparams.cpp, commit
// 17f16cef406cb3fdc14e25070f480298128254de: bech32_hrp, base58 prefixes 48/50
// and 111/58; Taproot is deployed on both Litecoin networks there).
//
// # Signing rules
//
// Psbt: every input whose UTXO (witness_utxo, or the non_witness_utxo output it
// spends) pays to this wallet's script is signed; finalized inputs and inputs
// of other scripts are left as they are; if none matches the request is a 400.
// P2WPKH inputs use the BIP-143 digest with the input's sighash type (default
// ALL) and get a partial signature. P2TR inputs use the BIP-341 key-path
// digest with the input's sighash type (default DEFAULT), which needs the UTXO
// of every input (400 if one is missing), and get PSBT_IN_TAP_KEY_SIG (64 bytes,
// or 65 with the sighash byte when it is not DEFAULT); their entries in
// "signatures" are {r, s, encoded = the 64-byte signature} without recid
// (inferred). Every signature is verified against the wallet key before it is
// returned; a Signer that fails or returns a bad signature is a server error.
//
// Bip322: to_spend/to_sign as in BIP-322 (version 0, lock time 0, sequence 0);
// P2WPKH witnesses are [DER‖0x01, pubkey] (SIGHASH_ALL), P2TR witnesses are
// [64-byte signature] (SIGHASH_DEFAULT).
package btc
