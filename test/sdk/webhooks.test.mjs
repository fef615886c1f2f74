// Webhooks through the SDK's webhooks client: events reach a receiver
// started here, signed the way Dfns's sample receiver verifies them (an
// HMAC-SHA256 under the webhook's secret over JSON.stringify of the parsed
// body, which must equal the raw body); pingWebhook reports the receiver's
// status; a receiver answering 500 gets the retries (run.mjs starts the
// server with --webhook-retry-delays 200ms,400ms), each a new event whose
// retryOf names the previous one, and listWebhookEvents({deliveryFailed})
// shows them.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import http from 'node:http';
import { after, before, test } from 'node:test';
import { saClient, uniqueName } from './lib/env.mjs';

const api = saClient();
const received = []; // {path, raw, headers, body}
let receiver;
let base;

before(async () => {
  receiver = http.createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      received.push({ path: req.url, raw, headers: req.headers, body: JSON.parse(raw) });
      res.writeHead(req.url.startsWith('/fail') ? 500 : 200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${receiver.address().port}`;
});

after(() => new Promise((resolve) => receiver.close(resolve)));

/** verifyAsDfnsSample checks a delivery as the Dfns sample receiver does. */
function verifyAsDfnsSample(delivery, secret) {
  const body = JSON.stringify(delivery.body);
  assert.equal(body, delivery.raw, 'the raw body is JSON.stringify of the parsed body');
  const expected = `sha256=${crypto.createHmac('sha256', secret).update(body).digest('hex')}`;
  const got = delivery.headers['x-dfns-webhook-signature'];
  assert.ok(got && crypto.timingSafeEqual(Buffer.from(got), Buffer.from(expected)), 'signature verifies');
}

/** waitFor polls cond (bounded: 30 s) and returns its first truthy value. */
async function waitFor(what, cond) {
  for (const end = Date.now() + 30_000; Date.now() < end; await new Promise((r) => setTimeout(r, 25))) {
    const v = await cond();
    if (v) return v;
  }
  throw new Error(`timed out waiting for ${what}`);
}

test('webhook: signed events, ping, retries with retryOf, deliveryFailed filter', async () => {
  const ok = await api.webhooks.createWebhook({ body: { url: `${base}/ok`, events: ['*'], description: 'sdk test' } });
  assert.match(ok.id, /^wh-/);
  assert.equal(ok.status, 'Enabled');
  assert.equal(typeof ok.secret, 'string');
  const got = await api.webhooks.getWebhook({ webhookId: ok.id });
  assert.equal(got.secret, undefined, 'the secret is shown only at creation');
  assert.deepEqual(got.events, ['*']);

  const wallet = await api.wallets.createWallet({ body: { network: 'EthereumSepolia', name: uniqueName('<wh>&') } });
  const created = await waitFor('wallet.created delivery', () =>
    received.find((d) => d.path === '/ok' && d.body.kind === 'wallet.created' && d.body.data.wallet.id === wallet.id));
  verifyAsDfnsSample(created, ok.secret);
  assert.match(created.body.id, /^whe-/);
  assert.equal(typeof created.body.timestampSent, 'number');
  assert.equal(created.body.deliveryAttempt, 1);
  assert.equal(created.body.data.wallet.name, wallet.name);

  const pong = await api.webhooks.pingWebhook({ webhookId: ok.id });
  assert.equal(pong.status, '200');

  const fail = await api.webhooks.createWebhook({ body: { url: `${base}/fail`, events: ['wallet.created'] } });
  const failPing = await api.webhooks.pingWebhook({ webhookId: fail.id });
  assert.equal(failPing.status, '500');

  const w2 = await api.wallets.createWallet({ body: { network: 'EthereumSepolia' } });
  // One attempt and two retries (two delays configured).
  const failed = await waitFor('three failed attempts', async () => {
    const l = await api.webhooks.listWebhookEvents({ webhookId: fail.id, query: { deliveryFailed: 'true' } });
    return l.items.length === 3 ? l.items : undefined;
  });
  failed.sort((a, b) => a.deliveryAttempt - b.deliveryAttempt);
  assert.deepEqual(failed.map((e) => e.deliveryAttempt), [1, 2, 3]);
  assert.equal(failed[0].retryOf, undefined);
  assert.equal(failed[1].retryOf, failed[0].id);
  assert.equal(failed[2].retryOf, failed[1].id);
  for (const e of failed) {
    assert.equal(e.kind, 'wallet.created');
    assert.equal(e.status, '500');
    assert.equal(e.data.wallet.id, w2.id);
  }
  const attempts = received.filter((d) => d.path === '/fail' && d.body.kind === 'wallet.created');
  assert.equal(attempts.length, 3);
  for (const d of attempts) verifyAsDfnsSample(d, fail.secret);
  const none = await api.webhooks.listWebhookEvents({ webhookId: fail.id, query: { deliveryFailed: 'false' } });
  assert.equal(none.items.length, 0);

  const okEvents = await api.webhooks.listWebhookEvents({ webhookId: ok.id, query: { kind: 'wallet.created' } });
  assert.ok(okEvents.items.some((e) => e.id === created.body.id && e.status === '200'));
  const one = await api.webhooks.getWebhookEvent({ webhookId: ok.id, webhookEventId: created.body.id });
  assert.equal(one.kind, 'wallet.created');

  const upd = await api.webhooks.updateWebhook({ webhookId: ok.id, body: { status: 'Disabled' } });
  assert.equal(upd.status, 'Disabled');
  const list = await api.webhooks.listWebhooks({});
  assert.ok(list.items.some((w) => w.id === ok.id));
  for (const id of [ok.id, fail.id]) {
    assert.deepEqual(await api.webhooks.deleteWebhook({ webhookId: id }), { deleted: true });
  }
});
