// Package keyonly is the chain adapter for the pseudo-networks KeyECDSA and
// KeyEdDSA (key-only wallets with no address), and holds SignGeneric, the
// network-less path of POST /keys/{keyId}/signatures.
//
// # Wire facts (from public Dfns sources)
//
// Request kinds, per docs.dfns.co d/api-docs/keys/generate-signature and
// dfns/dfns-api-docs api-docs/wallets/generate-signature-from-wallet/
// pseudo-networks-all-other-chains-generate-signature.md:
//
//   - Hash: {"kind":"Hash","hash":"0x…"} — "32-byte hash in hex encoded
//     format"; "All cryptographic scheme support hash signing". For Schnorr
//     keys taprootMerkleRoot is "Required when signing with a Schnorr key.
//     Specify the merkle root for tweaking the signing key, or the empty
//     string "" to tweak with the default merkle root", so the key is always
//     tweaked as a BIP-341 output key: t = H_TapTweak(P.x) for "" (BIP-86,
//     no script tree) and t = H_TapTweak(P.x || root) for a 32-byte root.
//     taprootMerkleRoot on a non-Schnorr key is refused here (400).
//   - Message: {"kind":"Message","message":"0x…"} — "EdDSA keys also support
//     signing arbitrary length Message"; "ECDSA with secp256k1 or Stark curve
//     only support" Hash. So Message on an ECDSA or Schnorr key is a 400, and
//     EdDSA signs the raw message bytes (pure ed25519, no prehash).
//
// Response signature, per the same pages' 200 examples:
//
//   - ECDSA Hash (network KeyECDSA): {"r":"0x<32 bytes>","s":"0x<32 bytes>",
//     "recid":0} and no encoded. r and s are the ECDSA scalars, s low;
//     recid is the public key recovery id, 0 or 1 (dfns/dfns-sdk-ts
//     packages/lib-viem/index.ts turns it into v = recid ? 28 : 27).
//   - EdDSA (network KeyEdDSA): {"r","s"} with no recid; r is the 32-byte R
//     and s the 32-byte S of the ed25519 signature, so r||s is the signature
//     (dfns/dfns-sdk-ts packages/lib-solana/index.ts combineSignature).
//   - Schnorr: no Dfns example was found; by analogy r is the 32-byte R.x
//     and s the 32-byte s of the BIP-340 signature (r||s), no recid.
//   - encoded is documented as present "when signing a serialized
//     transaction" (docs.dfns.co d/api-docs/keys/generate-signature), and the
//     Hash/Message examples have none, so this package never sets it; nor
//     signedData.
//
// Hex inputs are accepted with or without the 0x prefix; outputs are 0x and
// lower case.
package keyonly
