package utxo

import "github.com/custos-dev/custos/internal/chain/cashaddr"

// cashAddrP2PKH encodes a 20-byte public key hash as a CashAddr P2PKH
// address with prefix (e.g. "bitcoincash").
func cashAddrP2PKH(prefix string, hash160 []byte) string {
	return cashAddr(prefix, 0x00, hash160) // version 0: P2PKH, 160 bits
}

// cashAddr encodes a 20-byte hash under a CashAddr version byte (0x00
// P2PKH, 0x08 P2SH).
func cashAddr(prefix string, version byte, hash160 []byte) string {
	return cashaddr.Encode(prefix, version, hash160)
}
