package httpapi_test

import "github.com/custos-dev/custos/internal/chain/all"

// unservedNetwork returns a Dfns network name no adapter serves yet and the
// words of the 400 it answers; once every name is served, an unknown name
// and its 400. Tests take it here so they keep passing as families land.
func unservedNetwork() (network, says string) {
	if u := all.Unserved(); len(u) > 0 {
		return u[0], "network " + u[0] + " not supported yet"
	}
	return "NotADfnsNetwork", "unknown network"
}
