#!/bin/sh
# gen_openssl.sh writes the OpenSSL-made fixtures of this folder (OpenSSL 3).
# Run from this folder: sh gen_openssl.sh. Output is committed; rerunning makes new random keys.
set -eu
msg='Custos pemkey vector signed by openssl'
printf '%s' "$msg" >openssl_msg.txt

openssl genpkey -algorithm ed25519 -out openssl_ed25519_pkcs8.pem
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out openssl_p256_pkcs8.pem
openssl ecparam -name secp256k1 -genkey -noout -out openssl_secp256k1_sec1.pem
openssl pkcs8 -topk8 -nocrypt -in openssl_secp256k1_sec1.pem -out openssl_secp256k1_pkcs8.pem
openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:3072 -out openssl_rsa3072_pkcs8.pem
openssl rsa -in openssl_rsa3072_pkcs8.pem -traditional -out openssl_rsa3072_pkcs1.pem 2>/dev/null

for k in ed25519 p256 secp256k1 rsa3072; do
	openssl pkey -in "openssl_${k}_pkcs8.pem" -pubout -out "openssl_${k}_spki.pem"
done
# A compressed-point secp256k1 SPKI and an explicit-parameters one (the latter must be refused).
openssl ec -in openssl_secp256k1_sec1.pem -pubout -conv_form compressed -out openssl_secp256k1_compressed_spki.pem 2>/dev/null
openssl ec -in openssl_secp256k1_sec1.pem -pubout -param_enc explicit -out openssl_secp256k1_explicit_spki.pem 2>/dev/null
openssl rsa -in openssl_rsa3072_pkcs8.pem -RSAPublicKey_out -out openssl_rsa3072_pkcs1_pub.pem 2>/dev/null

# Signatures: Ed25519 pure; ECDSA DER and RSA PKCS#1 v1.5 over SHA-256 (and SHA-512 for one).
openssl pkeyutl -sign -rawin -inkey openssl_ed25519_pkcs8.pem -in openssl_msg.txt -out openssl_ed25519.sig
for k in p256 secp256k1 rsa3072; do
	openssl dgst -sha256 -sign "openssl_${k}_pkcs8.pem" -out "openssl_${k}.sig" openssl_msg.txt
done
openssl dgst -sha512 -sign openssl_p256_pkcs8.pem -out openssl_p256_sha512.sig openssl_msg.txt
