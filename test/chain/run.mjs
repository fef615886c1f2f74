// run.mjs runs the EVM transfer suite: it builds custos (unless CUSTOS_BIN
// names a binary), starts a real anvil node (npm
// @foundry-rs/anvil-linux-amd64) on a free loopback port with chain id
// 11155111 (EthereumSepolia), starts `custos serve` on a fresh data
// directory with --rpc EthereumSepolia=<anvil> --confirmations
// EthereumSepolia=1, and runs every *.test.mjs here with node's test runner
// through the official Dfns SDK. With CUSTOS_TEST_DIALECT=postgres and
// CUSTOS_TEST_POSTGRES, the server gets a database of its own there. The
// process plumbing is test/lib/harness.mjs.
//
// Usage: node run.mjs [file.test.mjs ...]
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHarness, freePort, pgDatabases, tail, testFiles } from '../lib/harness.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const SUITE_TIMEOUT_MS = 5 * 60_000;
const h = createHarness('custos-chain-');

await h.main(async () => {
  const files = testFiles(here);
  const bin = await h.buildCustos();
  const anvilBin = path.join(here, 'node_modules', '@foundry-rs', 'anvil-linux-amd64', 'bin', 'anvil');
  const anvilPort = await freePort();
  const anvil = await h.waitFor(anvilBin, ['--host', '127.0.0.1', '--port', String(anvilPort), '--chain-id', '11155111'],
    /Listening on (\S+)/, path.join(h.tmp, 'anvil.log'));
  const anvilURL = `http://127.0.0.1:${anvilPort}`;
  console.log(`# anvil ${anvilURL}`);
  // A second anvil without EIP-1559 (the berlin hardfork: blocks have no
  // base fee), standing for BscTestnet (chain id 97): legacy.test.mjs.
  const legacyPort = await freePort();
  const legacy = await h.waitFor(anvilBin, ['--host', '127.0.0.1', '--port', String(legacyPort), '--chain-id', '97', '--hardfork', 'berlin'],
    /Listening on (\S+)/, path.join(h.tmp, 'anvil-legacy.log'));
  const legacyURL = `http://127.0.0.1:${legacyPort}`;
  console.log(`# anvil (berlin) ${legacyURL}`);

  const args = ['--rate-limit', '0', '--rpc', `EthereumSepolia=${anvilURL}`, '--confirmations', 'EthereumSepolia=1',
    '--rpc', `BscTestnet=${legacyURL}`, '--confirmations', 'BscTestnet=1'];
  // On PostgreSQL: a database for the server, and one for each server the
  // crash tests start.
  const pg = pgDatabases();
  let crashDBs = '';
  if (pg.url) {
    args.push('--db', pg.create(`custos_chain_${process.pid}`));
    crashDBs = [1, 2].map((i) => pg.create(`custos_chain_${process.pid}_crash${i}`)).join(',');
  }
  try {
    const srv = await h.startCustos(bin, 'chain', args);
    console.log(`# server ${srv.url}`);
    const env = { ...process.env, CUSTOS_URL: srv.url, CUSTOS_ADMIN: path.join(srv.dataDir, 'admin.json'), ANVIL_URL: anvilURL, ANVIL_LEGACY_URL: legacyURL,
      CUSTOS_BIN: bin, CUSTOS_TMP: h.tmp, CUSTOS_CRASH_DBS: crashDBs };
    const code = await h.run(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', '--test-timeout=240000', ...files],
      { cwd: here, env }, SUITE_TIMEOUT_MS);
    srv.child.kill('SIGTERM');
    if (code !== 0) console.error(`run.mjs: suite failed; last server log lines:\n${tail(srv.logPath, 40)}`);
    return code;
  } finally {
    anvil.child.kill('SIGKILL');
    legacy.child.kill('SIGKILL');
    pg.dropAll();
  }
});
