/* words-compile.c — build tool: the word lists of the vocabulary layer
 * (see zhconv__words_open in native.c).  From lists of Simplified words,
 * one per line (data/words/jieba.txt, data/words/added.txt), it writes
 * OUT_DIR/hans.txt, those words, and OUT_DIR/hant.txt, each word as
 * OpenCC's s2t, s2tw, s2twp (Taiwan's words: 信号 as 訊號) and s2hk write
 * it.  Each line is "WORD<TAB>WORD", an
 * OpenCC text dictionary, so that dict-manifest --index can index them like
 * OpenCC's own.
 *
 *   words-compile DATA_DIRS OUT_DIR LIST... */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"

static int
S_compare(const void *a, const void *b)
{
  return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Write the distinct lines of text (changed in place) as a dictionary. */
static int
S_write(const char *path, char *text)
{
  size_t n = 0, cap = 0;
  char **lines = NULL;
  for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
    if (n == cap) {
      cap = cap ? 2 * cap : 65536;
      char **more = realloc(lines, cap * sizeof *lines);
      if (!more) {
        free(lines);
        return 1;
      }
      lines = more;
    }
    lines[n++] = line;
  }
  qsort(lines, n, sizeof *lines, S_compare);
  FILE *out = fopen(path, "w");
  for (size_t i = 0; out && i < n; i++)
    if (i == 0 || strcmp(lines[i], lines[i - 1]) != 0)
      fprintf(out, "%s\t%s\n", lines[i], lines[i]);
  free(lines);
  if (!out || fclose(out) != 0) {
    perror(path);
    return 1;
  }
  return 0;
}

/* The list as OpenCC's configuration `config` writes it, appended to all. */
static int
S_convert(const char *data_dirs, const char *config, const zhconv__buf *list, zhconv__buf *all)
{
  zhconv_options *o = zhconv_options_new();
  int st = o ? ZHCONV_OK : ZHCONV_ERR_NOMEM;
  if (st == ZHCONV_OK)
    st = zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, data_dirs);
  if (st == ZHCONV_OK)
    st = zhconv_options_set(o, ZHCONV_OPT_CONFIG, config);
  zhconv *z = st == ZHCONV_OK ? zhconv_new(o, &st) : NULL;
  char *out = NULL;
  size_t len = 0;
  if (z)
    st = zhconv_convert(z, list->data, list->len, &out, &len, NULL);
  if (st == ZHCONV_OK)
    st = zhconv__buf_append(all, out, len);
  if (st != ZHCONV_OK)
    fprintf(stderr, "words-compile: %s: %s\n", config,
            o && zhconv_options_error(o, NULL) ? zhconv_options_error(o, NULL) : zhconv_strerror(st));
  zhconv_string_free(out);
  zhconv_free(z);
  zhconv_options_free(o);
  return st;
}

int
main(int argc, char **argv)
{
  if (argc < 4) {
    fputs("usage: words-compile DATA_DIRS OUT_DIR LIST...\n", stderr);
    return 2;
  }
  zhconv__buf list = {0}, hant = {0};
  for (int i = 3; i < argc; i++)
    if (zhconv__read_file(argv[i], &list) != ZHCONV_OK || zhconv__buf_append(&list, "\n", 1)) {
      perror(argv[i]);
      zhconv__buf_free(&list);
      return 1;
    }
  static const char *const configs[] = {"s2t", "s2tw", "s2twp", "s2hk"};
  int st = ZHCONV_OK;
  for (size_t i = 0; i < sizeof configs / sizeof configs[0] && st == ZHCONV_OK; i++)
    if ((st = S_convert(argv[1], configs[i], &list, &hant)) == ZHCONV_OK)
      st = zhconv__buf_append(&hant, "\n", 1);
  char path[4096];
  int failed = st != ZHCONV_OK;
  if (!failed && (st = zhconv__buf_append(&list, "", 1)) == ZHCONV_OK &&
      (st = zhconv__buf_append(&hant, "", 1)) == ZHCONV_OK) {
    snprintf(path, sizeof path, "%s/hans.txt", argv[2]);
    failed = S_write(path, list.data);
    snprintf(path, sizeof path, "%s/hant.txt", argv[2]);
    failed = failed || S_write(path, hant.data);
  }
  zhconv__buf_free(&list);
  zhconv__buf_free(&hant);
  return failed || st != ZHCONV_OK;
}
