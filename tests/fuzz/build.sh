#!/bin/sh
# tests/fuzz/build.sh — build the libFuzzer harnesses (run by 'make fuzz-build').
#
# Each harness is linked with the library's own sources, compiled by clang
# with libFuzzer's coverage and AddressSanitizer + UndefinedBehaviorSanitizer
# (any sanitizer report aborts), so that a defect anywhere in the library
# is found, not only in the harness.
#
# Environment (from Makefile.am): FUZZ_CC, srcdir, builddir, LIB_SOURCES
# (the library's source files, relative to srcdir), FUZZ_CPPFLAGS, FUZZ_LIBS,
# FUZZ_HARNESSES, and optionally FUZZ_CFLAGS to add flags.
set -eu
: "${FUZZ_CC:?}" "${srcdir:?}" "${builddir:?}" "${LIB_SOURCES:?}" "${FUZZ_HARNESSES:?}"
out="$builddir/tests/fuzz"
obj="$out/obj"
mkdir -p "$obj"

san="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer"
flags="-g -O1 -std=gnu11 $san ${FUZZ_CFLAGS:-}"

echo "  FUZZ-CC  library ($FUZZ_CC)"
objs=
pids=
for src in $LIB_SOURCES; do
  case $src in *.c) ;; *) continue ;; esac
  o="$obj/$(basename "$src" .c).o"
  objs="$objs $o"
  # Only what changed (or the headers it may include) is rebuilt.
  if [ ! -f "$o" ] || [ "$srcdir/$src" -nt "$o" ] || [ "$builddir/config.h" -nt "$o" ] ||
     [ -n "$(find "$srcdir/src" "$builddir/src" -maxdepth 1 -name '*.h' -newer "$o" 2>/dev/null)" ]; then
    $FUZZ_CC $flags -fsanitize=fuzzer-no-link $FUZZ_CPPFLAGS -c "$srcdir/$src" -o "$o"
  fi
done

for h in $FUZZ_HARNESSES; do
  echo "  FUZZ-LD  tests/fuzz/fuzz-$h"
  $FUZZ_CC $flags -fsanitize=fuzzer $FUZZ_CPPFLAGS -I"$srcdir/tests/fuzz" \
    "$srcdir/tests/fuzz/fuzz-$h.c" $objs $FUZZ_LIBS -o "$out/fuzz-$h"
done
