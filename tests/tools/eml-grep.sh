#!/bin/sh
# eml-grep: PCRE2 over decoded fields (-h), addresses (-a) and body text
# (-b), with -i -v -c -l -L -q -n; mbox messages printed whole as an
# mbox; exit 0 selected, 1 none, 2 error.
. "$(dirname "$0")/_lib.sh"
G="$B/eml-grep"
C=corpus/tools

# the common checks, with a pattern before the files
run "$G" --help
if [ $RC -eq 0 ] && head -1 "$T/out" | grep -q "^usage: eml-grep"; then
	ok "eml-grep --help"
else
	notok "eml-grep --help (exit $RC)"
fi
run "$G" --version
[ $RC -eq 0 ] && grep -q "^eml-grep (emlkit) " "$T/out" &&
    ok "eml-grep --version" || notok "eml-grep --version"
expect_fail "bad option" 2 "" "$G" --no-such-option x
expect_fail "no pattern" 2 "" "$G"
expect_fail "bad pattern" 2 "eml-grep: pattern at 1: missing closing parenthesis" \
    "$G" '(' "$C/related.eml"
expect_fail "missing file: 2" 2 \
    "eml-grep: $T/nonexistent.eml: No such file or directory" \
    "$G" x "$T/nonexistent.eml"

# is NAME STATUS WANT CMD...: exit STATUS and stdout exactly WANT
is() {
	_n=$1 _s=$2 _w=$3
	shift 3
	run "$@"
	if [ $RC -eq "$_s" ] && [ "$(cat "$T/out")" = "$_w" ]; then
		ok "$_n"
	else
		notok "$_n (exit $RC, want $_s)"
		head -5 "$T/out" "$T/err"
	fi
}

# decoded header fields: the 8-bit Subject of latin1.eml, an encoded
# word, case-insensitively with -i
is "-h decoded 8-bit" 0 "$C/latin1.eml" "$G" -h subject 'café' \
    "$C/latin1.eml" "$C/related.eml"
printf 'Subject: =?utf-8?b?w5xiZXJ3ZWlzdW5n?=\n\nx\n' > "$T/ew.eml"
is "-h decoded encoded-word" 0 "$T/ew.eml" "$G" -h subject '^Überweisung$' \
    "$T/ew.eml"
is "-i" 0 "$T/ew.eml" "$G" -i -h subject 'ÜBERWEISUNG' "$T/ew.eml"
is "no match: 1" 1 "" "$G" -h subject 'nomatch' "$T/ew.eml"
is "the raw form does not match" 1 "" "$G" -h subject 'utf-8' "$T/ew.eml"
is "any field by default" 0 "$C/related.eml" \
    "$G" '^References: <rel-a' "$C/related.eml"

# addresses: the display name and the address both
is "-a address" 0 "$C/related.eml" "$G" -a 'kim\+reply@' "$C/related.eml"
is "-a name" 0 "$C/related.eml" "$G" -a '^Kim Lee <kim@' "$C/related.eml"
is "-a restricted by -h" 1 "" "$G" -a -h to 'kim@' "$C/related.eml"

# the body text: decoded (QP, latin-1), HTML without its tags
is "-b text" 0 "$C/related.eml" "$G" -b 'hier die Fotos' "$C/related.eml"
is "-b charset-converted" 0 "$C/latin1.eml" "$G" -b 'Grüße aus Köln' \
    "$C/latin1.eml"
is "-b HTML text" 0 "$C/three.mbox:3:278" "$G" -n -b '^html$' "$C/three.mbox"
is "-b HTML tags are not text" 1 "" "$G" -n -b '<b>' "$C/three.mbox"
printf 'Content-Type: text/plain\nContent-Transfer-Encoding: base64\n\n%s\n' \
    "$(printf 'secret needle here\n' | base64)" > "$T/b64.eml"
is "-b base64 decoded" 0 "$T/b64.eml" "$G" -b 'needle' "$T/b64.eml"
is "-b not the headers" 1 "" "$G" -b 'Content-Type' "$T/b64.eml"

# mbox: matching messages printed whole, as an mbox again; -n gives
# index and offset
run "$G" -h subject '^two$' "$C/three.mbox"
if [ $RC -eq 0 ] && head -1 "$T/out" | grep -q '^From bob@example.org ' &&
    grep -qx '>From the start of a line' "$T/out" &&
    [ "$("$B/eml-hdr" -h subject "$T/out")" = two ]; then
	ok "mbox message printed whole (mboxrd)"
else
	notok "mbox message printed whole (exit $RC)"
	cat "$T/out"
fi
is "-n" 0 "$C/three.mbox:1:48
$C/three.mbox:3:278" "$G" -n -v -h subject '^two$' "$C/three.mbox"
is "-c" 0 "2" "$G" -c -v -h subject '^two$' "$C/three.mbox"
is "-c several" 0 "$C/three.mbox:1
$C/latin1.eml:0" "$G" -c -h subject '^one$' "$C/three.mbox" "$C/latin1.eml"
is "-l" 0 "$C/related.eml" "$G" -l -b Fotos "$C/latin1.eml" "$C/related.eml"
is "-L" 0 "$C/latin1.eml" "$G" -L -b Fotos "$C/latin1.eml" "$C/related.eml"
is "-q match" 0 "" "$G" -q -h subject one "$C/three.mbox"
is "-q no match" 1 "" "$G" -q -h subject zzz "$C/three.mbox"
# stdin: the message itself is printed (a filter)
run sh -c "'$G' -h subject invoice < '$C/escape.eml'"
cmp -s "$T/out" "$C/escape.eml" && [ $RC -eq 0 ] && ok "stdin printed" ||
    notok "stdin printed (exit $RC)"

# Maildir: file names
mkdir -p "$T/md/cur" "$T/md/new"
cp "$C/escape.eml" "$T/md/cur/1:2,S"
cp "$C/latin1.eml" "$T/md/new/2"
is "Maildir" 0 "$T/md/new/2" "$G" -h from 'j@example' "$T/md"

# an error among matches is still 2
is "error wins" 2 "$C/latin1.eml" "$G" -h subject café "$C/latin1.eml" \
    "$T/nonexistent.eml"
