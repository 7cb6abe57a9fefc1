/* tests/yaml-keys.c — print the structure of a Markdown file's YAML front
 * matter, parsed by libyaml: one line per scalar, its path, a tab, and its
 * value, e.g.
 *     title	2026科技前瞻
 *     tags[0]	ai-scaling-laws
 * so that tests can check that a conversion kept every key and changed
 * only the values it should.  Exits 1 when the front matter does not
 * parse, 2 when there is none. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

typedef struct {
  char type;        /* 'M' mapping, 'S' sequence */
  int index;        /* sequence: the next item's index */
  int want_key;     /* mapping: a key comes next */
  size_t path_len;  /* the path's length at this level */
} frame;

int
main(int argc, char **argv)
{
  if (argc != 2) {
    fputs("usage: yaml-keys FILE.md\n", stderr);
    return 2;
  }
  FILE *f = fopen(argv[1], "rb");
  if (!f) {
    perror(argv[1]);
    return 2;
  }
  static char buf[1 << 20];
  size_t n = fread(buf, 1, sizeof buf - 1, f);
  fclose(f);
  buf[n] = '\0';
  char *p = buf;
  if (n >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    p += 3;
  if (strncmp(p, "---\n", 4) != 0 && strncmp(p, "---\r\n", 5) != 0)
    return 2;
  p = strchr(p, '\n') + 1;
  /* The front matter ends at a --- or ... line. */
  char *end = p;
  for (;;) {
    if (!strncmp(end, "---", 3) || !strncmp(end, "...", 3))
      if (end[3] == '\n' || end[3] == '\r' || end[3] == '\0')
        break;
    end = strchr(end, '\n');
    if (!end)
      return 2;
    end++;
  }
  yaml_parser_t parser;
  yaml_parser_initialize(&parser);
  yaml_parser_set_input_string(&parser, (unsigned char *)p, (size_t)(end - p));
  frame stack[64];
  int depth = 0;
  char path[4096] = "";
  size_t path_len = 0;
  char key[1024] = "";
  for (;;) {
    yaml_event_t ev;
    if (!yaml_parser_parse(&parser, &ev)) {
      fprintf(stderr, "yaml-keys: %s\n", parser.problem ? parser.problem : "error");
      return 1;
    }
    int done = ev.type == YAML_STREAM_END_EVENT;
    if (ev.type == YAML_SCALAR_EVENT || ev.type == YAML_MAPPING_START_EVENT ||
        ev.type == YAML_SEQUENCE_START_EVENT || ev.type == YAML_ALIAS_EVENT) {
      frame *top = depth ? &stack[depth - 1] : NULL;
      if (top && top->type == 'M' && top->want_key) {
        /* A key: remember it for the value. */
        snprintf(key, sizeof key, "%s",
                 ev.type == YAML_SCALAR_EVENT ? (char *)ev.data.scalar.value : "?");
        top->want_key = 0;
        yaml_event_delete(&ev);
        continue;
      }
      /* A value: extend the path. */
      path[path_len = top ? top->path_len : 0] = '\0';
      if (top && top->type == 'M')
        path_len += (size_t)snprintf(path + path_len, sizeof path - path_len, "%s%s",
                                     path_len ? "." : "", key);
      else if (top)
        path_len += (size_t)snprintf(path + path_len, sizeof path - path_len, "[%d]",
                                     top->index++);
      if (top && top->type == 'M')
        top->want_key = 1;
      if (ev.type == YAML_SCALAR_EVENT)
        printf("%s\t%s\n", path, (char *)ev.data.scalar.value);
      else if (ev.type == YAML_ALIAS_EVENT)
        printf("%s\t*%s\n", path, (char *)ev.data.alias.anchor);
      else if (depth < 64) {
        if (ev.type == YAML_SEQUENCE_START_EVENT)
          printf("%s\t[\n", path);
        stack[depth].type = ev.type == YAML_MAPPING_START_EVENT ? 'M' : 'S';
        stack[depth].index = 0;
        stack[depth].want_key = ev.type == YAML_MAPPING_START_EVENT;
        stack[depth].path_len = path_len;
        depth++;
      }
    } else if (ev.type == YAML_MAPPING_END_EVENT || ev.type == YAML_SEQUENCE_END_EVENT) {
      if (depth)
        depth--;
    }
    yaml_event_delete(&ev);
    if (done)
      break;
  }
  yaml_parser_delete(&parser);
  return 0;
}
