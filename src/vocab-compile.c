/* vocab-compile.c — build tool: read the built-in vocabulary from its YAML
 * files (data/vocab/index.yaml and the files it lists), check it, and write
 * the compiled form that the library loads (see vocab.c); or, from that
 * compiled form, the images of its matchers that converters map at start
 * (one per source script and target, see "images" in vocab.c).
 *
 *   vocab-compile DATA_DIRS OUTPUT
 *   vocab-compile --images DATA_DIR OUTPUT_DIR */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zhconv-private.h"

/* Write the image of every source script's and target's matcher of the
 * compiled vocabulary in data_dir into out_dir/SCRIPT-TARGET.trie. */
static int
S_write_images(const char *data_dir, const char *out_dir)
{
  static const zhconv_variant scripts[] = {ZHCONV_HANS, ZHCONV_HANT};
  static const zhconv_variant targets[] = {ZHCONV_CN, ZHCONV_TW, ZHCONV_HK, ZHCONV_HANS,
                                           ZHCONV_HANT};
  char err[ZHCONV__ERRLEN] = "";
  zhconv_mark mark = {0};
  zhconv__vocab *v;
  char *compiled = zhconv__datadir_find(data_dir, "vocab/compiled.tsv");
  struct stat st;
  if (!compiled || stat(compiled, &st) != 0) {
    fprintf(stderr, "vocab-compile: no vocab/compiled.tsv in %s\n", data_dir);
    free(compiled);
    return 1;
  }
  free(compiled);
  if (zhconv__vocab_new(&v) != ZHCONV_OK ||
      zhconv__vocab_load_builtin(v, data_dir, NULL, err, &mark) != ZHCONV_OK) {
    fprintf(stderr, "vocab-compile: %s\n", err);
    zhconv__vocab_free(v);
    return 1;
  }
  int status = 0;
  for (size_t s = 0; s < 2 && !status; s++)
    for (size_t t = 0; t < sizeof targets / sizeof targets[0] && !status; t++) {
      char path[4096];
      snprintf(path, sizeof path, "%s/%s-%s.trie", out_dir, zhconv_variant_name(scripts[s]),
               zhconv_variant_name(targets[t]));
      zhconv__matcher *m = NULL;
      FILE *out = NULL;
      if (zhconv__matcher_new(v, scripts[s], targets[t], &m) != ZHCONV_OK ||
          !(out = fopen(path, "wb")) ||
          zhconv__matcher_write_image(m, (uint64_t)st.st_size, zhconv__vocab_size(v), out) !=
              ZHCONV_OK) {
        perror(path);
        status = 1;
      }
      if (out && fclose(out) != 0) {
        perror(path);
        status = 1;
      }
      zhconv__matcher_free(m);
    }
  zhconv__vocab_free(v);
  return status;
}

int
main(int argc, char **argv)
{
  if (argc == 4 && strcmp(argv[1], "--images") == 0)
    return S_write_images(argv[2], argv[3]);
  if (argc != 3) {
    fputs("usage: vocab-compile DATA_DIRS OUTPUT\n"
          "       vocab-compile --images DATA_DIR OUTPUT_DIR\n",
          stderr);
    return 2;
  }
  zhconv__vocab *v;
  char err[ZHCONV__ERRLEN] = "";
  zhconv_mark mark = {0};
  if (zhconv__vocab_new(&v) != ZHCONV_OK)
    return 1;
  int st = zhconv__vocab_load_sources(v, argv[1], "*", err, &mark);
  if (st == ZHCONV_OK)
    st = zhconv__vocab_lint(v, err, &mark);
  if (st != ZHCONV_OK) {
    fprintf(stderr, "vocab-compile: %s:%zu:%zu: %s\n", mark.file ? mark.file : argv[1],
            mark.line + 1, mark.column + 1, err);
    zhconv__vocab_free(v);
    return 1;
  }
  FILE *out = fopen(argv[2], "w");
  if (!out || zhconv__vocab_write_compiled(v, out) != ZHCONV_OK || fclose(out) != 0) {
    perror(argv[2]);
    zhconv__vocab_free(v);
    return 1;
  }
  zhconv__vocab_free(v);
  return 0;
}
