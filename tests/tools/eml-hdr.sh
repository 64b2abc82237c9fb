#!/bin/sh
# eml-hdr: header fields decoded, selected, as addresses, as dates; over
# mbox, Maildir and several files with grep-style prefixes.
. "$(dirname "$0")/_lib.sh"
H="$B/eml-hdr"
C=corpus/tools

common_cli eml-hdr

# is NAME WANT CMD...: exit 0 and stdout exactly WANT
is() {
	_n=$1 _w=$2
	shift 2
	run "$@"
	if [ $RC -eq 0 ] && [ "$(cat "$T/out")" = "$_w" ]; then
		ok "$_n"
	else
		notok "$_n (exit $RC)"
		diff -u "$(printf '%s\n' "$_w" > "$T/want"; echo "$T/want")" \
		    "$T/out" | head -20
		head -3 "$T/err"
	fi
}

# all fields, decoded (RFC 2047 and raw 8-bit through the fallback)
run "$H" "$C/related.eml"
if [ $RC -eq 0 ] && [ "$(wc -l < "$T/out")" -eq 12 ] &&
    sed -n 6p "$T/out" | grep -qx 'Subject: Fotos vom Ausflug 📷'; then
	ok "all fields decoded"
else
	notok "all fields decoded (exit $RC)"
fi
is "8-bit header through the fallback" "café über" \
    "$H" -h subject "$C/latin1.eml"
# the raw value: unfolded, encoded-words kept
printf 'Subject: =?utf-8?q?caf=C3=A9?=\n  folded\n\nx\n' > "$T/ew.eml"
is "decoded and unfolded" "café folded" "$H" -h Subject "$T/ew.eml"
is "-r raw (RFC 5322 2.2.3 unfolding keeps the blanks)" "=?utf-8?q?caf=C3=A9?=  folded" "$H" -r -h Subject "$T/ew.eml"

# -h: case-insensitive, several, values alone
is "-h several" "$(printf '"Kim Lee" <kim@example.org>\nFotos vom Ausflug 📷')" \
    "$H" -h SUBJECT -h from "$C/related.eml"
is "-h absent field" "" "$H" -h X-Nope "$C/related.eml"
# only the message's own fields, not those of its parts
is "top-level only" "multipart/mixed; boundary=\"outer\"" \
    "$H" -h content-type "$C/related.eml"

# -a: addresses one a line, groups flattened, names quoted when needed
printf 'From: "Doe, Jane" <j@x.org>, =?utf-8?q?J=C3=BCrgen?= <ju@x.org>\nTo: undisclosed-recipients:;\nCc: Team: a@x.org, b@x.org;\nDate: bogus\n\nx\n' \
    > "$T/a.eml"
is "-a" "$(printf '"Doe, Jane" <j@x.org>\nJürgen <ju@x.org>\na@x.org\nb@x.org')" \
    "$H" -a "$T/a.eml"
is "-a -A" "$(printf 'j@x.org\nju@x.org')" "$H" -a -A -h from "$T/a.eml"
is "-a default fields" "$(printf 'Kim Lee <kim@example.org>\nlist@example.org\na@example.net\nb@example.net\nc@example.net\nkim+reply@example.org')" \
    "$H" -a "$C/related.eml"

# -d: RFC 3339 with the zone, or a strftime format in UTC
is "-d" "2026-12-03T09:15:00-05:00" "$H" -d "$C/related.eml"
is "-d --date-format" "2026-12-03 14:15" \
    "$H" -d --date-format '%Y-%m-%d %H:%M' "$C/related.eml"
expect_fail "-d unparsable: warning with the line" 0 \
    "eml-hdr: $T/a.eml:4: Date: unparsable date" "$H" -d "$T/a.eml"
expect_fail "-r and -a exclude each other" 2 "" "$H" -r -a "$T/a.eml"

# several inputs, an mbox, a Maildir: prefixed like grep
is "mbox prefixes" "$(printf '%s\n' "$C/three.mbox:1:48:one" \
    "$C/three.mbox:2:147:two" "$C/three.mbox:3:278:three")" \
    "$H" -H -h subject "$C/three.mbox"
is "one mbox: no prefix" "$(printf 'one\ntwo\nthree')" \
    "$H" -h subject "$C/three.mbox"
is "several files" "$(printf '%s\n' "$C/latin1.eml:café über" \
    "$C/escape.eml:invoice")" "$H" -h subject "$C/latin1.eml" "$C/escape.eml"
mkdir -p "$T/md/cur" "$T/md/new"
cp "$C/escape.eml" "$T/md/cur/1:2,S"
cp "$C/latin1.eml" "$T/md/new/2"
is "Maildir" "$(printf '%s\n' "$T/md/cur/1:2,S:invoice" \
    "$T/md/new/2:café über")" "$H" -h subject "$T/md"
gzip -c "$C/three.mbox" > "$T/three.gz"
is "gzip mbox via --files-from" "$(printf '%s\n' "$T/three.gz:1:48:one" \
    "$T/three.gz:2:147:two" "$T/three.gz:3:278:three")" \
    sh -c "echo '$T/three.gz' | '$H' -h subject --files-from -"

# control characters in a decoded value cannot reach the terminal
printf 'Subject: =?utf-8?q?a=1B[2Jb?=\n\nx\n' > "$T/esc.eml"
is "escapes control characters" 'a\x1b[2Jb' "$H" -h subject "$T/esc.eml"

# A backslash in a value is printed as it is, as mhdr prints it: in
# unstructured text, in a comment and in a quoted display name (the
# quoted-pairs stay as written); -a unquotes the name and quotes it
# again, so there the quoted-pair "\\" stands for one backslash.
printf '%s\n' 'Subject: C:\dir\file' \
    'From: Pete(A wonderful \) chap) <pete@silly.test>' \
    'To: "Doe \\ J\"x" <j@x.org>' '' x > "$T/bs.eml"
is "backslash as it is" "$(printf '%s\n' 'C:\dir\file' \
    'Pete(A wonderful \) chap) <pete@silly.test>' \
    '"Doe \\ J\"x" <j@x.org>')" "$H" -h subject -h from -h to "$T/bs.eml"
is "backslash in -a names: quoted again" '"Doe \\ J\"x" <j@x.org>' \
    "$H" -a -h to "$T/bs.eml"

# Lines of only spaces and tabs are not the blank line that ends the
# header block (RFC 5322 2.2): before the first field they are skipped
# (mhdr and Python read the fields below), between fields they fold
# into the field above (obs-FWS, RFC 5322 4.2); LF and CRLF alike.
printf '    \n\t \nFrom: a@x.org\n  \nSubject: hi\n\nbody: no\n' \
    > "$T/wsp.eml"
printf '  \r\nFrom: a@x.org\r\n \t\r\nSubject: hi\r\n\r\nbody: no\r\n' \
    > "$T/wspcr.eml"
for f in wsp wspcr; do
	run "$H" "$T/$f.eml"
	[ $RC -eq 0 ] && [ ! -s "$T/err" ] &&
	    [ "$(cat "$T/out")" = "$(printf 'From: a@x.org\nSubject: hi')" ] &&
	    ok "white-space lines in the header ($f)" ||
	    { notok "white-space lines in the header ($f, exit $RC)";
	    cat "$T/out" "$T/err" | head -5; }
done
# a truly empty first line still ends an empty header block
printf '\nFrom: a@x.org\n' > "$T/empty1.eml"
run "$H" "$T/empty1.eml"
[ ! -s "$T/out" ] && grep -q 'does not look like a message' "$T/err" &&
    ok "empty first line: no fields" || notok "empty first line: no fields"

# the body is not parsed: a huge body after the headers costs nothing
{ printf 'Subject: big\n\n'; head -c 20000000 /dev/zero | tr '\0' 'x'; } |
    "$B/tests/tools/maxrss" "$H" -h subject > "$T/out" 2> "$T/err"
kb=$(sed -n 's/^maxrss: //p' "$T/err")
[ "$(cat "$T/out")" = big ] && [ "$kb" -lt 16384 ] &&
    ok "headers only ($kb KiB)" || notok "headers only (${kb:-?} KiB)"

if [ -w /dev/full ]; then
	run sh -c "'$H' '$C/related.eml' > /dev/full"
	[ $RC -eq 1 ] && grep -qxF \
	    "eml-hdr: write error: No space left on device" "$T/err" &&
	    ok "write error" || notok "write error (exit $RC)"
fi
run "$H" --help
bad=
for w in -h -r -a -A -d --date-format --mbox --files-from -0 --no-sandbox; do
	grep -qe " $w" "$T/out" || bad="$bad $w"
done
[ -z "$bad" ] && ok "help lists every option" || notok "help:$bad"
