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
  uint8_t script[LIMIT]; /* 0: no evidence, 1: Simplified, 2: Traditional */
};

/* Mark the keys of "key<TAB>value ..." lines whose first value differs. */
static int
S_load(zhconv__detector *d, const char *data_dirs, const char *name, uint8_t mark, char *err)
{
  char *path = zhconv__datadir_find(data_dirs, name);
  zhconv__buf text = {0};
  int st = path ? zhconv__read_file(path, &text) : ZHCONV_ERR_IO;
  if (st == ZHCONV_OK)
    st = zhconv__buf_append(&text, "", 1);
  if (st != ZHCONV_OK) {
    if (st != ZHCONV_ERR_NOMEM)
      zhconv__errorf(err, _("cannot read %s from the data directory"), name);
    free(path);
    zhconv__buf_free(&text);
    return st;
  }
  for (char *line = text.data; *line;) {
    char *end = strchr(line, '\n');
    if (!end)
      end = line + strlen(line);
    char *tab = memchr(line, '\t', (size_t)(end - line));
    if (tab && tab > line) {
      char *value = tab + 1;
      size_t vlen = strcspn(value, " \n");
      size_t klen = (size_t)(tab - line);
      uint32_t cp;
      if (zhconv__utf8_decode(line, &cp) == klen && cp < LIMIT &&
          (vlen != klen || memcmp(value, line, klen) != 0))
        d->script[cp] = d->script[cp] && d->script[cp] != mark ? 0 : mark;
    }
    line = *end ? end + 1 : end;
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
  int st = S_load(d, data_dirs, "opencc/STCharacters.txt", 1, err);
  if (st == ZHCONV_OK)
    st = S_load(d, data_dirs, "opencc/TSCharacters.txt", 2, err);
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
      simplified += d->script[cp] == 1;
      traditional += d->script[cp] == 2;
    }
  }
  counts[0] = simplified;
  counts[1] = traditional;
  if (simplified == traditional)
    return ZHCONV_AUTO;
  return traditional > simplified ? ZHCONV_HANT : ZHCONV_HANS;
}
