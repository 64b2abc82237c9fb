#!/bin/sh
# imap_bench.sh BUILD_DIR - fetch N messages (default 2000) over IMAPS
# into a fresh Maildir with eml-imap, mbsync (isync) and fetchmail, side
# by side against the same local Dovecot (tests/servers), every one
# fsyncing each message before it counts as stored; prints the median of
# ROUNDS runs (default 3) and the ratios.  A benchmark, not a test: it
# reports, it never fails on speed.  Needs root (for the servers); what
# is missing (mbsync, fetchmail) is reported as skipped.
set -u
B=$(cd "${1:-build}" && pwd) || exit 2
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root" || exit 2
N=${N:-2000}
ROUNDS=${ROUNDS:-3}
if [ "$(id -u)" != 0 ]; then
	echo "imap_bench: skipped (needs root to start Dovecot)"
	exit 0
fi
: "${EML_TEST_PORT_BASE:=21000}"
export EML_TEST_PORT_BASE
D=/tmp/eml-fetch-bench.$$
W=$D/w
mkdir -p "$W"
cleanup() {
	bash tests/servers/stop.sh "$D/srv" --purge >/dev/null 2>&1
	rm -rf "$D"
}
trap cleanup EXIT INT TERM
bash tests/servers/start.sh "$D/srv" >"$W/start.log" 2>&1 ||
    { cat "$W/start.log"; exit 1; }
. "$D/srv/env.sh"
PORT=$MAILTEST_IMAPS_PORT
U=$MAILTEST_USER2
printf '%s\n' "$MAILTEST_PASS2" >"$W/pw"
chmod 600 "$W/pw"

# N messages of 2-6 KB straight into the user's Maildir (Dovecot
# indexes them at the first SELECT, before any timed run)
MD=$D/srv/mail/$U/Maildir
mkdir -p "$MD/new" "$MD/cur" "$MD/tmp"
awk -v n="$N" -v dir="$MD/new" 'BEGIN {
	srand(1)
	line = "Lorem ipsum dolor sit amet, consectetur adipiscing elit, sed do eiusmod."
	for (i = 1; i <= n; i++) {
		f = sprintf("%s/%d.M%dP1.bench", dir, 1700000000 + i, i)
		printf "From: Sender %d <s%d@example.test>\nTo: %s@example.test\n", i, i, "bob" > f
		printf "Subject: benchmark message %d\nMessage-ID: <b%d@example.test>\n", i, i > f
		printf "Date: Tue, 1 Dec 2026 10:00:00 +0000\n\n" > f
		k = 30 + int(rand() * 60)
		for (j = 0; j < k; j++) print line > f
		close(f)
	}
}'
chown -R "$(id -u mail):$(id -g mail)" "$D/srv/mail/$U"
IMAP="$B/eml-imap --url imaps://127.0.0.1:$PORT --user $U --password-file $W/pw --cafile $MAILTEST_CA"
$IMAP --json fetch --mailbox INBOX --to - --uid 1:1 >/dev/null 2>&1 ||
    $IMAP list >/dev/null
count() { ls "$1/new" 2>/dev/null | wc -l | tr -d ' '; }

# seconds with 3 decimals of "CMD..."
timeit() {
	t0=$(date +%s%N)
	"$@" >"$W/out" 2>&1
	rc=$?
	t1=$(date +%s%N)
	echo $(( (t1 - t0) / 1000000 ))
	return $rc
}
median() { sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }'; }

run_eml() {
	rm -rf "$W/eml" "$W/eml.state"
	$IMAP fetch --mailbox INBOX --to "$W/eml/" --state "$W/eml.state"
}

cat >"$W/mbsyncrc" <<EOF
FSync yes

IMAPAccount bench
Host localhost
Port $PORT
User $U
PassCmd "cat $W/pw"
SSLType IMAPS
CertificateFile $MAILTEST_CA

IMAPStore remote
Account bench

MaildirStore local
Path $W/mbs/
Inbox $W/mbs/INBOX

Channel bench
Far :remote:
Near :local:
Patterns INBOX
Sync Pull
Create Near
SyncState *
EOF
run_mbsync() {
	rm -rf "$W/mbs" "$W/.mbsync"
	mkdir -p "$W/mbs"
	HOME=$W mbsync -q -c "$W/mbsyncrc" -a
}

# fetchmail writes no Maildir itself: the documented way is an MDA per
# message; this one writes tmp/, fsyncs (coreutils sync FILE), renames.
cat >"$W/mda" <<'EOF'
#!/bin/sh
n=$(date +%s%N).$$
cat >"$MDIR/tmp/$n" && sync "$MDIR/tmp/$n" && mv "$MDIR/tmp/$n" "$MDIR/new/$n"
EOF
chmod 755 "$W/mda"
cat >"$W/fetchmailrc" <<EOF
set no syslog
poll localhost service $PORT protocol IMAP
	user "$U" password "$MAILTEST_PASS2" is root here
	ssl sslcertfile "$MAILTEST_CA" sslcertck
	mda "$W/mda" keep fetchall
EOF
chmod 600 "$W/fetchmailrc"
run_fetchmail() {
	rm -rf "$W/fm"
	mkdir -p "$W/fm/tmp" "$W/fm/new" "$W/fm/cur"
	MDIR=$W/fm HOME=$W fetchmail -s -f "$W/fetchmailrc" --pidfile "$W/fm.pid" \
	    ${FM_VERBOSE:+-v}
	rc=$?
	[ $rc -eq 0 ] || [ $rc -eq 1 ]
}

echo "imap_bench: $N messages over IMAPS into a Maildir, fsync per message, median of $ROUNDS"
echo "  (eml-imap: message file + new/ + state fsynced per message; mbsync FSync yes; fetchmail MDA fsyncs the file)"
res() {	# res NAME FN DIR
	name=$1 fn=$2 dir=$3
	if [ "$name" != eml-imap ] && ! command -v "$name" >/dev/null; then
		echo "  $name: skipped (not installed: sh mk/deps.sh bench)"
		return 1
	fi
	: >"$W/times"
	r=0
	while [ $r -lt "$ROUNDS" ]; do
		ms=$(timeit "$fn") || { echo "  $name: failed: $(tail -3 "$W/out")"; return 1; }
		got=$(count "$dir")
		if [ "$got" != "$N" ]; then
			echo "  $name: stored $got of $N"
			return 1
		fi
		echo "$ms" >>"$W/times"
		r=$((r + 1))
	done
	median <"$W/times"
}
t_eml=$(res eml-imap run_eml "$W/eml") || t_eml=
t_mbs=$(res mbsync run_mbsync "$W/mbs/INBOX") || { echo "$t_mbs"; t_mbs=; }
t_fm=$(res fetchmail run_fetchmail "$W/fm") || { echo "$t_fm"; t_fm=; }
show() {
	[ -n "$2" ] || return 0
	awk -v n="$1" -v ms="$2" -v N="$N" 'BEGIN {
	    printf "  %-10s %8.3f s  %7.0f msg/s\n", n, ms / 1000, N / (ms / 1000) }'
}
show eml-imap "$t_eml"
show mbsync "$t_mbs"
show fetchmail "$t_fm"
[ -n "$t_eml" ] && [ -n "$t_mbs" ] && awk -v a="$t_mbs" -v b="$t_eml" \
    'BEGIN { printf "RESULT imap_fetch mbsync/eml-imap=%.2f%s\n", a / b,
    ((a > b) ? "" : " MISSED (goal: faster than mbsync)") }'
[ -n "$t_eml" ] && [ -n "$t_fm" ] && awk -v a="$t_fm" -v b="$t_eml" \
    'BEGIN { printf "RESULT imap_fetch fetchmail/eml-imap=%.2f\n", a / b }'
exit 0
