/* engine-speed.c — the conversion engines alone, without the stream: the
 * native engine (native.c) against libopencc (engine.c, which calls
 * opencc_convert_utf8) on the same text in the same run, and the time to
 * open a configuration natively.
 *
 *   bench/engine-speed [SIZE_MB]      (default 14)
 *
 * Run from the build directory; the samples are taken from $top_srcdir
 * (default: the source directory this file was compiled from) and the
 * exported dictionaries from $ZHCONV_DATA_DIR (default: data).  Times are
 * the CPU time of the thread (best of five runs for the native engine), so
 * that other work on the machine disturbs them less than the wall clock. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "zhconv-private.h"

static double
S_now(void)
{
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static char *
S_repeat(const char *top, const char *rel, size_t size, size_t *len)
{
  char path[4096];
  snprintf(path, sizeof path, "%s/%s", top, rel);
  zhconv__buf one = {0}, all = {0};
  if (zhconv__read_file(path, &one) != ZHCONV_OK || one.len == 0) {
    fprintf(stderr, "engine-speed: cannot read %s\n", path);
    exit(1);
  }
  while (all.len < size)
    zhconv__buf_append(&all, one.data, one.len);
  zhconv__buf_free(&one);
  *len = all.len;
  return all.data;
}

int
main(int argc, char **argv)
{
  size_t size = (size_t)((argc > 1 ? atof(argv[1]) : 14) * 1e6);
  char top[4096];
  if (getenv("top_srcdir"))
    snprintf(top, sizeof top, "%s", getenv("top_srcdir"));
  else {
    snprintf(top, sizeof top, "%s", __FILE__);
    char *slash = strrchr(top, '/');
    if (slash && slash > top && (slash = memrchr(top, '/', (size_t)(slash - top))))
      *slash = '\0';
    else
      strcpy(top, ".");
  }
  const char *data = getenv("ZHCONV_DATA_DIR") ? getenv("ZHCONV_DATA_DIR") : "data";
  size_t tw_len, zz_len;
  char *tw = S_repeat(top, "tests/data/samples/ft-article-tw.txt", size, &tw_len);
  char *zz = S_repeat(top, "tests/data/samples/zuozhuan.txt", size, &zz_len);
  struct { const char *config, *label, *text; size_t len; } rows[] = {
    {"tw2sp", "Taiwan news", tw, tw_len},
    {"t2s", "Taiwan news", tw, tw_len},
    {"s2twp", "Taiwan news", tw, tw_len},
    {"s2twp", "zuozhuan", zz, zz_len},
    {"s2t", "zuozhuan", zz, zz_len},
  };
  printf("%-6s %-12s %8s %12s %12s %8s  %s\n", "config", "text", "MB", "native MB/s",
         "opencc MB/s", "ratio", "same");
  for (size_t r = 0; r < sizeof rows / sizeof rows[0]; r++) {
    char err[ZHCONV__ERRLEN] = "";
    char *path = zhconv__config_find(rows[r].config);
    zhconv__native *n = NULL;
    zhconv__engine *o = NULL;
    if (!path || zhconv__native_open(path, data, &n, err) != ZHCONV_OK ||
        zhconv__engine_open(path, NULL, ZHCONV__ENGINE_OPENCC, &o, err) != ZHCONV_OK) {
      fprintf(stderr, "engine-speed: %s: %s\n", rows[r].config, err);
      return 1;
    }
    zhconv__buf a = {0}, b = {0};
    double best = 1e9;
    for (int k = 0; k < 5; k++) {
      a.len = 0;
      double t = S_now();
      zhconv__native_convert(n, rows[r].text, rows[r].len, &a);
      t = S_now() - t;
      if (t < best)
        best = t;
    }
    double t = S_now();
    zhconv__engine_convert(o, rows[r].text, rows[r].len, &b, err);
    double to = S_now() - t;
    double mb = (double)rows[r].len / 1e6;
    printf("%-6s %-12s %8.1f %12.1f %12.2f %8.1f  %s\n", rows[r].config, rows[r].label, mb,
           mb / best, mb / to, to / best,
           a.len == b.len && memcmp(a.data, b.data, a.len) == 0 ? "yes" : "NO");
    zhconv__buf_free(&a);
    zhconv__buf_free(&b);
    zhconv__native_close(n);
    zhconv__engine_close(o);
    free(path);
  }

  static const char *const configs[] = {"tw2sp", "s2twp", "t2s", "s2t", "tw2s", "hk2s"};
  printf("\n%-6s %22s %22s\n", "config", "native open+close ms", "opencc open+close ms");
  for (size_t c = 0; c < sizeof configs / sizeof configs[0]; c++) {
    char err[ZHCONV__ERRLEN] = "";
    char *path = zhconv__config_find(configs[c]);
    const int rounds = 20;
    double t = S_now();
    for (int k = 0; k < rounds; k++) {
      zhconv__native *n = NULL;
      if (zhconv__native_open(path, data, &n, err) != ZHCONV_OK) {
        fprintf(stderr, "engine-speed: %s: %s\n", configs[c], err);
        return 1;
      }
      zhconv__native_close(n);
    }
    double tn = (S_now() - t) / rounds;
    t = S_now();
    for (int k = 0; k < 5; k++) {
      zhconv__engine *o = NULL;
      if (zhconv__engine_open(path, NULL, ZHCONV__ENGINE_OPENCC, &o, err) == ZHCONV_OK)
        zhconv__engine_close(o);
    }
    double to = (S_now() - t) / 5;
    printf("%-6s %22.2f %22.2f\n", configs[c], tn * 1e3, to * 1e3);
    free(path);
  }
  free(tw);
  free(zz);
  return 0;
}
