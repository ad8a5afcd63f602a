#!/usr/bin/env bash
# Generates the virtual chip's TEST PKI (never trust it for real documents):
#   CSCA  "emrtd TEST CSCA"  ECDSA brainpoolP256r1 / SHA-256, self-signed
#   DSC   "emrtd TEST DS"    ECDSA P-256 / SHA-256, issued by the CSCA
# The virtual chip signs EF.SOD and EF.CardSecurity with the DSC key; `emrtd verify --trust
# crates/emrtd-sim/pki/csca.der` (or the CLI's --sim trust) checks the chain.
# Run once; the outputs are committed so builds are reproducible.
set -euo pipefail
cd "$(dirname "$0")"
openssl ecparam -name brainpoolP256r1 -genkey -noout -out csca.key.pem
openssl req -new -x509 -key csca.key.pem -sha256 -days 7300 -subj "/C=NO/O=emrtd test/CN=emrtd TEST CSCA" \
  -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  -addext "subjectKeyIdentifier=hash" -set_serial 1 -out csca.pem
openssl ecparam -name prime256v1 -genkey -noout -out dsc.key.pem
openssl req -new -key dsc.key.pem -subj "/C=NO/O=emrtd test/CN=emrtd TEST DS" -out dsc.csr
cat > dsc.ext <<'EXT'
keyUsage=critical,digitalSignature
authorityKeyIdentifier=keyid
subjectKeyIdentifier=hash
EXT
openssl x509 -req -in dsc.csr -CA csca.pem -CAkey csca.key.pem -set_serial 2 -days 3650 -sha256 -extfile dsc.ext -out dsc.pem
openssl x509 -in csca.pem -outform DER -out csca.der
openssl x509 -in dsc.pem -outform DER -out dsc.der
openssl pkcs8 -topk8 -nocrypt -in dsc.key.pem -outform DER -out dsc.key.der
rm -f dsc.csr dsc.ext csca.key.pem dsc.key.pem csca.pem dsc.pem
