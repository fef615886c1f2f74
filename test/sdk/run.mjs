// run.mjs builds the Custos server once, then runs every *.test.mjs file of
// this folder with node's test runner twice: against `custos serve` over HTTP
// and over --tls. Each run gets its own server (free port, temporary data
// directory); the TLS run passes the server's self-signed certificate to the
// test process through NODE_EXTRA_CA_CERTS, which node reads only at start.
//
// With CUSTOS_TEST_DIALECT=postgres and CUSTOS_TEST_POSTGRES (a postgres://
// URL of a role that may CREATE DATABASE; scripts/test starts a throwaway
// server), each run gets a fresh database of its own on that server, made
// and dropped with psql, and the server is started with --db. A third run
// then goes through a round-robin proxy in front of two replicas sharing
// one database (the second started with the first's master key), so that
// each request of a flow may land on either.
//
// Usage: node run.mjs [file.test.mjs ...]   (CUSTOS_BIN=path skips the build)
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { startSmtpSink } from './lib/smtpsink.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const BUILD_TIMEOUT_MS = 10 * 60_000;
const START_TIMEOUT_MS = 60_000;
const STOP_TIMEOUT_MS = 10_000;
const SUITE_TIMEOUT_MS = 5 * 60_000;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'custos-sdk-'));
const live = new Set(); // child processes to kill on the way out

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

/** run spawns cmd and resolves with its exit code, killing it after timeoutMs. */
function run(cmd, args, opts, timeoutMs) {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: 'inherit', ...opts });
    live.add(child);
    const timer = setTimeout(() => {
      console.error(`run.mjs: ${path.basename(cmd)} exceeded ${timeoutMs / 1000} s; killing it`);
      child.kill('SIGKILL');
    }, timeoutMs);
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

/** freePort asks the kernel for an unused loopback port. */
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

/**
 * startServer starts `custos serve` on a fresh data directory and resolves
 * with {child, url, dataDir, logPath} once it prints "serving on URL".
 */
async function startServer(bin, name, tls, dbURL, extra = [], shared = undefined) {
  const dataDir = path.join(tmp, `data-${name}`);
  const logPath = path.join(tmp, `server-${name}.log`);
  const port = await freePort();
  // --price: the static price table the policy amount rules read (policies.test.mjs).
  const args = ['serve', '--data', dataDir, '--addr', `127.0.0.1:${port}`, '--price', 'ETH=3000', ...extra];
  // webhooks.test.mjs delivers to a receiver on loopback, and waits for retries.
  args.push('--webhook-allow-private', '--webhook-retry-delays', '200ms,400ms');
  if (tls) args.push('--tls');
  if (dbURL) args.push('--db', dbURL);
  // Emails (registration codes) go to a sink whose files the tests read.
  // Replicas share one sink (shared: the first replica's), as they would
  // share one mail server.
  const mailDir = shared?.mailDir ?? path.join(tmp, `mail-${name}`);
  const sink = shared?.sink ?? (await startSmtpSink(mailDir));
  args.push('--smtp-url', sink.url, '--smtp-from', 'custos@localhost');
  const log = createWriteStream(logPath);
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.stderr.pipe(log, { end: false });
  let out = '';
  let found;
  child.stdout.on('data', (chunk) => {
    log.write(chunk);
    if (found) return;
    out += chunk;
    const m = out.match(/serving on (\S+)/);
    if (m) {
      found = m[1];
      child.emit('serving', found);
    }
  });
  let timer;
  try {
    const url = await new Promise((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`server did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.once('serving', resolve);
      child.once('error', reject);
      child.once('exit', (code, signal) => reject(new Error(`server exited before listening (code ${code}, signal ${signal})`)));
    });
    return { child, url, dataDir, logPath, sink, mailDir };
  } catch (err) {
    await stopServer(child);
    if (!shared) await sink.close();
    console.error(tail(logPath, 30));
    throw err;
  } finally {
    clearTimeout(timer);
  }
}

/** stopServer sends SIGTERM, then SIGKILL if it has not exited in time. */
function stopServer(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) {
      live.delete(child);
      resolve();
      return;
    }
    const timer = setTimeout(() => {
      console.error('run.mjs: server ignored SIGTERM; killing it');
      child.kill('SIGKILL');
    }, STOP_TIMEOUT_MS);
    child.on('exit', () => {
      clearTimeout(timer);
      live.delete(child);
      resolve();
    });
    child.kill('SIGTERM');
  });
}

// PostgreSQL mode: a database of its own per server run (see the header).
const PG_URL = process.env.CUSTOS_TEST_DIALECT === 'postgres' ? process.env.CUSTOS_TEST_POSTGRES : undefined;
const PSQL_TIMEOUT_MS = 60_000;

/** psqlPath finds psql on PATH or among the server binaries of Debian's package. */
function psqlPath() {
  const dirs = (process.env.PATH ?? '').split(path.delimiter).filter(Boolean);
  const base = '/usr/lib/postgresql';
  if (existsSync(base)) {
    const versions = readdirSync(base).sort((a, b) => Number(b) - Number(a));
    dirs.push(...versions.map((v) => path.join(base, v, 'bin')));
  }
  for (const d of dirs) {
    const p = path.join(d, 'psql');
    if (existsSync(p)) return p;
  }
  throw new Error('psql not found (CUSTOS_TEST_DIALECT=postgres needs it to create the databases)');
}

/** psql runs one statement as the role of CUSTOS_TEST_POSTGRES. */
function psql(sql) {
  const u = new URL(PG_URL);
  u.searchParams.delete('pool_max_conns'); // Custos's own parameter; libpq refuses it
  execFileSync(psqlPath(), ['--no-psqlrc', '-q', '-v', 'ON_ERROR_STOP=1', '-d', u.toString(), '-c', sql], {
    stdio: ['ignore', 'ignore', 'inherit'],
    timeout: PSQL_TIMEOUT_MS,
  });
}

/** createDatabase creates an empty database for one run and returns its URL. */
function createDatabase(name) {
  const db = `custos_sdk_${process.pid}_${name}`;
  psql(`CREATE DATABASE ${db}`);
  const u = new URL(PG_URL);
  u.pathname = `/${db}`;
  return { db, url: u.toString() };
}

function dropDatabase(db) {
  try {
    psql(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  } catch (err) {
    console.error(`run.mjs: drop database ${db}: ${err.message}`);
  }
}

function tail(file, lines) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/**
 * roundRobin starts an HTTP proxy on loopback that sends each request to the
 * next of the upstream URLs in turn, as a load balancer in front of replicas
 * does; resolves with {url, close, counts}.
 */
async function roundRobin(upstreams) {
  const counts = upstreams.map(() => 0);
  let next = 0;
  const srv = http.createServer((req, res) => {
    const i = next++ % upstreams.length;
    counts[i]++;
    const target = new URL(req.url, upstreams[i]);
    const preq = http.request(target, { method: req.method, headers: { ...req.headers, host: target.host } }, (pres) => {
      res.writeHead(pres.statusCode, pres.headers);
      pres.pipe(res);
    });
    preq.on('error', (err) => {
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: { message: `proxy: ${err.message}` } }));
    });
    req.pipe(preq);
  });
  const port = await freePort();
  await new Promise((resolve) => srv.listen(port, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${port}`, counts, close: () => new Promise((r) => srv.close(r)) };
}

/**
 * startReplicas starts two `custos serve` on one PostgreSQL database — the
 * first bootstraps, the second gets its master key — behind a round-robin
 * proxy, so that each request of a flow may land on either replica.
 */
async function startReplicas(bin, name, dbURL) {
  const a = await startServer(bin, `${name}-a`, false, dbURL);
  let b;
  try {
    b = await startServer(bin, `${name}-b`, false, dbURL, ['--master-key-file', path.join(a.dataDir, 'master.key')], a);
  } catch (err) {
    await stopServer(a.child);
    await a.sink.close();
    throw err;
  }
  const proxy = await roundRobin([a.url, b.url]);
  return {
    url: proxy.url, dataDir: a.dataDir, logPath: a.logPath, proxy, sink: a.sink, mailDir: a.mailDir,
    child: { replicas: [a.child, b.child] },
  };
}

async function stopAll(srv) {
  if (srv.proxy) {
    await srv.proxy.close();
    console.log(`# requests per replica: ${srv.proxy.counts.join(', ')}`);
  }
  for (const c of srv.child.replicas ?? [srv.child]) await stopServer(c);
  await srv.sink.close();
}

/** suite runs the test files against a fresh server; resolves true on success. */
async function suite(bin, files, name, tls) {
  const replicas = name === 'replicas';
  console.log(`\n# ===== Custos SDK suite over ${name}${PG_URL ? ' on PostgreSQL' : ''} =====`);
  let srv;
  let pg;
  try {
    if (PG_URL) pg = createDatabase(name);
    srv = replicas ? await startReplicas(bin, name, pg.url) : await startServer(bin, name, tls, pg?.url);
  } catch (err) {
    console.error(`run.mjs: ${name}: ${err.message}`);
    if (pg) dropDatabase(pg.db);
    return false;
  }
  console.log(`# server ${srv.url}`);
  const env = {
    ...process.env,
    CUSTOS_URL: srv.url,
    CUSTOS_ADMIN: path.join(srv.dataDir, 'admin.json'),
    CUSTOS_DATA: srv.dataDir,
    CUSTOS_MAIL_DIR: srv.mailDir,
  };
  delete env.NODE_EXTRA_CA_CERTS;
  if (tls) env.NODE_EXTRA_CA_CERTS = path.join(srv.dataDir, 'tls', 'cert.pem');
  let code;
  try {
    code = await run(
      process.execPath,
      ['--test', '--test-reporter=tap', '--test-timeout=60000', ...files],
      { cwd: here, env },
      SUITE_TIMEOUT_MS,
    );
  } finally {
    await stopAll(srv);
    if (pg) dropDatabase(pg.db);
  }
  if (code !== 0) {
    console.error(`run.mjs: ${name} run failed (exit ${code}); last server log lines:\n${tail(srv.logPath, 30)}`);
  }
  return code === 0;
}

async function main() {
  const files = process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort();
  if (process.env.CUSTOS_TEST_DIALECT === 'postgres' && !PG_URL) {
    console.error('run.mjs: CUSTOS_TEST_DIALECT=postgres needs CUSTOS_TEST_POSTGRES (a postgres:// URL)');
    return 1;
  }
  let bin = process.env.CUSTOS_BIN;
  if (!bin) {
    bin = path.join(tmp, 'custos');
    console.log('# building custos');
    const code = await run('go', ['build', '-o', bin, './cmd/custos'], { cwd: repoRoot }, BUILD_TIMEOUT_MS);
    if (code !== 0) {
      console.error(`run.mjs: go build failed (exit ${code})`);
      return 1;
    }
  }
  const results = [];
  // On PostgreSQL the suite also runs through a round-robin proxy in front
  // of two replicas sharing the database.
  const modes = [['http', false], ['tls', true]];
  if (PG_URL) modes.push(['replicas', false]);
  for (const [name, tls] of modes) {
    results.push([name, await suite(bin, files, name, tls)]);
  }
  console.log('');
  for (const [name, ok] of results) console.log(`# suite over ${name}: ${ok ? 'passed' : 'FAILED'}`);
  return results.every(([, ok]) => ok) ? 0 : 1;
}

let exitCode = 1;
try {
  exitCode = await main();
} catch (err) {
  console.error(`run.mjs: ${err.stack ?? err}`);
} finally {
  cleanup();
}
process.exit(exitCode);
