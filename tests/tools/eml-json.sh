#!/bin/sh
# eml-json: JSON Lines of corpus messages against corpus/tools/*.json;
# mbox, gzip, pipe, --pretty and error handling.
. "$(dirname "$0")/_lib.sh"
J="$B/eml-json"
C=corpus/tools

common_cli eml-json

for m in escape related latin1 truncated; do
	expect_out "json $m" "$C/$m.json" "$J" "$C/$m.eml"
done
expect_out "json mbox" "$C/three.json" "$J" "$C/three.mbox"
expect_out "json pretty" "$C/related.json-pretty" "$J" --pretty \
    "$C/related.eml"

gzip -c "$C/three.mbox" > "$T/three.mbox.gz"
sed 's/,"source":[^}]*}//' "$C/three.json" > "$T/three.nosrc"
expect_same "json gzip mbox" "$T/three.nosrc" "$J" --no-filename \
    "$T/three.mbox.gz"
run sh -c "cat '$C/related.eml' | '$J'"
if [ $RC -eq 0 ] && cmp -s "$T/out" "$C/related.json"; then
	ok "json pipe"
else
	notok "json pipe (exit $RC)"
fi

# one line per message
run "$J" "$C/three.mbox" "$C/latin1.eml"
if [ $RC -eq 0 ] && [ "$(wc -l < "$T/out")" -eq 4 ]; then
	ok "json lines"
else
	notok "json lines (exit $RC)"
fi

# every line is valid JSON (only where a checker is installed)
if command -v python3 >/dev/null 2>&1; then
	cat "$C"/*.json > "$T/all"
	if python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        json.loads(line)
' "$T/all" 2>"$T/err"; then
		ok "json valid"
	else
		notok "json valid"
		cat "$T/err"
	fi
	if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
	    "$C/related.json-pretty"; then
		ok "json pretty valid"
	else
		notok "json pretty valid"
	fi
fi

expect_fail "json missing among good" 1 \
    "eml-json: $T/missing: No such file or directory" \
    "$J" "$C/latin1.eml" "$T/missing"

JG="$B/tests/tools/jget"
# jget PATH FILE: the value at PATH of each JSON line of FILE
jg() { "$JG" "$1" < "$2"; }
# is NAME WANT GOT
is() {
	if [ "$3" = "$2" ]; then
		ok "$1"
	else
		notok "$1: got '$3', want '$2'"
	fi
}

# every output is valid JSON (jget fails on invalid input), in CI too
bad=
for f in corpus/tools/*.eml corpus/tools/*.mbox corpus/mime/*.eml; do
	[ -f "$f" ] || continue
	"$J" "$f" 2>/dev/null | "$JG" . > /dev/null 2>&1 || bad="$bad $f"
done
[ -z "$bad" ] && ok "json valid (jget)" || notok "json valid (jget):$bad"

# RFC 8621: textBody, htmlBody, attachments are EmailBodyPart objects
"$J" "$C/related.eml" > "$T/rel"
is "textBody[0].partId" 1.1 "$(jg '.textBody[0].partId' "$T/rel")"
is "htmlBody[0].partId" 1.2.1 "$(jg '.htmlBody[0].partId' "$T/rel")"
is "attachments[1].name" route.pdf "$(jg '.attachments[1].name' "$T/rel")"
is "attachments[0].cid" pic1@example.org "$(jg '.attachments[0].cid' "$T/rel")"
is "blobId is sha256:<hex>" \
    "sha256:$(jg '.attachments[1].sha256' "$T/rel")" \
    "$(jg '.attachments[1].blobId' "$T/rel")"
is "multipart blobId null" null "$(jg '.bodyStructure.blobId' "$T/rel")"
is "preview" "Hallo, hier die Fotos." "$(jg .preview "$T/rel")"
# message ids, addresses unchanged
is "from" "kim@example.org" "$(jg '.from[0].email' "$T/rel")"

# blobId: the digest of the decoded bytes, checked with sha256sum
{
	printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\n\nhi\n'
	printf -- '--b\nContent-Type: application/octet-stream\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	head -c 200000 /dev/urandom > "$T/rand"
	base64 < "$T/rand"
	printf -- '--b--\n'
} > "$T/rand.eml"
is "blobId digest" "sha256:$(sha256sum < "$T/rand" | cut -d' ' -f1)" \
    "$("$J" "$T/rand.eml" | "$JG" '.attachments[0].blobId')"

# bodyValues: CRLF becomes LF (RFC 8621 4.1.4)
if [ -f corpus/mime/crlf.eml ]; then
	"$J" corpus/mime/crlf.eml > "$T/crlf"
	v=$(jg '.bodyValues.1.value' "$T/crlf" | od -An -c | tr -d ' \n')
	case $v in
	*'\r'*) notok "bodyValues CRLF to LF: $v" ;;
	*'\n'*) ok "bodyValues CRLF to LF" ;;
	*) notok "bodyValues CRLF to LF (no value)" ;;
	esac
fi

# --max-body-value-bytes: cut at a character boundary, isTruncated
{
	printf 'Content-Type: text/plain; charset=utf-8\n\n'
	i=0
	while [ $i -lt 100 ]; do printf '\303\251'; i=$((i + 1)); done
	printf '\n'
} > "$T/long.eml"
"$J" --max-body-value-bytes 101 "$T/long.eml" > "$T/cut"
v=$(jg '.bodyValues.1.value' "$T/cut")
is "max-body-value-bytes: cut on a character" 100 "$(printf %s "$v" | wc -c)"
is "max-body-value-bytes: isTruncated" true \
    "$(jg '.bodyValues.1.isTruncated' "$T/cut")"
"$J" "$T/long.eml" > "$T/nocut"
is "whole value: isTruncated false" false \
    "$(jg '.bodyValues.1.isTruncated' "$T/nocut")"
is "whole value: length" 202 \
    "$(jg '.bodyValues.1.value' "$T/nocut" | wc -c)"
expect_fail "max-body-value-bytes not a number" 2 \
    "eml-json: --max-body-value-bytes: not a number: x" \
    "$J" --max-body-value-bytes x "$T/long.eml"

# isEncodingProblem: an unknown charset (latin1.eml) and bad base64
is "isEncodingProblem charset" true \
    "$("$J" "$C/latin1.eml" | "$JG" '.bodyValues.1.isEncodingProblem')"
printf 'Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\naGVsbG8*!\n' \
    > "$T/b64bad.eml"
is "isEncodingProblem base64" true \
    "$("$J" "$T/b64bad.eml" | "$JG" '.bodyValues.1.isEncodingProblem')"
is "isEncodingProblem clean" false \
    "$("$J" "$C/three.mbox" | "$JG" '.bodyValues.1.isEncodingProblem' | head -1)"
printf 'Content-Type: text/plain\nContent-Transfer-Encoding: quoted-printable\n\nbad =ZZ escape\n' \
    > "$T/qpbad.eml"
is "isEncodingProblem QP" true \
    "$("$J" "$T/qpbad.eml" | "$JG" '.bodyValues.1.isEncodingProblem')"

# preview: 256 characters at most, whitespace collapsed; HTML as text
{
	printf 'Subject: p\n\n'
	i=0
	while [ $i -lt 40 ]; do printf 'word%02d   \n\n' $i; i=$((i + 1)); done
} > "$T/pv.eml"
v=$("$J" "$T/pv.eml" | "$JG" .preview)
is "preview 256 characters" 256 "$(printf %s "$v" | wc -c)"
case $v in
"word00 word01 word02 "*) ok "preview whitespace collapsed" ;;
*) notok "preview whitespace collapsed: $v" ;;
esac
printf 'Content-Type: text/html\n\n<html><head><style>p{x:1}</style></head><body><p>Hello&nbsp;<b>world</b> &amp; you<!-- no --></p><script>bad()</script></body>\n' \
    > "$T/html.eml"
is "preview from HTML" "Hello world & you" \
    "$("$J" "$T/html.eml" | "$JG" .preview)"

# field values: a plain ASCII value is unfolded without the RFC 2047
# decoder and must come out as the decoder gives it (blanks and line
# ends cut at both ends, a fold one space, other blanks kept), as must
# the same value with an encoded-word, which takes the decoder
printf 'Subject:  a \t b\r\n\t c  \r\nX-A: \r\n\tx\r\nX-B:\t \r\nX-C: =?us-ascii?q?a?= \t b\r\n\t c  \r\n\r\nbody\r\n' \
    > "$T/fold.eml"
"$J" "$T/fold.eml" > "$T/fold"
is "plain value unfolded" "$(printf 'a \t b c')" "$(jg .subject "$T/fold")"
is "plain value, fold first" "x" "$(jg '.headers[1].value' "$T/fold")"
is "plain value, blanks only" "" "$(jg '.headers[2].value' "$T/fold")"
is "decoded value unfolded alike" "$(printf 'a \t b c')" \
    "$(jg '.headers[3].value' "$T/fold")"

# receivedAt: the mbox From_ line, a Maildir file's mtime, else null
"$J" "$C/three.mbox" > "$T/three"
is "receivedAt from From_ line" "2026-12-01T10:00:00Z" \
    "$(jg .receivedAt "$T/three" | head -1)"
is "receivedAt unknown" null "$(jg .receivedAt "$T/rel")"
mkdir -p "$T/md/cur" "$T/md/new"
cp "$C/latin1.eml" "$T/md/new/1.x"
touch -d '2026-11-30 10:20:30 UTC' "$T/md/new/1.x"
is "receivedAt from Maildir mtime" "2026-11-30T10:20:30Z" \
    "$("$J" "$T/md" | "$JG" .receivedAt)"
is "Maildir source file" "$T/md/new/1.x" \
    "$("$J" "$T/md" | "$JG" .source.file)"
# a Maildir message named one by one (cur/ or new/ of a folder with
# cur/, new/ and tmp/) has the same receivedAt as when the folder is
# named; without tmp/ the folder is not a Maildir, and a file merely in
# a folder called cur is not a Maildir message
mkdir -p "$T/md/tmp" "$T/md/cur"
cp -p "$T/md/new/1.x" "$T/md/cur/2:2,S"
is "receivedAt, Maildir file named" "2026-11-30T10:20:30Z" \
    "$("$J" "$T/md/new/1.x" | "$JG" .receivedAt)"
is "receivedAt, Maildir cur/ file named" "2026-11-30T10:20:30Z" \
    "$("$J" "$T/md/cur/2:2,S" | "$JG" .receivedAt)"
is "receivedAt, Maildir file named relative" "2026-11-30T10:20:30Z" \
    "$(cd "$T/md/cur" && "$J" "2:2,S" | "$JG" .receivedAt)"
is "receivedAt, Maildir file via .." "2026-11-30T10:20:30Z" \
    "$(cd "$T/md/cur" && "$J" "../new/1.x" | "$JG" .receivedAt)"
is "receivedAt, Maildir files from a list" "2026-11-30T10:20:30Z" \
    "$(echo "$T/md/cur/2:2,S" | "$J" --files-from - | "$JG" .receivedAt)"
mkdir -p "$T/nomd/cur" "$T/nomd/new"
cp -p "$T/md/new/1.x" "$T/nomd/cur/3"
is "no receivedAt without tmp/" null \
    "$("$J" "$T/nomd/cur/3" | "$JG" .receivedAt)"
mkdir -p "$T/plain/cur"
cp -p "$T/md/new/1.x" "$T/plain/cur/4"
is "no receivedAt for a folder named cur" null \
    "$("$J" "$T/plain/cur/4" | "$JG" .receivedAt)"

# where each object came from, with several inputs or an mbox
is "source index" "2" "$(jg .source.index "$T/three" | sed -n 2p)"
is "source offset" "147" "$(jg .source.offset "$T/three" | sed -n 2p)"
is "one message: no source" null "$(jg .source "$T/rel")"
is "several inputs: source file" "$C/related.eml" \
    "$("$J" "$C/related.eml" "$C/latin1.eml" | "$JG" .source.file | head -1)"

# per-part headers on request (JMAP bodyProperties "headers")
is "no part headers by default" null \
    "$(jg '.bodyStructure.subParts[1].headers' "$T/rel")"
"$J" --part-headers "$C/related.eml" > "$T/ph"
is "--part-headers" "Content-Type" \
    "$(jg '.bodyStructure.subParts[1].headers[0].name' "$T/ph")"
"$J" --properties partId,headers "$C/related.eml" > "$T/ph2"
cmp -s "$T/ph" "$T/ph2" && ok "--properties headers" ||
    notok "--properties headers"

# the parts of an attached message are reachable (subMessage) and
# carry the same digests eml-parts gives
if [ -f corpus/mime/forward-rfc822.eml ]; then
	"$J" corpus/mime/forward-rfc822.eml > "$T/fwd"
	want=$("$B/eml-parts" -o section,sha256 corpus/mime/forward-rfc822.eml |
	    awk '$1 == "2.2" { print $2 }')
	is "subMessage part digest" "$want" \
	    "$(jg '.bodyStructure.subParts[1].subMessage.subParts[1].sha256' "$T/fwd")"
	is "subMessage section" "2.TEXT" \
	    "$(jg '.bodyStructure.subParts[1].subMessage.section' "$T/fwd")"
	is "message/rfc822 is a leaf" "null" \
	    "$(jg '.bodyStructure.subParts[1].subParts' "$T/fwd")"
	is "message/rfc822 attachment" "2" \
	    "$(jg '.attachments[0].partId' "$T/fwd")"
fi

# diagnostics use bodyStructure's part ids
printf 'Content-Type: multipart/mixed; boundary=b\nMIME-Version: 1.0\n\n--b\nContent-Transfer-Encoding: x-foo\n\nabc\n--b--\n' \
    > "$T/diag.eml"
"$J" "$T/diag.eml" > "$T/diag"
is "diagnostic partId" "1" "$(jg '.diagnostics[0].partId' "$T/diag")"
is "diagnostic section is a bodyStructure section" \
    "$(jg '.bodyStructure.subParts[0].section' "$T/diag")" \
    "$(jg '.diagnostics[0].section' "$T/diag")"

# write errors are reported with their reason
if [ -w /dev/full ]; then
	run sh -c "'$J' '$C/related.eml' > /dev/full"
	if [ $RC -eq 1 ] && grep -qxF \
	    "eml-json: write error: No space left on device" "$T/err"; then
		ok "json write error"
	else
		notok "json write error (exit $RC)"
	fi
fi

# --help names every option
run "$J" --help
bad=
for w in --pretty --max-body-value-bytes --part-headers --properties \
    --mbox --files-from --no-sandbox; do
	grep -qe "$w" "$T/out" || bad="$bad $w"
done
[ -z "$bad" ] && ok "json help" || notok "json help:$bad"

# a diagnostic's inputLine counts from the start of the mbox file
{
	printf 'From a@b Tue Dec  1 08:00:00 2026\nSubject: one\n\nbody\n\n'
	printf 'From a@b Tue Dec  1 09:00:00 2026\nSubject: two\n'
	printf 'Content-Transfer-Encoding: x-foo\n\nbody\n'
} > "$T/diag.mbox"
"$J" "$T/diag.mbox" | sed -n 2p > "$T/d2"
is "diagnostic line in the message" 2 "$(jg '.diagnostics[0].line' "$T/d2")"
is "diagnostic inputLine in the file" 8 \
    "$(jg '.diagnostics[0].inputLine' "$T/d2")"
