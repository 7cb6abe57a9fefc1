/*
 * zhconv-private.h — layouts and internal interfaces shared by the library's
 * files.  Nothing here is installed or exported: internal names carry the
 * zhconv__ prefix (two underscores), which the export filter leaves out.
 *
 * The pipeline, one file per stage:
 *   stream.c   buffers input, validates UTF-8 (utf8.c), finds places where
 *              the text may be cut (keyset.c), drives the stages below
 *   detect.c   decides the source script when it is "auto"
 *   engine.c   converts a run of text through OpenCC
 * and around it:
 *   api.c      versions, status texts, options, converters, one-shot calls
 *   plan.c     which OpenCC chain serves a (source, target) pair
 *   config.c   reads an OpenCC JSON configuration: the dictionaries it uses
 *   datadir.c  finds zhconv's data files
 *   buf.c      growable byte buffers
 */
#ifndef ZHCONV_PRIVATE_H
#define ZHCONV_PRIVATE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
/* Decode the valid character at s; returns its length. */
size_t zhconv__utf8_decode(const char *s, uint32_t *cp);
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
/* A 64-bit FNV-1a hash, used to recognise OpenCC's binary dictionaries. */
uint64_t zhconv__hash64(const void *data, size_t len);

/* ---- engine.c: one OpenCC conversion chain ------------------------------ */

typedef struct zhconv__engine zhconv__engine;

/* Open an OpenCC configuration file.  A NULL engine converts nothing: it
 * copies (used when source and target are the same). */
int zhconv__engine_open(const char *config_path, zhconv__engine **engine, char *err);
void zhconv__engine_close(zhconv__engine *engine);
/* Convert valid UTF-8 without NUL bytes, appending to out. */
int zhconv__engine_convert(const zhconv__engine *engine, const char *text, size_t len,
                           zhconv__buf *out, char *err);

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

/* ---- api.c: the handles ------------------------------------------------ */

enum zhconv__invalid { ZHCONV__INVALID_REJECT, ZHCONV__INVALID_KEEP, ZHCONV__INVALID_REPLACE };

struct zhconv_options {
  zhconv_variant to;
  zhconv_variant from;
  char *config;
  char *data_dirs;
  int invalid;
  char error[ZHCONV__ERRLEN];
  bool has_error;
  zhconv_mark error_mark;
};

struct zhconv {
  zhconv_variant to;            /* AUTO when running a configuration */
  zhconv_variant from;          /* AUTO: decide per stream */
  int invalid;
  zhconv__engine *from_hans;    /* the chain for Simplified input */
  zhconv__engine *from_hant;    /* the chain for Traditional input */
  zhconv__detector *detector;   /* only when from is AUTO */
  zhconv__keyset keys;          /* union over both chains */
  size_t chunk;                 /* convert when this much text is pending */
};

/* Tests only: convert in pieces of about `chunk` bytes, so that small
 * texts exercise the cutting. */
void zhconv__set_chunk(zhconv *z, size_t chunk);

/* The engine that converts text whose source is `source`. */
const zhconv__engine *zhconv__engine_for(const zhconv *z, zhconv_variant source);

#endif /* ZHCONV_PRIVATE_H */
