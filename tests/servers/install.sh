#!/bin/sh
# install.sh - install the Debian packages the test mail servers need,
# without letting their maintainer scripts start the system-wide daemons
# (policy-rc.d exit 101) and with Postfix unconfigured ("No configuration",
# so /etc/postfix is not used).  Root only; a no-op when all are present.
#
#   install.sh [--check]    --check: exit 1 if any is missing, install nothing
#   EML_TEST_SERVER_PKGS    overrides the package list
set -u
PKGS=${EML_TEST_SERVER_PKGS:-"dovecot-core dovecot-imapd dovecot-pop3d dovecot-lmtpd postfix openssl"}
miss=""
for p in $PKGS; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null |
		grep -q "install ok installed" || miss="$miss $p"
done
[ -z "$miss" ] && exit 0
[ "${1:-}" = --check ] && { echo "missing:$miss"; exit 1; }
if [ "$(id -u)" != 0 ]; then
	echo "servers: missing packages:$miss (run as root to install)" >&2
	exit 1
fi
echo "servers: installing:$miss" >&2
made_policy=0
if [ ! -e /usr/sbin/policy-rc.d ]; then
	printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
	chmod 755 /usr/sbin/policy-rc.d
	made_policy=1
fi
echo "postfix postfix/main_mailer_type select No configuration" |
	debconf-set-selections
export DEBIAN_FRONTEND=noninteractive
rc=0
# shellcheck disable=SC2086
apt-get install -y -q --no-install-recommends $miss >&2 ||
	{ apt-get update -q >&2 &&
	  apt-get install -y -q --no-install-recommends $miss >&2; } || rc=$?
[ $made_policy = 1 ] && rm -f /usr/sbin/policy-rc.d
exit $rc
