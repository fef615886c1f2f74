// The page Custos serves at /app/: register with a registration code and a
// passkey, log in with the passkey, list your wallets and sign a message
// with one. Every call goes through the official Dfns SDK (@dfns/sdk) and
// the official browser signer (@dfns/sdk-browser's WebAuthnSigner), against
// the server that serves this page.
import { DfnsApiClient, DfnsAuthenticator } from '@dfns/sdk';
import { WebAuthnSigner } from '@dfns/sdk-browser';

const $ = (id) => document.getElementById(id);
const baseUrl = location.origin;
let signer;
let api;

function status(text, ok = true) {
  const el = $('status');
  el.textContent = text;
  el.className = ok ? 'ok' : 'err';
}

async function guarded(what, fn) {
  status(`${what}…`);
  try {
    await fn();
  } catch (err) {
    status(`${what} failed: ${err?.message ?? err}`, false);
  }
}

function orgId() {
  return $('org').value.trim() || undefined;
}

async function register() {
  await guarded('Registering', async () => {
    const auth = new DfnsAuthenticator({ baseUrl, signer });
    const res = await auth.register({
      orgId: orgId(), username: $('reg-user').value.trim(), registrationCode: $('reg-code').value.trim(),
    });
    $('login-user').value = res.user.username;
    status(`Registered ${res.user.username} with a ${res.credential.kind} credential.`);
  });
}

async function login() {
  await guarded('Logging in', async () => {
    const auth = new DfnsAuthenticator({ baseUrl, signer });
    const { token } = await auth.login({ orgId: orgId(), username: $('login-user').value.trim() });
    api = new DfnsApiClient({ baseUrl, authToken: token, signer });
    $('session').hidden = false;
    status(`Logged in as ${$('login-user').value.trim()}.`);
    await wallets();
  });
}

async function wallets() {
  const list = await api.wallets.listWallets();
  const ul = $('wallets');
  ul.replaceChildren();
  for (const w of list.items) {
    const li = document.createElement('li');
    const label = document.createElement('label');
    const radio = document.createElement('input');
    radio.type = 'radio';
    radio.name = 'wallet';
    radio.value = w.id;
    radio.dataset.address = w.address ?? '';
    label.append(radio, ` ${w.name || w.id} — ${w.network} ${w.address ?? ''}`);
    li.append(label);
    ul.append(li);
  }
  const first = ul.querySelector('input');
  if (first) first.checked = true;
  $('wallet-count').textContent = String(list.items.length);
}

function hex(text) {
  return `0x${Array.from(new TextEncoder().encode(text), (b) => b.toString(16).padStart(2, '0')).join('')}`;
}

async function sign() {
  await guarded('Signing', async () => {
    const picked = document.querySelector('input[name=wallet]:checked');
    if (!picked) throw new Error('no wallet selected');
    const res = await api.wallets.generateSignature({
      walletId: picked.value, body: { kind: 'Eip191', message: hex($('message').value) },
    });
    $('signature').textContent = res.signature?.encoded ?? JSON.stringify(res.signature);
    status(`Signed with ${picked.dataset.address || picked.value} (${res.status}).`);
  });
}

async function main() {
  const cfg = await (await fetch('config.json')).json();
  signer = new WebAuthnSigner({ relyingParty: { id: cfg.rpId, name: 'Custos' } });
  if (cfg.orgId) $('org').value = cfg.orgId;
  $('register').addEventListener('click', register);
  $('login').addEventListener('click', login);
  $('sign').addEventListener('click', sign);
  $('refresh').addEventListener('click', () => guarded('Loading wallets', wallets));
  status('Ready.');
}

main();
