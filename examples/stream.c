/* stream.c — convert standard input to standard output through libzhconv's
 * streaming API, in small chunks.
 *
 *   cc stream.c $(pkg-config --cflags --libs zhconv) -o stream
 *   ./stream hans < in.txt > out.txt
 *
 * The first argument is the target: hans, hant, cn, tw or hk. */
#include <stdio.h>
#include <stdlib.h>

#include <zhconv.h>

int
main(int argc, char **argv)
{
  if (argc != 2) {
    fprintf(stderr, "usage: %s TARGET < input > output\n", argv[0]);
    return 2;
  }
  /* Options -> converter: the converter is immutable and may be shared. */
  zhconv_options *options = zhconv_options_new();
  if (!options || zhconv_options_set(options, ZHCONV_OPT_TO, argv[1]) != ZHCONV_OK) {
    fprintf(stderr, "stream: %s\n", options ? zhconv_options_error(options, NULL) : "out of memory");
    zhconv_options_free(options);
    return 2;
  }
  const char *data_dir = getenv("ZHCONV_DATA_DIR");
  if (data_dir)
    zhconv_options_set(options, ZHCONV_OPT_DATA_DIR, data_dir);
  int status;
  zhconv *converter = zhconv_new(options, &status);
  if (!converter) {
    fprintf(stderr, "stream: %s\n", zhconv_options_error(options, NULL));
    zhconv_options_free(options);
    return 1;
  }
  zhconv_options_free(options);

  /* A stream per text.  Small buffers on purpose: any size works.  "auto":
   * Markdown when the text starts with front matter (as zhconv reads its
   * standard input), else text. */
  zhconv_stream *stream = zhconv_stream_new(converter);
  zhconv_stream_set_format(stream, "auto");
  char in_buf[5], out_buf[7];
  size_t n;
  do {
    n = fread(in_buf, 1, sizeof in_buf, stdin);
    zhconv_inbuf in = {in_buf, n, 0};
    zhconv_directive directive = n == 0 ? ZHCONV_END : ZHCONV_CONTINUE;
    do {
      zhconv_outbuf out = {out_buf, sizeof out_buf, 0};
      status = zhconv_stream_convert(stream, &out, &in, directive);
      fwrite(out_buf, 1, out.pos, stdout);
      if (status < 0) {
        zhconv_mark where;
        const char *why = zhconv_stream_error(stream, &where);
        fprintf(stderr, "stream: %s\n", why ? why : zhconv_strerror(status));
        zhconv_stream_free(stream);
        zhconv_free(converter);
        return 1;
      }
    } while (status == ZHCONV_MORE || in.pos < in.size);
  } while (n > 0);

  zhconv_stream_free(stream);
  zhconv_free(converter);
  return fclose(stdout) == 0 ? 0 : 1;
}
