#!/bin/sh
# tests/nomem.sh — allocation failure inside the library: runs
# tests/test-nomem with tests/failmalloc.c preloaded (in front of
# AddressSanitizer's allocator in a sanitizer build, under valgrind in a
# valgrind build).  Two small data directories, whose built-in vocabulary
# has three entries (as YAML, and compiled), keep the number of allocations
# of a conversion low enough to make every one of them fail in turn.
: "${top_builddir:?run through make check}"
shim="$top_builddir/tests/.libs/libfailmalloc.so"
if [ ! -f "$shim" ]; then
  echo "1..0 # SKIP no shared tests/libfailmalloc.so (a build without shared libraries)"
  exit 0
fi
dir="$top_builddir/tests/tmp/nomem.$$"
rm -rf "$dir" && mkdir -p "$dir/yaml/vocab" "$dir/compiled/vocab" || exit 99
trap 'rm -rf "$dir"' EXIT
for d in yaml compiled; do
  ln -s "$top_builddir/data/opencc" "$dir/$d/opencc" &&
  ln -s "$top_srcdir/data/chains" "$dir/$d/chains" || exit 99
done
cat > "$dir/yaml/vocab/index.yaml" <<'YAML'
- {file: tiny.yaml, scope: technical}
- {file: places.yaml, scope: regional}
YAML
printf -- '- {cn: 软件, tw: 軟體}\n- {cn: 核心, tw: 核心}\n' > "$dir/yaml/vocab/tiny.yaml"
printf -- '- {cn: 悉尼, tw: 雪梨, hk: 悉尼}\n' > "$dir/yaml/vocab/places.yaml"
"$top_builddir/src/vocab-compile" "$dir/yaml" "$dir/compiled/vocab/compiled.tsv" || exit 99
printf '# protected\n頭髮\n' > "$dir/protect.txt"
# Under valgrind a run takes seconds, not milliseconds: a sample of the
# allocations (the sanitizer build fails every one of them).
if [ -n "${VALGRIND:-}" ]; then
  ZHCONV_NOMEM_ALL=${ZHCONV_NOMEM_ALL:-40}
  export ZHCONV_NOMEM_ALL
fi
ZHCONV_NOMEM_YAML="$dir/yaml" ZHCONV_NOMEM_COMPILED="$dir/compiled" \
ZHCONV_NOMEM_PROTECT="$dir/protect.txt" \
ASAN_OPTIONS="verify_asan_link_order=0:${ASAN_OPTIONS:-}" LD_PRELOAD="$shim" \
  ${VALGRIND:-} "$top_builddir/tests/test-nomem"
