#!/bin/sh
# tests/cli.sh — the command line: options, exit statuses, messages, bytes
# that must survive, files that must never be left half-written.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99

# ---- conversions and byte preservation --------------------------------------
printf '漢字' > in.txt
zhconv --to=hans in.txt > out.txt; ok $? "converts a file"
printf '汉字' > want.txt
same_file out.txt want.txt "no newline is added at the end"

printf '\357\273\277漢字\r\n軟體\r\n' > bom.txt
zhconv --to=cn bom.txt > out.txt
printf '\357\273\277汉字\r\n软件\r\n' > want.txt
same_file out.txt want.txt "a BOM and CRLF line ends are kept"

printf '漢\000字\n\000' > nul.txt
zhconv --to=hans --from=hant nul.txt > out.txt; ok $? "NUL bytes: exit 0"
printf '汉\000字\n\000' > want.txt
same_file out.txt want.txt "NUL bytes are kept and the text around them converted"

: > empty.txt
zhconv --to=hans empty.txt > out.txt; ok $? "empty input: exit 0"
[ ! -s out.txt ]; ok $? "empty input gives empty output"

printf '軟體' | zhconv --to=cn > out.txt; ok $? "reads standard input"
printf '软件' > want.txt
same_file out.txt want.txt "standard input converted"
printf '軟體' | zhconv --to=cn - > out.txt
same_file out.txt want.txt "'-' is standard input"

printf '漢' > a.txt; printf '字' > b.txt
zhconv --to=hans a.txt b.txt > out.txt
printf '汉字' > want.txt
same_file out.txt want.txt "several files are converted in order"

# ---- invalid UTF-8 -------------------------------------------------------------
printf '漢字\n\200\n' > bad.txt
zhconv --to=hans bad.txt > out.txt 2> err.txt; st=$?
[ $st -eq 1 ]; ok $? "invalid UTF-8: exit 1 (got $st)"
grep -qx 'zhconv: bad.txt: invalid UTF-8 at byte 7' err.txt; ok $? "invalid UTF-8: message names file and byte"
[ ! -s out.txt ]; ok $? "invalid UTF-8: nothing written for that input"

printf '漢字\345\255' > trunc.txt
zhconv --to=hans trunc.txt > out.txt 2> err.txt; st=$?
[ $st -eq 1 ] && grep -q 'trunc.txt: invalid UTF-8 at byte 6' err.txt; ok $? "truncated UTF-8 at the end is an error at its first byte"
[ ! -s out.txt ]; ok $? "truncated UTF-8: nothing written"

zhconv --to=hans a.txt bad.txt b.txt > out.txt 2> err.txt; st=$?
printf '汉字' > want.txt
[ $st -eq 1 ]; ok $? "a bad input among good ones: exit 1"
same_file out.txt want.txt "the good inputs are still converted, the bad one is not written"

# A bad byte after much good text: the output already written is cut off
# again (standard output a file, also appended to), or never shown (a pipe).
awk 'BEGIN { for (i = 0; i < 40000; i++) print "漢字的軟體和資料" }' > long.txt
cp long.txt longbad.txt && printf '\200\n' >> longbad.txt
zhconv --to=hans a.txt longbad.txt b.txt > out.txt 2> err.txt; st=$?
printf '汉字' > want.txt
[ $st -eq 1 ] && grep -q 'longbad.txt: invalid UTF-8 at byte' err.txt
ok $? "a bad byte after 1 MB of text: exit 1, named"
same_file out.txt want.txt "... and none of that input's output stays in the file"
printf 'before\n' > out.txt
zhconv --to=hans longbad.txt >> out.txt 2> /dev/null
printf 'before\n' > want.txt
same_file out.txt want.txt "... nor in a file appended to, whose text stays"
zhconv --to=hans longbad.txt 2> /dev/null | wc -c > count.txt
[ "$(tr -d ' ' < count.txt)" = 0 ]; ok $? "... nor in a pipe"
zhconv --to=hans long.txt > out.txt && [ "$(wc -c < out.txt)" -eq "$(wc -c < long.txt)" ]
ok $? "the good text alone converts whole"

zhconv --to=hans --invalid=keep bad.txt > out.txt; ok $? "--invalid=keep: exit 0"
printf '汉字\n\200\n' > want.txt
same_file out.txt want.txt "--invalid=keep copies the invalid byte"
zhconv --to=hans --invalid=replace trunc.txt > out.txt
printf '汉字\357\277\275' > want.txt
same_file out.txt want.txt "--invalid=replace writes one U+FFFD for a truncated sequence"

# ---- usage errors --------------------------------------------------------------
zhconv --to=xx in.txt > out.txt 2> err.txt; st=$?
[ $st -eq 2 ]; ok $? "unknown --to: exit 2 (got $st)"
grep -q "unknown target 'xx'" err.txt && grep -q "Try 'zhconv --help'" err.txt; ok $? "unknown --to: says so, with a hint"
[ "$(wc -l < err.txt)" -eq 2 ]; ok $? "unknown --to: two lines of message"
zhconv in.txt 2> err.txt; [ $? -eq 2 ]; ok $? "no --to: exit 2"
zhconv --to=hans --bogus in.txt 2> err.txt; [ $? -eq 2 ]; ok $? "unknown option: exit 2"
zhconv --to=hans --invalid=drop in.txt 2> err.txt; [ $? -eq 2 ]; ok $? "unknown --invalid mode: exit 2"
zhconv --to=hans --from=zz in.txt 2> err.txt; [ $? -eq 2 ]; ok $? "unknown --from: exit 2"
zhconv --config=t2s --to=hans in.txt 2> err.txt; [ $? -eq 2 ]; ok $? "--config with --to: exit 2"
zhconv --to=hans -i 2> err.txt; [ $? -eq 2 ]; ok $? "-i without files: exit 2"
zhconv --to=hans -i - < in.txt 2> err.txt; [ $? -eq 2 ]; ok $? "-i on standard input: exit 2"
zhconv --config=no-such-config in.txt 2> err.txt; st=$?
[ $st -eq 1 ] && grep -q "no-such-config" err.txt; ok $? "a missing OpenCC configuration: exit 1, named"

zhconv --help > out.txt 2> err.txt; st=$?
[ $st -eq 0 ] && grep -q '^Usage: zhconv' out.txt && [ ! -s err.txt ]; ok $? "--help on stdout, exit 0"
zhconv --version > out.txt; st=$?
[ $st -eq 0 ] && grep -q '^zhconv [0-9]' out.txt; ok $? "--version"

# ---- missing and unwritable files ------------------------------------------------
zhconv --to=hans missing.txt > out.txt 2> err.txt; st=$?
[ $st -eq 1 ] && grep -q '^zhconv: missing.txt: No such file or directory' err.txt; ok $? "a missing file: exit 1, named"
zhconv --to=hans . > out.txt 2> err.txt; [ $? -eq 1 ]; ok $? "a directory as input: exit 1"

if [ -w /dev/full ]; then
  zhconv --to=hans in.txt > /dev/full 2> err.txt; st=$?
  [ $st -eq 1 ] && grep -q 'write error' err.txt; ok $? "writing to /dev/full: exit 1 with a write error"
  zhconv --help > /dev/full 2> err.txt; [ $? -eq 1 ]; ok $? "--help to /dev/full: exit 1"
else
  skip "writing to /dev/full" "no /dev/full"
  skip "--help to /dev/full" "no /dev/full"
fi

zhconv --to=hans -o no-such-dir/new.txt in.txt 2> err.txt; st=$?
[ $st -eq 1 ] && grep -q 'no-such-dir/new.txt' err.txt; ok $? "an unwritable output: exit 1, named"
if [ -w /dev/full ]; then
  zhconv --to=hans -o /dev/full in.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && [ -c /dev/full ]; ok $? "-o /dev/full: exit 1, and the device is written to, not replaced"
else
  skip "-o /dev/full" "no /dev/full"
fi
mkdir ro && printf '漢字' > ro/f.txt && chmod 555 ro
if [ ! -w ro ] && [ "$(id -u)" -ne 0 ]; then
  zhconv --to=hans -i ro/f.txt 2> err.txt; st=$?
  printf '漢字' > want.txt
  [ $st -eq 1 ]; ok $? "-i in an unwritable directory: exit 1"
  same_file ro/f.txt want.txt "... and the file is untouched"
else
  skip "-i in an unwritable directory" "running as a user who can write anywhere"
  skip "... and the file is untouched" "running as a user who can write anywhere"
fi
chmod 755 ro

# ---- -o and -i ---------------------------------------------------------------
zhconv --to=hans -o out2.txt in.txt; ok $? "-o FILE"
printf '汉字' > want.txt
same_file out2.txt want.txt "-o writes the conversion"
printf 'old' > keep.txt
zhconv --to=hans -o keep.txt in.txt bad.txt 2> err.txt; st=$?
printf 'old' > want.txt
[ $st -eq 1 ]; ok $? "-o with a bad input: exit 1"
same_file keep.txt want.txt "-o with a bad input leaves FILE as it was"

printf '軟體\n' > edit.txt && chmod 640 edit.txt
zhconv --to=cn -i edit.txt; ok $? "-i rewrites in place"
printf '软件\n' > want.txt
same_file edit.txt want.txt "-i result"
[ "$(stat -c %a edit.txt)" = 640 ]; ok $? "-i keeps the file mode"
cp bad.txt bad2.txt
zhconv --to=hans -i bad2.txt 2> err.txt; st=$?
[ $st -eq 1 ]; ok $? "-i on invalid UTF-8: exit 1"
same_file bad2.txt bad.txt "-i on invalid UTF-8 leaves the file untouched"
[ -z "$(ls -A | grep zhconv-)" ]; ok $? "no temporary file is left behind"

# Output held back onto a pipe: in memory, beyond 1 MiB in a temporary file.
mkdir -p held
yes '漢字漢字漢字漢字漢字漢字漢字漢字' | head -n 40000 > held.txt   # 1.9 MB
yes '汉字汉字汉字汉字汉字汉字汉字汉字' | head -n 40000 > held.want
for input in a.txt held.txt; do
  { TMPDIR="$TMP/held" zhconv --to=hans $input; echo $? > st.txt; } | cat > out.txt
  if [ $input = a.txt ]; then printf '汉' > want.txt; else cp held.want want.txt; fi
  [ "$(cat st.txt)" -eq 0 ] && cmp -s out.txt want.txt && [ -z "$(ls -A held)" ]
  ok $? "held output onto a pipe ($(wc -c < $input) bytes): all of it, no temporary file left"
  { cat $input; printf '\200\n'; } > held-bad.txt
  { TMPDIR="$TMP/held" zhconv --to=hans held-bad.txt 2> err.txt; echo $? > st.txt; } | cat > out.txt
  [ "$(cat st.txt)" -eq 1 ] && [ ! -s out.txt ] && grep -q 'held-bad.txt: invalid UTF-8' err.txt &&
    [ -z "$(ls -A held)" ]
  ok $? "held output onto a pipe, invalid at the end ($(wc -c < held-bad.txt) bytes): nothing written"
done

# ---- quiet, SIGPIPE ---------------------------------------------------------------
zhconv -q --to=hans missing.txt 2> err.txt; st=$?
[ $st -eq 1 ] && [ ! -s err.txt ]; ok $? "-q: no message, exit status still 1"

yes '漢字漢字漢字漢字漢字漢字漢字漢字' | head -n 200000 > big.txt
st=$( { zhconv --to=hans --invalid=keep big.txt 2> err.txt; echo $? > st.txt; } | head -n 1 > /dev/null; cat st.txt)
{ [ "$st" -eq 0 ] || [ "$st" -eq 141 ]; } && [ ! -s err.txt ]; ok $? "a closed pipe ends zhconv quietly (status $st)"

# ---- threads ------------------------------------------------------------------------
# Several threads give the output of one, on 2 MB of Taiwan news and of Markdown.
for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do cat "$DATA/samples/ft-article-tw.txt"; done > news.txt
cat news.txt news.txt news.txt news.txt > news4.txt
for i in 1 2 3 4 5 6 7 8; do cat "$DATA/samples/post-cn.md"; done > post8.md
for args in "--to=cn news4.txt" "--to=hk news4.txt" "--config=tw2sp news4.txt" "--to=tw --punct post8.md"; do
  # shellcheck disable=SC2086
  zhconv --threads=1 $args > one.txt && zhconv --threads=3 $args > three.txt
  same_file three.txt one.txt "--threads=3 $args: the output of --threads=1"
done
zhconv --threads=0 --to=cn news.txt > out.txt 2> err.txt
[ $? -eq 2 ] && grep -q "invalid number of threads '0'" err.txt && [ ! -s out.txt ]
ok $? "--threads=0: a usage error (exit 2), nothing written"

done_testing
