/*
 * sandbox-probe DIR [OUTSIDE] - confine as a writing tool (eml-extract
 * -d DIR) would, then try what such a tool may and may not do: create a
 * file in DIR (allowed), create one beside it, follow a symlink planted
 * in DIR to outside, execute, connect.  Each attempt is one line on
 * stderr, "NAME: allowed" or "NAME: <errno text>".  With --no-sandbox
 * nothing is confined, for the contrast.  Built by `make test-tools`.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "common.h"

static void
try_create(const char *what, const char *path)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);

	fprintf(stderr, "sandbox-probe: %s: %s\n", what,
	    fd >= 0 ? "allowed" : strerror(errno));
	if (fd >= 0) {
		close(fd);
		unlink(path);
	}
}

int
main(int argc, char **argv)
{
	char in[4096], out[4096], via[4096];
	int abi = 0, confine = 1;

	tool_init("sandbox-probe");
	if (argc > 1 && strcmp(argv[1], "--no-sandbox") == 0) {
		confine = 0;
		argc--;
		argv++;
	}
	if (argc != 3) {
		fprintf(stderr, "usage: sandbox-probe [--no-sandbox] DIR "
		    "OUTSIDE_DIR\n");
		return 2;
	}
	snprintf(in, sizeof(in), "%s/inside", argv[1]);
	snprintf(out, sizeof(out), "%s/outside", argv[2]);
	snprintf(via, sizeof(via), "%s/link/via-link", argv[1]);
	if (confine && emlt_sandbox(argv[1], &abi) != 0) {
		fprintf(stderr, "sandbox-probe: emlt_sandbox: %s\n",
		    strerror(errno));
		return 1;
	}
	fprintf(stderr, "sandbox-probe: abi %d\n", abi);
	try_create("create inside", in);
	try_create("create outside", out);
	try_create("create through symlink", via);
	setenv("EML_SANDBOX_PROBE", out, 1);
	emlt_sandbox_probe();
	return 0;
}
