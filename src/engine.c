/* engine.c — one OpenCC conversion chain.  The only file that includes
 * <opencc.h>.
 *
 * OpenCC reports failures through opencc_error(), a process-wide string;
 * zhconv reads it under a lock straight after the failing call and copies
 * it into the caller's handle. */
#include <config.h>

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include <opencc.h>

#include "zhconv-private.h"

struct zhconv__engine {
  opencc_t cc;
};

static pthread_mutex_t S_error_lock = PTHREAD_MUTEX_INITIALIZER;

int
zhconv__engine_open(const char *config_path, zhconv__engine **engine, char *err)
{
  *engine = NULL;
  zhconv__engine *e = malloc(sizeof *e);
  if (!e)
    return ZHCONV_ERR_NOMEM;
  pthread_mutex_lock(&S_error_lock);
  e->cc = opencc_open(config_path);
  if (e->cc == (opencc_t)-1) {
    const char *why = opencc_error();
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
  opencc_close(engine->cc);
  free(engine);
}

int
zhconv__engine_convert(const zhconv__engine *engine, const char *text, size_t len,
                       zhconv__buf *out, char *err)
{
  if (!engine || len == 0)
    return zhconv__buf_append(out, text, len);
  char *converted = opencc_convert_utf8(engine->cc, text, len);
  if (!converted) {
    pthread_mutex_lock(&S_error_lock);
    const char *why = opencc_error();
    zhconv__errorf(err, _("OpenCC failed: %s"), why ? why : "?");
    pthread_mutex_unlock(&S_error_lock);
    return ZHCONV_ERR_ENGINE;
  }
  int st = zhconv__buf_append(out, converted, strlen(converted));
  opencc_convert_utf8_free(converted);
  return st;
}
