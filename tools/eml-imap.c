/*
 * eml-imap - list mailboxes, fetch new mail into a Maildir, an mbox or
 * stdout, append a message, or wait for new mail (IDLE), like
 * fetchmail/getmail/mbsync in one small tool.  The protocol is in
 * lib/net/imap.c, delivery in lib/net/state_deliver.c, the state in
 * lib/net/state.c; this is options and a loop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <sysexits.h>
#include <unistd.h>

#include "common.h"
#include "net/netopts.h"
#include "net/eml_fetch.h"

static const char usage[] =
    "eml-imap [connection options] [--json] list\n"
    "       eml-imap [connection options] [--json] fetch --mailbox NAME\n"
    "           --to MAILDIR|MBOX|- [--all | --unseen | --since DATE |\n"
    "           --uid A:B | --search QUERY] [--mark-seen] [--state FILE]\n"
    "       eml-imap [connection options] append --mailbox NAME < msg\n"
    "       eml-imap [connection options] idle --mailbox NAME [--exec CMD]\n"
    "           [--loop] [--idle-interval SECONDS]\n"
    "  connection options:\n"
    NETOPTS_USAGE;

enum { O_MAILBOX = 0x300, O_ALL, O_UNSEEN, O_SINCE, O_UID, O_SEARCH,
    O_MARK, O_EXEC, O_WINDOW, O_LOOP, O_INTERVAL };

/* RFC 2177 3: servers may log out a client idle for 30 minutes, so
 * the client re-issues IDLE at least every 29 */
#define IDLE_INTERVAL_DEFAULT	(29u * 60)
/* While idling, each read waits this long, so a signal or the end of
 * the interval is seen within it */
#define IDLE_TICK_MS		250u

struct opts {
	struct fetchopts f;	/* --json, --to, --state */
	int mark_seen, all, unseen, loop;
	const char *mailbox, *since, *uid, *search, *exec;
	unsigned window, interval;
};

struct run {
	struct netopts *n;
	struct opts *o;
	struct eml_conn *conn;
	struct eml_conn_io ci;
	struct eml_imap *im;
	struct eml_state *st;
	struct eml_fetch_dest *dest;
	const char *state_path;
	unsigned long fetched, total;
	uint64_t bytes;
	int progress;
	/* idle: reads tick every IDLE_TICK_MS (see tick_read) */
	ssize_t (*read)(void *ctx, void *buf, size_t n);
	unsigned io_timeout;	/* ms: the user's, outside IDLE */
	int idling;
	int64_t idle_until;	/* ms: re-issue IDLE then */
};

static volatile sig_atomic_t stop_sig;

static void
on_stop(int sig)
{
	stop_sig = sig;
}

static int64_t
now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static struct run *tick_run;

/* The idle connection's read timeout is one tick: outside IDLE the
 * ticks add up to the user's --timeout; inside, a tick ends the read
 * once a signal came or the interval is over (the reader keeps its
 * place: IDLE responses are lines, never literals). */
static ssize_t
tick_read(void *ctx, void *buf, size_t n)
{
	struct run *ru = tick_run;
	int64_t start = now_ms();

	for (;;) {
		ssize_t k = ru->read(ctx, buf, n);

		if (k != EML_ETIMEOUT)
			return k;
		if (ru->idling) {
			if (stop_sig || now_ms() >= ru->idle_until)
				return k;
		} else if (now_ms() - start >= (int64_t)ru->io_timeout)
			return k;
	}
}

/* Say what went wrong: the client's words, and the connection's when it
 * knows the cause (certificate, timeout). */
static int
fail(struct run *ru, int r)
{
	return netopts_fail(ru->conn, eml_imap_errmsg(ru->im), r);
}

static int
session(struct run *ru)
{
	struct eml_imap_opts io = { 0 };
	int ex, r;

	if ((ru->conn = netopts_connect_io(ru->n, &ru->ci, &ex)) == NULL)
		return ex;
	if (ru->io_timeout != 0) {
		ru->read = ru->ci.io.read;
		ru->ci.io.read = tick_read;
		tick_run = ru;
	}
	if (ru->n->u.tls == EML_TLS_NONE)
		io.flags |= EML_IMAP_NO_TLS;
	if ((ru->im = eml_imap_new(&ru->ci.io, &io)) == NULL)
		tool_die(NULL, "out of memory");
	if ((r = eml_imap_open(ru->im)) < 0)
		return fail(ru, r);
	if (ru->n->secret != NULL)
		r = eml_imap_auth(ru->im, ru->n->login, ru->n->secret,
		    ru->n->auth, ru->n->token);
	else
		r = eml_imap_auth(ru->im, "", "", NULL, 0);
	if (r < 0)
		return fail(ru, r);
	return 0;
}

static void
json_out(struct eml_buf *b)
{
	eml_buf_addc(b, '\n');
	fwrite(b->data, 1, b->len, stdout);
	fflush(stdout);
}

/* ---- list ---- */

struct list_ctx {
	struct eml_json j;
	int json;
};

static int
list_one(void *ctx, const struct eml_imap_mailbox *mb)
{
	struct list_ctx *lc = ctx;
	struct eml_buf e = { 0 };

	if (lc->json) {
		eml_json_obj_begin(&lc->j);
		eml_json_key(&lc->j, "name");
		eml_json_cstr(&lc->j, mb->name);
		eml_json_key(&lc->j, "delimiter");
		if (mb->delim)
			eml_json_str(&lc->j, &mb->delim, 1);
		else
			eml_json_null(&lc->j);
		eml_json_key(&lc->j, "flags");
		eml_json_cstr(&lc->j, mb->flags);
		eml_json_obj_end(&lc->j);
		return 0;
	}
	/* a server's name is shown escaped: no terminal control codes */
	tool_escape(mb->name, strlen(mb->name), &e);
	printf("%s\n", e.data ? e.data : "");
	eml_buf_free(&e);
	return 0;
}

static int
cmd_list(struct run *ru)
{
	struct eml_buf b = { 0 };
	struct list_ctx lc = { .json = ru->o->f.json };
	int r;

	eml_json_init(&lc.j, &b, 0);
	if (lc.json)
		eml_json_arr_begin(&lc.j);
	if ((r = eml_imap_list(ru->im, list_one, &lc)) < 0) {
		eml_buf_free(&b);
		return fail(ru, r);
	}
	if (lc.json) {
		eml_json_arr_end(&lc.j);
		json_out(&b);
	}
	eml_buf_free(&b);
	(void)eml_imap_logout(ru->im);
	return 0;
}

/* ---- fetch ---- */

static int
stored(void *ctx, uint32_t uid)
{
	struct run *ru = ctx;
	int r = EML_OK;

	ru->fetched++;
	ru->bytes += eml_fetch_dest_bytes(ru->dest);
	/* RFC 9051 2.3.1.1: saved after every message, so a timeout or
	 * a crash loses no progress and fetches nothing twice */
	if (ru->st != NULL)
		r = eml_state_imap_done(ru->st, uid);
	if (ru->progress) {
		fprintf(stderr, "\r%s: %lu/%lu messages, %llu KB", tool_name(),
		    ru->fetched, ru->total,
		    (unsigned long long)(ru->bytes / 1024));
		fflush(stderr);
	}
	return r;
}

/* The UID SEARCH criteria for the options (RFC 9051 6.4.4). */
static int
criteria(struct run *ru, struct eml_buf *q)
{
	struct opts *o = ru->o;
	char range[48];
	int n = !!o->all + !!o->unseen + !!o->since + !!o->uid + !!o->search;

	if (n > 1) {
		tool_warn(NULL, "give one of --all, --unseen, --since, --uid, "
		    "--search");
		return EX_USAGE;
	}
	if (o->uid != NULL) {
		/* an explicit range is fetched as asked, state or not */
		if (strspn(o->uid, "0123456789:*,") != strlen(o->uid)) {
			tool_warn(NULL, "--uid %s: not a UID set", o->uid);
			return EX_USAGE;
		}
		eml_buf_adds(q, "UID ");
		eml_buf_adds(q, o->uid);
		return 0;
	}
	snprintf(range, sizeof(range), "UID %lu:*", ru->st ?
	    (unsigned long)eml_state_last_uid(ru->st) + 1 : 1UL);
	eml_buf_adds(q, range);
	if (o->unseen)
		eml_buf_adds(q, " UNSEEN");
	if (o->since != NULL) {
		/* RFC 9051 9: date = day "-" month "-" year */
		if (strspn(o->since, "0123456789-ADFJMNOSabceglnoprtuvy") !=
		    strlen(o->since) || strlen(o->since) > 11) {
			tool_warn(NULL, "--since %s: use a date like "
			    "1-Feb-2026", o->since);
			return EX_USAGE;
		}
		eml_buf_adds(q, " SINCE ");
		eml_buf_adds(q, o->since);
	}
	if (o->search != NULL) {
		eml_buf_addc(q, ' ');
		eml_buf_adds(q, o->search);
	}
	return 0;
}

static int
cmd_fetch(struct run *ru)
{
	struct opts *o = ru->o;
	struct eml_imap_selected sel;
	struct eml_buf q = { 0 }, b = { 0 };
	struct eml_json j;
	uint32_t *uids = NULL, last, known_uv = 0;
	uint64_t known_ms = 0;
	size_t n = 0, k = 0;
	char *defstate = NULL;
	const char *resync = "search";
	int r, ex = 0, err, plain;

	if ((ru->dest = eml_fetch_dest_new(o->f.to, &err)) == NULL)
		tool_die(o->f.to, "%s", eml_strerror(err));
	ru->state_path = o->f.state;
	if (ru->state_path == NULL && o->uid == NULL)
		ru->state_path = defstate = netopts_state_path(ru->n, "imap",
		    o->mailbox);
	if (ru->state_path != NULL && o->uid == NULL &&
	    (r = eml_state_load(ru->state_path, &ru->st)) < 0) {
		tool_warn(ru->state_path, "cannot read the state: %s",
		    eml_strerror(r));
		ex = r == EML_EFORMAT ? EX_DATAERR : EX_IOERR;
		goto out;
	}
	/* RFC 7162 3.1.8, 3.2.5: the state's mod-sequence asks the
	 * server for what changed since the last run */
	if (ru->st != NULL) {
		known_uv = eml_state_uidvalidity(ru->st);
		known_ms = eml_state_modseq(ru->st);
	}
	r = eml_imap_select_resync(ru->im, o->mailbox, !o->mark_seen,
	    known_uv, known_ms, ru->st ? eml_state_last_uid(ru->st) : 0, &sel);
	if (r < 0) {
		ex = fail(ru, r);
		goto out;
	}
	if (ru->st != NULL) {
		if (eml_state_set_uidvalidity(ru->st, sel.uidvalidity) < 0) {
			tool_warn(o->mailbox, "UIDVALIDITY changed from %u to "
			    "%u: the server renumbered this mailbox, so which "
			    "messages are new is unknown; nothing was fetched "
			    "or deleted (move %s away to fetch it all again)",
			    (unsigned)eml_state_uidvalidity(ru->st),
			    (unsigned)sel.uidvalidity, ru->state_path);
			ex = EX_DATAERR;
			goto out;
		}
	}
	if ((ex = criteria(ru, &q)) != 0)
		goto out;
	/* The mod-sequence stands for "every new message below it is
	 * stored", true only for a run that takes all new mail: the
	 * filters and --uid neither use nor advance it. */
	plain = ru->st != NULL && !o->unseen && !o->since && !o->search;
	if (plain && known_ms != 0 && sel.highestmodseq != 0 &&
	    known_uv == sel.uidvalidity) {
		if (sel.highestmodseq == known_ms) {
			/* RFC 7162 3.1.2.1: nothing in the mailbox
			 * changed, so nothing is new: no command more */
			resync = "unchanged";
			n = 0;
		} else {
			resync = "changedsince";
			r = eml_imap_uid_changedsince(ru->im,
			    eml_state_last_uid(ru->st) + 1, known_ms, &uids,
			    &n);
		}
	} else
		r = eml_imap_uid_search(ru->im, q.data, &uids, &n);
	if (r < 0) {
		ex = fail(ru, r);
		goto out;
	}
	/* "UID n:*" matches the last message even when its UID < n
	 * (RFC 9051 6.4.8): keep only what is really new */
	last = ru->st ? eml_state_last_uid(ru->st) : 0;
	for (size_t i = 0; i < n; i++)
		if (uids[i] > last || o->uid != NULL)
			uids[k++] = uids[i];
	ru->total = k;
	ru->progress = isatty(STDERR_FILENO);
	r = eml_imap_uid_fetch(ru->im, uids, k, o->mark_seen, o->window,
	    eml_fetch_dest_cb(ru->dest), stored, ru);
	if (ru->progress && ru->fetched)
		fputc('\n', stderr);
	if (r >= 0 && plain && sel.highestmodseq != 0 &&
	    (r = eml_state_set_modseq(ru->st, sel.highestmodseq)) < 0) {
		tool_warn(ru->state_path, "cannot save the state: %s",
		    eml_strerror(r));
		ex = EX_IOERR;
	} else if (r < 0) {
		if (*eml_fetch_dest_errmsg(ru->dest))
			tool_warn(NULL, "%s", eml_fetch_dest_errmsg(ru->dest));
		ex = fail(ru, r);
	} else
		(void)eml_imap_logout(ru->im);
	if (o->f.json) {
		eml_json_init(&j, &b, 0);
		eml_json_obj_begin(&j);
		eml_json_key(&j, "mailbox");
		eml_json_cstr(&j, o->mailbox);
		eml_json_key(&j, "uidvalidity");
		eml_json_int(&j, sel.uidvalidity);
		eml_json_key(&j, "uidnext");
		eml_json_int(&j, sel.uidnext);
		eml_json_key(&j, "highestmodseq");
		eml_json_int(&j, (int64_t)sel.highestmodseq);
		eml_json_key(&j, "exists");
		eml_json_int(&j, sel.exists);
		eml_json_key(&j, "found");
		eml_json_int(&j, (int64_t)k);
		eml_json_key(&j, "fetched");
		eml_json_int(&j, (int64_t)ru->fetched);
		eml_json_key(&j, "bytes");
		eml_json_int(&j, (int64_t)ru->bytes);
		eml_json_key(&j, "last_uid");
		eml_json_int(&j, ru->st ? eml_state_last_uid(ru->st) : 0);
		eml_json_key(&j, "state_modseq");
		eml_json_int(&j, ru->st ? (int64_t)eml_state_modseq(ru->st) :
		    0);
		eml_json_key(&j, "resync");
		eml_json_cstr(&j, resync);
		eml_json_key(&j, "error");
		eml_json_cstr(&j, r < 0 ? eml_imap_errmsg(ru->im) : NULL);
		eml_json_obj_end(&j);
		json_out(&b);
		eml_buf_free(&b);
	}
out:
	free(uids);
	free(defstate);
	eml_buf_free(&q);
	return ex;
}

/* ---- append ---- */

struct spool {
	FILE *f;
};

static ssize_t
spool_read(void *ctx, void *buf, size_t n)
{
	struct spool *sp = ctx;
	size_t k = fread(buf, 1, n, sp->f);

	return k == 0 && ferror(sp->f) ? -1 : (ssize_t)k;
}

static int
spool_write(void *ctx, const void *p, size_t n)
{
	return fwrite(p, 1, n, ctx) == n ? EML_OK : EML_EIO;
}

static int
cmd_append(struct run *ru)
{
	struct spool sp;
	struct eml_sink *s;
	char buf[65536];
	ssize_t k;
	long size;
	int r;

	/* RFC 9051 6.3.12: the literal's size comes first, so stdin is
	 * spooled (with CRLF line ends, RFC 9051 2.2) to a temp file:
	 * memory stays bounded for any size */
	if ((sp.f = tmpfile()) == NULL)
		tool_die(NULL, "temporary file: %s", strerror(errno));
	if ((s = eml_filter_eol(eml_sink_cb(spool_write, NULL, sp.f), 1)) ==
	    NULL)
		tool_die(NULL, "out of memory");
	while ((k = read(STDIN_FILENO, buf, sizeof(buf))) != 0) {
		if (k < 0) {
			if (errno == EINTR)
				continue;
			tool_die("-", "%s", strerror(errno));
		}
		if (eml_sink_write(s, buf, (size_t)k) < 0)
			tool_die(NULL, "temporary file: %s", strerror(errno));
	}
	if (eml_sink_close(s) < 0 || fflush(sp.f) != 0 ||
	    (size = ftell(sp.f)) < 0 || fseek(sp.f, 0, SEEK_SET) != 0)
		tool_die(NULL, "temporary file: %s", strerror(errno));
	r = eml_imap_append(ru->im, ru->o->mailbox, (uint64_t)size,
	    spool_read, &sp);
	fclose(sp.f);
	if (r < 0)
		return fail(ru, r);
	(void)eml_imap_logout(ru->im);
	return 0;
}

/* ---- idle ---- */

static int
run_exec(const char *cmd)
{
	int st = system(cmd);

	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		tool_warn(NULL, "--exec command failed");
		return EX_SOFTWARE;
	}
	return 0;
}

static int
cmd_idle(struct run *ru)
{
	struct eml_imap_selected sel;
	int r, ex;

	if ((r = eml_imap_select(ru->im, ru->o->mailbox, 1, &sel)) < 0)
		return fail(ru, r);
	while (!stop_sig) {
		if ((r = eml_imap_idle_begin(ru->im)) < 0)
			return fail(ru, r);
		ru->idle_until = now_ms() + (int64_t)ru->o->interval * 1000;
		ru->idling = 1;
		while ((r = eml_imap_idle_next(ru->im)) == 0)
			;
		ru->idling = 0;
		/* a tick that saw a signal or the interval's end: the
		 * IDLE is still on, DONE ends it cleanly */
		if (r < 0 && r != EML_ETIMEOUT)
			return fail(ru, r);
		if ((ex = eml_imap_idle_done(ru->im)) < 0)
			return fail(ru, ex);
		if (r == 1 && !ru->o->loop)
			break;
		/* RFC 2177 3: the mailbox stays selected; the command
		 * runs outside IDLE, and what arrives meanwhile wakes
		 * the next IDLE at once */
		if (r == 1 && ru->o->exec != NULL &&
		    (ex = run_exec(ru->o->exec)) != 0)
			return ex;
	}
	(void)eml_imap_logout(ru->im);
	if (!ru->o->loop && !stop_sig && ru->o->exec != NULL)
		return run_exec(ru->o->exec);
	return 0;
}

static int
take(void *ctx, int c, const char *arg)
{
	struct opts *o = ctx;

	switch (c) {
	case O_MAILBOX: o->mailbox = arg; break;
	case O_ALL: o->all = 1; break;
	case O_UNSEEN: o->unseen = 1; break;
	case O_SINCE: o->since = arg; break;
	case O_UID: o->uid = arg; break;
	case O_SEARCH: o->search = arg; break;
	case O_MARK: o->mark_seen = 1; break;
	case O_EXEC: o->exec = arg; break;
	case O_LOOP: o->loop = 1; break;
	case O_INTERVAL:
		o->interval = (unsigned)strtoul(arg, NULL, 10);
		return o->interval != 0 &&
		    o->interval <= IDLE_INTERVAL_DEFAULT;
	case O_WINDOW:
		o->window = (unsigned)strtoul(arg, NULL, 10);
		return o->window != 0 && o->window <= 1000;
	}
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option own[] = {
		{ "mailbox", required_argument, NULL, O_MAILBOX },
		{ "all", no_argument, NULL, O_ALL },
		{ "unseen", no_argument, NULL, O_UNSEEN },
		{ "since", required_argument, NULL, O_SINCE },
		{ "uid", required_argument, NULL, O_UID },
		{ "search", required_argument, NULL, O_SEARCH },
		{ "mark-seen", no_argument, NULL, O_MARK },
		{ "exec", required_argument, NULL, O_EXEC },
		{ "window", required_argument, NULL, O_WINDOW },
		{ "loop", no_argument, NULL, O_LOOP },
		{ "idle-interval", required_argument, NULL, O_INTERVAL },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cmds[] = { "list", "fetch", "append",
	    "idle", NULL };
	struct netopts n;
	struct opts o;
	struct run ru;
	const char *cmd;
	int ex;

	tool_init("eml-imap");
	memset(&n, 0, sizeof(n));
	memset(&o, 0, sizeof(o));
	memset(&ru, 0, sizeof(ru));
	signal(SIGPIPE, SIG_IGN);
	o.window = 16;
	o.interval = IDLE_INTERVAL_DEFAULT;
	cmd = fetchopts_parse(argc, argv, usage, own, take, &o, cmds, &n,
	    &o.f);
	if (strcmp(cmd, "list") != 0 && o.mailbox == NULL) {
		tool_warn(NULL, "%s needs --mailbox", cmd);
		tool_usage_exit(usage, EX_USAGE);
	}
	fetchopts_check(&o.f, cmd, usage);
	if ((ex = netopts_resolve(&n, EML_P_IMAP, NULL)) != 0) {
		netopts_free(&n);
		return ex;
	}
	ru.n = &n;
	ru.o = &o;
	if (strcmp(cmd, "idle") == 0) {
		struct sigaction sa;

		/* SIGTERM/SIGINT end the wait: DONE, LOGOUT, exit 0 */
		memset(&sa, 0, sizeof(sa));
		sa.sa_handler = on_stop;
		sigemptyset(&sa.sa_mask);
		sigaction(SIGTERM, &sa, NULL);
		sigaction(SIGINT, &sa, NULL);
		ru.io_timeout = n.co.io_timeout ? n.co.io_timeout : 120000;
		n.co.io_timeout = IDLE_TICK_MS;
	}
	if ((ex = session(&ru)) == 0) {
		if (strcmp(cmd, "list") == 0)
			ex = cmd_list(&ru);
		else if (strcmp(cmd, "fetch") == 0)
			ex = cmd_fetch(&ru);
		else if (strcmp(cmd, "append") == 0)
			ex = cmd_append(&ru);
		else
			ex = cmd_idle(&ru);
	}
	eml_fetch_dest_free(ru.dest);
	eml_state_free(ru.st);
	eml_imap_free(ru.im);
	eml_conn_free(ru.conn);
	netopts_free(&n);
	return ex;
}
