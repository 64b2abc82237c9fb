#!/bin/sh
# Start-up: no tool but the network clients loads libcrypto (or libssl)
# when it starts, since SHA-256 loads libcrypto at the first digest
# (lib/sha256.c); eml-extract -a hashes nothing and never loads it,
# --manifest does and its digests are right.  Seen through the glibc
# loader's LD_DEBUG=files; skipped where that prints nothing (another
# libc).
. "$(dirname "$0")/_lib.sh"
X="$B/eml-extract"

check() {
	if eval "$2"; then ok "$1"; else notok "$1"; fi
}

LD_DEBUG=files "$B/eml-qp" --version > /dev/null 2> "$T/dbg"
if ! grep -q 'file=' "$T/dbg"; then
	echo "startup: LD_DEBUG=files shows nothing here: skipped"
	exit 0
fi

# loads NAME: the loader reported opening a library whose name has NAME
loads() { grep -q "file=[^ ]*$1" "$T/dbg"; }

for t in "$B"/eml-*; do
	n=${t##*/}
	case $n in
	eml-smtp|eml-imap|eml-pop3) continue ;;	# TLS: libssl is theirs
	esac
	LD_DEBUG=files "$t" --version > /dev/null 2> "$T/dbg"
	check "$n --version loads no libcrypto" '! loads libcrypto && ! loads libssl'
done

{
	printf 'From: a@example.org\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary=b\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nbody\n'
	printf -- '--b\nContent-Type: application/pdf; name="x.pdf"\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	printf 'attached bytes' | base64
	printf -- '--b--\n'
} > "$T/m.eml"
LD_DEBUG=files "$X" -a -d "$T/d1" "$T/m.eml" > /dev/null 2> "$T/dbg"
check "eml-extract -a writes the attachment" \
    '[ "$(cat "$T/d1/x.pdf")" = "attached bytes" ]'
check "eml-extract -a loads no libcrypto" '! loads libcrypto'
LD_DEBUG=files "$X" -a -d "$T/d2" --manifest "$T/m.eml" > "$T/out" \
    2> "$T/dbg"
check "eml-extract --manifest loads libcrypto" 'loads libcrypto'
s=$(printf 'attached bytes' | sha256sum | cut -d' ' -f1)
check "eml-extract --manifest: the digest of the bytes" \
    'grep -qF "\"sha256\":\"$s\"" "$T/out"'

# Per message: fields eml-extract does not use are not decoded, so the
# ISO-2022-JP Subject loads no gconv module (the field checks converted
# it before); the file name, which is used, is still decoded (RFC 2231).
{
	printf 'From: a@example.org\n'
	printf 'Subject: =?ISO-2022-JP?B?GyRCJEskWyRzJDQbKEI=?=\n'
	printf 'MIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary=b\n\n'
	printf -- '--b\nContent-Type: text/plain\n\nbody\n'
	printf -- '--b\nContent-Type: application/pdf\n'
	printf "Content-Disposition: attachment; filename*=iso-8859-1''caf%%E9.pdf\n"
	printf 'Content-Transfer-Encoding: base64\n\n'
	printf 'pdf bytes' | base64
	printf -- '--b--\n'
} > "$T/jp.eml"
LD_DEBUG=files "$X" -a -d "$T/d3" "$T/jp.eml" > /dev/null 2> "$T/dbg"
check "eml-extract -a loads no gconv module for the Subject" \
    '! loads ISO-2022-JP && ! loads gconv'
check "eml-extract -a still decodes the file name" \
    '[ "$(cat "$T/d3/café.pdf")" = "pdf bytes" ]'
