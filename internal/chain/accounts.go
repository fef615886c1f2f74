package chain

import "encoding/json"

// OnChainAccounts is implemented by adapters of networks whose accounts are
// created on chain rather than derived from the key, and unknown until then
// (Concordium, Canton; docs/protocol/networks-hedera-concordium.md and
// networks-canton.md; Hedera accounts have an alias from the key and do not
// need it). A wallet for which Inactive reports true is created
// with status Inactive, and with no address when Address returns "": the
// key exists and signs, but the chain does not know the account until the
// wallet is activated (POST /wallets/{walletId}/activate).
type OnChainAccounts interface {
	Inactive(network string, key Key) bool
}

// StartsInactive reports whether a new wallet of a on network with key
// starts Inactive.
func StartsInactive(a Adapter, network string, key Key) bool {
	oc, ok := a.(OnChainAccounts)
	return ok && oc.Inactive(network, key)
}

// Activator is implemented by adapters whose Inactive wallets can be asked
// to activate. Activation checks the body of POST
// /wallets/{walletId}/activate for a wallet of key on network and returns
// why Custos cannot carry it out: a 400 naming the malformed field, or a
// 400 naming what the activation needs (a node, a validator) that Custos
// lacks. No adapter activates wallets yet, so it never returns nil.
type Activator interface {
	Activation(network string, key Key, body json.RawMessage) error
}
