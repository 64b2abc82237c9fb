/*
 * cred.c - credentials from a file, a command (msmtp's passwordeval),
 * ~/.netrc and the accounts file ~/.config/emlkit/accounts; never from a
 * command line, so they stay out of ps(1) and shell histories.
 */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include "eml_priv.h"
#include "net/eml_net.h"

#define SECRET_MAX 4096

/* attack case 65: a secret with CR, LF or NUL would end the protocol
 * line it is sent in and add commands */
static int
clean_line(char *s, size_t n, char **out)
{
	while (n > 0 && (s[n - 1] == '\n' || s[n - 1] == '\r'))
		n--;
	if (memchr(s, '\0', n) != NULL || memchr(s, '\r', n) != NULL ||
	    memchr(s, '\n', n) != NULL)
		return EML_EFORMAT;
	if ((*out = strndup(s, n)) == NULL)
		return EML_ENOMEM;
	return EML_OK;
}

/* the first line of f, at most SECRET_MAX bytes */
static int
first_line(FILE *f, char **secret_r)
{
	char buf[SECRET_MAX + 2];
	size_t n = 0;
	int c;

	while (n < sizeof(buf) - 1 && (c = getc(f)) != EOF) {
		buf[n++] = (char)c;
		if (c == '\n')
			break;
	}
	if (ferror(f))
		return EML_EIO;
	if (n == sizeof(buf) - 1 && buf[n - 1] != '\n')
		return EML_ELIMIT;
	buf[n] = '\0';
	return clean_line(buf, n, secret_r);
}

int
eml_cred_file(const char *path, char **secret_r)
{
	FILE *f = fopen(path, "re");
	int r;

	*secret_r = NULL;
	if (f == NULL)
		return EML_EIO;
	r = first_line(f, secret_r);
	fclose(f);
	return r;
}

int
eml_cred_command(const char *cmd, char **secret_r)
{
	FILE *f;
	int r, st, c;

	*secret_r = NULL;
	fflush(NULL);
	if ((f = popen(cmd, "re")) == NULL)
		return EML_EIO;
	r = first_line(f, secret_r);
	while ((c = getc(f)) != EOF)	/* let the command finish */
		;
	st = pclose(f);
	if (st == -1 || !WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		free(*secret_r);
		*secret_r = NULL;
		return EML_EIO;
	}
	return r;
}

/* netrc(5) tokens: words separated by white space; "quoted" words */
static int
token(FILE *f, char *buf, size_t size)
{
	size_t n = 0;
	int c, q = 0;

	while ((c = getc(f)) != EOF && isspace(c))
		;
	if (c == EOF)
		return 0;
	if (c == '"')
		q = 1;
	else
		buf[n++] = (char)c;
	while ((c = getc(f)) != EOF) {
		if (q ? c == '"' : isspace(c))
			break;
		if (q && c == '\\' && (c = getc(f)) == EOF)
			break;
		if (n + 1 >= size)
			return EML_ELIMIT;
		buf[n++] = (char)c;
	}
	buf[n] = '\0';
	return 1;
}

int
eml_cred_netrc(const char *path, const char *host, const char *user,
    char **user_r, char **pass_r)
{
	char tok[SECRET_MAX], login[SECRET_MAX], pass[SECRET_MAX], def[1024];
	int in = 0, have_login = 0, have_pass = 0, r, found = 0;
	const char *home;
	FILE *f;

	*user_r = *pass_r = NULL;
	if (path == NULL) {
		if ((home = getenv("HOME")) == NULL)
			return 0;
		snprintf(def, sizeof(def), "%s/.netrc", home);
		path = def;
	}
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : EML_EIO;
	login[0] = pass[0] = '\0';
	for (;;) {
		r = token(f, tok, sizeof(tok));
		if (r <= 0 || !strcmp(tok, "machine") || !strcmp(tok,
		    "default")) {
			/* end of an entry: does it match? */
			if (in && have_pass && (user == NULL || (have_login &&
			    !strcmp(login, user)))) {
				found = 1;
				break;
			}
			if (r <= 0)
				break;
			in = have_login = have_pass = 0;
			if (!strcmp(tok, "default"))
				in = 1;
			else if ((r = token(f, tok, sizeof(tok))) > 0)
				in = strcasecmp(tok, host) == 0;
			if (r < 0)
				break;
			continue;
		}
		if (!strcmp(tok, "login")) {
			if ((r = token(f, login, sizeof(login))) <= 0)
				break;
			have_login = 1;
		} else if (!strcmp(tok, "password")) {
			if ((r = token(f, pass, sizeof(pass))) <= 0)
				break;
			have_pass = 1;
		} else if (!strcmp(tok, "account")) {
			if ((r = token(f, tok, sizeof(tok))) <= 0)
				break;
		} else if (!strcmp(tok, "macdef")) {
			/* a macro runs to the next blank line */
			int c, prev = 0;

			while ((c = getc(f)) != EOF && !(c == '\n' &&
			    prev == '\n'))
				prev = c;
		}
	}
	fclose(f);
	if (r < 0)
		return r;
	if (!found)
		return 0;
	if ((r = clean_line(pass, strlen(pass), pass_r)) < 0)
		return r;
	if (have_login && (r = clean_line(login, strlen(login),
	    user_r)) < 0) {
		free(*pass_r);
		*pass_r = NULL;
		return r;
	}
	return 1;
}

void
eml_account_free(struct eml_account *a)
{
	size_t i;

	free(a->name);
	free(a->url);
	free(a->user);
	free(a->from);
	free(a->password_file);
	free(a->password_command);
	free(a->token_command);
	free(a->auth);
	free(a->cafile);
	for (i = 0; i < a->nfingerprints; i++)
		free(a->fingerprints[i]);
	memset(a, 0, sizeof(*a));
}

static int
set(char **field, const char *v)
{
	free(*field);
	return (*field = strdup(v)) == NULL ? EML_ENOMEM : EML_OK;
}

/* One "key value" line into a: 1 known key, 0 unknown, <0 error */
static int
account_key(struct eml_account *a, const char *k, const char *v)
{
	static const struct {
		const char *key;
		size_t off;
	} keys[] = {
		{ "url", offsetof(struct eml_account, url) },
		{ "user", offsetof(struct eml_account, user) },
		{ "from", offsetof(struct eml_account, from) },
		{ "password-file", offsetof(struct eml_account,
		    password_file) },
		{ "password-command", offsetof(struct eml_account,
		    password_command) },
		{ "passwordeval", offsetof(struct eml_account,
		    password_command) },	/* msmtp's name */
		{ "token-command", offsetof(struct eml_account,
		    token_command) },
		{ "auth", offsetof(struct eml_account, auth) },
		{ "cafile", offsetof(struct eml_account, cafile) },
		{ "tls_trust_file", offsetof(struct eml_account, cafile) },
	};
	size_t i;
	int r;

	for (i = 0; i < EMLI_NELEM(keys); i++)
		if (!strcmp(k, keys[i].key)) {
			r = set((char **)(void *)((char *)a + keys[i].off), v);
			return r < 0 ? r : 1;
		}
	if (!strcmp(k, "fingerprint") || !strcmp(k, "tls_fingerprint")) {
		if (a->nfingerprints == EMLI_NELEM(a->fingerprints))
			return EML_ELIMIT;
		if ((a->fingerprints[a->nfingerprints] = strdup(v)) == NULL)
			return EML_ENOMEM;
		a->nfingerprints++;
		return 1;
	}
	if (!strcmp(k, "tls")) {
		if (!strcmp(v, "off"))
			a->no_tls = 1;
		else if (!strcmp(v, "on"))
			a->no_tls = 0;
		else
			return EML_EFORMAT;
		return 1;
	}
	return 0;
}

static void
account_copy_defaults(struct eml_account *a, const struct eml_account *d)
{
	/* only called right after "account NAME": fields still empty */
	size_t i;

#define DUP(f) if (d->f != NULL && a->f == NULL) a->f = strdup(d->f)
	DUP(url); DUP(user); DUP(from); DUP(password_file);
	DUP(password_command); DUP(token_command); DUP(auth); DUP(cafile);
#undef DUP
	for (i = 0; i < d->nfingerprints; i++)
		if ((a->fingerprints[i] = strdup(d->fingerprints[i])) != NULL)
			a->nfingerprints++;
	a->no_tls = d->no_tls;
}

int
eml_account_load(const char *path, const char *name, struct eml_account *a,
    unsigned *line_r)
{
	struct eml_account defs, cur;
	char def[1024], line[SECRET_MAX + 64], *k, *v, *e;
	const char *base;
	unsigned lineno = 0;
	int r = 0, state = 0;	/* 0 none, 1 defaults, 2 other, 3 ours */
	FILE *f;

	memset(a, 0, sizeof(*a));
	memset(&defs, 0, sizeof(defs));
	memset(&cur, 0, sizeof(cur));
	if (path == NULL) {
		if ((base = getenv("XDG_CONFIG_HOME")) != NULL && *base)
			snprintf(def, sizeof(def), "%s/emlkit/accounts", base);
		else if ((base = getenv("HOME")) != NULL)
			snprintf(def, sizeof(def), "%s/.config/emlkit/accounts",
			    base);
		else
			return 0;
		path = def;
	}
	if ((f = fopen(path, "re")) == NULL)
		return errno == ENOENT ? 0 : EML_EIO;
	while (fgets(line, sizeof(line), f) != NULL) {
		lineno++;
		if (strchr(line, '\n') == NULL && !feof(f)) {
			r = EML_ELIMIT;
			break;
		}
		line[strcspn(line, "\r\n")] = '\0';
		for (k = line; isspace((unsigned char)*k); k++)
			;
		if (*k == '\0' || *k == '#')
			continue;
		for (v = k; *v != '\0' && !isspace((unsigned char)*v); v++)
			;
		if (*v != '\0')
			*v++ = '\0';
		while (isspace((unsigned char)*v))
			v++;
		for (e = v + strlen(v); e > v && isspace((unsigned char)e[-1]);)
			*--e = '\0';
		if (!strcmp(k, "account") || !strcmp(k, "defaults")) {
			if (state == 3)
				break;	/* ours is complete */
			if (!strcmp(k, "defaults")) {
				state = 1;
				continue;
			}
			/* msmtp's "account NAME : OTHER" inheritance is
			 * not supported; the name is the first word */
			v[strcspn(v, " \t:")] = '\0';
			if (*v == '\0') {
				r = EML_EFORMAT;
				break;
			}
			state = strcmp(v, name) == 0 ? 3 : 2;
			if (state == 3) {
				account_copy_defaults(&cur, &defs);
				if ((cur.name = strdup(v)) == NULL) {
					r = EML_ENOMEM;
					break;
				}
			}
			continue;
		}
		if (state == 0 || state == 2)
			continue;
		r = account_key(state == 1 ? &defs : &cur, k, v);
		if (r < 0)
			break;
		if (r == 0) {
			r = EML_EFORMAT;	/* unknown key: say where */
			break;
		}
		r = 0;
	}
	fclose(f);
	eml_account_free(&defs);
	if (r < 0) {
		if (line_r != NULL)
			*line_r = lineno;
		eml_account_free(&cur);
		return r;
	}
	if (state != 3 && cur.name == NULL) {
		eml_account_free(&cur);
		return 0;
	}
	*a = cur;
	return 1;
}
