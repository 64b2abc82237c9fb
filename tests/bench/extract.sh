#!/bin/sh
# extract.sh BUILD_DIR - benchmark (not a timed test): eml-extract -a
# against ripMIME and munpack (mpack) over a Maildir made from
# ../shared/corpus, side by side in one run.  Each tool is run once per
# message (the way ripmime and munpack are used from procmail or a
# loop); eml-extract also once over the whole Maildir, which it reads as
# one input.  Prints the CPU time (user+sys of the tools, from the
# shell's `times`; wall time on a shared machine measures the neighbours)
# as the median of ROUNDS rounds, the tools alternating within each
# round, and peer/ours ratios.  Skips what is absent (the corpus, a
# peer: `sh mk/deps.sh bench`).  The files are written under TMPDIR: on
# ext4 after many deletions, allocating their inodes is most of the
# Maildir run and the same cost per file for every tool; TMPDIR=/dev/shm
# (tmpfs) leaves the tools' own work.
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

# cpu CMD: CPU seconds (user+sys) of the programs the shell string CMD
# runs, with a fresh output folder $OUT holding one empty folder per
# message (made beforehand, so mkdir is not counted).  The inner shell's
# `times` reports its children; its own loop is not counted.
cpu() {
	rm -rf "$T/out"
	mkdir "$T/out"
	(cd "$T/out" && seq 1 "$n" | xargs mkdir)
	OUT="$T/out" sh -c "$1 > /dev/null 2>&1; times" | awk '
	function s(t) { split(t, a, "m"); return a[1] * 60 + a[2] }
	NR == 2 { printf "%.4f\n", s($1) + s($2) }'
}
# median of the numbers in file $1
median() { sort -n "$1" | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }'; }
# every round's figure in file $1, for the spread (the machine is shared)
rounds() { tr '\n' ' ' < "$1" | sed 's/ $//'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }'; }

X="$B/eml-extract"
# per message: a folder of its own for each (as a delivery filter would)
loop() { echo "i=0; for f in '$T/md/cur'/*; do i=\$((i+1)); $1; done"; }
ours_loop=$(loop "'$X' -a -d \"\$OUT/\$i\" \"\$f\"")
ours_one="'$X' -a -d \"\$OUT\" '$T/md'"
rip_loop=$(loop "ripmime -i \"\$f\" -d \"\$OUT/\$i\" --no-paranoid")
mun_loop=$(loop "munpack -q -f -C \"\$OUT/\$i\" \"\$f\"")
has_rip=$(command -v ripmime > /dev/null && echo 1)
has_mun=$(command -v munpack > /dev/null && echo 1)

: > "$T/t.loop"; : > "$T/t.one"; : > "$T/t.rip"; : > "$T/t.mun"
r=0
while [ $r -lt "$ROUNDS" ]; do
	cpu "$ours_loop" >> "$T/t.loop"
	files=$(find "$T/out" -type f | wc -l)
	cpu "$ours_one" >> "$T/t.one"
	[ -n "$has_rip" ] && cpu "$rip_loop" >> "$T/t.rip"
	[ -n "$has_mun" ] && cpu "$mun_loop" >> "$T/t.mun"
	r=$((r + 1))
done
loop_s=$(median "$T/t.loop")
one_s=$(median "$T/t.one")

echo "extract bench: $n messages, $bytes bytes, CPU seconds (user+sys), median of $ROUNDS"
printf '  %-34s %8ss  (rounds: %s)\n' "eml-extract -a (once per message)" \
    "$loop_s" "$(rounds "$T/t.loop")"
printf '  %-34s %8ss  (rounds: %s)\n' "eml-extract -a (the Maildir)" \
    "$one_s" "$(rounds "$T/t.one")"
echo "  eml-extract wrote $files files (once per message)"
if [ -n "$has_rip" ]; then
	rip=$(median "$T/t.rip")
	printf '  %-34s %8ss  ripmime/ours %s (per message), %s (Maildir)  (rounds: %s)\n' \
	    "ripmime" "$rip" "$(ratio $rip $loop_s)" "$(ratio $rip $one_s)" \
	    "$(rounds "$T/t.rip")"
else
	echo "  ripmime: not installed (sh mk/deps.sh bench): skipped"
fi
if [ -n "$has_mun" ]; then
	mun=$(median "$T/t.mun")
	printf '  %-34s %8ss  munpack/ours %s (per message), %s (Maildir)  (rounds: %s)\n' \
	    "munpack" "$mun" "$(ratio $mun $loop_s)" "$(ratio $mun $one_s)" \
	    "$(rounds "$T/t.mun")"
else
	echo "  munpack: not installed (sh mk/deps.sh bench): skipped"
fi
