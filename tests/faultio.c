/* faultio.c — an LD_PRELOAD shim that makes the command's I/O fail or
 * stops the command dead at a chosen point (tests/faults.sh).  Calls are
 * counted from main() on; the environment says what happens:
 *
 *   FAULTIO_KILL=CALL:N    SIGKILL just before the N-th CALL, one of read,
 *                          write, fsync, rename, close; rename+:N kills just
 *                          after the N-th rename
 *   FAULTIO_SIGNAL=NAME    TERM, INT or HUP instead of KILL
 *   FAULTIO_FILE=PATH      count only the reads of PATH (as opened: the
 *                          same string), not those of data files
 *   FAULTIO_EIO=N          the N-th read() fails with EIO
 *   FAULTIO_UNLINK=PATH    PATH is removed before the first read()
 *   FAULTIO_REPLACE=PATH   PATH is replaced by another file (a new inode)
 *                          before the first read()
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define VISIBLE __attribute__((visibility("default")))

enum { C_READ, C_WRITE, C_FSYNC, C_RENAME, C_CLOSE, C_RENAME_AFTER, NCALLS };
static const char *const S_names[NCALLS] = {"read", "write", "fsync", "rename", "close",
                                            "rename+"};
static int S_live;           /* main() has started */
static long S_counts[NCALLS];
static int S_kill_call = -1;
static long S_kill_at;
static int S_signal = SIGKILL;
static long S_eio_at;
static const char *S_unlink, *S_replace, *S_file;
static int S_file_fd = -1;

static void
S_setup(void)
{
  const char *k = getenv("FAULTIO_KILL");
  if (k && *k) {
    const char *colon = strchr(k, ':');
    for (int i = 0; colon && i < NCALLS; i++)
      if (strlen(S_names[i]) == (size_t)(colon - k) && strncmp(S_names[i], k, colon - k) == 0) {
        S_kill_call = i;
        S_kill_at = strtol(colon + 1, NULL, 10);
      }
  }
  const char *sig = getenv("FAULTIO_SIGNAL");
  if (sig && strcmp(sig, "TERM") == 0)
    S_signal = SIGTERM;
  else if (sig && strcmp(sig, "INT") == 0)
    S_signal = SIGINT;
  else if (sig && strcmp(sig, "HUP") == 0)
    S_signal = SIGHUP;
  const char *e = getenv("FAULTIO_EIO");
  S_eio_at = e && *e ? strtol(e, NULL, 10) : 0;
  S_file = getenv("FAULTIO_FILE");
  S_unlink = getenv("FAULTIO_UNLINK");
  S_replace = getenv("FAULTIO_REPLACE");
}

/* Count a call; die if this is the one. */
static long
S_count(int call)
{
  if (!S_live)
    return 0;
  long n = ++S_counts[call];
  if (call == S_kill_call && n == S_kill_at)
    raise(S_signal);
  return n;
}

typedef int (*main_fn)(int, char **, char **);
static main_fn S_main;

static int
S_main_wrapper(int argc, char **argv, char **envp)
{
  S_setup();
  S_live = 1;
  return S_main(argc, argv, envp);
}

VISIBLE int
__libc_start_main(main_fn main, int argc, char **argv, void (*init)(void), void (*fini)(void),
                  void (*rtld_fini)(void), void *stack_end)
{
  int (*next)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *) =
    (int (*)(main_fn, int, char **, void (*)(void), void (*)(void), void (*)(void), void *))
      dlsym(RTLD_NEXT, "__libc_start_main");
  S_main = main;
  return next(S_main_wrapper, argc, argv, init, fini, rtld_fini, stack_end);
}

#define NEXT(name) static __typeof__(&name) next_##name; \
  if (!next_##name) next_##name = (__typeof__(&name))dlsym(RTLD_NEXT, #name)

VISIBLE ssize_t
read(int fd, void *buf, size_t n)
{
  NEXT(read);
  if (S_file && *S_file && fd != S_file_fd)
    return next_read(fd, buf, n);
  long k = S_count(C_READ);
  if (k == 1 && S_unlink && *S_unlink)
    unlink(S_unlink);
  if (k == 1 && S_replace && *S_replace) {
    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.faultio", S_replace);
    int t = open(tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (t >= 0) {
      (void)!write(t, "replaced\n", 9);
      close(t);
      rename(tmp, S_replace);
    }
  }
  if (k && k == S_eio_at) {
    errno = EIO;
    return -1;
  }
  return next_read(fd, buf, n);
}

/* The descriptor of FAULTIO_FILE. */
VISIBLE int
open(const char *path, int flags, ...)
{
  NEXT(open);
  va_list ap;
  va_start(ap, flags);
  int mode = flags & (O_CREAT | O_TMPFILE) ? va_arg(ap, int) : 0;
  va_end(ap);
  int fd = next_open(path, flags, mode);
  if (fd >= 0 && S_file && strcmp(path, S_file) == 0)
    S_file_fd = fd;
  return fd;
}

VISIBLE ssize_t
write(int fd, const void *buf, size_t n)
{
  NEXT(write);
  S_count(C_WRITE);
  return next_write(fd, buf, n);
}

VISIBLE int
fsync(int fd)
{
  NEXT(fsync);
  S_count(C_FSYNC);
  return next_fsync(fd);
}

VISIBLE int
close(int fd)
{
  NEXT(close);
  S_count(C_CLOSE);
  return next_close(fd);
}

VISIBLE int
rename(const char *from, const char *to)
{
  NEXT(rename);
  S_count(C_RENAME);
  int r = next_rename(from, to);
  S_count(C_RENAME_AFTER);
  return r;
}
