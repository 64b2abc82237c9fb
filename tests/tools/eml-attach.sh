#!/bin/sh
# eml-attach: attach-then-extract gives back the same bytes; a single
# part becomes multipart/mixed with its body intact, a multipart/mixed
# keeps every byte and gets the new parts before its close delimiter;
# encodings and RFC 2231 names; --strip keeps every byte outside the
# stripped part (over corpus messages) and leaves a note with name,
# type, size and sha256; --larger; --new parses clean and round-trips.
# The eml-lint check runs only when build/eml-lint exists.
. "$(dirname "$0")/_lib.sh"
A="$B/eml-attach"
X="$B/eml-extract"
P="$B/eml-parts"
J="$B/eml-json"

check() {
	if eval "$2"; then ok "$1"; else notok "$1"; fi
}
# clean FILE: eml-json finds no warn or crit diagnostic
clean() {
	"$J" "$1" > "$T/json" 2>/dev/null &&
	    ! grep -qE '"severity":"(warn|crit)"' "$T/json"
}
sha() { sha256sum < "$1" | cut -d' ' -f1; }

mkdir "$T/f"
head -c 70000 /dev/urandom > "$T/f/photo.jpg"
printf 'line one\r\nline two\r\n' > "$T/f/crlf.txt"
printf 'line one\nline two\n' > "$T/f/lf.txt"
printf 'Gr\303\274\303\237e aus K\303\266ln\n' > "$T/f/$(printf '\303\234bersicht.txt')"
: > "$T/f/empty.bin"
printf 'no final newline' > "$T/f/tail.txt"
U="$T/f/$(printf '\303\234bersicht.txt')"

# roundtrip MSG NAME FILE...: attach the files to MSG, extract every
# attachment, compare bytes
roundtrip() {
	_m=$1 _n=$2
	shift 2
	rm -rf "$T/x"
	mkdir "$T/x"
	if "$A" "$@" < "$_m" > "$T/att.eml" &&
	    "$X" -a -d "$T/x" "$T/att.eml" > /dev/null; then
		_ok=1
		for _f in "$@"; do
			cmp -s "$_f" "$T/x/${_f##*/}" || _ok=0
		done
	else
		_ok=0
	fi
	check "$_n" '[ $_ok -eq 1 ]'
}
LFMSG=corpus/mime/simple-text.eml
CRLFMSG=corpus/mime/crlf.eml
MIXED=corpus/mime/attach-base64.eml
roundtrip $LFMSG "roundtrip: binary" "$T/f/photo.jpg"
roundtrip $LFMSG "roundtrip: text with CRLF" "$T/f/crlf.txt"
roundtrip $LFMSG "roundtrip: text with LF" "$T/f/lf.txt"
roundtrip $LFMSG "roundtrip: UTF-8 file name" "$U"
roundtrip $LFMSG "roundtrip: empty file" "$T/f/empty.bin"
roundtrip $LFMSG "roundtrip: no final newline" "$T/f/tail.txt"
roundtrip $LFMSG "roundtrip: 3 files at once" "$T/f/photo.jpg" \
    "$T/f/lf.txt" "$U"
roundtrip $CRLFMSG "roundtrip into a CRLF message" "$T/f/crlf.txt" \
    "$T/f/lf.txt" "$T/f/photo.jpg" "$U"
roundtrip $MIXED "roundtrip into a multipart/mixed" "$T/f/photo.jpg" \
    "$T/f/crlf.txt"

# a single part becomes multipart/mixed with its body intact
"$A" "$T/f/lf.txt" < $LFMSG > "$T/one.eml"
"$X" -p 1 $LFMSG > "$T/body0"
"$X" -p 1 "$T/one.eml" > "$T/body1"
check "single part: body intact as part 1" 'cmp -s "$T/body0" "$T/body1" && grep -q "^Content-Type: multipart/mixed;" "$T/one.eml"'
check "single part: header fields kept in order" '[ "$(sed -n "/^\$/q;p" $LFMSG | grep -v "^MIME-Version:")" = "$(sed -n "/^\$/q;p" "$T/one.eml" | grep -v -e "^MIME-Version:" -e "^Content-Type: multipart" )" ]'
check "single part: parses clean" 'clean "$T/one.eml"'

# a multipart/mixed keeps every byte up to its close delimiter
"$A" "$T/f/lf.txt" < $MIXED > "$T/mix.eml"
close=$(grep -n -- '^--.*--$' $MIXED | tail -1 | cut -d: -f1)
head -n $((close - 1)) $MIXED > "$T/pre0"
check "multipart/mixed: bytes before the close delimiter kept" '[ "$(head -c $(wc -c < "$T/pre0") "$T/mix.eml" | sha256sum)" = "$(sha256sum < "$T/pre0")" ]'
check "multipart/mixed: one more part, same boundary" '[ $("$P" "$T/mix.eml" | wc -l) -eq $(( $("$P" $MIXED | wc -l) + 1 )) ] && clean "$T/mix.eml"'

# types, encodings, names
"$A" "$T/f/photo.jpg" "$T/f/lf.txt" "$U" "$T/f/crlf.txt" < $LFMSG > "$T/enc.eml"
"$P" -o section,type,cte,name "$T/enc.eml" > "$T/parts"
check "type from the extension" 'grep -q "^2	image/jpeg	base64	photo.jpg$" "$T/parts"'
check "7bit for LF text in an LF message" 'grep -q "^3	text/plain	7bit	lf.txt$" "$T/parts"'
check "QP for UTF-8 text" 'grep -q "^4	text/plain	quoted-printable	" "$T/parts"'
check "base64 for CRLF text in an LF message" 'grep -q "^5	text/plain	base64	crlf.txt$" "$T/parts"'
check "RFC 2231 name for a non-ASCII file name" 'grep -q "filename\*=utf-8'"''"'%C3%9Cbersicht.txt" "$T/enc.eml"'
"$A" -t application/x-thing "$T/f/lf.txt" < $LFMSG > "$T/t.eml"
check "-t overrides the type" '"$P" -o type "$T/t.eml" | grep -qx application/x-thing'
check "built message parses clean" 'clean "$T/enc.eml"'
if [ -x "$B/eml-lint" ]; then
	check "eml-lint: a message built by eml-attach lints clean" '"$B/eml-lint" "$T/enc.eml" >/dev/null 2>&1'
else
	echo "# no build/eml-lint: lint check skipped"
fi
run "$A" "$T/f/nonexistent" < $LFMSG
check "a missing file fails before output" '[ $RC -eq 1 ] && [ ! -s "$T/out" ]'

# --strip: a note in place, every other byte identical
"$A" --strip < "$T/enc.eml" > "$T/s.eml"
check "--strip: all three attachments replaced" '[ "$(grep -c "^An attachment was removed here" "$T/s.eml")" -eq 4 ] && clean "$T/s.eml"'
s=$(sha "$T/f/photo.jpg")
check "--strip: note has name, type, size, sha256" 'grep -qx "Name: photo.jpg" "$T/s.eml" && grep -qx "Type: image/jpeg" "$T/s.eml" && grep -qx "Size: 70000 bytes" "$T/s.eml" && grep -qx "SHA-256: $s" "$T/s.eml"'
check "--strip: the body part untouched" '"$X" -p 1 "$T/s.eml" | cmp -s - "$T/body0"'
"$A" --strip -n '*.jpg' < "$T/enc.eml" > "$T/s1.eml"
check "--strip -n: only the matching one" '[ "$(grep -c "^An attachment was removed" "$T/s1.eml")" -eq 1 ]'
"$A" --strip -t 'text/*' < "$T/enc.eml" > "$T/s2.eml"
check "--strip -t: only the matching type" '[ "$(grep -c "^An attachment was removed" "$T/s2.eml")" -eq 3 ] && ! grep -q "^Name: photo.jpg" "$T/s2.eml"'
"$A" --strip --larger 69999 < "$T/enc.eml" > "$T/l1.eml"
"$A" --strip --larger 70000 < "$T/enc.eml" > "$T/l2.eml"
"$A" --strip --larger 1k < "$T/enc.eml" > "$T/l3.eml"
check "--larger: over the threshold only" '[ "$(grep -c "^An attachment was removed" "$T/l1.eml")" -eq 1 ] && cmp -s "$T/l2.eml" "$T/enc.eml" && [ "$(grep -c "^An attachment was removed" "$T/l3.eml")" -eq 1 ]'
cat "$T/enc.eml" | "$A" --strip --larger 1k > "$T/l4.eml"
check "--strip from a pipe" 'cmp -s "$T/l3.eml" "$T/l4.eml"'

# byte identity outside the stripped part, over corpus messages with
# one attachment: the bytes before its header and from the end of its
# body on (the parser's offsets) are the input's
S="$B/tests/tools/partspan"
n=0 bad=0
for m in corpus/mime/*.eml corpus/tools/*.eml $(find ../shared/corpus -name '*.eml' 2>/dev/null | sort | head -400); do
	"$A" --strip < "$m" > "$T/o.eml" 2>/dev/null || continue
	[ "$(grep -c "^An attachment was removed here" "$T/o.eml")" -eq 1 ] || continue
	sec=$(sed -n 's/^Section: //p' "$T/o.eml" | head -1)
	span=$("$S" < "$m" | awk -F'\t' -v s="$sec" '$1 == s { o = $2; e = $3 } END { print o, e }')
	set -- $span
	[ $# -eq 2 ] || continue
	n=$((n + 1))
	head -c "$1" "$m" > "$T/p0"
	head -c "$1" "$T/o.eml" > "$T/p1"
	tail -c +$(($2 + 1)) "$m" > "$T/s0"
	tail -c "$(wc -c < "$T/s0")" "$T/o.eml" > "$T/s1"
	if ! cmp -s "$T/p0" "$T/p1" || ! cmp -s "$T/s0" "$T/s1"; then
		bad=$((bad + 1))
		echo "# differs outside part $sec: $m"
	fi
done
check "--strip: byte-identical outside the stripped part ($n corpus messages)" '[ $n -gt 10 ] && [ $bad -eq 0 ]'

# --new: a fresh message from options, body on stdin, files named
printf 'Hallo,\nanbei die Datei.\n' | "$A" --new \
    --from "$(printf 'J\303\274rgen <j@example.org>')" \
    --to 'b@example.net' --cc 'c@example.net' \
    --subject "$(printf 'Gr\303\274\303\237e')" \
    -H 'X-Tag: eins' "$T/f/photo.jpg" "$U" > "$T/new.eml"
sed -n '/^$/q;p' "$T/new.eml" > "$T/newhdr"
check "--new: Date and Message-ID added" 'grep -q "^Date: " "$T/newhdr" && grep -q "^Message-ID: <" "$T/newhdr" && grep -q "^X-Tag: eins$" "$T/newhdr" && grep -q "^Cc: c@example.net$" "$T/newhdr"'
check "--new: non-ASCII headers encoded" '! LC_ALL=C grep -q "[^ -~]" "$T/newhdr" && grep -q "^Subject: =?UTF-8?" "$T/newhdr"'
check "--new: parses clean" 'clean "$T/new.eml"'
rm -rf "$T/x" && mkdir "$T/x"
"$X" -a -d "$T/x" "$T/new.eml" > /dev/null
check "--new: round-trips through eml-extract" 'cmp -s "$T/f/photo.jpg" "$T/x/photo.jpg" && cmp -s "$U" "$T/x/${U##*/}" && [ "$("$X" --text "$T/new.eml")" = "$(printf "Hallo,\nanbei die Datei.")" ]'
if [ -x "$B/eml-lint" ]; then
	check "eml-lint: --new output lints clean" '"$B/eml-lint" "$T/new.eml" >/dev/null 2>&1'
fi
run "$A" --new -H 'Bad Name: x' < /dev/null
check "--new: a bad -H is refused" '[ $RC -eq 1 ] && [ ! -s "$T/out" ]'
run sh -c "'$A' '$T/f/lf.txt' < /dev/null"
check "empty input refused, nothing written" '[ $RC -eq 1 ] && [ ! -s "$T/out" ]'
# a multipart/mixed without its close delimiter gets the parts and one
"$A" "$T/f/lf.txt" < corpus/mime/missing-close-delim.eml > "$T/mc.eml"
rm -rf "$T/x" && mkdir "$T/x"
"$X" -a -d "$T/x" "$T/mc.eml" > /dev/null
check "unclosed multipart/mixed: closed, file attached" 'cmp -s "$T/f/lf.txt" "$T/x/lf.txt" && clean "$T/mc.eml"'
