#!/bin/sh
# run.sh BUILD_DIR - run every tests/tools/*.sh (not run.sh, not _*.sh)
# with the build directory as argument, from the repository root.
# Scripts print "ok - NAME" / "not ok - NAME" per check; a script that
# prints neither counts as one check passed or failed by its exit status.
# UPDATE=1 makes the checks rewrite their expected files (review the
# diff before committing).
usage() { echo "usage: run.sh BUILD_DIR" >&2; exit 2; }
[ $# -eq 1 ] || usage
root=$(cd "$(dirname "$0")/../.." && pwd)
B=$(cd "$1" 2>/dev/null && pwd) || { echo "run.sh: $1: no such directory" >&2; exit 2; }
cd "$root" || exit 2
pass=0
fail=0
log=$(mktemp "${TMPDIR:-/tmp}/emltools.XXXXXX") || exit 2
trap 'rm -f "$log"' EXIT
for t in tests/tools/*.sh; do
	case ${t##*/} in
	run.sh|_*) continue ;;
	esac
	sh "$t" "$B" >"$log" 2>&1
	rc=$?
	p=$(grep -c '^ok - ' "$log")
	f=$(grep -c '^not ok - ' "$log")
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		if [ "$rc" -eq 0 ]; then p=1; else f=1; fi
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1	# died after its checks
	fi
	if [ "$f" -gt 0 ]; then
		echo "FAIL: $t"
		sed 's/^/    /' "$log"
	else
		echo "ok: $t ($p checks)"
	fi
	pass=$((pass + p))
	fail=$((fail + f))
done
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
