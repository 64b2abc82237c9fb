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

/* usage and help to stdout, exit 0 (the codec tools take none of the
 * message tools' input options). */
_Noreturn void pump_help_exit(const char *usage, const char *help);
/* Confine the tool as a read-only filter (emlt_sandbox with no write
 * folder) unless no_sandbox; a kernel without Landlock is no error. */
void pump_confine(int no_sandbox);

/* Text of a sink error for messages (errno for EML_EIO). */
const char *pump_strerror(int err);

#endif /* TOOLS_PUMP_H */
