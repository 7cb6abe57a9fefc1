#!/bin/sh
# tests/markdown.sh — documents through the command line: the golden
# documents of tests/data/markdown (NAME.md or NAME.html, NAME.want written
# by hand, optional NAME.args and NAME.err), each also at buffer sizes 1, 7
# and 4096 and with CRLF line ends; standard input sniffing; the sample
# post with its front matter; and a 64 MB document in bounded memory.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99
G="$DATA/markdown"
S="$DATA/samples"
crlf() { perl -pe 's/\n/\r\n/' "$1"; }

# ---- golden documents -------------------------------------------------------------
for input in "$G"/*.md "$G"/*.html; do
  name=$(basename "$input")
  base=${name%.*}
  ext=${name##*.}
  cp "$input" "$name"
  args=--to=tw
  [ -f "$G/$base.args" ] && args=$(cat "$G/$base.args")
  # shellcheck disable=SC2086
  zhconv $args "$name" > out 2> err; st=$?
  [ $st -eq 0 ]; ok $? "$base: exit 0 (got $st)"
  same_file out "$G/$base.want" "$base: as written in $base.want"
  if [ -f "$G/$base.err" ]; then
    grep -qF "$(cat "$G/$base.err")" err; ok $? "$base: the warning, with FILE:LINE:COL"
  else
    [ ! -s err ]; ok $? "$base: no diagnostics"
  fi
  for size in 1 7 4096; do
    # shellcheck disable=SC2086
    zhconv --buffer-size=$size $args "$name" > out 2> /dev/null
    same_file out "$G/$base.want" "$base: the same with --buffer-size=$size"
  done
  crlf "$name" > "crlf-$name"
  crlf "$G/$base.want" > want
  # shellcheck disable=SC2086
  zhconv $args "crlf-$name" > out 2> /dev/null
  same_file out want "$base: with CRLF line ends, which stay"
done

# ---- formats --------------------------------------------------------------------------
printf '汉字 `汉字`' > plain.txt
zhconv --to=tw < plain.txt > out
printf '漢字 `漢字`' > want
same_file out want "standard input without front matter is text"
zhconv --to=tw < "$G/fm-yaml.md" > out
same_file out "$G/fm-yaml.want" "standard input with front matter is Markdown"
zhconv --to=tw --format=markdown < plain.txt > out
printf '漢字 `汉字`' > want
same_file out want "--format=markdown on standard input"
cp plain.txt plain.md
zhconv --to=tw --format=text plain.md > out
printf '漢字 `漢字`' > want
same_file out want "--format=text on a .md file"
zhconv --to=tw --format=latex plain.md > out 2> err; st=$?
[ $st -eq 2 ] && grep -q "unknown format 'latex'" err; ok $? "an unknown format is a usage error"
zhconv --to=tw -q fm-unclosed.md > out 2> err
[ ! -s err ]; ok $? "-q: no warning"

# ---- the sample post ----------------------------------------------------------------
# Its front matter ends at the second --- line.
fm=$(awk 'NR > 1 && /^---$/ { print NR; exit }' "$S/post-cn.md")
zhconv --to=tw "$S/post-cn.md" > post.out; ok $? "post-cn.md --to=tw"
head -n "$fm" "$S/post-cn.md" > fm.want
head -n "$fm" post.out > fm.got
same_file fm.got fm.want "post-cn.md: the front matter is byte for byte the same"
# The body is prose, bold, headings and speaker tags only: it converts as
# text would, and its markup is all there.
tail -n +"$((fm + 1))" "$S/post-cn.md" > body.md
tail -n +"$((fm + 1))" post.out > body.got
zhconv --to=tw --format=text body.md > body.want
same_file body.got body.want "post-cn.md: the body is converted"
grep -q '^\*\*\[陳倩\]\*\*: 第一場我先跟兩位嘉賓' body.got; ok $? "post-cn.md: Taiwan Traditional, speaker tags intact"
[ "$(grep -o '\*\*' body.md | wc -l)" -eq "$(grep -o '\*\*' body.got | wc -l)" ] &&
  [ "$(grep -c '^### ' body.md)" -eq "$(grep -c '^### ' body.got)" ]
ok $? "post-cn.md: bold markers and headings intact"
! cmp -s body.md body.got; ok $? "post-cn.md: the body changed"

zhconv --to=tw --front-matter=title,summary "$S/post-cn.md" > fields.out; ok $? "--front-matter=title,summary"
"$top_builddir/tests/yaml-keys" "$S/post-cn.md" > keys.in &&
  "$top_builddir/tests/yaml-keys" fields.out > keys.out
ok $? "--front-matter: the YAML still parses"
cut -f1 keys.in > k.in
cut -f1 keys.out > k.out
same_file k.out k.in "--front-matter: the same keys, in the same structure"
diff keys.in keys.out | sed -n 's/^> \([^	]*\)	.*/\1/p' | sort > changed
printf 'summary\ntitle\n' > want
same_file changed want "--front-matter: only the values of title and summary changed"
grep -q '^title: 2026科技前瞻：從AI大模型演進' fields.out; ok $? "--front-matter: title in Taiwan Traditional"
tail -n +"$((fm + 1))" fields.out > body2.got
same_file body2.got body.got "--front-matter: the body as before"

# ---- a 64 MB document in bounded memory ----------------------------------------------------
# The post's body and some code, self-contained, 9 times and then doubled
# 10 times: the conversion must be that of one copy, 9216 times.
cp body.md unit.md
printf '\n\n```sh\necho 汉字\n```\n\n行内 `汉字` 和 [网址](https://example.com/汉字)。\n\n' >> unit.md
zhconv --from=cn --to=tw unit.md > unit.out
: > big.md; : > big.want
i=0; while [ $i -lt 9 ]; do cat unit.md >> big.md; cat unit.out >> big.want; i=$((i + 1)); done
i=0
while [ $i -lt 10 ]; do
  cat big.md big.md > big.tmp && mv big.tmp big.md
  cat big.want big.want > big.tmp && mv big.tmp big.want
  i=$((i + 1))
done
[ "$(wc -c < big.md)" -ge 64000000 ]; ok $? "a Markdown document of $(wc -c < big.md) bytes"
"$top_builddir/tests/maxrss" "$ZHCONV" --from=cn --to=tw big.md > big.out 3> rss.txt
ok $? "64 MB of Markdown converted"
same_file big.out big.want "64 MB of Markdown: equals converting the pieces one by one"
rss=$(cat rss.txt)
if [ -n "${ZHCONV_SANITIZERS:-}" ]; then
  skip "64 MB of Markdown: peak RSS <= 32 MiB" "AddressSanitizer's shadow memory and quarantine"
else
  [ "$rss" -le 32768 ]; ok $? "64 MB of Markdown: peak RSS ${rss} KiB <= 32 MiB"
fi
zhconv --from=cn --to=tw --buffer-size=4096 --format=markdown < big.md > big.out
same_file big.out big.want "64 MB of Markdown through standard input, 4096-byte buffers"
rm -f big.md big.want big.out

done_testing
