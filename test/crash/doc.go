// Package crash holds the crash-safety harness of Custos (issue 8): it
// builds the real `custos` binary, runs `custos serve` as a child process,
// drives a signed writer load through the HTTP API at concurrency 16 (user,
// service account and wallet creation, signature requests), kills the server
// with SIGKILL at a random moment, restarts it on the same data and checks
// that every write acknowledged with a 2xx is present and intact, that no
// object is left half-created, that no user action is accepted twice
// across the crash, and that no user action is spent without its write (a
// request in flight at the crash either stored its object or can be
// replayed: the action is consumed in the unit of work that stores it).
//
// The harness is the test TestCrashSafety; `go test ./...` runs it with 20
// cycles (it skips under -short). A longer run:
//
//	CUSTOS_CRASH_CYCLES=200 go test -count=1 -timeout 60m -run TestCrashSafety -v ./test/crash
//
// Environment:
//
//	CUSTOS_CRASH_CYCLES  number of kill/restart cycles (default 20)
//	CUSTOS_CRASH_SEED    seed of the kill moments and the load mix (default: the clock; always printed)
//	CUSTOS_CRASH_BIN     a prebuilt custos binary to test instead of building this tree's
//	CUSTOS_CRASH_DB      database URL passed to `custos serve --db` (default: the embedded SQLite of
//	                     the data directory); with it, one organisation serves the whole run
//
// The counts (cycles, acknowledged writes, losses, half-created objects,
// replays accepted, actions spent without their write) are printed with -v
// at the end of the run.
package crash
