/* api.c — versions, status texts, options and converters. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"

/* ---- versions and status codes ----------------------------------------- */

unsigned
zhconv_version(void)
{
  return ZHCONV_VERSION_NUMBER;
}

const char *
zhconv_version_string(void)
{
  return ZHCONV_VERSION_STRING;
}

const char *
zhconv_strerror(int status)
{
  switch (status) {
  case ZHCONV_OK: return _("success");
  case ZHCONV_MORE: return _("more output is pending");
  case ZHCONV_ERR_NOMEM: return _("out of memory");
  case ZHCONV_ERR_ARG: return _("invalid argument");
  case ZHCONV_ERR_INVALID_UTF8: return _("invalid UTF-8");
  case ZHCONV_ERR_CONFIG: return _("unusable OpenCC configuration");
  case ZHCONV_ERR_ENGINE: return _("conversion failed");
  case ZHCONV_ERR_IO: return _("cannot read a data file");
  case ZHCONV_ERR_SYNTAX: return _("malformed data file");
  case ZHCONV_ERR_STATE: return _("call out of order");
  default: return _("unknown status");
  }
}

/* ---- variants ---------------------------------------------------------- */

static const char *const S_variant_names[] = {"auto", "hans", "hant", "cn", "tw", "hk"};

const char *
zhconv_variant_name(zhconv_variant variant)
{
  if ((int)variant < 0 || variant > ZHCONV_HK)
    return NULL;
  return S_variant_names[variant];
}

int
zhconv_variant_parse(const char *name, zhconv_variant *variant)
{
  for (int v = ZHCONV_AUTO; v <= ZHCONV_HK; v++)
    if (name && strcmp(name, S_variant_names[v]) == 0) {
      *variant = (zhconv_variant)v;
      return ZHCONV_OK;
    }
  return ZHCONV_ERR_ARG;
}

/* The script a variant is written in. */
static zhconv_variant
S_script(zhconv_variant v)
{
  return v == ZHCONV_HANS || v == ZHCONV_CN ? ZHCONV_HANS : ZHCONV_HANT;
}

/* ---- options ----------------------------------------------------------- */

zhconv_options *
zhconv_options_new(void)
{
  zhconv_options *o = calloc(1, sizeof *o);
  if (o) {
    o->invalid = ZHCONV__INVALID_REJECT;
    o->threads = 1;
  }
  return o;
}

void
zhconv_options_free(zhconv_options *o)
{
  if (!o)
    return;
  free(o->config);
  free(o->data_dirs);
  free(o->front_matter);
  free(o->error_file);
  free(o->domains);
  zhconv__buf_free(&o->vocab_files);
  free(o);
}

static int
S_options_fail(zhconv_options *o, int status, const char *fmt, const char *value)
{
  zhconv__errorf(o->error, fmt, value ? value : "(null)");
  o->has_error = true;
  memset(&o->error_mark, 0, sizeof o->error_mark);
  return status;
}

/* "yes" or "no" (also 1/0, true/false). */
static int
S_set_flag(zhconv_options *o, bool *flag, const char *value)
{
  const char *yes[] = {"yes", "1", "true"}, *no[] = {"no", "0", "false"};
  for (int i = 0; i < 3; i++) {
    if (value && strcmp(value, yes[i]) == 0) {
      *flag = true;
      return ZHCONV_OK;
    }
    if (value && strcmp(value, no[i]) == 0) {
      *flag = false;
      return ZHCONV_OK;
    }
  }
  return S_options_fail(o, ZHCONV_ERR_ARG, _("'%s' is not yes or no"), value);
}

/* Remember a vocabulary to load: kind 'f' (a file) or 't' (YAML text). */
static int
S_add_vocab(zhconv_options *o, char kind, const char *value)
{
  if (!value)
    return S_options_fail(o, ZHCONV_ERR_ARG, _("no vocabulary given%s"), "");
  if (zhconv__buf_append(&o->vocab_files, &kind, 1) != ZHCONV_OK ||
      zhconv__buf_append(&o->vocab_files, value, strlen(value) + 1) != ZHCONV_OK)
    return ZHCONV_ERR_NOMEM;
  return ZHCONV_OK;
}

static int
S_set_string(char **slot, const char *value)
{
  char *copy = NULL;
  if (value && !(copy = strdup(value)))
    return ZHCONV_ERR_NOMEM;
  free(*slot);
  *slot = copy;
  return ZHCONV_OK;
}

int
zhconv_options_set(zhconv_options *o, zhconv_option key, const char *value)
{
  if (!o)
    return ZHCONV_ERR_ARG;
  o->has_error = false;
  zhconv_variant v;
  switch (key) {
  case ZHCONV_OPT_TO:
    if (zhconv_variant_parse(value, &v) != ZHCONV_OK || v == ZHCONV_AUTO)
      return S_options_fail(o, ZHCONV_ERR_ARG,
                            _("unknown target '%s' (hans, hant, cn, tw or hk)"), value);
    o->to = v;
    return ZHCONV_OK;
  case ZHCONV_OPT_FROM:
    if (zhconv_variant_parse(value, &v) != ZHCONV_OK)
      return S_options_fail(o, ZHCONV_ERR_ARG,
                            _("unknown source '%s' (auto, hans, hant, cn, tw or hk)"), value);
    o->from = v;
    return ZHCONV_OK;
  case ZHCONV_OPT_CONFIG:
    return S_set_string(&o->config, value);
  case ZHCONV_OPT_DATA_DIR:
    return S_set_string(&o->data_dirs, value);
  case ZHCONV_OPT_INVALID:
    if (value && strcmp(value, "reject") == 0)
      o->invalid = ZHCONV__INVALID_REJECT;
    else if (value && strcmp(value, "keep") == 0)
      o->invalid = ZHCONV__INVALID_KEEP;
    else if (value && strcmp(value, "replace") == 0)
      o->invalid = ZHCONV__INVALID_REPLACE;
    else
      return S_options_fail(o, ZHCONV_ERR_ARG,
                            _("unknown mode '%s' for invalid UTF-8 (reject, keep or replace)"),
                            value);
    return ZHCONV_OK;
  case ZHCONV_OPT_FORMAT:
    if (zhconv__format_parse(value, false, &o->format) != ZHCONV_OK)
      return S_options_fail(o, ZHCONV_ERR_ARG,
                            _("unknown format '%s' (text, markdown or html)"), value);
    return ZHCONV_OK;
  case ZHCONV_OPT_FRONT_MATTER:
    return S_set_string(&o->front_matter, value && *value ? value : NULL);
  case ZHCONV_OPT_VOCAB:
    return S_add_vocab(o, 'f', value);
  case ZHCONV_OPT_VOCAB_TEXT:
    return S_add_vocab(o, 't', value);
  case ZHCONV_OPT_NO_VOCAB:
    return S_set_flag(o, &o->no_vocab, value);
  case ZHCONV_OPT_PUNCT:
    return S_set_flag(o, &o->punct, value);
  case ZHCONV_OPT_PROTECT:
    return S_add_vocab(o, 'p', value);
  case ZHCONV_OPT_DOMAIN:
    return S_set_string(&o->domains, value && *value ? value : NULL);
  case ZHCONV_OPT_THREADS: {
    char *end;
    long n = value ? strtol(value, &end, 10) : 0;
    if (!value || end == value || *end || n < 1 || n > ZHCONV__MAX_THREADS)
      return S_options_fail(o, ZHCONV_ERR_ARG, _("invalid number of threads '%s' (1 to 64)"),
                            value ? value : "");
    o->threads = (int)n;
    return ZHCONV_OK;
  }
  case ZHCONV_OPT_ENGINE:
    if (value && strcmp(value, "native") == 0)
      o->engine = ZHCONV__ENGINE_NATIVE;
    else if (value && strcmp(value, "opencc") == 0)
      o->engine = ZHCONV__ENGINE_OPENCC;
    else
      return S_options_fail(o, ZHCONV_ERR_ARG, _("unknown engine '%s' (native or opencc)"),
                            value);
    return ZHCONV_OK;
  }
  return S_options_fail(o, ZHCONV_ERR_ARG, _("unknown option %s"), "");
}

const char *
zhconv_options_error(const zhconv_options *o, zhconv_mark *where)
{
  if (!o || !o->has_error)
    return NULL;
  if (where)
    *where = o->error_mark;
  return o->error;
}

/* ---- converters -------------------------------------------------------- */

void
zhconv_free(zhconv *z)
{
  if (!z)
    return;
  for (int i = 0; z->sides && i < 2; i++) {
    zhconv__side *side = &z->sides[i];
    zhconv__engine_close(side->engine);
    zhconv__matcher_free(side->matcher);
    zhconv__words_free(side->words);
    zhconv__keyset_free(&side->keys);
    free(side->chain);
  }
  free(z->sides);
  if (z->lock_made) {
    pthread_mutex_destroy(&z->open_lock);
    pthread_mutex_destroy(&z->vocab_lock);
  }
  zhconv__vocab_free(z->vocab);
  zhconv__detector_free(z->detector);
  free(z->data_dirs);
  free(z->front_matter);
  free(z);
}

/* The file of a chain: one of zhconv's (data/chains/) or OpenCC's own. */
static char *
S_chain_path(const char *name, const char *data_dirs)
{
  return strncmp(name, "chains/", 7) == 0 ? zhconv__datadir_find(data_dirs, name)
                                          : zhconv__config_find(name);
}

int
zhconv__converter_vocab(const zhconv *z, const zhconv__vocab **vocab, char *err)
{
  if (!z->vocab_deferred) {
    *vocab = z->vocab;
    return ZHCONV_OK;
  }
  /* Loaded once, by whichever thread asks first; z is otherwise immutable. */
  zhconv *mz = (zhconv *)z;
  pthread_mutex_lock(&mz->vocab_lock);
  if (!mz->vocab_tried) {
    mz->vocab_tried = true;
    zhconv_mark mark;
    zhconv__vocab *v = NULL;
    int st = zhconv__vocab_new(&v);
    if (st == ZHCONV_OK)
      st = zhconv__vocab_load_builtin(v, z->data_dirs, NULL, mz->vocab_error, &mark);
    if (st == ZHCONV_ERR_NOMEM && !mz->vocab_error[0])
      zhconv__errorf(mz->vocab_error, "%s", zhconv_strerror(st));
    if (st != ZHCONV_OK || zhconv__vocab_size(v) == 0) {
      zhconv__vocab_free(v);
      v = NULL;
    }
    mz->vocab = v;
    mz->vocab_status = st;
  }
  pthread_mutex_unlock(&mz->vocab_lock);
  if (z->vocab_status != ZHCONV_OK && err)
    zhconv__errorf(err, "%s", z->vocab_error);
  *vocab = z->vocab;
  return z->vocab_status;
}

const char *
zhconv__converter_origin(const zhconv *z, uint32_t entry, size_t *line)
{
  const zhconv__vocab *v;
  *line = 0;
  if (zhconv__converter_vocab(z, &v, NULL) != ZHCONV_OK || !v || entry >= zhconv__vocab_size(v))
    return "?";
  return zhconv__vocab_origin(v, entry, line);
}

/* A side's vocabulary matcher: the build's image when the vocabulary is
 * the built-in one alone, else made from the vocabulary (none without). */
static int
S_open_matcher(const zhconv *z, zhconv__side *side)
{
  zhconv_variant script = S_script(side->source);
  if (z->vocab_deferred &&
      zhconv__matcher_open_image(z->data_dirs, script, z->to, &side->matcher) == ZHCONV_OK)
    return ZHCONV_OK;
  const zhconv__vocab *v;
  int st = zhconv__converter_vocab(z, &v, side->error);
  if (st == ZHCONV_OK && v)
    st = zhconv__matcher_new(v, script, z->to, &side->matcher);
  return st;
}

/* Gather a side's key characters: its chain's, its terms', and those of
 * the words terms may not start inside (so that a piece is never cut
 * inside one).  config_path: the chain's file. */
static int
S_gather_keys(const zhconv *z, zhconv__side *side, const char *config_path)
{
  int st = zhconv__keyset_init(&side->keys);
  if (st == ZHCONV_OK && side->engine)
    st = zhconv__engine_add_keychars(side->engine, config_path, z->data_dirs, &side->keys,
                                     side->error);
  if (st == ZHCONV_OK && side->matcher)
    zhconv__matcher_add_keychars(side->matcher, &side->keys);
  if (st == ZHCONV_OK && side->words)
    zhconv__words_add_keychars(side->words, &side->keys);
  return st;
}

/* Open a side: its chain (an OpenCC configuration or one of zhconv's), its
 * vocabulary matcher and word list.  Their key characters are gathered on
 * first need (zhconv__side_keys; they were a tenth of a start, and most
 * inputs are too short to need them), except for libopencc's engine,
 * whose gathering reads its dictionaries and may fail: then now, so that
 * the failure does not depend on the input's length. */
static int
S_open_side(const zhconv *z, zhconv__side *side)
{
  char *err = side->error;
  if (!side->chain)
    return ZHCONV_OK;
  const char *name = side->chain;
  char *path = S_chain_path(name, z->data_dirs);
  if (!path) {
    zhconv__errorf(err, _("OpenCC configuration '%s' not found"), name);
    return ZHCONV_ERR_CONFIG;
  }
  int st = zhconv__engine_open(path, z->data_dirs, z->engine_kind, &side->engine, err);
  if (st == ZHCONV_OK && z->to != ZHCONV_AUTO)
    st = S_open_matcher(z, side);
  if (st == ZHCONV_OK && (side->matcher || z->check_words))
    st = zhconv__words_open(z->data_dirs, S_script(side->source), &side->words, err);
  /* OpenCC's Taiwan phrases may not cut Traditional words (with vocabulary
   * only: --no-vocab is OpenCC's behaviour). */
  if (st == ZHCONV_OK && z->check_words)
    st = zhconv__engine_check_words(side->engine, side->words,
                                    S_script(side->source) == ZHCONV_HANT, z->data_dirs);
  if (st == ZHCONV_OK && !zhconv__engine_is_native(side->engine)) {
    st = S_gather_keys(z, side, path);
    atomic_store_explicit(&side->keys_ready, true, memory_order_release);
  }
  free(path);
  if (st == ZHCONV_ERR_NOMEM && !err[0])
    zhconv__errorf(err, "%s", zhconv_strerror(st));
  return st;
}

const zhconv__keyset *
zhconv__side_keys(const zhconv *z, const zhconv__side *side)
{
  zhconv__side *me = (zhconv__side *)side; /* filled in once, under the lock */
  if (!atomic_load_explicit(&me->keys_ready, memory_order_acquire)) {
    pthread_mutex_lock((pthread_mutex_t *)&z->open_lock);
    if (!atomic_load_explicit(&me->keys_ready, memory_order_relaxed)) {
      if (S_gather_keys(z, me, NULL) != ZHCONV_OK)
        me->keys.lines_only = true; /* no memory for the set: cut at line ends */
      atomic_store_explicit(&me->keys_ready, true, memory_order_release);
    }
    pthread_mutex_unlock((pthread_mutex_t *)&z->open_lock);
  }
  return &side->keys;
}

int
zhconv__side_open(const zhconv *z, zhconv_variant source, const zhconv__side **out)
{
  zhconv__side *side = &z->sides[S_script(source) == ZHCONV_HANT];
  *out = side;
  if (atomic_load_explicit(&side->opened, memory_order_acquire))
    return side->status;
  pthread_mutex_lock((pthread_mutex_t *)&z->open_lock);
  if (!atomic_load_explicit(&side->opened, memory_order_relaxed)) {
    side->status = S_open_side(z, side);
    atomic_store_explicit(&side->opened, true, memory_order_release);
  }
  pthread_mutex_unlock((pthread_mutex_t *)&z->open_lock);
  return side->status;
}

/* Load the built-in vocabulary and the options' own, in order, then the
 * protected terms, which win over every vocabulary.  With no_vocab only
 * the protected terms. */
static int
S_load_vocab(zhconv *z, zhconv_options *o, zhconv_mark *mark)
{
  /* The built-in vocabulary alone, compiled by the build: the sides map
   * the build's images of its matchers, and it loads only if something
   * asks for it (zhconv__converter_vocab). */
  char *compiled = o->no_vocab || o->domains || o->vocab_files.len
                       ? NULL
                       : zhconv__datadir_find(o->data_dirs, "vocab/compiled.tsv");
  if (compiled) {
    free(compiled);
    z->vocab_deferred = true;
    return ZHCONV_OK;
  }
  int st = zhconv__vocab_new(&z->vocab);
  if (st == ZHCONV_OK && !o->no_vocab)
    st = zhconv__vocab_load_builtin(z->vocab, o->data_dirs, o->domains, o->error, mark);
  for (int pass = 0; pass < 2; pass++)
    for (size_t at = 0; st == ZHCONV_OK && at < o->vocab_files.len;) {
      const char *item = o->vocab_files.data + at;
      size_t n = strlen(item + 1);
      at += n + 2;
      if (pass == 0 && item[0] == 'f' && !o->no_vocab)
        st = zhconv__vocab_load_file(z->vocab, item + 1, ZHCONV__SCOPE_TECHNICAL, o->error, mark);
      else if (pass == 0 && item[0] == 't' && !o->no_vocab)
        st = zhconv__vocab_load_text(z->vocab, item + 1, n, "<vocabulary text>",
                                     ZHCONV__SCOPE_TECHNICAL, o->error, mark);
      else if (pass == 1 && item[0] == 'p')
        st = zhconv__vocab_load_protected(z->vocab, item + 1, o->error, mark);
    }
  if (st == ZHCONV_OK && zhconv__vocab_size(z->vocab) == 0) {
    zhconv__vocab_free(z->vocab);
    z->vocab = NULL;
  }
  return st;
}

zhconv *
zhconv_new(zhconv_options *o, int *status)
{
  int st;
  zhconv *z = NULL;
  char *err = o ? o->error : NULL;
  if (!o) {
    st = ZHCONV_ERR_ARG;
    goto fail;
  }
  o->has_error = false;
  memset(&o->error_mark, 0, sizeof o->error_mark);
  free(o->error_file);
  o->error_file = NULL;
  if (!o->config && o->to == ZHCONV_AUTO) {
    zhconv__errorf(err, _("no target given"));
    st = ZHCONV_ERR_ARG;
    goto fail;
  }
  z = calloc(1, sizeof *z);
  if (!z || !(z->sides = calloc(2, sizeof *z->sides)) ||
      (o->data_dirs && !(z->data_dirs = strdup(o->data_dirs)))) {
    st = ZHCONV_ERR_NOMEM;
    goto fail;
  }
  pthread_mutex_init(&z->open_lock, NULL);
  pthread_mutex_init(&z->vocab_lock, NULL);
  z->lock_made = true;
  z->engine_kind = o->engine;
  z->threads = o->threads;
  z->invalid = o->invalid;
  z->punct = o->punct && !o->config;
  z->format = o->format;
  if (o->front_matter && !(z->front_matter = strdup(o->front_matter))) {
    st = ZHCONV_ERR_NOMEM;
    goto fail;
  }
  zhconv__set_chunk(z, 0);
  /* The sides in use, and their chains. */
  bool lazy = false;
  const char *chains[2] = {NULL, NULL};
  if (o->config) {
    /* Exactly OpenCC: one chain, no detection. */
    z->to = ZHCONV_AUTO;
    z->from = ZHCONV_HANS;
    z->sides[0].source = ZHCONV_HANS;
    chains[0] = o->config;
    st = ZHCONV_OK;
  } else {
    z->to = o->to;
    z->from = o->from;
    z->check_words = !o->no_vocab;
    if (o->from == ZHCONV_AUTO) {
      /* Each side opens when a stream first needs it. */
      lazy = true;
      z->sides[0].source = ZHCONV_HANS;
      z->sides[1].source = ZHCONV_HANT;
      st = zhconv__detector_new(o->data_dirs, &z->detector, err);
    } else {
      z->sides[S_script(o->from) == ZHCONV_HANT].source = o->from;
      st = ZHCONV_OK;
    }
    zhconv_mark mark = {0};
    if (st == ZHCONV_OK)
      st = S_load_vocab(z, o, &mark);
    if (st != ZHCONV_OK && mark.file) {
      /* The vocabulary that owns the name goes with the converter. */
      o->error_file = strdup(mark.file);
      o->error_mark = mark;
      o->error_mark.file = o->error_file;
    }
    /* Text already in the target's script and region is left alone,
     * vocabulary included (no chain: nothing opens). */
    for (int i = 0; i < 2; i++)
      if (z->sides[i].source != ZHCONV_AUTO)
        chains[i] = zhconv__plan_chain(z->sides[i].source, o->to);
  }
  for (int i = 0; i < 2 && st == ZHCONV_OK; i++) {
    zhconv__side *side = &z->sides[i];
    if (chains[i] && !(side->chain = strdup(chains[i])))
      st = ZHCONV_ERR_NOMEM;
    if (st != ZHCONV_OK || side->source == ZHCONV_AUTO)
      continue;
    if (lazy && side->chain) {
      /* A chain that is not there is an error now, not when used. */
      char *path = S_chain_path(side->chain, o->data_dirs);
      if (!path) {
        zhconv__errorf(err, _("OpenCC configuration '%s' not found"), side->chain);
        st = ZHCONV_ERR_CONFIG;
      }
      free(path);
    } else {
      const zhconv__side *opened;
      if ((st = zhconv__side_open(z, side->source, &opened)) != ZHCONV_OK)
        zhconv__errorf(err, "%s", side->error);
    }
  }
  if (st == ZHCONV_OK)
    return z;
fail:
  if (o && st == ZHCONV_ERR_NOMEM)
    zhconv__errorf(err, "%s", zhconv_strerror(st));
  if (o)
    o->has_error = true;
  if (status)
    *status = st;
  zhconv_free(z);
  return NULL;
}

zhconv_variant
zhconv_target(const zhconv *z)
{
  return z ? z->to : ZHCONV_AUTO;
}

/* ---- detection ----------------------------------------------------------- */

int
zhconv_detect(const zhconv *z, const char *text, size_t len, zhconv_variant *script,
              zhconv_variant *region, double *confidence)
{
  if (!z || (!text && len) || !script || !region || !confidence)
    return ZHCONV_ERR_ARG;
  if (!z->detector)
    return ZHCONV_ERR_STATE;
  /* Only whole, valid characters count: skip NUL and invalid bytes. */
  zhconv__buf valid = {0};
  for (size_t at = 0; at < len;) {
    zhconv__utf8_stop stop;
    size_t n = zhconv__utf8_scan(text + at, len - at, &stop);
    if (zhconv__buf_append(&valid, text + at, n) != ZHCONV_OK) {
      zhconv__buf_free(&valid);
      return ZHCONV_ERR_NOMEM;
    }
    at += n;
    if (stop == ZHCONV__UTF8_NUL)
      at++;
    else if (stop != ZHCONV__UTF8_END)
      at += zhconv__utf8_invalid_length(text + at, len - at);
  }
  text = valid.data ? valid.data : "";
  len = valid.len;
  size_t counts[2];
  *script = zhconv__detect_counts(z->detector, text, len, counts);
  *region = ZHCONV_AUTO;
  size_t total = counts[0] + counts[1];
  *confidence = total ? (double)(*script == ZHCONV_HANS ? counts[0] : counts[1]) / (double)total
                      : 0.0;
  int st = ZHCONV_OK;
  const zhconv__vocab *vocab;
  if (*script == ZHCONV_HANS) {
    /* zhconv knows one Simplified region. */
    *region = ZHCONV_CN;
  } else if (*script == ZHCONV_HANT &&
             (st = zhconv__converter_vocab(z, &vocab, NULL)) == ZHCONV_OK && vocab) {
    size_t evidence[3];
    st = zhconv__vocab_region_evidence(vocab, text, len, evidence);
    size_t tw = evidence[1], hk = evidence[2];
    if (st == ZHCONV_OK && tw != hk) {
      *region = tw > hk ? ZHCONV_TW : ZHCONV_HK;
      *confidence *= (double)(tw > hk ? tw : hk) / (double)(tw + hk);
    }
  }
  zhconv__buf_free(&valid);
  return st;
}
