package loadgen

import (
	"context"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/custos-dev/custos/client"
	"github.com/custos-dev/custos/internal/apitest"
)

// BenchmarkLeanFlow runs lean flows one after the other against a real
// server. The server runs in this process, so allocs/op and B/op count its
// allocations too; client-allocs/op and client-B/op count only those made
// under the flow's own code, taken from a memory profile of every
// allocation over a separate warm-up of 200 flows.
func BenchmarkLeanFlow(b *testing.B) {
	env := apitest.New(b)
	c := configOf(env, "ed25519")
	signer, err := client.NewKeySigner(c.CredID, c.KeyPEM)
	if err != nil {
		b.Fatal(err)
	}
	keyID, kind, err := prepare(context.Background(), env.SA(b).Client, c.Curve)
	if err != nil {
		b.Fatal(err)
	}
	t, err := newTarget(env.URL, c.Token)
	if err != nil {
		b.Fatal(err)
	}
	f, err := newLeanFlow(t, signer, "/keys/"+keyID+"/signatures", kind)
	if err != nil {
		b.Fatal(err)
	}
	defer f.conn.close()
	ctx := context.Background()
	flow := func() {
		if err := f.run(ctx, time.Now().Add(requestTimeout)); err != nil {
			b.Fatal(err)
		}
	}

	const profiled = 200
	flow() // warm the buffers up
	rate := runtime.MemProfileRate
	runtime.MemProfileRate = 1
	objs0, bytes0 := flowAllocs()
	for range profiled {
		flow()
	}
	objs1, bytes1 := flowAllocs()
	runtime.MemProfileRate = rate

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		flow()
	}
	b.ReportMetric(float64(objs1-objs0)/profiled, "client-allocs/op")
	b.ReportMetric(float64(bytes1-bytes0)/profiled, "client-B/op")
}

// flowAllocs returns the objects and bytes allocated so far, as sampled by
// the memory profile, under leanFlow and conn methods.
func flowAllocs() (objs, bytes int64) {
	// The profile shows allocations as of the last completed collection.
	runtime.GC()
	runtime.GC()
	var recs []runtime.MemProfileRecord
	for {
		n, ok := runtime.MemProfile(recs, true)
		if ok {
			recs = recs[:n]
			break
		}
		recs = make([]runtime.MemProfileRecord, n+64)
	}
	for _, r := range recs {
		frames := runtime.CallersFrames(r.Stack())
		for {
			fr, more := frames.Next()
			if strings.Contains(fr.Function, "loadgen.(*leanFlow).") || strings.Contains(fr.Function, "loadgen.(*conn).") {
				objs += r.AllocObjects
				bytes += r.AllocBytes
				break
			}
			if !more {
				break
			}
		}
	}
	return objs, bytes
}
