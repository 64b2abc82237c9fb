# eml-mbox: join, split, count, pick, mboxo to mboxrd, gzip (issue 7).
. tests/tools/_lib.sh
C=corpus/tools
M="$B/eml-mbox"

# count
run "$M" -c "$C/three.mbox"
if [ $RC -eq 0 ] && [ "$(cat "$T/out")" = 3 ]; then ok "count"; else notok "count: $(cat "$T/out")"; fi
run "$M" -c "$C/three.mbox" "$C/latin1.eml"
if [ $RC -eq 0 ] && [ "$(tail -1 "$T/out")" = "total:4" ] &&
    grep -qx "$C/three.mbox:3" "$T/out"; then ok "count per input"; else notok "count per input"; fi

# join: an mbox joined again is itself (mboxrd in, mboxrd out)
expect_same "join an mbox is the identity" "$C/three.mbox" "$M" "$C/three.mbox"
# join plain messages: From_ line from the headers, the bytes unchanged
"$M" "$C/latin1.eml" "$C/related.eml" >"$T/j.mbox"
if head -1 "$T/j.mbox" | grep -qx 'From j@example.org Tue Dec  1 07:00:00 2026'; then
	ok "From_ line from From and Date (UTC)"
else
	notok "From_ line: $(head -1 "$T/j.mbox")"
fi
mkdir "$T/sp"
"$M" -d "$T/sp" "$T/j.mbox"
if cmp -s "$T/sp/1.eml" "$C/latin1.eml" && cmp -s "$T/sp/2.eml" "$C/related.eml"; then
	ok "join then split gives the messages back"
else
	notok "join then split gives the messages back"
fi
# split never overwrites, unless -f
expect_fail "split does not overwrite" 1 "" "$M" -d "$T/sp" "$T/j.mbox"
if cmp -s "$T/sp/1.eml" "$C/latin1.eml"; then ok "existing file kept"; else notok "existing file kept"; fi
run "$M" -f -d "$T/sp" "$C/three.mbox"
if [ $RC -eq 0 ] && ! cmp -s "$T/sp/1.eml" "$C/latin1.eml"; then ok "split -f replaces"; else notok "split -f replaces"; fi
# a planted symlink is not followed
mkdir "$T/sp2"; ln -s "$T/victim" "$T/sp2/1.eml"
run "$M" -f -d "$T/sp2" "$C/three.mbox"
if [ $RC -ne 0 ] && [ ! -e "$T/victim" ]; then ok "symlink not followed"; else notok "symlink not followed"; fi

# pick
run "$M" -x -n 2 "$C/three.mbox"
if [ $RC -eq 0 ] && grep -q '^Subject: two' "$T/out" &&
    [ "$(head -1 "$T/out")" = "From: bob@example.org" ] &&
    grep -qx 'From the start of a line' "$T/out"; then
	ok "pick one message raw"
else
	notok "pick one message raw"
fi
run "$M" -c -n 2- "$C/three.mbox"
"$M" -n 2- "$C/three.mbox" >"$T/p.mbox"
if [ "$("$M" -c "$T/p.mbox")" = 2 ]; then ok "pick a range"; else notok "pick a range"; fi
expect_fail "bad range" 2 "" "$M" -n 3-1 "$C/three.mbox"

# Maildir: split into one, count it, append it to an mbox file
"$M" -m "$T/md" "$C/three.mbox"
if [ "$(ls "$T/md/new" | wc -l)" -eq 3 ] && [ -d "$T/md/tmp" ] &&
    [ -z "$(ls "$T/md/tmp")" ]; then ok "into a Maildir"; else notok "into a Maildir"; fi
if [ "$("$M" -c "$T/md")" = 3 ]; then ok "count a Maildir"; else notok "count a Maildir"; fi
"$M" -o "$T/o.mbox" "$C/three.mbox" && "$M" -o "$T/o.mbox" "$T/md"
if [ "$("$M" -c "$T/o.mbox")" = 6 ] && [ ! -e "$T/o.mbox.lock" ]; then
	ok "append to an mbox file"
else
	notok "append to an mbox file"
fi

# mboxo to mboxrd: ">From " in an mboxo body stays one level quoted
printf 'From a@b Mon Jan  1 00:00:00 2024\nSubject: q\n\n>From here\nFrom there\n\n' >"$T/o"
"$M" --mboxo "$T/o" >"$T/rd"
if grep -qx '>>From here' "$T/rd" && "$M" -x "$T/rd" | grep -qx '>From here'; then
	ok "mboxo to mboxrd"
else
	notok "mboxo to mboxrd"
fi

# gzip out, and read back through the input layer
"$M" -z "$C/three.mbox" >"$T/z.gz"
if gzip -dc "$T/z.gz" | cmp -s - "$C/three.mbox" && [ "$("$M" -c "$T/z.gz")" = 3 ]; then
	ok "gzip out and in"
else
	notok "gzip out and in"
fi
run sh -c "'$M' '$C/three.mbox' >/dev/full"
if [ $RC -eq 1 ] && grep -q "write error: No space left on device" "$T/err"; then
	ok "write error reported"
else
	notok "write error reported (exit $RC)"
fi
expect_fail "modes exclude each other" 2 "" "$M" -c -d "$T" "$C/three.mbox"

# A UTF-8 BOM before the first From_ line: still an mbox (issue 6)
printf '\357\273\277From a@b Tue Dec  1 10:00:00 2026\nSubject: one\n\nx\n\nFrom c@d Tue Dec  1 10:00:00 2026\nSubject: two\n\ny\n' >"$T/bom.mbox"
if [ "$("$M" -c "$T/bom.mbox")" = 2 ]; then ok "BOM before the first From_ line"; else notok "BOM before the first From_ line"; fi
