/*
 * fuzz_imap.c - the IMAP response reader and the client on top of it.
 * The input is what a server sends: first split at data[0] through the
 * bare reader (text and literal pieces must tile the input), then the
 * whole client session (greeting, STARTTLS, login, LIST, SELECT, SEARCH,
 * pipelined FETCH, APPEND, IDLE, LOGOUT) reads it in pieces of
 * data[1] bytes, with what it writes thrown away.
 */
#include "fuzz.h"
#include "net/eml_fetch.h"

struct mem {
	const uint8_t *p;
	size_t n, piece;
	uint64_t body;		/* bytes the fetch callbacks saw */
	int open;
};

static ssize_t
mem_read(void *ctx, void *buf, size_t n)
{
	struct mem *m = ctx;
	size_t k = n < m->n ? n : m->n;

	if (k > m->piece)
		k = m->piece;
	memcpy(buf, m->p, k);
	m->p += k;
	m->n -= k;
	return (ssize_t)k;
}

static int
mem_write(void *ctx, const void *p, size_t n)
{
	return 1;
}

static int
mem_tls(void *ctx)
{
	return 0;
}

static int
f_begin(void *ctx, uint64_t size)
{
	struct mem *m = ctx;

	FUZZ_CHECK(!m->open);
	m->open = 1;
	return 0;
}

static int
f_data(void *ctx, const void *p, size_t n)
{
	struct mem *m = ctx;

	FUZZ_CHECK(m->open);
	m->body += n;
	return 0;
}

static int
f_end(void *ctx)
{
	struct mem *m = ctx;

	FUZZ_CHECK(m->open);
	m->open = 0;
	return 0;
}

static void
f_abort(void *ctx)
{
	struct mem *m = ctx;

	FUZZ_CHECK(m->open);
	m->open = 0;
}

static int
f_list(void *ctx, const struct eml_imap_mailbox *mb)
{
	FUZZ_CHECK(mb->name != NULL && mb->flags != NULL);
	return 0;
}

static void
reader(const uint8_t *data, size_t size)
{
	struct eml_imap_rd *rd = eml_imap_rd_new(4096, 0);
	struct eml_imap_rd_event ev;
	size_t cut = size ? data[0] % size : 0, used = 0;

	if (rd == NULL)
		return;
	for (int pass = 0; pass < 2; pass++) {
		const uint8_t *p = pass ? data + cut : data;
		size_t n = pass ? size - cut : cut;
		int r;

		if (eml_imap_rd_feed(rd, p, n) < 0)
			break;
		while ((r = eml_imap_rd_next(rd, &ev)) > 0)
			if (ev.type == EML_IMAP_RD_LITERAL && ev.len) {
				/* literal pieces are the fed bytes */
				FUZZ_CHECK((const uint8_t *)ev.text >= p &&
				    (const uint8_t *)ev.text + ev.len <= p + n);
				used += ev.len;
			}
		if (r < 0)
			break;
	}
	FUZZ_CHECK(used <= size);
	(void)eml_imap_rd_finish(rd);
	eml_imap_rd_free(rd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { 0 };
	struct eml_net_io io = { &m, mem_read, mem_write, mem_tls, NULL, 0 };
	struct eml_fetch_cb cb = { &m, f_begin, f_data, f_end, f_abort };
	struct eml_imap_opts o = { .max_line = 8192 };
	struct eml_imap_selected sel;
	struct eml_imap *im;
	uint32_t *uids = NULL;
	size_t n = 0;
	static const char msg[] = "Subject: x\r\n\r\nbody\r\n";
	struct mem src;

	reader(data, size);
	if (size < 2)
		return 0;
	m.p = data + 2;
	m.n = size - 2;
	m.piece = data[1] ? data[1] : 65536;
	io.tls = data[0] & 1;
	if ((im = eml_imap_new(&io, &o)) == NULL)
		return 0;
	if (eml_imap_open(im) < 0 || eml_imap_login(im, "u", "p") < 0)
		goto out;
	(void)eml_imap_list(im, f_list, NULL);
	if (eml_imap_select(im, "INBOX", data[0] & 2, &sel) < 0)
		goto out;
	if (eml_imap_uid_search(im, "ALL", &uids, &n) == EML_OK) {
		(void)eml_imap_uid_fetch(im, uids, n > 64 ? 64 : n,
		    data[0] & 4, (data[0] >> 3) & 7, &cb, NULL, NULL);
		FUZZ_CHECK(!m.open);
	}
	src.p = (const uint8_t *)msg;
	src.n = sizeof(msg) - 1;
	src.piece = 7;
	(void)eml_imap_append(im, "Sent", sizeof(msg) - 1, mem_read, &src);
	(void)eml_imap_idle(im);
	(void)eml_imap_logout(im);
out:
	FUZZ_CHECK(eml_imap_errmsg(im) != NULL);
	free(uids);
	eml_imap_free(im);
	return 0;
}
