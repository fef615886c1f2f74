// kill -9 of a server with Solana transfers in flight: after a restart on
// the same data directory every stored transfer settles, the recipient gets
// each Confirmed one exactly once (the signed transaction is stored before
// it is sent; sending it again is harmless, as Solana runs a signature
// once), and one that could not land is Failed with its reason and moved
// nothing.
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import path from 'node:path';
import { test } from 'node:test';
import { generateKeyPairSigner } from '@solana/kit';
import { freePort, kill9, serveCustos } from '../lib/harness.mjs';
import { airdrop, clientFor, lamportsOf, rpc, settled, until } from './lib.mjs';

/** serve starts custos on dataDir and resolves with the child and its URL. */
function serve(dataDir, port) {
  const args = ['--rate-limit', '0', '--rpc', `SolanaDevnet=${process.env.SHIM_URL}`];
  if (process.env.CUSTOS_CRASH_DB) args.push('--db', process.env.CUSTOS_CRASH_DB);
  return serveCustos(process.env.CUSTOS_BIN, dataDir, port, args);
}

test('kill -9 with transfers in flight: each stored transfer lands at most once, every one settles', { skip: !process.env.CUSTOS_BIN }, async () => {
  const dataDir = path.join(mkdtempSync(path.join(process.env.CUSTOS_TMP, 'crash-')), 'data');
  const port = await freePort();
  let srv = await serve(dataDir, port);
  try {
    let api = clientFor(srv.url, path.join(dataDir, 'admin.json'));
    const wallet = await api.wallets.createWallet({ body: { network: 'SolanaDevnet' } });
    await airdrop(wallet.address, 5_000_000_000n);
    const dave = (await generateKeyPairSigner()).address;

    // The server dies (SIGKILL) the moment a third transfer is answered,
    // with others in flight.
    let answers = 0;
    const dead = new Promise((resolve) => srv.child.once('exit', resolve));
    const inflight = Array.from({ length: 10 }, (_, i) =>
      api.wallets.transferAsset({ walletId: wallet.id, body: { kind: 'Native', to: dave, amount: String(1_000_000 + i) } })
        .then((x) => {
          if (++answers === 3) srv.child.kill('SIGKILL');
          return x;
        }, () => undefined));
    await Promise.all(inflight);
    srv.child.kill('SIGKILL');
    await dead;
    const answered = (await Promise.all(inflight)).filter(Boolean);

    srv = await serve(dataDir, port);
    api = clientFor(srv.url, path.join(dataDir, 'admin.json'));
    const stored = (await api.wallets.listTransfers({ walletId: wallet.id, query: { limit: 100 } })).items;
    assert.ok(stored.length >= answered.length && answered.length >= 1, `${stored.length} stored, ${answered.length} answered`);
    for (const a of answered) assert.ok(stored.some((s) => s.id === a.id), `answered transfer ${a.id} was lost`);
    console.log(`# ${stored.length} transfers stored, ${answered.length} answered before the kill, ` +
      `${stored.filter((s) => s.status === 'Executing').length} left Executing`);
    // An Executing transfer is resumed 10 s after it was asked for.
    const done = await Promise.all(stored.map((s) => settled(wallet.id, s.id, false, api)));
    const ok = done.filter((d) => d.status === 'Confirmed');
    console.log(`# ${ok.length} confirmed, ${done.length - ok.length} failed`);
    for (const d of done.filter((x) => x.status === 'Failed')) {
      assert.match(d.reason, /blockhash expired before it (was signed|landed)/, `${d.id} failed for another reason`);
    }
    assert.ok(ok.length >= answered.filter((a) => a.status === 'Broadcasted').length, 'every transfer answered Broadcasted is confirmed');
    assert.equal(new Set(ok.map((d) => d.txHash)).size, ok.length, 'one transaction per confirmed transfer');
    for (const d of ok) assert.equal((await rpc('getSignatureStatuses', [[d.txHash]])).value[0]?.err, null, `${d.txHash} landed`);
    const sum = ok.reduce((acc, s) => acc + BigInt(s.requestBody.amount), 0n);
    assert.equal(await lamportsOf(dave), sum, 'the recipient got each confirmed transfer exactly once, and nothing else');
    await until(async () => (await api.wallets.getWalletHistory({ walletId: wallet.id, query: { direction: 'Out', limit: 100 } }))
      .items.length === ok.length, 'one Out event per confirmed transfer');
  } finally {
    await kill9(srv.child);
  }
});
