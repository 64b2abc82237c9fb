/*
 * netopts.h - the connection options eml-smtp, eml-imap and eml-pop3
 * share: URL or account, user and credentials (never on the command
 * line), TLS options, -v trace, timeouts.  Tool side: may print, exit.
 */
#ifndef TOOLS_NETOPTS_H
#define TOOLS_NETOPTS_H

#include <getopt.h>

#include "net/eml_net.h"

enum {
	NO_URL = 0x200, NO_ACCOUNT, NO_USER, NO_PWFILE, NO_PWCMD, NO_TOKCMD,
	NO_AUTH, NO_CAFILE, NO_FINGERPRINT, NO_INSECURE, NO_NOTLS,
	NO_TIMEOUT, NO_BIND, NO_ACCOUNTS_FILE, NO_NETRC_FILE, NO_CONNECT_TO
};

/* Entries for a getopt_long table (then -v is the tool's own). */
#define NETOPTS_LONG \
	{ "url", required_argument, NULL, NO_URL }, \
	{ "account", required_argument, NULL, NO_ACCOUNT }, \
	{ "user", required_argument, NULL, NO_USER }, \
	{ "password-file", required_argument, NULL, NO_PWFILE }, \
	{ "password-command", required_argument, NULL, NO_PWCMD }, \
	{ "passwordeval", required_argument, NULL, NO_PWCMD }, \
	{ "token-command", required_argument, NULL, NO_TOKCMD }, \
	{ "auth", required_argument, NULL, NO_AUTH }, \
	{ "cafile", required_argument, NULL, NO_CAFILE }, \
	{ "fingerprint", required_argument, NULL, NO_FINGERPRINT }, \
	{ "insecure", no_argument, NULL, NO_INSECURE }, \
	{ "no-tls", no_argument, NULL, NO_NOTLS }, \
	{ "timeout", required_argument, NULL, NO_TIMEOUT }, \
	{ "bind", required_argument, NULL, NO_BIND }, \
	{ "accounts-file", required_argument, NULL, NO_ACCOUNTS_FILE }, \
	{ "netrc-file", required_argument, NULL, NO_NETRC_FILE }, \
	{ "connect-to", required_argument, NULL, NO_CONNECT_TO }

#define NETOPTS_USAGE \
	"    [--url URL | --account NAME] [--user U]\n" \
	"    [--password-file F | --password-command CMD | --token-command CMD]\n" \
	"    [--auth MECH] [--cafile F] [--fingerprint sha256:HEX]... [--insecure]\n" \
	"    [--no-tls] [--timeout SECS] [--bind ADDR] [--connect-to HOST] [-v]\n"

struct netopts {
	const char *url, *account, *user, *pwfile, *pwcmd, *tokcmd, *auth;
	const char *cafile, *bind, *accounts_file, *netrc_file, *connect_to;
	const char *pins[16];
	size_t npins;
	int no_tls, insecure, verbose;
	unsigned timeout_ms;
	/* filled by netopts_resolve */
	struct eml_account acct;
	int have_acct;
	struct eml_url u;
	char *secret;		/* password or token; NULL: no AUTH */
	const char *login;	/* user name to log in as, or NULL */
	int token;
	const char *from;	/* the account's from address, or NULL */
	char *netrc_user;	/* owned copy when the user came from netrc */
	struct eml_trace trace;
	struct eml_conn_opts co;
};

/* Take option c (one of NO_*); 1 taken, 0 not ours. */
int netopts_option(struct netopts *n, int c, const char *arg);
/* Resolve account, URL (or autoconfiguration from from_addr for SMTP),
 * user and secret.  Prints what is wrong and returns a sysexits code, or
 * 0. */
int netopts_resolve(struct netopts *n, enum eml_proto_kind proto,
    const char *from_addr);
/* Connect (and for implicit TLS do the handshake).  NULL after printing
 * the error; *exit_r gets the sysexits code. */
struct eml_conn *netopts_connect(struct netopts *n, int *exit_r);
struct eml_conn_io;	/* net/eml_fetch.h */
/* netopts_connect, then *ci set up as the client's I/O over it (traced
 * with -v).  NULL as netopts_connect. */
struct eml_conn *netopts_connect_io(struct netopts *n, struct eml_conn_io *ci,
    int *exit_r);
void netopts_free(struct netopts *n);

/* Say what a client call that returned r got wrong: msg (the client's
 * errmsg), with the connection's words when they tell the cause (TLS,
 * timeout, I/O).  Returns the sysexits code for r. */
int netopts_fail(struct eml_conn *conn, const char *msg, int r);
/* The default state file of a fetching tool:
 * $XDG_STATE_HOME (else ~/.local/state) /emlkit/PROTO/USER@HOST:PORT,
 * and /MAILBOX under that when mailbox is not NULL; the folders are
 * made 0700; the user and mailbox are percent-encoded outside
 * [A-Za-z0-9_.-] (and a leading '.'), so a name from the command line
 * or a server never leaves the folder.  Caller frees; NULL without a
 * base folder. */
char *netopts_state_path(const struct netopts *n, const char *proto,
    const char *mailbox);

/* What eml-imap and eml-pop3 share besides the connection: -v, --json,
 * --to, --state, --help, --version, and one command operand. */
struct fetchopts {
	int json;
	const char *to, *state;
};
/*
 * Parse argv: the connection options, the fetch options above, and the
 * tool's own long options own[] (ended by a zero entry), each given to
 * take(ctx, c, optarg), which returns 0 for a bad value (usage error).
 * GNU getopt permutes, so options go before and after the command.
 * Anything else, or not exactly one operand, or a command not in cmds[]
 * (NULL-ended), is usage on stderr and exit EX_USAGE; --help is usage on
 * stdout, exit 0.  Returns the command.
 */
const char *fetchopts_parse(int argc, char **argv, const char *usage,
    const struct option *own, int (*take)(void *ctx, int c, const char *arg),
    void *ctx, const char *const *cmds, struct netopts *n,
    struct fetchopts *f);
/* After the tool's own checks: "fetch" needs --to, and --json and
 * "--to -" both want stdout; usage errors exit EX_USAGE. */
void fetchopts_check(const struct fetchopts *f, const char *cmd,
    const char *usage);

#endif
