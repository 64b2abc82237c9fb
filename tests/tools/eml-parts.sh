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

# several files in one run: indexes restart per input, and every line
# says where it came from as grep does (FILE: or FILE:INDEX:OFFSET:)
{
	sed "s|^|$C/related.eml:|" "$C/related.parts"
	printf '%s\n' "$C/three.mbox:1:48:1	1	text/plain	14		" \
	    "$C/three.mbox:2:147:2	1	text/plain	45		" \
	    "$C/three.mbox:3:278:3	1	text/plain	5		" \
	    "$C/three.mbox:3:278:3	2	text/html	11		"
} > "$T/several"
expect_same "several inputs" "$T/several" "$P" "$C/related.eml" \
    "$C/three.mbox"
# the offset in the prefix is where the message starts in the mbox
off=$(grep three.mbox "$T/out" | sed -n 2p | cut -d: -f3)
if tail -c +$((off + 1)) "$C/three.mbox" | head -1 | grep -q '^[A-Za-z-]*:' &&
    [ "$(head -c "$off" "$C/three.mbox" | tail -1 | cut -c1-5)" = "From " ]
then
	ok "mbox offset in prefix"
else
	notok "mbox offset in prefix ($off)"
fi
# -H prefixes one input, --no-filename none
sed "s|^|$C/related.eml:|" "$C/related.parts" > "$T/h"
expect_same "-H" "$T/h" "$P" -H "$C/related.eml"
cat "$C/related.parts" "$C/latin1.parts" > "$T/noname"
expect_same "--no-filename" "$T/noname" "$P" --no-filename \
    "$C/related.eml" "$C/latin1.eml"

# --tree: a message/rfc822 part and the multipart inside it are shown
# distinctly (2, then 2.TEXT), no section twice
if [ -f corpus/mime/forward-rfc822.eml ]; then
	expect_out "tree rfc822" "$C/mime-forward-rfc822.tree" "$P" --tree \
	    corpus/mime/forward-rfc822.eml
	dup=$(sed 1d "$T/out" | awk '{print $1}' | sort | uniq -d)
	if [ -z "$dup" ]; then
		ok "tree rfc822 sections distinct"
	else
		notok "tree rfc822 sections distinct: $dup"
	fi
	# -o: every column, in the order asked
	expect_out "columns" "$C/mime-forward-rfc822.cols" "$P" \
	    -o section,type,size,charset,cte,disposition,name,sha256,offset \
	    corpus/mime/forward-rfc822.eml
	expect_out "columns reordered" "$C/mime-forward-rfc822.cols2" "$P" \
	    -o name,section corpus/mime/forward-rfc822.eml
	# each offset is the first header line of its part
	bad=0
	for off in $(cut -f 9 "$C/mime-forward-rfc822.cols"); do
		tail -c +$((off + 1)) corpus/mime/forward-rfc822.eml | head -1 |
		    grep -qi '^content-' || bad=1
	done
	[ $bad -eq 0 ] && ok "column offset" || notok "column offset"
fi
expect_fail "unknown column" 2 'eml-parts: -o: unknown column "bogus"' \
    "$P" -o section,bogus "$C/related.eml"

# sha256 column: the digest of the decoded bytes, checked with sha256sum
{
	printf 'Content-Type: application/octet-stream\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	head -c 300000 /dev/urandom > "$T/rand"
	base64 < "$T/rand"
} > "$T/rand.eml"
want=$(sha256sum < "$T/rand" | cut -d' ' -f1)
run "$P" -o sha256,size "$T/rand.eml"
if [ $RC -eq 0 ] && [ "$(cat "$T/out")" = "$want	300000" ]; then
	ok "sha256 column"
else
	notok "sha256 column (exit $RC): $(cat "$T/out") want $want"
fi

# Maildir: a folder with cur/ and new/, each file one message, named
mkdir -p "$T/md/cur" "$T/md/new"
cp "$C/related.eml" "$T/md/cur/1000.a:2,S"
cp "$C/latin1.eml" "$T/md/new/2000.b"
{
	sed "s|^|$T/md/cur/1000.a:2,S:|" "$C/related.parts"
	sed "s|^|$T/md/new/2000.b:|" "$C/latin1.parts"
} > "$T/mdwant"
expect_same "maildir" "$T/mdwant" "$P" "$T/md"
mkdir -p "$T/notmd"
expect_fail "plain folder" 1 "eml-parts: $T/notmd: Is a directory" \
    "$P" "$T/notmd"

# --files-from: names from a file or stdin; -0 for NUL-separated ones
cp "$C/latin1.eml" "$T/name with
newline.eml"
printf '%s\n' "$C/related.eml" "$C/latin1.eml" > "$T/list"
{
	sed "s|^|$C/related.eml:|" "$C/related.parts"
	sed "s|^|$C/latin1.eml:|" "$C/latin1.parts"
} > "$T/ffwant"
expect_same "files-from" "$T/ffwant" "$P" --files-from "$T/list"
run sh -c "'$P' --files-from - < '$T/list'"
cmp -s "$T/out" "$T/ffwant" && ok "files-from stdin" ||
    notok "files-from stdin"
printf '%s\0%s\0' "$C/related.eml" "$T/name with
newline.eml" > "$T/list0"
run "$P" -0 --files-from "$T/list0"
# 5 + 1 parts; the name's newline makes the 7th line
if [ $RC -eq 0 ] && [ "$(wc -l < "$T/out")" -eq 7 ] &&
    tail -1 "$T/out" | grep -q "^newline.eml:1	1	text/plain"; then
	ok "files-from -0"
else
	notok "files-from -0 (exit $RC)"
	cat "$T/out"
fi
expect_fail "files-from with operands" 2 \
    "eml-parts: --files-from and file operands exclude each other" \
    "$P" --files-from "$T/list" "$C/related.eml"

# --mbox forces the mbox reading of an input that does not start with
# a From_ line
{ printf 'junk\n\n'; cat "$C/three.mbox"; } > "$T/junk.mbox"
run "$P" "$T/junk.mbox"
n1=$(wc -l < "$T/out")
run "$P" --mbox "$T/junk.mbox"
if [ "$n1" -eq 1 ] && [ "$(cut -f1 "$T/out" | sort -u | wc -l)" -eq 3 ]
then
	ok "--mbox"
else
	notok "--mbox ($n1 lines unforced)"
fi

# not a message: a warning naming the file and its line (counted from
# the start of the mbox, not of the message)
expect_fail "no header fields" 0 \
    "eml-parts: /bin/ls:1: does not look like a message (no header fields)" \
    "$P" /bin/ls
{
	printf 'From a@b Tue Dec  1 08:00:00 2026\nSubject: one\n\nbody\n\n'
	printf 'From a@b Tue Dec  1 09:00:00 2026\nno header here\n'
} > "$T/nohdr.mbox"
expect_fail "no header fields in mbox" 0 \
    "eml-parts: $T/nohdr.mbox:7: message 2: does not look like a message (no header fields)" \
    "$P" "$T/nohdr.mbox"

# a failed write is an error with its reason
if [ -w /dev/full ]; then
	run sh -c "'$P' '$C/related.eml' > /dev/full"
	if [ $RC -eq 1 ] && grep -qxF \
	    "eml-parts: write error: No space left on device" "$T/err"; then
		ok "write error /dev/full"
	else
		notok "write error /dev/full (exit $RC)"
		cat "$T/err"
	fi
fi

# --help explains every option and every column
run "$P" --help
bad=
for w in --tree -o msg section type size charset cte disposition name \
    sha256 offset --mbox --files-from -0 -H --no-filename --no-sandbox \
    --version; do
	grep -qe "$w" "$T/out" || bad="$bad $w"
done
[ -z "$bad" ] && ok "help lists every option" ||
    notok "help lists every option:$bad"

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
run sh -c "gzip -c '$C/three.mbox' | '$P' --no-filename - '$C/latin1.eml'"
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

# empty input is one empty message, with a warning
: > "$T/empty"
run "$P" "$T/empty"
if [ $RC -eq 0 ] && [ "$(cat "$T/out")" = "$(printf '1\t1\ttext/plain\t0\t\t')" ] &&
    grep -qxF "eml-parts: $T/empty:1: does not look like a message (no header fields)" "$T/err"
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
