#!/bin/sh
# eml-parts: part listings of corpus messages against corpus/tools/*.parts
# and *.tree; mbox, gzip, pipe and error handling.
. "$(dirname "$0")/_lib.sh"
P="$B/eml-parts"
C=corpus/tools

common_cli eml-parts

for m in escape related latin1 truncated; do
	expect_out "parts $m" "$C/$m.parts" "$P" "$C/$m.eml"
	expect_out "tree $m" "$C/$m.tree" "$P" --tree "$C/$m.eml"
done
# messages from the shared MIME corpus, if present
for m in alternative attach-base64 forward-rfc822 nested rfc2231-filename; do
	[ -f "corpus/mime/$m.eml" ] || continue
	expect_out "parts mime/$m" "$C/mime-$m.parts" "$P" "corpus/mime/$m.eml"
done

# mbox with three messages, one with a ">From " line
expect_out "mbox" "$C/three.parts" "$P" "$C/three.mbox"
expect_out "mbox tree" "$C/three.tree" "$P" -t "$C/three.mbox"

# several files in one run: indexes restart per input
cat "$C/related.parts" "$C/three.parts" > "$T/several"
expect_same "several inputs" "$T/several" "$P" "$C/related.eml" \
    "$C/three.mbox"

# gzip: same output as the plain file, also for an mbox
gzip -c "$C/related.eml" > "$T/related.eml.gz"
expect_same "gzip message" "$C/related.parts" "$P" "$T/related.eml.gz"
gzip -c "$C/three.mbox" > "$T/three.mbox.gz"
expect_same "gzip mbox" "$C/three.parts" "$P" "$T/three.mbox.gz"
# two gzip members make one input
head -c 200 "$C/three.mbox" | gzip -c > "$T/multi.gz"
tail -c +201 "$C/three.mbox" | gzip -c >> "$T/multi.gz"
expect_same "gzip two members" "$C/three.parts" "$P" "$T/multi.gz"

# pipes: stdin without arguments, and "-"
run sh -c "cat '$C/related.eml' | '$P'"
if [ $RC -eq 0 ] && cmp -s "$T/out" "$C/related.parts"; then
	ok "pipe"
else
	notok "pipe (exit $RC)"
fi
run sh -c "gzip -c '$C/three.mbox' | '$P' - '$C/latin1.eml'"
cat "$C/three.parts" "$C/latin1.parts" > "$T/dash"
if [ $RC -eq 0 ] && cmp -s "$T/out" "$T/dash"; then
	ok "pipe as -, gzip mbox"
else
	notok "pipe as - (exit $RC)"
fi

# a bad input among good ones: the others are listed, exit 1
run "$P" "$C/latin1.eml" "$T/missing" "$C/latin1.eml"
if [ $RC -eq 1 ] && [ "$(wc -l < "$T/out")" -eq 2 ] &&
    grep -qxF "eml-parts: $T/missing: No such file or directory" "$T/err"
then
	ok "missing among good inputs"
else
	notok "missing among good inputs (exit $RC)"
fi

# corrupt gzip data is an input error naming the file
printf '\037\213\010\000\000\000\000\000\000\003garbage' > "$T/bad.gz"
expect_fail "corrupt gzip" 1 "eml-parts: $T/bad.gz: Bad message" \
    "$P" "$T/bad.gz"

# empty input is one empty message
: > "$T/empty"
run "$P" "$T/empty"
if [ $RC -eq 0 ] && [ "$(cat "$T/out")" = "$(printf '1\t1\ttext/plain\t0\t\t')" ]
then
	ok "empty input"
else
	notok "empty input (exit $RC)"
fi

# decoded sizes are counted while streaming: 3 MB of base64 in a pipe
{
	printf 'Content-Type: application/octet-stream\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	head -c 3000000 /dev/zero | base64
} > "$T/big.eml"
run sh -c "cat '$T/big.eml' | '$P'"
if [ $RC -eq 0 ] && [ "$(cut -f 4 "$T/out")" = 3000000 ]; then
	ok "streamed size"
else
	notok "streamed size (exit $RC)"
	cat "$T/out"
fi
