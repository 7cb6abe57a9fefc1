/* fuzz-vocab.c — the vocabulary loader (vocab.c) on any bytes.
 *
 * Input: byte 0 chooses what the rest is:
 *   0, 1  a YAML vocabulary (technical or regional scope), checked for
 *         conflicts as it loads.  When it loads: a matcher is built for both
 *         source scripts and one of the five targets and run over the input
 *         at every character (and its search must find the first of those
 *         matches), and (one time in four) the compiled form
 *         written by zhconv__vocab_write_compiled() loads back and writes
 *         out the same bytes again;
 *   2     a list of protected terms (--protect);
 *   3     a compiled vocabulary (vocab/compiled.tsv, normally made by the
 *         build: a damaged one must be refused, not crash);
 *   4     vocab/index.yaml, naming files in a data directory that holds a
 *         small vocabulary.
 * Every outcome must be ZHCONV_OK or an error with a message; an error
 * with a position must name a file. */
#include "fuzz.h"

#include <sys/stat.h>
#include <unistd.h>

static char S_dir[256];

static void
S_write(const char *rel, const void *data, size_t len)
{
  char path[512];
  snprintf(path, sizeof path, "%s/%s", S_dir, rel);
  FILE *f = fopen(path, "wb");
  FZ_CHECK(f, "fopen %s", path);
  FZ_CHECK(fwrite(data, 1, len, f) == len && fclose(f) == 0, "write %s", path);
}

static void
S_cleanup(void)
{
  static const char *const files[] = {"vocab/compiled.tsv", "vocab/index.yaml", "vocab/a.yaml",
                                      "protect.txt", "vocab", ""};
  char path[512];
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    snprintf(path, sizeof path, "%s/%s", S_dir, files[i]);
    remove(path);
  }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  const char *tmp = getenv("TMPDIR");
  snprintf(S_dir, sizeof S_dir, "%s/zhconv-fuzz-vocab-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  FZ_CHECK(mkdtemp(S_dir), "mkdtemp");
  char path[512];
  snprintf(path, sizeof path, "%s/vocab", S_dir);
  FZ_CHECK(mkdir(path, 0700) == 0, "mkdir");
  static const char a[] = "- {cn: 软件, tw: 軟體}\n- {cn: 英伟达, tw: 輝達, hk: 英偉達}\n"
                          "- {cn: 核心, tw: 核心}\n";
  S_write("vocab/a.yaml", a, sizeof a - 1);
  atexit(S_cleanup);
  return 0;
}

static void
S_check_error(int st, const char *err, const zhconv_mark *mark)
{
  FZ_CHECK(st == ZHCONV_OK || st == ZHCONV_ERR_SYNTAX || st == ZHCONV_ERR_IO ||
             st == ZHCONV_ERR_NOMEM,
           "status %d", st);
  if (st == ZHCONV_ERR_SYNTAX)
    FZ_CHECK(err[0] != '\0', "a syntax error without a message");
  if (st != ZHCONV_OK && (mark->line || mark->column))
    FZ_CHECK(mark->file != NULL, "a position without a file");
}

/* Matchers for both source scripts and one target (byte 0 chooses),
 * run over the valid text at every character. */
static void
S_exercise(const zhconv__vocab *v, const uint8_t *text, size_t len, unsigned choice)
{
  zhconv__utf8_stop stop;
  size_t valid = zhconv__utf8_scan((const char *)text, len, &stop);
  static const zhconv_variant targets[] = {ZHCONV_CN, ZHCONV_TW, ZHCONV_HK, ZHCONV_HANS,
                                           ZHCONV_HANT};
  for (int script = ZHCONV_HANS; script <= ZHCONV_HANT; script++)
    for (size_t t = choice % 5; t == choice % 5; t++) {
      zhconv__matcher *m;
      FZ_CHECK(zhconv__matcher_new(v, (zhconv_variant)script, targets[t], &m) == ZHCONV_OK,
               "matcher_new");
      size_t first_at = valid, first_len = 0;
      for (size_t at = 0; at < valid;) {
        const char *target = NULL;
        uint32_t entry = UINT32_MAX;
        size_t step = 0;
        size_t n = zhconv__matcher_match(m, (const char *)text + at, valid - at, &target, &entry,
                                         &step);
        FZ_CHECK(n <= valid - at, "a match past the end");
        {
          size_t max;
          uint32_t cp;
          size_t first = fz_utf8_char(text + at, valid - at, &max, &cp);
          FZ_CHECK(step == first, "char_len %zu, the character is %zu bytes", step, first);
        }
        if (n && first_len == 0) {
          first_at = at;
          first_len = n;
        }
        if (n) {
          FZ_CHECK(target && entry < zhconv__vocab_size(v), "a match without an entry");
          size_t line;
          FZ_CHECK(zhconv__vocab_origin(v, entry, &line) != NULL, "an entry without a file");
          /* A match is a whole number of characters. */
          size_t max;
          uint32_t cp;
          size_t k = 0;
          while (k < n)
            k += fz_utf8_char(text + at + k, valid - at - k, &max, &cp);
          FZ_CHECK(k == n, "a match ends inside a character");
        }
        at += step;
      }
      /* The search (with its filter of pairs) finds the first of them. */
      {
        const char *target;
        size_t target_len;
        uint32_t entry;
        size_t pos = 0;
        size_t n = zhconv__matcher_find(m, NULL, (const char *)text, valid, &pos, &target,
                                        &target_len, &entry);
        FZ_CHECK(n == first_len && pos == first_at, "find: %zu at %zu, match: %zu at %zu", n, pos,
                 first_len, first_at);
        FZ_CHECK(n == 0 || target_len == strlen(target), "find: a target's length is wrong");
      }
      /* (One key set for the whole run: a fresh one costs more than the
       * rest of an input.) */
      static zhconv__keyset ks;
      if (!ks.bits)
        FZ_CHECK(zhconv__keyset_init(&ks) == ZHCONV_OK, "keyset");
      zhconv__matcher_add_keychars(m, &ks);
      zhconv__matcher_free(m);
    }
  size_t counts[3];
  FZ_CHECK(zhconv__vocab_region_evidence(v, (const char *)text, valid, counts) == ZHCONV_OK,
           "region_evidence");
}

static char *
S_compiled(const zhconv__vocab *v, size_t *len)
{
  char *buf = NULL;
  FILE *f = open_memstream(&buf, len);
  FZ_CHECK(f, "open_memstream");
  FZ_CHECK(zhconv__vocab_write_compiled(v, f) == ZHCONV_OK, "write_compiled");
  fclose(f);
  return buf;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  int what = data[0] % 5;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;
  char err[ZHCONV__ERRLEN] = "";
  zhconv_mark mark = {0};
  zhconv__vocab *v;
  FZ_CHECK(zhconv__vocab_new(&v) == ZHCONV_OK, "vocab_new");
  int st;
  switch (what) {
  case 0:
  case 1:
    st = zhconv__vocab_load_text(v, text, len, "<fuzz>",
                                 what ? ZHCONV__SCOPE_REGIONAL : ZHCONV__SCOPE_TECHNICAL, err,
                                 &mark);
    S_check_error(st, err, &mark);
    if (st == ZHCONV_OK) {
      S_exercise(v, data + 1, len, data[0] / 5);
      /* (Every fourth input) the compiled form round-trips. */
      if ((data[0] / 25) % 4 != 0)
        break;
      size_t clen, clen2;
      char *compiled = S_compiled(v, &clen);
      S_write("vocab/compiled.tsv", compiled, clen);
      zhconv__vocab *w;
      FZ_CHECK(zhconv__vocab_new(&w) == ZHCONV_OK, "vocab_new");
      st = zhconv__vocab_load_builtin(w, S_dir, NULL, err, &mark);
      FZ_CHECK(st == ZHCONV_OK, "the compiled form does not load: %s", err);
      FZ_CHECK(zhconv__vocab_size(w) == zhconv__vocab_size(v), "entries lost");
      char *again = S_compiled(w, &clen2);
      FZ_CHECK(clen == clen2 && memcmp(compiled, again, clen) == 0,
               "the compiled form changes when loaded and written again");
      free(again);
      free(compiled);
      zhconv__vocab_free(w);
    }
    break;
  case 2:
    S_write("protect.txt", text, len);
    {
      char path[512];
      snprintf(path, sizeof path, "%s/protect.txt", S_dir);
      st = zhconv__vocab_load_protected(v, path, err, &mark);
    }
    S_check_error(st, err, &mark);
    if (st == ZHCONV_OK)
      S_exercise(v, data + 1, len, data[0] / 5);
    break;
  case 3:
    S_write("vocab/compiled.tsv", text, len);
    st = zhconv__vocab_load_builtin(v, S_dir, data[0] & 8 ? "*" : NULL, err, &mark);
    FZ_CHECK(st == ZHCONV_OK || st == ZHCONV_ERR_SYNTAX || st == ZHCONV_ERR_NOMEM, "status %d",
             st);
    if (st == ZHCONV_OK)
      S_exercise(v, data + 1, len, data[0] / 5);
    break;
  default:
    {
      char path[512];
      snprintf(path, sizeof path, "%s/vocab/compiled.tsv", S_dir);
      remove(path);
    }
    S_write("vocab/index.yaml", text, len);
    st = zhconv__vocab_load_builtin(v, S_dir, data[0] & 8 ? "*" : NULL, err, &mark);
    S_check_error(st, err, &mark);
    if (st == ZHCONV_OK)
      S_exercise(v, data + 1, len, data[0] / 5);
    break;
  }
  zhconv__vocab_free(v);
  return 0;
}
