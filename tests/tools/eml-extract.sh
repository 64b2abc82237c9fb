#!/bin/sh
# eml-extract: parts written out decoded, into DIR only, under safe
# names, never through a symlink, never over each other; --manifest,
# --text (plain, or text made from the HTML), a half-written file
# removed, the sandbox proved from inside, and a 768 MiB attachment from
# a pipe in bounded memory.
. "$(dirname "$0")/_lib.sh"
X="$B/eml-extract"
RSS="$B/tests/tools/maxrss"

check() {
	if eval "$2"; then ok "$1"; else notok "$1"; fi
}

# msg FILE NAME...: a multipart/mixed message with one base64 part per
# NAME (the name as written in the filename parameter), its content the
# bytes "part N".
msg() {
	_f=$1
	shift
	{
		printf 'From: a@example.org\nSubject: t\nMIME-Version: 1.0\n'
		printf 'Content-Type: multipart/mixed; boundary=b\n\n'
		printf -- '--b\nContent-Type: text/plain\n\nbody\n'
		_i=0
		for _n in "$@"; do
			_i=$((_i + 1))
			printf -- '--b\nContent-Type: application/octet-stream\n'
			printf 'Content-Disposition: attachment; filename="%s"\n' "$_n"
			printf 'Content-Transfer-Encoding: base64\n\n'
			printf 'part %s' $_i | base64
		done
		printf -- '--b--\n'
	} > "$_f"
}

# the parts come back decoded, the text as it was
msg "$T/one.eml" "data.bin"
mkdir "$T/d1"
run "$X" -d "$T/d1" "$T/one.eml"
check "decoded into DIR" '[ $RC -eq 0 ] && [ "$(cat "$T/d1/data.bin")" = "part 1" ] && [ "$(cat "$T/d1/part-1.txt")" = "body" ]'
run "$X" -p 2 "$T/one.eml"
check "-p to stdout" '[ $RC -eq 0 ] && [ "$(cat "$T/out")" = "part 1" ]'
run "$X" -n '*.BIN' "$T/one.eml"
check "-n glob, any case" '[ $RC -eq 0 ] && [ "$(cat "$T/out")" = "part 1" ]'
run "$X" -t 'text/*' "$T/one.eml"
check "-t glob" '[ $RC -eq 0 ] && [ "$(cat "$T/out")" = "body" ]'
run "$X" -a "$T/one.eml"
check "-a leaves the body text out" '[ $RC -eq 0 ] && [ "$(cat "$T/out")" = "part 1" ]'

# hostile names: everything lands inside DIR, nothing outside
mkdir -p "$T/jail/d" "$T/etc"
msg "$T/evil.eml" "../../x" "/etc/passwd" "a/b" ".." "CON" \
    "$(printf 'gnp.\342\200\256exe')" "-rf" "..\\..\\win.ini" "."
run "$X" -d "$T/jail/d" --manifest "$T/evil.eml"
n=$(ls -A "$T/jail/d" | wc -l)
check "hostile names: all 10 parts written" '[ $RC -eq 0 ] && [ "$n" -eq 10 ]'
check "hostile names: nothing outside DIR" '[ "$(ls -A "$T/jail")" = d ] && [ ! -e "$T/x" ] && [ ! -e "$T/etc/passwd" ]'
check "hostile names: no leading dash or dot, no bidi" '! ls -A "$T/jail/d" | grep -q -e "^-" -e "^\." -e "$(printf "\342\200\256")"'
check "hostile names: CON renamed" 'ls "$T/jail/d" | grep -qx "_CON"'
check "manifest: one JSON line per file" '[ "$(grep -c "^{\"input\":" "$T/out")" -eq 10 ]'
check "manifest: original name kept" 'grep -qF "\"name\":\"../../x\"" "$T/out"'
s=$(printf 'part 1' | sha256sum | cut -d" " -f1)
check "manifest: sha256 of the bytes" 'grep -qF "\"sha256\":\"$s\"" "$T/out"'

# a symlink planted at the target name is not followed
mkdir "$T/d2" "$T/o2"
ln -s "$T/o2/stolen" "$T/d2/data.bin"
run "$X" -d "$T/d2" "$T/one.eml"
check "planted symlink not followed" '[ $RC -eq 0 ] && [ ! -e "$T/o2/stolen" ] && [ "$(cat "$T/d2/data-1.bin")" = "part 1" ]'
run "$X" -d "$T/d2" -f -p 2 "$T/one.eml"
check "-f replaces the symlink, not its target" '[ $RC -eq 0 ] && [ ! -e "$T/o2/stolen" ] && [ ! -L "$T/d2/data.bin" ] && [ "$(cat "$T/d2/data.bin")" = "part 1" ]'
ln -s "$T/o2" "$T/link"
run "$X" -d "$T/link" "$T/one.eml"
check "DIR that is a symlink refused" '[ $RC -ne 0 ] && [ -z "$(ls -A "$T/o2")" ]'

# same name twice, and a name that exists: numbered variants
msg "$T/same.eml" "r.pdf" "r.pdf" "r.pdf"
mkdir "$T/d3"
echo old > "$T/d3/r.pdf"
run "$X" -a -d "$T/d3" "$T/same.eml"
check "existing file kept, same names numbered" '[ $RC -eq 0 ] && [ "$(cat "$T/d3/r.pdf")" = old ] && [ "$(cat "$T/d3/r-1.pdf")" = "part 1" ] && [ "$(cat "$T/d3/r-2.pdf")" = "part 2" ] && [ "$(cat "$T/d3/r-3.pdf")" = "part 3" ]'
mkdir "$T/d4"
echo old > "$T/d4/r.pdf"
run "$X" -a -f -d "$T/d4" "$T/same.eml"
check "-f: the old file goes, ours never overwrite each other" '[ $RC -eq 0 ] && [ "$(cat "$T/d4/r.pdf")" = "part 1" ] && [ "$(cat "$T/d4/r-1.pdf")" = "part 2" ] && [ "$(cat "$T/d4/r-2.pdf")" = "part 3" ]'

# unnamed parts and an unnamed message/rfc822
{
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n'
	printf -- '--b\nContent-Type: image/png\nContent-Transfer-Encoding: base64\n\n'
	printf 'PNG' | base64
	printf -- '--b\nContent-Type: message/rfc822\n\n'
	printf 'Subject: inner\n\ninner body\n'
	printf -- '--b--\n'
} > "$T/unnamed.eml"
mkdir "$T/d5"
run "$X" -d "$T/d5" "$T/unnamed.eml"
check "unnamed parts: part-SECTION.EXT and .eml" '[ $RC -eq 0 ] && [ "$(cat "$T/d5/part-1.png")" = PNG ] && [ "$(printf "Subject: inner\n\ninner body\n")" = "$(cat "$T/d5/part-2.eml")" ]'

# several messages into one DIR (an mbox): prefixed by message number
{ printf 'From a@b Thu Jan  1 00:00:00 2026\n'; cat "$T/one.eml"
  printf '\nFrom a@b Thu Jan  1 00:00:00 2026\n'; cat "$T/one.eml"; } > "$T/two.mbox"
mkdir "$T/d6"
run "$X" -a -d "$T/d6" "$T/two.mbox"
check "mbox: names per message" '[ $RC -eq 0 ] && [ "$(cat "$T/d6/1-data.bin")" = "part 1" ] && [ "$(cat "$T/d6/2-data.bin")" = "part 1" ]'

# a Maildir and several files: numbered over all inputs
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp" "$T/d6b" "$T/d6c"
cp "$T/one.eml" "$T/md/cur/1.x:2,S"
cp "$T/one.eml" "$T/md/new/2.x"
run "$X" -a -d "$T/d6b" "$T/md"
check "Maildir: names per message" '[ $RC -eq 0 ] && [ "$(ls "$T/d6b" | sort | tr "\n" " ")" = "1-data.bin 2-data.bin " ]'
run "$X" -a -d "$T/d6c" --manifest "$T/one.eml" "$T/one.eml" "$T/two.mbox"
check "several inputs: 4 messages, 4 files" '[ $RC -eq 0 ] && [ "$(ls "$T/d6c" | sort | tr "\n" " ")" = "1-data.bin 2-data.bin 3-data.bin 4-data.bin " ] && [ "$(grep -c "\"input\":" "$T/out")" -eq 4 ]'

# --text: the plain body, else text made from the HTML, in UTF-8
{
	printf 'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n'
	printf -- '--b\nContent-Type: text/html; charset=iso-8859-1\n\n'
	printf '<html><head><style>p{x:1}</style></head><body><p>Gr\374\337e &amp;\n   <b>more</b></p><script>alert(1)</script>line<br>two</body></html>\n'
	printf -- '--b--\n'
} > "$T/html.eml"
run "$X" --text "$T/html.eml"
check "--text from HTML only" '[ $RC -eq 0 ] && [ "$(cat "$T/out")" = "$(printf "Gr\303\274\303\237e & more\n\nline\ntwo")" ]'
{
	printf 'MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n'
	printf -- '--b\nContent-Type: text/html\n\n<p>html</p>\n'
	printf -- '--b\nContent-Type: text/plain; charset=iso-8859-1\n\nplain \374\n'
	printf -- '--b--\n'
} > "$T/alt.eml"
run "$X" --text "$T/alt.eml"
check "--text prefers text/plain" '[ $RC -eq 0 ] && [ "$(cat "$T/out")" = "$(printf "plain \303\274")" ]'

# a failed write (a full disk) removes the file it was writing
if [ -c /dev/full ] && [ "$(id -u)" -eq 0 ] && command -v unshare >/dev/null &&
    unshare -m true 2>/dev/null; then
	mkdir "$T/d9"
	run unshare -m sh -c "mount -t tmpfs -o size=64k tmpfs '$T/d9' && { head -c 200000 /dev/urandom | base64 | sed '1s/^/MIME-Version: 1.0\nContent-Type: application\/octet-stream; name=big.bin\nContent-Transfer-Encoding: base64\n\n/' | '$X' -d '$T/d9'; echo rc=\$? >&2; ls -A '$T/d9' >&2; }"
	check "full disk: write error, the half file removed" 'grep -q "write error: No space left on device" "$T/err" && grep -q "^rc=1$" "$T/err" && ! grep -qx "big.bin" "$T/err"'
else
	echo "# no mount namespace: full-disk check skipped"
fi

# confined from inside: after it confined itself, eml-extract may create
# files in DIR and nowhere else
mkdir "$T/d8" "$T/o8"
EML_SANDBOX_PROBE="$T/o8/probe" run "$X" -d "$T/d8" "$T/one.eml"
if grep -q 'sandbox probe: create .*: Permission denied' "$T/err"; then
	check "sandbox: create outside DIR refused, work done" '[ ! -e "$T/o8/probe" ] && [ "$(cat "$T/d8/data.bin")" = "part 1" ]'
	EML_SANDBOX_PROBE="$T/d8/probe" run "$X" -d "$T/d8" -p 1 "$T/one.eml"
	check "sandbox: create inside DIR allowed" 'grep -qxF "eml-extract: sandbox probe: create $T/d8/probe: allowed" "$T/err"'
	EML_SANDBOX_PROBE="$T/o8/probe" run "$X" --no-sandbox -d "$T/d8" -p 1 "$T/one.eml"
	check "sandbox: --no-sandbox creates outside" 'grep -qxF "eml-extract: sandbox probe: create $T/o8/probe: allowed" "$T/err"'
else
	echo "# no Landlock here: sandbox checks skipped"
fi

# streams: a 768 MiB attachment (1 GiB of base64) from a pipe in under
# 64 MiB of peak RSS, its bytes whole
N=${EXTRACT_BIG:-805306368}
mkdir "$T/big"
{
	printf 'MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n'
	printf -- '--b\nContent-Type: application/octet-stream\n'
	printf 'Content-Disposition: attachment; filename=zeros.bin\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	head -c $N /dev/zero | base64
	printf -- '--b--\n'
} | "$RSS" "$X" -d "$T/big" --manifest > "$T/out" 2> "$T/err"
RC=$?
kb=$(sed -n 's/^maxrss: //p' "$T/err")
want=$(head -c $N /dev/zero | sha256sum | cut -d' ' -f1)
check "768 MiB from a pipe: peak RSS ${kb:-?} KiB < 65536" '[ $RC -eq 0 ] && [ -n "$kb" ] && [ "$kb" -lt 65536 ]'
check "768 MiB: size and digest" 'grep -qF "\"size\":$N,\"sha256\":\"$want\"" "$T/out" && [ "$(wc -c < "$T/big/zeros.bin")" -eq $N ]'
rm -rf "$T/big"

# eml-grep -b matches HTML through the same renderer (lib/filter_html.c):
# references decoded, inline tags inside a word joined, scripts dropped
if [ -x "$B/eml-grep" ]; then
	printf 'Content-Type: text/html; charset=iso-8859-1\n\n<p>Gr\374&szlig;e <b>bo</b>ld &amp; co</p><script>secret</script>\n' > "$T/h.eml"
	run "$B/eml-grep" -q -b "$(printf 'Gr\303\274\303\237e bold & co')" "$T/h.eml"
	check "eml-grep -b: HTML rendered as text" '[ $RC -eq 0 ]'
	run "$B/eml-grep" -q -b 'secret' "$T/h.eml"
	check "eml-grep -b: script content is not text" '[ $RC -eq 1 ]'
fi
