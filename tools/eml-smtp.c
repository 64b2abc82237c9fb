/*
 * eml-smtp - send the message on stdin (or each message of an mbox or
 * Maildir with --batch, over one connection) to a submission server; a
 * sendmail replacement for scripts (-t, -f, -i, -oi), like msmtp.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sysexits.h>
#include <unistd.h>

#include "common.h"
#include "net/netopts.h"

static const char usage[] =
    "usage: eml-smtp [--url URL | --account NAME] [--user U]\n"
    "    [--password-file F | --password-command CMD] [--cafile F]\n"
    "    [--no-tls] [-t] [-f FROM] [RCPT...] < msg\n"
    "  also: --batch MBOX|MAILDIR|- [-i] [-oi] [--notify LIST] [--ret FULL|HDRS]\n"
    "    [--allow-rcpt-fail] [--fingerprint sha256:HEX] [--insecure] [-v]\n"
    "    [--token-command CMD] [--auth MECH] [--helo NAME] [--timeout SECS]\n"
    "    [--no-chunking] [--bind ADDR] [--connect-to HOST] [--accounts-file F]\n"
    "    [--netrc-file F]\n";

#define MAX_HEADER (1024 * 1024)	/* header section cap, bytes */
#define MAX_RCPTS 10000

enum { O_BATCH = 0x300, O_NOTIFY, O_RET, O_ALLOW, O_HELO, O_NOCHUNK,
    O_FROM };

struct skip {
	off_t from, to;		/* [from, to) is not sent (a Bcc field) */
};

/* One message, spooled to a file so its size is known before MAIL
 * (SIZE) and its header can be read for -t without holding the body. */
struct msg {
	int fd;
	off_t size;
	unsigned flags;		/* EML_SMTP_BODY_8BIT ... */
	struct skip skips[64];
	size_t nskips;
	char *from;		/* From header's first address */
	char **rcpt;		/* from To/Cc/Bcc (or Resent-*) */
	size_t nrcpt;
	/* reader state */
	off_t pos;
	size_t si;
	int progress;		/* a progress line on stderr (a terminal) */
	off_t shown;
};

struct opts {
	int t, allow_rcpt_fail, no_chunking;
	const char *from, *batch, *notify, *ret, *helo;
	char **rcpt;
	size_t nrcpt;
};

static void
msg_free(struct msg *m)
{
	size_t i;

	if (m->fd >= 0)
		close(m->fd);
	free(m->from);
	for (i = 0; i < m->nrcpt; i++)
		free(m->rcpt[i]);
	free(m->rcpt);
	memset(m, 0, sizeof(*m));
	m->fd = -1;
}

/* An unlinked temporary file (0600, in $TMPDIR) for input that cannot be
 * seeked (attack case 37). */
static int
spool_fd(void)
{
	const char *dir = getenv("TMPDIR");
	char path[4096];
	int fd;

	snprintf(path, sizeof(path), "%s/eml-smtp.XXXXXX", dir && *dir ? dir :
	    "/tmp");
	if ((fd = mkstemp(path)) < 0)
		return -1;
	unlink(path);
	return fd;
}

static int
copy_all(int in, int out)
{
	char buf[65536];
	ssize_t n, w, off;

	while ((n = read(in, buf, sizeof(buf))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		for (off = 0; off < n; off += w)
			if ((w = write(out, buf + off, (size_t)(n - off))) < 0)
				return -1;
	}
	return 0;
}

static void
add_rcpt(struct msg *m, const char *a)
{
	if (m->nrcpt == MAX_RCPTS)
		tool_die(NULL, "more than %d recipients", MAX_RCPTS);
	m->rcpt = xrealloc(m->rcpt, (m->nrcpt + 1) * sizeof(*m->rcpt));
	m->rcpt[m->nrcpt++] = xstrdup(a);
}

/* The first address of the From field: the envelope sender when -f
 * is not given. */
static void
field_addrs(struct msg *m, const char *v, size_t len)
{
	struct eml_addrlist l = { 0 };
	size_t i;

	xcheck(eml_addr_parse(v, len, NULL, &l));
	for (i = 0; i < l.n && m->from == NULL; i++)
		if (l.v[i].email != NULL)
			m->from = xstrdup(l.v[i].email);
	eml_addr_free(&l);
}

static int
name_is(const char *f, size_t n, const char *name)
{
	return n == strlen(name) && strncasecmp(f, name, n) == 0;
}

/* Read the header section and scan the body: size, 8-bit, NUL, the
 * fields -t needs, the Bcc fields to leave out. */
static int
msg_scan(struct msg *m, const char *label, int collect)
{
	struct eml_buf h = { .max = MAX_HEADER };
	char buf[65536];
	ssize_t n;
	size_t i, start, end, colon, hdr_end = 0, nlist;
	struct eml_rcpts *rc;
	char *const *list;
	int in_header = 1, nl = 1;
	off_t off = 0;

	if (lseek(m->fd, 0, SEEK_SET) < 0) {
		tool_warn(label, "%s", strerror(errno));
		return -1;
	}
	/* pass 1: collect the header, flag 8-bit and NUL everywhere */
	while ((n = read(m->fd, buf, sizeof(buf))) > 0) {
		for (i = 0; i < (size_t)n; i++) {
			unsigned char c = (unsigned char)buf[i];

			if (c >= 0x80)
				m->flags |= EML_SMTP_BODY_8BIT;
			else if (c == 0)
				m->flags |= EML_SMTP_BODY_BINARY;
			if (!in_header)
				continue;
			if (c == '\n' && nl) {
				in_header = 0;	/* the empty line */
				hdr_end = (size_t)off + i + 1;
			}
			if (c == '\n')
				nl = 1;
			else if (c != '\r')
				nl = 0;
		}
		if (in_header || hdr_end > (size_t)off)
			if (eml_buf_add(&h, buf, in_header ? (size_t)n :
			    hdr_end - (size_t)off) < 0) {
				tool_warn(label, "header section over %d "
				    "bytes", MAX_HEADER);
				eml_buf_free(&h);
				return -1;
			}
		off += n;
	}
	if (n < 0) {
		tool_warn(label, "%s", strerror(errno));
		eml_buf_free(&h);
		return -1;
	}
	m->size = off;
	/* pass 2 over the header: fields start at a line that does not
	 * begin with white space (RFC 5322 2.2.3).  The recipients come
	 * from the core's envelope collector (To/Cc/Bcc, or the latest
	 * Resent- block), the fields not to send from its predicate. */
	if ((rc = eml_rcpts_new()) == NULL)
		tool_die(NULL, "out of memory");
	for (start = 0; start < h.len; start = end) {
		for (end = start; end < h.len; end++)
			if (h.data[end] == '\n' && (end + 1 >= h.len ||
			    (h.data[end + 1] != ' ' && h.data[end + 1] != '\t')))
				break;
		end = end < h.len ? end + 1 : h.len;
		colon = start;
		while (colon < end && h.data[colon] != ':' &&
		    h.data[colon] != '\n')
			colon++;
		if (colon == end || h.data[colon] != ':')
			continue;
		const char *f = h.data + start, *v = h.data + colon + 1;
		size_t fl = colon - start, vl = end - colon - 1;

		if (collect && name_is(f, fl, "From"))
			field_addrs(m, v, vl);
		if (collect)
			xcheck(eml_rcpts_field(rc, f, fl, v, vl, NULL));
		/* Bcc is never sent (RFC 5322 3.6.3) */
		if (eml_field_drop_on_send(f, fl)) {
			if (m->nskips == sizeof(m->skips) / sizeof(m->skips[0])) {
				tool_warn(label, "too many Bcc fields");
				eml_rcpts_free(rc);
				eml_buf_free(&h);
				return -1;
			}
			m->skips[m->nskips].from = (off_t)start;
			m->skips[m->nskips++].to = (off_t)end;
		}
	}
	eml_rcpts_list(rc, &list, &nlist);
	for (i = 0; collect && i < nlist; i++)
		add_rcpt(m, list[i]);
	eml_rcpts_free(rc);
	eml_buf_free(&h);
	return 0;
}

/* RFC 6152 3: a server without 8BITMIME gets 8-bit parts re-encoded
 * (quoted-printable for text, base64 for the rest) by the core's
 * streaming editor, into a new spool; every byte it does not touch is
 * the original. */
static int
msg_to_7bit(struct msg *m, const char *label)
{
	struct eml_sink *out;
	struct eml_edit *e;
	int fd, r;

	if ((fd = spool_fd()) < 0) {
		tool_warn(label, "spool: %s", strerror(errno));
		return -1;
	}
	if ((out = eml_sink_fd(fd)) == NULL ||
	    (e = eml_edit_new(out, NULL)) == NULL)
		tool_die(NULL, "out of memory");
	r = eml_edit_7bit(e);
	if (r == EML_OK && lseek(m->fd, 0, SEEK_SET) < 0)
		r = EML_EIO;
	if (r == EML_OK)
		r = eml_edit_fd(e, m->fd);
	if (r < 0)
		tool_warn(label, "re-encoding for a server without 8BITMIME: "
		    "%s", eml_edit_errmsg(e)[0] ? eml_edit_errmsg(e) :
		    eml_strerror(r));
	eml_edit_free(e);
	if (eml_sink_close(out) < 0 && r == EML_OK)
		r = EML_EIO;
	if (r < 0) {
		close(fd);
		return -1;
	}
	close(m->fd);
	m->fd = fd;
	m->flags = 0;
	m->nskips = 0;
	return msg_scan(m, label, 0);
}

static long
msg_read(void *ctx, void *buf, size_t n)
{
	struct msg *m = ctx;
	off_t lim;
	ssize_t r;

	for (;;) {
		while (m->si < m->nskips && m->pos >= m->skips[m->si].to)
			m->si++;
		if (m->si < m->nskips && m->pos >= m->skips[m->si].from) {
			m->pos = m->skips[m->si].to;
			continue;
		}
		break;
	}
	lim = m->si < m->nskips ? m->skips[m->si].from : m->size;
	if (m->pos >= lim)
		return 0;
	if ((off_t)n > lim - m->pos)
		n = (size_t)(lim - m->pos);
	do
		r = pread(m->fd, buf, n, m->pos);
	while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0)
		return -1;	/* the spool shrank under us */
	m->pos += r;
	/* a progress line for long transfers, only on a terminal */
	if (m->progress && (m->pos - m->shown >= (1 << 20) ||
	    m->pos == m->size)) {
		m->shown = m->pos;
		fprintf(stderr, "\reml-smtp: %.1f of %.1f MB sent (%d%%)%s",
		    m->pos / 1048576.0, m->size / 1048576.0,
		    (int)(100.0 * (double)m->pos / (double)m->size),
		    m->pos == m->size ? "\n" : "");
	}
	return (long)r;
}

static int
addr_8bit(const char *a)
{
	for (; *a != '\0'; a++)
		if ((unsigned char)*a >= 0x80)
			return 1;
	return 0;
}

struct session {
	struct netopts *n;
	struct opts *o;
	struct eml_conn *conn;
	struct eml_smtp *smtp;
	unsigned long sent, failed;
	int exit;		/* worst sysexits code so far */
};

static int
open_session(struct session *se)
{
	struct eml_smtp_opts so = { 0 };
	int ex, r;

	if ((se->conn = netopts_connect(se->n, &ex)) == NULL)
		return ex;
	so.tls = se->n->u.tls;
	so.helo = se->o->helo;
	so.host = se->n->u.host;
	so.port = se->n->u.port;
	so.user = se->n->secret ? se->n->login : NULL;
	so.secret = se->n->secret;
	so.mech = se->n->auth;
	so.token = se->n->token;
	so.trace = se->n->verbose ? &se->n->trace : NULL;
	so.no_chunking = se->o->no_chunking;
	if ((se->smtp = eml_smtp_new(se->conn, &so)) == NULL)
		tool_die(NULL, "out of memory");
	if ((r = eml_smtp_open(se->smtp)) < 0) {
		tool_warn(NULL, "%s", eml_smtp_errmsg(se->smtp));
		return eml_net_exitcode(r);
	}
	return 0;
}

/* Send one spooled message; returns a sysexits code. */
static int
send_msg(struct session *se, struct msg *m, const char *label)
{
	struct eml_smtp_env env = { 0 };
	const char *from, *text, *why = "";
	char **rcpt;
	size_t nrcpt, i;
	int r, code;

	if (msg_scan(m, label, 1) < 0)
		return EX_DATAERR;
	from = se->o->from ? se->o->from : se->n->from ? se->n->from : m->from;
	if (from == NULL) {
		tool_warn(label, "no sender: give -f or a From field");
		return EX_DATAERR;
	}
	if (se->o->t) {
		for (i = 0; i < se->o->nrcpt; i++)
			add_rcpt(m, se->o->rcpt[i]);
		rcpt = m->rcpt;
		nrcpt = m->nrcpt;
	} else {
		rcpt = se->o->rcpt;
		nrcpt = se->o->nrcpt;
	}
	if (nrcpt == 0) {
		tool_warn(label, "no recipients%s", se->o->t ? " in To, Cc or "
		    "Bcc" : " (give them as arguments, or -t)");
		return EX_DATAERR;
	}
	/* attack cases 36 and 40: refused before anything is sent, with
	 * the core's RFC 5321 Mailbox check (UTF-8 allowed here; the
	 * engine wants SMTPUTF8 for it) */
	if (from[0] != '\0' && !eml_addr_smtp_ok(from, strlen(from),
	    EML_SMTP_UTF8, &why)) {
		tool_warn(label, "invalid sender address: %s", why);
		return EX_DATAERR;
	}
	for (i = 0; i < nrcpt; i++)
		if (rcpt[i][0] == '-' || !eml_addr_smtp_ok(rcpt[i],
		    strlen(rcpt[i]), EML_SMTP_UTF8, &why)) {
			tool_warn(label, "invalid recipient address #%zu: %s",
			    i + 1, rcpt[i][0] == '-' ? "starts with '-'" : why);
			return EX_DATAERR;
		}
	env.from = from;
	env.rcpt = (const char *const *)rcpt;
	env.nrcpt = nrcpt;
	env.size = (uint64_t)m->size;
	env.flags = m->flags;
	env.notify = se->o->notify;
	env.ret = se->o->ret;
	if (se->o->allow_rcpt_fail)
		env.flags |= EML_SMTP_ALLOW_RCPT_FAIL;
	/* RFC 6531: ask for SMTPUTF8 only when an address needs it */
	if (addr_8bit(from))
		env.flags |= EML_SMTP_NEED_UTF8;
	for (i = 0; i < nrcpt; i++)
		if (addr_8bit(rcpt[i]))
			env.flags |= EML_SMTP_NEED_UTF8;
	if (se->smtp == NULL && (r = open_session(se)) != 0)
		return r;
	if ((m->flags & EML_SMTP_BODY_8BIT) &&
	    !(eml_smtp_caps(se->smtp) & EML_SMTP_8BITMIME)) {
		if (msg_to_7bit(m, label) < 0)
			return EX_DATAERR;
		env.size = (uint64_t)m->size;
		env.flags = (env.flags & ~(unsigned)(EML_SMTP_BODY_8BIT |
		    EML_SMTP_BODY_BINARY)) | m->flags;
		if (se->n->verbose)
			fprintf(stderr, "*** no 8BITMIME: 8-bit parts re-encoded "
			    "(%llu bytes now)\n", (unsigned long long)m->size);
	}
	m->pos = 0;
	m->si = 0;
	m->shown = 0;
	m->progress = m->size > 4 * (1 << 20) && !se->n->verbose &&
	    isatty(2);
	r = eml_smtp_send(se->smtp, &env, msg_read, m);
	if (m->progress && m->shown != m->size)
		fputc('\n', stderr);
	for (i = 0; i < nrcpt; i++)
		if ((code = eml_smtp_rcpt_status(se->smtp, i, &text)) > 0)
			tool_warn(label, "recipient <%s> refused: %s",
			    rcpt[i], text ? text : "");
	if (r < 0) {
		tool_warn(label, "%s", eml_smtp_errmsg(se->smtp));
		return eml_net_exitcode(r);
	}
	if (se->n->verbose) {
		size_t ok = 0;

		for (i = 0; i < nrcpt; i++)
			ok += eml_smtp_rcpt_status(se->smtp, i, NULL) == 0;
		fprintf(stderr, "*** %s: accepted for %zu of %zu recipient%s\n",
		    label, ok, nrcpt, nrcpt == 1 ? "" : "s");
	}
	return 0;
}

static void
account(struct session *se, int ex)
{
	if (ex == 0)
		se->sent++;
	else {
		se->failed++;
		/* EX_TEMPFAIL only if every failure was temporary */
		if (se->exit == 0 || se->exit == EX_TEMPFAIL)
			se->exit = ex;
	}
}

static int
session_dead(const struct session *se)
{
	return se->exit != 0 && se->exit != EX_DATAERR &&
	    se->exit != EX_UNAVAILABLE && se->exit != EX_TEMPFAIL;
}

/* --batch MAILDIR: cur/ and new/, in name order */
static int
by_name(const struct dirent **a, const struct dirent **b)
{
	return strcmp((*a)->d_name, (*b)->d_name);
}

static void
batch_maildir(struct session *se, const char *dir)
{
	static const char *const sub[] = { "cur", "new" };
	struct dirent **ents;
	char path[4096];
	struct msg m;
	int i, k, n;

	for (k = 0; k < 2; k++) {
		snprintf(path, sizeof(path), "%s/%s", dir, sub[k]);
		if ((n = scandir(path, &ents, NULL, by_name)) < 0)
			continue;
		for (i = 0; i < n; i++) {
			if (ents[i]->d_name[0] != '.' && !session_dead(se)) {
				memset(&m, 0, sizeof(m));
				snprintf(path, sizeof(path), "%s/%s/%s", dir,
				    sub[k], ents[i]->d_name);
				if ((m.fd = open(path, O_RDONLY | O_CLOEXEC)) <
				    0) {
					tool_warn(path, "%s", strerror(errno));
					account(se, EX_NOINPUT);
				} else
					account(se, send_msg(se, &m, path));
				msg_free(&m);
			}
			free(ents[i]);
		}
		free(ents);
	}
}

/* --batch MBOX: split at "From " lines, undo mboxrd quoting, spool each */
static void
batch_mbox(struct session *se, FILE *f, const char *label)
{
	char line[8192], name[4200];
	unsigned long idx = 0;
	struct msg m;
	int have = 0, bol = 1, blank = 1;
	size_t len, q;

	memset(&m, 0, sizeof(m));
	m.fd = -1;
	while (fgets(line, sizeof(line), f) != NULL) {
		len = strlen(line);
		if (bol && blank && strncmp(line, "From ", 5) == 0) {
			if (have && !session_dead(se)) {
				snprintf(name, sizeof(name), "%s#%lu", label,
				    idx);
				account(se, send_msg(se, &m, name));
			}
			msg_free(&m);
			if ((m.fd = spool_fd()) < 0)
				tool_die(NULL, "spool: %s", strerror(errno));
			have = 1;
			idx++;
			bol = line[len - 1] == '\n';
			continue;
		}
		if (!have)
			continue;	/* junk before the first From line */
		q = 0;
		if (bol && line[0] == '>') {
			while (line[q] == '>')
				q++;
			q = strncmp(line + q, "From ", 5) == 0 ? 1 : 0;
		}
		if (write(m.fd, line + q, len - q) != (ssize_t)(len - q))
			tool_die(NULL, "spool: %s", strerror(errno));
		if (bol)
			blank = line[0] == '\n' || (line[0] == '\r' &&
			    line[1] == '\n');
		bol = line[len - 1] == '\n';
	}
	if (have && !session_dead(se)) {
		snprintf(name, sizeof(name), "%s#%lu", label, idx);
		account(se, send_msg(se, &m, name));
	}
	msg_free(&m);
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		NETOPTS_LONG,
		{ "batch", required_argument, NULL, O_BATCH },
		{ "notify", required_argument, NULL, O_NOTIFY },
		{ "ret", required_argument, NULL, O_RET },
		{ "allow-rcpt-fail", no_argument, NULL, O_ALLOW },
		{ "helo", required_argument, NULL, O_HELO },
		{ "no-chunking", no_argument, NULL, O_NOCHUNK },
		{ "from", required_argument, NULL, O_FROM },
		{ "help", no_argument, NULL, TOOL_OPT_HELP },
		{ "version", no_argument, NULL, TOOL_OPT_VERSION },
		{ NULL, 0, NULL, 0 }
	};
	struct netopts n;
	struct opts o;
	struct session se;
	struct msg m;
	struct stat st;
	int c, r;

	tool_init("eml-smtp");
	memset(&n, 0, sizeof(n));
	memset(&o, 0, sizeof(o));
	memset(&se, 0, sizeof(se));
	/* a server gone mid-DATA must be an error message, not SIGPIPE */
	signal(SIGPIPE, SIG_IGN);
	while ((c = getopt_long(argc, argv, "tf:io:v", longopts, NULL)) != -1) {
		if (netopts_option(&n, c, optarg))
			continue;
		switch (c) {
		case 't': o.t = 1; break;
		case 'f': case O_FROM: o.from = optarg; break;
		case 'i': break;	/* a lone "." never ends our input */
		case 'o':
			/* sendmail -oi; -oem and -odi are harmless too */
			if (strcmp(optarg, "i") && strcmp(optarg, "em") &&
			    strcmp(optarg, "di") && strcmp(optarg, "ee"))
				tool_usage_exit(usage, EX_USAGE);
			break;
		case 'v': n.verbose = 1; break;
		case O_BATCH: o.batch = optarg; break;
		case O_NOTIFY: o.notify = optarg; break;
		case O_RET: o.ret = optarg; break;
		case O_ALLOW: o.allow_rcpt_fail = 1; break;
		case O_HELO: o.helo = optarg; break;
		case O_NOCHUNK: o.no_chunking = 1; break;
		case TOOL_OPT_HELP: tool_usage_exit(usage, 0);
		case TOOL_OPT_VERSION: tool_version_exit();
		default: tool_usage_exit(usage, EX_USAGE);
		}
	}
	o.rcpt = argv + optind;
	o.nrcpt = (size_t)(argc - optind);
	if (!o.t && o.nrcpt == 0) {
		tool_warn(NULL, "no recipients (give them, or -t)");
		tool_usage_exit(usage, EX_USAGE);
	}
	if ((r = netopts_resolve(&n, EML_P_SMTP, o.from)) != 0) {
		netopts_free(&n);
		return r;
	}
	se.n = &n;
	se.o = &o;
	if (o.batch != NULL) {
		if (strcmp(o.batch, "-") == 0)
			batch_mbox(&se, stdin, "stdin");
		else if (stat(o.batch, &st) == 0 && S_ISDIR(st.st_mode))
			batch_maildir(&se, o.batch);
		else {
			FILE *f = fopen(o.batch, "re");

			if (f == NULL) {
				tool_warn(o.batch, "%s", strerror(errno));
				se.exit = EX_NOINPUT;
			} else {
				batch_mbox(&se, f, o.batch);
				fclose(f);
			}
		}
		if (n.verbose || se.failed)
			fprintf(stderr, "eml-smtp: %lu sent, %lu failed\n",
			    se.sent, se.failed);
	} else {
		memset(&m, 0, sizeof(m));
		/* a regular file is read in place; a pipe is spooled */
		if (fstat(0, &st) == 0 && S_ISREG(st.st_mode))
			m.fd = dup(0);
		else if ((m.fd = spool_fd()) < 0 || copy_all(0, m.fd) < 0) {
			tool_warn("stdin", "%s", strerror(errno));
			se.exit = EX_IOERR;
		}
		if (se.exit == 0)
			account(&se, send_msg(&se, &m, "stdin"));
		msg_free(&m);
	}
	if (se.smtp != NULL)
		eml_smtp_quit(se.smtp);
	eml_smtp_free(se.smtp);
	eml_conn_free(se.conn);
	netopts_free(&n);
	return se.exit;
}
