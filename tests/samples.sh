#!/bin/sh
# tests/samples.sh — whole texts (tests/data/samples, see its README):
# --config=X is byte-identical to `opencc -c X` for eight configurations,
# and the targets do what the README promises on real articles.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99
S="$DATA/samples"

for cfg in t2s s2t tw2s s2tw tw2sp s2twp s2hk hk2s; do
  for sample in ft-article-tw.txt post-cn.md zuozhuan.txt; do
    zhconv --config=$cfg "$S/$sample" > z.out; st=$?
    if [ -n "$OPENCC" ]; then
      "$OPENCC" -c $cfg -i "$S/$sample" > o.out
      [ $st -eq 0 ] && cmp -s z.out o.out; ok $? "--config=$cfg $sample is byte-identical to opencc -c $cfg"
    else
      skip "--config=$cfg $sample" "the opencc command is not installed"
    fi
  done
done

# Taiwan article to Simplified: script only, regional variants normalised.
zhconv --to=hans "$S/ft-article-tw.txt" > hans.out; ok $? "ft-article --to=hans"
grep -q '标志着' hans.out; ok $? "--to=hans: 標誌著 becomes 标志着"
! grep -q '标志著' hans.out; ok $? "--to=hans: no 标志著 left"
! grep -q '這\|們\|體' hans.out; ok $? "--to=hans: no Traditional characters left (這 們 體)"

# Mainland post to Taiwan usage.
zhconv --to=tw "$S/post-cn.md" > tw.out; ok $? "post-cn --to=tw"
grep -q '這' tw.out && grep -q '們' tw.out; ok $? "--to=tw: Traditional characters"
# (Its front matter is kept as it is: the body is what is converted.)
fm=$(awk 'NR > 1 && /^---$/ { print NR; exit }' "$S/post-cn.md")
! tail -n +"$((fm + 1))" tw.out | grep -q '这\|们\|说'; ok $? "--to=tw: no Simplified characters left in the body (这 们 说)"

done_testing
