// Package custody keeps private keys encrypted at rest and turns them into
// chain.Signer values when a signature is needed.
//
// # What the wire expects of a key (as read from public Dfns sources)
//
//   - Schemes and curves: ECDSA/secp256k1, EdDSA/ed25519 and Schnorr/secp256k1
//     are the pairs Custos serves (docs/protocol/keys-wallets.md §2; dfns/dfns-sdk-go
//     types/types.go KeyScheme, KeyCurve). ECDSA/stark and DH are not offered;
//     asking for them is a 400.
//   - Key.publicKey is hex: the 33-byte compressed SEC1 point for secp256k1 keys
//     (ECDSA and Schnorr alike) and the 32-byte ed25519 public key
//     (docs/protocol/keys-wallets.md §2.2; dfns/dfns-sdk-ts packages/lib-solana/index.ts reads
//     signingKey.publicKey as the 32 raw ed25519 bytes in hex).
//     chain.Key.PublicKey holds the same bytes.
//   - Signatures come back split into r and s (0x hex, 32 bytes each) plus recid
//     for ECDSA; for ed25519 and BIP-340 r is the 32-byte R and s the 32-byte
//     scalar, so r||s is the 64-byte signature (dfns/dfns-api-docs
//     api-docs/wallets/generate-signature-from-wallet/solana-generate-signature.md
//     response: encoded = r||s; dfns/dfns-sdk-ts packages/lib-solana/index.ts
//     combineSignature concatenates r and s). The adapters in internal/chain
//     build that encoding; this package only returns raw bytes.
//   - Schnorr keys sign a 32-byte hash tweaked as a BIP-341 taproot output key:
//     taprootMerkleRoot is "required when signing with a Schnorr key ... or the
//     empty string to tweak with the default merkle root" (docs.dfns.co
//     d/api-docs/keys/generate-signature). The adapter computes the tweak; the
//     signer applies it (chain.Signer.SignSchnorr).
//
// # At rest
//
// A Keyring holds the active key-encryption key (KEK) and older ones by id.
// Seal encrypts with AES-256-GCM under the active KEK, a fresh random 12-byte
// nonce prepended to the ciphertext; the additional data (aad) binds the
// ciphertext to its row (callers pass e.g. org id and key id), so a ciphertext
// copied to another row does not open. Rewrap moves a ciphertext to the active
// KEK after a rotation.
//
// # Backends
//
// Backend is the seam for HSM and MPC custody. Local is the software backend:
// secp256k1 through github.com/decred/dcrd/dcrec/secp256k1/v4 (RFC 6979 ECDSA
// with low S and a recovery id), BIP-340 Schnorr through
// github.com/btcsuite/btcd/btcec/v2/schnorr (decred's own schnorr package is
// EC-Schnorr-DCRv0, not BIP-340), and ed25519 through crypto/ed25519 with the
// 32-byte seed stored. Material holds only ciphertext; a local signer opens it
// for each signature and zeroes the plaintext right after, so no plaintext key
// outlives a call. Plaintext keys never reach logs or error messages.
package custody
