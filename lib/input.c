/*
 * input.c - message input: files, stdin, pipes, transparent gzip, mmap.
 *
 * Three layers: raw bytes from the descriptor (with the two bytes read to
 * sniff the gzip magic pushed back in front), an optional inflate layer,
 * and a small peek buffer in front of both so callers can look at the
 * start of the data (mbox or not) before deciding how to read it.
 */
#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "eml_priv.h"

#define PEEK_MAX	4096
#define ZBUF_SIZE	65536
#define VIEW_MIN	(256 * 1024)	/* smallest file _view maps */
#define VIEW_DROP	(4 * 1024 * 1024)	/* pages released at a time */
/* Slurping a pipe or a gzip file into memory is capped: a mailbox that
 * large must be streamed, not slurped. */
#if SIZE_MAX > 0xffffffffUL
#define SLURP_MAX	((size_t)4 << 30)
#else
#define SLURP_MAX	((size_t)1 << 30)
#endif

struct eml_input {
	int fd;
	int own;			/* close fd in _close */
	int regular;			/* fd is a regular file */
	int statted;			/* regular, size, mtime are known */
	off_t start;			/* fd offset when opened */
	size_t npre, prepos;
	int raw_eof;
	int gz;				/* input is gzip */
	int zinit;			/* zs initialised */
	int zdone;			/* last gzip member ended */
	z_stream zs;
	unsigned char *zbuf;		/* compressed bytes read ahead */
	size_t npeek, peekpos;
	uint64_t consumed;		/* bytes handed out by _read */
	uint64_t size;			/* regular file: st_size, once statted */
	uint64_t rawpos;		/* fd offset after the last read */
	time_t mtime;			/* st_mtime, once statted */
	void *map;			/* mmap of the file, or NULL */
	size_t maplen;
	int viewing;			/* _view hands out slices of map */
	int nomap;			/* _view: mapping failed, read */
	size_t dropped;			/* map bytes given back to the OS */
	char *mem;			/* slurped copy, or NULL */
	/* The buffers last: only the fields above are zeroed when an
	 * input is made (a tool opens one per file of a Maildir). */
	unsigned char pre[PEEK_MAX];	/* sniffed raw bytes, pushed back */
	unsigned char peek[PEEK_MAX];	/* decoded bytes not yet read */
};

/* Read from the descriptor, retrying on EINTR. */
static long
fd_read(struct eml_input *in, void *buf, size_t len)
{
	ssize_t n;

	if (in->raw_eof)
		return 0;
	/* A regular file read up to its size at open is at its end: no
	 * read(2) that returns 0 to learn it (one per small message of a
	 * Maildir).  A size of 0 may be a /proc file: read it. */
	if (in->statted && in->regular && in->size > 0 &&
	    in->rawpos >= in->size) {
		in->raw_eof = 1;
		return 0;
	}
	if (len > (size_t)1 << 30)
		len = (size_t)1 << 30;
	do
		n = read(in->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return EML_EIO;
	if (n == 0)
		in->raw_eof = 1;
	in->rawpos += (uint64_t)n;
	return (long)n;
}

/* Raw input bytes: the sniffed ones first, then the descriptor. */
static long
raw_read(struct eml_input *in, void *buf, size_t len)
{
	if (len == 0)
		return 0;
	if (in->prepos < in->npre) {
		size_t k = EMLI_MIN(len, in->npre - in->prepos);

		memcpy(buf, in->pre + in->prepos, k);
		in->prepos += k;
		return (long)k;
	}
	return fd_read(in, buf, len);
}

/* Fill the inflate input if it is empty.  Returns bytes available, 0 at
 * EOF, or EML_EIO. */
static long
z_fill(struct eml_input *in)
{
	long n;

	if (in->zs.avail_in > 0)
		return (long)in->zs.avail_in;
	n = raw_read(in, in->zbuf, ZBUF_SIZE);
	if (n <= 0)
		return n;
	in->zs.next_in = in->zbuf;
	in->zs.avail_in = (uInt)n;
	return n;
}

/* After a gzip member ends: another member follows if the next bytes are
 * the magic again (gzip(1) writes those for "cat a.gz b.gz"); anything
 * else is trailing garbage, ignored as gzip(1) does. */
static int
z_next_member(struct eml_input *in)
{
	unsigned char m[2];
	size_t have = 0;
	long n;

	while (have < 2) {
		if ((n = z_fill(in)) < 0)
			return EML_EIO;
		if (n == 0)
			break;
		m[have++] = *in->zs.next_in++;
		in->zs.avail_in--;
	}
	if (have < 2 || m[0] != 0x1f || m[1] != 0x8b) {
		in->zdone = 1;
		return EML_OK;
	}
	/* Give the two magic bytes back to inflate. */
	if (in->zs.next_in - in->zbuf >= 2) {
		in->zs.next_in -= 2;
		in->zs.avail_in += 2;
	} else {
		/* They straddled two fills; rebuild the buffer front. */
		memmove(in->zbuf + 2, in->zs.next_in, in->zs.avail_in);
		in->zbuf[0] = m[0];
		in->zbuf[1] = m[1];
		in->zs.next_in = in->zbuf;
		in->zs.avail_in += 2;
	}
	if (inflateReset(&in->zs) != Z_OK) {
		errno = EBADMSG;
		return EML_EIO;
	}
	return EML_OK;
}

/* Decompressed (or plain) bytes, below the peek buffer. */
static long
data_read(struct eml_input *in, void *buf, size_t len)
{
	long n;
	int r;

	if (!in->gz)
		return raw_read(in, buf, len);
	if (len > (size_t)1 << 30)
		len = (size_t)1 << 30;
	while (!in->zdone) {
		if ((n = z_fill(in)) < 0)
			return n;
		if (n == 0) {
			/* EOF inside a member: truncated file. */
			errno = EBADMSG;
			return EML_EIO;
		}
		in->zs.next_out = buf;
		in->zs.avail_out = (uInt)len;
		r = inflate(&in->zs, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
			errno = r == Z_MEM_ERROR ? ENOMEM : EBADMSG;
			return EML_EIO;
		}
		n = (long)(len - in->zs.avail_out);
		if (r == Z_STREAM_END && z_next_member(in) < 0)
			return EML_EIO;
		if (n > 0)
			return n;
	}
	return 0;
}

/* What fstat says of the descriptor; at its offset when fresh is 0. */
static int
stat_now(struct eml_input *in, int fresh)
{
	struct stat st;

	if (in->statted)
		return EML_OK;
	if (fstat(in->fd, &st) != 0)
		return EML_EIO;
	if (S_ISDIR(st.st_mode)) {
		errno = EISDIR;
		return EML_EIO;
	}
	in->statted = 1;
	in->mtime = st.st_mtime;
	if (S_ISREG(st.st_mode)) {
		in->regular = 1;
		if (!fresh) {
			in->start = lseek(in->fd, 0, SEEK_CUR);
			if (in->start < 0)
				in->start = 0;
			in->rawpos = (uint64_t)in->start;
		}
		in->size = st.st_size > 0 ? (uint64_t)st.st_size : 0;
	}
	return EML_OK;
}

/*
 * fresh: fd was just opened by us, so its offset is 0, and the fstat
 * waits until something needs it (mmap, the mtime, the size): a tool
 * that reads a Maildir message's header block and stops needs none of
 * it, and a directory is found by read(2) failing with EISDIR.
 */
static int
input_init(struct eml_input *in, int fresh)
{
	long n;

	if (!fresh && stat_now(in, 0) != EML_OK)
		return EML_EIO;
	/* RFC 1952 2.3.1: ID1 = 31, ID2 = 139. */
	/* One read usually brings the magic and more. */
	while (in->npre < 2) {
		n = fd_read(in, in->pre + in->npre,
		    sizeof(in->pre) - in->npre);
		if (n < 0)
			return EML_EIO;
		if (n == 0)
			break;
		in->npre += (size_t)n;
	}
	if (in->npre >= 2 && in->pre[0] == 0x1f && in->pre[1] == 0x8b) {
		/* +2: z_next_member may push the magic back in front. */
		if ((in->zbuf = malloc(ZBUF_SIZE + 2)) == NULL)
			return EML_ENOMEM;
		/* 16 + windowBits: gzip wrapper only. */
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK)
			return EML_ENOMEM;
		in->zinit = 1;
		in->gz = 1;
	}
	return EML_OK;
}

static int
input_new(int fd, int own, int fresh, struct eml_input **in_r)
{
	struct eml_input *in;
	int r, e;

	*in_r = NULL;
	if (fd < 0)
		return EML_EINVAL;
	if ((in = malloc(sizeof(*in))) == NULL)
		return EML_ENOMEM;
	memset(in, 0, offsetof(struct eml_input, pre));
	in->fd = fd;
	in->own = own;
	if ((r = input_init(in, fresh)) != EML_OK) {
		e = errno;
		in->own = 0;	/* the caller still owns fd on failure */
		eml_input_close(in);
		errno = e;
		return r;
	}
	*in_r = in;
	return EML_OK;
}

int
eml_input_fd(int fd, int own, struct eml_input **in_r)
{
	return input_new(fd, own, 0, in_r);
}

int
eml_input_open(const char *path, struct eml_input **in_r)
{
	int fd, r, e;

	*in_r = NULL;
	if (path == NULL || strcmp(path, "-") == 0)
		return eml_input_fd(STDIN_FILENO, 0, in_r);
	do
		fd = open(path, O_RDONLY | O_CLOEXEC);
	while (fd < 0 && errno == EINTR);
	if (fd < 0)
		return EML_EIO;
	if ((r = input_new(fd, 1, 1, in_r)) != EML_OK) {
		e = errno;
		close(fd);
		errno = e;
	}
	return r;
}

long
eml_input_peek(struct eml_input *in, void *buf, size_t len)
{
	long n;

	if (len > PEEK_MAX)
		len = PEEK_MAX;
	if (in->peekpos > 0) {
		memmove(in->peek, in->peek + in->peekpos,
		    in->npeek - in->peekpos);
		in->npeek -= in->peekpos;
		in->peekpos = 0;
	}
	while (in->npeek < len) {
		n = data_read(in, in->peek + in->npeek, PEEK_MAX - in->npeek);
		if (n < 0)
			return n;
		if (n == 0)
			break;
		in->npeek += (size_t)n;
	}
	len = EMLI_MIN(len, in->npeek);
	memcpy(buf, in->peek, len);
	return (long)len;
}

/*
 * Map a plain regular file for _view, once.  Bytes already handed out,
 * or held in the peek buffer, are at the same file offsets, so the map
 * takes over at start + consumed and the peek buffer is dropped.
 */
static void
view_map(struct eml_input *in)
{
	struct stat st;
	void *m;

	in->nomap = 1;
	/* A file we opened is statted only when asked: now it is. */
	if (stat_now(in, 1) != EML_OK)
		return;
	/* A small file (a Maildir message) costs less to read than to
	 * map and unmap. */
	if (!in->regular || in->gz || in->map != NULL || in->mem != NULL ||
	    fstat(in->fd, &st) != 0 || st.st_size < VIEW_MIN ||
	    (uint64_t)st.st_size > SIZE_MAX)
		return;
	m = mmap(NULL, (size_t)st.st_size, PROT_READ, MAP_PRIVATE, in->fd, 0);
	if (m == MAP_FAILED)
		return;		/* e.g. /proc files: read as before */
	(void)madvise(m, (size_t)st.st_size, MADV_SEQUENTIAL);
	in->map = m;
	in->maplen = (size_t)st.st_size;
	in->viewing = 1;
	in->nomap = 0;
	in->npeek = in->peekpos = 0;
}

long
eml_input_view(struct eml_input *in, void *buf, size_t len,
    const char **p_r)
{
	struct stat st;
	uint64_t at;
	size_t k;
	long n;

	*p_r = buf;
	if (!in->viewing && !in->nomap)
		view_map(in);
	if (!in->viewing) {
		n = eml_input_read(in, buf, len);
		return n;
	}
	at = (uint64_t)in->start + in->consumed;
	/* The bytes handed out before are done with (the contract): give
	 * their pages back, so a large file does not stay resident in
	 * this process as it is read (RSS stays bounded, as with read). */
	if (at - in->dropped >= VIEW_DROP) {
		size_t pg = (size_t)sysconf(_SC_PAGESIZE);
		size_t upto = (size_t)at / pg * pg;

		if (upto > in->dropped) {
			(void)madvise((char *)in->map + in->dropped,
			    upto - in->dropped, MADV_DONTNEED);
			in->dropped = upto;
		}
	}
	if (at >= in->maplen)
		return 0;
	k = EMLI_MIN(EMLI_MIN(len, (size_t)1 << 30), in->maplen - (size_t)at);
	/* A file cut short under the map would fault on the lost pages:
	 * hand out only what the file still has (a narrow race remains,
	 * as with any mapped reader). */
	if (fstat(in->fd, &st) != 0)
		return EML_EIO;
	if ((uint64_t)st.st_size <= at)
		return 0;
	if ((uint64_t)st.st_size < at + k)
		k = (size_t)((uint64_t)st.st_size - at);
	*p_r = (const char *)in->map + at;
	in->consumed += k;
	return (long)k;
}

long
eml_input_read(struct eml_input *in, void *buf, size_t len)
{
	long n;

	if (in->viewing) {
		/* the descriptor's offset is behind the map's: copy */
		const char *p;

		if ((n = eml_input_view(in, buf, len, &p)) > 0 && p != buf)
			memcpy(buf, p, (size_t)n);
		return n;
	}

	if (in->peekpos < in->npeek) {
		size_t k = EMLI_MIN(len, in->npeek - in->peekpos);

		memcpy(buf, in->peek + in->peekpos, k);
		in->peekpos += k;
		if (in->peekpos == in->npeek)
			in->peekpos = in->npeek = 0;
		in->consumed += k;
		return (long)k;
	}
	n = data_read(in, buf, len);
	if (n > 0)
		in->consumed += (uint64_t)n;
	return n;
}

int
eml_input_slurp(struct eml_input *in, const char **buf_r, size_t *len_r)
{
	struct eml_buf b = { NULL, 0, 0, SLURP_MAX };
	struct stat st;
	long n;
	char *w;

	*buf_r = NULL;
	*len_r = 0;
	if (in->map != NULL || in->mem != NULL)
		return EML_EINVAL;	/* slurped already */
	if (stat_now(in, 1) != EML_OK)
		return EML_EIO;
	/* A plain file not read from yet is mapped as it is, from where
	 * the descriptor stood at open. */
	if (in->regular && !in->gz && in->consumed == 0 &&
	    fstat(in->fd, &st) == 0 && st.st_size >= in->start &&
	    (uint64_t)(st.st_size - in->start) <= SIZE_MAX) {
		size_t off = (size_t)in->start;
		size_t total = (size_t)st.st_size;

		if (total == off) {
			*buf_r = "";
			return EML_OK;
		}
		in->map = mmap(NULL, total, PROT_READ, MAP_PRIVATE, in->fd, 0);
		if (in->map != MAP_FAILED) {
			in->maplen = total;
			*buf_r = (const char *)in->map + off;
			*len_r = total - off;
			in->consumed = *len_r;
			return EML_OK;
		}
		in->map = NULL;	/* e.g. /proc files: fall back to read */
	}
	if (in->regular && !in->gz && in->consumed == 0 &&
	    fstat(in->fd, &st) == 0 && st.st_size > 0 &&
	    (uint64_t)st.st_size < SLURP_MAX)
		eml_buf_reserve(&b, (size_t)st.st_size + 1);
	for (;;) {
		size_t want = EMLI_MIN((size_t)65536, SLURP_MAX - b.len);

		if (want == 0) {
			char c;

			/* At the cap: fine only if the input ends here. */
			if ((n = eml_input_read(in, &c, 1)) == 0)
				break;
			eml_buf_free(&b);
			return n < 0 ? EML_EIO : EML_ELIMIT;
		}
		if ((w = eml_buf_reserve(&b, want)) == NULL) {
			eml_buf_free(&b);
			return EML_ENOMEM;
		}
		n = eml_input_read(in, w, want);
		if (n < 0) {
			eml_buf_free(&b);
			return EML_EIO;
		}
		if (n == 0)
			break;
		b.len += (size_t)n;
	}
	*len_r = b.len;
	if ((in->mem = eml_buf_steal(&b)) == NULL) {
		*len_r = 0;
		return EML_ENOMEM;
	}
	*buf_r = in->mem;
	return EML_OK;
}

int
eml_input_mtime(const struct eml_input *in, time_t *t_r)
{
	/* one fstat per input, shared with the other uses */
	if (stat_now((struct eml_input *)(uintptr_t)in, 1) != EML_OK)
		return EML_EIO;
	*t_r = in->mtime;
	return EML_OK;
}

int
eml_input_is_gzip(const struct eml_input *in)
{
	return in->gz;
}

void
eml_input_close(struct eml_input *in)
{
	if (in == NULL)
		return;
	if (in->map != NULL)
		munmap(in->map, in->maplen);
	free(in->mem);
	if (in->zinit)
		inflateEnd(&in->zs);
	free(in->zbuf);
	if (in->own)
		close(in->fd);
	free(in);
}
