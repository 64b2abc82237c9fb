/*
 * fuzz_pop3.c - the POP3 reply reader and the client on top of it.  The
 * input is what a server sends: first the bare reader expecting a
 * multi-line reply (split at data[0]: unstuffed data never grows),
 * then a whole session (greeting, CAPA, STLS, login, STAT/LIST/UIDL,
 * RETR, TOP, DELE, QUIT) reading it in pieces of data[1] bytes.
 */
#include "fuzz.h"
#include "net/eml_fetch.h"

struct mem {
	const uint8_t *p;
	size_t n, piece;
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
	FUZZ_CHECK(((struct mem *)ctx)->open);
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

static void
reader(const uint8_t *data, size_t size)
{
	struct eml_pop3_rd *rd = eml_pop3_rd_new(1024);
	struct eml_pop3_rd_event ev;
	size_t cut = size ? data[0] % size : 0, out = 0;

	if (rd == NULL)
		return;
	eml_pop3_rd_expect(rd, 1);
	for (int pass = 0; pass < 2; pass++) {
		int r;

		if (eml_pop3_rd_feed(rd, pass ? data + cut : data,
		    pass ? size - cut : cut) < 0)
			break;
		while ((r = eml_pop3_rd_next(rd, &ev)) > 0)
			if (ev.type == EML_POP3_RD_DATA)
				out += ev.len;
		if (r < 0)
			break;
	}
	FUZZ_CHECK(out <= size);
	(void)eml_pop3_rd_finish(rd);
	eml_pop3_rd_free(rd);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct mem m = { 0 };
	struct eml_net_io io = { &m, mem_read, mem_write, mem_tls, NULL, 0 };
	struct eml_fetch_cb cb = { &m, f_begin, f_data, f_end, f_abort };
	struct eml_pop3_msg *msgs = NULL;
	struct eml_pop3 *p;
	size_t n = 0;

	reader(data, size);
	if (size < 2)
		return 0;
	m.p = data + 2;
	m.n = size - 2;
	m.piece = data[1] ? data[1] : 65536;
	io.tls = data[0] & 1;
	if ((p = eml_pop3_new(&io, 4096, 0)) == NULL)
		return 0;
	if (eml_pop3_open(p) < 0 || eml_pop3_login(p, "u", "p") < 0)
		goto out;
	if (eml_pop3_list(p, &msgs, &n) == EML_OK) {
		for (size_t i = 0; i < n && i < 8; i++) {
			FUZZ_CHECK(strlen(msgs[i].uidl) <= 70);
			if (eml_pop3_retr(p, msgs[i].num, i & 1 ? 0 : -1,
			    &cb) < 0)
				break;
			FUZZ_CHECK(!m.open);
			(void)eml_pop3_dele(p, msgs[i].num);
		}
	}
	FUZZ_CHECK(!m.open);
	(void)eml_pop3_quit(p);
out:
	FUZZ_CHECK(eml_pop3_errmsg(p) != NULL);
	free(msgs);
	eml_pop3_free(p);
	return 0;
}
