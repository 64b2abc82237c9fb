/*
 * state.c - what a fetch has stored so far, per mailbox: UIDVALIDITY and
 * the last UID for IMAP (RFC 9051 2.3.1.1), the UIDL set for POP3
 * (RFC 1939 7).  Saved after every stored message with the usual
 * temp-file, fsync, rename, fsync-folder dance, so a crash or timeout
 * at any moment leaves either the old or the new state, and the state
 * never claims a message that was not stored.
 *
 * File format, text, one item a line:
 *	emlkit-state 1
 *	uidvalidity N
 *	lastuid N
 *	uidl STRING
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <sysexits.h>
#include <unistd.h>

#include "eml_priv.h"
#include "net/eml_fetch.h"

#define STATE_MAX_BYTES	(64u * 1024 * 1024)	/* a sane file's cap */

struct eml_state {
	char *path;
	uint32_t uidvalidity;
	uint32_t last_uid;
	char **uidl;		/* sorted, for bsearch */
	size_t n, cap;
};

static int
cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* RFC 1939 7: a unique-id is 1 to 70 characters 0x21 to 0x7E. */
static int
uidl_ok(const char *s, size_t n)
{
	if (n == 0 || n > 70)
		return 0;
	for (size_t i = 0; i < n; i++)
		if ((unsigned char)s[i] < 0x21 || (unsigned char)s[i] > 0x7e)
			return 0;
	return 1;
}

static int
add_uidl(struct eml_state *st, const char *s, size_t n, int sorted)
{
	char *d;

	if (st->n == st->cap) {
		size_t cap = st->cap ? st->cap * 2 : 64;
		char **v = realloc(st->uidl, cap * sizeof(*v));

		if (v == NULL)
			return EML_ENOMEM;
		st->uidl = v;
		st->cap = cap;
	}
	if ((d = malloc(n + 1)) == NULL)
		return EML_ENOMEM;
	memcpy(d, s, n);
	d[n] = '\0';
	if (sorted) {
		size_t lo = 0, hi = st->n;

		while (lo < hi) {
			size_t mid = (lo + hi) / 2;

			if (strcmp(st->uidl[mid], d) < 0)
				lo = mid + 1;
			else
				hi = mid;
		}
		memmove(st->uidl + lo + 1, st->uidl + lo,
		    (st->n - lo) * sizeof(*st->uidl));
		st->uidl[lo] = d;
	} else
		st->uidl[st->n] = d;
	st->n++;
	return EML_OK;
}

static int
parse_u32(const char *s, uint32_t *v_r)
{
	uint64_t v = 0;

	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9')
			return -1;
		v = v * 10 + (unsigned)(*s - '0');
		if (v > UINT32_MAX)
			return -1;
	}
	*v_r = (uint32_t)v;
	return 0;
}

static int
parse(struct eml_state *st, char *s, size_t len)
{
	char *line, *end = s + len;
	int first = 1, r;

	for (line = s; line < end; ) {
		char *nl = memchr(line, '\n', (size_t)(end - line));

		if (nl == NULL)
			return EML_EFORMAT;	/* cut short: not ours */
		*nl = '\0';
		if (first) {
			if (strcmp(line, "emlkit-state 1") != 0)
				return EML_EFORMAT;
			first = 0;
		} else if (strncmp(line, "uidvalidity ", 12) == 0) {
			if (parse_u32(line + 12, &st->uidvalidity) < 0)
				return EML_EFORMAT;
		} else if (strncmp(line, "lastuid ", 8) == 0) {
			if (parse_u32(line + 8, &st->last_uid) < 0)
				return EML_EFORMAT;
		} else if (strncmp(line, "uidl ", 5) == 0) {
			if (!uidl_ok(line + 5, strlen(line + 5)))
				return EML_EFORMAT;
			if ((r = add_uidl(st, line + 5, strlen(line + 5),
			    0)) < 0)
				return r;
		} else
			return EML_EFORMAT;
		line = nl + 1;
	}
	if (first && len != 0)
		return EML_EFORMAT;
	if (st->n > 1)
		qsort(st->uidl, st->n, sizeof(*st->uidl), cmp_str);
	return EML_OK;
}

int
eml_state_load(const char *path, struct eml_state **st_r)
{
	struct eml_state *st;
	struct eml_buf b = { .max = STATE_MAX_BYTES };
	int fd, r = EML_OK;

	*st_r = NULL;
	if ((st = calloc(1, sizeof(*st))) == NULL)
		return EML_ENOMEM;
	if ((st->path = strdup(path)) == NULL) {
		free(st);
		return EML_ENOMEM;
	}
	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		if (errno == ENOENT) {
			*st_r = st;
			return EML_OK;
		}
		eml_state_free(st);
		return EML_EIO;
	}
	for (;;) {
		char *w = eml_buf_reserve(&b, 65536);
		ssize_t n;

		if (w == NULL) {
			r = b.len + 65536 > b.max ? EML_EFORMAT : EML_ENOMEM;
			break;
		}
		if ((n = read(fd, w, 65536)) < 0) {
			if (errno == EINTR)
				continue;
			r = EML_EIO;
			break;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	close(fd);
	if (r == EML_OK && b.len > 0)
		r = parse(st, b.data, b.len);
	eml_buf_free(&b);
	if (r < 0) {
		eml_state_free(st);
		return r;
	}
	*st_r = st;
	return EML_OK;
}

void
eml_state_free(struct eml_state *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->n; i++)
		free(st->uidl[i]);
	free(st->uidl);
	free(st->path);
	free(st);
}

uint32_t
eml_state_uidvalidity(const struct eml_state *st)
{
	return st->uidvalidity;
}

uint32_t
eml_state_last_uid(const struct eml_state *st)
{
	return st->last_uid;
}

int
eml_state_set_uidvalidity(struct eml_state *st, uint32_t v)
{
	/* RFC 9051 2.3.1.1: another UIDVALIDITY means the UIDs we
	 * stored name other messages now; the caller stops, deleting
	 * nothing, rather than guess. */
	if (st->uidvalidity != 0 && st->uidvalidity != v)
		return EML_ESTATE;
	st->uidvalidity = v;
	return EML_OK;
}

int
eml_state_imap_done(struct eml_state *st, uint32_t uid)
{
	if (uid > st->last_uid)
		st->last_uid = uid;
	return eml_state_save(st);
}

int
eml_state_has_uidl(const struct eml_state *st, const char *uidl)
{
	return st->n != 0 && bsearch(&uidl, st->uidl, st->n,
	    sizeof(*st->uidl), cmp_str) != NULL;
}

int
eml_state_pop3_done(struct eml_state *st, const char *uidl)
{
	int r;

	if (!uidl_ok(uidl, strlen(uidl)))
		return EML_EFORMAT;
	if (!eml_state_has_uidl(st, uidl) &&
	    (r = add_uidl(st, uidl, strlen(uidl), 1)) < 0)
		return r;
	return eml_state_save(st);
}

int
eml_state_pop3_prune(struct eml_state *st, const char *const *keep, size_t n)
{
	size_t i, j = 0;

	/* RFC 1939 7: a unique-id no longer listed belongs to a message
	 * that is gone; without pruning the state grows forever */
	for (i = 0; i < st->n; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (keep[k] && strcmp(keep[k], st->uidl[i]) == 0)
				break;
		if (k < n)
			st->uidl[j++] = st->uidl[i];
		else
			free(st->uidl[i]);
	}
	if (j == st->n)
		return EML_OK;
	st->n = j;
	return eml_state_save(st);
}

static int
write_all(int fd, const char *p, size_t n)
{
	while (n > 0) {
		ssize_t w = write(fd, p, n);

		if (w < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

int
eml_state_save(struct eml_state *st)
{
	struct eml_buf b = { 0 };
	char num[64], *tmp;
	size_t plen = strlen(st->path);
	int fd, r = EML_OK;

	snprintf(num, sizeof(num), "emlkit-state 1\nuidvalidity %u\n"
	    "lastuid %u\n", (unsigned)st->uidvalidity,
	    (unsigned)st->last_uid);
	r = eml_buf_adds(&b, num);
	for (size_t i = 0; i < st->n && r == EML_OK; i++) {
		r = eml_buf_adds(&b, "uidl ");
		if (r == EML_OK)
			r = eml_buf_adds(&b, st->uidl[i]);
		if (r == EML_OK)
			r = eml_buf_addc(&b, '\n');
	}
	if (r < 0 || (tmp = malloc(plen + 32)) == NULL) {
		eml_buf_free(&b);
		return EML_ENOMEM;
	}
	snprintf(tmp, plen + 32, "%s.tmp%ld", st->path, (long)getpid());
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0 || write_all(fd, b.data, b.len) < 0 || fsync(fd) < 0) {
		r = EML_EIO;
		if (fd >= 0)
			close(fd);
		unlink(tmp);
	} else if (close(fd) < 0 || rename(tmp, st->path) < 0) {
		r = EML_EIO;
		unlink(tmp);
	}
	free(tmp);
	eml_buf_free(&b);
	return r;
}

const char *
eml_fetch_strerror(int err)
{
	switch (err) {
	case EML_EREFUSED:	return "refused by the server";
	case EML_ESTATE:	return "UIDVALIDITY changed";
	case EML_EDELIVER:	return "storing the message failed";
	}
	return eml_net_strerror(err);
}

int
eml_fetch_exitcode(int err)
{
	switch (err) {
	case EML_EREFUSED:	return EX_UNAVAILABLE;
	case EML_ESTATE:	return EX_DATAERR;
	case EML_EDELIVER:	return EX_CANTCREAT;
	}
	return eml_net_exitcode(err);
}
