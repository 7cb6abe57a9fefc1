/* fileio.c — moving bytes between files and a zhconv stream, so that a
 * failure never leaves a half-written file behind.
 *
 *   to stdout:  held in an unlinked temporary file until the input has
 *               converted without error, then copied out (with
 *               --invalid=keep/replace nothing can fail, so it streams);
 *   -o FILE:    a temporary file beside FILE, renamed over it at the end;
 *   -i:         the same, per file, keeping the file's mode.
 */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

void
cli_error(const cli_context *ctx, const char *fmt, ...)
{
  if (ctx && ctx->quiet)
    return;
  va_list ap;
  fflush(stdout);
  /* One message at a time (batch workers), over any progress line. */
  flockfile(stderr);
  if (cli_progress_line) {
    fputs("\r\033[K", stderr);
    cli_progress_line = 0;
  }
  fputs("zhconv: ", stderr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fputc('\n', stderr);
  funlockfile(stderr);
}

volatile int cli_progress_line;

/* ---- temporary files and signals ------------------------------------- */

/* The temporary file being written, removed if a signal stops us. */
static char S_temp_path[PATH_MAX + 32];
static volatile sig_atomic_t S_temp_live;

static void
S_on_signal(int sig)
{
  if (S_temp_live)
    unlink(S_temp_path);
  signal(sig, SIG_DFL);
  raise(sig);
}

void
cli_install_signal_cleanup(void)
{
  int sigs[] = {SIGHUP, SIGINT, SIGTERM};
  for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_handler = S_on_signal;
    sigemptyset(&sa.sa_mask);
    sigaction(sigs[i], &sa, NULL);
  }
}

/* Make a temporary file beside `target` (or in $TMPDIR when target is
 * NULL, unlinked at once).  Returns a descriptor or -1. */
static int
S_make_temp(const char *target)
{
  sigset_t all, old;
  sigfillset(&all);
  if (target) {
    const char *slash = strrchr(target, '/');
    int dirlen = slash ? (int)(slash - target + 1) : 0;
    snprintf(S_temp_path, sizeof S_temp_path, "%.*s.%s.zhconv-XXXXXX", dirlen, target,
             slash ? slash + 1 : target);
  } else {
    const char *tmp = getenv("TMPDIR");
    snprintf(S_temp_path, sizeof S_temp_path, "%s/zhconv-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  }
  sigprocmask(SIG_BLOCK, &all, &old);
  int fd = mkstemp(S_temp_path);
  if (fd >= 0 && target)
    S_temp_live = 1;
  else if (fd >= 0)
    unlink(S_temp_path);
  sigprocmask(SIG_SETMASK, &old, NULL);
  return fd;
}

static void
S_drop_temp(int fd)
{
  if (fd >= 0)
    close(fd);
  if (S_temp_live) {
    unlink(S_temp_path);
    S_temp_live = 0;
  }
}

/* Rename the temporary file over target, after syncing it. */
static bool
S_commit_temp(const cli_context *ctx, int fd, const char *target)
{
  if (fsync(fd) != 0 || close(fd) != 0) {
    cli_error(ctx, "%s: %s", target, strerror(errno));
    S_drop_temp(-1);
    return false;
  }
  if (rename(S_temp_path, target) != 0) {
    cli_error(ctx, "%s: %s", target, strerror(errno));
    S_drop_temp(-1);
    return false;
  }
  S_temp_live = 0;
  return true;
}

/* ---- plain I/O ---------------------------------------------------------- */

bool
cli_write_all(int fd, const char *p, size_t n)
{
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR)
        continue;
      return false;
    }
    p += w;
    n -= (size_t)w;
  }
  return true;
}

/* Output to a regular file is handed to the disk as it grows, a few MiB
 * at a time, so that the fsync before a rename waits only for the last of
 * it (sync_file_range starts the writing and does not wait). */
#define WRITE_BEHIND ((off_t)2 * 1024 * 1024)

typedef struct write_behind {
  int fd;                  /* -1: not a regular file, nothing to do */
  off_t started, written;  /* file offsets */
} write_behind;

static void
S_write_behind_init(write_behind *wb, int fd)
{
  struct stat st;
  *wb = (write_behind){-1, 0, 0};
#ifdef SYNC_FILE_RANGE_WRITE
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      (wb->started = wb->written = lseek(fd, 0, SEEK_CUR)) >= 0)
    wb->fd = fd;
#else
  (void)st;
  (void)fd;
#endif
}

static void
S_wrote(write_behind *wb, size_t n)
{
  if (wb->fd < 0)
    return;
  wb->written += (off_t)n;
#ifdef SYNC_FILE_RANGE_WRITE
  if (wb->written - wb->started >= WRITE_BEHIND) {
    (void)sync_file_range(wb->fd, wb->started, wb->written - wb->started,
                          SYNC_FILE_RANGE_WRITE);
    wb->started = wb->written;
  }
#endif
}

static int
S_open_input(const cli_context *ctx, const char *path)
{
  if (strcmp(path, "-") == 0)
    return STDIN_FILENO;
  int fd = open(path, O_RDONLY);
  if (fd < 0)
    cli_error(ctx, "%s: %s", path, strerror(errno));
  return fd;
}

static void
S_close_input(int fd)
{
  if (fd != STDIN_FILENO)
    close(fd);
}

const char *
cli_format_for(const cli_context *ctx, const char *path)
{
  if (ctx->format && strcmp(ctx->format, "auto") != 0)
    return ctx->format;
  /* --config is exactly `opencc -c`: text, unless asked otherwise. */
  if (ctx->opencc)
    return "text";
  if (strcmp(path, "-") == 0)
    return "auto";
  static const char *const ext[][2] = {
    {".md", "markdown"}, {".markdown", "markdown"}, {".mdx", "markdown"},
    {".html", "html"}, {".htm", "html"}};
  const char *slash = strrchr(path, '/'), *dot = strrchr(path, '.');
  if (dot && (!slash || dot > slash))
    for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
      if (strcasecmp(dot, ext[i][0]) == 0)
        return ext[i][1];
  return "text";
}

/* --explain: one line per vocabulary change, on stderr; and warnings. */
typedef struct {
  const char *input;
  const cli_context *ctx;
} explain_context;

static void
S_warning(void *user, const char *message, const zhconv_mark *where)
{
  const explain_context *ec = user;
  cli_error(ec->ctx, _("%s:%zu:%zu: warning: %s"), ec->input, where->line + 1,
            where->column + 1, message);
}

static void
S_explain(void *user, const zhconv_change *c)
{
  const explain_context *ec = user;
  fprintf(stderr, "%s:%zu:%zu: %.*s -> %.*s (%s:%zu)\n", ec->input, c->line + 1, c->column + 1,
          (int)c->from_len, c->from, (int)c->to_len, c->to, c->file, c->file_line);
}

/* Where converted output goes: a descriptor; or, when it is held back
 * until its input has converted (--invalid=reject onto standard output),
 * memory up to HOLD_IN_MEMORY, then a temporary file made only then
 * (making one cost a one-line conversion a twentieth of its time). */
#define HOLD_IN_MEMORY ((size_t)1 << 20)

typedef struct sink {
  int fd;            /* held: the temporary file, once made (else -1) */
  const char *name;  /* for messages */
  bool held;
  char *mem;         /* held output not in the file */
  size_t len;
} sink;

static bool
S_sink_write(const cli_context *ctx, sink *k, const char *p, size_t n)
{
  if (k->held && k->fd < 0) {
    if (!k->mem && !(k->mem = malloc(HOLD_IN_MEMORY))) {
      cli_error(ctx, "%s", zhconv_strerror(ZHCONV_ERR_NOMEM));
      return false;
    }
    if (n <= HOLD_IN_MEMORY - k->len) {
      memcpy(k->mem + k->len, p, n);
      k->len += n;
      return true;
    }
    if ((k->fd = S_make_temp(NULL)) < 0) {
      cli_error(ctx, _("cannot create a temporary file: %s"), strerror(errno));
      return false;
    }
    if (!cli_write_all(k->fd, k->mem, k->len)) {
      cli_error(ctx, "%s: %s", k->name, strerror(errno));
      return false;
    }
    k->len = 0;
  }
  if (!cli_write_all(k->fd, p, n)) {
    cli_error(ctx, "%s: %s", k->name, strerror(errno));
    return false;
  }
  return true;
}

/* Convert everything readable from in_fd into dest. */
static bool
S_pump(const cli_context *ctx, int in_fd, const char *in_name, sink *dest)
{
  size_t size = ctx->buffer_size;
  char *ibuf = malloc(size), *obuf = malloc(size);
  zhconv_stream *s = zhconv_stream_new(ctx->converter);
  bool ok = false;
  if (!ibuf || !obuf || !s) {
    cli_error(ctx, "%s", zhconv_strerror(ZHCONV_ERR_NOMEM));
    goto done;
  }
  write_behind wb;
  S_write_behind_init(&wb, dest->fd);
  explain_context ec = {in_name, ctx};
  if (ctx->explain)
    zhconv_stream_on_change(s, S_explain, &ec);
  zhconv_stream_on_warning(s, S_warning, &ec);
  if (zhconv_stream_set_format(s, cli_format_for(ctx, in_name)) != ZHCONV_OK) {
    cli_error(ctx, "%s", zhconv_strerror(ZHCONV_ERR_ARG));
    goto done;
  }
  for (;;) {
    ssize_t n = read(in_fd, ibuf, size);
    if (n < 0) {
      if (errno == EINTR)
        continue;
      cli_error(ctx, "%s: %s", in_name, strerror(errno));
      goto done;
    }
    zhconv_inbuf in = {ibuf, (size_t)n, 0};
    zhconv_directive directive = n == 0 ? ZHCONV_END : ZHCONV_CONTINUE;
    int st;
    do {
      zhconv_outbuf out = {obuf, size, 0};
      st = zhconv_stream_convert(s, &out, &in, directive);
      if (out.pos && !S_sink_write(ctx, dest, obuf, out.pos))
        goto done;
      S_wrote(&wb, out.pos);
      if (st < 0) {
        const char *why = zhconv_stream_error(s, NULL);
        cli_error(ctx, "%s: %s", in_name, why ? why : zhconv_strerror(st));
        goto done;
      }
    } while (st == ZHCONV_MORE || in.pos < in.size);
    if (n == 0)
      break;
  }
  ok = true;
done:
  zhconv_stream_free(s);
  free(ibuf);
  free(obuf);
  return ok;
}

bool
cli_pump(const cli_context *ctx, int in_fd, const char *in_name, int out_fd,
         const char *out_name)
{
  sink dest = {out_fd, out_name, false, NULL, 0};
  return S_pump(ctx, in_fd, in_name, &dest);
}

static bool
S_write_out(const cli_context *ctx, int out_fd, const char *out_name, const char *p, size_t n)
{
  if (cli_write_all(out_fd, p, n))
    return true;
  if (out_fd == STDOUT_FILENO)
    cli_error(ctx, _("write error: %s"), strerror(errno));
  else
    cli_error(ctx, "%s: %s", out_name, strerror(errno));
  return false;
}

/* Write held output, finished, to out_fd. */
static bool
S_release(const cli_context *ctx, const sink *held, int out_fd, const char *out_name)
{
  if (held->fd < 0)
    return S_write_out(ctx, out_fd, out_name, held->mem, held->len);
  char buf[65536];
  if (lseek(held->fd, 0, SEEK_SET) < 0) {
    cli_error(ctx, "%s", strerror(errno));
    return false;
  }
  for (;;) {
    ssize_t n = read(held->fd, buf, sizeof buf);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      cli_error(ctx, "%s", strerror(errno));
      return false;
    }
    if (n == 0)
      return true;
    if (!S_write_out(ctx, out_fd, out_name, buf, (size_t)n))
      return false;
  }
}

/* ---- the three destinations --------------------------------------------- */

/* Where out_fd's next write lands, if it is a regular file (whose output
 * for a failed input can be cut off again), else -1. */
static off_t
S_file_end(int out_fd)
{
  struct stat st;
  if (fstat(out_fd, &st) != 0 || !S_ISREG(st.st_mode))
    return -1;
  int flags = fcntl(out_fd, F_GETFL);
  return flags >= 0 && (flags & O_APPEND) ? st.st_size : lseek(out_fd, 0, SEEK_CUR);
}

/* Convert one input onto a descriptor that cannot be replaced atomically
 * (standard output, a device), holding the output back if asked: written
 * directly into a regular file and cut off again if the input fails,
 * otherwise kept (see sink) until the input has converted. */
static bool
S_convert_to_fd(const cli_context *ctx, const char *path, int out_fd, const char *out_name)
{
  int in_fd = S_open_input(ctx, path);
  if (in_fd < 0)
    return false;
  bool ok;
  off_t start = ctx->hold_output ? S_file_end(out_fd) : -1;
  if (!ctx->hold_output || start >= 0) {
    ok = cli_pump(ctx, in_fd, path, out_fd, out_name);
    if (!ok && start >= 0 && (ftruncate(out_fd, start) != 0 || lseek(out_fd, start, SEEK_SET) < 0))
      cli_error(ctx, "%s: %s", out_name, strerror(errno));
  } else {
    sink held = {-1, _("temporary file"), true, NULL, 0};
    ok = S_pump(ctx, in_fd, path, &held) && S_release(ctx, &held, out_fd, out_name);
    free(held.mem);
    if (held.fd >= 0)
      close(held.fd);
  }
  S_close_input(in_fd);
  return ok;
}

bool
cli_convert_to_stdout(const cli_context *ctx, const char *path)
{
  return S_convert_to_fd(ctx, path, STDOUT_FILENO, _("standard output"));
}

bool
cli_convert_in_place(const cli_context *ctx, const char *path)
{
  struct stat st;
  int in_fd = S_open_input(ctx, path);
  if (in_fd < 0)
    return false;
  if (fstat(in_fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    cli_error(ctx, _("%s: not a regular file"), path);
    S_close_input(in_fd);
    return false;
  }
  int out_fd = S_make_temp(path);
  if (out_fd < 0) {
    cli_error(ctx, "%s: %s", path, strerror(errno));
    S_close_input(in_fd);
    return false;
  }
  bool ok = cli_pump(ctx, in_fd, path, out_fd, path);
  S_close_input(in_fd);
  if (ok && fchmod(out_fd, st.st_mode & 07777) != 0) {
    cli_error(ctx, "%s: %s", path, strerror(errno));
    ok = false;
  }
  if (ok && fchown(out_fd, st.st_uid, st.st_gid) != 0 && errno != EPERM) {
    cli_error(ctx, "%s: %s", path, strerror(errno));
    ok = false;
  }
  /* The file must still be the one that was read: renaming over a file
   * removed meanwhile would bring it back, over one replaced meanwhile
   * would destroy the newer text. */
  struct stat now;
  if (ok && (stat(path, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino)) {
    cli_error(ctx, _("%s: removed or replaced while being converted; not rewritten"), path);
    ok = false;
  }
  if (!ok) {
    S_drop_temp(out_fd);
    return false;
  }
  return S_commit_temp(ctx, out_fd, path);
}

bool
cli_convert_to_file(const cli_context *ctx, char *const *paths, int count,
                    const char *out_path)
{
  struct stat st;
  if (stat(out_path, &st) == 0 && !S_ISREG(st.st_mode)) {
    /* A device or a pipe: nothing to replace, so write to it directly. */
    int fd = open(out_path, O_WRONLY | O_TRUNC);
    if (fd < 0) {
      cli_error(ctx, "%s: %s", out_path, strerror(errno));
      return false;
    }
    bool ok = true;
    for (int i = 0; i < count; i++)
      ok = S_convert_to_fd(ctx, paths[i], fd, out_path) && ok;
    if (close(fd) != 0 && ok) {
      cli_error(ctx, "%s: %s", out_path, strerror(errno));
      ok = false;
    }
    return ok;
  }
  int out_fd = S_make_temp(out_path);
  if (out_fd < 0) {
    cli_error(ctx, "%s: %s", out_path, strerror(errno));
    return false;
  }
  bool ok = true;
  for (int i = 0; i < count; i++) {
    int in_fd = S_open_input(ctx, paths[i]);
    if (in_fd < 0) {
      ok = false;
      continue;
    }
    ok = cli_pump(ctx, in_fd, paths[i], out_fd, out_path) && ok;
    S_close_input(in_fd);
  }
  /* An existing file keeps its mode; a new one gets the usual mode for a
   * new file (mkstemp makes 0600). */
  mode_t mask = umask(0);
  umask(mask);
  mode_t mode = stat(out_path, &st) == 0 ? st.st_mode & 07777 : 0666 & ~mask;
  if (ok && fchmod(out_fd, mode) != 0) {
    cli_error(ctx, "%s: %s", out_path, strerror(errno));
    ok = false;
  }
  if (!ok) {
    S_drop_temp(out_fd);
    return false;
  }
  return S_commit_temp(ctx, out_fd, out_path);
}

/* ---- --detect ------------------------------------------------------------------ */

/* The first MiB tells. */
#define DETECT_BYTES (1024 * 1024)

bool
cli_detect(const cli_context *ctx, const char *path)
{
  int fd = S_open_input(ctx, path);
  if (fd < 0)
    return false;
  char *buf = malloc(DETECT_BYTES);
  size_t len = 0;
  bool ok = buf != NULL;
  while (ok && len < DETECT_BYTES) {
    ssize_t n = read(fd, buf + len, DETECT_BYTES - len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      cli_error(ctx, "%s: %s", path, strerror(errno));
      ok = false;
    }
    if (n <= 0)
      break;
    len += (size_t)n;
  }
  S_close_input(fd);
  zhconv_variant script, region;
  double confidence;
  int st = ok ? zhconv_detect(ctx->converter, buf, len, &script, &region, &confidence)
              : ZHCONV_OK;
  if (ok && st != ZHCONV_OK) {
    cli_error(ctx, "%s: %s", path, zhconv_strerror(st));
    ok = false;
  }
  if (ok)
    printf("%s: %s %s %.2f\n", path, script == ZHCONV_AUTO ? "unknown" : zhconv_variant_name(script),
           region == ZHCONV_AUTO ? "-" : zhconv_variant_name(region), confidence);
  free(buf);
  return ok;
}
