// run.mjs runs the Solana transfer suite against a JSON-RPC shim around
// litesvm (shim.mjs: a Solana runtime that verifies and executes every
// transaction; not a validator — no Solana validator can be installed
// here). It builds custos (unless CUSTOS_BIN names a binary), starts the
// shim on a free loopback port (a block every 200 ms, standing for
// SolanaDevnet by its genesis hash), starts `custos serve` on a fresh data
// directory with --rpc SolanaDevnet=<shim>, then runs every *.test.mjs
// here with node's test runner through the official Dfns SDK. With
// CUSTOS_TEST_DIALECT=postgres and CUSTOS_TEST_POSTGRES, the servers get
// databases of their own there. The process plumbing is
// test/lib/harness.mjs.
//
// Usage: node run.mjs [file.test.mjs ...]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHarness, freePort, pgDatabases, tail, testFiles } from '../lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUITE_TIMEOUT_MS = 5 * 60_000;
const h = createHarness('custos-sol-');

await h.main(async () => {
  const files = testFiles(here);
  const bin = await h.buildCustos();
  const shimPort = await freePort();
  const shim = await h.waitFor(process.execPath, [path.join(here, 'shim.mjs'), String(shimPort), '200'],
    /shim listening on (\S+)/, path.join(h.tmp, 'shim.log'));
  const shimURL = shim.match[1];
  console.log(`# litesvm shim ${shimURL}`);

  const args = ['--rate-limit', '0', '--rpc', `SolanaDevnet=${shimURL}`];
  const pg = pgDatabases();
  let crashDB = '';
  if (pg.url) {
    args.push('--db', pg.create(`custos_sol_${process.pid}`));
    crashDB = pg.create(`custos_sol_${process.pid}_crash`);
  }
  try {
    const srv = await h.startCustos(bin, 'sol', args);
    console.log(`# server ${srv.url}`);
    const env = { ...process.env, CUSTOS_URL: srv.url, CUSTOS_ADMIN: path.join(srv.dataDir, 'admin.json'), SHIM_URL: shimURL,
      CUSTOS_BIN: bin, CUSTOS_TMP: h.tmp, CUSTOS_CRASH_DB: crashDB };
    const code = await h.run(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', '--test-timeout=240000', ...files],
      { cwd: here, env }, SUITE_TIMEOUT_MS);
    srv.child.kill('SIGTERM');
    if (code !== 0) console.error(`run.mjs: suite failed; last server log lines:\n${tail(srv.logPath, 40)}`);
    return code;
  } finally {
    shim.child.kill('SIGKILL');
    pg.dropAll();
  }
});
