// kill -9 of a server with transfers in flight: after a restart on the same
// data directory every stored transfer confirms exactly once (the signed
// transaction is stored before it is sent; sending it again is harmless).
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { test } from 'node:test';
import { freePort, kill9, serveCustos } from '../lib/harness.mjs';
import { anvilURL, clientFor, send, hex, randomAddress, balance, rpc, settled } from './lib.mjs';

// crashDBs are the PostgreSQL databases of the two tests' servers when the
// suite runs on PostgreSQL (run.mjs makes them); SQLite otherwise.
const crashDBs = (process.env.CUSTOS_CRASH_DBS ?? '').split(',').filter(Boolean);

/** serve starts custos on dataDir and resolves with the child and its URL. */
function serve(dataDir, port, node = anvilURL, db = undefined) {
  const args = ['--rate-limit', '0', '--rpc', `EthereumSepolia=${node}`, '--confirmations', 'EthereumSepolia=1'];
  if (db) args.push('--db', db);
  return serveCustos(process.env.CUSTOS_BIN, dataDir, port, args);
}

test('kill -9 with transfers in flight: each stored transfer is sent exactly once after restart', { skip: !process.env.CUSTOS_BIN }, async () => {
  const dataDir = path.join(mkdtempSync(path.join(process.env.CUSTOS_TMP, 'crash-')), 'data');
  const port = await freePort();
  let srv = await serve(dataDir, port, anvilURL, crashDBs[0]);
  try {
    let api = clientFor(srv.url, path.join(dataDir, 'admin.json'));
    const wallet = await api.wallets.createWallet({ body: { network: 'EthereumSepolia' } });
    await send({ to: wallet.address, value: hex(10n ** 18n) });
    const to = randomAddress();
    // Mining stops, so the first transfers are in the node's pool, not
    // mined, when the server dies; others are still being sent.
    await rpc('evm_setAutomine', [false]);
    // The server dies (SIGKILL) the moment a fourth transfer is answered,
    // with others in flight.
    let answers = 0;
    const dead = new Promise((resolve) => srv.child.once('exit', resolve));
    const inflight = Array.from({ length: 12 }, (_, i) =>
      api.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to, amount: String(1000 + i) } })
        .then((x) => {
          if (++answers === 4) srv.child.kill('SIGKILL');
          return x;
        }, () => undefined));
    await Promise.all(inflight);
    srv.child.kill('SIGKILL');
    await dead;
    const answered = (await Promise.all(inflight)).filter(Boolean);
    await rpc('evm_setAutomine', [true]);
    await rpc('evm_mine', []);

    srv = await serve(dataDir, port, anvilURL, crashDBs[0]);
    api = clientFor(srv.url, path.join(dataDir, 'admin.json'));
    const stored = (await api.wallets.listTransfers({ walletId: wallet.id, query: { limit: 100 } })).items;
    assert.ok(stored.length >= answered.length && answered.length >= 1, `${stored.length} stored, ${answered.length} answered`);
    for (const a of answered) assert.ok(stored.some((s) => s.id === a.id), `answered transfer ${a.id} was lost`);
    console.log(`# ${stored.length} transfers stored, ${answered.length} answered before the kill, ${stored.filter((s) => s.status === 'Executing').length} left Executing`);
    const done = await Promise.all(stored.map((s) => settled(wallet.id, s.id, false, api)));
    assert.deepEqual(done.map((d) => d.status), Array(stored.length).fill('Confirmed'));
    const sum = stored.reduce((acc, s) => acc + BigInt(s.requestBody.amount), 0n);
    assert.equal(await balance(to), sum, 'the recipient got each stored transfer exactly once');
    const count = BigInt(await rpc('eth_getTransactionCount', [wallet.address, 'latest']));
    assert.equal(count, BigInt(stored.length), 'one transaction per stored transfer, no gap');
  } finally {
    await rpc('evm_setAutomine', [true]).catch(() => {});
    await kill9(srv.child);
  }
});

/**
 * dropSends is a JSON-RPC proxy in front of anvil that, while drop.on is
 * set, cuts the connection of every eth_sendRawTransaction (as a node
 * outage would) and counts them.
 */
async function dropSends() {
  const state = { on: false, dropped: 0 };
  const srv = http.createServer(async (req, res) => {
    let body = '';
    for await (const c of req) body += c;
    if (state.on && body.includes('"eth_sendRawTransaction"')) {
      state.dropped++;
      req.socket.destroy();
      return;
    }
    const up = await fetch(anvilURL, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    res.writeHead(up.status, { 'content-type': 'application/json' });
    res.end(await up.text());
  });
  const port = await freePort();
  await new Promise((r) => srv.listen(port, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${port}`, state, close: () => srv.close() };
}

test('stored, signed, not sent (node outage), then kill -9: sent once after restart', { skip: !process.env.CUSTOS_BIN }, async () => {
  const dataDir = path.join(mkdtempSync(path.join(process.env.CUSTOS_TMP, 'outage-')), 'data');
  const proxy = await dropSends();
  const port = await freePort();
  let srv = await serve(dataDir, port, proxy.url, crashDBs[1]);
  try {
    let api = clientFor(srv.url, path.join(dataDir, 'admin.json'));
    const wallet = await api.wallets.createWallet({ body: { network: 'EthereumSepolia' } });
    await send({ to: wallet.address, value: hex(10n ** 18n) });
    const to = randomAddress();
    proxy.state.on = true;
    const xfrs = [];
    for (let i = 0; i < 3; i++) {
      xfrs.push(await api.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to, amount: String(500 + i) } }));
    }
    assert.deepEqual(xfrs.map((x) => x.status), ['Executing', 'Executing', 'Executing'], 'accepted, stored, not sent');
    assert.ok(proxy.state.dropped >= 3);
    assert.equal(await balance(to), 0n);
    await kill9(srv.child);
    proxy.state.on = false;
    srv = await serve(dataDir, port, proxy.url, crashDBs[1]);
    api = clientFor(srv.url, path.join(dataDir, 'admin.json'));
    const done = await Promise.all(xfrs.map((x) => settled(wallet.id, x.id, false, api)));
    assert.deepEqual(done.map((d) => d.status), ['Confirmed', 'Confirmed', 'Confirmed']);
    assert.equal(await balance(to), 1503n, 'each transfer arrived exactly once');
    const nonces = [];
    for (const d of done) nonces.push(Number(BigInt((await rpc('eth_getTransactionByHash', [d.txHash])).nonce)));
    assert.deepEqual(nonces, [0, 1, 2]);
  } finally {
    await kill9(srv.child);
    proxy.close();
  }
});
