/* native.c — OpenCC 1.1.6's conversion, done natively and fast.
 *
 * What OpenCC does with a configuration (and what this file reproduces,
 * byte for byte):
 *   - Segmentation ("mmseg"): scan the text; at each position take the
 *     longest key of the segmentation dictionary that starts there.  A
 *     match is a segment of its own; characters where nothing matches are
 *     gathered into one segment, up to the next match.
 *   - Each conversion of the chain converts every segment on its own (the
 *     result of one conversion for a segment is that segment's input to the
 *     next): scan the segment; at each position take the longest key that
 *     starts there and ends within the segment, and write its first value;
 *     where no key matches, copy the character.
 *   - A group of dictionaries matches with its first member that has any
 *     match at the position (that member's longest), not with the longest
 *     match of all members.  (Nested groups therefore flatten.)
 *   - Text dictionaries are read as OpenCC reads them (see S_load_dict).
 *
 * The dictionaries are read as text: a text dictionary directly, a binary
 * one (.ocd2) through the copy that the build exported (see keyset.c and
 * zhconv__exported_copy).  The file stays mapped; a dictionary is an array
 * of 8-byte records (its second character, its length, where it is in the
 * file), grouped by first character and, within a group, ordered by
 * second character and then longest first.  A match looks up the group of
 * the first character, the run of its second, and compares the rest of
 * each key in turn: the first that fits is the longest.  A filter of the
 * keys' first two characters (8 bits a key) answers most "does any key go
 * on with this character?" questions without touching the records.  (A
 * trie is no faster here and takes four times the memory, whose first
 * touch is what opening costs most.)
 *
 * Each part of the chain (the segmentation, each conversion) is compiled
 * into one table from a character to what happens where it starts (a
 * 32-bit entry; the table keeps, per block of 256 characters, the rank of
 * each character that has one, and the entries, in order):
 *   0        nothing: no key of any member starts with it;
 *   INLINE   a one-character key that starts no longer key, whose value
 *            has at most 3 bytes (and no earlier member knows the
 *            character): the value itself;
 *   WALK1    one member's group (with whether it has the one-character key
 *            and whether it has longer keys);
 *   LIST     several members' groups, in the group's order, up to the
 *            first member that surely matches.
 * So most characters cost one decode and two small loads per conversion.
 *
 * Two facts about the segmentation save work.  A position inside a run of
 * unmatched characters matched no key of the segmentation's dictionaries
 * in the whole text, so none within the segment either: the first
 * conversion drops those dictionaries from its group for such runs.  And
 * when the first conversion's group starts with the segmentation's (only)
 * dictionary, a matched segment K converts, in that conversion, to that
 * dictionary's value of K.
 *
 * The tables of every installed configuration are compiled by the build
 * too, and a start maps them (see "engine images").
 *
 * The engine is immutable after zhconv__native_open; a conversion uses
 * only its own stack and the caller's buffer. */
#include <config.h>

#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include "zhconv-private.h"

typedef unsigned char uchar;

#define PAGES 0x1100 /* code points >> 8 */

/* OpenCC reads text dictionaries with fgets into 4096 bytes. */
#define LINE_MAX_BYTES 4095

/* Table entries (the low two bits; 0 is "nothing"). */
#define ENT_INLINE 1u /* bits 2..3: length; bits 8..31: the bytes */
#define ENT_LIST 2u   /* bits 2..31: index of the list in tries */
#define ENT_WALK1 3u  /* bit 2: the one-character key; bit 3: longer keys;
                       * bits 4..6: the member; bits 7..31: the group */
#define ENT_SINGLE 4u
#define ENT_LONGER 8u
#define WALK1_MEMBERS 8
#define MAX_GROUPS ((uint32_t)1 << 25)

/* A key: its second character (0 for a one-character key), 2047 - its
 * length in bytes, and where it is in the text (its value follows the tab
 * after it), from the high bits down, so that records sort as integers. */
typedef uint64_t nrec;
#define REC(cp2, len, off) ((uint64_t)(cp2) << 43 | (uint64_t)(2047 - (len)) << 32 | (off))
#define REC_CP2(r) ((uint32_t)((r) >> 43))
#define REC_LEN(r) ((size_t)(2047 - (((r) >> 32) & 2047)))
#define REC_OFF(r) ((uint32_t)(r))
#define KEY_MAX_BYTES 2047

typedef struct ndict {
  char *ref;                 /* the configuration's file (shared when equal) */
  bool text_type;            /* ref is a text dictionary (else an .ocd2) */
  const char *text;          /* the text file, mapped or read */
  size_t text_len;
  bool mapped, owned;
  nrec *recs;                /* by first character, second, longest first */
  uint32_t *starts;          /* group g: recs[starts[g] .. starts[g + 1]) */
  uint32_t *firsts;          /* group g's first character (ascending) */
  uint32_t ngroups;
  uint64_t *pairs;           /* the filter of first-two-character pairs */
  int pair_shift;
  const uint32_t *keychars;  /* from the index: its keys' characters */
  size_t nkeychars;
  void *index;               /* the arrays above are in this mapped index */
  size_t index_len;
  uint64_t index_hash;       /* the index's hash of its body (0: no index) */
  bool regional_phrases;     /* OpenCC's Taiwan phrases (TWPhrases*): see S_cuts */
} ndict;

#define TRY_SINGLE ((uint32_t)1 << 30)
#define TRY_LONGER ((uint32_t)1 << 31)

typedef struct ntry {
  uint32_t dict;             /* | TRY_SINGLE | TRY_LONGER; in a list's head: the count */
  uint32_t group;
} ntry;

/* A map from characters to 32-bit values (0: none).  Below U+10000: the
 * values of each block of 256 characters that has any, in full, so that a
 * lookup is two loads (it is looked up for nearly every character of the
 * text at each stage; a compact map, each character's rank in its block
 * then the values in order, three dependent loads, made a conversion 4%
 * slower), after a bitmap of the characters that have one, which answers
 * for most from 8 KiB that stay in the cache.  Above, where characters are
 * rare in text and their blocks many (half of a table's blocks, whose
 * pages a start would fault in), the characters in order, searched. */
#define BMP_PAGES 0x100

typedef struct nmap {
  uint16_t idx[BMP_PAGES];   /* block of cp >> 8; 0: none (all zeros) */
  uint32_t *values;          /* 256 per block */
  uint64_t *present;         /* a bit for each character below U+10000 */
  uint32_t *high;            /* the characters above, ascending */
  uint32_t *high_values;
  size_t nhigh;
  size_t nblocks;            /* of values, the first all zeros */
} nmap;

typedef struct ntable {
  nmap map;                  /* character -> entry */
  uint32_t members[WALK1_MEMBERS]; /* WALK1's member -> dictionary */
  bool ascii_free;           /* no key starts with an ASCII character */
  bool empty;                /* no key at all */
} ntable;

struct zhconv__native {
  ndict *dicts;
  size_t ndicts;
  ntry *tries;
  size_t ntries, tries_cap;
  size_t nstages;      /* conversions */
  /* [0] the segmentation, [1..nstages] the conversions, [nstages + 1] the
   * first conversion on runs of unmatched characters */
  ntable *tables;
  void *image;         /* the tables, tries and masks are in this mapped */
  size_t image_len;    /* engine image (see S_open_image), or NULL */
  uint64_t chain_hash; /* what the image is made from (S_chain_hash) */
  bool key_direct;     /* see the top of the file */
  /* Which of the conversions after the first (bit i - 1: conversion i,
   * 0-based, up to 8 of them) have a key that starts with a character. */
  nmap masks;
  bool use_masks;
  /* Built-in targets (zhconv__native_check_words): a regional phrase is
   * not taken where it cuts words of the Traditional word list, which is
   * shared, or opened on first need under words_lock. */
  bool check_words;
  const zhconv__words *source_words; /* of the input's script */
  const zhconv__words *words;
  zhconv__words *own_words;
  int words_status;
  char words_error[ZHCONV__ERRLEN];  /* why it failed to open */
  char *words_dirs;
  atomic_bool words_ready;
  pthread_mutex_t words_lock;
};

/* ---- matching ----------------------------------------------------------- */

/* Decode the valid character at p. */
static inline uint32_t
S_decode(const uchar *p, size_t *l)
{
  unsigned b0 = p[0];
  if (b0 < 0x80) {
    *l = 1;
    return b0;
  }
  if (b0 < 0xE0) {
    *l = 2;
    return (uint32_t)(b0 & 0x1F) << 6 | (p[1] & 0x3F);
  }
  if (b0 < 0xF0) {
    *l = 3;
    return (uint32_t)(b0 & 0x0F) << 12 | (uint32_t)(p[1] & 0x3F) << 6 | (p[2] & 0x3F);
  }
  *l = 4;
  return (uint32_t)(b0 & 0x07) << 18 | (uint32_t)(p[1] & 0x3F) << 12 |
         (uint32_t)(p[2] & 0x3F) << 6 | (p[3] & 0x3F);
}

/* Where in m->high cp is, or would be. */
static size_t
S_map_high(const nmap *m, uint32_t cp)
{
  size_t lo = 0, hi = m->nhigh;
  while (lo < hi) {
    size_t mid = (lo + hi) / 2;
    if (m->high[mid] < cp)
      lo = mid + 1;
    else
      hi = mid;
  }
  return lo;
}

static inline uint32_t
S_map_get(const nmap *m, uint32_t cp)
{
  if (cp >= 0x10000) {
    size_t k = S_map_high(m, cp);
    return k < m->nhigh && m->high[k] == cp ? m->high_values[k] : 0;
  }
  if (!((m->present[cp >> 6] >> (cp & 63)) & 1))
    return 0;
  return m->values[(size_t)m->idx[cp >> 8] << 8 | (cp & 0xFF)];
}

static inline uint32_t
S_entry(const ntable *t, uint32_t cp)
{
  return S_map_get(&t->map, cp);
}

static inline size_t
S_pair_bit(const ndict *d, uint32_t a, uint32_t b)
{
  return (size_t)((((uint64_t)a << 21 | b) * 0x9E3779B97F4A7C15ULL) >> d->pair_shift);
}

/* Might a key start with the characters a, b? */
static inline bool
S_pair(const ndict *d, uint32_t a, uint32_t b)
{
  size_t bit = S_pair_bit(d, a, b);
  return (d->pairs[bit >> 6] >> (bit & 63)) & 1;
}

/* The (first) value of a key: from its tab to a space, CR or LF.  (A
 * record of an index is trusted no further than the text: see
 * S_index_fits.) */
static inline const uchar *
S_value(const ndict *d, nrec r, size_t *len)
{
  size_t at = (size_t)REC_OFF(r) + REC_LEN(r) + 1;
  const uchar *end = (const uchar *)d->text + d->text_len;
  const uchar *v = at < d->text_len ? (const uchar *)d->text + at : end, *e = v;
  while (e < end && *e != ' ' && *e != '\r' && *e != '\n')
    e++;
  *len = (size_t)(e - v);
  return v;
}

/* The longest key of group g of d at p, whose first character cp0 (of
 * length l0) the group's keys share, ending by `end`: its length, or 0;
 * *hit its record.  `single`: the group has the one-character key;
 * `longer`: it has longer keys. */
static size_t
S_group_match(const ndict *d, uint32_t g, bool single, bool longer, uint32_t cp0,
              const uchar *p, const uchar *end, size_t l0, const nrec **hit)
{
  if (longer && p + l0 < end) {
    size_t l2;
    uint32_t cp2 = S_decode(p + l0, &l2);
    if (S_pair(d, cp0, cp2)) {
      const nrec *lo = d->recs + d->starts[g] + single, *stop = d->recs + d->starts[g + 1];
      size_t n = (size_t)(stop - lo);
      while (n > 8) { /* the first record whose second character is >= cp2 */
        size_t half = n / 2;
        if (REC_CP2(lo[half]) < cp2) {
          lo += half + 1;
          n -= half + 1;
        } else {
          n = half;
        }
      }
      while (lo < stop && REC_CP2(*lo) < cp2)
        lo++;
      size_t room = (size_t)(end - p), known = l0 + l2;
      for (; lo < stop && REC_CP2(*lo) == cp2; lo++) {
        size_t kl = REC_LEN(*lo);
        if (kl <= room && (uint64_t)REC_OFF(*lo) + kl <= d->text_len &&
            (kl == known ||
             memcmp(p + known, d->text + REC_OFF(*lo) + known, kl - known) == 0)) {
          *hit = lo;
          return kl;
        }
      }
    }
  }
  if (single) {
    *hit = d->recs + d->starts[g];
    return l0;
  }
  return 0;
}

/* The match at p for the (nonzero) entry of its first character cp, of
 * length l: the key's length or 0; its value in *v, *vl (an inline value
 * is copied to *inl). */
static inline size_t
S_match(const zhconv__native *e, const ntable *t, uint32_t ent, uint32_t cp, const uchar *p,
        const uchar *end, size_t l, const uchar **v, size_t *vl, uint32_t *inl,
        const ndict **dict)
{
  const ndict *d = NULL;
  *dict = NULL;
  const nrec *hit = NULL;
  size_t kl = 0;
  switch (ent & 3) {
  case ENT_INLINE:
    *inl = ent >> 8;
    *v = (const uchar *)inl;
    *vl = (ent >> 2) & 3;
    return l;
  case ENT_WALK1:
    d = &e->dicts[t->members[(ent >> 4) & 7]];
    kl = S_group_match(d, ent >> 7, ent & ENT_SINGLE, ent & ENT_LONGER, cp, p, end, l, &hit);
    break;
  default: {
    const ntry *list = e->tries + (ent >> 2);
    size_t n = list[0].dict;
    for (size_t i = 1; i <= n && !kl; i++) {
      uint32_t di = list[i].dict;
      d = &e->dicts[di & ~(TRY_SINGLE | TRY_LONGER)];
      kl = S_group_match(d, list[i].group, di & TRY_SINGLE, di & TRY_LONGER, cp, p, end, l,
                         &hit);
    }
  }
  }
  if (!kl)
    return 0;
  *v = S_value(d, *hit, vl);
  *dict = d;
  return kl;
}

/* ---- where words are cut ------------------------------------------------ */

/* How far before a term the words are followed, in characters. */
#define WORD_LOOKBACK 4

/* The end of the first word that starts inside text[from, to) and runs
 * past its end, or 0; its start in *start. */
static size_t
S_overrun_word(const zhconv__words *words, const char *text, size_t n, size_t from, size_t to,
               size_t *start)
{
  uint32_t cp;
  for (size_t k = from + zhconv__utf8_decode(text + from, &cp); k < to;
       k += zhconv__utf8_decode(text + k, &cp)) {
    size_t end = k + zhconv__words_longest(words, text + k, n - k);
    if (end > to) {
      *start = k;
      return end;
    }
  }
  return 0;
}

/* Does a word that starts inside text[from, to) run past its end? */
static bool
S_overrun(const zhconv__words *words, const char *text, size_t n, size_t from, size_t to)
{
  size_t start;
  return S_overrun_word(words, text, n, from, to, &start) != 0;
}

/* Would the term text[at, at + len) cut words apart?  The text from a few
 * characters before it (not before text[from], where the search began) is
 * cut into words the way OpenCC segments, longest first.  Yes when a word
 * runs into the term and ends inside it, and a word from there covers the
 * rest of the term: 头发|布满 has no 发布, 相当|机密 no 当机, 进行|销售 no
 * 行销.  A term inside a longer word, or after a word that leaves a lone
 * character of it (不支|持), is still taken.
 * With `settled`, the word that covers the rest must not be cut by the next
 * one either: 找到了解决 is 找到|了|解决 as often as 找到|了解|决, so it
 * may hold 到了. */
static bool
S_cut(const zhconv__words *words, const char *text, size_t n, size_t from, size_t at, size_t len,
      bool settled)
{
  size_t j = at;
  for (int k = 0; k < WORD_LOOKBACK && j > from; k++)
    j = from + zhconv__utf8_last_start(text + from, j - from);
  while (j < at) {
    size_t w = zhconv__words_longest(words, text + j, n - j);
    if (j + w > at) {
      size_t end = j + w;
      if (end >= at + len)
        return false;
      size_t next = end + zhconv__words_longest(words, text + end, n - end);
      return next >= at + len && !(settled && S_overrun(words, text, n, end, next));
    }
    if (w == 0) {
      uint32_t cp;
      w = zhconv__utf8_decode(text + j, &cp);
    }
    j += w;
  }
  return false;
}

/* ---- what a segment may be ---------------------------------------------- */

/* The list of Traditional words, for a built-in target's regional
 * phrases: shared with the side, or opened once, when first needed (NULL
 * when the data has none: the check is off); the status of opening it. */
static int
S_words(const zhconv__native *e, const zhconv__words **words)
{
  zhconv__native *me = (zhconv__native *)e; /* filled in once, under the lock */
  if (!atomic_load_explicit(&me->words_ready, memory_order_acquire)) {
    pthread_mutex_lock(&me->words_lock);
    if (!atomic_load_explicit(&me->words_ready, memory_order_relaxed)) {
      me->words_status =
          zhconv__words_open(me->words_dirs, ZHCONV_HANT, &me->own_words, me->words_error);
      if (me->words_status == ZHCONV_ERR_NOMEM && !me->words_error[0])
        zhconv__errorf(me->words_error, "%s", zhconv_strerror(me->words_status));
      me->words = me->own_words;
      atomic_store_explicit(&me->words_ready, true, memory_order_release);
    }
    pthread_mutex_unlock(&me->words_lock);
  }
  *words = me->words;
  return me->words_status;
}

/* Does the match p[0, kl) of dictionary d, in text that starts at `from`
 * and ends at `end`, cut words apart where the target is a built-in one
 * (1, else 0, or an error)?
 * OpenCC's Taiwan phrases do that as the vocabulary's terms would (打算法庭
 * holds 算法, 球队列入 队列, 柔軟體質 軟體), and zhconv__words_cut decides
 * alike; a key of one character cuts nothing. */
static int
S_cuts(const zhconv__native *e, const ndict *d, const uchar *from, const uchar *end,
       const uchar *p, size_t kl, size_t l)
{
  if (!e->check_words || !d || !d->regional_phrases || kl <= l)
    return 0;
  const zhconv__words *w;
  int st = S_words(e, &w);
  if (st != ZHCONV_OK)
    return st;
  return w && zhconv__words_cut(w, (const char *)from, (size_t)(end - from), 0,
                                (size_t)(p - from), kl);
}

/* Does the phrase k[0, kl) -> v[0, vl) keep one of its characters that
 * the first conversion would change alone (里亚 -> 里亞 keeps the 里 that
 * alone is 裏)? */
static bool
S_keeps_a_character(const zhconv__native *e, const uchar *k, size_t kl, const uchar *v, size_t vl)
{
  const ntable *t = &e->tables[1];
  const uchar *kend = k + kl, *vend = v + vl;
  if (e->nstages == 0 || t->empty)
    return false;
  while (k < kend && v < vend) {
    size_t a, b;
    uint32_t ck = S_decode(k, &a), cv = S_decode(v, &b), ent = S_entry(t, ck);
    if (ck == cv && ent) {
      const uchar *alone;
      size_t alone_len;
      uint32_t inl;
      const ndict *d;
      if (S_match(e, t, ent, ck, k, k + a, a, &alone, &alone_len, &inl, &d) == a &&
          !(alone_len == a && memcmp(alone, k, a) == 0))
        return true;
    }
    k += a;
    v += b;
  }
  return false;
}

/* Does the segmentation's match p[0, kl) of text[.., end), whose value is
 * v[0, vl), cut words of the input apart where the target is a built-in
 * one?  Then it is no segment, and its characters are converted with their
 * neighbours.  Three ways:
 * - a later conversion would take the whole value as a Taiwan phrase: a
 *   segment is converted alone, so the phrase would not see the words
 *   around it (世界面临: the segment 界面 would become 介面), while in a run
 *   of unmatched characters it does (S_cuts);
 * - a word runs into it, and the words around it are settled (S_cut):
 *   OpenCC's phrase 长发 ("long hair") took 家长|发现 apart into 家長髮現,
 *   书签 证书|签名 into 證書籤名;
 * - it is no word, and a settled word runs out of it (俄制|制裁).
 * A phrase that keeps a character which alone would change (克里特, 里亚
 * keep the 里 that alone is 裏) is not weighed by the last two: it is there
 * for a name, and names are not in the word list. */
static bool
S_segment_cuts(const zhconv__native *e, const uchar *text, const uchar *end, const uchar *p,
               size_t kl, size_t l, const uchar *v, size_t vl)
{
  if (!e->check_words || !e->source_words || kl <= l || vl == 0)
    return false;
  bool phrase = false;
  for (size_t i = 1; i < e->nstages && !phrase; i++) {
    const ntable *t = &e->tables[1 + i];
    size_t l0;
    uint32_t cp = S_decode(v, &l0), ent = t->empty ? 0 : S_entry(t, cp);
    const uchar *v2;
    size_t vl2;
    uint32_t inl;
    const ndict *d;
    phrase = ent && (ent & 3) != ENT_INLINE &&
             S_match(e, t, ent, cp, v, v + vl, l0, &v2, &vl2, &inl, &d) == vl && d &&
             d->regional_phrases;
  }
  size_t n = (size_t)(end - text), at = (size_t)(p - text);
  if (phrase)
    return S_cut(e->source_words, (const char *)text, n, 0, at, kl, false);
  if (S_keeps_a_character(e, p, kl, v, vl))
    return false;
  if (S_cut(e->source_words, (const char *)text, n, 0, at, kl, true))
    return true;
  /* 对俄制裁: 俄制 is no word, and the word 制裁 runs out of it, settled
   * (得到了解决: 了解 runs out of 到了, but 解决 out of 了解). */
  size_t start, out;
  if (zhconv__words_longest(e->source_words, (const char *)p, kl) == kl ||
      !(out = S_overrun_word(e->source_words, (const char *)text, n, at, at + kl, &start)))
    return false;
  return !S_overrun(e->source_words, (const char *)text, n, start, out);
}

/* ---- output ------------------------------------------------------------- */

/* Where a conversion writes: the caller's buffer, or scratch space that
 * starts on the stack. */
typedef struct sink {
  char *data, *w, *end;
  zhconv__buf *buf;   /* the caller's buffer, or NULL */
  char *stack;        /* scratch: the initial space */
} sink;

static int
S_grow(sink *s, size_t need)
{
  size_t used = (size_t)(s->w - s->data);
  if (s->buf) {
    s->buf->len = used;
    int st = zhconv__buf_reserve(s->buf, need);
    if (st != ZHCONV_OK)
      return st;
    s->data = s->buf->data;
    s->end = s->data + s->buf->cap;
  } else {
    size_t cap = (size_t)(s->end - s->data);
    if (need > SIZE_MAX / 4 - used)
      return ZHCONV_ERR_NOMEM;
    while (cap - used < need)
      cap *= 2;
    char *d = s->data == s->stack ? malloc(cap) : realloc(s->data, cap);
    if (!d)
      return ZHCONV_ERR_NOMEM;
    if (s->data == s->stack)
      memcpy(d, s->data, used);
    s->data = d;
    s->end = d + cap;
  }
  s->w = s->data + used;
  return ZHCONV_OK;
}

#define S_ROOM(s, n) ((size_t)((s)->end - (s)->w) >= (n))

/* memcpy, quicker for the few bytes of most keys and values. */
static inline void
S_copy(char *w, const void *from, size_t n)
{
  const char *f = from;
  if (n > 16) {
    memcpy(w, f, n);
  } else if (n >= 8) {
    memcpy(w, f, 8);
    memcpy(w + n - 8, f + n - 8, 8);
  } else if (n >= 4) {
    memcpy(w, f, 4);
    memcpy(w + n - 4, f + n - 4, 4);
  } else if (n > 0) {
    w[0] = f[0];
    w[n / 2] = f[n / 2];
    w[n - 1] = f[n - 1];
  }
}

/* One conversion over p[0..n) into dst.  Returns 1 when it wrote its
 * result, 0 when the result is the input unchanged and `must_write` is
 * false (then it wrote nothing), or an error (< 0). */
static int
S_stage(const zhconv__native *e, const ntable *t, const uchar *p, size_t n, sink *dst,
        bool must_write)
{
  const uchar *end = p + n, *from = p, *start = p;
  bool wrote = false;
  if (!t->empty) {
    while (p < end) {
      uint32_t cp = *p, ent;
      size_t l;
      if (cp < 0x80) {
        if (t->ascii_free) {
          p++;
          continue;
        }
        ent = S_entry(t, cp);
        l = 1;
      } else {
        cp = S_decode(p, &l);
        ent = S_entry(t, cp);
      }
      if (!ent) {
        p += l;
        continue;
      }
      const uchar *v = NULL;
      size_t vl, kl;
      uint32_t inl = 0;
      const ndict *d;
      int cut;
      if ((ent & 3) == ENT_INLINE) {
        inl = ent >> 8;
        vl = (ent >> 2) & 3;
        kl = l;
      } else if (!(kl = S_match(e, t, ent, cp, p, end, l, &v, &vl, &inl, &d))) {
        p += l;
        continue;
      } else if ((cut = S_cuts(e, d, start, end, p, kl, l)) != 0) {
        if (cut < 0)
          return cut;
        p += l;
        continue;
      }
      size_t keep = (size_t)(p - from);
      if (!S_ROOM(dst, keep + vl + 4)) {
        int st = S_grow(dst, keep + vl + 4);
        if (st != ZHCONV_OK)
          return st;
      }
      S_copy(dst->w, from, keep);
      dst->w += keep;
      if (v)
        S_copy(dst->w, v, vl);
      else
        memcpy(dst->w, &inl, 4);
      dst->w += vl;
      p += kl;
      from = p;
      wrote = true;
    }
  }
  if (!wrote && !must_write)
    return 0;
  size_t keep = (size_t)(end - from);
  if (!S_ROOM(dst, keep)) {
    int st = S_grow(dst, keep);
    if (st != ZHCONV_OK)
      return st;
  }
  S_copy(dst->w, from, keep);
  dst->w += keep;
  return 1;
}

/* The first conversion from the i-th (i >= 1) on that can change p[0..n):
 * one whose keys some character of it starts; nstages if none. */
static size_t
S_next_stage(const zhconv__native *e, const uchar *p, size_t n, size_t i)
{
  unsigned want = (0xFFu << (i - 1)) & 0xFF, now = 1u << (i - 1), seen = 0;
  for (const uchar *end = p + n; p < end;) {
    size_t l;
    uint32_t cp = *p < 0x80 ? (l = 1, *p) : S_decode(p, &l);
    unsigned m = S_map_get(&e->masks, cp) & want;
    if (m & now)
      return i;
    seen |= m;
    p += l;
  }
  if (!seen)
    return e->nstages;
  size_t k = 0;
  while (!(seen & (1u << k)))
    k++;
  return k + 1;
}

typedef struct context {
  sink out;
  sink scratch[2];
} context;

/* The conversion chain over one segment, p[0..n): a run of unmatched
 * characters (key == false) or a matched key whose value in the
 * segmentation's dictionary is v[0..vl). */
static int
S_chain(const zhconv__native *e, context *c, const uchar *p, size_t n, bool key,
        const uchar *v, size_t vl)
{
  size_t i = 0;
  int cur = -1; /* which scratch holds p, if any */
  if (key && e->key_direct) {
    p = v;
    n = vl;
    i = 1;
  }
  for (; i < e->nstages; i++) {
    if (i > 0 && e->use_masks && (i = S_next_stage(e, p, n, i)) == e->nstages)
      break;
    const ntable *t = i == 0 && !key ? &e->tables[e->nstages + 1] : &e->tables[1 + i];
    if (i + 1 == e->nstages)
      return S_stage(e, t, p, n, &c->out, true);
    sink *dst = &c->scratch[cur == 0];
    dst->w = dst->data;
    int st = S_stage(e, t, p, n, dst, false);
    if (st < 0)
      return st;
    if (st) {
      p = (const uchar *)dst->data;
      n = (size_t)(dst->w - dst->data);
      cur = cur != 0 ? 0 : 1;
    }
  }
  if (!S_ROOM(&c->out, n)) {
    int st = S_grow(&c->out, n);
    if (st != ZHCONV_OK)
      return st;
  }
  S_copy(c->out.w, p, n);
  c->out.w += n;
  return ZHCONV_OK;
}

#define STACK_SCRATCH 4096

int
zhconv__native_convert(const zhconv__native *e, const char *text, size_t len,
                       zhconv__buf *out)
{
  if (len == 0)
    return ZHCONV_OK;
  int st = zhconv__buf_reserve(out, len + 16);
  if (st != ZHCONV_OK)
    return st;
  char stack[2][STACK_SCRATCH];
  context c;
  c.out.buf = out;
  c.out.stack = NULL;
  c.out.data = out->data;
  c.out.w = out->data + out->len;
  c.out.end = out->data + out->cap;
  for (int k = 0; k < 2; k++) {
    c.scratch[k].buf = NULL;
    c.scratch[k].data = c.scratch[k].w = c.scratch[k].stack = stack[k];
    c.scratch[k].end = stack[k] + STACK_SCRATCH;
  }

  const uchar *p = (const uchar *)text, *end = p + len, *run = p;
  const ntable *seg = &e->tables[0];
  if (e->nstages == 0 || seg->empty) {
    /* No segment boundary (or no conversion) changes anything. */
    st = S_chain(e, &c, p, len, false, NULL, 0);
    p = run = end;
  }
  while (p < end && st >= 0) {
    uint32_t cp = *p, ent;
    size_t l;
    if (cp < 0x80) {
      if (seg->ascii_free) {
        p++;
        continue;
      }
      ent = S_entry(seg, cp);
      l = 1;
    } else {
      cp = S_decode(p, &l);
      ent = S_entry(seg, cp);
    }
    if (!ent) {
      p += l;
      continue;
    }
    const uchar *v;
    size_t vl;
    uint32_t inl;
    const ndict *d;
    size_t kl = S_match(e, seg, ent, cp, p, end, l, &v, &vl, &inl, &d);
    int cut = 0;
    /* A phrase that cuts words is no segment; a shorter one may be
     * (注册表|格: 注册). */
    while (kl > l) {
      cut = S_cuts(e, d, (const uchar *)text, end, p, kl, l);
      if (cut == 0 && S_segment_cuts(e, (const uchar *)text, end, p, kl, l, v, vl))
        cut = 1;
      if (cut <= 0)
        break;
      kl = S_match(e, seg, ent, cp, p, p + zhconv__utf8_last_start((const char *)p, kl), l, &v,
                   &vl, &inl, &d);
    }
    if (cut < 0) {
      st = cut;
      break;
    }
    if (!kl || cut) {
      p += l;
      continue;
    }
    if (run < p)
      st = S_chain(e, &c, run, (size_t)(p - run), false, NULL, 0);
    if (st >= 0)
      st = S_chain(e, &c, p, kl, true, v, vl);
    p += kl;
    run = p;
  }
  if (st >= 0 && run < end)
    st = S_chain(e, &c, run, (size_t)(end - run), false, NULL, 0);

  out->len = (size_t)(c.out.w - out->data);
  for (int k = 0; k < 2; k++)
    if (c.scratch[k].data != c.scratch[k].stack)
      free(c.scratch[k].data);
  return st < 0 ? st : ZHCONV_OK;
}

/* ---- reading dictionaries ------------------------------------------------ */

/* Read a whole file: mapped when it is large (no copy; the pages are the
 * page cache's), read into memory when it is small (mapping and unmapping
 * cost more then). */
#define MAP_MIN_BYTES ((size_t)256 * 1024)

/* Pages mapped in one go rather than a fault at a time, for a file that
 * is read whole at once. */
#ifdef MAP_POPULATE
#  define S_POPULATE MAP_POPULATE
#else
#  define S_POPULATE 0
#endif

static int
S_map_file(const char *path, ndict *d, bool populate)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  struct stat st;
  if (fd < 0)
    return ZHCONV_ERR_IO;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (uint64_t)st.st_size < SIZE_MAX / 2) {
    size_t size = (size_t)st.st_size;
    if (size >= MAP_MIN_BYTES) {
      int flags = MAP_PRIVATE | (populate ? S_POPULATE : 0);
      void *m = mmap(NULL, size, PROT_READ, flags, fd, 0);
      if (m != MAP_FAILED) {
        close(fd);
        d->text = m;
        d->text_len = size;
        d->mapped = true;
        return ZHCONV_OK;
      }
    }
    char *buf = malloc(size + 1);
    size_t got = 0;
    while (buf && got < size) {
      ssize_t r = read(fd, buf + got, size - got);
      if (r <= 0)
        break;
      got += (size_t)r;
    }
    if (buf && got == size) {
      close(fd);
      d->text = buf;
      d->text_len = size;
      d->owned = true;
      return ZHCONV_OK;
    }
    free(buf);
  }
  close(fd);
  zhconv__buf b = {0};
  int rc = zhconv__read_file(path, &b);
  if (rc != ZHCONV_OK) {
    zhconv__buf_free(&b);
    return rc;
  }
  d->text = b.data ? b.data : "";
  d->text_len = b.len;
  d->owned = b.data != NULL;
  return ZHCONV_OK;
}

static void
S_dict_free(ndict *d)
{
  free(d->ref);
  if (d->mapped)
    munmap((void *)d->text, d->text_len);
  else if (d->owned)
    free((void *)d->text);
  if (d->index) {
    munmap(d->index, d->index_len);
    return;
  }
  free(d->recs);
  free(d->starts);
  free(d->firsts);
  free(d->pairs);
}

static int
S_refuse(char *err, const char *path, size_t line, const char *why)
{
  if (line)
    zhconv__errorf(err, "dictionary %s, line %zu: %s", path, line, why);
  else
    zhconv__errorf(err, "dictionary %s: %s", path, why);
  return ZHCONV_ERR_CONFIG;
}

/* The valid non-ASCII character at s (before end): its length, or 0. */
static inline size_t
S_checked_char(const uchar *s, const uchar *end, uint32_t *cp)
{
  unsigned c = s[0];
  if ((c & 0xF0) == 0xE0) {
    if (end - s < 3)
      return 0;
    unsigned b1 = s[1], b2 = s[2];
    if (((b1 & 0xC0) | (b2 & 0xC0) >> 2) != 0xA0 || (c == 0xE0 && b1 < 0xA0) ||
        (c == 0xED && b1 > 0x9F))
      return 0;
    *cp = (uint32_t)(c & 0x0F) << 12 | (uint32_t)(b1 & 0x3F) << 6 | (b2 & 0x3F);
    return 3;
  }
  if (c >= 0xC2 && c < 0xE0) {
    if (end - s < 2 || (s[1] & 0xC0) != 0x80)
      return 0;
    *cp = (uint32_t)(c & 0x1F) << 6 | (s[1] & 0x3F);
    return 2;
  }
  if (c >= 0xF0 && c < 0xF5) {
    if (end - s < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
        (s[3] & 0xC0) != 0x80 || (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
      return 0;
    *cp = (uint32_t)(c & 0x07) << 18 | (uint32_t)(s[1] & 0x3F) << 12 |
          (uint32_t)(s[2] & 0x3F) << 6 | (s[3] & 0x3F);
    return 4;
  }
  return 0;
}

/* The next LF from s on, or NULL (memchr, but quicker on short lines). */
static inline const uchar *
S_newline(const uchar *s, const uchar *end)
{
  for (; end - s >= 8; s += 8) {
    uint64_t w;
    memcpy(&w, s, 8);
    w ^= 0x0A0A0A0A0A0A0A0AULL;
    if ((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL)
      break;
  }
  for (; s < end; s++)
    if (*s == '\n')
      return s;
  return NULL;
}

/* The first character of the line at s, or (uint32_t)-1 when it is not
 * valid UTF-8 (the line is refused later). */
static uint32_t
S_first_char(const uchar *s, const uchar *end)
{
  uint32_t cp;
  if (*s < 0x80)
    return *s;
  return S_checked_char(s, end, &cp) ? cp : (uint32_t)-1;
}

/* Skip bytes up to a stop byte (' ', '\r', '\n' when `space`; '\n' else),
 * checking that they are UTF-8 without NUL.  NULL when they are not. */
static const uchar *
S_skip_checked(const uchar *s, const uchar *end, bool space)
{
  while (s < end) {
    uint32_t cp;
    size_t l;
    unsigned c = *s;
    if (c < 0x80) {
      if (c == '\n' || (space && (c == ' ' || c == '\r')))
        break;
      if (c == 0)
        return NULL;
      s++;
    } else if ((l = S_checked_char(s, end, &cp))) {
      s += l;
    } else {
      return NULL;
    }
  }
  return s;
}

/* Sort one group's records as integers: quicksort down to short runs,
 * then insertion sort; Shell sort past a depth that only bad luck reaches. */
static void
S_insertion_sort(nrec *r, size_t n, size_t h)
{
  for (size_t i = h; i < n; i++) {
    nrec x = r[i];
    size_t j = i;
    for (; j >= h && r[j - h] > x; j -= h)
      r[j] = r[j - h];
    r[j] = x;
  }
}

static void
S_sort_group(nrec *r, size_t n, int depth)
{
  while (n > 16) {
    if (depth-- == 0) {
      size_t h = 1;
      while (h < n / 3)
        h = 3 * h + 1;
      for (; h > 1; h /= 3)
        S_insertion_sort(r, n, h);
      break;
    }
    nrec a = r[0], b = r[n / 2], c = r[n - 1];
    nrec pivot = a < b ? (b < c ? b : a < c ? c : a) : (a < c ? a : b < c ? c : b);
    size_t i = 0, j = n - 1;
    for (;;) {
      while (r[i] < pivot)
        i++;
      while (r[j] > pivot)
        j--;
      if (i >= j)
        break;
      nrec t = r[i];
      r[i++] = r[j];
      r[j--] = t;
    }
    /* r[0..j] <= pivot <= r[j+1..n): sort the smaller side first. */
    size_t left = j + 1;
    if (left < n - left) {
      S_sort_group(r, left, depth);
      r += left;
      n -= left;
    } else {
      S_sort_group(r + left, n - left, depth);
      n = left;
    }
  }
  S_insertion_sort(r, n, 1);
}

/* ---- dictionary indexes -------------------------------------------------
 *
 * A text dictionary's records, groups and filter depend on its bytes only,
 * so the build writes them beside each exported copy (NAME.txt, NAME.idx:
 * zhconv__native_write_index) and opening maps them instead of reading the
 * text again: reading STPhrases is most of what opening a Simplified to
 * Traditional chain would cost.  An index counts only when it is not older
 * than the text and was written for a text of its length, in this layout
 * (magic, byte order, sizes), and points nowhere outside the text;
 * otherwise the text is read as usual.  (The text itself is then not read
 * at start: its pages are mapped as matches need them.)  The hash of its
 * body names the index for the engine images made from it (see
 * S_open_image); it is not checked at start, where hashing every index
 * cost a fifth of a start's instructions and guarded against nothing the
 * bounds do not: the build writes an index whole, through a rename. */
#define INDEX_MAGIC "zhconv-index 2\n"
#define INDEX_BYTE_ORDER 0x01020304u

typedef struct index_header {
  char magic[16];
  uint32_t byte_order;
  uint32_t ngroups;
  uint64_t text_len;
  uint64_t nrecs, pair_words;
  int64_t pair_shift;
  uint64_t nkeychars;
  uint64_t body_hash;  /* of everything after the header: its name */
} index_header;
/* Then recs[nrecs] and pairs[pair_words] (64 bits each), starts[ngroups +
 * 1], firsts[ngroups + 1] and keychars[nkeychars] (32 bits each): the
 * last, every character of the keys, ascending, for the stream's key set
 * (zhconv__native_add_keychars), which would otherwise decode every key
 * at every start. */

static size_t
S_index_body(const index_header *h)
{
  return (size_t)(h->nrecs + h->pair_words) * 8 + ((size_t)h->ngroups + 1) * 8 +
         (size_t)h->nkeychars * 4;
}

/* NAME.idx for NAME.txt, or NULL. */
static char *
S_index_path(const char *text_path)
{
  size_t n = strlen(text_path);
  if (n < 4 || strcmp(text_path + n - 4, ".txt") != 0)
    return NULL;
  char *p = malloc(n + 1);
  if (p) {
    memcpy(p, text_path, n - 4);
    memcpy(p + n - 4, ".idx", 5);
  }
  return p;
}

/* Is the mapped index (len bytes) one for a text of text_len bytes, and
 * safe to use with it? */
static bool
S_index_fits(const index_header *h, size_t len, size_t text_len)
{
  if (len < sizeof *h || memcmp(h->magic, INDEX_MAGIC, sizeof INDEX_MAGIC) != 0 ||
      h->byte_order != INDEX_BYTE_ORDER || h->text_len != text_len ||
      h->nrecs >= MAX_GROUPS || h->ngroups > h->nrecs || h->pair_shift < 1 ||
      h->pair_shift > 58 || h->pair_words != (uint64_t)1 << (58 - h->pair_shift) ||
      h->nkeychars > 0x110000 || len - sizeof *h != S_index_body(h))
    return false;
  const nrec *recs = (const nrec *)(h + 1);
  const uint32_t *starts = (const uint32_t *)(recs + h->nrecs + h->pair_words);
  const uint32_t *firsts = starts + h->ngroups + 1;
  /* (The records are not read here, which would touch most of the index at
   * every start: a key is compared, and a value read, only within the
   * text: S_group_match, S_value.) */
  if (starts[0] != 0 || starts[h->ngroups] != h->nrecs)
    return false;
  for (uint32_t g = 0; g < h->ngroups; g++)
    if (starts[g] >= starts[g + 1] || (g > 0 && firsts[g] <= firsts[g - 1]) ||
        firsts[g] >= 0x110000)
      return false;
  const uint32_t *keychars = firsts + h->ngroups + 1;
  for (uint64_t i = 0; i < h->nkeychars; i++)
    if (keychars[i] >= 0x110000 || (i > 0 && keychars[i] <= keychars[i - 1]))
      return false;
  return true;
}

/* Use the index of the text dictionary `path`, if it has one that fits:
 * d's arrays then point into it, and d->text_len is the length it was
 * made for.  (Its check reads nearly every byte: it is mapped populated.) */
static bool
S_load_index(const char *path, ndict *d)
{
  struct stat text;
  char *ipath = stat(path, &text) == 0 && (uint64_t)text.st_size < SIZE_MAX / 2
                    ? S_index_path(path)
                    : NULL;
  size_t len = 0;
  void *m = ipath ? zhconv__map_derived(ipath, &text, &len) : NULL;
  free(ipath);
  if (!m)
    return false;
  const index_header *h = m;
  if (!S_index_fits(h, len, (size_t)text.st_size)) {
    munmap(m, len);
    return false;
  }
  d->index = m;
  d->index_len = len;
  d->index_hash = h->body_hash;
  d->recs = (nrec *)(h + 1);
  d->pairs = (uint64_t *)(d->recs + h->nrecs);
  d->starts = (uint32_t *)(d->pairs + h->pair_words);
  d->firsts = d->starts + h->ngroups + 1;
  d->keychars = d->firsts + h->ngroups + 1;
  d->nkeychars = (size_t)h->nkeychars;
  d->ngroups = h->ngroups;
  d->pair_shift = (int)h->pair_shift;
  d->text_len = (size_t)h->text_len;
  return true;
}

static void
S_drop_index(ndict *d)
{
  munmap(d->index, d->index_len);
  d->index = NULL;
  d->index_hash = 0;
  d->recs = NULL;
  d->pairs = NULL;
  d->starts = d->firsts = NULL;
  d->keychars = NULL;
  d->nkeychars = 0;
  d->ngroups = 0;
}

/* Read the text dictionary `path` into d.
 *
 * Its lines as OpenCC 1.1.6 reads them (fgets into 4096 bytes, then
 * UTF8Util::FindNextInline): a line that starts with CR or LF is skipped;
 * otherwise the key runs to the first tab (a CR or LF before it is an
 * error), the first value from there to the first space, CR or LF; the
 * other values do not matter.  A byte order mark at the start is skipped.
 * Refused as OpenCC refuses them: a line without a tab, a duplicate key;
 * refused because OpenCC would read them otherwise: an empty key (OpenCC
 * loops forever on it), a line longer than its buffer, bytes that are not
 * UTF-8 (in a line that is read), a NUL byte. */
static int
S_load_dict(const char *path, ndict *d, bool use_index, char *err)
{
  bool indexed = use_index && S_load_index(path, d);
  size_t indexed_len = d->text_len;
  int st = S_map_file(path, d, !indexed);
  if (st != ZHCONV_OK) {
    zhconv__errorf(err, "cannot read dictionary %s", path);
    return st == ZHCONV_ERR_NOMEM ? st : ZHCONV_ERR_CONFIG;
  }
  if (d->text_len > UINT32_MAX)
    return S_refuse(err, path, 0, "too large");
  if (indexed && d->text_len == indexed_len)
    return ZHCONV_OK;
  if (indexed)
    S_drop_index(d);  /* the text changed in between */
  const uchar *text = (const uchar *)d->text, *end = text + d->text_len;
  if (end - text >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    text += 3;

  /* First pass: count the keys of each first character. */
  uint32_t *count[PAGES] = {0};
  size_t n = 0, line = 0;
  const char *why = NULL;
  for (const uchar *s = text; s < end;) {
    const uchar *nl = S_newline(s, end);
    if (*s != '\r' && *s != '\n') {
      uint32_t f = S_first_char(s, end);
      if (f < 0x110000) {
        if (!count[f >> 8] && !(count[f >> 8] = calloc(256, sizeof **count))) {
          st = ZHCONV_ERR_NOMEM;
          goto done;
        }
        count[f >> 8][f & 0xFF]++;
        n++;
      }
    }
    s = nl ? nl + 1 : end;
  }
  if (n >= MAX_GROUPS) {
    why = "too many keys";
    goto refuse;
  }
  /* Groups, in order of first character. */
  size_t ngroups = 0;
  for (size_t pg = 0; pg < PAGES; pg++)
    if (count[pg])
      for (size_t c = 0; c < 256; c++)
        ngroups += count[pg][c] != 0;
  d->recs = malloc((n + 1) * sizeof *d->recs);
  d->starts = malloc((ngroups + 1) * sizeof *d->starts);
  d->firsts = malloc((ngroups + 1) * sizeof *d->firsts);
  if (!d->recs || !d->starts || !d->firsts) {
    st = ZHCONV_ERR_NOMEM;
    goto done;
  }
  size_t at = 0, g = 0;
  for (size_t pg = 0; pg < PAGES; pg++)
    if (count[pg])
      for (size_t c = 0; c < 256; c++)
        if (count[pg][c]) {
          d->firsts[g] = (uint32_t)(pg << 8 | c);
          d->starts[g++] = (uint32_t)at;
          uint32_t k = count[pg][c];
          count[pg][c] = (uint32_t)at; /* where the next key of it goes */
          at += k;
        }
  d->starts[g] = (uint32_t)at;
  d->ngroups = (uint32_t)g;

  /* Second pass: read and check each line, and place its key. */
  for (const uchar *s = text; s < end;) {
    const uchar *start = s;
    line++;
    if (*s == '\r' || *s == '\n') { /* skipped, whatever it holds */
      const uchar *nl = memchr(s, '\n', (size_t)(end - s));
      s = nl ? nl + 1 : end;
      if (s - start > LINE_MAX_BYTES)
        goto too_long;
      continue;
    }
    uint32_t first = 0, cp2 = 0, cp;
    size_t l, chars = 0;
    for (;; chars++) { /* the key */
      if (s == end || *s == '\r' || *s == '\n') {
        why = "no tab after the key";
        goto refuse;
      }
      if (*s < 0x80) {
        if (*s == '\t')
          break;
        if (*s == 0)
          goto invalid;
        cp = *s;
        l = 1;
      } else if (!(l = S_checked_char(s, end, &cp))) {
        goto invalid;
      }
      if (chars == 0)
        first = cp;
      else if (chars == 1)
        cp2 = cp;
      s += l;
    }
    if (s == start) {
      why = "an empty key";
      goto refuse;
    }
    if (s - start > KEY_MAX_BYTES) {
      why = "a key longer than 2047 bytes";
      goto refuse;
    }
    const uchar *tab = s;
    const uchar *ve = S_skip_checked(tab + 1, end, true);  /* the first value */
    const uchar *eol = ve ? S_skip_checked(ve, end, false) : NULL;  /* the others */
    if (!eol)
      goto invalid;
    s = eol < end ? eol + 1 : end;
    if (s - start > LINE_MAX_BYTES)
      goto too_long;
    d->recs[count[first >> 8][first & 0xFF]++] =
      REC(cp2, (size_t)(tab - start), (uint32_t)(start - (const uchar *)d->text));
  }

  /* Order each group; find duplicates; fill the filter of pairs. */
  int log2bits = 6;
  while (((size_t)1 << log2bits) < 8 * n)
    log2bits++;
  d->pair_shift = 64 - log2bits;
  if (!(d->pairs = calloc((size_t)1 << (log2bits - 6), sizeof *d->pairs))) {
    st = ZHCONV_ERR_NOMEM;
    goto done;
  }
  for (g = 0; g < d->ngroups; g++) {
    nrec *r = d->recs + d->starts[g];
    size_t k = d->starts[g + 1] - d->starts[g];
    S_sort_group(r, k, 48);
    for (size_t i = 0; i < k; i++) {
      /* Keys of one second character and length are next to each other. */
      for (size_t j = i; j-- > 0 && (r[j] >> 32) == (r[i] >> 32);)
        if (memcmp(d->text + REC_OFF(r[j]), d->text + REC_OFF(r[i]), REC_LEN(r[i])) == 0) {
          line = 1;
          uint32_t later = REC_OFF(r[i]) > REC_OFF(r[j]) ? REC_OFF(r[i]) : REC_OFF(r[j]);
          for (const char *s = d->text; s < d->text + later; s++)
            line += *s == '\n';
          why = "a duplicate key (OpenCC refuses the dictionary)";
          goto refuse;
        }
      if (REC_CP2(r[i])) {
        size_t bit = S_pair_bit(d, d->firsts[g], REC_CP2(r[i]));
        d->pairs[bit >> 6] |= (uint64_t)1 << (bit & 63);
      }
    }
  }
  goto done;

too_long:
  why = "a line longer than OpenCC reads whole";
  goto refuse;
invalid:
  why = "not valid UTF-8 without NUL bytes";
refuse:
  st = S_refuse(err, path, line, why);
done:
  for (size_t pg = 0; pg < PAGES; pg++)
    free(count[pg]);
  return st;
}

/* ---- compiling the chain ------------------------------------------------ */

static int
S_add_try(zhconv__native *e, uint32_t dict, uint32_t group)
{
  if (e->ntries == e->tries_cap) {
    size_t cap = e->tries_cap ? 2 * e->tries_cap : 1024;
    ntry *t = realloc(e->tries, cap * sizeof *t);
    if (!t)
      return ZHCONV_ERR_NOMEM;
    e->tries = t;
    e->tries_cap = cap;
  }
  e->tries[e->ntries].dict = dict;
  e->tries[e->ntries].group = group;
  e->ntries++;
  return ZHCONV_OK;
}

/* The entry for the character cp of a group of dictionaries, whose groups
 * for cp are groups[m] (or UINT32_MAX: none). */
static int
S_build_entry(zhconv__native *e, ntable *t, const size_t *members, const uint32_t *groups,
              size_t n, uint32_t *entry)
{
  size_t first = 0, count = 0, head = e->ntries;
  bool single = false, longer = false;
  *entry = 0;
  for (size_t m = 0; m < n; m++) {
    if (groups[m] == UINT32_MAX)
      continue;
    const ndict *d = &e->dicts[members[m]];
    const nrec *r = d->recs + d->starts[groups[m]];
    size_t size = d->starts[groups[m] + 1] - d->starts[groups[m]];
    single = REC_CP2(*r) == 0;
    longer = size > (size_t)single;
    if (count++ == 0) {
      first = m;
      if (S_add_try(e, 0, 0) != ZHCONV_OK) /* the head */
        return ZHCONV_ERR_NOMEM;
    }
    if (S_add_try(e, (uint32_t)members[m] | (single ? TRY_SINGLE : 0) |
                         (longer ? TRY_LONGER : 0), groups[m]) != ZHCONV_OK)
      return ZHCONV_ERR_NOMEM;
    if (single)
      break; /* this member surely matches: the later ones never count */
  }
  if (count == 0)
    return ZHCONV_OK;
  if (count == 1) {
    const ndict *d = &e->dicts[members[first]];
    uint32_t group = groups[first];
    size_t vl = 0;
    /* (Only a lone character's value is read: reading every group's would
     * fault in every page of a phrase dictionary's text at start.) */
    const uchar *v = single && !longer ? S_value(d, d->recs[d->starts[group]], &vl) : NULL;
    if (v && vl <= 3) {
      uint32_t inl = 0;
      memcpy(&inl, v, vl);
      /* (inl holds the bytes in memory order: they go out with memcpy) */
      *entry = ENT_INLINE | (uint32_t)vl << 2 | inl << 8;
      if ((*entry >> 8) != inl) /* a byte would not fit: keep the walk */
        *entry = 0;
    }
    if (!*entry && first < WALK1_MEMBERS) {
      t->members[first] = (uint32_t)members[first];
      *entry = ENT_WALK1 | (single ? ENT_SINGLE : 0) | (longer ? ENT_LONGER : 0) |
               (uint32_t)first << 4 | group << 7;
    }
    if (*entry) {
      e->ntries = head;
      return ZHCONV_OK;
    }
  }
  if (head >= ((size_t)1 << 30))
    return ZHCONV_ERR_NOMEM;
  e->tries[head].dict = (uint32_t)count;
  *entry = ENT_LIST | (uint32_t)head << 2;
  return ZHCONV_OK;
}

/* Lay out a map for the characters cps[0..n) (ascending); their values
 * are then set through S_map_slot. */
static int
S_map_build(nmap *m, const uint32_t *cps, size_t n)
{
  size_t blocks = 1, low = 0;
  memset(m->idx, 0, sizeof m->idx);
  for (; low < n && cps[low] < 0x10000; low++)
    if (!m->idx[cps[low] >> 8])
      m->idx[cps[low] >> 8] = (uint16_t)blocks++;
  m->nhigh = n - low;
  m->nblocks = blocks;
  m->values = zhconv__alloc_zeroed(blocks * 256, sizeof *m->values);
  m->present = zhconv__alloc_zeroed(0x10000 / 64, sizeof *m->present);
  m->high = malloc((m->nhigh + 1) * sizeof *m->high);
  m->high_values = zhconv__alloc_zeroed(m->nhigh + 1, sizeof *m->high_values);
  if (!m->values || !m->present || !m->high || !m->high_values)
    return ZHCONV_ERR_NOMEM;
  if (m->nhigh)
    memcpy(m->high, cps + low, m->nhigh * sizeof *m->high);
  return ZHCONV_OK;
}

/* Where the value of cp, one of the characters the map was built for, goes. */
static uint32_t *
S_map_slot(nmap *m, uint32_t cp)
{
  if (cp >= 0x10000)
    return &m->high_values[S_map_high(m, cp)];
  m->present[cp >> 6] |= (uint64_t)1 << (cp & 63);
  return &m->values[(size_t)m->idx[cp >> 8] << 8 | (cp & 0xFF)];
}

static void
S_map_free(nmap *m)
{
  free(m->values);
  free(m->present);
  free(m->high);
  free(m->high_values);
}

/* The first characters of the members' keys, merged: *cps (ascending). */
static int
S_merge_firsts(zhconv__native *e, const size_t *members, size_t n, uint32_t **cps,
               size_t *count)
{
  size_t cursor[n + 1], total = 0;
  for (size_t m = 0; m < n; m++) {
    cursor[m] = 0;
    total += e->dicts[members[m]].ngroups;
  }
  if (!(*cps = malloc((total + 1) * sizeof **cps)))
    return ZHCONV_ERR_NOMEM;
  zhconv__prefault(*cps, (total + 1) * sizeof **cps);
  *count = 0;
  for (;;) {
    uint32_t cp = UINT32_MAX;
    for (size_t m = 0; m < n; m++) {
      const ndict *d = &e->dicts[members[m]];
      if (cursor[m] < d->ngroups && d->firsts[cursor[m]] < cp)
        cp = d->firsts[cursor[m]];
    }
    if (cp == UINT32_MAX)
      return ZHCONV_OK;
    for (size_t m = 0; m < n; m++) {
      const ndict *d = &e->dicts[members[m]];
      if (cursor[m] < d->ngroups && d->firsts[cursor[m]] == cp)
        cursor[m]++;
    }
    (*cps)[(*count)++] = cp;
  }
}

/* The table of a group of dictionaries (one dictionary: a group of one). */
static int
S_build_table(zhconv__native *e, ntable *t, const size_t *members, size_t n)
{
  uint32_t *cps;
  size_t count, cursor[n + 1];
  uint32_t groups[n + 1];
  int st = S_merge_firsts(e, members, n, &cps, &count);
  if (st == ZHCONV_OK)
    st = S_map_build(&t->map, cps, count);
  for (size_t m = 0; m < n; m++)
    cursor[m] = 0;
  for (size_t i = 0; st == ZHCONV_OK && i < count; i++) {
    for (size_t m = 0; m < n; m++) {
      const ndict *d = &e->dicts[members[m]];
      groups[m] = UINT32_MAX;
      if (cursor[m] < d->ngroups && d->firsts[cursor[m]] == cps[i])
        groups[m] = (uint32_t)cursor[m]++;
    }
    st = S_build_entry(e, t, members, groups, n, S_map_slot(&t->map, cps[i]));
  }
  free(cps);
  if (st != ZHCONV_OK)
    return st;
  t->empty = count == 0;
  t->ascii_free = true;
  for (uint32_t c = 0; c < 0x80; c++)
    if (S_entry(t, c))
      t->ascii_free = false;
  return ZHCONV_OK;
}

/* The masks of the conversions after the first (see S_next_stage), when
 * they are few and their keys start with few characters: then most
 * segments skip them after one look. */
static int
S_build_masks(zhconv__native *e, const zhconv__chain *chain, const size_t *members)
{
  size_t later = e->nstages > 1 ? e->nstages - 1 : 0, count;
  if (later == 0 || later > 8)
    return ZHCONV_OK;
  size_t from = chain->starts[2], to = chain->starts[chain->parts];
  uint32_t *cps;
  int st = S_merge_firsts(e, members + from, to - from, &cps, &count);
  if (st != ZHCONV_OK || count > 4096) { /* rarely skipped: not worth a look */
    free(cps);
    return st;
  }
  st = S_map_build(&e->masks, cps, count);
  for (size_t i = 0; st == ZHCONV_OK && i < count; i++) {
    uint32_t mask = 0;
    for (size_t k = 0; k < later; k++)
      if (S_entry(&e->tables[2 + k], cps[i]))
        mask |= 1u << k;
    *S_map_slot(&e->masks, cps[i]) = mask;
  }
  free(cps);
  e->use_masks = st == ZHCONV_OK;
  return st;
}

/* ---- engine images -------------------------------------------------------
 *
 * What the compiling above makes of a configuration (its tables, the lists
 * they point to, the masks) is the same at every start, and it was most of
 * one: five tables of a few thousand characters, their blocks zeroed and
 * filled.  So the build writes it for every installed configuration and
 * built-in chain (engines/NAME.engine, src/dict-manifest --engines), and a
 * start maps it instead, when it was made from this very chain (its parts
 * and dictionaries, by a hash of their names) of these very dictionaries
 * (each by the hash its index carries: a dictionary read without an index
 * has none, and then nothing is mapped) and every entry, list and mask in
 * it points where it may.  Otherwise the tables are compiled as before: an
 * image makes a start faster, never different.  In the machine's byte
 * order; every part a multiple of 8 bytes long, so each array is aligned
 * for its type. */
#define ENGINE_MAGIC "zhconv-engine 1"
#define ENGINE_BYTE_ORDER 0x01020304u

typedef struct engine_header {
  char magic[16];
  uint32_t byte_order;
  uint32_t ndicts;
  uint64_t chain_hash;
  uint64_t nstages;
  uint64_t ntries;
  uint32_t key_direct, use_masks;
} engine_header;

/* Then one of these for each dictionary, in the engine's order, */
typedef struct engine_dict {
  uint64_t index_hash;
  uint64_t nrecs, ngroups;
} engine_dict;

/* then each table (nstages + 2) and, with use_masks, the masks, each one of
 * these followed by values[nblocks * 256], present[0x10000 / 64],
 * high[nhigh] and high_values[nhigh]; then tries[ntries]. */
typedef struct engine_map {
  uint16_t idx[BMP_PAGES];
  uint32_t members[WALK1_MEMBERS];
  uint32_t nblocks, nhigh;
  uint32_t ascii_free, empty;
} engine_map;

/* The chain's parts and dictionaries, as a hash (0 when memory is short). */
static uint64_t
S_chain_hash(const zhconv__chain *chain)
{
  zhconv__buf b = {0};
  int st = zhconv__buf_append(&b, chain->segmentation, strlen(chain->segmentation) + 1);
  for (size_t part = 0; st == ZHCONV_OK && part < chain->parts; part++) {
    for (size_t i = chain->starts[part]; st == ZHCONV_OK && i < chain->starts[part + 1]; i++) {
      st = zhconv__buf_append(&b, chain->dicts[i].type, strlen(chain->dicts[i].type) + 1);
      if (st == ZHCONV_OK)
        st = zhconv__buf_append(&b, chain->dicts[i].path, strlen(chain->dicts[i].path) + 1);
    }
    if (st == ZHCONV_OK)
      st = zhconv__buf_append(&b, "\n", 1);
  }
  uint64_t hash = st == ZHCONV_OK ? zhconv__hash64(b.data, b.len) | 1 : 0;
  zhconv__buf_free(&b);
  return hash;
}

/* The next `size` bytes of an image, or NULL past its end. */
static const void *
S_take(const uchar **at, const uchar *end, uint64_t size)
{
  if ((uint64_t)(end - *at) < size)
    return NULL;
  const void *p = *at;
  *at += size;
  return p;
}

/* Read a map (and, when t is not NULL, its table's fields) from an image. */
static bool
S_take_map(const uchar **at, const uchar *end, nmap *m, ntable *t)
{
  const engine_map *em = S_take(at, end, sizeof *em);
  if (!em || em->nblocks == 0 || em->nblocks > BMP_PAGES + 1 || em->nhigh > 0x100000)
    return false;
  for (size_t i = 0; i < BMP_PAGES; i++)
    if (em->idx[i] >= em->nblocks)
      return false;
  memcpy(m->idx, em->idx, sizeof m->idx);
  m->nblocks = em->nblocks;
  m->nhigh = em->nhigh;
  m->values = (uint32_t *)S_take(at, end, (uint64_t)em->nblocks * 256 * 4);
  m->present = (uint64_t *)S_take(at, end, 0x10000 / 8);
  m->high = (uint32_t *)S_take(at, end, (uint64_t)em->nhigh * 4);
  m->high_values = (uint32_t *)S_take(at, end, (uint64_t)em->nhigh * 4);
  if (t) {
    memcpy(t->members, em->members, sizeof t->members);
    t->ascii_free = em->ascii_free != 0;
    t->empty = em->empty != 0;
  }
  return m->values && m->present && m->high && m->high_values;
}

static bool
S_group_fits(const zhconv__native *e, uint32_t dict, uint32_t group)
{
  return dict < e->ndicts && group < e->dicts[dict].ngroups;
}

/* Does a table's entry point where it may? */
static bool
S_entry_fits(const zhconv__native *e, const ntable *t, uint32_t ent)
{
  switch (ent & 3) {
  case 0:
    return ent == 0;
  case ENT_INLINE:
    return true;
  case ENT_WALK1:
    return S_group_fits(e, t->members[(ent >> 4) & 7], ent >> 7);
  default: {
    size_t head = ent >> 2;
    if (head >= e->ntries || e->tries[head].dict == 0 ||
        e->tries[head].dict >= e->ntries - head)
      return false;
    for (size_t i = 1; i <= e->tries[head].dict; i++)
      if (!S_group_fits(e, e->tries[head + i].dict & ~(TRY_SINGLE | TRY_LONGER),
                        e->tries[head + i].group))
        return false;
    return true;
  }
  }
}

/* Do all of a table's entries point where they may?  (Most are 0.) */
static bool
S_table_fits(const zhconv__native *e, const ntable *t)
{
  const nmap *m = &t->map;
  for (size_t i = 0; i < m->nblocks * 256; i++)
    if (m->values[i] && !S_entry_fits(e, t, m->values[i]))
      return false;
  for (size_t i = 0; i < m->nhigh; i++)
    if (!S_entry_fits(e, t, m->high_values[i]))
      return false;
  return true;
}

/* Are all the masks below `limit`? */
static bool
S_masks_fit(const nmap *m, uint32_t limit)
{
  uint32_t any = 0;
  for (size_t i = 0; i < m->nblocks * 256; i++)
    any |= m->values[i];
  for (size_t i = 0; i < m->nhigh; i++)
    any |= m->high_values[i];
  return any < limit;
}

bool
zhconv__native_image_name(const char *config_path, char *name, size_t size)
{
  size_t stem;
  const char *base = zhconv__path_stem(config_path, ".json", &stem);
  return stem <= INT_MAX &&
         (size_t)snprintf(name, size, "%.*s.engine", (int)stem, base) < size;
}

/* The image for config_path in data_dirs, if there is one made from e's
 * chain of e's dictionaries: e's tables, tries and masks then point into
 * it. */
static bool
S_open_image(zhconv__native *e, const char *config_path, const char *data_dirs)
{
  for (size_t i = 0; i < e->ndicts; i++)
    if (!e->dicts[i].index_hash)
      return false;
  char rel[300] = "engines/";
  if (!e->chain_hash || !data_dirs ||
      !zhconv__native_image_name(config_path, rel + 8, sizeof rel - 8))
    return false;
  char *path = zhconv__datadir_find(data_dirs, rel);
  size_t len = 0;
  void *map = path ? zhconv__map_derived(path, NULL, &len) : NULL;
  free(path);
  if (!map)
    return false;
  const uchar *at = map, *end = at + len;
  const engine_header *h = S_take(&at, end, sizeof *h);
  const engine_dict *dicts = h ? S_take(&at, end, (uint64_t)h->ndicts * sizeof *dicts) : NULL;
  bool fits = dicts && memcmp(h->magic, ENGINE_MAGIC, sizeof ENGINE_MAGIC) == 0 &&
              h->byte_order == ENGINE_BYTE_ORDER && h->chain_hash == e->chain_hash &&
              h->ndicts == e->ndicts && h->nstages == e->nstages && h->ntries < ((size_t)1 << 30) &&
              h->key_direct <= 1 && h->use_masks <= (e->nstages >= 2 && e->nstages <= 9);
  for (size_t i = 0; fits && i < e->ndicts; i++)
    fits = dicts[i].index_hash == e->dicts[i].index_hash &&
           dicts[i].ngroups == e->dicts[i].ngroups &&
           dicts[i].nrecs == e->dicts[i].starts[e->dicts[i].ngroups];
  for (size_t i = 0; fits && i < e->nstages + 2; i++)
    fits = S_take_map(&at, end, &e->tables[i].map, &e->tables[i]);
  if (fits && h->use_masks)
    fits = S_take_map(&at, end, &e->masks, NULL);
  const ntry *tries = fits ? S_take(&at, end, h->ntries * sizeof *tries) : NULL;
  fits = tries && at == end;
  if (fits) {
    e->tries = (ntry *)tries;
    e->ntries = (size_t)h->ntries;
  }
  for (size_t i = 0; fits && i < e->nstages + 2; i++)
    fits = S_table_fits(e, &e->tables[i]);
  if (fits && h->use_masks)
    fits = S_masks_fit(&e->masks, 1u << (e->nstages - 1));
  if (!fits) {
    memset(e->tables, 0, (e->nstages + 2) * sizeof *e->tables);
    memset(&e->masks, 0, sizeof e->masks);
    e->tries = NULL;
    e->ntries = 0;
    munmap(map, len);
    return false;
  }
  e->image = map;
  e->image_len = len;
  e->key_direct = h->key_direct;
  e->use_masks = h->use_masks;
  return true;
}

static int
S_put(zhconv__buf *out, const void *data, size_t len)
{
  return zhconv__buf_append(out, (const char *)data, len);
}

static int
S_put_map(zhconv__buf *out, const nmap *m, const ntable *t)
{
  engine_map em;
  memset(&em, 0, sizeof em);
  memcpy(em.idx, m->idx, sizeof em.idx);
  if (t) {
    memcpy(em.members, t->members, sizeof em.members);
    em.ascii_free = t->ascii_free;
    em.empty = t->empty;
  }
  em.nblocks = (uint32_t)m->nblocks;
  em.nhigh = (uint32_t)m->nhigh;
  int st = S_put(out, &em, sizeof em);
  if (st == ZHCONV_OK)
    st = S_put(out, m->values, m->nblocks * 256 * 4);
  if (st == ZHCONV_OK)
    st = S_put(out, m->present, 0x10000 / 8);
  if (st == ZHCONV_OK)
    st = S_put(out, m->high, m->nhigh * 4);
  if (st == ZHCONV_OK)
    st = S_put(out, m->high_values, m->nhigh * 4);
  return st;
}

void
zhconv__native_close(zhconv__native *e)
{
  if (!e)
    return;
  for (size_t i = 0; i < e->ndicts; i++)
    S_dict_free(&e->dicts[i]);
  free(e->dicts);
  if (e->image) {
    munmap(e->image, e->image_len);
  } else {
    if (e->tables)
      for (size_t i = 0; i < e->nstages + 2; i++)
        S_map_free(&e->tables[i].map);
    free(e->tries);
    S_map_free(&e->masks);
  }
  free(e->tables);
  zhconv__words_free(e->own_words);
  free(e->words_dirs);
  pthread_mutex_destroy(&e->words_lock);
  free(e);
}

const char *
zhconv__native_error(const zhconv__native *e)
{
  return atomic_load_explicit(&e->words_ready, memory_order_acquire) && e->words_status != ZHCONV_OK
             ? e->words_error
             : NULL;
}

int
zhconv__native_check_words(zhconv__native *e, const zhconv__words *source_words,
                           bool source_hant, const char *data_dirs)
{
  bool any = false;
  for (size_t i = 0; i < e->ndicts; i++)
    any |= e->dicts[i].regional_phrases;
  e->source_words = source_words;
  e->check_words = true;
  if (!any)
    return ZHCONV_OK;
  if (source_hant && source_words) {
    e->words = source_words;
    atomic_store_explicit(&e->words_ready, true, memory_order_release);
  } else if (data_dirs && !(e->words_dirs = strdup(data_dirs))) {
    return ZHCONV_ERR_NOMEM;
  }
  return ZHCONV_OK;
}

/* The dictionary for the configuration's dictionary `ref`: read it, or
 * share one already read from the same file. */
static int
S_dict_for(zhconv__native *e, const zhconv__dictref *ref, const char *data_dirs,
           size_t *index, char *err)
{
  bool text = strcmp(ref->type, "text") == 0;
  for (size_t i = 0; i < e->ndicts; i++)
    if (strcmp(e->dicts[i].ref, ref->path) == 0 && e->dicts[i].text_type == text) {
      *index = i;
      return ZHCONV_OK;
    }
  char *source;
  if (text)
    source = strdup(ref->path);
  else if (strcmp(ref->type, "ocd2") == 0) {
    if (!(source = zhconv__exported_copy(ref->path, data_dirs))) {
      zhconv__errorf(err, "no text copy of the dictionary %s was exported", ref->path);
      return ZHCONV_ERR_CONFIG;
    }
  } else {
    zhconv__errorf(err, "dictionaries of type \"%s\" (%s) cannot be read natively",
                   ref->type, ref->path);
    return ZHCONV_ERR_CONFIG;
  }
  if (!source)
    return ZHCONV_ERR_NOMEM;
  ndict *d = &e->dicts[e->ndicts++];
  memset(d, 0, sizeof *d);
  d->text_type = text;
  const char *base = strrchr(ref->path, '/');
  d->regional_phrases = !text && strncmp(base ? base + 1 : ref->path, "TWPhrases", 9) == 0;
  int st = (d->ref = strdup(ref->path)) ? S_load_dict(source, d, true, err) : ZHCONV_ERR_NOMEM;
  free(source);
  *index = e->ndicts - 1;
  return st;
}

/* Compile the chain's tables (members: the engine's dictionary of each of
 * the chain's, with room for as many more). */
static int
S_compile(zhconv__native *e, const zhconv__chain *chain, size_t *members)
{
  int st = ZHCONV_OK;
  for (size_t part = 0; st == ZHCONV_OK && part < chain->parts; part++)
    st = S_build_table(e, &e->tables[part], members + chain->starts[part],
                       chain->starts[part + 1] - chain->starts[part]);
  if (st != ZHCONV_OK)
    return st;

  /* The first conversion on unmatched runs: without the segmentation's
   * dictionaries. */
  size_t *seg = members, nseg = chain->starts[1], nrun = 0;
  size_t *first = members + chain->starts[1];
  size_t nfirst = e->nstages > 0 ? chain->starts[2] - chain->starts[1] : 0;
  for (size_t i = 0; i < nfirst; i++) {
    bool in_seg = false;
    for (size_t j = 0; j < nseg; j++)
      in_seg |= seg[j] == first[i];
    if (!in_seg)
      members[chain->count + nrun++] = first[i];
  }
  st = S_build_table(e, &e->tables[e->nstages + 1], members + chain->count, nrun);
  e->key_direct = nseg == 1 && nfirst >= 1 && first[0] == seg[0];
  if (st == ZHCONV_OK)
    st = S_build_masks(e, chain, members);
  return st;
}

/* zhconv__native_open, from an image when use_image and there is one. */
static int
S_open(const char *config_path, const char *data_dirs, bool use_image,
       zhconv__native **engine, char *err)
{
  *engine = NULL;
  zhconv__chain chain;
  int st = zhconv__config_chain(config_path, &chain, err);
  if (st != ZHCONV_OK)
    return st;
  zhconv__native *e = calloc(1, sizeof *e);
  size_t *members = malloc((2 * chain.count + 1) * sizeof *members);
  if (e)
    pthread_mutex_init(&e->words_lock, NULL);
  if (!e || !members) {
    st = ZHCONV_ERR_NOMEM;
    goto done;
  }
  if (!chain.segmentation || strcmp(chain.segmentation, "mmseg") != 0) {
    zhconv__errorf(err, "segmentation type \"%s\" is not supported",
                   chain.segmentation ? chain.segmentation : "");
    st = ZHCONV_ERR_CONFIG;
    goto done;
  }
  if (!(e->dicts = calloc(chain.count + 1, sizeof *e->dicts))) {
    st = ZHCONV_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; st == ZHCONV_OK && i < chain.count; i++)
    st = S_dict_for(e, &chain.dicts[i], data_dirs, &members[i], err);
  if (st != ZHCONV_OK)
    goto done;

  e->nstages = chain.parts - 1;
  if (!(e->tables = calloc(e->nstages + 2, sizeof *e->tables))) {
    st = ZHCONV_ERR_NOMEM;
    goto done;
  }
  e->chain_hash = S_chain_hash(&chain);
  if (!use_image || !S_open_image(e, config_path, data_dirs))
    st = S_compile(e, &chain, members);

done:
  free(members);
  zhconv__config_chain_free(&chain);
  if (st != ZHCONV_OK) {
    zhconv__native_close(e);
    return st;
  }
  *engine = e;
  return ZHCONV_OK;
}

int
zhconv__native_open(const char *config_path, const char *data_dirs, zhconv__native **engine,
                    char *err)
{
  return S_open(config_path, data_dirs, true, engine, err);
}

bool
zhconv__native_from_image(const zhconv__native *e)
{
  return e->image != NULL;
}

int
zhconv__native_image(const char *config_path, const char *data_dirs, zhconv__buf *out,
                     char *err)
{
  zhconv__native *e = NULL;
  int st = S_open(config_path, data_dirs, false, &e, err);
  engine_header h;
  memset(&h, 0, sizeof h);
  memcpy(h.magic, ENGINE_MAGIC, sizeof ENGINE_MAGIC);
  h.byte_order = ENGINE_BYTE_ORDER;
  if (st == ZHCONV_OK && !(h.chain_hash = e->chain_hash))
    st = ZHCONV_ERR_NOMEM;
  for (size_t i = 0; st == ZHCONV_OK && i < e->ndicts; i++)
    if (!e->dicts[i].index_hash) {
      zhconv__errorf(err, "the dictionary %s has no index", e->dicts[i].ref);
      st = ZHCONV_ERR_CONFIG;
    }
  out->len = 0;
  if (st == ZHCONV_OK) {
    h.ndicts = (uint32_t)e->ndicts;
    h.nstages = e->nstages;
    h.ntries = e->ntries;
    h.key_direct = e->key_direct;
    h.use_masks = e->use_masks;
    st = S_put(out, &h, sizeof h);
  }
  for (size_t i = 0; st == ZHCONV_OK && i < e->ndicts; i++) {
    const ndict *d = &e->dicts[i];
    engine_dict ed = {d->index_hash, d->starts[d->ngroups], d->ngroups};
    st = S_put(out, &ed, sizeof ed);
  }
  for (size_t i = 0; st == ZHCONV_OK && i < e->nstages + 2; i++)
    st = S_put_map(out, &e->tables[i].map, &e->tables[i]);
  if (st == ZHCONV_OK && e->use_masks)
    st = S_put_map(out, &e->masks, NULL);
  if (st == ZHCONV_OK)
    st = S_put(out, e->tries, e->ntries * sizeof *e->tries);
  zhconv__native_close(e);
  return st;
}

/* Add the characters of d's keys to ks: listed in the index when there is
 * one, else read from the keys. */
static void
S_add_key_chars(const ndict *d, zhconv__keyset *ks)
{
  if (d->keychars) {
    for (size_t k = 0; k < d->nkeychars; k++)
      zhconv__keyset_add_char(ks, d->keychars[k]);
    return;
  }
  for (size_t r = 0; d->recs && r < d->starts[d->ngroups]; r++) {
    const uchar *key = (const uchar *)d->text + REC_OFF(d->recs[r]);
    for (size_t at = 0, len = REC_LEN(d->recs[r]); at < len;) {
      /* Read no further than the key (an index trusted by its time may
       * come with a changed text: see S_load_index). */
      uchar c[4] = {0};
      memcpy(c, key + at, len - at < 4 ? len - at : 4);
      size_t l;
      zhconv__keyset_add_char(ks, S_decode(c, &l));
      at += l;
    }
  }
}

void
zhconv__native_add_keychars(const zhconv__native *e, zhconv__keyset *ks)
{
  /* Every character of every key the engine can match: the same set the
   * key set would get from reading the dictionaries again, without the
   * second read; listed in the index when there is one. */
  for (size_t i = 0; i < e->ndicts; i++)
    S_add_key_chars(&e->dicts[i], ks);
}

/* ---- word lists ----------------------------------------------------------- */

struct zhconv__words {
  ndict dict;
  nmap groups;  /* first character -> its group + 1 (a bisection of the
                 * groups' first characters was a tenth of a search) */
};

int
zhconv__words_open(const char *data_dirs, zhconv_variant script, zhconv__words **out, char *err)
{
  *out = NULL;
  char *path =
    zhconv__datadir_find(data_dirs, script == ZHCONV_HANT ? "words/hant.txt" : "words/hans.txt");
  if (!path)
    return ZHCONV_OK;
  zhconv__words *w = calloc(1, sizeof *w);
  int st = w ? S_load_dict(path, &w->dict, true, err) : ZHCONV_ERR_NOMEM;
  free(path);
  if (st == ZHCONV_OK)
    st = S_map_build(&w->groups, w->dict.firsts, w->dict.ngroups);
  for (uint32_t g = 0; st == ZHCONV_OK && g < w->dict.ngroups; g++)
    *S_map_slot(&w->groups, w->dict.firsts[g]) = g + 1;
  if (st != ZHCONV_OK) {
    zhconv__words_free(w);
    return st;
  }
  *out = w;
  return ZHCONV_OK;
}

void
zhconv__words_free(zhconv__words *w)
{
  if (!w)
    return;
  S_dict_free(&w->dict);
  S_map_free(&w->groups);
  free(w);
}

size_t
zhconv__words_longest(const zhconv__words *w, const char *text, size_t len)
{
  const ndict *d = &w->dict;
  const uchar *p = (const uchar *)text;
  size_t l0, l1;
  uint32_t cp0 = S_decode(p, &l0);
  if (l0 >= len || d->ngroups == 0 || !S_pair(d, cp0, S_decode(p + l0, &l1)))
    return 0;
  uint32_t lo = S_map_get(&w->groups, cp0);
  if (lo-- == 0)
    return 0;
  /* A pair of characters starts a key here, so the group has longer keys;
   * its one-character key, if any, sorts first and is no answer. */
  const nrec *hit;
  size_t k = S_group_match(d, lo, false, true, cp0, p, p + len, l0, &hit);
  return k > l0 ? k : 0;
}

void
zhconv__words_add_keychars(const zhconv__words *w, zhconv__keyset *ks)
{
  S_add_key_chars(&w->dict, ks);
}

bool
zhconv__words_cut(const zhconv__words *words, const char *text, size_t n, size_t from, size_t at,
                  size_t len)
{
  return S_cut(words, text, n, from, at, len, false);
}

int
zhconv__native_index(const char *text_path, zhconv__buf *out, char *err)
{
  ndict d = {0};
  zhconv__keyset ks = {0};
  int st = S_load_dict(text_path, &d, false, err);
  if (st == ZHCONV_OK)
    st = zhconv__keyset_init(&ks);
  if (st == ZHCONV_OK) {
    S_add_key_chars(&d, &ks);
    index_header h = {{0}, INDEX_BYTE_ORDER, d.ngroups, d.text_len, d.starts[d.ngroups],
                      (uint64_t)1 << (58 - d.pair_shift), d.pair_shift, 0, 0};
    memcpy(h.magic, INDEX_MAGIC, sizeof INDEX_MAGIC);
    out->len = 0;
    st = zhconv__buf_append(out, (const char *)&h, sizeof h);
    if (st == ZHCONV_OK)
      st = zhconv__buf_append(out, (const char *)d.recs, h.nrecs * 8);
    if (st == ZHCONV_OK)
      st = zhconv__buf_append(out, (const char *)d.pairs, h.pair_words * 8);
    if (st == ZHCONV_OK)
      st = zhconv__buf_append(out, (const char *)d.starts, (d.ngroups + 1) * 4);
    if (st == ZHCONV_OK)
      st = zhconv__buf_append(out, (const char *)d.firsts, (d.ngroups + 1) * 4);
    for (uint32_t cp = 0; cp < 0x110000 && st == ZHCONV_OK; cp++)
      if (zhconv__keyset_has(&ks, cp)) {
        st = zhconv__buf_append(out, (const char *)&cp, 4);
        h.nkeychars++;
      }
    if (st == ZHCONV_OK) {
      h.body_hash = zhconv__hash64(out->data + sizeof h, out->len - sizeof h);
      memcpy(out->data, &h, sizeof h);
    }
  }
  zhconv__keyset_free(&ks);
  S_dict_free(&d);
  return st;
}
