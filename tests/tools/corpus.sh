#!/bin/sh
# Every read-only tool over every corpus file (corpus/ and, when
# present, ../shared/corpus), one process per tool through --files-from:
# no crash, and under the sanitizer build no ASan/UBSan report (their
# exit code is set apart from the tools' own 0/1/2).
. "$(dirname "$0")/_lib.sh"
ASAN_OPTIONS=exitcode=99:detect_leaks=1
UBSAN_OPTIONS=exitcode=99:halt_on_error=1:print_stacktrace=1
export ASAN_OPTIONS UBSAN_OPTIONS

find corpus -type f ! -name '*.md' ! -name '*.sha256' > "$T/list"
[ -d ../shared/corpus ] &&
    find ../shared/corpus -type f ! -name '*.md' ! -name '*.sha256' >> "$T/list"
n=$(wc -l < "$T/list")

sweep() {
	_n=$1
	shift
	"$@" --files-from "$T/list" > /dev/null 2> "$T/err"
	RC=$?
	if [ $RC -le 2 ] && ! grep -q -e 'Sanitizer' -e 'runtime error:' \
	    "$T/err"; then
		ok "$_n over $n files (exit $RC)"
	else
		notok "$_n over $n files (exit $RC)"
		grep -m 5 -e 'Sanitizer' -e 'runtime error:' -e '^    #' "$T/err"
	fi
}

sweep "eml-parts" "$B/eml-parts"
sweep "eml-parts -o all" "$B/eml-parts" \
    -o msg,section,type,size,charset,cte,disposition,name,sha256,offset
sweep "eml-parts --tree" "$B/eml-parts" --tree
sweep "eml-json" "$B/eml-json" --part-headers
sweep "eml-json cut values" "$B/eml-json" --max-body-value-bytes 7
sweep "eml-hdr" "$B/eml-hdr"
sweep "eml-hdr -a" "$B/eml-hdr" -a
sweep "eml-hdr -d" "$B/eml-hdr" -d
sweep "eml-grep -b" "$B/eml-grep" -c -i -b 'the|der'
sweep "eml-grep -a" "$B/eml-grep" -c -a '@'
# every JSON object of the sweep is valid JSON
"$B/eml-json" --files-from "$T/list" 2>/dev/null |
    "$B/tests/tools/jget" .size > "$T/sizes" 2> "$T/err" &&
    ok "eml-json sweep is valid JSON ($(wc -l < "$T/sizes") objects)" ||
    notok "eml-json sweep is valid JSON: $(cat "$T/err")"
