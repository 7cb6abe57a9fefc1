/* vocab-compile.c — build tool: read the built-in vocabulary from its YAML
 * files (data/vocab/index.yaml and the files it lists), check it, and write
 * the compiled form that the library loads at start-up (see vocab.c).
 *
 *   vocab-compile DATA_DIRS OUTPUT */
#include <config.h>

#include <stdio.h>

#include "zhconv-private.h"

int
main(int argc, char **argv)
{
  if (argc != 3) {
    fputs("usage: vocab-compile DATA_DIRS OUTPUT\n", stderr);
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
