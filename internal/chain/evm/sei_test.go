package evm

import "testing"

// TestSeiSignDocDirect: the Sei networks sign SignDocDirect (their Cosmos
// side, as Dfns' Cosmos library asks); other EVM networks refuse it.
func TestSeiSignDocDirect(t *testing.T) {
	t.Parallel()
	// SignDoc{body_bytes: "b", auth_info_bytes: "a", chain_id: "pacific-1"}.
	doc := `{"kind":"SignDocDirect","signDoc":"0x0a01621201611a09706163696669632d31"}`
	for _, n := range []string{"SeiPacific1", "SeiAtlantic2"} {
		res := mustSign(t, n, "SignDocDirect", doc)
		if res.Signature == nil || len(res.Signature.Encoded) != 2+128 || res.SignedData == "" {
			t.Fatalf("%s: %+v", n, res)
		}
	}
	_, err := sign(t, "Ethereum", "SignDocDirect", doc)
	want400(t, err)
}
