// Ed25519 verification with Node's own crypto, for chains whose SDK
// exposes the signed bytes but no verify function over them.
import crypto from 'node:crypto';

/** ed25519Verify reports whether sig is pub's signature of msg. */
export function ed25519Verify(pub, msg, sig) {
  const key = crypto.createPublicKey({
    key: { kty: 'OKP', crv: 'Ed25519', x: Buffer.from(pub).toString('base64url') },
    format: 'jwk',
  });
  return crypto.verify(null, Buffer.from(msg), key, Buffer.from(sig));
}
