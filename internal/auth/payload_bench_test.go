package auth

import (
	"strings"
	"testing"
)

func BenchmarkPayloadDigests(b *testing.B) {
	for _, tc := range []struct{ name, p string }{
		{"signature", `{"kind":"Hash","hash":"0x031edd7d41651593c5fe5c006fa5752b37fddff7bc4e843aa6af0c950f4b9406","externalId":"ext-1234"}`},
		{"600kB", `{"network":"EthereumSepolia","name":"` + strings.Repeat("x", 600_000) + `"}`},
	} {
		in := []byte(tc.p)
		b.Run(tc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(in)))
			for b.Loop() {
				if _, _, err := payloadDigests(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkMatchesPayload(b *testing.B) {
	p := []byte(`{"kind":"Hash","hash":"0x031edd7d41651593c5fe5c006fa5752b37fddff7bc4e843aa6af0c950f4b9406","externalId":"ext-1234"}`)
	raw, canon, _ := payloadDigests(p)
	b.ReportAllocs()
	for b.Loop() {
		if !matchesPayload(raw, canon, p) {
			b.Fatal("no match")
		}
	}
}
