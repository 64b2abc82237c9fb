# _lib.sh - helpers for the tool tests; sourced, not run by run.sh.
# Sets B (absolute build dir, from $1), T (a temporary directory removed
# at exit) and FAILED (1 after a failed check; the script exits with it).
B=${1:?usage: $0 BUILD_DIR}
T=$(mktemp -d "${TMPDIR:-/tmp}/emltool.XXXXXX") || exit 2
FAILED=0
trap 'rm -rf "$T"; exit $FAILED' EXIT

ok() { echo "ok - $1"; }
notok() { echo "not ok - $1"; FAILED=1; }

# run CMD...: stdout to $T/out, stderr to $T/err, status to $RC
run() {
	"$@" >"$T/out" 2>"$T/err"
	RC=$?
}

# expect_out NAME EXPECTED_FILE CMD...: exit 0 and stdout equal to the
# file (UPDATE=1 rewrites the file).
expect_out() {
	_n=$1 _e=$2
	shift 2
	run "$@"
	[ -n "$UPDATE" ] && [ $RC -eq 0 ] && cp "$T/out" "$_e"
	if [ $RC -eq 0 ] && [ -f "$_e" ] && cmp -s "$T/out" "$_e"; then
		ok "$_n"
	else
		notok "$_n (exit $RC)"
		[ -f "$_e" ] && diff -u "$_e" "$T/out" | head -30
		head -5 "$T/err"
	fi
}

# expect_same NAME FILE CMD...: exit 0 and stdout equal to FILE, which
# is another run's output (not an expected file: never rewritten).
expect_same() {
	_n=$1 _e=$2
	shift 2
	run "$@"
	if [ $RC -eq 0 ] && cmp -s "$T/out" "$_e"; then
		ok "$_n"
	else
		notok "$_n (exit $RC)"
		diff -u "$_e" "$T/out" | head -30
		head -5 "$T/err"
	fi
}

# expect_fail NAME STATUS STDERR_LINE CMD...: exit STATUS and stderr has
# exactly that line ("" = don't check stderr).
expect_fail() {
	_n=$1 _s=$2 _l=$3
	shift 3
	run "$@"
	if [ $RC -ne "$_s" ]; then
		notok "$_n (exit $RC, want $_s)"
		head -5 "$T/err"
	elif [ -n "$_l" ] && ! grep -qxF -- "$_l" "$T/err"; then
		notok "$_n (stderr)"
		head -5 "$T/err"
	else
		ok "$_n"
	fi
}

# common_cli TOOL: --help, --version, bad option, missing file, directory.
common_cli() {
	_t=$1
	run "$B/$_t" --help
	if [ $RC -eq 0 ] && head -1 "$T/out" | grep -q "^usage: $_t" &&
	    [ ! -s "$T/err" ]; then
		ok "$_t --help"
	else
		notok "$_t --help (exit $RC)"
	fi
	run "$B/$_t" --version
	if [ $RC -eq 0 ] && grep -q "^$_t (emlkit) " "$T/out"; then
		ok "$_t --version"
	else
		notok "$_t --version (exit $RC)"
	fi
	run "$B/$_t" --no-such-option
	if [ $RC -eq 2 ] && grep -q "^usage: $_t" "$T/err" &&
	    [ ! -s "$T/out" ]; then
		ok "$_t bad option"
	else
		notok "$_t bad option (exit $RC)"
	fi
	expect_fail "$_t missing file" 1 \
	    "$_t: $T/nonexistent.eml: No such file or directory" \
	    "$B/$_t" "$T/nonexistent.eml"
	expect_fail "$_t directory" 1 "$_t: $T: Is a directory" \
	    "$B/$_t" "$T"
}
