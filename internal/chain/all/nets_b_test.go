package all

import (
	"testing"

	"github.com/custos-dev/custos/internal/chain"
)

// TestAccountFamilies: every network of the Stellar, Algorand, Aptos,
// Sui/IOTA, Tezos, Substrate, TON and Cardano adapters is served, with an
// ed25519 key by default, and derives an address from one.
func TestAccountFamilies(t *testing.T) {
	t.Parallel()
	key := chain.Key{Scheme: chain.SchemeEdDSA, Curve: chain.CurveEd25519, PublicKey: make([]byte, 32)}
	for _, n := range []string{
		"Stellar", "StellarTestnet", "Algorand", "AlgorandTestnet", "Aptos", "AptosTestnet", "Movement", "MovementTestnet",
		"Sui", "SuiTestnet", "Iota", "IotaTestnet", "Tezos", "TezosGhostnet", "TezosShadownet",
		"Polkadot", "PolkadotAssetHub", "Kusama", "KusamaAssetHub", "Westend", "WestendAssetHub", "Paseo", "PaseoAssetHub",
		"Polymesh", "PolymeshTestnet", "Ton", "TonTestnet", "Ion", "IonTestnet", "Cardano", "CardanoPreprod",
	} {
		a, ok := For(n)
		if !ok {
			t.Errorf("%s: not served", n)
			continue
		}
		if s, c, _ := DefaultKey(n); s != chain.SchemeEdDSA || c != chain.CurveEd25519 {
			t.Errorf("%s: default key %s/%s", n, s, c)
		}
		if addr, err := a.Address(n, key); err != nil || addr == "" {
			t.Errorf("%s: address %q %v", n, addr, err)
		}
	}
}
