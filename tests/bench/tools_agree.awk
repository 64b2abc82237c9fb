# tools_agree.awk - compare mhdr -H output with eml-hdr's, message by
# message, and sort each difference into a class with its reason.
#
#   awk -f tools_agree.awk -v classes=OUT NOHDR MHDR EMLHDR
#
# NOHDR: file names eml-hdr warned "does not look like a message" about.
# MHDR, EMLHDR: "FILE<TAB>value" lines (eml-hdr's "FILE:" prefix already
# turned into a tab by the caller).  A line without a tab continues the
# previous value: mhdr prints a decoded LF as it is.  Prints the line
# and message counts and the classes with up to two examples each;
# writes "FILE<TAB>class" for every differing message to classes.
# Runs with LC_ALL=C, so the UTF-8 test below works on bytes.

function add(side, line,   t, f, v) {
	t = index(line, "\t")
	if (t == 0) {
		if (last[side] != "")
			val[side, last[side], cnt[side, last[side]]] = \
			    val[side, last[side], cnt[side, last[side]]] "\\n" line
		return
	}
	f = substr(line, 1, t - 1)
	v = substr(line, t + 1)
	if (!((f) in seen)) {
		seen[f] = 1
		order[++nf] = f
	}
	cnt[side, f]++
	val[side, f, cnt[side, f]] = v
	last[side] = f
	lines[side]++
}

function squeeze(s) {
	gsub(/[ \t]+/, " ", s)
	sub(/^ /, "", s)
	sub(/ $/, "", s)
	return s
}

function bad_utf8(s) {
	gsub(/[\302-\337][\200-\277]|[\340-\357][\200-\277][\200-\277]|[\360-\364][\200-\277][\200-\277][\200-\277]/, "", s)
	return s ~ /[\200-\377]/
}

# The reason one value differs; m is mhdr's, o is ours.
function why(m, o,   t) {
	if (squeeze(m) == squeeze(o))
		return "whitespace"
	if (index(o, "\\x") && !index(m, "\\x"))
		return "control"
	if (index(m, "=?") && !index(o, "=?"))
		return "undecoded"
	if (bad_utf8(m) && !bad_utf8(o))
		return "8bit"
	if (length(o) > length(m) && substr(o, 1, length(m)) == m)
		return "truncated"
	t = o
	gsub(/\\\\/, "\\", t)
	if (t == m)
		return "backslash"
	return "other"
}

FILENAME == ARGV[1] { nohdr[$0] = 1; next }
FILENAME == ARGV[2] { add("m", $0); next }
{ add("o", $0) }

END {
	desc["nohdr"] = "the file starts with lines that are not fields (lines of spaces: test junk in the corpus): eml-hdr reads no header (RFC 5322 2.2) and warns, mhdr skips the junk and reads the fields after it"
	desc["hdrend"] = "eml-hdr ends the header at the first line that is not a field (RFC 5322 2.2); mhdr reads on past it and finds more fields"
	desc["whitespace"] = "runs of white space (unfolding, or between encoded-words): eml-hdr squeezes and trims them, mhdr keeps them"
	desc["control"] = "a decoded control character (CR, LF...): eml-hdr shows it as \\xHH, mhdr prints the raw byte"
	desc["undecoded"] = "an encoded-word mhdr leaves as it is (a charset it cannot convert, e.g. ks_c_5601-1987, or a malformed word) and eml-hdr decodes"
	desc["8bit"] = "raw 8-bit bytes in an undeclared charset: mhdr passes them through (not UTF-8), eml-hdr converts them to UTF-8"
	desc["truncated"] = "a very long decoded value: mhdr cuts it short, eml-hdr prints it whole"
	desc["mhdrnone"] = "mhdr finds no such field, e.g. \"Subject :\" with white space before the colon (obsolete syntax, RFC 5322 4.5), which eml-hdr accepts"
	desc["backslash"] = "a backslash (a quoted-pair in a comment): eml-hdr prints it doubled, mhdr as it is"
	desc["count"] = "a different number of values for the same message"
	desc["other"] = "other (see the examples)"
	same = 0
	for (i = 1; i <= nf; i++) {
		f = order[i]
		nm = cnt["m", f] + 0
		no = cnt["o", f] + 0
		c = ""
		for (j = 1; j <= nm && j <= no; j++)
			if (val["m", f, j] == val["o", f, j])
				agree++
		if (nm == no) {
			for (j = 1; j <= nm; j++)
				if (val["m", f, j] != val["o", f, j]) {
					c = why(val["m", f, j], val["o", f, j])
					ex_m = val["m", f, j]
					ex_o = val["o", f, j]
					break
				}
		} else if (no == 0 && ((f) in nohdr)) {
			c = "nohdr"
			ex_m = val["m", f, 1]
			ex_o = "(nothing)"
		} else if (no < nm) {
			c = "hdrend"
			ex_m = val["m", f, nm]
			ex_o = "(" no " values)"
		} else if (nm == 0) {
			c = "mhdrnone"
			ex_m = "(nothing)"
			ex_o = val["o", f, 1]
	} else {
			c = "count"
			ex_m = "(" nm " values)"
			ex_o = "(" no " values)"
		}
		if (c == "") {
			same++
			continue
		}
		ncls[c]++
		if (ncls[c] <= 2)
			ex[c, ncls[c]] = f "\n        mhdr:    " substr(ex_m, 1, 90) \
			    "\n        eml-hdr: " substr(ex_o, 1, 90)
		print f "\t" c > classes
	}
	printf "  values: %d of %d mhdr lines and of %d eml-hdr lines identical (%.1f%%)\n", \
	    agree, lines["m"], lines["o"], lines["m"] ? 100 * agree / lines["m"] : 0
	printf "  messages: %d of %d with identical values\n", same, nf
	split("nohdr hdrend mhdrnone whitespace control backslash undecoded 8bit truncated count other", ord, " ")
	for (k = 1; k in ord; k++) {
		c = ord[k]
		if (!(c in ncls))
			continue
		printf "  %4d messages  %s: %s\n", ncls[c], c, desc[c]
		for (j = 1; j <= 2 && j <= ncls[c]; j++)
			printf "      e.g. %s\n", ex[c, j]
	}
}
