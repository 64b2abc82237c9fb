#!/bin/sh
# Make the fuzz seed corpora in corpus/fuzz/<target>/ from the messages in
# corpus/ (ours and the permissively licensed third_party ones).  Run by
# hand when corpus/ changes, then minimise with afl-cmin; the seeds are
# committed so `make fuzz-replay` needs nothing but the repo.
set -eu
cd "$(dirname "$0")/.."
out=corpus/fuzz
msgs=$(find corpus/mime corpus/third_party corpus/demo -type f \
	\( -name '*.eml' -o -name '*.msg' -o -name '*.mbox' -o -name '[0-9]*' \) | sort)
for t in header addr date msgid params codec charset mbox message; do
	mkdir -p "$out/$t"
done

# seed NAME DATA: one file, named by its content hash (dedups for free)
seed() {
	h=$(printf '%s' "$2" | cksum | cut -d' ' -f1)
	printf '%s' "$2" > "$out/$1/$h"
}

for m in $msgs; do
	# unfolded header fields of the top-level header block
	awk 'BEGIN { RS = "\n" } /^\r?$/ { exit }
	     /^[ \t]/ { v = v "\n" $0; next }
	     { if (n != "") print n "\t" v; i = index($0, ":");
	       if (i == 0) { n = ""; next }
	       n = tolower(substr($0, 1, i - 1)); v = substr($0, i + 1) }
	     END { if (n != "") print n "\t" v }' "$m" |
	while IFS="$(printf '\t')" read -r name value; do
		case $name in
		from|to|cc|bcc|reply-to|sender) seed addr "$value" ;;
		date|resent-date) seed date "$value" ;;
		message-id|references|in-reply-to) seed msgid "$value" ;;
		content-type|content-disposition) seed params "$value" ;;
		subject|comments|x-*) seed header "$value" ;;
		esac
	done
	case $m in corpus/mime/*) cp "$m" "$out/message/$(cksum < "$m" | cut -d' ' -f1)" ;; esac
	case $m in *.mbox) cp "$m" "$out/mbox/" ;; esac
done

# codecs: the selector byte picks base64 (0), QP (1) or uuencode (2)
b64=$(printf 'Hello, world!\n\377\376\000binary' | base64)
seed codec "$(printf '\000')$b64"
seed codec "$(printf '\003')SGVsbG8=
d29y bGQ=="
seed codec "$(printf '\001')caf=C3=A9 =
soft break=20
=3D=XX= trailing   "
seed codec "$(printf '\002')text before
begin 644 hello.txt
%:&5L;&\\\\*
\`
end
after"
# charsets: a label line, then bytes in that charset
seed charset "$(printf 'iso-8859-1\ncaf\351 \200')"
seed charset "$(printf 'utf-8\nna\303\257ve \377')"
seed charset "$(printf 'shift_jis\n\202\261\202\361')"
seed charset "$(printf 'iso-2022-jp\n\033$B$3$s\033(B')"
seed charset "$(printf 'ks_c_5601-1987\n\260\241')"
seed charset "$(printf 'unicode-1-1-utf-7\n+AGEAYgBj-')"
printf 'From a@b Thu Jan  1 00:00:00 2026\nSubject: a\n\n>From b\nFrom c\n\nFrom d@e Fri Jan  2 00:00:00 2026\n\nx\n' > "$out/mbox/two"
for t in header addr date msgid params codec charset mbox message; do
	echo "$t: $(ls "$out/$t" | wc -l) seeds"
done
