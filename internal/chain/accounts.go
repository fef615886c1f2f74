package chain

// OnChainAccounts is implemented by adapters of networks whose accounts are
// created on chain rather than derived from the key (Hedera, Concordium,
// Canton; docs/protocol/networks-hedera-concordium.md and
// networks-canton.md). A wallet for which Inactive reports true is created
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
