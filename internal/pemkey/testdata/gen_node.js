// gen_node.js writes the Node-made fixtures of this folder (node 20, built-in crypto only).
// Run from this folder: node gen_node.js. Output is committed; rerunning makes new random keys.
'use strict'
const crypto = require('node:crypto')
const fs = require('node:fs')

const write = (name, text) => fs.writeFileSync(name, text)
const vectors = []
const msg = 'Custos pemkey vector: {"challenge":"abc","type":"key.get"}'

const pairs = {
  ed25519: crypto.generateKeyPairSync('ed25519'),
  p256: crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' }),
  secp256k1: crypto.generateKeyPairSync('ec', { namedCurve: 'secp256k1' }),
  rsa2048: crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }),
}

for (const [name, { publicKey, privateKey }] of Object.entries(pairs)) {
  write(`node_${name}_pkcs8.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' }))
  write(`node_${name}_spki.pem`, publicKey.export({ type: 'spki', format: 'pem' }))
  // As @dfns/sdk-keysigner signs: crypto.sign(undefined, data, privateKey).
  vectors.push({
    name: `node_${name}_default`,
    key: `node_${name}_spki.pem`,
    msg,
    digest: '',
    sig: crypto.sign(undefined, Buffer.from(msg), privateKey).toString('hex'),
  })
  if (name === 'ed25519') continue
  for (const d of ['sha384', 'sha512']) {
    const sig = crypto.sign(d, Buffer.from(msg), privateKey).toString('hex')
    // Stated digest, and the same signature with no digest (the fallback of spec §6.4).
    vectors.push({ name: `node_${name}_${d}`, key: `node_${name}_spki.pem`, msg, digest: d.toUpperCase(), sig })
    vectors.push({ name: `node_${name}_${d}_fallback`, key: `node_${name}_spki.pem`, msg, digest: '', sig })
  }
  if (name === 'rsa2048') {
    write(`node_${name}_pkcs1.pem`, privateKey.export({ type: 'pkcs1', format: 'pem' }))
    write(`node_${name}_pkcs1_pub.pem`, publicKey.export({ type: 'pkcs1', format: 'pem' }))
    vectors.push({
      name: `node_${name}_pkcs1_pub`,
      key: `node_${name}_pkcs1_pub.pem`,
      msg,
      digest: 'RSA-SHA256',
      sig: crypto.sign('RSA-SHA256', Buffer.from(msg), privateKey).toString('hex'),
    })
  } else {
    write(`node_${name}_sec1.pem`, privateKey.export({ type: 'sec1', format: 'pem' }))
    // WebCrypto-style raw r||s (IEEE P1363), accepted as leniency (spec §6.4).
    vectors.push({
      name: `node_${name}_p1363`,
      key: `node_${name}_spki.pem`,
      msg,
      digest: '',
      sig: crypto.sign('sha256', Buffer.from(msg), { key: privateKey, dsaEncoding: 'ieee-p1363' }).toString('hex'),
    })
  }
}

// Keys we must refuse.
write('node_rsa1024_spki.pem', crypto.generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey.export({ type: 'spki', format: 'pem' }))
write('node_p384_spki.pem', crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).publicKey.export({ type: 'spki', format: 'pem' }))
write('node_p384_pkcs8.pem', crypto.generateKeyPairSync('ec', { namedCurve: 'secp384r1' }).privateKey.export({ type: 'pkcs8', format: 'pem' }))
write('node_x25519_spki.pem', crypto.generateKeyPairSync('x25519').publicKey.export({ type: 'spki', format: 'pem' }))
write('node_ed448_spki.pem', crypto.generateKeyPairSync('ed448').publicKey.export({ type: 'spki', format: 'pem' }))
write('node_ed448_pkcs8.pem', crypto.generateKeyPairSync('ed448').privateKey.export({ type: 'pkcs8', format: 'pem' }))

write('node_vectors.json', JSON.stringify(vectors, null, 1) + '\n')
