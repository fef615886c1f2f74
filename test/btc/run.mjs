// run.mjs runs the Bitcoin-family transfer suite: it builds custos (unless
// CUSTOS_BIN names a binary), installs btcd v0.25.0 and ltcd (Litecoin's
// btcd fork) with `go install` into .bin (unless BTCD_BIN / LTCD_BIN name
// them), starts both in regtest (--txindex --addrindex) on free loopback
// ports, starts `custos serve` on a fresh data directory with --rpc
// BitcoinRegtest=<btcd> --rpc LitecoinRegtest=<ltcd> (--confirmations 1
// each), creates each network's miner wallet through the SDK, restarts its
// node with --miningaddr set to that wallet's address and mines 500 blocks
// to it (segwit, and taproot on btcd, activate at 432), then runs every
// *.test.mjs here with node's test runner through the official Dfns SDK.
// With CUSTOS_TEST_DIALECT=postgres and CUSTOS_TEST_POSTGRES, the server
// gets a database of its own there. The process plumbing is
// test/lib/harness.mjs.
//
// Usage: node run.mjs [file.test.mjs ...]
import { createWriteStream, existsSync, mkdirSync } from 'node:fs';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHarness, freePort, pgDatabases, tail, testFiles } from '../lib/harness.mjs';
import { btc, clientFor, rehrp } from './lib.mjs';

const here = path.dirname(fileURLToPath(import.meta.url));
const START_TIMEOUT_MS = 60_000;
const SUITE_TIMEOUT_MS = 5 * 60_000;
const MINED = 500;
const h = createHarness('custos-btc-');

/**
 * startBtcd starts btcd (or ltcd, which takes the same flags) in regtest on rpcPort with its data in dir and waits
 * until its RPC answers.
 */
async function startBtcd(bin, dir, rpcPort, url, miningAddr) {
  const args = ['--regtest', '--txindex', '--addrindex', '--notls', '--nolisten', '--rpcuser=custos', '--rpcpass=regtest',
    `--rpclisten=127.0.0.1:${rpcPort}`, `--datadir=${path.join(dir, 'data')}`, `--logdir=${path.join(dir, 'logs')}`];
  if (miningAddr) args.push(`--miningaddr=${miningAddr}`);
  mkdirSync(dir, { recursive: true }); // the log opens before btcd makes its data directory
  const log = createWriteStream(path.join(dir, 'node.out'), { flags: 'a' });
  const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  h.live.add(child);
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  child.on('exit', () => h.live.delete(child));
  const end = Date.now() + START_TIMEOUT_MS;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${path.basename(bin)} exited (code ${child.exitCode}):\n${tail(path.join(dir, 'node.out'), 20)}`);
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

/** goBinary returns the binary envVar names, or name installed from module with go install into .bin. */
async function goBinary(envVar, name, module) {
  if (process.env[envVar]) return process.env[envVar];
  const bin = path.join(here, '.bin', name);
  if (!existsSync(bin)) {
    console.log(`# installing ${module} (go install)`);
    const env = { ...process.env, GOBIN: path.join(here, '.bin') };
    if (await h.run('go', ['install', module], { cwd: h.tmp, env }, 10 * 60_000) !== 0) {
      throw new Error(`go install ${module} failed`);
    }
  }
  return bin;
}

/**
 * startChain starts a regtest node of bin for network and returns {url, port, dir, serverArgs(args) (adds the
 * server's --rpc and --confirmations flags), mine() (makes the network's miner wallet on the server at srvURL(),
 * restarts the node mining to it — its address as the node spells it: nodeAddress — mines MINED blocks and resolves
 * with the wallet), kill()}.
 */
async function startChain(bin, name, network, srvURL, admin, nodeAddress = (a) => a) {
  const dir = path.join(h.tmp, name);
  const port = await freePort();
  const url = `http://custos:regtest@127.0.0.1:${port}`;
  let node = await startBtcd(bin, dir, port, url);
  return { url, port, dir, serverArgs: (srvArgs) => srvArgs.push('--rpc', `${network}=${url}`, '--confirmations', `${network}=1`),
    async mine() {
      const miner = await clientFor(srvURL(), admin()).wallets.createWallet({ body: { network, name: 'miner' } });
      await stop(node);
      node = await startBtcd(bin, dir, port, url, nodeAddress(miner.address));
      // 500 blocks: regtest activates segwit (and taproot on btcd) after
      // three windows of 144 blocks that signal them (BIP-9), at height 432.
      await btc('generate', [MINED], url);
      console.log(`# ${network} miner ${miner.id} ${miner.address}: ${MINED} blocks mined`);
      return miner;
    },
    kill: () => node.kill('SIGKILL') };
}

await h.main(async () => {
  const files = testFiles(here);
  const bin = await h.buildCustos();
  const btcdBin = await goBinary('BTCD_BIN', 'btcd', 'github.com/btcsuite/btcd@v0.25.0');
  // ltcd, Litecoin's btcd fork: only a 2019 pseudo-version exists (it
  // builds with Go 1.26; its regtest activates segwit, not taproot).
  const ltcdBin = await goBinary('LTCD_BIN', 'ltcd', 'github.com/ltcsuite/ltcd@v0.0.0-20190101042124-f37f8bf35796');
  let srv;
  const srvURL = () => srv.url;
  const admin = () => path.join(srv.dataDir, 'admin.json');
  const chains = [];
  try {
    const bitcoin = await startChain(btcdBin, 'btcd', 'BitcoinRegtest', srvURL, admin);
    chains.push(bitcoin);
    // ltcd's regtest spells segwit addresses with btcd's bcrt HRP, where
    // Litecoin Core (and Custos) use rltc: the miner's address is given to
    // it in that spelling.
    const litecoin = await startChain(ltcdBin, 'ltcd', 'LitecoinRegtest', srvURL, admin, (a) => rehrp(a, 'bcrt'));
    chains.push(litecoin);
    console.log(`# btcd ${bitcoin.port}, ltcd ${litecoin.port}`);

    const args = ['--rate-limit', '0'];
    bitcoin.serverArgs(args);
    litecoin.serverArgs(args);
    const pg = pgDatabases();
    let crashDBs = '';
    if (pg.url) {
      args.push('--db', pg.create(`custos_btc_${process.pid}`));
      crashDBs = pg.create(`custos_btc_${process.pid}_crash1`);
    }
    try {
      srv = await h.startCustos(bin, 'btc', args);
      console.log(`# server ${srv.url}`);
      const miner = await bitcoin.mine();
      const ltcMiner = await litecoin.mine();
      const env = { ...process.env, CUSTOS_URL: srv.url, CUSTOS_ADMIN: admin(), BTCD_URL: bitcoin.url, MINER_WALLET_ID: miner.id,
        LTCD_URL: litecoin.url, LTC_MINER_WALLET_ID: ltcMiner.id,
        MINED: String(MINED), CUSTOS_BIN: bin, CUSTOS_TMP: h.tmp, CUSTOS_CRASH_DBS: crashDBs };
      const code = await h.run(process.execPath, ['--test', '--test-concurrency=1', '--test-reporter=tap', '--test-timeout=240000', ...files],
        { cwd: here, env }, SUITE_TIMEOUT_MS);
      srv.child.kill('SIGTERM');
      if (code !== 0) console.error(`run.mjs: suite failed; last server log lines:\n${tail(srv.logPath, 40)}`);
      return code;
    } finally {
      pg.dropAll();
    }
  } finally {
    for (const c of chains) c.kill();
  }
});
