// run.mjs builds the Custos server once, starts `custos serve` on a fresh
// data directory and a free loopback port, then runs every *.test.mjs file
// of this folder with node's test runner against it. Each test file checks
// one chain family with that chain's own SDK: the address Custos returns,
// and transactions the SDK builds, signs through Custos and verifies.
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
const SUITE_TIMEOUT_MS = 5 * 60_000;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'custos-nets-'));
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

function tail(file, lines) {
  if (!existsSync(file)) return '';
  return readFileSync(file, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
}

async function main() {
  const files = process.argv.slice(2).length > 0
    ? process.argv.slice(2)
    : readdirSync(here).filter((f) => f.endsWith('.test.mjs')).sort();
  let bin = process.env.CUSTOS_BIN;
  if (!bin) {
    bin = path.join(tmp, 'custos');
    console.log('# building custos');
    if (await run('go', ['build', '-o', bin, './cmd/custos'], { cwd: repoRoot }, BUILD_TIMEOUT_MS) !== 0) {
      console.error('run.mjs: go build failed');
      return 1;
    }
  }
  const dataDir = path.join(tmp, 'data');
  const logPath = path.join(tmp, 'server.log');
  const port = await freePort();
  const log = createWriteStream(logPath);
  const child = spawn(bin, ['serve', '--data', dataDir, '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.stderr.pipe(log, { end: false });
  const url = await new Promise((resolve, reject) => {
    let out = '';
    const timer = setTimeout(() => reject(new Error('server did not start in time')), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      log.write(chunk);
      out += chunk;
      const m = out.match(/serving on (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited (code ${code})`)));
  });
  console.log(`# server ${url}`);
  const env = { ...process.env, CUSTOS_URL: url, CUSTOS_ADMIN: path.join(dataDir, 'admin.json') };
  const code = await run(process.execPath, ['--test', '--test-reporter=tap', '--test-timeout=60000', ...files],
    { cwd: here, env }, SUITE_TIMEOUT_MS);
  if (code !== 0) console.error(`run.mjs: suite failed; last server log lines:\n${tail(logPath, 5)}`);
  child.kill('SIGTERM');
  return code;
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
