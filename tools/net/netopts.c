/*
 * netopts.c - connection options shared by the network tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "../common.h"
#include "net/eml_fetch.h"
#include "netopts.h"

int
netopts_option(struct netopts *n, int c, const char *arg)
{
	char *e;
	double secs;

	switch (c) {
	case NO_URL:		n->url = arg; return 1;
	case NO_ACCOUNT:	n->account = arg; return 1;
	case NO_USER:		n->user = arg; return 1;
	case NO_PWFILE:		n->pwfile = arg; return 1;
	case NO_PWCMD:		n->pwcmd = arg; return 1;
	case NO_TOKCMD:		n->tokcmd = arg; return 1;
	case NO_AUTH:		n->auth = arg; return 1;
	case NO_CAFILE:		n->cafile = arg; return 1;
	case NO_INSECURE:	n->insecure = 1; return 1;
	case NO_NOTLS:		n->no_tls = 1; return 1;
	case NO_BIND:		n->bind = arg; return 1;
	case NO_ACCOUNTS_FILE:	n->accounts_file = arg; return 1;
	case NO_NETRC_FILE:	n->netrc_file = arg; return 1;
	case NO_CONNECT_TO:	n->connect_to = arg; return 1;
	case NO_FINGERPRINT:
		if (n->npins == sizeof(n->pins) / sizeof(n->pins[0]))
			tool_die(NULL, "too many --fingerprint options");
		if (strncasecmp(arg, "sha256:", 7) != 0)
			tool_die(NULL, "--fingerprint takes sha256:HEX (as "
			    "printed by -v)");
		n->pins[n->npins++] = arg;
		return 1;
	case NO_TIMEOUT:
		secs = strtod(arg, &e);
		if (*e != '\0' || !(secs > 0) || secs > 86400)
			tool_die(NULL, "--timeout takes seconds (0 < N <= "
			    "86400)");
		n->timeout_ms = (unsigned)(secs * 1000);
		return 1;
	}
	return 0;
}

static void
trace_fn(void *ctx, enum eml_trace_dir dir, int tls, const char *line,
    size_t len)
{
	static const char *const tag[2][3] = {
		{ "->", "<-", "***" }, { "~>", "<~", "***" }
	};
	struct eml_buf b = { 0 };

	(void)ctx;
	tool_escape(line, len, &b);	/* a server's bytes are untrusted */
	fprintf(stderr, "%s %s\n", tag[tls != 0][dir], b.data ? b.data : "");
	eml_buf_free(&b);
}

static int
secret_from(const char *what, int r)
{
	if (r >= 0)
		return 0;
	tool_warn(NULL, "cannot get the %s: %s", what, r == EML_EIO ?
	    "file unreadable or command failed" : r == EML_EFORMAT ?
	    "CR, LF or NUL inside" : eml_net_strerror(r));
	return EX_CONFIG;
}

int
netopts_resolve(struct netopts *n, enum eml_proto_kind proto,
    const char *from_addr)
{
	const char *url = n->url, *pwfile = n->pwfile, *pwcmd = n->pwcmd;
	const char *tokcmd = n->tokcmd;
	struct eml_autoconf ac;
	char buf[400];
	unsigned line = 0;
	int r;

	if (n->account != NULL) {
		r = eml_account_load(n->accounts_file, n->account, &n->acct,
		    &line);
		if (r < 0) {
			tool_warn(n->accounts_file ? n->accounts_file :
			    "accounts file", "line %u: %s", line, r ==
			    EML_EFORMAT ? "unknown key or bad value" :
			    eml_net_strerror(r));
			return EX_CONFIG;
		}
		if (r == 0) {
			tool_warn(NULL, "no account \"%s\" in %s", n->account,
			    n->accounts_file ? n->accounts_file :
			    "~/.config/emlkit/accounts");
			return EX_CONFIG;
		}
		n->have_acct = 1;
		if (url == NULL)
			url = n->acct.url;
		if (n->user == NULL)
			n->user = n->acct.user;
		if (pwfile == NULL && pwcmd == NULL && tokcmd == NULL) {
			pwfile = n->acct.password_file;
			pwcmd = n->acct.password_command;
			tokcmd = n->acct.token_command;
		}
		if (n->auth == NULL)
			n->auth = n->acct.auth;
		if (n->cafile == NULL)
			n->cafile = n->acct.cafile;
		if (n->npins == 0)
			for (; n->npins < n->acct.nfingerprints; n->npins++)
				n->pins[n->npins] =
				    n->acct.fingerprints[n->npins];
		n->no_tls |= n->acct.no_tls;
		n->from = n->acct.from;
	}
	if (url == NULL && proto == EML_P_SMTP && (from_addr != NULL ||
	    n->from != NULL)) {
		/* RFC 6186 / 8314 autoconfiguration */
		r = eml_autoconf_smtp(from_addr ? from_addr : n->from, NULL,
		    &ac);
		if (r <= 0) {
			tool_warn(NULL, "no --url, and no submission server "
			    "found for %s (no SRV record, not a known "
			    "provider)", from_addr ? from_addr : n->from);
			return EX_CONFIG;
		}
		snprintf(buf, sizeof(buf), "%s://%s:%u",
		    eml_url_scheme(EML_P_SMTP, ac.tls), ac.host, ac.port);
		if (n->verbose)
			fprintf(stderr, "*** %s from %s\n", buf, ac.source);
		url = buf;
	}
	if (url == NULL) {
		tool_warn(NULL, "no server: give --url or --account");
		return EX_USAGE;
	}
	r = eml_url_parse(url, &n->u);
	if (r < 0) {
		tool_warn(NULL, "%s: %s", url, r == EML_EINVAL ? "a password "
		    "in the URL is refused (use --password-file or "
		    "--password-command)" : "not a smtp://, smtps://, imap://, "
		    "imaps://, pop3:// or pop3s:// URL");
		return EX_USAGE;
	}
	if (n->u.proto != proto) {
		tool_warn(NULL, "%s: wrong scheme for this tool", url);
		return EX_USAGE;
	}
	if (n->no_tls) {
		if (n->u.tls == EML_TLS_IMPLICIT) {
			tool_warn(NULL, "--no-tls with an implicit-TLS URL");
			return EX_USAGE;
		}
		n->u.tls = EML_TLS_NONE;
	}
	if (n->user == NULL)
		n->user = n->u.user;
	n->login = n->user;
	if (tokcmd != NULL) {
		n->token = 1;
		if ((r = secret_from("token", eml_cred_command(tokcmd,
		    &n->secret))) != 0)
			return r;
	} else if (pwfile != NULL) {
		if ((r = secret_from("password", eml_cred_file(pwfile,
		    &n->secret))) != 0)
			return r;
	} else if (pwcmd != NULL) {
		if ((r = secret_from("password", eml_cred_command(pwcmd,
		    &n->secret))) != 0)
			return r;
	} else {
		char *nu = NULL, *np = NULL;

		r = eml_cred_netrc(n->netrc_file, n->u.host, n->user, &nu,
		    &np);
		if (r < 0)
			tool_warn(n->netrc_file ? n->netrc_file : "~/.netrc",
			    "unreadable or malformed; ignored");
		if (r == 1) {
			n->secret = np;
			if (n->user == NULL && nu != NULL)
				n->user = n->login = n->netrc_user = nu;
			else
				free(nu);
		}
	}
	if (n->secret != NULL && n->login == NULL) {
		tool_warn(NULL, "a password was given but no --user");
		return EX_USAGE;
	}
	if (n->login != NULL && n->secret == NULL) {
		tool_warn(NULL, "--user %s but no password: give "
		    "--password-file, --password-command, a ~/.netrc entry "
		    "or an --account", n->login);
		return EX_CONFIG;
	}
	if (n->insecure)
		fprintf(stderr, "%s: WARNING: --insecure: the server's "
		    "certificate is NOT checked; anyone on the path can read "
		    "and change this session\n", tool_name());
	n->trace.fn = trace_fn;
	n->co.cafile = n->cafile;
	n->co.pins = n->pins;
	n->co.npins = n->npins;
	n->co.insecure = n->insecure;
	n->co.bind_addr = n->bind;
	n->co.trace = n->verbose ? &n->trace : NULL;
	n->co.proto = proto;
	n->co.connect_host = n->connect_to;
	if (n->timeout_ms) {
		n->co.connect_timeout = n->timeout_ms;
		n->co.handshake_timeout = n->timeout_ms;
		n->co.io_timeout = n->timeout_ms;
	}
	return 0;
}

struct eml_conn *
netopts_connect(struct netopts *n, int *exit_r)
{
	struct eml_conn *c = eml_conn_new(&n->co);
	int r;

	if (c == NULL)
		tool_die(NULL, "out of memory");
	if ((r = eml_conn_open_url(c, &n->u)) < 0) {
		tool_warn(NULL, "%s", eml_conn_errmsg(c));
		*exit_r = eml_net_exitcode(r);
		eml_conn_free(c);
		return NULL;
	}
	*exit_r = 0;
	return c;
}

void
netopts_free(struct netopts *n)
{
	if (n->secret != NULL) {
		memset(n->secret, 0, strlen(n->secret));
		free(n->secret);
	}
	free(n->netrc_user);
	eml_url_free(&n->u);
	eml_account_free(&n->acct);
}

struct eml_conn *
netopts_connect_io(struct netopts *n, struct eml_conn_io *ci, int *exit_r)
{
	struct eml_conn *c = netopts_connect(n, exit_r);

	if (c != NULL)
		eml_conn_io_init(ci, c, n->verbose ? &n->trace : NULL);
	return c;
}

int
netopts_fail(struct eml_conn *conn, const char *msg, int r)
{
	const char *ce = conn != NULL ? eml_conn_errmsg(conn) : "";

	if ((r == EML_ETLS || r == EML_ETIMEOUT || r == EML_EIO) &&
	    ce != NULL && *ce)
		tool_warn(NULL, "%s (%s)", msg, ce);
	else
		tool_warn(NULL, "%s", msg);
	return eml_fetch_exitcode(r);
}

/* s with every byte outside [A-Za-z0-9_.-], and a leading '.', as %XX. */
static void
state_name(struct eml_buf *b, const char *s)
{
	const char *p;
	char h[4];

	for (p = s; *p; p++) {
		unsigned char c = (unsigned char)*p;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    (c >= '0' && c <= '9') || c == '_' || c == '-' ||
		    (c == '.' && p != s))
			eml_buf_addc(b, (char)c);
		else {
			snprintf(h, sizeof(h), "%%%02X", c);
			eml_buf_adds(b, h);
		}
	}
}

char *
netopts_state_path(const struct netopts *n, const char *proto,
    const char *mailbox)
{
	const char *base = getenv("XDG_STATE_HOME"), *home = getenv("HOME");
	struct eml_buf b = { 0 };
	char port[16];

	if (base != NULL && *base)
		eml_buf_adds(&b, base);
	else if (home != NULL && *home) {
		eml_buf_adds(&b, home);
		eml_buf_adds(&b, "/.local/state");
	} else
		return NULL;
	mkdir(b.data, 0700);
	eml_buf_adds(&b, "/emlkit");
	mkdir(b.data, 0700);
	eml_buf_addc(&b, '/');
	eml_buf_adds(&b, proto);
	mkdir(b.data, 0700);
	eml_buf_addc(&b, '/');
	state_name(&b, n->login != NULL ? n->login : "");
	snprintf(port, sizeof(port), ":%u", n->u.port);
	eml_buf_addc(&b, '@');
	eml_buf_adds(&b, n->u.host);
	eml_buf_adds(&b, port);
	if (mailbox != NULL) {
		mkdir(b.data, 0700);
		eml_buf_addc(&b, '/');
		state_name(&b, mailbox);
	}
	return eml_buf_steal(&b);
}

#define FO_JSON		0x280
#define FO_TO		0x281
#define FO_STATE	0x282
#define OWN_MAX		24

const char *
fetchopts_parse(int argc, char **argv, const char *usage,
    const struct option *own, int (*take)(void *ctx, int c, const char *arg),
    void *ctx, const char *const *cmds, struct netopts *n,
    struct fetchopts *f)
{
	static const struct option shared[] = {
		NETOPTS_LONG,
		{ "json", no_argument, NULL, FO_JSON },
		{ "to", required_argument, NULL, FO_TO },
		{ "state", required_argument, NULL, FO_STATE },
		{ "help", no_argument, NULL, TOOL_OPT_HELP },
		{ "version", no_argument, NULL, TOOL_OPT_VERSION },
	};
	enum { NSHARED = sizeof(shared) / sizeof(shared[0]) };
	struct option lo[NSHARED + OWN_MAX + 1];
	size_t i, k = 0;
	int c;

	memcpy(lo, shared, sizeof(shared));
	for (; own != NULL && own[k].name != NULL; k++) {
		if (k == OWN_MAX)
			abort();	/* the tool's table, not the user */
		lo[NSHARED + k] = own[k];
	}
	memset(&lo[NSHARED + k], 0, sizeof(lo[0]));
	while ((c = getopt_long(argc, argv, "v", lo, NULL)) != -1) {
		if (netopts_option(n, c, optarg))
			continue;
		switch (c) {
		case 'v': n->verbose = 1; continue;
		case FO_JSON: f->json = 1; continue;
		case FO_TO: f->to = optarg; continue;
		case FO_STATE: f->state = optarg; continue;
		case TOOL_OPT_HELP: tool_usage_exit(usage, 0);
		case TOOL_OPT_VERSION: tool_version_exit();
		}
		for (i = 0; i < k; i++)
			if (c == own[i].val)
				break;
		if (i == k || !take(ctx, c, optarg))
			tool_usage_exit(usage, EX_USAGE);
	}
	if (optind + 1 != argc)
		tool_usage_exit(usage, EX_USAGE);
	for (i = 0; cmds[i] != NULL; i++)
		if (strcmp(argv[optind], cmds[i]) == 0)
			return cmds[i];
	tool_usage_exit(usage, EX_USAGE);
}

void
fetchopts_check(const struct fetchopts *f, const char *cmd,
    const char *usage)
{
	if (strcmp(cmd, "fetch") == 0 && f->to == NULL) {
		tool_warn(NULL, "fetch needs --to MAILDIR|MBOX|-");
		tool_usage_exit(usage, EX_USAGE);
	}
	if (f->json && f->to != NULL && strcmp(f->to, "-") == 0) {
		tool_warn(NULL, "--json and --to - both want stdout");
		tool_usage_exit(usage, EX_USAGE);
	}
}
