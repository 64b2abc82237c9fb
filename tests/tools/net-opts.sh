# eml-imap, eml-pop3: the option parsing they share (tools/net/netopts.c
# fetchopts_parse, fetchopts_check): the same options, messages and
# sysexits codes in both.  No server is needed: each case ends before a
# connection, or at a refused one.
. tests/tools/_lib.sh

export HOME="$T/home" XDG_STATE_HOME=
mkdir -p "$HOME"
# expect_rc NAME RC WORDS CMD...: exit RC and WORDS (may be "") in stderr
expect_rc() {
	_n=$1 _rc=$2 _w=$3
	shift 3
	run "$@" </dev/null
	if [ $RC -eq "$_rc" ] && { [ -z "$_w" ] || grep -q -- "$_w" "$T/err"; }; then
		ok "$_n"
	else
		notok "$_n (exit $RC, want $_rc)"
		head -3 "$T/err"
	fi
}
for t in imap pop3; do
	tool="$B/eml-$t"
	run "$tool" --help
	# (once "usage: usage: ...": the string had its own "usage: ")
	if [ $RC -eq 0 ] && grep -q "^usage: eml-$t " "$T/out" &&
	    grep -q -- '--password-file' "$T/out" && [ ! -s "$T/err" ]; then
		ok "$t --help: usage with the connection options to stdout"
	else
		notok "$t --help (exit $RC)"
	fi
	expect_rc "$t --version" 0 "" "$tool" --version
	expect_rc "$t: no command" 64 "usage: eml-$t" "$tool"
	expect_rc "$t: two commands" 64 "usage: eml-$t" "$tool" list list
	expect_rc "$t: unknown command" 64 "usage: eml-$t" "$tool" bogus --mailbox X
	expect_rc "$t: unknown option" 64 "usage: eml-$t" "$tool" -x list
	expect_rc "$t: unknown long option after the command" 64 \
	    "usage: eml-$t" "$tool" list --bogus
	mb=
	[ $t = imap ] && mb="--mailbox X"
	expect_rc "$t: fetch needs --to" 64 "fetch needs --to" \
	    "$tool" fetch $mb
	expect_rc "$t: --json and --to -" 64 "both want stdout" \
	    "$tool" --json fetch --to - $mb
	expect_rc "$t: --timeout checked" 1 "--timeout takes seconds" \
	    "$tool" --timeout 0 list
	# options before and after the command reach the connection: a
	# refused port is a temporary failure (EX_TEMPFAIL, 75) or
	# EX_UNAVAILABLE (69), never a usage error
	run "$tool" list --url "$t://127.0.0.1:1" --user u --password-file /dev/null </dev/null
	case $RC in
	64|0) notok "$t: options after the command (exit $RC)"; head -3 "$T/err" ;;
	*) ok "$t: options after the command reach the connection (exit $RC)" ;;
	esac
done
expect_rc "imap fetch needs --mailbox" 64 "fetch needs --mailbox" \
    "$B/eml-imap" fetch --to "$T/md/"
expect_rc "imap --window 0" 64 "usage: eml-imap" "$B/eml-imap" --window 0 list
expect_rc "imap --idle-interval over 29 min" 64 "usage: eml-imap" \
    "$B/eml-imap" --idle-interval 1741 list
expect_rc "pop3 has no --mailbox" 64 "usage: eml-pop3" \
    "$B/eml-pop3" --mailbox X list
expect_rc "imap has no --delete" 64 "usage: eml-imap" \
    "$B/eml-imap" --delete list
