/* failmalloc.c — an LD_PRELOAD shim that makes one chosen allocation fail.
 *
 * It wraps malloc, calloc, realloc, reallocarray, posix_memalign,
 * aligned_alloc and memalign (and so strdup, strndup, and C++'s operator
 * new where the C++ library allocates through malloc) and forwards them to
 * the next definition (libc's, or AddressSanitizer's when the shim is
 * preloaded in front of it: ASAN_OPTIONS=verify_asan_link_order=0).
 *
 * A program that finds failmalloc_arm() with dlsym(RTLD_DEFAULT, ...) may
 * call failmalloc_arm(n): the n-th allocation from then on (1-based)
 * returns NULL with errno ENOMEM, once; failmalloc_arm(0) disarms.
 * failmalloc_count() tells how many allocations were made since the last
 * arming, failmalloc_failed() whether the failure has happened.
 *
 * Without a program's help, FAILMALLOC_NTH=n in the environment fails the
 * n-th allocation made after main() has started (tests/faults.sh uses it on
 * the command-line program; what the C++ runtime and libopencc allocate in
 * their static constructors, before main, is not counted: a failure there
 * is no program's to handle).  FAILMALLOC_REPORT=FILE: at exit, write the
 * number of allocations counted to FILE.
 *
 * Only the allocations of one thread count — the one that armed the shim,
 * or the one that runs main() — and only they fail: a new thread allocates
 * inside the C library and AddressSanitizer as it starts, where a failure
 * ends the process and is no program's to handle. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define VISIBLE __attribute__((visibility("default")))

static void *(*S_malloc)(size_t);
static void *(*S_calloc)(size_t, size_t);
static void *(*S_realloc)(void *, size_t);
static void (*S_free)(void *);
static int (*S_posix_memalign)(void **, size_t, size_t);
static void *(*S_aligned_alloc)(size_t, size_t);
static void *(*S_memalign)(size_t, size_t);

static atomic_long S_count;    /* allocations since arming */
static atomic_long S_target;   /* the one to fail, 0: none */
static atomic_int S_failed;
static atomic_int S_resolving;
static pthread_t S_owner;       /* the thread whose allocations count */
static atomic_int S_has_owner;

/* dlsym() may allocate before the real functions are known: serve it
 * from a small static arena that free() recognises. */
static _Alignas(16) char S_arena[8192];
static size_t S_arena_used;

static void *
S_arena_alloc(size_t n)
{
  n = (n + 15) & ~(size_t)15;
  if (S_arena_used + n > sizeof S_arena)
    return NULL;
  void *p = S_arena + S_arena_used;
  S_arena_used += n;
  return p;
}

static int
S_in_arena(const void *p)
{
  return (const char *)p >= S_arena && (const char *)p < S_arena + sizeof S_arena;
}

static void
S_resolve(void)
{
  if (S_malloc || atomic_exchange(&S_resolving, 1))
    return;
  S_calloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "calloc");
  S_realloc = (void *(*)(void *, size_t))dlsym(RTLD_NEXT, "realloc");
  S_free = (void (*)(void *))dlsym(RTLD_NEXT, "free");
  S_posix_memalign = (int (*)(void **, size_t, size_t))dlsym(RTLD_NEXT, "posix_memalign");
  S_aligned_alloc = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "aligned_alloc");
  S_memalign = (void *(*)(size_t, size_t))dlsym(RTLD_NEXT, "memalign");
  S_malloc = (void *(*)(size_t))dlsym(RTLD_NEXT, "malloc");
}

__attribute__((destructor)) static void
S_report(void)
{
  const char *path = getenv("FAILMALLOC_REPORT");
  if (!path || !*path)
    return;
  FILE *f = fopen(path, "w");
  if (f) {
    fprintf(f, "%ld\n", (long)atomic_load(&S_count));
    fclose(f);
  }
}

/* FAILMALLOC_NTH: armed when main() starts, through glibc's
 * __libc_start_main. */
typedef int (*main_fn)(int, char **, char **);
static main_fn S_main;

static int
S_armed_main(int argc, char **argv, char **envp)
{
  const char *nth = getenv("FAILMALLOC_NTH");
  S_owner = pthread_self();
  atomic_store(&S_has_owner, 1);
  if (nth && *nth) {
    atomic_store(&S_count, 0);
    atomic_store(&S_target, strtol(nth, NULL, 10));
  } else if (getenv("FAILMALLOC_REPORT"))
    atomic_store(&S_count, 0);
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
  return next(S_armed_main, argc, argv, init, fini, rtld_fini, stack_end);
}

/* Should this allocation fail? */
static int
S_fail(void)
{
  if (atomic_load(&S_has_owner) && !pthread_equal(pthread_self(), S_owner))
    return 0;
  long target = atomic_load(&S_target);
  long n = atomic_fetch_add(&S_count, 1) + 1;
  if (target > 0 && n == target) {
    atomic_store(&S_failed, 1);
    errno = ENOMEM;
    return 1;
  }
  return 0;
}

VISIBLE void
failmalloc_arm(long nth)
{
  S_resolve();
  atomic_store(&S_target, 0);
  S_owner = pthread_self();
  atomic_store(&S_has_owner, 1);
  atomic_store(&S_count, 0);
  atomic_store(&S_failed, 0);
  atomic_store(&S_target, nth);
}

VISIBLE long
failmalloc_count(void)
{
  return atomic_load(&S_count);
}

VISIBLE int
failmalloc_failed(void)
{
  return atomic_load(&S_failed);
}

VISIBLE void *
malloc(size_t n)
{
  S_resolve();
  if (!S_malloc)
    return S_arena_alloc(n);
  return S_fail() ? NULL : S_malloc(n);
}

VISIBLE void *
calloc(size_t n, size_t size)
{
  S_resolve();
  if (!S_calloc) {
    if (size && n > SIZE_MAX / size)
      return NULL;
    return S_arena_alloc(n * size);  /* static: already zero */
  }
  return S_fail() ? NULL : S_calloc(n, size);
}

VISIBLE void *
realloc(void *p, size_t n)
{
  S_resolve();
  if (S_in_arena(p)) {
    void *q = malloc(n);
    size_t avail = (size_t)(S_arena + sizeof S_arena - (char *)p);
    if (q)
      memcpy(q, p, n < avail ? n : avail);
    return q;
  }
  if (!S_realloc)
    return NULL;
  return S_fail() ? NULL : S_realloc(p, n);
}

VISIBLE void *
reallocarray(void *p, size_t n, size_t size)
{
  if (size && n > SIZE_MAX / size) {
    errno = ENOMEM;
    return NULL;
  }
  return realloc(p, n * size);
}

VISIBLE void
free(void *p)
{
  if (!p || S_in_arena(p))
    return;
  S_resolve();
  if (S_free)
    S_free(p);
}

VISIBLE int
posix_memalign(void **out, size_t align, size_t n)
{
  S_resolve();
  if (!S_posix_memalign)
    return ENOMEM;
  return S_fail() ? ENOMEM : S_posix_memalign(out, align, n);
}

VISIBLE void *
aligned_alloc(size_t align, size_t n)
{
  S_resolve();
  if (!S_aligned_alloc)
    return NULL;
  return S_fail() ? NULL : S_aligned_alloc(align, n);
}

VISIBLE void *
memalign(size_t align, size_t n)
{
  S_resolve();
  if (!S_memalign)
    return NULL;
  return S_fail() ? NULL : S_memalign(align, n);
}
