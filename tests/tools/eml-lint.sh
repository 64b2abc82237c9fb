# eml-lint: every code fires on its corpus/diag message at its line; exit
# codes; -W / -Wno / --strict; JSON Lines; SARIF 2.1.0 structure; lines
# counted from the start of an mbox; Maildir and many files; Landlock
# confinement; docs/lint-codes.md generated from the code table.
. tests/tools/_lib.sh
L=$B/eml-lint
J=$B/tests/tools/jget
D=corpus/diag

# the CLI basics (an unreadable input is exit 2 for eml-lint)
run "$L" --help
[ $RC -eq 0 ] && head -1 "$T/out" | grep -q '^usage: eml-lint' &&
    grep -q -e --sarif "$T/out" && ok "--help" || notok "--help"
run "$L" --version
[ $RC -eq 0 ] && grep -q '^eml-lint (emlkit) ' "$T/out" && ok "--version" ||
    notok "--version"
expect_fail "bad option" 2 "" "$L" --no-such-option
expect_fail "unknown -W code" 2 \
    'eml-lint: -W: no code named "bogus" (--list shows them)' \
    "$L" -Wbogus "$D/from-missing.eml"
expect_fail "unknown -Wno- code" 2 \
    'eml-lint: -W: no code named "bogus" (--list shows them)' \
    "$L" -Wno-bogus "$D/from-missing.eml"
expect_fail "missing file: exit 2" 2 \
    "eml-lint: $T/nonexistent.eml: No such file or directory" \
    "$L" "$T/nonexistent.eml"

# each code of the table with a corpus/diag message fires there, at the
# line of its .line file, in the documented format
n=0 bad=
for f in $D/*.eml; do
	c=${f##*/}
	c=${c%.eml}
	# limit codes need the parser limits of NAME.opts (check_diag.c)
	[ -f "$D/$c.opts" ] && continue
	l=$(cat "$D/$c.line")
	"$L" "$f" >"$T/o" 2>&1
	grep -q "^$f:$l: [a-z]*: .* \[$c\]\$" "$T/o" || bad="$bad $c@$l"
	n=$((n + 1))
done
[ -z "$bad" ] && [ $n -ge 45 ] && ok "each corpus/diag code at its line ($n)" ||
    notok "each corpus/diag code at its line:$bad"

# a clean message: no output, exit 0
cat >"$T/clean.eml" <<'M'
From: Alice <alice@example.com>
To: Bob <bob@example.com>
Subject: clean
Date: Mon, 1 Jan 2001 12:00:00 +0000
Message-ID: <clean@example.com>
MIME-Version: 1.0
Content-Type: text/plain; charset=us-ascii

nothing to see
M
run "$L" "$T/clean.eml"
[ $RC -eq 0 ] && [ ! -s "$T/out" ] && ok "clean: exit 0, no output" ||
    notok "clean: exit 0, no output (exit $RC)"
# error level: exit 1; warning only: 0, with --strict 1; info never
run "$L" "$D/from-missing.eml"
[ $RC -eq 1 ] && ok "error: exit 1" || notok "error: exit 1 (exit $RC)"
run "$L" "$D/msgid-missing.eml"
[ $RC -eq 0 ] && grep -q ': warning: .*\[msgid-missing\]$' "$T/out" &&
    ok "warning: exit 0" || notok "warning: exit 0 (exit $RC)"
run "$L" --strict "$D/msgid-missing.eml"
[ $RC -eq 1 ] && grep -q ': error: .*\[msgid-missing\]$' "$T/out" &&
    ok "--strict: warning is an error" || notok "--strict (exit $RC)"
run "$L" --strict "$D/subject-missing.eml"
[ $RC -eq 0 ] && grep -q ': info: ' "$T/out" && ok "--strict: info is not" ||
    notok "--strict: info is not (exit $RC)"
run "$L" -W subject-missing "$D/subject-missing.eml"
[ $RC -eq 1 ] && grep -q ': error: .*\[subject-missing\]$' "$T/out" &&
    ok "-W code: counts as an error" || notok "-W code (exit $RC)"
run "$L" -Wno-from-missing "$D/from-missing.eml"
[ $RC -eq 0 ] && ! grep -q 'from-missing' "$T/out" &&
    ok "-Wno-code: not reported" || notok "-Wno-code (exit $RC)"
run "$L" -Wno-msgid-missing --strict "$D/msgid-missing.eml"
[ $RC -eq 0 ] && [ ! -s "$T/out" ] && ok "-Wno-code with --strict" ||
    notok "-Wno-code with --strict (exit $RC)"

# JSON Lines: one valid object per finding, with the documented keys
run "$L" --json "$D/header-duplicate.eml" "$D/boundary-prefix.eml"
if [ $RC -eq 1 ] && [ "$(wc -l <"$T/out")" -eq 2 ] &&
    [ "$("$J" .code <"$T/out" | tr '\n' ' ')" = "header-duplicate boundary-prefix " ] &&
    [ "$("$J" .line <"$T/out" | tr '\n' ' ')" = "6 10 " ] &&
    [ "$("$J" .level <"$T/out" | tr '\n' ' ')" = "error error " ] &&
    [ "$("$J" .section <"$T/out" | tr '\n' ' ')" = " 1 " ] &&
    [ "$("$J" .file <"$T/out" | sed -n 1p)" = "$D/header-duplicate.eml" ]; then
	ok "--json"
else
	notok "--json (exit $RC)"
	cat "$T/out"
fi

# SARIF 2.1.0: the required properties (sarifLog version and runs, one
# run with tool.driver.name, rules with id, results with message.text,
# a level of the enum, ruleId/ruleIndex naming the same rule, and
# physicalLocation artifactLocation.uri and region.startLine >= 1)
run "$L" --sarif "$D/from-missing.eml" "$D/boundary-in-content.eml" "$T/clean.eml"
cp "$T/out" "$T/s.json"
sv() { "$J" "$1" <"$T/s.json"; }
sarif_ok=1
[ $RC -eq 1 ] || sarif_ok=0
"$J" . <"$T/s.json" >/dev/null || sarif_ok=0
[ "$(sv .version)" = 2.1.0 ] || sarif_ok=0
[ "$(sv '.$schema')" != null ] || sarif_ok=0
[ "$(sv .runs[1])" = null ] || sarif_ok=0
[ "$(sv .runs[0].tool.driver.name)" = eml-lint ] || sarif_ok=0
ncodes=$("$L" --list | wc -l)
i=0
while [ $i -lt "$ncodes" ]; do
	[ "$(sv ".runs[0].tool.driver.rules[$i].id")" != null ] &&
	    [ "$(sv ".runs[0].tool.driver.rules[$i].shortDescription.text")" != null ] &&
	    [ "$(sv ".runs[0].tool.driver.rules[$i].help.text")" != null ] ||
	    { sarif_ok=0; echo "rule $i"; }
	i=$((i + 1))
done
[ "$(sv ".runs[0].tool.driver.rules[$ncodes]")" = null ] || sarif_ok=0
got=
i=0
while [ "$(sv ".runs[0].results[$i]")" != null ]; do
	r=".runs[0].results[$i]"
	id=$(sv "$r.ruleId")
	ix=$(sv "$r.ruleIndex")
	[ "$(sv ".runs[0].tool.driver.rules[$ix].id")" = "$id" ] || sarif_ok=0
	case $(sv "$r.level") in error|warning|note|none) ;; *) sarif_ok=0 ;; esac
	[ "$(sv "$r.message.text")" != null ] || sarif_ok=0
	u=$(sv "$r.locations[0].physicalLocation.artifactLocation.uri")
	sl=$(sv "$r.locations[0].physicalLocation.region.startLine")
	[ "$sl" -ge 1 ] 2>/dev/null || sarif_ok=0
	got="$got $id@$u:$sl"
	i=$((i + 1))
done
want=" from-missing@$D/from-missing.eml:5 boundary-in-content@$D/boundary-in-content.eml:13"
[ "$got" = "$want" ] || { sarif_ok=0; echo "got [$got]"; }
[ $sarif_ok -eq 1 ] && ok "--sarif: SARIF 2.1.0 structure" ||
    notok "--sarif: SARIF 2.1.0 structure"
# a name that is not a plain path is percent-encoded in the URI
cp "$D/from-missing.eml" "$T/a b%.eml"
"$L" --sarif "$T/a b%.eml" | "$J" '.runs[0].results[0].locations[0].physicalLocation.artifactLocation.uri' >"$T/u"
grep -q 'a%20b%25\.eml$' "$T/u" && ok "--sarif: uri percent-encoded" ||
    notok "--sarif: uri percent-encoded ($(cat "$T/u"))"
run "$L" --sarif "$T/clean.eml"
[ $RC -eq 0 ] && [ "$("$J" .runs[0].results[0] <"$T/out")" = null ] &&
    ok "--sarif: clean, no results" || notok "--sarif: clean (exit $RC)"

# an mbox: lines from the start of the file; unquoted From lines found
{
	echo "From a@example.com Mon Jan  1 12:00:00 2001"
	cat "$T/clean.eml"
	echo
	echo "From b@example.com Mon Jan  1 12:00:00 2001"
	cat "$D/from-missing.eml"
	echo "unquoted:"
	echo "From here on"
	echo ">From here on, quoted"
	echo
} >"$T/box"
run "$L" "$T/box"
# message 2 starts at line 12 (From_ line), its blank line is line 17
if [ $RC -eq 1 ] && grep -qx "$T/box:17: error: no From field (RFC 5322 3.6 requires one) \[from-missing\]" "$T/out" &&
    grep -q "^$T/box:20: info: .*\[mbox-from-unquoted\]\$" "$T/out" &&
    [ "$(wc -l <"$T/out")" -eq 2 ]; then
	ok "mbox: lines from the start of the file"
else
	notok "mbox: lines from the start of the file (exit $RC)"
	cat "$T/out"
fi
run "$L" --json "$T/box"
[ "$("$J" .message <"$T/out" | tr '\n' ' ')" = "2 2 " ] &&
    ok "mbox: --json message index" || notok "mbox: --json message index"

# a Maildir and many files
mkdir -p "$T/md/cur" "$T/md/new" "$T/md/tmp"
cp "$T/clean.eml" "$T/md/cur/1.x:2,S"
cp "$D/date-missing.eml" "$T/md/new/2.x"
run "$L" "$T/md" "$D/subject-missing.eml"
[ $RC -eq 1 ] && grep -q "^$T/md/new/2.x:5: error: .*\[date-missing\]\$" "$T/out" &&
    grep -q "^$D/subject-missing.eml:5: info: .*\[subject-missing\]\$" "$T/out" &&
    [ "$(wc -l <"$T/out")" -eq 2 ] && ok "Maildir and files" ||
    { notok "Maildir and files (exit $RC)"; cat "$T/out"; }
# stdin
run sh -c "\"$L\" < \"$D/date-missing.eml\""
[ $RC -eq 1 ] && grep -q ':5: error: .*\[date-missing\]$' "$T/out" &&
    ok "stdin" || notok "stdin (exit $RC)"
# a chunked pipe gives what the file gives
"$L" "$D/body-line-long.eml" | sed 's/^[^:]*://' >"$T/f1"
run sh -c "cat \"$D/body-line-long.eml\" | dd bs=7 2>/dev/null | \"$L\" | sed 's/^[^:]*://'"
cmp -s "$T/out" "$T/f1" && ok "pipe = file" || notok "pipe = file"

# confined as a read-only tool: no writes, no exec, no network
mkdir -p "$T/wd"
EML_SANDBOX_PROBE="$T/wd/written" run "$L" "$D/from-missing.eml"
if grep -qxF "eml-lint: sandbox probe: create $T/wd/written: Permission denied" "$T/err" ||
    ! grep -q 'sandbox probe' "$T/err"; then
	grep -q 'sandbox probe' "$T/err" && ok "confined: no writes" ||
	    echo "ok - confined: skipped (no Landlock)"
else
	notok "confined: no writes"
	cat "$T/err"
fi
grep -q "exec /bin/true: allowed" "$T/err" && notok "confined: no exec" ||
    ok "confined: no exec"
[ $RC -eq 1 ] && grep -q 'from-missing' "$T/out" && ok "works confined" ||
    notok "works confined (exit $RC)"
EML_SANDBOX_PROBE="$T/wd/written" run "$L" --no-sandbox "$D/from-missing.eml"
grep -qxF "eml-lint: sandbox probe: create $T/wd/written: allowed" "$T/err" &&
    ok "--no-sandbox" || notok "--no-sandbox"

# docs/lint-codes.md is generated from the code table and corpus/diag:
# it cannot drift (UPDATE=1 rewrites it)
gen_codes() {
	echo "# eml-lint codes"
	echo
	echo "Generated by tests/tools/eml-lint.sh from \`eml-lint --list\` (lib/diag.c)"
	echo "and corpus/diag/: do not edit; run \`UPDATE=1 make test-tools\`."
	echo "Severity crit is printed as \`error\`, warn as \`warning\`; each message"
	echo "below is a test: eml-lint reports the code at the line given."
	echo "docs/LENIENCY.md says what the parser does with each."
	"$L" --list | while IFS='	' read -r c sev text; do
		echo
		echo "## \`$c\` ($sev)"
		echo
		echo "$text."
		echo
		if [ -f "$D/$c.eml" ]; then
			echo "\`corpus/diag/$c.eml\`, reported at line $(cat "$D/$c.line"):"
			echo
			echo '```'
			cat -v "$D/$c.eml" | head -n 24 | cut -c1-100
			[ "$(wc -l <"$D/$c.eml")" -gt 24 ] && echo "[...]"
			echo '```'
		else
			echo "No message in corpus/diag yet."
		fi
	done
}
gen_codes >"$T/codes.md"
[ -n "$UPDATE" ] && cp "$T/codes.md" docs/lint-codes.md
cmp -s "$T/codes.md" docs/lint-codes.md && ok "docs/lint-codes.md up to date" ||
    { notok "docs/lint-codes.md up to date"; diff -u docs/lint-codes.md "$T/codes.md" | head -20; }
# and the man page names every code's list and every option
m=1
for o in 'Fl -json' 'Fl -sarif' 'Fl -strict' 'Fl W' 'Fl Wno-' 'Fl -list' \
    lint-codes.md; do
	grep -q -e "$o" docs/eml-lint.1 || { m=0; echo "no $o"; }
done
[ $m -eq 1 ] && ok "eml-lint.1 options" || notok "eml-lint.1 options"
grep -q '^\.Sh EXAMPLES' docs/eml-lint.1 && ok "eml-lint.1 EXAMPLES" ||
    notok "eml-lint.1 EXAMPLES"
