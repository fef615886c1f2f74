//go:build unix

package httpapi_test

import (
	"context"
	"syscall"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
	"github.com/custos-dev/custos/internal/app"
	"github.com/custos-dev/custos/internal/pemkey"
)

// cpuTime is the CPU time (user + system) this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkPasskeyActionFlow compares a user action signed with a passkey
// (ES256, init → WebAuthn assertion → action → signed PUT) to the same flow
// signed with an ECDSA P-256 Key credential. Client and server share this
// process, so besides ns/op it reports the process CPU per flow and, as
// server-µs/flow, that CPU minus the client's signing (measured alone): the
// client's HTTP work, the same in both flows, stays in.
func BenchmarkPasskeyActionFlow(b *testing.B) {
	env := apitest.New(b, func(c *app.Config) { c.RPID, c.Origins = testRPID, []string{testOrigin} })
	key := env.User(b, pemkey.P256, "Auth:Users:Update")
	pk := client.NewPasskey(testOrigin)
	if _, err := addPasskeyTB(b, key, pk); err != nil {
		b.Fatal(err)
	}
	var who struct {
		Username string `json:"username"`
	}
	if err := env.SA(b).Do(ctx, "GET", "/auth/users/"+key.UserID, nil, &who); err != nil {
		b.Fatal(err)
	}
	tok, err := client.Login(ctx, env.HTTP, env.URL, env.Admin.OrgID, who.Username, pk)
	if err != nil {
		b.Fatal(err)
	}
	passkey := client.New(env.URL, tok, pk)
	passkey.HTTP = env.HTTP
	target := env.User(b, pemkey.Ed25519)
	path := "/auth/users/" + target.UserID
	for _, tc := range []struct {
		name   string
		c      *client.Client
		signer client.Signer
	}{{"key-p256", key.Client, key.Signer}, {"passkey-es256", passkey, pk}} {
		b.Run(tc.name, func(b *testing.B) {
			ch, err := tc.c.ActionInit(ctx, "PUT", path, []byte(`{"isSSORequired":false}`))
			if err != nil {
				b.Fatal(err)
			}
			start := cpuTime()
			n := 0
			for b.Loop() {
				if err := tc.c.Do(ctx, "PUT", path, `{"isSSORequired":false}`, nil); err != nil {
					b.Fatal(err)
				}
				n++
			}
			total := cpuTime() - start
			b.StopTimer()
			signStart := cpuTime()
			for i := 0; i < n; i++ {
				if _, err := tc.signer.Sign(context.Background(), ch); err != nil {
					b.Fatal(err)
				}
			}
			sign := cpuTime() - signStart
			b.ReportMetric(float64(total.Microseconds())/float64(n), "cpu-µs/flow")
			b.ReportMetric(float64((total-sign).Microseconds())/float64(n), "server-µs/flow")
		})
	}
}

// addPasskeyTB is addPasskey for benchmarks.
func addPasskeyTB(tb testing.TB, id *apitest.Identity, pk *client.Passkey) (*client.RegistrationChallenge, error) {
	var ch client.RegistrationChallenge
	if err := id.Do(ctx, "POST", "/auth/credentials/init", map[string]string{"kind": "Fido2"}, &ch); err != nil {
		return nil, err
	}
	info, err := pk.Create(&ch)
	if err != nil {
		return nil, err
	}
	return &ch, id.Do(ctx, "POST", "/auth/credentials", map[string]any{"challengeIdentifier": ch.ChallengeIdentifier,
		"credentialKind": "Fido2", "credentialInfo": info}, nil)
}
