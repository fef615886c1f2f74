package loadgen

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"
)

// The floor runs its three steps for real: the complete step's signature
// verifies on the server, so a run has no errors; a wrong credential
// makes every flow fail.
func TestFloorRun(t *testing.T) {
	srv := httptest.NewServer(FloorHandler())
	defer srv.Close()
	r, err := Run(context.Background(), Config{BaseURL: srv.URL, Floor: true, Concurrency: 2, Duration: 10 * time.Second, MaxFlows: 40})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.Flows < 40 || r.FirstError != "" || r.P50 <= 0 {
		t.Fatalf("floor run: %+v", r)
	}

	saved := floorCred
	floorCred = make([]byte, len(saved))
	copy(floorCred, saved)
	floorCred[0] ^= 1 // another seed, another key
	defer func() { floorCred = saved }()
	r, err = Run(context.Background(), Config{BaseURL: srv.URL, Floor: true, Concurrency: 1, Duration: 10 * time.Second, MaxFlows: 3})
	if err != nil {
		t.Fatal(err)
	}
	if r.Flows != 0 || r.Errors == 0 {
		t.Fatalf("floor run with a wrong credential: %+v", r)
	}
}
