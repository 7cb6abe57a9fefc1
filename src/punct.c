/* punct.c — quotation marks between the conventions: mainland China writes
 * “…” outside and ‘…’ inside; Taiwan and Hong Kong write 「…」 and 『…』.
 * Marks are rewritten by nesting depth, so that “a ‘b’ c” becomes
 * 「a 『b』 c」 and back; a ’ that closes nothing is an apostrophe and
 * stays. */
#include <config.h>

#include <string.h>

#include "zhconv-private.h"

/* All eight marks are three bytes in UTF-8. */
enum { DOUBLE = 1, SINGLE = 2 };
static const char S_marks[8][4] = {
  "\xE2\x80\x9C", "\xE2\x80\x9D", /* “ ” */
  "\xE2\x80\x98", "\xE2\x80\x99", /* ‘ ’ */
  "\xE3\x80\x8C", "\xE3\x80\x8D", /* 「 」 */
  "\xE3\x80\x8E", "\xE3\x80\x8F", /* 『 』 */
};

/* Which mark text[0..3) is: its index in S_marks, or -1. */
static int
S_mark(const unsigned char *p)
{
  if (p[0] == 0xE2 && p[1] == 0x80 && p[2] >= 0x98 && p[2] <= 0x9D && p[2] != 0x9A && p[2] != 0x9B)
    return p[2] >= 0x9C ? p[2] - 0x9C : 2 + (p[2] - 0x98);
  if (p[0] == 0xE3 && p[1] == 0x80 && p[2] >= 0x8C && p[2] <= 0x8F)
    return 4 + (p[2] - 0x8C);
  return -1;
}

void
zhconv__punct_apply(zhconv__punct *st, char *text, size_t len, zhconv_variant target)
{
  bool simplified = target == ZHCONV_HANS || target == ZHCONV_CN;
  unsigned char *s = (unsigned char *)text;
  for (size_t i = 0; i + 3 <= len; i++) {
    if (s[i] != 0xE2 && s[i] != 0xE3)
      continue;
    int mark = S_mark(s + i);
    if (mark < 0)
      continue;
    bool opening = mark % 2 == 0;
    int kind = (mark / 2) % 2 == 0 ? DOUBLE : SINGLE;
    size_t depth;
    if (opening) {
      if (st->depth < sizeof st->open)
        st->open[st->depth] = (unsigned char)kind;
      depth = ++st->depth;
    } else {
      size_t top = st->depth;
      if (top == 0 || (top <= sizeof st->open && st->open[top - 1] != kind)) {
        i += 2;  /* closes nothing open: an apostrophe, or stray; kept */
        continue;
      }
      depth = st->depth--;
    }
    /* Depth 1, 3, ...: the outer marks; 2, 4, ...: the inner ones. */
    int inner = depth % 2 == 0;
    int out = (simplified ? 0 : 4) + inner * 2 + !opening;
    memcpy(s + i, S_marks[out], 3);
    i += 2;
  }
}
