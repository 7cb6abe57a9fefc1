/* test-properties.c — properties that must hold on any input, checked on
 * random input (the same generator as the fuzz harnesses' helpers,
 * tests/fuzz/fuzz.h; seed: ZHCONV_TEST_SEED, printed at the start):
 *
 *   1. buffer-size invariance: streaming in random chunks into random
 *      output buffers, with the text cut every few bytes, gives what
 *      one-shot conversion gives;
 *   2. --invalid=keep keeps every byte that is not converted, in order (and
 *      replace writes U+FFFD for each ill-formed subpart, reject stops at
 *      the first): the output is the valid runs converted on their own,
 *      with the NUL and ill-formed bytes between them as they were;
 *   3. protected terms survive: the output is the text between them
 *      converted and the terms as they were;
 *   4. idempotence: converting the output again changes nothing (hans,
 *      hant, cn; tw and hk are TODO, see README "Reliability");
 *   5. round trip: every vocabulary entry whose cn and tw forms map only to
 *      each other goes tw -> cn -> tw back to itself. */
#include "fuzz.h"

#include <unistd.h>

#include "tap.h"

static fz_rng S_rng;
static zhconv__buf S_han;   /* sample text to draw Chinese from */

/* ---- random text -------------------------------------------------------- */

static void
S_put(zhconv__buf *b, const void *s, size_t n)
{
  if (zhconv__buf_append(b, s, n) != ZHCONV_OK)
    abort();
}

/* A window of 1-8 whole characters of the samples. */
static void
S_put_han(zhconv__buf *b)
{
  size_t at = (size_t)(fz_next(&S_rng) % (S_han.len - 64));
  while (((unsigned char)S_han.data[at] & 0xC0) == 0x80)
    at++;
  size_t n = 1 + (size_t)(fz_next(&S_rng) % 8), end = at, max = 0;
  uint32_t cp;
  while (n-- && end < S_han.len)
    end += fz_utf8_char((const uint8_t *)S_han.data + end, S_han.len - end, &max, &cp);
  S_put(b, S_han.data + at, end - at);
}

/* Random text of about `len` bytes; with `bad`, NUL bytes and ill-formed
 * sequences too. */
static void
S_text(zhconv__buf *b, size_t len, bool bad)
{
  static const char *const bits[] = {
    " ", "\n", "\r\n", "abc", "Wi-Fi ", "2024", "。", "，", "、", "“", "”", "‘", "’", "「",
    "」", "『", "』", "\xEF\xBB\xBF", "😀", "——", "(", ")", "\t",
  };
  static const struct {
    const char *s;
    size_t n;
  } bads[] = {
    {"", 1}, {"\x80", 1}, {"\xFF", 1}, {"\xE4\xB8", 2}, {"\xED\xA0\x80", 3}, {"\xC0\xAF", 2},
    {"\xF4\x90\x80\x80", 4}, {"\xF0\x9F\x98", 3}, {"\xC2", 1},
  };
  b->len = 0;
  while (b->len < len) {
    uint64_t x = fz_next(&S_rng) % 16;
    if (x < 10)
      S_put_han(b);
    else if (x < 15 || !bad) {
      const char *s = bits[fz_next(&S_rng) % (sizeof bits / sizeof bits[0])];
      S_put(b, s, strlen(s));
    } else {
      size_t i = (size_t)(fz_next(&S_rng) % (sizeof bads / sizeof bads[0]));
      S_put(b, bads[i].s, bads[i].n);
    }
  }
}

static bool
S_read(const char *path, zhconv__buf *out)
{
  return zhconv__read_file(path, out) == ZHCONV_OK;
}

/* The same status and error position, or the same bytes. */
static bool
S_same_result(const fz_result *a, const fz_result *b)
{
  if (a->status != b->status)
    return false;
  if (a->status < 0)
    return a->mark.offset == b->mark.offset;
  return a->out.len == b->out.len &&
         (a->out.len == 0 || memcmp(a->out.data, b->out.data, a->out.len) == 0);
}

static zhconv *
S_make(const char *const *settings)
{
  zhconv *z = fz_converter(settings);
  if (!z)
    printf("# a converter refused its options\n");
  return z;
}

/* ---- 1b. threads (after 1, buffer sizes, which it builds on) --------------- */

/* A stream with helper threads gives what one thread gives, whatever the
 * pieces: the text is cut every few hundred bytes, so each conversion is
 * shared out in many parts. */
static void
test_threads(void)
{
  const char *const sets[][5] = {
    {"to=cn", "invalid=keep", "punct=yes", NULL},
    {"to=tw", "invalid=replace", NULL},
    {"to=hant", "from=hans", NULL},
    {"config=tw2sp", "invalid=keep", NULL},
    {"to=hk", "engine=opencc", "invalid=keep", NULL},
    {"to=tw", "from=hans", NULL},             /* ill-formed input stops it */
    {"to=cn", "format=markdown", "punct=yes", NULL},
  };
  zhconv__buf text = {0};
  for (size_t c = 0; c < sizeof sets / sizeof sets[0]; c++) {
    const char *threaded[6];
    size_t k = 0;
    for (; sets[c][k]; k++)
      threaded[k] = sets[c][k];
    threaded[k] = c % 2 ? "threads=2" : "threads=5";
    threaded[k + 1] = NULL;
    zhconv *one = S_make(sets[c]), *many = S_make(threaded);
    if (!OK(one && many, "threads: converters %zu", c)) {
      zhconv_free(one);
      zhconv_free(many);
      continue;
    }
    int bad = 0, texts = 30;
    for (int i = 0; i < texts; i++) {
      S_text(&text, 1 + (size_t)(fz_next(&S_rng) % 40000), i % 3 == 0);
      fz_result whole, parallel;
      fz_oneshot(one, (const uint8_t *)text.data, text.len, &whole);
      zhconv__set_chunk(many, 64 + (size_t)(fz_next(&S_rng) % 4096));
      zhconv_stream *s = zhconv_stream_new(many);
      fz_stream(s, (const uint8_t *)text.data, text.len, &S_rng, false, &parallel);
      zhconv_stream_free(s);
      bool same = S_same_result(&whole, &parallel);
      if (!same && bad++ == 0)
        printf("# converter %zu, text %d: one thread %d (%zu bytes), threads %d (%zu bytes)\n",
               c, i, whole.status, whole.out.len, parallel.status, parallel.out.len);
      fz_result_free(&whole);
      fz_result_free(&parallel);
    }
    OK(bad == 0, "threads: %s %s: %d random texts up to 40 KB, cut every few KB: the same as one thread",
       sets[c][0], threaded[k], texts);
    zhconv_free(one);
    zhconv_free(many);
  }
  zhconv__buf_free(&text);
}

/* ---- 1. buffer sizes ------------------------------------------------------ */

static void
test_buffer_sizes(const char *protect)
{
  char p[4200];
  snprintf(p, sizeof p, "protect=%s", protect);
  const char *const sets[][6] = {
    {"to=hans", "invalid=keep", NULL},
    {"to=cn", "invalid=keep", "punct=yes", NULL},
    {"to=tw", "invalid=replace", NULL},
    {"to=hk", "from=hans", NULL},
    {"to=hant", "from=tw", "invalid=keep", NULL},
    {"config=s2twp", "invalid=keep", NULL},
    {"to=tw", "engine=opencc", "invalid=keep", NULL},
    {"to=cn", "from=hant", "no_vocab=yes", p, "invalid=replace", NULL},
  };
  zhconv__buf text = {0};
  for (size_t c = 0; c < sizeof sets / sizeof sets[0]; c++) {
    zhconv *z = S_make(sets[c]);
    if (!OK(z, "buffer sizes: converter %zu", c))
      continue;
    int bad = 0, texts = 40;
    for (int i = 0; i < texts; i++) {
      S_text(&text, 1 + (size_t)(fz_next(&S_rng) % 3000), i % 2);
      fz_result whole, streamed;
      fz_oneshot(z, (const uint8_t *)text.data, text.len, &whole);
      zhconv__set_chunk(z, 1 + (size_t)(fz_next(&S_rng) % 64));
      zhconv_stream *s = zhconv_stream_new(z);
      fz_stream(s, (const uint8_t *)text.data, text.len, &S_rng, false, &streamed);
      zhconv_stream_free(s);
      zhconv__set_chunk(z, 0);
      bool same = S_same_result(&whole, &streamed);
      if (!same && bad++ == 0)
        printf("# converter %zu, text %d: one-shot %d (%zu bytes), stream %d (%zu bytes)\n", c,
               i, whole.status, whole.out.len, streamed.status, streamed.out.len);
      fz_result_free(&whole);
      fz_result_free(&streamed);
    }
    OK(bad == 0, "buffer sizes: %s %s %s: %d random texts, streamed in random pieces, "
       "equal one-shot (%d differ)", sets[c][0], sets[c][1], sets[c][2] ? sets[c][2] : "",
       texts, bad);
    zhconv_free(z);
  }
  zhconv__buf_free(&text);
}

/* ---- 2. invalid bytes ------------------------------------------------------- */

/* The expected output: valid runs converted by `runs` (NULL: copied), the
 * NUL bytes kept, each ill-formed subpart kept or replaced. */
static void
S_expect(const zhconv *runs, const zhconv__buf *in, bool replace, zhconv__buf *out,
         size_t *first_bad)
{
  const uint8_t *s = (const uint8_t *)in->data;
  size_t len = in->len, run = 0, at = 0, max = 0;
  uint32_t cp;
  out->len = 0;
  *first_bad = SIZE_MAX;
  for (;;) {
    size_t n = at < len ? fz_utf8_char(s + at, len - at, &max, &cp) : 0;
    if (at < len && n && cp != 0) {
      at += n;
      continue;
    }
    if (at > run) {
      if (runs) {
        char *o;
        size_t olen;
        if (zhconv_convert(runs, (const char *)s + run, at - run, &o, &olen, NULL) != ZHCONV_OK)
          abort();
        S_put(out, o, olen);
        zhconv_string_free(o);
      } else
        S_put(out, s + run, at - run);
    }
    if (at == len)
      break;
    if (n) {
      S_put(out, "", 1);
      at++;
    } else {
      if (*first_bad == SIZE_MAX)
        *first_bad = at;
      if (replace)
        S_put(out, "\xEF\xBF\xBD", 3);
      else
        S_put(out, s + at, max);
      at += max;
    }
    run = at;
  }
}

static void
test_invalid(void)
{
  static const char *const modes[] = {"invalid=keep", "invalid=replace", "invalid=reject"};
  static const char *const pairs[][2] = {
    {"to=hans", "from=hans"},   /* no conversion: bytes in, bytes out */
    {"to=hans", "from=hant"},
    {"to=tw", "from=hans"},
  };
  zhconv__buf text = {0}, want = {0};
  for (size_t p = 0; p < 3; p++) {
    const char *const keep_set[] = {pairs[p][0], pairs[p][1], "invalid=keep", NULL};
    zhconv *runs = p ? S_make(keep_set) : NULL;
    for (int m = 0; m < 3; m++) {
      const char *const set[] = {pairs[p][0], pairs[p][1], modes[m], NULL};
      zhconv *z = S_make(set);
      if (!OK(z && (runs || !p), "invalid bytes: converter"))
        continue;
      int bad = 0, texts = 60;
      for (int i = 0; i < texts; i++) {
        S_text(&text, 1 + (size_t)(fz_next(&S_rng) % 1500), true);
        size_t first_bad;
        S_expect(runs, &text, m == 1, &want, &first_bad);
        fz_result got;
        zhconv__set_chunk(z, 1 + (size_t)(fz_next(&S_rng) % 64));
        zhconv_stream *s = zhconv_stream_new(z);
        fz_stream(s, (const uint8_t *)text.data, text.len, &S_rng, false, &got);
        zhconv_stream_free(s);
        zhconv__set_chunk(z, 0);
        bool right;
        if (m == 2 && first_bad != SIZE_MAX)
          right = got.status == ZHCONV_ERR_INVALID_UTF8 && got.mark.offset == first_bad;
        else
          right = got.status == ZHCONV_OK && got.out.len == want.len &&
                  (want.len == 0 || memcmp(got.out.data, want.data, want.len) == 0);
        if (!right && bad++ == 0)
          printf("# text %d: status %d, %zu bytes; expected %zu bytes (first ill-formed byte "
                 "%zu)\n", i, got.status, got.out.len, want.len, first_bad);
        fz_result_free(&got);
      }
      OK(bad == 0, "%s, %s %s: %d random texts with NUL and ill-formed bytes give the valid "
         "runs converted and every other byte %s (%d wrong)", modes[m], pairs[p][0],
         pairs[p][1], texts, m == 0 ? "kept, in order" : m == 1 ? "replaced" : "refused",
         bad);
      zhconv_free(z);
    }
    zhconv_free(runs);
  }
  zhconv__buf_free(&text);
  zhconv__buf_free(&want);
}

/* Known defects, as TODO tests: they pass when the defect is fixed. */
static void
test_known_defects(void)
{
  /* D5: with --invalid=replace, an incomplete sequence in a kept span (a
   * zhconv:off region) followed by a chunk boundary turns the valid
   * characters after it into U+FFFD when the input arrives in small
   * pieces (stream.c S_keep validates each kept span on its own). */
  const char *const set[] = {"to=cn", "from=hant", "invalid=replace", NULL};
  zhconv *z = S_make(set);
  if (!OK(z, "known defects: converter"))
    return;
  static const char text[] = "<!--zhconv:off-->\xE7\x80漢字";
  fz_result whole, pieces;
  fz_oneshot(z, (const uint8_t *)text, sizeof text - 1, &whole);
  zhconv_stream *s = zhconv_stream_new(z);
  zhconv_inbuf in;
  zhconv_outbuf out;
  char o[64];
  memset(&pieces, 0, sizeof pieces);
  for (size_t at = 0; at < sizeof text - 1; at++) {
    in = (zhconv_inbuf){text + at, 1, 0};
    out = (zhconv_outbuf){o, sizeof o, 0};
    zhconv_stream_convert(s, &out, &in, ZHCONV_CONTINUE);
    S_put(&pieces.out, o, out.pos);
  }
  in = (zhconv_inbuf){text, 0, 0};
  out = (zhconv_outbuf){o, sizeof o, 0};
  pieces.status = zhconv_stream_convert(s, &out, &in, ZHCONV_END);
  S_put(&pieces.out, o, out.pos);
  zhconv_stream_free(s);
  bool same = whole.status == ZHCONV_OK && pieces.status == ZHCONV_OK &&
              whole.out.len == pieces.out.len &&
              memcmp(whole.out.data, pieces.out.data, whole.out.len) == 0;
  OK(same, "D5: --invalid=replace, a cut-off sequence in a zhconv:off region, one byte at a "
     "time: the same as in one piece (%zu and %zu bytes)%s", whole.out.len, pieces.out.len,
     same ? "" : " # TODO known defect D5 (README, \"Reliability\")");
  if (!same)
    tap_failed--;
  fz_result_free(&whole);
  fz_result_free(&pieces);
  zhconv_free(z);
}

/* ---- 3. protected terms ------------------------------------------------------- */

static void
test_protected(const char *protect_path, const char *const *terms, size_t nterms)
{
  char p[4200];
  snprintf(p, sizeof p, "protect=%s", protect_path);
  /* (No vocabulary: a longer vocabulary term containing a protected one
   * would win, as documented.) */
  const char *const set[] = {"to=cn", "from=hant", "no_vocab=yes", p, NULL};
  const char *const plain_set[] = {"to=cn", "from=hant", "no_vocab=yes", NULL};
  zhconv *z = S_make(set), *plain = S_make(plain_set);
  if (!OK(z && plain, "protected terms: converters"))
    return;
  zhconv__buf text = {0}, want = {0}, gap = {0};
  int bad = 0, texts = 60;
  for (int i = 0; i < texts; i++) {
    text.len = want.len = 0;
    for (int k = 0; k < 6; k++) {
      /* A gap: random text that holds no character of any term. */
      S_text(&gap, 1 + (size_t)(fz_next(&S_rng) % 200), false);
      zhconv__buf clean = {0};
      for (size_t at = 0; at < gap.len;) {
        size_t max = 0;
        uint32_t cp;
        size_t n = fz_utf8_char((const uint8_t *)gap.data + at, gap.len - at, &max, &cp);
        bool in_term = false;
        for (size_t t = 0; t < nterms && !in_term; t++)
          in_term = memmem(terms[t], strlen(terms[t]), gap.data + at, n) != NULL;
        if (!in_term)
          S_put(&clean, gap.data + at, n);
        at += n;
      }
      S_put(&text, clean.data ? clean.data : "", clean.len);
      if (clean.len) {
        char *o;
        size_t olen;
        if (zhconv_convert(plain, clean.data, clean.len, &o, &olen, NULL) != ZHCONV_OK)
          abort();
        S_put(&want, o, olen);
        zhconv_string_free(o);
      }
      zhconv__buf_free(&clean);
      const char *t = terms[fz_next(&S_rng) % nterms];
      S_put(&text, t, strlen(t));
      S_put(&want, t, strlen(t));
    }
    fz_result got;
    zhconv_stream *s = zhconv_stream_new(z);
    fz_stream(s, (const uint8_t *)text.data, text.len, &S_rng, false, &got);
    zhconv_stream_free(s);
    bool right = got.status == ZHCONV_OK && got.out.len == want.len &&
                 memcmp(got.out.data, want.data, want.len) == 0;
    if (!right && bad++ == 0)
      printf("# text %d: %zu bytes, expected %zu\n", i, got.out.len, want.len);
    fz_result_free(&got);
  }
  OK(bad == 0, "--protect: %d random texts: every protected term comes out as it was, the "
     "text around it converted as without them (%d wrong)", texts, bad);
  zhconv__buf_free(&text);
  zhconv__buf_free(&want);
  zhconv__buf_free(&gap);
  zhconv_free(z);
  zhconv_free(plain);
}

/* ---- 4. idempotence ---------------------------------------------------------- */

static void
test_idempotence(void)
{
  static const char *const targets[] = {"hans", "hant", "cn", "tw", "hk"};
  zhconv__buf text = {0};
  for (size_t t = 0; t < 5; t++) {
    char to[16];
    snprintf(to, sizeof to, "to=%s", targets[t]);
    const char *const set[] = {to, NULL};
    zhconv *z = S_make(set);
    if (!OK(z, "idempotence: converter"))
      continue;
    int bad = 0, texts = 40;
    for (int i = 0; i < texts; i++) {
      S_text(&text, 1 + (size_t)(fz_next(&S_rng) % 2000), false);
      char *once, *twice;
      size_t n1, n2;
      if (zhconv_convert(z, text.data, text.len, &once, &n1, NULL) != ZHCONV_OK)
        abort();
      if (zhconv_convert(z, once, n1, &twice, &n2, NULL) != ZHCONV_OK)
        abort();
      if ((n1 != n2 || memcmp(once, twice, n1) != 0) && bad++ == 0) {
        size_t k = 0;
        while (k < n1 && k < n2 && once[k] == twice[k])
          k++;
        while (k > 0 && ((unsigned char)once[k] & 0xC0) == 0x80)
          k--;
        printf("# --to=%s, text %d: once '%.24s', twice '%.24s'\n", targets[t], i, once + k,
               twice + k);
      }
      zhconv_string_free(once);
      zhconv_string_free(twice);
    }
    /* OpenCC's own chains disagree for tw and hk: s2twp leaves 單車 where
     * Traditional-to-Taiwan turns it into 腳踏車, s2hk and t2hk differ on
     * 身分/身份 in context (README, "Reliability"). */
    bool todo = t >= 3;
    OK(bad == 0, "converting --to=%s twice gives what converting once gives: %d random "
       "texts (%d differ)%s", targets[t], texts, bad, todo && bad ? " # TODO OpenCC's chains "
       "for this target disagree with each other" : "");
    if (todo && bad)
      tap_failed--;
    zhconv_free(z);
  }
  zhconv__buf_free(&text);
}

/* ---- 5. round trip --------------------------------------------------------------- */

typedef struct {
  char *from, *to;
  size_t index;  /* file order: later entries win */
} pair;

static int
S_pair_cmp(const void *a, const void *b)
{
  const pair *x = a, *y = b;
  int c = strcmp(x->from, y->from);
  return c ? c : (x->index > y->index) - (x->index < y->index);
}

static int
S_key_cmp(const void *key, const void *b)
{
  return strcmp(key, ((const pair *)b)->from);
}

/* The mapping of `key`, or NULL. */
static const char *
S_lookup(const pair *v, size_t n, const char *key)
{
  const pair *p = bsearch(key, v, n, sizeof *v, S_key_cmp);
  return p ? p->to : NULL;
}

/* Sort by key and keep, of equal keys, the last in file order. */
static size_t
S_dedup(pair *v, size_t n)
{
  qsort(v, n, sizeof *v, S_pair_cmp);
  size_t w = 0;
  for (size_t i = 0; i < n; i++) {
    if (i + 1 < n && strcmp(v[i].from, v[i + 1].from) == 0)
      continue;
    v[w++] = v[i];
  }
  return w;
}

static void
test_round_trip(void)
{
  char *path = zhconv__datadir_find(getenv("ZHCONV_DATA_DIR"), "vocab/compiled.tsv");
  zhconv__buf tsv = {0};
  if (!OK(path && S_read(path, &tsv) && zhconv__buf_append(&tsv, "", 1) == ZHCONV_OK,
          "round trip: read vocab/compiled.tsv")) {
    free(path);
    return;
  }
  free(path);
  /* t2c: Traditional forms (tw, hk, hant) -> cn; c2t: Simplified forms
   * (cn, hans) -> tw; in file order, so that later entries win. */
  size_t cap = 1 << 16, nt = 0, nc = 0, nfiles = 0;
  bool domain_file[256];
  pair *t2c = calloc(cap, sizeof *t2c), *c2t = calloc(cap, sizeof *c2t);
  for (char *line = tsv.data; line && *line;) {
    char *next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    char *f[10];
    size_t n = 0;
    for (char *p = line; n < 10;) {
      f[n] = p;
      char *tab = strchr(p, '\t');
      n++;
      if (!tab)
        break;
      *tab = '\0';
      p = tab + 1;
    }
    /* "F<TAB>file<TAB>domain": entries of an optional domain (not loaded
     * by default) are left out. */
    if (n >= 2 && strcmp(f[0], "F") == 0 && nfiles < sizeof domain_file) {
      domain_file[nfiles++] = n >= 3 && *f[2];
      line = next;
      continue;
    }
    /* (One-way entries, "only:" in the kind's high bits, are left out.) */
    if (n == 10 && strcmp(f[0], "E") == 0 && nt + 3 < cap && nc + 2 < cap &&
        strtoul(f[1], NULL, 10) < nfiles && !domain_file[strtoul(f[1], NULL, 10)] &&
        strtoul(f[4], NULL, 10) < 16) {
      char *cn = f[5], *tw = f[6], *hk = f[7], *hans = f[8], *hant = f[9];
      if (*cn) {
        if (*tw) { t2c[nt] = (pair){tw, cn, nt}; nt++; }
        if (*hk) { t2c[nt] = (pair){hk, cn, nt}; nt++; }
        if (*hant) { t2c[nt] = (pair){hant, cn, nt}; nt++; }
      }
      if (*tw) {
        if (*cn) { c2t[nc] = (pair){cn, tw, nc}; nc++; }
        if (*hans) { c2t[nc] = (pair){hans, tw, nc}; nc++; }
      }
    }
    line = next;
  }
  nt = S_dedup(t2c, nt);
  nc = S_dedup(c2t, nc);
  /* One-to-one: tw T -> cn C and C -> T. */
  zhconv__buf tw_text = {0}, cn_text = {0};
  size_t count = 0;
  for (size_t i = 0; i < nt; i++) {
    const char *back = S_lookup(c2t, nc, t2c[i].to);
    if (!back || strcmp(back, t2c[i].from) != 0)
      continue;
    S_put(&tw_text, t2c[i].from, strlen(t2c[i].from));
    S_put(&tw_text, "\n", 1);
    S_put(&cn_text, t2c[i].to, strlen(t2c[i].to));
    S_put(&cn_text, "\n", 1);
    count++;
  }
  const char *const to_cn[] = {"from=tw", "to=cn", NULL};
  const char *const to_tw[] = {"from=cn", "to=tw", NULL};
  zhconv *zc = S_make(to_cn), *zt = S_make(to_tw);
  if (OK(zc && zt && count > 1000, "round trip: %zu one-to-one entries", count)) {
    fz_result a, b;
    zhconv_stream *s = zhconv_stream_new(zc);
    fz_stream(s, (const uint8_t *)tw_text.data, tw_text.len, &S_rng, false, &a);
    zhconv_stream_free(s);
    bool ok1 = a.status == ZHCONV_OK && a.out.len == cn_text.len &&
               memcmp(a.out.data, cn_text.data, cn_text.len) == 0;
    OK(ok1, "round trip: the tw forms of %zu one-to-one entries convert --from=tw --to=cn to "
       "their cn forms", count);
    s = zhconv_stream_new(zt);
    fz_stream(s, (const uint8_t *)a.out.data, a.out.len, &S_rng, false, &b);
    zhconv_stream_free(s);
    bool ok2 = b.status == ZHCONV_OK && b.out.len == tw_text.len &&
               memcmp(b.out.data, tw_text.data, tw_text.len) == 0;
    OK(ok2, "round trip: and back --from=cn --to=tw to the tw forms");
    for (int k = 0, shown = 0; !(ok1 && ok2) && k < 2; k++) {
      const zhconv__buf *got = k ? &b.out : &a.out, *want = k ? &tw_text : &cn_text;
      const char *g = got->data, *w = want->data, *ge = g + got->len, *we = w + want->len;
      while (g < ge && w < we && shown < 5) {
        const char *gn = memchr(g, '\n', (size_t)(ge - g)), *wn = memchr(w, '\n', (size_t)(we - w));
        if (!gn || !wn)
          break;
        if (gn - g != wn - w || memcmp(g, w, (size_t)(gn - g)) != 0) {
          printf("#   %s: got '%.*s', want '%.*s'\n", k ? "to tw" : "to cn", (int)(gn - g), g,
                 (int)(wn - w), w);
          shown++;
        }
        g = gn + 1;
        w = wn + 1;
      }
    }
    fz_result_free(&a);
    fz_result_free(&b);
  }
  zhconv_free(zc);
  zhconv_free(zt);
  zhconv__buf_free(&tw_text);
  zhconv__buf_free(&cn_text);
  free(t2c);
  free(c2t);
  zhconv__buf_free(&tsv);
}

int
main(void)
{
  const char *seed = getenv("ZHCONV_TEST_SEED");
  S_rng.s = seed && *seed ? strtoull(seed, NULL, 10) : 20261123;
  printf("# seed %llu (ZHCONV_TEST_SEED)\n", (unsigned long long)S_rng.s);
  const char *srcdir = getenv("top_srcdir");
  char path[4096];
  static const char *const samples[] = {"ft-article-tw.txt", "post-cn.md"};
  for (size_t i = 0; i < 2; i++) {
    snprintf(path, sizeof path, "%s/tests/data/samples/%s", srcdir ? srcdir : ".", samples[i]);
    if (!S_read(path, &S_han)) {
      printf("Bail out! cannot read %s\n", path);
      return 1;
    }
  }
  /* Protected terms, in a file of their own. */
  static const char *const terms[] = {"軟體", "頭髮", "乾燥", "abc", "「", "發展"};
  const char *builddir = getenv("top_builddir");
  char protect[4096];
  snprintf(protect, sizeof protect, "%s/tests/tmp/properties-protect.%ld",
           builddir ? builddir : ".", (long)getpid());
  FILE *f = fopen(protect, "w");
  if (!f) {
    snprintf(protect, sizeof protect, "/tmp/zhconv-properties-protect.%ld", (long)getpid());
    f = fopen(protect, "w");
  }
  if (!f) {
    printf("Bail out! cannot write %s\n", protect);
    return 1;
  }
  fputs("# terms no target changes\n", f);
  for (size_t i = 0; i < sizeof terms / sizeof terms[0]; i++)
    fprintf(f, "%s\n", terms[i]);
  fclose(f);

  test_buffer_sizes(protect);
  test_threads();
  test_invalid();
  test_known_defects();
  test_protected(protect, terms, sizeof terms / sizeof terms[0]);
  test_idempotence();
  test_round_trip();

  unlink(protect);
  zhconv__buf_free(&S_han);
  return tap_done();
}
