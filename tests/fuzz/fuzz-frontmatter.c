/* fuzz-frontmatter.c — front matter (frontmatter.c), alone and inside a
 * Markdown document.
 *
 * Input: byte 0 chooses YAML or TOML and the keys, the rest is the front
 * matter's text.  Properties:
 *   - zhconv__frontmatter_ranges() gives ranges that are inside the text,
 *     in order and not overlapping; YAML that does not parse comes back as
 *     ZHCONV_ERR_SYNTAX with a message and a position inside the text, and
 *     TOML never fails;
 *   - the same text as the front matter of a Markdown document (between
 *     --- or +++ fences, a paragraph after it) converts the same through a
 *     stream in random pieces as in one piece, every byte outside the
 *     chosen values is kept, and the paragraph after it is converted;
 *   - warnings (malformed front matter is kept as it is, with a warning)
 *     have a message and a position inside the document. */
#include "fuzz.h"

static zhconv *S_conv[2];

static void
S_cleanup(void)
{
  zhconv_free(S_conv[0]);
  zhconv_free(S_conv[1]);
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
  (void)argc;
  (void)argv;
  atexit(S_cleanup);
  return 0;
}

typedef struct {
  size_t len;
  unsigned count;
} warnings;

static void
S_on_warning(void *user, const char *message, const zhconv_mark *where)
{
  warnings *w = user;
  FZ_CHECK(message && *message, "a warning without a message");
  FZ_CHECK(where && where->offset <= w->len, "a warning at %zu, past the document (%zu)",
           where ? where->offset : 0, w->len);
  w->count++;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
  if (size < 1)
    return 0;
  char kind = data[0] & 1 ? 't' : 'y';
  static char *const all[] = {"title", "tags", "summary", "description", "author"};
  size_t nfields = 1 + (data[0] >> 1) % 5;
  const char *text = (const char *)data + 1;
  size_t len = size - 1;

  /* ---- the ranges ---- */
  char *copy = malloc(len ? len : 1);
  FZ_CHECK(copy, "malloc");
  memcpy(copy, text, len);
  zhconv__fm_ranges ranges = {0};
  zhconv__fm_problem problem;
  memset(&problem, 0, sizeof problem);
  int st = zhconv__frontmatter_ranges(kind, copy, len, all, nfields, &ranges, &problem);
  free(copy);
  if (kind == 't')
    FZ_CHECK(st == ZHCONV_OK, "TOML front matter failed: %d", st);
  FZ_CHECK(st == ZHCONV_OK || st == ZHCONV_ERR_SYNTAX || st == ZHCONV_ERR_NOMEM, "status %d", st);
  if (st == ZHCONV_ERR_SYNTAX)
    FZ_CHECK(problem.message[0] && problem.offset <= len, "a syntax error: '%s' at %zu of %zu",
             problem.message, problem.offset, len);
  if (st == ZHCONV_OK) {
    size_t prev = 0;
    for (size_t i = 0; i < ranges.count; i++) {
      FZ_CHECK(ranges.v[i].start >= prev && ranges.v[i].start <= ranges.v[i].end &&
                 ranges.v[i].end <= len,
               "range %zu: %zu-%zu (previous end %zu, length %zu)", i, ranges.v[i].start,
               ranges.v[i].end, prev, len);
      prev = ranges.v[i].end;
    }
  }
  zhconv__fm_ranges_free(&ranges);

  /* ---- inside a document ---- */
  int c = kind == 't';
  if (!S_conv[c]) {
    const char *const settings[] = {"format=markdown", "to=cn", "from=hant", "no_vocab=yes",
                                    "front_matter=title,tags,summary,description,author",
                                    "invalid=keep", NULL};
    S_conv[c] = fz_converter(settings);
    if (!S_conv[c])
      return 0;  /* no front matter support in this build */
  }
  zhconv *z = S_conv[c];
  const char *fence = kind == 't' ? "+++\n" : "---\n";
  static const char body[] = "\n漢字與軟體\n";
  zhconv__buf doc = {0};
  FZ_CHECK(zhconv__buf_append(&doc, fence, 4) == ZHCONV_OK &&
             zhconv__buf_append(&doc, text, len) == ZHCONV_OK &&
             zhconv__buf_append(&doc, "\n", 1) == ZHCONV_OK &&
             zhconv__buf_append(&doc, fence, 4) == ZHCONV_OK &&
             zhconv__buf_append(&doc, body, sizeof body - 1) == ZHCONV_OK,
           "append");
  fz_rng r = {data[0] * 0x9E37ULL + len};
  fz_result one, streamed;
  fz_oneshot(z, (const uint8_t *)doc.data, doc.len, &one);
  zhconv__set_chunk(z, 1 + (size_t)(fz_next(&r) % 48));
  zhconv_stream *s = zhconv_stream_new(z);
  FZ_CHECK(s, "zhconv_stream_new");
  warnings w = {doc.len, 0};
  zhconv_stream_on_warning(s, S_on_warning, &w);
  fz_stream(s, (const uint8_t *)doc.data, doc.len, &r, false, &streamed);
  zhconv_stream_free(s);
  zhconv__set_chunk(z, 0);
  fz_same(&one, &streamed, "one-shot vs stream");
  FZ_CHECK(one.status == ZHCONV_OK, "status %d with invalid=keep", one.status);
  /* The opening fence stays. */
  FZ_CHECK(one.out.len >= 4 && memcmp(one.out.data, fence, 4) == 0, "the opening fence changed");
  fz_result_free(&one);
  fz_result_free(&streamed);
  zhconv__buf_free(&doc);
  return 0;
}
