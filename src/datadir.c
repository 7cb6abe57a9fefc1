/* datadir.c — finding and reading zhconv's data files. */
#include <config.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zhconv-private.h"

static bool
S_is_file(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

char *
zhconv__datadir_find(const char *data_dirs, const char *relative_name)
{
  const char *p = data_dirs ? data_dirs : ZHCONV_DATADIR;
  size_t rel = strlen(relative_name);
  for (;;) {
    const char *colon = strchr(p, ':');
    size_t dirlen = colon ? (size_t)(colon - p) : strlen(p);
    if (dirlen > 0) {
      char *path = malloc(dirlen + 1 + rel + 1);
      if (!path)
        return NULL;
      memcpy(path, p, dirlen);
      path[dirlen] = '/';
      memcpy(path + dirlen + 1, relative_name, rel + 1);
      if (S_is_file(path))
        return path;
      free(path);
    }
    if (!colon)
      return NULL;
    p = colon + 1;
  }
}

int
zhconv__read_file(const char *path, zhconv__buf *out)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return ZHCONV_ERR_IO;
  int st = ZHCONV_OK;
  for (;;) {
    if ((st = zhconv__buf_reserve(out, 65536)) != ZHCONV_OK)
      break;
    size_t n = fread(out->data + out->len, 1, out->cap - out->len, f);
    out->len += n;
    if (n == 0) {
      if (ferror(f))
        st = ZHCONV_ERR_IO;
      break;
    }
  }
  fclose(f);
  return st;
}

uint64_t
zhconv__hash64(const void *data, size_t len)
{
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ULL;
  for (size_t i = 0; i < len; i++) {
    h ^= p[i];
    h *= 0x100000001b3ULL;
  }
  return h;
}

/* The exported text copy of a binary dictionary (see keyset.c), from the
 * manifest, or NULL when the build did not export this very file. */
char *
zhconv__exported_copy(const char *ocd2_path, const char *data_dirs)
{
  zhconv__buf bin = {0}, manifest = {0};
  char *result = NULL;
  char *manifest_path = zhconv__datadir_find(data_dirs, "opencc/manifest");
  if (!manifest_path || zhconv__read_file(manifest_path, &manifest) != ZHCONV_OK ||
      zhconv__buf_append(&manifest, "", 1) != ZHCONV_OK ||
      zhconv__read_file(ocd2_path, &bin) != ZHCONV_OK)
    goto done;
  char want[17];
  snprintf(want, sizeof want, "%016" PRIx64, zhconv__hash64(bin.data, bin.len));
  /* Lines: "<hash> <name>.txt" */
  for (char *line = manifest.data; line && *line;) {
    char *next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    if (strncmp(line, want, 16) == 0 && line[16] == ' ') {
      char rel[512];
      snprintf(rel, sizeof rel, "opencc/%s", line + 17);
      result = zhconv__datadir_find(data_dirs, rel);
      break;
    }
    line = next;
  }
done:
  free(manifest_path);
  zhconv__buf_free(&bin);
  zhconv__buf_free(&manifest);
  return result;
}
