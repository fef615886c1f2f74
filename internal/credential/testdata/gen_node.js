// gen_node.js writes node_<algo>.json: Key-credential registrations and assertions made with Node's
// built-in crypto the way the Dfns signers build them (auth-protocol.md §5.2, §6.2):
// @dfns/sdk-keysigner AsymmetricKeySigner (assertions), BrowserKeySigner.create and the 2024 docs
// Node example (attestations), and the GoSDK clientData shape. Run from this folder: node gen_node.js.
'use strict'
const crypto = require('node:crypto')
const fs = require('node:fs')

const b64url = (b) => Buffer.from(b).toString('base64url')
const pairs = {
  ed25519: () => crypto.generateKeyPairSync('ed25519'),
  p256: () => crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  secp256k1: () => crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
  rsa2048: () => crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
}

// attest builds {credentialKind, credentialInfo} over clientData (a string) for publicKeyPem.
// pretty indents the attestationData JSON (the 2024 docs example has spaces in it).
function attest(credId, clientData, publicKeyPem, privateKey, algorithm, pretty) {
  const fingerprint = JSON.stringify({
    clientDataHash: crypto.createHash('sha256').update(Buffer.from(clientData)).digest('hex'),
    publicKey: publicKeyPem,
  })
  const signature = crypto.sign(algorithm, Buffer.from(fingerprint), privateKey).toString('hex')
  const data = { publicKey: publicKeyPem, signature }
  if (algorithm) data.algorithm = algorithm
  return {
    credentialKind: 'Key',
    credentialInfo: { credId, clientData: b64url(clientData), attestationData: b64url(JSON.stringify(data, null, pretty ? 2 : 0)) },
  }
}

// assert builds a Key assertion over clientData (a string); algorithm is sent only when send is true.
function assert(credId, clientData, privateKey, algorithm, send) {
  const signature = crypto.sign(algorithm, Buffer.from(clientData), privateKey)
  const credentialAssertion = { credId, clientData: b64url(clientData), signature: b64url(signature) }
  if (send) credentialAssertion.algorithm = algorithm
  return { kind: 'Key', credentialAssertion }
}

for (const [name, gen] of Object.entries(pairs)) {
  const { publicKey, privateKey } = gen()
  const pub = publicKey.export({ type: 'spki', format: 'pem' })
  const credId = b64url(crypto.randomBytes(32))
  const challenge = b64url('ch-' + crypto.randomBytes(12).toString('hex'))
  const isEd = name === 'ed25519'
  const out = {
    algo: name,
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }),
    publicKey: pub,
    credId,
    challenge,
    registrations: [
      // BrowserKeySigner.create: {"type","challenge"}, no algorithm.
      { name: 'browser', attestation: attest(credId, JSON.stringify({ type: 'key.create', challenge }), pub, privateKey) },
      // 2024 docs: alphabetical clientData with origin and crossOrigin.
      {
        name: 'docs24',
        attestation: attest(
          credId,
          JSON.stringify({ challenge, crossOrigin: false, origin: 'https://app.example.com', type: 'key.create' }),
          pub,
          privateKey
        ),
      },
      {
        name: 'pretty-attestation-json',
        attestation: attest(credId, JSON.stringify({ type: 'key.create', challenge }), pub, privateKey, undefined, true),
      },
      // Challenge given as base64url of its UTF-8 bytes (the recovery example double-encodes).
      {
        name: 'double-encoded',
        attestation: attest(credId, JSON.stringify({ type: 'key.create', challenge: b64url(challenge) }), pub, privateKey),
      },
    ],
    assertions: [
      // @dfns/sdk-keysigner AsymmetricKeySigner: crypto.sign(undefined, …).
      { name: 'keysigner', assertion: assert(credId, JSON.stringify({ type: 'key.get', challenge }), privateKey) },
      // GoSDK KeySigner clientData (sorted keys, crossOrigin).
      {
        name: 'gosdk-shape',
        assertion: assert(credId, JSON.stringify({ challenge, crossOrigin: false, type: 'key.get' }), privateKey),
      },
      // Legacy integration with origin.
      {
        name: 'legacy-origin',
        assertion: assert(
          credId,
          JSON.stringify({ type: 'key.get', challenge, origin: 'https://app.example.com', crossOrigin: false }),
          privateKey
        ),
      },
    ],
  }
  if (!isEd) {
    for (const d of ['SHA512', 'SHA384']) {
      // AsymmetricKeySigner with options.algorithm: the digest is NOT transmitted.
      out.assertions.push({
        name: `keysigner-${d}-untransmitted`,
        assertion: assert(credId, JSON.stringify({ type: 'key.get', challenge }), privateKey, d, false),
      })
    }
    out.assertions.push({
      name: 'algorithm-SHA512-sent',
      assertion: assert(credId, JSON.stringify({ type: 'key.get', challenge }), privateKey, 'SHA512', true),
    })
    const alg = name === 'rsa2048' ? 'RSA-SHA256' : 'SHA256'
    out.registrations.push({
      name: `docs24-${alg}`,
      attestation: attest(credId, JSON.stringify({ type: 'key.create', challenge }), pub, privateKey, alg),
    })
    out.registrations.push({
      name: 'docs24-SHA512',
      attestation: attest(credId, JSON.stringify({ type: 'key.create', challenge }), pub, privateKey, 'SHA512'),
    })
  }
  if (name === 'rsa2048') {
    // The 2024 docs Node example exports RSA public keys as PKCS#1.
    const pkcs1 = publicKey.export({ type: 'pkcs1', format: 'pem' })
    out.registrations.push({
      name: 'pkcs1-public-key',
      attestation: attest(credId, JSON.stringify({ type: 'key.create', challenge }), pkcs1, privateKey),
    })
  }
  if (name === 'p256') {
    // WebCrypto-style raw r||s left unconverted (leniency, spec §6.4).
    const clientData = JSON.stringify({ type: 'key.get', challenge })
    const sig = crypto.sign('sha256', Buffer.from(clientData), { key: privateKey, dsaEncoding: 'ieee-p1363' })
    out.assertions.push({
      name: 'webcrypto-raw',
      assertion: { kind: 'Key', credentialAssertion: { credId, clientData: b64url(clientData), signature: b64url(sig) } },
    })
  }
  fs.writeFileSync(`node_${name}.json`, JSON.stringify(out, null, 1) + '\n')
}
