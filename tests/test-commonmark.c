/* tests/test-commonmark.c — zhconv's Markdown reading against a real
 * CommonMark parser, libcmark, on every example of the CommonMark spec
 * (tests/data/commonmark/spec.txt, version 0.30, as libcmark 0.30).
 *
 * The method.  The converter used here is an OpenCC configuration
 * (tests/data/commonmark/upper.json) that maps each ASCII lower case
 * letter to its upper case and leaves every other byte alone.  The spec's
 * examples are mostly ASCII, so under this converter every byte that
 * zhconv treats as prose and that is a lower case letter shows that it
 * was converted, and every byte zhconv keeps shows that it was kept.  The
 * mapping keeps the length of the text and changes nothing CommonMark's
 * block or inline structure depends on (HTML tag names, URI schemes and
 * link labels are matched without regard to case; entity names are
 * case-sensitive, which is why zhconv must keep them).  So:
 *
 *   1. each example's Markdown is converted with --format=markdown;
 *   2. libcmark parses the input and the output;
 *   3. the two trees must have the same shape, node for node, and
 *      - code spans, code blocks (and their info strings), HTML blocks,
 *        inline HTML and autolinks: byte-identical contents;
 *      - link and image destinations: identical;
 *      - text (what cmark treats as prose) and link titles: the output's
 *        is the input's with a-z made A-Z: converted.
 *
 * A text node's literal is what cmark made of the source (entities and
 * backslash escapes resolved), so comparing literals checks the prose
 * wherever cmark put it, without needing source positions.  Each example
 * is also converted through the stream with 1-byte input and 3-byte
 * output buffers, which must give the same bytes.
 *
 * Deliberate deviations, where zhconv keeps what cmark reads as prose, are
 * listed in S_deviations with the reason; their test lines are TODO, and
 * one that no longer deviates shows as an unexpected pass (a failure), so
 * the list stays exact. */
#include <config.h>

#include <cmark.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhconv.h"
#include "tap.h"

static const struct {
  int example;
  const char *reason;
} S_deviations[] = {
  /* Entities are left as written, whether or not HTML defines the name. */
  {28, "&ThisIsNotDefined; and &hi; look like entities: kept as written"},
  {30, "&MadeUpEntity; looks like an entity: kept as written"},
  /* A document that starts with a --- line and has a closing one is front
   * matter (Jekyll, Hugo, Eleventy), kept as it is. */
  {96, "---/Foo/--- at the start of the document is YAML front matter"},
  /* Bare URLs and e-mail addresses are kept (GFM links them; CommonMark
   * reads them as text). */
  {601, "http://foo.bar/baz is a bare URL: kept"},
  {605, "+@bar.example.com is a bare e-mail address: kept"},
  {607, "http://foo.bar is a bare URL: kept"},
  {610, "http://example.com is a bare URL: kept"},
  {611, "foo@bar.example.com is a bare e-mail address: kept"},
};

static const char *
S_deviation(int example)
{
  for (size_t i = 0; i < sizeof S_deviations / sizeof S_deviations[0]; i++)
    if (S_deviations[i].example == example)
      return S_deviations[i].reason;
  return NULL;
}

/* ---- reading the spec ------------------------------------------------------ */

static char *
S_read_file(const char *path, size_t *len)
{
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  size_t cap = 1 << 16, n = 0;
  char *buf = malloc(cap);
  size_t r;
  while (buf && (r = fread(buf + n, 1, cap - n, f)) > 0) {
    n += r;
    if (n == cap)
      buf = realloc(buf, cap *= 2);
  }
  fclose(f);
  if (buf) {
    buf[n] = '\0';
    *len = n;
  }
  return buf;
}

#define FENCE "````````````````````````````````"

/* The next example's Markdown from *at on: a new string (tabs for →), or
 * NULL at the end. */
static char *
S_next_example(const char *spec, size_t *at, size_t *len)
{
  const char *p = strstr(spec + *at, FENCE " example\n");
  if (!p)
    return NULL;
  p = strchr(p, '\n') + 1;
  const char *end = strstr(p, "\n.\n");
  const char *close = strstr(p, "\n" FENCE "\n");
  *at = (size_t)(close - spec) + 1;
  /* The Markdown is every line before the "." line (it may be empty). */
  size_t n = (size_t)(end - p) + 1;
  if (p[0] == '.' && p[1] == '\n')
    n = 0;
  char *md = malloc(n + 1), *o = md;
  for (size_t i = 0; i < n; i++) {
    if ((unsigned char)p[i] == 0xE2 && i + 2 < n && (unsigned char)p[i + 1] == 0x86 &&
        (unsigned char)p[i + 2] == 0x92) {
      *o++ = '\t';
      i += 2;
    } else {
      *o++ = p[i];
    }
  }
  *o = '\0';
  *len = (size_t)(o - md);
  return md;
}

/* ---- comparing trees --------------------------------------------------------- */

static char S_why[4096];

static char *
S_upper(const char *s)
{
  char *u = strdup(s ? s : "");
  for (char *p = u; *p; p++)
    if (*p >= 'a' && *p <= 'z')
      *p = (char)(*p - 32);
  return u;
}

static bool
S_same(const char *a, const char *b)
{
  return strcmp(a ? a : "", b ? b : "") == 0;
}

static const char *
S_type(cmark_node *n)
{
  return cmark_node_get_type_string(n);
}

/* Compare the trees; false with the reason in S_why. */
static bool
S_compare(cmark_node *in_doc, cmark_node *out_doc)
{
  cmark_iter *a = cmark_iter_new(in_doc), *b = cmark_iter_new(out_doc);
  cmark_event_type ea, eb;
  bool ok = true;
  int autolink_text = 0;  /* inside a link that looks like an autolink */
  while (ok) {
    ea = cmark_iter_next(a);
    eb = cmark_iter_next(b);
    if (ea != eb) {
      snprintf(S_why, sizeof S_why, "tree shapes differ");
      ok = false;
      break;
    }
    if (ea == CMARK_EVENT_DONE)
      break;
    cmark_node *x = cmark_iter_get_node(a), *y = cmark_iter_get_node(b);
    cmark_node_type t = cmark_node_get_type(x);
    if (t != cmark_node_get_type(y)) {
      snprintf(S_why, sizeof S_why, "a %s became a %s", S_type(x), S_type(y));
      ok = false;
      break;
    }
    if (t == CMARK_NODE_LINK || t == CMARK_NODE_IMAGE) {
      if (ea == CMARK_EVENT_EXIT) {
        autolink_text = 0;
        continue;
      }
      if (!S_same(cmark_node_get_url(x), cmark_node_get_url(y))) {
        snprintf(S_why, sizeof S_why, "%s destination '%s' became '%s'", S_type(x),
                 cmark_node_get_url(x), cmark_node_get_url(y));
        ok = false;
        break;
      }
      char *want = S_upper(cmark_node_get_title(x));
      if (!S_same(want, cmark_node_get_title(y))) {
        snprintf(S_why, sizeof S_why, "%s title '%s' became '%s', want '%s'", S_type(x),
                 cmark_node_get_title(x), cmark_node_get_title(y), want);
        ok = false;
      }
      free(want);
      /* An autolink (or a link whose text is its URL, which zhconv keeps
       * as a bare URL): the text stays. */
      cmark_node *child = cmark_node_first_child(x);
      const char *url = cmark_node_get_url(x);
      if (t == CMARK_NODE_LINK && child && !cmark_node_next(child) &&
          cmark_node_get_type(child) == CMARK_NODE_TEXT) {
        const char *text = cmark_node_get_literal(child);
        if (S_same(text, url) || (strncmp(url, "mailto:", 7) == 0 && S_same(text, url + 7)))
          autolink_text = 1;
      }
      continue;
    }
    if (ea == CMARK_EVENT_EXIT)
      continue;
    const char *lx = cmark_node_get_literal(x), *ly = cmark_node_get_literal(y);
    switch (t) {
    case CMARK_NODE_CODE_BLOCK:
      if (!S_same(cmark_node_get_fence_info(x), cmark_node_get_fence_info(y))) {
        snprintf(S_why, sizeof S_why, "info string '%s' became '%s'",
                 cmark_node_get_fence_info(x), cmark_node_get_fence_info(y));
        ok = false;
        break;
      }
      /* fall through */
    case CMARK_NODE_CODE:
    case CMARK_NODE_HTML_BLOCK:
    case CMARK_NODE_HTML_INLINE:
      if (!S_same(lx, ly)) {
        snprintf(S_why, sizeof S_why, "%s '%s' became '%s'", S_type(x), lx, ly);
        ok = false;
      }
      break;
    case CMARK_NODE_TEXT: {
      char *want = autolink_text ? strdup(lx ? lx : "") : S_upper(lx);
      if (!S_same(want, ly)) {
        snprintf(S_why, sizeof S_why, "text '%s' became '%s', want '%s'", lx, ly, want);
        ok = false;
      }
      free(want);
      break;
    }
    case CMARK_NODE_HEADING:
      if (cmark_node_get_heading_level(x) != cmark_node_get_heading_level(y)) {
        snprintf(S_why, sizeof S_why, "heading level changed");
        ok = false;
      }
      break;
    case CMARK_NODE_LIST:
      if (cmark_node_get_list_type(x) != cmark_node_get_list_type(y) ||
          cmark_node_get_list_start(x) != cmark_node_get_list_start(y)) {
        snprintf(S_why, sizeof S_why, "list changed");
        ok = false;
      }
      break;
    default:
      break;
    }
  }
  cmark_iter_free(a);
  cmark_iter_free(b);
  return ok;
}

/* ---- converting ------------------------------------------------------------------ */

/* Through the stream with small buffers. */
static char *
S_convert_small(const zhconv *z, const char *text, size_t len, size_t *outlen)
{
  zhconv_stream *s = zhconv_stream_new(z);
  size_t cap = len * 2 + 64, n = 0;
  char *out = malloc(cap);
  int st = ZHCONV_OK;
  for (size_t at = 0; st >= 0;) {
    size_t take = at < len ? 1 : 0;
    zhconv_inbuf in = {text + at, take, 0};
    char small[3];
    zhconv_outbuf ob = {small, sizeof small, 0};
    st = zhconv_stream_convert(s, &ob, &in, take ? ZHCONV_CONTINUE : ZHCONV_END);
    if (n + ob.pos >= cap)
      out = realloc(out, cap *= 2);
    memcpy(out + n, small, ob.pos);
    n += ob.pos;
    at += in.pos;
    if (!take && st == ZHCONV_OK)
      break;
  }
  zhconv_stream_free(s);
  if (st < 0) {
    free(out);
    return NULL;
  }
  *outlen = n;
  return out;
}

int
main(void)
{
  const char *top = getenv("top_srcdir");
  char path[4096];
  snprintf(path, sizeof path, "%s/tests/data/commonmark/spec.txt", top ? top : ".");
  size_t speclen;
  char *spec = S_read_file(path, &speclen);
  if (!spec) {
    printf("1..0 # SKIP cannot read %s\n", path);
    return 0;
  }
  zhconv_options *o = zhconv_options_new();
  snprintf(path, sizeof path, "%s/tests/data/commonmark/upper.json", top ? top : ".");
  zhconv_options_set(o, ZHCONV_OPT_CONFIG, path);
  zhconv_options_set(o, ZHCONV_OPT_FORMAT, "markdown");
  const char *data = getenv("ZHCONV_DATA_DIR");
  if (data)
    zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, data);
  int status;
  zhconv *z = zhconv_new(o, &status);
  if (!OK(z != NULL, "a converter from upper.json: %s",
          z ? "made" : zhconv_options_error(o, NULL))) {
    zhconv_options_free(o);
    return tap_done();
  }
  zhconv_options_free(o);

  size_t at = 0, len;
  char *md;
  int example = 0, passed = 0, deviations = 0;
  while ((md = S_next_example(spec, &at, &len)) != NULL) {
    example++;
    char *out = NULL, *small = NULL;
    size_t outlen = 0, smalllen = 0;
    bool ok;
    int st = zhconv_convert(z, md, len, &out, &outlen, NULL);
    if (st != ZHCONV_OK) {
      snprintf(S_why, sizeof S_why, "conversion failed: %s", zhconv_strerror(st));
      ok = false;
    } else {
      cmark_node *a = cmark_parse_document(md, len, CMARK_OPT_DEFAULT);
      cmark_node *b = cmark_parse_document(out, outlen, CMARK_OPT_DEFAULT);
      ok = S_compare(a, b);
      cmark_node_free(a);
      cmark_node_free(b);
      small = S_convert_small(z, md, len, &smalllen);
      if (ok && (!small || smalllen != outlen || memcmp(small, out, outlen) != 0)) {
        snprintf(S_why, sizeof S_why, "1-byte buffers give other bytes");
        ok = false;
      }
    }
    const char *dev = S_deviation(example);
    if (dev) {
      deviations++;
      printf("%sok %d - example %d # TODO %s\n", ok ? "" : "not ", ++tap_count, example, dev);
    } else {
      OK(ok, "example %d", example);
      passed += ok;
    }
    if (!ok) {
      printf("#   %s\n#   input:  ", S_why);
      for (size_t i = 0; i < len; i++)
        printf(md[i] == '\n' ? "\\n" : "%c", md[i] == '\n' ? 0 : md[i]);
      printf("\n#   output: ");
      for (size_t i = 0; out && i < outlen; i++)
        printf(out[i] == '\n' ? "\\n" : "%c", out[i] == '\n' ? 0 : out[i]);
      printf("\n");
    }
    zhconv_string_free(out);
    free(small);
    free(md);
  }
  INT_EQ(example, 652, "the spec holds 652 examples");
  (void)tap_str_eq;
  printf("# %d examples: %d agree with cmark, %d listed deviations\n", example, passed,
         deviations);
  zhconv_free(z);
  free(spec);
  return tap_done();
}
