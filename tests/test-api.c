/* test-api.c — the public API: versions, options, converters, one-shot and
 * streaming conversion, invalid input, threads. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhconv.h"
#include "tap.h"

static zhconv *
S_make(const char *key_to, const char *from, const char *invalid)
{
  zhconv_options *o = zhconv_options_new();
  if (key_to)
    zhconv_options_set(o, ZHCONV_OPT_TO, key_to);
  if (from)
    zhconv_options_set(o, ZHCONV_OPT_FROM, from);
  if (invalid)
    zhconv_options_set(o, ZHCONV_OPT_INVALID, invalid);
  const char *dirs = getenv("ZHCONV_DATA_DIR");
  if (dirs)
    zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, dirs);
  int st = 0;
  zhconv *z = zhconv_new(o, &st);
  if (!z)
    printf("# zhconv_new: %s\n", zhconv_options_error(o, NULL));
  zhconv_options_free(o);
  return z;
}

static zhconv *
S_make_config(const char *config)
{
  zhconv_options *o = zhconv_options_new();
  zhconv_options_set(o, ZHCONV_OPT_CONFIG, config);
  const char *dirs = getenv("ZHCONV_DATA_DIR");
  if (dirs)
    zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, dirs);
  zhconv *z = zhconv_new(o, NULL);
  zhconv_options_free(o);
  return z;
}

/* One-shot conversion into a string the test frees; NULL on error. */
static char *
S_conv(const zhconv *z, const char *in, size_t len, size_t *outlen, int *status)
{
  char *out = NULL;
  size_t n = 0;
  int st = zhconv_convert(z, in, len, &out, &n, NULL);
  if (status)
    *status = st;
  if (outlen)
    *outlen = n;
  return out;
}

/* Streaming conversion with chunk sizes drawn from a small generator. */
static char *
S_stream(const zhconv *z, const char *in, size_t len, unsigned seed, size_t max_in,
         size_t max_out, size_t *outlen, int *status)
{
  zhconv_stream *s = zhconv_stream_new(z);
  size_t cap = len * 3 + 64, n = 0;
  char *result = malloc(cap + 1);
  char *obuf = malloc(max_out);
  size_t at = 0;
  int st = ZHCONV_OK;
  for (;;) {
    seed = seed * 1103515245u + 12345u;
    size_t take = max_in ? 1 + (seed >> 8) % max_in : len - at;
    if (take > len - at)
      take = len - at;
    zhconv_inbuf ib = {in + at, take, 0};
    zhconv_directive d = at + take == len ? ZHCONV_END : ZHCONV_CONTINUE;
    do {
      seed = seed * 1103515245u + 12345u;
      zhconv_outbuf ob = {obuf, 1 + (seed >> 8) % max_out, 0};
      st = zhconv_stream_convert(s, &ob, &ib, d);
      if (n + ob.pos > cap)
        break;
      memcpy(result + n, obuf, ob.pos);
      n += ob.pos;
    } while (st == ZHCONV_MORE || (st == ZHCONV_OK && ib.pos < ib.size));
    at += ib.pos;
    if (st < 0 || d == ZHCONV_END)
      break;
  }
  zhconv_stream_free(s);
  free(obuf);
  *status = st;
  *outlen = n;
  result[n] = '\0';
  return result;
}

static char *
S_read_sample(const char *name, size_t *len)
{
  const char *top = getenv("top_srcdir");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/data/samples/%s", top ? top : ".", name);
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  fseek(f, 0, SEEK_END);
  long size = ftell(f);
  fseek(f, 0, SEEK_SET);
  char *data = malloc((size_t)size + 1);
  *len = fread(data, 1, (size_t)size, f);
  fclose(f);
  return data;
}

static void
test_versions(void)
{
  INT_EQ(zhconv_version(), ZHCONV_VERSION_NUMBER, "runtime version equals header version");
  STR_EQ(zhconv_version_string(), ZHCONV_VERSION_STRING, "version strings agree");
  int codes[] = {ZHCONV_OK, ZHCONV_MORE, ZHCONV_ERR_NOMEM, ZHCONV_ERR_ARG,
                 ZHCONV_ERR_INVALID_UTF8, ZHCONV_ERR_CONFIG, ZHCONV_ERR_ENGINE,
                 ZHCONV_ERR_IO, ZHCONV_ERR_SYNTAX, ZHCONV_ERR_STATE};
  int distinct = 1;
  for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++)
    for (size_t j = 0; j < i; j++)
      if (strcmp(zhconv_strerror(codes[i]), zhconv_strerror(codes[j])) == 0)
        distinct = 0;
  OK(distinct, "every status has its own message");
  OK(zhconv_strerror(12345) != NULL, "an unknown status still has a message");
  INT_EQ(ZHCONV_ERR_INVALID_UTF8, -3, "status values are the documented ones");
}

static void
test_variants_and_options(void)
{
  for (int v = ZHCONV_AUTO; v <= ZHCONV_HK; v++) {
    zhconv_variant back;
    INT_EQ(zhconv_variant_parse(zhconv_variant_name((zhconv_variant)v), &back), ZHCONV_OK,
           "variant %d parses", v);
    INT_EQ(back, v, "variant %s round-trips", zhconv_variant_name((zhconv_variant)v));
  }
  zhconv_variant v;
  INT_EQ(zhconv_variant_parse("zh-cn", &v), ZHCONV_ERR_ARG, "unknown variant refused");
  OK(zhconv_variant_name((zhconv_variant)42) == NULL, "no name for an unknown variant");

  zhconv_options *o = zhconv_options_new();
  INT_EQ(zhconv_options_set(o, ZHCONV_OPT_TO, "xx"), ZHCONV_ERR_ARG, "unknown target refused");
  const char *why = zhconv_options_error(o, NULL);
  OK(why && strstr(why, "xx"), "the error names the bad value: %s", why ? why : "");
  INT_EQ(zhconv_options_set(o, ZHCONV_OPT_TO, "auto"), ZHCONV_ERR_ARG, "auto is no target");
  INT_EQ(zhconv_options_set(o, ZHCONV_OPT_INVALID, "ignore"), ZHCONV_ERR_ARG,
         "unknown invalid-UTF-8 mode refused");
  INT_EQ(zhconv_options_set(o, (zhconv_option)99, "x"), ZHCONV_ERR_ARG, "unknown key refused");
  int st = 0;
  OK(zhconv_new(o, &st) == NULL, "no converter without a target");
  INT_EQ(st, ZHCONV_ERR_ARG, "... with ZHCONV_ERR_ARG");
  zhconv_options_set(o, ZHCONV_OPT_CONFIG, "no-such-config");
  OK(zhconv_new(o, &st) == NULL, "no converter for a missing OpenCC configuration");
  INT_EQ(st, ZHCONV_ERR_CONFIG, "... with ZHCONV_ERR_CONFIG");
  why = zhconv_options_error(o, NULL);
  OK(why && strstr(why, "no-such-config"), "the error names it: %s", why ? why : "");
  zhconv_options_free(o);
  zhconv_options_free(NULL);
  zhconv_free(NULL);
  zhconv_stream_free(NULL);
  OK(1, "freeing NULL is a no-op");
  OK(zhconv_stream_new(NULL) == NULL, "no stream without a converter");
}

static void
test_targets(void)
{
  struct { const char *to, *from, *in, *want; } cases[] = {
    {"hans", "auto", "標誌著漢字的發展", "标志着汉字的发展"},
    {"hans", "tw", "標誌著", "标志着"},
    {"hant", "auto", "汉字的发展", "漢字的發展"},
    {"tw", "auto", "软件和内存", "軟體和記憶體"},
    {"cn", "auto", "軟體和記憶體", "软件和内存"},
    {"hk", "cn", "着", "着"},
    {"hans", "hans", "漢字", "漢字"}, /* the text is declared Simplified: left alone */
    {"hans", "auto", "", ""},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    zhconv *z = S_make(cases[i].to, cases[i].from, NULL);
    int st;
    char *out = S_conv(z, cases[i].in, strlen(cases[i].in), NULL, &st);
    STR_EQ(out, cases[i].want, "--from=%s --to=%s: %s", cases[i].from, cases[i].to, cases[i].in);
    zhconv_string_free(out);
    zhconv_free(z);
  }
  zhconv *z = S_make_config("t2s");
  OK(z != NULL, "an OpenCC configuration by name");
  INT_EQ(zhconv_target(z), ZHCONV_AUTO, "a configuration has no variant target");
  zhconv_free(z);
}

static void
test_detection(void)
{
  zhconv *z = S_make("cn", "auto", NULL);
  zhconv_stream *s = zhconv_stream_new(z);
  char buf[256];
  const char *trad = "這個軟體很好用。";
  zhconv_inbuf in = {trad, strlen(trad), 0};
  zhconv_outbuf out = {buf, sizeof buf, 0};
  INT_EQ(zhconv_stream_source(s), ZHCONV_AUTO, "undecided before any text");
  INT_EQ(zhconv_stream_convert(s, &out, &in, ZHCONV_END), ZHCONV_OK, "converted");
  INT_EQ(zhconv_stream_source(s), ZHCONV_HANT, "Traditional input detected");
  zhconv_stream_reset(s);
  const char *simp = "这个软件很好用。";
  in = (zhconv_inbuf){simp, strlen(simp), 0};
  out.pos = 0;
  zhconv_stream_convert(s, &out, &in, ZHCONV_END);
  INT_EQ(zhconv_stream_source(s), ZHCONV_HANS, "Simplified input detected after reset");
  buf[out.pos] = '\0';
  STR_EQ(buf, simp, "Simplified input to cn is unchanged");
  zhconv_stream_free(s);
  zhconv_free(z);
}

static void
test_bytes(void)
{
  zhconv *z = S_make("hans", "hant", NULL);
  size_t n;
  int st;
  char *out = S_conv(z, "漢\0字", 7, &n, &st);
  INT_EQ(n, 7, "a NUL byte is kept (length)");
  OK(out && memcmp(out, "汉\0字", 7) == 0, "a NUL byte is kept and both sides converted");
  zhconv_string_free(out);
  out = S_conv(z, "\xEF\xBB\xBF漢字\r\n漢字", 17, &n, &st);
  OK(out && n == 17 && memcmp(out, "\xEF\xBB\xBF汉字\r\n汉字", 17) == 0, "BOM and CRLF kept");
  zhconv_string_free(out);
  out = S_conv(z, "漢字", 6, &n, &st);
  OK(out && n == 6 && out[6] == '\0', "no newline added; result NUL-terminated");
  zhconv_string_free(out);
  zhconv_free(z);
}

static void
test_invalid(void)
{
  zhconv *reject = S_make("hans", "hant", NULL);
  zhconv *keep = S_make("hans", "hant", "keep");
  zhconv *replace = S_make("hans", "hant", "replace");
  struct { const char *in; size_t len; size_t at; const char *kept; const char *replaced; } cases[] = {
    {"漢\x80字", 7, 3, "汉\x80字", "汉\xEF\xBF\xBD字"},
    {"漢\xE5\xAD", 5, 3, "汉\xE5\xAD", "汉\xEF\xBF\xBD"},           /* truncated at the end */
    {"\xE5\xAD漢", 5, 0, "\xE5\xAD汉", "\xEF\xBF\xBD汉"},           /* truncated inside */
    {"a\xC0\xAF" "b", 4, 1, "a\xC0\xAF" "b", "a\xEF\xBF\xBD\xEF\xBF\xBD" "b"}, /* overlong */
    {"\xED\xA0\x80", 3, 0, "\xED\xA0\x80", "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* surrogate */
    {"\xF4\x90\x80\x80", 4, 0, "\xF4\x90\x80\x80",
     "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD"}, /* above U+10FFFF */
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    char *out = NULL;
    size_t n;
    zhconv_mark where = {0};
    int st = zhconv_convert(reject, cases[i].in, cases[i].len, &out, &n, &where);
    INT_EQ(st, ZHCONV_ERR_INVALID_UTF8, "case %zu: rejected", i);
    INT_EQ(where.offset, cases[i].at, "case %zu: at byte %zu", i, cases[i].at);
    OK(out == NULL, "case %zu: no output on error", i);
    out = S_conv(keep, cases[i].in, cases[i].len, &n, &st);
    OK(out && n == strlen(cases[i].kept) && memcmp(out, cases[i].kept, n) == 0,
       "case %zu: --invalid=keep keeps the bytes", i);
    zhconv_string_free(out);
    out = S_conv(replace, cases[i].in, cases[i].len, &n, &st);
    STR_EQ(out, cases[i].replaced, "case %zu: --invalid=replace, one U+FFFD per maximal subpart", i);
    zhconv_string_free(out);
  }
  /* Line and column of an error. */
  zhconv_mark where;
  char *out;
  size_t n;
  zhconv_convert(reject, "ab\ncd\n漢\xFF", 11, &out, &n, &where);
  INT_EQ(where.line, 2, "error line (0-based)");
  INT_EQ(where.column, 1, "error column in characters (0-based)");
  /* A stream that failed stays failed until reset. */
  zhconv_stream *s = zhconv_stream_new(reject);
  char buf[64];
  zhconv_inbuf in = {"\xFF", 1, 0};
  zhconv_outbuf ob = {buf, sizeof buf, 0};
  INT_EQ(zhconv_stream_convert(s, &ob, &in, ZHCONV_END), ZHCONV_ERR_INVALID_UTF8, "stream error");
  OK(zhconv_stream_error(s, NULL) != NULL, "stream has an error message");
  in = (zhconv_inbuf){"a", 1, 0};
  INT_EQ(zhconv_stream_convert(s, &ob, &in, ZHCONV_END), ZHCONV_ERR_STATE, "then ERR_STATE");
  zhconv_stream_reset(s);
  OK(zhconv_stream_error(s, NULL) == NULL, "reset clears the error");
  ob.pos = 0;
  INT_EQ(zhconv_stream_convert(s, &ob, &in, ZHCONV_END), ZHCONV_OK, "and the stream works again");
  in = (zhconv_inbuf){"b", 1, 0};
  INT_EQ(zhconv_stream_convert(s, &ob, &in, ZHCONV_CONTINUE), ZHCONV_ERR_STATE,
         "input after the end is refused");
  zhconv_stream_free(s);
  zhconv_free(reject);
  zhconv_free(keep);
  zhconv_free(replace);
}

static void
test_flush(void)
{
  zhconv *z = S_make("hans", "hant", NULL);
  zhconv_stream *s = zhconv_stream_new(z);
  char buf[64];
  zhconv_inbuf in = {"漢字\xE5", 7, 0};
  zhconv_outbuf ob = {buf, sizeof buf, 0};
  INT_EQ(zhconv_stream_convert(s, &ob, &in, ZHCONV_CONTINUE), ZHCONV_OK, "continue");
  INT_EQ(ob.pos, 0, "short text is held back");
  INT_EQ(zhconv_stream_convert(s, &ob, &in, ZHCONV_FLUSH), ZHCONV_OK, "flush");
  OK(ob.pos == 6 && memcmp(buf, "汉字", 6) == 0, "flush writes the text, holds the partial character");
  in = (zhconv_inbuf){"\xAD\x97", 2, 0};
  INT_EQ(zhconv_stream_convert(s, &ob, &in, ZHCONV_END), ZHCONV_OK, "end");
  OK(ob.pos == 9 && memcmp(buf + 6, "字", 3) == 0, "the split character completes across calls");
  zhconv_stream_free(s);
  zhconv_free(z);
}

static void
test_chunking(void)
{
  size_t len;
  char *text = S_read_sample("ft-article-tw.txt", &len);
  OK(text != NULL, "sample text readable");
  if (!text)
    return;
  /* Add the awkward bytes: NULs, CRLF, a BOM. */
  char *mixed = malloc(len * 2 + 16);
  memcpy(mixed, "\xEF\xBB\xBF", 3);
  memcpy(mixed + 3, text, len);
  memcpy(mixed + 3 + len, "\r\n\0漢字\r\n", 12);
  memcpy(mixed + 15 + len, text, len / 2);
  size_t mlen = 15 + len + len / 2;
  const char *targets[] = {"hans", "cn", "tw"};
  for (size_t t = 0; t < 3; t++) {
    zhconv *z = S_make(targets[t], "auto", "keep");
    size_t n1, n2;
    int st1, st2;
    char *whole = S_conv(z, mixed, mlen, &n1, &st1);
    INT_EQ(st1, ZHCONV_OK, "--to=%s: one-shot", targets[t]);
    int same = 1;
    for (unsigned seed = 1; seed <= 40; seed++) {
      size_t max_in = seed % 4 == 0 ? 1 : seed * 7 % 200 + 1;
      size_t max_out = seed % 3 == 0 ? 1 : seed * 13 % 300 + 1;
      char *part = S_stream(z, mixed, mlen, seed, max_in, max_out, &n2, &st2);
      if (st2 != ZHCONV_OK || n1 != n2 || memcmp(whole, part, n1) != 0) {
        same = 0;
        printf("# seed %u differs (status %d, %zu vs %zu bytes)\n", seed, st2, n2, n1);
      }
      free(part);
    }
    OK(same, "--to=%s: 40 random chunkings give the one-shot result", targets[t]);
    zhconv_string_free(whole);
    zhconv_free(z);
  }
  free(mixed);
  free(text);
}

struct thread_job {
  const zhconv *z;
  const char *text;
  size_t len;
  char *out;
  size_t outlen;
};

static void *
S_thread(void *arg)
{
  struct thread_job *job = arg;
  for (int i = 0; i < 20; i++) {
    free(job->out);
    zhconv_convert(job->z, job->text, job->len, &job->out, &job->outlen, NULL);
  }
  return NULL;
}

static void
test_threads(void)
{
  size_t len;
  char *text = S_read_sample("ft-article-tw.txt", &len);
  if (!text)
    return;
  zhconv *z = S_make("cn", "auto", NULL);
  struct thread_job jobs[4];
  pthread_t threads[4];
  for (int i = 0; i < 4; i++) {
    jobs[i] = (struct thread_job){z, text, len, NULL, 0};
    pthread_create(&threads[i], NULL, S_thread, &jobs[i]);
  }
  for (int i = 0; i < 4; i++)
    pthread_join(threads[i], NULL);
  int same = 1;
  for (int i = 1; i < 4; i++)
    same &= jobs[i].out && jobs[0].out && jobs[i].outlen == jobs[0].outlen &&
            memcmp(jobs[i].out, jobs[0].out, jobs[0].outlen) == 0;
  OK(same, "four threads sharing one converter agree");
  for (int i = 0; i < 4; i++)
    free(jobs[i].out);
  zhconv_free(z);
  free(text);
}

int
main(void)
{
  test_versions();
  test_variants_and_options();
  test_targets();
  test_detection();
  test_bytes();
  test_invalid();
  test_flush();
  test_chunking();
  test_threads();
  return tap_done();
}
