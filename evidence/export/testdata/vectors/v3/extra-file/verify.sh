#!/bin/sh
# Checks this evidence package with GNU coreutils and OpenSSL (3.0 or later)
# only, offline. Usage, in the package directory:
#
#     sh verify.sh [FINGERPRINT]
#
# FINGERPRINT is the key fingerprint the sender confirmed by another channel
# (64 hex digits, with or without "sha256:"). Exit status 0: every file is
# the one signed with that key; 1: something differs.
set -u
cd "$(dirname "$0")" || exit 1
fail() { echo "FAILED: $*"; exit 1; }
for f in SHA256SUMS SHA256SUMS.sig public-key.pem; do
	if [ -L "$f" ] || [ ! -f "$f" ]; then fail "$f is missing or not a regular file"; fi
done
# 1. SHA256SUMS is signed with the key in public-key.pem.
openssl pkeyutl -verify -pubin -inkey public-key.pem -rawin -in SHA256SUMS -sigfile SHA256SUMS.sig >/dev/null 2>&1 ||
	fail "the signature in SHA256SUMS.sig over SHA256SUMS does not verify with public-key.pem"
echo "signature over SHA256SUMS: verified"
# 2. Every listed file is unchanged.
sha256sum -c --strict SHA256SUMS --quiet || fail "a file differs from SHA256SUMS (see above)"
echo "every file listed in SHA256SUMS: unchanged"
# 3. Nothing is present that SHA256SUMS does not list (links are refused).
nl='
'
listed="${nl}$(cut -c67- SHA256SUMS)${nl}SHA256SUMS${nl}SHA256SUMS.sig${nl}"
extra=$(du -a -0 . | tr '\0\n' '\n?' | cut -f2- | while IFS= read -r p; do
	if [ -L "$p" ]; then echo "$p (a link)"; continue; fi
	[ -d "$p" ] && continue
	case "$listed" in *"${nl}${p#./}${nl}"*) ;; *) echo "$p" ;; esac
done)
[ -z "$extra" ] || fail "not listed in SHA256SUMS: $extra"
echo "no unlisted file"
# 4. The key.
fp=$(openssl pkey -pubin -in public-key.pem -outform DER | sha256sum | cut -c1-64)
echo "signing key fingerprint: sha256:$fp"
if [ $# -ge 1 ]; then
	[ "${1#sha256:}" = "$fp" ] || fail "the package is signed with another key than $1"
	echo "OK: every file is the one signed with the confirmed key"
else
	echo "OK: every file is the one signed with this key; compare the fingerprint above with the one the sender confirmed"
fi
