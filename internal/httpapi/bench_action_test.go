package httpapi_test

import (
	"testing"

	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/pemkey"
)

// BenchmarkUserActionFlow measures the whole user-action protocol through
// the real HTTP stack: action init, credential signature (client side),
// action, and the signed request itself (PUT /auth/users/{id}).
func BenchmarkUserActionFlow(b *testing.B) {
	for _, algo := range []pemkey.Algo{pemkey.Ed25519, pemkey.P256} {
		b.Run(string(algo), func(b *testing.B) {
			env := apitest.New(b)
			admin := env.User(b, algo, "Auth:Users:Update", "Auth:Users:Create")
			target := env.User(b, pemkey.Ed25519)
			path := "/auth/users/" + target.UserID
			b.ReportAllocs()
			b.ResetTimer()
			for b.Loop() {
				if err := admin.Do(ctx, "PUT", path, `{"isSSORequired":false}`, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
