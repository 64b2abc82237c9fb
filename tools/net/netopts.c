/*
 * netopts.c - connection options shared by the network tools.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "../common.h"
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
