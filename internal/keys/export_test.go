package keys

import "math/big"

// Ed25519ScalarForTest exposes ed25519Scalar to the external tests.
func Ed25519ScalarForTest(seed []byte) *big.Int { return ed25519Scalar(seed) }
