/* fuzz-stream.c — streaming conversion with random chunking.
 *
 * Input: byte 0 chooses a converter, byte 1 seeds the chunk and buffer
 * sizes, the rest is the text.  Properties:
 *   - streaming the text in random chunks into random output buffers,
 *     with the converter cutting its text every few bytes, gives exactly
 *     what one-shot conversion gives (the same status and error position,
 *     or the same bytes);
 *   - the contract of zhconv_stream_convert holds on every call (see
 *     fz_stream), and a stream that is reset converts the same way again;
 *   - with --invalid=replace the output is always well-formed UTF-8, and
 *     with keep it is whenever the input is;
 *   - with ZHCONV_FLUSH thrown in at random, nothing breaks;
 *   - two of the converters use helper threads (ZHCONV_OPT_THREADS), so
 *     their pieces are also shared out between threads. */
#include "fuzz.h"

#include <unistd.h>

static const char *S_protect_path(void);

/* The converters, made the first time they are needed. */
#define NCONV 8
static zhconv *S_conv[NCONV];

static zhconv *
S_get(unsigned i)
{
  if (S_conv[i])
    return S_conv[i];
  char protect[600];
  snprintf(protect, sizeof protect, "protect=%s", S_protect_path());
  const char *const sets[NCONV][8] = {
    {"to=hans", "invalid=keep", NULL},
    {"to=cn", "invalid=keep", "punct=yes", NULL},
    {"to=tw", "invalid=replace", "threads=3", NULL},
    {"to=hk", "from=hans", NULL},
    {"to=hant", "from=tw", "invalid=keep", NULL},
    {"config=t2s", "invalid=keep", "threads=2", NULL},
    {"to=tw", "engine=opencc", "invalid=keep", "punct=yes", NULL},
    {"to=cn", "from=hant", "no_vocab=yes", protect, "invalid=replace",
     "vocab_text=- {cn: 英伟达, tw: 輝達}", NULL},
  };
  S_conv[i] = fz_converter(sets[i]);
  FZ_CHECK(S_conv[i], "converter %u refused an option", i);
  return S_conv[i];
}

/* A file of protected terms, made once. */
static const char *
S_protect_path(void)
{
  static char path[512];
  if (!path[0]) {
    const char *tmp = getenv("TMPDIR");
    snprintf(path, sizeof path, "%s/zhconv-fuzz-protect-XXXXXX", tmp && *tmp ? tmp : "/tmp");
    int fd = mkstemp(path);
    FZ_CHECK(fd >= 0, "mkstemp");
    static const char terms[] = "# protected\n軟體\n软件\n頭髮\nabc\n\xE3\x80\x8C\n";
    FZ_CHECK(write(fd, terms, sizeof terms - 1) == (ssize_t)(sizeof terms - 1), "write");
    close(fd);
  }
  return path;
}

static void
S_cleanup(void)
{
  for (int i = 0; i < NCONV; i++)
    zhconv_free(S_conv[i]);
  if (S_protect_path()[0])
    unlink(S_protect_path());
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  atexit(S_cleanup);
  return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  unsigned which = data[0] % NCONV;
  fz_rng r = {((uint64_t)data[1] << 8) | data[0]};
  const uint8_t *text = data + 2;
  size_t len = size - 2;
  zhconv *z = S_get(which);

  /* One-shot, cutting only where the default chunk size says. */
  fz_result whole;
  fz_oneshot(z, text, len, &whole);

  /* The same through a stream, cutting every few bytes. */
  zhconv__set_chunk(z, 1 + (size_t)(fz_next(&r) % 48));
  zhconv_stream *s = zhconv_stream_new(z);
  FZ_CHECK(s, "zhconv_stream_new");
  fz_result streamed;
  fz_stream(s, text, len, &r, false, &streamed);
  fz_same(&whole, &streamed, "one-shot vs stream");

  /* (Every fourth input) a reset stream is as good as new. */
  if ((data[1] & 3) == 0) {
    zhconv_stream_reset(s);
    fz_result again;
    fz_stream(s, text, len, &r, false, &again);
    fz_same(&whole, &again, "one-shot vs reset stream");
    fz_result_free(&again);
  }

  /* (Every other input) flushes: no crash, no broken contract, valid
   * output. */
  fz_result flushed = {0};
  if (data[1] & 1) {
    zhconv_stream_reset(s);
    fz_stream(s, text, len, &r, true, &flushed);
    FZ_CHECK(flushed.status == whole.status, "flushes changed the status: %d vs %d",
             flushed.status, whole.status);
  }
  zhconv_stream_free(s);
  zhconv__set_chunk(z, 0);

  int invalid = z->invalid;
  if (whole.status == ZHCONV_OK && (invalid == ZHCONV__INVALID_REPLACE ||
                                    fz_utf8_valid(text, len))) {
    FZ_CHECK(fz_utf8_valid((const uint8_t *)whole.out.data, whole.out.len),
             "output is not well-formed UTF-8");
    FZ_CHECK(flushed.status != ZHCONV_OK ||
               fz_utf8_valid((const uint8_t *)flushed.out.data, flushed.out.len),
             "output with flushes is not well-formed UTF-8");
  }
  if (invalid != ZHCONV__INVALID_REJECT)
    FZ_CHECK(whole.status == ZHCONV_OK, "status %d with invalid=keep/replace", whole.status);
  fz_result_free(&flushed);
  fz_result_free(&streamed);
  fz_result_free(&whole);
  return 0;
}
