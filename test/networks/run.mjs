// run.mjs builds the Custos server once, starts `custos serve` on a fresh
// data directory and a free loopback port, then runs every *.test.mjs file
// of this folder with node's test runner against it (test/lib/harness.mjs).
// Each test file checks one chain family with that chain's own SDK: the
// address Custos returns, and transactions the SDK builds, signs through
// Custos and verifies.
//
// Usage: node run.mjs [file.test.mjs ...]   (CUSTOS_BIN=path skips the build)
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { runServerSuite } from '../lib/harness.mjs';

// Rate limits off: every-network.test.mjs alone makes some 350 requests a
// minute (test/sdk runs with the default limits).
await runServerSuite(path.dirname(fileURLToPath(import.meta.url)), 'custos-nets-', ['--rate-limit', '0']);
