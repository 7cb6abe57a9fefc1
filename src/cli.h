/* cli.h — what the command-line program's two files share.  The program
 * uses only the public API of libzhconv. */
#ifndef ZHCONV_CLI_H
#define ZHCONV_CLI_H

#include <stdbool.h>
#include <stddef.h>

#include "zhconv.h"

#ifdef ENABLE_NLS
#  include <libintl.h>
#  define _(s) gettext(s)
#else
#  define _(s) (s)
#endif
#define N_(s) (s)

/* Exit statuses. */
enum { EXIT_OK = 0, EXIT_TROUBLE = 1, EXIT_USAGE = 2 };

typedef struct cli_context {
  const zhconv *converter;
  size_t buffer_size;   /* bytes per read and per output buffer */
  bool hold_output;     /* write nothing for an input that fails */
  bool quiet;           /* no diagnostics */
  bool explain;         /* list vocabulary changes on stderr */
  const char *format;   /* --format: NULL or "auto" picks by file name */
  bool opencc;          /* --config: auto means text */
} cli_context;

/* The format of an input: --format, or by its name's extension ("-",
 * standard input, is sniffed: "auto"). */
const char *cli_format_for(const cli_context *ctx, const char *path);

/* "zhconv: " + message + newline on stderr, unless quiet. */
void cli_error(const cli_context *ctx, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

/* Each returns true on success; on failure it has said why. */
bool cli_convert_to_stdout(const cli_context *ctx, const char *path);
bool cli_convert_in_place(const cli_context *ctx, const char *path);
bool cli_convert_to_file(const cli_context *ctx, char *const *paths, int count,
                         const char *out_path);

/* write(2) all of p[0, n), again after a signal. */
bool cli_write_all(int fd, const char *p, size_t n);

/* Convert everything readable from in_fd into out_fd, with a stream of its
 * own on ctx->converter: several threads may pump at once. */
bool cli_pump(const cli_context *ctx, int in_fd, const char *in_name, int out_fd,
              const char *out_name);

/* Set while a progress line is on stderr; cli_error() clears it first. */
extern volatile int cli_progress_line;

/* Batch republishing (batch.c; README, "Batch republishing"). */
typedef struct cli_batch_options {
  const char *outdir;   /* -O: the mirror's root (NULL with in_place) */
  bool in_place;        /* -i: rewrite the text files of the trees */
  int jobs;             /* -j: worker threads */
  int progress;         /* 1 --progress, 0 --no-progress, -1 when stderr is a tty */
  bool skip_existing;   /* skip every output that exists, whatever its age */
  bool convert_names;   /* convert file and directory names too */
  bool dry_run;         /* list what would happen, do nothing */
  bool hidden;          /* walk hidden files and directories too */
  bool follow;          /* descend symbolic links to directories */
} cli_batch_options;

/* True for the names batch mode converts (.txt .text .md .markdown .mdx
 * .html .htm); it copies the others. */
bool cli_batch_is_text(const char *name);

/* Run a batch over files and trees; returns the exit status. */
int cli_batch(const cli_context *ctx, const cli_batch_options *options, char *const *paths,
              int count);

/* Print the variant of an input (--detect). */
bool cli_detect(const cli_context *ctx, const char *path);

/* Remove a temporary file left by an interrupted write (signal handler). */
void cli_install_signal_cleanup(void);

#endif
