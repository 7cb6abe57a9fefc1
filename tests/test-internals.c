/* test-internals.c — the library's inner parts: UTF-8 validation, the
 * safe-cut character sets, configuration reading, the chain table. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "zhconv-private.h"
#include "tap.h"

static void
test_utf8(void)
{
  struct { const char *s; size_t len; size_t valid; zhconv__utf8_stop stop; } cases[] = {
    {"plain ascii text, long enough", 29, 29, ZHCONV__UTF8_END},
    {"漢字", 6, 6, ZHCONV__UTF8_END},
    {"ab\0cd", 5, 2, ZHCONV__UTF8_NUL},
    {"abcdefgh\0", 9, 8, ZHCONV__UTF8_NUL},          /* NUL right after the fast path */
    {"漢\xE5\xAD", 5, 3, ZHCONV__UTF8_INCOMPLETE},
    {"漢\xF0\x9F", 5, 3, ZHCONV__UTF8_INCOMPLETE},
    {"漢\xE5\xAD" "a", 6, 3, ZHCONV__UTF8_INVALID},   /* cut off inside, not at the end */
    {"\x80", 1, 0, ZHCONV__UTF8_INVALID},
    {"\xC0\x80", 2, 0, ZHCONV__UTF8_INVALID},         /* overlong NUL */
    {"\xED\xA0\x80", 3, 0, ZHCONV__UTF8_INVALID},     /* surrogate */
    {"\xED\xA0", 2, 0, ZHCONV__UTF8_INVALID},         /* a surrogate's start can never complete */
    {"\xF5\x80\x80\x80", 4, 0, ZHCONV__UTF8_INVALID},
    {"\xF0\x90\x80\x80", 4, 4, ZHCONV__UTF8_END},     /* U+10000 */
    {"\xEF\xBB\xBF", 3, 3, ZHCONV__UTF8_END},         /* BOM */
    /* short ASCII runs between Han characters */
    {"漢\t0\t5\t漢字\n", 15, 15, ZHCONV__UTF8_END},
    {"漢ab\0漢", 9, 5, ZHCONV__UTF8_NUL},
    {"漢abc\xFF漢", 10, 6, ZHCONV__UTF8_INVALID},
    {"漢abcdefghij\x80", 14, 13, ZHCONV__UTF8_INVALID},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zhconv__utf8_stop stop;
    size_t n = zhconv__utf8_scan(cases[i].s, cases[i].len, &stop);
    INT_EQ(n, cases[i].valid, "utf8 case %zu: valid prefix", i);
    INT_EQ(stop, cases[i].stop, "utf8 case %zu: stop reason", i);
  }
  struct { const char *s; size_t len, sub; } subparts[] = {
    {"\x80\x80", 2, 1}, {"\xE6\x97", 2, 2}, {"\xE6\x97" "a", 3, 2}, {"\xE0\x80", 2, 1},
    {"\xF0\x90\x80", 3, 3}, {"\xF4\x90", 2, 1}, {"\xC0\xAF", 2, 1}, {"\xFF", 1, 1},
  };
  for (size_t i = 0; i < sizeof subparts / sizeof subparts[0]; i++)
    INT_EQ(zhconv__utf8_invalid_length(subparts[i].s, subparts[i].len), subparts[i].sub,
           "maximal subpart %zu", i);
  /* The fast paths agree with utf8proc on every one-, two- and three-byte
   * sequence and on every four-byte lead with sample continuations. */
  int disagree = 0;
  for (uint32_t v = 0; v < (1u << 24); v++) {
    unsigned char b[3] = {(unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
    if (b[0] < 0x80)
      continue;                     /* ASCII leads are covered above */
    utf8proc_int32_t cp;
    utf8proc_ssize_t want = utf8proc_iterate(b, 3, &cp);
    zhconv__utf8_stop stop;
    size_t got = zhconv__utf8_scan((const char *)b, 3, &stop);
    /* Ours scans on after the first character; compare the first step. */
    size_t first = want > 0 ? (size_t)want : 0;
    if ((want > 0 && got < first) || (want <= 0 && got != 0))
      disagree++;
  }
  INT_EQ(disagree, 0, "validation agrees with utf8proc on all 3-byte inputs");
  /* The same for the path that checks two three-byte characters at once:
   * every sequence with a three-byte lead, first or second in a run of
   * Han characters long enough for it. */
  disagree = 0;
  for (uint32_t v = 0xE00000; v < 0xF00000; v++) {
    unsigned char b[3] = {(unsigned char)(v >> 16), (unsigned char)(v >> 8), (unsigned char)v};
    utf8proc_int32_t cp;
    bool valid = utf8proc_iterate(b, 3, &cp) == 3;
    for (size_t at = 0; at <= 3; at += 3) {
      char run[12];
      memcpy(run, "漢漢漢漢", 12);
      memcpy(run + at, b, 3);
      zhconv__utf8_stop stop;
      size_t got = zhconv__utf8_scan(run, 12, &stop);
      if (got != (valid ? 12 : at))
        disagree++;
    }
  }
  INT_EQ(disagree, 0, "... and inside runs of Han characters");
  uint32_t cp;
  INT_EQ(zhconv__utf8_decode("漢", &cp), 3, "decode length");
  INT_EQ(cp, 0x6F22, "decode value");
  INT_EQ(zhconv__utf8_last_start("a漢", 4), 1, "last character start");
}

static void
test_plan(void)
{
  int missing = 0, identity = 0;
  for (int from = ZHCONV_HANS; from <= ZHCONV_HK; from++)
    for (int to = ZHCONV_HANS; to <= ZHCONV_HK; to++) {
      const char *chain = zhconv__plan_chain((zhconv_variant)from, (zhconv_variant)to);
      bool same_script = (from == ZHCONV_HANS || from == ZHCONV_CN) ==
                         (to == ZHCONV_HANS || to == ZHCONV_CN);
      bool same_region = from == to || (same_script && (to == ZHCONV_HANS || to == ZHCONV_HANT)) ||
                         (from == ZHCONV_HANS && to == ZHCONV_CN);
      if (!chain && !same_region)
        missing++;
      if (!chain)
        identity++;
    }
  INT_EQ(missing, 0, "every pair that changes script or region has a chain");
  /* {hans, cn} x {hans, cn}, hant->hant, tw->tw, hk->hk */
  INT_EQ(identity, 7, "identity only where script and region already match");
  OK(zhconv__plan_chain(ZHCONV_AUTO, ZHCONV_HANS) == NULL, "no chain from auto");
}

static void
test_config(void)
{
  char *path = zhconv__config_find("tw2sp");
  OK(path != NULL, "OpenCC's tw2sp is found by name");
  zhconv__dictref *dicts = NULL;
  size_t count = 0;
  char err[ZHCONV__ERRLEN] = "";
  int st = path ? zhconv__config_dicts(path, &dicts, &count, err) : -1;
  INT_EQ(st, ZHCONV_OK, "tw2sp's dictionaries listed %s", err);
  INT_EQ(count, 6, "segmentation + 3 + 2 group members");
  OK(count == 6 && strstr(dicts[0].path, "TSPhrases.ocd2") && strstr(dicts[1].path, "TWPhrasesRev"),
     "in order, resolved to files");
  zhconv__config_dicts_free(dicts, count);
  free(path);
  OK(zhconv__config_find("no-such-configuration") == NULL, "a missing configuration");

  /* A configuration of our own, with a text dictionary beside it. */
  const char *dir = getenv("top_builddir");
  char cfg[4096], dict[4096];
  snprintf(cfg, sizeof cfg, "%s/tests/tmp-internals.json", dir ? dir : ".");
  snprintf(dict, sizeof dict, "%s/tests/tmp-internals.txt", dir ? dir : ".");
  FILE *f = fopen(dict, "w");
  fputs("甲乙\t丙\n", f);
  fclose(f);
  f = fopen(cfg, "w");
  fputs("{\"name\": \"t\\u00e9st\", \"segmentation\": {\"type\": \"mmseg\", \"dict\": "
        "{\"type\": \"text\", \"file\": \"tmp-internals.txt\"}},\n"
        " \"conversion_chain\": [{\"dict\": {\"type\": \"group\", \"dicts\": ["
        "{\"type\": \"text\", \"file\": \"tmp-internals.txt\"},"
        "{\"type\": \"ocd2\", \"file\": \"TSCharacters.ocd2\"},]}}]}", f);
  fclose(f);
  st = zhconv__config_dicts(cfg, &dicts, &count, err);
  INT_EQ(st, ZHCONV_OK, "own configuration read (trailing comma tolerated) %s", err);
  INT_EQ(count, 3, "three dictionaries");
  OK(count == 3 && strcmp(dicts[2].type, "ocd2") == 0 && strstr(dicts[2].path, OPENCC_DATADIR),
     "a dictionary missing beside the configuration is taken from OpenCC's directory");
  zhconv__config_dicts_free(dicts, count);

  zhconv__keyset ks;
  zhconv__keyset_init(&ks);
  st = zhconv__keyset_add_config(&ks, cfg, getenv("ZHCONV_DATA_DIR"), err);
  INT_EQ(st, ZHCONV_OK, "key set from a text and an exported binary dictionary %s", err);
  OK(!ks.lines_only, "every dictionary was readable");
  /* 乙 is in a text key; 漢 is a TSCharacters key; 。 is in no key. */
  INT_EQ(zhconv__keyset_safe_prefix(&ks, "甲乙", 0, 6), 0, "no safe place inside a key");
  INT_EQ(zhconv__keyset_safe_prefix(&ks, "甲。乙", 0, 9), 6, "safe after a non-key character");
  INT_EQ(zhconv__keyset_safe_prefix(&ks, "甲。乙", 3, 9), 6, "search from a boundary");
  INT_EQ(zhconv__keyset_safe_prefix(&ks, "甲。乙", 6, 9), 0, "nothing after `from`");
  INT_EQ(zhconv__keyset_safe_prefix(&ks, "漢\n漢", 0, 7), 4, "a newline is always safe");
  zhconv__keyset_free(&ks);

  /* A binary dictionary the build did not export: cut at line ends only. */
  f = fopen(cfg, "w");
  fprintf(f, "{\"segmentation\": {\"type\": \"mmseg\", \"dict\": {\"type\": \"ocd2\", \"file\": "
             "\"%s\"}}, \"conversion_chain\": []}", cfg);
  fclose(f);
  zhconv__keyset_init(&ks);
  st = zhconv__keyset_add_config(&ks, cfg, getenv("ZHCONV_DATA_DIR"), err);
  INT_EQ(st, ZHCONV_OK, "an unknown binary dictionary is no error");
  OK(ks.lines_only, "... but limits cuts to line ends");
  INT_EQ(zhconv__keyset_safe_prefix(&ks, "a。b", 0, 5), 0, "so 。 is not safe");
  zhconv__keyset_free(&ks);
  remove(cfg);
  remove(dict);
}

static char *
S_read(const char *rel, size_t *len)
{
  const char *top = getenv("top_srcdir");
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", top ? top : ".", rel);
  zhconv__buf b = {0};
  if (zhconv__read_file(path, &b) != ZHCONV_OK) {
    zhconv__buf_free(&b);
    return NULL;
  }
  *len = b.len;
  return b.data;
}

/* Convert through a stream fed a few bytes at a time, so that with a chunk
 * of 1 the stream cuts at the last safe place of nearly every piece. */
static char *
S_fed_in_pieces(const zhconv *z, const char *text, size_t len, size_t *outlen)
{
  zhconv_stream *s = zhconv_stream_new(z);
  zhconv__buf result = {0};
  char buf[4096];
  size_t at = 0, step = 0;
  int st = ZHCONV_OK;
  while (st >= 0) {
    size_t take = 1 + step++ % 7;
    if (take > len - at)
      take = len - at;
    zhconv_inbuf in = {text + at, take, 0};
    zhconv_directive d = at + take == len ? ZHCONV_END : ZHCONV_CONTINUE;
    do {
      zhconv_outbuf out = {buf, sizeof buf, 0};
      st = zhconv_stream_convert(s, &out, &in, d);
      zhconv__buf_append(&result, buf, out.pos);
    } while (st == ZHCONV_MORE);
    at += take;
    if (d == ZHCONV_END)
      break;
  }
  zhconv_stream_free(s);
  zhconv__buf_append(&result, "", 1);
  *outlen = result.len - 1;
  if (st < 0)
    zhconv__buf_free(&result);
  return result.data;
}

static zhconv *
S_converter(const char *config, const char *to, const char *from)
{
  zhconv_options *o = zhconv_options_new();
  if (config)
    zhconv_options_set(o, ZHCONV_OPT_CONFIG, config);
  if (to)
    zhconv_options_set(o, ZHCONV_OPT_TO, to);
  if (from)
    zhconv_options_set(o, ZHCONV_OPT_FROM, from);
  zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, getenv("ZHCONV_DATA_DIR"));
  zhconv *z = zhconv_new(o, NULL);
  zhconv_options_free(o);
  return z;
}

/* Cutting at every safe place must give what converting whole gives. */
static void
test_cutting(void)
{
  const char *texts[] = {"tests/data/samples/ft-article-tw.txt", "tests/data/samples/post-cn.md",
                         "tests/data/opencc-1.1.6/tw2sp.in", "tests/data/opencc-1.1.6/s2twp.in",
                         "tests/data/opencc-1.1.6/s2hk.in", "tests/data/opencc-1.1.6/hk2s.in"};
  const char *configs[] = {"t2s", "s2t", "tw2sp", "s2twp", "s2hk", "hk2s", "tw2s", "s2tw"};
  /* A fixed source: with auto, texts this short are held whole until the
   * source is decided, and never cut. */
  const char *targets[] = {"hans", "hant", "cn", "tw", "hk"};
  const char *sources[] = {"tw", "cn", "tw", "cn", "cn"};
  int controls = 0;
  for (size_t c = 0; c < 8 + 5; c++) {
    zhconv *z = c < 8 ? S_converter(configs[c], NULL, NULL)
                     : S_converter(NULL, targets[c - 8], sources[c - 8]);
    const char *name = c < 8 ? configs[c] : targets[c - 8];
    if (!z) {
      OK(0, "converter %s", name);
      continue;
    }
    int same = 1, cuts_matter = 0;
    for (size_t t = 0; t < sizeof texts / sizeof texts[0]; t++) {
      size_t len, n1, n2;
      char *text = S_read(texts[t], &len), *whole = NULL, *cut = NULL;
      if (!text) {
        same = 0;
        continue;
      }
      zhconv__set_chunk(z, (size_t)1 << 30);
      zhconv_convert(z, text, len, &whole, &n1, NULL);
      zhconv__set_chunk(z, 1);
      cut = S_fed_in_pieces(z, text, len, &n2);
      if (!whole || !cut || n1 != n2 || memcmp(whole, cut, n1) != 0) {
        same = 0;
        printf("# %s on %s: cutting changed the result\n", name, texts[t]);
      }
      /* The control: forget the key characters, so that any character is
       * taken as a safe place, and cutting must break some phrase. */
      uint64_t *saved[2];
      for (int i = 0; i < 2; i++) {
        zhconv__side *side = &z->sides[i];
        if (!atomic_load(&side->keys_ready)) /* (gathered on first need) */
          zhconv__side_keys(z, side);
        saved[i] = side->keys.bits;
        side->keys.bits = calloc(0x110000 / 64, sizeof(uint64_t));
      }
      size_t n3;
      char *broken = S_fed_in_pieces(z, text, len, &n3);
      if (broken && (n3 != n1 || memcmp(broken, whole, n1) != 0))
        cuts_matter = 1;
      for (int i = 0; i < 2; i++) {
        free(z->sides[i].keys.bits);
        z->sides[i].keys.bits = saved[i];
      }
      free(broken);
      free(whole);
      free(cut);
      free(text);
    }
    OK(same, "%s: cutting at every safe place changes nothing", name);
    if (!cuts_matter)
      printf("# %s: no phrase of these texts straddles a cut\n", name);
    controls += cuts_matter;
    zhconv_free(z);
  }
  /* The control: without the key sets, cutting must break phrases, or the
   * test above would prove nothing.  (OpenCC 1.1.6's TSPhrases is small, so
   * t2s and hk2s need no cut-sensitive phrase in these texts.) */
  OK(controls >= 10, "(control) cutting anywhere else changes %d of 13 results", controls);
}

int
main(void)
{
  test_utf8();
  test_plan();
  test_config();
  test_cutting();
  return tap_done();
}
