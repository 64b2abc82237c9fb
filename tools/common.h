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
#include <stdint.h>
#include <stdio.h>
#include <time.h>

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

/* SHA-256 for tools that print digests, failing closed: _need ends the
 * tool at once if libcrypto cannot be loaded (call it before any
 * output), _final if a digest cannot be finished, never printing a
 * digest that is not one. */
void tool_sha256_need(void);
void tool_sha256_final(struct eml_sha256 *s, unsigned char dg[32]);

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

/* ------------------------------------------------------------------ */
/* The one input layer (issue 7): every tool reads the same inputs the
 * same way.  An input is a file, "-" or nothing for stdin, a .gz file,
 * an mbox (sniffed from its first bytes, or --mbox), or a Maildir folder
 * (cur/ and new/, each file one message); with --files-from FILE ("-" =
 * stdin) the names come from FILE, one a line or NUL-separated with -0.
 * A tool never modifies its input. */

/* Where a message came from, for output prefixes and error lines. */
struct tool_src {
	const char *name;	/* input as named; a Maildir message's path */
	unsigned long index;	/* 1-based message number in the input */
	uint64_t offset;	/* input offset of the message's first byte */
	unsigned long line;	/* input line of that byte, 1-based */
	int in_mbox;		/* the message is one of an mbox */
	int in_maildir;		/* the message is a file of a Maildir */
	int has_time;		/* received is known */
	time_t received;	/* From_ line time, or Maildir file mtime */
	const char *from_line;	/* the mbox From_ line (no EOL) or NULL */
	size_t from_len;
	int multi;		/* prefix output with where it came from */
};

/* Options every tool takes; tool_opt() fills them. */
struct tool_inopts {
	int force_mbox;			/* --mbox */
	const char *files_from;		/* --files-from FILE */
	int nul;			/* -0 */
	int with_name;			/* -H 1, --no-filename 0, -1 auto */
	int no_sandbox;			/* --no-sandbox */
	int confine;			/* the tool asks tool_run to confine */
	const char *write_dir;		/* the one folder the tool writes */
	int mboxo;			/* read mboxes without >From unquoting */
	int headers_only;		/* the tool reads a message's header
					 * block and then answers
					 * TOOL_SKIP_REST: read a file in small
					 * steps, not CHUNK at once */
	int no_time;			/* the tool does not use has_time and
					 * received of a Maildir message: no
					 * fstat for them */
};
extern struct tool_inopts tool_in;

#define TOOL_OPT_MBOX		0x102
#define TOOL_OPT_FILES_FROM	0x103
#define TOOL_OPT_NO_SANDBOX	0x104
#define TOOL_OPT_NO_FILENAME	0x105
/* getopt_long entries and short letters for them (put TOOL_SHORTOPTS in
 * the tool's optstring, TOOL_LONGOPTS in its table). */
#define TOOL_SHORTOPTS	"0H"
#define TOOL_LONGOPTS							\
	{ "mbox", no_argument, NULL, TOOL_OPT_MBOX },			\
	{ "files-from", required_argument, NULL, TOOL_OPT_FILES_FROM },	\
	{ "null", no_argument, NULL, '0' },				\
	{ "with-filename", no_argument, NULL, 'H' },			\
	{ "no-filename", no_argument, NULL, TOOL_OPT_NO_FILENAME },	\
	{ "no-sandbox", no_argument, NULL, TOOL_OPT_NO_SANDBOX },	\
	{ "help", no_argument, NULL, TOOL_OPT_HELP },			\
	{ "version", no_argument, NULL, TOOL_OPT_VERSION }
/* Usage fragment and --help lines for the options above. */
#define TOOL_USAGE_INPUT \
	"[-0H] [--mbox] [--files-from FILE] [--no-filename] [--no-sandbox]"
extern const char tool_help_input[];

/* Handle a common option c (from getopt_long); returns 1 if it was one,
 * 0 if not.  --help prints usage and help, --version the version. */
int tool_opt(int c, const char *arg, const char *usage, const char *help);
/* usage to stdout with the tool's help text, and the input options;
 * exit 0. */
_Noreturn void tool_help_exit(const char *usage, const char *help);

/* Streaming over every message of every input: BEGIN, DATA chunks
 * (valid during the call only), END, so memory does not grow with the
 * message.  With tool_in.confine set, the tool is confined before the
 * first input is read (emlt_sandbox, unless --no-sandbox): reading
 * stays allowed, so inputs named later still open.  A message without a header
 * field at all gets a warning ("does not look like a message").
 * Returns TOOL_EXIT_OK, or TOOL_EXIT_FAIL if an input or fn failed. */
typedef int (*tool_src_fn)(enum tool_chunk what, const char *data,
    size_t len, const struct tool_src *src, void *arg);
/* fn's answer to DATA when it needs no more of this message: the rest
 * of a file is not read, the rest of an mbox message not passed on;
 * END follows as usual. */
#define TOOL_SKIP_REST	2
int tool_run(int argc, char **argv, tool_src_fn fn, void *arg);

/* The output prefix for src as grep gives it: "" for a single input,
 * else "FILE:" or, for an mbox message, "FILE:INDEX:OFFSET:". */
const char *tool_prefix(const struct tool_src *src);
/* "eml-x: FILE:LINE: message N: reason" with LINE counted from the
 * start of the input (line is 1-based in the message, 0 = none). */
void tool_warn_src(const struct tool_src *src, unsigned long line,
    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Write to stdout; a failed write ends the tool with "eml-x: write
 * error: REASON" and exit 1 (a full disk is not success). */
void tool_write(const void *p, size_t n);
void tool_puts(const char *s);
/* Flush stdout the same way; returns rc or TOOL_EXIT_FAIL. */
int tool_flush(int rc);

/* Landlock (sandbox.c): give up every file-system write (except below
 * write_dir when not NULL), executing programs, TCP bind and connect,
 * and signals to other processes, as far as the kernel's ABI has them.
 * Reading stays allowed.  Returns 0 (also where Landlock is absent:
 * *abi_r is then 0) or -1 with errno.  abi_r may be NULL. */
int emlt_sandbox(const char *write_dir, int *abi_r);
/* With EML_SANDBOX_PROBE=PATH in the environment: try to create PATH,
 * run /bin/true and connect to 127.0.0.1:9, and report each result on
 * stderr ("eml-x: sandbox probe: create PATH: Permission denied"); for
 * the tests that prove the confinement from inside. */
void emlt_sandbox_probe(void);

/* Append s[0..len) to out for display on a terminal: valid UTF-8 is kept
 * except control and bidi-override characters, which become \xHH or
 * \u{XXXX}; invalid bytes become \xHH; a backslash becomes \\. */
void tool_escape(const char *s, size_t len, struct eml_buf *out);
/* tool_escape for text that is shown as it is, as mblaze's mhdr does
 * (header values): a backslash stays one backslash, so the \xHH of a
 * control character cannot be told from the same four bytes in the
 * text itself. */
void tool_escape_text(const char *s, size_t len, struct eml_buf *out);

/* fnmatch(3) without case for ASCII letters ("*.pdf" finds "A.PDF"),
 * for the tools' -t and -n globs; pattern and name are cut at 1023
 * bytes.  1 if s matches. */
int tool_glob_ci(const char *glob, const char *s);

#endif /* TOOLS_COMMON_H */
