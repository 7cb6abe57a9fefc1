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

/* Print the variant of an input (--detect). */
bool cli_detect(const cli_context *ctx, const char *path);

/* Remove a temporary file left by an interrupted write (signal handler). */
void cli_install_signal_cleanup(void);

#endif
