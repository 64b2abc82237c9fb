#!/bin/sh
# deps.sh - check what emlkit needs to build and test; install it with
# apt-get when running as root, else print the command and fail.
#
# usage: sh mk/deps.sh [bench] [fuzz] [clang]
#   bench   also GMime (only the comparison benchmark links it)
#   fuzz    also AFL++ and clang
#   clang   also clang (CI's second compiler)
#
# For testing this script:
#   EML_DEPS_PRETEND_MISSING="zlib check"  treat these checks as failed
#   EML_DEPS_DRYRUN=1                      print the apt-get line, run nothing
#
# Package names are Debian 12 (bookworm) ones.
set -u

missing_pkgs=""
missing_what=""
groups=""
for arg in "$@"; do
	case $arg in
	bench|fuzz|clang) groups="$groups $arg" ;;
	*) echo "usage: sh mk/deps.sh [bench] [fuzz] [clang]" >&2; exit 2 ;;
	esac
done

pretend() {
	case " ${EML_DEPS_PRETEND_MISSING:-} " in
	*" $1 "*) return 0 ;;
	esac
	return 1
}

have_cmd() {
	command -v "$1" >/dev/null 2>&1
}

have_pc() {
	have_cmd pkg-config && pkg-config --exists "$1" 2>/dev/null
}

# glibc's iconv needs no library, only the header: compile and link a
# tiny program that uses it.
have_iconv() {
	have_cmd cc || return 1
	tmp=$(mktemp -d 2>/dev/null || echo /tmp/emldeps.$$)
	mkdir -p "$tmp"
	cat > "$tmp/t.c" <<'EOF'
#include <iconv.h>
int
main(void)
{
	iconv_t cd = iconv_open("UTF-8", "ISO-8859-1");

	if (cd == (iconv_t)-1)
		return 1;
	iconv_close(cd);
	return 0;
}
EOF
	cc -o "$tmp/t" "$tmp/t.c" >/dev/null 2>&1 && "$tmp/t"
	rc=$?
	rm -rf "$tmp"
	return $rc
}

# need WHAT PACKAGE TEST...: record PACKAGE when the test fails.
need() {
	what=$1 pkg=$2
	shift 2
	if pretend "$what" || ! "$@"; then
		case " $missing_pkgs " in
		*" $pkg "*) ;;
		*) missing_pkgs="${missing_pkgs:+$missing_pkgs }$pkg" ;;
		esac
		missing_what="${missing_what:+$missing_what }$what"
	fi
}

check_all() {
	missing_pkgs=""
	missing_what=""
	need cc gcc have_cmd cc
	need libc libc6-dev have_iconv
	need make make have_cmd make
	need pkg-config pkg-config have_cmd pkg-config
	need zlib zlib1g-dev have_pc zlib
	need check check have_pc check
	# Debian's check.pc links -lsubunit.
	need subunit libsubunit-dev have_pc libsubunit
	need pcre2 libpcre2-dev have_pc libpcre2-8
	need openssl libssl-dev have_pc openssl
	# docs/cookbook.md's parallel export (tests/tools/cookbook.sh)
	need parallel parallel have_cmd parallel
	case $groups in
	*bench*) need gmime libgmime-3.0-dev have_pc gmime-3.0 ;;
	esac
	# net benchmark: eml-smtp against msmtp
	case $groups in
	*bench*) need msmtp msmtp have_cmd msmtp ;;
	esac
	# net benchmark: eml-imap against mbsync and fetchmail
	case $groups in
	*bench*)
		need mbsync isync have_cmd mbsync
		need fetchmail fetchmail have_cmd fetchmail
		;;
	esac
	# tools benchmark: eml-hdr and eml-grep against mblaze (tests/bench/tools.sh)
	case $groups in
	*bench*) need mblaze mblaze have_cmd mhdr ;;
	esac
	# extract benchmark: eml-extract against ripMIME and munpack
	case $groups in
	*bench*)
		need ripmime ripmime have_cmd ripmime
		need munpack mpack have_cmd munpack
		;;
	esac
	case $groups in
	*fuzz*)
		need afl++ afl++ have_cmd afl-fuzz
		need clang clang have_cmd clang
		;;
	*clang*) need clang clang have_cmd clang ;;
	esac
}

# Network tests: Dovecot and Postfix for tests/servers/, installed with
# their init scripts kept from starting the system daemons; root only
# (the tests say "skipped" otherwise).
if [ "$(id -u)" = 0 ] && [ -z "${EML_DEPS_DRYRUN:-}" ] && have_cmd apt-get &&
    [ -z "${EML_DEPS_PRETEND_MISSING:-}" ]; then
	sh "$(dirname "$0")/../tests/servers/install.sh" ||
		echo "deps: test mail servers not installed" >&2
fi

check_all
if [ -z "$missing_pkgs" ]; then
	echo "deps: ok${groups:+ (with$groups)}"
	exit 0
fi

line="apt-get install -y --no-install-recommends $missing_pkgs"
echo "deps: missing: $missing_what" >&2
if [ -n "${EML_DEPS_DRYRUN:-}" ]; then
	echo "$line"
	exit 1
fi
if [ "$(id -u)" != 0 ] || ! have_cmd apt-get; then
	if have_cmd apt-get; then
		echo "deps: install them as root (Debian/Ubuntu), then re-run:" >&2
		echo "sudo $line" >&2
	else
		echo "deps: no apt-get here; install the equivalents of:" \
		    "$missing_pkgs" >&2
	fi
	exit 1
fi

export DEBIAN_FRONTEND=noninteractive
# Fetch the package lists only when there are none or the install fails
# for want of fresh ones.
if ! ls /var/lib/apt/lists/*_Packages* >/dev/null 2>&1; then
	echo "deps: apt-get update" >&2
	apt-get update -q >&2 || exit 1
fi
echo "deps: $line" >&2
if ! $line >&2; then
	echo "deps: apt-get update" >&2
	apt-get update -q >&2 && $line >&2 || exit 1
fi
if [ -n "${EML_DEPS_PRETEND_MISSING:-}" ]; then
	exit 0
fi
check_all
if [ -n "$missing_pkgs" ]; then
	echo "deps: still missing after install: $missing_what" >&2
	exit 1
fi
echo "deps: ok${groups:+ (with$groups)}"
