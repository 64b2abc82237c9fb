/*
 * eml_fetch.h - the fetching half of the network clients (issue 8): the
 * IMAP response reader and client, the POP3 client, modified UTF-7 and
 * the per-mailbox fetch state.  This is the IMAP/POP3 section of the net
 * header; it stays a header of its own until the shared net header
 * (branch net-smtp) lands, so that the two merge without conflicts.
 *
 * The protocol code does no I/O of its own: readers take server bytes
 * and hand back events, and the clients talk through struct eml_net_io,
 * a few callbacks a connection (plain, TLS, a socketpair in the tests)
 * provides.  Nothing here prints, exits or aborts.
 */
#ifndef EML_FETCH_H
#define EML_FETCH_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "eml.h"
#include "net/eml_net.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Codes of the fetch clients beyond eml_net.h's (which they use too:
 * EML_EPROTO, EML_ENOTLS for "TLS required but refused or not offered",
 * EML_ETLS, EML_EAUTH, EML_ECLOSED, EML_ETIMEOUT). */
#define EML_EREFUSED	(-40)	/* the server said NO/BAD/-ERR */
#define EML_ESTATE	(-41)	/* UIDVALIDITY changed: mailbox stopped */
#define EML_EDELIVER	(-42)	/* storing a message failed */

/* Text for any EML_E* code, these included (static string). */
const char *eml_fetch_strerror(int err);
/* The sysexits.h code for any EML_E* code (eml_net_exitcode plus these:
 * EX_UNAVAILABLE, EX_DATAERR, EX_CANTCREAT). */
int eml_fetch_exitcode(int err);

/* ------------------------------------------------------------------ */
/* Transport: what a connection gives the clients.                      */

struct eml_net_io {
	void *ctx;
	/* Read up to n bytes: >0 count, 0 end of stream, <0 an EML_E*
	 * code (EML_ETIMEOUT...; -1 counts as EML_EIO). */
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	/* Write all n bytes; 0 or <0 on error. */
	int (*write)(void *ctx, const void *p, size_t n);
	/* Start TLS on the connection (NULL: not possible); 0 or <0. */
	int (*starttls)(void *ctx);
	/* Optional trace of the dialogue: dir '<' from server, '>' to it,
	 * '*' notes.  Credentials are masked before this is called. */
	void (*trace)(void *ctx, int dir, const char *line, size_t n);
	int tls;		/* 1 once the connection is encrypted */
};

/* ------------------------------------------------------------------ */
/* IMAP response reader (RFC 9051 / RFC 3501 section 7 and 9).          */

/* Splits the server stream into response text and literals.  A response
 * is TEXT (up to a literal or the line end), then for each literal the
 * literal's bytes in LITERAL pieces and the TEXT that follows it.
 * Literals are never held: their pieces point into the fed buffer, of
 * any size, several per response.  Text is capped (max_line). */
struct eml_imap_rd;

#define EML_IMAP_DEFAULT_MAX_LINE	(4u * 1024 * 1024)

enum eml_imap_rd_ev {
	EML_IMAP_RD_TEXT = 1,	/* text, len; lit = size of the literal that
				 * follows, or -1 if the response ends */
	EML_IMAP_RD_LITERAL	/* text, len point into the fed buffer;
				 * left = bytes of the literal still to come */
};

struct eml_imap_rd_event {
	enum eml_imap_rd_ev type;
	const char *text;	/* TEXT: NUL-terminated, without CRLF/{n} */
	size_t len;
	int first;		/* TEXT starts a new response */
	int64_t lit;		/* TEXT: literal size or -1 */
	uint64_t left;		/* LITERAL */
};

/* max_line 0 = EML_IMAP_DEFAULT_MAX_LINE; max_literal 0 = no cap.
 * NULL if out of memory. */
struct eml_imap_rd *eml_imap_rd_new(size_t max_line, uint64_t max_literal);
void eml_imap_rd_free(struct eml_imap_rd *rd);
/* Give server bytes; they must stay valid until next returns 0.
 * EML_EINVAL if the previous bytes were not drained. */
int eml_imap_rd_feed(struct eml_imap_rd *rd, const void *p, size_t n);
/* Input ended: EML_OK between responses, EML_EPROTO inside one (a
 * literal or line cut short). */
int eml_imap_rd_finish(struct eml_imap_rd *rd);
/* 1 an event, 0 need more input, <0 error (EML_ELIMIT for a line over
 * max_line or a literal over max_literal, EML_EPROTO bad literal size).
 * Errors are sticky. */
int eml_imap_rd_next(struct eml_imap_rd *rd, struct eml_imap_rd_event *ev);
/* Bytes fed but not yet handed out (STARTTLS: must be 0). */
size_t eml_imap_rd_pending(const struct eml_imap_rd *rd);

/* ------------------------------------------------------------------ */
/* Modified UTF-7 (RFC 3501 5.1.3) and local names.                     */

/* UTF-8 name -> modified UTF-7, appended to out.  EML_EFORMAT if name is
 * not valid UTF-8 or holds NUL; EML_ENOMEM, EML_ELIMIT. */
int eml_imap_utf7_encode(const char *name, size_t len, struct eml_buf *out);
/* Modified UTF-7 -> UTF-8, strict: raw 8-bit, bad base64, non-zero
 * padding bits, an unterminated or empty "&...-" shift, an encoded
 * printable ASCII character or a lone surrogate give EML_EFORMAT. */
int eml_imap_utf7_decode(const char *s, size_t len, struct eml_buf *out);
/* Map a server mailbox name (UTF-8, hierarchy delimiter delim, 0 for
 * none) to a relative local path with '/' between levels, appended to
 * out.  Refused with EML_EFORMAT (nothing appended): empty name or
 * level, ".", "..", a '/' that is not the delimiter, a leading '/',
 * control characters, more than 255 bytes per level or 4096 in all. */
int eml_imap_local_path(const char *name, char delim, struct eml_buf *out);

/* ------------------------------------------------------------------ */
/* Fetch state: UIDVALIDITY + last UID (IMAP), UIDL set (POP3).         */

struct eml_state;

/* Load the state file path (a missing file is an empty state).  Returns
 * EML_OK with *st_r set, EML_EFORMAT (file damaged), EML_EIO, ENOMEM. */
int eml_state_load(const char *path, struct eml_state **st_r);
void eml_state_free(struct eml_state *st);
/* IMAP: the stored UIDVALIDITY (0 = none) and the highest UID stored. */
uint32_t eml_state_uidvalidity(const struct eml_state *st);
uint32_t eml_state_last_uid(const struct eml_state *st);
/* Set UIDVALIDITY on a fresh state.  EML_ESTATE if another one is
 * stored (nothing changes: the caller stops that mailbox). */
int eml_state_set_uidvalidity(struct eml_state *st, uint32_t v);
/* Record UID uid as stored (last UID = max) and save atomically. */
int eml_state_imap_done(struct eml_state *st, uint32_t uid);
/* POP3: 1 if uidl was stored already. */
int eml_state_has_uidl(const struct eml_state *st, const char *uidl);
/* Record uidl as stored and save atomically.  EML_EFORMAT if uidl is
 * not 1..70 printable characters (RFC 1939 7). */
int eml_state_pop3_done(struct eml_state *st, const char *uidl);
/* Forget the UIDLs not among keep[0..n) (the server's whole list), and
 * save if any went. */
int eml_state_pop3_prune(struct eml_state *st, const char *const *keep,
    size_t n);
/* Write the state: temp file beside it, fsync, rename (see state.c for
 * why the folder is not synced). */
int eml_state_save(struct eml_state *st);

/* ------------------------------------------------------------------ */
/* Delivery of fetched messages: the clients stream each message into
 * what begin gives and commit it with end; nothing is held whole. */

struct eml_fetch_cb {
	void *ctx;
	/* A message of size bytes (announced) starts. */
	int (*begin)(void *ctx, uint64_t size);
	int (*data)(void *ctx, const void *p, size_t n);
	/* All bytes arrived: store it safely (written, fsynced, renamed)
	 * before returning 0; the state is advanced only after this. */
	int (*end)(void *ctx);
	/* The message is incomplete: discard what was written. */
	void (*abort)(void *ctx);
};

/* Where fetched messages go, through the core's delivery sinks: to is
 * "-" (stdout, as an mboxrd stream), a Maildir (a directory, or a name
 * ending in '/'; created with tmp/new/cur if missing) or else an mbox
 * file (appended, locked).  Line ends become LF (Unix mailboxes).  Each
 * message is committed by cb->end (Maildir: fsync + link into new/;
 * mbox: fsync + unlock) and discarded by cb->abort.  NULL with *err_r
 * on error (EML_EINVAL, EML_ENOMEM). */
struct eml_fetch_dest;
enum eml_dest_kind { EML_DEST_STDOUT = 1, EML_DEST_MAILDIR, EML_DEST_MBOX };
struct eml_fetch_dest *eml_fetch_dest_new(const char *to, int *err_r);
void eml_fetch_dest_free(struct eml_fetch_dest *d);
enum eml_dest_kind eml_fetch_dest_kind(const struct eml_fetch_dest *d);
/* The callbacks to hand to a client (borrowed from d). */
const struct eml_fetch_cb *eml_fetch_dest_cb(struct eml_fetch_dest *d);
/* The last error of a delivery in words ("" if none; borrowed). */
const char *eml_fetch_dest_errmsg(const struct eml_fetch_dest *d);
/* Bytes of the message being written or last written. */
uint64_t eml_fetch_dest_bytes(const struct eml_fetch_dest *d);

/* The transport over an eml_conn (net/conn.c): reads, writes and the
 * STARTTLS handshake (host checked, as eml_conn_tls), with the trace
 * through t (may be NULL).  Fill *ci; ci->io is what clients take. */
struct eml_conn_io {
	struct eml_net_io io;
	struct eml_conn *conn;
	const struct eml_trace *trace;
};
void eml_conn_io_init(struct eml_conn_io *ci, struct eml_conn *c,
    const struct eml_trace *t);

/* ------------------------------------------------------------------ */
/* IMAP client.                                                         */

struct eml_imap;

#define EML_IMAP_CAP_IMAP4REV2	0x0001u
#define EML_IMAP_CAP_STARTTLS	0x0002u
#define EML_IMAP_CAP_LOGINDIS	0x0004u
#define EML_IMAP_CAP_LITERALP	0x0008u	/* LITERAL+ (RFC 7888) */
#define EML_IMAP_CAP_LITERALM	0x0010u	/* LITERAL- */
#define EML_IMAP_CAP_IDLE	0x0020u
#define EML_IMAP_CAP_ID		0x0040u
#define EML_IMAP_CAP_CONDSTORE	0x0080u
#define EML_IMAP_CAP_QRESYNC	0x0100u
#define EML_IMAP_CAP_UTF8	0x0200u	/* UTF8=ACCEPT (RFC 6855) */
#define EML_IMAP_CAP_SASLIR	0x0400u
#define EML_IMAP_CAP_AUTH_PLAIN	0x0800u
#define EML_IMAP_CAP_ENABLE	0x1000u
#define EML_IMAP_CAP_UIDPLUS	0x2000u

#define EML_IMAP_NO_TLS		0x01u	/* --no-tls: plaintext allowed */

struct eml_imap_opts {
	size_t max_line;	/* 0 = EML_IMAP_DEFAULT_MAX_LINE */
	uint64_t max_literal;	/* 0 = no cap (streamed anyway) */
	unsigned flags;		/* EML_IMAP_NO_TLS */
};

/* A client over io (not owned); opts may be NULL.  NULL if no memory. */
struct eml_imap *eml_imap_new(struct eml_net_io *io,
    const struct eml_imap_opts *opts);
void eml_imap_free(struct eml_imap *im);
/* Last error in words (owned by im, valid until the next call). */
const char *eml_imap_errmsg(const struct eml_imap *im);
unsigned eml_imap_caps(const struct eml_imap *im);	/* EML_IMAP_CAP_* */

/* Read the greeting, learn capabilities and, unless io->tls or
 * EML_IMAP_NO_TLS, do STARTTLS (refusing a PREAUTH greeting, a missing
 * STARTTLS capability, a refusal, or any byte after the reply) and ask
 * for capabilities again, forgetting those learnt before. */
int eml_imap_open(struct eml_imap *im);
/* Authenticate: AUTHENTICATE with the best SASL mechanism offered
 * (eml_sasl_choose: SCRAM-SHA-256, PLAIN, LOGIN; with token OAUTHBEARER,
 * XOAUTH2), or mech when not NULL; else LOGIN unless LOGINDISABLED
 * (RFC 9051 6.2.3); never in plaintext unless EML_IMAP_NO_TLS.  SCRAM
 * must end with the server's proof.  Then ID (RFC 2971) and ENABLE
 * QRESYNC/CONDSTORE/UTF8=ACCEPT when offered.  A PREAUTH session
 * (allowed only with EML_IMAP_NO_TLS) skips the login.  EML_EAUTH when
 * refused (errmsg has the server's words). */
int eml_imap_auth(struct eml_imap *im, const char *user, const char *secret,
    const char *mech, int token);
/* eml_imap_auth(im, user, pass, NULL, 0) */
int eml_imap_login(struct eml_imap *im, const char *user, const char *pass);

/* One LIST reply: name in UTF-8 (decoded from modified UTF-7 unless
 * UTF8=ACCEPT is on), delim 0 for NIL, flags as sent. */
struct eml_imap_mailbox {
	const char *name;
	char delim;
	const char *flags;
};
/* LIST "" "*"; fn is called per mailbox (a non-zero return stops). */
int eml_imap_list(struct eml_imap *im,
    int (*fn)(void *ctx, const struct eml_imap_mailbox *mb), void *ctx);

struct eml_imap_selected {
	uint32_t exists;
	uint32_t uidvalidity;
	uint32_t uidnext;
	uint64_t highestmodseq;	/* 0 = none / NOMODSEQ */
};
/* SELECT (or EXAMINE when readonly) the UTF-8 name; sent quoted, or as
 * a literal when it cannot be quoted; mUTF-7 unless UTF8=ACCEPT. */
int eml_imap_select(struct eml_imap *im, const char *name, int readonly,
    struct eml_imap_selected *sel_r);
/* UID SEARCH criteria (sent as given: the caller's syntax); the UIDs
 * found in ascending order, caller frees *uids_r with free(). */
int eml_imap_uid_search(struct eml_imap *im, const char *criteria,
    uint32_t **uids_r, size_t *n_r);
/* UID FETCH uids[0..n) (BODY.PEEK[] or, with mark_seen, BODY[]),
 * pipelined: window commands in flight.  Each message is streamed to
 * cb; done(ctx, uid) is called after cb->end succeeded, in UID order
 * of arrival, so the caller saves its state there.  A message the
 * server no longer has is skipped. */
int eml_imap_uid_fetch(struct eml_imap *im, const uint32_t *uids, size_t n,
    int mark_seen, unsigned window, const struct eml_fetch_cb *cb,
    int (*done)(void *ctx, uint32_t uid), void *done_ctx);
/* APPEND a message of size bytes, read with rd (returns >0, 0 at the
 * end, <0 error) into the UTF-8 mailbox name; LITERAL+ when offered. */
int eml_imap_append(struct eml_imap *im, const char *name, uint64_t size,
    ssize_t (*rd)(void *ctx, void *buf, size_t n), void *rd_ctx);
/* IDLE (RFC 2177) until the server reports EXISTS/RECENT (returns 1),
 * or io read fails/times out (<0). */
int eml_imap_idle(struct eml_imap *im);
/* LOGOUT; the error of the exchange (the connection is still the
 * caller's to close). */
int eml_imap_logout(struct eml_imap *im);

/* Quote s for a command: "..." with \ and " escaped when s has no CR,
 * LF or NUL and is 7-bit (or utf8); 1 if a literal is needed instead,
 * EML_EFORMAT if s holds NUL.  Appended to out. */
int eml_imap_quote(const char *s, size_t len, int utf8, struct eml_buf *out);

/* ------------------------------------------------------------------ */
/* POP3 client (RFC 1939, 2449 CAPA, 2595 STLS, 5034 SASL).            */

/* POP3 reply reader: single-line replies, then for multi-line ones the
 * lines dot-unstuffed up to CRLF.CRLF.  Does no I/O. */
struct eml_pop3_rd;

enum eml_pop3_rd_ev {
	EML_POP3_RD_STATUS = 1,	/* ok = +OK/-ERR, text = the rest */
	EML_POP3_RD_DATA,	/* unstuffed bytes of a multi-line body */
	EML_POP3_RD_END		/* the multi-line body ended (CRLF.CRLF) */
};

struct eml_pop3_rd_event {
	enum eml_pop3_rd_ev type;
	int ok;
	const char *text;
	size_t len;
};

struct eml_pop3_rd *eml_pop3_rd_new(size_t max_line);
void eml_pop3_rd_free(struct eml_pop3_rd *rd);
/* Expect the next reply; multi = 1 if a +OK opens a multi-line body
 * (RETR, TOP, LIST and UIDL without argument, CAPA); 2 during AUTH,
 * where "+ text" (ok = 2) is a SASL challenge (RFC 5034 4). */
void eml_pop3_rd_expect(struct eml_pop3_rd *rd, int multi);
int eml_pop3_rd_feed(struct eml_pop3_rd *rd, const void *p, size_t n);
/* EML_EPROTO if the input ends inside a reply. */
int eml_pop3_rd_finish(struct eml_pop3_rd *rd);
/* 1 event, 0 need more, <0 error (sticky).  Bytes beyond the reply
 * that was expected, before the next expect, are EML_EPROTO. */
int eml_pop3_rd_next(struct eml_pop3_rd *rd, struct eml_pop3_rd_event *ev);
size_t eml_pop3_rd_pending(const struct eml_pop3_rd *rd);

struct eml_pop3;

#define EML_POP3_NO_TLS		0x01u

struct eml_pop3_msg {
	unsigned num;		/* message number in this session */
	uint64_t size;
	char uidl[72];		/* "" if UIDL is not offered */
};

struct eml_pop3 *eml_pop3_new(struct eml_net_io *io, size_t max_line,
    unsigned flags);
void eml_pop3_free(struct eml_pop3 *p);
const char *eml_pop3_errmsg(const struct eml_pop3 *p);
/* Greeting, CAPA, STLS (unless io->tls or EML_POP3_NO_TLS; a refusal,
 * no STLS capability or bytes after the reply end it) and CAPA again. */
int eml_pop3_open(struct eml_pop3 *p);
/* AUTH (RFC 5034) with the best SASL mechanism CAPA lists (as
 * eml_sasl_choose; or mech), else APOP (RFC 1939 7) when the greeting
 * has a valid timestamp, else USER/PASS; mech may also be "APOP" or
 * "USER".  Never in plaintext unless EML_POP3_NO_TLS. */
int eml_pop3_auth(struct eml_pop3 *p, const char *user, const char *secret,
    const char *mech, int token);
/* eml_pop3_auth(p, user, pass, NULL, 0) */
int eml_pop3_login(struct eml_pop3 *p, const char *user, const char *pass);
/* STAT, LIST and UIDL: the messages; caller frees *msgs_r. */
int eml_pop3_list(struct eml_pop3 *p, struct eml_pop3_msg **msgs_r,
    size_t *n_r);
/* RETR num (or TOP num lines when lines >= 0), streamed unstuffed. */
int eml_pop3_retr(struct eml_pop3 *p, unsigned num, long lines,
    const struct eml_fetch_cb *cb);
int eml_pop3_dele(struct eml_pop3 *p, unsigned num);
/* QUIT (deletions take effect only if this succeeds, RFC 1939 6). */
int eml_pop3_quit(struct eml_pop3 *p);

#ifdef __cplusplus
}
#endif

#endif /* EML_FETCH_H */
