#!/bin/sh
# imap_e2e.sh BUILD_DIR - eml-imap and eml-pop3 end to end: against the
# real Dovecot (and Postfix) that tests/servers/start.sh starts on
# 127.0.0.1, ports from EML_TEST_PORT_BASE (default 21000), and against
# tests/net/imap_hostile.c.  Prints "ok - NAME" / "not ok - NAME";
# exits non-zero if any check failed.  Needs root (the servers drop
# privileges themselves); without it, says so and skips.
set -u
B=$(cd "${1:-build}" && pwd) || exit 2
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
if [ "$(id -u)" != 0 ]; then
	echo "ok - imap_e2e skipped: needs root to start Dovecot and Postfix"
	exit 0
fi
: "${EML_TEST_PORT_BASE:=21000}"
export EML_TEST_PORT_BASE
D=/tmp/eml-fetch-e2e.$$
W=$D/work
mkdir -p "$W" || exit 2
fails=0
ok() { echo "ok - $1"; }
nok() { echo "not ok - $1"; fails=$((fails + 1)); }
check() {	# check NAME CMD...: ok when CMD succeeds
	n=$1; shift
	if "$@"; then ok "$n"; else nok "$n"; fi
}
hostile_pid=
cleanup() {
	[ -n "$hostile_pid" ] && kill "$hostile_pid" 2>/dev/null
	bash tests/servers/stop.sh "$D/srv" --purge >/dev/null 2>&1
	rm -rf "$D"
}
[ -n "${KEEP:-}" ] || trap cleanup EXIT INT TERM

cc -O2 -o "$W/hostile" tests/net/imap_hostile.c || exit 2
cc -O2 -o "$W/maxrss" tests/net/imap_maxrss.c || exit 2
if ! bash tests/servers/start.sh "$D/srv" >"$W/start.log" 2>&1; then
	cat "$W/start.log"
	echo "not ok - servers started"
	exit 1
fi
. "$D/srv/env.sh"
H=$MAILTEST_HOST
printf '%s\n' "$MAILTEST_PASS1" >"$W/pw1"
printf 'wrong-password\n' >"$W/badpw"
chmod 600 "$W/pw1" "$W/badpw"
export HOME=$W/home XDG_STATE_HOME=$W/state
mkdir -p "$HOME"
IMAP="$B/eml-imap --user $MAILTEST_USER1 --password-file $W/pw1 --cafile $MAILTEST_CA"
POP3="$B/eml-pop3 --user $MAILTEST_USER1 --password-file $W/pw1 --cafile $MAILTEST_CA"
IMAPS="--url imaps://$H:$MAILTEST_IMAPS_PORT"
IMAPT="--url imap://$H:$MAILTEST_IMAP_PORT"
POP3S="--url pop3s://$H:$MAILTEST_POP3S_PORT"
POP3T="--url pop3://$H:$MAILTEST_POP3_PORT"

count_new() { ls "$1/new" 2>/dev/null | wc -l | tr -d ' '; }
json_num() { sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p" "$2"; }

# --- messages: text with a leading dot, a "From " line, 8-bit UTF-8
mk() {	# mk FILE SUBJECT
	printf 'From: Alice <alice@example.test>\nTo: alice@example.test\nSubject: %s\nDate: Tue, 1 Dec 2026 10:00:00 +0000\nMessage-ID: <%s@example.test>\nMIME-Version: 1.0\nContent-Type: text/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\n\nhello\n.leading dot\nFrom the start of a line\n\xc3\xa9t\xc3\xa9\n' "$2" "$2" >"$1"
}
for i in 1 2 3; do mk "$W/m$i" "msg$i"; done

# --- append then fetch: same bytes (IMAPS, Maildir)
for i in 1 2 3; do
	$IMAP $IMAPS append --mailbox INBOX <"$W/m$i" || nok "append m$i"
done
$IMAP $IMAPS --json fetch --mailbox INBOX --to "$W/md/" >"$W/j1" 2>"$W/e1"
check "fetch imaps into Maildir exits 0" [ $? -eq 0 ]
check "fetch got 3 messages" [ "$(json_num fetched "$W/j1")" = 3 ]
check "Maildir has 3 in new/, tmp/ empty" [ "$(count_new "$W/md")" = 3 -a \
    -z "$(ls "$W/md/tmp")" ]
same=0
for f in "$W"/md/new/*; do
	for i in 1 2 3; do cmp -s "$f" "$W/m$i" && same=$((same + 1)); done
done
check "appended messages come back byte for byte" [ $same -eq 3 ]
$IMAP $IMAPS --json fetch --mailbox INBOX --to "$W/md/" >"$W/j2" 2>&1
check "second run fetches nothing new" [ $? -eq 0 -a \
    "$(json_num fetched "$W/j2")" = 0 -a "$(count_new "$W/md")" = 3 ]

# --- STARTTLS, mbox, stdout
$IMAP $IMAPT fetch --mailbox INBOX --to "$W/box" --state "$W/st-mbox" \
    2>"$W/e3"
check "fetch imap:// (STARTTLS) into mbox" [ $? -eq 0 -a \
    "$(grep -c '^From ' "$W/box")" = 3 ]
check "mbox quotes a From line (mboxrd)" \
    [ "$(grep -c '^>From the start' "$W/box")" = 3 ]
$IMAP $IMAPT fetch --mailbox INBOX --to - --uid 1:1 >"$W/out1" 2>"$W/e4"
check "fetch --uid 1:1 to stdout" [ $? -eq 0 -a \
    "$(sed 1d "$W/out1" | sed '$d' | sed 's/^>From /From /' | cmp - "$W/m1" \
    && echo same)" = same ]

# --- eml-smtp -> Postfix -> Dovecot -> eml-imap / eml-pop3
if [ -x "$B/eml-smtp" ]; then
	mk "$W/ms" "viasmtp"
	$B/eml-smtp --url "smtp://$H:$MAILTEST_SUBMISSION_PORT" \
	    --user "$MAILTEST_USER1" --password-file "$W/pw1" \
	    --cafile "$MAILTEST_CA" -f alice@example.test \
	    alice@example.test <"$W/ms" 2>"$W/e5"
	check "eml-smtp submission accepted" [ $? -eq 0 ]
	n=0
	while [ $n -lt 50 ]; do
		$IMAP $IMAPS fetch --mailbox INBOX --to "$W/md/" 2>>"$W/e5"
		[ "$(count_new "$W/md")" = 4 ] && break
		sleep 0.2; n=$((n + 1))
	done
	f=$(grep -l 'Subject: viasmtp' "$W"/md/new/* 2>/dev/null | head -1)
	sz=$(wc -c <"$W/ms")
	check "sent with eml-smtp, fetched with eml-imap: same bytes after the server's headers" \
	    [ -n "$f" ] && tail -c "$sz" "$f" | cmp -s - "$W/ms"
else
	nok "eml-smtp not built"
fi

# --- POP3: Maildir, second run, --delete
$POP3 $POP3S --json fetch --to "$W/pmd/" --state "$W/st-pop" >"$W/p1" \
    2>"$W/e6"
check "pop3s fetch into Maildir" [ $? -eq 0 -a "$(count_new "$W/pmd")" -ge 3 ]
psame=0
for f in "$W"/pmd/new/*; do
	for i in 1 2 3; do cmp -s "$f" "$W/m$i" && psame=$((psame + 1)); done
done
check "POP3 messages byte for byte (dot-unstuffed)" [ $psame -eq 3 ]
$POP3 $POP3T --json fetch --to "$W/pmd/" --state "$W/st-pop" >"$W/p2" 2>&1
check "pop3 (STLS) second run fetches nothing new" [ $? -eq 0 -a \
    "$(json_num fetched "$W/p2")" = 0 ]
$POP3 $POP3T --json fetch --to "$W/pbox" --state "$W/st-p2" --delete \
    >"$W/p3" 2>&1
check "pop3 fetch --delete into mbox" [ $? -eq 0 -a \
    "$(json_num deleted "$W/p3")" = "$(json_num fetched "$W/p3")" ]
check "after --delete the maildrop is empty" \
    [ -z "$($POP3 $POP3S list 2>/dev/null)" ]

# --- a 50 MB message both ways in bounded memory
awk 'BEGIN { printf "From: a@example.test\nSubject: big\nMessage-ID: <big@x>\n\n";
    s = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.,"
    for (i = 0; i < 800000; i++) print s }' >"$W/big"
# into bob's INBOX, so the other checks' counts stay as they are
printf '%s\n' "$MAILTEST_PASS2" >"$W/pw2"; chmod 600 "$W/pw2"
IMAPB="$B/eml-imap --user $MAILTEST_USER2 --password-file $W/pw2 --cafile $MAILTEST_CA"
"$W/maxrss" $IMAPB $IMAPS append --mailbox INBOX <"$W/big" 3>"$W/rss1" \
    2>"$W/e7"
check "append of a 50 MB message" [ $? -eq 0 ]
"$W/maxrss" $IMAPB $IMAPS fetch --mailbox INBOX --to "$W/bigmd/" \
    --state "$W/st-big" 3>"$W/rss2" 2>"$W/e8"
check "fetch of the 50 MB message" [ $? -eq 0 ]
check "50 MB message comes back byte for byte" \
    cmp -s "$W/big" "$(ls -d "$W"/bigmd/new/* | head -1)"
r1=$(cat "$W/rss1"); r2=$(cat "$W/rss2")
echo "# peak RSS: append ${r1} KB, fetch ${r2} KB for a $(($(wc -c <"$W/big") / 1024)) KB message"
case $B in
*san*) ok "bounded memory (not measured under sanitizers)" ;;
*) check "append and fetch stay under 16 MB of memory" \
    [ "$r1" -lt 16384 -a "$r2" -lt 16384 ] ;;
esac

# --- wrong password, wrong CA, wrong host name, server down: clear
# error, non-zero exit, nothing lost (Maildir and state unchanged)
cp -r "$W/md" "$W/md.before"
ST1=$XDG_STATE_HOME/emlkit/imap/$MAILTEST_USER1@$H:$MAILTEST_IMAPS_PORT/INBOX
check "state file where the man page says" [ -f "$ST1" ]
cp "$ST1" "$W/state.before"
expect_fail() {	# expect_fail NAME WORDS CMD...
	n=$1 words=$2; shift 2
	"$@" >"$W/out" 2>"$W/err"
	rc=$?
	if [ $rc -ne 0 ] && grep -qi "$words" "$W/err" &&
	    diff -r "$W/md" "$W/md.before" >/dev/null &&
	    cmp -s "$ST1" "$W/state.before"; then
		ok "$n (exit $rc: $(head -1 "$W/err"))"
	else
		nok "$n (exit $rc: $(cat "$W/err"))"
	fi
}
expect_fail "wrong password" "fail" $B/eml-imap --user "$MAILTEST_USER1" \
    --password-file "$W/badpw" --cafile "$MAILTEST_CA" $IMAPS fetch \
    --mailbox INBOX --to "$W/md/"
expect_fail "wrong CA" "certif\|CA\|verif" $B/eml-imap --user \
    "$MAILTEST_USER1" --password-file "$W/pw1" --cafile "$MAILTEST_WRONG_CA" \
    $IMAPS fetch --mailbox INBOX --to "$W/md/"
expect_fail "wrong host name" "host\|name" $IMAP \
    --url "imaps://127.1:$MAILTEST_IMAPS_PORT" fetch --mailbox INBOX \
    --to "$W/md/"
expect_fail "server down" "connect\|refused" $IMAP \
    --url "imaps://$H:$((EML_TEST_PORT_BASE + 999))" fetch --mailbox INBOX \
    --to "$W/md/"
expect_fail "pop3 wrong password" "fail" $B/eml-pop3 --user \
    "$MAILTEST_USER1" --password-file "$W/badpw" --cafile "$MAILTEST_CA" \
    $POP3S fetch --to "$W/md/"

# --- UIDVALIDITY changed: that mailbox stops, nothing fetched or deleted
sed 's/^uidvalidity .*/uidvalidity 12345/' "$ST1" >"$W/st-uv"
cp -r "$W/md" "$W/md.uv"
$IMAP $IMAPS fetch --mailbox INBOX --to "$W/md/" --state "$W/st-uv" \
    >"$W/out" 2>"$W/err"
rc=$?
check "UIDVALIDITY change: exit 65 with a clear message, nothing fetched" \
    [ $rc -eq 65 ] && grep -q 'UIDVALIDITY changed from 12345' "$W/err" &&
    diff -r "$W/md" "$W/md.uv" >/dev/null &&
    grep -q '^uidvalidity 12345$' "$W/st-uv"

# --- IDLE wakes up on new mail and runs --exec
$IMAP $IMAPS --timeout 20 idle --mailbox INBOX --exec "touch $W/idled" \
    >"$W/idle.out" 2>&1 &
idle_pid=$!
sleep 1
$IMAP $IMAPS append --mailbox INBOX <"$W/m1"
wait $idle_pid
rc=$?
check "idle wakes on new mail and runs --exec" [ $rc -eq 0 ] && [ -f "$W/idled" ]

# --- hostile servers
hostile() {	# hostile PROTO MODE WANT_RC NEW_MSGS EXTRA_OPTS
	proto=$1 mode=$2 want=$3 nnew=$4; shift 4
	rm -rf "$W/h" "$W/hport" "$W/hstate"
	"$W/hostile" "$proto" "$mode" "$W/hport" &
	hostile_pid=$!
	i=0
	while [ ! -s "$W/hport" ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i+1)); done
	port=$(cat "$W/hport")
	if [ "$proto" = imap ]; then
		$B/eml-imap --url "imap://127.0.0.1:$port" --user u \
		    --password-file "$W/pw1" --timeout 3 "$@" fetch \
		    --mailbox INBOX --to "$W/h/" --state "$W/hstate" \
		    >"$W/hout" 2>"$W/herr"
	else
		$B/eml-pop3 --url "pop3://127.0.0.1:$port" --user u \
		    --password-file "$W/pw1" --timeout 3 "$@" fetch \
		    --to "$W/h/" --state "$W/hstate" >"$W/hout" 2>"$W/herr"
	fi
	rc=$?
	kill "$hostile_pid" 2>/dev/null; wait "$hostile_pid" 2>/dev/null
	hostile_pid=
	got=$(count_new "$W/h")
	tmp=$(ls "$W/h/tmp" 2>/dev/null)
	st=0
	[ -f "$W/hstate" ] && st=$(grep -c '^uidl \|^lastuid [1-9]' "$W/hstate")
	[ "$proto" = imap ] && [ -f "$W/hstate" ] &&
	    st=$(sed -n 's/^lastuid //p' "$W/hstate")
	if { [ "$want" = 0 ] && [ $rc -eq 0 ]; } ||
	    { [ "$want" != 0 ] && [ $rc -ne 0 ]; }; then :; else
		nok "hostile $proto $mode: exit $rc ($(head -1 "$W/herr"))"
		return
	fi
	if [ "$got" != "$nnew" ] || [ -n "$tmp" ] || [ "$st" != "$nnew" ]; then
		nok "hostile $proto $mode: $got stored, state $st, tmp '$tmp'"
		return
	fi
	if [ $rc -ne 0 ] && [ ! -s "$W/herr" ]; then
		nok "hostile $proto $mode: no error message"
		return
	fi
	ok "hostile $proto $mode: exit $rc, $got stored, state $st${rc:+ ($(head -1 "$W/herr"))}"
}
for p in imap pop3; do
	hostile $p nostarttls 1 0
	hostile $p inject 1 0
	hostile $p good 0 2 --no-tls
	hostile $p bigline 1 1 --no-tls
	hostile $p stall 1 1 --no-tls
	hostile $p drop 1 1 --no-tls
	hostile $p garbage 1 1 --no-tls
done
hostile imap preauth 1 0
hostile imap biglit 1 1 --no-tls
hostile imap forged 0 2 --no-tls
check "forged tagged OK stays message data" \
    grep -q '^E6 OK forged: this line is data$' "$W"/h/new/*

[ $fails -eq 0 ]
