#!/bin/sh
# extract.sh BUILD_DIR - benchmark (not a timed test): eml-extract -a
# against ripMIME and munpack (mpack) over a Maildir made from
# ../shared/corpus, side by side in one run, best of ROUNDS.  Each tool
# is run once per message (the way ripmime and munpack are used from
# procmail or a loop); eml-extract also once over the whole Maildir,
# which it reads as one input.  Prints seconds and peer/ours ratios.
# Skips what is absent (the corpus, a peer: `sh mk/deps.sh bench`).
B=${1:?usage: extract.sh BUILD_DIR}
ROUNDS=${ROUNDS:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
corpus=$root/../shared/corpus
[ -d "$corpus" ] || { echo "extract bench: no ../shared/corpus: skipped"; exit 0; }
T=$(mktemp -d "${TMPDIR:-/tmp}/emlbx.XXXXXX") || exit 2
trap 'rm -rf "$T"' EXIT
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
i=0
find "$corpus" -name '*.eml' -type f | sort | while read -r f; do
	i=$((i + 1))
	cp "$f" "$T/md/cur/$i.bench:2,S"
done
n=$(ls "$T/md/cur" | wc -l)
bytes=$(cat "$T/md/cur"/* | wc -c)

now() { date +%s%N; }
# best NAME CMD: best wall time of ROUNDS runs of CMD (a shell string run
# with a fresh output folder $OUT), in ns
best() {
	_best=
	_r=0
	while [ $_r -lt "$ROUNDS" ]; do
		rm -rf "$T/out"
		mkdir "$T/out"
		_t0=$(now)
		OUT="$T/out" sh -c "$1" > /dev/null 2>&1
		_t1=$(now)
		_d=$((_t1 - _t0))
		if [ -z "$_best" ] || [ $_d -lt $_best ]; then _best=$_d; fi
		_r=$((_r + 1))
	done
	echo $_best
}
secs() { awk -v n="$1" 'BEGIN { printf "%.3f", n / 1e9 }'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

X="$B/eml-extract"
echo "extract bench: $n messages, $bytes bytes, best of $ROUNDS"
# per message: a folder of its own for each (as a delivery filter would)
loop() { echo "i=0; for f in '$T/md/cur'/*; do i=\$((i+1)); mkdir \"\$OUT/\$i\"; $1; done"; }
ours_loop=$(best "$(loop "'$X' -a -d \"\$OUT/\$i\" \"\$f\"")")
ours_one=$(best "'$X' -a -d \"\$OUT\" '$T/md'")
printf '  %-34s %8ss\n' "eml-extract -a (once per message)" "$(secs $ours_loop)"
printf '  %-34s %8ss\n' "eml-extract -a (the Maildir)" "$(secs $ours_one)"
files=$(find "$T/out" -type f | wc -l)
echo "  eml-extract wrote $files files"
if command -v ripmime > /dev/null; then
	rip=$(best "$(loop "ripmime -i \"\$f\" -d \"\$OUT/\$i\" --no-paranoid")")
	printf '  %-34s %8ss  ripmime/ours %s (per message), %s (Maildir)\n' \
	    "ripmime" "$(secs $rip)" "$(ratio $rip $ours_loop)" \
	    "$(ratio $rip $ours_one)"
else
	echo "  ripmime: not installed (sh mk/deps.sh bench): skipped"
fi
if command -v munpack > /dev/null; then
	mun=$(best "$(loop "munpack -q -f -C \"\$OUT/\$i\" \"\$f\"")")
	printf '  %-34s %8ss  munpack/ours %s (per message), %s (Maildir)\n' \
	    "munpack" "$(secs $mun)" "$(ratio $mun $ours_loop)" \
	    "$(ratio $mun $ours_one)"
else
	echo "  munpack: not installed (sh mk/deps.sh bench): skipped"
fi
