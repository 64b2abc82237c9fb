#!/bin/sh
# An AFL++ campaign: minimise each target's seeds with afl-cmin, run
# afl-fuzz for SECONDS on each target (JOBS at a time), then print each
# target's executions, edges and findings.  Crashes and hangs found are
# copied to build-fuzz/findings/<target>/ for triage; once fixed, each
# goes to corpus/fuzz/<target>/regressions/ so `make check` replays it.
#   usage: sh mk/fuzz-campaign.sh [SECONDS] [TARGET...]
set -eu
cd "$(dirname "$0")/.."
S=${1:-1200}
[ $# -gt 0 ] && shift
TARGETS=${*:-"message header addr date msgid params charset mbox codec"}
JOBS=${JOBS:-2}
SHARED=${EML_SHARED_CORPUS:-../shared/corpus}
FB=build-fuzz

make --no-print-directory fuzz-build >/dev/null
export AFL_SKIP_CPUFREQ=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_NO_AFFINITY=1 AFL_QUIET=1

cmin() {
	t=$1
	in=$FB/cmin-in/$t
	rm -rf "$in" "$FB/cmin-out/$t"
	mkdir -p "$in" "$FB/cmin-out"
	find "corpus/fuzz/$t" -maxdepth 1 -type f -exec cp {} "$in/" \;
	if [ "$t" = message ] && [ -d "$SHARED" ]; then
		# only permissively licensed sources may end up in our repo
		# (not gmime, notmuch, mime4j's MIME-tools set, or the Hunny
		# Software samples in mail-parser/eml/legacy)
		for src in mail-parser ruby-mail enmime php-mime-mail-parser \
		    flanker mime4j/testmsgs sisimai/maildir/bsd mailcore2/parser; do
			[ -d "$SHARED/$src" ] || continue
			find "$SHARED/$src" -type f -size -64k \
			    \( -name '*.eml' -o -name '*.msg' -o -name '[0-9]*' \) \
			    ! -name '*.json' ! -path '*/legacy/*' |
			while read -r f; do
				cp "$f" "$in/$(echo "$src-$f" | cksum | cut -d' ' -f1)"
			done
		done
	fi
	afl-cmin -i "$in" -o "$FB/cmin-out/$t" -- "$FB/afl/fuzz_$t" >/dev/null 2>&1
	n_in=$(ls "$in" | wc -l)
	n_out=$(ls "$FB/cmin-out/$t" | wc -l)
	# replace the flat seeds by the minimised set; regressions/ stays
	find "corpus/fuzz/$t" -maxdepth 1 -type f -delete
	cp "$FB/cmin-out/$t"/* "corpus/fuzz/$t/"
	echo "cmin $t: $n_in -> $n_out seeds"
}

run() {
	t=$1
	rm -rf "$FB/out/$t"
	mkdir -p "$FB/out"
	nice -n 5 afl-fuzz -V "$S" -i "corpus/fuzz/$t" -o "$FB/out/$t" \
	    -x "fuzz/$t.dict" -- "$FB/afl/fuzz_$t" >"$FB/out/$t.log" 2>&1 || true
}

stat() {
	f=$FB/out/$1/default/fuzzer_stats
	[ -f "$f" ] || { echo "$1: no stats"; return; }
	get() { sed -n "s/^$1 *: *//p" "$f"; }
	mkdir -p "$FB/findings/$1"
	cp "$FB/out/$1/default/crashes/"id* "$FB/out/$1/default/hangs/"id* \
	    "$FB/findings/$1/" 2>/dev/null || true
	printf '%-8s %6ss execs=%-10s execs/s=%-8s edges=%-6s cov=%-8s crashes=%s hangs=%s\n' \
	    "$1" "$(get run_time)" "$(get execs_done)" "$(get execs_per_sec)" \
	    "$(get edges_found)" "$(get bitmap_cvg)" "$(get saved_crashes)" \
	    "$(get saved_hangs)"
}

for t in $TARGETS; do
	cmin "$t"
done
set -- $TARGETS
while [ $# -gt 0 ]; do
	i=0
	while [ $i -lt "$JOBS" ] && [ $# -gt 0 ]; do
		run "$1" &
		shift
		i=$((i + 1))
	done
	wait
done
for t in $TARGETS; do
	stat "$t"
done | tee "$FB/campaign.txt"
