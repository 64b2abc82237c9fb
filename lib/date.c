/*
 * date.c - RFC 5322 3.3 date-time, its obsolete forms (4.3) and the
 * broken forms real mail carries (asctime, ISO 8601, "GMT+0100", ...).
 *
 * The value is cut into tokens first (numbers, words, punctuation;
 * comments and whitespace dropped), then matched against the few layouts
 * seen in practice.  No libc time functions are used: the conversion to
 * the epoch is pure arithmetic, so the result never depends on TZ.
 */
#include <stdio.h>

#include "eml_priv.h"

#define MAXTOK		48	/* a date has ~12 tokens; the rest is noise */
#define MAXDEPTH	32	/* comment nesting we follow */

enum { T_NUM = 1, T_WORD, T_PUNCT };

struct tok {
	int type;
	long num;		/* T_NUM value (capped) */
	int ndig;		/* T_NUM digit count */
	const char *s;		/* T_WORD text */
	size_t len;
	int c;			/* T_PUNCT character */
	int ws;			/* whitespace or comment before it */
};

struct toks {
	struct tok v[MAXTOK];
	int n;
	int bad;		/* unbalanced comment */
};

static const char *const months[12] = {
	"january", "february", "march", "april", "may", "june", "july",
	"august", "september", "october", "november", "december"
};
static const char *const daynames[7] = {
	"sunday", "monday", "tuesday", "wednesday", "thursday", "friday",
	"saturday"
};

/* A word is a name in tab if it is the 3-letter abbreviation or the full
 * name (case-insensitive); "Sept" and "Thur"/"Tues" too (seen in mail).
 * Returns the index or -1. */
static int
lookup(const char *s, size_t len, const char *const *tab, int n)
{
	int i;

	if (len < 3)
		return -1;
	for (i = 0; i < n; i++) {
		size_t full = strlen(tab[i]);

		if (len > full || strncasecmp(s, tab[i], len) != 0)
			continue;
		if (len == 3 || len == full || len == 4)
			return i;
	}
	return -1;
}

static void
tokenize(const char *v, size_t len, struct toks *t)
{
	size_t i = 0;
	int ws = 1;

	t->n = 0;
	t->bad = 0;
	while (i < len && t->n < MAXTOK) {
		unsigned char c = (unsigned char)v[i];
		struct tok *k = &t->v[t->n];

		if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
			ws = 1;
			i++;
			continue;
		}
		if (c == '(') {
			/* RFC 5322 3.2.2 comment, nested; escapes skip */
			unsigned depth = 0;

			while (i < len) {
				if (v[i] == '\\')
					i++;
				else if (v[i] == '(')
					depth++;
				else if (v[i] == ')' && --depth == 0)
					break;
				i++;
			}
			if (i >= len)
				t->bad = 1;
			i++;
			ws = 1;
			continue;
		}
		memset(k, 0, sizeof(*k));
		k->ws = ws;
		ws = 0;
		if (c >= '0' && c <= '9') {
			k->type = T_NUM;
			while (i < len && v[i] >= '0' && v[i] <= '9') {
				if (k->num < 100000)
					k->num = k->num * 10 + (v[i] - '0');
				k->ndig++;
				i++;
			}
		} else if ((c | 32) >= 'a' && (c | 32) <= 'z') {
			k->type = T_WORD;
			k->s = v + i;
			while (i < len && (((unsigned char)v[i] | 32) >= 'a' &&
			    ((unsigned char)v[i] | 32) <= 'z'))
				i++;
			k->len = (size_t)(v + i - k->s);
		} else {
			k->type = T_PUNCT;
			k->c = c;
			i++;
		}
		t->n++;
	}
}

/* Days since 1970-01-01 of a proleptic Gregorian date (any year >= 0):
 * count from 1 March so that the leap day ends the year. */
static long long
days_from_civil(long y, int m, int d)
{
	long long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

/* Inverse of days_from_civil. */
static void
civil_from_days(long long z, long *y_r, int *m_r, int *d_r)
{
	long long era, doe, yoe, doy, mp, y;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d_r = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m_r = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y_r = (long)(y + (*m_r <= 2));
}

static int
mdays(long y, int m)
{
	static const int md[12] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31,
	    30, 31 };

	if (m == 2 && ((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return 29;
	return md[m - 1];
}

struct fields {
	long year;
	int mon, day, hour, min, sec;
	int off;		/* minutes east */
	int lenient;
	int unknown;		/* "-0000": zone unknown (RFC 5322 3.3) */
};

static int
is_punct(const struct toks *t, int i, int c)
{
	return i < t->n && t->v[i].type == T_PUNCT && t->v[i].c == c;
}

static int
is_num(const struct toks *t, int i)
{
	return i < t->n && t->v[i].type == T_NUM;
}

/* hh ":" mm [":" ss] ["." fraction]; RFC 5322 4.3 allows CFWS around the
 * colons, which the tokenizer has already dropped. */
static int
parse_time(const struct toks *t, int *i, struct fields *f)
{
	int k = *i;

	if (!is_num(t, k) || !is_punct(t, k + 1, ':') || !is_num(t, k + 2))
		return -1;
	f->hour = (int)t->v[k].num;
	f->min = (int)t->v[k + 2].num;
	f->sec = 0;
	if (t->v[k].ndig > 2 || t->v[k + 2].ndig != 2)
		f->lenient = 1;
	k += 3;
	if (is_punct(t, k, ':') && is_num(t, k + 1)) {
		f->sec = (int)t->v[k + 1].num;
		if (t->v[k + 1].ndig != 2)
			f->lenient = 1;
		k += 2;
	}
	if (is_punct(t, k, '.') && is_num(t, k + 1)) {
		f->lenient = 1;		/* fractional seconds: ISO style */
		k += 2;
	}
	/* Leniency: a 12-hour clock ("11:30:00 PM", seen from some web
	 * mailers); 12 AM is midnight, 12 PM noon.  An hour over 12 with
	 * AM/PM is not a 12-hour time: invalid. */
	if (k < t->n && t->v[k].type == T_WORD &&
	    (emli_eqi(t->v[k].s, t->v[k].len, "am") ||
	    emli_eqi(t->v[k].s, t->v[k].len, "pm"))) {
		int pm = (t->v[k].s[0] | 32) == 'p';

		if (f->hour < 1 || f->hour > 12)
			return -1;
		if (f->hour == 12)
			f->hour = 0;
		if (pm)
			f->hour += 12;
		f->lenient = 1;
		k++;
	}
	*i = k;
	return 0;
}

/* Zone names of RFC 5322 4.3 (UT .. PDT) plus common extras. */
static int
zone_name(const char *s, size_t len, int *off_r, int *unknown_r)
{
	static const struct {
		const char *name;
		int off;
	} z[] = {
		{ "UT", 0 }, { "GMT", 0 }, { "UTC", 0 },
		{ "Z", 0 },
		{ "EST", -300 }, { "EDT", -240 },
		{ "CST", -360 }, { "CDT", -300 },
		{ "MST", -420 }, { "MDT", -360 },
		{ "PST", -480 }, { "PDT", -420 },
		{ "BST", 60 }, { "CET", 60 }, { "CEST", 120 },
		{ "MET", 60 }, { "MEST", 120 }, { "EET", 120 },
		{ "EEST", 180 }, { "WET", 0 }, { "WEST", 60 },
		{ "JST", 540 }, { "KST", 540 }, { "HKT", 480 },
		{ "IST", 330 }, { "AEST", 600 }, { "AEDT", 660 },
		{ "NZST", 720 }, { "NZDT", 780 }
	};
	size_t i;

	*unknown_r = 0;
	for (i = 0; i < EMLI_NELEM(z); i++) {
		if (emli_eqi(s, len, z[i].name)) {
			*off_r = z[i].off;
			return 0;
		}
	}
	/* RFC 5322 4.3: military zones were defined with the wrong sign
	 * in RFC 822, so they carry no information: "-0000", zone
	 * unknown ("Z" is in the table: it was right). */
	if (len == 1 && (s[0] | 32) != 'j') {
		*off_r = 0;
		*unknown_r = 1;
		return 0;
	}
	return -1;
}

/* "+hhmm", "+hh:mm", "+hh", "+h" starting at a sign token. */
static int
parse_numzone(const struct toks *t, int *i, struct fields *f)
{
	int k = *i, sign, h, m;

	if (!is_punct(t, k, '+') && !is_punct(t, k, '-'))
		return -1;
	if (!is_num(t, k + 1))
		return -1;
	sign = t->v[k].c == '-' ? -1 : 1;
	if (t->v[k + 1].ndig == 4) {
		h = (int)t->v[k + 1].num / 100;
		m = (int)t->v[k + 1].num % 100;
		k += 2;
	} else if (t->v[k + 1].ndig <= 2) {
		h = (int)t->v[k + 1].num;
		m = 0;
		k += 2;
		if (is_punct(t, k, ':') && is_num(t, k + 1) &&
		    t->v[k + 1].ndig == 2) {
			m = (int)t->v[k + 1].num;
			k += 2;
		}
		f->lenient = 1;
	} else
		return -1;
	if (m > 59 || h > 23)
		return -2;
	f->off = sign * (h * 60 + m);
	/* RFC 5322 3.3: "-0000" says the time is local and the zone is
	 * unknown; RFC 3339 4.3 writes that as "-00:00". */
	f->unknown = sign < 0 && f->off == 0;
	*i = k;
	return 0;
}

/* Optional zone at t[*i]; missing or unknown zones give +0000. */
static int
parse_zone(const struct toks *t, int *i, struct fields *f)
{
	int k = *i, off, r, unk;

	f->off = 0;
	if (k >= t->n) {
		f->lenient = 1;		/* no zone: assume UTC */
		return 0;
	}
	if ((r = parse_numzone(t, &k, f)) != -1) {
		*i = k;
		if (r == 0 && k < t->n)
			f->lenient = 1;	/* "+0100 CET": trailing text */
		return r == 0 ? 0 : -1;
	}
	if (is_num(t, k) && t->v[k].ndig == 4 && t->v[k].num % 100 < 60 &&
	    t->v[k].num / 100 < 24) {
		/* Leniency: a zone without its sign ("0200"), which
		 * some generators write; read as east, like "+0200". */
		f->off = (int)(t->v[k].num / 100 * 60 + t->v[k].num % 100);
		f->lenient = 1;
		*i = k + 1;
		return 0;
	}
	if (t->v[k].type == T_WORD) {
		/* RFC 5322 4.3 obs-zone names are obsolete: lenient; a name
		 * whose meaning is not known is "-0000", zone unknown */
		if (zone_name(t->v[k].s, t->v[k].len, &off, &unk) == 0) {
			f->off = off;
			f->unknown = unk;
		} else
			f->unknown = 1;
		f->lenient = 1;
		k++;
		/* "GMT+0100", "UTC-05:00": the number is the offset */
		if (parse_numzone(t, &k, f) == 0)
			f->lenient = 1;
		*i = k;
		return 0;	/* trailing text already made it lenient */
	}
	f->lenient = 1;
	return 0;
}

static long
fix_year(const struct tok *k, int *lenient)
{
	/* RFC 5322 4.3: 2-digit years < 50 are 20xx, others 19xx; 3-digit
	 * years have 1900 added. */
	if (k->ndig == 2 || k->ndig == 1) {
		*lenient = 1;
		return k->num < 50 ? 2000 + k->num : 1900 + k->num;
	}
	if (k->ndig == 3) {
		*lenient = 1;
		return 1900 + k->num;
	}
	if (k->ndig != 4)
		return -1;
	return k->num;
}

static int
month_tok(const struct toks *t, int i)
{
	if (i >= t->n || t->v[i].type != T_WORD)
		return -1;
	return lookup(t->v[i].s, t->v[i].len, months, 12);
}

/* ISO 8601 / SQL style: "2001-01-01 12:00:00", "2001-01-01T12:00:00Z". */
static int
parse_iso(const struct toks *t, int i, struct fields *f)
{
	if (!is_punct(t, i + 1, '-') || !is_num(t, i + 2) ||
	    !is_punct(t, i + 3, '-') || !is_num(t, i + 4))
		return -1;
	f->year = t->v[i].num;
	f->mon = (int)t->v[i + 2].num;
	f->day = (int)t->v[i + 4].num;
	f->lenient = 1;
	i += 5;
	/* "T" glued to the hour is a word token "T" */
	if (i < t->n && t->v[i].type == T_WORD && emli_eqi(t->v[i].s,
	    t->v[i].len, "T"))
		i++;
	if (parse_time(t, &i, f) != 0)
		return -1;
	return parse_zone(t, &i, f);
}

/* asctime after the time: [zone] year [zone] ("12:00:00 EST 2001"). */
static int
parse_zone_before_year(const struct toks *t, int *i, struct fields *f)
{
	int k = *i, have = 0;

	if (!is_num(t, k) || t->v[k].ndig < 3) {
		if (parse_zone(t, &k, f) != 0)
			return -1;
		have = 1;
	}
	if (!is_num(t, k) || (f->year = fix_year(&t->v[k], &f->lenient)) < 0)
		return -1;
	k++;
	if (!have && parse_zone(t, &k, f) != 0)
		return -1;
	*i = k;
	return 0;
}

static int
parse_fields(const struct toks *t, struct fields *f)
{
	int i = 0, m;

	memset(f, 0, sizeof(*f));
	if (t->bad)
		return -1;
	/* optional day name, with or without the comma */
	if (i < t->n && t->v[i].type == T_WORD &&
	    lookup(t->v[i].s, t->v[i].len, daynames, 7) >= 0) {
		if (t->v[i].len != 3)
			f->lenient = 1;
		i++;
		if (is_punct(t, i, ','))
			i++;
		else
			f->lenient = 1;
	}
	if (i >= t->n)
		return -1;
	if ((m = month_tok(t, i)) >= 0) {
		/* asctime / mbox: "Jan  1 12:00:00 2001" [zone] */
		f->lenient = 1;
		f->mon = m + 1;
		i++;
		if (is_punct(t, i, ','))
			i++;
		if (!is_num(t, i))
			return -1;
		f->day = (int)t->v[i++].num;
		if (is_punct(t, i, ','))
			i++;
		if (parse_time(t, &i, f) == 0) {
			if (parse_zone_before_year(t, &i, f) != 0)
				return -1;
		} else {
			if (!is_num(t, i) ||
			    (f->year = fix_year(&t->v[i], &f->lenient)) < 0)
				return -1;
			i++;
			if (parse_time(t, &i, f) != 0)
				return -1;
			return parse_zone(t, &i, f);
		}
		return 0;
	}
	if (!is_num(t, i))
		return -1;
	if (t->v[i].ndig == 4)
		return parse_iso(t, i, f);
	f->day = (int)t->v[i++].num;
	if (t->v[i - 1].ndig > 2)
		return -1;
	if (is_punct(t, i, '-') || is_punct(t, i, '/')) {
		f->lenient = 1;		/* "1-Jan-2001" */
		i++;
	}
	if ((m = month_tok(t, i)) >= 0) {
		f->mon = m + 1;
		if (t->v[i].len != 3)
			f->lenient = 1;
	} else if (is_num(t, i) && t->v[i].ndig <= 2) {
		f->mon = (int)t->v[i].num;	/* numeric month: broken */
		f->lenient = 1;
	} else
		return -1;
	i++;
	if (is_punct(t, i, '-') || is_punct(t, i, '/') || is_punct(t, i, ','))
		i++;
	if (!is_num(t, i) || (f->year = fix_year(&t->v[i], &f->lenient)) < 0)
		return -1;
	i++;
	if (is_punct(t, i, ','))
		i++;			/* "1 Jan 2001, 12:00" */
	if (parse_time(t, &i, f) != 0)
		return -1;
	return parse_zone(t, &i, f);
}

static int
check_fields(const struct fields *f)
{
	/* RFC 5322 3.3; second 60 is a leap second */
	if (f->year < 1900 || f->year > 9999 || f->mon < 1 || f->mon > 12 ||
	    f->day < 1 || f->day > mdays(f->year, f->mon) ||
	    f->hour > 23 || f->min > 59 || f->sec > 60)
		return -1;
	return 0;
}

int
eml_date_parse(const char *v, size_t len, struct eml_date *d)
{
	struct toks t;
	struct fields f;
	size_t i;
	int ok;

	memset(d, 0, sizeof(*d));
	eml_defects_set(&d->defects, EML_D_DATE_INVALID);
	if (v == NULL)
		return EML_EFORMAT;
	tokenize(v, len, &t);
	ok = parse_fields(&t, &f) == 0 && check_fields(&f) == 0;
	if (!ok) {
		/* A Received value: the date follows the last ';'. */
		for (i = len; i > 0 && v[i - 1] != ';'; i--)
			;
		if (i == 0)
			return EML_EFORMAT;
		tokenize(v + i, len - i, &t);
		if (parse_fields(&t, &f) != 0 || check_fields(&f) != 0)
			return EML_EFORMAT;
		f.lenient = 1;
	}
	d->utc = (time_t)(days_from_civil(f.year, f.mon, f.day) * 86400 +
	    f.hour * 3600 + f.min * 60 + f.sec - (long long)f.off * 60);
	d->offset = f.off;
	d->lenient = f.lenient;
	d->zone_unknown = f.unknown;
	memset(&d->defects, 0, sizeof(d->defects));
	if (f.lenient)
		eml_defects_set(&d->defects, EML_D_DATE_LENIENT);
	return EML_OK;
}

/* The local wall-clock fields of d (utc shifted by the offset). */
static void
local_fields(const struct eml_date *d, long *y, int *mo, int *dd, int *h,
    int *mi, int *s, int *wday)
{
	long long t = (long long)d->utc + (long long)d->offset * 60;
	long long days = t >= 0 ? t / 86400 : -((-t + 86399) / 86400);
	long long rem = t - days * 86400;

	civil_from_days(days, y, mo, dd);
	*h = (int)(rem / 3600);
	*mi = (int)(rem / 60 % 60);
	*s = (int)(rem % 60);
	/* 1970-01-01 was a Thursday */
	*wday = (int)(((days % 7) + 11) % 7);
}

void
eml_date_rfc3339(const struct eml_date *d, char buf[32])
{
	long y;
	int mo, dd, h, mi, s, wd, off = d->offset;
	char sign = off < 0 || (off == 0 && d->zone_unknown) ? '-' : '+';

	local_fields(d, &y, &mo, &dd, &h, &mi, &s, &wd);
	if (off < 0)
		off = -off;
	snprintf(buf, 32, "%04ld-%02d-%02dT%02d:%02d:%02d%c%02d:%02d",
	    y, mo, dd, h, mi, s, sign, (off / 60) % 100, off % 60);
}

void
eml_date_rfc5322(const struct eml_date *d, char buf[40])
{
	static const char wdn[7][4] = { "Sun", "Mon", "Tue", "Wed", "Thu",
	    "Fri", "Sat" };
	static const char mn[12][4] = { "Jan", "Feb", "Mar", "Apr", "May",
	    "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec" };
	long y;
	int mo, dd, h, mi, s, wd, off = d->offset;
	char sign = off < 0 || (off == 0 && d->zone_unknown) ? '-' : '+';

	local_fields(d, &y, &mo, &dd, &h, &mi, &s, &wd);
	if (off < 0)
		off = -off;
	snprintf(buf, 40, "%s, %d %s %04ld %02d:%02d:%02d %c%02d%02d",
	    wdn[wd], dd, mn[mo - 1], y, h, mi, s, sign, (off / 60) % 100,
	    off % 60);
}
