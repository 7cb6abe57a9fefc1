/* dict-manifest.c — build tool for data/opencc/:
 *
 *   dict-manifest OCD2...       print "<hash> <name>.txt <size> <mtime>"
 *                               for each OpenCC binary dictionary, so that
 *                               the library can tell whether an .ocd2 file
 *                               is the one the build exported as text;
 *   dict-manifest --index TXT...  write NAME.idx beside each exported
 *                               NAME.txt: its parsed records, which the
 *                               library maps instead of reading the text. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "zhconv-private.h"

static int
S_write_index(const char *text_path)
{
  zhconv__buf index = {0};
  char err[ZHCONV__ERRLEN] = "", path[4096], tmp[4100];
  size_t n = strlen(text_path);
  if (n < 4 || n >= sizeof path || strcmp(text_path + n - 4, ".txt") != 0) {
    fprintf(stderr, "dict-manifest: %s: not a .txt dictionary\n", text_path);
    return 1;
  }
  snprintf(path, sizeof path, "%.*s.idx", (int)(n - 4), text_path);
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  int st = zhconv__native_index(text_path, &index, err);
  FILE *f = st == ZHCONV_OK ? fopen(tmp, "wb") : NULL;
  bool ok = f && fwrite(index.data, 1, index.len, f) == index.len;
  ok = f && (fclose(f) == 0) && ok && rename(tmp, path) == 0;
  zhconv__buf_free(&index);
  if (!ok) {
    remove(tmp);
    fprintf(stderr, "dict-manifest: cannot index %s: %s\n", text_path,
            st != ZHCONV_OK ? err : "write failed");
    return 1;
  }
  return 0;
}

int
main(int argc, char **argv)
{
  if (argc > 1 && strcmp(argv[1], "--index") == 0) {
    for (int i = 2; i < argc; i++)
      if (S_write_index(argv[i]) != 0)
        return 1;
    return 0;
  }
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
    struct stat st;
    if (stat(argv[i], &st) != 0) {
      fprintf(stderr, "dict-manifest: cannot read %s\n", argv[i]);
      return 1;
    }
    printf("%016" PRIx64 " %.*s.txt %llu %llu\n", zhconv__hash64(data.data, data.len), (int)stem,
           base, (unsigned long long)st.st_size, (unsigned long long)st.st_mtime);
    zhconv__buf_free(&data);
  }
  return fclose(stdout) == 0 ? 0 : 1;
}
