// kill -9 of a server with Bitcoin transfers in flight: after a restart on
// the same data directory every stored transfer is mined exactly once (the
// signed transaction is stored before it is sent; sending it again is
// harmless; each transfer holds its own outputs).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { freePort, kill9, serveCustos } from '../lib/harness.mjs';
import { api, btc, clientFor, mine, nodeBalance, settled, until } from './lib.mjs';

// The PostgreSQL database of the test's server when the suite runs on
// PostgreSQL (run.mjs makes it); SQLite otherwise.
const crashDB = (process.env.CUSTOS_CRASH_DBS ?? '').split(',').filter(Boolean)[0];

/** serve starts custos on dataDir and resolves with the child and its URL. */
function serve(dataDir, port) {
  const args = ['--rate-limit', '0', '--rpc', `BitcoinRegtest=${process.env.BTCD_URL}`, '--confirmations', 'BitcoinRegtest=1'];
  if (crashDB) args.push('--db', crashDB);
  return serveCustos(process.env.CUSTOS_BIN, dataDir, port, args);
}

test('kill -9 with transfers in flight: each stored transfer is mined exactly once after restart', { skip: !process.env.CUSTOS_BIN }, async () => {
  const dataDir = path.join(mkdtempSync(path.join(process.env.CUSTOS_TMP, 'crash-')), 'data');
  const port = await freePort();
  let srv = await serve(dataDir, port);
  const minerId = process.env.MINER_WALLET_ID;
  let miningTimer;
  try {
    let crashApi = clientFor(srv.url, path.join(dataDir, 'admin.json'));
    const wallet = await crashApi.wallets.createWallet({ body: { network: 'BitcoinRegtest' } });
    const dave = await api.wallets.createWallet({ body: { network: 'BitcoinRegtest', name: 'dave' } });
    // Twelve outputs for the wallet: twelve concurrent transfers from the
    // miner, each on outputs of its own.
    const funding = await Promise.all(Array.from({ length: 12 }, () =>
      api.wallets.transferAsset({ walletId: minerId, body: { kind: 'Native', to: wallet.address, amount: '10000000' } })));
    assert.deepEqual(funding.map((f) => f.status), Array(12).fill('Broadcasted'), 'concurrent transfers of one wallet all go out');
    assert.equal(new Set(funding.map((f) => f.txHash)).size, 12);
    await mine(1);
    for (const f of funding) assert.equal((await settled(minerId, f.id)).status, 'Confirmed');
    await until(async () => {
      const a = await crashApi.wallets.getWalletAssets({ walletId: wallet.id });
      return a.assets[0].balance === '120000000';
    }, 'the crash server to see the funds');

    // The server dies (SIGKILL) the moment a fourth transfer is answered,
    // with others in flight.
    let answers = 0;
    const dead = new Promise((resolve) => srv.child.once('exit', resolve));
    const inflight = Array.from({ length: 12 }, (_, i) =>
      crashApi.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to: dave.address, amount: String(1_000_000 + i) } })
        .then((x) => {
          if (++answers === 4) srv.child.kill('SIGKILL');
          return x;
        }, () => undefined));
    await Promise.all(inflight);
    srv.child.kill('SIGKILL');
    await dead;
    const answered = (await Promise.all(inflight)).filter(Boolean);

    srv = await serve(dataDir, port);
    crashApi = clientFor(srv.url, path.join(dataDir, 'admin.json'));
    const stored = (await crashApi.wallets.listTransfers({ walletId: wallet.id, query: { limit: 100 } })).items;
    assert.ok(stored.length >= answered.length && answered.length >= 1, `${stored.length} stored, ${answered.length} answered`);
    for (const a of answered) assert.ok(stored.some((s) => s.id === a.id), `answered transfer ${a.id} was lost`);
    console.log(`# ${stored.length} transfers stored, ${answered.length} answered before the kill, ${stored.filter((s) => s.status === 'Executing').length} left Executing`);
    // Blocks keep coming while the restarted server finishes what the
    // kill interrupted (an Executing transfer is resumed after 10 s).
    miningTimer = setInterval(() => mine(1).catch(() => {}), 1000);
    const done = await Promise.all(stored.map((s) => settled(wallet.id, s.id, false, crashApi)));
    clearInterval(miningTimer);
    assert.deepEqual(done.map((d) => d.status), Array(stored.length).fill('Confirmed'));
    assert.equal(new Set(done.map((d) => d.txHash)).size, stored.length, 'one transaction per stored transfer');
    for (const d of done) assert.ok((await btc('getrawtransaction', [d.txHash, 1])).confirmations >= 1, `${d.txHash} is mined`);
    const sum = stored.reduce((acc, s) => acc + BigInt(s.requestBody.amount), 0n);
    assert.equal(await nodeBalance(dave.address), sum, 'the recipient got each stored transfer exactly once');
    await until(async () => (await crashApi.wallets.getWalletHistory({ walletId: wallet.id, query: { direction: 'Out', limit: 100 } }))
      .items.length === stored.length, 'one Out event per stored transfer');
  } finally {
    clearInterval(miningTimer);
    await kill9(srv.child);
  }
});
