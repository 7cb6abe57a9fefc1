/*
 * zhconv-private.h — layouts and internal interfaces shared by the library's
 * files.  Nothing here is installed or exported: internal names carry the
 * zhconv__ prefix (two underscores), which the export filter leaves out.
 *
 * The pipeline, one file per stage:
 *   scanner.c  cuts a document into prose, kept and dropped spans (with
 *              frontmatter.c for the front matter); only prose goes on
 *   stream.c   buffers input, validates UTF-8 (utf8.c), finds places where
 *              the text may be cut (keyset.c), drives the stages below
 *   detect.c   decides the source script when it is "auto"
 *   vocab.c    finds vocabulary terms; the text between them goes to...
 *   engine.c   converts a run of text through OpenCC
 *   punct.c    quotation marks, when asked (--punct)
 * and around it:
 *   api.c      versions, status texts, options, converters, one-shot calls
 *   plan.c     which OpenCC chain serves a (source, target) pair
 *   config.c   reads an OpenCC JSON configuration: the dictionaries it uses
 *   datadir.c  finds zhconv's data files
 *   buf.c      growable byte buffers
 */
#ifndef ZHCONV_PRIVATE_H
#define ZHCONV_PRIVATE_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/stat.h>

#include "zhconv.h"

#define ZHCONV__ERRLEN 512

/* Messages are marked for translation in the zhconv domain; the library
 * never binds the domain itself (the host program does). */
#ifdef ENABLE_NLS
#  include <libintl.h>
#  define _(s) dgettext(PACKAGE, s)
#else
#  define _(s) (s)
#endif
#define N_(s) (s)

/* ---- buf.c: growable byte buffer --------------------------------------- */

typedef struct zhconv__buf {
  char *data;
  size_t len;
  size_t cap;
} zhconv__buf;

int zhconv__buf_reserve(zhconv__buf *b, size_t extra);
int zhconv__buf_append(zhconv__buf *b, const char *s, size_t n);
/* Drop the first n bytes. */
void zhconv__buf_consume(zhconv__buf *b, size_t n);
void zhconv__buf_free(zhconv__buf *b);

/* Fault in the pages of fresh memory that is about to be filled, all in
 * one call: a start builds its tables in fresh memory, and on a virtual
 * machine taking one page fault at a time costs three to four times as
 * much.  Only a hint: nothing happens where the system cannot do it. */
void zhconv__prefault(void *p, size_t n);
/* calloc(n, size) whose pages are faulted in before they are zeroed (free
 * it with free). */
void *zhconv__alloc_zeroed(size_t n, size_t size);

/* ---- errors ------------------------------------------------------------ */

/* printf into a fixed error buffer, truncating safely. */
void zhconv__errorf(char *dst, const char *fmt, ...)
#if defined(__GNUC__)
  __attribute__((format(printf, 2, 3)))
#endif
  ;

/* ---- utf8.c: validation ------------------------------------------------ */

typedef enum zhconv__utf8_stop {
  ZHCONV__UTF8_END,        /* all bytes were valid */
  ZHCONV__UTF8_NUL,        /* stopped at a NUL byte */
  ZHCONV__UTF8_INVALID,    /* stopped at an invalid sequence */
  ZHCONV__UTF8_INCOMPLETE  /* stopped at a sequence cut off by the end */
} zhconv__utf8_stop;

/* Scan s[0..len) and return the length of the prefix made of whole, valid,
 * non-NUL characters; *stop says what ended it. */
size_t zhconv__utf8_scan(const char *s, size_t len, zhconv__utf8_stop *stop);
/* The length of the maximal invalid subpart at s (at least 1): the bytes
 * that a decoder replaces by one U+FFFD. */
size_t zhconv__utf8_invalid_length(const char *s, size_t len);
/* Decode the valid character at s; returns its length.  Inline: every
 * stage calls it per character. */
static inline size_t
zhconv__utf8_decode(const char *text, uint32_t *cp)
{
  const unsigned char *s = (const unsigned char *)text;
  if (s[0] < 0x80) {
    *cp = s[0];
    return 1;
  }
  if (s[0] < 0xE0) {
    *cp = ((uint32_t)(s[0] & 0x1F) << 6) | (s[1] & 0x3F);
    return 2;
  }
  if (s[0] < 0xF0) {
    *cp = ((uint32_t)(s[0] & 0x0F) << 12) | ((uint32_t)(s[1] & 0x3F) << 6) | (s[2] & 0x3F);
    return 3;
  }
  *cp = ((uint32_t)(s[0] & 0x07) << 18) | ((uint32_t)(s[1] & 0x3F) << 12) |
        ((uint32_t)(s[2] & 0x3F) << 6) | (s[3] & 0x3F);
  return 4;
}
/* Encode a code point (below U+110000) into out[0..4); returns the length. */
size_t zhconv__utf8_encode(uint32_t cp, char *out);
/* The start of the last character in the valid text s[0..len). */
size_t zhconv__utf8_last_start(const char *s, size_t len);

/* ---- keyset.c: characters that occur in dictionary keys ---------------- */

/* A cut between two characters can change OpenCC's result only if some
 * dictionary key spans it.  A character that occurs in no key of any
 * dictionary in use is therefore a safe place to cut: no match reaches
 * across it at any stage of the chain. */
typedef struct zhconv__keyset {
  uint64_t *bits;      /* one bit per code point: set when in some key */
  bool lines_only;     /* a dictionary could not be read: cut at '\n' only */
} zhconv__keyset;

int zhconv__keyset_init(zhconv__keyset *ks);
void zhconv__keyset_free(zhconv__keyset *ks);
void zhconv__keyset_add_char(zhconv__keyset *ks, uint32_t cp);
/* Is cp (below U+110000) in some key? */
bool zhconv__keyset_has(const zhconv__keyset *ks, uint32_t cp);
/* Add the characters of every key in the dictionaries that an OpenCC
 * configuration uses. */
int zhconv__keyset_add_config(zhconv__keyset *ks, const char *config_path,
                              const char *data_dirs, char *err);
/* The length of the longest prefix of the valid text s[0..len) that ends
 * just after a safe character in s[from..len), or 0 if there is none.
 * `from` must be a character boundary. */
size_t zhconv__keyset_safe_prefix(const zhconv__keyset *ks, const char *s, size_t from,
                                  size_t len);

/* ---- config.c: OpenCC JSON configurations ------------------------------ */

typedef struct zhconv__dictref {
  char *type;   /* "ocd2", "text", "ocd" */
  char *path;   /* resolved path */
} zhconv__dictref;

/* Find a configuration as OpenCC does: the path itself, then NAME.json, then
 * both in OpenCC's data directory.  Returns a new string or NULL. */
char *zhconv__config_find(const char *name);
/* List the dictionaries (group members expanded) a configuration uses, with
 * their files resolved as OpenCC resolves them: beside the configuration,
 * then in OpenCC's data directory. */
int zhconv__config_dicts(const char *config_path, zhconv__dictref **dicts,
                         size_t *count, char *err);
void zhconv__config_dicts_free(zhconv__dictref *dicts, size_t count);

/* ---- datadir.c --------------------------------------------------------- */

/* Find relative_name in the first directory of the ':'-separated list that
 * has it.  Returns a new string or NULL. */
char *zhconv__datadir_find(const char *data_dirs, const char *relative_name);
/* Read a whole (small) data file.  Returns ZHCONV_OK or ZHCONV_ERR_IO/NOMEM. */
int zhconv__read_file(const char *path, zhconv__buf *out);
/* A fast 64-bit hash (not cryptographic), used to recognise OpenCC's
 * binary dictionaries and in hash tables. */
uint64_t zhconv__hash64(const void *data, size_t len);
/* Map a file the build derives from another (a dictionary's index, a
 * matcher's image) read-only, its pages populated at once, if it is a
 * regular, non-empty file not older than its source (`source`, stat'ed;
 * NULL: a file known by its contents, whatever its time); NULL otherwise.
 * Its length in *len; munmap it. */
void *zhconv__map_derived(const char *path, const struct stat *source, size_t *len);
/* The last component of path without `suffix` (kept when it does not end
 * so): returns where it starts, its length in *len. */
const char *zhconv__path_stem(const char *path, const char *suffix, size_t *len);

/* ---- engine.c: one OpenCC conversion chain ------------------------------ */

typedef struct zhconv__engine zhconv__engine;
/* The words of a script (see native.c's word lists). */
typedef struct zhconv__words zhconv__words;

enum { ZHCONV__ENGINE_NATIVE = 0, ZHCONV__ENGINE_OPENCC = 1 };

/* Open an OpenCC configuration file with the native engine (falling back
 * to libopencc for a chain it cannot read) or with libopencc.  A NULL
 * engine converts nothing: it copies (used when source and target are the
 * same). */
int zhconv__engine_open(const char *config_path, const char *data_dirs, int kind,
                        zhconv__engine **engine, char *err);
bool zhconv__engine_is_native(const zhconv__engine *engine);
/* Add the characters of the chain's dictionary keys to a key set: from the
 * native engine's tables, or by reading the configuration's dictionaries. */
int zhconv__engine_add_keychars(const zhconv__engine *engine, const char *config_path,
                                const char *data_dirs, zhconv__keyset *ks, char *err);
void zhconv__engine_close(zhconv__engine *engine);
/* zhconv__native_check_words, for a native engine (libopencc's stays as
 * it is). */
int zhconv__engine_check_words(zhconv__engine *engine, const zhconv__words *source_words,
                               bool source_hant, const char *data_dirs);
/* Convert valid UTF-8 without NUL bytes, appending to out. */
int zhconv__engine_convert(const zhconv__engine *engine, const char *text, size_t len,
                           zhconv__buf *out, char *err);

/* ---- native.c: OpenCC's conversion, natively ----------------------------- */

/* (config.c) A configuration's structure: the segmentation's type and every
 * dictionary, group members expanded in order, by part: part 0 is the
 * segmentation's dictionary, part i (1 <= i < parts) the i-th conversion's,
 * using dicts[starts[i] .. starts[i + 1]). */
typedef struct zhconv__chain {
  char *segmentation;       /* "mmseg", or NULL when not given */
  zhconv__dictref *dicts;
  size_t count;
  size_t *starts;           /* parts + 1 entries */
  size_t parts;
} zhconv__chain;

int zhconv__config_chain(const char *config_path, zhconv__chain *chain, char *err);
void zhconv__config_chain_free(zhconv__chain *chain);

/* (datadir.c) The exported text copy of an OpenCC binary dictionary (see
 * keyset.c), or NULL when the build did not export this very file. */
char *zhconv__exported_copy(const char *ocd2_path, const char *data_dirs);

typedef struct zhconv__native zhconv__native;

/* Compile an OpenCC configuration into immutable match tables.  Returns
 * ZHCONV_ERR_CONFIG (with a reason in err) when a dictionary cannot be read
 * natively (an .ocd2 the build did not export, type "ocd", a text
 * dictionary OpenCC would refuse) or the segmentation is not "mmseg": the
 * caller then falls back to libopencc. */
int zhconv__native_open(const char *config_path, const char *data_dirs,
                        zhconv__native **engine, char *err);
void zhconv__native_close(zhconv__native *engine);
/* Convert valid UTF-8 without NUL, appending to out: what OpenCC 1.1.6
 * gives, byte for byte.  Thread-safe on a shared engine. */
int zhconv__native_convert(const zhconv__native *engine, const char *text, size_t len,
                           zhconv__buf *out);
/* Add every character of the engine's dictionary keys to a key set. */
void zhconv__native_add_keychars(const zhconv__native *engine, zhconv__keyset *ks);
/* For a built-in target (never a --config): OpenCC's Taiwan phrases
 * (TWPhrases, TWPhrasesRev) are not taken where they would cut words,
 * those of the Traditional list in the text they convert, and those of
 * source_words (the input's script; the side's, which must outlive the
 * engine) where a segment of the input would hold one whole.  The
 * Traditional list is source_words when the input is Traditional, else
 * opened from data_dirs when first needed. */
int zhconv__native_check_words(zhconv__native *engine, const zhconv__words *source_words,
                               bool source_hant, const char *data_dirs);
/* Why a conversion failed, when the engine knows more than the status: the
 * word list it opened on first need could not be read.  NULL otherwise. */
const char *zhconv__native_error(const zhconv__native *engine);
/* The engine image of a configuration, to be written to
 * engines/NAME.engine for NAME.json (replacing out's contents): opening
 * maps its tables instead of compiling them (see native.c).  Every
 * dictionary must have its index.  Used by the build (src/dict-manifest
 * --engines). */
int zhconv__native_image(const char *config_path, const char *data_dirs, zhconv__buf *out,
                         char *err);
/* The file name of config_path's image (NAME.engine for NAME.json), in
 * name; false if it does not fit. */
bool zhconv__native_image_name(const char *config_path, char *name, size_t size);
/* Did the engine come from its image? */
bool zhconv__native_from_image(const zhconv__native *engine);
/* The index of the text dictionary NAME.txt, to be written to NAME.idx
 * (replacing out's contents): opening maps it instead of reading the text
 * (see native.c).  Used by the build (src/dict-manifest --index). */
int zhconv__native_index(const char *text_path, zhconv__buf *out, char *err);

/* The words of a script (words/hans.txt, words/hant.txt: made by the
 * build from the lists in data/words/), for the vocabulary layer: a term
 * is not taken where it would cut them apart (zhconv__matcher_find). */

/* *words is NULL (and the status OK) when the data has no list. */
int zhconv__words_open(const char *data_dirs, zhconv_variant script, zhconv__words **words,
                       char *err);
void zhconv__words_free(zhconv__words *words);
/* The length of the longest word of two or more characters at the start
 * of the valid UTF-8 text[0, len), or 0. */
size_t zhconv__words_longest(const zhconv__words *words, const char *text, size_t len);
/* Add the characters of every word to a key set. */
void zhconv__words_add_keychars(const zhconv__words *words, zhconv__keyset *ks);
/* Would text[at, at + len) (a term, or a phrase of OpenCC's) cut words of
 * text[from, n) apart?  See native.c. */
bool zhconv__words_cut(const zhconv__words *words, const char *text, size_t n, size_t from,
                       size_t at, size_t len);

/* ---- plan.c: chains for (source, target) ------------------------------- */

/* The configuration that converts from a source script or region to a
 * target: an OpenCC configuration name ("tw2sp"), a file of zhconv's own
 * under data/chains/ ("chains/hant2cn.json"), or NULL when the text is
 * already in the target's script and region.  source is never AUTO. */
const char *zhconv__plan_chain(zhconv_variant source, zhconv_variant target);

/* ---- detect.c: which script is the input in ---------------------------- */

typedef struct zhconv__detector zhconv__detector;

int zhconv__detector_new(const char *data_dirs, zhconv__detector **detector, char *err);
void zhconv__detector_free(zhconv__detector *detector);
/* ZHCONV_HANS or ZHCONV_HANT from the characters of text; `fallback` when
 * the text has no evidence either way. */
zhconv_variant zhconv__detect(const zhconv__detector *detector, const char *text,
                              size_t len, zhconv_variant fallback);
/* The same with the evidence: counts[0] Simplified, counts[1] Traditional
 * characters; ZHCONV_AUTO on a tie. */
zhconv_variant zhconv__detect_counts(const zhconv__detector *detector, const char *text,
                                     size_t len, size_t counts[2]);

/* ---- vocab.c: the vocabulary layer --------------------------------------- */

enum { ZHCONV__SCOPE_TECHNICAL = 0, ZHCONV__SCOPE_REGIONAL = 1 };

typedef struct zhconv__vocab zhconv__vocab;

int zhconv__vocab_new(zhconv__vocab **vocab);
void zhconv__vocab_free(zhconv__vocab *vocab);
/* Load the built-in vocabulary: its compiled form (vocab/compiled.tsv,
 * made by the build) if the data directories have one, else the files that
 * vocab/index.yaml lists (zhconv__vocab_load_sources). */
int zhconv__vocab_load_builtin(zhconv__vocab *v, const char *data_dirs, const char *domains,
                               char *err, zhconv_mark *mark);
/* `domains`: the optional domains to load as well (comma-separated; "*":
 * all of them; NULL: none).  Their files must come last in the index. */
int zhconv__vocab_load_sources(zhconv__vocab *v, const char *data_dirs, const char *domains,
                               char *err, zhconv_mark *mark);
/* Write the compiled form of everything loaded. */
int zhconv__vocab_write_compiled(const zhconv__vocab *v, FILE *out);
/* Load one file (or text named `name`); entries of one file may not
 * conflict with each other; a later file's entries win over earlier ones. */
int zhconv__vocab_load_file(zhconv__vocab *v, const char *path, int scope, char *err,
                            zhconv_mark *mark);
int zhconv__vocab_load_text(zhconv__vocab *v, const char *text, size_t len, const char *name,
                            int scope, char *err, zhconv_mark *mark);
/* Load a list of terms, one per line ('#' starts a comment line), that no
 * target may change. */
int zhconv__vocab_load_protected(zhconv__vocab *v, const char *path, char *err,
                                 zhconv_mark *mark);
/* Check all loaded entries together: no conflicts, no duplicates. */
int zhconv__vocab_lint(const zhconv__vocab *v, char *err, zhconv_mark *mark);
size_t zhconv__vocab_size(const zhconv__vocab *v);
/* The file and line an entry came from. */
const char *zhconv__vocab_origin(const zhconv__vocab *v, uint32_t index, size_t *line);
/* Occurrences of terms that only cn, tw or hk writes, in counts[0..2]. */
int zhconv__vocab_region_evidence(const zhconv__vocab *v, const char *text, size_t len,
                                  size_t counts[3]);

/* The lookup for one source script and target. */
typedef struct zhconv__matcher zhconv__matcher;

int zhconv__matcher_new(const zhconv__vocab *v, zhconv_variant source_script,
                        zhconv_variant target, zhconv__matcher **matcher);
void zhconv__matcher_free(zhconv__matcher *matcher);
/* The length of the longest form at the start of text[0..len) (a whole
 * number of characters), or 0; sets the target form and the entry, and
 * *char_len to the length of the first character (the step on no match). */
size_t zhconv__matcher_match(const zhconv__matcher *m, const char *text, size_t len,
                             const char **target, uint32_t *entry, size_t *char_len);
/* The first place at or after *pos in text[0, len) where a form matches
 * (the longest there): its length, with *pos moved to it; 0 and *pos = len
 * when there is none.  With words (NULL: none), a form that changes the
 * text is not taken where it would cut words apart (see vocab.c). */
size_t zhconv__matcher_find(const zhconv__matcher *m, const zhconv__words *words,
                            const char *text, size_t len, size_t *pos, const char **target,
                            size_t *target_len, uint32_t *entry_index);
/* Mark the characters of every form as key characters (see keyset.c). */
void zhconv__matcher_add_keychars(const zhconv__matcher *m, zhconv__keyset *ks);
/* The build's image of the matcher of the built-in vocabulary (with no
 * optional domain) for this source script and target, written from one
 * built by zhconv__matcher_new from the compiled vocabulary of vocab_len
 * bytes and nentries entries, and mapped from the directory of the
 * compiled vocabulary the data directories give.  Opening gives
 * ZHCONV_ERR_IO, and *matcher NULL, when there is no image that fits. */
int zhconv__matcher_write_image(const zhconv__matcher *m, uint64_t vocab_len, uint64_t nentries,
                                FILE *out);
int zhconv__matcher_open_image(const char *data_dirs, zhconv_variant source_script,
                               zhconv_variant target, zhconv__matcher **matcher);

/* ---- punct.c: quotation marks -------------------------------------------- */

typedef struct zhconv__punct {
  unsigned char open[64];  /* the kinds of the open quotation marks */
  size_t depth;
} zhconv__punct;

/* Rewrite the quotation marks of text in place for the target's convention
 * (“” ‘’ for hans and cn, 「」 『』 for the others), by nesting depth. */
void zhconv__punct_apply(zhconv__punct *state, char *text, size_t len, zhconv_variant target);

/* ---- scanner.c: which bytes of a document are prose --------------------- */

enum zhconv__format {
  ZHCONV__FORMAT_TEXT = 0,      /* all prose but the protection markup */
  ZHCONV__FORMAT_MARKDOWN = 1,  /* CommonMark, front matter, math */
  ZHCONV__FORMAT_HTML = 2,
  ZHCONV__FORMAT_AUTO = 3       /* streams only: Markdown when the input
                                 * starts with a front matter fence */
};

/* Parse "text", "markdown", "html" or (with allow_auto) "auto". */
int zhconv__format_parse(const char *name, bool allow_auto, int *format);

typedef enum zhconv__span {
  ZHCONV__SPAN_PROSE,  /* to convert */
  ZHCONV__SPAN_KEEP,   /* to copy byte for byte */
  ZHCONV__SPAN_DROP    /* to leave out: the -{ and }- of -{text}- */
} zhconv__span;

typedef struct zhconv__scanner zhconv__scanner;

typedef struct zhconv__scanner_sink {
  /* Receives the spans in input order; a non-zero return stops the scan
   * and comes back from zhconv__scanner_feed(). */
  int (*span)(void *user, zhconv__span kind, const char *text, size_t len);
  /* A problem that does not stop the document (malformed front matter),
   * at a position of the input (0-based; column in characters); NULL to
   * ignore. */
  void (*warn)(void *user, const char *message, size_t offset, size_t line, size_t column);
  void *user;
} zhconv__scanner_sink;

/* A scanner for one format (not AUTO); fields: the front matter keys whose
 * values are prose, comma-separated, or NULL. */
int zhconv__scanner_new(int format, const char *fields, zhconv__scanner **scanner);
void zhconv__scanner_free(zhconv__scanner *scanner);
/* Forget everything: a new document. */
void zhconv__scanner_reset(zhconv__scanner *scanner);
/* Scan text[0, len) and hand spans to the sink.  *consumed receives how
 * many bytes the scanner took; the caller passes the rest again, with
 * more input after it.  The spans handed out so far, end to end, are a
 * prefix of the bytes consumed (a paragraph is held inside the scanner
 * until it ends); after ZHCONV_END they are all of them.  ZHCONV_FLUSH
 * hands out a held paragraph (what follows is scanned as its own piece).
 * The spans do not depend on how the input is divided.  Returns ZHCONV_OK,
 * ZHCONV_ERR_NOMEM, or the sink's status. */
int zhconv__scanner_feed(zhconv__scanner *scanner, const char *text, size_t len,
                         zhconv_directive how, const zhconv__scanner_sink *sink,
                         size_t *consumed);

/* ---- frontmatter.c: values of chosen keys in front matter ----------------- */

typedef struct zhconv__fm_range {
  size_t start, end;
} zhconv__fm_range;

typedef struct zhconv__fm_ranges {
  zhconv__fm_range *v;
  size_t count, cap;
} zhconv__fm_ranges;

typedef struct zhconv__fm_problem {
  char message[ZHCONV__ERRLEN];
  size_t offset, line, column;  /* in the text given; column in characters */
} zhconv__fm_problem;

/* The byte ranges, in order, of the scalar values of the top-level keys
 * `fields` in front matter text of kind 'y' (YAML: the whole text is
 * checked, and ZHCONV_ERR_SYNTAX comes back with the problem when it does
 * not parse) or 't' (TOML: strings of top-level keys only, never an
 * error). */
int zhconv__frontmatter_ranges(char kind, const char *text, size_t len, char *const *fields,
                               size_t nfields, zhconv__fm_ranges *ranges,
                               zhconv__fm_problem *problem);
void zhconv__fm_ranges_free(zhconv__fm_ranges *ranges);

/* ---- api.c: the handles ------------------------------------------------ */

enum zhconv__invalid { ZHCONV__INVALID_REJECT, ZHCONV__INVALID_KEEP, ZHCONV__INVALID_REPLACE };

struct zhconv_options {
  zhconv_variant to;
  zhconv_variant from;
  char *config;
  char *data_dirs;
  int invalid;
  bool no_vocab;
  bool punct;
  int engine;                   /* ZHCONV__ENGINE_* */
  char *domains;                /* optional vocabularies, comma-separated */
  int threads;                  /* per stream, 1 to ZHCONV__MAX_THREADS */
  int format;                   /* ZHCONV__FORMAT_*, not AUTO */
  char *front_matter;           /* keys whose values are prose, or NULL */
  zhconv__buf vocab_files;      /* NUL-separated: 'f' path or 't' text */
  char error[ZHCONV__ERRLEN];
  bool has_error;
  zhconv_mark error_mark;
  char *error_file;             /* owns error_mark.file */
};

/* What converts input in one script: a chain and the vocabulary's terms,
 * with the characters of their keys (where a stream may not cut).  A side
 * opens on first use (zhconv__side_open), so that a converter pays only
 * for the script its input turns out to be in. */
typedef struct zhconv__side {
  zhconv_variant source;        /* the script (or the region given) */
  char *chain;                  /* NULL: the input is left as it is */
  zhconv__engine *engine;
  zhconv__matcher *matcher;     /* NULL without terms */
  zhconv__words *words;         /* NULL: terms are taken wherever they match */
  zhconv__keyset keys;          /* see zhconv__side_keys */
  atomic_bool keys_ready;
  atomic_bool opened;
  int status;                   /* of opening */
  char error[ZHCONV__ERRLEN];
} zhconv__side;

struct zhconv {
  zhconv_variant to;            /* AUTO when running a configuration */
  zhconv_variant from;          /* AUTO: decide per stream */
  int invalid;
  /* [0]: Simplified input (and a configuration), [1]: Traditional.  The
   * sides are filled in lazily, under open_lock, through a pointer, since
   * a converter is otherwise immutable and shared between threads. */
  zhconv__side *sides;
  pthread_mutex_t open_lock;
  bool lock_made;
  char *data_dirs;              /* NULL: the installed data */
  int engine_kind;              /* ZHCONV__ENGINE_* */
  zhconv__detector *detector;   /* only when from is AUTO */
  zhconv__vocab *vocab;         /* NULL with --no-vocab and for configurations */
  /* The vocabulary is the built-in one alone: the sides map the build's
   * images of its matchers, and it loads, under vocab_lock, only when
   * something asks for it (zhconv__converter_vocab: --explain, --detect). */
  bool check_words;             /* OpenCC's Taiwan phrases may not cut words */
  bool vocab_deferred;
  bool vocab_tried;
  int vocab_status;
  char vocab_error[ZHCONV__ERRLEN];
  pthread_mutex_t vocab_lock;
  bool punct;
  int format;                   /* streams' default ZHCONV__FORMAT_* */
  char *front_matter;           /* keys whose values are prose, or NULL */
  size_t chunk;                 /* convert when this much text is pending */
  int threads;                  /* per stream (ZHCONV_OPT_THREADS) */
};

#define ZHCONV__MAX_THREADS 64

/* Tests only: convert in pieces of about `chunk` bytes, so that small
 * texts exercise the cutting. */
void zhconv__set_chunk(zhconv *z, size_t chunk);

/* The engine and vocabulary that convert text whose source is `source`. */
/* The side that converts input from `source`, opened if it was not yet:
 * ZHCONV_OK, or the error of opening it (its message in side->error). */
int zhconv__side_open(const zhconv *z, zhconv_variant source, const zhconv__side **side);
/* An open side's key characters, gathered if they were not yet (a stream
 * needs them only to cut a long input).  Cannot fail: a side whose
 * gathering could (libopencc's engine reads its dictionaries for them)
 * gathered them when it opened. */
const zhconv__keyset *zhconv__side_keys(const zhconv *z, const zhconv__side *side);
/* The converter's vocabulary (NULL: none), loaded now if it was deferred;
 * on failure the message goes to err (unless NULL). */
int zhconv__converter_vocab(const zhconv *z, const zhconv__vocab **vocab, char *err);
/* The file and line of the vocabulary entry behind a change ("?" and 0 if
 * the vocabulary cannot be loaded). */
const char *zhconv__converter_origin(const zhconv *z, uint32_t entry, size_t *line);

#endif /* ZHCONV_PRIVATE_H */
