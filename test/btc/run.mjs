// run.mjs runs the Bitcoin transfer suite: it builds custos (unless
// CUSTOS_BIN names a binary), installs btcd v0.25.0 with `go install` into
// .bin (unless BTCD_BIN names one), starts btcd in regtest (--txindex
// --addrindex) on free loopback ports, starts `custos serve` on a fresh
// data directory with --rpc BitcoinRegtest=<btcd> --confirmations
// BitcoinRegtest=1, creates the miner wallet through the SDK, restarts btcd
// with --miningaddr set to that wallet's address and mines 500 blocks to
// it (segwit and taproot activate at 432), then runs every *.test.mjs here with node's test runner through the
// official Dfns SDK. With CUSTOS_TEST_DIALECT=postgres and
// CUSTOS_TEST_POSTGRES, the server gets a database of its own there.
//
// Usage: node run.mjs [file.test.mjs ...]
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { btc, clientFor } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const START_TIMEOUT_MS = 60_000;
const SUITE_TIMEOUT_MS = 5 * 60_000;
const MINED = 500;
const tmp = mkdtempSync(path.join(os.tmpdir(), 'custos-btc-'));
const live = new Set();

function cleanup() {
  for (const child of live) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
  rmSync(tmp, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    cleanup();
    process.exit(130);
  });
}

function run(cmd, args, opts, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...opts });
    live.add(child);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (err) => {
      clearTimeout(timer);
      live.delete(child);
      reject(err);
    });
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      live.delete(child);
      resolve(code ?? (signal ? 128 : 1));
    });
  });
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** waitFor spawns cmd and resolves with the child once a stdout line matches re. */
async function waitFor(cmd, args, re, logPath) {
  const log = createWriteStream(logPath);
  const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.stderr.pipe(log, { end: false });
  let out = '';
  let timer;
  try {
    const m = await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`${path.basename(cmd)} did not start in time`)), START_TIMEOUT_MS);
      child.stdout.on('data', (chunk) => {
        log.write(chunk);
        out += chunk;
        const m = out.match(re);
        if (m) resolve(m);
      });
      child.once('exit', (code) => reject(new Error(`${path.basename(cmd)} exited (code ${code})`)));
    });
    return { child, match: m };
  } catch (err) {
    child.kill('SIGKILL');
    console.error(tail(logPath, 30));
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

function tail(file, lines) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

function psql(pgURL, sql) {
  const base = '/usr/lib/postgresql';
  const v = readdirSync(base).sort((a, b) => Number(b) - Number(a))[0];
  const u = new URL(pgURL);
  u.searchParams.delete('pool_max_conns');
  execFileSync(path.join(base, v, 'bin', 'psql'), ['--no-psqlrc', '-q', '-v', 'ON_ERROR_STOP=1', '-d', u.toString(), '-c', sql], {
    stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000,
  });
}

/** startBtcd starts btcd in regtest on rpcPort with its data in dir and waits until its RPC answers. */
async function startBtcd(bin, dir, rpcPort, url, miningAddr) {
  const args = ['--regtest', '--txindex', '--addrindex', '--notls', '--nolisten', '--rpcuser=custos', '--rpcpass=regtest',
    `--rpclisten=127.0.0.1:${rpcPort}`, `--datadir=${path.join(dir, 'data')}`, `--logdir=${path.join(dir, 'logs')}`];
  if (miningAddr) args.push(`--miningaddr=${miningAddr}`);
  const log = createWriteStream(path.join(dir, 'btcd.out'), { flags: 'a' });
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', () => live.delete(child));
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

async function main() {
  const files = process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort();
  let bin = process.env.CUSTOS_BIN;
  if (!bin) {
    bin = path.join(tmp, 'custos');
    console.log('# building custos');
    if (await run('go', ['build', '-o', bin, './cmd/custos'], { cwd: repoRoot }, 10 * 60_000) !== 0) return 1;
  }
  let btcdBin = process.env.BTCD_BIN;
  if (!btcdBin) {
    btcdBin = path.join(here, '.bin', 'btcd');
    if (!existsSync(btcdBin)) {
      console.log('# installing btcd v0.25.0 (go install)');
      const env = { ...process.env, GOBIN: path.join(here, '.bin') };
      if (await run('go', ['install', 'github.com/btcsuite/btcd@v0.25.0'], { cwd: tmp, env }, 10 * 60_000) !== 0) return 1;
    }
  }
  const btcdDir = path.join(tmp, 'btcd');
  const btcdPort = await freePort();
  const btcdURL = `http://custos:regtest@127.0.0.1:${btcdPort}`;
  let btcd = await startBtcd(btcdBin, btcdDir, btcdPort, btcdURL);
  console.log(`# btcd 127.0.0.1:${btcdPort}`);

  const pgBase = process.env.CUSTOS_TEST_DIALECT === 'postgres' ? process.env.CUSTOS_TEST_POSTGRES : undefined;
  const port = await freePort();
  const dataDir = path.join(tmp, 'data');
  const args = ['serve', '--data', dataDir, '--addr', `127.0.0.1:${port}`, '--rate-limit', '0',
    '--rpc', `BitcoinRegtest=${btcdURL}`, '--confirmations', 'BitcoinRegtest=1'];
  const dbs = [];
  const dbURL = (name) => {
    psql(pgBase, `CREATE DATABASE ${name}`);
    dbs.push(name);
    const u = new URL(pgBase);
    u.pathname = `/${name}`;
    return u.toString();
  };
  let crashDBs = '';
  if (pgBase) {
    args.push('--db', dbURL(`custos_btc_${process.pid}`));
    crashDBs = [1].map((i) => dbURL(`custos_btc_${process.pid}_crash${i}`)).join(',');
  }
  const logPath = path.join(tmp, 'server.log');
  let code = 1;
  try {
    const srv = await waitFor(bin, args, /serving on (\S+)/, logPath);
    console.log(`# server ${srv.match[1]}`);
    const admin = path.join(dataDir, 'admin.json');
    // The miner: a Custos wallet that btcd's block rewards pay.
    const miner = await clientFor(srv.match[1], admin).wallets.createWallet({ body: { network: 'BitcoinRegtest', name: 'miner' } });
    await stop(btcd);
    btcd = await startBtcd(btcdBin, btcdDir, btcdPort, btcdURL, miner.address);
    // 500 blocks: regtest activates segwit and taproot after three
    // windows of 144 blocks that signal them (BIP-9), at height 432.
    await btc('generate', [MINED], btcdURL);
    console.log(`# miner ${miner.id} ${miner.address}: ${MINED} blocks mined`);
    const env = { ...process.env, CUSTOS_URL: srv.match[1], CUSTOS_ADMIN: admin, BTCD_URL: btcdURL, MINER_WALLET_ID: miner.id, MINED: String(MINED),
      CUSTOS_BIN: bin, CUSTOS_TMP: tmp, CUSTOS_CRASH_DBS: crashDBs };
    code = await run(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', '--test-timeout=240000', ...files],
      { cwd: here, env }, SUITE_TIMEOUT_MS);
    srv.child.kill('SIGTERM');
    if (code !== 0) console.error(`run.mjs: suite failed; last server log lines:\n${tail(logPath, 40)}`);
  } finally {
    btcd.kill('SIGKILL');
    for (const db of dbs) {
      try {
        psql(pgBase, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      } catch (err) {
        console.error(`run.mjs: drop ${db}: ${err.message}`);
      }
    }
  }
  return code;
}

main().then((code) => {
  cleanup();
  process.exit(code);
}, (err) => {
  console.error(err);
  cleanup();
  process.exit(1);
});
