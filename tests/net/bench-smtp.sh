#!/bin/sh
# bench-smtp.sh - eml-smtp against msmtp on the same local Postfix
# (submission port, STARTTLS, AUTH PLAIN for both, certificates
# verified): N messages (default 200), one process each, then eml-smtp
# --batch over one connection.  A benchmark, not a test: it prints times
# and ratios.  Needs root (the servers) and msmtp (sh mk/deps.sh bench).
#
#   sh tests/net/bench-smtp.sh BUILD_DIR [N]
set -u
B=${1:-build}
N=${2:-200}
TOP=$(pwd)
if [ "$(id -u)" != 0 ]; then
	echo "bench-smtp: skipped: needs root for the test servers"
	exit 0
fi
if ! command -v msmtp > /dev/null 2>&1; then
	echo "bench-smtp: skipped: msmtp not installed (sh mk/deps.sh bench)"
	exit 0
fi
SRV=$(mktemp -d /tmp/eml-bsrv.XXXXXX)
WORK=$(mktemp -d /tmp/eml-bench.XXXXXX)
trap 'bash "$TOP/tests/servers/stop.sh" "$SRV" --purge >/dev/null 2>&1; rm -rf "$WORK"' EXIT INT TERM
if ! EML_TEST_PORT_BASE=${EML_TEST_PORT_BASE:-19000} \
    bash tests/servers/start.sh "$SRV" > "$WORK/start.log" 2>&1; then
	echo "bench-smtp: the test servers did not start"
	tail "$WORK/start.log"
	exit 1
fi
. "$SRV/env.sh"
printf '%s\n' "$MAILTEST_PASS1" > "$WORK/pw"
{
	echo "account bench"
	echo "host 127.0.0.1"
	echo "port $MAILTEST_SUBMISSION_PORT"
	echo "tls on"
	echo "tls_starttls on"
	echo "tls_trust_file $MAILTEST_CA"
	echo "auth plain"
	echo "user $MAILTEST_USER1"
	echo "passwordeval cat $WORK/pw"
	echo "from $MAILTEST_ADDR1"
	echo "account default : bench"
} > "$WORK/msmtprc"
chmod 600 "$WORK/msmtprc"
i=0
: > "$WORK/all.mbox"
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	{
		printf 'From: <%s>\nTo: <%s>\nSubject: bench %d\n' \
			"$MAILTEST_ADDR1" "$MAILTEST_ADDR2" $i
		printf 'Date: Tue, 1 Dec 2026 12:00:00 +0000\n'
		printf 'Message-ID: <bench.%d.%d@e2e.test>\n\n' $i $$
		j=0
		while [ $j -lt 40 ]; do
			echo "line $j of message $i, some text for a typical size"
			j=$((j + 1))
		done
	} > "$WORK/m$i"
	{
		echo "From $MAILTEST_ADDR1 Tue Dec  1 12:00:00 2026"
		cat "$WORK/m$i"
		echo
	} >> "$WORK/all.mbox"
done
now() { date +%s%N; }
URL=smtp://127.0.0.1:$MAILTEST_SUBMISSION_PORT
t0=$(now)
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	"$B/eml-smtp" --url "$URL" --cafile "$MAILTEST_CA" \
		--user "$MAILTEST_USER1" --password-file "$WORK/pw" \
		--auth PLAIN "$MAILTEST_ADDR2" < "$WORK/m$i" ||
		echo "eml-smtp failed on $i"
done
t1=$(now)
i=0
while [ $i -lt "$N" ]; do
	i=$((i + 1))
	msmtp -C "$WORK/msmtprc" "$MAILTEST_ADDR2" < "$WORK/m$i" ||
		echo "msmtp failed on $i"
done
t2=$(now)
"$B/eml-smtp" --url "$URL" --cafile "$MAILTEST_CA" \
	--user "$MAILTEST_USER1" --password-file "$WORK/pw" --auth PLAIN \
	--batch "$WORK/all.mbox" "$MAILTEST_ADDR2" ||
	echo "eml-smtp --batch failed"
t3=$(now)
awk -v n="$N" -v e=$((t1 - t0)) -v m=$((t2 - t1)) -v b=$((t3 - t2)) 'BEGIN {
	printf "bench-smtp: %d messages to local Postfix (STARTTLS, AUTH PLAIN)\n", n
	printf "  eml-smtp, a process each: %7.2f ms/message\n", e / n / 1e6
	printf "  msmtp, a process each:    %7.2f ms/message\n", m / n / 1e6
	printf "  eml-smtp --batch:         %7.2f ms/message\n", b / n / 1e6
	printf "  msmtp/eml-smtp %.2fx; msmtp/eml-smtp --batch %.1fx\n", m / e, m / b
}'
