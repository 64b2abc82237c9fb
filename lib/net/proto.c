/*
 * proto.c - the line-protocol layer SMTP, IMAP and POP3 share (curl's
 * pingpong): an input buffer cut into lines with a size cap, a raw take
 * for literals, an output queue, and SMTP-style multi-line replies.
 * No I/O: the caller feeds server bytes and drains the output queue.
 */
#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "eml_priv.h"
#include "net/eml_net.h"

struct eml_proto {
	char *in;		/* unconsumed input is in[ipos..ilen) */
	size_t ipos, ilen, icap;
	size_t scan;		/* no LF in in[ipos..scan) */
	size_t max_line;
	char *out;		/* queued output is out[opos..olen) */
	size_t opos, olen, ocap;
	size_t max_out;
};

struct eml_proto *
eml_proto_new(size_t max_line, size_t max_out)
{
	struct eml_proto *p = calloc(1, sizeof(*p));

	if (p == NULL)
		return NULL;
	p->max_line = max_line ? max_line : EML_DEFAULT_MAX_LINE;
	p->max_out = max_out ? max_out : EML_DEFAULT_MAX_OUT;
	/* never NULL, so no offset is ever applied to a null pointer */
	p->in = malloc(p->icap = 4096);
	p->out = malloc(p->ocap = 4096);
	if (p->in == NULL || p->out == NULL) {
		eml_proto_free(p);
		return NULL;
	}
	return p;
}

void
eml_proto_free(struct eml_proto *p)
{
	if (p == NULL)
		return;
	free(p->in);
	free(p->out);
	free(p);
}

/* Make room for n more bytes at the end of a buffer, sliding the
 * consumed head out first so it never grows past what is unconsumed. */
static int
room(char **b, size_t *pos, size_t *len, size_t *cap, size_t n, size_t *scan)
{
	size_t ncap;
	char *nb;

	if (*pos > 0) {
		memmove(*b, *b + *pos, *len - *pos);
		*len -= *pos;
		if (scan != NULL)
			*scan -= *pos;
		*pos = 0;
	}
	if (*cap - *len >= n)
		return EML_OK;
	if (n > SIZE_MAX / 2 - *len)
		return EML_ELIMIT;
	ncap = *cap ? *cap : 4096;
	while (ncap - *len < n)
		ncap *= 2;
	if ((nb = realloc(*b, ncap)) == NULL)
		return EML_ENOMEM;
	*b = nb;
	*cap = ncap;
	return EML_OK;
}

int
eml_proto_feed(struct eml_proto *p, const void *buf, size_t n)
{
	int r;

	if (n == 0)
		return EML_OK;
	if ((r = room(&p->in, &p->ipos, &p->ilen, &p->icap, n, &p->scan)) < 0)
		return r;
	memcpy(p->in + p->ilen, buf, n);
	p->ilen += n;
	/* The cap holds for a line still open: a server that sends 10 MB
	 * without a line end is stopped here (attack case 41). */
	if (memchr(p->in + p->scan, '\n', p->ilen - p->scan) == NULL) {
		p->scan = p->ilen;
		if (p->ilen - p->ipos > p->max_line + 2)
			return EML_ELIMIT;
	}
	return EML_OK;
}

int
eml_proto_line(struct eml_proto *p, const char **line_r, size_t *len_r)
{
	char *s = p->in + p->ipos, *lf;
	size_t avail = p->ilen - p->ipos, n;

	if (avail == 0)
		return 0;
	if ((lf = memchr(s, '\n', avail)) == NULL) {
		p->scan = p->ilen;
		return avail > p->max_line + 2 ? EML_ELIMIT : 0;
	}
	n = (size_t)(lf - s);
	p->ipos += n + 1;
	if (p->scan < p->ipos)
		p->scan = p->ipos;
	/* RFC 5321 2.3.8: lines end in CRLF; a bare LF is taken as one
	 * too (docs/LENIENCY.md), since nothing can be smuggled in a reply */
	if (n > 0 && s[n - 1] == '\r')
		n--;
	if (n > p->max_line)
		return EML_ELIMIT;
	s[n] = '\0';
	*line_r = s;
	*len_r = n;
	return 1;
}

size_t
eml_proto_take(struct eml_proto *p, size_t max, const char **p_r)
{
	size_t n = EMLI_MIN(max, p->ilen - p->ipos);

	*p_r = p->in != NULL ? p->in + p->ipos : "";
	p->ipos += n;
	if (p->scan < p->ipos)
		p->scan = p->ipos;
	return n;
}

const char *
eml_proto_peek(const struct eml_proto *p, size_t *n_r)
{
	*n_r = p->ilen - p->ipos;
	return p->in != NULL ? p->in + p->ipos : "";
}

size_t
eml_proto_pending(const struct eml_proto *p)
{
	return p->ilen - p->ipos;
}

void
eml_proto_reset_input(struct eml_proto *p)
{
	p->ipos = p->ilen = p->scan = 0;
}

int
eml_proto_send(struct eml_proto *p, const void *buf, size_t n)
{
	int r;

	if (p->olen - p->opos + n > p->max_out)
		return EML_ELIMIT;
	if ((r = room(&p->out, &p->opos, &p->olen, &p->ocap, n, NULL)) < 0)
		return r;
	memcpy(p->out + p->olen, buf, n);
	p->olen += n;
	return EML_OK;
}

const char *
eml_proto_out(const struct eml_proto *p, size_t *n_r)
{
	*n_r = p->olen - p->opos;
	return p->out != NULL ? p->out + p->opos : "";
}

void
eml_proto_sent(struct eml_proto *p, size_t n)
{
	p->opos += EMLI_MIN(n, p->olen - p->opos);
	if (p->opos == p->olen)
		p->opos = p->olen = 0;
}

/* RFC 5321 4.2: Reply-line = *( Reply-code "-" [ textstring ] CRLF )
 *                            Reply-code [ SP textstring ] CRLF
 * Reply-code = %x32-35 %x30-35 %x30-39 */
int
eml_reply_line(const char *line, size_t len, int *code_r, const char **text_r,
    size_t *textlen_r)
{
	if (len < 3 || line[0] < '2' || line[0] > '5' || line[1] < '0' ||
	    line[1] > '9' || line[2] < '0' || line[2] > '9')
		return EML_EPROTO;
	*code_r = (line[0] - '0') * 100 + (line[1] - '0') * 10 +
	    (line[2] - '0');
	if (len == 3) {
		/* "250" alone: no text; accepted as the last line */
		*text_r = line + 3;
		*textlen_r = 0;
		return 1;
	}
	if (line[3] != ' ' && line[3] != '-')
		return EML_EPROTO;
	*text_r = line + 4;
	*textlen_r = len - 4;
	return line[3] == ' ';
}

/* RFC 3463 2: status-code = class "." subject "." detail, class 2/4/5,
 * subject 1*3digit, detail 1*3digit; must agree with the reply's class */
static size_t
enhanced(const char *t, size_t n, int code, char *enh, size_t enhsize)
{
	size_t i = 0, part, digits;

	if (n < 5 || t[0] - '0' != code / 100)
		return 0;
	for (part = 0; part < 3; part++) {
		for (digits = 0; i < n && t[i] >= '0' && t[i] <= '9'; i++)
			digits++;
		if (digits == 0 || digits > 3 || (part == 0 && digits != 1))
			return 0;
		if (part < 2) {
			if (i >= n || t[i] != '.')
				return 0;
			i++;
		}
	}
	if (i < n && t[i] != ' ')
		return 0;
	emli_strlcpy(enh, t, i, enhsize);
	return i < n ? i + 1 : i;
}

int
eml_proto_reply(struct eml_proto *p, struct eml_reply *r, unsigned max_lines)
{
	const char *line, *text;
	size_t len, tlen, skip;
	int code, last, rc;

	if (max_lines == 0)
		max_lines = EML_DEFAULT_MAX_REPLY_LINES;
	if (r->text.max == 0)
		r->text.max = 4 * p->max_line;
	for (;;) {
		if ((rc = eml_proto_line(p, &line, &len)) <= 0)
			return rc;
		if ((last = eml_reply_line(line, len, &code, &text, &tlen)) < 0)
			return last;
		if (!r->more_) {
			r->more_ = 1;
			r->nlines = 0;
			r->code = code;
			r->enh[0] = '\0';
			eml_buf_reset(&r->text);
		} else if (code != r->code)
			return EML_EPROTO;	/* RFC 5321 4.2.1 */
		if (r->nlines >= max_lines)
			return EML_ELIMIT;
		skip = enhanced(text, tlen, code, r->enh, sizeof(r->enh));
		if (r->nlines > 0 && (rc = eml_buf_addc(&r->text, '\n')) < 0)
			return rc;
		if ((rc = eml_buf_add(&r->text, text + skip, tlen - skip)) < 0)
			return rc;
		r->nlines++;
		if (last) {
			if (r->text.data == NULL &&
			    (rc = eml_buf_add(&r->text, "", 0)) < 0)
				return rc;
			r->more_ = 0;	/* ready for the next reply */
			return 1;
		}
	}
}

void
eml_reply_free(struct eml_reply *r)
{
	eml_buf_free(&r->text);
	memset(r, 0, sizeof(*r));
}
