/*
 * pump.c - raw inputs through a sink chain (see pump.h).
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"
#include "pump.h"

#define PUMP_CHUNK	65536

void
pump_help_exit(const char *usage, const char *help)
{
	printf("usage: %s\n%s", usage, help);
	fputs("  --no-sandbox    do not confine the tool with Landlock\n"
	    "  --help, --version\n"
	    "Exit status: 0 success, 1 an input or a write failed, "
	    "2 usage error.\n", stdout);
	exit(tool_flush(TOOL_EXIT_OK));
}

#define PUMP_EXTRA_MAX	8
#define OPT_CRLF	0x200
#define OPT_NO_SANDBOX	0x201
#define OPT_EXTRA	0x210	/* + index in extra[] */

int
pump_getopt(int argc, char **argv, const char *usage, const char *help,
    const struct pump_opt *extra, struct pump_args *a_r)
{
	struct option lo[5 + PUMP_EXTRA_MAX + 1] = {
		{ "decode", no_argument, NULL, 'd' },
		{ "crlf", no_argument, NULL, OPT_CRLF },
		{ "no-sandbox", no_argument, NULL, OPT_NO_SANDBOX },
		{ "help", no_argument, NULL, TOOL_OPT_HELP },
		{ "version", no_argument, NULL, TOOL_OPT_VERSION },
	};
	char shorts[3 + 2 * PUMP_EXTRA_MAX + 1] = "dh";
	size_t ns = 2, nx = 0, i;
	int c;

	memset(a_r, 0, sizeof(*a_r));
	for (; extra != NULL && extra[nx].name != NULL; nx++) {
		if (nx == PUMP_EXTRA_MAX)
			abort();	/* the tool's table, not the user */
		lo[5 + nx].name = extra[nx].name;
		lo[5 + nx].has_arg = extra[nx].arg != NULL ?
		    required_argument : no_argument;
		lo[5 + nx].val = OPT_EXTRA + (int)nx;
		if (extra[nx].letter != 0) {
			shorts[ns++] = (char)extra[nx].letter;
			if (extra[nx].arg != NULL)
				shorts[ns++] = ':';
		}
	}
	shorts[ns] = '\0';
	while ((c = getopt_long(argc, argv, shorts, lo, NULL)) != -1) {
		for (i = 0; i < nx && c < OPT_EXTRA; i++)
			if (c == extra[i].letter)
				c = OPT_EXTRA + (int)i;
		if (c >= OPT_EXTRA && c < OPT_EXTRA + (int)nx) {
			const struct pump_opt *x = &extra[c - OPT_EXTRA];

			if (x->arg != NULL)
				*x->arg = optarg;
			else
				*x->flag = 1;
			continue;
		}
		switch (c) {
		case 'd':
			a_r->decode = 1;
			break;
		case OPT_CRLF:
			a_r->crlf = 1;
			break;
		case OPT_NO_SANDBOX:
			a_r->no_sandbox = 1;
			break;
		case 'h':
		case TOOL_OPT_HELP:
			pump_help_exit(usage, help);
		case TOOL_OPT_VERSION:
			tool_version_exit();
		default:
			tool_usage_exit(usage, TOOL_EXIT_USAGE);
		}
	}
	return optind;
}

void
pump_usage_error(const char *usage, const char *fmt, ...)
{
	char msg[256];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	tool_warn(NULL, "%s", msg);
	tool_usage_exit(usage, TOOL_EXIT_USAGE);
}

void
pump_confine(int no_sandbox)
{
	if (!no_sandbox && emlt_sandbox(NULL, NULL) < 0)
		tool_die(NULL, "cannot confine (--no-sandbox to skip): %s",
		    strerror(errno));
	emlt_sandbox_probe();
}

const char *
pump_strerror(int err)
{
	return err == EML_EIO ? strerror(errno) : eml_strerror(err);
}

/* A failed write is the output's fault, a charset or format error the
 * input's: name the input only for the latter. */
static int
sink_failed(const char *name, int err)
{
	if (err == EML_EIO) {
		tool_warn(NULL, "write error: %s", strerror(errno));
		return -1;
	}
	tool_warn(name, "%s", eml_strerror(err));
	return 0;
}

static int
pump_one(int fd, const char *name, pump_chain_fn mk, void *arg,
    int *fatal_r)
{
	static char buf[PUMP_CHUNK];
	struct eml_sink *s = mk(eml_sink_fd(STDOUT_FILENO), arg);
	ssize_t n;
	int r;

	if (s == NULL) {
		/* mk reports what it can; only memory is left */
		tool_warn(name, "%s", errno == EINVAL ? "unsupported" :
		    "out of memory");
		*fatal_r = 1;
		return -1;
	}
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			tool_warn(name, "read error: %s", strerror(errno));
			eml_sink_abort(s);
			return -1;
		}
		if (n == 0)
			break;
		if ((r = eml_sink_write(s, buf, (size_t)n)) != EML_OK) {
			*fatal_r = sink_failed(name, r) < 0;
			eml_sink_abort(s);
			return -1;
		}
	}
	if ((r = eml_sink_close(s)) != EML_OK) {
		*fatal_r = sink_failed(name, r) < 0;
		return -1;
	}
	return 0;
}

int
pump_run(int argc, char **argv, pump_chain_fn mk, void *arg)
{
	char *dash[] = { "-" };
	int i, rc = TOOL_EXIT_OK, fatal = 0;

	if (argc == 0) {
		argc = 1;
		argv = dash;
	}
	for (i = 0; i < argc && !fatal; i++) {
		const char *name = argv[i];
		int fd = STDIN_FILENO;

		if (strcmp(name, "-") != 0 &&
		    (fd = open(name, O_RDONLY | O_CLOEXEC)) < 0) {
			tool_warn(name, "%s", strerror(errno));
			rc = TOOL_EXIT_FAIL;
			continue;
		}
		if (pump_one(fd, strcmp(name, "-") == 0 ? "(stdin)" : name,
		    mk, arg, &fatal) < 0)
			rc = TOOL_EXIT_FAIL;
		if (fd != STDIN_FILENO)
			close(fd);
	}
	return rc;
}
