# eml-convert --fold and --decode-headers: long fields folded where
# RFC 5322 2.2.3 allows (after commas in address lists, never inside a
# quoted string or an encoded-word), values unchanged by the fold, line
# ends kept; encoded-words to RFC 6532 UTF-8 with the syntax kept valid;
# idempotent over the whole corpus with no new lint errors; the DKIM
# report for a signed field that changes.
. tests/tools/_lib.sh
X=$B/eml-convert
L=$B/eml-lint
S=../shared/corpus

# unfold the field named $1 of file $2 (RFC 5322 2.2.3)
field() {
	awk -v n="$1" 'BEGIN { IGNORECASE = 1 }
	    /^$/ || /^\r$/ { exit }
	    /^[ \t]/ { if (on) { sub(/\r$/, ""); v = v $0 }; next }
	    { if (on) exit; on = tolower(substr($0, 1, length(n) + 1)) == tolower(n ":"); if (on) { sub(/\r$/, ""); v = $0 } }
	    END { print v }' "$2"
}
# longest line of the header of $1 (without its line end)
longest() {
	awk '/^\r?$/ { exit } { sub(/\r$/, ""); if (length($0) > m) m = length($0) } END { print m + 0 }' "$1"
}

W40=aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa
cat >"$T/long.eml" <<M
From: Alice <alice@example.com>
To: Bob One <bob1@example.com>, "Two, Bob Second Of His Name" <bob2@example.com>, Carol Three <carol3@example.com>, Dave Four <dave4@example.com>, Eve <eve@example.com>
Subject: Subject$W40$W40
References: <$W40@example.com> <b$W40@example.com> <c$W40@example.com>
Comments: =?utf-8?q?$W40?= =?utf-8?q?$W40?= =?utf-8?q?$W40?=
Date: Mon, 1 Jan 2001 12:00:00 +0000
Message-ID: <long@example.com>

body
M
run "$X" --fold "$T/long.eml"
cp "$T/out" "$T/f.eml"
# To: each line within 78, every fold after a comma, the value unchanged
awk '/^To:/ { on = 1; print; next } /^[ \t]/ && on { print; next } { on = 0 }' "$T/f.eml" >"$T/to"
[ "$(wc -l <"$T/to")" -ge 3 ] &&
    [ "$(awk '{ if (length($0) > 78) n++ } END { print n + 0 }' "$T/to")" -eq 0 ] &&
    [ "$(sed '$d' "$T/to" | grep -cv ',$')" -eq 0 ] &&
    [ "$(field To "$T/f.eml")" = "$(field To "$T/long.eml")" ] &&
    grep -q '"Two, Bob Second Of His Name"' "$T/f.eml" &&
    ok "--fold: long To: after its commas, quoted string whole" ||
    { notok "--fold: long To:"; cat "$T/to"; }
# a Subject of one long word: left as it is
grep -qx "Subject: Subject$W40$W40" "$T/f.eml" &&
    ok "--fold: a long Subject with no space stays" ||
    notok "--fold: a long Subject with no space stays"
# References: between the ids, value unchanged
[ "$(grep -c '^ <' "$T/f.eml")" -eq 2 ] &&
    [ "$(field References "$T/f.eml")" = "$(field References "$T/long.eml")" ] &&
    ok "--fold: long References between the ids" ||
    notok "--fold: long References"
# encoded-words: each whole, one a line (76 columns with a word)
[ "$(grep -c "=?utf-8?q?$W40?=" "$T/f.eml")" -eq 3 ] &&
    [ "$(awk '/=\?utf-8/ { if (length($0) > 76) n++ } END { print n + 0 }' "$T/f.eml")" -eq 0 ] &&
    ok "--fold: encoded-words never split, lines within 76" ||
    notok "--fold: encoded-words never split"
[ "$(longest "$T/f.eml")" -eq $((9 + 7 + 80)) ] &&
    ok "--fold: only the unbreakable line is over 78" ||
    notok "--fold: only the unbreakable line is over 78 ($(longest "$T/f.eml"))"
# the body and the fields within the limit: byte for byte
sed -n '/^From:/p; /^Date:/p; /^Message-ID:/p; /^$/,$p' "$T/long.eml" >"$T/a"
sed -n '/^From:/p; /^Date:/p; /^Message-ID:/p; /^$/,$p' "$T/f.eml" >"$T/b"
cmp -s "$T/a" "$T/b" && ok "--fold: short fields and body unchanged" ||
    notok "--fold: short fields and body unchanged"
"$X" --fold "$T/f.eml" | cmp -s - "$T/f.eml" && ok "--fold twice: same bytes" ||
    notok "--fold twice: same bytes"
# CRLF stays CRLF
"$X" --crlf "$T/long.eml" >"$T/crlf.eml"
"$X" --fold "$T/crlf.eml" >"$T/fc.eml"
[ "$(tr -cd '\r' <"$T/fc.eml" | wc -c)" -eq "$(wc -l <"$T/fc.eml")" ] &&
    [ "$(wc -l <"$T/fc.eml")" -gt "$(wc -l <"$T/crlf.eml")" ] &&
    ok "--fold: CRLF kept" || notok "--fold: CRLF kept"
# over 998 with nowhere to fold: left, reported
{ printf 'From: a@example.com\nX-Blob: '; i=0; while [ $i -lt 30 ]; do printf '%s' "$W40"; i=$((i + 1)); done; printf '\n\nbody\n'; } >"$T/blob.eml"
run "$X" --fold "$T/blob.eml"
[ $RC -eq 0 ] && cmp -s "$T/out" "$T/blob.eml" &&
    grep -q 'X-Blob: a line over 998 octets has no place to fold' "$T/err" &&
    ok "--fold: over 998 and unbreakable, reported" ||
    { notok "--fold: over 998 and unbreakable, reported"; cat "$T/err"; }
run "$X" --fold "$T/long.eml"
[ ! -s "$T/err" ] && ok "--fold: no report when all is within 998" ||
    notok "--fold: no report when all is within 998"

# --decode-headers
cat >"$T/ew.eml" <<'M'
From: =?utf-8?q?Doe=2C_John?= <john@example.com>
To: =?iso-8859-1?q?Ren=E9?= <rene@example.com>, "=?utf-8?q?lit?=" <lit@example.com>,
 x@example.com (=?utf-8?q?a=28b?=)
Subject: =?utf-8?b?Q2Fmw6k=?= =?utf-8?b?IGF1IGxhaXQ=?= and more
Date: Mon, 1 Jan 2001 12:00:00 +0000
Message-ID: <ew@example.com>
MIME-Version: 1.0
Content-Type: application/pdf; name*=utf-8''r%C3%A9sum%C3%A9.pdf
Content-Disposition: attachment; filename="=?utf-8?q?r=C3=A9sum=C3=A9.pdf?="
Content-Transfer-Encoding: base64

AAAA
M
run "$X" --decode-headers "$T/ew.eml"
cp "$T/out" "$T/d.eml"
grep -qx 'From: "Doe, John" <john@example.com>' "$T/d.eml" &&
    ok "--decode-headers: a name with a comma is quoted" ||
    { notok "--decode-headers: a name with a comma is quoted"; cat "$T/d.eml"; }
grep -qx "$(printf 'To: Ren\303\251 <rene@example.com>, "=?utf-8?q?lit?=" <lit@example.com>,')" "$T/d.eml" &&
    grep -qx ' x@example.com (a\\(b)' "$T/d.eml" &&
    ok "--decode-headers: latin1 name, quoted word kept, comment escaped" ||
    notok "--decode-headers: To:"
grep -qx "$(printf 'Subject: Caf\303\251 au lait and more')" "$T/d.eml" &&
    ok "--decode-headers: Subject, adjacent words joined" ||
    notok "--decode-headers: Subject"
[ "$(grep -c "$(printf 'name="r\303\251sum\303\251.pdf"')" "$T/d.eml")" -eq 2 ] &&
    ok "--decode-headers: RFC 2231 and worded file names to UTF-8" ||
    notok "--decode-headers: file names"
"$B/eml-parts" "$T/ew.eml" >"$T/p1"; "$B/eml-parts" "$T/d.eml" >"$T/p2"
cmp -s "$T/p1" "$T/p2" && ok "--decode-headers: the parts read the same" ||
    { notok "--decode-headers: the parts read the same"; diff "$T/p1" "$T/p2"; }
sed -n '/^Date:/,$p' "$T/ew.eml" | grep -v '^Content-[TD][yi]' >"$T/a"
sed -n '/^Date:/,$p' "$T/d.eml" | grep -v '^Content-[TD][yi]' >"$T/b"
cmp -s "$T/a" "$T/b" && ok "--decode-headers: other fields and body unchanged" ||
    notok "--decode-headers: other fields and body unchanged"
# a word whose text would forge a field (an encoded CR LF) stays encoded
printf 'From: a@example.com\nSubject: =?utf-8?q?x=0D=0ABcc:_victim@example.com?=\n\nb\n' >"$T/inj.eml"
"$X" --decode-headers "$T/inj.eml" | cmp -s - "$T/inj.eml" &&
    ok "--decode-headers: an encoded line break is kept encoded" ||
    notok "--decode-headers: an encoded line break is kept encoded"

# the whole corpus: idempotent, no new lint errors, and a message with
# no encoded-word or RFC 2231 parameter (or no line over 76) anywhere
# comes out byte for byte
find corpus -path corpus/fuzz -prune -o -type f -name '*.eml' -print | sort >"$T/all"
[ -d $S ] && find $S -type f -name '*.eml' | sort >>"$T/all"
errs() {
	"$L" --json "$1" 2>/dev/null | grep '"severity":"error"' |
	    grep -o '"code":"[^"]*"' | sort -u
}
for o in --fold --decode-headers "--decode-headers --fold"; do
	bad= newerr= same= n=0
	while IFS= read -r f; do
		"$X" $o "$f" >"$T/o1" 2>/dev/null
		"$X" $o "$T/o1" >"$T/o2" 2>/dev/null
		cmp -s "$T/o1" "$T/o2" || bad="$bad ${f##*/}"
		if ! cmp -s "$T/o1" "$f"; then
			errs "$f" >"$T/e1"; errs "$T/o1" >"$T/e2"
			[ -n "$(comm -13 "$T/e1" "$T/e2")" ] &&
			    newerr="$newerr ${f##*/}:$(comm -13 "$T/e1" "$T/e2" | tr '\n' ' ')"
			case $o in
			--fold) [ "$(awk '{ sub(/\r$/, ""); if (length($0) > 76) n++ } END { print n + 0 }' "$f")" -eq 0 ] &&
			    same="$same ${f##*/}" ;;
			--decode-headers) grep -q '=?\|\*[0-9]*\*\{0,1\}=' "$f" ||
			    same="$same ${f##*/}" ;;
			esac
		fi
		n=$((n + 1))
	done <"$T/all"
	[ -z "$bad" ] && [ $n -gt 100 ] && ok "$o is idempotent ($n messages)" ||
	    notok "$o is idempotent:$bad"
	[ -z "$newerr" ] && ok "$o: no new lint errors" ||
	    notok "$o: new lint errors:$newerr"
	[ -z "$same" ] && ok "$o: nothing to do, same bytes" ||
	    notok "$o: nothing to do, same bytes:$same"
done

# DKIM: a folded or decoded field that h= covers is reported, one it
# does not cover is not
cat >"$T/dk.eml" <<M
DKIM-Signature: v=1; a=rsa-sha256; d=example.com; s=s1;
	h=From:To:Date; bh=AAAA; b=BBBB
From: =?utf-8?q?Doe=2C_John?= <john@example.com>
To: Bob One <bob1@example.com>, Carol Three <carol3@example.com>, Dave Four <dave4@example.com>
Subject: =?utf-8?q?caf=C3=A9?= $W40 $W40
Date: Mon, 1 Jan 2001 12:00:00 +0000

body
M
run "$X" --fold "$T/dk.eml"
grep -q 'changing To breaks the DKIM-Signature' "$T/err" &&
    ! grep -q 'changing Subject' "$T/err" &&
    ok "DKIM: a folded signed field reported" ||
    { notok "DKIM: a folded signed field reported"; cat "$T/err"; }
run "$X" --decode-headers "$T/dk.eml"
grep -q 'changing From breaks the DKIM-Signature' "$T/err" &&
    ! grep -q 'changing Subject' "$T/err" &&
    ok "DKIM: a decoded signed field reported" ||
    { notok "DKIM: a decoded signed field reported"; cat "$T/err"; }

grep -q "^\.It Fl -fold" docs/eml-convert.1 &&
    grep -q "^\.It Fl -decode-headers" docs/eml-convert.1 &&
    ok "eml-convert.1: --fold, --decode-headers" ||
    notok "eml-convert.1: --fold, --decode-headers"
