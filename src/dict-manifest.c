/* dict-manifest.c — build tool: print "<hash> <name>.txt" for each OpenCC
 * binary dictionary named on the command line, so that the library can
 * tell whether an .ocd2 file is the one the build exported as text. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "zhconv-private.h"

int
main(int argc, char **argv)
{
  for (int i = 1; i < argc; i++) {
    zhconv__buf data = {0};
    if (zhconv__read_file(argv[i], &data) != ZHCONV_OK) {
      fprintf(stderr, "dict-manifest: cannot read %s\n", argv[i]);
      return 1;
    }
    const char *base = strrchr(argv[i], '/');
    base = base ? base + 1 : argv[i];
    size_t stem = strlen(base);
    if (stem > 5 && strcmp(base + stem - 5, ".ocd2") == 0)
      stem -= 5;
    printf("%016" PRIx64 " %.*s.txt\n", zhconv__hash64(data.data, data.len), (int)stem, base);
    zhconv__buf_free(&data);
  }
  return fclose(stdout) == 0 ? 0 : 1;
}
