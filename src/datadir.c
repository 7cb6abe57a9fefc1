/* datadir.c — finding and reading zhconv's data files. */
#include <config.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

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
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ZHCONV_ERR_IO;
  /* Room for the whole file (and a terminator the caller may add) at
   * once: growing would copy it, and touch more fresh memory. */
  struct stat st;
  int status = ZHCONV_OK;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 0 &&
      (uint64_t)st.st_size < SIZE_MAX / 2)
    status = zhconv__buf_reserve(out, (size_t)st.st_size + 1);
  if (status == ZHCONV_OK)
    zhconv__prefault(out->data + out->len, out->cap - out->len);
  while (status == ZHCONV_OK) {
    if (out->cap == out->len && (status = zhconv__buf_reserve(out, 65536)) != ZHCONV_OK)
      break;
    ssize_t n = read(fd, out->data + out->len, out->cap - out->len);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      status = ZHCONV_ERR_IO;
    if (n <= 0)
      break;
    out->len += (size_t)n;
  }
  close(fd);
  return status;
}

static inline uint64_t
S_le64(const unsigned char *p)
{
  return (uint64_t)p[0] | (uint64_t)p[1] << 8 | (uint64_t)p[2] << 16 | (uint64_t)p[3] << 24 |
         (uint64_t)p[4] << 32 | (uint64_t)p[5] << 40 | (uint64_t)p[6] << 48 |
         (uint64_t)p[7] << 56;
}

#define HASH_STEP(h, w) ((((h) << 5 | (h) >> 59) ^ (w)) * 0x9E3779B97F4A7C15ULL)

/* Eight bytes at a time (read as little-endian, so the value is the same
 * on every machine), in four independent lanes so that the multiplications
 * overlap: every start checks the binary dictionaries against the manifest
 * and the indexes it maps, a few megabytes, in a fraction of a
 * millisecond. */
uint64_t
zhconv__hash64(const void *data, size_t len)
{
  const unsigned char *p = data;
  uint64_t h = 0xcbf29ce484222325ULL ^ ((uint64_t)len * 0x9E3779B97F4A7C15ULL);
  uint64_t lane[4] = {h, h ^ 1, h ^ 2, h ^ 3};
  for (; len >= 32; p += 32, len -= 32)
    for (int i = 0; i < 4; i++)
      lane[i] = HASH_STEP(lane[i], S_le64(p + 8 * i));
  for (int i = 0; i < 4; i++)
    h = HASH_STEP(h, lane[i]);
  for (; len >= 8; p += 8, len -= 8)
    h = HASH_STEP(h, S_le64(p));
  uint64_t w = 0;
  for (size_t i = 0; i < len; i++)
    w |= (uint64_t)p[i] << (8 * i);
  h = HASH_STEP(h, w);
  return h ^ h >> 32;
}

void *
zhconv__map_derived(const char *path, const struct stat *source, size_t *len)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return NULL;
  struct stat st;
  void *m = MAP_FAILED;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0 &&
      (uint64_t)st.st_size < SIZE_MAX / 2 &&
      (!source || st.st_mtim.tv_sec > source->st_mtim.tv_sec ||
       (st.st_mtim.tv_sec == source->st_mtim.tv_sec &&
        st.st_mtim.tv_nsec >= source->st_mtim.tv_nsec))) {
    int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE;
#endif
    m = mmap(NULL, (size_t)st.st_size, PROT_READ, flags, fd, 0);
  }
  close(fd);
  if (m == MAP_FAILED)
    return NULL;
  *len = (size_t)st.st_size;
  return m;
}

const char *
zhconv__path_stem(const char *path, const char *suffix, size_t *len)
{
  const char *slash = strrchr(path, '/'), *base = slash ? slash + 1 : path;
  size_t n = strlen(base), s = strlen(suffix);
  *len = n > s && strcmp(base + n - s, suffix) == 0 ? n - s : n;
  return base;
}

/* zhconv__hash64 of a whole file; a large one is mapped rather than read
 * (fresh memory is what costs most in reading a large file once; mapping
 * and unmapping cost more for a small one). */
static int
S_hash_file(const char *path, uint64_t *hash)
{
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    return ZHCONV_ERR_IO;
  struct stat st;
  if (fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size >= 256 * 1024 &&
      (uint64_t)st.st_size < SIZE_MAX) {
    int flags = MAP_PRIVATE;
#ifdef MAP_POPULATE
    flags |= MAP_POPULATE;
#endif
    void *m = mmap(NULL, (size_t)st.st_size, PROT_READ, flags, fd, 0);
    if (m != MAP_FAILED) {
      close(fd);
      *hash = zhconv__hash64(m, (size_t)st.st_size);
      munmap(m, (size_t)st.st_size);
      return ZHCONV_OK;
    }
  }
  close(fd);
  zhconv__buf bin = {0};
  int rc = zhconv__read_file(path, &bin);
  if (rc == ZHCONV_OK)
    *hash = zhconv__hash64(bin.data, bin.len);
  zhconv__buf_free(&bin);
  return rc;
}

/* The exported text copy of a binary dictionary (see keyset.c), from the
 * manifest, or NULL when the build did not export this very file.  Lines:
 * "<hash> <name>.txt <size> <mtime>", of the binary file when it was
 * exported.  A file of that name, size and modification time is that file
 * (packages keep their files' times), which spares reading it; any other
 * is known by its hash alone. */
char *
zhconv__exported_copy(const char *ocd2_path, const char *data_dirs)
{
  zhconv__buf manifest = {0};
  char *result = NULL;
  struct stat st;
  char *manifest_path = zhconv__datadir_find(data_dirs, "opencc/manifest");
  if (!manifest_path || zhconv__read_file(manifest_path, &manifest) != ZHCONV_OK ||
      zhconv__buf_append(&manifest, "", 1) != ZHCONV_OK || stat(ocd2_path, &st) != 0)
    goto done;
  size_t stem;
  const char *base = zhconv__path_stem(ocd2_path, ".ocd2", &stem);
  char want[17] = "", name[512];
  for (int pass = 0; pass < 2 && !result; pass++) {
    uint64_t hash;
    if (pass == 1) {
      if (S_hash_file(ocd2_path, &hash) != ZHCONV_OK)
        break;
      snprintf(want, sizeof want, "%016" PRIx64, hash);
    }
    for (const char *line = manifest.data; *line && !result;) {
      const char *next = strchr(line, '\n');
      size_t len = next ? (size_t)(next - line) : strlen(line);
      unsigned long long size = 0, mtime = 0;
      char copy[600];
      int n = 0;
      if (len < sizeof copy) {
        memcpy(copy, line, len);
        copy[len] = '\0';
        n = sscanf(copy, "%*16s %511s %llu %llu", name, &size, &mtime);
      }
      bool same_name = n >= 1 && strlen(name) == stem + 4 && strncmp(name, base, stem) == 0;
      if (pass == 0 ? same_name && n == 3 && size == (unsigned long long)st.st_size &&
                        mtime == (unsigned long long)st.st_mtime
                    : n >= 1 && strncmp(line, want, 16) == 0 && line[16] == ' ') {
        char rel[530];
        snprintf(rel, sizeof rel, "opencc/%s", name);
        result = zhconv__datadir_find(data_dirs, rel);
      }
      line = next ? next + 1 : line + len;
    }
  }
done:
  free(manifest_path);
  zhconv__buf_free(&manifest);
  return result;
}
