/* keyset.c — the characters that occur in dictionary keys, and so the
 * places where a stream may cut its input without changing the result.
 *
 * OpenCC's binary dictionaries (.ocd2) are read through the plain-text
 * copies that the build exports with opencc_dict into data/opencc/, listed
 * in data/opencc/manifest with a hash of each binary file; a binary
 * dictionary zhconv does not recognise makes the stream cut only at line
 * ends, which no key ever spans. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"

#define CODEPOINTS 0x110000

int
zhconv__keyset_init(zhconv__keyset *ks)
{
  ks->bits = calloc(CODEPOINTS / 64, sizeof(uint64_t));
  ks->lines_only = false;
  return ks->bits ? ZHCONV_OK : ZHCONV_ERR_NOMEM;
}

void
zhconv__keyset_free(zhconv__keyset *ks)
{
  free(ks->bits);
  ks->bits = NULL;
}

void
zhconv__keyset_add_char(zhconv__keyset *ks, uint32_t cp)
{
  if (cp < CODEPOINTS)
    ks->bits[cp >> 6] |= (uint64_t)1 << (cp & 63);
}

bool
zhconv__keyset_has(const zhconv__keyset *ks, uint32_t cp)
{
  return (ks->bits[cp >> 6] >> (cp & 63)) & 1;
}

/* Add the characters of the keys of a text dictionary: "key<TAB>values"
 * lines, as OpenCC's text dictionaries and opencc_dict's exports are. */
static int
S_add_text_keys(zhconv__keyset *ks, const char *path, char *err)
{
  zhconv__buf text = {0};
  int st = zhconv__read_file(path, &text);
  if (st != ZHCONV_OK) {
    zhconv__errorf(err, _("cannot read dictionary %s"), path);
    zhconv__buf_free(&text);
    return st == ZHCONV_ERR_NOMEM ? st : ZHCONV_ERR_CONFIG;
  }
  zhconv__utf8_stop stop;
  if (zhconv__utf8_scan(text.data, text.len, &stop) != text.len) {
    zhconv__errorf(err, _("dictionary %s is not valid UTF-8"), path);
    zhconv__buf_free(&text);
    return ZHCONV_ERR_CONFIG;
  }
  bool in_key = true;
  for (size_t i = 0; i < text.len;) {
    char c = text.data[i];
    if (c == '\n') {
      in_key = true;
      i++;
    } else if (c == '\t') {
      in_key = false;
      i++;
    } else if (!in_key || c == '\r') {
      i++;
    } else {
      uint32_t cp;
      i += zhconv__utf8_decode(text.data + i, &cp);
      zhconv__keyset_add_char(ks, cp);
    }
  }
  zhconv__buf_free(&text);
  return ZHCONV_OK;
}

int
zhconv__keyset_add_config(zhconv__keyset *ks, const char *config_path, const char *data_dirs,
                          char *err)
{
  zhconv__dictref *dicts;
  size_t count;
  int st = zhconv__config_dicts(config_path, &dicts, &count, err);
  if (st != ZHCONV_OK)
    return st;
  for (size_t i = 0; st == ZHCONV_OK && i < count; i++) {
    if (strcmp(dicts[i].type, "text") == 0) {
      st = S_add_text_keys(ks, dicts[i].path, err);
    } else {
      char *copy = strcmp(dicts[i].type, "ocd2") == 0
                     ? zhconv__exported_copy(dicts[i].path, data_dirs) : NULL;
      if (copy)
        st = S_add_text_keys(ks, copy, err);
      else
        ks->lines_only = true;
      free(copy);
    }
  }
  zhconv__config_dicts_free(dicts, count);
  return st;
}

size_t
zhconv__keyset_safe_prefix(const zhconv__keyset *ks, const char *s, size_t from, size_t len)
{
  size_t end = len;
  while (end > from) {
    size_t start = zhconv__utf8_last_start(s + from, end - from) + from;
    unsigned char c = (unsigned char)s[start];
    if (c == '\n')
      return end;
    if (!ks->lines_only) {
      uint32_t cp;
      zhconv__utf8_decode(s + start, &cp);
      if (!zhconv__keyset_has(ks, cp))
        return end;
    }
    end = start;
  }
  return 0;
}
