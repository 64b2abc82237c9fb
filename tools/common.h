/*
 * common.h - what every eml-* tool shares: the input loop over files,
 * stdin, gzip and mbox (mblaze's blaze822_loop), die-on-OOM allocation,
 * and the "eml-TOOL: FILE: reason" error printer.  Never part of the
 * library: only tools may print or exit.
 */
#ifndef TOOLS_COMMON_H
#define TOOLS_COMMON_H

#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>

#include "eml.h"

/* Exit codes (mblaze): 0 fine, 1 an input failed, 2 usage error. */
#define TOOL_EXIT_OK	0
#define TOOL_EXIT_FAIL	1
#define TOOL_EXIT_USAGE	2

/* Name used in messages ("eml-parts"); set once from main. */
void tool_init(const char *name);
const char *tool_name(void);

/* "eml-parts: FILE: reason\n" on stderr; file may be NULL. */
void tool_warn(const char *file, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));
/* tool_warn for an EML_E* code (EML_EIO uses errno). */
void tool_warn_err(const char *file, int err);
/* Print and exit(TOOL_EXIT_FAIL). */
_Noreturn void tool_die(const char *file, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Allocation that cannot fail: out of memory ends the tool. */
void *xmalloc(size_t n);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *p, size_t n);
char *xstrdup(const char *s);
/* Die unless r is EML_OK (for eml_buf_* and other calls that can only
 * fail for memory or limits). */
void xcheck(int r);

/* "usage: ..." text; code 0 prints to stdout (--help), else to stderr;
 * then exits with code. */
_Noreturn void tool_usage_exit(const char *usage, int code);
/* "eml-parts (emlkit) 0.1.0" and exit 0. */
_Noreturn void tool_version_exit(void);
/* Long option values for --help and --version in getopt_long tables. */
#define TOOL_OPT_HELP		0x100
#define TOOL_OPT_VERSION	0x101

/* Whole-message loop.  For each input (argv[0..argc), or stdin when
 * argc == 0; "-" is stdin) call fn once per message with its bytes:
 * a single message from a plain file is mmap'd, a pipe or .gz one is read
 * into memory, an mbox is split and each message collected.  idx is the
 * 1-based message number within the input, name the input's name.  fn
 * returns 0, or nonzero if it failed (it reports the problem itself).
 * Returns TOOL_EXIT_OK or TOOL_EXIT_FAIL if any input or callback
 * failed. */
typedef int (*tool_msg_fn)(const char *msg, size_t len, unsigned long idx,
    const char *name, void *arg);
int tool_loop(int argc, char **argv, tool_msg_fn fn, void *arg);

/* Streaming loop: the same inputs, but a message is delivered as
 * BEGIN, any number of DATA chunks (each valid only during the call),
 * END, so that memory does not grow with the message size. */
enum tool_chunk {
	TOOL_BEGIN,
	TOOL_DATA,
	TOOL_END
};
typedef int (*tool_chunk_fn)(enum tool_chunk what, const char *data,
    size_t len, unsigned long idx, const char *name, void *arg);
int tool_loop_stream(int argc, char **argv, tool_chunk_fn fn, void *arg);

/* Append s[0..len) to out for display on a terminal: valid UTF-8 is kept
 * except control and bidi-override characters, which become \xHH or
 * \u{XXXX}; invalid bytes become \xHH; a backslash becomes \\. */
void tool_escape(const char *s, size_t len, struct eml_buf *out);

#endif /* TOOLS_COMMON_H */
