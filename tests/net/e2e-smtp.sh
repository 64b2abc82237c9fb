#!/bin/sh
# e2e-smtp.sh - eml-smtp end to end.
#
#   sh tests/net/e2e-smtp.sh BUILD_DIR
#
# Part 1: against tests/net/hostile-smtp playing corpus/smtp scripts over
#         TCP: each misbehaviour gives a clear error and a non-zero exit.
# Part 2: against real Postfix + Dovecot started by tests/servers/start.sh
#         on 127.0.0.1 (ports from EML_TEST_PORT_BASE, default 19000):
#         each TLS mode and AUTH mechanism, delivery checked in the
#         Maildir byte for byte, and each failure users meet.  Needs root
#         (the servers are installed and run as root); otherwise it says
#         "skipped: ..." and part 1 still counts.
# Prints "N passed, N failed"; exits 1 if anything failed.
set -u
B=${1:-build}
SMTP=$B/eml-smtp
HOSTILE=$B/tests/hostile-smtp
TOP=$(pwd)
WORK=$(mktemp -d /tmp/eml-e2e.XXXXXX)
SRV=""
pass=0 fail=0

cleanup() {
	[ -n "$SRV" ] && bash "$TOP/tests/servers/stop.sh" "$SRV" --purge \
		>/dev/null 2>&1
	rm -rf "$WORK"
}
trap cleanup EXIT INT TERM

ok() { pass=$((pass + 1)); echo "ok   - $1"; }
bad() {
	fail=$((fail + 1)); echo "FAIL - $1"
	[ -s "$WORK/err" ] && sed 's/^/       /' "$WORK/err" | tail -6
}

# run NAME WANT_RC GREP CMD...: CMD's exit must be WANT_RC ("!0" = any
# failure) and its stderr must contain GREP (a fixed string; "" = any).
run() {
	name=$1 want=$2 grep=$3
	shift 3
	rc=0
	"$@" > "$WORK/out" 2> "$WORK/err" < "${STDIN:-/dev/null}" || rc=$?
	case $want in
	!0) [ "$rc" != 0 ] || { bad "$name (exit 0, want failure)"; return 1; } ;;
	*) [ "$rc" = "$want" ] || { bad "$name (exit $rc, want $want)"; return 1; } ;;
	esac
	if [ -n "$grep" ] && ! grep -qF -- "$grep" "$WORK/err"; then
		bad "$name (stderr lacks \"$grep\")"
		return 1
	fi
	ok "$name"
}

# ------------------------------------------------------------- part 1
printf 'From: alice@example.test\nTo: bob@example.test\nSubject: t\n\nbody\n' \
	> "$WORK/msg"

# hostile NAME SCRIPT WANT_RC GREP [eml-smtp options...]
hostile() {
	name=$1 script=corpus/smtp/$2.script want=$3 grep=$4
	shift 4
	# the redirection happens in the child: remove the old port first
	rm -f "$WORK/port"
	"$HOSTILE" "$script" > "$WORK/port" 2> "$WORK/hostile.err" &
	hpid=$!
	i=0
	while [ ! -s "$WORK/port" ] && [ $i -lt 50 ]; do
		sleep 0.1; i=$((i + 1))
	done
	port=$(cat "$WORK/port")
	# the message the script expects after DATA, from its M: lines
	m=$WORK/msg
	if grep -q '^M: ' "$script"; then
		printf '%b' "$(sed -n 's/^M: //p' "$script")" > "$WORK/hmsg"
		m=$WORK/hmsg
	fi
	STDIN=$m run "hostile: $name" "$want" "$grep" "$SMTP" \
		--url "smtp://127.0.0.1:$port" --timeout 5 "$@" \
		bob@example.test
	hrc=0
	wait $hpid || hrc=$?
	if [ $hrc != 0 ]; then
		bad "hostile: $name: the client did not behave: $(cat "$WORK/hostile.err")"
	fi
}

hostile "bytes after the STARTTLS reply are refused" starttls-inject 76 \
	"after its STARTTLS reply"
hostile "no STARTTLS offered when required" no-starttls 76 \
	"does not offer STARTTLS"
hostile "STARTTLS refused" starttls-refused 76 "STARTTLS refused"
hostile "10 MB reply line" bigline 76 "too long" --no-tls
hostile "endless multi-line reply" endless-multiline 76 "too long" --no-tls
hostile "garbage greeting" garbage 76 "malformed reply" --no-tls
hostile "TLS record on a plaintext URL names smtps://" tls-greeting 76 \
	"use smtps://" --no-tls
hostile "connection dropped mid-DATA" drop-mid-data '!0' "" --no-tls \
	--from alice@example.test
hostile "dropped after the final dot: status unknown" drop-after-dot 75 \
	"delivery status unknown" --no-tls --from alice@example.test
hostile "421 is a temporary failure" service-closing 75 \
	"closing the connection" --no-tls
hostile "authentication required is explained" needs-auth 69 \
	"wants authentication" --no-tls

# refused before connecting: CR/LF in an address (attack case 40)
STDIN=$WORK/msg run "CR LF in a recipient refused before connecting" 65 \
	"invalid recipient" "$SMTP" --url smtp://127.0.0.1:9 --no-tls \
	"$(printf 'bob@x\r\nRSET')"
STDIN=$WORK/msg run "a recipient starting with - is refused" 65 \
	"invalid recipient" "$SMTP" --url smtp://127.0.0.1:9 --no-tls -- -oQ/x@y
run "password in the URL refused" 64 "password in the URL" \
	"$SMTP" --url smtp://u:p@127.0.0.1 bob@x
run "--help" 0 "" "$SMTP" --help
run "bad option" 64 "usage" "$SMTP" --frobnicate

# ------------------------------------------------------------- part 2
servers() {
	if [ "$(id -u)" != 0 ]; then
		echo "skipped: real-server tests need root (Postfix and Dovecot run as root; tests/servers/start.sh)"
		return 1
	fi
	SRV=$(mktemp -d /tmp/eml-srv.XXXXXX)
	if ! EML_TEST_PORT_BASE=${EML_TEST_PORT_BASE:-19000} \
	    bash tests/servers/start.sh "$SRV" > "$WORK/start.log" 2>&1; then
		if ! sh tests/servers/install.sh --check > /dev/null 2>&1; then
			echo "skipped: test mail servers not installed and could not be installed"
			tail -5 "$WORK/start.log"
			return 1
		fi
		fail=$((fail + 1))
		echo "FAIL - starting the test servers"
		tail -20 "$WORK/start.log"
		return 1
	fi
	. "$SRV/env.sh"
	return 0
}

if servers; then
	H=127.0.0.1
	CA=$MAILTEST_CA
	printf '%s\n' "$MAILTEST_PASS1" > "$WORK/pw"
	printf 'wrong-password\n' > "$WORK/badpw"
	MD=$MAILTEST_DIR/mail/$MAILTEST_USER2/Maildir
	n=0

	# mkmsg FILE TAG: a message with everything Postfix would otherwise add
	mkmsg() {
		n=$((n + 1))
		{
			printf 'From: Alice <%s>\n' "$MAILTEST_ADDR1"
			printf 'To: <%s>\n' "$MAILTEST_ADDR2"
			printf 'Subject: %s\n' "$2"
			printf 'Date: Tue, 1 Dec 2026 12:00:00 +0000\n'
			printf 'Message-ID: <%s.%s@e2e.test>\n' "$2" "$$"
			printf '\n%s\n.leading dot\n..two dots\nno final newline' "$2"
		} > "$1"
	}
	# delivered TAG [TRIES]: the file in bob's Maildir holding TAG
	# (waits TRIES tenths of a second, default 30 s)
	delivered() {
		i=0
		while [ $i -lt "${2:-300}" ]; do
			f=$(grep -l -F -- "Subject: $1" "$MD"/new/* "$MD"/cur/* \
				2>/dev/null | head -1)
			[ -n "$f" ] && { echo "$f"; return 0; }
			sleep 0.1; i=$((i + 1))
		done
		return 1
	}
	# same TAG MSGFILE: the delivered file ends with the message as sent
	# (LF line ends, a final newline added if it had none) after the
	# headers Postfix puts in front
	same() {
		f=$(delivered "$1") || { bad "$1: not delivered"; return; }
		{ cat "$2"; [ "$(tail -c 1 "$2" | wc -l)" = 1 ] || echo; } \
			> "$WORK/want"
		sz=$(wc -c < "$WORK/want")
		tail -c "$sz" "$f" > "$WORK/got"
		if cmp -s "$WORK/want" "$WORK/got"; then
			ok "$1: delivered byte for byte"
		else
			bad "$1: delivered bytes differ"
			diff "$WORK/want" "$WORK/got" | head -5
		fi
	}

	auth="--user $MAILTEST_USER1 --password-file $WORK/pw --cafile $CA"
	send_and_check() {  # TAG URL OPTIONS...
		tag=$1 url=$2
		shift 2
		[ -s "$WORK/m-$tag" ] || mkmsg "$WORK/m-$tag" "$tag"
		[ -n "$url" ] && set -- --url "$url" "$@"
		STDIN=$WORK/m-$tag run "$tag: sent" 0 "" "$SMTP" \
			"$@" "$MAILTEST_ADDR2" && same "$tag" "$WORK/m-$tag"
	}
	S=$MAILTEST_SUBMISSION_PORT
	send_and_check submission-scram "smtp://$H:$S" $auth
	send_and_check submission-plain "smtp://$H:$S" $auth --auth PLAIN
	send_and_check submission-login "smtp://$H:$S" $auth --auth LOGIN
	send_and_check smtps-scram "smtps://$H:$MAILTEST_SMTPS_PORT" $auth
	send_and_check smtps-plain "smtps://$H:$MAILTEST_SMTPS_PORT" $auth \
		--auth PLAIN
	send_and_check data-not-bdat "smtp://$H:$S" $auth --no-chunking
	send_and_check starttls-noauth "smtp://$H:$MAILTEST_SMTP_PORT" \
		--cafile "$CA"
	send_and_check plain-relay "smtp://$H:$MAILTEST_SMTP_PORT" --no-tls
	send_and_check password-command "smtp://$H:$S" --cafile "$CA" \
		--user "$MAILTEST_USER1" --password-command "cat $WORK/pw"
	printf 'machine %s login %s password %s\n' "$H" "$MAILTEST_USER1" \
		"$MAILTEST_PASS1" > "$WORK/netrc"
	send_and_check netrc "smtp://$H:$S" --cafile "$CA" \
		--netrc-file "$WORK/netrc"
	cat > "$WORK/accounts" <<EOF
account test
  url smtps://$H:$MAILTEST_SMTPS_PORT
  user $MAILTEST_USER1
  password-command cat $WORK/pw
  cafile $CA
  from $MAILTEST_ADDR1
EOF
	send_and_check account "" --accounts-file "$WORK/accounts" \
		--account test
	fp=$("$SMTP" -v --url "smtps://$H:$MAILTEST_SMTPS_PORT" -f x@y \
		--cafile "$CA" x@y 2>&1 < /dev/null | sed -n 's/.*TLS certificate \(sha256:[0-9A-F:]*\).*/\1/p')
	send_and_check pinned "smtps://$H:$MAILTEST_SMTPS_PORT" \
		--user "$MAILTEST_USER1" --password-file "$WORK/pw" \
		--fingerprint "sha256:00" --fingerprint "$fp"

	# -t: recipients from To/Cc/Bcc, Bcc not sent
	mkmsg "$WORK/m-bcc" bcc-removed
	sed 's/^To: .*/To: nobody-visible:;\nBcc: <'"$MAILTEST_ADDR2"'>/' \
		"$WORK/m-bcc" > "$WORK/m-bcc2"
	STDIN=$WORK/m-bcc2 run "-t: sent to the Bcc recipient" 0 "" "$SMTP" \
		--url "smtp://$H:$S" $auth -t
	if f=$(delivered bcc-removed) && ! grep -q '^Bcc:' "$f"; then
		ok "-t: no Bcc field in what was delivered"
	else
		bad "-t: Bcc field delivered or message missing"
	fi

	# --batch: three messages of an mbox over one connection
	: > "$WORK/batch.mbox"
	for t in batch-1 batch-2 batch-3; do
		mkmsg "$WORK/m-$t" "$t"
		{ echo "From alice@example.test Tue Dec  1 12:00:00 2026";
		  cat "$WORK/m-$t"; printf '\n\n'; } >> "$WORK/batch.mbox"
	done
	run "--batch mbox: 3 messages, one connection" 0 "3 sent" "$SMTP" \
		-v --url "smtp://$H:$S" $auth --batch "$WORK/batch.mbox" \
		"$MAILTEST_ADDR2"
	c=$(grep -c '^~> EHLO' "$WORK/err")
	[ "$c" = 1 ] && ok "--batch: one session ($c EHLO after TLS)" ||
		bad "--batch: $c sessions"
	for t in batch-1 batch-2 batch-3; do
		delivered "$t" > /dev/null && ok "$t delivered" ||
			bad "$t not delivered"
	done

	# --batch MAILDIR: cur/ and new/ in name order
	mkdir -p "$WORK/md/cur" "$WORK/md/new" "$WORK/md/tmp"
	mkmsg "$WORK/md/cur/1.x:2,S" maildir-1
	mkmsg "$WORK/md/new/2.x" maildir-2
	run "--batch Maildir: 2 messages" 0 "" "$SMTP" --url "smtp://$H:$S" \
		$auth --batch "$WORK/md" "$MAILTEST_ADDR2"
	for t in maildir-1 maildir-2; do
		delivered "$t" > /dev/null && ok "$t delivered" ||
			bad "$t not delivered"
	done

	# -v: the dialogue in swaks' style, credentials masked
	mkmsg "$WORK/m-trace" trace
	STDIN=$WORK/m-trace run "-v trace" 0 "~> AUTH PLAIN ****" "$SMTP" -v \
		--url "smtp://$H:$S" $auth --auth PLAIN "$MAILTEST_ADDR2"
	b64=$(printf '\0%s\0%s' "$MAILTEST_USER1" "$MAILTEST_PASS1" | base64)
	if grep -q -e "$MAILTEST_PASS1" -e "$b64" "$WORK/err"; then
		bad "-v: the password or its base64 is in the trace"
	else
		ok "-v: no credential in the trace"
	fi
	grep -q '^<- 220 ' "$WORK/err" && grep -q '^-> STARTTLS' "$WORK/err" &&
	    grep -q '^\*\*\* TLS started' "$WORK/err" &&
	    grep -q '^<~ 250 ' "$WORK/err" && ok "-v: ->, <-, ~>, <~, *** lines" ||
	    bad "-v: trace lines missing"

	# failures users meet: each a clear message and a non-zero exit
	mkmsg "$WORK/m-fail" never-delivered
	STDIN=$WORK/m-fail run "wrong password" 77 "authentication as" \
		"$SMTP" --url "smtp://$H:$S" --user "$MAILTEST_USER1" \
		--password-file "$WORK/badpw" --cafile "$CA" "$MAILTEST_ADDR2"
	STDIN=$WORK/m-fail run "wrong CA" 76 "unknown CA" "$SMTP" \
		--url "smtps://$H:$MAILTEST_SMTPS_PORT" $auth \
		--cafile "$MAILTEST_WRONG_CA" "$MAILTEST_ADDR2"
	STDIN=$WORK/m-fail run "no CA at all (system store only)" 76 \
		"unknown CA" "$SMTP" --url "smtps://$H:$MAILTEST_SMTPS_PORT" \
		--user "$MAILTEST_USER1" --password-file "$WORK/pw" \
		"$MAILTEST_ADDR2"
	STDIN=$WORK/m-fail run "wrong host name" 76 "wrong host name" \
		"$SMTP" --url "smtps://wrong.example.test:$MAILTEST_SMTPS_PORT" \
		--connect-to "$H" $auth "$MAILTEST_ADDR2"
	STDIN=$WORK/m-fail run "wrong pin" 76 "none of the --fingerprint" \
		"$SMTP" --url "smtps://$H:$MAILTEST_SMTPS_PORT" \
		--user "$MAILTEST_USER1" --password-file "$WORK/pw" \
		--fingerprint sha256:00:11 "$MAILTEST_ADDR2"
	# an expired certificate from the right CA: "expired", not "unknown"
	T=$WORK/exp
	mkdir -p "$T"
	: > "$T/index.txt"
	echo 01 > "$T/serial"
	printf '[ca]\ndefault_ca = d\n[d]\ndatabase = %s/index.txt\nnew_certs_dir = %s\nserial = %s/serial\ndefault_md = sha256\npolicy = p\ncopy_extensions = copy\n[p]\ncommonName = supplied\n' \
		"$T" "$T" "$T" > "$T/ca.cnf"
	if openssl req -new -newkey rsa:2048 -nodes -keyout "$T/exp.key" \
	    -out "$T/exp.csr" -subj /CN=127.0.0.1 \
	    -addext subjectAltName=IP:127.0.0.1 > "$T/log" 2>&1 &&
	    openssl ca -batch -config "$T/ca.cnf" -cert "$CA" \
	    -keyfile "$MAILTEST_DIR/tls/ca.key" -startdate 20200101000000Z \
	    -enddate 20200102000000Z -in "$T/exp.csr" -out "$T/exp.crt" \
	    >> "$T/log" 2>&1; then
		xp=$((MAILTEST_PORT_BASE + 98))
		openssl s_server -quiet -naccept 1 -accept "127.0.0.1:$xp" \
			-cert "$T/exp.crt" -key "$T/exp.key" < /dev/null \
			> /dev/null 2>&1 &
		xpid=$!
		sleep 1		# s_server listens at once; no probe (it
				# would use its one accept)
		STDIN=$WORK/m-fail run "expired certificate" 76 "expired" \
			"$SMTP" --url "smtps://127.0.0.1:$xp" $auth "$MAILTEST_ADDR2"
		kill "$xpid" 2>/dev/null
		wait "$xpid" 2>/dev/null
	else
		bad "could not make an expired certificate"
		cat "$T/log"
	fi
	STDIN=$WORK/m-fail run "server down" 69 "cannot connect" "$SMTP" \
		--url "smtp://$H:$((MAILTEST_PORT_BASE + 99))" $auth \
		"$MAILTEST_ADDR2"
	STDIN=$WORK/m-fail run "smtps:// on a plaintext port names smtp://" \
		'!0' "smtp:// (STARTTLS)" "$SMTP" \
		--url "smtps://$H:$MAILTEST_SMTP_PORT" $auth "$MAILTEST_ADDR2"
	STDIN=$WORK/m-fail run "smtp:// on the implicit-TLS port names smtps://" \
		75 "use smtps://" "$SMTP" --timeout 2 \
		--url "smtp://$H:$MAILTEST_SMTPS_PORT" $auth "$MAILTEST_ADDR2"
	STDIN=$WORK/m-fail run "submission without AUTH is explained" 69 \
		"wants authentication" "$SMTP" --url "smtp://$H:$S" \
		--cafile "$CA" "$MAILTEST_ADDR2"
	STDIN=$WORK/m-fail run "unknown recipient reported" 69 \
		"recipient <nobody@example.test> refused" "$SMTP" \
		--url "smtp://$H:$S" $auth nobody@example.test
	STDIN=$WORK/m-fail run "tempfail recipient is EX_TEMPFAIL" 75 \
		"451" "$SMTP" --url "smtp://$H:$S" $auth tempfail@example.test
	{ printf 'Subject: big\n\n'; head -c 11000000 /dev/zero |
	  tr '\0' 'x' | fold -w 76; } > "$WORK/big"
	STDIN=$WORK/big run "SIZE: too big refused before DATA" 69 \
		"takes at most" "$SMTP" --url "smtp://$H:$MAILTEST_SMTP7_PORT" \
		--cafile "$CA" -f "$MAILTEST_ADDR1" "$MAILTEST_ADDR2"
	# 50 MB through a pipe: bounded client memory, delivered whole
	mkmsg "$WORK/m-big50" big50
	{ printf '\n'; head -c 50000000 /dev/zero | tr '\0' 'y' |
	  fold -w 76; } >> "$WORK/m-big50"
	STDIN=$WORK/m-big50 run "50 MB message sent" 0 "" sh -c \
		'cat | "$0" "$@"' "$B/tests/tools/maxrss" "$SMTP" \
		--url "smtp://$H:$S" $auth "$MAILTEST_ADDR2"
	kb=$(sed -n 's/^maxrss: //p' "$WORK/err")
	# 16 MiB; a sanitizer build (build-san) has its own overhead
	lim=16384
	case $B in *san*) lim=131072 ;; esac
	if [ -n "$kb" ] && [ "$kb" -lt $lim ]; then
		ok "50 MB message: client peak RSS $kb KiB"
	else
		bad "50 MB message: client peak RSS ${kb:-?} KiB"
	fi
	same big50 "$WORK/m-big50"
	rm -f "$WORK/m-big50"
	if delivered never-delivered 20 > /dev/null 2>&1; then
		bad "a failed send delivered something"
	else
		ok "nothing delivered by the failures"
	fi

	# 8-bit to a server without 8BITMIME (RFC 6152): re-encoded as
	# quoted-printable by the streaming editor, decodes to the same text;
	# with 8BITMIME it arrives unchanged
	for t in eightbit-7 eightbit-8; do
		mkmsg "$WORK/m-$t" "$t"
		sed -i 's/^Subject:/MIME-Version: 1.0\nContent-Type: text\/plain; charset=utf-8\nContent-Transfer-Encoding: 8bit\nSubject:/' \
			"$WORK/m-$t"
		printf '\nGr\303\274\303\237e aus K\303\266ln, caf\303\251 =\n' \
			>> "$WORK/m-$t"
	done
	STDIN=$WORK/m-eightbit-7 run "8-bit to a server without 8BITMIME: sent" \
		0 "" "$SMTP" --url "smtp://$H:$MAILTEST_SMTP7_PORT" \
		--cafile "$CA" "$MAILTEST_ADDR2"
	if f=$(delivered eightbit-7); then
		if LC_ALL=C grep -q "$(printf '[\200-\377]')" "$f"; then
			bad "no 8BITMIME: 8-bit bytes arrived"
		elif ! grep -qi '^Content-Transfer-Encoding: quoted-printable' "$f"; then
			bad "no 8BITMIME: not labelled quoted-printable"
		else
			ok "no 8BITMIME: arrived 7-bit, quoted-printable"
		fi
		qp=$B/eml-qp
		[ -x "$qp" ] || qp=build/eml-qp
		sed '1,/^$/d' "$f" | "$qp" -d > "$WORK/dec"
		sed '1,/^$/d' "$WORK/m-eightbit-7" > "$WORK/orig"
		if cmp -s "$WORK/orig" "$WORK/dec"; then
			ok "no 8BITMIME: decodes to the same text"
		else
			bad "no 8BITMIME: decoded text differs"
			diff "$WORK/orig" "$WORK/dec" | head -5
		fi
	else
		bad "no 8BITMIME: not delivered"
	fi
	send_and_check eightbit-8 "smtp://$H:$MAILTEST_SMTP_PORT" --cafile "$CA"
fi

echo "e2e-smtp: $pass passed, $fail failed"
[ $fail = 0 ]
