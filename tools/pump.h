/*
 * pump.h - raw byte inputs pushed through a sink chain, for the codec
 * filters (eml-b64, eml-qp, eml-ew).  Unlike the message loop in common.c,
 * inputs are opaque bytes: a .gz file is encoded as it is, not unpacked.
 */
#ifndef TOOLS_PUMP_H
#define TOOLS_PUMP_H

#include "eml.h"

/* Makes the chain for one input, writing to next (standard output). */
typedef struct eml_sink *(*pump_chain_fn)(struct eml_sink *next, void *arg);

/*
 * For each input (argv[0..argc), stdin when argc == 0, "-" is stdin)
 * build a chain with mk and write the input's bytes through it in 64 KiB
 * reads, then close it: each input is encoded or decoded on its own, so
 * "eml-b64 -d a b" decodes both even though a's data ends at its padding.
 * Read errors name the input; a write error ("write error: No space left
 * on device") ends the run.  Returns the tool's exit code.
 */
int pump_run(int argc, char **argv, pump_chain_fn mk, void *arg);

/* One option of a codec tool beyond the shared ones. */
struct pump_opt {
	const char *name;	/* long name; NULL ends a list */
	int letter;		/* short option, or 0 */
	int *flag;		/* set to 1 when given (no argument), or */
	const char **arg;	/* its argument (required) */
};

/* What every codec tool takes, so they take it alike. */
struct pump_args {
	int decode;		/* -d, --decode */
	int crlf;		/* --crlf: output lines end in CRLF */
	int no_sandbox;		/* --no-sandbox */
};

/*
 * The codec tools' option parsing: -d/--decode, --crlf, --no-sandbox,
 * -h/--help (usage and help to stdout, exit 0), --version, and the
 * tool's own options extra[] (may be NULL; at most 8).  A bad option is
 * usage to stderr, exit 2.  Returns the index of the first operand.
 */
int pump_getopt(int argc, char **argv, const char *usage, const char *help,
    const struct pump_opt *extra, struct pump_args *a_r);
/* A bad option value: "TOOL: msg", usage to stderr, exit 2. */
_Noreturn void pump_usage_error(const char *usage, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* usage and help to stdout, exit 0 (the codec tools take none of the
 * message tools' input options). */
_Noreturn void pump_help_exit(const char *usage, const char *help);
/* Confine the tool as a read-only filter (emlt_sandbox with no write
 * folder) unless no_sandbox; a kernel without Landlock is no error. */
void pump_confine(int no_sandbox);

/* Text of a sink error for messages (errno for EML_EIO). */
const char *pump_strerror(int err);

#endif /* TOOLS_PUMP_H */
