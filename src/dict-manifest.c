/* dict-manifest.c — build tool for data/opencc/:
 *
 *   dict-manifest OCD2...       print "<hash> <name>.txt <size> <mtime>"
 *                               for each OpenCC binary dictionary, so that
 *                               the library can tell whether an .ocd2 file
 *                               is the one the build exported as text;
 *   dict-manifest --index TXT...  write NAME.idx beside each exported
 *                               NAME.txt: its parsed records, which the
 *                               library maps instead of reading the text;
 *   dict-manifest --engines DIR DATA_DIRS CONFIG...
 *                               write DIR/NAME.engine for each NAME.json:
 *                               the native engine's tables for it, made
 *                               with the dictionaries and indexes found in
 *                               DATA_DIRS, which the library maps instead
 *                               of compiling them. */
#include <config.h>

#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "zhconv-private.h"

/* Write data (made with status st, err) to path, whole or not at all. */
static int
S_write(const char *path, const zhconv__buf *data, int st, const char *err, const char *what)
{
  char tmp[4200];
  snprintf(tmp, sizeof tmp, "%s.tmp", path);
  FILE *f = st == ZHCONV_OK ? fopen(tmp, "wb") : NULL;
  bool ok = f && fwrite(data->data, 1, data->len, f) == data->len;
  ok = f && (fclose(f) == 0) && ok && rename(tmp, path) == 0;
  if (!ok) {
    remove(tmp);
    fprintf(stderr, "dict-manifest: cannot %s: %s\n", what, st != ZHCONV_OK ? err : "write failed");
    return 1;
  }
  return 0;
}

static int
S_write_index(const char *text_path)
{
  zhconv__buf index = {0};
  char err[ZHCONV__ERRLEN] = "", path[4096], what[4200];
  size_t n = strlen(text_path);
  if (n < 4 || n >= sizeof path || strcmp(text_path + n - 4, ".txt") != 0) {
    fprintf(stderr, "dict-manifest: %s: not a .txt dictionary\n", text_path);
    return 1;
  }
  snprintf(path, sizeof path, "%.*s.idx", (int)(n - 4), text_path);
  snprintf(what, sizeof what, "index %s", text_path);
  int st = zhconv__native_index(text_path, &index, err);
  int rc = S_write(path, &index, st, err, what);
  zhconv__buf_free(&index);
  return rc;
}

static int
S_write_engine(const char *dir, const char *data_dirs, const char *config_path)
{
  zhconv__buf image = {0};
  char err[ZHCONV__ERRLEN] = "", name[300], path[4096], what[4200];
  if (!zhconv__native_image_name(config_path, name, sizeof name) ||
      (size_t)snprintf(path, sizeof path, "%s/%s", dir, name) >= sizeof path) {
    fprintf(stderr, "dict-manifest: %s: a name too long\n", config_path);
    return 1;
  }
  snprintf(what, sizeof what, "make the engine of %s", config_path);
  int st = zhconv__native_image(config_path, data_dirs, &image, err);
  int rc = S_write(path, &image, st, err, what);
  zhconv__buf_free(&image);
  return rc;
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
  if (argc > 3 && strcmp(argv[1], "--engines") == 0) {
    for (int i = 4; i < argc; i++)
      if (S_write_engine(argv[2], argv[3], argv[i]) != 0)
        return 1;
    return 0;
  }
  for (int i = 1; i < argc; i++) {
    zhconv__buf data = {0};
    if (zhconv__read_file(argv[i], &data) != ZHCONV_OK) {
      fprintf(stderr, "dict-manifest: cannot read %s\n", argv[i]);
      return 1;
    }
    size_t stem;
    const char *base = zhconv__path_stem(argv[i], ".ocd2", &stem);
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
