/* buf.c — a growable byte buffer that reports a failed allocation instead
 * of aborting. */
#include <config.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#include "zhconv-private.h"

void
zhconv__prefault(void *p, size_t n)
{
#ifdef MADV_POPULATE_WRITE
  /* The whole pages inside [p, p + n) only: the ends may be shared. */
  long size = sysconf(_SC_PAGESIZE);
  uintptr_t page = size > 0 ? (uintptr_t)size : 4096;
  uintptr_t start = ((uintptr_t)p + page - 1) & ~(page - 1);
  uintptr_t end = ((uintptr_t)p + n) & ~(page - 1);
  if (p && end > start)
    (void)madvise((void *)start, end - start, MADV_POPULATE_WRITE);
#else
  (void)p;
  (void)n;
#endif
}

void *
zhconv__alloc_zeroed(size_t n, size_t size)
{
  if (size && n > SIZE_MAX / size)
    return NULL;
  /* The pages are faulted in at once, then zeroed: calloc would zero
   * memory it takes from the heap itself, a page fault at a time (15 µs
   * each on a virtual machine here: a quarter of a start's faults). */
  size_t total = n * size;
  void *p = malloc(total > 0 ? total : 1);
  if (p) {
    zhconv__prefault(p, total);
    memset(p, 0, total);
  }
  return p;
}

int
zhconv__buf_reserve(zhconv__buf *b, size_t extra)
{
  if (b->cap - b->len >= extra)
    return ZHCONV_OK;
  if (extra > SIZE_MAX / 2 - b->len)
    return ZHCONV_ERR_NOMEM;
  size_t cap = b->cap ? b->cap : 256;
  while (cap - b->len < extra)
    cap *= 2;
  char *data = realloc(b->data, cap);
  if (!data)
    return ZHCONV_ERR_NOMEM;
  b->data = data;
  b->cap = cap;
  return ZHCONV_OK;
}

int
zhconv__buf_append(zhconv__buf *b, const char *s, size_t n)
{
  if (n == 0)
    return ZHCONV_OK;
  int st = zhconv__buf_reserve(b, n);
  if (st != ZHCONV_OK)
    return st;
  memcpy(b->data + b->len, s, n);
  b->len += n;
  return ZHCONV_OK;
}

void
zhconv__buf_consume(zhconv__buf *b, size_t n)
{
  if (n >= b->len) {
    b->len = 0;
    return;
  }
  memmove(b->data, b->data + n, b->len - n);
  b->len -= n;
}

void
zhconv__buf_free(zhconv__buf *b)
{
  free(b->data);
  b->data = NULL;
  b->len = b->cap = 0;
}

void
zhconv__errorf(char *dst, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(dst, ZHCONV__ERRLEN, fmt, ap);
  va_end(ap);
}
