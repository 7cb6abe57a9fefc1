/* test-native.c — the native engine (native.c) against OpenCC itself
 * (engine.c), byte for byte: every configuration OpenCC installs and every
 * chain of zhconv's own, on OpenCC's test cases, the samples, every key of
 * the configuration's dictionaries and pseudo-random texts made of keys,
 * pieces of keys, random characters, ASCII words, spaces, punctuation and
 * newlines; then text dictionaries with OpenCC's corner cases, and the
 * configurations the engine must refuse.
 *
 * The random part is reproducible (fixed seeds).  To run more of it:
 *   ZHCONV_NATIVE_FUZZ_MB=100 [ZHCONV_NATIVE_FUZZ_SEED=n] tests/test-native
 * adds that many megabytes of random text, spread over the configurations.
 * Every difference is reported with the configuration, the text, the input
 * offset of the line where it occurs and an excerpt. */
#include <config.h>

#include <dirent.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "zhconv-private.h"
#include "tap.h"

/* ---- helpers ------------------------------------------------------------- */

static const char *S_data_dirs;
static char S_tmpdir[2048];

static char *
S_read_path(const char *path, size_t *len)
{
  zhconv__buf b = {0};
  if (zhconv__read_file(path, &b) != ZHCONV_OK || zhconv__buf_append(&b, "", 1) != ZHCONV_OK) {
    zhconv__buf_free(&b);
    return NULL;
  }
  *len = b.len - 1;
  return b.data;
}

static char *
S_read_src(const char *rel, size_t *len)
{
  const char *top = getenv("top_srcdir");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", top ? top : ".", rel);
  return S_read_path(path, len);
}

static int
S_cmp(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The files in dir ending in suffix, sorted, as full paths. */
static size_t
S_list(const char *dir, const char *suffix, char ***names)
{
  DIR *d = opendir(dir);
  size_t n = 0, cap = 0;
  *names = NULL;
  if (!d)
    return 0;
  struct dirent *de;
  size_t sl = strlen(suffix);
  while ((de = readdir(d))) {
    size_t l = strlen(de->d_name);
    if (l <= sl || strcmp(de->d_name + l - sl, suffix) != 0)
      continue;
    if (n == cap) {
      cap = cap ? 2 * cap : 16;
      *names = realloc(*names, cap * sizeof **names);
    }
    char *path = malloc(strlen(dir) + l + 2);
    sprintf(path, "%s/%s", dir, de->d_name);
    (*names)[n++] = path;
  }
  closedir(d);
  qsort(*names, n, sizeof **names, S_cmp);
  return n;
}

static void
S_free_list(char **names, size_t n)
{
  for (size_t i = 0; i < n; i++)
    free(names[i]);
  free(names);
}

static const char *
S_base(const char *path)
{
  const char *s = strrchr(path, '/');
  return s ? s + 1 : path;
}

static void
S_write(const char *name, const char *content, char *path, size_t size)
{
  snprintf(path, size, "%s/%s", S_tmpdir, name);
  FILE *f = fopen(path, "wb");
  if (f) {
    fputs(content, f);
    fclose(f);
  }
}

/* ---- pseudo-random text --------------------------------------------------- */

static uint64_t
S_rand(uint64_t *s)
{
  uint64_t z = (*s += 0x9E3779B97F4A7C15ULL);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}

static size_t
S_below(uint64_t *s, size_t n)
{
  return n ? (size_t)(S_rand(s) % n) : 0;
}

typedef struct strs {
  char **s;
  size_t *len;
  size_t n, cap;
} strs;

static void
S_strs_add(strs *v, const char *s, size_t len)
{
  if (len == 0)
    return;
  if (v->n == v->cap) {
    v->cap = v->cap ? 2 * v->cap : 1024;
    v->s = realloc(v->s, v->cap * sizeof *v->s);
    v->len = realloc(v->len, v->cap * sizeof *v->len);
  }
  v->s[v->n] = malloc(len + 1);
  memcpy(v->s[v->n], s, len);
  v->s[v->n][len] = '\0';
  v->len[v->n++] = len;
}

static void
S_strs_free(strs *v)
{
  for (size_t i = 0; i < v->n; i++)
    free(v->s[i]);
  free(v->s);
  free(v->len);
  memset(v, 0, sizeof *v);
}

/* Keys (and, into `values`, first values) of a text dictionary. */
static void
S_collect(const char *path, strs *keys, strs *values)
{
  size_t len;
  char *text = S_read_path(path, &len);
  if (!text)
    return;
  char *p = text;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  while (*p) {
    char *nl = strchr(p, '\n');
    char *eol = nl ? nl : p + strlen(p);
    char *tab = memchr(p, '\t', (size_t)(eol - p));
    if (tab && *p != '\r') {
      S_strs_add(keys, p, (size_t)(tab - p));
      if (values) {
        char *v = tab + 1, *ve = v;
        while (ve < eol && *ve != ' ' && *ve != '\r')
          ve++;
        S_strs_add(values, v, (size_t)(ve - v));
      }
    }
    p = nl ? nl + 1 : eol;
  }
  free(text);
}

/* The text file a configuration's dictionary is read from. */
static char *
S_dict_text(const zhconv__dictref *d)
{
  if (strcmp(d->type, "text") == 0)
    return strdup(d->path);
  return zhconv__exported_copy(d->path, S_data_dirs);
}

static void
S_put_cp(zhconv__buf *b, uint32_t cp)
{
  char u[4];
  size_t n;
  if (cp < 0x80) { u[0] = (char)cp; n = 1; }
  else if (cp < 0x800) { u[0] = (char)(0xC0 | cp >> 6); u[1] = (char)(0x80 | (cp & 0x3F)); n = 2; }
  else if (cp < 0x10000) {
    u[0] = (char)(0xE0 | cp >> 12); u[1] = (char)(0x80 | ((cp >> 6) & 0x3F));
    u[2] = (char)(0x80 | (cp & 0x3F)); n = 3;
  } else {
    u[0] = (char)(0xF0 | cp >> 18); u[1] = (char)(0x80 | ((cp >> 12) & 0x3F));
    u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)); u[3] = (char)(0x80 | (cp & 0x3F)); n = 4;
  }
  zhconv__buf_append(b, u, n);
}

/* A random whole character of s[0..len). */
static void
S_put_char_of(zhconv__buf *b, uint64_t *rng, const char *s, size_t len)
{
  size_t at = S_below(rng, len);
  while (at > 0 && ((unsigned char)s[at] & 0xC0) == 0x80)
    at--;
  uint32_t cp;
  size_t l = zhconv__utf8_decode(s + at, &cp);
  zhconv__buf_append(b, s + at, l);
}

static const char *const S_punct[] = {
  "，", "。", "、", "；", "：", "「", "」", "『", "』", "（", "）", "！", "？", "…", "—",
  "“", "”", ".", ",", ";", ":", "!", "?", "(", ")", "\"", "'", "-", "/", "《", "》",
};

/* About `size` bytes of random text from the configuration's keys (own),
 * every dictionary's keys and values (all), and other characters. */
static void
S_random_text(zhconv__buf *b, uint64_t *rng, size_t size, const strs *own, const strs *all)
{
  while (b->len < size) {
    unsigned r = (unsigned)S_below(rng, 1000);
    if (r < 330 && own->n) {          /* a key of the configuration */
      size_t i = S_below(rng, own->n);
      zhconv__buf_append(b, own->s[i], own->len[i]);
    } else if (r < 430 && all->n) {   /* a key or value of any dictionary */
      size_t i = S_below(rng, all->n);
      zhconv__buf_append(b, all->s[i], all->len[i]);
    } else if (r < 530 && own->n) {   /* a key cut short at either end */
      size_t i = S_below(rng, own->n);
      const char *s = own->s[i];
      size_t len = own->len[i];
      if (S_rand(rng) & 1) {
        size_t cut = zhconv__utf8_last_start(s, len);
        zhconv__buf_append(b, s, cut);
      } else {
        uint32_t cp;
        size_t l = zhconv__utf8_decode(s, &cp);
        zhconv__buf_append(b, s + l, len - l);
      }
    } else if (r < 650 && own->n) {   /* a character from a key */
      size_t i = S_below(rng, own->n);
      S_put_char_of(b, rng, own->s[i], own->len[i]);
    } else if (r < 760) {             /* a random CJK character */
      unsigned k = (unsigned)S_below(rng, 100);
      uint32_t cp = k < 90 ? 0x4E00 + (uint32_t)S_below(rng, 0x9FFF - 0x4E00 + 1)
                  : k < 95 ? 0x3400 + (uint32_t)S_below(rng, 0x4DBF - 0x3400 + 1)
                           : 0x20000 + (uint32_t)S_below(rng, 0xA6DF + 1);
      S_put_cp(b, cp);
    } else if (r < 840) {             /* an ASCII word */
      static const char alnum[] = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
      size_t n = 1 + S_below(rng, 8);
      for (size_t i = 0; i < n; i++)
        zhconv__buf_append(b, &alnum[S_below(rng, sizeof alnum - 1)], 1);
    } else if (r < 890) {
      zhconv__buf_append(b, "  ", 1 + S_below(rng, 2));
    } else if (r < 950) {
      const char *s = S_punct[S_below(rng, sizeof S_punct / sizeof S_punct[0])];
      zhconv__buf_append(b, s, strlen(s));
    } else if (r < 975) {
      static const char *const ends[] = {"\n", "\n", "\n", "\r\n", "\t", "\n\n"};
      const char *s = ends[S_below(rng, 6)];
      zhconv__buf_append(b, s, strlen(s));
    } else {                          /* other scripts, emoji */
      static const uint32_t other[] = {0xE9, 0xFC, 0x3B1, 0x439, 0x3042, 0x30AB, 0xAC00,
                                       0x1F600, 0x1F44D, 0xFF21, 0x2014, 0x00B7, 0x3000};
      S_put_cp(b, other[S_below(rng, sizeof other / sizeof other[0])]);
    }
  }
}

/* ---- comparing ------------------------------------------------------------ */

typedef struct totals {
  unsigned long long bytes_in, bytes_out, texts, differences, failures;
} totals;

static totals S_total;

static void
S_excerpt(const char *label, const char *s, size_t len)
{
  size_t n = len > 90 ? 90 : len;
  while (n < len && ((unsigned char)s[n] & 0xC0) == 0x80)
    n++;
  printf("#     %s '", label);
  for (size_t i = 0; i < n; i++)
    if (s[i] == '\n')
      printf("\\n");
    else if (s[i] == '\r')
      printf("\\r");
    else
      putchar(s[i]);
  printf("'%s\n", n < len ? "..." : "");
}

/* Compare line by line (no key holds a newline, so line i of the input
 * converts to line i of the output) and report every differing line, up to
 * a few per text.  Returns the number of differing lines. */
static size_t
S_report(const char *config, const char *what, const char *in, size_t inlen, const char *a,
         size_t alen, const char *b, size_t blen)
{
  size_t diffs = 0, ia = 0, ib = 0, ii = 0, line = 1;
  while (ia < alen || ib < blen || ii < inlen) {
    const char *na = memchr(a + ia, '\n', alen - ia), *nb = memchr(b + ib, '\n', blen - ib);
    const char *ni = memchr(in + ii, '\n', inlen - ii);
    size_t ea = na ? (size_t)(na - a) + 1 : alen, eb = nb ? (size_t)(nb - b) + 1 : blen;
    size_t ei = ni ? (size_t)(ni - in) + 1 : inlen;
    if (ea - ia != eb - ib || memcmp(a + ia, b + ib, ea - ia) != 0) {
      if (diffs < 5) {
        size_t k = 0;
        while (ia + k < ea && ib + k < eb && a[ia + k] == b[ib + k])
          k++;
        while (k > 0 && ((unsigned char)a[ia + k] & 0xC0) == 0x80)
          k--;
        size_t from = k > 24 ? k - 24 : 0;
        while (from > 0 && ((unsigned char)a[ia + from] & 0xC0) == 0x80)
          from--;
        printf("# DIFFERENCE: %s on %s, input line %zu at byte offset %zu "
               "(output offset %zu):\n", config, what, line, ii, ia + k);
        S_excerpt("input ", in + ii, ei - ii);
        S_excerpt("native", a + ia + from, ea - ia - from);
        S_excerpt("opencc", b + ib + from, eb - ib - from);
      }
      diffs++;
    }
    ia = ea;
    ib = eb;
    ii = ei;
    line++;
  }
  if (diffs > 5)
    printf("# ... %zu differing lines in all\n", diffs);
  return diffs;
}

typedef struct pair {
  const char *name;
  zhconv__native *native;
  zhconv__engine *opencc;
  size_t failures;
} pair;

static void
S_compare(pair *p, const char *what, const char *text, size_t len)
{
  zhconv__buf a = {0}, b = {0};
  char err[ZHCONV__ERRLEN] = "";
  int sa = zhconv__native_convert(p->native, text, len, &a);
  int sb = zhconv__engine_convert(p->opencc, text, len, &b, err);
  S_total.texts++;
  S_total.bytes_in += len;
  S_total.bytes_out += b.len;
  if (sa != ZHCONV_OK || sb != ZHCONV_OK) {
    printf("# %s on %s: native %d, opencc %d %s\n", p->name, what, sa, sb, err);
    p->failures++;
    S_total.failures++;
  } else if (a.len != b.len || memcmp(a.data, b.data, a.len) != 0) {
    size_t d = S_report(p->name, what, text, len, a.data, a.len, b.data, b.len);
    if (d == 0) {
      printf("# DIFFERENCE: %s on %s: outputs differ (lengths %zu, %zu)\n", p->name, what,
             a.len, b.len);
      d = 1;
    }
    S_total.differences += d;
    p->failures++;
  }
  zhconv__buf_free(&a);
  zhconv__buf_free(&b);
}

/* ---- the configurations ------------------------------------------------- */

static char **S_configs;
static size_t S_nconfigs;
static strs S_all;  /* every dictionary's keys and values */

static void
S_find_configs(void)
{
  char **a, **b;
  size_t na = S_list(OPENCC_DATADIR, ".json", &a);
  const char *top = getenv("top_srcdir");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/data/chains", top ? top : ".");
  size_t nb = S_list(dir, ".json", &b);
  S_configs = malloc((na + nb + 1) * sizeof *S_configs);
  memcpy(S_configs, a, na * sizeof *a);
  memcpy(S_configs + na, b, nb * sizeof *b);
  S_nconfigs = na + nb;
  free(a);
  free(b);
  printf("# %zu OpenCC configurations, %zu of zhconv's chains\n", na, nb);
}

static void
S_collect_all(void)
{
  char *manifest = zhconv__datadir_find(S_data_dirs, "opencc/manifest");
  if (!manifest)
    return;
  char dir[4096];
  snprintf(dir, sizeof dir, "%.*s", (int)(strrchr(manifest, '/') - manifest), manifest);
  char **names;
  size_t n = S_list(dir, ".txt", &names);
  for (size_t i = 0; i < n; i++)
    S_collect(names[i], &S_all, &S_all);
  S_free_list(names, n);
  free(manifest);
}

/* The keys of the configuration's dictionaries. */
static void
S_config_keys(const char *config, strs *keys)
{
  zhconv__dictref *dicts;
  size_t count;
  char err[ZHCONV__ERRLEN];
  if (zhconv__config_dicts(config, &dicts, &count, err) != ZHCONV_OK)
    return;
  for (size_t i = 0; i < count; i++) {
    bool seen = false;
    for (size_t j = 0; j < i; j++)
      seen |= strcmp(dicts[i].path, dicts[j].path) == 0;
    char *text = seen ? NULL : S_dict_text(&dicts[i]);
    if (text)
      S_collect(text, keys, NULL);
    free(text);
  }
  zhconv__config_dicts_free(dicts, count);
}

static void
test_configs(size_t random_per_config, uint64_t seed)
{
  static const char *const samples[] = {"tests/data/samples/ft-article-tw.txt",
                                        "tests/data/samples/post-cn.md",
                                        "tests/data/samples/zuozhuan.txt"};
  char **cases;
  const char *top = getenv("top_srcdir");
  char dir[4096];
  snprintf(dir, sizeof dir, "%s/tests/data/opencc-1.1.6", top ? top : ".");
  size_t ncases = S_list(dir, ".in", &cases);
  OK(ncases >= 13, "OpenCC's test cases found (%zu)", ncases);

  for (size_t c = 0; c < S_nconfigs; c++) {
    char err[ZHCONV__ERRLEN] = "";
    pair p = {S_base(S_configs[c]), NULL, NULL, 0};
    int st = zhconv__native_open(S_configs[c], S_data_dirs, &p.native, err);
    if (!OK(st == ZHCONV_OK, "%s: the native engine opens it %s", p.name, err))
      continue;
    st = zhconv__engine_open(S_configs[c], NULL, ZHCONV__ENGINE_OPENCC, &p.opencc, err);
    if (!OK(st == ZHCONV_OK && !zhconv__engine_is_native(p.opencc),
            "%s: OpenCC opens it %s", p.name, err)) {
      zhconv__native_close(p.native);
      continue;
    }
    unsigned long long before = S_total.bytes_in;

    for (size_t i = 0; i < ncases; i++) {
      size_t len;
      char *text = S_read_path(cases[i], &len);
      if (text)
        S_compare(&p, S_base(cases[i]), text, len);
      free(text);
    }
    for (size_t i = 0; i < sizeof samples / sizeof samples[0]; i++) {
      size_t len;
      char *text = S_read_src(samples[i], &len);
      if (text)
        S_compare(&p, S_base(samples[i]), text, len);
      else
        OK(0, "sample %s", samples[i]);
      free(text);
    }

    /* Every key of the configuration's dictionaries: one per line, then all
     * run together in a shuffled order. */
    strs keys = {0};
    S_config_keys(S_configs[c], &keys);
    zhconv__buf text = {0};
    for (size_t i = 0; i < keys.n; i++) {
      zhconv__buf_append(&text, keys.s[i], keys.len[i]);
      zhconv__buf_append(&text, "\n", 1);
    }
    S_compare(&p, "its keys, one per line", text.data, text.len);
    text.len = 0;
    uint64_t rng = seed ^ (0x1234567ULL * (c + 1));
    for (size_t i = keys.n; i > 1; i--) {
      size_t j = S_below(&rng, i);
      char *s = keys.s[i - 1];
      size_t l = keys.len[i - 1];
      keys.s[i - 1] = keys.s[j];
      keys.len[i - 1] = keys.len[j];
      keys.s[j] = s;
      keys.len[j] = l;
    }
    for (size_t i = 0; i < keys.n; i++) {
      zhconv__buf_append(&text, keys.s[i], keys.len[i]);
      if (S_below(&rng, 40) == 0)
        zhconv__buf_append(&text, "\n", 1);
    }
    S_compare(&p, "its keys run together", text.data, text.len);

    /* Random texts, in pieces of at most 1 MB. */
    for (size_t done = 0, k = 0; done < random_per_config; k++) {
      size_t size = random_per_config - done > (1 << 20) ? (1 << 20) : random_per_config - done;
      text.len = 0;
      S_random_text(&text, &rng, size, &keys, &S_all);
      char what[64];
      snprintf(what, sizeof what, "random text %zu (seed %llu)", k,
               (unsigned long long)seed);
      S_compare(&p, what, text.data, text.len);
      done += text.len;
    }
    zhconv__buf_free(&text);
    S_strs_free(&keys);

    OK(p.failures == 0, "%s: the native engine agrees with OpenCC on %.1f MB", p.name,
       (double)(S_total.bytes_in - before) / 1e6);
    zhconv__native_close(p.native);
    zhconv__engine_close(p.opencc);
  }
  S_free_list(cases, ncases);
}

/* ---- text dictionaries --------------------------------------------------- */

/* OpenCC's reading of text dictionaries: a BOM, CRLF, lines starting with
 * CR or LF (skipped), several values (the first counts), empty values (the
 * key is deleted), a key with a space, a value with a tab; and a
 * segmentation by a group, nested groups, three conversions. */
static void
test_text_dicts(uint64_t seed)
{
  char a[4096], b[4096], cfg[4096], err[ZHCONV__ERRLEN] = "";
  S_write("native-a.txt",
          "\xEF\xBB\xBF" "中国\t中國 中华\r\n"
          "\r\n"
          "国\t國\n"
          "\n"
          "\r忽略\t这行\n"
          "人民\t\n"
          "民\t 民眾\n"
          "共和国\t共和國\n"
          "中华人民共和国\t中華人民共和國\n"
          "a b\tA\tB\n"
          "ab\tAB\n"
          "发\t發 髮\r\n"
          "头发\t頭髮",
          a, sizeof a);
  S_write("native-b.txt",
          "國\t国\n"
          "中國人\t中国人\n"
          "人民共\tXYZ\n"
          "共\t共同\n"
          "華\t华\n"
          "頭\t头\n"
          "髮\t发\n",
          b, sizeof b);
  char json[8192];
  snprintf(json, sizeof json,
           "{\"name\": \"text dictionaries\",\n"
           " \"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"group\", \"dicts\": ["
           "{\"type\": \"text\", \"file\": \"native-b.txt\"}, {\"type\": \"text\", \"file\": \"%s\"}]}},\n"
           " \"conversion_chain\": [\n"
           "  {\"dict\": {\"type\": \"text\", \"file\": \"native-a.txt\"}},\n"
           "  {\"dict\": {\"type\": \"group\", \"dicts\": [{\"type\": \"text\", \"file\": \"native-b.txt\"},"
           " {\"type\": \"group\", \"dicts\": [{\"type\": \"ocd2\", \"file\": \"TSPhrases.ocd2\"},"
           " {\"type\": \"ocd2\", \"file\": \"TSCharacters.ocd2\"}]}]}},\n"
           "  {\"dict\": {\"type\": \"text\", \"file\": \"native-a.txt\"}}]}\n",
           a);
  S_write("native.json", json, cfg, sizeof cfg);

  pair p = {"text dictionaries", NULL, NULL, 0};
  int st = zhconv__native_open(cfg, S_data_dirs, &p.native, err);
  if (!OK(st == ZHCONV_OK, "text dictionaries: the native engine opens them %s", err))
    return;
  st = zhconv__engine_open(cfg, NULL, ZHCONV__ENGINE_OPENCC, &p.opencc, err);
  if (!OK(st == ZHCONV_OK, "text dictionaries: OpenCC opens them %s", err)) {
    zhconv__native_close(p.native);
    return;
  }
  const char *fixed = "中华人民共和国的中国人民头发 a b ab a  b 中國人民共和國國人發\n忽略这行";
  S_compare(&p, "a fixed text", fixed, strlen(fixed));
  strs keys = {0};
  S_collect(a, &keys, &keys);
  S_collect(b, &keys, &keys);
  zhconv__buf text = {0};
  uint64_t rng = seed ^ 0xABCDEFULL;
  S_random_text(&text, &rng, 300000, &keys, &keys);
  S_compare(&p, "random text", text.data, text.len);
  zhconv__buf_free(&text);
  S_strs_free(&keys);
  OK(p.failures == 0, "text dictionaries read as OpenCC reads them");
  zhconv__native_close(p.native);
  zhconv__engine_close(p.opencc);

  /* A group takes its first member that matches, even when a later member
   * has a longer key there. */
  char c[4096];
  S_write("native-c.txt", "國人\tGUOREN\n中國人民\tZGRM\n頭髮\tTOUFA\n華人\tHUAREN\n人民\tRM\n", c,
          sizeof c);
  snprintf(json, sizeof json,
           "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"text\", \"file\": "
           "\"native-c.txt\"}},\n \"conversion_chain\": [{\"dict\": {\"type\": \"group\", "
           "\"dicts\": [{\"type\": \"text\", \"file\": \"native-b.txt\"}, {\"type\": \"text\", "
           "\"file\": \"native-c.txt\"}]}}]}\n");
  S_write("native.json", json, cfg, sizeof cfg);
  pair q = {"a group's first match", NULL, NULL, 0};
  if (OK(zhconv__native_open(cfg, S_data_dirs, &q.native, err) == ZHCONV_OK &&
         zhconv__engine_open(cfg, NULL, ZHCONV__ENGINE_OPENCC, &q.opencc, err) == ZHCONV_OK,
         "a group of text dictionaries opens %s", err)) {
    const char *t = "國人中國人民華人頭髮人民國";
    S_compare(&q, "a fixed text", t, strlen(t));
    zhconv__buf out = {0};
    zhconv__native_convert(q.native, t, strlen(t), &out);
    zhconv__buf_append(&out, "", 1);
    STR_EQ(out.data, "国人中国人民华人头发RM国", "the first member that matches wins, not the longest");
    zhconv__buf_free(&out);
    keys = (strs){0};
    S_collect(b, &keys, &keys);
    S_collect(c, &keys, &keys);
    text = (zhconv__buf){0};
    S_random_text(&text, &rng, 200000, &keys, &keys);
    S_compare(&q, "random text", text.data, text.len);
    zhconv__buf_free(&text);
    S_strs_free(&keys);
    OK(q.failures == 0, "groups: the first member that matches wins");
  }
  zhconv__native_close(q.native);
  zhconv__engine_close(q.opencc);

  /* An empty segmentation dictionary, no conversion, an empty group. */
  char empty[4096];
  S_write("native-empty.txt", "\n\r\n", empty, sizeof empty);
  static const char *const edge[] = {
    "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"text\", \"file\": "
    "\"native-empty.txt\"}}, \"conversion_chain\": [{\"dict\": {\"type\": \"text\", "
    "\"file\": \"native-a.txt\"}}]}",
    "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"text\", \"file\": "
    "\"native-a.txt\"}}, \"conversion_chain\": []}",
    "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"text\", \"file\": "
    "\"native-a.txt\"}}, \"conversion_chain\": [{\"dict\": {\"type\": \"group\", "
    "\"dicts\": []}}, {\"dict\": {\"type\": \"text\", \"file\": \"native-b.txt\"}}]}",
  };
  for (size_t i = 0; i < sizeof edge / sizeof edge[0]; i++) {
    S_write("native.json", edge[i], cfg, sizeof cfg);
    pair r = {"an edge case", NULL, NULL, 0};
    if (OK(zhconv__native_open(cfg, S_data_dirs, &r.native, err) == ZHCONV_OK &&
           zhconv__engine_open(cfg, NULL, ZHCONV__ENGINE_OPENCC, &r.opencc, err) == ZHCONV_OK,
           "edge case %zu opens %s", i, err)) {
      S_compare(&r, "a fixed text", fixed, strlen(fixed));
      OK(r.failures == 0, "edge case %zu: as OpenCC", i);
    }
    zhconv__native_close(r.native);
    zhconv__engine_close(r.opencc);
  }
  remove(empty);
  remove(a);
  remove(b);
  remove(c);
  remove(cfg);
}

/* ---- refusals -------------------------------------------------------------- */

static void
S_expect_refused(const char *what, const char *json, const char *dict_name,
                 const char *dict_text)
{
  char cfg[4096], dict[4096] = "", err[ZHCONV__ERRLEN] = "";
  if (dict_name)
    S_write(dict_name, dict_text, dict, sizeof dict);
  S_write("native-refused.json", json, cfg, sizeof cfg);
  zhconv__native *e = NULL;
  int st = zhconv__native_open(cfg, S_data_dirs, &e, err);
  INT_EQ(st, ZHCONV_ERR_CONFIG, "refused: %s", what);
  OK(e == NULL && err[0], "... with a reason: %s", err);
  zhconv__native_close(e);
  remove(cfg);
  if (dict_name)
    remove(dict);
}

#define SEG_TEXT(file) \
  "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"text\", \"file\": \"" file \
  "\"}}, \"conversion_chain\": [{\"dict\": {\"type\": \"ocd2\", \"file\": \"TSCharacters.ocd2\"}}]}"

static void
test_refusals(void)
{
  /* A binary dictionary the build did not export: a copy of one, changed. */
  char copy[4096];
  snprintf(copy, sizeof copy, "%s/native-unexported.ocd2", S_tmpdir);
  size_t len;
  char *bin = S_read_path(OPENCC_DATADIR "/TSCharacters.ocd2", &len);
  FILE *f = fopen(copy, "wb");
  if (bin && f) {
    fwrite(bin, 1, len, f);
    fputc(0, f);
  }
  if (f)
    fclose(f);
  free(bin);
  S_expect_refused("an .ocd2 the build did not export",
                   "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"ocd2\", "
                   "\"file\": \"TSPhrases.ocd2\"}}, \"conversion_chain\": [{\"dict\": "
                   "{\"type\": \"group\", \"dicts\": [{\"type\": \"ocd2\", \"file\": "
                   "\"TSPhrases.ocd2\"}, {\"type\": \"ocd2\", \"file\": "
                   "\"native-unexported.ocd2\"}]}}]}",
                   NULL, NULL);
  remove(copy);
  S_expect_refused("a dictionary of type ocd",
                   "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"ocd\", "
                   "\"file\": \"TSPhrases.ocd2\"}}, \"conversion_chain\": []}",
                   NULL, NULL);
  S_expect_refused("an unknown segmentation",
                   "{\"segmentation\": {\"type\": \"jieba\", \"dict\": {\"type\": \"ocd2\", "
                   "\"file\": \"TSPhrases.ocd2\"}}, \"conversion_chain\": []}",
                   NULL, NULL);
  S_expect_refused("a text dictionary with a duplicate key", SEG_TEXT("native-bad.txt"),
                   "native-bad.txt", "中\t甲\n国\t乙\n中\t丙\n");
  S_expect_refused("a text dictionary with an empty key", SEG_TEXT("native-bad.txt"),
                   "native-bad.txt", "中\t甲\n\t乙\n");
  S_expect_refused("a text dictionary with a line without a tab", SEG_TEXT("native-bad.txt"),
                   "native-bad.txt", "中\t甲\n国乙\n");
  S_expect_refused("a text dictionary with a line of spaces", SEG_TEXT("native-bad.txt"),
                   "native-bad.txt", "中\t甲\n \n");
  S_expect_refused("a text dictionary with CR inside the key", SEG_TEXT("native-bad.txt"),
                   "native-bad.txt", "中\r\t甲\n");
  S_expect_refused("a text dictionary that is not UTF-8", SEG_TEXT("native-bad.txt"),
                   "native-bad.txt", "中\t\xff\n");
  char *longline = malloc(5000);
  strcpy(longline, "中\t");
  memset(longline + strlen(longline), 'x', 4200);
  strcpy(longline + 4203, "\n");
  S_expect_refused("a text dictionary with a line longer than OpenCC reads",
                   SEG_TEXT("native-bad.txt"), "native-bad.txt", longline);
  free(longline);
  S_expect_refused("a missing dictionary", SEG_TEXT("native-missing.txt"), NULL, NULL);
}

/* ---- indexes ----------------------------------------------------------------- */

/* The result of converting `text` with the configuration file cfg, or "". */
static char *
S_convert_with(const char *cfg, const char *text)
{
  zhconv__native *e = NULL;
  char err[ZHCONV__ERRLEN] = "";
  zhconv__buf out = {0};
  if (zhconv__native_open(cfg, S_data_dirs, &e, err) != ZHCONV_OK ||
      zhconv__native_convert(e, text, strlen(text), &out) != ZHCONV_OK ||
      zhconv__buf_append(&out, "", 1) != ZHCONV_OK) {
    zhconv__buf_free(&out);
    zhconv__native_close(e);
    return strdup("");
  }
  zhconv__native_close(e);
  return out.data;
}

/* Write the index of `dict` (a .txt path) to its .idx, with the given
 * modification time (seconds since the epoch). */
static bool
S_write_index(const char *dict, time_t mtime)
{
  zhconv__buf index = {0};
  char err[ZHCONV__ERRLEN], path[4096];
  snprintf(path, sizeof path, "%.*s.idx", (int)(strlen(dict) - 4), dict);
  FILE *f = NULL;
  bool ok = zhconv__native_index(dict, &index, err) == ZHCONV_OK && (f = fopen(path, "wb")) &&
            fwrite(index.data, 1, index.len, f) == index.len;
  ok = f && fclose(f) == 0 && ok;
  struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
  ok = ok && utimensat(AT_FDCWD, path, times, 0) == 0;
  zhconv__buf_free(&index);
  return ok;
}

static void
S_set_mtime(const char *path, time_t mtime)
{
  struct timespec times[2] = {{mtime, 0}, {mtime, 0}};
  utimensat(AT_FDCWD, path, times, 0);
}

/* The key set of the engine for cfg (false: it does not open). */
static bool
S_keys_with(const char *cfg, zhconv__keyset *ks)
{
  zhconv__native *e = NULL;
  char err[ZHCONV__ERRLEN] = "";
  if (zhconv__keyset_init(ks) != ZHCONV_OK)
    return false;
  if (zhconv__native_open(cfg, S_data_dirs, &e, err) != ZHCONV_OK) {
    zhconv__keyset_free(ks);
    return false;
  }
  zhconv__native_add_keychars(e, ks);
  zhconv__native_close(e);
  return true;
}

static bool
S_has_key_char(const zhconv__keyset *ks, const char *ch)
{
  uint32_t cp;
  zhconv__utf8_decode(ch, &cp);
  return zhconv__keyset_has(ks, cp);
}

static void
test_indexes(void)
{
  /* Two texts of one length: an index made for the first (whose keys are
   * 中国 and 国) tells, by the output, whether it was used with the second
   * (中华 and 国): the records are the index's, the values the text's. */
  const char *first = "中国\tAA\n国\tB\n", *second = "中华\tAA\n国\tB\n";
  const char *json = "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"text\", "
                     "\"file\": \"native-idx.txt\"}}, \"conversion_chain\": [{\"dict\": "
                     "{\"type\": \"text\", \"file\": \"native-idx.txt\"}}]}";
  const char *text = "中国人";
  char dict[4096], cfg[4096], idx[4096];
  S_write("native-idx.json", json, cfg, sizeof cfg);
  S_write("native-idx.txt", first, dict, sizeof dict);
  snprintf(idx, sizeof idx, "%.*s.idx", (int)(strlen(dict) - 4), dict);
  remove(idx);
  time_t now = time(NULL);
  char *plain = S_convert_with(cfg, text);
  zhconv__keyset parsed, listed;
  bool have_parsed = S_keys_with(cfg, &parsed);
  OK(S_write_index(dict, now), "an index is written");
  S_set_mtime(dict, now - 10);
  char *indexed = S_convert_with(cfg, text);
  STR_EQ(indexed, plain, "with its index, a dictionary converts as without it");
  free(indexed);
  free(plain);
  bool have_listed = S_keys_with(cfg, &listed);
  OK(have_parsed && have_listed &&
       memcmp(parsed.bits, listed.bits, 0x110000 / 8) == 0 && S_has_key_char(&listed, "国"),
     "and has the same key characters");
  if (have_parsed)
    zhconv__keyset_free(&parsed);
  if (have_listed)
    zhconv__keyset_free(&listed);

  S_write("native-idx.txt", second, dict, sizeof dict);
  S_set_mtime(dict, now - 10);
  char *result = S_convert_with(cfg, text);
  STR_EQ(result, "AA人", "an index not older than its text is used (the first text's keys)");
  free(result);
  if (S_keys_with(cfg, &listed)) {
    OK(S_has_key_char(&listed, "中") && !S_has_key_char(&listed, "华"),
       "... and its list of key characters");
    zhconv__keyset_free(&listed);
  }
  S_set_mtime(dict, now + 10);
  result = S_convert_with(cfg, text);
  STR_EQ(result, "中B人", "an index older than its text is not");
  free(result);

  /* Damaged indexes: not used, or harmless. */
  S_set_mtime(dict, now - 10);
  size_t len;
  char *bytes = S_read_path(idx, &len);
  const char *damage[] = {"with a record past the end of its text (used: the record matches "
                          "nothing)",
                          "cut short (not used)", "of a different length (not used)"};
  for (int k = 0; bytes && k < 3; k++) {
    FILE *f = fopen(idx, "wb");
    if (!f)
      break;
    if (k == 0) { /* the last byte of the first record's offset (72: the header) */
      bytes[72 + 3] ^= 0x40;
      fwrite(bytes, 1, len, f);
      bytes[72 + 3] ^= 0x40;
    } else {
      fwrite(bytes, 1, k == 1 ? len - 8 : len, f);
      if (k == 2)
        fputc(0, f);
    }
    fclose(f);
    S_set_mtime(idx, now);
    result = S_convert_with(cfg, text);
    STR_EQ(result, "中B人", "an index %s", damage[k]);
    free(result);
  }
  free(bytes);
  remove(idx);
  remove(dict);
  remove(cfg);

  /* The manifest knows an exported dictionary by name, size and time, and
   * by its hash when they differ (a copy made now). */
  char *orig = zhconv__exported_copy(OPENCC_DATADIR "/TSCharacters.ocd2", S_data_dirs);
  OK(orig != NULL, "TSCharacters.ocd2 has an exported copy");
  char copy[4096];
  snprintf(copy, sizeof copy, "%s/TSCharacters.ocd2", S_tmpdir);
  bytes = S_read_path(OPENCC_DATADIR "/TSCharacters.ocd2", &len);
  FILE *f = fopen(copy, "wb");
  if (f && bytes)
    fwrite(bytes, 1, len, f);
  if (f)
    fclose(f);
  S_set_mtime(copy, now);
  char *found = zhconv__exported_copy(copy, S_data_dirs);
  OK(orig && found && strcmp(orig, found) == 0, "... and so does a copy of it with a new time");
  free(found);
  if ((f = fopen(copy, "ab"))) {
    fputc(0, f);
    fclose(f);
  }
  found = zhconv__exported_copy(copy, S_data_dirs);
  OK(found == NULL, "... but not a changed copy");
  free(found);
  free(orig);
  free(bytes);
  remove(copy);
}

/* ---- threads and calling conventions ------------------------------------- */

typedef struct job {
  const zhconv__native *e;
  const char *text;
  size_t len;
  zhconv__buf out;
  int st;
} job;

static void *
S_job(void *arg)
{
  job *j = arg;
  for (int k = 0; k < 3 && j->st == ZHCONV_OK; k++) {
    j->out.len = 0;
    j->st = zhconv__native_convert(j->e, j->text, j->len, &j->out);
  }
  return NULL;
}

static void
test_threads_and_calls(void)
{
  char *path = zhconv__config_find("s2twp");
  zhconv__native *e = NULL;
  char err[ZHCONV__ERRLEN] = "";
  if (!OK(path && zhconv__native_open(path, S_data_dirs, &e, err) == ZHCONV_OK,
          "s2twp opens %s", err)) {
    free(path);
    return;
  }
  size_t len;
  char *text = S_read_src("tests/data/samples/zuozhuan.txt", &len);
  zhconv__buf one = {0};
  zhconv__buf_append(&one, "前文", 6);
  int st = zhconv__native_convert(e, text, len, &one);
  OK(st == ZHCONV_OK && one.len > 6 && memcmp(one.data, "前文", 6) == 0,
     "output is appended to what the buffer holds");
  job jobs[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) {
    jobs[i] = (job){e, text, len, {0}, ZHCONV_OK};
    pthread_create(&threads[i], NULL, S_job, &jobs[i]);
  }
  int same = 1;
  for (int i = 0; i < 4; i++) {
    pthread_join(threads[i], NULL);
    same &= jobs[i].st == ZHCONV_OK && jobs[i].out.len == one.len - 6 &&
            memcmp(jobs[i].out.data, one.data + 6, one.len - 6) == 0;
    zhconv__buf_free(&jobs[i].out);
  }
  OK(same, "four threads sharing one engine get the same result");
  size_t before = one.len;
  st = zhconv__native_convert(e, "", 0, &one);
  OK(st == ZHCONV_OK && one.len == before, "an empty text converts to nothing");
  zhconv__buf_free(&one);
  free(text);
  free(path);
  zhconv__native_close(e);
}

/* A configuration's engine image: what a start maps instead of compiling
 * the tables, used only when it fits.  name: an installed configuration. */
static void
test_engine_images(const char *name)
{
  static const char sample[] = "汉字的软件和数据。台湾的軟體與資料，香港的電腦程式。𠮷野家";
  char err[ZHCONV__ERRLEN] = "", rel[300], dir[4096], dirs[8192], path[4500];
  size_t n_images = 0, n_mapped = 0, n_same = 0;
  for (size_t c = 0; c < S_nconfigs; c++) {
    const char *base = S_base(S_configs[c]);
    snprintf(rel, sizeof rel, "engines/%.*s.engine", (int)(strlen(base) - 5), base);
    char *image_path = zhconv__datadir_find(S_data_dirs, rel);
    if (!image_path)
      continue;
    n_images++;
    zhconv__native *e = NULL;
    if (zhconv__native_open(S_configs[c], S_data_dirs, &e, err) == ZHCONV_OK &&
        zhconv__native_from_image(e))
      n_mapped++;
    zhconv__native_close(e);
    size_t len;
    char *bytes = S_read_path(image_path, &len);
    zhconv__buf made = {0};
    if (bytes && zhconv__native_image(S_configs[c], S_data_dirs, &made, err) == ZHCONV_OK &&
        made.len == len && memcmp(made.data, bytes, len) == 0)
      n_same++;
    zhconv__buf_free(&made);
    free(bytes);
    free(image_path);
  }
  OK(n_images == S_nconfigs, "every configuration has an engine image (%zu of %zu)", n_images,
     S_nconfigs);
  OK(n_mapped == n_images, "each one opens from its image (%zu)", n_mapped);
  OK(n_same == n_images, "each image is what compiling the tables makes now (%zu)", n_same);

  /* Damaged or foreign images, in a data directory searched first. */
  char *cfg = zhconv__config_find(name), *good_path;
  snprintf(rel, sizeof rel, "engines/%s.engine", name);
  good_path = zhconv__datadir_find(S_data_dirs, rel);
  size_t len;
  char *good = good_path ? S_read_path(good_path, &len) : NULL;
  if (!OK(cfg && good && len > 4096, "%s and its image", name)) {
    free(cfg);
    free(good_path);
    free(good);
    return;
  }
  snprintf(dir, sizeof dir, "%s/native-engines", S_tmpdir);
  snprintf(path, sizeof path, "%s/engines", dir);
  mkdir(dir, 0777);
  mkdir(path, 0777);
  snprintf(path, sizeof path, "%s/%s", dir, rel);
  snprintf(dirs, sizeof dirs, "%s:%s", dir, S_data_dirs);
  const char *saved_dirs = S_data_dirs;
  char *want = S_convert_with(cfg, sample);

  /* The first table's first entry that points at a group of a dictionary
   * (low bits 3), made to point at a list past the end of the lists: after
   * the header (56 bytes), the dictionaries (24 bytes each, their count at
   * byte 20) and the first table's fields (560 bytes). */
  uint32_t ndicts;
  memcpy(&ndicts, good + 20, 4);
  size_t values = 56 + (size_t)ndicts * 24 + 560, at = 0;
  for (size_t i = values; i + 4 <= len && i < values + 300 * 1024 && !at; i += 4) {
    uint32_t v;
    memcpy(&v, good + i, 4);
    if ((v & 3) == 3)
      at = i;
  }
  OK(at != 0, "%s's image has an entry for one dictionary's group", name);
  const char *what[] = {"whole", "with an entry pointing past the lists", "cut short",
                        "one byte longer", "of another configuration"};
  for (int k = 0; k < 5; k++) {
    char *bytes = malloc(len + 1);
    size_t blen = len;
    memcpy(bytes, good, len);
    if (k == 1) {
      uint32_t bad = 2u | 0x3FFFFFFFu << 2;
      memcpy(bytes + at, &bad, 4);
    } else if (k == 2) {
      blen = len - 8;
    } else if (k == 3) {
      bytes[blen++] = 0;
    }
    FILE *f = fopen(path, "wb");
    bool written = f && fwrite(bytes, 1, blen, f) == blen;
    written = f && fclose(f) == 0 && written;
    free(bytes);
    if (k == 4) { /* another configuration's image under this one's name */
      snprintf(rel, sizeof rel, "engines/%s.engine", strcmp(name, "t2s") ? "t2s" : "s2t");
      char *other = zhconv__datadir_find(saved_dirs, rel);
      char *obytes = other ? S_read_path(other, &blen) : NULL;
      f = obytes ? fopen(path, "wb") : NULL;
      written = f && fwrite(obytes, 1, blen, f) == blen;
      written = f && fclose(f) == 0 && written;
      free(other);
      free(obytes);
    }
    zhconv__native *e = NULL;
    S_data_dirs = dirs;
    bool mapped = written && zhconv__native_open(cfg, dirs, &e, err) == ZHCONV_OK &&
                  zhconv__native_from_image(e);
    char *got = S_convert_with(cfg, sample);
    S_data_dirs = saved_dirs;
    zhconv__native_close(e);
    OK(written && mapped == (k == 0), "an image %s is %s", what[k], k == 0 ? "used" : "not used");
    STR_EQ(got, want, "and %s converts the same", name);
    free(got);
  }
  remove(path);
  free(want);
  free(cfg);
  free(good_path);
  free(good);
}

int
main(void)
{
  S_data_dirs = getenv("ZHCONV_DATA_DIR");
  const char *top = getenv("top_builddir");
  snprintf(S_tmpdir, sizeof S_tmpdir, "%s/tests", top ? top : ".");
  const char *mb = getenv("ZHCONV_NATIVE_FUZZ_MB");
  const char *seed_env = getenv("ZHCONV_NATIVE_FUZZ_SEED");
  uint64_t seed = seed_env ? strtoull(seed_env, NULL, 0) : 20240501;
  clock_t t0 = clock();

  S_find_configs();
  OK(S_nconfigs >= 19, "configurations found (%zu)", S_nconfigs);
  S_collect_all();
  OK(S_all.n > 50000, "keys and values of the exported dictionaries (%zu)", S_all.n);
  /* About 400 KB of random text per configuration by default. */
  size_t random = 400 * 1000;
  if (mb && S_nconfigs)
    random = (size_t)(strtod(mb, NULL) * 1e6) / S_nconfigs;
  test_configs(random, seed);
  test_text_dicts(seed);
  test_refusals();
  test_indexes();
  test_engine_images("s2twp");
  test_threads_and_calls();
  S_strs_free(&S_all);
  S_free_list(S_configs, S_nconfigs);

  printf("# compared %llu texts, %llu bytes in, %llu bytes out, %llu differing lines, "
         "%.1f s CPU\n",
         S_total.texts, S_total.bytes_in, S_total.bytes_out, S_total.differences,
         (double)(clock() - t0) / CLOCKS_PER_SEC);
  OK(S_total.differences == 0 && S_total.failures == 0,
     "no difference from OpenCC in %llu bytes", S_total.bytes_in);
  return tap_done();
}
