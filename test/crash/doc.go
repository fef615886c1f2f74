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
// cycles (it skips under -short). TestCrashSafetyPostgres runs it on a fresh
// database of the PostgreSQL server named by CUSTOS_TEST_POSTGRES (skipped
// without it; scripts/test runs it on its throwaway server): Custos is
// killed, PostgreSQL stays up. A longer run:
//
//	CUSTOS_CRASH_CYCLES=200 go test -count=1 -timeout 60m -run TestCrashSafety -v ./test/crash
//
// On SQLite every 10 cycles start a new organisation in a new data
// directory. On a database server one organisation serves the whole run,
// and every 10 cycles the server moves to a new, empty data directory with
// --master-key-file naming the first one's master.key, as another replica
// would start: it must serve the organisation as it is and write no
// admin.json or master.key of its own.
//
// Environment:
//
//	CUSTOS_CRASH_CYCLES  number of kill/restart cycles (default 20)
//	CUSTOS_CRASH_SEED    seed of the kill moments and the load mix (default: the clock; always printed)
//	CUSTOS_CRASH_BIN     a prebuilt custos binary to test instead of building this tree's
//	CUSTOS_CRASH_DB      database URL passed to `custos serve --db` by TestCrashSafety (default: the
//	                     embedded SQLite of the data directory)
//	CUSTOS_TEST_POSTGRES a PostgreSQL server where TestCrashSafetyPostgres may CREATE DATABASE
//
// The counts (cycles, acknowledged writes, losses, half-created objects,
// replays accepted, actions spent without their write) are printed with -v
// at the end of the run.
package crash
