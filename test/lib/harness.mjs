// harness.mjs is what the Node suites' runners (test/*/run.mjs) share: a
// temporary directory and the child processes started in it, both cleaned
// up on exit or on SIGINT/SIGTERM; building custos; starting a process and
// waiting for a line of its output (custos serve's "serving on URL", a
// node's banner); running node's test runner; PostgreSQL databases of
// their own. It uses Node's standard library only, so each suite keeps its
// own package.json and lock file.
import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const BUILD_TIMEOUT_MS = 10 * 60_000;
const START_TIMEOUT_MS = 60_000;
const SUITE_TIMEOUT_MS = 5 * 60_000;

/** freePort asks the kernel for an unused loopback port. */
export function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** tail returns the last lines of file ('' when it does not exist). */
export function tail(file, lines) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** testFiles lists the test files to run: the arguments, else dir's *.test.mjs. */
export function testFiles(dir) {
  const args = process.argv.slice(2);
  return args.length > 0 ? args : readdirSync(dir).filter((f) => f.endsWith('.test.mjs')).sort();
}

/** psql runs one statement on the PostgreSQL database at pgURL. */
export function psql(pgURL, sql) {
  const base = '/usr/lib/postgresql';
  const v = readdirSync(base).sort((a, b) => Number(b) - Number(a))[0];
  const u = new URL(pgURL);
  u.searchParams.delete('pool_max_conns'); // Custos's own parameter; libpq refuses it
  execFileSync(path.join(base, v, 'bin', 'psql'), ['--no-psqlrc', '-q', '-v', 'ON_ERROR_STOP=1', '-d', u.toString(), '-c', sql], {
    stdio: ['ignore', 'ignore', 'inherit'], timeout: 60_000,
  });
}

/**
 * createHarness makes a temporary directory named after prefix and returns
 * the functions that start processes in it; main(fn) runs the runner and
 * exits with its code once everything is cleaned up.
 */
export function createHarness(prefix) {
  const tmp = mkdtempSync(path.join(os.tmpdir(), prefix));
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

  /** run spawns cmd and resolves with its exit code, killing it after timeoutMs. */
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

  /**
   * waitFor spawns cmd with its output in logPath and resolves with
   * {child, match} once its stdout matches re; it kills it and shows the
   * log's end when it exits or takes longer than timeoutMs.
   */
  async function waitFor(cmd, args, re, logPath, timeoutMs = START_TIMEOUT_MS) {
    const log = createWriteStream(logPath);
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(child);
    child.on('exit', () => live.delete(child));
    child.stderr.pipe(log, { end: false });
    let out = '';
    let timer;
    try {
      const match = await new Promise((resolve, reject) => {
        timer = setTimeout(() => reject(new Error(`${path.basename(cmd)} did not start within ${timeoutMs / 1000} s`)), timeoutMs);
        child.stdout.on('data', (chunk) => {
          log.write(chunk);
          if (out === null) return;
          out += chunk;
          const m = out.match(re);
          if (m) {
            out = null;
            resolve(m);
          }
        });
        child.once('error', reject);
        child.once('exit', (code, signal) => reject(new Error(`${path.basename(cmd)} exited (code ${code}, signal ${signal})`)));
      });
      return { child, match };
    } catch (err) {
      child.kill('SIGKILL');
      console.error(tail(logPath, 30));
      throw err;
    } finally {
      clearTimeout(timer);
    }
  }

  /** buildCustos builds the server into tmp, unless CUSTOS_BIN names one. */
  async function buildCustos() {
    if (process.env.CUSTOS_BIN) return process.env.CUSTOS_BIN;
    const bin = path.join(tmp, 'custos');
    console.log('# building custos');
    const code = await run('go', ['build', '-o', bin, './cmd/custos'], { cwd: repoRoot }, BUILD_TIMEOUT_MS);
    if (code !== 0) throw new Error(`go build failed (exit ${code})`);
    return bin;
  }

  /**
   * startCustos starts `custos serve` on a fresh data directory named name
   * and a free port, with more arguments args; resolves with
   * {child, url, dataDir, logPath}.
   */
  async function startCustos(bin, name, args = []) {
    const dataDir = path.join(tmp, `data-${name}`);
    const logPath = path.join(tmp, `server-${name}.log`);
    const port = await freePort();
    const { child, match } = await waitFor(bin, ['serve', '--data', dataDir, '--addr', `127.0.0.1:${port}`, ...args],
      /serving on (\S+)/, logPath);
    return { child, url: match[1], dataDir, logPath };
  }

  /** runTests runs files of dir with node's test runner and env; resolves with the exit code. */
  function runTests(dir, files, env) {
    return run(process.execPath, ['--test', '--test-reporter=tap', '--test-timeout=60000', ...files],
      { cwd: dir, env }, SUITE_TIMEOUT_MS);
  }

  /** main runs fn, cleans up and exits with fn's code (1 when it throws). */
  async function main(fn) {
    let code = 1;
    try {
      code = await fn();
    } catch (err) {
      console.error(`run.mjs: ${err.stack ?? err}`);
    } finally {
      cleanup();
    }
    process.exit(code);
  }

  return { tmp, live, run, waitFor, buildCustos, startCustos, runTests, main };
}

/**
 * runServerSuite is a whole runner for a suite that needs one `custos
 * serve` (with more arguments args) and nothing else: it builds custos
 * (unless CUSTOS_BIN), starts it,
 * runs the test files of dir (or those named as arguments) against it with
 * CUSTOS_URL and CUSTOS_ADMIN set, and exits with the suite's code.
 */
export async function runServerSuite(dir, prefix, args = []) {
  const h = createHarness(prefix);
  await h.main(async () => {
    const files = testFiles(dir);
    const srv = await h.startCustos(await h.buildCustos(), 'suite', args);
    console.log(`# server ${srv.url}`);
    const env = { ...process.env, CUSTOS_URL: srv.url, CUSTOS_ADMIN: path.join(srv.dataDir, 'admin.json') };
    const code = await h.runTests(dir, files, env);
    if (code !== 0) console.error(`run.mjs: suite failed (exit ${code}); last server log lines:\n${tail(srv.logPath, 30)}`);
    srv.child.kill('SIGTERM');
    return code;
  });
}

/**
 * pgDatabases gives a runner databases of its own on the PostgreSQL server
 * of CUSTOS_TEST_POSTGRES when CUSTOS_TEST_DIALECT=postgres: url is
 * undefined otherwise; create(name) makes one and returns its URL;
 * dropAll() drops every one made.
 */
export function pgDatabases() {
  const url = process.env.CUSTOS_TEST_DIALECT === 'postgres' ? process.env.CUSTOS_TEST_POSTGRES : undefined;
  const made = [];
  return {
    url,
    create(name) {
      psql(url, `CREATE DATABASE ${name}`);
      made.push(name);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    dropAll() {
      for (const db of made.splice(0)) {
        try {
          psql(url, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
        } catch (err) {
          console.error(`run.mjs: drop ${db}: ${err.message}`);
        }
      }
    },
  };
}

/**
 * serveCustos starts `custos serve` of bin on dataDir (kept across restarts,
 * its log appended to dataDir.log) at port with more arguments args, for
 * tests that kill and restart it; resolves with {child, url}.
 */
export function serveCustos(bin, dataDir, port, args = []) {
  const child = spawn(bin, ['serve', '--data', dataDir, '--addr', `127.0.0.1:${port}`, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
  const log = createWriteStream(`${dataDir}.log`, { flags: 'a' });
  child.stderr.pipe(log, { end: false });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('custos did not start')), START_TIMEOUT_MS);
    let out = '';
    child.stdout.on('data', (c) => {
      log.write(c);
      out += c;
      const m = out.match(/serving on (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1] });
      }
    });
    child.once('exit', (code) => reject(new Error(`custos exited (${code})`)));
  });
}

/** kill9 sends SIGKILL to child and resolves once it has exited. */
export function kill9(child) {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) return resolve();
    child.once('exit', resolve);
    child.kill('SIGKILL');
  });
}
