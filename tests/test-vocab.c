/* test-vocab.c — the vocabulary layer: the built-in files pass the lint,
 * the build's matcher images agree with the vocabulary, the matcher agrees
 * with a plain search on random vocabularies, malformed files
 * are refused with their position, user entries win,
 * vetoes hold, the longest term wins, quotation marks, detection. */
#include <config.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zhconv-private.h"
#include "tap.h"

static zhconv *
S_make(const char *to, const char *from, const char *vocab_text, const char *extra_key,
       const char *extra_value)
{
  zhconv_options *o = zhconv_options_new();
  zhconv_options_set(o, ZHCONV_OPT_TO, to);
  if (from)
    zhconv_options_set(o, ZHCONV_OPT_FROM, from);
  zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, getenv("ZHCONV_DATA_DIR"));
  if (vocab_text)
    zhconv_options_set(o, ZHCONV_OPT_VOCAB_TEXT, vocab_text);
  if (extra_key)
    zhconv_options_set(o, (zhconv_option)atoi(extra_key), extra_value);
  zhconv *z = zhconv_new(o, NULL);
  if (!z)
    printf("# zhconv_new: %s\n", zhconv_options_error(o, NULL));
  zhconv_options_free(o);
  return z;
}

static char *
S_conv(const zhconv *z, const char *in)
{
  char *out = NULL;
  size_t n;
  if (z)
    zhconv_convert(z, in, strlen(in), &out, &n, NULL);
  return out;
}

static void
test_builtin_lint(void)
{
  zhconv__vocab *v;
  zhconv__vocab_new(&v);
  char err[ZHCONV__ERRLEN] = "";
  zhconv_mark mark = {0};
  int st = zhconv__vocab_load_sources(v, getenv("ZHCONV_DATA_DIR"), NULL, err, &mark);
  INT_EQ(st, ZHCONV_OK, "the built-in vocabulary's YAML files load %s", err);
  OK(zhconv__vocab_size(v) >= 3000, "at least 3,000 entries (%zu)", zhconv__vocab_size(v));
  st = zhconv__vocab_lint(v, err, &mark);
  INT_EQ(st, ZHCONV_OK, "lint: no conflicting or duplicate entries across the built-in files");
  if (st != ZHCONV_OK)
    printf("#   %s:%zu:%zu: %s\n", mark.file ? mark.file : "?", mark.line + 1, mark.column + 1, err);
  /* The compiled form the library starts from says the same. */
  zhconv__vocab *compiled;
  zhconv__vocab_new(&compiled);
  st = zhconv__vocab_load_builtin(compiled, getenv("ZHCONV_DATA_DIR"), NULL, err, &mark);
  INT_EQ(st, ZHCONV_OK, "the compiled vocabulary loads %s", err);
  INT_EQ(zhconv__vocab_size(compiled), zhconv__vocab_size(v), "with as many entries as the sources");
  size_t line1, line2;
  const char *f1 = zhconv__vocab_origin(v, 42, &line1);
  const char *f2 = zhconv__vocab_origin(compiled, 42, &line2);
  OK(line1 == line2 && strcmp(strrchr(f1, '/'), strrchr(f2, '/')) == 0,
     "an entry keeps its file and line (%s:%zu)", strrchr(f2, '/') + 1, line2);
  zhconv__vocab_free(compiled);
  /* A domain's file loads only when asked for, and adds to the rest. */
  zhconv__vocab *software;
  zhconv__vocab_new(&software);
  st = zhconv__vocab_load_builtin(software, getenv("ZHCONV_DATA_DIR"), "software", err, &mark);
  INT_EQ(st, ZHCONV_OK, "--domain=software loads %s", err);
  OK(zhconv__vocab_size(software) > zhconv__vocab_size(v), "and adds entries (%zu > %zu)",
     zhconv__vocab_size(software), zhconv__vocab_size(v));
  zhconv__vocab_free(software);
  zhconv__vocab *unknown;
  zhconv__vocab_new(&unknown);
  st = zhconv__vocab_load_builtin(unknown, getenv("ZHCONV_DATA_DIR"), "software,poetry", err, &mark);
  INT_EQ(st, ZHCONV_ERR_ARG, "an unknown domain is refused");
  OK(strstr(err, "poetry") != NULL, "... by name: %s", err);
  zhconv__vocab_free(unknown);
  zhconv__vocab_free(v);
}

/* Copy file `from` to `to`, changing byte `flip` (if below its length) and
 * keeping the first `keep` bytes only (SIZE_MAX: all). */
static bool
S_copy(const char *from, const char *to, size_t flip, size_t keep)
{
  zhconv__buf b = {0};
  bool ok = zhconv__read_file(from, &b) == ZHCONV_OK;
  FILE *f = ok ? fopen(to, "wb") : NULL;
  if (f) {
    if (flip < b.len)
      b.data[flip] ^= 0x20;
    size_t n = keep < b.len ? keep : b.len;
    ok = fwrite(b.data, 1, n, f) == n;
    ok = fclose(f) == 0 && ok;
  } else
    ok = false;
  zhconv__buf_free(&b);
  return ok;
}

/* The build's images of the built-in vocabulary's matchers find what the
 * matchers built from the vocabulary find, at every place of the samples;
 * an image that does not fit its vocabulary is not used. */
static void
test_images(void)
{
  const char *data = getenv("ZHCONV_DATA_DIR");
  const char *top = getenv("top_srcdir");
  zhconv__vocab *v;
  zhconv__vocab_new(&v);
  char err[ZHCONV__ERRLEN] = "";
  zhconv_mark mark = {0};
  INT_EQ(zhconv__vocab_load_builtin(v, data, NULL, err, &mark), ZHCONV_OK,
         "the compiled vocabulary loads %s", err);
  zhconv__buf text = {0};
  const char *samples[] = {"ft-article-tw.txt", "zuozhuan.txt", "post-cn.md"};
  for (size_t i = 0; i < 3; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/samples/%s", top, samples[i]);
    zhconv__read_file(path, &text);
  }
  static const zhconv_variant scripts[] = {ZHCONV_HANS, ZHCONV_HANT};
  static const zhconv_variant targets[] = {ZHCONV_CN, ZHCONV_TW, ZHCONV_HK, ZHCONV_HANS,
                                           ZHCONV_HANT};
  for (size_t s = 0; s < 2; s++)
    for (size_t t = 0; t < 5; t++) {
      zhconv__matcher *image = NULL, *built = NULL;
      int st = zhconv__matcher_open_image(data, scripts[s], targets[t], &image);
      zhconv__matcher_new(v, scripts[s], targets[t], &built);
      size_t differ = 0, found = 0;
      for (size_t at = 0; st == ZHCONV_OK && built && at < text.len;) {
        const char *t1 = NULL, *t2 = NULL;
        uint32_t e1 = 0, e2 = 0;
        size_t step;
        size_t n1 = zhconv__matcher_match(image, text.data + at, text.len - at, &t1, &e1, &step);
        size_t n2 = zhconv__matcher_match(built, text.data + at, text.len - at, &t2, &e2, &step);
        found += n1 > 0;
        differ += n1 != n2 || (n1 && (e1 != e2 || strcmp(t1, t2) != 0));
        at += step;
      }
      OK(st == ZHCONV_OK && built && found > 0 && differ == 0,
         "the image of %s to %s maps and matches as the built matcher (%zu terms found)",
         zhconv_variant_name(scripts[s]), zhconv_variant_name(targets[t]), found);
      zhconv__matcher_free(image);
      zhconv__matcher_free(built);
    }
  zhconv__vocab_free(v);

  /* Copies beside a copy of compiled.tsv: intact, damaged, cut short, older. */
  char dir[] = "test-vocab.XXXXXX";
  char *compiled = zhconv__datadir_find(data, "vocab/compiled.tsv");
  char *image = zhconv__datadir_find(data, "vocab/hant-cn.trie");
  char sub[64], to_compiled[96], to_image[96];
  bool made = mkdtemp(dir) != NULL;
  snprintf(sub, sizeof sub, "%s/vocab", dir);
  snprintf(to_compiled, sizeof to_compiled, "%s/compiled.tsv", sub);
  snprintf(to_image, sizeof to_image, "%s/hant-cn.trie", sub);
  made = made && compiled && image && mkdir(sub, 0700) == 0 &&
         S_copy(compiled, to_compiled, SIZE_MAX, SIZE_MAX);
  OK(made, "copies of the compiled vocabulary and an image made");
  struct {
    size_t flip, keep;
    bool older;
    int want;
    const char *what;
  } cases[] = {
      {SIZE_MAX, SIZE_MAX, false, ZHCONV_OK, "an intact copy is used"},
      {0, SIZE_MAX, false, ZHCONV_ERR_IO, "a changed magic: not used"},
      {SIZE_MAX, 100000, false, ZHCONV_ERR_IO, "cut short: not used"},
      {SIZE_MAX, SIZE_MAX, true, ZHCONV_ERR_IO, "older than compiled.tsv: not used"},
  };
  for (size_t i = 0; made && i < sizeof cases / sizeof cases[0]; i++) {
    zhconv__matcher *m = NULL;
    bool ok = S_copy(image, to_image, cases[i].flip, cases[i].keep);
    if (cases[i].older) {
      struct timespec times[2] = {{0, UTIME_OMIT}, {1000000000, 0}};
      ok = ok && utimensat(AT_FDCWD, to_image, times, 0) == 0;
    }
    int st = zhconv__matcher_open_image(dir, ZHCONV_HANT, ZHCONV_CN, &m);
    OK(ok && st == cases[i].want && (m != NULL) == (st == ZHCONV_OK), "image: %s", cases[i].what);
    zhconv__matcher_free(m);
  }
  /* A byte changed anywhere else is refused, or the image is used and
   * stays within itself: every match is of the text, with a target (the
   * ASan build checks the reads). */
  zhconv__buf whole = {0};
  bool read = made && zhconv__read_file(image, &whole) == ZHCONV_OK && whole.len > 0;
  size_t refused = 0, sound = 0, places = 64;
  for (size_t i = 0; read && i < places; i++) {
    size_t flip = 8 + (whole.len - 8) / places * i;
    zhconv__matcher *m = NULL;
    if (!S_copy(image, to_image, flip, SIZE_MAX))
      break;
    if (zhconv__matcher_open_image(dir, ZHCONV_HANT, ZHCONV_CN, &m) != ZHCONV_OK) {
      refused++;
      continue;
    }
    bool within = true;
    for (size_t at = 0; at < text.len && within;) {
      const char *target = NULL;
      uint32_t entry = 0;
      size_t step = 0;
      size_t n = zhconv__matcher_match(m, text.data + at, text.len - at, &target, &entry, &step);
      within = n <= text.len - at && (n == 0 || target) && step > 0;
      at += step;
    }
    sound += within;
    zhconv__matcher_free(m);
  }
  OK(read && refused + sound == places,
     "image: a byte changed at %zu places: refused (%zu) or used within bounds", places, refused);
  zhconv__buf_free(&whole);
  remove(to_image);
  remove(to_compiled);
  remove(sub);
  remove(dir);
  free(compiled);
  free(image);
  zhconv__buf_free(&text);
}

/* The matcher against a plain search, on random vocabularies and texts
 * over a few characters (so that forms share prefixes, pairs and the
 * slot's bits for third characters, which go by code point modulo 31:
 * U+4E00, U+4E1F and U+4E3E share one), and one beyond U+FFFF. */
static const char *const S_alphabet[] = {"\xe4\xb8\x80", "\xe4\xb8\x9f", "\xe4\xb8\xbe",
                                         "\xe4\xb8\x81", "\xe4\xb8\x83", "\xe4\xb8\x87",
                                         "\xf0\xa0\x80\x80"};
#define ALPHABET (sizeof S_alphabet / sizeof S_alphabet[0])

static unsigned long S_seed = 12345;

static unsigned
S_random(unsigned below)
{
  S_seed = S_seed * 6364136223846793005UL + 1442695040888963407UL;
  return (unsigned)((S_seed >> 33) % below);
}

/* A random string of min..max characters of the alphabet. */
static void
S_random_string(char *out, unsigned min, unsigned max)
{
  out[0] = '\0';
  for (unsigned i = 0, n = min + S_random(max - min + 1); i < n; i++)
    strcat(out, S_alphabet[S_random(ALPHABET)]);
}

static void
test_matcher_oracle(void)
{
  enum { VOCABS = 40, FORMS = 60, TEXT = 300 };
  size_t wrong = 0, found = 0, places = 0;
  for (int round = 0; round < VOCABS; round++) {
    static char forms[FORMS][32], targets[FORMS][32];
    size_t n = 0;
    zhconv__buf yaml = {0};
    /* Odd rounds: fewer forms, of two characters or more. */
    for (int tries = 0; tries < 4 * FORMS && n < (round % 2 ? FORMS / 3 : FORMS); tries++) {
      /* Distinct forms, and distinct targets (each is a form of its own
       * for other targets: one mapped two ways would be refused). */
      S_random_string(forms[n], round % 2 ? 2 : 1, round % 2 ? 5 : 3);
      S_random_string(targets[n], 1, 4);
      bool seen = false;
      for (size_t k = 0; k < n; k++)
        seen |= strcmp(forms[k], forms[n]) == 0 || strcmp(targets[k], targets[n]) == 0;
      if (seen)
        continue;
      char line[128];
      snprintf(line, sizeof line, "- {cn: %s, tw: %s}\n", forms[n], targets[n]);
      zhconv__buf_append(&yaml, line, strlen(line));
      n++;
    }
    zhconv__vocab *v = NULL;
    zhconv__matcher *m = NULL;
    char err[ZHCONV__ERRLEN] = "";
    zhconv_mark mark = {0};
    zhconv__vocab_new(&v);
    int st = zhconv__vocab_load_text(v, yaml.data, yaml.len, "random.yaml",
                                     ZHCONV__SCOPE_TECHNICAL, err, &mark);
    if (st == ZHCONV_OK)
      st = zhconv__matcher_new(v, ZHCONV_HANS, ZHCONV_TW, &m);
    if (st != ZHCONV_OK) {
      OK(0, "random vocabulary %d loads: %s", round, err);
      wrong++;
    }
    char text[TEXT * 4 + 1] = "";
    for (int i = 0; i < TEXT; i++)
      strcat(text, S_alphabet[S_random(ALPHABET)]);
    size_t len = strlen(text);
    for (size_t at = 0; m && at < len;) {
      /* The longest form that starts here, plainly. */
      size_t want = 0, which = 0;
      for (size_t k = 0; k < n; k++) {
        size_t fl = strlen(forms[k]);
        if (fl > want && fl <= len - at && memcmp(text + at, forms[k], fl) == 0) {
          want = fl;
          which = k;
        }
      }
      const char *target = NULL;
      uint32_t entry;
      size_t step, got = zhconv__matcher_match(m, text + at, len - at, &target, &entry, &step);
      wrong += got != want || (got && (entry != which || strcmp(target, targets[which]) != 0));
      found += got > 0;
      places++;
      at += step;
    }
    zhconv__matcher_free(m);
    zhconv__vocab_free(v);
    zhconv__buf_free(&yaml);
  }
  OK(wrong == 0 && found > 0,
     "the matcher finds the longest form and its target at each of %zu places of random "
     "text, as a plain search does (%zu found, %zu wrong)",
     places, found, wrong);
}

static void
test_malformed(void)
{
  struct { const char *text; size_t line, column; const char *says; } cases[] = {
    {"- {cn: 软件, tw: 軟體\n", 2, 1, "expected"},                 /* unclosed flow mapping */
    {"cn: 软件\n", 1, 1, "sequence"},                              /* not a sequence */
    {"- {cn: 软件, tw: 軟體}\n- {cn: 硬件, xx: 硬體}\n", 2, 16, "unknown key 'xx'"},
    {"- {cn: 软件}\n", 1, 3, "at least two"},
    {"- {cn: 软件, tw: [軟體]}\n", 1, 16, "must be text"},
    {"- {cn: 软件, tw: 軟體}\n- {cn: 软件, tw: 軟件}\n", 2, 3, "conflicting"},
    {"- {cn: 软件, tw: 軟體}\n- {cn: 软件, tw: 軟體}\n", 2, 3, "duplicate"},
    {"- {cn: 软件, tw: 軟體, tw: 軟件}\n", 1, 24, "twice"},
    {"- {cn: '', tw: 軟體}\n", 1, 8, "non-empty"},
    {"- 软件\n", 1, 3, "expected an entry"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zhconv_options *o = zhconv_options_new();
    zhconv_options_set(o, ZHCONV_OPT_TO, "cn");
    zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, getenv("ZHCONV_DATA_DIR"));
    zhconv_options_set(o, ZHCONV_OPT_VOCAB_TEXT, cases[i].text);
    int st = 0;
    zhconv *z = zhconv_new(o, &st);
    zhconv_mark where;
    const char *why = zhconv_options_error(o, &where);
    OK(!z && st == ZHCONV_ERR_SYNTAX, "malformed %zu refused with ZHCONV_ERR_SYNTAX", i);
    OK(why && strstr(why, cases[i].says), "malformed %zu: '%s' says '%s'", i, why ? why : "",
       cases[i].says);
    OK(where.file && strcmp(where.file, "<vocabulary text>") == 0 &&
         where.line + 1 == cases[i].line && where.column + 1 == cases[i].column,
       "malformed %zu at %zu:%zu (got %zu:%zu)", i, cases[i].line, cases[i].column,
       where.line + 1, where.column + 1);
    zhconv_free(z);
    zhconv_options_free(o);
  }
}

static void
test_semantics(void)
{
  struct { const char *to, *from, *vocab, *in, *want, *why; } cases[] = {
    {"cn", "tw", NULL, "輝達的晶片", "英伟达的芯片", "built-in terms to cn"},
    {"tw", "cn", NULL, "英伟达的芯片", "輝達的晶片", "built-in terms to tw"},
    {"cn", "tw", NULL, "核心地帶", "核心地带", "veto: OpenCC's 核心→内核 is stopped"},
    {"cn", "tw", NULL, "建立品牌", "建立品牌", "veto: OpenCC's 建立→创建 is stopped"},
    {"cn", "tw", "- {cn: 辉达, tw: 輝達}\n", "輝達", "辉达", "a user entry wins over a built-in one"},
    {"cn", "tw", "- {cn: 英伟达公司, tw: 輝達公司}\n", "輝達公司的晶片", "英伟达公司的芯片",
     "the longest term wins"},
    {"cn", "tw", "- {cn: 丁, tw: 甲乙丙丁}\n", "甲乙丙", "甲乙丙",
     "the start of a longer term is no match"},
    {"cn", "tw", "- {cn: 丁, tw: 甲乙丙丁}\n- {cn: 戊, tw: 乙丙}\n", "甲乙丙", "甲戊",
     "a shorter term inside the start of a longer one matches"},
    {"cn", "tw",
     "- {cn: 甲, tw: 資料庫管理}\n- {cn: 乙, tw: 資料庫管理系統}\n- {cn: 丙, tw: 資料庫}\n"
     "- {cn: 丁, tw: 資料庫管}\n",
     "資料庫管理系統，資料庫管理，資料庫管，資料庫", "乙，甲，丁，丙",
     "terms that share their first eight bytes each match whole"},
    {"hans", "tw", NULL, "輝達的晶片", "英伟达的芯片", "hans applies technical terms"},
    {"hans", "tw", NULL, "起司", "起司", "hans does not apply regional phrasing"},
    {"cn", "tw", NULL, "起司", "奶酪", "cn applies regional phrasing"},
    {"hans", "tw", "- {cn: 英伟达, tw: 輝達, hans: 英伟达公司}\n", "輝達", "英伟达公司",
     "hans prefers a script-level form"},
    {"hk", "cn", "- {cn: 英伟达, tw: 輝達, hant: 英偉達}\n", "英伟达", "英偉達",
     "hk falls back to the hant form"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zhconv *z = S_make(cases[i].to, cases[i].from, cases[i].vocab, NULL, NULL);
    char *out = S_conv(z, cases[i].in);
    STR_EQ(out, cases[i].want, "%s: %s", cases[i].why, cases[i].in);
    free(out);
    zhconv_free(z);
  }
  /* --no-vocab: OpenCC's own result. */
  zhconv *z = S_make("cn", "tw", NULL, "9", "yes");
  char *out = S_conv(z, "輝達的核心");
  STR_EQ(out, "辉达的内核", "--no-vocab gives OpenCC's phrasing");
  free(out);
  zhconv_free(z);
}

static void
test_idempotence(void)
{
  const char *top = getenv("top_srcdir");
  const char *samples[] = {"ft-article-tw.txt", "post-cn.md"};
  const char *targets[] = {"hans", "hant", "cn", "tw", "hk"};
  for (size_t i = 0; i < 2; i++) {
    char path[4096];
    snprintf(path, sizeof path, "%s/tests/data/samples/%s", top, samples[i]);
    zhconv__buf text = {0};
    zhconv__read_file(path, &text);
    zhconv__buf_append(&text, "", 1);
    for (size_t t = 0; t < 5; t++) {
      zhconv *z = S_make(targets[t], NULL, NULL, NULL, NULL);
      char *once = S_conv(z, text.data);
      char *twice = S_conv(z, once ? once : "");
      OK(once && twice && strcmp(once, twice) == 0, "--to=%s twice equals once on %s",
         targets[t], samples[i]);
      free(once);
      free(twice);
      zhconv_free(z);
    }
    if (i == 1) {
      zhconv *z = S_make("hans", NULL, NULL, NULL, NULL);
      char *out = S_conv(z, text.data);
      OK(out && strcmp(out, text.data) == 0, "--to=hans leaves mainland Simplified text unchanged");
      free(out);
      zhconv_free(z);
    }
    zhconv__buf_free(&text);
  }
}

static void
test_punct(void)
{
  zhconv *tw = S_make("tw", "cn", NULL, "10", "yes");
  zhconv *cn = S_make("cn", "tw", NULL, "10", "yes");
  char *out = S_conv(tw, "他说：“我看‘软件’。”I’m fine.");
  STR_EQ(out, "他說：「我看『軟體』。」I’m fine.", "--punct to tw, nested; an apostrophe stays");
  free(out);
  out = S_conv(cn, "「甲『乙「丙」乙』甲」");
  STR_EQ(out, "“甲‘乙“丙”乙’甲”", "--punct to cn by depth, three levels");
  free(out);
  out = S_conv(tw, "“甲“乙”甲”");
  STR_EQ(out, "「甲『乙』甲」", "--punct: a same-kind nested quote becomes the inner kind");
  free(out);
  zhconv_free(tw);
  zhconv_free(cn);
  zhconv *plain = S_make("tw", "cn", NULL, NULL, NULL);
  out = S_conv(plain, "“软件”");
  STR_EQ(out, "“軟體”", "without --punct quotation marks stay");
  free(out);
  zhconv_free(plain);
}

static void
test_detect(void)
{
  zhconv *z = S_make("hans", NULL, NULL, NULL, NULL);
  struct { const char *text; zhconv_variant script, region; } cases[] = {
    {"這個軟體的記憶體和滑鼠都很好用，資料庫也是。", ZHCONV_HANT, ZHCONV_TW},
    {"這個軟件的記憶體很好用，我們用緊數據庫。", ZHCONV_HANT, ZHCONV_HK},
    {"这个软件的内存很好用。", ZHCONV_HANS, ZHCONV_CN},
    {"hello world", ZHCONV_AUTO, ZHCONV_AUTO},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zhconv_variant script, region;
    double confidence = -1;
    int st = zhconv_detect(z, cases[i].text, strlen(cases[i].text), &script, &region, &confidence);
    INT_EQ(st, ZHCONV_OK, "detect %zu runs", i);
    OK(script == cases[i].script && region == cases[i].region,
       "detect %zu: %s %s (got %s %s, %.2f)", i, zhconv_variant_name(cases[i].script),
       zhconv_variant_name(cases[i].region), zhconv_variant_name(script),
       zhconv_variant_name(region), confidence);
    OK(confidence >= 0 && confidence <= 1, "detect %zu: confidence in [0, 1]", i);
  }
  zhconv_free(z);
}

struct changes {
  int count;
  char first[64];
  size_t line, column;
};

static void
S_on_change(void *user, const zhconv_change *c)
{
  struct changes *ch = user;
  if (ch->count++ == 0) {
    snprintf(ch->first, sizeof ch->first, "%.*s>%.*s@%s", (int)c->from_len, c->from,
             (int)c->to_len, c->to, strrchr(c->file, '/') ? strrchr(c->file, '/') + 1 : c->file);
    ch->line = c->line;
    ch->column = c->column;
  }
}

static void
test_explain(void)
{
  zhconv *z = S_make("cn", "tw", NULL, NULL, NULL);
  zhconv_stream *s = zhconv_stream_new(z);
  struct changes ch = {0};
  zhconv_stream_on_change(s, S_on_change, &ch);
  const char *text = "第一行\n他們的核心是輝達的晶片。";
  char buf[256];
  zhconv_inbuf in = {text, strlen(text), 0};
  zhconv_outbuf out = {buf, sizeof buf, 0};
  zhconv_stream_convert(s, &out, &in, ZHCONV_END);
  INT_EQ(ch.count, 2, "two changes reported (the veto 核心 is not a change)");
  STR_EQ(ch.first, "輝達>英伟达@companies.yaml", "the first names term, replacement and file");
  OK(ch.line == 1 && ch.column == 6, "at line 1, column 6 (0-based, in characters): %zu:%zu",
     ch.line, ch.column);
  zhconv_stream_free(s);
  zhconv_free(z);
}

int
main(void)
{
  test_builtin_lint();
  test_images();
  test_matcher_oracle();
  test_malformed();
  test_semantics();
  test_idempotence();
  test_punct();
  test_detect();
  test_explain();
  return tap_done();
}
