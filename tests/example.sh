#!/bin/sh
# tests/example.sh — examples/stream.c, which feeds the streaming API 5
# bytes at a time into a 7-byte output buffer, agrees with the command line.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99
STREAM="$top_builddir/examples/stream"

for target in hans hant cn tw hk; do
  for sample in ft-article-tw.txt post-cn.md; do
    ${VALGRIND:-} "$STREAM" $target < "$DATA/samples/$sample" > example.out; st=$?
    zhconv --to=$target "$DATA/samples/$sample" > cli.out
    [ $st -eq 0 ]; ok $? "stream $target < $sample: exit 0"
    same_file example.out cli.out "stream $target < $sample equals zhconv --to=$target"
  done
done
"$STREAM" xx < /dev/null 2> err.txt; [ $? -eq 2 ]; ok $? "stream with an unknown target: exit 2"

done_testing
