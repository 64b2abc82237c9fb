# eml-b64, eml-qp, eml-ew: the codec filters (issue 7).
. tests/tools/_lib.sh

# Random bytes of every value, and a text with long lines and trailing
# blanks, as the round trips' inputs.
head -c 200000 /dev/urandom >"$T/bin"
awk 'BEGIN { for (i = 0; i < 300; i++) {
	s = ""; for (j = 0; j < i % 97; j++) s = s "x\344 ";
	print s "end=" i "  " } }' >"$T/text"

"$B/eml-b64" "$T/bin" >"$T/b64" && "$B/eml-b64" -d "$T/b64" >"$T/back"
if cmp -s "$T/bin" "$T/back"; then ok "b64 round trip"; else notok "b64 round trip"; fi
if awk 'length($0) > 76 { bad = 1 } END { exit bad }' "$T/b64"; then
	ok "b64 lines of at most 76"
else
	notok "b64 lines of at most 76"
fi
"$B/eml-b64" -w 40 --crlf "$T/bin" >"$T/b64w"
if [ "$(head -1 "$T/b64w" | tr -d '\r' | wc -c)" -eq 41 ] &&
    head -1 "$T/b64w" | od -c | grep -q '\\r'; then
	ok "b64 -w 40 --crlf"
else
	notok "b64 -w 40 --crlf"
fi
# Every chunking gives the same output: through a pipe in odd pieces.
dd if="$T/bin" bs=7 2>/dev/null | "$B/eml-b64" >"$T/b64p"
if cmp -s "$T/b64" "$T/b64p"; then ok "b64 from a pipe"; else notok "b64 from a pipe"; fi
printf 'aGVsbG8=\n-- \nfooter\n' >"$T/foot"
expect_out_str() {
	_n=$1 _w=$2
	shift 2
	run "$@"
	if [ $RC -eq 0 ] && [ "$(cat "$T/out")" = "$_w" ]; then ok "$_n"; else
		notok "$_n (exit $RC): $(head -c 200 "$T/out")"; fi
}
expect_out_str "b64 -d stops at the end of the data" "hello" "$B/eml-b64" -d "$T/foot"
expect_out_str "b64 -d skips garbage" "hello" sh -c "printf 'aG!V*sb G8=' | '$B/eml-b64' -d"
printf 'aGk=' >"$T/a"; printf 'eW8=' >"$T/b"
expect_out_str "b64 -d decodes each input on its own" "hiyo" "$B/eml-b64" -d "$T/a" "$T/b"

"$B/eml-qp" -b "$T/bin" >"$T/qp" && "$B/eml-qp" -d "$T/qp" >"$T/back"
if cmp -s "$T/bin" "$T/back"; then ok "qp -b round trip"; else notok "qp -b round trip"; fi
if awk 'length($0) > 76 { bad = 1 } END { exit bad }' "$T/qp"; then
	ok "qp lines of at most 76"
else
	notok "qp lines of at most 76"
fi
# Text mode: line ends stay line ends; trailing blanks are encoded so
# that decoding keeps them (RFC 2045 6.7 rule 3 deletes bare ones).
"$B/eml-qp" "$T/text" >"$T/qpt" && "$B/eml-qp" -d "$T/qpt" >"$T/back"
if cmp -s "$T/text" "$T/back"; then ok "qp text round trip"; else notok "qp text round trip"; fi
expect_out_str "qp -d soft break and bad escape" "ab=ZZc" sh -c "printf 'a=\nb=ZZ=63' | '$B/eml-qp' -d"

expect_out_str "ew encodes UTF-8" "=?UTF-8?B?R3LDvMOfZQ==?=" sh -c "printf 'Grüße\n' | '$B/eml-ew'"
printf 'Grüße aus Köln\nplain\n\nx\n' >"$T/words"
"$B/eml-ew" "$T/words" | "$B/eml-ew" -d >"$T/back"
if cmp -s "$T/words" "$T/back"; then ok "ew round trip"; else notok "ew round trip"; diff "$T/words" "$T/back" | head; fi
expect_out_str "ew -n writes a header field" "Subject: =?UTF-8?B?R3LDvMOfZQ==?=" sh -c "printf 'Grüße\n' | '$B/eml-ew' -n Subject"
printf 'Subject: =?iso-8859-1?q?caf=E9?=\n =?utf-8?q?_au_lait?=\nX: caf\351\n' >"$T/hdr"
run "$B/eml-ew" -d "$T/hdr"
if [ $RC -eq 0 ] && [ "$(sed -n 1p "$T/out")" = "Subject: café au lait" ] &&
    [ "$(sed -n 2p "$T/out")" = "X: café" ]; then
	ok "ew -d unfolds and decodes"
else
	notok "ew -d unfolds and decodes: $(cat "$T/out")"
fi
# Any line length: a 3 MB line goes through in pieces.
awk 'BEGIN { s = "=?utf-8?q?a?= "; for (i = 0; i < 18; i++) s = s s; print s }' >"$T/long"
run "$B/eml-ew" -d "$T/long"
if [ $RC -eq 0 ] && [ "$(tr -cd a <"$T/out" | wc -c)" -eq 262144 ]; then
	ok "ew -d over a 3 MB line"
else
	notok "ew -d over a 3 MB line (exit $RC)"
fi

# Errors: a missing input names it and exits 1; a full disk is an error.
expect_fail "missing input" 1 "eml-b64: $T/none: No such file or directory" "$B/eml-b64" "$T/none"
run sh -c "'$B/eml-b64' '$T/bin' >/dev/full"
if [ $RC -eq 1 ] && grep -qx "eml-b64: write error: No space left on device" "$T/err"; then
	ok "write error reported"
else
	notok "write error reported (exit $RC)"
fi
expect_fail "bad -w" 2 "" "$B/eml-b64" -w 30
for t in eml-b64 eml-qp eml-ew; do
	run "$B/$t" --help
	if [ $RC -eq 0 ] && grep -q "^usage: $t" "$T/out"; then ok "$t --help"; else notok "$t --help"; fi
done
