/* frontmatter.c — the values of chosen top-level keys in a document's
 * front matter, as byte ranges, so that they can be converted in place
 * while every other byte (keys, comments, quoting, indentation) stays.
 *
 * YAML is read with libyaml's event parser: the start and end marks of a
 * scalar event delimit the scalar as written (quotes and block indicators
 * included, which conversion leaves alone).  libyaml counts marks in
 * characters, so they are mapped back to bytes here.  TOML has no parser
 * among zhconv's dependencies; a small reader finds the strings of
 * top-level `key = "value"` and `key = ["a", 'b']` lines and leaves
 * everything else alone. */
#include <config.h>

#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#include "zhconv-private.h"

static bool
S_selected(const char *name, size_t len, char *const *fields, size_t nfields)
{
  for (size_t i = 0; i < nfields; i++)
    if (strlen(fields[i]) == len && memcmp(fields[i], name, len) == 0)
      return true;
  return false;
}

static int
S_add(zhconv__fm_ranges *r, size_t start, size_t end)
{
  if (end <= start)
    return ZHCONV_OK;
  if (r->count == r->cap) {
    size_t cap = r->cap ? r->cap * 2 : 16;
    zhconv__fm_range *v = realloc(r->v, cap * sizeof *v);
    if (!v)
      return ZHCONV_ERR_NOMEM;
    r->v = v;
    r->cap = cap;
  }
  r->v[r->count].start = start;
  r->v[r->count].end = end;
  r->count++;
  return ZHCONV_OK;
}

void
zhconv__fm_ranges_free(zhconv__fm_ranges *r)
{
  free(r->v);
  memset(r, 0, sizeof *r);
}

/* ---- YAML ---------------------------------------------------------------- */

/* Character index to byte offset, moving forward only. */
typedef struct {
  const char *text;
  size_t len, chars, bytes;
} S_cursor;

static size_t
S_byte_at(S_cursor *c, size_t index)
{
  while (c->chars < index && c->bytes < c->len) {
    c->bytes++;
    while (c->bytes < c->len && ((unsigned char)c->text[c->bytes] & 0xC0) == 0x80)
      c->bytes++;
    c->chars++;
  }
  return c->bytes;
}

/* One level of nesting: a mapping ('M') or a sequence ('S'). */
typedef struct {
  char type;
  bool want_key;     /* mapping: the next node is a key */
  bool selected;     /* inside the value of a chosen key */
  bool is_key;       /* this collection is a key of its parent mapping */
} S_frame;

static int
S_yaml(const char *text, size_t len, char *const *fields, size_t nfields,
       zhconv__fm_ranges *out, zhconv__fm_problem *problem)
{
  yaml_parser_t parser;
  if (!yaml_parser_initialize(&parser))
    return ZHCONV_ERR_NOMEM;
  yaml_parser_set_input_string(&parser, (const unsigned char *)text, len);
  yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING);
  S_frame stack[64];
  size_t depth = 0;          /* frames in use */
  size_t too_deep = 0;       /* levels beyond the stack: never chosen */
  bool next_selected = false;/* the value about to come is a chosen key's */
  bool root_seen = false;
  S_cursor cur = {text, len, 0, 0};
  int st = ZHCONV_OK;
  for (bool done = false; !done && st == ZHCONV_OK;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      if (parser.error == YAML_MEMORY_ERROR) {
        st = ZHCONV_ERR_NOMEM;
        break;
      }
      yaml_mark_t at = parser.problem_mark;
      if (parser.context)
        zhconv__errorf(problem->message, "%s, %s", parser.context,
                       parser.problem ? parser.problem : "");
      else
        zhconv__errorf(problem->message, "%s", parser.problem ? parser.problem : "");
      /* The reader reports an offset in bytes, the scanner a character
       * index (and no line); map both onto bytes and lines. */
      S_cursor c = {text, len, 0, 0};
      size_t byte = parser.error == YAML_READER_ERROR ? parser.problem_offset
                                                      : S_byte_at(&c, at.index);
      if (byte > len)
        byte = len;
      size_t line = 0, column = 0;
      for (size_t i = 0; i < byte; i++) {
        if (text[i] == '\n') {
          line++;
          column = 0;
        } else
          column += ((unsigned char)text[i] & 0xC0) != 0x80;
      }
      problem->offset = byte;
      problem->line = line;
      problem->column = column;
      st = ZHCONV_ERR_SYNTAX;
      break;
    }
    switch (ev.type) {
    case YAML_STREAM_END_EVENT:
      done = true;
      break;
    case YAML_DOCUMENT_END_EVENT:
      root_seen = true;
      break;
    case YAML_SCALAR_EVENT:
    case YAML_ALIAS_EVENT:
    case YAML_MAPPING_START_EVENT:
    case YAML_SEQUENCE_START_EVENT: {
      if (too_deep) {
        if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT)
          too_deep++;
        break;
      }
      S_frame *f = depth ? &stack[depth - 1] : NULL;
      bool selected = false, is_key = false;
      if (f && f->type == 'M' && f->want_key) {
        is_key = true;
        f->want_key = false;
        next_selected = depth == 1 && !root_seen && ev.type == YAML_SCALAR_EVENT &&
                        S_selected((const char *)ev.data.scalar.value, ev.data.scalar.length,
                                   fields, nfields);
      } else if (f) {
        selected = f->selected || (depth == 1 && f->type == 'M' && next_selected);
        if (f->type == 'M')
          next_selected = false;
      }
      if (ev.type == YAML_SCALAR_EVENT && selected && !is_key) {
        size_t a = S_byte_at(&cur, ev.start_mark.index);
        size_t b = S_byte_at(&cur, ev.end_mark.index);
        st = S_add(out, a, b);
      }
      if (ev.type == YAML_MAPPING_START_EVENT || ev.type == YAML_SEQUENCE_START_EVENT) {
        if (depth == sizeof stack / sizeof stack[0]) {
          too_deep = 1;
        } else {
          stack[depth].type = ev.type == YAML_MAPPING_START_EVENT ? 'M' : 'S';
          stack[depth].want_key = ev.type == YAML_MAPPING_START_EVENT;
          /* A chosen key's value, or anything inside it; keys of a
           * mapping used as a key are never chosen. */
          stack[depth].selected = selected && !is_key;
          stack[depth].is_key = is_key;
          depth++;
        }
      } else if (f && f->type == 'M' && !is_key) {
        f->want_key = true;
      }
      break;
    }
    case YAML_MAPPING_END_EVENT:
    case YAML_SEQUENCE_END_EVENT:
      if (too_deep) {
        too_deep--;
        break;
      }
      if (depth)
        depth--;
      /* After a key comes its value; after a value, the next key. */
      if (depth && stack[depth - 1].type == 'M')
        stack[depth - 1].want_key = !stack[depth].is_key;
      break;
    default:
      break;
    }
    yaml_event_delete(&ev);
  }
  yaml_parser_delete(&parser);
  return st;
}

/* ---- TOML ------------------------------------------------------------------ */

static bool
S_bare_key_char(char c)
{
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '-';
}

/* The end of the TOML string that starts at s[p] ('"', '\'', '"""' or
 * "'''"), or 0 when it does not close. */
static size_t
S_toml_string(const char *s, size_t len, size_t p)
{
  char q = s[p];
  bool triple = p + 2 < len && s[p + 1] == q && s[p + 2] == q;
  size_t i = p + (triple ? 3 : 1);
  for (; i < len; i++) {
    if (q == '"' && s[i] == '\\') {
      i++;
      continue;
    }
    if (!triple && (s[i] == '\n' || s[i] == '\r'))
      return 0;
    if (s[i] == q) {
      if (!triple)
        return i + 1;
      if (i + 2 < len && s[i + 1] == q && s[i + 2] == q) {
        /* Up to two more quotes may belong to the string. */
        size_t e = i + 3;
        while (e < len && s[e] == q && e - i < 5)
          e++;
        return e;
      }
    }
  }
  return 0;
}

static int
S_toml(const char *s, size_t len, char *const *fields, size_t nfields, zhconv__fm_ranges *out)
{
  size_t p = 0;
  while (p < len) {
    size_t eol = p;
    while (eol < len && s[eol] != '\n')
      eol++;
    size_t i = p;
    while (i < eol && (s[i] == ' ' || s[i] == '\t'))
      i++;
    if (i < eol && s[i] == '[')
      break;  /* a table: the top level ends here */
    size_t key = i;
    bool quoted = i < eol && (s[i] == '"' || s[i] == '\'');
    size_t key_end;
    if (quoted) {
      key_end = S_toml_string(s, eol, i);
      if (!key_end) {
        p = eol + 1;
        continue;
      }
      key++;
    } else {
      while (i < eol && S_bare_key_char(s[i]))
        i++;
      key_end = i;
    }
    size_t key_len = quoted ? key_end - 1 - key : key_end - key;
    i = key_end;
    while (i < eol && (s[i] == ' ' || s[i] == '\t'))
      i++;
    if (i >= eol || s[i] != '=' || key_len == 0 || !S_selected(s + key, key_len, fields, nfields)) {
      /* Not a chosen key: skip the line, and a multi-line string or
       * array it opens. */
      size_t q = i < eol && s[i] == '=' ? i + 1 : eol;
      while (q < eol && (s[q] == ' ' || s[q] == '\t'))
        q++;
      if (q + 2 < len && (s[q] == '"' || s[q] == '\'') && s[q + 1] == s[q] && s[q + 2] == s[q]) {
        size_t e = S_toml_string(s, len, q);
        if (e) {
          eol = e;
          while (eol < len && s[eol] != '\n')
            eol++;
        }
      } else if (q < eol && s[q] == '[') {
        int nest = 0;
        size_t e = q;
        for (; e < len; e++) {
          if (s[e] == '"' || s[e] == '\'') {
            size_t f = S_toml_string(s, len, e);
            if (!f)
              break;
            e = f - 1;
          } else if (s[e] == '#') {
            while (e < len && s[e] != '\n')
              e++;
          } else if (s[e] == '[') {
            nest++;
          } else if (s[e] == ']' && --nest == 0) {
            break;
          }
        }
        eol = e;
        while (eol < len && s[eol] != '\n')
          eol++;
      }
      p = eol + 1;
      continue;
    }
    /* A chosen key: its strings, in a value or an array. */
    i++;
    while (i < eol && (s[i] == ' ' || s[i] == '\t'))
      i++;
    int nest = 0;
    size_t e = i;
    for (; e < len; e++) {
      char c = s[e];
      if (c == '"' || c == '\'') {
        size_t f = S_toml_string(s, len, e);
        if (!f)
          break;
        int st = S_add(out, e, f);
        if (st != ZHCONV_OK)
          return st;
        e = f - 1;
        if (nest == 0)
          break;
      } else if (c == '#' || (c == '\n' && nest == 0)) {
        if (nest == 0)
          break;
        while (e < len && s[e] != '\n')
          e++;
      } else if (c == '[') {
        nest++;
      } else if (c == ']') {
        if (--nest <= 0)
          break;
      } else if (nest == 0 && c != ' ' && c != '\t') {
        break;  /* a number, a date, a table: nothing to convert */
      }
    }
    eol = e;
    while (eol < len && s[eol] != '\n')
      eol++;
    p = eol + 1;
  }
  return ZHCONV_OK;
}

int
zhconv__frontmatter_ranges(char kind, const char *text, size_t len, char *const *fields,
                           size_t nfields, zhconv__fm_ranges *out, zhconv__fm_problem *problem)
{
  out->count = 0;
  if (kind == 't')
    return nfields ? S_toml(text, len, fields, nfields, out) : ZHCONV_OK;
  return S_yaml(text, len, fields, nfields, out, problem);
}
