package chain

import "math/big"

// Outflow is one payment out of a wallet, as the policy rules see it
// (docs/protocol/policies.md §1.2): the recipient, the amount in the
// asset's smallest unit, the asset ("" for the network's native coin, else
// the token's contract or mint) and its decimals (-1 when the request does
// not say).
type Outflow struct {
	To       string
	Amount   *big.Int
	Asset    string
	Decimals int
}
