/* fuzz-markdown.c — the document scanner (scanner.c) for Markdown, HTML
 * and text with protection markup, alone and in front of the converter.
 *
 * Input: byte 0 chooses the format and converter, byte 1 seeds the chunk
 * sizes, the rest is the document.  Properties:
 *   - the scanner's spans, fed in random chunks (the unconsumed rest passed
 *     again, as the contract says), are the same as fed in one piece
 *     (adjacent spans of a kind merged), and end to end they are the input,
 *     byte for byte;
 *   - converting through a stream in random chunks gives what one-shot
 *     conversion gives;
 *   - what is protected survives: every kept span (code, markup, URLs,
 *     math, front matter, zhconv:off regions) is in the output as it was,
 *     in order;
 *   - warnings come with a message and a position inside the input. */
#include "fuzz.h"

typedef struct {
  int format;          /* ZHCONV__FORMAT_* for the scanner */
  const char *fields;  /* front matter keys, or NULL */
  const char *settings[6];
} setup;

static const setup S_setups[] = {
  {ZHCONV__FORMAT_MARKDOWN, NULL, {"format=markdown", "to=cn", "invalid=keep", NULL}},
  {ZHCONV__FORMAT_MARKDOWN, "title,tags,summary",
   {"format=markdown", "to=tw", "front_matter=title,tags,summary", "punct=yes", "invalid=keep",
    NULL}},
  {ZHCONV__FORMAT_HTML, NULL, {"format=html", "to=hant", "invalid=keep", NULL}},
  {ZHCONV__FORMAT_TEXT, NULL, {"format=text", "to=hans", "invalid=keep", NULL}},
  {ZHCONV__FORMAT_MARKDOWN, NULL, {"format=markdown", "to=hk", "from=hans", NULL}},
};
#define NSETUPS (sizeof S_setups / sizeof S_setups[0])
static zhconv *S_conv[NSETUPS];
static bool S_refused[NSETUPS];

static void
S_cleanup(void)
{
  for (size_t i = 0; i < NSETUPS; i++)
    zhconv_free(S_conv[i]);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  atexit(S_cleanup);
  return 0;
}

/* ---- spans ------------------------------------------------------------- */

typedef struct {
  zhconv__buf kinds;  /* one byte per span */
  zhconv__buf ends;   /* size_t end offsets, in the concatenation */
  zhconv__buf bytes;  /* all spans end to end */
  size_t input_len;
} spans;

static int
S_on_span(void *user, zhconv__span kind, const char *text, size_t len)
{
  spans *sp = user;
  FZ_CHECK(kind == ZHCONV__SPAN_PROSE || kind == ZHCONV__SPAN_KEEP || kind == ZHCONV__SPAN_DROP,
           "span kind %d", (int)kind);
  if (len == 0)
    return 0;
  char k = (char)kind;
  size_t nspans = sp->kinds.len;
  if (nspans && sp->kinds.data[nspans - 1] == k) {
    /* Merge with the previous span of the same kind. */
    FZ_CHECK(zhconv__buf_append(&sp->bytes, text, len) == ZHCONV_OK, "append");
    size_t end = sp->bytes.len;
    memcpy(sp->ends.data + (nspans - 1) * sizeof end, &end, sizeof end);
    return 0;
  }
  FZ_CHECK(zhconv__buf_append(&sp->bytes, text, len) == ZHCONV_OK, "append");
  size_t end = sp->bytes.len;
  FZ_CHECK(zhconv__buf_append(&sp->kinds, &k, 1) == ZHCONV_OK, "append");
  FZ_CHECK(zhconv__buf_append(&sp->ends, (const char *)&end, sizeof end) == ZHCONV_OK, "append");
  return 0;
}

static void
S_on_warn(void *user, const char *message, size_t offset, size_t line, size_t column)
{
  const spans *sp = user;
  (void)line;
  (void)column;
  FZ_CHECK(message && *message, "a warning without a message");
  FZ_CHECK(offset <= sp->input_len, "a warning at %zu, past the input (%zu)", offset,
           sp->input_len);
}

static void
S_spans_free(spans *sp)
{
  zhconv__buf_free(&sp->kinds);
  zhconv__buf_free(&sp->ends);
  zhconv__buf_free(&sp->bytes);
}

/* Scan in pieces whose sizes r chooses (r NULL: one piece). */
static void
S_scan(const setup *su, const uint8_t *text, size_t len, fz_rng *r, spans *sp)
{
  memset(sp, 0, sizeof *sp);
  sp->input_len = len;
  zhconv__scanner *sc;
  FZ_CHECK(zhconv__scanner_new(su->format, su->fields, &sc) == ZHCONV_OK, "scanner_new");
  zhconv__scanner_sink sink = {S_on_span, S_on_warn, sp};
  zhconv__buf pending = {0};
  size_t at = 0;
  for (;;) {
    size_t n = r ? fz_size(r) : len;
    if (n > len - at)
      n = len - at;
    FZ_CHECK(zhconv__buf_append(&pending, (const char *)text + at, n) == ZHCONV_OK, "append");
    at += n;
    zhconv_directive how = at == len ? ZHCONV_END : ZHCONV_CONTINUE;
    /* An exact copy, so that a read past the end is seen. */
    char *copy = malloc(pending.len ? pending.len : 1);
    FZ_CHECK(copy, "malloc");
    if (pending.len)
      memcpy(copy, pending.data, pending.len);
    size_t consumed = 0;
    int st = zhconv__scanner_feed(sc, copy, pending.len, how, &sink, &consumed);
    free(copy);
    FZ_CHECK(st == ZHCONV_OK, "scanner_feed: %d", st);
    FZ_CHECK(consumed <= pending.len, "consumed %zu of %zu", consumed, pending.len);
    if (how == ZHCONV_END)
      FZ_CHECK(consumed == pending.len, "END left %zu bytes", pending.len - consumed);
    zhconv__buf_consume(&pending, consumed);
    if (how == ZHCONV_END)
      break;
  }
  zhconv__buf_free(&pending);
  zhconv__scanner_free(sc);
  FZ_CHECK(sp->bytes.len == len && (len == 0 || memcmp(sp->bytes.data, text, len) == 0),
           "the spans end to end are not the input (%zu of %zu bytes)", sp->bytes.len, len);
}

static void
S_same_spans(const spans *a, const spans *b)
{
  FZ_CHECK(a->kinds.len == b->kinds.len &&
             (a->kinds.len == 0 || (memcmp(a->kinds.data, b->kinds.data, a->kinds.len) == 0 &&
                                    memcmp(a->ends.data, b->ends.data, a->ends.len) == 0)),
           "the spans depend on how the input was divided (%zu vs %zu spans)", a->kinds.len,
           b->kinds.len);
}

/* Every kept span is in the output, in order. */
static void
S_kept_survive(const spans *sp, const zhconv__buf *out)
{
  size_t from = 0, start = 0;
  for (size_t i = 0; i < sp->kinds.len; i++) {
    size_t end;
    memcpy(&end, sp->ends.data + i * sizeof end, sizeof end);
    if (sp->kinds.data[i] == ZHCONV__SPAN_KEEP) {
      const char *found = out->len > from ? memmem(out->data + from, out->len - from,
                                                   sp->bytes.data + start, end - start)
                                          : NULL;
      FZ_CHECK(found, "kept span %zu (bytes %zu-%zu of the input) is not in the output", i,
               start, end);
      from = (size_t)(found - out->data) + (end - start);
    }
    start = end;
  }
}

static void
S_on_stream_warning(void *user, const char *message, const zhconv_mark *where)
{
  size_t len = *(const size_t *)user;
  FZ_CHECK(message && *message, "a stream warning without a message");
  FZ_CHECK(where && where->offset <= len, "a stream warning past the input");
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 2)
    return 0;
  size_t which = data[0] % NSETUPS;
  const setup *su = &S_setups[which];
  fz_rng r = {((uint64_t)data[1] << 8) | data[0]};
  const uint8_t *text = data + 2;
  size_t len = size - 2;

  spans whole, pieces;
  S_scan(su, text, len, NULL, &whole);
  S_scan(su, text, len, &r, &pieces);
  S_same_spans(&whole, &pieces);
  S_spans_free(&pieces);

  if (!S_conv[which] && !S_refused[which]) {
    S_conv[which] = fz_converter(su->settings);
    S_refused[which] = S_conv[which] == NULL;
  }
  zhconv *z = S_conv[which];
  if (z) {
    fz_result one, streamed;
    fz_oneshot(z, text, len, &one);
    zhconv__set_chunk(z, 1 + (size_t)(fz_next(&r) % 48));
    zhconv_stream *s = zhconv_stream_new(z);
    FZ_CHECK(s, "zhconv_stream_new");
    zhconv_stream_on_warning(s, S_on_stream_warning, &len);
    fz_stream(s, text, len, &r, false, &streamed);
    zhconv_stream_free(s);
    zhconv__set_chunk(z, 0);
    fz_same(&one, &streamed, "one-shot vs stream");
    if (one.status == ZHCONV_OK)
      S_kept_survive(&whole, &one.out);
    fz_result_free(&one);
    fz_result_free(&streamed);
  }
  S_spans_free(&whole);
  return 0;
}
