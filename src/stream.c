/* stream.c — streaming conversion: the caller's buffers in and out, and
 * the pipeline in between.
 *
 *   caller's input ─► [scanner] ─► pending input ─► validate UTF-8 ─► cut at
 *        a safe place ─► decide the source (auto) ─► engine ─► pending
 *        output ─► caller
 *
 * The scanner (scanner.c) reads Markdown, HTML, or text with the
 * protection markup, and cuts it into prose, kept and dropped spans.  Prose
 * goes on into the pending input, the "prose sink" below.  A kept or
 * dropped span is a boundary: the sink first converts everything pending,
 * then kept bytes go to the output as they are (validated as --invalid
 * says) and dropped bytes nowhere.  The stream's position (offset, line,
 * column) follows the input through all three kinds, so error positions
 * are positions in the input.  Running an OpenCC configuration on text,
 * the scanner stays out of the way: that is exactly `opencc -c`.
 *
 * The stream converts text only up to a character that occurs in no
 * dictionary key (keyset.c): no dictionary match can reach across such a
 * character, so converting the text on either side separately gives what
 * converting it whole would.  NUL bytes and, with --invalid=keep or
 * replace, invalid bytes are boundaries of the same kind: the text before
 * them is converted, and they are copied (or replaced) as they are. */
#include <config.h>

#include <stdlib.h>
#include <string.h>

#include "zhconv-private.h"

/* Convert once this much valid text is pending (zhconv->chunk)... */
#define CHUNK ((size_t)64 * 1024)
/* ...and, when it holds no safe place to cut, wait for one at most this
 * long before cutting anyway (see README, "Streaming"). */
#define HOLD_LIMIT ((size_t)4 * 1024 * 1024)
/* With --from=auto the source is decided from the first this many bytes
 * (fewer if the text is shorter or breaks at a NUL or invalid byte first),
 * so that the decision does not depend on how the input was chunked. */
#define DETECT_WINDOW ((size_t)64 * 1024)

typedef struct zhconv__helpers zhconv__helpers;
static void S_helpers_free(zhconv__helpers *all);

struct zhconv_stream {
  const zhconv *z;
  int format_asked;        /* ZHCONV__FORMAT_*, as set (AUTO: sniff) */
  int format;              /* in use; AUTO until the input tells */
  zhconv__scanner *scanner;/* NULL: text straight into `in` */
  int scanner_format;      /* the format the scanner was made for */
  zhconv__buf raw;         /* input the scanner has not consumed */
  bool fed;                /* input has arrived since the last reset */
  zhconv_warning_fn on_warning;
  void *on_warning_user;
  zhconv__buf in;          /* input not yet converted */
  size_t valid;            /* in[0, valid) is known to be valid UTF-8 */
  size_t no_cut_before;    /* in[0, no_cut_before) holds no safe place */
  zhconv__buf out;         /* output not yet handed to the caller */
  size_t out_pos;          /* out[0, out_pos) has been handed over */
  size_t offset;           /* stream offset of in.data[0] */
  size_t line, column;     /* its line and column */
  zhconv_variant source;   /* AUTO until decided */
  bool ended;              /* ZHCONV_END has completed */
  zhconv__punct punct;     /* quotation marks open so far */
  zhconv_change_fn on_change;
  void *on_change_user;
  int status;              /* 0, or the error that stopped the stream */
  char error[ZHCONV__ERRLEN];
  zhconv_mark error_mark;
  zhconv__helpers *helpers;/* NULL until a piece is converted in parallel */
};

void
zhconv__set_chunk(zhconv *z, size_t chunk)
{
  /* With helper threads, pieces twice as large: half as many jobs. */
  z->chunk = chunk ? chunk : z->threads > 1 ? CHUNK * 2 : CHUNK;
}

size_t
zhconv_stream_in_size(void)
{
  return CHUNK;
}

size_t
zhconv_stream_out_size(void)
{
  return CHUNK * 2;
}

void
zhconv_stream_reset(zhconv_stream *s)
{
  if (!s)
    return;
  /* Jobs in flight belong to the input being dropped. */
  S_helpers_free(s->helpers);
  s->helpers = NULL;
  s->in.len = 0;
  s->out.len = 0;
  s->valid = s->no_cut_before = s->out_pos = 0;
  s->offset = s->line = s->column = 0;
  s->source = s->z->from == ZHCONV_AUTO ? ZHCONV_AUTO : s->z->from;
  s->ended = false;
  s->raw.len = 0;
  s->fed = false;
  s->format = s->format_asked;
  zhconv__scanner_reset(s->scanner);
  memset(&s->punct, 0, sizeof s->punct);
  s->status = ZHCONV_OK;
  s->error[0] = '\0';
  memset(&s->error_mark, 0, sizeof s->error_mark);
}

zhconv_stream *
zhconv_stream_new(const zhconv *z)
{
  if (!z)
    return NULL;
  zhconv_stream *s = calloc(1, sizeof *s);
  if (!s)
    return NULL;
  s->z = z;
  s->format_asked = z->format;
  zhconv_stream_reset(s);
  return s;
}

void
zhconv_stream_free(zhconv_stream *s)
{
  if (!s)
    return;
  zhconv__buf_free(&s->in);
  zhconv__buf_free(&s->out);
  zhconv__buf_free(&s->raw);
  zhconv__scanner_free(s->scanner);
  S_helpers_free(s->helpers);
  free(s);
}

const char *
zhconv_stream_error(const zhconv_stream *s, zhconv_mark *where)
{
  if (!s || s->status == ZHCONV_OK)
    return NULL;
  if (where)
    *where = s->error_mark;
  return s->error;
}

void
zhconv_stream_on_change(zhconv_stream *s, zhconv_change_fn fn, void *user)
{
  if (!s)
    return;
  s->on_change = fn;
  s->on_change_user = user;
}

zhconv_variant
zhconv_stream_source(const zhconv_stream *s)
{
  return s ? s->source : ZHCONV_AUTO;
}

int
zhconv_stream_set_format(zhconv_stream *s, const char *format)
{
  int f;
  if (!s || zhconv__format_parse(format, true, &f) != ZHCONV_OK)
    return ZHCONV_ERR_ARG;
  if (s->fed || s->status != ZHCONV_OK)
    return ZHCONV_ERR_STATE;
  s->format_asked = s->format = f;
  zhconv__scanner_free(s->scanner);
  s->scanner = NULL;
  return ZHCONV_OK;
}

void
zhconv_stream_on_warning(zhconv_stream *s, zhconv_warning_fn fn, void *user)
{
  if (!s)
    return;
  s->on_warning = fn;
  s->on_warning_user = user;
}

/* ---- pipeline steps ----------------------------------------------------- */

/* Stop the stream with an error at in[at]. */
static int
S_fail(zhconv_stream *s, int status, size_t at)
{
  s->status = status;
  if (s->error[0] == '\0')
    zhconv__errorf(s->error, "%s", zhconv_strerror(status));
  size_t line = s->line, column = s->column;
  for (size_t i = 0; i < at && i < s->in.len; i++) {
    if (s->in.data[i] == '\n') {
      line++;
      column = 0;
    } else
      column += ((unsigned char)s->in.data[i] & 0xC0) != 0x80;
  }
  s->error_mark.file = NULL;
  s->error_mark.offset = s->offset + at;
  s->error_mark.line = line;
  s->error_mark.column = column;
  return status;
}

/* Drop in[0, n), keeping the position bookkeeping. */
static void
S_consume(zhconv_stream *s, size_t n)
{
  const char *p = s->in.data, *end = p + n, *nl;
  while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    s->line++;
    s->column = 0;
    p = nl + 1;
  }
  for (; p < end; p++)
    s->column += ((unsigned char)*p & 0xC0) != 0x80;
  s->offset += n;
  zhconv__buf_consume(&s->in, n);
  s->valid = s->valid > n ? s->valid - n : 0;
  s->no_cut_before = s->no_cut_before > n ? s->no_cut_before - n : 0;
}

/* Report a vocabulary change at in[at]. */
static void
S_report(zhconv_stream *s, size_t at, size_t len, const char *to, uint32_t entry)
{
  zhconv_change c;
  c.offset = s->offset + at;
  c.line = s->line;
  c.column = s->column;
  size_t line_start = 0;
  for (size_t i = 0; i < at; i++)
    if (s->in.data[i] == '\n') {
      c.line++;
      line_start = i + 1;
    }
  if (c.line > s->line)
    c.column = 0;
  for (size_t i = line_start; i < at; i++)
    c.column += ((unsigned char)s->in.data[i] & 0xC0) != 0x80;
  c.from = s->in.data + at;
  c.from_len = len;
  c.to = to;
  c.to_len = strlen(to);
  c.file = zhconv__converter_origin(s->z, entry, &c.file_line);
  s->on_change(s->on_change_user, &c);
}

/* Vocabulary, then the engine for the text between terms: text[0, n),
 * appended to out.  Changes are reported to the stream `report` (NULL: not
 * reported), at text - report->in.data. */
static int
S_convert_range(const zhconv__side *side, const char *text, size_t n, zhconv__buf *out,
                char *err, zhconv_stream *report)
{
  const zhconv__engine *engine = side->engine;
  const zhconv__matcher *m = side->matcher;
  if (!m)
    return zhconv__engine_convert(engine, text, n, out, err);
  size_t gap = 0, at = 0;
  int st = ZHCONV_OK;
  while (at < n && st == ZHCONV_OK) {
    const char *target;
    size_t target_len;
    uint32_t entry;
    size_t len = zhconv__matcher_find(m, side->words, text, n, &at, &target, &target_len, &entry);
    if (len == 0)
      break;
    st = zhconv__engine_convert(engine, text + gap, at - gap, out, err);
    if (st == ZHCONV_OK)
      st = zhconv__buf_append(out, target, target_len);
    if (st == ZHCONV_OK && report && (target_len != len || memcmp(target, text + at, len)))
      S_report(report, (size_t)(text - report->in.data) + at, len, target, entry);
    at += len;
    gap = at;
  }
  if (st == ZHCONV_OK)
    st = zhconv__engine_convert(engine, text + gap, n - gap, out, err);
  return st;
}

/* The output from out[start] on is new converted text: quotation marks
 * for the target (--punct), by the nesting state so far. */
static void
S_punct_since(zhconv_stream *s, size_t start)
{
  if (s->z->punct)
    zhconv__punct_apply(&s->punct, s->out.data + start, s->out.len - start, s->z->to);
}

/* ---- helper threads ------------------------------------------------------ */

/* With ZHCONV_OPT_THREADS = N > 1, a stream converts large pieces of text
 * as jobs, while its caller's thread goes on reading, scanning and writing.
 * Each piece is copied into a job; the jobs wait in a ring in input order;
 * N - 1 helper threads of the stream's own take the oldest waiting job, and
 * when the ring is full the stream's thread takes one too instead of
 * waiting.  Finished jobs' output is appended in order (S_collect).  Every
 * other way to the output — kept spans, NUL and invalid bytes, a piece
 * converted in place — first waits for the jobs before it (S_settle), so
 * the output is what converting piece by piece in order gives. */
typedef enum { JOB_FREE, JOB_WAITING, JOB_RUNNING, JOB_DONE } job_state;

typedef struct job {
  job_state state;
  const zhconv__side *side;
  zhconv__buf text;
  zhconv__buf out;
  int status;
  char error[ZHCONV__ERRLEN];
  zhconv_mark mark;        /* where the text starts in the input */
} job;

/* Jobs in the ring for each thread: one running, one read ahead. */
#define JOBS_PER_THREAD 2

struct zhconv__helpers {
  pthread_mutex_t lock;
  pthread_cond_t waiting;  /* a job waits, or the helpers are to quit */
  pthread_cond_t done;     /* a job is done */
  pthread_t thread[ZHCONV__MAX_THREADS - 1];
  int count;               /* helpers started */
  bool quit;
  job *ring;               /* njobs jobs, the oldest at ring[first] */
  int njobs, first, used;
};

/* The oldest waiting job, marked as running; NULL if none.  Under the lock. */
static job *
S_take_job(zhconv__helpers *all)
{
  for (int i = 0; i < all->used; i++) {
    job *j = &all->ring[(all->first + i) % all->njobs];
    if (j->state == JOB_WAITING) {
      j->state = JOB_RUNNING;
      return j;
    }
  }
  return NULL;
}

/* Run a job taken under the lock: called and returns with it held. */
static void
S_run_job(zhconv__helpers *all, job *j)
{
  pthread_mutex_unlock(&all->lock);
  j->out.len = 0;
  j->error[0] = '\0';
  j->status = S_convert_range(j->side, j->text.data, j->text.len, &j->out, j->error, NULL);
  pthread_mutex_lock(&all->lock);
  j->state = JOB_DONE;
  pthread_cond_signal(&all->done);
}

static void *
S_helper_main(void *arg)
{
  zhconv__helpers *all = arg;
  pthread_mutex_lock(&all->lock);
  for (;;) {
    job *j = S_take_job(all);
    if (j)
      S_run_job(all, j);
    else if (all->quit)
      break;
    else
      pthread_cond_wait(&all->waiting, &all->lock);
  }
  pthread_mutex_unlock(&all->lock);
  return NULL;
}

/* Stop the helpers, dropping unfinished jobs, and free all. */
static void
S_helpers_free(zhconv__helpers *all)
{
  if (!all)
    return;
  pthread_mutex_lock(&all->lock);
  all->quit = true;
  for (int i = 0; i < all->used; i++) {
    job *j = &all->ring[(all->first + i) % all->njobs];
    if (j->state == JOB_WAITING)
      j->state = JOB_FREE;
  }
  pthread_cond_broadcast(&all->waiting);
  pthread_mutex_unlock(&all->lock);
  for (int i = 0; i < all->count; i++)
    pthread_join(all->thread[i], NULL);
  for (int i = 0; i < all->njobs; i++) {
    zhconv__buf_free(&all->ring[i].text);
    zhconv__buf_free(&all->ring[i].out);
  }
  free(all->ring);
  pthread_cond_destroy(&all->waiting);
  pthread_cond_destroy(&all->done);
  pthread_mutex_destroy(&all->lock);
  free(all);
}

/* The stream's helpers, started on first use with up to `threads` - 1
 * threads (fewer if the system has no more to give); NULL if none. */
static zhconv__helpers *
S_helpers(zhconv_stream *s, int threads)
{
  if (s->helpers)
    return s->helpers;
  zhconv__helpers *all = calloc(1, sizeof *all);
  if (!all)
    return NULL;
  all->njobs = JOBS_PER_THREAD * threads;
  if (!(all->ring = calloc((size_t)all->njobs, sizeof *all->ring))) {
    free(all);
    return NULL;
  }
  pthread_mutex_init(&all->lock, NULL);
  pthread_cond_init(&all->waiting, NULL);
  pthread_cond_init(&all->done, NULL);
  while (all->count < threads - 1 &&
         pthread_create(&all->thread[all->count], NULL, S_helper_main, all) == 0)
    all->count++;
  if (all->count == 0) {
    S_helpers_free(all);
    return NULL;
  }
  return s->helpers = all;
}

/* Append the output of finished jobs, oldest first: those finished now
 * (`until` 0), until the ring has room for one more (1), or all (2).
 * While waiting, the stream's thread runs waiting jobs itself. */
enum { COLLECT_FINISHED, COLLECT_ROOM, COLLECT_ALL };

static int
S_collect(zhconv_stream *s, int until)
{
  zhconv__helpers *all = s->helpers;
  if (!all)
    return ZHCONV_OK;
  int st = ZHCONV_OK;
  pthread_mutex_lock(&all->lock);
  while (all->used > 0 && st == ZHCONV_OK) {
    job *j = &all->ring[all->first];
    if (j->state != JOB_DONE) {
      bool wait = until == COLLECT_ALL || (until == COLLECT_ROOM && all->used == all->njobs);
      if (!wait)
        break;
      job *mine = S_take_job(all);
      if (mine)
        S_run_job(all, mine);
      else
        pthread_cond_wait(&all->done, &all->lock);
      continue;
    }
    /* A done job is the stream's alone: no lock needed to read it. */
    pthread_mutex_unlock(&all->lock);
    size_t start = s->out.len;
    st = j->status;
    if (st == ZHCONV_OK)
      st = zhconv__buf_append(&s->out, j->out.data, j->out.len);
    if (st == ZHCONV_OK) {
      S_punct_since(s, start);
    } else {
      s->status = st;
      zhconv__errorf(s->error, "%s", j->error[0] ? j->error : zhconv_strerror(st));
      s->error_mark = j->mark;
    }
    pthread_mutex_lock(&all->lock);
    j->state = JOB_FREE;
    all->first = (all->first + 1) % all->njobs;
    all->used--;
  }
  pthread_mutex_unlock(&all->lock);
  return st;
}

/* Wait for every job: the output is complete up to the pending input. */
static int
S_settle(zhconv_stream *s)
{
  return S_collect(s, COLLECT_ALL);
}

/* Hand in[0, n) to the helpers as a job. */
static int
S_submit(zhconv_stream *s, zhconv__helpers *all, const zhconv__side *side, size_t n)
{
  int st = S_collect(s, COLLECT_ROOM);
  if (st != ZHCONV_OK)
    return st;
  job *j = &all->ring[(all->first + all->used) % all->njobs];
  j->text.len = 0;
  if ((st = zhconv__buf_append(&j->text, s->in.data, n)) != ZHCONV_OK)
    return S_fail(s, st, 0);
  j->side = side;
  j->mark = (zhconv_mark){NULL, s->offset, s->line, s->column};
  pthread_mutex_lock(&all->lock);
  j->state = JOB_WAITING;
  all->used++;
  pthread_cond_signal(&all->waiting);
  pthread_mutex_unlock(&all->lock);
  S_consume(s, n);
  return ZHCONV_OK;
}

/* Decide the source script from the valid text `text` (auto). */
static void
S_decide_source(zhconv_stream *s, const char *text, size_t valid)
{
  /* Script-level fallback: assume the text is not yet in the target's
   * script, since the caller asked to convert it. */
  zhconv_variant target = s->z->to;
  zhconv_variant fallback =
    target == ZHCONV_HANS || target == ZHCONV_CN ? ZHCONV_HANT : ZHCONV_HANS;
  size_t window = valid;
  if (window > DETECT_WINDOW) {
    window = DETECT_WINDOW;
    while (window > 0 && ((unsigned char)text[window] & 0xC0) == 0x80)
      window--;
  }
  s->source = zhconv__detect(s->z->detector, text, window, fallback);
}

/* Convert the valid text in[0, n) — vocabulary, then the engine, by the
 * side for the source — and drop it from the input. */
static int
S_convert_text(zhconv_stream *s, size_t n)
{
  if (n == 0)
    return ZHCONV_OK;
  if (s->source == ZHCONV_AUTO)
    S_decide_source(s, s->in.data, s->valid);
  const zhconv__side *side;
  int st = zhconv__side_open(s->z, s->source, &side);
  if (st != ZHCONV_OK) {
    zhconv__errorf(s->error, "%s", side->error);
    return S_fail(s, st, 0);
  }
  /* As a job where the order of change reports cannot matter and the
   * piece is large (at least half of what the stream gathers before it
   * converts): a short input never starts a thread. */
  zhconv__helpers *all;
  if (s->z->threads > 1 && !s->on_change && side->engine && n >= s->z->chunk / 2 &&
      (all = S_helpers(s, s->z->threads)) != NULL)
    return S_submit(s, all, side, n);
  if ((st = S_settle(s)) != ZHCONV_OK)
    return st;
  size_t start = s->out.len;
  st = S_convert_range(side, s->in.data, n, &s->out, s->error, s->on_change ? s : NULL);
  if (st != ZHCONV_OK)
    return S_fail(s, st, 0);
  S_punct_since(s, start);
  S_consume(s, n);
  return ZHCONV_OK;
}

/* Copy in[0, n) to the output untouched and drop it from the input. */
static int
S_pass_bytes(zhconv_stream *s, const char *bytes, size_t len, size_t n)
{
  int st = S_settle(s);
  if (st != ZHCONV_OK)
    return st;
  st = zhconv__buf_append(&s->out, bytes, len);
  if (st != ZHCONV_OK)
    return S_fail(s, st, 0);
  S_consume(s, n);
  return ZHCONV_OK;
}

/* Handle the invalid or incomplete sequence at in[0]. */
static int
S_invalid(zhconv_stream *s)
{
  size_t n = zhconv__utf8_invalid_length(s->in.data, s->in.len);
  switch (s->z->invalid) {
  case ZHCONV__INVALID_KEEP:
    return S_pass_bytes(s, s->in.data, n, n);
  case ZHCONV__INVALID_REPLACE:
    return S_pass_bytes(s, "\xEF\xBF\xBD", 3, n);
  default:
    zhconv__errorf(s->error, _("invalid UTF-8 at byte %zu"), s->offset);
    return S_fail(s, ZHCONV_ERR_INVALID_UTF8, 0);
  }
}

/* Validate what has arrived and convert what can be converted now. */
static int
S_advance(zhconv_stream *s)
{
  int st;
  while (s->valid < s->in.len) {
    zhconv__utf8_stop stop;
    s->valid += zhconv__utf8_scan(s->in.data + s->valid, s->in.len - s->valid, &stop);
    if (stop == ZHCONV__UTF8_END || stop == ZHCONV__UTF8_INCOMPLETE)
      break;
    /* A NUL or an invalid sequence: a boundary.  Convert what precedes. */
    if ((st = S_convert_text(s, s->valid)) != ZHCONV_OK)
      return st;
    st = stop == ZHCONV__UTF8_NUL ? S_pass_bytes(s, "", 1, 1) : S_invalid(s);
    if (st != ZHCONV_OK)
      return st;
  }
  if (s->valid < s->z->chunk || (s->source == ZHCONV_AUTO && s->valid < DETECT_WINDOW))
    return ZHCONV_OK;
  /* Where to cut depends on the side that converts, so on the source. */
  if (s->source == ZHCONV_AUTO)
    S_decide_source(s, s->in.data, s->valid);
  const zhconv__side *side;
  if ((st = zhconv__side_open(s->z, s->source, &side)) != ZHCONV_OK) {
    zhconv__errorf(s->error, "%s", side->error);
    return S_fail(s, st, 0);
  }
  size_t cut = zhconv__keyset_safe_prefix(zhconv__side_keys(s->z, side), s->in.data,
                                          s->no_cut_before, s->valid);
  if (cut == 0) {
    s->no_cut_before = s->valid;
    if (s->valid < HOLD_LIMIT)
      return ZHCONV_OK;
    cut = s->valid;
  }
  if ((st = S_convert_text(s, cut)) != ZHCONV_OK)
    return st;
  s->no_cut_before = s->valid;
  return ZHCONV_OK;
}

/* Convert everything held back; at the end, an incomplete sequence too. */
static int
S_flush(zhconv_stream *s, bool end)
{
  int st = S_convert_text(s, s->valid);
  if (st == ZHCONV_OK)
    st = S_settle(s);
  if (st == ZHCONV_OK && end && s->in.len > 0)
    st = S_invalid(s);
  return st;
}

/* ---- the scanner in front ------------------------------------------------ */

/* Does the input go through the scanner?  Text does too, for the
 * protection markup, except when running an OpenCC configuration. */
static bool
S_uses_scanner(const zhconv_stream *s)
{
  return s->format != ZHCONV__FORMAT_TEXT || s->z->to != ZHCONV_AUTO;
}

/* Move the position past bytes that are not pending input (kept or
 * dropped ones); the pending input is empty. */
static void
S_skip(zhconv_stream *s, const char *p, size_t n)
{
  const char *end = p + n, *nl;
  while ((nl = memchr(p, '\n', (size_t)(end - p))) != NULL) {
    s->line++;
    s->column = 0;
    p = nl + 1;
  }
  for (; p < end; p++)
    s->column += ((unsigned char)*p & 0xC0) != 0x80;
  s->offset += n;
}

/* Copy kept bytes to the output, validated as --invalid says. */
static int
S_keep(zhconv_stream *s, const char *p, size_t n)
{
  int st = S_settle(s);
  if (st != ZHCONV_OK)
    return st;
  size_t at = 0;
  while (at < n) {
    zhconv__utf8_stop stop;
    size_t k = zhconv__utf8_scan(p + at, n - at, &stop);
    if (stop == ZHCONV__UTF8_NUL)
      k++;
    if (k == 0) {
      /* An invalid sequence, or one cut off: the span has ended. */
      k = zhconv__utf8_invalid_length(p + at, n - at);
      switch (s->z->invalid) {
      case ZHCONV__INVALID_KEEP:
        st = zhconv__buf_append(&s->out, p + at, k);
        break;
      case ZHCONV__INVALID_REPLACE:
        st = zhconv__buf_append(&s->out, "\xEF\xBF\xBD", 3);
        break;
      default:
        zhconv__errorf(s->error, _("invalid UTF-8 at byte %zu"), s->offset);
        return S_fail(s, ZHCONV_ERR_INVALID_UTF8, 0);
      }
      if (st != ZHCONV_OK)
        return S_fail(s, st, 0);
    } else if (zhconv__buf_append(&s->out, p + at, k) != ZHCONV_OK) {
      return S_fail(s, ZHCONV_ERR_NOMEM, 0);
    }
    S_skip(s, p + at, k);
    at += k;
  }
  return ZHCONV_OK;
}

/* The scanner's spans: prose into the pending input, the rest after it. */
static int
S_on_span(void *user, zhconv__span kind, const char *text, size_t len)
{
  zhconv_stream *s = user;
  int st;
  if (kind == ZHCONV__SPAN_PROSE) {
    if ((st = zhconv__buf_append(&s->in, text, len)) != ZHCONV_OK)
      return S_fail(s, st, s->in.len);
    return S_advance(s);
  }
  /* A boundary: what is pending is converted first. */
  if ((st = S_flush(s, true)) != ZHCONV_OK)
    return st;
  if (kind == ZHCONV__SPAN_DROP) {
    S_skip(s, text, len);
    return ZHCONV_OK;
  }
  return S_keep(s, text, len);
}

static void
S_on_warning(void *user, const char *message, size_t offset, size_t line, size_t column)
{
  zhconv_stream *s = user;
  if (!s->on_warning)
    return;
  zhconv_mark where = {NULL, offset, line, column};
  s->on_warning(s->on_warning_user, message, &where);
}

/* "auto": Markdown when the input starts (after a BOM) with a front matter
 * fence line, else text; -1 while the input does not yet tell. */
static int
S_sniff(const char *p, size_t len, bool final)
{
  size_t b = 0;
  if (len >= 3 && memcmp(p, "\xEF\xBB\xBF", 3) == 0)
    b = 3;
  else if (len < 3 && memcmp(p, "\xEF\xBB\xBF", len) == 0 && !final)
    return -1;
  size_t i = b;
  while (i < len && i - b < 1024 && p[i] != '\n' && p[i] != '\r')
    i++;
  if (i == len && i - b < 1024 && !final)
    return -1;
  while (i > b && (p[i - 1] == ' ' || p[i - 1] == '\t'))
    i--;
  if (i - b == 3 && (memcmp(p + b, "---", 3) == 0 || memcmp(p + b, "+++", 3) == 0))
    return ZHCONV__FORMAT_MARKDOWN;
  return ZHCONV__FORMAT_TEXT;
}

/* Run the scanner over the raw input. */
static int
S_scan(zhconv_stream *s, zhconv_directive how)
{
  if (s->format == ZHCONV__FORMAT_AUTO) {
    int f = S_sniff(s->raw.data ? s->raw.data : "", s->raw.len, how != ZHCONV_CONTINUE);
    if (f < 0)
      return ZHCONV_OK;
    s->format = f;
  }
  if (!S_uses_scanner(s)) {
    /* Sniffed to be text, to be run as it is. */
    int st = zhconv__buf_append(&s->in, s->raw.data, s->raw.len);
    s->raw.len = 0;
    return st != ZHCONV_OK ? S_fail(s, st, s->in.len) : S_advance(s);
  }
  if (s->source == ZHCONV_AUTO) {
    /* Decide from the start of the document, markup and all, as text is
     * decided from its start: so chunking cannot change it. */
    if (s->raw.len < DETECT_WINDOW && how == ZHCONV_CONTINUE)
      return ZHCONV_OK;
    zhconv__utf8_stop stop;
    size_t valid = zhconv__utf8_scan(s->raw.data ? s->raw.data : "", s->raw.len, &stop);
    S_decide_source(s, s->raw.data, valid);
  }
  if (s->scanner && s->scanner_format != s->format) {
    zhconv__scanner_free(s->scanner);
    s->scanner = NULL;
  }
  if (!s->scanner) {
    int st = zhconv__scanner_new(s->format, s->z->front_matter, &s->scanner);
    if (st != ZHCONV_OK)
      return S_fail(s, st, 0);
    s->scanner_format = s->format;
  }
  zhconv__scanner_sink sink = {S_on_span, S_on_warning, s};
  size_t used = 0;
  int st = zhconv__scanner_feed(s->scanner, s->raw.data ? s->raw.data : "", s->raw.len, how,
                                &sink, &used);
  zhconv__buf_consume(&s->raw, used);
  if (st != ZHCONV_OK && s->status == ZHCONV_OK)
    return S_fail(s, st, 0);
  return st;
}

/* Hand pending output to the caller; true when none is left. */
static bool
S_drain(zhconv_stream *s, zhconv_outbuf *out)
{
  size_t pending = s->out.len - s->out_pos;
  size_t room = out->size - out->pos;
  size_t n = pending < room ? pending : room;
  if (n) {
    memcpy(out->dst + out->pos, s->out.data + s->out_pos, n);
    out->pos += n;
    s->out_pos += n;
  }
  if (s->out_pos < s->out.len)
    return false;
  s->out.len = s->out_pos = 0;
  return true;
}

int
zhconv_stream_convert(zhconv_stream *s, zhconv_outbuf *out, zhconv_inbuf *in,
                      zhconv_directive directive)
{
  if (!s || !out || !in || out->pos > out->size || in->pos > in->size ||
      directive < ZHCONV_CONTINUE || directive > ZHCONV_END)
    return ZHCONV_ERR_ARG;
  if (s->status != ZHCONV_OK || (s->ended && in->pos < in->size))
    return ZHCONV_ERR_STATE;
  for (;;) {
    int st = S_collect(s, COLLECT_FINISHED);
    if (st != ZHCONV_OK)
      return st;
    if (!S_drain(s, out))
      return ZHCONV_MORE;
    if (s->ended)
      return ZHCONV_OK;
    bool scanned = s->format == ZHCONV__FORMAT_AUTO || S_uses_scanner(s);
    if (in->pos < in->size) {
      /* Take at most a chunk at a time so that pending output stays small. */
      size_t take = in->size - in->pos;
      if (take > CHUNK)
        take = CHUNK;
      s->fed = true;
      zhconv__buf *to = scanned ? &s->raw : &s->in;
      if ((st = zhconv__buf_append(to, in->src + in->pos, take)) != ZHCONV_OK)
        return S_fail(s, st, s->in.len);
      in->pos += take;
      st = scanned ? S_scan(s, ZHCONV_CONTINUE) : S_advance(s);
    } else if (directive == ZHCONV_CONTINUE) {
      return ZHCONV_OK;
    } else {
      st = scanned ? S_scan(s, directive) : ZHCONV_OK;
      if (st == ZHCONV_OK)
        st = S_flush(s, directive == ZHCONV_END);
      if (st == ZHCONV_OK && directive == ZHCONV_END)
        s->ended = true;
      if (st == ZHCONV_OK && directive == ZHCONV_FLUSH && S_drain(s, out))
        return ZHCONV_OK;
    }
    if (st != ZHCONV_OK)
      return st;
  }
}

/* ---- one-shot conversion, built on the stream -------------------------- */

int
zhconv_convert(const zhconv *z, const char *text, size_t len, char **out, size_t *outlen,
               zhconv_mark *where)
{
  if (!out || !outlen || (!text && len))
    return ZHCONV_ERR_ARG;
  *out = NULL;
  *outlen = 0;
  zhconv_stream *s = zhconv_stream_new(z);
  if (!s)
    return z ? ZHCONV_ERR_NOMEM : ZHCONV_ERR_ARG;
  zhconv__buf result = {0};
  zhconv_inbuf in = {text, len, 0};
  int st;
  do {
    st = zhconv__buf_reserve(&result, len / 2 + 4096);
    if (st != ZHCONV_OK)
      break;
    zhconv_outbuf ob = {result.data + result.len, result.cap - result.len - 1, 0};
    st = zhconv_stream_convert(s, &ob, &in, ZHCONV_END);
    result.len += ob.pos;
  } while (st == ZHCONV_MORE);
  if (st == ZHCONV_OK) {
    result.data[result.len] = '\0';
    *out = result.data;
    *outlen = result.len;
  } else {
    if (where)
      zhconv_stream_error(s, where);
    zhconv__buf_free(&result);
  }
  zhconv_stream_free(s);
  return st;
}

void
zhconv_string_free(char *string)
{
  free(string);
}
