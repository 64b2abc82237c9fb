#!/bin/sh
# tools.sh BUILD_DIR - our filter tools against mblaze, side by side:
# eml-hdr against mhdr and eml-grep -h Subject against magrep, over a
# Maildir made from ../shared/corpus and over that Maildir repeated to
# ~20k messages (so process start-up does not dominate).  Part of
# `make bench`; a benchmark, not a test: it reports, it never fails on
# speed.  Without the corpus or mblaze it says "skipped".
#
# Fair by construction:
# - the same fields: mhdr -M -h Subject:From (-M: every occurrence, as
#   eml-hdr prints) against eml-hdr -h Subject -h From; the same field
#   and regex for magrep 'Subject:RE' and eml-grep -h Subject RE (an
#   ERE that means the same in PCRE2), both -i;
# - both decode RFC 2047 (mhdr -d, magrep -d; ours always do);
# - the same message list: mlist's output, fed to mhdr/magrep on stdin
#   and to ours with --files-from ("list" rows); the "pipe" rows time
#   the way each is used, mlist DIR | mhdr against eml-hdr DIR;
# - every contestant is one "sh -c CMD" (so both pay the same shell),
#   stdout and stderr to /dev/null, the same locale (C.UTF-8);
# - ROUNDS (default 5) rounds, the two sides alternating which goes
#   first, medians reported; CPU time (user + sys of every process,
#   tools_cpu.c) is the primary figure, since the machine may be shared,
#   wall time is shown beside it.  Ratios are mblaze / ours: above 1
#   means ours is faster.
# Before timing, the outputs over the corpus Maildir are compared: how
# many values agree, and each class of difference with its reason.
# With CALLGRIND=1, instructions per message are counted too.
set -u

B=$(cd "${1:?usage: tools.sh BUILD_DIR}" && pwd) || exit 2
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ROUNDS=${ROUNDS:-5}
# Messages wanted in the big Maildir (the corpus Maildir is repeated).
BIG_MSGS=${BIG_MSGS:-20000}
OUT=${BENCH_OUT:-$HERE/out}/tools
CORPUS=$ROOT/../shared/corpus
RE='re|fw|test'
CC=${CC:-cc}
LC_ALL=C.UTF-8
export LC_ALL

echo "== tools benchmark: eml-hdr vs mhdr, eml-grep vs magrep (mblaze)"
if [ ! -d "$CORPUS" ]; then
	echo "tools: skipped (no $CORPUS)"
	exit 0
fi
for c in mlist mhdr magrep; do
	if ! command -v $c >/dev/null 2>&1; then
		echo "tools: skipped ($c missing: mblaze is not installed;" \
		    "sh mk/deps.sh bench installs it)"
		exit 0
	fi
done
for t in eml-hdr eml-grep; do
	[ -x "$B/$t" ] || { echo "tools: no $B/$t (make all first)" >&2; exit 1; }
done

mkdir -p "$OUT" "$B/bench" || exit 1
CPU=$B/bench/tools_cpu
REP=$B/bench/tools_mdrepeat
for p in tools_cpu tools_mdrepeat; do
	if [ ! -x "$B/bench/$p" ] || [ "$HERE/$p.c" -nt "$B/bench/$p" ]; then
		$CC -O2 -std=c11 -D_DEFAULT_SOURCE -Wall -Wextra -Werror \
		    -o "$B/bench/$p" "$HERE/$p.c" || exit 1
	fi
done

# ------------------------------------------------------------- inputs
# The corpus Maildir: every *.eml and *.msg file and every file of a
# maildir folder of the corpus (as realbox.c picks them), one message a
# file in cur/.  A leading "From " envelope line is dropped, as a
# Maildir file has none: eml-hdr would otherwise read the file as an
# mbox while mhdr skips the line, and the two would not read the same
# messages.  Kept in $OUT for the next run.
MD=$OUT/md
BIGMD=$OUT/md-big
if [ "$(cat "$OUT/md.done" 2>/dev/null)" != "$BIG_MSGS" ]; then
	rm -rf "$MD" "$BIGMD"
	mkdir -p "$MD/cur" "$MD/new" "$MD/tmp" || exit 1
	find "$CORPUS" -type f \( -name '*.eml' -o -name '*.msg' -o \
	    -path '*/cur/*' -o -path '*/new/*' -o -path '*/maildir/*' \) \
	    ! -path '*/_license/*' ! -path '*/output/*' | LC_ALL=C sort > "$OUT/files"
	n=0
	while IFS= read -r f; do
		n=$((n + 1))
		to="$MD/cur/$n.bench:2,S"
		if [ "$(head -c 5 "$f")" = "From " ]; then
			sed 1d "$f" > "$to"
		else
			cp "$f" "$to"
		fi || exit 1
	done < "$OUT/files"
	n=$(ls "$MD/cur" | wc -l)
	k=$(( (BIG_MSGS + n - 1) / n ))
	"$REP" "$MD" "$BIGMD" "$k" > /dev/null || exit 1
	echo "$BIG_MSGS" > "$OUT/md.done"
fi
mlist "$MD" > "$OUT/small.list"
mlist "$BIGMD" > "$OUT/big.list"
nsmall=$(wc -l < "$OUT/small.list" | tr -d ' ')
nbig=$(wc -l < "$OUT/big.list" | tr -d ' ')
echo "inputs: $MD ($nsmall messages, $(du -sk "$MD" | cut -f1) KiB)," \
    "$BIGMD ($nbig messages, hard links)"
echo "mblaze $(dpkg-query -W -f '${Version}' mblaze 2>/dev/null ||
    echo '(version unknown)'); rounds: $ROUNDS (median, alternating);" \
    "$(nproc) CPUs, load $(cut -d' ' -f1-3 /proc/loadavg)"
cat "$MD"/cur/* > /dev/null

# ---------------------------------------------------------- agreement
# hdr: both print FILE, a separator and the value; eml-hdr's "FILE:"
# becomes mblaze's "FILE<TAB>" (every name ends in .bench:2,S).
agree_hdr() {	# FIELDS_MBLAZE FIELDS_OURS... > report, classes in $OUT/cls
	mf=$1
	shift
	mhdr -d -M -H -h "$mf" < "$OUT/small.list" > "$OUT/a.mhdr" 2>/dev/null
	"$B/eml-hdr" -H "$@" --files-from "$OUT/small.list" \
	    > "$OUT/a.eml" 2> "$OUT/a.err"
	sed -n 's/^eml-hdr: \(.*\):[0-9]*: does not look like a message.*/\1/p' \
	    "$OUT/a.err" > "$OUT/a.nohdr"
	sed 's/^\([^	]*\.bench:2,S\):/\1	/' "$OUT/a.eml" > "$OUT/a.emln"
	LC_ALL=C awk -f "$HERE/tools_agree.awk" -v classes="$OUT/cls" \
	    "$OUT/a.nohdr" "$OUT/a.mhdr" "$OUT/a.emln" | sed "s|$OUT/||g"
}

echo
echo "-- agreement over $nsmall messages: mhdr -d -M -H -h Subject:From" \
    "vs eml-hdr -H -h Subject -h From"
: > "$OUT/cls"
agree_hdr Subject:From -h Subject -h From

echo
echo "-- agreement: magrep -d -i 'Subject:$RE' vs eml-grep -i -h Subject '$RE'"
: > "$OUT/cls"
agree_hdr Subject -h Subject > "$OUT/a.subject"
magrep -d -i "Subject:$RE" < "$OUT/small.list" 2>/dev/null | LC_ALL=C sort \
    > "$OUT/g.mblaze"
"$B/eml-grep" -i -h Subject "$RE" --files-from "$OUT/small.list" \
    2>/dev/null | LC_ALL=C sort > "$OUT/g.eml"
both=$(LC_ALL=C comm -12 "$OUT/g.mblaze" "$OUT/g.eml" | wc -l | tr -d ' ')
echo "  selected: magrep $(wc -l < "$OUT/g.mblaze" | tr -d ' '), eml-grep" \
    "$(wc -l < "$OUT/g.eml" | tr -d ' '), both $both"
# Each message only one side selects, with the class its decoded
# Subject differs by (from the Subject-only comparison above).
LC_ALL=C comm -3 "$OUT/g.mblaze" "$OUT/g.eml" |
LC_ALL=C awk -v cls="$OUT/cls" -v out="$OUT/" '
	BEGIN { while ((getline l < cls) > 0) { t = index(l, "\t")
		c[substr(l, 1, t - 1)] = substr(l, t + 1) } }
	{
		who = /^\t/ ? "only eml-grep" : "only magrep"
		sub(/^\t/, "")
		k = ($0 in c) ? "Subject differs: " c[$0] : \
		    "same decoded Subject (a difference in matching)"
		n[who ": " k]++
		if (!((who ": " k) in ex)) { f = $0; sub(out, "", f); ex[who ": " k] = f }
	}
	END { for (k in n) printf "  %4d %s (e.g. %s)\n", n[k], k, ex[k] }' |
    sort -k2
echo "  (classes: see the eml-hdr comparison above)"

# ------------------------------------------------------------- timing
# run NAME CMD: one timed run of sh -c CMD; appends "wall cpu" to
# $OUT/t.NAME.
run() {
	r=$("$CPU" sh -c "$2" < /dev/null)
	case $r in
	*status=0*|*status=1*) ;;
	*) echo "  $1: failed ($r)" >&2 ;;
	esac
	printf '%s\n' "$r" | sed 's/^wall=\([^ ]*\) cpu=\([^ ]*\) .*/\1 \2/' \
	    >> "$OUT/t.$1"
}

median() {	# column FILE
	cut -d' ' -f"$1" "$2" | sort -n |
	    awk '{ v[NR] = $1 } END { if (NR) print v[int((NR + 1) / 2)] }'
}

ratio() {
	awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "-" }'
}

# pair LABEL PEER_CMD OUR_CMD: ROUNDS alternating rounds, then a row.
pair() {
	rm -f "$OUT/t.peer" "$OUT/t.ours"
	i=1
	while [ "$i" -le "$ROUNDS" ]; do
		if [ $((i % 2)) = 1 ]; then
			run peer "$2"
			run ours "$3"
		else
			run ours "$3"
			run peer "$2"
		fi
		i=$((i + 1))
	done
	pw=$(median 1 "$OUT/t.peer") pc=$(median 2 "$OUT/t.peer")
	ow=$(median 1 "$OUT/t.ours") oc=$(median 2 "$OUT/t.ours")
	printf '  %-22s cpu %7ss vs %7ss  RATIO %5s   wall %7ss vs %7ss  ratio %5s\n' \
	    "$1" "$pc" "$oc" "$(ratio "$pc" "$oc")" "$pw" "$ow" \
	    "$(ratio "$pw" "$ow")"
}

H="$B/eml-hdr"
G="$B/eml-grep"
echo
echo "-- times (median of $ROUNDS; mblaze vs ours; RATIO = mblaze cpu / ours cpu)"
for set in small big; do
	if [ $set = small ]; then d=$MD n=$nsmall; else d=$BIGMD n=$nbig; fi
	l=$OUT/$set.list
	echo " $n messages ($set):"
	pair "hdr list" "mhdr -d -M -h Subject:From < $l" \
	    "$H -h Subject -h From --files-from $l"
	pair "hdr pipe/dir" "mlist $d | mhdr -d -M -h Subject:From" \
	    "$H -h Subject -h From $d"
	pair "grep list" "magrep -d -i 'Subject:$RE' < $l" \
	    "$G -i -h Subject '$RE' --files-from $l"
	pair "grep pipe/dir" "mlist $d | magrep -d -i 'Subject:$RE'" \
	    "$G -i -h Subject '$RE' $d"
done
rm -f "$OUT/t.peer" "$OUT/t.ours"
echo "  (cpu = user + sys of every process of the command, the primary figure)"

# ------------------------------------------------- instruction counts
# CALLGRIND=1: user-space instructions per message over the corpus
# Maildir (valgrind --tool=callgrind), a figure a shared machine does
# not disturb; the kernel's part (open, read, Landlock) is not in it.
if [ "${CALLGRIND:-0}" = 1 ] && command -v valgrind >/dev/null 2>&1; then
	echo
	echo "-- instructions per message (callgrind, $nsmall messages," \
	    "user space only)"
	ir() {	# CMD... (stdin: the list) -> instructions per message
		valgrind --tool=callgrind --callgrind-out-file=/dev/null \
		    "$@" < "$OUT/small.list" 2>&1 >/dev/null |
		    sed -n 's/.*Collected : \([0-9]*\).*/\1/p' |
		    awk -v n="$nsmall" '{ printf "%.0f", $1 / n }'
	}
	a=$(ir mhdr -d -M -h Subject:From)
	b=$(ir "$H" -h Subject -h From --files-from -)
	echo "  hdr   mhdr $a, eml-hdr $b  ratio $(ratio "$a" "$b")"
	a=$(ir magrep -d -i "Subject:$RE")
	b=$(ir "$G" -i -h Subject "$RE" --files-from -)
	echo "  grep  magrep $a, eml-grep $b  ratio $(ratio "$a" "$b")"
fi
