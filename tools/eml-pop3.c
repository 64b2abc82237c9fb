/*
 * eml-pop3 - list a POP3 maildrop, or fetch what is new into a Maildir,
 * an mbox or stdout (UIDL state saved after each message), deleting on
 * the server with --delete only what was stored safely.  The protocol
 * is lib/net/pop3.c; this is options and a loop.
 */
#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sysexits.h>
#include <unistd.h>

#include "common.h"
#include "net/netopts.h"
#include "net/eml_fetch.h"

static const char usage[] =
    "eml-pop3 [connection options] [--json] list\n"
    "       eml-pop3 [connection options] [--json] fetch\n"
    "           --to MAILDIR|MBOX|- [--delete] [--state FILE]\n"
    "  connection options:\n"
    NETOPTS_USAGE;

enum { O_DELETE = 0x300 };

struct opts {
	struct fetchopts f;	/* --json, --to, --state */
	int delete;
};

struct run {
	struct netopts *n;
	struct opts *o;
	struct eml_conn *conn;
	struct eml_conn_io ci;
	struct eml_pop3 *p;
};

static int
fail(struct run *ru, int r)
{
	return netopts_fail(ru->conn, eml_pop3_errmsg(ru->p), r);
}

static int
session(struct run *ru)
{
	int ex, r;

	if ((ru->conn = netopts_connect_io(ru->n, &ru->ci, &ex)) == NULL)
		return ex;
	if ((ru->p = eml_pop3_new(&ru->ci.io, 0, ru->n->u.tls ==
	    EML_TLS_NONE ? EML_POP3_NO_TLS : 0)) == NULL)
		tool_die(NULL, "out of memory");
	if ((r = eml_pop3_open(ru->p)) < 0)
		return fail(ru, r);
	if (ru->n->secret == NULL) {
		tool_warn(NULL, "POP3 needs a user and a password");
		return EX_CONFIG;
	}
	if ((r = eml_pop3_auth(ru->p, ru->n->login, ru->n->secret,
	    ru->n->auth, ru->n->token)) < 0)
		return fail(ru, r);
	return 0;
}

static int
cmd_list(struct run *ru, struct eml_pop3_msg *m, size_t n)
{
	struct eml_buf b = { 0 };
	struct eml_json j;

	if (!ru->o->f.json) {
		for (size_t i = 0; i < n; i++)
			printf("%u %llu %s\n", m[i].num,
			    (unsigned long long)m[i].size, m[i].uidl);
		return 0;
	}
	eml_json_init(&j, &b, 0);
	eml_json_arr_begin(&j);
	for (size_t i = 0; i < n; i++) {
		eml_json_obj_begin(&j);
		eml_json_key(&j, "num");
		eml_json_int(&j, m[i].num);
		eml_json_key(&j, "size");
		eml_json_int(&j, (int64_t)m[i].size);
		eml_json_key(&j, "uidl");
		eml_json_cstr(&j, m[i].uidl[0] ? m[i].uidl : NULL);
		eml_json_obj_end(&j);
	}
	eml_json_arr_end(&j);
	eml_buf_addc(&b, '\n');
	fwrite(b.data, 1, b.len, stdout);
	eml_buf_free(&b);
	return 0;
}

static int
cmd_fetch(struct run *ru, struct eml_pop3_msg *m, size_t n)
{
	struct opts *o = ru->o;
	struct eml_fetch_dest *dest;
	struct eml_state *st = NULL;
	struct eml_buf b = { 0 };
	struct eml_json j;
	char *defstate = NULL;
	const char *path = o->f.state;
	unsigned long fetched = 0, deleted = 0, found = 0;
	uint64_t bytes = 0;
	int r = EML_OK, err, ex = 0, progress = isatty(STDERR_FILENO);

	if ((dest = eml_fetch_dest_new(o->f.to, &err)) == NULL)
		tool_die(o->f.to, "%s", eml_strerror(err));
	if (path == NULL)
		path = defstate = netopts_state_path(ru->n, "pop3", NULL);
	if (path != NULL && (r = eml_state_load(path, &st)) < 0) {
		tool_warn(path, "cannot read the state: %s", eml_strerror(r));
		ex = r == EML_EFORMAT ? EX_DATAERR : EX_IOERR;
		goto out;
	}
	if (st != NULL && n > 0) {
		const char **keep = calloc(n, sizeof(*keep));

		if (keep == NULL)
			tool_die(NULL, "out of memory");
		for (size_t i = 0; i < n; i++)
			keep[i] = m[i].uidl[0] ? m[i].uidl : NULL;
		if (eml_state_pop3_prune(st, keep, n) < 0)
			tool_warn(path, "cannot save the state");
		free(keep);
	}
	for (size_t i = 0; i < n; i++) {
		/* RFC 1939 7: without UIDL nothing tells old from new,
		 * so without it every message is new (and --delete is
		 * what keeps a second run from fetching them again) */
		if (st && m[i].uidl[0] && eml_state_has_uidl(st, m[i].uidl)) {
			if (o->delete && (r = eml_pop3_dele(ru->p,
			    m[i].num)) < 0)
				break;
			deleted += o->delete;
			continue;
		}
		found++;
		if ((r = eml_pop3_retr(ru->p, m[i].num, -1,
		    eml_fetch_dest_cb(dest))) < 0) {
			if (*eml_fetch_dest_errmsg(dest))
				tool_warn(NULL, "%s",
				    eml_fetch_dest_errmsg(dest));
			break;
		}
		/* stored (written, fsynced, renamed): now record it, and
		 * only then may it be deleted on the server */
		fetched++;
		bytes += eml_fetch_dest_bytes(dest);
		if (st && m[i].uidl[0] &&
		    (r = eml_state_pop3_done(st, m[i].uidl)) < 0) {
			tool_warn(path, "cannot save the state: %s",
			    eml_strerror(r));
			ex = EX_IOERR;
			break;
		}
		if (o->delete) {
			if ((r = eml_pop3_dele(ru->p, m[i].num)) < 0)
				break;
			deleted++;
		}
		if (progress) {
			fprintf(stderr, "\r%s: %lu messages, %llu KB",
			    tool_name(), fetched,
			    (unsigned long long)(bytes / 1024));
			fflush(stderr);
		}
	}
	if (progress && fetched)
		fputc('\n', stderr);
	if (r < 0 && ex == 0)
		ex = fail(ru, r);
	else if (r >= 0 && (r = eml_pop3_quit(ru->p)) < 0)
		ex = fail(ru, r);	/* deletions did not happen */
	if (o->f.json) {
		eml_json_init(&j, &b, 0);
		eml_json_obj_begin(&j);
		eml_json_key(&j, "messages");
		eml_json_int(&j, (int64_t)n);
		eml_json_key(&j, "found");
		eml_json_int(&j, (int64_t)found);
		eml_json_key(&j, "fetched");
		eml_json_int(&j, (int64_t)fetched);
		eml_json_key(&j, "bytes");
		eml_json_int(&j, (int64_t)bytes);
		eml_json_key(&j, "deleted");
		eml_json_int(&j, (int64_t)(ex == 0 ? deleted : 0));
		eml_json_key(&j, "error");
		eml_json_cstr(&j, ex ? eml_pop3_errmsg(ru->p) : NULL);
		eml_json_obj_end(&j);
		eml_buf_addc(&b, '\n');
		fwrite(b.data, 1, b.len, stdout);
		eml_buf_free(&b);
	}
out:
	eml_state_free(st);
	eml_fetch_dest_free(dest);
	free(defstate);
	return ex;
}

static int
take(void *ctx, int c, const char *arg)
{
	struct opts *o = ctx;

	(void)arg;
	if (c == O_DELETE)
		o->delete = 1;
	return 1;
}

int
main(int argc, char **argv)
{
	static const struct option own[] = {
		{ "delete", no_argument, NULL, O_DELETE },
		{ NULL, 0, NULL, 0 }
	};
	static const char *const cmds[] = { "list", "fetch", NULL };
	struct netopts n;
	struct opts o;
	struct run ru;
	struct eml_pop3_msg *m = NULL;
	size_t nm = 0;
	const char *cmd;
	int ex, r;

	tool_init("eml-pop3");
	memset(&n, 0, sizeof(n));
	memset(&o, 0, sizeof(o));
	memset(&ru, 0, sizeof(ru));
	signal(SIGPIPE, SIG_IGN);
	cmd = fetchopts_parse(argc, argv, usage, own, take, &o, cmds, &n,
	    &o.f);
	fetchopts_check(&o.f, cmd, usage);
	if ((ex = netopts_resolve(&n, EML_P_POP3, NULL)) != 0) {
		netopts_free(&n);
		return ex;
	}
	ru.n = &n;
	ru.o = &o;
	if ((ex = session(&ru)) == 0) {
		if ((r = eml_pop3_list(ru.p, &m, &nm)) < 0)
			ex = fail(&ru, r);
		else if (strcmp(cmd, "list") == 0) {
			ex = cmd_list(&ru, m, nm);
			(void)eml_pop3_quit(ru.p);
		} else
			ex = cmd_fetch(&ru, m, nm);
	}
	free(m);
	eml_pop3_free(ru.p);
	eml_conn_free(ru.conn);
	netopts_free(&n);
	return ex;
}
