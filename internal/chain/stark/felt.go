package stark

import (
	"errors"
	"math/big"

	"golang.org/x/crypto/sha3"
)

// mask250 keeps the low 250 bits of a Keccak-256 digest.
var mask250 = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 250), big.NewInt(1))

// Keccak is Starknet's sn_keccak: Keccak-256 of data, truncated to its low
// 250 bits (entry-point selectors and typed-data type hashes).
func Keccak(data []byte) *big.Int {
	h := sha3.NewLegacyKeccak256()
	h.Write(data)
	return new(big.Int).And(new(big.Int).SetBytes(h.Sum(nil)), mask250)
}

// ShortString encodes an ASCII string of at most 31 characters as the
// field element whose big-endian bytes are its characters (Cairo short
// strings).
func ShortString(s string) (*big.Int, error) {
	if len(s) > 31 {
		return nil, errors.New("stark: short string longer than 31 characters")
	}
	for i := range len(s) {
		if s[i] >= 0x80 {
			return nil, errors.New("stark: short string is not ASCII")
		}
	}
	return new(big.Int).SetBytes([]byte(s)), nil
}

// addrBound is 2^251 - 256: contract addresses are reduced below it.
var addrBound = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 251), big.NewInt(256))

// contractAddressPrefix is the short string "STARKNET_CONTRACT_ADDRESS".
var contractAddressPrefix = new(big.Int).SetBytes([]byte("STARKNET_CONTRACT_ADDRESS"))

// ContractAddress computes the address of a contract of class classHash
// deployed by deployer with salt and constructor calldata:
// H(prefix, deployer, salt, classHash, H(calldata)) mod 2^251-256, H being
// PedersenOnElements.
func ContractAddress(salt, classHash *big.Int, calldata []*big.Int, deployer *big.Int) *big.Int {
	h := PedersenOnElements([]*big.Int{contractAddressPrefix, deployer, salt, classHash, PedersenOnElements(calldata)})
	return h.Mod(h, addrBound)
}

// InField reports whether v is a field element (0 ≤ v < P).
func InField(v *big.Int) bool { return v.Sign() >= 0 && v.Cmp(P) < 0 }
