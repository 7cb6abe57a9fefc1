/* engine.c — one OpenCC conversion chain, run by the native engine
 * (native.c: OpenCC's algorithm on tables of its own, much faster) or by
 * libopencc itself.  The only file that includes <opencc.h>.
 *
 * OpenCC reports failures through opencc_error(), a process-wide string;
 * zhconv reads it under a lock straight after the failing call and copies
 * it into the caller's handle.
 *
 * libopencc is loaded (dlopen) the first time a chain needs it
 * (--engine=opencc, or a configuration the native engine cannot read):
 * with the native engine, the default, a process never loads it, nor the
 * C++ runtime it brings, which would cost every start a few milliseconds. */
#include <config.h>

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <opencc.h>

#include "zhconv-private.h"

struct zhconv__engine {
  zhconv__native *native;  /* when the native engine can run the chain */
  opencc_t cc;             /* otherwise */
};

static pthread_mutex_t S_error_lock = PTHREAD_MUTEX_INITIALIZER;

/* libopencc's C API, once loaded. */
static struct {
  opencc_t (*open)(const char *config_file);
  int (*close)(opencc_t cc);
  char *(*convert_utf8)(opencc_t cc, const char *input, size_t length);
  void (*convert_utf8_free)(char *str);
  const char *(*error)(void);
  char failure[256];   /* why it could not be loaded, or "" */
} S_cc;
static pthread_once_t S_cc_once = PTHREAD_ONCE_INIT;

static void
S_cc_load(void)
{
  void *lib = dlopen(OPENCC_SONAME, RTLD_NOW | RTLD_LOCAL);
  if (!lib) {
    const char *why = dlerror();
    snprintf(S_cc.failure, sizeof S_cc.failure, "%s", why ? why : OPENCC_SONAME);
    return;
  }
  /* (Through void **: ISO C has no conversion from void * to a function.) */
  *(void **)&S_cc.open = dlsym(lib, "opencc_open");
  *(void **)&S_cc.close = dlsym(lib, "opencc_close");
  *(void **)&S_cc.convert_utf8 = dlsym(lib, "opencc_convert_utf8");
  *(void **)&S_cc.convert_utf8_free = dlsym(lib, "opencc_convert_utf8_free");
  *(void **)&S_cc.error = dlsym(lib, "opencc_error");
  if (!S_cc.open || !S_cc.close || !S_cc.convert_utf8 || !S_cc.convert_utf8_free ||
      !S_cc.error) {
    snprintf(S_cc.failure, sizeof S_cc.failure, "%s: %s", OPENCC_SONAME,
             "not the OpenCC C API");
    S_cc.open = NULL;
  }
}

int
zhconv__engine_open(const char *config_path, const char *data_dirs, int kind,
                    zhconv__engine **engine, char *err)
{
  *engine = NULL;
  zhconv__engine *e = calloc(1, sizeof *e);
  if (!e)
    return ZHCONV_ERR_NOMEM;
  if (kind == ZHCONV__ENGINE_NATIVE) {
    /* A chain the native engine cannot read (a binary dictionary the build
     * did not export, say) still runs, on libopencc. */
    int st = zhconv__native_open(config_path, data_dirs, &e->native, err);
    if (st == ZHCONV_OK) {
      *engine = e;
      return ZHCONV_OK;
    }
    if (st != ZHCONV_ERR_CONFIG) {
      free(e);
      return st;
    }
    err[0] = '\0';
  }
  pthread_once(&S_cc_once, S_cc_load);
  if (!S_cc.open) {
    zhconv__errorf(err, _("cannot load libopencc: %s"), S_cc.failure);
    free(e);
    return ZHCONV_ERR_CONFIG;
  }
  pthread_mutex_lock(&S_error_lock);
  e->cc = S_cc.open(config_path);
  if (e->cc == (opencc_t)-1) {
    const char *why = S_cc.error();
    zhconv__errorf(err, _("OpenCC cannot open %s: %s"), config_path, why ? why : "?");
    pthread_mutex_unlock(&S_error_lock);
    free(e);
    return ZHCONV_ERR_CONFIG;
  }
  pthread_mutex_unlock(&S_error_lock);
  *engine = e;
  return ZHCONV_OK;
}

void
zhconv__engine_close(zhconv__engine *engine)
{
  if (!engine)
    return;
  if (engine->native)
    zhconv__native_close(engine->native);
  else
    S_cc.close(engine->cc);
  free(engine);
}

int
zhconv__engine_convert(const zhconv__engine *engine, const char *text, size_t len,
                       zhconv__buf *out, char *err)
{
  if (!engine || len == 0)
    return zhconv__buf_append(out, text, len);
  if (engine->native) {
    int st = zhconv__native_convert(engine->native, text, len, out);
    const char *why = st != ZHCONV_OK ? zhconv__native_error(engine->native) : NULL;
    if (why)
      zhconv__errorf(err, "%s", why);
    return st;
  }
  char *converted = S_cc.convert_utf8(engine->cc, text, len);
  if (!converted) {
    pthread_mutex_lock(&S_error_lock);
    const char *why = S_cc.error();
    zhconv__errorf(err, _("OpenCC failed: %s"), why ? why : "?");
    pthread_mutex_unlock(&S_error_lock);
    return ZHCONV_ERR_ENGINE;
  }
  int st = zhconv__buf_append(out, converted, strlen(converted));
  S_cc.convert_utf8_free(converted);
  return st;
}

int
zhconv__engine_check_words(zhconv__engine *engine, const zhconv__words *source_words,
                           bool source_hant, const char *data_dirs)
{
  return engine && engine->native
             ? zhconv__native_check_words(engine->native, source_words, source_hant, data_dirs)
             : ZHCONV_OK;
}

bool
zhconv__engine_is_native(const zhconv__engine *engine)
{
  return engine && engine->native;
}

int
zhconv__engine_add_keychars(const zhconv__engine *engine, const char *config_path,
                            const char *data_dirs, zhconv__keyset *ks, char *err)
{
  if (engine && engine->native) {
    zhconv__native_add_keychars(engine->native, ks);
    return ZHCONV_OK;
  }
  return zhconv__keyset_add_config(ks, config_path, data_dirs, err);
}
