/* fuzz.h — what the libFuzzer harnesses share: converters made once per
 * process, a generator that chooses chunk and buffer sizes from the input,
 * a streaming driver that checks the API's contract on every call, and a
 * reference UTF-8 decoder written from the Unicode standard (Table 3-7),
 * independent of src/utf8.c.
 *
 * The harnesses link the library's sources directly (tests/fuzz/build.sh),
 * so they may use its internals (zhconv-private.h).  A failed property
 * aborts with a message: libFuzzer reports it as a crash and keeps the
 * input. */
#ifndef ZHCONV_FUZZ_H
#define ZHCONV_FUZZ_H

#include <config.h>

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"

#ifndef FUZZ_DATA_DIR
#  define FUZZ_DATA_DIR NULL
#endif

#define FZ_CHECK(cond, ...)                                                     \
  do {                                                                          \
    if (!(cond)) {                                                              \
      fprintf(stderr, "\n*** property failed at %s:%d: %s\n*** ", __FILE__,    \
              __LINE__, #cond);                                                 \
      fprintf(stderr, __VA_ARGS__);                                             \
      fputc('\n', stderr);                                                      \
      abort();                                                                  \
    }                                                                           \
  } while (0)

/* ---- a small generator (splitmix64) ------------------------------------ */

typedef struct fz_rng {
  uint64_t s;
} fz_rng;

static inline uint64_t
fz_next(fz_rng *r)
{
  uint64_t z = (r->s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

/* A buffer size: mostly tiny, sometimes large. */
static inline size_t
fz_size(fz_rng *r)
{
  uint64_t x = fz_next(r);
  switch (x & 3) {
  case 0: return 1 + (size_t)((x >> 2) % 4);
  case 1: return 1 + (size_t)((x >> 2) % 64);
  case 2: return 1 + (size_t)((x >> 2) % 1024);
  default: return 1 + (size_t)((x >> 2) % 9000);
  }
}

/* ---- converters --------------------------------------------------------- */

/* Make a converter from "key=value" strings (to, from, config, invalid,
 * engine, no_vocab, punct, vocab_text, protect, format, front_matter);
 * NULL-terminated.
 * Returns NULL when an option is refused (format, front matter: features
 * that may not exist yet); aborts when the converter cannot be made. */
static zhconv *
fz_converter(const char *const *settings)
{
  static const struct {
    const char *name;
    zhconv_option key;
  } keys[] = {
    {"to", ZHCONV_OPT_TO}, {"from", ZHCONV_OPT_FROM}, {"config", ZHCONV_OPT_CONFIG},
    {"invalid", ZHCONV_OPT_INVALID}, {"no_vocab", ZHCONV_OPT_NO_VOCAB},
    {"punct", ZHCONV_OPT_PUNCT}, {"vocab_text", ZHCONV_OPT_VOCAB_TEXT},
    {"protect", ZHCONV_OPT_PROTECT}, {"format", ZHCONV_OPT_FORMAT},
    {"engine", ZHCONV_OPT_ENGINE}, {"front_matter", ZHCONV_OPT_FRONT_MATTER},
    {"threads", ZHCONV_OPT_THREADS},
  };
  zhconv_options *o = zhconv_options_new();
  FZ_CHECK(o, "zhconv_options_new");
  const char *dirs = getenv("ZHCONV_DATA_DIR");
  if (!dirs || !*dirs)
    dirs = FUZZ_DATA_DIR;
  if (dirs)
    zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, dirs);
  for (const char *const *s = settings; *s; s++) {
    const char *eq = strchr(*s, '=');
    FZ_CHECK(eq, "bad setting %s", *s);
    int key = -1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
      if (strlen(keys[i].name) == (size_t)(eq - *s) && !strncmp(keys[i].name, *s, eq - *s))
        key = (int)keys[i].key;
    if (key < 0 || zhconv_options_set(o, (zhconv_option)key, eq + 1) != ZHCONV_OK) {
      zhconv_options_free(o);
      return NULL;
    }
  }
  int st = 0;
  zhconv *z = zhconv_new(o, &st);
  FZ_CHECK(z, "zhconv_new: %s (%s)", zhconv_strerror(st), zhconv_options_error(o, NULL));
  zhconv_options_free(o);
  return z;
}

/* ---- streaming with random buffer sizes --------------------------------- */

typedef struct fz_result {
  int status;
  zhconv_mark mark;   /* the error's position, when status < 0 */
  zhconv__buf out;
} fz_result;

static inline void
fz_result_free(fz_result *r)
{
  zhconv__buf_free(&r->out);
}

/* Convert len bytes through a stream, feeding input in chunks and taking
 * output into buffers whose sizes r chooses.  Every chunk and every output
 * buffer is an allocation of exactly its size, so that AddressSanitizer
 * sees a read or write outside it.  Checks the contract of
 * zhconv_stream_convert on each call.  With `flushes`, sometimes asks for
 * ZHCONV_FLUSH between chunks (the output then need not equal one-shot
 * conversion). */
static inline void
fz_stream(zhconv_stream *s, const uint8_t *data, size_t len, fz_rng *r, bool flushes,
          fz_result *res)
{
  memset(res, 0, sizeof *res);
  size_t at = 0;
  zhconv_directive last = ZHCONV_CONTINUE;
  for (;;) {
    size_t n = len - at;
    size_t want = fz_size(r);
    if (n > want)
      n = want;
    zhconv_directive d = at + n == len ? ZHCONV_END : ZHCONV_CONTINUE;
    if (d == ZHCONV_CONTINUE && flushes && (fz_next(r) & 7) == 0)
      d = ZHCONV_FLUSH;
    char *chunk = malloc(n ? n : 1);
    FZ_CHECK(chunk, "malloc");
    memcpy(chunk, data + at, n);
    zhconv_inbuf in = {chunk, n, 0};
    int st;
    unsigned idle = 0;
    do {
      size_t room = fz_size(r);
      char *dst = malloc(room);
      FZ_CHECK(dst, "malloc");
      zhconv_outbuf out = {dst, room, 0};
      size_t in_before = in.pos;
      st = zhconv_stream_convert(s, &out, &in, d);
      FZ_CHECK(out.pos <= out.size && in.pos <= in.size, "positions out of range");
      if (st >= 0) {
        FZ_CHECK(st == ZHCONV_OK || st == ZHCONV_MORE, "status %d", st);
        FZ_CHECK(st == ZHCONV_MORE || in.pos == in.size,
                 "ZHCONV_OK with input left (%zu of %zu)", in.pos, in.size);
        FZ_CHECK(st == ZHCONV_OK || out.pos == out.size,
                 "ZHCONV_MORE with output room left (%zu of %zu)", out.pos, out.size);
        /* Progress: a call with input or with output room does something. */
        idle = (in.pos == in_before && out.pos == 0) ? idle + 1 : 0;
        FZ_CHECK(idle < 2, "no progress on two calls in a row");
        FZ_CHECK(zhconv__buf_append(&res->out, dst, out.pos) == ZHCONV_OK, "append");
      } else {
        FZ_CHECK(zhconv_stream_error(s, &res->mark) != NULL, "an error without a message");
        /* After an error, the stream refuses everything until reset. */
        zhconv_outbuf o2 = {dst, room, 0};
        zhconv_inbuf i2 = {chunk, n, 0};
        FZ_CHECK(zhconv_stream_convert(s, &o2, &i2, ZHCONV_END) == ZHCONV_ERR_STATE,
                 "a failed stream accepted another call");
      }
      free(dst);
    } while (st == ZHCONV_MORE);
    free(chunk);
    last = d;
    at += n;
    if (st < 0 || at == len) {
      res->status = st;
      break;
    }
  }
  (void)last;
  if (res->status == ZHCONV_OK) {
    /* Ended: more input is refused, no input is fine. */
    char c = 'x', o;
    zhconv_inbuf in = {&c, 1, 0};
    zhconv_outbuf out = {&o, 1, 0};
    FZ_CHECK(zhconv_stream_convert(s, &out, &in, ZHCONV_CONTINUE) == ZHCONV_ERR_STATE,
             "an ended stream accepted input");
    in.size = 0;
    FZ_CHECK(zhconv_stream_convert(s, &out, &in, ZHCONV_END) == ZHCONV_OK && out.pos == 0,
             "an ended stream: END again");
  }
}

/* One-shot conversion. */
static inline void
fz_oneshot(const zhconv *z, const uint8_t *data, size_t len, fz_result *res)
{
  memset(res, 0, sizeof *res);
  char *out = NULL;
  size_t outlen = 0;
  res->status = zhconv_convert(z, (const char *)data, len, &out, &outlen, &res->mark);
  if (res->status == ZHCONV_OK) {
    FZ_CHECK(out && out[outlen] == '\0', "one-shot result not terminated");
    res->out.data = out;
    res->out.len = res->out.cap = outlen;
  } else
    FZ_CHECK(out == NULL, "one-shot failure with a result");
}

/* Both results the same: status, error position, bytes. */
static inline void
fz_same(const fz_result *a, const fz_result *b, const char *what)
{
  FZ_CHECK(a->status == b->status, "%s: status %d vs %d", what, a->status, b->status);
  if (a->status < 0) {
    FZ_CHECK(a->mark.offset == b->mark.offset && a->mark.line == b->mark.line &&
               a->mark.column == b->mark.column,
             "%s: error at %zu:%zu:%zu vs %zu:%zu:%zu", what, a->mark.offset, a->mark.line,
             a->mark.column, b->mark.offset, b->mark.line, b->mark.column);
    return;
  }
  size_t i = 0;
  while (i < a->out.len && i < b->out.len && a->out.data[i] == b->out.data[i])
    i++;
  FZ_CHECK(a->out.len == b->out.len && i == a->out.len,
           "%s: outputs differ at byte %zu (lengths %zu and %zu)", what, i, a->out.len,
           b->out.len);
}

/* ---- reference UTF-8 (Unicode 15, section 3.9, Table 3-7) --------------- */

/* The length of the well-formed sequence at s, or 0 when there is none;
 * *maximal receives the length of the maximal subpart (>= 1) otherwise. */
static inline size_t
fz_utf8_char(const uint8_t *s, size_t len, size_t *maximal, uint32_t *cp)
{
  static const struct {
    uint8_t lo, hi;  /* first byte */
    uint8_t n;       /* sequence length */
    uint8_t lo2, hi2;  /* second byte */
  } rows[] = {
    {0x00, 0x7F, 1, 0, 0},       {0xC2, 0xDF, 2, 0x80, 0xBF},
    {0xE0, 0xE0, 3, 0xA0, 0xBF}, {0xE1, 0xEC, 3, 0x80, 0xBF},
    {0xED, 0xED, 3, 0x80, 0x9F}, {0xEE, 0xEF, 3, 0x80, 0xBF},
    {0xF0, 0xF0, 4, 0x90, 0xBF}, {0xF1, 0xF3, 4, 0x80, 0xBF},
    {0xF4, 0xF4, 4, 0x80, 0x8F},
  };
  *maximal = 1;
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    if (s[0] < rows[r].lo || s[0] > rows[r].hi)
      continue;
    size_t n = rows[r].n, i = 1;
    for (; i < n && i < len; i++) {
      uint8_t lo = i == 1 ? rows[r].lo2 : 0x80, hi = i == 1 ? rows[r].hi2 : 0xBF;
      if (s[i] < lo || s[i] > hi)
        break;
    }
    if (i < n) {
      *maximal = i;
      return 0;
    }
    uint32_t c = n == 1 ? s[0] : (uint32_t)(s[0] & (0xFF >> (n + 1)));
    for (i = 1; i < n; i++)
      c = (c << 6) | (s[i] & 0x3F);
    *cp = c;
    return n;
  }
  return 0;
}

/* Is s[0..len) well-formed UTF-8 (NUL allowed)? */
static inline bool
fz_utf8_valid(const uint8_t *s, size_t len)
{
  size_t max;
  uint32_t cp;
  for (size_t i = 0; i < len;) {
    size_t n = fz_utf8_char(s + i, len - i, &max, &cp);
    if (!n)
      return false;
    i += n;
  }
  return true;
}

#endif
