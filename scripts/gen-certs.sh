#!/usr/bin/env bash
# gen-certs.sh [DIR] — test certificates for cafka's SSL listeners (default DIR: var/certs under
# the repo root). Idempotent: does nothing if DIR/ca.pem exists.
#
#   ca.pem, ca.key                 self-signed test CA (ssl.truststore.location, clients' CA)
#   broker.pem, broker.key         broker certificate (CN=localhost,
#                                  SAN DNS:localhost, IP:127.0.0.1) and its key
#   broker-keystore.pem            unencrypted PKCS#8 key + broker cert + CA cert in one PEM:
#                                  Kafka's ssl.keystore.type=PEM ssl.keystore.location
#   client.pem, client.key         client certificate (CN=cafka-client) for ssl.client.auth=required
#
# RSA 2048, SHA-256, valid 3650 days. Keys are unencrypted: these are test credentials only.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
dir=${1:-$root/var/certs}

if [ -f "$dir/ca.pem" ]; then
    exit 0
fi

mkdir -p "$dir"
tmp=$(mktemp -d "$dir/.gen.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

days=3650

# CA
openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days "$days" \
    -keyout "$tmp/ca.key" -out "$tmp/ca.pem" -subj "/O=cafka test/CN=cafka test CA" \
    -addext "basicConstraints=critical,CA:TRUE" \
    -addext "keyUsage=critical,keyCertSign,cRLSign" 2>/dev/null

# leaf NAME SUBJECT EXTFILE-CONTENT
leaf() {
    local name=$1 subj=$2 ext=$3
    openssl req -new -newkey rsa:2048 -nodes -sha256 \
        -keyout "$tmp/$name.key" -out "$tmp/$name.csr" -subj "$subj" 2>/dev/null
    printf '%s\n' "$ext" >"$tmp/$name.ext"
    openssl x509 -req -sha256 -days "$days" -in "$tmp/$name.csr" \
        -CA "$tmp/ca.pem" -CAkey "$tmp/ca.key" -set_serial "0x$(openssl rand -hex 16)" \
        -extfile "$tmp/$name.ext" -out "$tmp/$name.pem" 2>/dev/null
    rm -f "$tmp/$name.csr" "$tmp/$name.ext"
}

leaf broker "/O=cafka test/CN=localhost" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=serverAuth,clientAuth
subjectAltName=DNS:localhost,IP:127.0.0.1"

leaf client "/O=cafka test/CN=cafka-client" "basicConstraints=CA:FALSE
keyUsage=critical,digitalSignature,keyEncipherment
extendedKeyUsage=clientAuth"

# Kafka PEM keystore: PKCS#8 private key (unencrypted) followed by the certificate chain.
{
    openssl pkcs8 -topk8 -nocrypt -in "$tmp/broker.key"
    cat "$tmp/broker.pem" "$tmp/ca.pem"
} >"$tmp/broker-keystore.pem"

chmod 600 "$tmp"/*.key "$tmp/broker-keystore.pem"
chmod 644 "$tmp"/ca.pem "$tmp"/broker.pem "$tmp"/client.pem
# ca.pem last: its presence marks a complete set.
for f in ca.key broker.key broker.pem broker-keystore.pem client.key client.pem ca.pem; do
    mv -f "$tmp/$f" "$dir/$f"
done
echo "gen-certs: wrote $dir"
