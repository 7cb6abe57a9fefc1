/* batch.c — batch republishing: files and whole directory trees converted
 * into a mirror under -O OUTDIR (or rewritten in place with -i) by a pool
 * of worker threads.  README, "Batch republishing".
 *
 *   1. The main thread walks the operands (sorted, so the plan does not
 *      depend on the order of readdir), decides what each file gets
 *      (convert, copy, skip) and creates the output directories.
 *   2. Workers take files from the plan in turn; each converts with its
 *      own stream on the shared converter (cli_pump), writes through a
 *      temporary file beside the output (.NAME.zhconv-part), syncs it and
 *      renames it over the output.  An output depends only on its input:
 *      -j N writes the same bytes as -j1.
 *   3. The main thread shows progress and prints the summary.
 *
 * Signals: the workers block SIGHUP, SIGINT and SIGTERM, so the main thread
 * takes them; its handler removes every worker's live temporary file (one
 * slot per worker, written only by that worker) and dies of the signal.
 * SIGKILL cannot be caught: it may leave a .NAME.zhconv-part file, never a
 * partial output; the rerun that writes NAME removes it.
 */
#include <config.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"

#define TEMP_SUFFIX ".zhconv-part"

enum { JOB_CONVERT, JOB_COPY, JOB_SKIP, JOB_LEAVE, JOB_DROP };
enum { R_CONVERTED, R_COPIED, R_SKIPPED, R_FAILED, R_NONE, R_COUNT };

typedef struct {
  char *src;               /* the input */
  char *dst;               /* the output (-i: the input) */
  off_t size;
  struct timespec mtime;
  mode_t mode;
  uid_t uid;
  gid_t gid;
  dev_t dev;
  ino_t ino;
  int kind;
} job;

typedef struct {
  dev_t dev;
  ino_t ino;
} file_id;

typedef struct {
  const cli_context *ctx;
  const cli_batch_options *bo;
  job *jobs;
  size_t njobs, cap;
  char **dirs;             /* output directories to create, parents first */
  size_t ndirs, dcap;
  file_id out;             /* OUTDIR, never walked */
  bool have_out;
  file_id *stack;          /* the directories being walked (--follow loops) */
  size_t depth, scap;
  size_t skipped, failed;  /* decided by the walk */
  bool nomem;
} walker;

/* ---- small helpers ------------------------------------------------------ */

static char *
S_join(const char *a, const char *b)
{
  size_t la = strlen(a), lb = strlen(b);
  char *p = malloc(la + lb + 2);
  if (!p)
    return NULL;
  memcpy(p, a, la);
  size_t n = la;
  if (la && lb && a[la - 1] != '/')
    p[n++] = '/';
  memcpy(p + n, b, lb + 1);
  return p;
}

static bool
S_grow(void **arr, size_t *cap, size_t need, size_t elem)
{
  if (need <= *cap)
    return true;
  size_t n = *cap ? *cap * 2 : 64;
  while (n < need)
    n *= 2;
  void *p = realloc(*arr, n * elem);
  if (!p)
    return false;
  *arr = p;
  *cap = n;
  return true;
}

/* Converted by their format rules; everything else is copied. */
bool
cli_batch_is_text(const char *name)
{
  static const char *const ext[] = {".txt", ".text", ".md", ".markdown", ".mdx",
                                    ".html", ".htm"};
  const char *slash = strrchr(name, '/'), *dot = strrchr(name, '.');
  if (!dot || (slash && dot < slash) || dot == (slash ? slash + 1 : name))
    return false;
  for (size_t i = 0; i < sizeof ext / sizeof ext[0]; i++)
    if (strcasecmp(dot, ext[i]) == 0)
      return true;
  return false;
}

static bool
S_is_temp_name(const char *name)
{
  size_t n = strlen(name), k = strlen(TEMP_SUFFIX);
  return name[0] == '.' && n > k && strcmp(name + n - k, TEMP_SUFFIX) == 0;
}

static double
S_now(void)
{
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

/* A file or directory name in the other script (--convert-names); the
 * name itself when it does not convert (invalid UTF-8 and --invalid=reject)
 * or would stop being one name. */
static char *
S_convert_name(const cli_context *ctx, const char *name)
{
  char *out;
  size_t len;
  if (zhconv_convert(ctx->converter, name, strlen(name), &out, &len, NULL) == ZHCONV_OK) {
    bool good = len > 0 && strlen(out) == len && !strchr(out, '/') && strcmp(out, ".") != 0 &&
                strcmp(out, "..") != 0;
    char *copy = good ? strdup(out) : NULL;
    zhconv_string_free(out);
    if (copy)
      return copy;
  }
  return strdup(name);
}

/* ---- the walk ------------------------------------------------------------- */

static void
S_add_file(walker *w, const char *src, const char *rel, const struct stat *st)
{
  const cli_batch_options *bo = w->bo;
  job j;
  memset(&j, 0, sizeof j);
  j.src = strdup(src);
  j.dst = bo->in_place ? strdup(src) : S_join(bo->outdir, rel);
  if (!j.src || !j.dst) {
    free(j.src);
    free(j.dst);
    w->nomem = true;
    return;
  }
  j.size = st->st_size;
  j.mtime = st->st_mtim;
  j.mode = st->st_mode;
  j.uid = st->st_uid;
  j.gid = st->st_gid;
  j.dev = st->st_dev;
  j.ino = st->st_ino;
  bool text = cli_batch_is_text(src);
  if (bo->in_place) {
    j.kind = text ? JOB_CONVERT : JOB_LEAVE;
  } else {
    j.kind = text ? JOB_CONVERT : JOB_COPY;
    struct stat ost;
    if (stat(j.dst, &ost) == 0 && S_ISREG(ost.st_mode) &&
        (bo->skip_existing || ost.st_mtim.tv_sec > j.mtime.tv_sec ||
         (ost.st_mtim.tv_sec == j.mtime.tv_sec && ost.st_mtim.tv_nsec >= j.mtime.tv_nsec)))
      j.kind = JOB_SKIP;
  }
  if (!S_grow((void **)&w->jobs, &w->cap, w->njobs + 1, sizeof *w->jobs)) {
    free(j.src);
    free(j.dst);
    w->nomem = true;
    return;
  }
  w->jobs[w->njobs++] = j;
}

static void
S_add_dir(walker *w, const char *rel)
{
  if (w->bo->in_place || w->bo->dry_run)
    return;
  char *d = S_join(w->bo->outdir, rel);
  if (!d || !S_grow((void **)&w->dirs, &w->dcap, w->ndirs + 1, sizeof *w->dirs)) {
    free(d);
    w->nomem = true;
    return;
  }
  w->dirs[w->ndirs++] = d;
}

static int
S_strcmp_p(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

static void S_walk(walker *w, const char *src, const char *rel, const struct stat *st);

static void
S_walk_dir(walker *w, const char *src, const char *rel, const struct stat *st)
{
  if (w->have_out && st->st_dev == w->out.dev && st->st_ino == w->out.ino)
    return;                            /* the output directory itself */
  for (size_t i = 0; i < w->depth; i++)
    if (w->stack[i].dev == st->st_dev && w->stack[i].ino == st->st_ino) {
      cli_error(w->ctx, _("%s: directory loop; skipped"), src);
      w->skipped++;
      return;
    }
  DIR *d = opendir(src);
  if (!d) {
    cli_error(w->ctx, "%s: %s", src, strerror(errno));
    w->failed++;
    return;
  }
  S_add_dir(w, rel);
  char **names = NULL;
  size_t n = 0, cap = 0;
  struct dirent *e;
  errno = 0;
  while ((e = readdir(d)) != NULL) {
    const char *name = e->d_name;
    if (strcmp(name, ".") == 0 || strcmp(name, "..") == 0 || S_is_temp_name(name))
      continue;
    if (name[0] == '.' && !w->bo->hidden)
      continue;
    char *copy = strdup(name);
    if (!copy || !S_grow((void **)&names, &cap, n + 1, sizeof *names)) {
      free(copy);
      w->nomem = true;
      break;
    }
    names[n++] = copy;
  }
  if (errno && !w->nomem) {
    cli_error(w->ctx, "%s: %s", src, strerror(errno));
    w->failed++;
  }
  closedir(d);
  qsort(names, n, sizeof *names, S_strcmp_p);
  if (S_grow((void **)&w->stack, &w->scap, w->depth + 1, sizeof *w->stack)) {
    w->stack[w->depth].dev = st->st_dev;
    w->stack[w->depth].ino = st->st_ino;
    w->depth++;
  } else {
    w->nomem = true;
  }
  for (size_t i = 0; i < n && !w->nomem; i++) {
    char *child = strcmp(src, ".") == 0 ? strdup(names[i]) : S_join(src, names[i]);
    char *cname = w->bo->convert_names ? S_convert_name(w->ctx, names[i]) : strdup(names[i]);
    char *crel = cname ? S_join(rel, cname) : NULL;
    if (!child || !crel) {
      w->nomem = true;
    } else {
      struct stat lst, cst;
      if (lstat(child, &lst) != 0) {
        cli_error(w->ctx, "%s: %s", child, strerror(errno));
        w->failed++;
      } else if (S_ISLNK(lst.st_mode)) {
        if (stat(child, &cst) != 0) {
          cli_error(w->ctx, _("%s: broken symbolic link: %s"), child, strerror(errno));
          w->failed++;
        } else if (S_ISDIR(cst.st_mode) && !w->bo->follow) {
          cli_error(w->ctx, _("%s: symbolic link to a directory; skipped (see --follow)"), child);
          w->skipped++;
        } else {
          S_walk(w, child, crel, &cst);
        }
      } else {
        S_walk(w, child, crel, &lst);
      }
    }
    free(child);
    free(cname);
    free(crel);
  }
  if (w->depth)
    w->depth--;
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

static void
S_walk(walker *w, const char *src, const char *rel, const struct stat *st)
{
  if (S_ISDIR(st->st_mode))
    S_walk_dir(w, src, rel, st);
  else if (S_ISREG(st->st_mode))
    S_add_file(w, src, rel, st);
  else {
    cli_error(w->ctx, _("%s: not a regular file or a directory; skipped"), src);
    w->skipped++;
  }
}

/* An operand's place under OUTDIR: the path as given, without a leading
 * '/', './' or '.' components ("." is OUTDIR itself).  NULL for a path with
 * '..' (which would climb out of OUTDIR). */
static char *
S_operand_rel(const cli_context *ctx, const char *path, bool convert_names)
{
  char *copy = strdup(path), *save = NULL, *rel = strdup("");
  if (!copy || !rel) {
    free(copy);
    free(rel);
    return NULL;
  }
  for (char *part = strtok_r(copy, "/", &save); part; part = strtok_r(NULL, "/", &save)) {
    if (strcmp(part, ".") == 0)
      continue;
    if (strcmp(part, "..") == 0) {
      free(copy);
      free(rel);
      return NULL;
    }
    char *name = convert_names ? S_convert_name(ctx, part) : strdup(part);
    char *next = name ? S_join(rel, name) : NULL;
    free(name);
    free(rel);
    rel = next;
    if (!rel)
      break;
  }
  free(copy);
  return rel;
}

/* The operand as a source prefix: trailing slashes off ("." stays "."). */
static char *
S_operand_src(const char *path)
{
  char *s = strdup(path);
  if (!s)
    return NULL;
  size_t n = strlen(s);
  while (n > 1 && s[n - 1] == '/')
    s[--n] = '\0';
  while (n > 2 && s[0] == '.' && s[1] == '/') {  /* "./x" is "x" */
    memmove(s, s + 2, n - 1);
    n -= 2;
    while (n > 1 && s[0] == '/')
      memmove(s, s + 1, n--);
  }
  return s;
}

/* Two files for one output: the first in the walk wins, a later one fails
 * (the same source given twice is dropped quietly). */
static int
S_dst_cmp(const void *a, const void *b)
{
  const job *x = *(job *const *)a, *y = *(job *const *)b;
  int c = strcmp(x->dst, y->dst);
  return c ? c : (x < y ? -1 : x > y);
}

static void
S_collisions(walker *w)
{
  if (w->njobs < 2)
    return;
  job **order = malloc(w->njobs * sizeof *order);
  if (!order) {
    w->nomem = true;
    return;
  }
  for (size_t i = 0; i < w->njobs; i++)
    order[i] = &w->jobs[i];
  qsort(order, w->njobs, sizeof *order, S_dst_cmp);
  for (size_t i = 1; i < w->njobs; i++) {
    job *first, *j = order[i];
    if (strcmp(order[i - 1]->dst, j->dst) != 0)
      continue;
    /* The earliest job with this output (ties are in walk order). */
    size_t k = i - 1;
    while (k > 0 && strcmp(order[k - 1]->dst, j->dst) == 0)
      k--;
    first = order[k];
    if (first->dev == j->dev && first->ino == j->ino) {
      j->kind = JOB_DROP;
    } else {
      cli_error(w->ctx, _("%s: %s is also the output of %s; skipped"), j->src, j->dst,
                first->src);
      j->kind = JOB_DROP;
      w->failed++;
    }
  }
  free(order);
}

/* ---- workers ------------------------------------------------------------------ */

typedef struct {
  char path[PATH_MAX + 64];
  volatile sig_atomic_t live;
} temp_slot;

static temp_slot *S_slots;
static int S_nslots;

static void
S_on_signal(int sig)
{
  for (int i = 0; i < S_nslots; i++)
    if (S_slots[i].live)
      unlink(S_slots[i].path);
  signal(sig, SIG_DFL);
  raise(sig);
}

typedef struct batch {
  const cli_context *ctx;
  const cli_batch_options *bo;
  job *jobs;
  size_t njobs;
  mode_t umask;
  atomic_size_t next;
  pthread_mutex_t lock;
  pthread_cond_t cond;
  size_t done, count[R_COUNT];
  unsigned long long done_bytes, bytes;
} batch;

typedef struct {
  batch *b;
  temp_slot *slot;
  char *buf;
} worker;

#define COPY_BUF (128 * 1024)

static bool
S_copy(const cli_context *ctx, worker *wk, int in, const char *src, int out, const char *dst)
{
  for (;;) {
    ssize_t n = read(in, wk->buf, COPY_BUF);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0) {
      cli_error(ctx, "%s: %s", src, strerror(errno));
      return false;
    }
    if (n == 0)
      return true;
    if (!cli_write_all(out, wk->buf, (size_t)n)) {
      cli_error(ctx, "%s: %s", dst, strerror(errno));
      return false;
    }
  }
}

/* The temporary file for dst: .NAME.zhconv-part beside it (a long NAME is
 * cut and a hash of it added, to stay within NAME_MAX). */
static bool
S_temp_name(const char *dst, char *out, size_t size)
{
  const char *slash = strrchr(dst, '/');
  int dirlen = slash ? (int)(slash - dst + 1) : 0;
  const char *name = slash ? slash + 1 : dst;
  int n;
  if (strlen(name) <= 200) {
    n = snprintf(out, size, "%.*s.%s" TEMP_SUFFIX, dirlen, dst, name);
  } else {
    uint32_t h = 2166136261u;
    for (const char *p = name; *p; p++)
      h = (h ^ (unsigned char)*p) * 16777619u;
    n = snprintf(out, size, "%.*s.%.180s-%08x" TEMP_SUFFIX, dirlen, dst, name, (unsigned)h);
  }
  return n > 0 && (size_t)n < size;
}

static int
S_run(worker *wk, job *j)
{
  batch *b = wk->b;
  const cli_context *ctx = b->ctx;
  const cli_batch_options *bo = b->bo;
  if (j->kind == JOB_SKIP || j->kind == JOB_LEAVE)
    return R_SKIPPED;
  if (j->kind == JOB_DROP)
    return R_NONE;
  temp_slot *slot = wk->slot;
  int in = open(j->src, O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    cli_error(ctx, "%s: %s", j->src, strerror(errno));
    return R_FAILED;
  }
  struct stat st;
  if (fstat(in, &st) != 0 || !S_ISREG(st.st_mode)) {
    cli_error(ctx, _("%s: not a regular file"), j->src);
    close(in);
    return R_FAILED;
  }
  if (!S_temp_name(j->dst, slot->path, sizeof slot->path)) {
    cli_error(ctx, "%s: %s", j->dst, strerror(ENAMETOOLONG));
    close(in);
    return R_FAILED;
  }
  slot->live = 1;
  int out = open(slot->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0 && errno == EEXIST && unlink(slot->path) == 0)  /* left by a killed run */
    out = open(slot->path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (out < 0) {
    slot->live = 0;
    cli_error(ctx, "%s: %s", j->dst, strerror(errno));
    close(in);
    return R_FAILED;
  }
  bool ok = j->kind == JOB_CONVERT ? cli_pump(ctx, in, j->src, out, j->dst)
                                   : S_copy(ctx, wk, in, j->src, out, j->dst);
  close(in);
  if (ok && bo->in_place) {
    /* The file keeps its mode and owner, and must still be the one read. */
    struct stat now;
    if (fchmod(out, st.st_mode & 07777) != 0 ||
        (fchown(out, st.st_uid, st.st_gid) != 0 && errno != EPERM)) {
      cli_error(ctx, "%s: %s", j->dst, strerror(errno));
      ok = false;
    } else if (stat(j->src, &now) != 0 || now.st_dev != st.st_dev || now.st_ino != st.st_ino) {
      cli_error(ctx, _("%s: removed or replaced while being converted; not rewritten"), j->src);
      ok = false;
    }
  } else if (ok) {
    /* The input's permissions (less the umask) and modification time: a
     * rerun sees the output as up to date until the input changes. */
    struct timespec times[2] = {{0, UTIME_OMIT}, st.st_mtim};
    if (fchmod(out, st.st_mode & 0777 & ~b->umask) != 0 || futimens(out, times) != 0) {
      cli_error(ctx, "%s: %s", j->dst, strerror(errno));
      ok = false;
    }
  }
  if (ok && (fsync(out) != 0 || close(out) != 0)) {
    cli_error(ctx, "%s: %s", j->dst, strerror(errno));
    ok = false;
    out = -1;
  } else if (ok) {
    out = -1;
  }
  if (ok && rename(slot->path, j->dst) != 0) {
    cli_error(ctx, "%s: %s", j->dst, strerror(errno));
    ok = false;
  }
  if (out >= 0)
    close(out);
  if (!ok)
    unlink(slot->path);
  slot->live = 0;
  if (!ok)
    return R_FAILED;
  return j->kind == JOB_CONVERT ? R_CONVERTED : R_COPIED;
}

static void *
S_worker(void *arg)
{
  worker *wk = arg;
  batch *b = wk->b;
  for (;;) {
    size_t i = atomic_fetch_add(&b->next, 1);
    if (i >= b->njobs)
      break;
    job *j = &b->jobs[i];
    int r = S_run(wk, j);
    pthread_mutex_lock(&b->lock);
    b->count[r]++;
    b->done++;
    b->done_bytes += (unsigned long long)j->size;
    if (r == R_CONVERTED || r == R_COPIED)
      b->bytes += (unsigned long long)j->size;
    pthread_cond_signal(&b->cond);
    pthread_mutex_unlock(&b->lock);
  }
  return NULL;
}

/* ---- progress and summary -------------------------------------------------- */

static void
S_clock(char *out, size_t size, double s)
{
  long t = (long)(s + 0.5);
  if (t >= 3600)
    snprintf(out, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(out, size, "%ld:%02ld", t / 60, t % 60);
}

static void
S_progress(batch *b, double elapsed, unsigned long long total_bytes)
{
  double rate = elapsed > 0 ? (double)b->done_bytes / elapsed : 0;
  char left[32] = "--:--";
  if (elapsed >= 0.5 && b->done_bytes > 0)
    S_clock(left, sizeof left, (double)(total_bytes - b->done_bytes) / rate);
  flockfile(stderr);
  /* TRANSLATORS: the progress line of a batch run: files done, files in
     all, throughput, estimated time left (m:ss). */
  fprintf(stderr, "\r\033[K");
  fprintf(stderr, _("%zu of %zu files, %.1f MB/s, %s left"), b->done, b->njobs, rate / 1e6,
          left);
  cli_progress_line = 1;
  fflush(stderr);
  funlockfile(stderr);
}

/* ---- the run ------------------------------------------------------------------- */

static void
S_free_walker(walker *w)
{
  for (size_t i = 0; i < w->njobs; i++) {
    free(w->jobs[i].src);
    free(w->jobs[i].dst);
  }
  free(w->jobs);
  for (size_t i = 0; i < w->ndirs; i++)
    free(w->dirs[i]);
  free(w->dirs);
  free(w->stack);
}

static bool
S_mkdir_p(const cli_context *ctx, char *path)
{
  struct stat st;
  if (stat(path, &st) == 0) {
    if (S_ISDIR(st.st_mode))
      return true;
    cli_error(ctx, "%s: %s", path, strerror(ENOTDIR));
    return false;
  }
  for (char *p = path + 1; *p; p++) {
    if (*p != '/')
      continue;
    *p = '\0';
    int r = mkdir(path, 0777);
    int e = errno;
    *p = '/';
    if (r != 0 && e != EEXIST) {
      *p = '\0';
      cli_error(ctx, "%s: %s", path, strerror(e));
      *p = '/';
      return false;
    }
  }
  if (mkdir(path, 0777) != 0 && errno != EEXIST) {
    cli_error(ctx, "%s: %s", path, strerror(errno));
    return false;
  }
  return true;
}

int
cli_batch(const cli_context *ctx, const cli_batch_options *bo, char *const *paths, int count)
{
  double start = S_now();
  walker w;
  memset(&w, 0, sizeof w);
  w.ctx = ctx;
  w.bo = bo;

  /* OUTDIR must not hold an input: its outputs would land on inputs. */
  char *out_real = NULL;
  if (!bo->in_place) {
    struct stat ost;
    if (stat(bo->outdir, &ost) == 0) {
      if (!S_ISDIR(ost.st_mode)) {
        cli_error(ctx, "%s: %s", bo->outdir, strerror(ENOTDIR));
        return EXIT_TROUBLE;
      }
      w.have_out = true;
      w.out.dev = ost.st_dev;
      w.out.ino = ost.st_ino;
      out_real = realpath(bo->outdir, NULL);
    }
  }
  for (int i = 0; i < count; i++) {
    char *real = out_real ? realpath(paths[i], NULL) : NULL;
    size_t n = out_real ? strlen(out_real) : 0;
    bool inside = real && strncmp(real, out_real, n) == 0 &&
                  (real[n] == '/' || real[n] == '\0' || n == 1);
    free(real);
    if (inside) {
      cli_error(ctx, _("%s: inside the output directory %s; nothing done"), paths[i],
                bo->outdir);
      free(out_real);
      return EXIT_USAGE;
    }
  }
  free(out_real);

  for (int i = 0; i < count && !w.nomem; i++) {
    char *src = S_operand_src(paths[i]);
    char *rel = bo->in_place ? strdup("") : S_operand_rel(ctx, paths[i], bo->convert_names);
    struct stat st;
    if (!src) {
      w.nomem = true;
    } else if (!rel) {
      if (!bo->in_place)
        cli_error(ctx, _("%s: a path with '..' has no place under the output directory"),
                  paths[i]);
      w.failed++;
    } else if (stat(src, &st) != 0) {
      cli_error(ctx, "%s: %s", paths[i], strerror(errno));
      w.failed++;
    } else {
      if (!S_ISDIR(st.st_mode)) {   /* a file's directory under OUTDIR */
        char *slash = strrchr(rel, '/');
        if (slash)
          *slash = '\0';
        S_add_dir(&w, slash ? rel : "");
        if (slash)
          *slash = '/';
      }
      S_walk(&w, src, rel, &st);
    }
    free(src);
    free(rel);
  }
  if (!w.nomem)
    S_collisions(&w);
  if (w.nomem) {
    cli_error(ctx, "%s", zhconv_strerror(ZHCONV_ERR_NOMEM));
    S_free_walker(&w);
    return EXIT_TROUBLE;
  }

  batch b;
  memset(&b, 0, sizeof b);
  b.ctx = ctx;
  b.bo = bo;
  b.jobs = w.jobs;
  b.njobs = w.njobs;
  b.umask = umask(0);
  umask(b.umask);
  atomic_init(&b.next, 0);
  unsigned long long total_bytes = 0;
  for (size_t i = 0; i < w.njobs; i++)
    total_bytes += (unsigned long long)w.jobs[i].size;

  if (bo->dry_run) {
    for (size_t i = 0; i < w.njobs; i++) {
      job *j = &w.jobs[i];
      switch (j->kind) {
      case JOB_CONVERT:
        if (bo->in_place)
          printf("convert %s\n", j->src);
        else
          printf("convert %s -> %s\n", j->src, j->dst);
        b.count[R_CONVERTED]++;
        b.bytes += (unsigned long long)j->size;
        break;
      case JOB_COPY:
        printf("copy %s -> %s\n", j->src, j->dst);
        b.count[R_COPIED]++;
        b.bytes += (unsigned long long)j->size;
        break;
      case JOB_SKIP:
        printf("skip %s (up to date: %s)\n", j->src, j->dst);
        b.count[R_SKIPPED]++;
        break;
      case JOB_LEAVE:
        printf("skip %s (not text)\n", j->src);
        b.count[R_SKIPPED]++;
        break;
      default:
        break;
      }
    }
  } else {
    for (size_t i = 0; i < w.ndirs; i++)
      if (!S_mkdir_p(ctx, w.dirs[i]))
        w.failed++;   /* its files fail too, each with its path */

    int nworkers = bo->jobs > 0 ? bo->jobs : 1;
    if ((size_t)nworkers > w.njobs)
      nworkers = w.njobs ? (int)w.njobs : 1;
    worker *workers = calloc((size_t)nworkers, sizeof *workers);
    pthread_t *threads = calloc((size_t)nworkers, sizeof *threads);
    S_slots = calloc((size_t)nworkers, sizeof *S_slots);
    bool have = workers && threads && S_slots;
    for (int i = 0; have && i < nworkers; i++) {
      workers[i].b = &b;
      workers[i].slot = &S_slots[i];
      workers[i].buf = malloc(COPY_BUF);
      have = workers[i].buf != NULL;
    }
    if (!have) {
      cli_error(ctx, "%s", zhconv_strerror(ZHCONV_ERR_NOMEM));
      if (workers)
        for (int i = 0; i < nworkers; i++)
          free(workers[i].buf);
      free(workers);
      free(threads);
      free(S_slots);
      S_slots = NULL;
      S_free_walker(&w);
      return EXIT_TROUBLE;
    }
    S_nslots = nworkers;
    int sigs[] = {SIGHUP, SIGINT, SIGTERM};
    sigset_t block, old;
    sigemptyset(&block);
    for (size_t i = 0; i < sizeof sigs / sizeof sigs[0]; i++) {
      struct sigaction sa;
      memset(&sa, 0, sizeof sa);
      sa.sa_handler = S_on_signal;
      sigemptyset(&sa.sa_mask);
      sigaction(sigs[i], &sa, NULL);
      sigaddset(&block, sigs[i]);
    }
    pthread_mutex_init(&b.lock, NULL);
    pthread_cond_init(&b.cond, NULL);
    pthread_sigmask(SIG_BLOCK, &block, &old);
    int started = 0;
    for (int i = 0; i < nworkers; i++) {
      if (pthread_create(&threads[i], NULL, S_worker, &workers[i]) != 0)
        break;
      started++;
    }
    pthread_sigmask(SIG_SETMASK, &old, NULL);
    if (started == 0)   /* no threads to be had: do the work here */
      S_worker(&workers[0]);

    bool progress = bo->progress > 0 || (bo->progress < 0 && !ctx->quiet && isatty(STDERR_FILENO));
    double last = 0;
    pthread_mutex_lock(&b.lock);
    while (b.done < b.njobs) {
      struct timespec until;
      clock_gettime(CLOCK_REALTIME, &until);
      until.tv_nsec += 100 * 1000 * 1000;
      if (until.tv_nsec >= 1000000000) {
        until.tv_sec++;
        until.tv_nsec -= 1000000000;
      }
      pthread_cond_timedwait(&b.cond, &b.lock, &until);
      double now = S_now();
      if (progress && now - last >= 0.25) {
        S_progress(&b, now - start, total_bytes);
        last = now;
      }
    }
    pthread_mutex_unlock(&b.lock);
    for (int i = 0; i < started; i++)
      pthread_join(threads[i], NULL);
    if (progress) {
      S_progress(&b, S_now() - start, total_bytes);
      flockfile(stderr);
      fputs("\r\033[K", stderr);
      cli_progress_line = 0;
      funlockfile(stderr);
    }
    S_nslots = 0;
    for (int i = 0; i < nworkers; i++)
      free(workers[i].buf);
    free(workers);
    free(threads);
    free(S_slots);
    S_slots = NULL;
    pthread_mutex_destroy(&b.lock);
    pthread_cond_destroy(&b.cond);
  }

  size_t failed = b.count[R_FAILED] + w.failed;
  size_t skipped = b.count[R_SKIPPED] + w.skipped;
  if (!ctx->quiet) {
    fflush(stdout);
    /* TRANSLATORS: the summary of a batch run; keep it on one line. */
    if (bo->dry_run)
      fprintf(stderr, _("zhconv: dry run: %zu to convert, %zu to copy, %zu to skip, "
                        "%zu failed, %.1f MB\n"),
              b.count[R_CONVERTED], b.count[R_COPIED], skipped, failed, (double)b.bytes / 1e6);
    else
      fprintf(stderr, _("zhconv: %zu converted, %zu copied, %zu skipped, %zu failed, "
                        "%.1f MB, %.2f s\n"),
              b.count[R_CONVERTED], b.count[R_COPIED], skipped, failed, (double)b.bytes / 1e6,
              S_now() - start);
  }
  S_free_walker(&w);
  return failed ? EXIT_TROUBLE : EXIT_OK;
}
