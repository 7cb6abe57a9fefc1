# tests/lib.sh — TAP helpers for the shell tests, sourced by each of them.
# The environment comes from Makefile.am: ZHCONV, ZHCONV_DATA_DIR, OPENCC,
# top_srcdir, top_builddir, LC_ALL=C.

: "${ZHCONV:?run through make check}"
DATA="$top_srcdir/tests/data"
# A scratch directory of this test's own, removed at exit.
TMP="$top_builddir/tests/tmp/$(basename "$0" .sh).$$"
rm -rf "$TMP" && mkdir -p "$TMP" || exit 99
trap 'rm -rf "$TMP"' EXIT

tap_n=0
tap_failed=0

# zhconv under valgrind when configured with --enable-valgrind.
zhconv() { ${VALGRIND:-} "$ZHCONV" "$@"; }

ok() {          # ok CONDITION-STATUS DESCRIPTION
  tap_n=$((tap_n + 1))
  if [ "$1" -eq 0 ]; then
    echo "ok $tap_n - $2"
  else
    echo "not ok $tap_n - $2"
    tap_failed=$((tap_failed + 1))
  fi
}

skip() {        # skip DESCRIPTION REASON
  tap_n=$((tap_n + 1))
  echo "ok $tap_n - $1 # SKIP $2"
}

same_file() {   # same_file GOT WANT DESCRIPTION: byte-for-byte equality
  if cmp -s "$1" "$2"; then
    ok 0 "$3"
  else
    ok 1 "$3"
    cmp "$1" "$2" 2>&1 | sed 's/^/#   /' | head -3
    diff "$1" "$2" 2>/dev/null | head -6 | sed 's/^/#   /'
  fi
}

converts() {    # converts "ARGS" INPUT WANT DESCRIPTION: INPUT through zhconv ARGS is WANT
  # shellcheck disable=SC2086
  printf '%s' "$2" | zhconv $1 > out.txt
  printf '%s' "$3" > want.txt
  same_file out.txt want.txt "$4"
}

done_testing() {
  echo "1..$tap_n"
  [ "$tap_failed" -eq 0 ]
}
