// Chain helpers for the wallet tests, written independently of the server:
// a BIP-173 bech32 encoder for P2WPKH addresses, ed25519 public keys for
// node:crypto, and the signature object ethers recovers from.
import crypto from 'node:crypto';
import { ethers } from 'ethers';

const CHARSET = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l';
const GENERATOR = [0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3];

/** polymod is the BCH checksum of BIP-173 over 5-bit values. */
function polymod(values) {
  let chk = 1;
  for (const v of values) {
    const top = chk >>> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ v;
    for (let i = 0; i < 5; i++) {
      if ((top >>> i) & 1) chk ^= GENERATOR[i];
    }
  }
  return chk >>> 0;
}

function hrpExpand(hrp) {
  const out = [];
  for (const c of hrp) out.push(c.charCodeAt(0) >> 5);
  out.push(0);
  for (const c of hrp) out.push(c.charCodeAt(0) & 31);
  return out;
}

/** convertBits regroups 8-bit bytes into 5-bit words, padding the last one. */
function convertBits(bytes, from, to) {
  let acc = 0;
  let bits = 0;
  const out = [];
  const max = (1 << to) - 1;
  for (const b of bytes) {
    acc = (acc << from) | b;
    bits += from;
    while (bits >= to) {
      bits -= to;
      out.push((acc >> bits) & max);
    }
  }
  if (bits > 0) out.push((acc << (to - bits)) & max);
  return out;
}

/** bech32Encode encodes 5-bit data words under hrp with the bech32 (BIP-173) checksum. */
export function bech32Encode(hrp, words) {
  const values = [...hrpExpand(hrp), ...words];
  const mod = polymod([...values, 0, 0, 0, 0, 0, 0]) ^ 1;
  const checksum = [];
  for (let i = 0; i < 6; i++) checksum.push((mod >>> (5 * (5 - i))) & 31);
  return `${hrp}1${[...words, ...checksum].map((w) => CHARSET[w]).join('')}`;
}

/**
 * p2wpkhAddress returns the segwit v0 address (BIP-173) of a compressed
 * secp256k1 public key (hex, no 0x): hrp 1 q <hash160(pub)> checksum.
 */
export function p2wpkhAddress(pubHex, hrp) {
  const hash160 = ethers.getBytes(ethers.ripemd160(ethers.sha256(`0x${pubHex}`)));
  return bech32Encode(hrp, [0, ...convertBits(hash160, 8, 5)]);
}

/** ed25519PublicKey turns a 32-byte hex public key into a node:crypto KeyObject. */
export function ed25519PublicKey(pubHex) {
  const x = Buffer.from(pubHex.replace(/^0x/, ''), 'hex');
  if (x.length !== 32) throw new Error(`ed25519 public key has ${x.length} bytes`);
  return crypto.createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url') }, format: 'jwk' });
}

/** rawSignature joins the r and s of a wire signature into 64 bytes. */
export function rawSignature(sig) {
  return Buffer.concat([Buffer.from(sig.r.replace(/^0x/, ''), 'hex'), Buffer.from(sig.s.replace(/^0x/, ''), 'hex')]);
}

/** evmSignature builds the ethers signature of a wire {r, s, recid}. */
export function evmSignature(sig) {
  if (sig.recid !== 0 && sig.recid !== 1) throw new Error(`recid is ${sig.recid}, want 0 or 1`);
  return ethers.Signature.from({ r: sig.r, s: sig.s, v: 27 + sig.recid });
}
