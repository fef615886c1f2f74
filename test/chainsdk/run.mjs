// run.mjs builds the Custos server, starts `custos serve` on a free port
// with a temporary data directory, and runs every *.test.mjs file of this
// folder with node's test runner against it. Each test checks Custos
// wallets with a chain's own SDK (addresses and signatures).
//
// Usage: node run.mjs [file.test.mjs ...]   (CUSTOS_BIN=path skips the build)
import { spawn } from 'node:child_process';
import { createWriteStream, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const repoRoot = path.resolve(here, '..', '..');
const BUILD_TIMEOUT_MS = 10 * 60_000;
const START_TIMEOUT_MS = 60_000;
const SUITE_TIMEOUT_MS = 5 * 60_000;

const tmp = mkdtempSync(path.join(os.tmpdir(), 'custos-chainsdk-'));
const live = new Set();

function cleanup() {
  for (const child of live) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
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

/** startServer starts `custos serve` and resolves with {child, url, dataDir}. */
async function startServer(bin) {
  const dataDir = path.join(tmp, 'data');
  const logPath = path.join(tmp, 'server.log');
  const port = await freePort();
  const child = spawn(bin, ['serve', '--data', dataDir, '--addr', `127.0.0.1:${port}`], { stdio: ['ignore', 'pipe', 'pipe'] });
  live.add(child);
  child.stderr.pipe(createWriteStream(logPath));
  let out = '';
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('server did not start in time')), START_TIMEOUT_MS);
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const m = out.match(/serving on (\S+)/);
      if (m) {
        clearTimeout(timer);
        resolve(m[1]);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code} before listening`));
    });
  });
  child.stdout.resume();
  return { child, url, dataDir };
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
    if (code !== 0) return 1;
  }
  const srv = await startServer(bin);
  console.log(`# server ${srv.url}`);
  const env = { ...process.env, CUSTOS_URL: srv.url, CUSTOS_ADMIN: path.join(srv.dataDir, 'admin.json') };
  try {
    const code = await run(process.execPath, ['--test', '--test-reporter=tap', '--test-timeout=60000', ...files], { cwd: here, env }, SUITE_TIMEOUT_MS);
    if (code !== 0) {
      const log = readFileSync(path.join(tmp, 'server.log'), 'utf8').trimEnd().split('\n');
      console.error(`run.mjs: suite failed (exit ${code}); last server log lines:\n${log.slice(-30).join('\n')}`);
    }
    return code;
  } finally {
    srv.child.kill('SIGTERM');
  }
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
