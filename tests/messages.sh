#!/bin/sh
# tests/messages.sh — the message catalogs are complete and used:
# msgfmt finds no untranslated or fuzzy message, and LANGUAGE=zh_TW (zh_CN)
# makes --help and errors come out in Traditional (Simplified) Chinese.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99

for lang in zh_CN zh_TW; do
  mkdir -p "locale/$lang/LC_MESSAGES"
  "$MSGFMT" -c --statistics -o "locale/$lang/LC_MESSAGES/zhconv.mo" \
    "$top_srcdir/po/$lang.po" 2> stats.txt; ok $? "$lang.po compiles with msgfmt -c"
  ! grep -q 'untranslated\|fuzzy' stats.txt; ok $? "$lang.po: $(cat stats.txt)"
done

# C.UTF-8 is always there; LANGUAGE picks the catalog.
help_in() { lang=$1; shift; ZHCONV_LOCALEDIR="$TMP/locale" LC_ALL=C.UTF-8 LANGUAGE=$lang "$ZHCONV" "$@"; }

help_in zh_TW --help > tw.txt; ok $? "LANGUAGE=zh_TW zhconv --help"
grep -q '選項' tw.txt && grep -q '檔案' tw.txt; ok $? "zh_TW help is in Traditional Chinese (選項, 檔案)"
! grep -q 'Usage:' tw.txt; ok $? "zh_TW help has no English usage line"
help_in zh_CN --help > cn.txt
grep -q '选项' cn.txt && grep -q '文件' cn.txt; ok $? "zh_CN help is in Simplified Chinese (选项, 文件)"

printf '\200' > bad.txt
help_in zh_TW --to=hans bad.txt 2> err.txt
grep -q 'UTF-8' err.txt && ! grep -q 'invalid UTF-8' err.txt; ok $? "zh_TW: the library's error message is translated too"
help_in zh_TW --to=xx 2> err.txt
! grep -q 'unknown target' err.txt; ok $? "zh_TW: usage errors are translated"
LC_ALL=C "$ZHCONV" --to=xx 2> err.txt
grep -q "unknown target 'xx'" err.txt; ok $? "LC_ALL=C: English"

done_testing
