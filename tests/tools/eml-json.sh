#!/bin/sh
# eml-json: JSON Lines of corpus messages against corpus/tools/*.json;
# mbox, gzip, pipe, --pretty and error handling.
. "$(dirname "$0")/_lib.sh"
J="$B/eml-json"
C=corpus/tools

common_cli eml-json

for m in escape related latin1 truncated; do
	expect_out "json $m" "$C/$m.json" "$J" "$C/$m.eml"
done
expect_out "json mbox" "$C/three.json" "$J" "$C/three.mbox"
expect_out "json pretty" "$C/related.json-pretty" "$J" --pretty \
    "$C/related.eml"

gzip -c "$C/three.mbox" > "$T/three.mbox.gz"
expect_same "json gzip mbox" "$C/three.json" "$J" "$T/three.mbox.gz"
run sh -c "cat '$C/related.eml' | '$J'"
if [ $RC -eq 0 ] && cmp -s "$T/out" "$C/related.json"; then
	ok "json pipe"
else
	notok "json pipe (exit $RC)"
fi

# one line per message
run "$J" "$C/three.mbox" "$C/latin1.eml"
if [ $RC -eq 0 ] && [ "$(wc -l < "$T/out")" -eq 4 ]; then
	ok "json lines"
else
	notok "json lines (exit $RC)"
fi

# every line is valid JSON (only where a checker is installed)
if command -v python3 >/dev/null 2>&1; then
	cat "$C"/*.json > "$T/all"
	if python3 -c '
import json, sys
for line in open(sys.argv[1], encoding="utf-8"):
    if line.strip():
        json.loads(line)
' "$T/all" 2>"$T/err"; then
		ok "json valid"
	else
		notok "json valid"
		cat "$T/err"
	fi
	if python3 -c 'import json,sys; json.load(open(sys.argv[1]))' \
	    "$C/related.json-pretty"; then
		ok "json pretty valid"
	else
		notok "json pretty valid"
	fi
fi

expect_fail "json missing among good" 1 \
    "eml-json: $T/missing: No such file or directory" \
    "$J" "$C/latin1.eml" "$T/missing"
