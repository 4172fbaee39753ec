#!/bin/sh
# Regenerates the Mdm-Signature fixtures with OpenSSL 3. Run it from the
# cryptoutil/testdata folder; the private keys are not kept.
set -eu
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

openssl req -x509 -newkey rsa:2048 -nodes -keyout "$tmp/rsa.key" \
	-subj "/CN=Fixture RSA Device" -days 36500 \
	-addext "extendedKeyUsage=clientAuth" -out signer-rsa.pem 2>/dev/null
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
	-keyout "$tmp/ec.key" -subj "/CN=Fixture ECDSA Device" -days 36500 \
	-addext "extendedKeyUsage=clientAuth" -out signer-ecdsa.pem 2>/dev/null

sign() {
	# sign OUTPUT CERT KEY [openssl cms options...]
	out=$1 cert=$2 key=$3
	shift 3
	openssl cms -sign -binary -in body.plist -signer "$cert" -inkey "$key" \
		-outform DER "$@" | base64 -w0 >"$out"
}
sign ber-rsa.sig signer-rsa.pem "$tmp/rsa.key" -stream -indef
sign sha1-rsa.sig signer-rsa.pem "$tmp/rsa.key" -md sha1
sign nocerts-rsa.sig signer-rsa.pem "$tmp/rsa.key" -nocerts
sign noattr-ecdsa.sig signer-ecdsa.pem "$tmp/ec.key" -noattr
sign sha384-ecdsa.sig signer-ecdsa.pem "$tmp/ec.key" -md sha384
