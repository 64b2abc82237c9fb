#!/bin/sh
# eml-json streams: a message with a 1 GiB base64 attachment (768 MiB
# decoded), generated into a pipe and also read from a file, goes
# through in under 64 MiB of peak RSS (getrusage of the child), and the
# attachment's size and digest are those of the bytes generated.
. "$(dirname "$0")/_lib.sh"
J="$B/eml-json"
JG="$B/tests/tools/jget"
RSS="$B/tests/tools/maxrss"
LIMIT_KB=65536
N=805306368	# 768 MiB of zeros: 1 GiB of base64 text

gen() {
	printf 'Subject: big\nMIME-Version: 1.0\n'
	printf 'Content-Type: multipart/mixed; boundary=b\n\n--b\n'
	printf 'Content-Type: text/plain\n\nsee the attachment\n--b\n'
	printf 'Content-Type: application/octet-stream\n'
	printf 'Content-Disposition: attachment; filename=zeros.bin\n'
	printf 'Content-Transfer-Encoding: base64\n\n'
	head -c $N /dev/zero | base64
	printf -- '--b--\n'
}
want=$(head -c $N /dev/zero | sha256sum | cut -d' ' -f1)

check() {
	_n=$1
	kb=$(sed -n 's/^maxrss: //p' "$T/err")
	if [ "$RC" -eq 0 ] && [ -n "$kb" ] && [ "$kb" -lt $LIMIT_KB ]; then
		ok "$_n: peak RSS $kb KiB < $LIMIT_KB KiB"
	else
		notok "$_n: exit $RC, peak RSS ${kb:-?} KiB"
		head -5 "$T/err"
	fi
	if [ "$("$JG" '.attachments[0].sha256' < "$T/out")" = "$want" ] &&
	    [ "$("$JG" '.attachments[0].size' < "$T/out")" = $N ] &&
	    [ "$("$JG" '.bodyValues.1.value' < "$T/out")" = \
	    "see the attachment" ]; then
		ok "$_n: size, digest and text"
	else
		notok "$_n: size, digest and text"
	fi
}

gen | "$RSS" "$J" > "$T/out" 2> "$T/err"
RC=$?
check "pipe"

gen > "$T/big.eml"
run "$RSS" "$J" "$T/big.eml"
check "file"
rm -f "$T/big.eml"
