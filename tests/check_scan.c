/*
 * check_scan.c - the structural scanner (lib/scan.c): every SIMD path
 * against its scalar twin, byte for byte, and the parser's and the mbox
 * splitter's event streams the same whichever path scans and however the
 * input is chunked.
 */
#include <check.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include "eml_priv.h"

static const int paths[] = { EMLI_SCAN_SCALAR, EMLI_SCAN_SSE2,
    EMLI_SCAN_AVX2, EMLI_SCAN_AVX512 };
#define NPATHS	(sizeof(paths) / sizeof(paths[0]))

/* Deterministic bytes, dense in the ones that matter. */
static void
fill(char *s, size_t n, unsigned seed)
{
	static const char pick[] = "\n\n\n--bbFr\r a";
	size_t i;

	for (i = 0; i < n; i++) {
		seed = seed * 1103515245u + 12345u;
		s[i] = (seed >> 16) % 3 == 0 ? pick[(seed >> 8) %
		    (sizeof(pick) - 1)] : (char)('A' + (seed >> 20) % 26);
	}
}

/* Every path, every length up to 300, every start and every candidate
 * set gives what the scalar twin gives; the buffer is sliced at odd
 * offsets so loads are unaligned. */
START_TEST(test_kernels_match_scalar)
{
	static const char *const sets[] = { "-", "b", "\n\rF", "-b>F" };
	char *buf = malloc(400);
	size_t n, from, k, j, want, got;
	unsigned p;

	ck_assert_ptr_nonnull(buf);
	for (n = 0; n <= 300; n += (n < 140 ? 1 : 7)) {
		char *s = buf + (n % 5);

		fill(s, n, (unsigned)n + 17u * (unsigned)_i);
		for (k = 0; k < sizeof(sets) / sizeof(sets[0]); k++) {
			for (from = 0; from <= n + 1; from++) {
				emli_scan_force(EMLI_SCAN_SCALAR);
				want = emli_scan_bol(s, n, from, sets[k],
				    strlen(sets[k]));
				/* the twin itself against the definition */
				for (j = from ? from : 1; j < n; j++)
					if (s[j - 1] == '\n' &&
					    strchr(sets[k], s[j]) != NULL &&
					    s[j] != '\0')
						break;
				ck_assert_uint_eq(want, j < n ? j : n);
				for (p = 1; p < NPATHS; p++) {
					emli_scan_force(paths[p]);
					got = emli_scan_bol(s, n, from,
					    sets[k], strlen(sets[k]));
					ck_assert_msg(got == want, "bol %s n=%zu "
					    "from=%zu set=%zu: %zu != %zu",
					    emli_scan_impl(), n, from, k, got,
					    want);
				}
			}
		}
		emli_scan_force(EMLI_SCAN_SCALAR);
		want = emli_scan_count_lf(s, n);
		for (j = 0, got = 0; j < n; j++)
			got += s[j] == '\n';
		ck_assert_uint_eq(want, got);
		for (p = 1; p < NPATHS; p++) {
			emli_scan_force(paths[p]);
			ck_assert_uint_eq(emli_scan_count_lf(s, n), want);
			/* the public name, as the tools count lines */
			ck_assert_uint_eq(eml_count_lf(s, n), want);
		}
	}
	emli_scan_force(EMLI_SCAN_AUTO);
	free(buf);
}
END_TEST

/* A forced path the CPU has is the one used; EML_SCAN names them. */
START_TEST(test_force_names)
{
	static const char *const names[] = { "scalar", "sse2", "avx2",
	    "avx512" };
	unsigned p;

	for (p = 0; p < NPATHS; p++) {
		int got = emli_scan_force(paths[p]);

		ck_assert(got == paths[p] || got == EMLI_SCAN_SCALAR);
		ck_assert_str_eq(emli_scan_impl(), names[got - 1]);
	}
	emli_scan_force(EMLI_SCAN_AUTO);
#if defined(__x86_64__)
	/* every x86-64 has SSE2: at least one SIMD path is really run */
	ck_assert_int_eq(emli_scan_force(EMLI_SCAN_SSE2), EMLI_SCAN_SSE2);
	emli_scan_force(EMLI_SCAN_AUTO);
#endif
}
END_TEST

/* The event stream as text: types, offsets, lines, sections, with the
 * raw and decoded bytes of adjacent body slices merged (chunk-free);
 * diagnostics listed apart with where they occurred. */
static char *
events(const char *in, size_t len, size_t chunk)
{
	struct eml_parser_opts o = { .flags = EML_PARSE_DECODE };
	struct eml_parser *p = eml_parser_new(&o);
	struct eml_buf b = { 0 }, d = { 0 }, raw = { 0 };
	struct eml_buf run = { 0 }, data = { 0 };
	struct eml_event ev;
	size_t pos = 0;
	int r, last = -1;
	char tmp[512];

	ck_assert_ptr_nonnull(p);
	for (;;) {
		if (pos < len) {
			size_t k = EMLI_MIN(chunk, len - pos);

			ck_assert_int_eq(eml_parser_feed(p, in + pos, k), 0);
			pos += k;
		} else
			eml_parser_finish(p);
		while ((r = eml_parser_next(p, &ev)) > 0) {
			eml_buf_add(&raw, ev.raw, ev.raw_len);
			if (ev.type == EML_EV_DIAG) {
				snprintf(tmp, sizeof(tmp), "\n%s@%llu/%lu",
				    eml_diag_name(ev.diag.code),
				    (unsigned long long)ev.diag.offset,
				    ev.diag.line);
				eml_buf_adds(&d, tmp);
				continue;
			}
			if ((int)ev.type != last || (ev.type != EML_EV_BODY &&
			    ev.type != EML_EV_PREAMBLE &&
			    ev.type != EML_EV_EPILOGUE)) {
				/* a run of slices ends: its bytes, its data */
				eml_buf_add(&b, run.data, run.len);
				eml_buf_addc(&b, '|');
				eml_buf_add(&b, data.data, data.len);
				eml_buf_reset(&run);
				eml_buf_reset(&data);
				snprintf(tmp, sizeof(tmp), "\n%d@%llu/%lu[%s]",
				    ev.type, (unsigned long long)ev.offset,
				    ev.line, ev.part ? ev.part->section : "");
				eml_buf_adds(&b, tmp);
				last = ev.type;
			}
			eml_buf_add(&run, ev.raw, ev.raw_len);
			eml_buf_add(&data, ev.data, ev.data_len);
			if (ev.type == EML_EV_END)
				goto done;
		}
		ck_assert_int_ge(r, 0);
	}
done:
	ck_assert(raw.len == len && memcmp(raw.data, in, len) == 0);
	eml_buf_adds(&b, "\ndiags:");
	eml_buf_add(&b, d.data, d.len);
	eml_buf_free(&d);
	eml_buf_free(&raw);
	eml_buf_free(&run);
	eml_buf_free(&data);
	eml_parser_free(p);
	return eml_buf_steal(&b);
}

/*
 * Messages whose delimiters, near-delimiters ("--bx", "--b--x"), "-"
 * lines, uuencode "begin" lines and CRLF/LF line ends fall at every
 * position of a 64-byte block, so each kernel meets candidates at its
 * block edges and in its scalar tail.
 */
static char *
message(unsigned variant, size_t *len_r)
{
	struct eml_buf b = { 0 };
	const char *eol = variant & 1 ? "\r\n" : "\n";
	size_t i, j, pad = variant / 2;
	char tmp[256];

	snprintf(tmp, sizeof(tmp), "From: a@b%sSubject: scan%s"
	    "Content-Type: multipart/mixed; boundary=\"bnd\"%s%s",
	    eol, eol, eol, eol);
	eml_buf_adds(&b, tmp);
	for (i = 0; i < 6; i++) {
		snprintf(tmp, sizeof(tmp), "--bnd%sContent-Type: text/plain%s%s",
		    eol, eol, eol);
		eml_buf_adds(&b, tmp);
		for (j = 0; j < pad + i * 11; j++)
			eml_buf_addc(&b, (char)('a' + j % 26));
		eml_buf_adds(&b, eol);
		eml_buf_adds(&b, i % 2 ? "--bndx" : "--bnd--x");
		eml_buf_adds(&b, eol);
		eml_buf_adds(&b, "- not a delimiter");
		eml_buf_adds(&b, eol);
		if (i == 3) {
			eml_buf_adds(&b, "begin 644 f.txt");
			eml_buf_adds(&b, eol);
			eml_buf_adds(&b, "#86)C");
			eml_buf_adds(&b, eol);
			eml_buf_adds(&b, "`");
			eml_buf_adds(&b, eol);
			eml_buf_adds(&b, "end");
			eml_buf_adds(&b, eol);
		}
		for (j = 0; j < 100 + pad; j++)
			eml_buf_addc(&b, (char)('A' + j % 26));
		eml_buf_adds(&b, eol);
	}
	snprintf(tmp, sizeof(tmp), "--bnd--%sepilogue%s", eol, eol);
	eml_buf_adds(&b, tmp);
	*len_r = b.len;
	return eml_buf_steal(&b);
}

START_TEST(test_parser_paths_agree)
{
	static const size_t chunks[] = { 1, 2, 3, 7, 31, 64, 65, 333, 4096 };
	size_t len, c;
	char *in = message((unsigned)_i, &len), *want, *got;
	unsigned p;

	emli_scan_force(EMLI_SCAN_SCALAR);
	want = events(in, len, len);
	ck_assert_ptr_nonnull(strstr(want, "diags:"));
	for (p = 0; p < NPATHS; p++) {
		emli_scan_force(paths[p]);
		for (c = 0; c < sizeof(chunks) / sizeof(chunks[0]) + 1; c++) {
			got = events(in, len, c < sizeof(chunks) /
			    sizeof(chunks[0]) ? chunks[c] : len);
			ck_assert_msg(strcmp(got, want) == 0, "path %s chunk "
			    "%zu differs", emli_scan_impl(), c);
			free(got);
		}
	}
	emli_scan_force(EMLI_SCAN_AUTO);
	free(want);
	free(in);
}
END_TEST

/* The message above really has what it is meant to: six children (1 to
 * 6), the uuencode block as a part of the fourth (4.u1), suffix
 * diagnostics for "--bnd--x". */
START_TEST(test_parser_message_shape)
{
	size_t len;
	char *in = message(0, &len), *ev;

	emli_scan_force(EMLI_SCAN_AUTO);
	ev = events(in, len, len);
	ck_assert_ptr_nonnull(strstr(ev, "[6]"));
	ck_assert_ptr_null(strstr(ev, "[7]"));
	ck_assert_ptr_nonnull(strstr(ev, "[4.u1]"));
	ck_assert_ptr_nonnull(strstr(ev, "close-delim-suffix"));
	free(ev);
	free(in);
}
END_TEST

/* The mbox splitter's events (mbox.c scans for lines starting with LF,
 * CR, 'F' or '>'), DATA slices merged so the text is chunk-free. */
static char *
mbox_events(const char *in, size_t len, size_t chunk, unsigned flags)
{
	struct eml_mbox *m = eml_mbox_new(flags);
	struct eml_mbox_event ev;
	struct eml_buf b = { 0 };
	size_t pos = 0;
	int r, last = -1;
	char tmp[128];

	ck_assert_ptr_nonnull(m);
	for (;;) {
		if (pos < len) {
			size_t k = EMLI_MIN(chunk, len - pos);

			ck_assert_int_eq(eml_mbox_feed(m, in + pos, k), 0);
			pos += k;
		} else
			eml_mbox_finish(m);
		while ((r = eml_mbox_next(m, &ev)) > 0) {
			if ((int)ev.type != last || ev.type != EML_MBOX_DATA) {
				snprintf(tmp, sizeof(tmp), "\n%d@%llu#%lu/%lu ",
				    ev.type, (unsigned long long)ev.offset,
				    ev.index, ev.from_unquoted);
				eml_buf_adds(&b, tmp);
			}
			last = ev.type;
			eml_buf_add(&b, ev.data, ev.len);
		}
		ck_assert_int_eq(r, 0);
		if (pos >= len)
			break;
	}
	eml_mbox_free(m);
	return eml_buf_steal(&b);
}

START_TEST(test_mbox_paths_agree)
{
	static const size_t chunks[] = { 1, 3, 17, 64, 100, 4096 };
	const char *eol = _i & 1 ? "\r\n" : "\n";
	unsigned flags = _i & 2 ? EML_MBOX_RD : 0;
	struct eml_buf b = { 0 };
	size_t i, j, c;
	char *want, *got, tmp[200];
	unsigned p;

	for (i = 0; i < 20; i++) {
		snprintf(tmp, sizeof(tmp), "From a@b Thu Jan  1 00:00:0%zu "
		    "1970%sSubject: %zu%s%s", i % 10, eol, i, eol, eol);
		eml_buf_adds(&b, tmp);
		for (j = 0; j < (i * 7 + _i) % 90; j++)
			eml_buf_addc(&b, (char)('a' + j % 26));
		eml_buf_adds(&b, eol);
		eml_buf_adds(&b, i % 3 ? ">From quoted" : "From unquoted");
		eml_buf_adds(&b, eol);
		eml_buf_adds(&b, "Fr not a From line");
		eml_buf_adds(&b, eol);
		eml_buf_adds(&b, eol);
		for (j = 0; j < 70 + i; j++)
			eml_buf_addc(&b, (char)('A' + j % 26));
		eml_buf_adds(&b, eol);
		eml_buf_adds(&b, eol);
	}
	emli_scan_force(EMLI_SCAN_SCALAR);
	want = mbox_events(b.data, b.len, b.len, flags);
	ck_assert_ptr_nonnull(strstr(want, "#20/"));
	for (p = 0; p < NPATHS; p++) {
		emli_scan_force(paths[p]);
		for (c = 0; c <= sizeof(chunks) / sizeof(chunks[0]); c++) {
			got = mbox_events(b.data, b.len, c < sizeof(chunks) /
			    sizeof(chunks[0]) ? chunks[c] : b.len, flags);
			ck_assert_msg(strcmp(got, want) == 0, "mbox path %s "
			    "chunk %zu differs", emli_scan_impl(), c);
			free(got);
		}
	}
	emli_scan_force(EMLI_SCAN_AUTO);
	free(want);
	eml_buf_free(&b);
}
END_TEST

/*
 * Mapped input (input.c, eml_input_view): a file large enough to be
 * mapped comes out, through views of any size after a peek, as exactly
 * its bytes; _read after _view goes on where the views stopped; a small
 * file is read into the caller's buffer instead.
 */
START_TEST(test_input_view)
{
	static const size_t sizes[] = { 1, 4096, 65536, 1000003 };
	char path[] = "/tmp/check_scan_XXXXXX", pk[16], *buf, *want;
	size_t n = 3 * 1024 * 1024 + 77, got, s = sizes[_i];
	struct eml_input *in;
	const char *v;
	int fd, mapped = 0;
	long k;

	want = malloc(n);
	buf = malloc(s);
	ck_assert(want != NULL && buf != NULL);
	fill(want, n, 99);
	ck_assert_int_ge(fd = mkstemp(path), 0);
	ck_assert(write(fd, want, n) == (ssize_t)n);
	close(fd);

	ck_assert_int_eq(eml_input_open(path, &in), EML_OK);
	ck_assert_int_eq(eml_input_peek(in, pk, sizeof(pk)), sizeof(pk));
	ck_assert(memcmp(pk, want, sizeof(pk)) == 0);
	for (got = 0; got < n / 2; got += (size_t)k) {
		k = eml_input_view(in, buf, s, &v);
		ck_assert_int_gt(k, 0);
		ck_assert_uint_le((size_t)k, s);
		mapped |= v != buf;
		ck_assert(memcmp(v, want + got, (size_t)k) == 0);
	}
	ck_assert_msg(mapped, "a %zu byte file was not mapped", n);
	/* _read after _view: the bytes after the views, copied */
	while ((k = eml_input_read(in, buf, s)) > 0) {
		ck_assert(memcmp(buf, want + got, (size_t)k) == 0);
		got += (size_t)k;
	}
	ck_assert_int_eq(k, 0);
	ck_assert_uint_eq(got, n);
	ck_assert_int_eq(eml_input_view(in, buf, s, &v), 0);
	eml_input_close(in);

	/* a small file: read, not mapped, same bytes */
	ck_assert_int_ge(fd = open(path, O_WRONLY | O_TRUNC), 0);
	ck_assert(write(fd, want, 1000) == 1000);
	close(fd);
	ck_assert_int_eq(eml_input_open(path, &in), EML_OK);
	for (got = 0; (k = eml_input_view(in, buf, s, &v)) > 0;
	    got += (size_t)k) {
		ck_assert_ptr_eq(v, buf);
		ck_assert(memcmp(v, want + got, (size_t)k) == 0);
	}
	ck_assert_int_eq(k, 0);
	ck_assert_uint_eq(got, 1000);
	eml_input_close(in);
	unlink(path);
	free(buf);
	free(want);
}
END_TEST

Suite *
eml_scan_suite(void)
{
	Suite *s = suite_create("scan");
	TCase *tc = tcase_create("scan");

	tcase_set_timeout(tc, 120);
	tcase_add_loop_test(tc, test_kernels_match_scalar, 0, 3);
	tcase_add_test(tc, test_force_names);
	tcase_add_loop_test(tc, test_parser_paths_agree, 0, 130);
	tcase_add_test(tc, test_parser_message_shape);
	tcase_add_loop_test(tc, test_mbox_paths_agree, 0, 4);
	tcase_add_loop_test(tc, test_input_view, 0, 4);
	suite_add_tcase(s, tc);
	return s;
}
