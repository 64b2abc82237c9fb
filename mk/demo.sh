#!/bin/sh
# demo.sh BUILDDIR - show the main tools on corpus/demo/demo.eml: its part
# list and tree, its JSON, and that the attachment's digest in the JSON is
# the digest of the file that was base64-encoded into the message.
set -eu

B=${1:-build}
MSG=corpus/demo/demo.eml
ORIG=corpus/demo/attachment.txt

heading() {
	if [ -t 1 ]; then
		printf '\n\033[1m== %s\033[0m\n' "$*"
	else
		printf '\n== %s\n' "$*"
	fi
}

for t in eml-parts eml-json eml-hdr eml-grep; do
	if [ ! -x "$B/$t" ]; then
		echo "demo: $B/$t is missing; run 'make' first" >&2
		exit 1
	fi
done

heading "The message: $MSG ($(wc -c < "$MSG") bytes)"
sed -n '/^From:/p; /^To:/p; /^Subject:/p; /^Date:/p' "$MSG" | head -4
echo "(headers as sent: the subject and names are RFC 2047 encoded-words)"

heading "eml-parts $MSG   (one line per part)"
"$B/eml-parts" "$MSG"

heading "eml-parts --tree $MSG"
"$B/eml-parts" --tree "$MSG"

heading "eml-json --pretty $MSG"
"$B/eml-json" --pretty "$MSG" > "$B/demo.json"
cat "$B/demo.json"

heading "eml-hdr -h subject -h from $MSG   (decoded to UTF-8)"
"$B/eml-hdr" -h subject -h from "$MSG"

heading "eml-hdr -a $MSG   (one address a line)"
"$B/eml-hdr" -a "$MSG"

heading "eml-grep -l -b 'attach' $MSG   (the decoded text matches)"
"$B/eml-grep" -l -i -b 'attach' "$MSG" || true

heading "The attachment survives the trip"
want=$(sha256sum < "$ORIG" | cut -d' ' -f1)
echo "sha256 of $ORIG (the original file):"
echo "  $want"
if grep -q "\"sha256:$want\"" "$B/demo.json"; then
	echo "eml-json's blobId for the decoded attachment is sha256:$want: OK"
else
	echo "eml-json does not report $want for any part" >&2
	exit 1
fi

heading "Extracting the attachment with the library (docs/examples/extract.c)"
${CC:-cc} -Ilib docs/examples/extract.c "$B/libemlkit.a" -lz -lcrypto -o "$B/extract"
"$B/extract" "$MSG" 3 > "$B/demo-attachment"
if cmp -s "$B/demo-attachment" "$ORIG"; then
	echo "part 3 of $MSG, decoded, is byte for byte $ORIG: OK"
	head -3 "$B/demo-attachment"
else
	echo "extracted part 3 differs from $ORIG" >&2
	exit 1
fi
