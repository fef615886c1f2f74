// A software WebAuthn authenticator behind a stand-in for the browser's
// navigator.credentials, so that @dfns/sdk-browser's own WebAuthnSigner runs
// unchanged in node: create() makes a P-256 (ES256) credential with
// attestation "none", get() signs authenticatorData ‖ SHA-256(clientDataJSON)
// with a counter that increases. clientDataJSON is what a browser writes:
// {type, challenge: base64url of the challenge bytes, origin, crossOrigin}.
import crypto from 'node:crypto';

/** cbor encodes the few CBOR types an attestation object needs. */
export function cbor(v) {
  const head = (major, n) => {
    if (n < 24) return Buffer.from([(major << 5) | n]);
    if (n < 256) return Buffer.from([(major << 5) | 24, n]);
    if (n < 65536) return Buffer.from([(major << 5) | 25, n >> 8, n & 255]);
    const b = Buffer.alloc(5);
    b[0] = (major << 5) | 26;
    b.writeUInt32BE(n, 1);
    return b;
  };
  if (typeof v === 'number') return v >= 0 ? head(0, v) : head(1, -1 - v);
  if (typeof v === 'string') return Buffer.concat([head(3, Buffer.byteLength(v)), Buffer.from(v)]);
  if (Buffer.isBuffer(v) || v instanceof Uint8Array) return Buffer.concat([head(2, v.length), Buffer.from(v)]);
  if (v instanceof Map) {
    const parts = [head(5, v.size)];
    for (const [k, x] of v) parts.push(cbor(k), cbor(x));
    return Buffer.concat(parts);
  }
  throw new Error(`cbor: unsupported value ${v}`);
}

const ab = (buf) => buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength);

/**
 * SoftAuthenticator holds credentials by id; origin is the page origin
 * clientData carries. Tests may change origin, rpIdOverride, flags and
 * counters to make it misbehave.
 */
export class SoftAuthenticator {
  constructor(origin) {
    this.origin = origin;
    this.rpIdOverride = undefined;
    this.flags = 0x05; // UP | UV
    this.creds = new Map(); // base64url id -> {privateKey, userHandle, counter}
  }

  /** install makes this authenticator globalThis.navigator.credentials. */
  install() {
    const self = this;
    Object.defineProperty(globalThis, 'navigator', {
      configurable: true,
      value: { credentials: { create: (o) => self.create(o), get: (o) => self.get(o) } },
    });
    return this;
  }

  clientData(type, challenge) {
    return Buffer.from(JSON.stringify({
      type, challenge: Buffer.from(challenge).toString('base64url'), origin: this.origin, crossOrigin: false,
    }));
  }

  authData(rpId, flags, counter) {
    const c = Buffer.alloc(4);
    c.writeUInt32BE(counter);
    const h = crypto.createHash('sha256').update(this.rpIdOverride ?? rpId).digest();
    return Buffer.concat([h, Buffer.from([flags]), c]);
  }

  async create({ publicKey: o }) {
    if (!o.pubKeyCredParams.some((p) => p.alg === -7)) throw new Error('ES256 not offered');
    const { privateKey, publicKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    const jwk = publicKey.export({ format: 'jwk' });
    const id = crypto.randomBytes(32);
    const idB64 = id.toString('base64url');
    this.creds.set(idB64, { privateKey, userHandle: Buffer.from(o.user.id), counter: 0 });
    const cose = cbor(new Map([[1, 2], [3, -7], [-1, 1],
      [-2, Buffer.from(jwk.x, 'base64url')], [-3, Buffer.from(jwk.y, 'base64url')]]));
    const len = Buffer.alloc(2);
    len.writeUInt16BE(id.length);
    const authData = Buffer.concat([this.authData(o.rp.id, this.flags | 0x40, 0), Buffer.alloc(16), len, id, cose]);
    const att = cbor(new Map([['fmt', 'none'], ['attStmt', new Map()], ['authData', authData]]));
    return {
      id: idB64, rawId: ab(id), type: 'public-key',
      response: { clientDataJSON: ab(this.clientData('webauthn.create', o.challenge)), attestationObject: ab(att) },
    };
  }

  async get({ publicKey: o }) {
    const allowed = o.allowCredentials.map((c) => Buffer.from(c.id).toString('base64url'));
    const idB64 = allowed.find((id) => this.creds.has(id));
    if (!idB64) return null;
    const cred = this.creds.get(idB64);
    cred.counter += 1;
    const authData = this.authData(o.rpId, this.flags, cred.counter);
    const clientData = this.clientData('webauthn.get', o.challenge);
    const hash = crypto.createHash('sha256').update(clientData).digest();
    const signature = crypto.sign('sha256', Buffer.concat([authData, hash]), { key: cred.privateKey, dsaEncoding: 'der' });
    return {
      id: idB64, rawId: ab(Buffer.from(idB64, 'base64url')), type: 'public-key',
      response: {
        clientDataJSON: ab(clientData), authenticatorData: ab(authData), signature: ab(signature),
        userHandle: ab(cred.userHandle),
      },
    };
  }
}
