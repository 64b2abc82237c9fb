# eml-convert: byte for byte with no option on every corpus message (and
# with each option where it has nothing to do); idempotent; --repair
# leaves none of the codes it fixes; each option does its one thing;
# DKIM warnings; -i replaces atomically and a failure leaves the original.
. tests/tools/_lib.sh
X=$B/eml-convert
L=$B/eml-lint
D=corpus/diag
S=../shared/corpus

run "$X" --help
[ $RC -eq 0 ] && head -1 "$T/out" | grep -q '^usage: eml-convert' &&
    ok "--help" || notok "--help"
expect_fail "bad option" 2 "" "$X" --no-such-option
expect_fail "--7bit with --8bit" 2 \
    "eml-convert: --7bit and --8bit exclude each other" "$X" --7bit --8bit

# every file of corpus/ and ../shared/corpus, no option: the same bytes
# (mboxes too: From_ lines and separators are kept)
find corpus $S -type f ! -name '*.line' 2>/dev/null | sort >"$T/all"
n=0 bad=
while IFS= read -r f; do
	case $f in
	*.gz) gzip -dc "$f" >"$T/ref" 2>/dev/null || continue ;;
	*) cp "$f" "$T/ref" ;;
	esac
	"$X" "$f" >"$T/o" 2>/dev/null
	cmp -s "$T/o" "$T/ref" || bad="$bad $f"
	n=$((n + 1))
done <"$T/all"
[ -z "$bad" ] && [ $n -gt 100 ] && ok "no option: byte for byte ($n files)" ||
    notok "no option: byte for byte:$bad"

# each option twice gives what it gives once (corpus/, not the fuzz
# inputs, and ../shared/corpus messages)
find corpus -path corpus/fuzz -prune -o -type f -name '*.eml' -print | sort >"$T/some"
[ -d $S ] && find $S -type f -name '*.eml' | sort | awk 'NR % 8 == 0' >>"$T/some"
for o in --repair --utf8 --7bit --8bit --crlf --lf; do
	bad=
	while IFS= read -r f; do
		"$X" $o "$f" >"$T/o1" 2>/dev/null
		"$X" $o "$T/o1" >"$T/o2" 2>/dev/null
		cmp -s "$T/o1" "$T/o2" || bad="$bad ${f##*/}"
	done <"$T/some"
	[ -z "$bad" ] && ok "$o is idempotent" || notok "$o is idempotent:$bad"
done

# where an option has nothing to do, the bytes stay
cat >"$T/clean.eml" <<'M'
From: Alice <alice@example.com>
To: Bob <bob@example.com>
Subject: clean
Date: Mon, 1 Jan 2001 12:00:00 +0000
Message-ID: <clean@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: 8bit

caf\xc3\xa9 is UTF-8 already
M
printf '%b' "$(cat "$T/clean.eml")\n" >"$T/c8.eml"
for o in --repair --utf8 --8bit --lf; do
	"$X" $o "$T/c8.eml" >"$T/o" 2>"$T/e"
	cmp -s "$T/o" "$T/c8.eml" && [ ! -s "$T/e" ] &&
	    ok "$o: nothing to do, same bytes" ||
	    notok "$o: nothing to do, same bytes"
done
"$X" --crlf "$T/c8.eml" >"$T/crlf.eml"
"$X" --crlf "$T/crlf.eml" | cmp -s - "$T/crlf.eml" &&
    ok "--crlf on CRLF: same bytes" || notok "--crlf on CRLF: same bytes"
"$X" --7bit "$D/boundary-prefix.eml" | cmp -s - "$D/boundary-prefix.eml" &&
    ok "--7bit on 7bit: same bytes" || notok "--7bit on 7bit: same bytes"
# --repair on messages with none of the codes it fixes: the same bytes
fixes='no-mime-version|cte-on-composite|8bit-in-7bit|b64-garbage|b64-padding|qp-bad-escape|qp-line-long|missing-close-delim|boundary-not-found'
bad= n=0
while IFS= read -r f; do
	"$L" --json "$f" 2>/dev/null | grep -Eq "\"code\":\"($fixes)\"" && continue
	"$X" --repair "$f" 2>/dev/null | cmp -s - "$f" || bad="$bad ${f##*/}"
	n=$((n + 1))
done <"$T/some"
[ -z "$bad" ] && ok "--repair with nothing to fix: same bytes ($n)" ||
    notok "--repair with nothing to fix: same bytes:$bad"

# --repair leaves none of the codes it fixes, and adds no error-level
# finding, on any message of corpus/ and ../shared/corpus (what it does
# not claim to fix, a missing From or Date say, may stay)
find corpus -path corpus/fuzz -prune -o -type f -name '*.eml' -print | sort >"$T/every"
[ -d $S ] && find $S -type f -name '*.eml' | sort >>"$T/every"
lint_errors() {
	"$L" --json "$1" 2>/dev/null | grep '"severity":"error"' |
	    grep -o '"code":"[^"]*"' | sed 's/"code"://; s/"//g' | sort -u
}
bad= newerr= n=0
while IFS= read -r f; do
	if ! "$X" --repair "$f" >"$T/r.eml" 2>/dev/null; then
		bad="$bad ${f##*/}:failed"
		continue
	fi
	lint_errors "$T/r.eml" >"$T/after"
	left=$(grep -Ex "$fixes" "$T/after" | tr '\n' ' ')
	[ -n "$left" ] && bad="$bad ${f##*/}:$left"
	lint_errors "$f" >"$T/before"
	added=$(comm -13 "$T/before" "$T/after" | tr '\n' ' ')
	[ -n "$added" ] && newerr="$newerr ${f##*/}:$added"
	n=$((n + 1))
done <"$T/every"
[ -z "$bad" ] && [ $n -gt 100 ] &&
    ok "--repair then eml-lint: none of the codes it fixes ($n messages)" ||
    notok "--repair then eml-lint: left$bad"
[ -z "$newerr" ] && ok "--repair adds no lint error" ||
    notok "--repair adds lint errors:$newerr"
for c in no-mime-version cte-on-composite 8bit-in-7bit b64-garbage \
    b64-padding qp-bad-escape qp-line-long missing-close-delim; do
	"$X" --repair "$D/$c.eml" >"$T/r.eml" 2>"$T/e"
	if "$L" "$T/r.eml" | grep -q "\[$c\]"; then
		notok "--repair fixes $c"
	else
		ok "--repair fixes $c"
	fi
done

# boundary that the body does not use
cat >"$T/wrongb.eml" <<'M'
From: a@example.com
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="declared"

--used
Content-Type: text/plain

one
--used
Content-Type: text/plain

two
--used--
M
"$X" --repair "$T/wrongb.eml" >"$T/r.eml"
grep -q 'boundary="\{0,1\}used"\{0,1\}' "$T/r.eml" &&
    [ "$("$B/eml-parts" "$T/r.eml" | wc -l)" -eq 2 ] &&
    ! "$L" "$T/r.eml" | grep -q boundary-not-found &&
    ok "--repair: boundary the body uses" ||
    { notok "--repair: boundary the body uses"; cat "$T/r.eml"; }
# a multipart with no delimiter line of any boundary: relabelled as the
# text it is, its body untouched
printf 'From: a@example.com\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="gone"\nContent-Transfer-Encoding: binary\n\ncaf\303\251, no part\n' >"$T/nob.eml"
"$X" --repair "$T/nob.eml" >"$T/r.eml"
grep -qx 'Content-Type: text/plain; charset=utf-8' "$T/r.eml" &&
    grep -qx 'Content-Transfer-Encoding: 8bit' "$T/r.eml" &&
    [ "$(sed '1,/^$/d' "$T/r.eml")" = "$(sed '1,/^$/d' "$T/nob.eml")" ] &&
    [ -z "$(lint_errors "$T/r.eml" | grep -v date-missing)" ] &&
    ok "--repair: multipart without delimiters becomes text/plain" ||
    { notok "--repair: multipart without delimiters"; cat "$T/r.eml"; }
# a base64 message/rfc822: decoded, so its parts are parts again; one
# whose text has a delimiter line of the multipart around it (boundary
# "i", a prefix of its "in") stays encoded and is labelled as data
cat >"$T/inner.eml" <<'M'
From: b@example.com
Date: Mon, 1 Jan 2001 12:00:00 +0000
Message-ID: <inner@example.com>
Subject: inner
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary="in"

--in
Content-Type: text/plain

one
--in
Content-Type: text/html

<p>two</p>
--in--
M
m64() {
	printf 'From: a@example.com\nDate: Mon, 1 Jan 2001 12:00:00 +0000\nMessage-ID: <m64@example.com>\nMIME-Version: 1.0\nContent-Type: multipart/mixed; boundary="%s"\n\n--%s\nContent-Type: text/plain\n\nsee attached\n--%s\nContent-Type: message/rfc822\nContent-Transfer-Encoding: base64\n\n' "$1" "$1" "$1"
	"$B/eml-b64" <"$T/inner.eml"
	printf '\n--%s--\n' "$1"
}
m64 =_o >"$T/m64.eml"
run "$X" --repair "$T/m64.eml"
cp "$T/out" "$T/r.eml"
"$B/eml-parts" "$T/m64.eml" >"$T/p1"
"$B/eml-parts" "$T/r.eml" >"$T/p2"
[ $RC -eq 0 ] && grep -q '^Content-Transfer-Encoding: 7bit' "$T/r.eml" &&
    [ "$(wc -l <"$T/p2")" -gt "$(wc -l <"$T/p1")" ] &&
    sed -n '/^--=_o$/,$p' "$T/r.eml" | sed -n '/^Content-Transfer-Encoding: 7bit/,/^--=_o--$/p' |
    sed '1,2d;$d' | sed '$d' | cmp -s - "$T/inner.eml" &&
    [ -z "$(lint_errors "$T/r.eml")" ] &&
    ok "--repair: base64 message/rfc822 decoded, lint clean" ||
    { notok "--repair: base64 message/rfc822 decoded"; cat "$T/p2" "$T/err"; }
m64 i >"$T/m64o.eml"
run "$X" --repair "$T/m64o.eml"
[ $RC -eq 0 ] && grep -q '^Content-Type: application/octet-stream' "$T/out" &&
    grep -q '^Content-Transfer-Encoding: base64' "$T/out" &&
    ! lint_errors "$T/out" | grep -q cte-on-composite &&
    ok "--repair: base64 message/rfc822 with a delimiter inside relabelled" ||
    { notok "--repair: base64 message/rfc822 with a delimiter inside"; cat "$T/err"; }
# mislabelled charset: us-ascii declared, UTF-8 found
printf 'From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=us-ascii\nContent-Transfer-Encoding: 8bit\n\ncaf\303\251\n' >"$T/mis.eml"
"$X" --repair "$T/mis.eml" >"$T/r.eml"
grep -qi 'charset="\{0,1\}utf-8' "$T/r.eml" && tail -1 "$T/r.eml" | grep -q "caf" &&
    ok "--repair: mislabelled charset" || notok "--repair: mislabelled charset"

# the options
printf 'From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\nContent-Transfer-Encoding: 8bit\n\ncaf\351\n' >"$T/latin.eml"
"$X" --utf8 "$T/latin.eml" >"$T/o"
grep -qi 'charset="\{0,1\}utf-8' "$T/o" && printf 'caf\303\251\n' | cmp -s - "$(tail -1 "$T/o" >"$T/l"; echo "$T/l")" &&
    ok "--utf8: converted and relabelled" || { notok "--utf8"; cat "$T/o"; }
"$X" --7bit "$T/latin.eml" >"$T/o"
! LC_ALL=C grep -q "$(printf '[\200-\377]')" "$T/o" &&
    grep -qi 'quoted-printable' "$T/o" && grep -q 'caf=E9' "$T/o" &&
    ok "--7bit: 8bit text to QP" || { notok "--7bit"; cat "$T/o"; }
"$X" --8bit "$T/o" | cmp -s - "$T/latin.eml" &&
    ok "--8bit: QP text back to 8bit" || notok "--8bit: QP text back to 8bit"
"$X" --crlf "$T/latin.eml" >"$T/o"
[ "$(tr -cd '\r' <"$T/o" | wc -c)" -eq "$(wc -l <"$T/o")" ] &&
    ok "--crlf" || notok "--crlf"
"$X" --lf "$T/o" | cmp -s - "$T/latin.eml" && ok "--lf" || notok "--lf"

# DKIM: a change to a signed field or to the body is reported
cat >"$T/dkim.eml" <<'M'
DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;
	h=From:To:Subject:Date:MIME-Version; bh=AAAA; b=BBBB
From: a@example.com
To: b@example.com
Subject: signed
Date: Mon, 1 Jan 2001 12:00:00 +0000
Content-Type: text/plain; charset=utf-8

body
M
run "$X" --repair "$T/dkim.eml"
grep -q 'changing MIME-Version breaks the DKIM-Signature' "$T/err" &&
    ok "DKIM: signed field reported" || { notok "DKIM: signed field reported"; cat "$T/err"; }
run "$X" --7bit "$T/dkim.eml"
[ ! -s "$T/err" ] && ok "DKIM: no change, no warning" || notok "DKIM: no change, no warning"
printf '%s\n' "$(sed 's/^Content-Type: .*/Content-Type: text\/plain; charset=iso-8859-1/' "$T/dkim.eml")" | sed 's/^body$/caf\xe9/' >"$T/dk2.eml"
run "$X" --utf8 "$T/dk2.eml"
grep -q 'changing the body breaks the DKIM-Signature' "$T/err" &&
    ok "DKIM: body change reported" || { notok "DKIM: body change reported"; cat "$T/err"; }
printf 'From: a@example.com\nMIME-Version: 1.0\nContent-Type: text/plain; charset=iso-8859-1\n\ncaf\351\n' >"$T/nodk.eml"
run "$X" --utf8 "$T/nodk.eml"
[ ! -s "$T/err" ] && ok "no DKIM-Signature: no warning" || notok "no DKIM-Signature: no warning"

# -i: in place, atomically
cp "$T/latin.eml" "$T/ip.eml"
chmod 644 "$T/ip.eml"
run "$X" -i --utf8 "$T/ip.eml"
[ $RC -eq 0 ] && [ ! -s "$T/out" ] && grep -qi 'utf-8' "$T/ip.eml" &&
    [ "$(stat -c %a "$T/ip.eml")" = 644 ] &&
    [ -z "$(ls -a "$T" | grep '^\.eml-convert')" ] &&
    ok "-i: rewritten in place" || notok "-i: rewritten in place"
# a failure leaves the original: a folder the tool cannot write in
# (root ignores permissions: then a tiny tmpfs if it can mount one,
# else /dev/full is not a folder... skipped)
mkdir -p "$T/ro"
cp "$T/latin.eml" "$T/ro/m.eml"
chmod 555 "$T/ro"
run "$X" -i --utf8 "$T/ro/m.eml"
chmod 755 "$T/ro"
if [ $RC -ne 0 ]; then
	cmp -s "$T/ro/m.eml" "$T/latin.eml" && [ "$(ls -a "$T/ro" | wc -l)" -eq 3 ] &&
	    ok "-i: read-only folder, original kept" ||
	    notok "-i: read-only folder, original kept"
elif mkdir -p "$T/tiny" && mount -t tmpfs -o size=64k tmpfs "$T/tiny" 2>/dev/null; then
	# full disk: the temporary file cannot be written
	{ cat "$T/latin.eml"; i=0; while [ $i -lt 200 ]; do
	    echo "caf$(printf '\351') line $i with some more text to make it longer"; i=$((i + 1)); done; } >"$T/big.eml"
	cp "$T/big.eml" "$T/tiny/m.eml"
	chmod 640 "$T/tiny/m.eml"
	dd if=/dev/zero of="$T/tiny/fill" bs=1k 2>/dev/null
	cp "$T/tiny/m.eml" "$T/before.eml"
	run "$X" -i --utf8 "$T/tiny/m.eml"
	if [ $RC -ne 0 ] && cmp -s "$T/tiny/m.eml" "$T/before.eml" &&
	    grep -q 'No space left on device' "$T/err" &&
	    [ "$(ls -a "$T/tiny" | wc -l)" -eq 4 ]; then
		ok "-i: full disk, original kept"
	else
		notok "-i: full disk, original kept (exit $RC)"
		cat "$T/err"; ls -la "$T/tiny"
	fi
	umount "$T/tiny"
else
	echo "ok - -i: failure leaves the original: skipped (no way to fail)"
fi
expect_fail "-i: mbox refused" 1 "" "$X" -i corpus/tools/three.mbox

grep -q "^\.Sh EXAMPLES" docs/eml-convert.1 && ok "eml-convert.1 EXAMPLES" ||
    notok "eml-convert.1 EXAMPLES"
