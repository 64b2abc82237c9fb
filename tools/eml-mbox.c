/*
 * eml-mbox - mailbox conversions: join messages into an mbox (mboxrd),
 * split one into a Maildir or numbered files, count, pick messages by
 * number, convert mboxo to mboxrd; .gz in and out.
 *
 * Streams: a message is passed on as it is read, through the library's
 * mboxrd filter and delivery sinks; only its header block is held (up to
 * HOLD_MAX) when a From_ line has to be made from its headers.
 */
#define _GNU_SOURCE	/* asprintf, memmem */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "common.h"

static const char usage_text[] =
    "eml-mbox [-c | -d DIR | -m MAILDIR | -o MBOX] [-n RANGE]... [-x] "
    "[-z] [-f] [--mboxo] [--sender ADDR] " TOOL_USAGE_INPUT " [file ...]";

static const char help_text[] =
    "Join the messages of every input (files, mboxes, Maildirs) into one\n"
    "mbox on standard output, in mboxrd form: \">From \" lines quoted one\n"
    "more level, a From_ line kept from an input mbox or made from the\n"
    "message (Return-Path or From, and Date).  Instead:\n"
    "  -c, --count          print how many messages each input has\n"
    "                       (\"FILE:N\" with several inputs, then \"total:N\")\n"
    "  -d, --split DIR      write each message to DIR/N.eml, N counting\n"
    "                       from 1 over all inputs (never overwritten\n"
    "                       unless -f)\n"
    "  -m, --maildir DIR    deliver each message into the Maildir DIR\n"
    "                       (created if missing)\n"
    "  -o, --output MBOX    append to the mbox file MBOX, locked as mutt\n"
    "                       and procmail lock (fcntl and MBOX.lock)\n"
    "  -n, --pick RANGE     only messages N, N-M, N- or -M of each input\n"
    "                       (1-based; may be repeated)\n"
    "  -x, --raw            write the picked messages as they are, not as\n"
    "                       an mbox (for one message: eml-mbox -x -n 3)\n"
    "  -z, --gzip           gzip the output (standard output or -o)\n"
    "  -f, --force          -d may replace existing N.eml files\n"
    "      --mboxo          read input mboxes as mboxo: \">From \" lines\n"
    "                       are kept as they are, so that joining them\n"
    "                       again converts mboxo to mboxrd\n"
    "      --sender ADDR    envelope sender for made From_ lines\n"
    "                       (default: Return-Path, else From, else\n"
    "                       MAILER-DAEMON)\n";

#define HOLD_MAX	(256 * 1024)	/* header bytes held for a From_ line */
#define MAX_RANGES	64

enum mode { M_JOIN, M_COUNT, M_SPLIT, M_MAILDIR, M_MBOXFILE };

struct range {
	unsigned long lo, hi;	/* hi 0 = open */
};

struct state {
	enum mode mode;
	const char *dir;		/* -d, -m */
	const char *mbox;		/* -o */
	struct range ranges[MAX_RANGES];
	unsigned nranges;
	int raw, gzip, force;
	const char *sender;
	struct eml_sink *out;		/* stdout chain (join, -x) */
	/* the message being copied */
	int want;			/* selected */
	struct eml_sink *msg;		/* its sink, once open */
	struct eml_buf hold;		/* header bytes before it opens */
	char *path;			/* -d: the file being written */
	int fd;				/* -d: its descriptor, or -1 */
	/* counts */
	char *cur_name;			/* input being counted (a copy) */
	unsigned long cur_count, total, seq, ninputs;
	int failed;
};

/* ---- output plumbing ---- */

/* A per-message filter owns its next sink; this one forwards to the
 * shared output and leaves it open, so stdout gets one gzip stream. */
static int
shared_write(void *ctx, const void *p, size_t n)
{
	return eml_sink_write(ctx, p, n);
}

static struct eml_sink *
shared(struct state *s)
{
	return eml_sink_cb(shared_write, NULL, s->out);
}

static void
sink_error(const struct tool_src *src, const char *what, int err)
{
	if (err == EML_EIO)
		tool_warn(NULL, "%s: %s", what, strerror(errno));
	else
		tool_warn_src(src, 0, "%s: %s", what, eml_strerror(err));
}

/* ---- From_ lines ---- */

/* The header block in h[0..n): value of the first field name (raw, to
 * the end of its last line) or NULL. */
static const char *
field(const char *h, size_t n, const char *name, size_t *len_r)
{
	size_t nl = strlen(name), i = 0, j;

	while (i < n) {
		if (h[i] == '\n' || (h[i] == '\r' && i + 1 < n &&
		    h[i + 1] == '\n'))
			break;		/* end of the header block */
		if (n - i > nl && strncasecmp(h + i, name, nl) == 0 &&
		    h[i + nl] == ':') {
			for (j = i + nl + 1; j < n; j++)
				if (h[j] == '\n' && (j + 1 >= n ||
				    (h[j + 1] != ' ' && h[j + 1] != '\t')))
					break;
			*len_r = j - (i + nl + 1);
			return h + i + nl + 1;
		}
		while (i < n && h[i] != '\n')
			i++;
		i++;
	}
	return NULL;
}

/* First addr-spec of a field, into out (size bytes); 0 if none. */
static int
field_addr(const char *h, size_t n, const char *name, char *out,
    size_t size)
{
	struct eml_addrlist l;
	const char *v;
	size_t len, i;
	int ok = 0;

	if ((v = field(h, n, name, &len)) == NULL)
		return 0;
	memset(&l, 0, sizeof(l));
	if (eml_addr_parse(v, len, NULL, &l) == EML_OK)
		for (i = 0; i < l.n && !ok; i++)
			if (l.v[i].email != NULL && *l.v[i].email != '\0' &&
			    strlen(l.v[i].email) < size) {
				strcpy(out, l.v[i].email);
				ok = 1;
			}
	eml_addr_free(&l);
	return ok;
}

/*
 * RFC 4155: "From " envelope-sender asctime-date.  The sender has no
 * blanks (an addr-spec with one is replaced), the date is the message's
 * Date in UTC, else when it was received (Maildir file time), else now.
 */
static void
make_from_line(struct state *s, const struct tool_src *src, char *line,
    size_t size)
{
	const char *h = s->hold.data != NULL ? s->hold.data : "";
	char who[256] = "MAILER-DAEMON", date[32];
	struct eml_date d;
	const char *v;
	size_t len;
	time_t t = time(NULL);
	struct tm tm;

	if (s->sender != NULL)
		snprintf(who, sizeof(who), "%s", s->sender);
	else if (!field_addr(h, s->hold.len, "Return-Path", who,
	    sizeof(who)) && !field_addr(h, s->hold.len, "From", who,
	    sizeof(who)))
		strcpy(who, "MAILER-DAEMON");
	if (strpbrk(who, " \t\r\n") != NULL)
		strcpy(who, "MAILER-DAEMON");
	if ((v = field(h, s->hold.len, "Date", &len)) != NULL &&
	    eml_date_parse(v, len, &d) == EML_OK)
		t = d.utc;
	else if (src->has_time)
		t = src->received;
	gmtime_r(&t, &tm);
	strftime(date, sizeof(date), "%a %b %e %H:%M:%S %Y", &tm);
	snprintf(line, size, "From %s %s", who, date);
}

/* ---- one message ---- */

static int
selected(const struct state *s, unsigned long idx)
{
	unsigned i;

	if (s->nranges == 0)
		return 1;
	for (i = 0; i < s->nranges; i++)
		if (idx >= s->ranges[i].lo &&
		    (s->ranges[i].hi == 0 || idx <= s->ranges[i].hi))
			return 1;
	return 0;
}

/* Open the sink for the current message: the header block (or all of a
 * short message) is in s->hold. */
static int
open_msg(struct state *s, const struct tool_src *src)
{
	char from[512];
	const char *fl;
	int err = EML_OK, fd;

	if (src->in_mbox && src->from_line != NULL &&
	    src->from_len < sizeof(from)) {
		memcpy(from, src->from_line, src->from_len);
		from[src->from_len] = '\0';
		fl = from;
	} else {
		make_from_line(s, src, from, sizeof(from));
		fl = from;
	}
	switch (s->mode) {
	case M_JOIN:
		s->msg = s->raw ? shared(s) :
		    eml_filter_mbox(shared(s), fl, 0);
		break;
	case M_MBOXFILE:
		s->msg = eml_sink_mbox(s->mbox, fl, 0, &err);
		break;
	case M_MAILDIR:
		s->msg = eml_sink_maildir(s->dir, 1, NULL, &err);
		break;
	case M_SPLIT:
		free(s->path);
		if (asprintf(&s->path, "%s/%lu.eml", s->dir, s->seq) < 0)
			tool_die(NULL, "out of memory");
		/* O_NOFOLLOW: a planted symlink cannot redirect the write */
		fd = open(s->path, O_WRONLY | O_CREAT | O_NOFOLLOW |
		    O_CLOEXEC | (s->force ? O_TRUNC : O_EXCL), 0644);
		if (fd < 0) {
			tool_warn(s->path, "%s", strerror(errno));
			return -1;
		}
		/* the fd is closed after the sink, in close_msg */
		s->fd = fd;
		s->msg = eml_sink_fd(fd);
		break;
	case M_COUNT:
		break;
	}
	if (s->msg == NULL) {
		sink_error(src, s->mode == M_MBOXFILE ? s->mbox :
		    s->mode == M_MAILDIR ? s->dir : "output",
		    err != EML_OK ? err : EML_ENOMEM);
		return -1;
	}
	if (s->hold.len > 0 && (err = eml_sink_write(s->msg, s->hold.data,
	    s->hold.len)) != EML_OK) {
		sink_error(src, "write error", err);
		return -1;
	}
	eml_buf_reset(&s->hold);
	return 0;
}

static int
close_msg(struct state *s, const struct tool_src *src, int ok)
{
	int r = EML_OK, fd = s->fd;

	if (s->msg != NULL) {
		if (ok)
			r = eml_sink_close(s->msg);
		else
			eml_sink_abort(s->msg);
		s->msg = NULL;
	}
	if (fd >= 0) {
		if (ok && r == EML_OK && fsync(fd) < 0) {
			r = EML_EIO;
		}
		if (close(fd) < 0 && r == EML_OK)
			r = EML_EIO;
		if (!ok || r != EML_OK)
			unlink(s->path);	/* never leave half a file */
		s->fd = -1;
	}
	if (r != EML_OK) {
		sink_error(src, s->path != NULL && fd >= 0 ? s->path :
		    "write error", r);
		return -1;
	}
	return ok ? 0 : -1;
}

/* Has the held text reached the blank line that ends the headers? */
static int
headers_complete(const struct eml_buf *b)
{
	const char *p = b->data;

	if (b->len == 0)
		return 0;
	if (p[0] == '\n' || (b->len >= 2 && p[0] == '\r' && p[1] == '\n'))
		return 1;
	return memmem(p, b->len, "\n\n", 2) != NULL ||
	    memmem(p, b->len, "\n\r\n", 3) != NULL;
}

/* The input a message belongs to: a Maildir message's folder (its path
 * less "/new/NAME" or "/cur/NAME"), else the name as given.  Caller
 * frees. */
static char *
input_name(const struct tool_src *src)
{
	char *n = xstrdup(src->name), *sl;
	int i;

	for (i = 0; src->in_maildir && i < 2; i++)
		if ((sl = strrchr(n, '/')) != NULL)
			*sl = '\0';
	return n;
}

static int
same_input(const char *cur, const struct tool_src *src)
{
	char *n;
	int same;

	if (cur == NULL)
		return 0;
	n = input_name(src);
	same = strcmp(n, cur) == 0;
	free(n);
	return same;
}

static int
chunk(enum tool_chunk what, const char *data, size_t len,
    const struct tool_src *src, void *arg)
{
	struct state *s = arg;
	int r;

	if (what == TOOL_BEGIN && !same_input(s->cur_name, src)) {
		/* a new input: counts are per input */
		if (s->mode == M_COUNT && s->cur_name != NULL)
			printf("%s:%lu\n", s->cur_name, s->cur_count);
		free(s->cur_name);
		s->cur_name = input_name(src);
		s->ninputs++;
		s->cur_count = 0;
	}
	switch (what) {
	case TOOL_BEGIN:
		s->cur_count++;
		s->total++;
		s->want = s->mode != M_COUNT && selected(s, src->index);
		if (s->want)
			s->seq++;
		eml_buf_reset(&s->hold);
		return 0;
	case TOOL_DATA:
		if (!s->want)
			return 0;
		if (s->msg != NULL)
			goto write;
		if (eml_buf_add(&s->hold, data, len) != EML_OK)
			tool_die(NULL, "out of memory");
		if (!headers_complete(&s->hold) && s->hold.len < HOLD_MAX)
			return 0;
		if (open_msg(s, src) < 0) {
			s->want = 0;
			s->failed = 1;
			return close_msg(s, src, 0);
		}
		return 0;
write:
		if ((r = eml_sink_write(s->msg, data, len)) != EML_OK) {
			sink_error(src, "write error", r);
			s->want = 0;
			s->failed = 1;
			return close_msg(s, src, 0);
		}
		return 0;
	case TOOL_END:
		if (!s->want)
			return 0;
		s->want = 0;
		if (s->msg == NULL && open_msg(s, src) < 0) {
			s->failed = 1;
			return close_msg(s, src, 0);
		}
		return close_msg(s, src, 1);
	}
	return 0;
}

static int
parse_range(const char *a, struct range *r)
{
	char *end;

	r->lo = 1;
	r->hi = 0;
	if (*a != '-') {
		r->lo = strtoul(a, &end, 10);
		if (end == a || r->lo == 0)
			return -1;
		a = end;
		if (*a == '\0') {
			r->hi = r->lo;
			return 0;
		}
	}
	if (*a++ != '-')
		return -1;
	if (*a == '\0')
		return 0;
	r->hi = strtoul(a, &end, 10);
	return *end != '\0' || r->hi < r->lo ? -1 : 0;
}

static void
set_mode(struct state *s, enum mode m)
{
	if (s->mode != M_JOIN && s->mode != m) {
		tool_warn(NULL, "-c, -d, -m and -o exclude each other");
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	}
	s->mode = m;
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "count", no_argument, NULL, 'c' },
		{ "split", required_argument, NULL, 'd' },
		{ "maildir", required_argument, NULL, 'm' },
		{ "output", required_argument, NULL, 'o' },
		{ "pick", required_argument, NULL, 'n' },
		{ "raw", no_argument, NULL, 'x' },
		{ "gzip", no_argument, NULL, 'z' },
		{ "force", no_argument, NULL, 'f' },
		{ "mboxo", no_argument, NULL, 'O' },
		{ "sender", required_argument, NULL, 'S' },
		TOOL_LONGOPTS,
		{ NULL, 0, NULL, 0 }
	};
	static struct state s;
	struct stat st;
	int c, rc, r;

	tool_init("eml-mbox");
	s.fd = -1;
	while ((c = getopt_long(argc, argv, "cd:m:o:n:xzf" TOOL_SHORTOPTS,
	    longopts, NULL)) != -1) {
		if (tool_opt(c, optarg, usage_text, help_text))
			continue;
		switch (c) {
		case 'c':
			set_mode(&s, M_COUNT);
			break;
		case 'd':
			set_mode(&s, M_SPLIT);
			s.dir = optarg;
			break;
		case 'm':
			set_mode(&s, M_MAILDIR);
			s.dir = optarg;
			break;
		case 'o':
			set_mode(&s, M_MBOXFILE);
			s.mbox = optarg;
			break;
		case 'n':
			if (s.nranges == MAX_RANGES ||
			    parse_range(optarg, &s.ranges[s.nranges]) < 0) {
				tool_warn(NULL, "-n: not a range: %s", optarg);
				tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
			}
			s.nranges++;
			break;
		case 'x':
			s.raw = 1;
			break;
		case 'z':
			s.gzip = 1;
			break;
		case 'f':
			s.force = 1;
			break;
		case 'O':
			tool_in.mboxo = 1;
			break;
		case 'S':
			s.sender = optarg;
			break;
		default:
			tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
		}
	}
	if (s.raw && s.mode != M_JOIN) {
		tool_warn(NULL, "-x writes to standard output only");
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	}
	if (s.gzip && s.mode != M_JOIN) {
		/* -o with -z would compress into an mbox others append to
		 * plainly: only whole new outputs are compressed */
		tool_warn(NULL, "-z compresses standard output only");
		tool_usage_exit(usage_text, TOOL_EXIT_USAGE);
	}
	if (s.mode == M_SPLIT && (stat(s.dir, &st) < 0 ||
	    !S_ISDIR(st.st_mode)))
		tool_die(s.dir, "%s", stat(s.dir, &st) < 0 ?
		    strerror(errno) : "not a directory");
	if (s.mode == M_JOIN) {
		s.out = eml_sink_fd(STDOUT_FILENO);
		if (s.gzip)
			s.out = eml_filter_gzip(s.out, 6);
		if (s.out == NULL)
			tool_die(NULL, "out of memory");
	}
	/* Confine: writes only where this mode writes. */
	tool_in.confine = 1;
	if (s.mode == M_SPLIT || s.mode == M_MAILDIR) {
		if (s.mode == M_MAILDIR && mkdir(s.dir, 0700) < 0 &&
		    errno != EEXIST)
			tool_die(s.dir, "%s", strerror(errno));
		tool_in.write_dir = s.dir;
	} else if (s.mode == M_MBOXFILE) {
		/* the dot-lock is made beside the mbox */
		static char folder[4096];
		const char *sl = strrchr(s.mbox, '/');

		if (sl == NULL)
			strcpy(folder, ".");
		else
			snprintf(folder, sizeof(folder), "%.*s",
			    (int)(sl - s.mbox) + (sl == s.mbox), s.mbox);
		tool_in.write_dir = folder;
	}
	rc = tool_run(argc - optind, argv + optind, chunk, &s);
	if (s.mode == M_COUNT) {
		if (s.ninputs > 1)
			printf("%s:%lu\ntotal:%lu\n", s.cur_name, s.cur_count,
			    s.total);
		else
			printf("%lu\n", s.total);
	}
	if (s.out != NULL && (r = eml_sink_close(s.out)) != EML_OK) {
		tool_warn(NULL, "write error: %s", r == EML_EIO ?
		    strerror(errno) : eml_strerror(r));
		rc = TOOL_EXIT_FAIL;
	}
	eml_buf_free(&s.hold);
	free(s.path);
	free(s.cur_name);
	if (s.failed)
		rc = TOOL_EXIT_FAIL;
	return tool_flush(rc);
}
