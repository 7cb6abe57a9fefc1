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
  if (o)
    o->invalid = ZHCONV__INVALID_REJECT;
  return o;
}

void
zhconv_options_free(zhconv_options *o)
{
  if (!o)
    return;
  free(o->config);
  free(o->data_dirs);
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
    if (!value || strcmp(value, "text") != 0)
      return S_options_fail(o, ZHCONV_ERR_ARG, _("unknown format '%s' (text)"), value);
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
  zhconv__engine_close(z->from_hans);
  zhconv__engine_close(z->from_hant);
  zhconv__detector_free(z->detector);
  zhconv__keyset_free(&z->keys);
  free(z);
}

/* Open the chain `name` (an OpenCC configuration or one of zhconv's) into
 * *engine and add its dictionaries' keys to the converter's key set. */
static int
S_open_chain(zhconv *z, const char *name, const char *data_dirs, zhconv__engine **engine,
             char *err)
{
  char *path = strncmp(name, "chains/", 7) == 0 ? zhconv__datadir_find(data_dirs, name)
                                                : zhconv__config_find(name);
  if (!path) {
    zhconv__errorf(err, _("OpenCC configuration '%s' not found"), name);
    return ZHCONV_ERR_CONFIG;
  }
  int st = zhconv__engine_open(path, engine, err);
  if (st == ZHCONV_OK)
    st = zhconv__keyset_add_config(&z->keys, path, data_dirs, err);
  free(path);
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
  if (!o->config && o->to == ZHCONV_AUTO) {
    zhconv__errorf(err, _("no target given"));
    st = ZHCONV_ERR_ARG;
    goto fail;
  }
  z = calloc(1, sizeof *z);
  if (!z || zhconv__keyset_init(&z->keys) != ZHCONV_OK) {
    st = ZHCONV_ERR_NOMEM;
    goto fail;
  }
  z->invalid = o->invalid;
  zhconv__set_chunk(z, 0);
  if (o->config) {
    /* Exactly OpenCC: one chain, no detection. */
    z->to = ZHCONV_AUTO;
    z->from = ZHCONV_HANS;
    st = S_open_chain(z, o->config, o->data_dirs, &z->from_hans, err);
  } else {
    z->to = o->to;
    z->from = o->from;
    zhconv_variant sources[2] = {o->from, o->from};
    if (o->from == ZHCONV_AUTO) {
      sources[0] = ZHCONV_HANS;
      sources[1] = ZHCONV_HANT;
      st = zhconv__detector_new(o->data_dirs, &z->detector, err);
    } else
      st = ZHCONV_OK;
    for (int i = 0; i < 2 && st == ZHCONV_OK; i++) {
      if (i == 1 && sources[1] == sources[0])
        break;
      const char *chain = zhconv__plan_chain(sources[i], o->to);
      zhconv__engine **slot = S_script(sources[i]) == ZHCONV_HANS ? &z->from_hans
                                                                   : &z->from_hant;
      if (chain)
        st = S_open_chain(z, chain, o->data_dirs, slot, err);
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

const zhconv__engine *
zhconv__engine_for(const zhconv *z, zhconv_variant source)
{
  return S_script(source) == ZHCONV_HANS ? z->from_hans : z->from_hant;
}
