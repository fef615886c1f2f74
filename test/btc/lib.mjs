// Helpers of the Bitcoin transfer suite: the SDK client of the bootstrap
// service account, JSON-RPC to btcd, balances read from btcd's address
// index, a minimal PSBT encoder, and bounded polling.
import assert from 'node:assert/strict';
import { DfnsApiClient, DfnsAuthenticator, DfnsError } from '@dfns/sdk';
import { AsymmetricKeySigner } from '@dfns/sdk-keysigner';
import { suiteHelpers, until } from '../lib/suite.mjs';

export { until };
export const { clientFor, api, approverClient, settled, rejects } = suiteHelpers({
  DfnsApiClient, DfnsAuthenticator, AsymmetricKeySigner, DfnsError,
});

/** api is the SDK client of the server run.mjs started (undefined in run.mjs itself). */

let rpcId = 0;
/** btc calls the btcd node at url (default BTCD_URL, http://user:pass@host:port). */
export async function btc(method, params = [], url = process.env.BTCD_URL) {
  const u = new URL(url);
  const auth = Buffer.from(`${decodeURIComponent(u.username)}:${decodeURIComponent(u.password)}`).toString('base64');
  u.username = '';
  u.password = '';
  const res = await fetch(u, {
    method: 'POST', headers: { 'content-type': 'application/json', authorization: `Basic ${auth}` },
    body: JSON.stringify({ jsonrpc: '1.0', id: ++rpcId, method, params }),
  });
  const body = await res.json();
  if (body.error) throw new Error(`${method}: ${body.error.message}`);
  return body.result;
}

/** mine mines n blocks to the --miningaddr of the node at url (default btcd). */
export const mine = (n = 1, url = process.env.BTCD_URL) => btc('generate', [n], url);

// bech32 (BIP-173), enough to spell a segwit address with another HRP.
const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
function polymod(values) {
  const G = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];
  let chk = 1;
  for (const v of values) {
    const b = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) if ((b >> i) & 1) chk ^= G[i];
  }
  return chk;
}
const hrpExpand = (hrp) => [...hrp].map((c) => c.charCodeAt(0) >> 5).concat([0], [...hrp].map((c) => c.charCodeAt(0) & 31));

/** rehrp spells the witness version 0 (bech32) address addr with the human-readable part hrp. */
export function rehrp(addr, hrp) {
  const data = [...addr.slice(addr.lastIndexOf('1') + 1, -6)].map((c) => CHARSET.indexOf(c));
  assert.equal(data[0], 0, 'a witness version 0 address');
  const mod = polymod(hrpExpand(hrp).concat(data, [0, 0, 0, 0, 0, 0])) ^ 1;
  const checksum = Array.from({ length: 6 }, (_, i) => (mod >> (5 * (5 - i))) & 31);
  return `${hrp}1${data.concat(checksum).map((d) => CHARSET[d]).join('')}`;
}

/** sats converts a btcd amount (BTC, a JSON number) to satoshis. */
export const sats = (btcAmount) => BigInt(Math.round(btcAmount * 1e8));

/** paysTo reports whether a btcd verbose output pays address. */
export function paysTo(vout, address) {
  const spk = vout.scriptPubKey;
  return spk.address === address || (spk.addresses ?? []).includes(address);
}

/** nodeBalance is what the address index of the node at url (default btcd) says address holds (confirmed and pooled). */
export async function nodeBalance(address, url = process.env.BTCD_URL) {
  const txs = await btc('searchrawtransactions', [address, 1, 0, 1000, 1], url);
  let bal = 0n;
  for (const tx of txs) {
    for (const o of tx.vout) if (paysTo(o, address)) bal += sats(o.value);
    for (const i of tx.vin) {
      if (i.prevOut && (i.prevOut.addresses ?? []).includes(address)) bal -= sats(i.prevOut.value);
    }
  }
  return bal;
}

/** balance is the Native balance GET /wallets/{id}/assets shows. */
export async function balance(walletId, client = api) {
  const a = await client.wallets.getWalletAssets({ walletId });
  const native = a.assets.find((x) => x.kind === 'Native');
  assert.ok(native, 'a Native asset');
  return BigInt(native.balance);
}

// A minimal PSBT (BIP-174) encoder: an unsigned version 2 transaction and
// the witness UTXO of each input.
const le = (n, bytes) => {
  const b = Buffer.alloc(bytes);
  if (bytes === 8) b.writeBigUInt64LE(BigInt(n));
  else b.writeUInt32LE(Number(n));
  return b;
};
const varint = (n) => (n < 0xfd ? Buffer.from([n]) : Buffer.concat([Buffer.from([0xfd]), Buffer.from([n & 0xff, n >> 8])]));
const withLen = (b) => Buffer.concat([varint(b.length), b]);

/**
 * psbt encodes a PSBT spending inputs [{txid, vout, value (sats), script (hex)}] to outputs
 * [{value (sats), script (hex)}] as 0x hex.
 */
export function psbt(inputs, outputs) {
  const tx = Buffer.concat([
    le(2, 4), varint(inputs.length),
    ...inputs.map((i) => Buffer.concat([Buffer.from(i.txid, 'hex').reverse(), le(i.vout, 4), varint(0), le(0xfffffffd, 4)])),
    varint(outputs.length),
    ...outputs.map((o) => Buffer.concat([le(o.value, 8), withLen(Buffer.from(o.script, 'hex'))])),
    le(0, 4),
  ]);
  const sep = Buffer.from([0]);
  return '0x' + Buffer.concat([
    Buffer.from('70736274ff', 'hex'),
    withLen(Buffer.from([0])), withLen(tx), sep,
    ...inputs.map((i) => Buffer.concat([withLen(Buffer.from([1])),
      withLen(Buffer.concat([le(i.value, 8), withLen(Buffer.from(i.script, 'hex'))])), sep])),
    ...outputs.map(() => sep),
  ]).toString('hex');
}
