/* test-nomem.c — allocation failure inside the library: an error status,
 * never a crash, a leak or a wrong byte.
 *
 * Run by tests/nomem.sh with tests/failmalloc.c preloaded.  For each
 * scenario (what an application does: options, converter, one-shot and
 * streaming conversion, freeing), a first run counts the allocations; then
 * the scenario runs again once per allocation with that allocation failing
 * (every one of them up to ZHCONV_NOMEM_ALL, evenly spaced ones beyond).
 * Each run must either succeed with exactly the right output or fail with a
 * negative status (ZHCONV_ERR_NOMEM, or the error a missing piece of data
 * leads to) and, for zhconv_new(), a message.  Leaks show at exit, under
 * AddressSanitizer or valgrind (make check with --enable-sanitizers or
 * --enable-valgrind).
 *
 * libopencc is not in these scenarios: it allocates with C++'s operator
 * new, and when that fails it throws std::bad_alloc through its C API,
 * which ends the process (README, "Reliability"); the native engine, the
 * default, allocates only through zhconv. */
#include <dlfcn.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "zhconv.h"
#include "tap.h"

static void (*S_arm)(long);
static long (*S_count)(void);
static int (*S_failed)(void);

typedef struct scenario {
  const char *name;
  const char *settings[8];   /* key=value */
  const char *text;
  const char *want;
  int repeat;                /* > 1: text and want that many times over */
} scenario;

/* The text and output of a scenario repeated (made before any allocation
 * is made to fail: failmalloc counts the test's own allocations too). */
static char S_long_text[300000], S_long_want[300000];

static int
S_option(zhconv_options *o, const char *setting)
{
  static const struct {
    const char *name;
    zhconv_option key;
  } keys[] = {
    {"to", ZHCONV_OPT_TO}, {"from", ZHCONV_OPT_FROM}, {"config", ZHCONV_OPT_CONFIG},
    {"invalid", ZHCONV_OPT_INVALID}, {"no_vocab", ZHCONV_OPT_NO_VOCAB},
    {"punct", ZHCONV_OPT_PUNCT}, {"vocab_text", ZHCONV_OPT_VOCAB_TEXT},
    {"protect", ZHCONV_OPT_PROTECT}, {"vocab", ZHCONV_OPT_VOCAB},
    {"data_dir", ZHCONV_OPT_DATA_DIR}, {"threads", ZHCONV_OPT_THREADS},
  };
  const char *eq = strchr(setting, '=');
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strlen(keys[i].name) == (size_t)(eq - setting) &&
        strncmp(keys[i].name, setting, (size_t)(eq - setting)) == 0)
      return zhconv_options_set(o, keys[i].key, eq + 1);
  return ZHCONV_ERR_ARG;
}

/* Run a scenario once.  Returns 0 when it behaved (succeeded with the
 * right output or failed cleanly), 1 when it did not (and says why). */
static int
S_run(const scenario *sc, const char *data_dir, int *status)
{
  *status = ZHCONV_OK;
  zhconv_options *o = zhconv_options_new();
  if (!o) {
    *status = ZHCONV_ERR_NOMEM;
    return 0;
  }
  int st = data_dir ? zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, data_dir) : ZHCONV_OK;
  for (size_t i = 0; st == ZHCONV_OK && sc->settings[i]; i++)
    st = S_option(o, sc->settings[i]);
  if (st != ZHCONV_OK) {
    zhconv_options_free(o);
    *status = st;
    if (st != ZHCONV_ERR_NOMEM) {
      printf("#   %s: zhconv_options_set: %s\n", sc->name, zhconv_strerror(st));
      return 1;
    }
    return 0;
  }
  zhconv *z = zhconv_new(o, &st);
  if (!z) {
    const char *why = zhconv_options_error(o, NULL);
    bool told = why && *why;
    if (st >= 0 || !told)
      printf("#   %s: zhconv_new failed with status %d, message %s\n", sc->name, st,
             why ? why : "(none)");
    zhconv_options_free(o);
    *status = st;
    return st >= 0 || !told;
  }
  zhconv_options_free(o);

  int bad = 0;
  size_t len = strlen(sc->text), wlen = strlen(sc->want);
  /* One-shot. */
  char *out = (char *)1;
  size_t outlen = 0;
  st = zhconv_convert(z, sc->text, len, &out, &outlen, NULL);
  if (st == ZHCONV_OK) {
    if (outlen != wlen || memcmp(out, sc->want, wlen) != 0) {
      printf("#   %s: one-shot gave '%.*s', want '%s'\n", sc->name, (int)outlen, out, sc->want);
      bad = 1;
    }
    zhconv_string_free(out);
  } else {
    *status = st;
    if (st >= 0 || out != NULL) {
      printf("#   %s: one-shot failed with status %d and a result\n", sc->name, st);
      bad = 1;
    }
  }
  /* Streaming, three bytes in and five out at a time (a long text 8 KiB). */
  zhconv_stream *s = zhconv_stream_new(z);
  if (!s) {
    *status = ZHCONV_ERR_NOMEM;
  } else {
    static char got[sizeof S_long_want];
    char obuf[8192];
    size_t glen = 0, at = 0, step = sc->repeat > 1 ? sizeof obuf : 3;
    do {
      size_t n = len - at < step ? len - at : step;
      zhconv_inbuf in = {sc->text + at, n, 0};
      zhconv_directive d = at + n == len ? ZHCONV_END : ZHCONV_CONTINUE;
      do {
        zhconv_outbuf ob = {obuf, sc->repeat > 1 ? sizeof obuf : 5, 0};
        st = zhconv_stream_convert(s, &ob, &in, d);
        if (glen + ob.pos <= sizeof got) {
          memcpy(got + glen, obuf, ob.pos);
          glen += ob.pos;
        }
      } while (st == ZHCONV_MORE);
      at += n;
    } while (st == ZHCONV_OK && at < len);
    if (st == ZHCONV_OK && (glen != wlen || memcmp(got, sc->want, wlen) != 0)) {
      printf("#   %s: streaming gave '%.*s', want '%s'\n", sc->name, (int)glen, got, sc->want);
      bad = 1;
    } else if (st != ZHCONV_OK) {
      *status = st;
      if (st >= 0 || !zhconv_stream_error(s, NULL)) {
        printf("#   %s: streaming failed with status %d, no message\n", sc->name, st);
        bad = 1;
      }
    }
    zhconv_stream_free(s);
  }
  zhconv_free(z);
  return bad;
}

static void
S_sweep(const scenario *sc, const char *data_dir, long all)
{
  int st;
  S_arm(0);
  int bad = S_run(sc, data_dir, &st);
  long total = S_count();
  if (!OK(!bad && st == ZHCONV_OK, "%s: runs without a failure (%ld allocations)", sc->name,
          total))
    return;
  long tried = 0, errors = 0, wrong = 0, survived = 0;
  long step = total <= all ? 1 : (total - all / 2) / (all / 2) + 1;
  for (long n = 1; n <= total; n += n <= all / 2 ? 1 : step) {
    S_arm(n);
    int b = S_run(sc, data_dir, &st);
    S_arm(0);
    tried++;
    if (b) {
      if (wrong++ < 5)
        printf("#   (allocation %ld of %ld failing)\n", n, total);
    } else if (st != ZHCONV_OK)
      errors++;
    else
      survived++;
  }
  OK(wrong == 0, "%s: %ld of %ld allocations made to fail: %ld gave an error status, %ld "
     "succeeded anyway with the right output, %ld misbehaved", sc->name, tried, total, errors,
     survived, wrong);
}

int
main(void)
{
  S_arm = (void (*)(long))dlsym(RTLD_DEFAULT, "failmalloc_arm");
  S_count = (long (*)(void))dlsym(RTLD_DEFAULT, "failmalloc_count");
  S_failed = (int (*)(void))dlsym(RTLD_DEFAULT, "failmalloc_failed");
  if (!S_arm || !S_count || !S_failed) {
    printf("1..0 # SKIP not run under tests/failmalloc.c (tests/nomem.sh preloads it)\n");
    return 0;
  }
  const char *dirs = getenv("ZHCONV_DATA_DIR");
  /* Data directories with a three-entry built-in vocabulary, as YAML and
   * compiled (nomem.sh makes them). */
  const char *yaml = getenv("ZHCONV_NOMEM_YAML");
  const char *compiled = getenv("ZHCONV_NOMEM_COMPILED");
  const char *protect = getenv("ZHCONV_NOMEM_PROTECT");
  long all = getenv("ZHCONV_NOMEM_ALL") ? strtol(getenv("ZHCONV_NOMEM_ALL"), NULL, 10) : 1500;
  char protect_opt[4200];
  snprintf(protect_opt, sizeof protect_opt, "protect=%s", protect ? protect : "/nonexistent");

  const scenario small[] = {
    {"tw to cn, three-entry vocabulary, --vocab text, --protect, --punct",
     {"to=cn", "punct=yes", "vocab_text=- {cn: 英伟达, tw: 輝達}", protect_opt, NULL},
     "「輝達」的軟體和頭髮在雪梨\n", "“英伟达”的软件和頭髮在悉尼\n"},
    {"cn to tw, three-entry vocabulary, invalid=replace",
     {"to=tw", "from=cn", "invalid=replace", NULL}, "软件\xff核心悉尼", "軟體\xEF\xBF\xBD核心雪梨"},
    {"tw to cn, 270 KB with two threads (pieces converted as jobs)", {"to=cn", "threads=2", NULL},
     "的軟體和頭髮在雪梨\n", "的软件和头发在悉尼\n", 10000},
  };
  const scenario full[] = {
    {"the built-in vocabulary, --to=cn", {"to=cn", NULL}, "輝達的軟體", "英伟达的软件"},
    {"an OpenCC configuration, t2s", {"config=t2s", NULL}, "漢字", "汉字"},
    {"no vocabulary, hant to hans", {"to=hans", "from=hant", "no_vocab=yes", NULL},
     "頭髮和乾燥", "头发和干燥"},
  };
  for (size_t i = 0; i < sizeof small / sizeof small[0]; i++) {
    char name[200];
    scenario sc = small[i];
    if (sc.repeat > 1) {
      size_t t = strlen(sc.text), w = strlen(sc.want);
      for (int k = 0; k < sc.repeat; k++) {
        memcpy(S_long_text + k * t, sc.text, t);
        memcpy(S_long_want + k * w, sc.want, w);
      }
      sc.text = S_long_text;
      sc.want = S_long_want;
    }
    if (yaml) {
      snprintf(name, sizeof name, "%s, from YAML", small[i].name);
      sc.name = name;
      S_sweep(&sc, yaml, all);
    }
    if (compiled) {
      snprintf(name, sizeof name, "%s, compiled", small[i].name);
      sc.name = name;
      S_sweep(&sc, compiled, all);
    }
  }
  /* The built-in vocabulary makes some 24,000 allocations, each run a
   * tenth of a second: a sample of them (ZHCONV_NOMEM_ALL=30000 for all). */
  for (size_t i = 0; i < sizeof full / sizeof full[0]; i++)
    S_sweep(&full[i], dirs, i == 0 ? all / 8 : all);
  return tap_done();
}
