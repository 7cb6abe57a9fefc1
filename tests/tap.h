/* tap.h — a tiny Test Anything Protocol harness for the C tests, in the
 * spirit of cmark's api_test harness.  Include it once per test program. */
#ifndef ZHCONV_TAP_H
#define ZHCONV_TAP_H

#include <stdio.h>
#include <stdarg.h>
#include <string.h>

static int tap_count, tap_failed;

#define OK(cond, ...) tap_ok(!!(cond), __FILE__, __LINE__, __VA_ARGS__)
#define INT_EQ(got, want, ...) tap_int_eq((long long)(got), (long long)(want), __FILE__, __LINE__, __VA_ARGS__)
#define STR_EQ(got, want, ...) tap_str_eq((got), (want), __FILE__, __LINE__, __VA_ARGS__)

static int
tap_vok(int ok, const char *file, int line, const char *fmt, va_list ap)
{
  tap_count++;
  printf("%sok %d - ", ok ? "" : "not ", tap_count);
  vprintf(fmt, ap);
  printf("\n");
  if (!ok) {
    tap_failed++;
    printf("#   at %s:%d\n", file, line);
  }
  return ok;
}

static int
tap_ok(int ok, const char *file, int line, const char *fmt, ...)
  __attribute__((format(printf, 4, 5)));
static int
tap_ok(int ok, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  ok = tap_vok(ok, file, line, fmt, ap);
  va_end(ap);
  return ok;
}

static int
tap_int_eq(long long got, long long want, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int ok = tap_vok(got == want, file, line, fmt, ap);
  va_end(ap);
  if (!ok)
    printf("#   got %lld, want %lld\n", got, want);
  return ok;
}

static int
tap_str_eq(const char *got, const char *want, const char *file, int line, const char *fmt, ...)
{
  va_list ap;
  va_start(ap, fmt);
  int ok = tap_vok(got && strcmp(got, want) == 0, file, line, fmt, ap);
  va_end(ap);
  if (!ok)
    printf("#   got  '%s'\n#   want '%s'\n", got ? got : "(null)", want);
  return ok;
}

/* Print the plan and return the exit status. */
static int
tap_done(void)
{
  printf("1..%d\n", tap_count);
  return tap_failed ? 1 : 0;
}

#endif
