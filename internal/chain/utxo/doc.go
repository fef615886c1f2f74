// Package utxo is the chain adapter for the P2PKH UTXO chains Bitcoin Cash
// (BitcoinCash, BitcoinCashTestnet) and Dogecoin (Dogecoin,
// DogecoinTestnet). Wallets are backed by ECDSA secp256k1 keys; addresses
// are CashAddr P2PKH on Bitcoin Cash and base58check P2PKH on Dogecoin.
// Signature kinds: Psbt (every input paying to the wallet gets a partial
// signature; Bitcoin Cash inputs are signed with SIGHASH_FORKID over the
// BIP-143 layout, Dogecoin inputs with the legacy digest) and Hash. The
// choices and their sources are in docs/protocol/networks-utxo.md.
package utxo
