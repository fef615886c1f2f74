// run.mjs builds the Custos server once, then runs every *.test.mjs file of
// this folder with node's test runner twice: against `custos serve` over HTTP
// and over --tls. Each run gets its own server (free port, temporary data
// directory); the TLS run passes the server's self-signed certificate to the
// test process through NODE_EXTRA_CA_CERTS, which node reads only at start.
//
// Usage: node run.mjs [file.test.mjs ...]   (CUSTOS_BIN=path skips the build)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync, existsSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

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
async function startServer(bin, name, tls) {
  const dataDir = path.join(tmp, `data-${name}`);
  const logPath = path.join(tmp, `server-${name}.log`);
  const port = await freePort();
  const args = ['serve', '--data', dataDir, '--addr', `127.0.0.1:${port}`];
  if (tls) args.push('--tls');
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
    return { child, url, dataDir, logPath };
  } catch (err) {
    await stopServer(child);
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

function tail(file, lines) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

/** suite runs the test files against a fresh server; resolves true on success. */
async function suite(bin, files, name, tls) {
  console.log(`\n# ===== Custos SDK suite over ${name} =====`);
  let srv;
  try {
    srv = await startServer(bin, name, tls);
  } catch (err) {
    console.error(`run.mjs: ${name}: ${err.message}`);
    return false;
  }
  console.log(`# server ${srv.url}`);
  const env = {
    ...process.env,
    CUSTOS_URL: srv.url,
    CUSTOS_ADMIN: path.join(srv.dataDir, 'admin.json'),
    CUSTOS_DATA: srv.dataDir,
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
    await stopServer(srv.child);
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
  for (const [name, tls] of [['http', false], ['tls', true]]) {
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
