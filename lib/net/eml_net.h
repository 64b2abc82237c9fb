/*
 * eml_net.h - the network half of emlkit: connections with timeouts and
 * TLS, one line-protocol layer, URLs, credentials, SASL, DNS SRV lookup
 * and the SMTP client.  IMAP and POP3 build on the same pieces.
 *
 * Layers (msmtp's net/mtls/smtp split, curl's pingpong):
 *   eml_conn    socket + OpenSSL; the only code here that does I/O
 *   eml_proto   input buffer with line splitting and size caps, output
 *               queue, SMTP-style reply assembly, raw take for literals
 *   eml_smtp    SMTP state machine: takes server bytes, queues bytes to
 *               send, asks its driver for a TLS handshake; no I/O itself
 * Everything returns EML_OK (0) or a negative EML_E* code; the text of the
 * last error is kept in the object (eml_conn_errmsg, eml_smtp_errmsg).
 * Nothing here prints, exits or aborts.
 */
#ifndef EML_NET_H
#define EML_NET_H

#include <stddef.h>
#include <stdint.h>

#include "eml.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ------------------------------------------------------------------ */
/* Errors (continue enum eml_err; eml_net_strerror knows both).         */

enum eml_net_err {
	EML_ETIMEOUT = -20,	/* connect, handshake, read or write timed out */
	EML_ECONNECT = -21,	/* could not connect (refused, unreachable) */
	EML_ETLS = -22,		/* TLS handshake or certificate failure */
	EML_EPROTO = -23,	/* server broke the protocol */
	EML_EAUTH = -24,	/* authentication failed or impossible */
	EML_ETEMP = -25,	/* server said 4xx: try again later */
	EML_EPERM = -26,	/* server said 5xx: permanent refusal */
	EML_ECLOSED = -27,	/* server closed the connection */
	EML_ENOTLS = -28,	/* TLS required but not available */
	EML_EDNS = -29,		/* name lookup failed */
	EML_EUNKNOWN = -30	/* outcome unknown (dropped after the data) */
};

/* Static English text for any EML_E* code. */
const char *eml_net_strerror(int err);
/* The sysexits.h code for an EML_E* code (0 for EML_OK), in one place as
 * msmtp's smtp_exitcode: EX_TEMPFAIL means "retry later". */
int eml_net_exitcode(int err);

/* ------------------------------------------------------------------ */
/* Trace: the dialogue in swaks' style, credentials masked.             */

enum eml_trace_dir {
	EML_TRACE_SEND = 0,	/* "->" ("~>" under TLS) */
	EML_TRACE_RECV = 1,	/* "<-" ("<~" under TLS) */
	EML_TRACE_INFO = 2	/* "***" */
};

struct eml_trace {
	/* line has no CRLF; it is already masked when it carried a secret */
	void (*fn)(void *ctx, enum eml_trace_dir dir, int tls,
	    const char *line, size_t len);
	void *ctx;
};

/* ------------------------------------------------------------------ */
/* URLs: smtp://[user@]host[:port], smtps, imap, imaps, pop3, pop3s.    */

enum eml_proto_kind { EML_P_SMTP = 1, EML_P_IMAP, EML_P_POP3 };
enum eml_tls_mode {
	EML_TLS_STARTTLS = 0,	/* smtp://, imap://, pop3://: required */
	EML_TLS_IMPLICIT = 1,	/* smtps://, imaps://, pop3s:// */
	EML_TLS_NONE = 2	/* only with --no-tls given by name */
};

struct eml_url {
	enum eml_proto_kind proto;
	enum eml_tls_mode tls;
	char *user;		/* percent-decoded, or NULL */
	char *host;		/* without brackets for IPv6 literals */
	unsigned port;		/* default from the scheme when absent */
	char *path;		/* after the first '/', decoded, or NULL */
};

/* Parse url into *u (fields malloc'd; free with eml_url_free).  A
 * password in the URL is refused (EML_EINVAL): credentials never go on a
 * command line.  Returns EML_OK, EML_EINVAL, EML_EFORMAT, EML_ENOMEM. */
int eml_url_parse(const char *url, struct eml_url *u);
void eml_url_free(struct eml_url *u);
/* The scheme for proto and tls ("smtps"...). */
const char *eml_url_scheme(enum eml_proto_kind proto, enum eml_tls_mode tls);

/* ------------------------------------------------------------------ */
/* Connection: TCP with timeouts, OpenSSL TLS 1.2+.                     */

struct eml_conn;

struct eml_conn_opts {
	unsigned connect_timeout;	/* ms; 0 = 30000 */
	unsigned handshake_timeout;	/* ms; 0 = 30000 */
	unsigned io_timeout;		/* ms per read or write; 0 = 120000 */
	const char *cafile;		/* added to the system store, or NULL */
	const char *const *pins;	/* "sha256:HEX" (colons allowed) */
	size_t npins;			/* with pins: the certificate must
					 * match one; the chain is not checked */
	int insecure;			/* skip every check (tools warn) */
	const char *bind_addr;		/* local address to bind, or NULL */
	const struct eml_trace *trace;	/* "***" lines, or NULL */
	enum eml_proto_kind proto;	/* names the scheme in hints; 0 ok */
	const char *connect_host;	/* connect here, but check the URL's
					 * host name (curl --connect-to) */
};

/* A connection object with options o (copied; strings must outlive it).
 * NULL if out of memory. */
struct eml_conn *eml_conn_new(const struct eml_conn_opts *o);
/* Wrap an already connected socket (tests use a socketpair).  fd is
 * closed by eml_conn_free. */
struct eml_conn *eml_conn_new_fd(const struct eml_conn_opts *o, int fd);
void eml_conn_free(struct eml_conn *c);
/* Resolve host and connect to each address in turn within the connect
 * timeout.  EML_OK, EML_EDNS, EML_ECONNECT, EML_ETIMEOUT. */
int eml_conn_connect(struct eml_conn *c, const char *host, unsigned port);
/* TLS handshake on the connected socket, for implicit TLS and after a
 * STARTTLS reply.  host is checked against the certificate and sent as
 * SNI (not for IP literals).  Fails with EML_EPROTO if the server sent
 * any byte before our ClientHello (STARTTLS injection, CVE-2011-0411
 * class); the caller must also check its own buffer is empty. */
int eml_conn_tls(struct eml_conn *c, const char *host);
/* Read at most n bytes; *got_r = 0 means the server closed.  Waits at
 * most io_timeout.  EML_OK, EML_ETIMEOUT, EML_EIO, EML_ETLS. */
int eml_conn_read(struct eml_conn *c, void *p, size_t n, size_t *got_r);
/* Write all n bytes (each wait bounded by io_timeout). */
int eml_conn_write(struct eml_conn *c, const void *p, size_t n);
int eml_conn_is_tls(const struct eml_conn *c);
/* "TLSv1.3 TLS_AES_256_GCM_SHA384", or "" before TLS.  Borrowed. */
const char *eml_conn_tls_info(const struct eml_conn *c);
/* "sha256:AB:CD:..." of the server certificate, or "".  Borrowed. */
const char *eml_conn_fingerprint(const struct eml_conn *c);
/* Text of the last error, naming its cause ("certificate has expired",
 * "certificate is for another host", "unknown CA ...").  Borrowed. */
const char *eml_conn_errmsg(const struct eml_conn *c);
const char *eml_conn_host(const struct eml_conn *c);
unsigned eml_conn_port(const struct eml_conn *c);
/* Connect to u's host and port, then for implicit TLS do the handshake;
 * a plaintext greeting there names the STARTTLS scheme to use. */
int eml_conn_open_url(struct eml_conn *c, const struct eml_url *u);
/* Format and keep an error text (for the protocol layers above). */
void eml_conn_set_error(struct eml_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* Emit a "***" trace line through the connection's trace, if any. */
void eml_conn_info(struct eml_conn *c, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* ------------------------------------------------------------------ */
/* Line protocol layer (curl's pingpong), shared by SMTP, IMAP, POP3.   */

#define EML_DEFAULT_MAX_LINE (64 * 1024)	/* curl caps replies at 64 KiB */
#define EML_DEFAULT_MAX_REPLY_LINES 1000
#define EML_DEFAULT_MAX_OUT (1024 * 1024)

struct eml_proto;

/* max_line: longest line without its end, 0 = EML_DEFAULT_MAX_LINE;
 * max_out: bytes queued for sending, 0 = EML_DEFAULT_MAX_OUT. */
struct eml_proto *eml_proto_new(size_t max_line, size_t max_out);
void eml_proto_free(struct eml_proto *p);
/* Append bytes from the server.  EML_ELIMIT when the buffered bytes hold
 * no line end and are longer than max_line (a 10 MB line never fits). */
int eml_proto_feed(struct eml_proto *p, const void *buf, size_t n);
/* Next complete line, without CRLF (or a bare LF), borrowed until the
 * next call.  1 a line, 0 need more input, EML_ELIMIT a line too long. */
int eml_proto_line(struct eml_proto *p, const char **line_r, size_t *len_r);
/* Literal hook: up to max raw buffered bytes, consumed (IMAP streams
 * {n} literals with it, never holding one whole).  Returns the count. */
size_t eml_proto_take(struct eml_proto *p, size_t max, const char **p_r);
/* The buffered input, not consumed (to look at a greeting's first
 * bytes: a TLS record where text was expected names the scheme). */
const char *eml_proto_peek(const struct eml_proto *p, size_t *n_r);
/* Bytes received and not consumed yet (non-zero after a STARTTLS reply
 * means injected plaintext). */
size_t eml_proto_pending(const struct eml_proto *p);
/* Forget buffered input (after TLS starts nothing before it counts). */
void eml_proto_reset_input(struct eml_proto *p);

/* Queue bytes to send.  EML_ELIMIT when max_out would be exceeded. */
int eml_proto_send(struct eml_proto *p, const void *buf, size_t n);
/* Bytes waiting to be sent; eml_proto_sent drops n of them. */
const char *eml_proto_out(const struct eml_proto *p, size_t *n_r);
void eml_proto_sent(struct eml_proto *p, size_t n);

/* An SMTP-style reply (RFC 5321 4.2): "250-first", ..., "250 last". */
struct eml_reply {
	int code;		/* 200..599 */
	char enh[16];		/* "5.7.1" (RFC 3463) or "" */
	struct eml_buf text;	/* the lines' texts joined by '\n' */
	unsigned nlines;
	int more_;		/* internal: a reply is being assembled */
};

/* Assemble the next reply from p into r (r->text is reused; zero r
 * first, free with eml_reply_free).  1 a reply, 0 need more input,
 * EML_EPROTO malformed (not 3 digits, codes differ between lines),
 * EML_ELIMIT more than max_lines lines (0 = default) or too long. */
int eml_proto_reply(struct eml_proto *p, struct eml_reply *r,
    unsigned max_lines);
void eml_reply_free(struct eml_reply *r);
/* Parse one reply line; 1 last line, 0 continuation, <0 malformed.
 * For fuzzers and the IMAP/POP3 engineer's tests. */
int eml_reply_line(const char *line, size_t len, int *code_r,
    const char **text_r, size_t *textlen_r);

/* ------------------------------------------------------------------ */
/* Credentials.  Never on the command line, never in traces.           */

/* First line of file (trailing CR/LF removed); *secret_r caller frees.
 * Refuses CR, LF or NUL inside.  EML_OK, EML_EIO, EML_EFORMAT. */
int eml_cred_file(const char *path, char **secret_r);
/* Run cmd with /bin/sh -c (as msmtp's passwordeval) and take the first
 * line of its output (at most 4 KB); fails if the command fails. */
int eml_cred_command(const char *cmd, char **secret_r);
/* Look up host (and user, when not NULL) in a netrc file (path NULL =
 * $HOME/.netrc).  1 found (*user_r and *pass_r caller frees, *user_r may
 * be NULL), 0 no entry, <0 error. */
int eml_cred_netrc(const char *path, const char *host, const char *user,
    char **user_r, char **pass_r);

/* An account from ~/.config/emlkit/accounts (msmtprc-like):
 *   account NAME          starts a section ("defaults" applies to all)
 *   url smtps://host      user NAME       from ADDR
 *   password-file F       password-command CMD     token-command CMD
 *   auth MECH             cafile F        fingerprint sha256:...
 *   tls off               (same as --no-tls)
 * '#' starts a comment line.  Every field malloc'd or NULL. */
struct eml_account {
	char *name, *url, *user, *from, *password_file, *password_command;
	char *token_command, *auth, *cafile;
	char *fingerprints[8];
	size_t nfingerprints;
	int no_tls;
};

/* Load account name from path (NULL = $XDG_CONFIG_HOME/emlkit/accounts,
 * else $HOME/.config/emlkit/accounts).  1 found, 0 not found, <0 error;
 * on a syntax error *line_r (when not NULL) is the line number. */
int eml_account_load(const char *path, const char *name,
    struct eml_account *a, unsigned *line_r);
void eml_account_free(struct eml_account *a);

/* ------------------------------------------------------------------ */
/* SASL client mechanisms.                                              */

struct eml_sasl;

/* mech: "PLAIN", "LOGIN", "SCRAM-SHA-256", "XOAUTH2", "OAUTHBEARER".
 * secret is the password or, for the OAuth mechanisms, the token.
 * host and port are for OAUTHBEARER's kvpairs.  NULL on ENOMEM or an
 * unknown mechanism, or CR/LF/NUL in user or secret (errno EINVAL). */
struct eml_sasl *eml_sasl_new(const char *mech, const char *user,
    const char *secret, const char *host, unsigned port);
void eml_sasl_free(struct eml_sasl *s);
/* Whether the mechanism sends the secret itself (PLAIN, LOGIN, OAuth):
 * such mechanisms are only used over TLS. */
int eml_sasl_plaintext(const char *mech);
/* Pick the best mechanism of the server's space-separated list that we
 * can use: SCRAM-SHA-256, then PLAIN, LOGIN (only when tls), or with a
 * token OAUTHBEARER, XOAUTH2.  NULL if none. */
const char *eml_sasl_choose(const char *offered, int tls, int token);
/* The initial client response, if the mechanism has one, into out (raw,
 * not base64): 1 there is one, 0 none (send the mechanism alone). */
int eml_sasl_start(struct eml_sasl *s, struct eml_buf *out);
/* The response to the decoded server challenge in, into out (may be
 * empty: send an empty line).  1 a response, <0 error: EML_EAUTH when
 * the server's data is wrong (SCRAM nonce or signature, an iteration
 * count outside 4096..1000000, an error from the server), EML_EFORMAT
 * when it is malformed, EML_EPROTO for a challenge PLAIN cannot take. */
int eml_sasl_step(struct eml_sasl *s, const void *in, size_t inlen,
    struct eml_buf *out);
/* SCRAM: 1 once the server's signature was verified. */
int eml_sasl_verified(const struct eml_sasl *s);

/* ------------------------------------------------------------------ */
/* DNS: SRV records (RFC 2782) for autoconfiguration (RFC 6186, 8314). */

struct eml_srv {
	unsigned prio, weight, port;
	char target[256];	/* without the final dot */
};

/* Parse a DNS reply (as res_query returns it) and keep its SRV answers,
 * at most max, sorted by priority then weight (heaviest first).  Bounds
 * and compression loops are checked.  EML_OK with *n_r set, EML_EFORMAT
 * for a malformed reply. A single "." target (service not offered, RFC
 * 2782) gives *n_r = 0. */
int eml_dns_parse_srv(const unsigned char *msg, size_t len,
    struct eml_srv *out, size_t max, size_t *n_r);

struct eml_autoconf {
	char host[256];
	unsigned port;
	enum eml_tls_mode tls;
	const char *source;	/* "SRV _submissions._tcp", "built-in table" */
};

/* Find the submission server for the domain of address from: SRV
 * _submissions._tcp (implicit TLS), then _submission._tcp (STARTTLS),
 * then the built-in table of well-known providers.  lookup is the DNS
 * query function (NULL = res_query; tests pass canned answers).  1 found,
 * 0 nothing known, <0 error. */
int eml_autoconf_smtp(const char *from,
    int (*lookup)(const char *name, unsigned char *ans, int anslen),
    struct eml_autoconf *ac);
/* The built-in table alone: 1 found, 0 not in the table. */
int eml_autoconf_table(const char *domain, enum eml_proto_kind proto,
    struct eml_autoconf *ac);

/* ------------------------------------------------------------------ */
/* SMTP client (RFC 5321) with the extensions that matter.              */

enum eml_smtp_ext {
	EML_SMTP_STARTTLS = 1 << 0,
	EML_SMTP_AUTH = 1 << 1,
	EML_SMTP_SIZE = 1 << 2,
	EML_SMTP_PIPELINING = 1 << 3,
	EML_SMTP_8BITMIME = 1 << 4,	/* RFC 6152 */
	EML_SMTP_SMTPUTF8 = 1 << 5,	/* RFC 6531 */
	EML_SMTP_DSN = 1 << 6,		/* RFC 3461 */
	EML_SMTP_ENHANCED = 1 << 7,	/* RFC 2034 */
	EML_SMTP_CHUNKING = 1 << 8,	/* RFC 3030 */
	EML_SMTP_BINARYMIME = 1 << 9
};

struct eml_smtp_opts {
	enum eml_tls_mode tls;
	const char *helo;	/* EHLO name; NULL = "localhost" */
	const char *host;	/* for TLS checks and OAUTHBEARER */
	unsigned port;
	const char *user;	/* NULL: no AUTH */
	const char *secret;	/* password or token */
	const char *mech;	/* NULL = eml_sasl_choose */
	int token;		/* secret is an OAuth token */
	const struct eml_trace *trace;
	size_t max_line;	/* 0 = EML_DEFAULT_MAX_LINE */
	int no_chunking;	/* use DATA even where CHUNKING is offered */
	size_t chunk_size;	/* BDAT chunk; 0 = 1 MiB */
};

/* Envelope of one message. */
enum eml_smtp_env_flags {
	EML_SMTP_ALLOW_RCPT_FAIL = 1 << 0,	/* send to those accepted */
	EML_SMTP_BODY_8BIT = 1 << 1,		/* body has 8-bit bytes */
	EML_SMTP_NEED_UTF8 = 1 << 2,		/* address/header UTF-8 */
	EML_SMTP_BODY_BINARY = 1 << 3		/* NUL or long lines */
};
struct eml_smtp_env {
	const char *from;	/* "" for the null reverse-path */
	const char *const *rcpt;
	size_t nrcpt;
	uint64_t size;		/* message size, 0 = unknown */
	unsigned flags;
	const char *notify;	/* DSN NOTIFY=, e.g. "FAILURE,DELAY" */
	const char *ret;	/* DSN RET=FULL or HDRS */
	const char *envid;	/* DSN ENVID= */
};

struct eml_smtp;

/* A session over conn (not owned; already connected, and already under
 * TLS for EML_TLS_IMPLICIT).  NULL on ENOMEM. */
struct eml_smtp *eml_smtp_new(struct eml_conn *conn,
    const struct eml_smtp_opts *o);
void eml_smtp_free(struct eml_smtp *s);
/* Greeting, EHLO, STARTTLS (required unless EML_TLS_NONE: refused
 * STARTTLS or a missing capability is EML_ENOTLS, never plaintext
 * fallback), EHLO again, AUTH.  EML_OK or an error. */
int eml_smtp_open(struct eml_smtp *s);
/* Send one message: the envelope, then the bytes read by rd (called
 * until it returns 0; <0 aborts) through eml_filter_dotstuff (every CR,
 * LF and CRLF becomes CRLF, leading dots doubled, ends CRLF.CRLF) for
 * DATA, or eml_filter_eol in BDAT chunks where CHUNKING is offered.
 * Recipients refused are reported through eml_smtp_rcpt_status.  EML_OK
 * only once the server accepted the data.  EML_EPERM/ETEMP: refused
 * (the session stays usable).  Others: session lost. */
int eml_smtp_send(struct eml_smtp *s, const struct eml_smtp_env *env,
    long (*rd)(void *ctx, void *buf, size_t n), void *ctx);
/* For recipient i of the last eml_smtp_send: 0 accepted, else its reply
 * code; *text_r (may be NULL) the server's text, borrowed. */
int eml_smtp_rcpt_status(const struct eml_smtp *s, size_t i,
    const char **text_r);
/* QUIT and wait for its reply (errors ignored). */
void eml_smtp_quit(struct eml_smtp *s);
/* Capabilities after the last EHLO (EML_SMTP_*), SIZE limit (0 none). */
unsigned eml_smtp_caps(const struct eml_smtp *s);
uint64_t eml_smtp_size_limit(const struct eml_smtp *s);
/* The last error's text: cause plus the server's reply, with a hint
 * when the user can fix it (wrong scheme, authentication needed). */
const char *eml_smtp_errmsg(const struct eml_smtp *s);
/* The last reply from the server (code 0 if none). */
const struct eml_reply *eml_smtp_last_reply(const struct eml_smtp *s);

/* Refuse an envelope address with CR, LF, NUL, '<' or '>' or a space
 * outside quotes (RFC 5321 4.1.2), which could add commands or
 * parameters.  EML_OK or EML_EINVAL. */
int eml_smtp_check_addr(const char *addr);

#ifdef __cplusplus
}
#endif

#endif
