// run.mjs builds the Custos server, starts `custos serve` on a free port
// with a temporary data directory, and runs every *.test.mjs file of this
// folder with node's test runner against it (test/lib/harness.mjs). Each
// test checks Custos wallets with a chain's own SDK (addresses and
// signatures).
//
// Usage: node run.mjs [file.test.mjs ...]   (CUSTOS_BIN=path skips the build)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServerSuite } from '../lib/harness.mjs';

await runServerSuite(path.dirname(fileURLToPath(import.meta.url)), 'custos-chainsdk-');
