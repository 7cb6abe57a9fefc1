#!/bin/sh
# tests/streaming.sh — the output does not depend on how the input arrives:
# read and write buffers of 1, 7, 4096 bytes and the default give the same
# bytes; large inputs stream in bounded memory.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99
S="$DATA/samples"

# ---- buffer sizes ---------------------------------------------------------------
check_sizes() {   # check_sizes NAME INPUT OPTION...
  name=$1 input=$2
  shift 2
  zhconv "$@" "$input" > default.out; ok $? "$name: default buffer"
  for size in 1 7 4096; do
    zhconv --buffer-size=$size "$@" "$input" > size.out
    same_file size.out default.out "$name: --buffer-size=$size gives the same bytes"
  done
}
check_sizes "ft-article --to=hans" "$S/ft-article-tw.txt" --to=hans
check_sizes "ft-article --to=cn" "$S/ft-article-tw.txt" --to=cn
check_sizes "post-cn --to=tw" "$S/post-cn.md" --to=tw
check_sizes "zuozhuan --to=hant" "$S/zuozhuan.txt" --to=hant
check_sizes "zuozhuan --config=s2twp --invalid=keep" "$S/zuozhuan.txt" --config=s2twp --invalid=keep

# ---- large inputs, bounded memory -----------------------------------------------
# 64 MB through standard input: zuozhuan (1.8 MB, ends in CRLF) 36 times.
# Its conversion must be the conversion of one copy, 36 times.
zhconv --to=hant "$S/zuozhuan.txt" > one.out
i=0; : > big.in; : > big.want
while [ $i -lt 36 ]; do cat "$S/zuozhuan.txt" >> big.in; cat one.out >> big.want; i=$((i + 1)); done
"$top_builddir/tests/maxrss" "$ZHCONV" --to=hant < big.in > big.out 3> rss.txt; ok $? "64 MB through standard input"
same_file big.out big.want "64 MB: equals converting the pieces one by one"
rss=$(cat rss.txt)
if [ -n "${ZHCONV_SANITIZERS:-}" ]; then
  skip "64 MB: peak RSS <= 32 MiB" "AddressSanitizer's shadow memory and quarantine"
else
  [ "$rss" -le 32768 ]; ok $? "64 MB: peak RSS ${rss} KiB <= 32 MiB"
fi

# 16 MB with no newline at all: the article's lines joined (each ends in 。),
# repeated.  A cut between copies is safe, so the pieces' conversions join.
tr -d '\n' < "$S/ft-article-tw.txt" > line.txt
zhconv --from=tw --to=cn line.txt > line.out
i=0; : > long.in; : > long.want
while [ $i -lt 2400 ]; do cat line.txt >> long.in; cat line.out >> long.want; i=$((i + 1)); done
[ "$(grep -c '' long.in)" -eq 1 ] && [ "$(wc -c < long.in)" -ge 16000000 ]; ok $? "16 MB on one line"
"$top_builddir/tests/maxrss" "$ZHCONV" --from=tw --to=cn -o long.out long.in 3> rss.txt; ok $? "16 MB line converted"
same_file long.out long.want "16 MB line: equals converting the pieces one by one"
rss=$(cat rss.txt)
if [ -n "${ZHCONV_SANITIZERS:-}" ]; then
  skip "16 MB line: peak RSS <= 32 MiB" "AddressSanitizer's shadow memory and quarantine"
else
  [ "$rss" -le 32768 ]; ok $? "16 MB line: peak RSS ${rss} KiB <= 32 MiB"
fi

done_testing
