// The page Custos serves at /app/: register with a registration code and a
// passkey, log in with the passkey, list your wallets and sign a message
// with one, and approve or deny the pending policy approvals you are an
// approver of (each decision a user action signed with the passkey). Every call goes through the official Dfns SDK (@dfns/sdk) and
// the official browser signer (@dfns/sdk-browser's WebAuthnSigner), against
// the server that serves this page.
import { DfnsApiClient, DfnsAuthenticator } from '@dfns/sdk';
import { WebAuthnSigner } from '@dfns/sdk-browser';

const $ = (id) => document.getElementById(id);
const baseUrl = location.origin;
let signer;
let api;
let me; // the logged-in user's id

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
    me = userIdOf(token);
    $('session').hidden = false;
    await wallets();
    await approvals();
    status(`Logged in as ${$('login-user').value.trim()}.`);
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

// userIdOf reads the user id from a login token's claims (the Dfns
// app_metadata claim).
function userIdOf(token) {
  const b64 = token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
  return JSON.parse(atob(b64))['https://custom/app_metadata']?.userId;
}

// describe summarises what an approval would let happen.
function describe(a) {
  const act = a.activity ?? {};
  const sr = act.signatureRequest;
  if (sr) return `${act.kind}: ${sr.requestBody?.kind ?? 'signature'} with wallet ${sr.walletId ?? sr.keyId}`;
  const cr = act.changeRequest;
  if (cr) return `${act.kind}: ${cr.kind} ${cr.operationKind} of ${cr.entityId}`;
  return act.kind ?? 'activity';
}

// approvals lists the pending approvals the user may decide on.
async function approvals() {
  const ul = $('approvals');
  ul.replaceChildren();
  let items = [];
  try {
    items = (await api.policies.listApprovals({ query: { status: 'Pending', approverId: me } })).items;
  } catch (err) {
    if (err?.httpStatus !== 403) throw err;
    $('approval-count').textContent = 'not allowed';
    return;
  }
  for (const a of items) {
    const li = document.createElement('li');
    li.dataset.id = a.id;
    li.append(`${describe(a)} — asked by ${a.initiatorId} `);
    for (const [value, label] of [['Approved', 'Approve'], ['Denied', 'Deny']]) {
      const b = document.createElement('button');
      b.textContent = label;
      b.dataset.approval = a.id;
      b.dataset.value = value;
      b.addEventListener('click', () => decide(a.id, value));
      li.append(b);
    }
    ul.append(li);
  }
  $('approval-count').textContent = String(items.length);
}

// decide records the user's decision on approval id, signed with the passkey.
async function decide(id, value) {
  await guarded(value === 'Approved' ? 'Approving' : 'Denying', async () => {
    const a = await api.policies.createApprovalDecision({ approvalId: id, body: { value } });
    await approvals();
    status(`Decided ${value} on ${id}: the approval is ${a.status}.`);
  });
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
  $('refresh-approvals').addEventListener('click', () => guarded('Loading approvals', async () => {
    await approvals();
    status('Approvals loaded.');
  }));
  status('Ready.');
}

main();
