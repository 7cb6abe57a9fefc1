/* main.c — the zhconv command: options, messages, and the loop over the
 * inputs.  Everything it converts goes through the public API. */
#include <config.h>

#include <getopt.h>
#include <locale.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli.h"

enum {
  OPT_FORMAT = 256, OPT_INVALID, OPT_DATA_DIR, OPT_HELP, OPT_VERSION, OPT_BUFFER_SIZE,
  OPT_VOCAB, OPT_NO_VOCAB, OPT_PUNCT, OPT_DETECT, OPT_EXPLAIN, OPT_PROTECT, OPT_ENGINE,
  OPT_DOMAIN, OPT_FRONT_MATTER,
  OPT_PROGRESS, OPT_NO_PROGRESS, OPT_SKIP_EXISTING, OPT_CONVERT_NAMES, OPT_DRY_RUN,
  OPT_HIDDEN, OPT_FOLLOW, OPT_THREADS,
};

static const struct option S_long_options[] = {
  {"to", required_argument, NULL, 't'},
  {"from", required_argument, NULL, 'f'},
  {"config", required_argument, NULL, 'c'},
  {"format", required_argument, NULL, OPT_FORMAT},
  {"front-matter", required_argument, NULL, OPT_FRONT_MATTER},
  {"invalid", required_argument, NULL, OPT_INVALID},
  {"output", required_argument, NULL, 'o'},
  {"in-place", no_argument, NULL, 'i'},
  {"output-dir", required_argument, NULL, 'O'},
  {"jobs", required_argument, NULL, 'j'},
  {"progress", no_argument, NULL, OPT_PROGRESS},
  {"no-progress", no_argument, NULL, OPT_NO_PROGRESS},
  {"skip-existing", no_argument, NULL, OPT_SKIP_EXISTING},
  {"convert-names", no_argument, NULL, OPT_CONVERT_NAMES},
  {"dry-run", no_argument, NULL, OPT_DRY_RUN},
  {"hidden", no_argument, NULL, OPT_HIDDEN},
  {"follow", no_argument, NULL, OPT_FOLLOW},
  {"data-dir", required_argument, NULL, OPT_DATA_DIR},
  {"vocab", required_argument, NULL, OPT_VOCAB},
  {"no-vocab", no_argument, NULL, OPT_NO_VOCAB},
  {"punct", no_argument, NULL, OPT_PUNCT},
  {"detect", no_argument, NULL, OPT_DETECT},
  {"explain", no_argument, NULL, OPT_EXPLAIN},
  {"protect", required_argument, NULL, OPT_PROTECT},
  {"engine", required_argument, NULL, OPT_ENGINE},
  {"threads", required_argument, NULL, OPT_THREADS},
  {"domain", required_argument, NULL, OPT_DOMAIN},
  {"quiet", no_argument, NULL, 'q'},
  {"silent", no_argument, NULL, 'q'},
  {"help", no_argument, NULL, OPT_HELP},
  {"version", no_argument, NULL, OPT_VERSION},
  /* For tests: read and write in chunks of this many bytes. */
  {"buffer-size", required_argument, NULL, OPT_BUFFER_SIZE},
  {NULL, 0, NULL, 0},
};

/* What main holds while it reads the options: a usage error frees it
 * before it exits, so that nothing is left behind for a leak checker. */
static char **S_vocabs, **S_protects;
static zhconv_options *S_opts;

static void
S_usage_error(const char *fmt, const char *arg)
{
  fputs("zhconv: ", stderr);
  fprintf(stderr, fmt, arg);
  fputc('\n', stderr);
  fputs(_("Try 'zhconv --help' for more information.\n"), stderr);
  free(S_vocabs);
  free(S_protects);
  zhconv_options_free(S_opts);
  exit(EXIT_USAGE);
}

static void
S_help(void)
{
  /* TRANSLATORS: --help output.  Keep the option names and the words after
     '=' (targets, modes) untranslated: they are what users type. */
  printf(_("Usage: zhconv [OPTION]... [FILE]...\n"
           "Convert Chinese text between Simplified and Traditional script and between\n"
           "the vocabularies of mainland China, Taiwan and Hong Kong.\n"
           "With no FILE, or when FILE is -, read standard input.\n"
           "\n"));
  printf(_("Conversion:\n"
           "  -t, --to=TARGET        convert to TARGET: hans (Simplified), hant\n"
           "                           (Traditional), cn (mainland China), tw (Taiwan)\n"
           "                           or hk (Hong Kong)\n"
           "  -f, --from=SOURCE      the input's variant: auto (the default: decided from\n"
           "                           the characters), hans, hant, cn, tw or hk\n"
           "  -c, --config=CONFIG    run an OpenCC configuration (a name such as tw2sp, or\n"
           "                           a JSON file) exactly as 'opencc -c' does\n"
           "      --format=FORMAT    input format: auto (the default: markdown for .md,\n"
           "                           .markdown and .mdx files, html for .html and .htm,\n"
           "                           markdown on standard input that starts with front\n"
           "                           matter, text otherwise and with --config), text,\n"
           "                           markdown or html; only prose is converted\n"
           "      --front-matter=KEYS  also convert the values of these front matter\n"
           "                           keys (e.g. title,summary); otherwise it is kept\n"
           "      --invalid=MODE     bytes that are not UTF-8: reject (the default: stop\n"
           "                           with an error, write nothing for that input),\n"
           "                           keep (copy them) or replace (write U+FFFD)\n"
           "\n"));
  printf(_("Vocabulary:\n"
           "      --vocab=FILE       also use the terms of FILE (YAML; repeatable, later\n"
           "                           files win over earlier ones and the built-in terms)\n"
           "      --domain=DOMAIN    add the vocabulary of a kind of text: software\n"
           "                           (the words of software interfaces)\n"
           "      --no-vocab         no vocabulary: OpenCC's phrase tables only\n"
           "      --protect=FILE     never convert the terms listed in FILE, one per line\n"
           "      --punct            convert quotation marks too (“” ‘’ for hans and cn,\n"
           "                           「」 『』 for hant, tw and hk)\n"
           "      --explain          list every vocabulary change on standard error\n"
           "      --detect           print each input's variant and a confidence\n"
           "                           instead of converting\n"
           "\n"));
  printf(_("Output:\n"
           "  -o, --output=FILE      write to FILE instead of standard output; FILE is\n"
           "                           replaced only when every input converted\n"
           "  -i, --in-place         rewrite each FILE with its conversion\n"
           "  -q, --quiet, --silent  print no diagnostics\n"
           "\n"));
  printf(_("Batch (files and directory trees; with -O, or -i on a directory):\n"
           "  -O, --output-dir=DIR   mirror each PATH under DIR: .txt, .text, .md,\n"
           "                           .markdown, .mdx, .html and .htm files converted,\n"
           "                           every other file copied byte for byte\n"
           "  -j, --jobs=N           N files at a time (default: the number of CPUs)\n"
           "      --progress         show progress on standard error (the default\n"
           "                           when it is a terminal); --no-progress: never\n"
           "      --skip-existing    skip every output that exists (by default only\n"
           "                           outputs not older than their input are skipped)\n"
           "      --convert-names    convert file and directory names too\n"
           "      --dry-run          list what would be done, and do nothing\n"
           "      --hidden           include hidden files and directories (.git ...)\n"
           "      --follow           descend symbolic links to directories\n"
           "\n"));
  printf(_("Other:\n"
           "      --engine=ENGINE    native (the default: OpenCC's results, much faster)\n"
           "                           or opencc (libopencc itself)\n"
           "      --threads=N        convert a large input with N threads (default:\n"
           "                           the number of CPUs, at most 8; batch runs: 1,\n"
           "                           as -j runs files side by side); same output\n"
           "      --data-dir=DIR     read zhconv's data from DIR (several: DIR1:DIR2)\n"
           "      --help             display this help and exit\n"
           "      --version          output version information and exit\n"
           "\n"));
  printf(_("Exit status is 0 on success, 1 if an input could not be converted or\n"
           "written, and 2 for a usage error.\n"
           "\n"
           "Examples:\n"
           "  zhconv --to=hans article.txt      Traditional to Simplified\n"
           "  zhconv --to=tw -i post.md         mainland text to Taiwan usage, in place\n"
           "  zhconv --config=s2twp < in > out  exactly as 'opencc -c s2twp'\n"));
}

static void
S_version(void)
{
  printf("zhconv %s\n", PACKAGE_VERSION);
  printf(_("libzhconv %s, built with OpenCC, utf8proc and libyaml\n"),
         zhconv_version_string());
  printf(_("License: MIT <https://opensource.org/licenses/MIT>.\n"
           "This is free software: you are free to change and redistribute it.\n"
           "There is NO WARRANTY, to the extent permitted by law.\n"));
}

/* Close standard output and report what a late write error left. */
static void
S_close_stdout(void)
{
  /* An earlier write may have failed already, and its error only be in the
   * stream's error flag (glibc then drops the buffer, and fclose succeeds). */
  bool failed = ferror(stdout) != 0;
  if (fclose(stdout) != 0) {
    perror("zhconv: write error");
    _exit(EXIT_TROUBLE);
  }
  if (failed) {
    fputs("zhconv: write error\n", stderr);
    _exit(EXIT_TROUBLE);
  }
}

int
main(int argc, char **argv)
{
  setlocale(LC_ALL, "");
#ifdef ENABLE_NLS
  const char *localedir = getenv("ZHCONV_LOCALEDIR");
  bindtextdomain(PACKAGE, localedir && *localedir ? localedir : LOCALEDIR);
  bind_textdomain_codeset(PACKAGE, "UTF-8");
  textdomain(PACKAGE);
#endif
  atexit(S_close_stdout);
  /* A closed pipe ends us quietly, as it ends cat. */
  signal(SIGPIPE, SIG_DFL);

  const char *to = NULL, *from = NULL, *config = NULL, *output = NULL;
  const char *invalid = "reject", *data_dir = getenv("ZHCONV_DATA_DIR"), *engine = "native";
  const char *domain = NULL, *front_matter = NULL, *threads = NULL;
  bool in_place = false, no_vocab = false, punct = false, detect = false, explain = false;
  cli_batch_options batch = {NULL, false, 0, -1, false, false, false, false, false};
  bool batch_only = false;   /* an option that means a batch run */
  char **vocabs = S_vocabs = calloc((size_t)argc, sizeof *vocabs);
  char **protects = S_protects = calloc((size_t)argc, sizeof *protects);
  if (!vocabs || !protects) {
    free(vocabs);
    free(protects);
    fprintf(stderr, "zhconv: %s\n", zhconv_strerror(ZHCONV_ERR_NOMEM));
    return EXIT_TROUBLE;
  }
  int nvocabs = 0, nprotects = 0;
  cli_context ctx = {NULL, zhconv_stream_in_size(), true, false, false, NULL, false};

  int c;
  while ((c = getopt_long(argc, argv, "t:f:c:o:iqO:j:", S_long_options, NULL)) != -1) {
    switch (c) {
    case 't': to = optarg; break;
    case 'f': from = optarg; break;
    case 'c': config = optarg; break;
    case 'o': output = optarg; break;
    case 'i': in_place = true; break;
    case 'q': ctx.quiet = true; break;
    case 'O': batch.outdir = optarg; break;
    case 'j': {
      char *end;
      long n = strtol(optarg, &end, 10);
      if (*end || end == optarg || n < 1 || n > 1024)
        S_usage_error(_("invalid number of jobs '%s' (1 to 1024)"), optarg);
      batch.jobs = (int)n;
      batch_only = true;
      break;
    }
    case OPT_PROGRESS: batch.progress = 1; batch_only = true; break;
    case OPT_NO_PROGRESS: batch.progress = 0; batch_only = true; break;
    case OPT_SKIP_EXISTING: batch.skip_existing = true; batch_only = true; break;
    case OPT_CONVERT_NAMES: batch.convert_names = true; batch_only = true; break;
    case OPT_DRY_RUN: batch.dry_run = true; batch_only = true; break;
    case OPT_HIDDEN: batch.hidden = true; batch_only = true; break;
    case OPT_FOLLOW: batch.follow = true; batch_only = true; break;
    case OPT_INVALID: invalid = optarg; break;
    case OPT_DATA_DIR: data_dir = optarg; break;
    case OPT_VOCAB: vocabs[nvocabs++] = optarg; break;
    case OPT_PROTECT: protects[nprotects++] = optarg; break;
    case OPT_ENGINE: engine = optarg; break;
    case OPT_DOMAIN: domain = optarg; break;
    case OPT_THREADS: threads = optarg; break;
    case OPT_NO_VOCAB: no_vocab = true; break;
    case OPT_PUNCT: punct = true; break;
    case OPT_DETECT: detect = true; break;
    case OPT_EXPLAIN: explain = true; break;
    case OPT_FORMAT:
      if (strcmp(optarg, "auto") != 0 && strcmp(optarg, "text") != 0 &&
          strcmp(optarg, "markdown") != 0 && strcmp(optarg, "html") != 0)
        S_usage_error(_("unknown format '%s' (auto, text, markdown or html)"), optarg);
      ctx.format = optarg;
      break;
    case OPT_FRONT_MATTER: front_matter = optarg; break;
    case OPT_BUFFER_SIZE: {
      char *end;
      unsigned long long n = strtoull(optarg, &end, 10);
      if (*end || n == 0 || n > (1u << 30))
        S_usage_error(_("invalid buffer size '%s'"), optarg);
      ctx.buffer_size = (size_t)n;
      break;
    }
    case OPT_HELP: S_help(); free(vocabs); free(protects); return EXIT_OK;
    case OPT_VERSION: S_version(); free(vocabs); free(protects); return EXIT_OK;
    default:
      fputs(_("Try 'zhconv --help' for more information.\n"), stderr);
      free(vocabs);
      free(protects);
      return EXIT_USAGE;
    }
  }
  char **files = argv + optind;
  int nfiles = argc - optind;

  if (config && (to || from))
    S_usage_error("%s", _("--config cannot be combined with --to or --from"));
  if (config && (nvocabs || nprotects || no_vocab || punct || explain))
    S_usage_error("%s", _("--config runs OpenCC exactly: no vocabulary, --protect, --punct or --explain"));
  if (no_vocab && (nvocabs || domain))
    S_usage_error("%s", _("--no-vocab cannot be combined with --vocab or --domain"));
  if (detect && (config || from || output || in_place))
    S_usage_error("%s", _("--detect takes no --config, --from, --output or --in-place"));
  if (detect)
    to = to ? to : "hans";
  if (!config && !to)
    S_usage_error("%s", _("no target given: use --to=hans, hant, cn, tw or hk"));
  if (in_place && output)
    S_usage_error("%s", _("--in-place cannot be combined with --output"));
  if (batch.outdir && (output || in_place || detect))
    S_usage_error("%s", _("--output-dir cannot be combined with --output, --in-place or --detect"));
  if (batch.outdir && !*batch.outdir)
    S_usage_error("%s", _("--output-dir needs a directory name"));
  if (batch.outdir && nfiles == 0)
    S_usage_error("%s", _("--output-dir needs at least one PATH"));
  for (int i = 0; batch.outdir && i < nfiles; i++)
    if (strcmp(files[i], "-") == 0)
      S_usage_error("%s", _("--output-dir cannot take standard input"));
  if (batch_only && !batch.outdir && !in_place)
    S_usage_error("%s", _("--jobs, --progress, --skip-existing, --convert-names, --dry-run, "
                          "--hidden and --follow need --output-dir or --in-place"));
  if (in_place && batch.convert_names)
    S_usage_error("%s", _("--convert-names needs --output-dir"));
  if (in_place && batch.skip_existing)
    S_usage_error("%s", _("--skip-existing needs --output-dir"));
  if (in_place && nfiles == 0)
    S_usage_error("%s", _("--in-place needs at least one FILE"));
  for (int i = 0; in_place && i < nfiles; i++)
    if (strcmp(files[i], "-") == 0)
      S_usage_error("%s", _("--in-place cannot rewrite standard input"));

  /* -i on a directory, or with a batch option, is a batch run too. */
  bool run_batch = batch.outdir != NULL || (in_place && batch_only);
  for (int i = 0; in_place && !run_batch && i < nfiles; i++) {
    struct stat st;
    run_batch = stat(files[i], &st) == 0 && S_ISDIR(st.st_mode);
  }
  /* Threads for one input: the CPUs (up to 8), unless files already run
   * side by side. */
  char threads_default[8];
  if (!threads) {
    long n = run_batch ? 1 : sysconf(_SC_NPROCESSORS_ONLN);
    snprintf(threads_default, sizeof threads_default, "%ld", n < 1 ? 1 : n > 8 ? 8 : n);
    threads = threads_default;
  }

  zhconv_options *opts = S_opts = zhconv_options_new();
  if (!opts) {
    free(vocabs);
    free(protects);
    cli_error(&ctx, "%s", zhconv_strerror(ZHCONV_ERR_NOMEM));
    return EXIT_TROUBLE;
  }
  if ((to && zhconv_options_set(opts, ZHCONV_OPT_TO, to) != ZHCONV_OK) ||
      (from && zhconv_options_set(opts, ZHCONV_OPT_FROM, from) != ZHCONV_OK) ||
      zhconv_options_set(opts, ZHCONV_OPT_ENGINE, engine) != ZHCONV_OK ||
      zhconv_options_set(opts, ZHCONV_OPT_INVALID, invalid) != ZHCONV_OK ||
      zhconv_options_set(opts, ZHCONV_OPT_THREADS, threads) != ZHCONV_OK)
    S_usage_error("%s", zhconv_options_error(opts, NULL));
  bool set_ok = !(config && zhconv_options_set(opts, ZHCONV_OPT_CONFIG, config) != ZHCONV_OK) &&
                !(data_dir && *data_dir &&
                  zhconv_options_set(opts, ZHCONV_OPT_DATA_DIR, data_dir) != ZHCONV_OK) &&
                zhconv_options_set(opts, ZHCONV_OPT_NO_VOCAB, no_vocab ? "yes" : "no") == ZHCONV_OK &&
                zhconv_options_set(opts, ZHCONV_OPT_DOMAIN, domain) == ZHCONV_OK &&
                zhconv_options_set(opts, ZHCONV_OPT_FRONT_MATTER, front_matter) == ZHCONV_OK &&
                zhconv_options_set(opts, ZHCONV_OPT_PUNCT, punct ? "yes" : "no") == ZHCONV_OK;
  for (int i = 0; set_ok && i < nvocabs; i++)
    set_ok = zhconv_options_set(opts, ZHCONV_OPT_VOCAB, vocabs[i]) == ZHCONV_OK;
  for (int i = 0; set_ok && i < nprotects; i++)
    set_ok = zhconv_options_set(opts, ZHCONV_OPT_PROTECT, protects[i]) == ZHCONV_OK;
  free(vocabs);
  free(protects);
  S_vocabs = S_protects = NULL;
  S_opts = NULL;
  if (!set_ok) {
    zhconv_options_free(opts);
    cli_error(&ctx, "%s", zhconv_strerror(ZHCONV_ERR_NOMEM));
    return EXIT_TROUBLE;
  }
  int status;
  zhconv *z = zhconv_new(opts, &status);
  if (!z) {
    zhconv_mark where;
    const char *why = zhconv_options_error(opts, &where);
    if (where.file)
      cli_error(&ctx, "%s:%zu:%zu: %s", where.file, where.line + 1, where.column + 1, why);
    else
      cli_error(&ctx, "%s", why);
    zhconv_options_free(opts);
    return status == ZHCONV_ERR_ARG || status == ZHCONV_ERR_SYNTAX ? EXIT_USAGE : EXIT_TROUBLE;
  }
  zhconv_options_free(opts);
  ctx.converter = z;
  ctx.explain = explain;
  ctx.opencc = config != NULL;
  /* Nothing can fail on the input side when invalid bytes are kept or
   * replaced, so output may stream straight out. */
  ctx.hold_output = strcmp(invalid, "reject") == 0;
  cli_install_signal_cleanup();

  char *stdin_only[] = {(char *)"-"};
  if (nfiles == 0) {
    files = stdin_only;
    nfiles = 1;
  }
  if (run_batch) {
    batch.in_place = in_place;
    if (batch.jobs == 0) {
      long n = sysconf(_SC_NPROCESSORS_ONLN);
      batch.jobs = n < 1 ? 1 : n > 64 ? 64 : (int)n;
    }
    int st = cli_batch(&ctx, &batch, files, nfiles);
    zhconv_free(z);
    return st;
  }
  bool ok = true;
  if (detect)
    for (int i = 0; i < nfiles; i++)
      ok = cli_detect(&ctx, files[i]) && ok;
  else if (output)
    ok = cli_convert_to_file(&ctx, files, nfiles, output);
  else
    for (int i = 0; i < nfiles; i++)
      ok = (in_place ? cli_convert_in_place(&ctx, files[i])
                     : cli_convert_to_stdout(&ctx, files[i])) && ok;
  zhconv_free(z);
  return ok ? EXIT_OK : EXIT_TROUBLE;
}
