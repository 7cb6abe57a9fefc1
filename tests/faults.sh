#!/bin/sh
# tests/faults.sh — faults from outside the program: a full disk, permission
# denied, an input that vanishes or fails to read, a signal in the middle of
# an in-place rewrite, a closed pipe, allocation failure.  In every case
# zhconv must say what happened, exit with a failure status (or succeed with
# exactly the right output), never crash, and never leave a half-written
# file where a whole one was.
#
# Deterministic faults come from two preloaded shims (tests/faultio.c:
# EIO, a file removed or replaced, a signal at the N-th read/write/fsync/
# rename; tests/failmalloc.c: the N-th allocation fails).  The small disk is
# a 64 KiB tmpfs (root, or a user namespace); permission denied, for root,
# comes from dropping its capabilities with setpriv.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99

LIBTOOL="$top_builddir/libtool"
FAULTIO="$top_builddir/tests/.libs/libfaultio.so"
FAILMALLOC="$top_builddir/tests/.libs/libfailmalloc.so"

# Run the real zhconv binary (not its libtool wrapper script) with a shim
# preloaded: shim VAR=VALUE... -- ARG...
shim() {
  lib=$1
  shift
  set -- env "LD_PRELOAD=$lib" "ASAN_OPTIONS=verify_asan_link_order=0:${ASAN_OPTIONS:-}" "$@"
  if [ -x "$LIBTOOL" ]; then
    "$LIBTOOL" --mode=execute "$@"
  else
    "$@"
  fi
}
zhconv_faultio() {   # zhconv_faultio VAR=VALUE... ARG...
  shim "$FAULTIO" "$@"
}
have_shims=yes
[ -f "$FAULTIO" ] && [ -f "$FAILMALLOC" ] || have_shims=

# A sanitizer or valgrind report in a log is a failure whatever the status.
clean_log() {
  ! grep -qE 'Sanitizer|runtime error|== (Invalid|Conditional|Syscall)|definitely lost' "$1"
}
no_temp() {         # no_temp DIR: no temporary file of zhconv's left in DIR
  [ -z "$(ls -A "$1" | grep 'zhconv-')" ]
}

S="$DATA/samples"
cp "$S/ft-article-tw.txt" in.txt
zhconv --to=cn in.txt > want.txt || exit 99
# About 24 KB of text for the small disk (converting in place needs twice
# that), whole lines.
head -n 200 "$S/zuozhuan.txt" | head -c 24000 | sed '$d' > big.txt
zhconv --to=hant big.txt > big.want || exit 99

# ---- a full disk -------------------------------------------------------------
if [ -w /dev/full ]; then
  zhconv --to=cn in.txt > /dev/full 2> err.txt; st=$?
  [ $st -eq 1 ] && grep -q 'No space left on device' err.txt && clean_log err.txt
  ok $? "/dev/full, output held until converted: exit 1 (got $st), says why"
  zhconv --to=cn --invalid=keep --buffer-size=100 in.txt > /dev/full 2> err.txt; st=$?
  [ $st -eq 1 ] && grep -q 'No space left on device' err.txt && clean_log err.txt
  ok $? "/dev/full, streaming output: exit 1 (got $st), says why"
else
  skip "/dev/full, held output" "no /dev/full"
  skip "/dev/full, streaming output" "no /dev/full"
fi

# A 64 KiB file system: as root, or inside a user namespace.
mkdir small
small_mount=
if [ "$(id -u)" -eq 0 ] && mount -t tmpfs -o size=64k,mode=0755 zhconv-test small 2> /dev/null; then
  small_mount=root
fi
cleanup() {
  [ "$small_mount" = root ] && umount "$TMP/small" 2> /dev/null
  chmod -R u+rwx "$TMP" 2> /dev/null
  rm -rf "$TMP"
}
trap cleanup EXIT
if [ -n "$small_mount" ]; then
  cp big.txt small/big.txt
  printf 'old\n' > small/old.txt
  # Fill what is left but about 8 KiB.
  avail=$(df -k small | awk 'NR == 2 { print $4 }')
  head -c $(( (avail - 8) * 1024 )) /dev/zero > small/filler 2> /dev/null
  zhconv --to=hant -i small/big.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && grep -q 'small/big.txt: No space left on device' err.txt && clean_log err.txt
  ok $? "full disk, -i: exit 1 (got $st), names the file and the reason"
  same_file small/big.txt big.txt "full disk, -i: the file is as it was"
  no_temp small; ok $? "full disk, -i: no temporary file left"
  zhconv --to=hant -o small/new.txt big.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && [ ! -e small/new.txt ] && no_temp small
  ok $? "full disk, -o NEW: exit 1 (got $st), no file made, no temporary file left"
  zhconv --to=hant -o small/old.txt big.txt 2> err.txt; st=$?
  printf 'old\n' > old.want
  [ $st -eq 1 ]; ok $? "full disk, -o EXISTING: exit 1 (got $st)"
  same_file small/old.txt old.want "full disk, -o EXISTING: the file is as it was"
  # Held output: beyond 1 MiB in a temporary file when standard output is
  # a pipe, ...
  for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20 21 22 23 24 25 26 27 28 29 30 \
           31 32 33 34 35 36 37 38 39 40 41 42 43 44 45 46 47 48; do cat big.txt; done > huge.txt
  { TMPDIR="$TMP/small" zhconv --to=hant huge.txt 2> err.txt; echo $? > st.txt; } | cat > out.txt
  st=$(cat st.txt)
  [ $st -eq 1 ] && [ ! -s out.txt ] && no_temp small && clean_log err.txt
  ok $? "full disk for the held output (TMPDIR): exit 1 (got $st), nothing written"
  # ... and written straight into a regular file, cut back when it fails.
  printf 'kept\n' > small/held.txt
  zhconv --to=hant big.txt >> small/held.txt 2> err.txt; st=$?
  printf 'kept\n' > held.want
  [ $st -eq 1 ] && grep -q 'No space left on device' err.txt
  ok $? "full disk, standard output a file: exit 1 (got $st), the reason named"
  same_file small/held.txt held.want "full disk, standard output a file: cut back to what it held"
  rm -f small/held.txt
  rm -f small/filler
  zhconv --to=hant -i small/big.txt 2> err.txt; st=$?
  [ $st -eq 0 ]; ok $? "room again: -i succeeds"
  same_file small/big.txt big.want "room again: -i result"
else
  for t in "full disk, -i" "... file as it was" "... no temporary file" "full disk, -o NEW" \
           "full disk, -o EXISTING" "... file as it was" "full disk, held output" \
           "full disk, standard output a file" "... cut back" \
           "room again" "room again: result"; do
    skip "$t" "cannot mount a 64 KiB tmpfs (needs root)"
  done
fi

# ---- permission denied -------------------------------------------------------------
# As root, drop the capabilities that override file permissions.
can_deny=yes
if [ "$(id -u)" -ne 0 ]; then
  as_user() { "$@"; }
elif command -v setpriv > /dev/null 2>&1 && setpriv --bounding-set=-all true 2> /dev/null; then
  as_user() { setpriv --bounding-set=-all "$@"; }
else
  can_deny=
fi
if [ -n "$can_deny" ]; then
  cp in.txt locked.txt && chmod 000 locked.txt
  as_user "$ZHCONV" --to=cn locked.txt > out.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && grep -q 'locked.txt: Permission denied' err.txt && [ ! -s out.txt ]
  ok $? "an unreadable input: exit 1 (got $st), 'Permission denied', nothing written"
  mkdir ro && cp in.txt ro/f.txt && chmod 555 ro
  as_user "$ZHCONV" --to=cn -i ro/f.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && grep -q 'ro/f.txt: Permission denied' err.txt
  ok $? "-i in a read-only directory: exit 1 (got $st), 'Permission denied'"
  same_file ro/f.txt in.txt "-i in a read-only directory: the file is as it was"
  as_user "$ZHCONV" --to=cn -o ro/new.txt in.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && [ ! -e ro/new.txt ] && grep -q 'ro/new.txt: Permission denied' err.txt
  ok $? "-o into a read-only directory: exit 1 (got $st), no file"
  printf -- '- {cn: 软件, tw: 軟體}\n' > vocab.yaml && chmod 000 vocab.yaml
  as_user "$ZHCONV" --to=cn --vocab=vocab.yaml in.txt > out.txt 2> err.txt; st=$?
  [ $st -ne 0 ] && grep -q 'vocab.yaml' err.txt && [ ! -s out.txt ]
  ok $? "an unreadable --vocab file: fails (status $st), names it, nothing written"
  chmod 755 ro
else
  for t in "unreadable input" "-i, read-only directory" "... file as it was" \
           "-o, read-only directory" "unreadable --vocab"; do
    skip "$t" "root, and no setpriv to drop capabilities"
  done
fi

# ---- inputs that vanish or fail ------------------------------------------------------
printf '漢字' > a.txt; printf '軟體' > b.txt
zhconv --to=cn a.txt gone.txt b.txt > out.txt 2> err.txt; st=$?
printf '汉字软件' > ab.want
[ $st -eq 1 ] && grep -q 'gone.txt: No such file or directory' err.txt
ok $? "a missing input among others: exit 1 (got $st), named"
same_file out.txt ab.want "... the others are converted"
printf 'old\n' > keep.txt
zhconv --to=cn -o keep.txt a.txt gone.txt 2> err.txt; st=$?
[ $st -eq 1 ]; ok $? "-o with a missing input: exit 1 (got $st)"
same_file keep.txt old.want "-o with a missing input: the output file is as it was"

if [ -n "$have_shims" ]; then
  # Removed while being read: not brought back.
  cp in.txt v.txt
  zhconv_faultio FAULTIO_FILE=v.txt FAULTIO_UNLINK="$TMP/v.txt" "$ZHCONV" --to=cn -i v.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && grep -q 'v.txt: removed or replaced' err.txt && [ ! -e v.txt ] && no_temp .
  ok $? "-i on a file removed while it is read: exit 1 (got $st), not brought back, no temporary file"
  # Replaced while being read (an editor saved it): the newer text stays.
  cp in.txt r.txt
  zhconv_faultio FAULTIO_FILE=r.txt FAULTIO_REPLACE="$TMP/r.txt" "$ZHCONV" --to=cn -i r.txt 2> err.txt; st=$?
  printf 'replaced\n' > r.want
  [ $st -eq 1 ] && grep -q 'r.txt: removed or replaced' err.txt
  ok $? "-i on a file replaced while it is read: exit 1 (got $st)"
  same_file r.txt r.want "... the newer file is kept"
  # A read error in the middle of the file.
  cp in.txt e.txt
  zhconv_faultio FAULTIO_FILE=e.txt FAULTIO_EIO=3 "$ZHCONV" --to=cn --buffer-size=1000 -i e.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && grep -q 'e.txt: Input/output error' err.txt && no_temp . && clean_log err.txt
  ok $? "a read error during -i: exit 1 (got $st), says why, no temporary file"
  same_file e.txt in.txt "a read error during -i: the file is as it was"
  zhconv_faultio FAULTIO_FILE=in.txt FAULTIO_EIO=3 "$ZHCONV" --to=cn --buffer-size=1000 in.txt > out.txt 2> err.txt; st=$?
  [ $st -eq 1 ] && [ ! -s out.txt ]
  ok $? "a read error, to standard output: exit 1 (got $st), nothing written"
  zhconv_faultio FAULTIO_FILE=in.txt FAULTIO_EIO=3 "$ZHCONV" --to=cn --buffer-size=1000 -o keep.txt in.txt 2> err.txt; st=$?
  [ $st -eq 1 ]; ok $? "a read error with -o: exit 1 (got $st)"
  same_file keep.txt old.want "a read error with -o: the output file is as it was"
else
  for t in "removed while read" "replaced while read" "... newer kept" "read error -i" \
           "... as it was" "read error stdout" "read error -o" "... as it was"; do
    skip "$t" "no shared shims (a build without shared libraries)"
  done
fi

# ---- a signal in the middle of an in-place rewrite -------------------------------------
# SIGKILL at every write, at the fsync, just before and just after the
# rename: the file is always either the old text or the new, whole.
if [ -n "$have_shims" ]; then
  bad=0 points=0 left=0
  for point in write:1 write:2 write:3 write:5 write:8 write:12 write:20 fsync:1 rename:1 rename+:1; do
    rm -f .k.txt.zhconv-*
    cp in.txt k.txt
    zhconv_faultio FAULTIO_KILL=$point "$ZHCONV" --to=cn --buffer-size=500 -i k.txt 2> err.txt
    st=$?
    points=$((points + 1))
    if cmp -s k.txt in.txt || cmp -s k.txt want.txt; then :; else
      bad=$((bad + 1)); echo "# SIGKILL at $point (status $st): k.txt is neither"
    fi
    case $point in rename+*) cmp -s k.txt want.txt || { bad=$((bad + 1)); echo "# after rename: not the new text"; } ;; esac
    [ $st -eq 137 ] || [ $st -eq 0 ] || { bad=$((bad + 1)); echo "# $point: status $st"; }
    left=$((left + $(ls -A | grep -c '^\.k\.txt\.zhconv-')))
  done
  [ $bad -eq 0 ]; ok $? "SIGKILL at $points points of -i: the file is always the old or the new text, whole"
  echo "# (a SIGKILL cannot be caught: $left of $points runs left their hidden temporary file)"
  # And at a moment chosen by the clock, on a larger file.
  head -c 3000000 "$S/zuozhuan.txt" > z.in
  "$ZHCONV" --to=hant z.in > z.want
  bad=0
  for delay in 0.05 0.2 0.5; do
    cp z.in z.txt
    "$ZHCONV" --to=hant -i z.txt 2> /dev/null &
    pid=$!
    sleep $delay
    kill -KILL $pid 2> /dev/null
    wait $pid 2> /dev/null
    cmp -s z.txt z.in || cmp -s z.txt z.want || { bad=$((bad + 1)); echo "# kill after ${delay}s: torn file"; }
  done
  rm -f .z.txt.zhconv-*
  [ $bad -eq 0 ]; ok $? "SIGKILL after 0.05, 0.2 and 0.5 s of -i on 1.8 MB: old or new text, whole"
  # SIGTERM, SIGINT, SIGHUP: the temporary file is removed too.
  bad=0
  for sig in TERM INT HUP; do
    cp in.txt t.txt
    zhconv_faultio FAULTIO_KILL=write:2 FAULTIO_SIGNAL=$sig "$ZHCONV" --to=cn --buffer-size=500 -i t.txt 2> err.txt
    st=$?
    cmp -s t.txt in.txt && no_temp . && [ $st -gt 128 ] || { bad=$((bad + 1)); echo "# SIG$sig: status $st"; }
  done
  [ $bad -eq 0 ]; ok $? "SIGTERM, SIGINT, SIGHUP during -i: killed by the signal, file as it was, no temporary file"
else
  skip "SIGKILL at chosen points" "no shared shims"
  skip "SIGKILL by the clock" "no shared shims"
  skip "SIGTERM, SIGINT, SIGHUP" "no shared shims"
fi

# ---- batch runs: -i on a tree, -O OUTDIR -------------------------------------------------
# Every file is always its old text or its new text, whole; a rerun finishes
# the job and leaves no temporary file.
whole_tree() {    # whole_tree DIR: every .txt file is in.txt or want.txt
  for f in "$1"/*/*.txt; do
    cmp -s "$f" in.txt || cmp -s "$f" want.txt || { echo "# $f is torn"; return 1; }
  done
}
all_new() {       # all_new DIR: every .txt file is want.txt, no temporary file
  for f in "$1"/*/*.txt; do cmp -s "$f" want.txt || { echo "# $f not converted"; return 1; }; done
  [ -z "$(find "$1" -name '*zhconv-*')" ] || { echo "# temporary files left:"; find "$1" -name '*zhconv-*' | sed 's/^/#   /'; return 1; }
}
if [ -n "$have_shims" ] && "$ZHCONV" --help | grep -q -- '--output-dir'; then
  bad=0
  for point in write:1 write:4 write:9 fsync:2 rename:3 rename+:5; do
    rm -rf tree && mkdir -p tree/a tree/b
    for i in 1 2 3; do cp in.txt tree/a/f$i.txt; cp in.txt tree/b/g$i.txt; done
    chmod u+w tree/*/*.txt
    zhconv_faultio FAULTIO_KILL=$point "$ZHCONV" --to=cn -j1 --buffer-size=2000 -i tree 2> err.txt
    st=$?
    [ $st -eq 137 ] || { bad=$((bad + 1)); echo "# batch -i, SIGKILL at $point: status $st"; }
    whole_tree tree || bad=$((bad + 1))
    zhconv --to=cn -j1 -i tree 2> err.txt || { bad=$((bad + 1)); echo "# rerun failed"; }
    all_new tree || bad=$((bad + 1))
  done
  [ $bad -eq 0 ]; ok $? "batch -i on a tree, SIGKILL at 6 points: every file old or new, whole; a rerun completes, no temporary file left"
  bad=0
  for point in write:2 rename:2 rename+:4; do
    rm -rf tree out && mkdir -p tree/a tree/b
    for i in 1 2 3; do cp in.txt tree/a/f$i.txt; cp in.txt tree/b/g$i.txt; done
    zhconv_faultio FAULTIO_KILL=$point "$ZHCONV" --to=cn -j1 -O out tree 2> err.txt
    for f in out/tree/*/*.txt; do
      [ -e "$f" ] || continue
      cmp -s "$f" want.txt || { bad=$((bad + 1)); echo "# -O, SIGKILL at $point: $f is torn"; }
    done
    zhconv --to=cn -j1 -O out tree 2> err.txt || { bad=$((bad + 1)); echo "# -O rerun failed"; }
    all_new out/tree || bad=$((bad + 1))
  done
  [ $bad -eq 0 ]; ok $? "batch -O, SIGKILL at 3 points: every output whole or absent; a rerun completes, no temporary file left"
  if [ -n "$small_mount" ]; then
    rm -rf small/out tree && mkdir -p tree/a tree/b
    for i in 1 2 3 4 5 6; do cp in.txt tree/a/f$i.txt; cp in.txt tree/b/g$i.txt; done
    avail=$(df -k small | awk 'NR == 2 { print $4 }')
    head -c $(( (avail - 20) * 1024 )) /dev/zero > small/filler 2> /dev/null
    zhconv --to=cn -j2 -O small/out tree 2> err.txt; st=$?
    bad=0
    for f in $(find small/out -type f 2> /dev/null); do
      case $f in *zhconv-*) bad=$((bad + 1)); echo "# left: $f" ;; *) cmp -s "$f" want.txt || { bad=$((bad + 1)); echo "# torn: $f"; } ;; esac
    done
    [ $st -eq 1 ] && [ $bad -eq 0 ] && grep -q 'No space left on device' err.txt && clean_log err.txt
    ok $? "batch -O onto a full disk: exit 1 (got $st), each output whole or absent, no temporary file"
    rm -rf small/out small/filler
  else
    skip "batch -O onto a full disk" "cannot mount a 64 KiB tmpfs (needs root)"
  fi
else
  skip "batch -i, SIGKILL" "no shims or no batch mode"
  skip "batch -O, SIGKILL" "no shims or no batch mode"
  skip "batch -O onto a full disk" "no shims or no batch mode"
fi

# ---- a closed pipe ---------------------------------------------------------------------
yes '漢字漢字漢字漢字漢字漢字漢字漢字' | head -n 30000 > pipe.txt
mkdir -p tmpdir
for mode in reject keep; do
  st=$( { TMPDIR="$TMP/tmpdir" zhconv --to=hans --invalid=$mode pipe.txt 2> err.txt; echo $? > st.txt; } | head -c 1 > /dev/null; cat st.txt)
  [ "$st" -eq 141 ] && [ ! -s err.txt ] && no_temp tmpdir
  ok $? "SIGPIPE, --invalid=$mode: ends quietly by the signal (status $st), no temporary file"
done
st=$( { (trap '' PIPE; exec "$ZHCONV" --to=hans pipe.txt) 2> err.txt; echo $? > st.txt; } | head -c 1 > /dev/null; cat st.txt)
[ "$st" -eq 141 ] && [ ! -s err.txt ]
ok $? "SIGPIPE ignored by the parent: still ends quietly by the signal (status $st)"

# ---- allocation failure in the program ---------------------------------------------------
# (Every allocation of the library is made to fail in turn by nomem.sh; here
# the program around it: each run succeeds with the right output or fails
# with a message and writes nothing.)
if [ -n "$have_shims" ]; then
  printf '頭髮乾燥\n' > m.txt
  printf '头发干燥\n' > m.want
  set -- --to=hans --from=hant --no-vocab m.txt
  # (glibc's gettext leaks a string when one of its own allocations fails:
  # tests/lsan.supp keeps that out of the sanitizer build's verdict.)
  LSAN_OPTIONS="suppressions=$top_srcdir/tests/lsan.supp:${LSAN_OPTIONS:-}"
  export LSAN_OPTIONS
  shim "$FAILMALLOC" FAILMALLOC_REPORT="$TMP/count.txt" "$ZHCONV" "$@" > out.txt 2> err.txt
  total=$(cat count.txt 2> /dev/null || echo 0)
  same_file out.txt m.want "allocation failure: the run without a failure is right ($total allocations)"
  bad=0 tried=0 failed=0 n=1
  while [ $n -le "$total" ]; do
    shim "$FAILMALLOC" FAILMALLOC_NTH=$n "$ZHCONV" "$@" > out.txt 2> err.txt; st=$?
    tried=$((tried + 1))
    if [ $st -eq 0 ] && cmp -s out.txt m.want && clean_log err.txt; then :
    elif [ $st -eq 1 ] && [ ! -s out.txt ] && [ -s err.txt ] && clean_log err.txt; then
      failed=$((failed + 1))
    else
      bad=$((bad + 1)); echo "# allocation $n failing: status $st"; grep -v '^ *$' err.txt | grep -v '^=*$' | sed 's/^/#   /' | head -6
    fi
    if [ $n -lt 30 ]; then n=$((n + 1)); else n=$((n + total / 20 + 1)); fi
  done
  [ $bad -eq 0 ]
  ok $? "allocation failure: $tried of $total allocations made to fail: $failed exit 1 with a message and no output, the rest the right output"
else
  skip "allocation failure, no failure" "no shared shims"
  skip "allocation failure" "no shared shims"
fi

done_testing
