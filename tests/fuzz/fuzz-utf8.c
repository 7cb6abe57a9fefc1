/* fuzz-utf8.c — bytes that are not UTF-8, in each --invalid mode.
 *
 * Input: byte 0 chooses the mode and the converter, byte 1 seeds the chunk
 * sizes, the rest is the text.  The expected output is computed from the
 * harness's own UTF-8 decoder (fuzz.h, from Unicode's Table 3-7), which
 * divides the input into runs of well-formed characters, NUL bytes, and
 * maximal ill-formed subparts:
 *   - a converter that changes nothing (its source is its target): keep
 *     gives back the input byte for byte; replace gives it with each
 *     ill-formed subpart as U+FFFD; reject fails exactly when there is an
 *     ill-formed subpart, at the first one's byte, line and column, and
 *     otherwise gives back the input;
 *   - a converter that converts (hant to hans, no vocabulary): keep and
 *     replace give each run converted on its own, with the NUL bytes and
 *     the ill-formed bytes (or U+FFFD) between them, in order;
 *   - both through a stream in random chunks too;
 *   - the internals agree with the reference: zhconv__utf8_scan,
 *     zhconv__utf8_invalid_length, zhconv__utf8_decode,
 *     zhconv__utf8_last_start. */
#include "fuzz.h"

enum { REJECT, KEEP, REPLACE };
static zhconv *S_copy[3], *S_conv[3];

static zhconv *
S_get(int converting, int mode)
{
  zhconv **slot = converting ? &S_conv[mode] : &S_copy[mode];
  if (!*slot) {
    static const char *const modes[3] = {"invalid=reject", "invalid=keep", "invalid=replace"};
    const char *const copy[] = {"to=hans", "from=hans", modes[mode], NULL};
    const char *const conv[] = {"to=hans", "from=hant", "no_vocab=yes", modes[mode], NULL};
    *slot = fz_converter(converting ? conv : copy);
    FZ_CHECK(*slot, "converter refused");
  }
  return *slot;
}

static void
S_cleanup(void)
{
  for (int i = 0; i < 3; i++) {
    zhconv_free(S_copy[i]);
    zhconv_free(S_conv[i]);
  }
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  atexit(S_cleanup);
  return 0;
}

/* The internals against the reference, at every position. */
static void
S_check_internals(const uint8_t *s, size_t len)
{
  for (size_t i = 0; i < len; i++) {
    size_t max;
    uint32_t cp = 0;
    size_t n = fz_utf8_char(s + i, len - i, &max, &cp);
    if (n) {
      uint32_t got;
      FZ_CHECK(zhconv__utf8_decode((const char *)s + i, &got) == n && got == cp,
               "decode at %zu", i);
    } else {
      FZ_CHECK(zhconv__utf8_invalid_length((const char *)s + i, len - i) == max,
               "invalid_length at %zu: %zu, want %zu", i,
               zhconv__utf8_invalid_length((const char *)s + i, len - i), max);
    }
  }
  /* scan: the longest prefix of whole, valid, non-NUL characters. */
  size_t want = 0, max;
  uint32_t cp;
  zhconv__utf8_stop want_stop = ZHCONV__UTF8_END;
  while (want < len) {
    size_t n = fz_utf8_char(s + want, len - want, &max, &cp);
    if (n && cp == 0) {
      want_stop = ZHCONV__UTF8_NUL;
      break;
    }
    if (!n) {
      /* Incomplete: the maximal subpart runs to the end and could still
       * become a character. */
      bool lead = s[want] >= 0xC2 && s[want] <= 0xF4;
      want_stop = lead && want + max == len ? ZHCONV__UTF8_INCOMPLETE : ZHCONV__UTF8_INVALID;
      break;
    }
    want += n;
  }
  zhconv__utf8_stop stop;
  size_t got = zhconv__utf8_scan((const char *)s, len, &stop);
  FZ_CHECK(got == want && stop == want_stop, "scan: %zu (stop %d), want %zu (stop %d)", got,
           (int)stop, want, (int)want_stop);
  /* last_start on the valid prefix. */
  if (want > 0) {
    size_t last = zhconv__utf8_last_start((const char *)s, want), at = 0, prev = 0;
    while (at < want) {
      prev = at;
      at += fz_utf8_char(s + at, want - at, &max, &cp);
    }
    FZ_CHECK(last == prev, "last_start %zu, want %zu", last, prev);
  }
}

/* The expected output of a converter in keep/replace mode, and for reject
 * the first ill-formed offset (or SIZE_MAX). */
static void
S_expect(const zhconv *conv, const uint8_t *s, size_t len, int mode, zhconv__buf *out,
         size_t *first_bad)
{
  *first_bad = SIZE_MAX;
  size_t run = 0, at = 0, max;
  uint32_t cp;
  for (;;) {
    size_t n = at < len ? fz_utf8_char(s + at, len - at, &max, &cp) : 0;
    bool boundary = at == len || !n || cp == 0;
    if (!boundary) {
      at += n;
      continue;
    }
    if (at > run) {
      /* A run of valid text, converted on its own. */
      if (conv) {
        char *o;
        size_t olen;
        int st = zhconv_convert(conv, (const char *)s + run, at - run, &o, &olen, NULL);
        FZ_CHECK(st == ZHCONV_OK, "converting a valid run: %d", st);
        FZ_CHECK(zhconv__buf_append(out, o, olen) == ZHCONV_OK, "append");
        zhconv_string_free(o);
      } else
        FZ_CHECK(zhconv__buf_append(out, (const char *)s + run, at - run) == ZHCONV_OK, "append");
    }
    if (at == len)
      break;
    if (n) {  /* NUL */
      FZ_CHECK(zhconv__buf_append(out, "", 1) == ZHCONV_OK, "append");
      at += 1;
    } else {
      if (*first_bad == SIZE_MAX)
        *first_bad = at;
      if (mode == REPLACE)
        FZ_CHECK(zhconv__buf_append(out, "\xEF\xBF\xBD", 3) == ZHCONV_OK, "append");
      else
        FZ_CHECK(zhconv__buf_append(out, (const char *)s + at, max) == ZHCONV_OK, "append");
      at += max;
    }
    run = at;
  }
}

static void
S_check(const fz_result *got, const zhconv__buf *want, size_t first_bad, int mode,
        const uint8_t *s, const char *what)
{
  if (mode == REJECT && first_bad != SIZE_MAX) {
    FZ_CHECK(got->status == ZHCONV_ERR_INVALID_UTF8, "%s: status %d, want INVALID_UTF8", what,
             got->status);
    size_t line = 0, column = 0;
    for (size_t i = 0; i < first_bad; i++) {
      if (s[i] == '\n') {
        line++;
        column = 0;
      } else
        column += (s[i] & 0xC0) != 0x80;
    }
    FZ_CHECK(got->mark.offset == first_bad && got->mark.line == line &&
               got->mark.column == column,
             "%s: error at %zu:%zu:%zu, want %zu:%zu:%zu", what, got->mark.offset,
             got->mark.line, got->mark.column, first_bad, line, column);
    return;
  }
  FZ_CHECK(got->status == ZHCONV_OK, "%s: status %d", what, got->status);
  size_t i = 0;
  while (i < got->out.len && i < want->len && got->out.data[i] == want->data[i])
    i++;
  FZ_CHECK(got->out.len == want->len && i == want->len,
           "%s: output differs from the expected at byte %zu (lengths %zu, %zu)", what, i,
           got->out.len, want->len);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  int mode = data[0] % 3;
  int converting = (data[0] / 3) & 1;
  fz_rng r = {((uint64_t)data[1] << 8) | data[0]};
  const uint8_t *text = data + 2;
  size_t len = size - 2;

  S_check_internals(text, len);
  /* The expectations below know nothing of the protection markup that
   * every format reads (-{ }-, <!-- zhconv:off -->): fuzz-markdown covers
   * it. */
  if (memmem(text, len, "-{", 2) || memmem(text, len, "<!--", 4))
    return 0;

  zhconv *z = S_get(converting, mode);
  zhconv__buf want = {0};
  size_t first_bad;
  /* The runs are converted by the same converter in keep mode (they are
   * valid, so the mode does not matter to them). */
  S_expect(converting ? S_get(1, KEEP) : NULL, text, len, mode, &want, &first_bad);

  fz_result whole;
  fz_oneshot(z, text, len, &whole);
  S_check(&whole, &want, first_bad, mode, text, "one-shot");

  zhconv__set_chunk(z, 1 + (size_t)(fz_next(&r) % 32));
  zhconv_stream *s = zhconv_stream_new(z);
  FZ_CHECK(s, "zhconv_stream_new");
  fz_result streamed;
  fz_stream(s, text, len, &r, false, &streamed);
  zhconv_stream_free(s);
  zhconv__set_chunk(z, 0);
  S_check(&streamed, &want, first_bad, mode, text, "stream");

  if (mode == REPLACE)
    FZ_CHECK(fz_utf8_valid((const uint8_t *)whole.out.data, whole.out.len),
             "replace: output not well-formed");
  fz_result_free(&streamed);
  fz_result_free(&whole);
  zhconv__buf_free(&want);
  return 0;
}
