#!/bin/sh
# Landlock confinement, proved from inside: a confined tool that tries
# to create a file, run a program or connect gets EACCES ("Permission
# denied"); with --no-sandbox the same attempts succeed (or are refused
# by the peer), so the checks can fail.  Skipped where the kernel has no
# Landlock (the tools then run unconfined, which is also checked).
. "$(dirname "$0")/_lib.sh"
C=corpus/tools
mkdir -p "$T/d" "$T/o"
ln -s "$T/o" "$T/d/link"

run "$B/tests/tools/sandbox-probe" "$T/d" "$T/o"
abi=$(sed -n 's/^sandbox-probe: abi //p' "$T/err")
if [ $RC -ne 0 ] || [ -z "$abi" ]; then
	notok "sandbox-probe runs (exit $RC)"
	cat "$T/err"
	exit
fi
if [ "$abi" -eq 0 ]; then
	echo "# no Landlock on this kernel: confinement checks skipped"
	# the tools must still work unconfined
	expect_out "unconfined tool works" "$C/latin1.parts" \
	    "$B/eml-parts" "$C/latin1.eml"
	exit
fi

# has LINE: stderr of the last run has exactly this line
has() {
	if grep -qxF -- "$2" "$T/err"; then
		ok "$1"
	else
		notok "$1"
		sed 's/^/# /' "$T/err"
	fi
}

# the writing mode (eml-extract -d DIR): inside DIR only
has "write dir: create inside" "sandbox-probe: create inside: allowed"
has "write dir: create outside" \
    "sandbox-probe: create outside: Permission denied"
has "write dir: no escape through a symlink" \
    "sandbox-probe: create through symlink: Permission denied"
has "write dir: exec" \
    "sandbox-probe: sandbox probe: exec /bin/true: Permission denied"
if [ "$abi" -ge 4 ]; then
	has "write dir: connect" \
	    "sandbox-probe: sandbox probe: connect 127.0.0.1:9: Permission denied"
fi
run "$B/tests/tools/sandbox-probe" --no-sandbox "$T/d" "$T/o"
has "unconfined: create outside" "sandbox-probe: create outside: allowed"
has "unconfined: exec" \
    "sandbox-probe: sandbox probe: exec /bin/true: allowed"
[ ! -e "$T/o/outside" ] && ok "probe leaves nothing" ||
    notok "probe leaves nothing"

# each read-only tool, after opening its inputs, gives up writes, exec
# and the network, and still does its work (reading, iconv, gzip)
for t in eml-parts eml-json eml-hdr eml-grep; do
	[ -x "$B/$t" ] || continue
	"$B/$t" --help 2>/dev/null | grep -q -e --no-sandbox || {
		notok "$t: takes --no-sandbox"
		continue
	}
	args="$C/latin1.eml"
	[ $t = eml-grep ] && args="-h Subject x $C/latin1.eml"
	gzip -c "$C/latin1.eml" > "$T/l.gz"
	EML_SANDBOX_PROBE="$T/o/written" run "$B/$t" $args
	has "$t: create" \
	    "$t: sandbox probe: create $T/o/written: Permission denied"
	has "$t: exec" "$t: sandbox probe: exec /bin/true: Permission denied"
	if [ "$abi" -ge 4 ]; then
		has "$t: connect" \
		    "$t: sandbox probe: connect 127.0.0.1:9: Permission denied"
	fi
	[ -s "$T/out" ] || [ $t = eml-grep ] && ok "$t: works confined" ||
	    notok "$t: works confined"
	EML_SANDBOX_PROBE="$T/o/written" run "$B/$t" --no-sandbox $args
	has "$t --no-sandbox: create" \
	    "$t: sandbox probe: create $T/o/written: allowed"
	# a Maildir is read lazily: its files open after confinement
	mkdir -p "$T/md/cur" "$T/md/new"
	cp "$C/latin1.eml" "$T/md/new/1.x"
	cp "$C/related.eml" "$T/md/cur/2.x:2,"
	run "$B/$t" "$T/md" "$T/l.gz"
	if [ $RC -eq 0 ] || [ $t = eml-grep ]; then
		[ -s "$T/out" ] || [ $t = eml-grep ] &&
		    ok "$t: Maildir and gzip confined" ||
		    notok "$t: Maildir and gzip confined (no output)"
	else
		notok "$t: Maildir and gzip confined (exit $RC)"
		cat "$T/err"
	fi
done
