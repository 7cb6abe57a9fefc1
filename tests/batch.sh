#!/bin/sh
# tests/batch.sh — batch republishing (README, "Batch republishing"): trees
# mirrored under -O, binaries copied, failures reported, -j2 equal to -j1,
# SIGKILL leaving no partial output, reruns, progress under a terminal, the
# summary, names, hidden entries, symlinks, -i on trees, GNU Parallel.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99
S="$DATA/samples"
TO=tw

# ---- the tree -------------------------------------------------------------------
# 16 base articles (8 markdown, 8 text: slices of the samples, mainland and
# Taiwan text, classical and modern); 400 articles in nested directories,
# each a copy of one base, so that 16 single-file conversions give every
# expected output (manifest: the md5sum of each article's expected output).
# Then binaries and one text file with invalid UTF-8.  (Few processes per
# file: CI machines fork slowly.)
mkdir base want
i=0
while [ $i -lt 8 ]; do
  { cat "$S/post-cn.md"; sed -n "$((i * 40 + 1)),$((i * 40 + 40))p" "$S/zuozhuan.txt"; } > base/$i.md
  { sed -n "$((i * 3 + 1)),$((i * 3 + 12))p" "$S/ft-article-tw.txt";
    sed -n "$((i * 50 + 400)),$((i * 50 + 440))p" "$S/zuozhuan.txt"; } > base/$((i + 8)).txt
  i=$((i + 1))
done
for f in base/*; do
  zhconv --to=$TO "$f" > want/"${f#base/}" || exit 99
done
(cd want && md5sum -- *) > want.md5 || exit 99
n=0
while [ $n -lt 400 ]; do
  b=$((n % 16)); if [ $b -lt 8 ]; then b=$b.md; else b=$b.txt; fi
  d="y$((n % 5))/m$((n % 12))"; [ $((n % 3)) -eq 0 ] && d="$d/deep/er"
  echo "$b ./$d/art-$n.${b#*.}"
  n=$((n + 1))
done > list.txt
awk 'NR == FNR { sum[$2] = $1; next } { print sum[$1] "  " $2 }' want.md5 list.txt |
  LC_ALL=C sort -k2 > manifest
mkdir tree && (cd tree && mkdir -p $(awk '{ sub("/[^/]*$", "", $2); print $2 }' ../list.txt | sort -u)) &&
awk '{ while ((getline line < ("base/" $1)) > 0) print line > ("tree/" $2);
       close("base/" $1); close("tree/" $2) }' list.txt || exit 99
printf '\211PNG\r\n\032\n\000\000\000\rIHDR\000\001' > tree/y0/logo.png
head -c 20000 /dev/urandom > tree/y1/photo.jpg
printf '\000\001\002\377\376binary\000' > tree/y2/data.bin
printf '漢字 without an extension\n' > tree/y3/README
printf '\377\376\000\000' > tree/y4/m0/utf16.json
printf '正常的文字\n\200\201 broken\n' > tree/y3/m3/broken.txt
mkdir -p tree/.git tree/y1/.cache
echo '[core]' > tree/.git/config
echo 'cached' > tree/y1/.cache/x.txt
echo '.hidden' > tree/y1/.hidden.md

sums() {        # sums DIR: the md5sums of the articles under DIR
  (cd "$1" && find . -name 'art-*' -type f | LC_ALL=C sort | xargs -r md5sum)
}
# check_out OUTDIR PREFIX: every article under tree has its expected output
# under OUTDIR/PREFIX; prints the number of wrong or missing outputs.
check_out() {
  sums "$1/$2" | diff - manifest | grep -c '^[<>]'
}
wrong() {       # wrong DIR: the number of articles under DIR that are wrong
  sums "$1" | grep -cvxFf manifest
}
binaries_same() {   # binaries_same OUTDIR PREFIX
  for f in y0/logo.png y1/photo.jpg y2/data.bin y3/README y4/m0/utf16.json; do
    cmp -s "tree/$f" "$1/$2$f" || return 1
  done
}

# ---- acceptance 1: the whole tree, -j2 ------------------------------------------
zhconv --to=$TO -j2 --no-progress -O out1 tree > stdout.txt 2> err1.txt; st=$?
[ $st -eq 1 ]; ok $? "a tree with a broken file: exit 1"
[ "$(check_out out1 tree/)" = 0 ]; ok $? "400 articles: each output equals the single-file conversion"
binaries_same out1 tree/; ok $? "binaries and unknown extensions are copied byte for byte"
grep -q 'tree/y3/m3/broken.txt: invalid UTF-8' err1.txt; ok $? "the broken file is reported with its path and reason"
[ ! -e out1/tree/y3/m3/broken.txt ]; ok $? "the broken file has no output"
grep -q 'zhconv: 400 converted, 5 copied, 0 skipped, 1 failed, [0-9.]* MB, [0-9.]* s$' err1.txt
ok $? "the summary line counts converted, copied, skipped and failed"
[ ! -s stdout.txt ]; ok $? "nothing on standard output"
[ ! -e out1/tree/.git ] && [ ! -e out1/tree/y1/.cache ] && [ ! -e out1/tree/y1/.hidden.md ]
ok $? "hidden files and directories are skipped"
[ -z "$(find out1 -name '*.zhconv-part')" ]; ok $? "no temporary files are left"
cmp -s tree/y0/m0/deep/er/art-0.md base/0.md && cmp -s out1/tree/y0/m0/deep/er/art-0.md want/0.md
ok $? "an article and its output (spot check)"
[ "$(stat -c %Y tree/y0/m0/deep/er/art-0.md)" = "$(stat -c %Y out1/tree/y0/m0/deep/er/art-0.md)" ]
ok $? "an output has its input's modification time"

# ---- acceptance 3: -j1 equals -j2 -------------------------------------------------
zhconv --to=$TO -j1 -q -O out2 tree 2> err2.txt; st=$?
[ $st -eq 1 ] && [ ! -s err2.txt ]; ok $? "-j1 -q: exit 1 and nothing on stderr"
diff -r out1 out2 > /dev/null; ok $? "-j2 writes the same tree as -j1"
zhconv --to=$TO -j7 -q -O out7 tree
diff -r out1 out7 > /dev/null; ok $? "-j7 writes the same tree as -j1"

# ---- reruns ------------------------------------------------------------------------
zhconv --to=$TO --no-progress -O out1 tree 2> err.txt
grep -q ' 0 converted, 0 copied, 405 skipped, 1 failed' err.txt; ok $? "a rerun skips every up-to-date output"
touch -d '+1 hour' tree/y1/m1/art-1.md
sleep 0.01
zhconv --to=$TO --no-progress -O out1 tree 2> err.txt
grep -q ' 1 converted, 0 copied, 404 skipped, 1 failed' err.txt; ok $? "an input newer than its output is converted again"
rm out1/tree/y2/data.bin
printf 'changed' > out1/tree/y0/m0/deep/er/art-0.md
touch -d '-2 hours' out1/tree/y0/m0/deep/er/art-0.md
zhconv --to=$TO --skip-existing --no-progress -O out1 tree 2> err.txt
grep -q ' 0 converted, 1 copied, 404 skipped, 1 failed' err.txt; ok $? "--skip-existing: only missing outputs are written"
zhconv --to=$TO --no-progress -O out1 tree 2> err.txt
grep -q ' 1 converted, 0 copied' err.txt && [ "$(check_out out1 tree/)" = 0 ]
ok $? "without it, an output older than its input is replaced"

# ---- acceptance 2: SIGKILL -----------------------------------------------------------
# A small buffer slows the conversion down so that the kill lands mid-run.
rm -rf outk
# (The program itself, not the zhconv function: $! must be its process.)
"$ZHCONV" --to=$TO -j2 -q --buffer-size=8 -O outk tree &
pid=$!
n=0
while [ $n -lt 200 ]; do
  c=$(find outk -name 'art-*' 2>/dev/null | wc -l)
  [ "$c" -ge 20 ] && break
  sleep 0.05; n=$((n + 1))
done
kill -9 $pid 2>/dev/null; killed=$?
wait $pid 2>/dev/null
[ $killed -eq 0 ]; ok $? "SIGKILL lands while the run is going on"
partial=$(wrong outk/tree)
done_k=$(find outk -name 'art-*' | wc -l)
[ $partial -eq 0 ] && [ "$done_k" -gt 0 ] && [ "$done_k" -lt 400 ]
ok $? "after SIGKILL every output present is complete ($done_k of 400, $partial wrong)"
echo "# temporary files left by SIGKILL: $(find outk -name '*.zhconv-part' | wc -l)"
zhconv --to=$TO -q -O outk tree; st=$?
[ $st -eq 1 ] && [ "$(check_out outk tree/)" = 0 ] && binaries_same outk tree/
ok $? "a rerun completes the tree"
[ -z "$(find outk -name '*.zhconv-part')" ]; ok $? "the rerun removes the temporary files"
diff -r out2 outk > /dev/null; ok $? "the resumed tree equals an uninterrupted one"

# ---- progress under a terminal ---------------------------------------------------------
if command -v script > /dev/null 2>&1; then
  script -qec "'$ZHCONV' --to=$TO -j2 -O outp tree/y0" /dev/null > tty.txt 2>&1
  grep -q 'of [0-9]* files, [0-9.]* MB/s, [-0-9:]* left' tty.txt; ok $? "progress on a terminal"
  tr '\r' '\n' < tty.txt | grep -q '81 of 81 files'; ok $? "progress reaches the total"
  grep -q '80 converted, 1 copied, 0 skipped, 0 failed' tty.txt; ok $? "the summary follows the progress"
  rm -rf outp
  script -qec "'$ZHCONV' --to=$TO --no-progress -O outp tree/y0" /dev/null > tty.txt 2>&1
  ! grep -q 'MB/s' tty.txt && grep -q '80 converted' tty.txt; ok $? "--no-progress on a terminal: the summary only"
else
  skip "progress on a terminal" "no script(1)"
fi
zhconv --to=$TO --progress -O outq tree/y1 2> err.txt
grep -q 'of 81 files' err.txt; ok $? "--progress when stderr is not a terminal"
rm -rf outq
zhconv --to=$TO -O outq tree/y1 2> err.txt
! grep -q 'MB/s' err.txt; ok $? "no progress by default when stderr is not a terminal"

# ---- --dry-run, names, hidden, symlinks -----------------------------------------------
zhconv --to=$TO --dry-run -O outd tree > dry.txt 2> err.txt; st=$?
[ $st -eq 0 ] && [ ! -e outd ]; ok $? "--dry-run writes nothing"
grep -qx 'convert tree/y0/m0/deep/er/art-0.md -> outd/tree/y0/m0/deep/er/art-0.md' dry.txt &&
  grep -qx 'copy tree/y2/data.bin -> outd/tree/y2/data.bin' dry.txt &&
  [ "$(wc -l < dry.txt)" -eq 406 ]
ok $? "--dry-run lists each file and what it would get"
zhconv --to=$TO --dry-run -O out1 tree > dry.txt 2>/dev/null
[ "$(grep -c '^skip ' dry.txt)" -eq 405 ]; ok $? "--dry-run lists up-to-date outputs as skipped"

mkdir -p names/簡體目錄 && printf '软件' > names/簡體目錄/软件.txt && printf 'x' > names/图.png
zhconv --to=tw -q --convert-names -O outn names
[ "$(cat outn/names/簡體目錄/軟體.txt)" = 軟體 ] && [ -f outn/names/圖.png ]
ok $? "--convert-names converts file and directory names"
zhconv --to=tw -q -O outn2 names
[ -f outn2/names/簡體目錄/软件.txt ] && [ -f outn2/names/图.png ]; ok $? "names are kept by default"
mkdir -p coll && printf '後' > coll/後.txt && printf '后' > coll/后.txt
zhconv --to=cn --convert-names -O outc coll 2> err.txt; st=$?
[ $st -eq 1 ] && grep -q 'is also the output of' err.txt; ok $? "two names converting to one are reported"

zhconv --to=$TO -q --hidden -O outh tree/y1
[ -f outh/tree/y1/.cache/x.txt ] && [ -f outh/tree/y1/.hidden.md ]; ok $? "--hidden includes hidden entries"

mkdir -p links/real && printf '汉字' > links/real/a.txt && ln -s real links/dirlink &&
  ln -s real/a.txt links/filelink.txt && ln -s nowhere links/dangling.txt
zhconv --to=hant -O outl links 2> err.txt; st=$?
[ -f outl/links/filelink.txt ] && [ ! -L outl/links/filelink.txt ] && [ "$(cat outl/links/filelink.txt)" = 漢字 ]
ok $? "a symbolic link to a file is written as a regular file"
[ ! -e outl/links/dirlink ] && grep -q 'links/dirlink: symbolic link to a directory; skipped' err.txt
ok $? "a symbolic link to a directory is skipped and said so"
[ $st -eq 1 ] && grep -q 'links/dangling.txt: broken symbolic link' err.txt; ok $? "a dangling link is a failure"
zhconv --to=hant -q --follow -O outl2 links
[ "$(cat outl2/links/dirlink/a.txt)" = 漢字 ]; ok $? "--follow descends symbolic links to directories"
ln -s .. links/real/up
zhconv --to=hant --follow -O outl3 links 2> err.txt
grep -q 'directory loop' err.txt; ok $? "--follow stops at a directory loop"

# ---- paths, failures ---------------------------------------------------------------
(cd tree && zhconv --to=$TO -q -O ../outdot .)
[ "$(check_out outdot '')" = 0 ]; ok $? "'.' mirrors a tree's contents directly under OUTDIR"
zhconv --to=$TO -q -O outf tree/y1/m1/art-1.md tree/y0/logo.png
cmp -s outf/tree/y1/m1/art-1.md want/1.md && cmp -s outf/tree/y0/logo.png tree/y0/logo.png
ok $? "single files are mirrored by their path"
zhconv --to=$TO -O outx ../x 2> err.txt; [ $? -eq 1 ] && grep -q "'..'" err.txt
ok $? "a path with '..' is refused"
cp -r tree/y4 self && zhconv --to=$TO -q -O self/out self; st=$?
[ $st -eq 0 ] && [ ! -e self/out/self/out ] && [ -f self/out/self/m0/utf16.json ]
ok $? "an OUTDIR inside the input tree is not walked"
zhconv --to=$TO -O self self/m0 2> err.txt; [ $? -eq 2 ] && grep -q 'inside the output directory' err.txt
ok $? "an input inside OUTDIR is refused: exit 2"
mkdir -p outw/tree/y4/m4 && mkdir outw/tree/y4/m4/art-4.md
zhconv --to=$TO -O outw tree/y4 2> err.txt; st=$?
[ $st -eq 1 ] && grep -q 'outw/tree/y4/m4/art-4.md: ' err.txt &&
  cmp -s outw/tree/y4/m2/art-14.txt want/14.txt
ok $? "an unwritable target is reported and the run goes on"
zhconv --to=$TO -O outz -i tree 2> /dev/null; [ $? -eq 2 ]; ok $? "-O with -i: exit 2"
zhconv --to=$TO -j2 tree 2> /dev/null; [ $? -eq 2 ]; ok $? "-j without -O or -i: exit 2"
zhconv --to=$TO -j0 -O outz tree 2> /dev/null; [ $? -eq 2 ]; ok $? "-j0: exit 2"

# ---- -i on a tree -------------------------------------------------------------------
mkdir inplace && cp -r tree/y2 inplace/
zhconv --to=$TO -i inplace/y2 2> err.txt; st=$?
[ $st -eq 0 ] && [ "$(wrong inplace)" = 0 ] && [ "$(sums inplace | wc -l)" = 80 ] &&
  cmp -s inplace/y2/data.bin tree/y2/data.bin
ok $? "-i on a tree rewrites its text files and leaves the others alone"
grep -q '80 converted, 0 copied, 1 skipped, 0 failed' err.txt; ok $? "-i on a tree prints the summary"

# ---- GNU Parallel ------------------------------------------------------------------------
# The README's command, with ':' (this machine) as the one ssh login.
if command -v parallel > /dev/null 2>&1; then
  (cd tree && find . -type f ! -path '*/.*' | LC_ALL=C sort |
    parallel --will-cite --sshlogin : -m -j2 "'$ZHCONV'" --to=$TO -q -j1 -O ../outpar) 2> err.txt
  st=$?
  [ $st -eq 1 ]; ok $? "GNU Parallel: exit 1 for the broken file"
  [ "$(check_out outpar '')" = 0 ] && binaries_same outpar ''; ok $? "GNU Parallel: every output is right"
  diff -r out2/tree outpar > /dev/null; ok $? "GNU Parallel: the same tree as one run"
  (cd tree && echo y0/m0/deep/er/art-0.md |
    parallel --will-cite "'$ZHCONV' --to=$TO < {} > ../par-{#}.out") &&
    cmp -s par-1.out want/0.md
  ok $? "GNU Parallel: zhconv as a filter"
else
  ok 1 "GNU Parallel is not installed (Debian package 'parallel'; quickstart.sh installs it)"
fi

done_testing
