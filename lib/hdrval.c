/*
 * hdrval.c - header field values: unfolding, decoding to UTF-8, encoding
 * and folding for output.
 */
#include <stdlib.h>

#include "eml_priv.h"

#define FOLD_COL	78	/* RFC 5322 2.1.1: lines SHOULD be <= 78 */
#define ENC_ROOM	40	/* start encoded-words with this much room */

#define IS_LWS(c)	(EMLI_WSP(c) || (c) == '\r' || (c) == '\n')

/* Make out a C string even when nothing was appended. */
static int
terminate(struct eml_buf *out)
{
	if (eml_buf_reserve(out, 0) == NULL)
		return EML_ENOMEM;
	out->data[out->len] = '\0';
	return EML_OK;
}

/*
 * RFC 5322 2.2.3: unfolding removes each CRLF that is followed by WSP.
 * A bare CR or LF elsewhere (broken input) is removed too, so the result
 * is always one line.
 */
int
eml_hdr_unfold(const char *v, size_t len, struct eml_buf *out)
{
	size_t b = 0, e = len, i, start;
	int r;

	while (b < e && IS_LWS(v[b]))
		b++;
	while (e > b && IS_LWS(v[e - 1]))
		e--;
	for (i = start = b; i < e; i++) {
		if (v[i] != '\r' && v[i] != '\n')
			continue;
		if ((r = eml_buf_add(out, v + start, i - start)) != EML_OK)
			return r;
		start = i + 1;
	}
	if ((r = eml_buf_add(out, v + start, e - start)) != EML_OK)
		return r;
	return terminate(out);
}

int
eml_hdr_decode(const char *v, size_t len, const char *fallback,
    struct eml_buf *out, struct eml_defects *defects_r)
{
	size_t b = 0, e = len;
	int r;

	while (b < e && IS_LWS(v[b]))
		b++;
	while (e > b && IS_LWS(v[e - 1]))
		e--;
	/* eml_rfc2047_decode unfolds, turning each fold into one space. */
	if ((r = eml_rfc2047_decode(v + b, e - b, fallback, out, defects_r))
	    != EML_OK)
		return r;
	return terminate(out);
}

/* A charset that adds nothing to a fallback list: UTF-8 is always
 * tried first, ASCII cannot hold 8-bit. */
static int
plain_charset(const char *cs)
{
	return strcasecmp(cs, "us-ascii") == 0 || strcasecmp(cs, "ascii") ==
	    0 || strcasecmp(cs, "utf-8") == 0 || strcasecmp(cs, "utf8") == 0;
}

/* 1 if n is inside an embedded message (below a message/rfc822 part). */
static int
in_embedded(const struct eml_node *n)
{
	const struct eml_node *a;

	for (a = n->parent; a != NULL; a = a->parent)
		if (a->info.is_message)
			return 1;
	return 0;
}

int
eml_msg_fallback(const struct eml_msg *msg, const char *deflt, char *buf,
    size_t size)
{
	const struct eml_node *n;
	const char *cs = NULL;
	size_t nc, nd;

	if (buf == NULL || size == 0)
		return EML_EINVAL;
	if (deflt == NULL)
		deflt = EMLI_FALLBACK;
	/* mutt's assumed_charset, automatic: the sender's software wrote
	 * the raw header bytes in the charset it wrote the text in */
	for (n = msg != NULL ? msg->root : NULL; n != NULL;
	    n = eml_node_next(n)) {
		if (n->first_child != NULL || n->info.is_multipart ||
		    n->info.is_message || in_embedded(n) ||
		    strncmp(n->info.ctype, "text/", 5) != 0)
			continue;
		if (n->info.charset[0] != '\0')
			cs = n->info.charset;
		break;
	}
	if (cs != NULL && (plain_charset(cs) || !eml_charset_known(cs) ||
	    strchr(cs, ',') != NULL))
		cs = NULL;
	nd = strlen(deflt);
	nc = cs != NULL ? strlen(cs) + 1 : 0;
	if (nc + nd >= size)
		return EML_ELIMIT;
	if (cs != NULL) {
		memcpy(buf, cs, nc - 1);
		buf[nc - 1] = ',';
	}
	memcpy(buf + nc, deflt, nd + 1);
	return EML_OK;
}

/*
 * A word needs encoding if it is not plain printable ASCII, if a decoder
 * would take it for an encoded-word, or if it cannot fit on a line.
 */
static int
needs_enc(const char *w, size_t n)
{
	size_t i;

	if (n + 1 > FOLD_COL - 1)
		return 1;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)w[i];

		if (c < 0x20 || c >= 0x7F)
			return 1;
		if (c == '=' && i + 1 < n && w[i + 1] == '?')
			return 1;
	}
	return 0;
}

/* Column after the last line break in out (from start). */
static size_t
cur_col(const struct eml_buf *out, size_t start)
{
	size_t i = out->len;

	while (i > start && out->data[i - 1] != '\n')
		i--;
	return out->len - i;
}

/* Append the whitespace run ws (a run with a line break becomes " "). */
static int
add_ws(struct eml_buf *out, const char *ws, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ws[i] == '\r' || ws[i] == '\n')
			return eml_buf_addc(out, ' ');
	return n == 0 ? eml_buf_addc(out, ' ') : eml_buf_add(out, ws, n);
}

static size_t
ws_len(const char *ws, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (ws[i] == '\r' || ws[i] == '\n')
			return 1;
	return n == 0 ? 1 : n;
}

/*
 * Encode the words in v[b..e) (an encoded run: whitespace inside it is
 * encoded, folds become one space) preceded by whitespace ws.
 */
static int
put_run(const char *v, size_t b, size_t e, const char *ws, size_t wsn,
    const char *eol, size_t start, struct eml_buf *out)
{
	struct eml_buf run = { 0 };
	size_t col = cur_col(out, start), i, j;
	int r;

	run.max = e - b + 1;
	for (i = b; i < e; i = j) {
		if (!IS_LWS(v[i])) {
			for (j = i; j < e && !IS_LWS(v[j]); j++)
				;
			r = eml_buf_add(&run, v + i, j - i);
		} else {
			for (j = i; j < e && IS_LWS(v[j]); j++)
				;
			r = add_ws(&run, v + i, j - i);
		}
		if (r != EML_OK)
			goto done;
	}
	if (col + ws_len(ws, wsn) + ENC_ROOM > FOLD_COL &&
	    (r = eml_buf_adds(out, eol)) != EML_OK)
		goto done;
	if ((r = add_ws(out, ws, wsn)) != EML_OK)
		goto done;
	r = eml_rfc2047_encode(run.data, run.len, (int)cur_col(out, start),
	    eol, out);
done:
	eml_buf_free(&run);
	return r;
}

int
eml_hdr_encode(const char *name, const char *utf8, size_t len,
    const char *eol, struct eml_buf *out)
{
	struct eml_buf clean = { 0 };
	const char *v = utf8, *ws;
	size_t start = out->len, i, j, k, e, wsn, col;
	int r;

	if (eol == NULL)
		eol = "\r\n";
	if (!eml_utf8_valid(utf8, len)) {
		clean.max = len * 3 + 16;
		if ((r = eml_charset_to_utf8("UTF-8", utf8, len, NULL, &clean,
		    NULL)) != EML_OK)
			goto done;
		v = clean.data;
		len = clean.len;
	}
	if ((r = eml_buf_adds(out, name)) != EML_OK ||
	    (r = eml_buf_addc(out, ':')) != EML_OK)
		goto done;
	e = len;
	while (e > 0 && IS_LWS(v[e - 1]))
		e--;
	for (i = 0; i < e && IS_LWS(v[i]); i++)
		;
	ws = " ";
	wsn = 1;
	while (i < e) {
		for (j = i; j < e && !IS_LWS(v[j]); j++)
			;
		if (needs_enc(v + i, j - i)) {
			/* Extend the run over following words that need
			 * encoding: whitespace between two encoded-words
			 * is lost, so it goes inside the run. */
			for (;;) {
				for (k = j; k < e && IS_LWS(v[k]); k++)
					;
				if (k == e)
					break;
				for (j = k; j < e && !IS_LWS(v[j]); j++)
					;
				if (!needs_enc(v + k, j - k)) {
					j = k;
					while (j > i && IS_LWS(v[j - 1]))
						j--;
					break;
				}
			}
			r = put_run(v, i, j, ws, wsn, eol, start, out);
		} else {
			col = cur_col(out, start);
			/* RFC 5322 2.2.3: fold before the whitespace. */
			if (col + ws_len(ws, wsn) + (j - i) > FOLD_COL)
				r = eml_buf_adds(out, eol);
			if (r == EML_OK)
				r = add_ws(out, ws, wsn);
			if (r == EML_OK)
				r = eml_buf_add(out, v + i, j - i);
		}
		if (r != EML_OK)
			goto done;
		for (k = j; k < e && IS_LWS(v[k]); k++)
			;
		ws = v + j;
		wsn = k - j;
		i = k;
	}
	r = eml_buf_adds(out, eol);
done:
	eml_buf_free(&clean);
	return r;
}
