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
 *     match of all members.
 *
 * The dictionaries are read as text: a text dictionary directly, a binary
 * one (.ocd2) through the copy that the build exported (see keyset.c and
 * zhconv__exported_copy).  Each becomes a trie over code points: the first
 * character through a direct table (two levels: cp >> 8, cp & 0xFF), the
 * following ones through a hash table of (node, code point) edges.
 *
 * Each part of the chain (the segmentation, each conversion) is compiled
 * into one table from a character to what happens where it starts:
 *   0         nothing: no key of any member starts with it;
 *   fixed     a one-character key that starts no longer key (and no earlier
 *             member of the group knows the character): its value, inline
 *             when it has at most 4 bytes;
 *   walk      the (dictionary, node) pairs to walk, in the group's order, up
 *             to the first member that surely matches.
 * So most characters cost one decode and one load per conversion.
 *
 * Two facts about the segmentation save work.  A position inside a run of
 * unmatched characters matched no key of the segmentation's dictionaries
 * in the whole text, so none within the segment either: the first
 * conversion drops those dictionaries from its group for such runs.  And
 * when the first conversion's group starts with the segmentation's (only)
 * dictionary, a matched segment K converts, in that conversion, to that
 * dictionary's value of K.
 *
 * The engine is immutable after zhconv__native_open; a conversion uses
 * only its own stack and the caller's buffer. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"

typedef unsigned char uchar;

#define PAGES 0x1100 /* code points >> 8 */

/* A node's word: whether a key ends here (then its value's length and
 * offset in the pool) and whether longer keys go on from here. */
#define VAL_HAS ((uint64_t)1 << 63)
#define VAL_KIDS ((uint64_t)1 << 62)
#define VAL_LEN(w) ((size_t)((w) >> 32) & 0x3FFFFFFF)
#define VAL_OFF(w) ((size_t)(uint32_t)(w))

/* A table entry's kind (the low two bits; 0 is "nothing"). */
#define ENT_INLINE 1 /* bits 2..4: length; bits 32..63: the bytes */
#define ENT_POOL 2   /* bits 8..31: length; bits 32..63: offset */
#define ENT_WALK 3   /* bits 8..31: count; bits 32..63: first try */

/* OpenCC reads text dictionaries with fgets into 4096 bytes. */
#define LINE_MAX_BYTES 4095

/* A trie node.  Its children are in a small open-addressing table of its
 * own (kids[kids .. kids + size), size = 1 << (32 - shift), at least twice
 * the number of children), so that a node's children lie together. */
typedef struct nnode {
  uint64_t val;      /* VAL_HAS, VAL_KIDS, the value's length and offset */
  uint32_t kids;
  uint32_t shift;
} nnode;

typedef struct nkid {
  uint32_t cp;       /* 0: an empty slot (no key holds a NUL) */
  uint32_t child;
} nkid;

typedef struct ndict {
  char *ref;                     /* the configuration's file (shared when equal) */
  nnode *nodes;                  /* node 0 is "none" */
  uint32_t nnodes;
  nkid *kids;
  size_t nkids;
  const uint32_t *root[PAGES];   /* first character -> node, or S_zero32 */
} ndict;

typedef struct ntry {
  uint32_t dict, node;
} ntry;

typedef struct ntable {
  const uint64_t *pages[PAGES];  /* character -> entry, or S_zero64 */
  bool ascii_free;               /* no key starts with an ASCII character */
  bool empty;                    /* no key at all */
} ntable;

struct zhconv__native {
  char *pool;          /* the dictionaries' texts: values are offsets */
  size_t pool_len;
  ndict *dicts;
  size_t ndicts;
  ntry *tries;
  size_t ntries, tries_cap;
  size_t nstages;      /* conversions */
  /* [0] the segmentation, [1..nstages] the conversions, [nstages + 1] the
   * first conversion on runs of unmatched characters */
  ntable *tables;
  bool key_direct;     /* see the top of the file */
};

static const uint32_t S_zero32[256];
static const uint64_t S_zero64[256];

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

static inline uint32_t
S_kid_slot(uint32_t cp, uint32_t shift)
{
  return (cp * 0x9E3779B1u) >> shift;
}

static inline uint32_t
S_child(const ndict *d, const nnode *n, uint32_t cp)
{
  const nkid *t = d->kids + n->kids;
  uint32_t mask = UINT32_MAX >> n->shift;
  for (uint32_t i = S_kid_slot(cp, n->shift);; i = (i + 1) & mask) {
    if (t[i].cp == cp)
      return t[i].child;
    if (t[i].cp == 0)
      return 0;
  }
}

/* The longest key of d that starts at p (whose first character, of length
 * l0, leads to `node`) and ends by `end`: its length, or 0. */
static inline size_t
S_walk(const ndict *d, uint32_t node, const uchar *p, const uchar *end, size_t l0,
       uint64_t *val)
{
  const nnode *n = &d->nodes[node];
  uint64_t w = n->val;
  size_t best = 0;
  if (w & VAL_HAS) {
    best = l0;
    *val = w;
  }
  const uchar *q = p + l0;
  while ((w & VAL_KIDS) && q < end) {
    size_t l;
    uint32_t cp = S_decode(q, &l);
    if (!(node = S_child(d, n, cp)))
      break;
    q += l;
    n = &d->nodes[node];
    w = n->val;
    if (w & VAL_HAS) {
      best = (size_t)(q - p);
      *val = w;
    }
  }
  return best;
}

/* The match at p for the (nonzero) entry of its first character, of length
 * l: the key's length or 0; its value in *v, *vl (an inline value is copied
 * to *inl). */
static inline size_t
S_match(const zhconv__native *e, uint64_t ent, const uchar *p, const uchar *end, size_t l,
        const uchar **v, size_t *vl, uint32_t *inl)
{
  switch (ent & 3) {
  case ENT_INLINE:
    *inl = (uint32_t)(ent >> 32);
    *v = (const uchar *)inl;
    *vl = (size_t)(ent >> 2) & 7;
    return l;
  case ENT_POOL:
    *v = (const uchar *)e->pool + (ent >> 32);
    *vl = (size_t)(ent >> 8) & 0xFFFFFF;
    return l;
  default: {
    const ntry *t = e->tries + (ent >> 32);
    size_t n = (size_t)(ent >> 8) & 0xFFFFFF;
    for (size_t i = 0; i < n; i++) {
      uint64_t w = 0;
      size_t kl = S_walk(&e->dicts[t[i].dict], t[i].node, p, end, l, &w);
      if (kl) {
        *v = (const uchar *)e->pool + VAL_OFF(w);
        *vl = VAL_LEN(w);
        return kl;
      }
    }
    return 0;
  }
  }
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

/* One conversion over p[0..n) into dst.  Returns 1 when it wrote its
 * result, 0 when the result is the input unchanged and `must_write` is
 * false (then it wrote nothing), or an error (< 0). */
static int
S_stage(const zhconv__native *e, const ntable *t, const uchar *p, size_t n, sink *dst,
        bool must_write)
{
  const uchar *end = p + n, *from = p;
  bool wrote = false;
  if (!t->empty) {
    const uint64_t *page0 = t->pages[0];
    while (p < end) {
      unsigned b0 = *p;
      uint64_t ent;
      size_t l;
      if (b0 < 0x80) {
        if (t->ascii_free) {
          p++;
          continue;
        }
        ent = page0[b0];
        l = 1;
      } else {
        uint32_t cp = S_decode(p, &l);
        ent = t->pages[cp >> 8][cp & 0xFF];
      }
      if (!ent) {
        p += l;
        continue;
      }
      const uchar *v;
      size_t vl, kl;
      uint32_t inl = 0;
      if ((ent & 3) == ENT_INLINE) {
        inl = (uint32_t)(ent >> 32);
        vl = (size_t)(ent >> 2) & 7;
        kl = l;
        v = NULL;
      } else if (!(kl = S_match(e, ent, p, end, l, &v, &vl, &inl))) {
        p += l;
        continue;
      }
      size_t keep = (size_t)(p - from);
      if (!S_ROOM(dst, keep + vl + 4)) {
        int st = S_grow(dst, keep + vl + 4);
        if (st != ZHCONV_OK)
          return st;
      }
      memcpy(dst->w, from, keep);
      dst->w += keep;
      if (v)
        memcpy(dst->w, v, vl);
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
  memcpy(dst->w, from, keep);
  dst->w += keep;
  return 1;
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
  memcpy(c->out.w, p, n);
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
    unsigned b0 = *p;
    uint64_t ent;
    size_t l;
    if (b0 < 0x80) {
      if (seg->ascii_free) {
        p++;
        continue;
      }
      ent = seg->pages[0][b0];
      l = 1;
    } else {
      uint32_t cp = S_decode(p, &l);
      ent = seg->pages[cp >> 8][cp & 0xFF];
    }
    if (!ent) {
      p += l;
      continue;
    }
    const uchar *v;
    size_t vl;
    uint32_t inl;
    size_t kl = S_match(e, ent, p, end, l, &v, &vl, &inl);
    if (!kl) {
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

static void
S_dict_free(ndict *d)
{
  free(d->ref);
  free(d->nodes);
  free(d->kids);
  for (size_t i = 0; i < PAGES; i++)
    if (d->root[i] != S_zero32)
      free((void *)d->root[i]);
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

/* One line of a text dictionary, as OpenCC's fgets-based reader takes it:
 * a line that starts with CR or LF is skipped; otherwise the key runs to
 * the first tab (a CR or LF before it is an error), the first value from
 * there to the first space, CR or LF. */
typedef struct nline {
  const char *key, *value;
  size_t key_len, value_len;
} nline;

/* 1: an entry; 0: a skipped line; < 0: an error (a reason in *why). */
static int
S_parse_line(const char *s, const char *eol, nline *entry, const char **why)
{
  if (s == eol || *s == '\r')
    return 0;
  const char *tab = memchr(s, '\t', (size_t)(eol - s));
  const char *cr = memchr(s, '\r', (size_t)((tab ? tab : eol) - s));
  if (!tab || cr) {
    *why = "no tab after the key";
    return -1;
  }
  if (tab == s) {
    *why = "an empty key";  /* OpenCC loops forever on it */
    return -1;
  }
  const char *v = tab + 1, *ve = v;
  while (ve < eol && *ve != ' ' && *ve != '\r')
    ve++;
  entry->key = s;
  entry->key_len = (size_t)(tab - s);
  entry->value = v;
  entry->value_len = (size_t)(ve - v);
  return 1;
}

/* Valid UTF-8 without NUL bytes (quicker than utf8.c on CJK text). */
static bool
S_valid_utf8(const uchar *s, const uchar *end)
{
  while (s < end) {
    if (end - s >= 8) {
      uint64_t w;
      memcpy(&w, s, 8);
      if (!(w & 0x8080808080808080ULL) &&
          !((w - 0x0101010101010101ULL) & ~w & 0x8080808080808080ULL)) {
        s += 8;
        continue;
      }
    }
    unsigned c = *s;
    if (c < 0x80) {
      if (c == 0)
        return false;
      s++;
    } else if (c < 0xC2) {
      return false;
    } else if (c < 0xE0) {
      if (end - s < 2 || (s[1] & 0xC0) != 0x80)
        return false;
      s += 2;
    } else if (c < 0xF0) {
      if (end - s < 3 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
          (c == 0xE0 && s[1] < 0xA0) || (c == 0xED && s[1] > 0x9F))
        return false;
      s += 3;
    } else if (c < 0xF5) {
      if (end - s < 4 || (s[1] & 0xC0) != 0x80 || (s[2] & 0xC0) != 0x80 ||
          (s[3] & 0xC0) != 0x80 || (c == 0xF0 && s[1] < 0x90) || (c == 0xF4 && s[1] > 0x8F))
        return false;
      s += 4;
    } else {
      return false;
    }
  }
  return true;
}

/* An entry of a text dictionary: offsets in the pool. */
typedef struct nentry {
  uint32_t key, value;
  uint16_t key_len, value_len;
} nentry;

/* Scratch space for building one first character's subtree. */
typedef struct nbuild {
  uint64_t *keys;      /* (local parent << 21 | code point), 0: empty */
  uint32_t *childs;
  size_t size;         /* slots in use for this subtree (a power of two) */
  size_t cap;
  uint32_t *parent, *cp; /* per new node, from the subtree's first node */
  size_t node_cap;
} nbuild;

static int
S_build_reserve(nbuild *b, size_t chars)
{
  size_t size = 16;
  while (size < 2 * chars)
    size *= 2;
  if (size > b->cap) {
    free(b->keys);
    free(b->childs);
    b->keys = calloc(size, sizeof *b->keys);
    b->childs = malloc(size * sizeof *b->childs);
    b->cap = size;
    if (!b->keys || !b->childs)
      return ZHCONV_ERR_NOMEM;
  }
  b->size = size;
  if (chars + 1 > b->node_cap) {
    free(b->parent);
    free(b->cp);
    b->node_cap = 2 * (chars + 1);
    b->parent = malloc(b->node_cap * sizeof *b->parent);
    b->cp = malloc(b->node_cap * sizeof *b->cp);
    if (!b->parent || !b->cp)
      return ZHCONV_ERR_NOMEM;
  }
  return ZHCONV_OK;
}

static void
S_build_free(nbuild *b)
{
  free(b->keys);
  free(b->childs);
  free(b->parent);
  free(b->cp);
}

/* Build the subtree of one first character from its entries: nodes get
 * consecutive numbers from `root`, and each node's children go into a
 * table of its own. */
static int
S_build_subtree(ndict *d, nbuild *b, const char *pool, const nentry *entries,
                const uint32_t *order, size_t from, size_t to, uint32_t root,
                const char *path, size_t *dup)
{
  size_t chars = 0;
  for (size_t i = from; i < to; i++) {
    const nentry *en = &entries[order[i]];
    for (size_t k = 0; k < en->key_len; k++)
      chars += ((uchar)pool[en->key + k] & 0xC0) != 0x80;
    chars--;
  }
  (void)path;
  if (S_build_reserve(b, chars) != ZHCONV_OK)
    return ZHCONV_ERR_NOMEM;
  size_t mask = b->size - 1;
  int shift = 64;
  for (size_t s = b->size; s > 1; s >>= 1)
    shift--;
  d->nodes[root].val = 0;
  for (size_t i = from; i < to; i++) {
    const nentry *en = &entries[order[i]];
    const uchar *k = (const uchar *)pool + en->key, *kend = k + en->key_len;
    size_t l;
    S_decode(k, &l);
    k += l;
    uint32_t node = root;
    while (k < kend) {
      uint32_t cp = S_decode(k, &l);
      k += l;
      uint64_t key = (uint64_t)(node - root + 1) << 21 | cp;
      size_t slot = (size_t)((key * 0x9E3779B97F4A7C15ULL) >> shift);
      while (b->keys[slot] != key && b->keys[slot] != 0)
        slot = (slot + 1) & mask;
      if (b->keys[slot] == 0) {
        uint32_t child = d->nnodes++;
        d->nodes[child].val = 0;
        b->keys[slot] = key;
        b->childs[slot] = child;
        b->parent[child - root] = node;
        b->cp[child - root] = cp;
      }
      node = b->childs[slot];
    }
    if (d->nodes[node].val & VAL_HAS) {
      *dup = order[i];
      return ZHCONV_ERR_CONFIG;
    }
    d->nodes[node].val |= VAL_HAS | (uint64_t)en->value_len << 32 | en->value;
  }
  memset(b->keys, 0, b->size * sizeof *b->keys);

  /* The children's tables: count, place, fill. */
  uint32_t end = d->nnodes;
  for (uint32_t n = root; n < end; n++)
    d->nodes[n].kids = 0;
  for (uint32_t n = root + 1; n < end; n++)
    d->nodes[b->parent[n - root]].kids++;
  for (uint32_t n = root; n < end; n++) {
    uint32_t count = d->nodes[n].kids;
    if (count == 0) {
      d->nodes[n].shift = 31;
      continue;
    }
    uint32_t size = 2, shift = 31;
    while (size < 2 * count) {
      size *= 2;
      shift--;
    }
    d->nodes[n].kids = (uint32_t)d->nkids;
    d->nodes[n].shift = shift;
    d->nodes[n].val |= VAL_KIDS;
    d->nkids += size;
  }
  for (uint32_t n = root + 1; n < end; n++) {
    nnode *parent = &d->nodes[b->parent[n - root]];
    uint32_t cp = b->cp[n - root], mask32 = UINT32_MAX >> parent->shift;
    nkid *t = d->kids + parent->kids;
    uint32_t i = S_kid_slot(cp, parent->shift);
    while (t[i].cp != 0)
      i = (i + 1) & mask32;
    t[i].cp = cp;
    t[i].child = n;
  }
  return ZHCONV_OK;
}

/* Read the text dictionary `path` (appended to the pool) into d. */
static int
S_load_dict(zhconv__buf *pool, const char *path, ndict *d, char *err)
{
  size_t base = pool->len;
  int st = zhconv__read_file(path, pool);
  if (st != ZHCONV_OK) {
    zhconv__errorf(err, "cannot read dictionary %s", path);
    return st == ZHCONV_ERR_NOMEM ? st : ZHCONV_ERR_CONFIG;
  }
  if (pool->len > UINT32_MAX)
    return S_refuse(err, path, 0, "too large");
  const char *text = pool->data + base, *end = pool->data + pool->len;
  if (!S_valid_utf8((const uchar *)text, (const uchar *)end))
    return S_refuse(err, path, 0, "not valid UTF-8 without NUL bytes");
  if (end - text >= 3 && memcmp(text, "\xEF\xBB\xBF", 3) == 0)
    text += 3;

  /* Read the lines; count the entries of each first character. */
  nentry *entries = NULL;
  uint32_t *order = NULL;
  size_t n = 0, cap = 0, chars = 0, line = 0;
  uint32_t *root[PAGES] = {0};
  for (const char *s = text; s < end;) {
    const char *nl = memchr(s, '\n', (size_t)(end - s));
    const char *eol = nl ? nl : end, *next = nl ? nl + 1 : end;
    line++;
    if (next - s > LINE_MAX_BYTES) {
      st = S_refuse(err, path, line, "a line longer than OpenCC reads whole");
      goto done;
    }
    nline en;
    const char *why = NULL;
    int r = S_parse_line(s, eol, &en, &why);
    if (r < 0) {
      st = S_refuse(err, path, line, why);
      goto done;
    }
    s = next;
    if (r == 0)
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 1024;
      nentry *e2 = realloc(entries, cap * sizeof *entries);
      if (!e2) {
        st = ZHCONV_ERR_NOMEM;
        goto done;
      }
      entries = e2;
    }
    entries[n].key = (uint32_t)(en.key - pool->data);
    entries[n].key_len = (uint16_t)en.key_len;
    entries[n].value = (uint32_t)(en.value - pool->data);
    entries[n].value_len = (uint16_t)en.value_len;
    n++;
    for (size_t i = 0; i < en.key_len; i++)
      chars += ((uchar)en.key[i] & 0xC0) != 0x80;
    size_t l;
    uint32_t cp = S_decode((const uchar *)en.key, &l);
    if (!root[cp >> 8] && !(root[cp >> 8] = calloc(256, sizeof **root))) {
      st = ZHCONV_ERR_NOMEM;
      goto done;
    }
    root[cp >> 8][cp & 0xFF]++;
  }

  /* Order the entries by first character (a counting sort). */
  order = malloc((n + 1) * sizeof *order);
  d->nodes = malloc((chars + 1) * sizeof *d->nodes);
  d->kids = calloc(4 * (chars - n) + 2, sizeof *d->kids);
  if (!order || !d->nodes || !d->kids) {
    st = ZHCONV_ERR_NOMEM;
    goto done;
  }
  size_t at = 0;
  for (size_t pg = 0; pg < PAGES; pg++)
    if (root[pg]) {
      d->root[pg] = root[pg];
      for (size_t c = 0; c < 256; c++) {
        uint32_t count = root[pg][c];
        root[pg][c] = (uint32_t)at;
        at += count;
      }
    }
  for (size_t i = 0; i < n; i++) {
    size_t l;
    uint32_t cp = S_decode((const uchar *)pool->data + entries[i].key, &l);
    order[root[cp >> 8][cp & 0xFF]++] = (uint32_t)i;
  }

  /* Build each first character's subtree. */
  nbuild b = {0};
  d->nnodes = 1;
  d->nodes[0].val = 0;
  d->nodes[0].shift = 31;
  at = 0;
  for (size_t pg = 0; pg < PAGES && st == ZHCONV_OK; pg++) {
    if (!root[pg])
      continue;
    for (size_t c = 0; c < 256 && st == ZHCONV_OK; c++) {
      size_t to = root[pg][c];
      if (to == at) {
        root[pg][c] = 0;
        continue;
      }
      uint32_t node = d->nnodes++;
      root[pg][c] = node;
      size_t dup = 0;
      st = S_build_subtree(d, &b, pool->data, entries, order, at, to, node, path, &dup);
      if (st == ZHCONV_ERR_CONFIG) {
        /* Find the line of the second occurrence, for the message. */
        size_t dup_line = 1;
        for (const char *s = text; s < pool->data + entries[dup].key; s++)
          dup_line += *s == '\n';
        st = S_refuse(err, path, dup_line, "a duplicate key (OpenCC refuses the dictionary)");
      }
      at = to;
    }
  }
  S_build_free(&b);

done:
  for (size_t pg = 0; pg < PAGES; pg++)
    if (root[pg] && d->root[pg] != root[pg])
      free(root[pg]);
  free(entries);
  free(order);
  return st;
}

/* ---- compiling the chain ------------------------------------------------ */

static int
S_add_try(zhconv__native *e, uint32_t dict, uint32_t node)
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
  e->tries[e->ntries].node = node;
  e->ntries++;
  return ZHCONV_OK;
}

/* The table of a group of dictionaries (one dictionary: a group of one). */
static int
S_build_table(zhconv__native *e, ntable *t, const size_t *members, size_t n)
{
  t->empty = true;
  for (size_t pg = 0; pg < PAGES; pg++) {
    t->pages[pg] = S_zero64;
    bool any = false;
    for (size_t m = 0; m < n; m++)
      any |= e->dicts[members[m]].root[pg] != S_zero32;
    if (!any)
      continue;
    uint64_t *page = calloc(256, sizeof *page);
    if (!page)
      return ZHCONV_ERR_NOMEM;
    t->pages[pg] = page;
    t->empty = false;
    for (size_t c = 0; c < 256; c++) {
      size_t first = e->ntries, count = 0;
      uint64_t last = 0;
      for (size_t m = 0; m < n; m++) {
        const ndict *d = &e->dicts[members[m]];
        uint32_t node = d->root[pg][c];
        if (!node)
          continue;
        if (S_add_try(e, (uint32_t)members[m], node) != ZHCONV_OK)
          return ZHCONV_ERR_NOMEM;
        count++;
        last = d->nodes[node].val;
        if (last & VAL_HAS)
          break; /* this member surely matches: the later ones never count */
      }
      if (count == 0)
        continue;
      size_t vl = VAL_LEN(last);
      bool fixed = count == 1 && (last & VAL_HAS) && !(last & VAL_KIDS);
      if (fixed && vl <= 4) {
        uint32_t inl = 0;
        memcpy(&inl, e->pool + VAL_OFF(last), vl);
        page[c] = ENT_INLINE | (uint64_t)vl << 2 | (uint64_t)inl << 32;
        e->ntries = first;
        continue;
      }
      if (fixed && vl < (1u << 24)) {
        page[c] = ENT_POOL | (uint64_t)vl << 8 | (uint64_t)VAL_OFF(last) << 32;
        e->ntries = first;
        continue;
      }
      if (e->ntries > UINT32_MAX)
        return ZHCONV_ERR_NOMEM;
      page[c] = ENT_WALK | (uint64_t)count << 8 | (uint64_t)first << 32;
    }
  }
  t->ascii_free = true;
  for (size_t c = 0; c < 0x80; c++)
    if (t->pages[0][c])
      t->ascii_free = false;
  return ZHCONV_OK;
}

void
zhconv__native_close(zhconv__native *e)
{
  if (!e)
    return;
  for (size_t i = 0; i < e->ndicts; i++)
    S_dict_free(&e->dicts[i]);
  free(e->dicts);
  if (e->tables)
    for (size_t i = 0; i < e->nstages + 2; i++)
      for (size_t pg = 0; pg < PAGES; pg++)
        if (e->tables[i].pages[pg] != S_zero64)
          free((void *)e->tables[i].pages[pg]);
  free(e->tables);
  free(e->tries);
  free(e->pool);
  free(e);
}

/* The dictionary for the configuration's dictionary `ref`: read it, or
 * share one already read from the same file. */
static int
S_dict_for(zhconv__native *e, zhconv__buf *pool, const zhconv__dictref *ref,
           const char *data_dirs, size_t *index, char *err)
{
  for (size_t i = 0; i < e->ndicts; i++)
    if (strcmp(e->dicts[i].ref, ref->path) == 0) {
      *index = i;
      return ZHCONV_OK;
    }
  char *source;
  if (strcmp(ref->type, "text") == 0)
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
  ndict *d = &e->dicts[e->ndicts];
  memset(d, 0, sizeof *d);
  for (size_t i = 0; i < PAGES; i++)
    d->root[i] = S_zero32;
  e->ndicts++;
  int st = (d->ref = strdup(ref->path)) ? S_load_dict(pool, source, d, err)
                                        : ZHCONV_ERR_NOMEM;
  free(source);
  *index = e->ndicts - 1;
  return st;
}

int
zhconv__native_open(const char *config_path, const char *data_dirs, zhconv__native **engine,
                    char *err)
{
  *engine = NULL;
  zhconv__chain chain;
  int st = zhconv__config_chain(config_path, &chain, err);
  if (st != ZHCONV_OK)
    return st;
  zhconv__native *e = calloc(1, sizeof *e);
  size_t *members = malloc((2 * chain.count + 1) * sizeof *members);
  zhconv__buf pool = {0};
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
    st = S_dict_for(e, &pool, &chain.dicts[i], data_dirs, &members[i], err);
  if (st != ZHCONV_OK)
    goto done;
  e->pool = pool.data;
  e->pool_len = pool.len;
  pool.data = NULL;

  e->nstages = chain.parts - 1;
  if (!(e->tables = malloc((e->nstages + 2) * sizeof *e->tables))) {
    st = ZHCONV_ERR_NOMEM;
    goto done;
  }
  for (size_t i = 0; i < e->nstages + 2; i++)
    for (size_t pg = 0; pg < PAGES; pg++)
      e->tables[i].pages[pg] = S_zero64;
  for (size_t part = 0; st == ZHCONV_OK && part < chain.parts; part++)
    st = S_build_table(e, &e->tables[part], members + chain.starts[part],
                       chain.starts[part + 1] - chain.starts[part]);
  if (st != ZHCONV_OK)
    goto done;

  size_t *seg = members, nseg = chain.starts[1];
  if (e->nstages > 0) {
    /* The first conversion on unmatched runs: without the segmentation's
     * dictionaries. */
    size_t *first = members + chain.starts[1], nfirst = chain.starts[2] - chain.starts[1];
    size_t nrun = 0;
    for (size_t i = 0; i < nfirst; i++) {
      bool in_seg = false;
      for (size_t j = 0; j < nseg; j++)
        in_seg |= seg[j] == first[i];
      if (!in_seg)
        members[chain.count + nrun++] = first[i];
    }
    st = S_build_table(e, &e->tables[e->nstages + 1], members + chain.count, nrun);
    e->key_direct = nseg == 1 && nfirst >= 1 && first[0] == seg[0];
  }

done:
  zhconv__buf_free(&pool);
  free(members);
  zhconv__config_chain_free(&chain);
  if (st != ZHCONV_OK) {
    zhconv__native_close(e);
    return st;
  }
  *engine = e;
  return ZHCONV_OK;
}
