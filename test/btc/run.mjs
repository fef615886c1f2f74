// run.mjs runs the Bitcoin transfer suite: it builds custos (unless
// CUSTOS_BIN names a binary), installs btcd v0.25.0 with `go install` into
// .bin (unless BTCD_BIN names one), starts btcd in regtest (--txindex
// --addrindex) on free loopback ports, starts `custos serve` on a fresh
// data directory with --rpc BitcoinRegtest=<btcd> --confirmations
// BitcoinRegtest=1, creates the miner wallet through the SDK, restarts btcd
// with --miningaddr set to that wallet's address and mines 500 blocks to
// it (segwit and taproot activate at 432), then runs every *.test.mjs here with node's test runner through the
// official Dfns SDK. With CUSTOS_TEST_DIALECT=postgres and
// CUSTOS_TEST_POSTGRES, the server gets a database of its own there. The
// process plumbing is test/lib/harness.mjs.
//
// Usage: node run.mjs [file.test.mjs ...]
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHarness, freePort, pgDatabases, tail, testFiles } from '../lib/harness.mjs';
import { btc, clientFor } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 60_000;
const SUITE_TIMEOUT_MS = 5 * 60_000;
const MINED = 500;
const h = createHarness('custos-btc-');

/** startBtcd starts btcd in regtest on rpcPort with its data in dir and waits until its RPC answers. */
async function startBtcd(bin, dir, rpcPort, url, miningAddr) {
  const args = ['--regtest', '--txindex', '--addrindex', '--notls', '--nolisten', '--rpcuser=custos', '--rpcpass=regtest',
    `--rpclisten=127.0.0.1:${rpcPort}`, `--datadir=${path.join(dir, 'data')}`, `--logdir=${path.join(dir, 'logs')}`];
  if (miningAddr) args.push(`--miningaddr=${miningAddr}`);
  mkdirSync(dir, { recursive: true }); // the log opens before btcd makes its data directory
  const log = createWriteStream(path.join(dir, 'btcd.out'), { flags: 'a' });
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  h.live.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', () => h.live.delete(child));
  const end = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`btcd exited (code ${child.exitCode}):\n${tail(path.join(dir, 'btcd.out'), 20)}`);
    try {
      await btc('getblockcount', [], url);
      return child;
    } catch {
      if (Date.now() > end) throw new Error('btcd did not start in time');
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

/** stop sends SIGTERM to child and waits for it to exit. */
function stop(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGTERM');
  });
}

/** btcdBinary returns BTCD_BIN, or btcd v0.25.0 installed with go install into .bin. */
async function btcdBinary() {
  if (process.env.BTCD_BIN) return process.env.BTCD_BIN;
  const bin = path.join(here, '.bin', 'btcd');
  if (!existsSync(bin)) {
    console.log('# installing btcd v0.25.0 (go install)');
    const env = { ...process.env, GOBIN: path.join(here, '.bin') };
    if (await h.run('go', ['install', 'github.com/btcsuite/btcd@v0.25.0'], { cwd: h.tmp, env }, 10 * 60_000) !== 0) {
      throw new Error('go install btcd failed');
    }
  }
  return bin;
}

await h.main(async () => {
  const files = testFiles(here);
  const bin = await h.buildCustos();
  const btcdBin = await btcdBinary();
  const btcdDir = path.join(h.tmp, 'btcd');
  const btcdPort = await freePort();
  const btcdURL = `http://custos:regtest@127.0.0.1:${btcdPort}`;
  let btcd = await startBtcd(btcdBin, btcdDir, btcdPort, btcdURL);
  console.log(`# btcd 127.0.0.1:${btcdPort}`);

  const args = ['--rate-limit', '0', '--rpc', `BitcoinRegtest=${btcdURL}`, '--confirmations', 'BitcoinRegtest=1'];
  const pg = pgDatabases();
  let crashDBs = '';
  if (pg.url) {
    args.push('--db', pg.create(`custos_btc_${process.pid}`));
    crashDBs = pg.create(`custos_btc_${process.pid}_crash1`);
  }
  try {
    const srv = await h.startCustos(bin, 'btc', args);
    console.log(`# server ${srv.url}`);
    const admin = path.join(srv.dataDir, 'admin.json');
    // The miner: a Custos wallet that btcd's block rewards pay.
    const miner = await clientFor(srv.url, admin).wallets.createWallet({ body: { network: 'BitcoinRegtest', name: 'miner' } });
    await stop(btcd);
    btcd = await startBtcd(btcdBin, btcdDir, btcdPort, btcdURL, miner.address);
    // 500 blocks: regtest activates segwit and taproot after three
    // windows of 144 blocks that signal them (BIP-9), at height 432.
    await btc('generate', [MINED], btcdURL);
    console.log(`# miner ${miner.id} ${miner.address}: ${MINED} blocks mined`);
    const env = { ...process.env, CUSTOS_URL: srv.url, CUSTOS_ADMIN: admin, BTCD_URL: btcdURL, MINER_WALLET_ID: miner.id,
      MINED: String(MINED), CUSTOS_BIN: bin, CUSTOS_TMP: h.tmp, CUSTOS_CRASH_DBS: crashDBs };
    const code = await h.run(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', '--test-timeout=240000', ...files],
      { cwd: here, env }, SUITE_TIMEOUT_MS);
    srv.child.kill('SIGTERM');
    if (code !== 0) console.error(`run.mjs: suite failed; last server log lines:\n${tail(srv.logPath, 40)}`);
    return code;
  } finally {
    btcd.kill('SIGKILL');
    pg.dropAll();
  }
});
