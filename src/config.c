/* config.c — reading an OpenCC JSON configuration far enough to know which
 * dictionary files it uses, and in which part: the segmentation or one of
 * the conversions (keyset.c needs the keys, native.c runs the chain). */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "zhconv-private.h"

/* ---- a small JSON reader ---------------------------------------------- */

typedef enum { J_NULL, J_BOOL, J_NUMBER, J_STRING, J_ARRAY, J_OBJECT } jtype;

typedef struct jvalue {
  jtype type;
  char *string;            /* J_STRING */
  struct jvalue *items;    /* J_ARRAY: values; J_OBJECT: alternating key, value */
  size_t count;            /* number of values in items */
} jvalue;

typedef struct {
  const char *p, *end;
  int depth;
} jparser;

static void
S_jfree(jvalue *v)
{
  for (size_t i = 0; i < v->count; i++)
    S_jfree(&v->items[i]);
  free(v->items);
  free(v->string);
}

static void
S_skip_space(jparser *j)
{
  while (j->p < j->end && (*j->p == ' ' || *j->p == '\t' || *j->p == '\n' || *j->p == '\r'))
    j->p++;
}

static int S_parse_value(jparser *j, jvalue *v);

static void
S_put_utf8(zhconv__buf *b, uint32_t cp)
{
  char u[4];
  zhconv__buf_append(b, u, zhconv__utf8_encode(cp, u));
}

static int
S_hex4(const char *p, uint32_t *out)
{
  uint32_t v = 0;
  for (int i = 0; i < 4; i++) {
    char c = p[i];
    v <<= 4;
    if (c >= '0' && c <= '9') v |= (uint32_t)(c - '0');
    else if (c >= 'a' && c <= 'f') v |= (uint32_t)(c - 'a' + 10);
    else if (c >= 'A' && c <= 'F') v |= (uint32_t)(c - 'A' + 10);
    else return -1;
  }
  *out = v;
  return 0;
}

static int
S_parse_string(jparser *j, char **out)
{
  zhconv__buf b = {0};
  j->p++; /* the opening quote */
  while (j->p < j->end && *j->p != '"') {
    if (*j->p != '\\') {
      zhconv__buf_append(&b, j->p++, 1);
      continue;
    }
    if (++j->p >= j->end)
      break;
    char c = *j->p++;
    switch (c) {
    case 'n': zhconv__buf_append(&b, "\n", 1); break;
    case 't': zhconv__buf_append(&b, "\t", 1); break;
    case 'r': zhconv__buf_append(&b, "\r", 1); break;
    case 'b': zhconv__buf_append(&b, "\b", 1); break;
    case 'f': zhconv__buf_append(&b, "\f", 1); break;
    case 'u': {
      uint32_t cp;
      if (j->end - j->p < 4 || S_hex4(j->p, &cp) < 0)
        goto fail;
      j->p += 4;
      if (cp >= 0xD800 && cp < 0xDC00 && j->end - j->p >= 6 && j->p[0] == '\\' &&
          j->p[1] == 'u') {
        uint32_t lo;
        if (S_hex4(j->p + 2, &lo) == 0 && lo >= 0xDC00 && lo < 0xE000) {
          cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
          j->p += 6;
        }
      }
      S_put_utf8(&b, cp);
      break;
    }
    default: zhconv__buf_append(&b, &c, 1); break;
    }
  }
  if (j->p >= j->end)
    goto fail;
  j->p++; /* the closing quote */
  if (zhconv__buf_append(&b, "", 1) != ZHCONV_OK)
    goto fail;
  *out = b.data;
  return 0;
fail:
  zhconv__buf_free(&b);
  return -1;
}

/* Parse "[v, v, ...]" or "{k: v, ...}"; trailing commas are tolerated. */
static int
S_parse_container(jparser *j, jvalue *v, char close)
{
  bool object = close == '}';
  size_t cap = 0;
  j->p++;
  for (;;) {
    S_skip_space(j);
    if (j->p >= j->end)
      return -1;
    if (*j->p == close) {
      j->p++;
      return 0;
    }
    if (v->count + 2 > cap) {
      cap = cap ? cap * 2 : 8;
      jvalue *items = realloc(v->items, cap * sizeof *items);
      if (!items)
        return -1;
      v->items = items;
    }
    if (object) {
      jvalue *key = &v->items[v->count];
      memset(key, 0, sizeof *key);
      if (*j->p != '"')
        return -1;
      v->count++;
      key->type = J_STRING;
      if (S_parse_string(j, &key->string) < 0)
        return -1;
      S_skip_space(j);
      if (j->p >= j->end || *j->p != ':')
        return -1;
      j->p++;
    }
    jvalue *item = &v->items[v->count];
    memset(item, 0, sizeof *item);
    v->count++;
    if (S_parse_value(j, item) < 0)
      return -1;
    S_skip_space(j);
    if (j->p < j->end && *j->p == ',')
      j->p++;
    else if (j->p >= j->end || *j->p != close)
      return -1;
  }
}

static int
S_parse_value(jparser *j, jvalue *v)
{
  S_skip_space(j);
  if (j->p >= j->end || ++j->depth > 64)
    return -1;
  int rc;
  char c = *j->p;
  if (c == '{') {
    v->type = J_OBJECT;
    rc = S_parse_container(j, v, '}');
  } else if (c == '[') {
    v->type = J_ARRAY;
    rc = S_parse_container(j, v, ']');
  } else if (c == '"') {
    v->type = J_STRING;
    rc = S_parse_string(j, &v->string);
  } else {
    /* true, false, null or a number: zhconv does not need their values. */
    const char *start = j->p;
    while (j->p < j->end && strchr(",]} \t\r\n", *j->p) == NULL)
      j->p++;
    v->type = (c == 't' || c == 'f') ? J_BOOL : c == 'n' ? J_NULL : J_NUMBER;
    rc = j->p > start ? 0 : -1;
  }
  j->depth--;
  return rc;
}

static const jvalue *
S_member(const jvalue *obj, const char *key)
{
  if (!obj || obj->type != J_OBJECT)
    return NULL;
  for (size_t i = 0; i + 1 < obj->count; i += 2)
    if (strcmp(obj->items[i].string, key) == 0)
      return &obj->items[i + 1];
  return NULL;
}

/* ---- OpenCC's file lookup ----------------------------------------------- */

static bool
S_exists(const char *path)
{
  struct stat st;
  return stat(path, &st) == 0 && S_ISREG(st.st_mode);
}

static char *
S_join(const char *dir, size_t dirlen, const char *name, const char *suffix)
{
  size_t n = strlen(name), s = strlen(suffix);
  char *path = malloc(dirlen + 1 + n + s + 1);
  if (!path)
    return NULL;
  size_t at = 0;
  if (dirlen) {
    memcpy(path, dir, dirlen);
    path[dirlen] = '/';
    at = dirlen + 1;
  }
  memcpy(path + at, name, n);
  memcpy(path + at + n, suffix, s + 1);
  return path;
}

char *
zhconv__config_find(const char *name)
{
  const char *dirs[] = {"", OPENCC_DATADIR};
  const char *suffixes[] = {"", ".json"};
  for (size_t d = 0; d < 2; d++) {
    if (d == 1 && name[0] == '/')
      break;
    for (size_t s = 0; s < 2; s++) {
      char *path = S_join(dirs[d], strlen(dirs[d]), name, suffixes[s]);
      if (!path)
        return NULL;
      if (S_exists(path))
        return path;
      free(path);
    }
  }
  return NULL;
}

typedef struct {
  const char *config_dir;
  size_t config_dir_len;
  zhconv__dictref *list;
  size_t count, cap;
  char *err;
} dictlist;

static int
S_add_dict(dictlist *dl, const jvalue *dict)
{
  const jvalue *type = S_member(dict, "type");
  if (!type || type->type != J_STRING) {
    zhconv__errorf(dl->err, _("a dictionary without a type"));
    return ZHCONV_ERR_CONFIG;
  }
  if (strcmp(type->string, "group") == 0) {
    const jvalue *dicts = S_member(dict, "dicts");
    if (!dicts || dicts->type != J_ARRAY) {
      zhconv__errorf(dl->err, _("a dictionary group without dicts"));
      return ZHCONV_ERR_CONFIG;
    }
    for (size_t i = 0; i < dicts->count; i++) {
      int st = S_add_dict(dl, &dicts->items[i]);
      if (st != ZHCONV_OK)
        return st;
    }
    return ZHCONV_OK;
  }
  const jvalue *file = S_member(dict, "file");
  if (!file || file->type != J_STRING) {
    zhconv__errorf(dl->err, _("a dictionary without a file"));
    return ZHCONV_ERR_CONFIG;
  }
  char *path = NULL;
  if (file->string[0] == '/')
    path = strdup(file->string);
  else {
    path = S_join(dl->config_dir, dl->config_dir_len, file->string, "");
    if (path && !S_exists(path)) {
      free(path);
      path = S_join(OPENCC_DATADIR, strlen(OPENCC_DATADIR), file->string, "");
    }
  }
  if (!path)
    return ZHCONV_ERR_NOMEM;
  if (!S_exists(path)) {
    zhconv__errorf(dl->err, _("dictionary %s not found"), file->string);
    free(path);
    return ZHCONV_ERR_CONFIG;
  }
  if (dl->count == dl->cap) {
    size_t cap = dl->cap ? dl->cap * 2 : 8;
    zhconv__dictref *list = realloc(dl->list, cap * sizeof *list);
    if (!list) {
      free(path);
      return ZHCONV_ERR_NOMEM;
    }
    dl->list = list;
    dl->cap = cap;
  }
  char *typename = strdup(type->string);
  if (!typename) {
    free(path);
    return ZHCONV_ERR_NOMEM;
  }
  dl->list[dl->count].type = typename;
  dl->list[dl->count].path = path;
  dl->count++;
  return ZHCONV_OK;
}

/* Read a configuration's segmentation and conversions.  `starts` (when not
 * NULL) receives where each part's dictionaries begin in the list: part 0
 * is the segmentation's dictionary, part i its i-th conversion. */
static int
S_read_config(const char *config_path, dictlist *dl, char **segtype, size_t **starts,
              size_t *parts, char *err)
{
  zhconv__buf text = {0};
  int st = zhconv__read_file(config_path, &text);
  if (st != ZHCONV_OK) {
    zhconv__errorf(err, _("cannot read configuration %s"), config_path);
    zhconv__buf_free(&text);
    return st == ZHCONV_ERR_NOMEM ? st : ZHCONV_ERR_CONFIG;
  }
  jvalue root = {0};
  jparser j = {text.data, text.data + text.len, 0};
  if (S_parse_value(&j, &root) < 0 || root.type != J_OBJECT) {
    zhconv__errorf(err, _("configuration %s is not valid JSON"), config_path);
    S_jfree(&root);
    zhconv__buf_free(&text);
    return ZHCONV_ERR_CONFIG;
  }
  const char *slash = strrchr(config_path, '/');
  dl->config_dir = config_path;
  dl->config_dir_len = slash ? (size_t)(slash - config_path) : 0;
  if (slash == config_path)
    dl->config_dir_len = 1; /* "/x.json": the root directory */

  const jvalue *segmentation = S_member(&root, "segmentation");
  const jvalue *seg = S_member(segmentation, "dict");
  const jvalue *chain = S_member(&root, "conversion_chain");
  if (!seg || !chain || chain->type != J_ARRAY) {
    zhconv__errorf(err, _("configuration %s has no segmentation or conversion_chain"),
                   config_path);
    st = ZHCONV_ERR_CONFIG;
  } else {
    if (segtype) {
      const jvalue *type = S_member(segmentation, "type");
      if (type && type->type == J_STRING && !(*segtype = strdup(type->string)))
        st = ZHCONV_ERR_NOMEM;
    }
    if (starts && st == ZHCONV_OK) {
      *parts = 1 + chain->count;
      if (!(*starts = malloc((*parts + 1) * sizeof **starts)))
        st = ZHCONV_ERR_NOMEM;
    }
    if (st == ZHCONV_OK)
      st = S_add_dict(dl, seg);
    for (size_t i = 0; st == ZHCONV_OK && i < chain->count; i++) {
      const jvalue *dict = S_member(&chain->items[i], "dict");
      if (starts)
        (*starts)[1 + i] = dl->count;
      if (!dict) {
        zhconv__errorf(err, _("configuration %s: a conversion without a dict"), config_path);
        st = ZHCONV_ERR_CONFIG;
      } else
        st = S_add_dict(dl, dict);
    }
    if (starts && st == ZHCONV_OK) {
      (*starts)[0] = 0;
      (*starts)[*parts] = dl->count;
    }
  }
  S_jfree(&root);
  zhconv__buf_free(&text);
  return st;
}

int
zhconv__config_dicts(const char *config_path, zhconv__dictref **dicts, size_t *count,
                     char *err)
{
  dictlist dl = {NULL, 0, NULL, 0, 0, err};
  int st = S_read_config(config_path, &dl, NULL, NULL, NULL, err);
  if (st != ZHCONV_OK) {
    zhconv__config_dicts_free(dl.list, dl.count);
    return st;
  }
  *dicts = dl.list;
  *count = dl.count;
  return ZHCONV_OK;
}

int
zhconv__config_chain(const char *config_path, zhconv__chain *chain, char *err)
{
  memset(chain, 0, sizeof *chain);
  dictlist dl = {NULL, 0, NULL, 0, 0, err};
  int st = S_read_config(config_path, &dl, &chain->segmentation, &chain->starts,
                         &chain->parts, err);
  chain->dicts = dl.list;
  chain->count = dl.count;
  if (st != ZHCONV_OK)
    zhconv__config_chain_free(chain);
  return st;
}

void
zhconv__config_chain_free(zhconv__chain *chain)
{
  zhconv__config_dicts_free(chain->dicts, chain->count);
  free(chain->segmentation);
  free(chain->starts);
  memset(chain, 0, sizeof *chain);
}

void
zhconv__config_dicts_free(zhconv__dictref *dicts, size_t count)
{
  for (size_t i = 0; i < count; i++) {
    free(dicts[i].type);
    free(dicts[i].path);
  }
  free(dicts);
}
