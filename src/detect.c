/* detect.c — is a text Simplified or Traditional?
 *
 * Evidence is counted per character: a character that OpenCC's
 * TSCharacters dictionary would change is Traditional evidence, one that
 * STCharacters would change is Simplified evidence; characters shared by
 * both scripts (most of them) count for neither. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"

/* Han characters live below U+30000 (BMP, planes 1 and 2). */
#define LIMIT 0x30000

struct zhconv__detector {
  /* A bit per character that STCharacters ([0]) or TSCharacters ([1])
   * changes; a character with both bits set counts for neither. */
  uint64_t changes[2][LIMIT / 64];
};

static inline bool
S_has(const uint64_t *bits, uint32_t cp)
{
  return (bits[cp >> 6] >> (cp & 63)) & 1;
}

/* Set the bits of the one-character keys of "key<TAB>value ..." lines
 * whose first value differs. */
static int
S_load(uint64_t *bits, const char *data_dirs, const char *name, char *err)
{
  char *path = zhconv__datadir_find(data_dirs, name);
  zhconv__buf text = {0};
  int st = path ? zhconv__read_file(path, &text) : ZHCONV_ERR_IO;
  if (st == ZHCONV_OK) /* (a character cut off at the end decodes into these) */
    st = zhconv__buf_append(&text, "\0\0\0\0", 4);
  if (st != ZHCONV_OK) {
    if (st != ZHCONV_ERR_NOMEM)
      zhconv__errorf(err, _("cannot read %s from the data directory"), name);
    free(path);
    zhconv__buf_free(&text);
    return st;
  }
  /* (One pass, by hand: the library's string functions, a few calls a
   * line, made this a tenth of a start.) */
  const char *p = text.data, *end = text.data + text.len - 4;
  while (p < end) {
    uint32_t cp;
    size_t kl = *p == '\n' ? 0 : zhconv__utf8_decode(p, &cp);
    if (kl > 0 && p[kl] == '\t' && cp < LIMIT) {
      const char *v = p + kl + 1, *ve = v;
      while (*ve && *ve != ' ' && *ve != '\n')
        ve++;
      if ((size_t)(ve - v) != kl || memcmp(v, p, kl) != 0)
        bits[cp >> 6] |= (uint64_t)1 << (cp & 63);
      p = ve;
    }
    const char *nl = memchr(p, '\n', (size_t)(end - p));
    p = nl ? nl + 1 : end;
  }
  free(path);
  zhconv__buf_free(&text);
  return ZHCONV_OK;
}

int
zhconv__detector_new(const char *data_dirs, zhconv__detector **detector, char *err)
{
  zhconv__detector *d = zhconv__alloc_zeroed(1, sizeof *d);
  if (!d)
    return ZHCONV_ERR_NOMEM;
  int st = S_load(d->changes[0], data_dirs, "opencc/STCharacters.txt", err);
  if (st == ZHCONV_OK)
    st = S_load(d->changes[1], data_dirs, "opencc/TSCharacters.txt", err);
  if (st != ZHCONV_OK) {
    free(d);
    return st;
  }
  *detector = d;
  return ZHCONV_OK;
}

void
zhconv__detector_free(zhconv__detector *detector)
{
  free(detector);
}

zhconv_variant
zhconv__detect(const zhconv__detector *d, const char *text, size_t len, zhconv_variant fallback)
{
  size_t counts[2];
  zhconv_variant v = zhconv__detect_counts(d, text, len, counts);
  return v == ZHCONV_AUTO ? fallback : v;
}

zhconv_variant
zhconv__detect_counts(const zhconv__detector *d, const char *text, size_t len, size_t counts[2])
{
  size_t simplified = 0, traditional = 0;
  for (size_t i = 0; i < len;) {
    if ((unsigned char)text[i] < 0x80) {
      i++;
      continue;
    }
    uint32_t cp;
    i += zhconv__utf8_decode(text + i, &cp);
    if (cp < LIMIT) {
      bool s = S_has(d->changes[0], cp), t = S_has(d->changes[1], cp);
      simplified += s && !t;
      traditional += t && !s;
    }
  }
  counts[0] = simplified;
  counts[1] = traditional;
  if (simplified == traditional)
    return ZHCONV_AUTO;
  return traditional > simplified ? ZHCONV_HANT : ZHCONV_HANS;
}
