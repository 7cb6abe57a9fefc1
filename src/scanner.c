/* scanner.c — which bytes of a document are prose.
 *
 * The scanner sits in front of the converter.  It reads a document in
 * whatever pieces it arrives and cuts it into consecutive spans:
 *
 *   PROSE  text to convert;
 *   KEEP   bytes to copy as they are (code, markup, URLs, front matter...);
 *   DROP   bytes to leave out (the -{ and }- of the protection markup).
 *
 * Markdown is read line by line in the way of cmark's blocks.c: the
 * prefixes of the open containers (block quotes, list items) are matched,
 * new blocks are opened, and each line lands in a leaf block.  Code blocks
 * and HTML blocks go out line by line as KEEP; a paragraph (or heading) is
 * held until it ends, then its text, container prefixes left out, is
 * scanned for inlines in the way of cmark's inlines.c: code spans,
 * autolinks, raw HTML, entities, link destinations, plus math, bare URLs,
 * e-mail addresses and -{ }-.  Front matter at the start of a Markdown
 * document is kept, or has the values of chosen keys converted in place
 * (frontmatter.c).  HTML is read by a byte-level tokenizer: text, tags,
 * comments, and the contents of code-like elements.  Text has only the
 * protection markup.
 *
 * The scanner's state describes only what it has consumed, and it cuts the
 * input only where a construct has ended, so the spans do not depend on
 * how the input was divided.  It holds back an incomplete line, an open
 * paragraph, a front matter block, or (HTML and text) a construct that has
 * not ended, up to a limit; memory is bounded by the longest of those. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"

/* The longest tag, -{ }- or comment marker that HTML and text wait for. */
#define WAIT_LIMIT ((size_t)64 * 1024)
/* The longest front matter block. */
#define FRONT_MATTER_LIMIT ((size_t)1024 * 1024)
/* A paragraph longer than this is scanned in pieces (at line ends). */
#define PARAGRAPH_LIMIT ((size_t)4 * 1024 * 1024)
/* Container nesting beyond this is read as text. */
#define MAX_DEPTH 256

enum { PHASE_START, PHASE_FRONT, PHASE_BODY };

typedef struct S_block {
  char type;        /* 'Q' block quote, 'L' list, 'I' list item */
  bool has_child;   /* item: holds a block */
  int indent;       /* item: the columns its content is indented by */
  char bullet;      /* list and item: '-', '+', '*', or 0 when ordered */
  char delim;       /* ordered: '.' or ')' */
} S_block;

/* A paragraph line in the paragraph buffer: its start, where its text
 * starts (after the container prefixes) and its end (after the ending). */
typedef struct S_pline {
  size_t start, content, end;
} S_pline;

typedef struct S_range {
  size_t start, end;
  zhconv__span kind;
} S_range;

struct zhconv__scanner {
  int format;
  char **fields;
  size_t nfields;
  int phase;
  bool off;                 /* inside <!-- zhconv:off --> ... <!-- zhconv:on --> */
  int status;               /* the first error of a sink */
  const zhconv__scanner_sink *sink;
  /* output not yet handed to the sink (merged while contiguous) */
  zhconv__span pend_kind;
  const char *pend;
  size_t pend_len;
  /* Markdown: open containers and the open leaf */
  S_block *stack;
  size_t depth, stack_cap;
  char tip;                 /* 'P', 'F' fenced code, 'C' indented code, 'H' HTML, 0 */
  char fence_char;
  size_t fence_len;
  int fence_offset;
  int html_type;
  /* the open paragraph */
  zhconv__buf para;
  S_pline *plines;
  size_t nplines, plines_cap;
  bool para_piece;          /* some of it has gone out already (long or flushed) */
  zhconv__buf text;         /* its text, prefixes left out */
  S_range *ranges;
  size_t nranges, ranges_cap;
  size_t bt_fail[33];       /* no closing backtick string of this length after */
  size_t cmt_fail, pi_fail, cdata_fail, decl_fail, prot_fail, dollar_fail;
  /* front matter */
  zhconv__buf fm;
  char fm_kind;             /* 'y' YAML, 't' TOML */
  size_t fm_open;           /* bytes of the BOM and the opening fence line */
  /* HTML and text */
  char raw_name[8];         /* inside this element: wait for its end tag */
  bool in_comment;
  size_t resume;            /* how far a held construct has been searched */
  size_t line_searched;     /* how far an incomplete line has been searched */
};

/* ---- small helpers ------------------------------------------------------ */

static bool
S_is_space(unsigned char c)
{
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static bool
S_is_sp_tab(unsigned char c)
{
  return c == ' ' || c == '\t';
}

static bool
S_is_alpha(unsigned char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static bool
S_is_digit(unsigned char c)
{
  return c >= '0' && c <= '9';
}

static bool
S_is_alnum(unsigned char c)
{
  return S_is_alpha(c) || S_is_digit(c);
}

static bool
S_is_punct(unsigned char c)
{
  return (c >= 33 && c <= 47) || (c >= 58 && c <= 64) || (c >= 91 && c <= 96) ||
         (c >= 123 && c <= 126);
}

static unsigned char
S_lower(unsigned char c)
{
  return c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Does s[p, n) start with the ASCII word w, ignoring case? */
static bool
S_starts_ci(const char *s, size_t n, size_t p, const char *w)
{
  size_t k = strlen(w);
  if (n - p < k || p > n)
    return false;
  for (size_t i = 0; i < k; i++)
    if (S_lower((unsigned char)s[p + i]) != (unsigned char)w[i])
      return false;
  return true;
}

static size_t
S_find(const char *s, size_t n, size_t from, const char *w)
{
  size_t k = strlen(w);
  for (size_t i = from; i + k <= n; i++) {
    const char *q = memchr(s + i, w[0], n - i - k + 1);
    if (!q)
      return SIZE_MAX;
    i = (size_t)(q - s);
    if (memcmp(q, w, k) == 0)
      return i;
  }
  return SIZE_MAX;
}

/* The first i >= from where s[i] is '<' or '-' (or '&' when amp), or n.
 * Prose is long and these bytes are rare in it, so eight bytes are tested
 * at a time: a byte equal to c makes (w ^ c*0x01..01) have a zero byte. */
static size_t
S_skip_prose(const char *s, size_t n, size_t from, bool amp)
{
  const uint64_t ones = 0x0101010101010101ULL, highs = 0x8080808080808080ULL;
  const uint64_t lt = '<' * ones, dash = '-' * ones, and = (amp ? '&' : '<') * ones;
  size_t i = from;
  for (; i + 8 <= n; i += 8) {
    uint64_t w;
    memcpy(&w, s + i, 8);
    uint64_t a = w ^ lt, b = w ^ dash, c = w ^ and;
    if ((((a - ones) & ~a) | ((b - ones) & ~b) | ((c - ones) & ~c)) & highs)
      break;
  }
  while (i < n && s[i] != '<' && s[i] != '-' && !(amp && s[i] == '&'))
    i++;
  return i;
}

/* Back a cut at s[n] up to a character boundary. */
static size_t
S_char_floor(const char *s, size_t n)
{
  size_t k = n;
  while (k > 0 && n - k < 3 && ((unsigned char)s[k - 1] & 0xC0) == 0x80)
    k--;
  if (k > 0 && (unsigned char)s[k - 1] >= 0xC0) {
    unsigned char lead = (unsigned char)s[k - 1];
    size_t need = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
    if (n - (k - 1) < need)
      return k - 1;
  }
  return n;
}

/* ---- output ---------------------------------------------------------------- */

static void
S_out_flush(zhconv__scanner *sc)
{
  if (sc->pend_len && sc->status == ZHCONV_OK)
    sc->status = sc->sink->span(sc->sink->user, sc->pend_kind, sc->pend, sc->pend_len);
  sc->pend_len = 0;
}

static void
S_out(zhconv__scanner *sc, zhconv__span kind, const char *p, size_t len)
{
  if (len == 0)
    return;
  if (sc->pend_len && sc->pend_kind == kind && sc->pend + sc->pend_len == p) {
    sc->pend_len += len;
    return;
  }
  S_out_flush(sc);
  sc->pend_kind = kind;
  sc->pend = p;
  sc->pend_len = len;
}

/* Prose, unless in a zhconv:off region. */
static zhconv__span
S_prose(const zhconv__scanner *sc)
{
  return sc->off ? ZHCONV__SPAN_KEEP : ZHCONV__SPAN_PROSE;
}

static void
S_nomem(zhconv__scanner *sc)
{
  if (sc->status == ZHCONV_OK)
    sc->status = ZHCONV_ERR_NOMEM;
}

/* ---- protection markers ------------------------------------------------------ */

/* Whether the data ends inside `word`: s[i, n) is a proper prefix of it. */
static bool
S_ends_inside(const char *s, size_t n, size_t i, const char *word)
{
  size_t k = strlen(word);
  return n - i < k && memcmp(s + i, word, n - i) == 0;
}

/* At s[p] "<!--": 1 for <!-- zhconv:off -->, 2 for <!-- zhconv:on -->, 0
 * for anything else; *len receives the marker's length.  *more says
 * whether the data ends where more of it could still make a marker.  The
 * spaces inside are not limited, so a marker is at most WAIT_LIMIT long:
 * a longer one would make a divided input wait without bound. */
static int
S_marker(const char *s, size_t n, size_t p, size_t *len, bool *more)
{
  *more = false;
  size_t i = p + 4;
  if (n - p < 4 || memcmp(s + p, "<!--", 4) != 0)
    return 0;
  while (i < n && S_is_space((unsigned char)s[i]))
    i++;
  int which;
  if (i == n || S_ends_inside(s, n, i, "zhconv:off") || S_ends_inside(s, n, i, "zhconv:on")) {
    *more = n - p < WAIT_LIMIT;
    return 0;
  }
  if (n - i >= 10 && memcmp(s + i, "zhconv:off", 10) == 0) {
    which = 1;
    i += 10;
  } else if (n - i >= 9 && memcmp(s + i, "zhconv:on", 9) == 0) {
    which = 2;
    i += 9;
  } else {
    return 0;
  }
  while (i < n && S_is_space((unsigned char)s[i]))
    i++;
  if (i == n || S_ends_inside(s, n, i, "-->")) {
    *more = n - p < WAIT_LIMIT;
    return 0;
  }
  if (n - i < 3 || memcmp(s + i, "-->", 3) != 0 || i + 3 - p > WAIT_LIMIT)
    return 0;
  *len = i + 3 - p;
  return which;
}

/* Apply the markers in s[0, n) in order (an HTML block line). */
static void
S_markers_in(zhconv__scanner *sc, const char *s, size_t n)
{
  for (size_t i = 0; (i = S_find(s, n, i, "<!--")) != SIZE_MAX;) {
    size_t len;
    bool more;
    int m = S_marker(s, n, i, &len, &more);
    if (m) {
      sc->off = m == 1;
      i += len;
    } else {
      i += 4;
    }
  }
}

/* ---- inline scanning (Markdown) ---------------------------------------------- */

static void
S_range_add(zhconv__scanner *sc, size_t start, size_t end, zhconv__span kind)
{
  if (end <= start)
    return;
  if (sc->nranges && sc->ranges[sc->nranges - 1].kind == kind &&
      sc->ranges[sc->nranges - 1].end == start) {
    sc->ranges[sc->nranges - 1].end = end;
    return;
  }
  if (sc->nranges == sc->ranges_cap) {
    size_t cap = sc->ranges_cap ? sc->ranges_cap * 2 : 64;
    S_range *v = realloc(sc->ranges, cap * sizeof *v);
    if (!v) {
      S_nomem(sc);
      return;
    }
    sc->ranges = v;
    sc->ranges_cap = cap;
  }
  sc->ranges[sc->nranges].start = start;
  sc->ranges[sc->nranges].end = end;
  sc->ranges[sc->nranges].kind = kind;
  sc->nranges++;
}

static size_t
S_ranges_end(const zhconv__scanner *sc)
{
  return sc->nranges ? sc->ranges[sc->nranges - 1].end : 0;
}

/* Mark s[start, end) as `kind`, the text before it as prose. */
static void
S_mark(zhconv__scanner *sc, size_t start, size_t end, zhconv__span kind)
{
  S_range_add(sc, S_ranges_end(sc), start, S_prose(sc));
  S_range_add(sc, start, end, kind);
}

static size_t
S_skip_spacechars(const char *s, size_t n, size_t i)
{
  while (i < n && S_is_space((unsigned char)s[i]))
    i++;
  return i;
}

/* A code span at s[p] (a backtick string of length k): its end, or 0. */
static size_t
S_code_span(zhconv__scanner *sc, const char *s, size_t n, size_t p, size_t k)
{
  if (k < 33 && p >= sc->bt_fail[k])
    return 0;
  for (size_t i = p + k; i < n;) {
    const char *q = memchr(s + i, '`', n - i);
    if (!q)
      break;
    size_t j = (size_t)(q - s), m = 0;
    while (j + m < n && s[j + m] == '`')
      m++;
    if (m == k)
      return j + m;
    i = j + m;
  }
  if (k < 33)
    sc->bt_fail[k] = p;
  return 0;
}

/* An autolink at s[p] == '<': its length, or 0. */
static size_t
S_autolink(const char *s, size_t n, size_t p)
{
  size_t i = p + 1;
  /* <scheme:...> */
  if (i < n && S_is_alpha((unsigned char)s[i])) {
    size_t j = i + 1;
    while (j < n && j - i < 32 &&
           (S_is_alnum((unsigned char)s[j]) || s[j] == '+' || s[j] == '.' || s[j] == '-'))
      j++;
    if (j < n && s[j] == ':' && j - i >= 2) {
      j++;
      while (j < n && (unsigned char)s[j] > 0x20 && s[j] != '<' && s[j] != '>')
        j++;
      if (j < n && s[j] == '>')
        return j + 1 - p;
    }
  }
  /* <local@domain> */
  static const char local[] = ".!#$%&'*+/=?^_`{|}~-";
  size_t j = i;
  while (j < n && (S_is_alnum((unsigned char)s[j]) || (s[j] && strchr(local, s[j]))))
    j++;
  if (j == i || j >= n || s[j] != '@')
    return 0;
  j++;
  for (;;) {
    size_t start = j, len = 0;
    if (j >= n || !S_is_alnum((unsigned char)s[j]))
      return 0;
    while (j < n && (S_is_alnum((unsigned char)s[j]) || s[j] == '-') && len < 63) {
      j++;
      len++;
    }
    if (s[j - 1] == '-' || j - start > 63)
      return 0;
    if (j < n && s[j] == '.') {
      j++;
      continue;
    }
    if (j < n && s[j] == '>')
      return j + 1 - p;
    return 0;
  }
}

/* An HTML open tag at s[p] == '<' by CommonMark's rules: its length, or
 * 0.  *name and *name_len receive the tag name. */
static size_t
S_open_tag(const char *s, size_t n, size_t p, size_t *name, size_t *name_len)
{
  size_t i = p + 1;
  if (i >= n || !S_is_alpha((unsigned char)s[i]))
    return 0;
  *name = i;
  while (i < n && (S_is_alnum((unsigned char)s[i]) || s[i] == '-'))
    i++;
  *name_len = i - *name;
  for (;;) {
    size_t j = S_skip_spacechars(s, n, i);
    if (j == i || j >= n)
      break;
    unsigned char c = (unsigned char)s[j];
    if (!(S_is_alpha(c) || c == '_' || c == ':'))
      break;
    j++;
    while (j < n && (S_is_alnum((unsigned char)s[j]) || s[j] == '_' || s[j] == '.' ||
                     s[j] == ':' || s[j] == '-'))
      j++;
    i = j;
    size_t k = S_skip_spacechars(s, n, j);
    if (k < n && s[k] == '=') {
      k = S_skip_spacechars(s, n, k + 1);
      if (k >= n)
        return 0;
      if (s[k] == '"' || s[k] == '\'') {
        const char *q = memchr(s + k + 1, s[k], n - k - 1);
        if (!q)
          return 0;
        i = (size_t)(q - s) + 1;
      } else {
        size_t v = k;
        while (v < n && !S_is_space((unsigned char)s[v]) && !strchr("\"'=<>`", s[v]))
          v++;
        if (v == k)
          return 0;
        i = v;
      }
    }
  }
  i = S_skip_spacechars(s, n, i);
  if (i < n && s[i] == '/')
    i++;
  if (i < n && s[i] == '>')
    return i + 1 - p;
  return 0;
}

/* Raw HTML at s[p] == '<' (CommonMark's inline rules): its length or 0;
 * *kind receives 'o' (open tag), 'c' (closing tag), '!' (comment) or '?'
 * (other). */
static size_t
S_raw_html(zhconv__scanner *sc, const char *s, size_t n, size_t p, char *kind, size_t *name,
           size_t *name_len)
{
  size_t i = p + 1;
  if (i >= n)
    return 0;
  unsigned char c = (unsigned char)s[i];
  if (S_is_alpha(c)) {
    *kind = 'o';
    return S_open_tag(s, n, p, name, name_len);
  }
  if (c == '/') {
    i++;
    if (i >= n || !S_is_alpha((unsigned char)s[i]))
      return 0;
    *kind = 'c';
    *name = i;
    while (i < n && (S_is_alnum((unsigned char)s[i]) || s[i] == '-'))
      i++;
    *name_len = i - *name;
    i = S_skip_spacechars(s, n, i);
    return i < n && s[i] == '>' ? i + 1 - p : 0;
  }
  *kind = '?';
  if (c == '?') {
    if (p >= sc->pi_fail)
      return 0;
    /* As cmark's scanner reads it: a '?' right before the "?>" pairs with
     * it instead, so that "?>" does not close. */
    for (size_t q = p + 2; (q = S_find(s, n, q, "?>")) != SIZE_MAX; q++)
      if (q == p + 2 || s[q - 1] != '?')
        return q + 2 - p;
    sc->pi_fail = p;
    return 0;
  }
  if (c != '!')
    return 0;
  if (n - p >= 4 && memcmp(s + p, "<!--", 4) == 0) {
    *kind = '!';
    if (n - p >= 7 && memcmp(s + p, "<!---->", 7) == 0)
      return 7;
    size_t t = p + 4;
    if (t >= n || s[t] == '>' || (s[t] == '-' && t + 1 < n && s[t + 1] == '>'))
      return 0;
    if (p >= sc->cmt_fail)
      return 0;
    size_t q = S_find(s, n, t, "--");
    if (q == SIZE_MAX) {
      sc->cmt_fail = p;
      return 0;
    }
    if (q == t || q + 2 >= n || s[q + 2] != '>')
      return 0;
    return q + 3 - p;
  }
  if (n - p >= 9 && memcmp(s + p, "<![CDATA[", 9) == 0) {
    if (p >= sc->cdata_fail)
      return 0;
    /* (The same for a ']' right before the "]]>".) */
    for (size_t q = p + 9; (q = S_find(s, n, q, "]]>")) != SIZE_MAX; q++)
      if (q == p + 9 || s[q - 1] != ']')
        return q + 3 - p;
    sc->cdata_fail = p;
    return 0;
  }
  if (i + 1 < n && S_is_alpha((unsigned char)s[i + 1])) {
    if (p >= sc->decl_fail)
      return 0;
    const char *q = memchr(s + i + 1, '>', n - i - 1);
    if (!q) {
      sc->decl_fail = p;
      return 0;
    }
    return (size_t)(q - s) + 1 - p;
  }
  return 0;
}

/* An entity or numeric character reference at s[p] == '&': its length or
 * 0.  Named ones are not checked against HTML's list: left as written. */
static size_t
S_entity(const char *s, size_t n, size_t p)
{
  size_t i = p + 1;
  if (i < n && s[i] == '#') {
    i++;
    size_t start, max;
    bool hex = i < n && (s[i] == 'x' || s[i] == 'X');
    if (hex)
      i++;
    start = i;
    max = hex ? 6 : 7;
    while (i < n && i - start < max &&
           (S_is_digit((unsigned char)s[i]) ||
            (hex && strchr("abcdefABCDEF", s[i]) && s[i])))
      i++;
    return i > start && i < n && s[i] == ';' ? i + 1 - p : 0;
  }
  if (i >= n || !S_is_alpha((unsigned char)s[i]))
    return 0;
  size_t start = i;
  while (i < n && i - start < 32 && S_is_alnum((unsigned char)s[i]))
    i++;
  return i - start >= 2 && i < n && s[i] == ';' ? i + 1 - p : 0;
}

/* A link destination at s[i] (CommonMark's manual_scan_link_url): its
 * length, or -1. */
static long
S_link_url(const char *s, size_t n, size_t i0)
{
  size_t i = i0;
  if (i < n && s[i] == '<') {
    i++;
    while (i < n) {
      if (s[i] == '>') {
        i++;
        break;
      } else if (s[i] == '\\') {
        i += 2;
      } else if (s[i] == '\n' || s[i] == '<') {
        return -1;
      } else {
        i++;
      }
    }
    if (i >= n)
      return -1;
    return (long)(i - i0);
  }
  int parens = 0;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c == '\\' && i + 1 < n && S_is_punct((unsigned char)s[i + 1])) {
      i += 2;
    } else if (c == '(') {
      if (++parens > 32)
        return -1;
      i++;
    } else if (c == ')') {
      if (parens == 0)
        break;
      parens--;
      i++;
    } else if (S_is_space(c)) {
      if (i == i0)
        return -1;
      break;
    } else {
      i++;
    }
  }
  if (i >= n || parens != 0)
    return -1;
  return (long)(i - i0);
}

/* A link title at s[i]: its length, or 0. */
static size_t
S_link_title(const char *s, size_t n, size_t i0)
{
  if (i0 >= n)
    return 0;
  char open = s[i0], close = open == '(' ? ')' : open;
  if (open != '"' && open != '\'' && open != '(')
    return 0;
  for (size_t i = i0 + 1; i < n; i++) {
    if (s[i] == '\\' && i + 1 < n && S_is_punct((unsigned char)s[i + 1]))
      i++;
    else if (s[i] == close)
      return i + 1 - i0;
    else if (open == '(' && s[i] == '(')
      return 0;
  }
  return 0;
}

/* Spaces and tabs, then at most one line ending, then spaces and tabs. */
static size_t
S_spnl(const char *s, size_t n, size_t i)
{
  while (i < n && S_is_sp_tab((unsigned char)s[i]))
    i++;
  if (i < n && s[i] == '\r')
    i++;
  if (i < n && s[i] == '\n')
    i++;
  while (i < n && S_is_sp_tab((unsigned char)s[i]))
    i++;
  return i;
}

/* A link reference definition at s[p]: its end, or 0; its destination
 * is s[*ds, *de). */
static size_t
S_refdef(const char *s, size_t n, size_t p, size_t *ds, size_t *de, size_t *ts, size_t *te)
{
  if (p >= n || s[p] != '[')
    return 0;
  size_t i = p + 1;
  bool nonblank = false;
  while (i < n && i - p <= 1000) {
    if (s[i] == '\\' && i + 1 < n && S_is_punct((unsigned char)s[i + 1])) {
      nonblank = true;
      i += 2;
    } else if (s[i] == '[') {
      return 0;
    } else if (s[i] == ']') {
      break;
    } else {
      if (!S_is_space((unsigned char)s[i]))
        nonblank = true;
      i++;
    }
  }
  if (i >= n || s[i] != ']' || !nonblank || i + 1 >= n || s[i + 1] != ':')
    return 0;
  i = S_spnl(s, n, i + 2);
  long len = S_link_url(s, n, i);
  if (len < 0)
    return 0;
  *ds = i;
  *de = i + (size_t)len;
  i = *de;
  size_t before = i;
  i = S_spnl(s, n, i);
  size_t tlen = i == before ? 0 : S_link_title(s, n, i);
  *ts = i;
  *te = i + tlen;
  i = tlen ? i + tlen : before;
  for (int attempt = 0; attempt < 2; attempt++) {
    while (i < n && S_is_sp_tab((unsigned char)s[i]))
      i++;
    bool end = i >= n;
    if (i < n && s[i] == '\r') {
      i++;
      end = true;
    }
    if (i < n && s[i] == '\n') {
      i++;
      end = true;
    }
    if (end)
      return i;
    if (!tlen)
      return 0;
    /* Try again without the title. */
    tlen = 0;
    *ts = *te = before;
    i = before;
  }
  return 0;
}

/* An inline link's "(destination title)" after the ']' at s[p]: true
 * with the destination s[*ds, *de) and the end. */
static bool
S_inline_link(const char *s, size_t n, size_t p, size_t *ds, size_t *de, size_t *ts,
              size_t *te, size_t *end)
{
  size_t i = p + 1;
  if (i >= n || s[i] != '(')
    return false;
  i = S_skip_spacechars(s, n, i + 1);
  long len = S_link_url(s, n, i);
  if (len < 0)
    return false;
  *ds = i;
  *de = i + (size_t)len;
  size_t t = S_skip_spacechars(s, n, *de);
  *ts = t;
  *te = t == *de ? t : t + S_link_title(s, n, t);
  size_t e = S_skip_spacechars(s, n, *te);
  if (e < n && s[e] == ')') {
    *end = e + 1;
    return true;
  }
  return false;
}

/* A bare URL at s[p] (http://, https://, ftp://, www.): its length or 0.
 * It runs over the ASCII characters a URL may hold (not spaces, < > " `
 * [ ] { } \ ^ |); trailing punctuation and an unbalanced ')' are left out,
 * as GFM does. */
static size_t
S_bare_url(const char *s, size_t n, size_t p)
{
  size_t i;
  if (S_starts_ci(s, n, p, "http://"))
    i = p + 7;
  else if (S_starts_ci(s, n, p, "https://"))
    i = p + 8;
  else if (S_starts_ci(s, n, p, "ftp://"))
    i = p + 6;
  else if (S_starts_ci(s, n, p, "www."))
    i = p + 4;
  else
    return 0;
  size_t host = i;
  while (i < n) {
    unsigned char c = (unsigned char)s[i];
    if (c <= 0x20 || c >= 0x7F || strchr("<>\"`[]{}\\^|", c))
      break;
    i++;
  }
  if (i == host || !S_is_alnum((unsigned char)s[host]))
    return 0;
  for (;;) {
    unsigned char c = (unsigned char)s[i - 1];
    if (strchr("?!.,:*_~'\"", c) && c) {
      i--;
    } else if (c == ')') {
      int open = 0, close = 0;
      for (size_t k = p; k < i; k++) {
        open += s[k] == '(';
        close += s[k] == ')';
      }
      if (close <= open)
        break;
      i--;
    } else if (c == ';') {
      size_t k = i - 1;
      while (k > host && S_is_alnum((unsigned char)s[k - 1]))
        k--;
      if (k > host && s[k - 1] == '&' && k < i - 1)
        i = k - 1;
      else
        break;
    } else {
      break;
    }
    if (i <= host)
      return 0;
  }
  return i - p;
}

static bool
S_email_local(unsigned char c)
{
  return S_is_alnum(c) || c == '.' || c == '-' || c == '_' || c == '+';
}

/* An e-mail address around the '@' at s[at], not reaching back before
 * `floor`: true with its extent. */
static bool
S_email(const char *s, size_t n, size_t at, size_t floor, size_t *start, size_t *end)
{
  size_t a = at;
  while (a > floor && S_email_local((unsigned char)s[a - 1]))
    a--;
  if (a == at)
    return false;
  size_t i = at + 1, dots = 0, last_dot = 0;
  while (i < n && (S_is_alnum((unsigned char)s[i]) || s[i] == '-' || s[i] == '_' || s[i] == '.')) {
    if (s[i] == '.') {
      if (i + 1 >= n || !S_is_alnum((unsigned char)s[i + 1]))
        break;
      dots++;
      last_dot = i;
    }
    i++;
  }
  if (dots == 0 || i <= last_dot + 1)
    return false;
  unsigned char c = (unsigned char)s[i - 1];
  if (c == '-' || c == '_')
    return false;
  *start = a;
  *end = i;
  return true;
}

/* $...$ or $$...$$ at s[p]: the end, or 0.  Inline math follows pandoc:
 * the opening $ has a non-space to its right, the closing one a non-space
 * to its left and no digit right after it. */
static size_t
S_math(zhconv__scanner *sc, const char *s, size_t n, size_t p)
{
  if (p + 1 < n && s[p + 1] == '$') {
    size_t q = S_find(s, n, p + 2, "$$");
    return q == SIZE_MAX || q == p + 2 ? 0 : q + 2;
  }
  if (p + 1 >= n || S_is_space((unsigned char)s[p + 1]))
    return 0;
  if (p >= sc->dollar_fail)
    return 0;
  for (size_t i = p + 1; i < n; i++) {
    const char *q = memchr(s + i, '$', n - i);
    if (!q)
      break;
    i = (size_t)(q - s);
    if (s[i - 1] == '\\' || S_is_space((unsigned char)s[i - 1]))
      continue;
    if (i + 1 < n && S_is_digit((unsigned char)s[i + 1]))
      continue;
    return i + 1;
  }
  sc->dollar_fail = p;
  return 0;
}

/* The end of a raw element's content: the start of "</name" + spaces + ">"
 * at or after s[from], with *end after the closing tag; SIZE_MAX if none. */
static size_t
S_end_tag(const char *s, size_t n, size_t from, const char *name, size_t *end)
{
  size_t k = strlen(name);
  for (size_t i = from; (i = S_find(s, n, i, "</")) != SIZE_MAX; i += 2) {
    if (!S_starts_ci(s, n, i + 2, name))
      continue;
    size_t j = S_skip_spacechars(s, n, i + 2 + k);
    if (j < n && s[j] == '>') {
      *end = j + 1;
      return i;
    }
  }
  return SIZE_MAX;
}

static const char *const S_code_like[] = {"code", "pre", "kbd", "samp", "script", "style"};

static const char *
S_code_like_name(const char *s, size_t name, size_t len)
{
  for (size_t i = 0; i < sizeof S_code_like / sizeof S_code_like[0]; i++)
    if (strlen(S_code_like[i]) == len && S_starts_ci(s, name + len, name, S_code_like[i]))
      return S_code_like[i];
  return NULL;
}

/* A link title is prose, but its entities are left as written. */
static void
S_title_entities(zhconv__scanner *sc, const char *s, size_t ts, size_t te)
{
  for (size_t i = ts; i < te; i++) {
    size_t len;
    if (s[i] == '&' && (len = S_entity(s, te, i)) != 0) {
      S_mark(sc, i, i + len, ZHCONV__SPAN_KEEP);
      i += len - 1;
    }
  }
}

typedef struct S_opener {
  size_t pos;
  bool image, active;
} S_opener;

/* Classify the inline text s[0, n) into sc->ranges: what is kept, dropped
 * or prose.  With `refdefs`, link reference definitions at its start are
 * read first; n_defs is the length they may use (the text with its final
 * line ending), n the length inlines may use (trailing space trimmed). */
static void
S_reset_caches(zhconv__scanner *sc)
{
  for (size_t k = 0; k < 33; k++)
    sc->bt_fail[k] = SIZE_MAX;
  sc->cmt_fail = sc->pi_fail = sc->cdata_fail = sc->decl_fail = SIZE_MAX;
  sc->prot_fail = sc->dollar_fail = SIZE_MAX;
}

static void
S_inlines(zhconv__scanner *sc, const char *s, size_t n_defs, size_t n, bool refdefs)
{
  sc->nranges = 0;
  S_reset_caches(sc);
  size_t p = 0;
  if (refdefs) {
    size_t ds, de, ts, te, e;
    while (p < n_defs && (e = S_refdef(s, n_defs, p, &ds, &de, &ts, &te)) != 0) {
      S_mark(sc, ds, de, ZHCONV__SPAN_KEEP);
      S_title_entities(sc, s, ts, te);
      p = e;
    }
  }
  if (p > n)
    n = p;
  S_opener stack_small[16], *openers = stack_small;
  size_t nopen = 0, cap = 16;
  while (p < n && sc->status == ZHCONV_OK) {
    unsigned char c = (unsigned char)s[p];
    switch (c) {
    case '\\':
      p += p + 1 < n && S_is_punct((unsigned char)s[p + 1]) ? 2 : 1;
      break;
    case '`': {
      size_t k = 1;
      while (p + k < n && s[p + k] == '`')
        k++;
      size_t e = S_code_span(sc, s, n, p, k);
      if (e)
        S_mark(sc, p, e, ZHCONV__SPAN_KEEP);
      p = e ? e : p + k;
      break;
    }
    case '<': {
      size_t len = S_autolink(s, n, p);
      if (len) {
        S_mark(sc, p, p + len, ZHCONV__SPAN_KEEP);
        p += len;
        break;
      }
      char kind;
      size_t name = 0, name_len = 0;
      len = S_raw_html(sc, s, n, p, &kind, &name, &name_len);
      if (!len) {
        p++;
        break;
      }
      size_t e = p + len;
      const char *raw;
      if (kind == 'o' && s[e - 2] != '/' && (raw = S_code_like_name(s, name, name_len))) {
        size_t close_end;
        if (S_end_tag(s, n, e, raw, &close_end) != SIZE_MAX)
          e = close_end;
      }
      S_mark(sc, p, e, ZHCONV__SPAN_KEEP);
      size_t mlen;
      bool more;
      int m = kind == '!' ? S_marker(s, n, p, &mlen, &more) : 0;
      if (m && mlen == len)
        sc->off = m == 1;
      p = e;
      break;
    }
    case '&': {
      size_t len = S_entity(s, n, p);
      if (len)
        S_mark(sc, p, p + len, ZHCONV__SPAN_KEEP);
      p += len ? len : 1;
      break;
    }
    case '!':
    case '[': {
      bool image = c == '!';
      if (image && !(p + 1 < n && s[p + 1] == '[')) {
        p++;
        break;
      }
      if (nopen == cap) {
        S_opener *v = malloc(cap * 2 * sizeof *v);
        if (!v) {
          S_nomem(sc);
          break;
        }
        memcpy(v, openers, nopen * sizeof *v);
        if (openers != stack_small)
          free(openers);
        openers = v;
        cap *= 2;
      }
      openers[nopen].pos = p;
      openers[nopen].image = image;
      openers[nopen].active = true;
      nopen++;
      p += image ? 2 : 1;
      break;
    }
    case ']': {
      size_t ds, de, ts, te, e;
      if (nopen == 0) {
        p++;
        break;
      }
      S_opener o = openers[--nopen];
      if (o.active && S_inline_link(s, n, p, &ds, &de, &ts, &te, &e)) {
        S_mark(sc, ds, de, ZHCONV__SPAN_KEEP);
        S_title_entities(sc, s, ts, te);
        if (!o.image)
          for (size_t k = 0; k < nopen; k++)
            if (!openers[k].image)
              openers[k].active = false;
        p = e;
      } else {
        p++;
      }
      break;
    }
    case '$': {
      size_t e = S_math(sc, s, n, p);
      if (e)
        S_mark(sc, p, e, ZHCONV__SPAN_KEEP);
      p = e ? e : p + (p + 1 < n && s[p + 1] == '$' ? 2 : 1);
      break;
    }
    case '-':
      if (!sc->off && p + 1 < n && s[p + 1] == '{' && p < sc->prot_fail) {
        size_t q = S_find(s, n, p + 2, "}-");
        if (q != SIZE_MAX) {
          S_mark(sc, p, p + 2, ZHCONV__SPAN_DROP);
          S_range_add(sc, p + 2, q, ZHCONV__SPAN_KEEP);
          S_range_add(sc, q, q + 2, ZHCONV__SPAN_DROP);
          p = q + 2;
          break;
        }
        sc->prot_fail = p;
      }
      p++;
      break;
    case '@': {
      size_t a, e;
      if (S_email(s, n, p, S_ranges_end(sc), &a, &e)) {
        S_mark(sc, a, e, ZHCONV__SPAN_KEEP);
        p = e;
      } else {
        p++;
      }
      break;
    }
    case 'h': case 'H': case 'f': case 'F': case 'w': case 'W': {
      size_t len = 0;
      if (p == 0 || !S_is_alnum((unsigned char)s[p - 1]))
        len = S_bare_url(s, n, p);
      if (len) {
        S_mark(sc, p, p + len, ZHCONV__SPAN_KEEP);
        p += len;
      } else {
        while (p < n && S_is_alnum((unsigned char)s[p]))
          p++;
      }
      break;
    }
    default:
      if (S_is_alnum(c)) {
        /* A word: a URL starts only at its beginning. */
        while (p < n && S_is_alnum((unsigned char)s[p]))
          p++;
      } else {
        p++;
      }
      break;
    }
  }
  if (openers != stack_small)
    free(openers);
  S_range_add(sc, S_ranges_end(sc), n_defs > n ? n_defs : n, S_prose(sc));
}

/* ---- Markdown blocks ------------------------------------------------------------ */

typedef struct S_line {
  const char *s;
  size_t len;          /* without the line ending */
  size_t eol;          /* bytes of the line ending */
  size_t offset;       /* where matching has got to */
  int column;          /* its column, tabs stopping every 4 */
  bool partial;        /* a tab partly consumed */
  size_t nonspace;     /* the first non-space at or after offset */
  int nonspace_column;
  int indent;
  bool blank;
} S_line;

static unsigned char
S_peek(const S_line *L, size_t i)
{
  return i < L->len ? (unsigned char)L->s[i] : '\n';
}

static void
S_nonspace(S_line *L)
{
  int to_tab = 4 - (L->column % 4);
  L->nonspace = L->offset;
  L->nonspace_column = L->column;
  for (;;) {
    unsigned char c = S_peek(L, L->nonspace);
    if (c == ' ') {
      L->nonspace++;
      L->nonspace_column++;
      if (--to_tab == 0)
        to_tab = 4;
    } else if (c == '\t') {
      L->nonspace++;
      L->nonspace_column += to_tab;
      to_tab = 4;
    } else {
      break;
    }
  }
  L->indent = L->nonspace_column - L->column;
  L->blank = S_peek(L, L->nonspace) == '\n';
}

static void
S_advance(S_line *L, int count, bool columns)
{
  while (count > 0 && L->offset < L->len) {
    if (L->s[L->offset] == '\t') {
      int to_tab = 4 - (L->column % 4);
      if (columns) {
        L->partial = to_tab > count;
        int step = count < to_tab ? count : to_tab;
        L->column += step;
        L->offset += L->partial ? 0 : 1;
        count -= step;
      } else {
        L->partial = false;
        L->column += to_tab;
        L->offset++;
        count--;
      }
    } else {
      L->partial = false;
      L->offset++;
      L->column++;
      count--;
    }
  }
}

static void
S_advance_to_nonspace(S_line *L)
{
  S_advance(L, (int)(L->nonspace - L->offset), false);
}

/* Rest of the line from i is spaces and tabs only. */
static bool
S_rest_blank(const S_line *L, size_t i)
{
  while (i < L->len && S_is_sp_tab((unsigned char)L->s[i]))
    i++;
  return i >= L->len;
}

/* An ATX heading opening at i: the length of the #s, or 0. */
static size_t
S_atx_start(const S_line *L, size_t i)
{
  size_t k = 0;
  while (S_peek(L, i + k) == '#' && k < 7)
    k++;
  if (k == 0 || k > 6)
    return 0;
  unsigned char c = S_peek(L, i + k);
  return c == ' ' || c == '\t' || c == '\n' ? k : 0;
}

/* An opening code fence at i: its length, or 0. */
static size_t
S_fence_open(const S_line *L, size_t i)
{
  unsigned char c = S_peek(L, i);
  if (c != '`' && c != '~')
    return 0;
  size_t k = 0;
  while (S_peek(L, i + k) == c)
    k++;
  if (k < 3)
    return 0;
  if (c == '`' && memchr(L->s + i + k, '`', L->len - i - k))
    return 0;
  return k;
}

/* A closing code fence at i for a fence of `ch` at least `min` long. */
static bool
S_fence_close(const S_line *L, size_t i, char ch, size_t min)
{
  size_t k = 0;
  while (S_peek(L, i + k) == (unsigned char)ch)
    k++;
  return k >= min && S_rest_blank(L, i + k);
}

static int
S_setext(const S_line *L, size_t i)
{
  unsigned char c = S_peek(L, i);
  if (c != '=' && c != '-')
    return 0;
  size_t k = i;
  while (S_peek(L, k) == c)
    k++;
  return S_rest_blank(L, k) ? (c == '=' ? 1 : 2) : 0;
}

static bool
S_thematic(const S_line *L, size_t i)
{
  unsigned char c = S_peek(L, i);
  if (c != '*' && c != '-' && c != '_')
    return false;
  int count = 0;
  for (; i < L->len; i++) {
    if (L->s[i] == (char)c)
      count++;
    else if (!S_is_sp_tab((unsigned char)L->s[i]))
      return false;
  }
  return count >= 3;
}

static const char *const S_block_tags[] = {
  "address", "article", "aside", "base", "basefont", "blockquote", "body", "caption",
  "center", "col", "colgroup", "dd", "details", "dialog", "dir", "div", "dl", "dt",
  "fieldset", "figcaption", "figure", "footer", "form", "frame", "frameset", "h1", "h2",
  "h3", "h4", "h5", "h6", "head", "header", "hr", "html", "iframe", "legend", "li", "link",
  "main", "menu", "menuitem", "nav", "noframes", "ol", "optgroup", "option", "p", "param",
  "section", "source", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "title",
  "tr", "track", "ul"};

/* The type (1-7) of an HTML block starting at i, or 0. */
static int
S_html_start(zhconv__scanner *sc, const S_line *L, size_t i, bool in_paragraph)
{
  const char *s = L->s;
  size_t n = L->len;
  if (S_peek(L, i) != '<')
    return 0;
  static const char *const t1[] = {"script", "pre", "style", "textarea"};
  for (size_t k = 0; k < 4; k++)
    if (S_starts_ci(s, n, i + 1, t1[k])) {
      unsigned char c = S_peek(L, i + 1 + strlen(t1[k]));
      if (S_is_space(c) || c == '>')
        return 1;
    }
  if (S_starts_ci(s, n, i, "<!--"))
    return 2;
  if (S_starts_ci(s, n, i, "<?"))
    return 3;
  if (S_peek(L, i + 1) == '!' && S_is_alpha(S_peek(L, i + 2)))
    return 4;
  if (n - i >= 9 && memcmp(s + i, "<![CDATA[", 9) == 0)
    return 5;
  size_t j = i + 1 + (S_peek(L, i + 1) == '/');
  for (size_t k = 0; k < sizeof S_block_tags / sizeof S_block_tags[0]; k++) {
    size_t len = strlen(S_block_tags[k]);
    if (!S_starts_ci(s, n, j, S_block_tags[k]))
      continue;
    unsigned char c = S_peek(L, j + len);
    if (c == ' ' || c == '\t' || c == '\n' || c == '>' ||
        (c == '/' && S_peek(L, j + len + 1) == '>'))
      return 6;
  }
  if (in_paragraph)
    return 0;
  char kind;
  size_t name, name_len;
  S_reset_caches(sc);
  size_t len = S_raw_html(sc, s, n, i, &kind, &name, &name_len);
  S_reset_caches(sc);
  if (len && (kind == 'o' || kind == 'c') && S_rest_blank(L, i + len))
    return 7;
  return 0;
}

static bool
S_html_end(const S_line *L, size_t i, int type)
{
  const char *s = L->s;
  size_t n = L->len;
  switch (type) {
  case 1:
    for (size_t k = i; k < n; k++)
      if (s[k] == '<' && (S_starts_ci(s, n, k, "</script>") || S_starts_ci(s, n, k, "</pre>") ||
                          S_starts_ci(s, n, k, "</style>") || S_starts_ci(s, n, k, "</textarea>")))
        return true;
    return false;
  case 2: return S_find(s, n, i, "-->") != SIZE_MAX;
  case 3: return S_find(s, n, i, "?>") != SIZE_MAX;
  case 4: return i < n && memchr(s + i, '>', n - i) != NULL;
  case 5: return S_find(s, n, i, "]]>") != SIZE_MAX;
  default: return false;
  }
}

/* A list marker at i: its length, or 0; fills the item. */
static size_t
S_list_marker(const S_line *L, size_t i, bool interrupts, S_block *item)
{
  size_t pos = i;
  unsigned char c = S_peek(L, pos);
  memset(item, 0, sizeof *item);
  item->type = 'I';
  if (c == '*' || c == '-' || c == '+') {
    pos++;
    if (!S_is_space(S_peek(L, pos)))
      return 0;
    item->bullet = (char)c;
  } else if (S_is_digit(c)) {
    long start = 0;
    int digits = 0;
    do {
      start = start * 10 + (S_peek(L, pos) - '0');
      pos++;
      digits++;
    } while (digits < 9 && S_is_digit(S_peek(L, pos)));
    if (interrupts && start != 1)
      return 0;
    c = S_peek(L, pos);
    if (c != '.' && c != ')')
      return 0;
    pos++;
    if (!S_is_space(S_peek(L, pos)))
      return 0;
    item->delim = (char)c;
  } else {
    return 0;
  }
  if (interrupts) {
    size_t k = pos;
    while (S_is_sp_tab(S_peek(L, k)))
      k++;
    if (S_peek(L, k) == '\n')
      return 0;
  }
  return pos - i;
}

static bool
S_push(zhconv__scanner *sc, const S_block *b)
{
  if (sc->depth == sc->stack_cap) {
    size_t cap = sc->stack_cap ? sc->stack_cap * 2 : 16;
    S_block *v = realloc(sc->stack, cap * sizeof *v);
    if (!v) {
      S_nomem(sc);
      return false;
    }
    sc->stack = v;
    sc->stack_cap = cap;
  }
  if (sc->depth)
    sc->stack[sc->depth - 1].has_child = true;
  sc->stack[sc->depth++] = *b;
  return true;
}

/* A leaf block opens in the innermost container: a list cannot hold one. */
static void
S_leaf_opens(zhconv__scanner *sc)
{
  if (sc->depth && sc->stack[sc->depth - 1].type == 'L')
    sc->depth--;
  if (sc->depth)
    sc->stack[sc->depth - 1].has_child = true;
}

/* ---- paragraphs ------------------------------------------------------------------ */

/* The kind of sc->ranges at text position i (i < the ranges' end). */
static zhconv__span
S_kind_at(const zhconv__scanner *sc, size_t *hint, size_t i)
{
  while (*hint < sc->nranges && sc->ranges[*hint].end <= i)
    (*hint)++;
  return *hint < sc->nranges ? sc->ranges[*hint].kind : ZHCONV__SPAN_PROSE;
}

/* Emit the held paragraph lines: their text scanned for inlines. */
static void
S_para_emit(zhconv__scanner *sc)
{
  if (sc->nplines == 0)
    return;
  zhconv__buf *t = &sc->text;
  t->len = 0;
  for (size_t i = 0; i < sc->nplines; i++) {
    const S_pline *pl = &sc->plines[i];
    if (zhconv__buf_append(t, sc->para.data + pl->content, pl->end - pl->content) != ZHCONV_OK) {
      S_nomem(sc);
      return;
    }
  }
  /* Definitions see the text with a line ending; inlines without the
   * trailing white space (as cmark trims it). */
  size_t n = t->len, n_defs = n;
  bool virtual_eol = n == 0 || (t->data[n - 1] != '\n' && t->data[n - 1] != '\r');
  if (zhconv__buf_append(t, "\n", 1) != ZHCONV_OK) {
    S_nomem(sc);
    return;
  }
  if (virtual_eol)
    n_defs = n + 1;
  size_t n_inl = n;
  while (n_inl > 0 && S_is_space((unsigned char)t->data[n_inl - 1]))
    n_inl--;
  S_inlines(sc, t->data, n_defs, n_inl, !sc->para_piece);
  /* Out, line by line; a prefix takes the kind of the text after it. */
  size_t hint = 0, c = 0;
  const char *base = sc->para.data;
  for (size_t i = 0; i < sc->nplines && sc->status == ZHCONV_OK; i++) {
    const S_pline *pl = &sc->plines[i];
    size_t clen = pl->end - pl->content;
    if (pl->content > pl->start) {
      size_t h = hint;
      zhconv__span k = clen ? S_kind_at(sc, &h, c) : S_prose(sc);
      S_out(sc, k == ZHCONV__SPAN_DROP ? ZHCONV__SPAN_PROSE : k, base + pl->start,
            pl->content - pl->start);
    }
    for (size_t off = 0; off < clen;) {
      while (hint < sc->nranges && sc->ranges[hint].end <= c + off)
        hint++;
      zhconv__span k = hint < sc->nranges ? sc->ranges[hint].kind : S_prose(sc);
      size_t e = hint < sc->nranges && sc->ranges[hint].end < c + clen ? sc->ranges[hint].end
                                                                       : c + clen;
      S_out(sc, k, base + pl->content + off, e - c - off);
      off = e - c;
    }
    c += clen;
  }
  S_out_flush(sc);
  sc->nplines = 0;
  sc->para.len = 0;
}

static void
S_para_close(zhconv__scanner *sc)
{
  S_para_emit(sc);
  sc->para_piece = false;
  if (sc->tip == 'P')
    sc->tip = 0;
}

/* Add a line to the paragraph: [start, content) is prefix. */
static void
S_para_add(zhconv__scanner *sc, const S_line *L, size_t content)
{
  if (sc->nplines == sc->plines_cap) {
    size_t cap = sc->plines_cap ? sc->plines_cap * 2 : 32;
    S_pline *v = realloc(sc->plines, cap * sizeof *v);
    if (!v) {
      S_nomem(sc);
      return;
    }
    sc->plines = v;
    sc->plines_cap = cap;
  }
  size_t base = sc->para.len;
  if (zhconv__buf_append(&sc->para, L->s, L->len + L->eol) != ZHCONV_OK) {
    S_nomem(sc);
    return;
  }
  if (content > L->len)
    content = L->len;
  sc->plines[sc->nplines].start = base;
  sc->plines[sc->nplines].content = base + content;
  sc->plines[sc->nplines].end = base + L->len + L->eol;
  sc->nplines++;
  if (sc->para.len > PARAGRAPH_LIMIT) {
    S_para_emit(sc);
    sc->para_piece = true;
  }
}

/* Does the held paragraph hold anything but link reference definitions? */
static bool
S_para_has_content(zhconv__scanner *sc)
{
  if (sc->para_piece)
    return true;
  zhconv__buf *t = &sc->text;
  t->len = 0;
  for (size_t i = 0; i < sc->nplines; i++) {
    const S_pline *pl = &sc->plines[i];
    if (zhconv__buf_append(t, sc->para.data + pl->content, pl->end - pl->content) != ZHCONV_OK) {
      S_nomem(sc);
      return true;
    }
  }
  size_t n = t->len;
  if (n == 0 || (t->data[n - 1] != '\n' && t->data[n - 1] != '\r')) {
    if (zhconv__buf_append(t, "\n", 1) != ZHCONV_OK) {
      S_nomem(sc);
      return true;
    }
    n++;
  }
  size_t p = 0, ds, de, ts, te, e;
  while (p < n && (e = S_refdef(t->data, n, p, &ds, &de, &ts, &te)) != 0)
    p = e;
  for (; p < n; p++)
    if (!S_is_space((unsigned char)t->data[p]))
      return true;
  return false;
}

/* Emit a whole line as one kind. */
static void
S_line_out(zhconv__scanner *sc, const S_line *L, zhconv__span kind)
{
  S_out(sc, kind, L->s, L->len + L->eol);
}

/* An ATX heading's line: its text, without the closing #s, is inline. */
static void
S_heading_out(zhconv__scanner *sc, const S_line *L)
{
  size_t start = L->offset, end = L->len;
  while (end > start && S_is_sp_tab((unsigned char)L->s[end - 1]))
    end--;
  size_t k = end;
  while (k > start && L->s[k - 1] == '#')
    k--;
  if (k < end && (k == start || S_is_sp_tab((unsigned char)L->s[k - 1]))) {
    end = k;
    while (end > start && S_is_sp_tab((unsigned char)L->s[end - 1]))
      end--;
  }
  while (start < end && S_is_sp_tab((unsigned char)L->s[start]))
    start++;
  S_out(sc, S_prose(sc), L->s, start);
  if (end > start) {
    /* Scan a copy with a line ending after it. */
    zhconv__buf *t = &sc->text;
    t->len = 0;
    if (zhconv__buf_append(t, L->s + start, end - start) != ZHCONV_OK ||
        zhconv__buf_append(t, "\n", 1) != ZHCONV_OK) {
      S_nomem(sc);
      return;
    }
    S_inlines(sc, t->data, end - start, end - start, false);
    for (size_t i = 0; i < sc->nranges; i++) {
      size_t a = sc->ranges[i].start, b = sc->ranges[i].end;
      if (b > end - start)
        b = end - start;
      if (a < b)
        S_out(sc, sc->ranges[i].kind, L->s + start + a, b - a);
    }
  }
  S_out(sc, S_prose(sc), L->s + end, L->len + L->eol - end);
}

/* Close the open leaf (a paragraph goes out) and the containers that did
 * not match, before the first new block of a line. */
static void
S_close_unmatched(zhconv__scanner *sc, size_t matched, bool *closed)
{
  if (*closed)
    return;
  *closed = true;
  if (sc->tip == 'P')
    S_para_close(sc);
  sc->tip = 0;
  sc->depth = matched;
}

/* One line of Markdown. */
static void
S_md_line(zhconv__scanner *sc, const char *s, size_t len, size_t eol)
{
  S_line L;
  memset(&L, 0, sizeof L);
  L.s = s;
  L.len = len;
  L.eol = eol;
  /* 1. The open containers. */
  size_t matched = 0;
  bool all_matched = true;
  for (size_t i = 0; i < sc->depth; i++) {
    S_block *b = &sc->stack[i];
    S_nonspace(&L);
    if (b->type == 'Q') {
      if (!(L.indent <= 3 && S_peek(&L, L.nonspace) == '>')) {
        all_matched = false;
        break;
      }
      S_advance(&L, L.indent + 1, true);
      if (S_is_sp_tab(S_peek(&L, L.offset)))
        S_advance(&L, 1, true);
    } else if (b->type == 'I') {
      if (L.indent >= b->indent) {
        S_advance(&L, b->indent, true);
      } else if (L.blank && b->has_child) {
        S_advance_to_nonspace(&L);
      } else {
        all_matched = false;
        break;
      }
    }
    matched = i + 1;
  }
  /* 2. The open leaf. */
  bool tip_matched = false;
  if (all_matched && sc->tip) {
    S_nonspace(&L);
    switch (sc->tip) {
    case 'F':
      if (L.indent <= 3 && S_peek(&L, L.nonspace) == (unsigned char)sc->fence_char &&
          S_fence_close(&L, L.nonspace, sc->fence_char, sc->fence_len)) {
        S_line_out(sc, &L, ZHCONV__SPAN_KEEP);
        sc->tip = 0;
        return;
      }
      for (int i = sc->fence_offset; i > 0 && S_is_sp_tab(S_peek(&L, L.offset)); i--)
        S_advance(&L, 1, true);
      tip_matched = true;
      break;
    case 'C':
      if (L.indent >= 4) {
        S_advance(&L, 4, true);
        tip_matched = true;
      } else if (L.blank) {
        S_advance_to_nonspace(&L);
        tip_matched = true;
      }
      break;
    case 'H':
      tip_matched = sc->html_type <= 5 || !L.blank;
      break;
    case 'P':
      tip_matched = !L.blank;
      break;
    }
  }
  char cont = tip_matched ? sc->tip : matched ? sc->stack[matched - 1].type : 'D';
  /* 3. New blocks. */
  bool maybe_lazy = sc->tip == 'P';
  bool started = false;
  char leaf = 0;       /* a leaf this line opened: 'A' heading, 'F', 'C', 'H', 'T' */
  while (cont != 'F' && cont != 'C' && cont != 'H' && sc->status == ZHCONV_OK) {
    S_nonspace(&L);
    bool indented = L.indent >= 4;
    unsigned char c = S_peek(&L, L.nonspace);
    size_t k;
    int lev;
    S_block item;
    if (!indented && c == '>' && sc->depth < MAX_DEPTH) {
      S_advance(&L, (int)(L.nonspace + 1 - L.offset), false);
      if (S_is_sp_tab(S_peek(&L, L.offset)))
        S_advance(&L, 1, true);
      S_close_unmatched(sc, matched, &started);
      if (sc->depth && sc->stack[sc->depth - 1].type == 'L')
        sc->depth--;
      S_block q = {'Q', false, 0, 0, 0};
      S_push(sc, &q);
      cont = 'Q';
    } else if (!indented && (k = S_atx_start(&L, L.nonspace))) {
      S_advance(&L, (int)(L.nonspace + k - L.offset), false);
      S_close_unmatched(sc, matched, &started);
      S_leaf_opens(sc);
      leaf = 'A';
      break;
    } else if (!indented && (k = S_fence_open(&L, L.nonspace))) {
      int fence_offset = (int)(L.nonspace - L.offset);
      S_close_unmatched(sc, matched, &started);
      S_leaf_opens(sc);
      sc->fence_char = (char)c;
      sc->fence_len = k;
      sc->fence_offset = fence_offset;
      leaf = 'F';
      break;
    } else if (!indented && (lev = S_html_start(sc, &L, L.nonspace, cont == 'P' || maybe_lazy))) {
      S_close_unmatched(sc, matched, &started);
      S_leaf_opens(sc);
      sc->html_type = lev;
      leaf = 'H';
      break;
    } else if (!indented && cont == 'P' && S_setext(&L, L.nonspace)) {
      if (S_para_has_content(sc)) {
        /* The paragraph is a heading; this line underlines it. */
        S_para_close(sc);
        started = true;
        sc->depth = matched;
        S_line_out(sc, &L, S_prose(sc));
        return;
      }
      break;
    } else if (!indented && !(cont == 'P' && !all_matched) && S_thematic(&L, L.nonspace)) {
      S_close_unmatched(sc, matched, &started);
      S_leaf_opens(sc);
      leaf = 'T';
      break;
    } else if (!indented && (k = S_list_marker(&L, L.nonspace, cont == 'P', &item)) &&
               sc->depth < MAX_DEPTH) {
      S_advance(&L, (int)(L.nonspace + k - L.offset), false);
      S_line save = L;
      while (L.column - save.column <= 5 && S_is_sp_tab(S_peek(&L, L.offset)))
        S_advance(&L, 1, true);
      int i = L.column - save.column;
      if (i >= 5 || i < 1 || S_peek(&L, L.offset) == '\n') {
        item.indent = (int)k + 1;
        L = save;
        if (i > 0)
          S_advance(&L, 1, true);
      } else {
        item.indent = (int)k + i;
      }
      item.indent += L.indent;  /* marker_offset + padding */
      S_close_unmatched(sc, matched, &started);
      S_block *top = sc->depth ? &sc->stack[sc->depth - 1] : NULL;
      if (!top || top->type != 'L' || top->bullet != item.bullet || top->delim != item.delim) {
        if (top && top->type == 'L')
          sc->depth--;
        S_block list = item;
        list.type = 'L';
        S_push(sc, &list);
      }
      S_push(sc, &item);
      cont = 'I';
    } else if (indented && !maybe_lazy && !L.blank) {
      S_advance(&L, 4, true);
      S_close_unmatched(sc, matched, &started);
      S_leaf_opens(sc);
      leaf = 'C';
      break;
    } else {
      break;
    }
    maybe_lazy = false;
  }
  if (sc->status != ZHCONV_OK)
    return;
  /* 4. The line's text. */
  S_nonspace(&L);
  if (!started && !tip_matched && sc->tip == 'P' && !L.blank) {
    /* A lazy continuation line. */
    S_para_add(sc, &L, L.offset);
    return;
  }
  if (!started) {
    if (!tip_matched && sc->tip) {
      if (sc->tip == 'P')
        S_para_close(sc);
      sc->tip = 0;
    }
    sc->depth = matched;
  }
  switch (leaf ? leaf : sc->tip) {
  case 'F':
  case 'C':
    sc->tip = leaf ? leaf : sc->tip;
    S_line_out(sc, &L, ZHCONV__SPAN_KEEP);
    return;
  case 'H':
    sc->tip = 'H';
    S_line_out(sc, &L, ZHCONV__SPAN_KEEP);
    S_markers_in(sc, L.s, L.len);
    if (S_html_end(&L, L.nonspace, sc->html_type))
      sc->tip = 0;
    return;
  case 'A':
    S_heading_out(sc, &L);
    return;
  case 'T':
    S_line_out(sc, &L, S_prose(sc));
    return;
  case 'P':
    S_para_add(sc, &L, L.nonspace);
    return;
  default:
    break;
  }
  if (L.blank) {
    S_line_out(sc, &L, S_prose(sc));
    return;
  }
  S_leaf_opens(sc);
  sc->tip = 'P';
  S_para_add(sc, &L, L.nonspace);
}

/* ---- front matter ------------------------------------------------------------- */

/* The first line is a front matter fence: 'y' (---), 't' (+++), or 0. */
static char
S_fence_kind(const char *s, size_t len)
{
  while (len > 0 && S_is_sp_tab((unsigned char)s[len - 1]))
    len--;
  if (len == 3 && memcmp(s, "---", 3) == 0)
    return 'y';
  if (len == 3 && memcmp(s, "+++", 3) == 0)
    return 't';
  return 0;
}

static void
S_warn(zhconv__scanner *sc, const char *message, size_t offset, size_t line, size_t column)
{
  if (sc->sink->warn)
    sc->sink->warn(sc->sink->user, message, offset, line, column);
}

static bool
S_has_bom(const char *s, size_t len)
{
  return len >= 3 && memcmp(s, "\xEF\xBB\xBF", 3) == 0;
}

/* The block has no closing fence (or is too long): it was not front
 * matter.  Read it as Markdown. */
static void
S_fm_fail(zhconv__scanner *sc, const char *why)
{
  const char *s = sc->fm.data;
  size_t len = sc->fm.len, p = 0;
  bool bom = S_has_bom(s, len);
  S_warn(sc, why, bom ? 3 : 0, 0, bom ? 1 : 0);
  sc->phase = PHASE_BODY;
  if (bom) {
    S_out(sc, ZHCONV__SPAN_KEEP, s, 3);
    p = 3;
  }
  while (p < len && sc->status == ZHCONV_OK) {
    size_t e = p;
    while (e < len && s[e] != '\n' && s[e] != '\r')
      e++;
    size_t eol = e < len ? (s[e] == '\r' && e + 1 < len && s[e + 1] == '\n' ? 2 : 1) : 0;
    S_md_line(sc, s + p, e - p, eol);
    p = e + eol;
  }
  S_out_flush(sc);
  sc->fm.len = 0;
}

/* The front matter block is complete; [close, fm.len) is its closing
 * fence line. */
static void
S_fm_done(zhconv__scanner *sc, size_t close)
{
  const char *s = sc->fm.data;
  size_t open = sc->fm_open;
  zhconv__fm_ranges r = {0};
  zhconv__fm_problem problem;
  memset(&problem, 0, sizeof problem);
  int st = zhconv__frontmatter_ranges(sc->fm_kind, s + open, close - open, sc->fields,
                                      sc->nfields, &r, &problem);
  if (st == ZHCONV_ERR_SYNTAX) {
    char msg[ZHCONV__ERRLEN];
    zhconv__errorf(msg, _("malformed front matter, kept as it is: %s"), problem.message);
    size_t column = problem.column;
    /* Columns count characters; the first content line follows the
     * fence line. */
    S_warn(sc, msg, open + problem.offset, problem.line + 1, column);
    r.count = 0;
  } else if (st != ZHCONV_OK) {
    S_nomem(sc);
    zhconv__fm_ranges_free(&r);
    return;
  }
  size_t at = 0;
  for (size_t i = 0; i < r.count; i++) {
    S_out(sc, ZHCONV__SPAN_KEEP, s + at, open + r.v[i].start - at);
    S_out(sc, ZHCONV__SPAN_PROSE, s + open + r.v[i].start, r.v[i].end - r.v[i].start);
    at = open + r.v[i].end;
  }
  S_out(sc, ZHCONV__SPAN_KEEP, s + at, sc->fm.len - at);
  S_out_flush(sc);
  zhconv__fm_ranges_free(&r);
  sc->fm.len = 0;
  sc->phase = PHASE_BODY;
}

/* A line inside the front matter block. */
static void
S_fm_line(zhconv__scanner *sc, const char *s, size_t len, size_t eol)
{
  size_t start = sc->fm.len;
  if (zhconv__buf_append(&sc->fm, s, len + eol) != ZHCONV_OK) {
    S_nomem(sc);
    return;
  }
  char k = S_fence_kind(s, len);
  size_t t = len;
  while (t > 0 && S_is_sp_tab((unsigned char)s[t - 1]))
    t--;
  bool dots = t == 3 && memcmp(s, "...", 3) == 0;
  bool closes = sc->fm_kind == 'y' ? k == 'y' || dots : k == 't';
  if (closes)
    S_fm_done(sc, start);
  else if (sc->fm.len > FRONT_MATTER_LIMIT)
    S_fm_fail(sc, _("front matter too long, read as Markdown"));
}

/* ---- Markdown feed ------------------------------------------------------------------ */

/* The end of the line at s[p]: *eol receives the ending's length; false
 * when the line is incomplete. */
static bool
S_line_end(zhconv__scanner *sc, const char *s, size_t len, size_t p, bool final, size_t *e,
           size_t *eol)
{
  size_t from = p + sc->line_searched;
  for (size_t i = from < len ? from : len; i < len; i++) {
    if (s[i] == '\n') {
      *e = i;
      *eol = 1;
      sc->line_searched = 0;
      return true;
    }
    if (s[i] == '\r') {
      if (i + 1 < len) {
        *e = i;
        *eol = s[i + 1] == '\n' ? 2 : 1;
        sc->line_searched = 0;
        return true;
      }
      if (final) {
        *e = i;
        *eol = 1;
        sc->line_searched = 0;
        return true;
      }
      sc->line_searched = i - p;
      return false;
    }
  }
  if (final) {
    *e = len;
    *eol = 0;
    sc->line_searched = 0;
    return p < len;
  }
  sc->line_searched = len - p;
  return false;
}

static size_t
S_md_feed(zhconv__scanner *sc, const char *s, size_t len, zhconv_directive how)
{
  bool final = how == ZHCONV_END;
  size_t p = 0, e, eol;
  if (sc->phase == PHASE_START) {
    if (len == 0 && !final)
      return 0;
    size_t b = S_has_bom(s, len) ? 3 : 0;
    if (!final && len < 3 && memcmp(s, "\xEF\xBB\xBF", len) == 0)
      return 0;
    if (!S_line_end(sc, s, len, b, final, &e, &eol)) {
      if (!final)
        return 0;
      e = len;
      eol = 0;
    }
    sc->fm_kind = S_fence_kind(s + b, e - b);
    if (sc->fm_kind) {
      sc->phase = PHASE_FRONT;
      sc->fm.len = 0;
      if (zhconv__buf_append(&sc->fm, s, e + eol) != ZHCONV_OK) {
        S_nomem(sc);
        return 0;
      }
      sc->fm_open = e + eol;
      p = e + eol;
    } else {
      sc->phase = PHASE_BODY;
      if (b) {
        S_out(sc, ZHCONV__SPAN_KEEP, s, 3);
        p = 3;
      }
    }
  }
  while (p < len && sc->status == ZHCONV_OK) {
    if (!S_line_end(sc, s, len, p, final, &e, &eol))
      break;
    if (sc->phase == PHASE_FRONT)
      S_fm_line(sc, s + p, e - p, eol);
    else
      S_md_line(sc, s + p, e - p, eol);
    p = e + eol;
  }
  if (final && sc->status == ZHCONV_OK) {
    if (sc->phase == PHASE_FRONT)
      S_fm_fail(sc, _("front matter has no closing fence, read as Markdown"));
    if (sc->tip == 'P')
      S_para_close(sc);
    sc->tip = 0;
    sc->depth = 0;
  } else if (how == ZHCONV_FLUSH && sc->tip == 'P' && sc->nplines) {
    S_para_emit(sc);
    sc->para_piece = true;
  }
  return p;
}

/* ---- HTML and text ------------------------------------------------------------------ */

/* Is an attribute value a URL (left alone even in title, alt, placeholder)? */
static bool
S_is_url(const char *s, size_t n)
{
  while (n > 0 && S_is_space((unsigned char)*s)) {
    s++;
    n--;
  }
  while (n > 0 && S_is_space((unsigned char)s[n - 1]))
    n--;
  if (n == 0)
    return false;
  for (size_t i = 0; i < n; i++)
    if (S_is_space((unsigned char)s[i]))
      return false;
  return S_find(s, n, 0, "://") != SIZE_MAX || S_starts_ci(s, n, 0, "www.") ||
         S_starts_ci(s, n, 0, "mailto:") || (n >= 2 && s[0] == '/' && s[1] == '/');
}

/* A tag as an HTML tokenizer reads it, at s[p] == '<' followed by a letter
 * or '/': its length, 0 when it does not end within the data (*more says
 * whether more data could end it).  Converts title, alt and placeholder
 * values when `out`. */
static size_t
S_html_tag(zhconv__scanner *sc, const char *s, size_t n, size_t p, bool out,
           size_t *name, size_t *name_len, bool *self_closing)
{
  size_t i = p + 1 + (s[p + 1] == '/');
  *name = i;
  while (i < n && !S_is_space((unsigned char)s[i]) && s[i] != '/' && s[i] != '>')
    i++;
  *name_len = i - *name;
  size_t at = p;
  *self_closing = false;
  for (;;) {
    while (i < n && (S_is_space((unsigned char)s[i]) || s[i] == '/')) {
      *self_closing = s[i] == '/';
      i++;
    }
    if (i >= n)
      return 0;
    if (s[i] == '>')
      break;
    *self_closing = false;
    size_t an = i;
    while (i < n && !S_is_space((unsigned char)s[i]) && s[i] != '/' && s[i] != '>' &&
           (s[i] != '=' || i == an))
      i++;
    size_t an_len = i - an;
    size_t j = i;
    while (j < n && S_is_space((unsigned char)s[j]))
      j++;
    if (j >= n)
      return 0;
    if (s[j] != '=')
      continue;
    j++;
    while (j < n && S_is_space((unsigned char)s[j]))
      j++;
    if (j >= n)
      return 0;
    size_t vs, ve;
    if (s[j] == '"' || s[j] == '\'') {
      const char *q = memchr(s + j + 1, s[j], n - j - 1);
      if (!q)
        return 0;
      vs = j + 1;
      ve = (size_t)(q - s);
      i = ve + 1;
    } else {
      vs = j;
      while (j < n && !S_is_space((unsigned char)s[j]) && s[j] != '>')
        j++;
      ve = j;
      i = j;
    }
    bool convert = (an_len == 5 && S_starts_ci(s, an + 5, an, "title")) ||
                   (an_len == 3 && S_starts_ci(s, an + 3, an, "alt")) ||
                   (an_len == 11 && S_starts_ci(s, an + 11, an, "placeholder"));
    if (out && convert && !sc->off && ve > vs && !S_is_url(s + vs, ve - vs)) {
      S_out(sc, ZHCONV__SPAN_KEEP, s + at, vs - at);
      S_out(sc, ZHCONV__SPAN_PROSE, s + vs, ve - vs);
      at = ve;
    }
  }
  if (out)
    S_out(sc, ZHCONV__SPAN_KEEP, s + at, i + 1 - at);
  return i + 1 - p;
}

/* HTML (html true) or text with the protection markup only. */
static size_t
S_html_feed(zhconv__scanner *sc, const char *s, size_t n, zhconv_directive how, bool html)
{
  bool final = how == ZHCONV_END;
  size_t p = 0;
  while (p < n && sc->status == ZHCONV_OK) {
    if (sc->raw_name[0]) {
      /* "</name" followed by a space, '/' or '>' ends the element. */
      size_t k = strlen(sc->raw_name), q = SIZE_MAX;
      for (size_t i = p; (i = S_find(s, n, i, "</")) != SIZE_MAX; i += 2) {
        if (i + 2 + k >= n || !S_starts_ci(s, n, i + 2, sc->raw_name))
          continue;
        unsigned char c = (unsigned char)s[i + 2 + k];
        if (S_is_space(c) || c == '/' || c == '>') {
          q = i;
          break;
        }
      }
      if (q == SIZE_MAX) {
        /* Keep all but what could still begin the end tag. */
        size_t keep = final ? n : S_char_floor(s, n > k + 2 ? n - k - 2 : 0);
        if (keep < p)
          keep = p;
        S_out(sc, ZHCONV__SPAN_KEEP, s + p, keep - p);
        return keep;
      }
      S_out(sc, ZHCONV__SPAN_KEEP, s + p, q - p);
      sc->raw_name[0] = '\0';
      p = q;
      continue;
    }
    if (sc->in_comment) {
      size_t q = S_find(s, n, p, "-->");
      if (q == SIZE_MAX) {
        size_t keep = final ? n : S_char_floor(s, n > 2 ? n - 2 : 0);
        if (keep < p)
          keep = p;
        S_out(sc, ZHCONV__SPAN_KEEP, s + p, keep - p);
        return keep;
      }
      S_out(sc, ZHCONV__SPAN_KEEP, s + p, q + 3 - p);
      sc->in_comment = false;
      p = q + 3;
      continue;
    }
    /* Text up to the next character that may start something; at the end
     * of the data, not into a character that may be cut off (kept text
     * is validated span by span). */
    size_t q = S_skip_prose(s, n, p, html);
    if (q == n && !final) {
      q = S_char_floor(s, n);
      if (q <= p)
        break;
    }
    if (q > p) {
      S_out(sc, S_prose(sc), s + p, q - p);
      p = q;
      continue;
    }
    size_t avail = n - p;
    if (s[p] == '-') {
      if (avail < 2 && !final)
        break;
      if (sc->off || avail < 2 || s[p + 1] != '{') {
        S_out(sc, S_prose(sc), s + p, 1);
        p++;
        continue;
      }
      size_t from = p + 2 + (sc->resume > 2 ? sc->resume - 2 : 0);
      size_t close = S_find(s, n, from, "}-");
      if (close == SIZE_MAX || close - p > WAIT_LIMIT) {
        if (!final && avail <= WAIT_LIMIT) {
          sc->resume = avail > 2 ? avail - 1 : 0;
          break;
        }
        sc->resume = 0;
        S_out(sc, S_prose(sc), s + p, 2);
        p += 2;
        continue;
      }
      sc->resume = 0;
      S_out(sc, ZHCONV__SPAN_DROP, s + p, 2);
      S_out(sc, ZHCONV__SPAN_KEEP, s + p + 2, close - p - 2);
      S_out(sc, ZHCONV__SPAN_DROP, s + close, 2);
      p = close + 2;
      continue;
    }
    if (s[p] == '&') {
      size_t len = S_entity(s, n, p);
      if (!len && !final && avail < 40) {
        /* Wait unless it cannot become an entity. */
        size_t i = p + 1;
        while (i < n && (S_is_alnum((unsigned char)s[i]) || s[i] == '#'))
          i++;
        if (i == n)
          break;
      }
      S_out(sc, len ? ZHCONV__SPAN_KEEP : S_prose(sc), s + p, len ? len : 1);
      p += len ? len : 1;
      continue;
    }
    /* '<' */
    if (avail < 4 && !final)
      break;
    if (avail >= 4 && memcmp(s + p, "<!--", 4) == 0) {
      size_t mlen;
      bool more;
      int m = S_marker(s, n, p, &mlen, &more);
      /* Wait while it may still become a marker, or "<!-->" or "<!--->". */
      if (!final && !m && (more || avail < 6))
        break;
      if (m) {
        S_out(sc, ZHCONV__SPAN_KEEP, s + p, mlen);
        sc->off = m == 1;
        p += mlen;
        continue;
      }
      if (!html) {
        S_out(sc, S_prose(sc), s + p, 1);
        p++;
        continue;
      }
      /* A comment: kept to its end, however far. */
      size_t k = avail >= 5 && s[p + 4] == '>' ? 5
               : avail >= 6 && s[p + 4] == '-' && s[p + 5] == '>' ? 6 : 0;
      if (k) {
        S_out(sc, ZHCONV__SPAN_KEEP, s + p, k);
        p += k;
        continue;
      }
      S_out(sc, ZHCONV__SPAN_KEEP, s + p, 4);
      sc->in_comment = true;
      p += 4;
      continue;
    }
    if (!html) {
      S_out(sc, S_prose(sc), s + p, 1);
      p++;
      continue;
    }
    unsigned char c = avail > 1 ? (unsigned char)s[p + 1] : 0;  /* a final "<" */
    if (S_is_alpha(c) || (c == '/' && avail > 2 && S_is_alpha((unsigned char)s[p + 2]))) {
      size_t name, name_len;
      bool self;
      size_t len = S_html_tag(sc, s, n, p, false, &name, &name_len, &self);
      if (!len) {
        if (!final && avail <= WAIT_LIMIT)
          break;
        S_out(sc, S_prose(sc), s + p, 1);
        p++;
        continue;
      }
      S_html_tag(sc, s, n, p, true, &name, &name_len, &self);
      const char *raw;
      if (c != '/' && !self && (raw = S_code_like_name(s, name, name_len)))
        strcpy(sc->raw_name, raw);
      p += len;
      continue;
    }
    if (c == '!' || c == '?') {
      const char *q2 = memchr(s + p + 2, '>', n - p - 2);
      if (!q2) {
        if (!final && avail <= WAIT_LIMIT)
          break;
        S_out(sc, S_prose(sc), s + p, 1);
        p++;
        continue;
      }
      S_out(sc, ZHCONV__SPAN_KEEP, s + p, (size_t)(q2 - s) + 1 - p);
      p = (size_t)(q2 - s) + 1;
      continue;
    }
    S_out(sc, S_prose(sc), s + p, 1);
    p++;
  }
  return p;
}

/* ---- the interface ------------------------------------------------------------------ */

int
zhconv__format_parse(const char *name, bool allow_auto, int *format)
{
  static const char *const names[] = {"text", "markdown", "html", "auto"};
  for (int i = 0; i < 4; i++)
    if (name && strcmp(name, names[i]) == 0 && (i < 3 || allow_auto)) {
      *format = i;
      return ZHCONV_OK;
    }
  return ZHCONV_ERR_ARG;
}

int
zhconv__scanner_new(int format, const char *fields, zhconv__scanner **out)
{
  *out = NULL;
  zhconv__scanner *sc = calloc(1, sizeof *sc);
  if (!sc)
    return ZHCONV_ERR_NOMEM;
  sc->format = format;
  /* The fields: comma-separated, spaces around them dropped. */
  for (const char *f = fields; f && *f;) {
    const char *comma = strchr(f, ',');
    const char *end = comma ? comma : f + strlen(f);
    const char *a = f, *b = end;
    while (a < b && S_is_space((unsigned char)*a))
      a++;
    while (b > a && S_is_space((unsigned char)b[-1]))
      b--;
    if (b > a) {
      char **v = realloc(sc->fields, (sc->nfields + 1) * sizeof *v);
      char *copy = v ? malloc((size_t)(b - a) + 1) : NULL;
      if (v)
        sc->fields = v;
      if (!copy) {
        zhconv__scanner_free(sc);
        return ZHCONV_ERR_NOMEM;
      }
      memcpy(copy, a, (size_t)(b - a));
      copy[b - a] = '\0';
      sc->fields[sc->nfields++] = copy;
    }
    f = comma ? comma + 1 : end;
  }
  zhconv__scanner_reset(sc);
  *out = sc;
  return ZHCONV_OK;
}

void
zhconv__scanner_reset(zhconv__scanner *sc)
{
  if (!sc)
    return;
  sc->phase = sc->format == ZHCONV__FORMAT_MARKDOWN ? PHASE_START : PHASE_BODY;
  sc->off = false;
  sc->status = ZHCONV_OK;
  sc->pend_len = 0;
  sc->depth = 0;
  sc->tip = 0;
  sc->para.len = 0;
  sc->nplines = 0;
  sc->para_piece = false;
  sc->fm.len = 0;
  sc->raw_name[0] = '\0';
  sc->in_comment = false;
  sc->resume = 0;
  sc->line_searched = 0;
}

void
zhconv__scanner_free(zhconv__scanner *sc)
{
  if (!sc)
    return;
  for (size_t i = 0; i < sc->nfields; i++)
    free(sc->fields[i]);
  free(sc->fields);
  free(sc->stack);
  zhconv__buf_free(&sc->para);
  free(sc->plines);
  zhconv__buf_free(&sc->text);
  free(sc->ranges);
  zhconv__buf_free(&sc->fm);
  free(sc);
}

int
zhconv__scanner_feed(zhconv__scanner *sc, const char *text, size_t len, zhconv_directive how,
                     const zhconv__scanner_sink *sink, size_t *consumed)
{
  *consumed = 0;
  if (sc->status != ZHCONV_OK)
    return sc->status;
  sc->sink = sink;
  size_t n;
  if (sc->format == ZHCONV__FORMAT_MARKDOWN)
    n = S_md_feed(sc, text, len, how);
  else
    n = S_html_feed(sc, text, len, how, sc->format == ZHCONV__FORMAT_HTML);
  S_out_flush(sc);
  *consumed = n;
  return sc->status;
}
