/*
 * bodycheck.c - body-level diagnostics of a leaf part, on its raw bytes.
 *
 * The parser feeds each leaf's raw body chunks, with the input offset
 * and line of their first byte; the checker calls back once per
 * occurrence (per line and code: a line full of NULs is one nul-in-body)
 * with the line and offset of the first offending byte.  It works on the
 * raw bytes whether the parser decodes or not, so the stream and the
 * tree (which decodes on demand) report the same.  The base64 rules are
 * the decoder's (b64.c: garbage, padding, the end of the data), the QP
 * escape rule is qp.c's; tests compare the checker with the decoders'
 * counters.
 *
 * Work is linear: one pass, a table lookup per byte of the kinds that can
 * matter for the part's encoding, and runs of the others skipped in a
 * tight loop.  Output is bounded by the budget given at init (the
 * parser's max_diags); past it the checker still runs but says nothing.
 */
#include "eml_priv.h"

#ifdef __SSE2__
#include <emmintrin.h>
#endif

/* Byte kinds; 0 is "nothing to see" for the part's table. */
enum {
	K_NONE = 0,
	K_LF,		/* line end */
	K_CR,		/* CR: bare unless LF follows */
	K_NUL,
	K_8BIT,		/* >= 0x80 in a 7bit body */
	K_EQ,		/* '=' in QP or base64 */
	K_WS,		/* SP, HTAB in base64 */
	K_BAD		/* outside the base64 alphabet */
};

static unsigned char tab_7bit[256], tab_8bit[256], tab_qp[256],
    tab_b64[256], tab_lf[256];
static int tabs_ready;

static void
tabs_init(void)
{
	static const char alpha[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned i;

	/* Idempotent: racing threads write the same bytes. */
	for (i = 0; i < 256; i++) {
		tab_7bit[i] = i >= 0x80 ? K_8BIT : K_NONE;
		tab_b64[i] = K_BAD;
	}
	for (i = 0; alpha[i] != '\0'; i++)
		tab_b64[(unsigned char)alpha[i]] = K_NONE;
	tab_b64['='] = K_EQ;
	tab_b64[' '] = tab_b64['\t'] = K_WS;
	tab_7bit[0] = tab_8bit[0] = tab_qp[0] = K_NUL;
	tab_b64[0] = K_BAD;
	tab_7bit['\r'] = tab_8bit['\r'] = tab_qp['\r'] = tab_b64['\r'] = K_CR;
	tab_7bit['\n'] = tab_8bit['\n'] = tab_qp['\n'] = tab_b64['\n'] =
	    tab_lf['\n'] = K_LF;
	tab_qp['='] = K_EQ;
	tabs_ready = 1;
}

static const signed char hexv[256] = {
	['0'] = 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	['A'] = 1, 1, 1, 1, 1, 1,
	['a'] = 1, 1, 1, 1, 1, 1
};

/* QP escape states after '=' (qp.c's escape()). */
enum { Q_NONE, Q_EQ, Q_HEX1, Q_WS, Q_CR };

void
emli_bodycheck_init(struct emli_bodycheck *c, enum eml_cte cte, int text,
    unsigned flags, unsigned budget)
{
	if (!tabs_ready)
		tabs_init();
	memset(c, 0, sizeof(*c));
	c->cte = cte;
	c->flags = flags;
	c->budget = budget;
	c->bol = 1;
	c->b64_bol = 1;
	switch (cte) {
	case EML_CTE_7BIT:
		c->tab = tab_7bit;
		break;
	case EML_CTE_8BIT:
	case EML_CTE_UUENCODE:
		c->tab = tab_8bit;
		break;
	case EML_CTE_QP:
		c->tab = tab_qp;
		break;
	case EML_CTE_BASE64:
		c->tab = tab_b64;
		break;
	default:
		/* binary and unknown: any byte is fine; only lines matter,
		 * and only when there are line checks */
		c->tab = tab_lf;
		break;
	}
	/* uuencode blocks in text bodies (LENIENCY.md) and x-uuencode */
	c->uu = cte == EML_CTE_UUENCODE ||
	    (text && !(flags & EMLI_BC_NO_UU) && cte != EML_CTE_BASE64);
	c->lines = c->uu || (flags & EMLI_BC_MBOX);
	c->lp_pending = c->lines;
	c->active = c->lines || (cte != EML_CTE_BINARY &&
	    cte != EML_CTE_UNKNOWN);
}

/* Report code at the current byte, once per line and code. */
static void
report(struct emli_bodycheck *c, enum eml_diag_code code, uint64_t off,
    unsigned long line, emli_bodycheck_fn fn, void *arg)
{
	unsigned bit;

	switch (code) {
	case EML_D_BARE_CR:		bit = 1; break;
	case EML_D_NUL_IN_BODY:		bit = 2; break;
	case EML_D_8BIT_IN_7BIT:	bit = 4; break;
	case EML_D_QP_BAD_ESCAPE:	bit = 8; break;
	case EML_D_QP_LINE_LONG:	bit = 16; break;
	case EML_D_B64_GARBAGE:		bit = 32; break;
	case EML_D_B64_PADDING:		bit = 64; break;
	default:			bit = 0; break;
	}
	if (bit != 0) {
		if (c->line_seen & bit)
			return;
		c->line_seen |= bit;
	}
	if (c->budget == 0)
		return;
	c->budget--;
	fn(arg, code, line, off);
}

/* The first bytes of a line are complete (or the line ended): look for
 * "From " (mbox) and uuencode's "begin NNN name" / "end". */
static void
line_start(struct emli_bodycheck *c, int whole, emli_bodycheck_fn fn,
    void *arg)
{
	const char *l = c->lp;
	size_t n = c->nlp, i;

	if ((c->flags & EMLI_BC_MBOX) && n >= 5 && memcmp(l, "From ", 5) == 0)
		report(c, EML_D_MBOX_FROM_UNQUOTED, c->lp_off, c->lp_line,
		    fn, arg);
	if (!c->uu)
		return;
	if (!c->uu_open && n >= 8 && memcmp(l, "begin ", 6) == 0) {
		for (i = 6; i < n && l[i] >= '0' && l[i] <= '7'; i++)
			;
		if (i > 6 && i < n && l[i] == ' ') {
			c->uu_open = 1;
			c->uu_off = c->lp_off;
			c->uu_line = c->lp_line;
		}
	} else if (c->uu_open && whole && n >= 3 && memcmp(l, "end", 3) == 0) {
		for (i = 3; i < n && (EMLI_WSP(l[i]) || l[i] == '\r'); i++)
			;
		if (i == n)
			c->uu_open = 0;
	}
}

/* Base64: one byte the table did not pass (b64.c's dec_byte). */
static void
b64_byte(struct emli_bodycheck *c, unsigned char ch, unsigned k,
    uint64_t off, unsigned long line, emli_bodycheck_fn fn, void *arg)
{
	if (c->b64_ended) {
		if (k == K_EQ && c->b64_padneed > 0) {
			c->b64_padneed--;
			return;
		}
		if (k == K_WS || k == K_CR || k == K_LF)
			return;
		if (c->b64_padneed > 0 || k == K_EQ) {
			report(c, EML_D_B64_PADDING, off, line, fn, arg);
			c->b64_padneed = 0;
			if (k == K_EQ)
				return;
		}
		if (!c->b64_trail) {
			c->b64_trail = 1;
			if (c->budget > 0) {
				c->budget--;
				fn(arg, EML_D_B64_TRAILING_TEXT, line, off);
			}
		}
		return;
	}
	switch (k) {
	case K_NONE:		/* alphabet */
		c->b64_bol = 0;
		c->b64_started = 1;
		c->b64_nacc = (c->b64_nacc + 1) & 3;
		break;
	case K_EQ:
		c->b64_bol = 0;
		if (c->b64_nacc == 2) {
			c->b64_padneed = 1;
			c->b64_ended = 1;
		} else if (c->b64_nacc == 3) {
			c->b64_ended = 1;
		} else {
			report(c, EML_D_B64_PADDING, off, line, fn, arg);
		}
		c->b64_nacc = 0;
		break;
	case K_WS:
	case K_CR:
		break;
	case K_LF:
		c->b64_bol = 1;
		break;
	default:
		if (c->b64_bol && c->b64_started) {
			c->b64_ended = 1;
			c->b64_end_nacc = c->b64_nacc;
			c->b64_trail = 1;
			if (c->budget > 0) {
				c->budget--;
				fn(arg, EML_D_B64_TRAILING_TEXT, line, off);
			}
		} else {
			report(c, EML_D_B64_GARBAGE, off, line, fn, arg);
		}
		(void)ch;
		break;
	}
}

/* QP: escape state for one byte; returns 1 if the byte starts anew. */
static int
qp_byte(struct emli_bodycheck *c, unsigned char ch, uint64_t off,
    unsigned long line, emli_bodycheck_fn fn, void *arg)
{
	switch (c->qp_st) {
	case Q_EQ:
		if (hexv[ch]) {
			c->qp_st = Q_HEX1;
			return 0;
		}
		if (EMLI_WSP(ch)) {
			c->qp_st = Q_WS;
			return 0;
		}
		if (ch == '\r') {
			c->qp_st = Q_CR;
			return 0;
		}
		if (ch == '\n') {
			c->qp_st = Q_NONE;
			return 1;	/* soft break; LF ends the line */
		}
		break;
	case Q_HEX1:
		if (hexv[ch]) {
			c->qp_st = Q_NONE;
			return 0;
		}
		break;
	case Q_WS:
		if (EMLI_WSP(ch))
			return 0;
		if (ch == '\r') {
			c->qp_st = Q_CR;
			return 0;
		}
		if (ch == '\n') {
			c->qp_st = Q_NONE;
			return 1;
		}
		break;
	case Q_CR:
		if (ch == '\n') {
			c->qp_st = Q_NONE;
			return 1;
		}
		break;
	default:
		return 1;
	}
	/* RFC 2045 6.7: "=" must start "=XX" or a soft line break */
	report(c, EML_D_QP_BAD_ESCAPE, c->qp_eq_off, c->qp_eq_line, fn, arg);
	c->qp_st = Q_NONE;
	return 1;
}

/*
 * The first byte at or after p that the part's table does not pass, or
 * end.  With SSE2 (part of x86-64) 16 bytes are classified at a time by
 * comparisons equivalent to the tables.
 */
static const unsigned char *
skip(const struct emli_bodycheck *c, const unsigned char *p,
    const unsigned char *end)
{
	const unsigned char *tab = c->tab;

	if (tab == tab_lf) {
		p = memchr(p, '\n', (size_t)(end - p));
		return p != NULL ? p : end;
	}
#ifdef __SSE2__
	{
		const __m128i z = _mm_setzero_si128();
		const __m128i cr = _mm_set1_epi8('\r'), lf = _mm_set1_epi8('\n');
		const __m128i eq = _mm_set1_epi8('=');
		__m128i v, m;
		unsigned bits;

		while (end - p >= 16) {
			v = _mm_loadu_si128((const __m128i *)(const void *)p);
			if (tab == tab_b64) {
				/* alphabet: A-Z a-z 0-9 + / (as unsigned
				 * ranges, shifted into signed ones) */
				m = _mm_cmplt_epi8(_mm_add_epi8(v,
				    _mm_set1_epi8((char)(128 - 'A'))),
				    _mm_set1_epi8((char)(-128 + 26)));
				m = _mm_or_si128(m, _mm_cmplt_epi8(
				    _mm_add_epi8(v,
				    _mm_set1_epi8((char)(128 - 'a'))),
				    _mm_set1_epi8((char)(-128 + 26))));
				m = _mm_or_si128(m, _mm_cmplt_epi8(
				    _mm_add_epi8(v,
				    _mm_set1_epi8((char)(128 - '0'))),
				    _mm_set1_epi8((char)(-128 + 10))));
				m = _mm_or_si128(m, _mm_cmpeq_epi8(v,
				    _mm_set1_epi8('+')));
				m = _mm_or_si128(m, _mm_cmpeq_epi8(v,
				    _mm_set1_epi8('/')));
				bits = ~(unsigned)_mm_movemask_epi8(m) &
				    0xffffu;
			} else {
				m = _mm_or_si128(_mm_cmpeq_epi8(v, z),
				    _mm_or_si128(_mm_cmpeq_epi8(v, cr),
				    _mm_cmpeq_epi8(v, lf)));
				if (tab == tab_qp)
					m = _mm_or_si128(m,
					    _mm_cmpeq_epi8(v, eq));
				bits = (unsigned)_mm_movemask_epi8(m);
				if (tab == tab_7bit)
					bits |= (unsigned)_mm_movemask_epi8(v);
			}
			if (bits != 0)
				return p + __builtin_ctz(bits);
			p += 16;
		}
	}
#endif
	while (p < end && tab[*p] == K_NONE)
		p++;
	return p;
}

/* At a line start (lines checks on): take up to sizeof(lp) bytes of the
 * line from p.  They are looked at when the line ends, whatever the
 * chunking, so that reports come in the same order. */
static const unsigned char *
capture(struct emli_bodycheck *c, const unsigned char *p,
    const unsigned char *end, uint64_t o, unsigned long line,
    emli_bodycheck_fn fn, void *arg)
{
	size_t room = sizeof(c->lp) - c->nlp, k = EMLI_MIN(room,
	    (size_t)(end - p));
	const unsigned char *nl;

	if (!c->lp_have && *p != 'F' && *p != 'b' && *p != 'e') {
		/* no "From ", "begin " or "end" here: most lines */
		c->lp_pending = 0;
		return p;
	}
	nl = memchr(p, '\n', k);
	if (!c->lp_have) {
		c->lp_have = 1;
		c->lp_off = o;
		c->lp_line = line;
	}
	if (nl != NULL)
		k = (size_t)(nl - p);
	memcpy(c->lp + c->nlp, p, k);
	c->nlp += (unsigned)k;
	if (nl != NULL || c->nlp == sizeof(c->lp)) {
		c->lp_whole = nl != NULL;
		c->lp_pending = 0;
	}
	(void)fn;
	(void)arg;
	return p + k;	/* taken: not again in this feed */
}

void
emli_bodycheck_feed(struct emli_bodycheck *c, const void *buf, size_t n,
    uint64_t off, unsigned long line, emli_bodycheck_fn fn, void *arg)
{
	const unsigned char *s = buf, *p = s, *end = s + n, *q;
	const unsigned char *tab = c->tab, *taken = s;
	unsigned k;

	if (!c->active || n == 0)
		return;
	while (p < end) {
		uint64_t o = off + (uint64_t)(p - s);

		/* a CR seen last is bare unless this byte is LF */
		if (c->cr) {
			c->cr = 0;
			if (*p != '\n')
				report(c, EML_D_BARE_CR, c->cr_off, c->cr_line,
				    fn, arg);
		}
		if (c->lp_pending && p >= taken)
			taken = capture(c, p, end, o, line, fn, arg);
		k = tab[*p];
		if (c->qp_st != Q_NONE && !qp_byte(c, *p, o, line, fn, arg)) {
			/* inside "=XX" or a soft break "=" WSP* CRLF */
			c->col_cr = *p == '\r';
			if (c->col_cr) {
				c->cr = 1;
				c->cr_off = o;
				c->cr_line = line;
			}
			c->col++;
			p++;
			continue;
		}
		if (k == K_NONE && c->cte == EML_CTE_BASE64 && c->b64_ended &&
		    (c->b64_padneed > 0 || !c->b64_trail)) {
			/* alphabet after the end: trailing text */
			b64_byte(c, *p, k, o, line, fn, arg);
			c->col++;
			c->col_cr = 0;
			p++;
			continue;
		}
		if (k == K_NONE) {
			/* the run of bytes that need no look */
			q = skip(c, p + 1, end);
			if (c->cte == EML_CTE_BASE64 && !c->b64_ended) {
				c->b64_bol = 0;
				c->b64_started = 1;
				c->b64_nacc = (unsigned)((c->b64_nacc +
				    (size_t)(q - p)) & 3);
			}
			c->col += (unsigned long)(q - p);
			c->col_cr = 0;
			p = q;
			continue;
		}
		switch (k) {
		case K_LF:
			if (c->lp_have)
				line_start(c, c->lp_whole, fn, arg);
			/* RFC 2045 6.7 rule 5: encoded lines are at most 76
			 * characters, the CRLF not counted */
			if (c->cte == EML_CTE_QP && c->col - c->col_cr > 76)
				report(c, EML_D_QP_LINE_LONG, o - c->col,
				    line, fn, arg);
			if (c->cte == EML_CTE_BASE64)
				b64_byte(c, *p, k, o, line, fn, arg);
			line++;
			c->col = 0;
			c->col_cr = 0;
			c->nlp = 0;
			c->lp_have = c->lp_whole = 0;
			c->lp_pending = c->lines;
			c->line_seen = 0;
			break;
		case K_CR:
			c->cr = 1;
			c->cr_off = o;
			c->cr_line = line;
			if (c->cte == EML_CTE_BASE64)
				b64_byte(c, *p, k, o, line, fn, arg);
			c->col++;
			/* a CR right before LF is not counted in the line */
			c->col_cr = 1;
			break;
		case K_NUL:
			report(c, EML_D_NUL_IN_BODY, o, line, fn, arg);
			c->col++;
			c->col_cr = 0;
			break;
		case K_8BIT:
			report(c, EML_D_8BIT_IN_7BIT, o, line, fn, arg);
			c->col++;
			c->col_cr = 0;
			break;
		case K_EQ:
			if (c->cte == EML_CTE_QP) {
				c->qp_st = Q_EQ;
				c->qp_eq_off = o;
				c->qp_eq_line = line;
			} else {
				b64_byte(c, *p, k, o, line, fn, arg);
			}
			c->col++;
			c->col_cr = 0;
			break;
		default:	/* K_WS, K_BAD: base64 only */
			b64_byte(c, *p, k, o, line, fn, arg);
			c->col++;
			c->col_cr = 0;
			break;
		}
		p++;
	}
}

void
emli_bodycheck_finish(struct emli_bodycheck *c, uint64_t off,
    unsigned long line, emli_bodycheck_fn fn, void *arg)
{
	if (!c->active)
		return;
	if (c->cr)
		report(c, EML_D_BARE_CR, c->cr_off, c->cr_line, fn, arg);
	c->cr = 0;
	if (c->lp_have)
		line_start(c, c->lp_pending || c->lp_whole, fn, arg);
	if (c->cte == EML_CTE_QP) {
		if (c->col - c->col_cr > 76)
			report(c, EML_D_QP_LINE_LONG, off - c->col, line, fn,
			    arg);
		/* "=" and blanks at the end are a soft break (qp.c);
		 * "=X" is not */
		if (c->qp_st == Q_HEX1)
			report(c, EML_D_QP_BAD_ESCAPE, c->qp_eq_off,
			    c->qp_eq_line, fn, arg);
	}
	if (c->cte == EML_CTE_BASE64) {
		/* b64.c's finish: a partial group or '=' still owed */
		if ((!c->b64_ended && c->b64_nacc != 0) ||
		    (c->b64_ended && c->b64_end_nacc != 0) ||
		    c->b64_padneed > 0)
			report(c, EML_D_B64_PADDING, off, line, fn, arg);
	}
	if (c->uu && c->uu_open && c->budget > 0) {
		/* the block's begin line is where the reader looks */
		c->budget--;
		fn(arg, EML_D_UU_TRUNCATED, c->uu_line, c->uu_off);
	}
	c->active = 0;
}
