# cookbook.sh: every pipeline of docs/cookbook.md, run on small inputs.
. tests/tools/_lib.sh
PATH=$B:$PATH
export PATH
C=corpus/mime
D=corpus/diag
J=$B/tests/tools/jget

# doc and test agree on the commands (a recipe changed in one place
# must change in the other)
for s in "eml-lint --sarif -Wno-msgid-missing" "eml-convert --repair broken.eml | eml-lint" \
    "parallel --pipe --block 50M --recstart 'From ' eml-json" \
    "parallel -S :,host1,host2 --pipe" "xargs -P 4 -n 500" \
    "eml-attach --strip --larger 10M" "eml-extract -n '*.pdf' -d pdfs"; do
	grep -qF -- "$s" docs/cookbook.md || notok "cookbook.md has: $s"
done

# lint in CI with SARIF
mkdir -p "$T/templates"
cp "$D/msgid-missing.eml" "$T/templates/ok.eml"
cp "$D/date-missing.eml" "$T/templates/bad.eml"
(cd "$T" && eml-lint --sarif -Wno-msgid-missing templates/*.eml > eml-lint.sarif)
st=$?
[ $st -eq 1 ] && [ "$("$J" .version <"$T/eml-lint.sarif")" = 2.1.0 ] &&
    [ "$("$J" '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri' <"$T/eml-lint.sarif")" = templates/bad.eml ] &&
    [ "$("$J" '.runs[0].results[1]' <"$T/eml-lint.sarif")" = null ] &&
    ok "CI lint with SARIF" || notok "CI lint with SARIF (exit $st)"
rm "$T/templates/bad.eml"
(cd "$T" && eml-lint --sarif -Wno-msgid-missing templates/*.eml >/dev/null) &&
    ok "CI lint passes clean templates" || notok "CI lint passes clean templates"
(cd "$T" && eml-lint --strict templates/*.eml >/dev/null)
[ $? -eq 1 ] && ok "CI lint --strict" || notok "CI lint --strict"

# repair then check
cp "$D/cte-on-composite.eml" "$T/broken.eml"
(cd "$T" && eml-convert --repair broken.eml | eml-lint -Wno-from-missing \
    -Wno-date-missing >/dev/null) && ok "repair, then check" ||
    notok "repair, then check"

# an archive into JSON Lines for jq
box=corpus/tools/three.mbox
eml-json "$box" >"$T/archive.jsonl"
if command -v jq >/dev/null 2>&1; then
	[ "$(jq -r .subject "$T/archive.jsonl" | tr '\n' ' ')" = "$("$J" .subject <"$T/archive.jsonl" | tr '\n' ' ')" ] &&
	    [ "$(jq -r .subject "$T/archive.jsonl" | wc -l)" -eq 3 ] &&
	    jq -r 'select(.attachments | length > 0) | .messageId' "$T/archive.jsonl" >/dev/null &&
	    jq -r '.from[0].email' "$T/archive.jsonl" | sort | uniq -c | sort -rn | head >/dev/null &&
	    ok "archive to JSON Lines for jq" || notok "archive to JSON Lines for jq"
else
	[ "$("$J" .subject <"$T/archive.jsonl" | wc -l)" -eq 3 ] &&
	    ok "archive to JSON Lines (jq absent: jget)" || notok "archive to JSON Lines"
fi

# a large archive in parallel: a Maildir with xargs -P, an mbox with GNU
# parallel; the same objects as one run gives (but the message index)
# (where each message came from: file, offset and input line differ)
norm() { sed 's/,"source":{[^}]*}//; s/"inputLine":[0-9]*,//g' | sort; }
mkdir -p "$T/Maildir/cur" "$T/Maildir/new" "$T/Maildir/tmp" "$T/out"
i=0
for f in $C/*.eml corpus/diag/*.eml; do
	i=$((i + 1))
	cp "$f" "$T/Maildir/cur/$i.x:2,S"
done
(cd "$T" && find Maildir -type f -path '*/cur/*' -o -type f -path '*/new/*' |
    xargs -P 4 -n 500 sh -c 'eml-json "$@" > "out/$$.jsonl"' sh &&
    cat out/*.jsonl > archive-md.jsonl) 2>/dev/null
# (files named one by one have no receivedAt: a Maildir's file time is
# only read for a Maildir)
nort() { sed 's/"receivedAt":"[^"]*"/"receivedAt":null/'; }
eml-json "$T/Maildir" 2>/dev/null | nort | norm >"$T/seq"
nort <"$T/archive-md.jsonl" | norm >"$T/par"
[ "$(wc -l <"$T/par")" -eq "$i" ] && cmp -s "$T/seq" "$T/par" &&
    ok "xargs -P: same objects as one run ($i)" ||
    { notok "xargs -P: same objects as one run"; diff "$T/seq" "$T/par" | cut -c1-300 | head -5; }
# an mbox of many messages
for f in $C/*.eml; do
	echo "From cookbook@example.org Mon Jan  1 00:00:00 2001"
	sed 's/^>*From />&/' "$f"
	# a message ends with a line end, then the blank line (RFC 4155)
	[ -n "$(tail -c 1 "$f")" ] && echo
	echo
done >"$T/archive.mbox"
eml-json "$T/archive.mbox" | norm >"$T/seq"
n=$(wc -l <"$T/seq")
if command -v parallel >/dev/null 2>&1; then
	(cd "$T" && parallel --pipe --block 2k --recstart 'From ' eml-json \
	    < archive.mbox > archive.jsonl)
	norm <"$T/archive.jsonl" >"$T/par"
	[ "$n" -gt 5 ] && cmp -s "$T/seq" "$T/par" &&
	    ok "parallel --pipe: same objects as one run ($n)" ||
	    { notok "parallel --pipe: same objects"; diff "$T/seq" "$T/par" | cut -c1-300 | head -5; }
	# --sshlogin with ':' (this machine) standing in for the hosts
	(cd "$T" && parallel -S : --pipe --block 2k --recstart 'From ' \
	    eml-json < archive.mbox > archive-ssh.jsonl)
	norm <"$T/archive-ssh.jsonl" >"$T/par"
	cmp -s "$T/seq" "$T/par" && ok "parallel --sshlogin :: same objects" ||
	    notok "parallel --sshlogin :: same objects"
else
	echo "ok - parallel --pipe: skipped (no GNU parallel)"
fi

# strip attachments over 10 MB (eml-attach, when built)
if [ -x "$B/eml-attach" ] && "$B/eml-attach" --help 2>&1 | grep -q -e --strip; then
	{
		printf 'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nkeep me\n--b\nContent-Type: application/octet-stream; name=big.bin\nContent-Transfer-Encoding: base64\n\n'
		head -c 11000000 /dev/zero | base64
		printf '\n--b--\n'
	} >"$T/big.eml"
	eml-attach --strip --larger 10M <"$T/big.eml" >"$T/stripped.eml"
	[ "$(wc -c <"$T/stripped.eml")" -lt 100000 ] && grep -q 'keep me' "$T/stripped.eml" &&
	    ok "strip attachments over 10 MB" || notok "strip attachments over 10 MB"
else
	echo "ok - strip attachments over 10 MB: skipped (no eml-attach)"
fi
# every PDF of an mbox (eml-extract, when built)
if [ -x "$B/eml-extract" ]; then
	{
		echo "From x@example.org Mon Jan  1 00:00:00 2001"
		printf 'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: text/plain\n\nhi\n--b\nContent-Type: application/pdf; name=a.pdf\n\n%%PDF-1.4 one\n--b--\n\n'
		echo "From x@example.org Mon Jan  1 00:00:00 2001"
		printf 'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\nContent-Type: application/pdf; name=a.pdf\n\n%%PDF-1.4 two\n--b--\n'
	} >"$T/pdfs.mbox"
	(cd "$T" && mkdir -p pdfs && eml-extract -n '*.pdf' -d pdfs pdfs.mbox >/dev/null)
	[ "$(ls "$T/pdfs" | wc -l)" -eq 2 ] && grep -q one "$T/pdfs"/* &&
	    ok "every PDF of an mbox" || notok "every PDF of an mbox"
else
	echo "ok - every PDF of an mbox: skipped (no eml-extract)"
fi
