/*
 * mbox.c - streaming mbox splitter (mboxo and mboxrd) and writer.
 *
 * A message starts at a "From " line that opens the input or follows a
 * blank line (the RFC 4155 reading; "From " lines elsewhere are body
 * text, as in mboxo files that never quoted them).  The From_ line is not
 * part of the message, nor is the blank line that ends it: the one before
 * the next From_ line, and also a final blank line at the end of the
 * input, so that what eml_mbox_write wrote reads back unchanged.
 *
 * Memory is bounded: body lines are passed through as slices of the fed
 * buffer; only the start of a line that is not yet decided (is it "From ",
 * ">From ", blank?) and the From_ line itself are held, at most HOLD_MAX
 * bytes.  The results do not depend on how the input is chunked.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "eml_priv.h"

#define HOLD_MAX	65536
#define QMAX		4

enum dec {
	D_MORE,		/* need more bytes to decide */
	D_PLAIN,	/* ordinary line */
	D_FROM_BODY,	/* "From " not after a blank line: body (mboxo) */
	D_BLANK,	/* "\n" or "\r\n" */
	D_FROM,		/* separator */
	D_QUOTED	/* ">+From " with EML_MBOX_RD */
};

enum state {
	S_BOL,		/* at the start of a line */
	S_BODY,		/* inside a line of the body */
	S_FROM,		/* inside a From_ line */
	S_DONE
};

struct eml_mbox {
	unsigned flags;
	const unsigned char *buf;	/* fed buffer */
	size_t len, pos;
	uint64_t off;			/* input offset of buf[pos] */
	int eof;
	enum state st;
	int in_msg;			/* a message is open */
	int prev_blank;			/* last line was blank */
	unsigned long unquoted;		/* diag: D_FROM_BODY lines in msg */
	uint64_t unquoted_off;		/* diag: offset of the first */
	unsigned long index;
	const char *pend;		/* held blank line: "\n", "\r\n" */
	size_t npend;
	uint64_t pend_off;
	unsigned char *hold;		/* undecided line start, From_ line */
	size_t nhold;
	size_t hold_total;		/* From_ line bytes incl. dropped */
	uint64_t hold_off;
	uint64_t msg_end;		/* input offset after the message */
	struct eml_mbox_event q[QMAX];	/* events decided, not yet returned */
	unsigned qhead, qn;
};

struct eml_mbox *
eml_mbox_new(unsigned flags)
{
	struct eml_mbox *m;

	if ((m = calloc(1, sizeof(*m))) == NULL)
		return NULL;
	if ((m->hold = malloc(HOLD_MAX)) == NULL) {
		free(m);
		return NULL;
	}
	m->flags = flags;
	m->st = S_BOL;
	m->prev_blank = 1;
	return m;
}

void
eml_mbox_free(struct eml_mbox *m)
{
	if (m == NULL)
		return;
	free(m->hold);
	free(m);
}

int
eml_mbox_feed(struct eml_mbox *m, const void *buf, size_t len)
{
	if (m->pos < m->len || m->qn > 0 || m->eof)
		return EML_EINVAL;
	m->buf = buf;
	m->len = len;
	m->pos = 0;
	return EML_OK;
}

int
eml_mbox_finish(struct eml_mbox *m)
{
	m->eof = 1;
	return EML_OK;
}

static void
push(struct eml_mbox *m, enum eml_mbox_ev_type t, const void *data,
    size_t len, uint64_t off)
{
	struct eml_mbox_event *ev = &m->q[(m->qhead + m->qn) % QMAX];

	ev->type = t;
	ev->data = data;
	ev->len = len;
	ev->offset = off;
	ev->index = m->index;
	ev->from_unquoted = t == EML_MBOX_END ? m->unquoted : 0;
	ev->from_unquoted_offset = t == EML_MBOX_END ? m->unquoted_off : 0;
	m->qn++;
}

/* Data of the current message; dropped before the first From_ line. */
static void
push_data(struct eml_mbox *m, const void *data, size_t len, uint64_t off)
{
	if (m->in_msg && len > 0) {
		push(m, EML_MBOX_DATA, data, len, off);
		m->msg_end = off + len;
	}
}

static void
flush_pend(struct eml_mbox *m)
{
	if (m->npend > 0)
		push_data(m, m->pend, m->npend, m->pend_off);
	m->npend = 0;
}

/* Classify the line starting at p[0..n).  n may be short of a whole
 * line; eof says no more bytes will come. */
static enum dec
decide(const struct eml_mbox *m, const unsigned char *p, size_t n,
    uint64_t off, int eof)
{
	static const char from[] = "From ";
	size_t k = 0, i;

	if (n == 0)
		return eof ? D_PLAIN : D_MORE;
	if (off == 0 && m->index == 0 && p[0] == 0xEF) {
		/* A UTF-8 BOM before the first From_ line (editors write
		 * one): skipped, so the first message is not lost; the
		 * BEGIN event's offset, 3, shows it (begin_msg). */
		for (i = 0; i < 3 && i < n; i++)
			if (p[i] != (unsigned char)"\xEF\xBB\xBF"[i])
				return D_PLAIN;
		if (n < 3)
			return eof ? D_PLAIN : D_MORE;
		p += 3;
		n -= 3;
		if (n == 0)
			return eof ? D_PLAIN : D_MORE;
	}
	if (p[0] == '\n')
		return D_BLANK;
	if (p[0] == '\r') {
		if (n < 2)
			return eof ? D_PLAIN : D_MORE;
		return p[1] == '\n' ? D_BLANK : D_PLAIN;
	}
	if (p[0] == '>' && (m->flags & EML_MBOX_RD)) {
		while (k < n && p[k] == '>' && k < HOLD_MAX - 8)
			k++;
		if (k == HOLD_MAX - 8)
			return D_PLAIN;
		if (k == n)
			return eof ? D_PLAIN : D_MORE;
	} else if (p[0] != 'F')
		return D_PLAIN;
	for (i = 0; i < 5; i++) {
		if (k + i == n)
			return eof ? D_PLAIN : D_MORE;
		if (p[k + i] != (unsigned char)from[i])
			return D_PLAIN;
	}
	if (k > 0)
		return D_QUOTED;
	return m->prev_blank || !m->in_msg ? D_FROM : D_FROM_BODY;
}

static void
begin_msg(struct eml_mbox *m, const unsigned char *line, size_t n,
    uint64_t off)
{
	if (off == 0 && n >= 3 && memcmp(line, "\xEF\xBB\xBF", 3) == 0) {
		line += 3;	/* the BOM decide() let through */
		n -= 3;
		off += 3;
	}
	/* The event carries the From_ line without its EOL. */
	if (n > 0 && line[n - 1] == '\n')
		n--;
	if (n > 0 && line[n - 1] == '\r')
		n--;
	m->index++;
	m->in_msg = 1;
	m->unquoted = 0;
	m->unquoted_off = 0;
	push(m, EML_MBOX_BEGIN, line, n, off);
	m->st = S_BOL;
	m->prev_blank = 0;
}

/* A separator line starts: close the message before it. */
static void
sep_found(struct eml_mbox *m)
{
	m->npend = 0;	/* the blank line before it belongs to no one */
	if (m->in_msg)
		push(m, EML_MBOX_END, NULL, 0, m->msg_end);
	m->in_msg = 0;
	m->st = S_FROM;
}

/* Collect the From_ line into hold, up to HOLD_MAX bytes (the rest of
 * an absurdly long one is dropped). */
static void
from_line(struct eml_mbox *m)
{
	const unsigned char *p = m->buf + m->pos, *nl;
	size_t n = m->len - m->pos, take, room;

	nl = memchr(p, '\n', n);
	take = nl != NULL ? (size_t)(nl - p) + 1 : n;
	if (m->nhold == 0 && nl != NULL) {
		/* Whole line in the buffer: no copy. */
		begin_msg(m, p, EMLI_MIN(take, (size_t)HOLD_MAX), m->off);
	} else {
		if (m->nhold == 0)
			m->hold_off = m->off;
		room = HOLD_MAX - m->nhold;
		memcpy(m->hold + m->nhold, p, EMLI_MIN(take, room));
		m->nhold += EMLI_MIN(take, room);
		if (nl != NULL) {
			begin_msg(m, m->hold, m->nhold, m->hold_off);
			m->nhold = 0;
		}
	}
	m->pos += take;
	m->off += take;
	m->msg_end = m->off;
}

/* A "From " line inside a message that no writer quoted (mboxo): body
 * text by RFC 4155, counted for the END event (diag branch). */
static void
from_body(struct eml_mbox *m, uint64_t off)
{
	if (m->in_msg && m->unquoted++ == 0)
		m->unquoted_off = off;
}

/* Act on the decision for the line starting at p (in hold or buffer). */
static void
act(struct eml_mbox *m, enum dec d, const unsigned char *p, size_t n,
    uint64_t off)
{
	switch (d) {
	case D_BLANK:
		flush_pend(m);
		m->pend = p[0] == '\r' ? "\r\n" : "\n";
		m->npend = p[0] == '\r' ? 2 : 1;
		m->pend_off = off;
		m->prev_blank = 1;
		break;
	case D_QUOTED:
		flush_pend(m);
		push_data(m, p + 1, n - 1, off + 1);
		m->st = S_BODY;
		m->prev_blank = 0;
		break;
	case D_FROM_BODY:
		from_body(m, off);
		/* FALLTHROUGH */
	case D_PLAIN:
		flush_pend(m);
		push_data(m, p, n, off);
		m->st = S_BODY;
		m->prev_blank = 0;
		break;
	default:
		break;
	}
	/* A held line may be complete already ("x\n" decided at the EOL). */
	if (m->st == S_BODY && n > 0 && p[n - 1] == '\n')
		m->st = S_BOL;
}

/* At the start of a line with the line start in hold: move bytes into
 * hold one at a time until the line can be classified. */
static void
bol_hold(struct eml_mbox *m)
{
	enum dec d = D_MORE;
	size_t n;

	while (m->pos < m->len) {
		m->hold[m->nhold++] = m->buf[m->pos++];
		m->off++;
		/* Still in a run of '>': undecided, and rescanning the run
		 * for every byte would be quadratic. */
		if (m->nhold >= 2 && m->hold[m->nhold - 1] == '>' &&
		    m->hold[m->nhold - 2] == '>' && m->nhold < HOLD_MAX - 16)
			continue;
		if ((d = decide(m, m->hold, m->nhold, m->hold_off, 0)) != D_MORE)
			break;
	}
	if (d == D_MORE)
		return;
	n = m->nhold;
	m->nhold = 0;
	if (d == D_FROM) {
		sep_found(m);
		/* Keep "From " as the start of the From_ line. */
		m->nhold = n;
		return;
	}
	act(m, d, m->hold, n, m->hold_off);
}

/* At the start of a line, nothing held. */
static void
bol(struct eml_mbox *m)
{
	const unsigned char *p = m->buf + m->pos;
	size_t n = m->len - m->pos;
	enum dec d = decide(m, p, n, m->off, 0);

	switch (d) {
	case D_MORE:
		m->hold_off = m->off;
		memcpy(m->hold, p, n);	/* n < HOLD_MAX: decide caps it */
		m->nhold = n;
		m->pos += n;
		m->off += n;
		break;
	case D_FROM:
		sep_found(m);
		break;
	case D_BLANK:
		act(m, d, p, 0, m->off);
		n = p[0] == '\r' ? 2 : 1;
		m->pos += n;
		m->off += n;
		break;
	case D_QUOTED:
		flush_pend(m);
		m->pos++;	/* drop one '>' */
		m->off++;
		m->st = S_BODY;
		m->prev_blank = 0;
		break;
	case D_FROM_BODY:
		from_body(m, m->off);
		/* FALLTHROUGH */
	case D_PLAIN:
		flush_pend(m);
		m->st = S_BODY;
		m->prev_blank = 0;
		break;
	}
}

/* Inside a body line: pass bytes through as one slice, across following
 * lines as long as they are plainly not special. */
static void
body(struct eml_mbox *m)
{
	const unsigned char *p = m->buf + m->pos, *e = m->buf + m->len;
	const unsigned char *s = p, *nl;
	/* decide() finds nothing but plain text in a line starting with
	 * any other byte: the lines between go by in blocks (scan.c) */
	size_t nset = m->flags & EML_MBOX_RD ? 4 : 3, i;

	for (;;) {
		nl = memchr(s, '\n', (size_t)(e - s));
		if (nl == NULL) {
			s = e;
			break;
		}
		s = nl + 1;
		if (s < e && memchr("\n\rF>", *s, nset) == NULL) {
			i = emli_scan_bol((const char *)p, (size_t)(e - p),
			    (size_t)(s - p) + 1, "\n\rF>", nset);
			if (i == (size_t)(e - p)) {
				/* no such line: the last one may be cut */
				m->st = e[-1] == '\n' ? S_BOL : S_BODY;
				s = e;
				break;
			}
			s = p + i;
		}
		m->st = S_BOL;
		/* a D_FROM_BODY line goes through bol() to be counted */
		if (s == e || decide(m, s, (size_t)(e - s), 1, 0) != D_PLAIN)
			break;
		m->st = S_BODY;
	}
	push_data(m, p, (size_t)(s - p), m->off);
	m->off += (uint64_t)(s - p);
	m->pos += (size_t)(s - p);
}

/* Input ended: settle what is held. */
static void
at_eof(struct eml_mbox *m)
{
	if (m->st == S_FROM) {
		begin_msg(m, m->hold, m->nhold, m->hold_off);
		m->nhold = 0;
		m->msg_end = m->off;
	} else if (m->nhold > 0) {
		enum dec d = decide(m, m->hold, m->nhold, m->hold_off, 1);

		act(m, d, m->hold, m->nhold, m->hold_off);
		m->nhold = 0;
	}
	/* A final blank line ends the last message like a separator. */
	m->npend = 0;
	if (m->in_msg)
		push(m, EML_MBOX_END, NULL, 0, m->msg_end);
	m->in_msg = 0;
	m->st = S_DONE;
}

int
eml_mbox_next(struct eml_mbox *m, struct eml_mbox_event *ev)
{
	while (m->qn == 0) {
		if (m->st == S_DONE)
			return 0;
		if (m->pos >= m->len) {
			if (!m->eof)
				return 0;
			at_eof(m);
			continue;
		}
		switch (m->st) {
		case S_BOL:
			if (m->nhold > 0)
				bol_hold(m);
			else
				bol(m);
			break;
		case S_BODY:
			body(m);
			break;
		case S_FROM:
			from_line(m);
			break;
		case S_DONE:
			break;
		}
	}
	*ev = m->q[m->qhead];
	m->qhead = (m->qhead + 1) % QMAX;
	m->qn--;
	return 1;
}

int
eml_mbox_sniff(const void *buf, size_t len)
{
	const unsigned char *p = buf;

	if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0) {
		p += 3;	/* a BOM before the first From_ line */
		len -= 3;
	}
	return len >= 5 && memcmp(p, "From ", 5) == 0;
}

/* ---- writing: the mboxrd filter and the delivery sink ---- */

#define MBF_BUF		4096
#define LOCK_TRIES	20		/* 100 ms apart: 2 s */
#define LOCK_STALE	1024		/* seconds: procmail's LOCKTIMEOUT */

enum mbf_state {
	MB_BOL,		/* at the start of a line, or after its '>'s */
	MB_MATCH,	/* k bytes of "From " seen there, held */
	MB_MID		/* inside a line */
};

struct mbf_sink {
	struct eml_sink s;
	char *from;		/* separator line without EOL */
	int crlf;		/* separator ends in CRLF */
	int started;		/* separator written */
	enum mbf_state st;
	unsigned k;
	unsigned char last[2];	/* last two message bytes */
	uint64_t n;		/* message bytes */
	unsigned char buf[MBF_BUF];
	size_t nbuf;
};

static int
mbf_flush(struct mbf_sink *f)
{
	size_t n = f->nbuf;

	f->nbuf = 0;
	return n > 0 ? eml_sink_write(f->s.next, f->buf, n) : EML_OK;
}

static int
mbf_put(struct mbf_sink *f, const void *p, size_t n)
{
	int r;

	if (f->nbuf + n > sizeof(f->buf)) {
		if ((r = mbf_flush(f)) < 0)
			return r;
		if (n > sizeof(f->buf))
			return eml_sink_write(f->s.next, p, n);
	}
	memcpy(f->buf + f->nbuf, p, n);
	f->nbuf += n;
	return EML_OK;
}

static int
mbf_start(struct mbf_sink *f)
{
	int r;

	f->started = 1;
	if ((r = mbf_put(f, f->from, strlen(f->from))) < 0)
		return r;
	return mbf_put(f, f->crlf ? "\r\n" : "\n", f->crlf ? 2 : 1);
}

/*
 * mboxrd: a line that is ">*From " gets one more '>'.  Since the added
 * '>' can go anywhere in the run of '>'s, it is put right before the
 * "From ": only those five bytes are ever held, however long the run.
 */
static int
mbf_write(struct eml_sink *s, const void *p, size_t n)
{
	struct mbf_sink *f = (struct mbf_sink *)s;
	const unsigned char *q = p, *end = q + n, *nl;
	size_t len;
	int r;

	if (!f->started && (r = mbf_start(f)) < 0)
		return r;
	if (n >= 2) {
		f->last[0] = q[n - 2];
		f->last[1] = q[n - 1];
	} else {
		f->last[0] = f->last[1];
		f->last[1] = q[0];
	}
	f->n += n;
	while (q < end) {
		switch (f->st) {
		case MB_BOL:
			if (*q == '>') {
				if ((r = mbf_put(f, q, 1)) < 0)
					return r;
				q++;
			} else if (*q == 'F') {
				f->st = MB_MATCH;
				f->k = 1;
				q++;
			} else
				f->st = MB_MID;
			break;
		case MB_MATCH:
			if (*q == "From "[f->k]) {
				q++;
				if (++f->k < 5)
					break;
				if ((r = mbf_put(f, ">From ", 6)) < 0)
					return r;
			} else if ((r = mbf_put(f, "From ", f->k)) < 0)
				return r;
			f->st = MB_MID;
			break;
		case MB_MID:
			nl = memchr(q, '\n', (size_t)(end - q));
			len = nl != NULL ? (size_t)(nl - q) + 1 :
			    (size_t)(end - q);
			if ((r = mbf_put(f, q, len)) < 0)
				return r;
			q += len;
			if (nl != NULL)
				f->st = MB_BOL;
			break;
		}
	}
	return EML_OK;
}

static int
mbf_finish(struct eml_sink *s)
{
	struct mbf_sink *f = (struct mbf_sink *)s;
	const char *eol;
	int r;

	if (!f->started && (r = mbf_start(f)) < 0)
		return r;
	if (f->st == MB_MATCH && (r = mbf_put(f, "From ", f->k)) < 0)
		return r;
	/* The message's own line end if it has one, else the
	 * separator's; then the blank line that ends the message, which
	 * the reader drops again (RFC 4155). */
	eol = f->crlf ? "\r\n" : "\n";
	if (f->n >= 2 && f->last[0] == '\r' && f->last[1] == '\n')
		eol = "\r\n";
	else if (f->n >= 1 && f->last[1] == '\n')
		eol = "\n";
	if (f->n > 0 && f->last[1] != '\n' &&
	    (r = mbf_put(f, eol, strlen(eol))) < 0)
		return r;
	if ((r = mbf_put(f, eol, strlen(eol))) < 0)
		return r;
	return mbf_flush(f);
}

static void
mbf_release(struct eml_sink *s, int discard)
{
	free(((struct mbf_sink *)s)->from);
}

static const struct emli_sink_ops mbf_ops = {
	mbf_write, mbf_finish, mbf_release
};

struct eml_sink *
eml_filter_mbox(struct eml_sink *next, const char *from_line,
    unsigned flags)
{
	char def[80];
	struct mbf_sink *f;
	struct tm tm;
	time_t now;
	size_t n;

	if (next == NULL) {
		errno = ENOMEM;
		return NULL;
	}
	if (from_line == NULL) {
		/* RFC 4155: "From " sender asctime-date, in UTC */
		now = time(NULL);
		gmtime_r(&now, &tm);
		strftime(def, sizeof(def), "From MAILER-DAEMON %a %b %e "
		    "%H:%M:%S %Y", &tm);
		from_line = def;
	}
	if (strncmp(from_line, "From ", 5) != 0) {
		eml_sink_abort(next);
		errno = EINVAL;
		return NULL;
	}
	f = (struct mbf_sink *)emli_sink_new(sizeof(*f), &mbf_ops, next, 1);
	if (f == NULL)
		return NULL;
	n = strcspn(from_line, "\r\n");
	if ((f->from = malloc(n + 1)) == NULL) {
		eml_sink_abort(&f->s);
		errno = ENOMEM;
		return NULL;
	}
	memcpy(f->from, from_line, n);
	f->from[n] = '\0';
	f->crlf = (flags & EML_MBOX_CRLF) != 0;
	f->st = MB_BOL;
	return &f->s;
}

int
eml_mbox_write(const char *from_line, const void *msg, size_t len,
    struct eml_buf *out)
{
	const char *p = msg;
	size_t save = out->len;
	struct eml_sink *s;
	int r;

	if (from_line == NULL || strncmp(from_line, "From ", 5) != 0 ||
	    (msg == NULL && len > 0))
		return EML_EINVAL;
	/* The whole message is known here: the separator takes its line
	 * ends from the message's last line. */
	s = eml_filter_mbox(eml_sink_buf(out), from_line,
	    len >= 2 && p[len - 2] == '\r' && p[len - 1] == '\n' ?
	    EML_MBOX_CRLF : 0);
	if (s == NULL)
		return EML_ENOMEM;
	if ((r = eml_sink_write(s, msg, len)) != EML_OK)
		eml_sink_abort(s);
	else
		r = eml_sink_close(s);
	if (r != EML_OK) {
		out->len = save;
		if (out->data != NULL)
			out->data[save] = '\0';
	}
	return r;
}

/* "Www Mmm dd hh:mm:ss yyyy" (asctime, as qmail's and Postfix's From_
 * lines have it) after the envelope sender; some writers put a zone or
 * "remote from" after it, which is ignored.  RFC 4155 leaves the form
 * unspecified, so anything else is "unknown", never an error.  The time
 * is read as UTC: the writer's local zone is not recorded. */
int
eml_mbox_from_time(const char *line, size_t len, time_t *t_r)
{
	static const char mons[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
	static const int mdays[] = { 0, 31, 59, 90, 120, 151, 181, 212,
	    243, 273, 304, 334 };
	const char *p = line, *e = line + len, *q;
	char tail[64];
	size_t k;
	int mon = -1, day, hh, mm, ss = 0, year, i, n;
	int64_t days, y;

	*t_r = 0;
	if (len < 5 || memcmp(line, "From ", 5) != 0)
		return EML_EFORMAT;
	/* The date is the last part of the line: find a day name followed
	 * by a month name, scanning from after the sender. */
	for (p += 5; p < e; p++) {
		if (p[0] != ' ')
			continue;
		q = p + 1;
		while (q < e && *q == ' ')
			q++;
		if (e - q < 20 || q[3] != ' ')
			continue;
		for (i = 0; i < 12; i++)
			if (memcmp(q + 4, mons + 3 * i, 3) == 0)
				break;
		if (i == 12 || q[7] != ' ')
			continue;
		mon = i;
		p = q + 8;
		break;
	}
	if (mon < 0)
		return EML_EFORMAT;
	while (p < e && *p == ' ')
		p++;
	/* sscanf needs a terminated string: the line is not one. */
	k = (size_t)(e - p) < sizeof(tail) - 1 ? (size_t)(e - p) :
	    sizeof(tail) - 1;
	memcpy(tail, p, k);
	tail[k] = '\0';
	if (sscanf(tail, "%d %d:%d:%d %d%n", &day, &hh, &mm, &ss, &year,
	    &n) != 5) {
		ss = 0;
		if (sscanf(tail, "%d %d:%d %d%n", &day, &hh, &mm, &year,
		    &n) != 4)
			return EML_EFORMAT;
	}
	if (day < 1 || day > 31 || hh < 0 || hh > 23 || mm < 0 ||
	    mm > 59 || ss < 0 || ss > 60 || year < 1970 || year > 9999)
		return EML_EFORMAT;
	/* Days from the civil date, proleptic Gregorian. */
	y = year;
	days = (y - 1970) * 365 + (y - 1969) / 4 - (y - 1901) / 100 +
	    (y - 1601) / 400 + mdays[mon] + day - 1;
	if (mon > 1 && (y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		days++;
	*t_r = (time_t)(days * 86400 + hh * 3600 + mm * 60 + ss);
	return EML_OK;
}

/* The mbox file: appended to under both locks, cut back on discard. */
struct mbfile_sink {
	struct eml_sink s;
	int fd;
	off_t old;		/* size before this message */
	int armed;		/* old is known: discard may truncate */
	char *lock;		/* dot-lock path we hold, or NULL */
};

static int
mbfile_write(struct eml_sink *s, const void *p, size_t n)
{
	return emli_write_all(((struct mbfile_sink *)s)->fd, p, n);
}

static int
mbfile_finish(struct eml_sink *s)
{
	return fsync(((struct mbfile_sink *)s)->fd) == 0 ? EML_OK : EML_EIO;
}

static void
mbfile_release(struct eml_sink *s, int discard)
{
	struct mbfile_sink *m = (struct mbfile_sink *)s;

	/* Still under the locks: nobody appended after us. */
	if (discard && m->armed && ftruncate(m->fd, m->old) == 0)
		(void)fsync(m->fd);
	if (m->fd >= 0)
		close(m->fd);	/* drops the fcntl lock */
	if (m->lock != NULL) {
		unlink(m->lock);
		free(m->lock);
	}
}

static const struct emli_sink_ops mbfile_ops = {
	mbfile_write, mbfile_finish, mbfile_release
};

static void
pause_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) != 0 && errno == EINTR)
		;
}

/*
 * Dot-lock PATH.lock the NFS-safe way (procmail, liblockfile): create a
 * unique file next to it and link() it to the lock name; success is the
 * link count 2 even when the link() reply was lost.  A lock older than
 * LOCK_STALE seconds is left over from a crash and is removed.
 */
static int
dotlock(const char *lock)
{
	size_t n = strlen(lock) + 8;
	struct stat st;
	char *tmp;
	int fd, tries, r = -1, e = EAGAIN;

	if ((tmp = malloc(n)) == NULL)
		return -1;
	snprintf(tmp, n, "%sXXXXXX", lock);
	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		free(tmp);
		errno = e;
		return -1;
	}
	close(fd);
	for (tries = 0; tries < LOCK_TRIES; tries++) {
		if (link(tmp, lock) == 0 ||
		    (stat(tmp, &st) == 0 && st.st_nlink == 2)) {
			r = 0;
			break;
		}
		if (errno != EEXIST && errno != ENOENT) {
			e = errno;
			break;
		}
		if (stat(lock, &st) == 0 &&
		    time(NULL) - st.st_mtime > LOCK_STALE) {
			unlink(lock);
			continue;
		}
		pause_ms(100);
	}
	unlink(tmp);
	free(tmp);
	if (r != 0)
		errno = e;
	return r;
}

static int
fcntl_lock(int fd)
{
	struct flock fl;
	int tries;

	for (tries = 0; tries < LOCK_TRIES; tries++) {
		memset(&fl, 0, sizeof(fl));
		fl.l_type = F_WRLCK;
		fl.l_whence = SEEK_SET;
		if (fcntl(fd, F_SETLK, &fl) == 0)
			return 0;
		if (errno != EAGAIN && errno != EACCES && errno != EINTR)
			return -1;
		pause_ms(100);
	}
	errno = EAGAIN;
	return -1;
}

struct eml_sink *
eml_sink_mbox(const char *path, const char *from_line, unsigned flags,
    int *err_r)
{
	struct mbfile_sink *m;
	struct eml_sink *f;
	unsigned char tail[3];
	struct stat st;
	size_t n;
	ssize_t k;
	int dummy, e;

	if (err_r == NULL)
		err_r = &dummy;
	*err_r = EML_OK;
	if (path == NULL || path[0] == '\0' || (from_line != NULL &&
	    strncmp(from_line, "From ", 5) != 0)) {
		*err_r = EML_EINVAL;
		errno = EINVAL;
		return NULL;
	}
	m = (struct mbfile_sink *)emli_sink_new(sizeof(*m), &mbfile_ops,
	    NULL, 0);
	if (m == NULL) {
		*err_r = EML_ENOMEM;
		return NULL;
	}
	m->fd = -1;
	if (!(flags & EML_MBOX_NO_DOTLOCK)) {
		n = strlen(path) + 6;
		if ((m->lock = malloc(n)) == NULL) {
			eml_sink_abort(&m->s);
			*err_r = EML_ENOMEM;
			errno = ENOMEM;
			return NULL;
		}
		snprintf(m->lock, n, "%s.lock", path);
		if (dotlock(m->lock) != 0) {
			e = errno;
			free(m->lock);
			m->lock = NULL;
			goto fail;
		}
	}
	m->fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
	if (m->fd < 0 || fstat(m->fd, &st) != 0) {
		e = errno;
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		e = EINVAL;
		goto fail;
	}
	if (fcntl_lock(m->fd) != 0 || fstat(m->fd, &st) != 0) {
		e = errno;
		goto fail;
	}
	m->old = st.st_size;
	/* A "From " line only starts a message after a blank line: end
	 * what the file holds so that it does (a file cut short by a
	 * crash, or written by a careless tool). */
	m->armed = 1;
	if (m->old > 0) {
		int rfd = open(path, O_RDONLY | O_CLOEXEC);
		const char *fix = "";

		if (rfd < 0) {
			e = errno;
			goto fail;
		}
		n = m->old >= 3 ? 3 : (size_t)m->old;
		k = pread(rfd, tail, n, m->old - (off_t)n);
		e = errno;
		close(rfd);
		if (k != (ssize_t)n) {
			if (k >= 0)
				e = EIO;
			goto fail;
		}
		if (tail[n - 1] != '\n')
			fix = "\n\n";
		else if (!(n >= 2 && tail[n - 2] == '\n') &&
		    !(n == 3 && tail[0] == '\n' && tail[1] == '\r'))
			fix = "\n";
		if (fix[0] != '\0' &&
		    emli_write_all(m->fd, fix, strlen(fix)) != EML_OK) {
			e = errno;
			goto fail;
		}
	}
	if ((f = eml_filter_mbox(&m->s, from_line, flags)) == NULL) {
		*err_r = errno == ENOMEM ? EML_ENOMEM : EML_EINVAL;
		return NULL;
	}
	return f;
fail:
	eml_sink_abort(&m->s);	/* truncates back, unlocks */
	errno = e;
	*err_r = EML_EIO;
	return NULL;
}
