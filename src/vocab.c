/* vocab.c — the vocabulary layer: terms whose forms differ between
 * mainland China, Taiwan and Hong Kong (輝達 and 英伟达), and vetoes that
 * keep OpenCC's phrase tables off a word (核心 stays 核心).
 *
 * Loading: YAML files, each a sequence of mappings {cn, tw, hk, hans,
 * hant, note, source}, read with libyaml's event API so that every problem
 * has a FILE:LINE:COL; forms are normalised to NFC with utf8proc.
 *
 * Matching: for one source script and one target, a table maps every form
 * written in the source script to the target's form.  The stream finds the
 * longest form at each position; the text between matches goes to the
 * engine, so a vocabulary term takes precedence over OpenCC's segmentation
 * around it. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>

#include <utf8proc.h>
#include <yaml.h>

#include "zhconv-private.h"

/* Form slots, in the order of the keys users write. */
enum { F_CN, F_TW, F_HK, F_HANS, F_HANT, NFORMS };
static const char *const S_form_names[NFORMS] = {"cn", "tw", "hk", "hans", "hant"};

typedef struct entry {
  char *forms[NFORMS];  /* NFC, NULL when absent */
  uint32_t file;        /* index into vocab->files */
  uint32_t line;        /* 1-based */
  uint32_t column;      /* 1-based */
  uint8_t scope;        /* ZHCONV__SCOPE_* */
  uint8_t only;         /* "only:": bit 1 << target for each target it serves; 0: all */
  bool borrowed;        /* forms point into one of vocab->texts (not freed alone) */
} entry;

struct zhconv__vocab {
  entry *entries;
  size_t count, cap;
  char **files;
  char **domains;   /* per file: the domain it serves (e.g. "software"), or NULL */
  size_t nfiles;
  char **texts;     /* compiled files, kept whole: their entries' forms are in them */
  size_t ntexts;
};

int
zhconv__vocab_new(zhconv__vocab **vocab)
{
  *vocab = calloc(1, sizeof **vocab);
  return *vocab ? ZHCONV_OK : ZHCONV_ERR_NOMEM;
}

void
zhconv__vocab_free(zhconv__vocab *v)
{
  if (!v)
    return;
  for (size_t i = 0; i < v->count; i++)
    for (int f = 0; f < NFORMS && !v->entries[i].borrowed; f++)
      free(v->entries[i].forms[f]);
  for (size_t i = 0; i < v->ntexts; i++)
    free(v->texts[i]);
  free(v->texts);
  for (size_t i = 0; i < v->nfiles; i++) {
    free(v->files[i]);
    free(v->domains[i]);
  }
  free(v->entries);
  free(v->files);
  free(v->domains);
  free(v);
}

size_t
zhconv__vocab_size(const zhconv__vocab *v)
{
  return v ? v->count : 0;
}

const char *
zhconv__vocab_origin(const zhconv__vocab *v, uint32_t index, size_t *line)
{
  *line = v->entries[index].line;
  return v->files[v->entries[index].file];
}

/* A new, zeroed entry at the end, or NULL when memory is short. */
/* Room for `n` entries in all. */
static int
S_reserve(zhconv__vocab *v, size_t n)
{
  if (n <= v->cap)
    return ZHCONV_OK;
  entry *grown = n < SIZE_MAX / sizeof *grown ? realloc(v->entries, n * sizeof *grown) : NULL;
  if (!grown)
    return ZHCONV_ERR_NOMEM;
  zhconv__prefault(grown + v->cap, (n - v->cap) * sizeof *grown);
  v->entries = grown;
  v->cap = n;
  return ZHCONV_OK;
}

static entry *
S_new_entry(zhconv__vocab *v)
{
  if (v->count == v->cap && S_reserve(v, v->cap ? v->cap * 2 : 256) != ZHCONV_OK)
    return NULL;
  entry *e = &v->entries[v->count++];
  memset(e, 0, sizeof *e);
  return e;
}

/* Record a file name (or take ownership of `owned`); its index, or -1. */
static long
S_add_file(zhconv__vocab *v, const char *name, char *owned)
{
  char **files = realloc(v->files, (v->nfiles + 1) * sizeof *files);
  if (files)
    v->files = files;
  char **domains = realloc(v->domains, (v->nfiles + 1) * sizeof *domains);
  if (domains)
    v->domains = domains;
  char *copy = owned ? owned : strdup(name);
  if (!files || !domains || !copy) {
    free(copy);
    return -1;
  }
  v->files[v->nfiles] = copy;
  v->domains[v->nfiles] = NULL;
  return (long)v->nfiles++;
}

/* Is `domain` in the comma-separated list (where "*" means every one)? */
static bool
S_domain_enabled(const char *list, const char *domain)
{
  if (!domain)
    return true;
  if (!list)
    return false;
  if (strcmp(list, "*") == 0)
    return true;
  size_t n = strlen(domain);
  for (const char *p = list; *p;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    if (len == n && strncmp(p, domain, n) == 0)
      return true;
    p += len + (comma != NULL);
  }
  return false;
}

/* ---- reading YAML ------------------------------------------------------- */

/* Where a load failed: message, file, position. */
typedef struct {
  char *err;
  zhconv_mark *mark;
  const char *file;
} problem;

static int
S_problem(problem *p, int status, yaml_mark_t at, const char *fmt, const char *arg)
{
  zhconv__errorf(p->err, fmt, arg);
  p->mark->file = p->file;
  p->mark->offset = at.index;
  p->mark->line = at.line;
  p->mark->column = at.column;
  return status;
}

/* One mapping of a sequence: up to 8 scalar pairs. */
typedef struct {
  const char *keys[8];
  const char *values[8];
  yaml_mark_t value_marks[8];
  size_t count;
  yaml_mark_t start;
} mapping;

typedef int (*mapping_fn)(void *user, const mapping *m, problem *p);

/* Parse "a sequence of flat mappings of scalars" and call fn for each. */
static int
S_parse_sequence(const char *text, size_t len, mapping_fn fn, void *user, problem *p)
{
  yaml_parser_t parser;
  yaml_event_t ev;
  if (!yaml_parser_initialize(&parser))
    return ZHCONV_ERR_NOMEM;
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);

  int st = ZHCONV_OK;
  enum { TOP, SEQ, MAP_KEY, MAP_VALUE, DONE } state = TOP;
  mapping m;
  /* Scalars of the current mapping, freed with the events. */
  yaml_event_t held[16];
  size_t nheld = 0;

  for (;;) {
    if (!yaml_parser_parse(&parser, &ev)) {
      yaml_mark_t at = parser.problem_mark;
      st = S_problem(p, parser.error == YAML_MEMORY_ERROR ? ZHCONV_ERR_NOMEM : ZHCONV_ERR_SYNTAX,
                     at, "%s", parser.problem ? parser.problem : "YAML error");
      break;
    }
    yaml_event_type_t type = ev.type;
    bool keep = false;
    if (type == YAML_STREAM_END_EVENT) {
      yaml_event_delete(&ev);
      break;
    }
    switch (state) {
    case TOP:
      if (type == YAML_SEQUENCE_START_EVENT)
        state = SEQ;
      else if (type == YAML_MAPPING_START_EVENT || type == YAML_SCALAR_EVENT ||
               type == YAML_ALIAS_EVENT)
        st = S_problem(p, ZHCONV_ERR_SYNTAX, ev.start_mark, "%s",
                       _("expected a sequence of entries (lines starting with '- ')"));
      break;
    case SEQ:
      if (type == YAML_MAPPING_START_EVENT) {
        memset(&m, 0, sizeof m);
        m.start = ev.start_mark;
        state = MAP_KEY;
      } else if (type == YAML_SEQUENCE_END_EVENT) {
        state = DONE;
      } else
        st = S_problem(p, ZHCONV_ERR_SYNTAX, ev.start_mark, "%s",
                       _("expected an entry: a mapping such as {cn: 软件, tw: 軟體}"));
      break;
    case MAP_KEY:
      if (type == YAML_MAPPING_END_EVENT) {
        st = fn(user, &m, p);
        for (size_t i = 0; i < nheld; i++)
          yaml_event_delete(&held[i]);
        nheld = 0;
        state = SEQ;
      } else if (type != YAML_SCALAR_EVENT) {
        st = S_problem(p, ZHCONV_ERR_SYNTAX, ev.start_mark, "%s", _("expected a key"));
      } else if (m.count == 8) {
        st = S_problem(p, ZHCONV_ERR_SYNTAX, ev.start_mark, "%s", _("too many keys in one entry"));
      } else {
        m.keys[m.count] = (const char *)ev.data.scalar.value;
        keep = true;
        state = MAP_VALUE;
      }
      break;
    case MAP_VALUE:
      if (type != YAML_SCALAR_EVENT) {
        st = S_problem(p, ZHCONV_ERR_SYNTAX, ev.start_mark, _("the value of '%s' must be text"),
                       m.keys[m.count]);
      } else {
        m.values[m.count] = (const char *)ev.data.scalar.value;
        m.value_marks[m.count] = ev.start_mark;
        m.count++;
        keep = true;
        state = MAP_KEY;
      }
      break;
    case DONE:
      if (type == YAML_DOCUMENT_START_EVENT)
        st = S_problem(p, ZHCONV_ERR_SYNTAX, ev.start_mark, "%s",
                       _("only one document is allowed"));
      break;
    }
    if (keep)
      held[nheld++] = ev;
    else
      yaml_event_delete(&ev);
    if (st != ZHCONV_OK)
      break;
  }
  for (size_t i = 0; i < nheld; i++)
    yaml_event_delete(&held[i]);
  yaml_parser_delete(&parser);
  return st;
}

/* ---- entries -------------------------------------------------------------- */

typedef struct {
  zhconv__vocab *v;
  uint32_t file;
  uint8_t scope;
  size_t first;   /* the file's first entry */
} loading;

/* "cn" or "cn, hans": the targets a one-way entry serves, as bits. */
static int
S_parse_only(const char *value, uint8_t *only)
{
  *only = 0;
  for (const char *p = value; *p;) {
    while (*p == ' ' || *p == ',')
      p++;
    size_t n = strcspn(p, " ,");
    if (n == 0)
      break;
    char name[8];
    zhconv_variant target;
    if (n >= sizeof name)
      return ZHCONV_ERR_SYNTAX;
    memcpy(name, p, n);
    name[n] = '\0';
    if (zhconv_variant_parse(name, &target) != ZHCONV_OK || target == ZHCONV_AUTO)
      return ZHCONV_ERR_SYNTAX;
    *only |= (uint8_t)(1u << target);
    p += n;
  }
  return *only ? ZHCONV_OK : ZHCONV_ERR_SYNTAX;
}

static int
S_add_entry(void *user, const mapping *m, problem *p)
{
  loading *ld = user;
  zhconv__vocab *v = ld->v;
  entry e;
  memset(&e, 0, sizeof e);
  int nforms = 0, st = ZHCONV_OK;
  for (size_t i = 0; i < m->count && st == ZHCONV_OK; i++) {
    int slot = -1;
    for (int f = 0; f < NFORMS; f++)
      if (strcmp(m->keys[i], S_form_names[f]) == 0)
        slot = f;
    if (slot < 0 && strcmp(m->keys[i], "only") == 0) {
      st = S_parse_only(m->values[i], &e.only);
      if (st != ZHCONV_OK)
        st = S_problem(p, st, m->value_marks[i], "%s",
                       _("'only' takes targets separated by commas (cn, tw, hk, hans, hant)"));
      continue;
    }
    if (slot < 0) {
      if (strcmp(m->keys[i], "note") != 0 && strcmp(m->keys[i], "source") != 0)
        st = S_problem(p, ZHCONV_ERR_SYNTAX, m->value_marks[i],
                       _("unknown key '%s' (cn, tw, hk, hans, hant, only, note, source)"),
                       m->keys[i]);
      continue;
    }
    if (e.forms[slot]) {
      st = S_problem(p, ZHCONV_ERR_SYNTAX, m->value_marks[i], _("'%s' given twice"),
                     m->keys[i]);
      continue;
    }
    const char *value = m->values[i];
    if (!*value || strpbrk(value, "\n\r\t")) {
      st = S_problem(p, ZHCONV_ERR_SYNTAX, m->value_marks[i],
                     _("the form '%s' must be a non-empty term on one line"), m->keys[i]);
      continue;
    }
    e.forms[slot] = (char *)utf8proc_NFC((const utf8proc_uint8_t *)value);
    if (!e.forms[slot])
      st = ZHCONV_ERR_NOMEM;
    nforms++;
  }
  if (st == ZHCONV_OK && (!e.forms[F_CN] || !e.forms[F_TW]) &&
      nforms - (e.forms[F_HANS] != NULL) - (e.forms[F_HANT] != NULL) < 2)
    st = S_problem(p, ZHCONV_ERR_SYNTAX, m->start, "%s",
                   _("an entry needs at least two of cn, tw and hk"));
  entry *slot = st == ZHCONV_OK ? S_new_entry(v) : NULL;
  if (!slot) {
    for (int f = 0; f < NFORMS; f++)
      free(e.forms[f]);
    return st != ZHCONV_OK ? st : ZHCONV_ERR_NOMEM;
  }
  e.file = ld->file;
  e.line = (uint32_t)m->start.line + 1;
  e.column = (uint32_t)m->start.column + 1;
  e.scope = ld->scope;
  *slot = e;
  return ZHCONV_OK;
}

static int S_check_conflicts(const zhconv__vocab *v, size_t from, size_t to, problem *p);

/* Load entries; `check`: refuse a file whose entries conflict (the built-in
 * files are checked once, by the test suite, not at every start). */
static int
S_load(zhconv__vocab *v, const char *text, size_t len, const char *name, int scope, bool check,
       char *err, zhconv_mark *mark)
{
  long file = S_add_file(v, name, NULL);
  if (file < 0)
    return ZHCONV_ERR_NOMEM;
  loading ld = {v, (uint32_t)file, (uint8_t)scope, v->count};
  problem p = {err, mark, v->files[file]};
  int st = S_parse_sequence(text, len, S_add_entry, &ld, &p);
  /* Within one file a term may not say two things. */
  if (st == ZHCONV_OK && check)
    st = S_check_conflicts(v, ld.first, v->count, &p);
  return st;
}

int
zhconv__vocab_load_text(zhconv__vocab *v, const char *text, size_t len, const char *name,
                        int scope, char *err, zhconv_mark *mark)
{
  return S_load(v, text, len, name, scope, true, err, mark);
}

static int
S_load_file(zhconv__vocab *v, const char *path, int scope, bool check, char *err,
            zhconv_mark *mark)
{
  zhconv__buf text = {0};
  int st = zhconv__read_file(path, &text);
  if (st != ZHCONV_OK) {
    zhconv__errorf(err, _("cannot read vocabulary %s"), path);
    memset(mark, 0, sizeof *mark);
  } else
    st = S_load(v, text.data ? text.data : "", text.len, path, scope, check, err, mark);
  zhconv__buf_free(&text);
  return st;
}

int
zhconv__vocab_load_file(zhconv__vocab *v, const char *path, int scope, char *err,
                        zhconv_mark *mark)
{
  return S_load_file(v, path, scope, true, err, mark);
}

/* index.yaml: {file, scope} mappings. */
typedef struct {
  zhconv__vocab *v;
  const char *data_dirs;
  const char *domains;   /* the optional domains to load */
  zhconv_mark *mark;
} index_loading;

static int
S_load_indexed(void *user, const mapping *m, problem *p)
{
  index_loading *il = user;
  const char *file = NULL, *scope = "technical", *domain = NULL;
  for (size_t i = 0; i < m->count; i++) {
    if (strcmp(m->keys[i], "file") == 0)
      file = m->values[i];
    else if (strcmp(m->keys[i], "scope") == 0)
      scope = m->values[i];
    else if (strcmp(m->keys[i], "domain") == 0)
      domain = m->values[i];
  }
  /* A domain's file (software localisation, say) only when asked for. */
  if (!S_domain_enabled(il->domains, domain))
    return ZHCONV_OK;
  bool regional = strcmp(scope, "regional") == 0;
  if (!file || (!regional && strcmp(scope, "technical") != 0))
    return S_problem(p, ZHCONV_ERR_SYNTAX, m->start, "%s",
                     _("an index entry needs a file and a scope (technical or regional)"));
  char rel[512];
  snprintf(rel, sizeof rel, "vocab/%s", file);
  char *path = zhconv__datadir_find(il->data_dirs, rel);
  if (!path)
    return S_problem(p, ZHCONV_ERR_IO, m->start, _("vocabulary %s not found"), rel);
  int st = S_load_file(il->v, path, regional ? ZHCONV__SCOPE_REGIONAL : ZHCONV__SCOPE_TECHNICAL,
                       false, p->err, il->mark);
  free(path);
  if (st == ZHCONV_OK && domain && !(il->v->domains[il->v->nfiles - 1] = strdup(domain)))
    st = ZHCONV_ERR_NOMEM;
  return st;
}

/* ---- protected terms ------------------------------------------------------ */

int
zhconv__vocab_load_protected(zhconv__vocab *v, const char *path, char *err, zhconv_mark *mark)
{
  zhconv__buf text = {0};
  memset(mark, 0, sizeof *mark);
  int st = zhconv__read_file(path, &text);
  if (st != ZHCONV_OK) {
    zhconv__errorf(err, _("cannot read the term list %s"), path);
    zhconv__buf_free(&text);
    return st;
  }
  long file = S_add_file(v, path, NULL);
  if (file < 0) {
    zhconv__buf_free(&text);
    return ZHCONV_ERR_NOMEM;
  }
  uint32_t line = 0;
  for (size_t at = 0; st == ZHCONV_OK && at < text.len;) {
    const char *start = text.data + at;
    const char *nl = memchr(start, '\n', text.len - at);
    size_t len = nl ? (size_t)(nl - start) : text.len - at;
    at += len + (nl != NULL);
    line++;
    if (len && start[len - 1] == '\r')
      len--;
    if (len == 0 || start[0] == '#')
      continue;
    zhconv__utf8_stop stop;
    size_t valid = zhconv__utf8_scan(start, len, &stop);
    if (valid != len) {
      mark->file = v->files[file];
      mark->line = line - 1;
      mark->column = valid;
      zhconv__errorf(err, "%s", _("not valid UTF-8"));
      st = ZHCONV_ERR_SYNTAX;
      break;
    }
    /* A term that is the same in every form: whatever the target, it
     * stays as it is, and OpenCC never sees it. */
    entry *e = S_new_entry(v);
    if (!e) {
      st = ZHCONV_ERR_NOMEM;
      break;
    }
    e->file = (uint32_t)file;
    e->line = line;
    e->column = 1;
    e->scope = ZHCONV__SCOPE_TECHNICAL;
    for (int f = 0; f < NFORMS && st == ZHCONV_OK; f++)
      if (!(e->forms[f] = strndup(start, len)))
        st = ZHCONV_ERR_NOMEM;
  }
  zhconv__buf_free(&text);
  return st;
}

/* ---- the compiled form of the built-in vocabulary ------------------------
 *
 * Parsing four thousand YAML entries and normalising them takes longer than
 * zhconv may take to start, so the build compiles the built-in files
 * (src/vocab-compile.c) into vocab/compiled.tsv: "F<TAB>vocab/NAME.yaml" for
 * each file, then "E<TAB>file<TAB>line<TAB>column<TAB>kind<TAB>cn<TAB>tw
 * <TAB>hk<TAB>hans<TAB>hant" for each entry (empty: absent; kind: the
 * scope, plus 16 times the bits of "only:").  Forms never
 * hold tabs or newlines. */

#define COMPILED_MAGIC "zhconv-vocab 2\n"

int
zhconv__vocab_write_compiled(const zhconv__vocab *v, FILE *out)
{
  fputs(COMPILED_MAGIC, out);
  for (size_t i = 0; i < v->nfiles; i++) {
    /* Keep the name from "vocab/" on: the build's own directories stay out. */
    const char *name = strstr(v->files[i], "vocab/");
    fprintf(out, "F\t%s\t%s\n", name ? name : v->files[i], v->domains[i] ? v->domains[i] : "");
  }
  for (size_t i = 0; i < v->count; i++) {
    const entry *e = &v->entries[i];
    fprintf(out, "E\t%u\t%u\t%u\t%u", e->file, e->line, e->column,
            (unsigned)e->scope | (unsigned)e->only << 4);
    for (int f = 0; f < NFORMS; f++)
      fprintf(out, "\t%s", e->forms[f] ? e->forms[f] : "");
    fputc('\n', out);
  }
  return ferror(out) ? ZHCONV_ERR_IO : ZHCONV_OK;
}

/* Split line at tabs into at most n fields; returns the count. */
static size_t
S_fields(char *line, char **fields, size_t n)
{
  /* One pass over the line: most fields are a few bytes or empty. */
  size_t count = 1;
  fields[0] = line;
  for (char *p = line; *p && count < n; p++)
    if (*p == '\t') {
      *p = '\0';
      fields[count++] = p + 1;
    }
  return count;
}

/* A number of the compiled vocabulary: digits only, below 2^32. */
static bool
S_number(const char *s, uint32_t *out)
{
  uint64_t n = 0;
  size_t i = 0;
  for (; s[i] >= '0' && s[i] <= '9' && i < 10; i++)
    n = n * 10 + (uint64_t)(s[i] - '0');
  *out = (uint32_t)n;
  return i > 0 && s[i] == '\0' && n <= UINT32_MAX;
}

/* An entry of the compiled vocabulary, of file `file`, from the fields of
 * its line after the file: line, column, scope, then the forms. */
static int
S_add_compiled_entry(zhconv__vocab *v, uint32_t file, char **f)
{
  uint32_t line, column, scope;
  if (!S_number(f[0], &line) || !S_number(f[1], &column) || !S_number(f[2], &scope))
    return ZHCONV_ERR_SYNTAX;
  entry *e = S_new_entry(v);
  if (!e)
    return ZHCONV_ERR_NOMEM;
  e->file = file;
  e->line = line;
  e->column = column;
  e->scope = (uint8_t)(scope & 15);
  e->only = (uint8_t)(scope >> 4);
  e->borrowed = true;
  for (int k = 0; k < NFORMS; k++)
    if (*f[3 + k])
      e->forms[k] = f[3 + k];
  return ZHCONV_OK;
}

static int
S_load_compiled(zhconv__vocab *v, const char *path, const char *data_dirs, const char *domains)
{
  zhconv__buf text = {0};
  int st = zhconv__read_file(path, &text);
  if (st == ZHCONV_OK)
    st = zhconv__buf_append(&text, "", 1);
  if (st != ZHCONV_OK || strncmp(text.data, COMPILED_MAGIC, strlen(COMPILED_MAGIC)) != 0) {
    zhconv__buf_free(&text);
    return st != ZHCONV_OK ? st : ZHCONV_ERR_SYNTAX;
  }
  /* The forms stay where they are in the text, which the vocabulary keeps;
   * the entries take one allocation, for as many as there are lines. */
  char **texts = realloc(v->texts, (v->ntexts + 1) * sizeof *texts);
  if (!texts) {
    zhconv__buf_free(&text);
    return ZHCONV_ERR_NOMEM;
  }
  v->texts = texts;
  v->texts[v->ntexts++] = text.data;
  /* A damaged file is refused: the matcher needs valid UTF-8. */
  zhconv__utf8_stop stop;
  if (zhconv__utf8_scan(text.data, text.len - 1, &stop) != text.len - 1)
    return ZHCONV_ERR_SYNTAX;
  size_t lines = 0;
  for (const char *nl = text.data; (nl = strchr(nl, '\n')); nl++)
    lines++;
  st = S_reserve(v, v->count + lines);
  size_t first_file = v->nfiles;
  /* Files of a domain not asked for: their entries are skipped. */
  zhconv__buf skipped = {0};
  char *line = text.data + strlen(COMPILED_MAGIC);
  while (st == ZHCONV_OK && *line) {
    char *next = strchr(line, '\n');
    if (next)
      *next++ = '\0';
    char *f[10];
    size_t n = S_fields(line, f, 10);
    if (n == 3 && strcmp(f[0], "F") == 0) {
      /* Shown by --explain: the source file where the data directory has it. */
      long file = S_add_file(v, f[1], zhconv__datadir_find(data_dirs, f[1]));
      if (file < 0 || (*f[2] && !(v->domains[file] = strdup(f[2]))))
        st = ZHCONV_ERR_NOMEM;
      char skip = !S_domain_enabled(domains, *f[2] ? f[2] : NULL);
      if (st == ZHCONV_OK)
        st = zhconv__buf_append(&skipped, &skip, 1);
    } else if (n == 10 && strcmp(f[0], "E") == 0) {
      uint32_t file;
      if (!S_number(f[1], &file) || file >= skipped.len)
        st = ZHCONV_ERR_SYNTAX;
      else if (!skipped.data[file]) /* else a domain not asked for */
        st = S_add_compiled_entry(v, (uint32_t)(first_file + file), f + 2);
    } else
      st = ZHCONV_ERR_SYNTAX;
    line = next ? next : line + strlen(line);
  }
  zhconv__buf_free(&skipped);
  return st;
}

int
zhconv__vocab_load_builtin(zhconv__vocab *v, const char *data_dirs, const char *domains,
                           char *err, zhconv_mark *mark)
{
  memset(mark, 0, sizeof *mark);
  char *compiled = zhconv__datadir_find(data_dirs, "vocab/compiled.tsv");
  int st;
  if (compiled) {
    st = S_load_compiled(v, compiled, data_dirs, domains);
    if (st != ZHCONV_OK)
      zhconv__errorf(err, _("%s is damaged; rebuild or reinstall zhconv"), compiled);
    free(compiled);
  } else
    st = zhconv__vocab_load_sources(v, data_dirs, domains, err, mark);
  /* Every domain asked for must exist ("*", every domain, always does). */
  for (const char *p = domains; st == ZHCONV_OK && p && *p && strcmp(p, "*") != 0;) {
    const char *comma = strchr(p, ',');
    size_t len = comma ? (size_t)(comma - p) : strlen(p);
    bool found = false;
    for (size_t i = 0; i < v->nfiles && !found; i++)
      found = v->domains[i] && strlen(v->domains[i]) == len && !strncmp(v->domains[i], p, len);
    if (!found) {
      char name[64];
      snprintf(name, sizeof name, "%.*s", (int)(len < 60 ? len : 60), p);
      zhconv__errorf(err, _("unknown domain '%s'"), name);
      st = ZHCONV_ERR_ARG;
    }
    p += len + (comma != NULL);
  }
  return st;
}

int
zhconv__vocab_load_sources(zhconv__vocab *v, const char *data_dirs, const char *domains,
                           char *err, zhconv_mark *mark)
{
  char *path = zhconv__datadir_find(data_dirs, "vocab/index.yaml");
  zhconv__buf text = {0};
  memset(mark, 0, sizeof *mark);
  int st = path ? zhconv__read_file(path, &text) : ZHCONV_ERR_IO;
  if (st != ZHCONV_OK) {
    zhconv__errorf(err, "%s", _("cannot read vocab/index.yaml from the data directory"));
  } else {
    index_loading il = {v, data_dirs, domains, mark};
    problem p = {err, mark, path};
    st = S_parse_sequence(text.data ? text.data : "", text.len, S_load_indexed, &il, &p);
    if (st != ZHCONV_OK && mark->file == path) {
      /* The mark must outlive this call: point it at a name the vocabulary keeps. */
      mark->file = "vocab/index.yaml";
    }
  }
  free(path);
  zhconv__buf_free(&text);
  return st;
}

/* ---- the table for one source script and target ------------------------- */

/* The target form of an entry, with MediaWiki's fallbacks: a script-level
 * target takes the region's form when it has none of its own, and hk takes
 * hant.  NULL: the entry says nothing for this target. */
static const char *
S_target_form(const entry *e, zhconv_variant target)
{
  if (e->only && !(e->only & (1u << target)))
    return NULL;  /* a one-way entry, for other targets */
  switch (target) {
  case ZHCONV_CN: return e->forms[F_CN];
  case ZHCONV_TW: return e->forms[F_TW];
  case ZHCONV_HK: return e->forms[F_HK] ? e->forms[F_HK] : e->forms[F_HANT];
  case ZHCONV_HANS: return e->forms[F_HANS] ? e->forms[F_HANS] : e->forms[F_CN];
  case ZHCONV_HANT: return e->forms[F_HANT] ? e->forms[F_HANT] : e->forms[F_TW];
  default: return NULL;
  }
}

/* The slots written in a script. */
static bool
S_in_script(int slot, zhconv_variant script)
{
  if (script == ZHCONV_HANS)
    return slot == F_CN || slot == F_HANS;
  return slot == F_TW || slot == F_HK || slot == F_HANT;
}

/* ---- building: a hash table of forms ----------------------------------
 *
 * Forms go first into an open-addressing hash table, where a later entry
 * replaces an earlier one with the same form and conflicts show; the
 * matcher is then built from the table. */
typedef struct slot {
  const char *key;     /* NULL: empty */
  uint32_t len;
  uint32_t entry;      /* the entry whose form this is */
  const char *target;  /* the entry's target form */
} slot;

typedef struct table {
  slot *slots;
  size_t mask;
  size_t used;
} table;

static slot *
S_find(const table *t, const char *key, size_t len)
{
  size_t i = (size_t)zhconv__hash64(key, len) & t->mask;
  for (;;) {
    slot *s = &t->slots[i];
    if (!s->key || (s->len == len && memcmp(s->key, key, len) == 0))
      return s;
    i = (i + 1) & t->mask;
  }
}

static int
S_grow(table *t)
{
  size_t cap = t->slots ? (t->mask + 1) * 2 : 16;
  slot *old = t->slots;
  size_t oldcap = old ? t->mask + 1 : 0;
  t->slots = calloc(cap, sizeof *t->slots);
  if (!t->slots) {
    t->slots = old;
    return ZHCONV_ERR_NOMEM;
  }
  t->mask = cap - 1;
  for (size_t i = 0; i < oldcap; i++)
    if (old[i].key)
      *S_find(t, old[i].key, old[i].len) = old[i];
  free(old);
  return ZHCONV_OK;
}

/* Insert or replace key. */
static int
S_insert(table *t, const char *key, uint32_t entry_index, const char *target)
{
  if ((!t->slots || (t->used + 1) * 2 > t->mask + 1) && S_grow(t) != ZHCONV_OK)
    return ZHCONV_ERR_NOMEM;
  size_t len = strlen(key);
  slot *s = S_find(t, key, len);
  if (!s->key) {
    s->key = key;
    s->len = (uint32_t)len;
    t->used++;
  }
  s->entry = entry_index;
  s->target = target;
  return ZHCONV_OK;
}

/* ---- matching: a trie over code points ---------------------------------
 *
 * The first character is looked up in pages of 256 code points (below
 * U+30000, where all Han characters are); each node's children are sorted
 * by code point and searched by bisection.  Most positions of a text stop
 * at the first lookup. */

#define PAGES (0x30000 >> 8)
#define NONE UINT32_MAX

typedef struct tnode {
  uint32_t child;       /* its children: child_cp/child_node[child .. child + nchild) */
  uint32_t nchild;
  uint32_t entry;       /* NONE: no form ends here */
  uint32_t target;      /* the entry's target form: at targets + target */
} tnode;

/* The filter of pairs: one bit for each hash of a form's first two
 * characters (a one-character form's character and 0), so that the search
 * tests each place of the text against a table that stays in the cache
 * and looks further only where a form may start. */
#define PAIR_BIT(cp1, cp2, log2) \
  ((size_t)((((uint64_t)(cp1) << 21 | (cp2)) * 0x9E3779B97F4A7C15ULL) >> (64 - (log2))))
#define PAIR_TEST(filter, bit) (((filter)[(bit) / 64] >> ((bit) % 64)) & 1)

/* Whether some form starts with a character below U+10000: one bit each. */
#define FIRSTS_WORDS (0x10000 / 64)

/* Where the text may hold a form of two characters or more, the node after
 * its first two characters, from a hash table of the pairs (open
 * addressing, at most half full; an empty slot has first 0): one probe
 * instead of three dependent lookups and a bisection of the first
 * character's children, which were most of the time of a search.  Most
 * pairs found lead nowhere (中國 starts 中國大陸, and the text goes on
 * otherwise): the slot says whether a form ends at the node and which
 * third characters may follow, so most such searches end there. */
typedef struct tpair {
  uint32_t first, second; /* the characters */
  uint32_t node;
  uint32_t next;          /* NEXT_BIT(c) for each child c; NEXT_ENDS: an entry */
} tpair;

#define NEXT_BIT(cp) ((uint32_t)1 << ((cp) % 31))
#define NEXT_ENDS ((uint32_t)1 << 31)

/* Every array is one block of memory, built at start, or a part of an
 * image the build wrote (see "images" below), mapped read-only. */
struct zhconv__matcher {
  uint64_t *firsts;           /* FIRSTS_WORDS */
  uint64_t *pairs;            /* 2^pair_log2 bits */
  /* For each one-character form c, bit c % 64: most characters are no
   * such form, and this says so without a look at the filter. */
  uint64_t singles;
  int pair_log2;
  uint32_t *page_of;     /* PAGES: a first code point's page -> its number + 1, or 0 */
  uint32_t *page_block;  /* 256 per page: first code point -> node + 1, or 0 */
  size_t npages;
  tnode *nodes;
  size_t nnodes;
  uint32_t *child_cp;
  uint32_t *child_node;
  size_t nchildren;
  tpair *pair_nodes;     /* 2^pair_nodes_log2 slots */
  int pair_nodes_log2;
  char *targets;         /* the target forms, each once: its length (32
                          * bits, unaligned), the form, a NUL */
  size_t targets_len;
  void *image;           /* non-NULL: the mapped image everything is in */
  size_t image_len;
};

void
zhconv__matcher_free(zhconv__matcher *m)
{
  if (!m)
    return;
  if (m->image) {
    munmap(m->image, m->image_len);
  } else {
    free(m->firsts);
    free(m->page_of);
    free(m->page_block);
    free(m->nodes);
    free(m->child_cp);
    free(m->child_node);
    free(m->pairs);
    free(m->pair_nodes);
    free(m->targets);
  }
  free(m);
}

/* Building: the forms are sorted (byte order is code point order in
 * UTF-8), so the forms under a node are a run of the sorted array, its
 * children are the distinct next characters of that run, and each node's
 * children take consecutive places of child_cp/child_node at once: one
 * allocation for each array, whose sizes the forms bound. */
/* The forms of a matcher, as they are added; of equal forms the one added
 * last counts (entries are added in order, so it has the highest entry). */
typedef struct form_list {
  slot *items;
  size_t count, cap;
} form_list;

static int
S_add_form(form_list *l, const char *key, uint32_t entry, const char *target)
{
  if (l->count == l->cap) {
    size_t cap = l->cap ? 2 * l->cap : 256;
    slot *items = realloc(l->items, cap * sizeof *items);
    if (!items)
      return ZHCONV_ERR_NOMEM;
    l->items = items;
    l->cap = cap;
  }
  l->items[l->count++] = (slot){key, (uint32_t)strlen(key), entry, target};
  return ZHCONV_OK;
}

/* By form, then by entry. */
static int
S_compare_forms(const void *a, const void *b)
{
  const slot *x = a, *y = b;
  int c = memcmp(x->key, y->key, x->len < y->len ? x->len : y->len);
  if (c || x->len != y->len)
    return c ? c : (x->len > y->len) - (x->len < y->len);
  return (x->entry > y->entry) - (x->entry < y->entry);
}

/* Sort forms by form, then by entry: a radix sort of an order of them by
 * their first eight bytes (no form has a zero byte, so a shorter form
 * counts as padded with zeros), the forms put in that order in place, then
 * each run of equal prefixes sorted whole, which is short (qsort took most
 * of the time of making a matcher, and its copies the memory). */
static inline unsigned
S_form_byte(const slot *f, unsigned k)
{
  return k < f->len ? (unsigned char)f->key[k] : 0;
}

static bool
S_same_prefix(const slot *a, const slot *b)
{
  for (unsigned k = 0; k < 8; k++)
    if (S_form_byte(a, k) != S_form_byte(b, k))
      return false;
  return true;
}

static int
S_sort_forms(slot *forms, size_t n)
{
  uint32_t *a = malloc(2 * n * sizeof *a);
  if (!a)
    return ZHCONV_ERR_NOMEM;
  zhconv__prefault(a, 2 * n * sizeof *a);
  uint32_t *b = a + n, *base = a;
  for (size_t i = 0; i < n; i++)
    a[i] = (uint32_t)i;
  for (unsigned k = 8; k-- > 0;) {
    size_t count[257] = {0};
    for (size_t i = 0; i < n; i++)
      count[S_form_byte(&forms[a[i]], k) + 1]++;
    if (count[S_form_byte(&forms[a[0]], k) + 1] == n)
      continue; /* every form has the same byte here */
    for (size_t d = 1; d < 257; d++)
      count[d] += count[d - 1];
    for (size_t i = 0; i < n; i++)
      b[count[S_form_byte(&forms[a[i]], k)]++] = a[i];
    uint32_t *t = a;
    a = b;
    b = t;
  }
  /* forms[i] = old forms[a[i]], cycle by cycle. */
  for (size_t i = 0; i < n; i++) {
    if (a[i] == i)
      continue;
    slot first = forms[i];
    size_t j = i;
    while (a[j] != i) {
      size_t next = a[j];
      forms[j] = forms[next];
      a[j] = (uint32_t)j;
      j = next;
    }
    forms[j] = first;
    a[j] = (uint32_t)j;
  }
  free(base);
  for (size_t lo = 0, hi; lo < n; lo = hi) {
    for (hi = lo + 1; hi < n && S_same_prefix(&forms[lo], &forms[hi]); hi++)
      ;
    if (hi - lo > 1)
      qsort(forms + lo, hi - lo, sizeof *forms, S_compare_forms);
  }
  return ZHCONV_OK;
}

/* A node still to fill: its forms are forms[lo, hi), which share their
 * first `at` bytes (the node's path); the first of them may end there. */
typedef struct pending {
  size_t lo, hi, at;
  uint32_t node;
} pending;

/* The end of the run of forms from forms[i] (before hi) whose character
 * at byte `at` is the same as forms[i]'s, of `len` bytes. */
static size_t
S_run_end(const slot *forms, size_t i, size_t hi, size_t at, size_t len)
{
  const char *c = forms[i].key + at;
  size_t j = i + 1;
  while (j < hi && forms[j].len >= at + len && memcmp(forms[j].key + at, c, len) == 0)
    j++;
  return j;
}

/* The target forms, each entry's once (an entry has one target form in
 * a matcher; the regions' matcher of --detect has two, which are short):
 * where entry e's is in m->targets (plus one; 0: not yet there), for
 * entries below `entries`. */
typedef struct {
  uint32_t *at;
  size_t entries;
} target_places;

static uint32_t
S_target_place(zhconv__matcher *m, target_places *tp, uint32_t entry, const char *target)
{
  if (entry < tp->entries && tp->at[entry] && strcmp(m->targets + tp->at[entry] - 1, target) == 0)
    return tp->at[entry] - 1;
  uint32_t len = (uint32_t)strlen(target), place = (uint32_t)m->targets_len + 4;
  memcpy(m->targets + place - 4, &len, 4);
  memcpy(m->targets + place, target, len + 1);
  m->targets_len += 4 + len + 1;
  if (entry < tp->entries)
    tp->at[entry] = place + 1;
  return place;
}

/* Fill the nodes from the stack (which has room for one entry per node)
 * until it is empty; *nodes and *children count the places taken. */
static void
S_fill(zhconv__matcher *m, target_places *tp, const slot *forms, pending *stack, size_t depth,
       uint32_t *nodes, uint32_t *children)
{
  while (depth > 0) {
    pending p = stack[--depth];
    tnode *n = &m->nodes[p.node];
    *n = (tnode){*children, 0, NONE, NONE};
    if (p.lo < p.hi && forms[p.lo].len == p.at) {
      n->entry = forms[p.lo].entry;
      n->target = S_target_place(m, tp, forms[p.lo].entry, forms[p.lo].target);
      p.lo++;
    }
    /* A child for each run of forms with the same next character. */
    for (size_t i = p.lo; i < p.hi;) {
      uint32_t cp;
      size_t len = zhconv__utf8_decode(forms[i].key + p.at, &cp);
      size_t j = S_run_end(forms, i, p.hi, p.at, len);
      m->child_cp[*children] = cp;
      m->child_node[(*children)++] = *nodes;
      stack[depth++] = (pending){i, j, p.at + len, (*nodes)++};
      n->nchild++;
      i = j;
    }
  }
}

/* The slot of the pair (a, b) in m->pair_nodes: its own, or the empty one
 * where it would go. */
static inline const tpair *
S_pair_slot(const zhconv__matcher *m, uint32_t a, uint32_t b)
{
  size_t mask = ((size_t)1 << m->pair_nodes_log2) - 1;
  for (size_t i = PAIR_BIT(a, b, m->pair_nodes_log2);; i = (i + 1) & mask) {
    const tpair *s = &m->pair_nodes[i];
    if (s->first == 0 || (s->first == a && s->second == b))
      return s;
  }
}

static void
S_add_pair(zhconv__matcher *m, uint32_t a, uint32_t b, uint32_t node)
{
  const tnode *n = &m->nodes[node];
  uint32_t next = n->entry != NONE ? NEXT_ENDS : 0;
  for (uint32_t k = 0; k < n->nchild; k++)
    next |= NEXT_BIT(m->child_cp[n->child + k]);
  *(tpair *)S_pair_slot(m, a, b) = (tpair){a, b, node, next};
}

/* Build the trie of the forms in l (whose order it changes). */
static zhconv__matcher *
S_matcher_from(form_list *l)
{
  zhconv__matcher *m = calloc(1, sizeof *m);
  bool ok = m != NULL;
  /* Sorted, then of equal forms the last kept; no Han form starts at
   * U+30000 or above, and such a form is never looked for. */
  slot *forms = l->items;
  size_t count = 0, chars = 1, npages = 0, target_bytes = 0, entries = 0;
  uint32_t last_page = UINT32_MAX;
  if (l->count && S_sort_forms(forms, l->count) != ZHCONV_OK)
    ok = false;
  for (size_t i = 0; i < l->count; i++) {
    uint32_t cp;
    zhconv__utf8_decode(forms[i].key, &cp);
    if (cp >= 0x30000 || (i + 1 < l->count && forms[i + 1].len == forms[i].len &&
                          memcmp(forms[i + 1].key, forms[i].key, forms[i].len) == 0))
      continue;
    npages += cp >> 8 != last_page; /* first characters come in order */
    last_page = cp >> 8;
    forms[count++] = forms[i];
    for (size_t k = 0; k < forms[i].len; k++)
      chars += ((unsigned char)forms[i].key[k] & 0xC0) != 0x80;
    target_bytes += 4 + strlen(forms[i].target) + 1;
    if (forms[i].entry >= entries)
      entries = (size_t)forms[i].entry + 1;
  }
  target_places tp = {NULL, entries};
  if (ok) {
    m->firsts = zhconv__alloc_zeroed(FIRSTS_WORDS, sizeof *m->firsts);
    m->page_of = zhconv__alloc_zeroed(PAGES, sizeof *m->page_of);
    m->nodes = malloc(chars * sizeof *m->nodes);
    m->child_cp = malloc(chars * sizeof *m->child_cp);
    m->child_node = malloc(chars * sizeof *m->child_node);
    m->page_block = zhconv__alloc_zeroed(npages * 256, sizeof *m->page_block);
    m->targets = malloc(target_bytes + 1);
    tp.at = zhconv__alloc_zeroed(entries, sizeof *tp.at);
    ok = m->firsts && m->page_of && m->nodes && m->child_cp && m->child_node &&
         m->page_block && m->targets && tp.at;
  }
  if (ok) {
    zhconv__prefault(m->nodes, chars * sizeof *m->nodes);
    zhconv__prefault(m->child_cp, chars * sizeof *m->child_cp);
    zhconv__prefault(m->child_node, chars * sizeof *m->child_node);
  }
  /* The first characters' nodes, each filled from its run of forms. */
  pending *stack = ok ? malloc(chars * sizeof *stack) : NULL;
  uint32_t nodes = 0, children = 0;
  size_t firsts = 0, pairs = 0; /* first characters; their children */
  ok = ok && stack;
  for (size_t i = 0; ok && i < count;) {
    uint32_t cp;
    size_t len = zhconv__utf8_decode(forms[i].key, &cp);
    size_t j = S_run_end(forms, i, count, 0, len);
    uint32_t *page_number = &m->page_of[cp >> 8];
    if (!*page_number)
      *page_number = (uint32_t)++m->npages;
    m->page_block[256 * (*page_number - 1) + (cp & 255)] = nodes + 1;
    if (cp < 0x10000)
      m->firsts[cp / 64] |= (uint64_t)1 << (cp % 64);
    uint32_t first = nodes;
    stack[0] = (pending){i, j, len, nodes++};
    S_fill(m, &tp, forms, stack, 1, &nodes, &children);
    pairs += m->nodes[first].nchild;
    firsts++;
    i = j;
  }
  free(stack);
  free(tp.at);
  if (!ok) {
    zhconv__matcher_free(m);
    return NULL;
  }
  m->nnodes = nodes;
  m->nchildren = children;
  /* About 16 bits for each pair and first character (a one-character
   * form is the pair of it and 0): few false hits (the table of pairs
   * answers them), and small enough to stay in the first-level cache,
   * which two filters of 32 bits a pair (pairs, single characters) were
   * not: a third of the search's cache misses (cachegrind). */
  m->pair_log2 = 9;
  while (m->pair_log2 < 20 && ((size_t)1 << m->pair_log2) < 16 * (pairs + firsts))
    m->pair_log2++;
  size_t words = ((size_t)1 << m->pair_log2) / 64;
  m->pair_nodes_log2 = 4;
  while (((size_t)1 << m->pair_nodes_log2) < 2 * pairs)
    m->pair_nodes_log2++;
  m->pair_nodes = zhconv__alloc_zeroed((size_t)1 << m->pair_nodes_log2, sizeof *m->pair_nodes);
  if (!(m->pairs = zhconv__alloc_zeroed(words, sizeof *m->pairs)) || !m->pair_nodes) {
    zhconv__matcher_free(m);
    return NULL;
  }
  for (size_t page = 0; page < PAGES; page++)
    for (size_t i = 0; m->page_of[page] && i < 256; i++) {
      uint32_t node = m->page_block[256 * (m->page_of[page] - 1) + i];
      if (!node)
        continue;
      const tnode *first = &m->nodes[node - 1];
      for (size_t k = 0; k <= first->nchild; k++) {
        if (k == first->nchild && first->entry == NONE)
          break;
        size_t bit = PAIR_BIT(page << 8 | i, k < first->nchild ? m->child_cp[first->child + k] : 0,
                              m->pair_log2);
        if (k == first->nchild)
          m->singles |= (uint64_t)1 << ((page << 8 | i) % 64);
        m->pairs[bit / 64] |= (uint64_t)1 << (bit % 64);
        if (k < first->nchild)
          S_add_pair(m, (uint32_t)(page << 8 | i), m->child_cp[first->child + k],
                     m->child_node[first->child + k]);
      }
    }
  return m;
}

int
zhconv__matcher_new(const zhconv__vocab *v, zhconv_variant source_script, zhconv_variant target,
                    zhconv__matcher **out)
{
  *out = NULL;
  int st = ZHCONV_OK;
  bool regional = target == ZHCONV_CN || target == ZHCONV_TW || target == ZHCONV_HK;
  /* Room for every form at once. */
  form_list l = {0};
  for (size_t i = 0; i < v->count; i++)
    for (int f = 0; f < NFORMS; f++)
      l.cap += v->entries[i].forms[f] && S_in_script(f, source_script);
  if (l.cap && !(l.items = malloc(l.cap * sizeof *l.items)))
    return ZHCONV_ERR_NOMEM;
  zhconv__prefault(l.items, l.cap * sizeof *l.items);
  for (size_t i = 0; i < v->count && st == ZHCONV_OK; i++) {
    const entry *e = &v->entries[i];
    const char *to = S_target_form(e, target);
    if (!to || (e->scope == ZHCONV__SCOPE_REGIONAL && !regional))
      continue;
    for (int f = 0; f < NFORMS && st == ZHCONV_OK; f++)
      if (e->forms[f] && S_in_script(f, source_script))
        st = S_add_form(&l, e->forms[f], (uint32_t)i, to);
  }
  if (st == ZHCONV_OK && !(*out = S_matcher_from(&l)))
    st = ZHCONV_ERR_NOMEM;
  free(l.items);
  return st;
}

/* The first character cp's node, or NULL. */
static inline const tnode *
S_first_node(const zhconv__matcher *m, uint32_t cp)
{
  uint32_t page = cp < 0x30000 ? m->page_of[cp >> 8] : 0;
  uint32_t first = page ? m->page_block[256 * (page - 1) + (cp & 255)] : 0;
  return first ? &m->nodes[first - 1] : NULL;
}

/* What was found: the form that ends at the node. */
typedef struct found {
  const char *target;
  size_t target_len;
  uint32_t entry;
} found;

static inline void
S_found(const zhconv__matcher *m, const tnode *node, found *f)
{
  uint32_t len;
  memcpy(&len, m->targets + node->target - 4, 4);
  f->target = m->targets + node->target;
  f->target_len = len;
  f->entry = node->entry;
}

/* From node, reached at text[at], down the trie as far as text[0..len)
 * goes: the end of the longest form on the way, or `best` if none. */
static inline size_t
S_walk(const zhconv__matcher *m, const tnode *node, const char *text, size_t at, size_t len,
       size_t best, found *f)
{
  for (;;) {
    if (node->entry != NONE) {
      best = at;
      S_found(m, node, f);
    }
    if (!node->nchild || at >= len)
      return best;
    uint32_t cp;
    size_t n = zhconv__utf8_decode(text + at, &cp);
    if (at + n > len)
      return best;
    const uint32_t *cps = m->child_cp + node->child;
    size_t lo = 0, hi = node->nchild;
    while (lo < hi) {
      size_t mid = (lo + hi) / 2;
      if (cps[mid] < cp)
        lo = mid + 1;
      else
        hi = mid;
    }
    if (lo == node->nchild || cps[lo] != cp)
      return best;
    node = &m->nodes[m->child_node[node->child + lo]];
    at += n;
  }
}

/* May cp be a one-character form? */
static inline bool
S_maybe_single(const zhconv__matcher *m, uint32_t cp)
{
  return ((m->singles >> (cp % 64)) & 1) && PAIR_TEST(m->pairs, PAIR_BIT(cp, 0, m->pair_log2));
}

/* The longest form at the start of text[0..len), whose first character is
 * cp, of l bytes, and the next `next`, of next_l bytes (0: none). */
static size_t
S_match(const zhconv__matcher *m, const char *text, size_t len, uint32_t cp, size_t l,
        uint32_t next, size_t next_l, found *f)
{
  size_t best = 0, at = l + next_l;
  if (next_l && at <= len) {
    const tpair *pair = S_pair_slot(m, cp, next);
    /* On to the node if a form ends there or may go on with the third. */
    bool walk = pair->first && (pair->next & NEXT_ENDS);
    if (pair->first && !walk && at < len) {
      uint32_t third;
      zhconv__utf8_decode(text + at, &third);
      walk = pair->next & NEXT_BIT(third);
    }
    if (walk)
      best = S_walk(m, &m->nodes[pair->node], text, at, len, 0, f);
  }
  if (!best && S_maybe_single(m, cp)) {
    const tnode *first = S_first_node(m, cp);
    if (first && first->entry != NONE) {
      best = l;
      S_found(m, first, f);
    }
  }
  return best;
}

size_t
zhconv__matcher_match(const zhconv__matcher *m, const char *text, size_t len,
                      const char **target, uint32_t *entry_index, size_t *char_len)
{
  uint32_t cp, next = 0;
  size_t l = zhconv__utf8_decode(text, &cp), next_l = 0;
  *char_len = l;
  if (l < len)
    next_l = zhconv__utf8_decode(text + l, &next);
  found f;
  size_t n = S_match(m, text, len, cp, l, next, next_l, &f);
  if (n) {
    *target = f.target;
    *entry_index = f.entry;
  }
  return n;
}

size_t
zhconv__matcher_find(const zhconv__matcher *m, const zhconv__words *words, const char *text,
                     size_t len, size_t *pos, const char **target, size_t *target_len,
                     uint32_t *entry_index)
{
  /* Each character is decoded once, as the next of its predecessor.  Most
   * characters start no form: one bit says so.  Where one may, the filters
   * of pairs and of one-character forms decide whether to look. */
  size_t at = *pos, n = 0;
  uint32_t cp = 0;
  if (at < len)
    n = zhconv__utf8_decode(text + at, &cp);
  while (at < len) {
    size_t next_at = at + n, next_n = 0;
    uint32_t next = 0;
    if (next_at < len)
      next_n = zhconv__utf8_decode(text + next_at, &next);
    if ((cp >= 0x10000 || ((m->firsts[cp / 64] >> (cp % 64)) & 1)) &&
        ((next_n && PAIR_TEST(m->pairs, PAIR_BIT(cp, next, m->pair_log2))) ||
         S_maybe_single(m, cp))) {
      found f;
      size_t k = S_match(m, text + at, len - at, cp, n, next, next_n, &f);
      /* A term that changes the text is not taken where it cuts words. */
      if (k && !(words && (f.target_len != k || memcmp(f.target, text + at, k) != 0) &&
                 zhconv__words_cut(words, text, len, *pos, at, k))) {
        *pos = at;
        *target = f.target;
        *target_len = f.target_len;
        *entry_index = f.entry;
        return k;
      }
    }
    at = next_at;
    cp = next;
    n = next_n;
  }
  *pos = len;
  return 0;
}

void
zhconv__matcher_add_keychars(const zhconv__matcher *m, zhconv__keyset *ks)
{
  for (size_t page = 0; page < PAGES; page++)
    for (size_t i = 0; m->page_of[page] && i < 256; i++)
      if (m->page_block[256 * (m->page_of[page] - 1) + i])
        zhconv__keyset_add_char(ks, (uint32_t)(page << 8 | i));
  for (size_t i = 0; i < m->nchildren; i++)
    zhconv__keyset_add_char(ks, m->child_cp[i]);
}

/* ---- images: a matcher made by the build, mapped ------------------------
 *
 * Building the matcher of the built-in vocabulary took most of a start
 * with vocabulary, so the build writes each source script's and target's
 * (zhconv__matcher_write_image, beside vocab/compiled.tsv) and a converter
 * whose vocabulary is just the built-in one maps it instead.  An image
 * counts only when it is not older than compiled.tsv and was made from one
 * of its length, in this layout (magic, byte order), with every index in
 * bounds; otherwise the matcher is built as usual.  (Its bytes are not
 * hashed at start: that cost a tenth of a start and guarded against
 * nothing the bounds do not; the build writes an image whole, through a
 * rename.)  After the header, in this order: firsts and pairs (64 bits
 * each); page_of, page_block, nodes (four 32-bit fields), child_cp and
 * child_node (32 bits each), pair_nodes (four 32-bit fields); the target
 * forms (each after its length). */
#define IMAGE_MAGIC "zhconv-trie 3\n"
#define IMAGE_BYTE_ORDER 0x01020304u

typedef struct image_header {
  char magic[16];
  uint32_t byte_order;
  uint32_t pair_log2;
  uint32_t reserved;    /* 0 */
  uint32_t npages;
  uint64_t vocab_len;   /* of the compiled vocabulary it was made from */
  uint64_t nentries;    /* that vocabulary's entries */
  uint64_t nnodes, nchildren, targets_len;
  uint64_t pair_nodes_log2;
  uint64_t singles;     /* the matcher's bits of one-character forms */
} image_header;

/* The body's length for the header's counts (in 64 bits: the counts are
 * checked to be below 2^32 each, so this cannot wrap). */
static uint64_t
S_image_body(const image_header *h)
{
  uint64_t pair_words =
      h->pair_log2 >= 9 && h->pair_log2 <= 20 ? ((uint64_t)1 << h->pair_log2) / 64 : 0;
  return (FIRSTS_WORDS + pair_words) * 8 + (PAGES + (uint64_t)h->npages * 256) * 4 +
         h->nnodes * sizeof(tnode) + h->nchildren * 8 +
         ((uint64_t)1 << h->pair_nodes_log2) * sizeof(tpair) + h->targets_len;
}

static bool
S_write_all(FILE *out, const void *data, size_t n)
{
  return n == 0 || fwrite(data, 1, n, out) == n;
}

int
zhconv__matcher_write_image(const zhconv__matcher *m, uint64_t vocab_len, uint64_t nentries,
                            FILE *out)
{
  image_header h = {IMAGE_MAGIC, IMAGE_BYTE_ORDER, (uint32_t)m->pair_log2, 0,
                    (uint32_t)m->npages, vocab_len, nentries, m->nnodes, m->nchildren,
                    m->targets_len, (uint64_t)m->pair_nodes_log2, m->singles};
  size_t pair_words = ((size_t)1 << m->pair_log2) / 64;
  const struct {
    const void *data;
    size_t len;
  } parts[] = {
      {m->firsts, FIRSTS_WORDS * 8},  {m->pairs, pair_words * 8},
      {m->page_of, PAGES * 4},        {m->page_block, m->npages * 256 * 4},
      {m->nodes, m->nnodes * sizeof(tnode)}, {m->child_cp, m->nchildren * 4},
      {m->child_node, m->nchildren * 4},
      {m->pair_nodes, ((size_t)1 << m->pair_nodes_log2) * sizeof(tpair)},
      {m->targets, m->targets_len},
  };
  if (!S_write_all(out, &h, sizeof h))
    return ZHCONV_ERR_IO;
  for (size_t i = 0; i < sizeof parts / sizeof parts[0]; i++)
    if (!S_write_all(out, parts[i].data, parts[i].len))
      return ZHCONV_ERR_IO;
  return ZHCONV_OK;
}

/* Does the target form at `at` (below targets_len) end, with its NUL, where
 * its length says, within the targets? */
static bool
S_target_in_bounds(const zhconv__matcher *m, uint32_t at)
{
  uint32_t len;
  memcpy(&len, m->targets + at - 4, 4);
  return len < m->targets_len - at && m->targets[at + len] == '\0';
}

/* Is every index of the mapped image m (its arrays set) in bounds? */
static bool
S_image_in_bounds(const zhconv__matcher *m, uint64_t nentries)
{
  for (size_t i = 0; i < PAGES; i++)
    if (m->page_of[i] > m->npages)
      return false;
  for (size_t i = 0; i < m->npages * 256; i++)
    if (m->page_block[i] > m->nnodes)
      return false;
  for (size_t i = 0; i < m->nnodes; i++) {
    const tnode *n = &m->nodes[i];
    if (n->child > m->nchildren || n->nchild > m->nchildren - n->child ||
        (n->entry == NONE) != (n->target == NONE) ||
        (n->entry != NONE && (n->entry >= nentries || n->target < 4 ||
                              n->target >= m->targets_len || !S_target_in_bounds(m, n->target))))
      return false;
  }
  for (size_t i = 0; i < m->nchildren; i++)
    if (m->child_node[i] >= m->nnodes)
      return false;
  /* An empty slot must be among them: the probe stops there. */
  bool empty = false;
  for (size_t i = 0; i < (size_t)1 << m->pair_nodes_log2; i++) {
    const tpair *s = &m->pair_nodes[i];
    if (s->first && s->node >= m->nnodes)
      return false;
    empty |= s->first == 0;
  }
  return empty;
}

int
zhconv__matcher_open_image(const char *data_dirs, zhconv_variant source_script,
                           zhconv_variant target, zhconv__matcher **out)
{
  *out = NULL;
  /* The image beside the compiled vocabulary the data directories give. */
  char *compiled = zhconv__datadir_find(data_dirs, "vocab/compiled.tsv");
  const char *slash = compiled ? strrchr(compiled, '/') : NULL;
  struct stat vocab;
  if (!slash || stat(compiled, &vocab) != 0) {
    free(compiled);
    return ZHCONV_ERR_IO;
  }
  char name[64];
  snprintf(name, sizeof name, "/%s-%s.trie", zhconv_variant_name(source_script),
           zhconv_variant_name(target));
  size_t dir = (size_t)(slash - compiled);
  char *path = malloc(dir + strlen(name) + 1);
  if (path) {
    memcpy(path, compiled, dir);
    strcpy(path + dir, name);
  }
  free(compiled);
  size_t len = 0;
  void *map = path ? zhconv__map_derived(path, &vocab, &len) : NULL;
  free(path);
  if (!map)
    return ZHCONV_ERR_IO;
  const image_header *h = map;
  zhconv__matcher *m = NULL;
  if (len >= sizeof *h && memcmp(h->magic, IMAGE_MAGIC, sizeof IMAGE_MAGIC) == 0 &&
      h->byte_order == IMAGE_BYTE_ORDER && h->pair_log2 >= 9 && h->pair_log2 <= 20 &&
      h->npages <= PAGES && h->nnodes < NONE && h->nchildren < NONE &&
      h->targets_len < NONE && h->pair_nodes_log2 >= 4 && h->pair_nodes_log2 <= 32 &&
      h->vocab_len == (uint64_t)vocab.st_size &&
      (uint64_t)(len - sizeof *h) == S_image_body(h))
    m = calloc(1, sizeof *m);
  if (!m) {
    munmap(map, len);
    return ZHCONV_ERR_IO;
  }
  size_t pair_words = ((size_t)1 << h->pair_log2) / 64;
  m->image = map;
  m->image_len = len;
  m->pair_log2 = (int)h->pair_log2;
  m->singles = h->singles;
  m->npages = h->npages;
  m->nnodes = (size_t)h->nnodes;
  m->nchildren = (size_t)h->nchildren;
  m->targets_len = (size_t)h->targets_len;
  m->firsts = (uint64_t *)(h + 1);
  m->pairs = m->firsts + FIRSTS_WORDS;
  m->page_of = (uint32_t *)(m->pairs + pair_words);
  m->page_block = m->page_of + PAGES;
  m->nodes = (tnode *)(m->page_block + m->npages * 256);
  m->child_cp = (uint32_t *)(m->nodes + m->nnodes);
  m->child_node = m->child_cp + m->nchildren;
  m->pair_nodes_log2 = (int)h->pair_nodes_log2;
  m->pair_nodes = (tpair *)(m->child_node + m->nchildren);
  m->targets = (char *)(m->pair_nodes + ((size_t)1 << m->pair_nodes_log2));
  if (!S_image_in_bounds(m, h->nentries)) {
    zhconv__matcher_free(m);
    return ZHCONV_ERR_IO;
  }
  *out = m;
  return ZHCONV_OK;
}

/* ---- consistency -------------------------------------------------------- */

static const zhconv_variant S_targets[] = {ZHCONV_CN, ZHCONV_TW, ZHCONV_HK, ZHCONV_HANS, ZHCONV_HANT};

/* Entries [from, to) may not map one form to two different target forms,
 * nor repeat an entry, for any source script and target. */
static int
S_check_conflicts(const zhconv__vocab *v, size_t from, size_t to, problem *p)
{
  zhconv__vocab sub = *v;
  sub.entries = v->entries ? v->entries + from : NULL;  /* (NULL + 0 is undefined) */
  sub.count = to - from;
  for (size_t t = 0; t < sizeof S_targets / sizeof S_targets[0]; t++)
    for (int script = ZHCONV_HANS; script <= ZHCONV_HANT; script++) {
      table tab = {0};
      int st = S_grow(&tab);
      for (size_t i = 0; i < sub.count && st == ZHCONV_OK; i++) {
        const entry *e = &sub.entries[i];
        const char *target = S_target_form(e, S_targets[t]);
        if (!target)
          continue;
        for (int f = 0; f < NFORMS && st == ZHCONV_OK; f++) {
          if (!e->forms[f] || !S_in_script(f, (zhconv_variant)script))
            continue;
          const slot *s = S_find(&tab, e->forms[f], strlen(e->forms[f]));
          if (s->key && strcmp(s->target, target) != 0) {
            const entry *other = &sub.entries[s->entry];
            char what[ZHCONV__ERRLEN];
            snprintf(what, sizeof what, "'%s' becomes '%s' for %s here, '%s' at %s:%u",
                     e->forms[f], target, zhconv_variant_name(S_targets[t]), s->target,
                     v->files[other->file], other->line);
            yaml_mark_t at = {0, e->line - 1, e->column - 1};
            p->file = v->files[e->file];
            st = S_problem(p, ZHCONV_ERR_SYNTAX, at, _("conflicting entries: %s"), what);
          } else if (S_insert(&tab, e->forms[f], (uint32_t)i, target) != ZHCONV_OK)
            st = ZHCONV_ERR_NOMEM;
        }
      }
      free(tab.slots);
      if (st != ZHCONV_OK)
        return st;
    }
  /* Repeated entries: the same forms twice. */
  for (size_t i = 0; i < sub.count; i++)
    for (size_t j = 0; j < i; j++) {
      bool same = true;
      for (int f = 0; f < NFORMS && same; f++) {
        const char *a = sub.entries[i].forms[f], *b = sub.entries[j].forms[f];
        same = (!a && !b) || (a && b && strcmp(a, b) == 0);
      }
      if (same) {
        yaml_mark_t at = {0, sub.entries[i].line - 1, sub.entries[i].column - 1};
        p->file = v->files[sub.entries[i].file];
        char line[32];
        snprintf(line, sizeof line, "%u", sub.entries[j].line);
        return S_problem(p, ZHCONV_ERR_SYNTAX, at, _("duplicate of the entry on line %s"), line);
      }
    }
  return ZHCONV_OK;
}

int
zhconv__vocab_lint(const zhconv__vocab *v, char *err, zhconv_mark *mark)
{
  /* The files every conversion loads must agree with each other; a
   * domain's file overrides them by design, so it is checked on its own. */
  problem p = {err, mark, NULL};
  size_t base = 0;
  while (base < v->count && !v->domains[v->entries[base].file])
    base++;
  int st = S_check_conflicts(v, 0, base, &p);
  for (size_t from = base; st == ZHCONV_OK && from < v->count;) {
    size_t to = from;
    while (to < v->count && v->entries[to].file == v->entries[from].file)
      to++;
    st = S_check_conflicts(v, from, to, &p);
    from = to;
  }
  return st;
}

/* ---- regional evidence (for --detect) ---------------------------------- */

int
zhconv__vocab_region_evidence(const zhconv__vocab *v, const char *text, size_t len,
                              size_t counts[3])
{
  /* Taiwan and Hong Kong write the same script, so only their vocabulary
   * tells them apart: a tw form is evidence for tw where the entry's hk form
   * differs, and the other way round. */
  static const char *const region_names[3] = {"cn", "tw", "hk"};
  counts[0] = counts[1] = counts[2] = 0;
  form_list l = {0};
  int st = ZHCONV_OK;
  for (size_t i = 0; i < v->count && st == ZHCONV_OK; i++) {
    const entry *e = &v->entries[i];
    if (e->forms[F_TW] && e->forms[F_HK] && strcmp(e->forms[F_TW], e->forms[F_HK]) != 0) {
      st = S_add_form(&l, e->forms[F_TW], (uint32_t)i, region_names[1]);
      if (st == ZHCONV_OK)
        st = S_add_form(&l, e->forms[F_HK], (uint32_t)i, region_names[2]);
    }
  }
  zhconv__matcher *m = st == ZHCONV_OK ? S_matcher_from(&l) : NULL;
  free(l.items);
  if (!m)
    return st != ZHCONV_OK ? st : ZHCONV_ERR_NOMEM;
  for (size_t at = 0; at < len;) {
    const char *region;
    uint32_t index;
    size_t step;
    size_t n = zhconv__matcher_match(m, text + at, len - at, &region, &index, &step);
    if (n)
      counts[strcmp(region, region_names[1]) == 0 ? 1 : 2]++;
    at += n ? n : step;
  }
  zhconv__matcher_free(m);
  return ZHCONV_OK;
}
