/* tests/test-scanner.c — the scanner's spans (src/scanner.c), written out
 * as P[prose] K[kept] D[dropped], for each kind of construct in Markdown,
 * HTML and text; the expected spans are worked out by hand from the
 * CommonMark spec and zhconv's rules.  Every case is also fed in pieces
 * of 1, 2, 3, 5, 7 and 64 bytes, which must give the same spans, and the
 * spans must put the input back together exactly. */
#include <config.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"
#include "tap.h"

typedef struct {
  zhconv__buf text;     /* the spans, written out */
  zhconv__buf joined;   /* their bytes, end to end, dropped ones too */
  int last;             /* the kind of the last span, -1 at first */
  int warnings;
  size_t warn_line;
  bool cut;             /* a span ended inside a character */
} render;

static int
S_span(void *user, zhconv__span kind, const char *t, size_t n)
{
  render *r = user;
  static const char tag[] = {'P', 'K', 'D'};
  /* Spans of one kind in a row are one span: chunking may split them. */
  if ((int)kind != r->last) {
    if (r->last >= 0)
      zhconv__buf_append(&r->text, "]", 1);
    zhconv__buf_append(&r->text, &tag[kind], 1);
    zhconv__buf_append(&r->text, "[", 1);
    r->last = (int)kind;
  }
  zhconv__buf_append(&r->text, t, n);
  zhconv__buf_append(&r->joined, t, n);
  zhconv__utf8_stop stop;
  zhconv__utf8_scan(t, n, &stop);
  if (stop == ZHCONV__UTF8_INCOMPLETE)
    r->cut = true;
  return ZHCONV_OK;
}

static void
S_warn(void *user, const char *message, size_t offset, size_t line, size_t column)
{
  render *r = user;
  (void)message;
  (void)offset;
  (void)column;
  r->warnings++;
  r->warn_line = line;
}

/* Scan `in` in pieces of `chunk` bytes (0: whole); a new string. */
static char *
S_scan(int format, const char *fields, const char *in, size_t len, size_t chunk,
       render *r)
{
  memset(r, 0, sizeof *r);
  r->last = -1;
  zhconv__scanner *sc;
  if (zhconv__scanner_new(format, fields, &sc) != ZHCONV_OK)
    return NULL;
  zhconv__scanner_sink sink = {S_span, S_warn, r};
  zhconv__buf pending = {0};
  size_t at = 0;
  int st = ZHCONV_OK;
  for (;;) {
    size_t take = chunk && len - at > chunk ? chunk : len - at;
    zhconv__buf_append(&pending, in + at, take);
    at += take;
    size_t used;
    st = zhconv__scanner_feed(sc, pending.data ? pending.data : "", pending.len,
                              at == len ? ZHCONV_END : ZHCONV_CONTINUE, &sink, &used);
    if (st != ZHCONV_OK)
      break;
    zhconv__buf_consume(&pending, used);
    if (at == len)
      break;
  }
  zhconv__scanner_free(sc);
  if (r->last >= 0)
    zhconv__buf_append(&r->text, "]", 1);
  zhconv__buf_append(&r->text, "", 1);
  bool whole = st == ZHCONV_OK && pending.len == 0 && r->joined.len == len &&
               (len == 0 || memcmp(r->joined.data, in, len) == 0);
  zhconv__buf_free(&pending);
  zhconv__buf_free(&r->joined);
  if (!whole) {
    zhconv__buf_free(&r->text);
    return strdup("(the spans do not add up to the input)");
  }
  return r->text.data;
}

static void
S_case(int format, const char *fields, const char *in, const char *want, const char *name)
{
  render r;
  size_t len = strlen(in);
  char *got = S_scan(format, fields, in, len, 0, &r);
  STR_EQ(got, want, "%s", name);
  static const size_t chunks[] = {1, 2, 3, 5, 7, 64, 100};
  bool same = true;
  for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
    render r2;
    char *again = S_scan(format, fields, in, len, chunks[i], &r2);
    if (!again || !got || strcmp(again, got) != 0) {
      printf("#   in %zu-byte pieces: '%s'\n", chunks[i], again ? again : "(null)");
      same = false;
    }
    if (r2.cut) {
      printf("#   in %zu-byte pieces a span ends inside a character\n", chunks[i]);
      same = false;
    }
    free(again);
  }
  OK(same, "%s: the same in pieces", name);
  free(got);
}

/* ---- through the stream ------------------------------------------------------ */

typedef struct {
  int count;
  zhconv_mark where;
  char message[256];
} warnings;

static void
S_on_warning(void *user, const char *message, const zhconv_mark *where)
{
  warnings *w = user;
  w->count++;
  w->where = *where;
  snprintf(w->message, sizeof w->message, "%s", message);
}

/* Convert `in` through a stream of `format`; the status, *out a new string. */
static int
S_stream(const zhconv *z, const char *format, const char *in, size_t len, char **out,
         size_t *outlen, zhconv_mark *where, warnings *w)
{
  zhconv_stream *s = zhconv_stream_new(z);
  zhconv__buf result = {0};
  int st = format ? zhconv_stream_set_format(s, format) : ZHCONV_OK;
  if (w) {
    memset(w, 0, sizeof *w);
    zhconv_stream_on_warning(s, S_on_warning, w);
  }
  zhconv_inbuf ib = {in, len, 0};
  do {
    char buf[64];
    zhconv_outbuf ob = {buf, sizeof buf, 0};
    if (st >= 0)
      st = zhconv_stream_convert(s, &ob, &ib, ZHCONV_END);
    zhconv__buf_append(&result, buf, ob.pos);
  } while (st == ZHCONV_MORE);
  if (st < 0 && where)
    zhconv_stream_error(s, where);
  zhconv__buf_append(&result, "", 1);
  *out = result.data;
  *outlen = result.len - 1;
  zhconv_stream_free(s);
  return st;
}

static void
S_stream_tests(void)
{
  zhconv_options *o = zhconv_options_new();
  zhconv_options_set(o, ZHCONV_OPT_TO, "hant");
  zhconv_options_set(o, ZHCONV_OPT_FROM, "hans");
  if (getenv("ZHCONV_DATA_DIR"))
    zhconv_options_set(o, ZHCONV_OPT_DATA_DIR, getenv("ZHCONV_DATA_DIR"));
  INT_EQ(zhconv_options_set(o, ZHCONV_OPT_FORMAT, "latex"), ZHCONV_ERR_ARG, "format latex: refused");
  INT_EQ(zhconv_options_set(o, ZHCONV_OPT_FORMAT, "markdown"), ZHCONV_OK, "format markdown");
  zhconv *z = zhconv_new(o, NULL);
  zhconv_options_set(o, ZHCONV_OPT_FORMAT, "text");
  zhconv *zt = zhconv_new(o, NULL);
  zhconv_options_free(o);
  if (!OK(z && zt, "converters to hant")) {
    zhconv_free(z);
    zhconv_free(zt);
    return;
  }
  char *out;
  size_t len;
  zhconv_mark where;
  warnings w;
  zhconv_convert(z, "汉字`汉字`", strlen("汉字`汉字`"), &out, &len, NULL);
  STR_EQ(out, "漢字`汉字`", "zhconv_convert: the converter's format, markdown");
  zhconv_string_free(out);
  S_stream(zt, NULL, "汉字`汉字`", strlen("汉字`汉字`"), &out, &len, NULL, NULL);
  STR_EQ(out, "漢字`漢字`", "text: backticks mean nothing");
  free(out);
  S_stream(zt, "markdown", "汉字`汉字`", strlen("汉字`汉字`"), &out, &len, NULL, NULL);
  STR_EQ(out, "漢字`汉字`", "zhconv_stream_set_format: markdown for one stream");
  free(out);
  S_stream(zt, "auto", "---\na: 汉\n---\n汉`汉`", strlen("---\na: 汉\n---\n汉`汉`"), &out, &len, NULL, NULL);
  STR_EQ(out, "---\na: 汉\n---\n漢`汉`", "auto: front matter makes it Markdown");
  free(out);
  S_stream(zt, "auto", "-- 汉`汉`", strlen("-- 汉`汉`"), &out, &len, NULL, NULL);
  STR_EQ(out, "-- 漢`漢`", "auto: otherwise text");
  free(out);
  S_stream(zt, "html", "<b title=\"汉\">汉</b>", strlen("<b title=\"汉\">汉</b>"), &out, &len,
           NULL, NULL);
  STR_EQ(out, "<b title=\"漢\">漢</b>", "html for one stream");
  free(out);
  zhconv_stream *s = zhconv_stream_new(zt);
  INT_EQ(zhconv_stream_set_format(s, "latex"), ZHCONV_ERR_ARG, "set_format: an unknown format");
  char buf[16];
  zhconv_inbuf ib = {"a", 1, 0};
  zhconv_outbuf ob = {buf, sizeof buf, 0};
  zhconv_stream_convert(s, &ob, &ib, ZHCONV_CONTINUE);
  INT_EQ(zhconv_stream_set_format(s, "html"), ZHCONV_ERR_STATE, "set_format: not once input came");
  zhconv_stream_free(s);
  /* Kept bytes are validated too; positions are positions in the input. */
  int st = S_stream(z, NULL, "中`\x80`", 6, &out, &len, &where, NULL);
  INT_EQ(st, ZHCONV_ERR_INVALID_UTF8, "invalid UTF-8 in a code span: an error");
  INT_EQ(where.offset, 4, "... at its byte offset in the input");
  free(out);
  st = S_stream(z, NULL, "```\n中\n```\n中\x80", 16, &out, &len, &where, NULL);
  INT_EQ(where.offset, 15, "invalid UTF-8 after a code block: its offset in the input");
  INT_EQ(where.line, 3, "... and line");
  INT_EQ(where.column, 1, "... and column");
  free(out);
  S_stream(z, NULL, "-{汉}-\x80", 8, &out, &len, &where, NULL);
  INT_EQ(where.offset, 7, "invalid UTF-8 after -{ }-: dropped markers count");
  free(out);
  st = S_stream(z, NULL, "汉`a\0b`汉", 11, &out, &len, NULL, NULL);
  OK(st == ZHCONV_OK && len == 11 && memcmp(out, "漢`a\0b`漢", 11) == 0, "NUL in a code span is kept");
  free(out);
  zhconv_options *o2 = zhconv_options_new();
  zhconv_options_set(o2, ZHCONV_OPT_TO, "hant");
  zhconv_options_set(o2, ZHCONV_OPT_FROM, "hans");
  zhconv_options_set(o2, ZHCONV_OPT_INVALID, "replace");
  zhconv_options_set(o2, ZHCONV_OPT_FORMAT, "markdown");
  zhconv_options_set(o2, ZHCONV_OPT_FRONT_MATTER, "title");
  if (getenv("ZHCONV_DATA_DIR"))
    zhconv_options_set(o2, ZHCONV_OPT_DATA_DIR, getenv("ZHCONV_DATA_DIR"));
  zhconv *zr = zhconv_new(o2, NULL);
  zhconv_options_free(o2);
  S_stream(zr, NULL, "`\xE4\xB8`汉", 7, &out, &len, NULL, NULL);
  STR_EQ(out, "`\xEF\xBF\xBD`漢", "--invalid=replace in a code span");
  free(out);
  S_stream(zr, NULL, "---\ntitle: 汉\nx: 汉\n---\n汉", strlen("---\ntitle: 汉\nx: 汉\n---\n汉"), &out, &len, NULL, &w);
  STR_EQ(out, "---\ntitle: 漢\nx: 汉\n---\n漢", "ZHCONV_OPT_FRONT_MATTER: title only");
  INT_EQ(w.count, 0, "... no warning");
  free(out);
  S_stream(zr, NULL, "---\ntitle: 'a\n---\n汉", strlen("---\ntitle: 'a\n---\n汉"), &out, &len, NULL, &w);
  STR_EQ(out, "---\ntitle: 'a\n---\n漢", "malformed front matter: kept, the body converted");
  INT_EQ(w.count, 1, "... one warning");
  OK(w.where.file == NULL && w.where.line == 2, "... in the input, at line 3 (%zu)", w.where.line);
  free(out);
  /* FLUSH hands out a held paragraph. */
  s = zhconv_stream_new(z);
  zhconv_inbuf in2 = {"汉字\n", 7, 0};
  char big[64];
  zhconv_outbuf ob2 = {big, sizeof big, 0};
  st = zhconv_stream_convert(s, &ob2, &in2, ZHCONV_CONTINUE);
  size_t before = ob2.pos;
  st = zhconv_stream_convert(s, &ob2, &in2, ZHCONV_FLUSH);
  OK(st == ZHCONV_OK && before == 0 && ob2.pos == 7 && memcmp(big, "漢字\n", 7) == 0,
     "ZHCONV_FLUSH writes a paragraph held back");
  zhconv_stream_free(s);
  zhconv_free(z);
  zhconv_free(zt);
  zhconv_free(zr);
}

#define MD ZHCONV__FORMAT_MARKDOWN
#define HTML ZHCONV__FORMAT_HTML
#define TEXT ZHCONV__FORMAT_TEXT

int
main(void)
{
  /* ---- Markdown inlines ---- */
  S_case(MD, NULL, "a `b` c", "P[a ]K[`b`]P[ c]", "code span");
  S_case(MD, NULL, "``a `b` c``", "K[``a `b` c``]", "code span with a shorter backtick string");
  S_case(MD, NULL, "\\`a` b", "P[\\`a` b]", "an escaped backtick opens nothing");
  S_case(MD, NULL, "中 ` 文", "P[中 ` 文]", "an unmatched backtick is text");
  S_case(MD, NULL, "中`x`", "P[中]K[`x`]", "no newline at the end");
  S_case(MD, NULL, "见<https://a.b/中>。", "P[见]K[<https://a.b/中>]P[。]", "autolink");
  S_case(MD, NULL, "写<a@b.cn>吧", "P[写]K[<a@b.cn>]P[吧]", "e-mail autolink");
  S_case(MD, NULL, "[文字](http://x/y \"标题\")", "P[[文字](]K[http://x/y]P[ \"标题\")]",
         "link: the destination is kept, text and title are prose");
  S_case(MD, NULL, "![图](a.png)", "P[![图](]K[a.png]P[)]", "image");
  S_case(MD, NULL, "[a](<中 文> '题')", "P[[a](]K[<中 文>]P[ '题')]",
         "link destination in angle brackets");
  S_case(MD, NULL, "[a](/x(y)z)", "P[[a](]K[/x(y)z]P[)]", "link destination with parentheses");
  S_case(MD, NULL, "[中 [a](/u)](/v)", "P[[中 [a](]K[/u]P[)](/v)]",
         "a link inside a link: the outer one is text");
  S_case(MD, NULL, "[a `]` b](/x)", "P[[a ]K[`]`]P[ b](]K[/x]P[)]",
         "a code span in link text");
  S_case(MD, NULL, "[标签]: /url \"标题\"\n\n[标签]", "P[[标签]: ]K[/url]P[ \"标题\"\n\n[标签]]",
         "reference definition");
  S_case(MD, NULL, "[a]:\n<中>\n'题'\n", "P[[a]:\n]K[<中>]P[\n'题'\n]",
         "reference definition over three lines");
  S_case(MD, NULL, "[a](/u \"&ouml;中\")", "P[[a](]K[/u]P[ \"]K[&ouml;]P[中\")]",
         "entities in a title are kept");
  S_case(MD, NULL, "文<span title=\"中\">字</span>", "P[文]K[<span title=\"中\">]P[字]K[</span>]",
         "inline HTML tags keep their attributes");
  S_case(MD, NULL, "文<!-- 注释 -->字", "P[文]K[<!-- 注释 -->]P[字]", "inline HTML comment");
  S_case(MD, NULL, "用<code>中文</code>写", "P[用]K[<code>中文</code>]P[写]",
         "the contents of <code>");
  S_case(MD, NULL, "按<kbd>中</kbd>键<samp>文</samp>", "P[按]K[<kbd>中</kbd>]P[键]K[<samp>文</samp>]",
         "the contents of <kbd> and <samp>");
  S_case(MD, NULL, "a <b c=\"", "P[a <b c=\"]", "an unclosed tag is text");
  S_case(MD, NULL, "a <![CDATA[x]]]> b `c`", "P[a <![CDATA[x]]]> b ]K[`c`]",
         "CDATA whose text ends in ] does not close at ]]> (as cmark reads it)");
  S_case(MD, NULL, "a <?x?" "?> b `c`", "P[a <?x?" "?> b ]K[`c`]",
         "a processing instruction whose text ends in ? does not close at ?>");
  S_case(MD, NULL, "A&amp;B&#x4E2D;C", "P[A]K[&amp;]P[B]K[&#x4E2D;]P[C]", "entities");
  S_case(MD, NULL, "公式$a+b$和$$c$$", "P[公式]K[$a+b$]P[和]K[$$c$$]", "math");
  S_case(MD, NULL, "价格$5和$10", "P[价格$5和$10]", "dollar amounts are not math");
  S_case(MD, NULL, "见https://a.com/x。", "P[见]K[https://a.com/x]P[。]", "bare URL");
  S_case(MD, NULL, "(见 www.a.com/x).", "P[(见 ]K[www.a.com/x]P[).]",
         "bare URL: trailing punctuation is not part of it");
  S_case(MD, NULL, "写信给a@b.com吧", "P[写信给]K[a@b.com]P[吧]", "bare e-mail address");
  S_case(MD, NULL, "-{台湾}-的", "D[-{]K[台湾]D[}-]P[的]", "-{ }- protection");
  S_case(MD, NULL, "`-{a}-`", "K[`-{a}-`]", "-{ }- in code is code");
  S_case(MD, NULL, "a<!-- zhconv:off -->b<!-- zhconv:on -->c",
         "P[a]K[<!-- zhconv:off -->b<!-- zhconv:on -->]P[c]", "zhconv:off inline");
  /* ---- Markdown blocks ---- */
  S_case(MD, NULL, "```js\n中文\n```\n后", "K[```js\n中文\n```\n]P[后]", "fenced code");
  S_case(MD, NULL, "~~~~ info\n```\n~~~~\n后", "K[~~~~ info\n```\n~~~~\n]P[后]",
         "tilde fence holding a backtick fence");
  S_case(MD, NULL, "```\n中\n\n文", "K[```\n中\n\n文]", "an unclosed fence runs to the end");
  S_case(MD, NULL, "    code\n\n段", "K[    code\n\n]P[段]", "indented code");
  S_case(MD, NULL, "- a\n  ```\n  中\n  ```\n", "P[- a\n]K[  ```\n  中\n  ```\n]",
         "fenced code in a list item");
  S_case(MD, NULL, "> ```\n> 中\n> ```\n", "K[> ```\n> 中\n> ```\n]", "fenced code in a block quote");
  S_case(MD, NULL, "- a\n  - `b`\n    - c\n", "P[- a\n]K[  - `b`]P[\n    - c\n]", "nested lists");
  S_case(MD, NULL, "1. a\n\n       code\n", "P[1. a\n\n]K[       code\n]",
         "indented code in a list item");
  S_case(MD, NULL, "> a\nb `c`\n", "P[> a\nb ]K[`c`]P[\n]", "lazy continuation line");
  S_case(MD, NULL, "- a\n<a href=\"x\">\n中`x`", "P[- a\n]K[<a href=\"x\">]P[\n中]K[`x`]",
         "a lone tag on a lazy line is inline HTML, not an HTML block");
  S_case(MD, NULL, "> `a\n> b`\n", "K[> `a\n> b`]P[\n]", "a code span across quoted lines");
  S_case(MD, NULL, "标题\n===\n", "P[标题\n===\n]", "setext heading");
  S_case(MD, NULL, "# 标题 `x` #\n", "P[# 标题 ]K[`x`]P[ #\n]", "ATX heading");
  S_case(MD, NULL, "<div>\n中\n</div>\n\n文", "K[<div>\n中\n</div>\n]P[\n文]", "HTML block");
  S_case(MD, NULL, "<!-- zhconv:off -->\n中\n<!-- zhconv:on -->\n文",
         "K[<!-- zhconv:off -->\n中\n<!-- zhconv:on -->\n]P[文]", "zhconv:off region");
  S_case(MD, NULL, "# 标题\r\n\r\n`x`\r\n", "P[# 标题\r\n\r\n]K[`x`]P[\r\n]", "CRLF");
  S_case(MD, NULL, "\xEF\xBB\xBF中", "K[\xEF\xBB\xBF]P[中]", "a BOM is kept");
  /* ---- front matter ---- */
  S_case(MD, NULL, "---\ntitle: 中\n---\n正文", "K[---\ntitle: 中\n---\n]P[正文]",
         "YAML front matter is kept");
  S_case(MD, "title", "---\ntitle: 中\nx: 文\n---\n正文",
         "K[---\ntitle: ]P[中]K[\nx: 文\n---\n]P[正文]", "a chosen key's value is prose");
  S_case(MD, "tags", "---\ntags:\n  - 甲\n  - 乙\n---\n",
         "K[---\ntags:\n  - ]P[甲]K[\n  - ]P[乙]K[\n---\n]", "a chosen key's sequence");
  S_case(MD, "title", "\xEF\xBB\xBF---\r\ntitle: 中\r\n---\r\n正文",
         "K[\xEF\xBB\xBF---\r\ntitle: ]P[中]K[\r\n---\r\n]P[正文]", "BOM and CRLF front matter");
  S_case(MD, "title", "---\ntitle: \"中\" # 注\n...\n文",
         "K[---\ntitle: ]P[\"中\"]K[ # 注\n...\n]P[文]", "... closes; quotes and comments stay");
  S_case(MD, "title", "+++\ntitle = \"中\"\n+++\n文", "K[+++\ntitle = ]P[\"中\"]K[\n+++\n]P[文]",
         "TOML front matter");
  S_case(MD, "a", "---\na: [\n---\n文", "K[---\na: [\n---\n]P[文]",
         "malformed front matter is kept");
  S_case(MD, NULL, "---\n中\n", "P[---\n中\n]", "no closing fence: not front matter");
  render r;
  free(S_scan(MD, "a", "---\na: [\n---\n文", 17, 0, &r));
  INT_EQ(r.warnings, 1, "malformed front matter: a warning");
  INT_EQ(r.warn_line, 2, "malformed front matter: at line 3, where libyaml saw it");
  free(S_scan(MD, NULL, "---\n中\n", 7, 0, &r));
  OK(r.warnings == 1 && r.warn_line == 0, "no closing fence: a warning at line 1");
  /* ---- HTML ---- */
  S_case(HTML, NULL,
         "<p title=\"标题\" class=\"x\">段落 &amp; <code>代码</code></p><!-- 注 --><img alt=\"http://x\">",
         "K[<p title=\"]P[标题]K[\" class=\"x\">]P[段落 ]K[&amp;]P[ ]K[<code>代码</code></p><!-- 注 --><img alt=\"http://x\">]",
         "HTML: text, title and alt are prose; tags, entities, comments, code are kept");
  S_case(HTML, NULL, "<script>var a='中';</script>文<style>p{}</style>",
         "K[<script>var a='中';</script>]P[文]K[<style>p{}</style>]", "HTML: script and style");
  S_case(HTML, NULL, "<pre>\n中\n</pre>\n<input placeholder='请输入'>",
         "K[<pre>\n中\n</pre>]P[\n]K[<input placeholder=']P[请输入]K['>]", "HTML: pre and placeholder");
  S_case(HTML, NULL, "<b>-{中}-</b>", "K[<b>]D[-{]K[中]D[}-]K[</b>]", "HTML: -{ }-");
  S_case(HTML, NULL, "a < b <!-- zhconv:off -->c<!-- zhconv:on -->",
         "P[a < b ]K[<!-- zhconv:off -->c<!-- zhconv:on -->]", "HTML: zhconv:off");
  /* ---- text ---- */
  S_case(TEXT, NULL, "a-{中}-b<!-- zhconv:off -->c<!-- zhconv:on -->d",
         "P[a]D[-{]K[中]D[}-]P[b]K[<!-- zhconv:off -->c<!-- zhconv:on -->]P[d]",
         "text: the protection markup");
  S_case(TEXT, NULL, "a-b <c> -{ unclosed", "P[a-b <c> -{ unclosed]", "text: nothing else");
  S_case(TEXT, NULL, "<!-- zhconv:off -->汉字甲乙<!-- zhconv:on -->汉",
         "K[<!-- zhconv:off -->汉字甲乙<!-- zhconv:on -->]P[汉]",
         "text: a kept region is not cut inside a character");
  S_case(HTML, NULL, "<!-- zhconv:off -->汉字<b>甲乙</b><!-- zhconv:on -->",
         "K[<!-- zhconv:off -->汉字<b>甲乙</b><!-- zhconv:on -->]",
         "HTML: a kept region is not cut inside a character");
  /* A marker with many spaces inside: read as a marker however the input
   * is divided (a fuzzing find: a piece that ended inside the spaces, past
   * 64 bytes, made it a comment). */
  char spaced[512], want[512];
  snprintf(spaced, sizeof spaced, "a<!--%150szhconv:off%80s-->b<!-- zhconv:on -->c", "", "");
  snprintf(want, sizeof want, "P[a]K[%.*s]P[c]", (int)(strlen(spaced) - 2), spaced + 1);
  S_case(TEXT, NULL, spaced, want, "text: a marker with long spaces");
  S_case(HTML, NULL, spaced, want, "HTML: a marker with long spaces");
  S_case(HTML, NULL, "a<!--->b<!-->c<!-- x -->d", "P[a]K[<!--->]P[b]K[<!-->]P[c]K[<!-- x -->]P[d]",
         "HTML: short comments");
  S_stream_tests();
  return tap_done();
}
