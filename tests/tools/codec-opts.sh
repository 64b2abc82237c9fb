# eml-b64, eml-qp, eml-ew: one option parser (tools/pump.c pump_getopt),
# so the shared options behave alike in all three: -d/--decode, --crlf,
# --no-sandbox, -h/--help, --version, and the exit codes of STYLE.md.
. tests/tools/_lib.sh

printf 'caf\303\251 = x\n' >"$T/in"
for t in b64 qp ew; do
	tool="$B/eml-$t"
	run "$tool" --help
	if [ $RC -eq 0 ] && grep -q "^usage: eml-$t " "$T/out" &&
	    grep -q -- '--crlf' "$T/out" && grep -q -- '--no-sandbox' "$T/out" &&
	    grep -q -- '--help, --version' "$T/out" &&
	    grep -q '^Exit status: 0 success, 1 an input or a write failed, 2 usage error.$' "$T/out" &&
	    [ ! -s "$T/err" ]; then
		ok "$t --help: usage and shared options to stdout, exit 0"
	else
		notok "$t --help (exit $RC)"
	fi
	run "$tool" -h
	if [ $RC -eq 0 ] && grep -q "^usage: eml-$t " "$T/out"; then
		ok "$t -h"
	else
		notok "$t -h (exit $RC)"
	fi
	run "$tool" --version
	if [ $RC -eq 0 ] && [ -s "$T/out" ]; then ok "$t --version"; else notok "$t --version (exit $RC)"; fi
	for bad in -x --bogus; do
		run "$tool" $bad "$T/in"
		if [ $RC -eq 2 ] && [ ! -s "$T/out" ] && grep -q "usage: eml-$t" "$T/err"; then
			ok "$t $bad: usage to stderr, exit 2"
		else
			notok "$t $bad (exit $RC)"
		fi
	done
	# the same encoding, -d and --decode the same decoding, options
	# anywhere before the operands; --no-sandbox changes no output
	"$tool" --no-sandbox "$T/in" >"$T/enc" 2>"$T/err"
	"$tool" -d "$T/enc" >"$T/d1" 2>>"$T/err"
	"$tool" --decode --no-sandbox "$T/enc" >"$T/d2" 2>>"$T/err"
	if [ -s "$T/enc" ] && cmp -s "$T/d1" "$T/d2" && cmp -s "$T/d1" "$T/in" && [ ! -s "$T/err" ]; then
		ok "$t -d = --decode, round trip"
	else
		notok "$t -d = --decode, round trip"
	fi
	"$tool" --crlf "$T/in" >"$T/crlf"
	if [ "$(tr -d '\r' <"$T/crlf" | cmp - "$T/enc" && echo same)" = same ] &&
	    [ "$(tr -cd '\r' <"$T/crlf" | wc -c)" -eq "$(wc -l <"$T/crlf")" ]; then
		ok "$t --crlf: every output line ends in CRLF"
	else
		notok "$t --crlf"
	fi
	run "$tool" "$T/nonexistent" "$T/in"
	if [ $RC -eq 1 ] && grep -q "nonexistent" "$T/err" && [ -s "$T/out" ]; then
		ok "$t: a missing input is exit 1, the others still done"
	else
		notok "$t missing input (exit $RC)"
	fi
done
# the tools' own option values are usage errors too
for args in "eml-b64 -w 5" "eml-b64 --wrap=80" "eml-ew -d -n Subject"; do
	run "$B/${args%% *}" ${args#* } "$T/in"
	if [ $RC -eq 2 ] && grep -q "usage: ${args%% *}" "$T/err"; then
		ok "$args: exit 2"
	else
		notok "$args (exit $RC)"
	fi
done
