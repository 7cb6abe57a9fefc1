/* utf8.c — UTF-8 validation.  The loop takes the common cases itself, all
 * of them sequences whose validity Unicode's Table 3-7 settles by ranges
 * alone: ASCII eight bytes at a time, two-byte sequences, and three-byte
 * sequences with a lead other than E0 and ED (all of CJK).  Everything
 * else (E0, ED, four-byte sequences, anything invalid) goes to utf8proc,
 * which decides.  The unit tests check the fast paths against utf8proc. */
#include <config.h>

#include <string.h>
#include <utf8proc.h>

#include "zhconv-private.h"

/* Does s[0..len) hold the start of a sequence that more bytes could
 * complete?  (Used at the end of a chunk.) */
static bool
S_could_complete(const unsigned char *s, size_t len)
{
  size_t need = zhconv__utf8_invalid_length((const char *)s, len);
  return need == len && len < 4 && s[0] >= 0xC2 && s[0] <= 0xF4 &&
         len < (size_t)(s[0] >= 0xF0 ? 4 : s[0] >= 0xE0 ? 3 : 2);
}

size_t
zhconv__utf8_scan(const char *text, size_t len, zhconv__utf8_stop *stop)
{
  const unsigned char *s = (const unsigned char *)text;
  size_t i = 0;
  while (i < len) {
    /* Eight ASCII bytes at a time, then one at a time. */
    while (i + 8 <= len) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      /* Any high bit set, or any zero byte: leave the fast path. */
      if ((w & 0x8080808080808080ULL) ||
          ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL))
        break;
      i += 8;
    }
    /* Runs of three-byte sequences (CJK text), by the same rule as below:
     * two at a time, in one load, where the machine is little-endian... */
#if defined(__BYTE_ORDER__) && __BYTE_ORDER__ == __ORDER_LITTLE_ENDIAN__
    while (i + 8 <= len) {
      uint64_t w;
      memcpy(&w, s + i, 8);
      /* leads 1110xxxx at bytes 0 and 3, each followed by two 10xxxxxx, */
      if ((w & 0xC0C0F0C0C0F0ULL) != 0x8080E08080E0ULL)
        break;
      /* and neither lead E0 nor ED */
      unsigned a = (unsigned)w & 0x0F, b = (unsigned)(w >> 24) & 0x0F;
      if (a == 0 || a == 0x0D || b == 0 || b == 0x0D)
        break;
      i += 6;
    }
#endif
    /* ...then one at a time. */
    while (i + 3 <= len) {
      unsigned char c = s[i];
      if (c < 0xE1 || c == 0xED || c > 0xEF || ((s[i + 1] & 0xC0) != 0x80) ||
          ((s[i + 2] & 0xC0) != 0x80))
        break;
      i += 3;
    }
    if (i >= len)
      break;
    unsigned char c = s[i];
    if (c == 0) {
      *stop = ZHCONV__UTF8_NUL;
      return i;
    }
    if (c < 0x80) {
      /* A few ASCII bytes here, up to eight (longer runs go eight at a
       * time above): text that mixes scripts changes every few bytes. */
      size_t stop_at = i + 8 < len ? i + 8 : len;
      do
        i++;
      while (i < stop_at && s[i] < 0x80 && s[i] != 0);
      continue;
    }
    if (c >= 0xC2 && c <= 0xDF && i + 1 < len && (s[i + 1] & 0xC0) == 0x80) {
      i += 2;
      continue;
    }
    if (c >= 0xE1 && c <= 0xEF && c != 0xED && i + 2 < len && (s[i + 1] & 0xC0) == 0x80 &&
        (s[i + 2] & 0xC0) == 0x80) {
      i += 3;
      continue;
    }
    utf8proc_int32_t cp;
    utf8proc_ssize_t n = utf8proc_iterate(s + i, (utf8proc_ssize_t)(len - i), &cp);
    if (n < 0) {
      *stop = S_could_complete(s + i, len - i) ? ZHCONV__UTF8_INCOMPLETE
                                               : ZHCONV__UTF8_INVALID;
      return i;
    }
    i += (size_t)n;
  }
  *stop = ZHCONV__UTF8_END;
  return len;
}

size_t
zhconv__utf8_invalid_length(const char *text, size_t len)
{
  /* Unicode's "maximal subpart": the longest prefix of a well-formed
   * sequence, or one byte.  The second byte's range depends on the lead
   * (Unicode Table 3-7). */
  const unsigned char *s = (const unsigned char *)text;
  unsigned char c = s[0];
  size_t need;
  unsigned char lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF)
    need = 2;
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 3;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 4;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else
    return 1;
  size_t i = 1;
  while (i < need && i < len) {
    unsigned char b = s[i];
    if (b < lo || b > hi)
      break;
    lo = 0x80;
    hi = 0xBF;
    i++;
  }
  return i;
}

size_t
zhconv__utf8_last_start(const char *text, size_t len)
{
  const unsigned char *s = (const unsigned char *)text;
  size_t i = len;
  while (i > 0) {
    i--;
    if ((s[i] & 0xC0) != 0x80)
      return i;
  }
  return 0;
}

size_t
zhconv__utf8_encode(uint32_t cp, char *out)
{
  if (cp < 0x80) {
    out[0] = (char)cp;
    return 1;
  }
  if (cp < 0x800) {
    out[0] = (char)(0xC0 | cp >> 6);
    out[1] = (char)(0x80 | (cp & 0x3F));
    return 2;
  }
  if (cp < 0x10000) {
    out[0] = (char)(0xE0 | cp >> 12);
    out[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    out[2] = (char)(0x80 | (cp & 0x3F));
    return 3;
  }
  out[0] = (char)(0xF0 | cp >> 18);
  out[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
  out[2] = (char)(0x80 | ((cp >> 6) & 0x3F));
  out[3] = (char)(0x80 | (cp & 0x3F));
  return 4;
}
