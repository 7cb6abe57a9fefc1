#!/bin/sh
# tests/fuzz/run.sh SECONDS HARNESS... — run each libFuzzer harness for
# SECONDS on a working copy of its seed corpus (run by 'make fuzz'; CI's
# smoke run is 'make fuzz' with the default 10 seconds each).  Run from the
# build directory, after tests/fuzz/build.sh.  Exits non-zero if any
# harness found a crash, a hang, a leak or a sanitizer report; the input is
# kept in tests/fuzz/artifacts/.
#
# FUZZ_FLAGS adds libFuzzer flags (e.g. -jobs=1 -max_len=1024).
set -u
seconds=${1:?usage: run.sh SECONDS HARNESS...}
shift
here=$(cd "$(dirname "$0")" && pwd)
out=tests/fuzz
mkdir -p "$out/artifacts"
failed=0
for h in "$@"; do
  bin="$out/fuzz-$h"
  if [ ! -x "$bin" ]; then
    echo "fuzz-$h: not built" >&2
    failed=1
    continue
  fi
  work="$out/work/$h"
  mkdir -p "$work"
  log="$out/fuzz-$h.log"
  # Leaks are checked on every input; a harness may not allocate more than
  # 2 GB or spend more than 10 s on one input.
  "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
    -artifact_prefix="$out/artifacts/$h-" ${FUZZ_FLAGS:-} "$work" "$here/corpus/$h" \
    > "$log" 2>&1
  st=$?
  runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  if [ $st -eq 0 ]; then
    echo "  FUZZ     $h: ${runs:-?} inputs in ${seconds} s (${rate:-?}/s), no failure"
  else
    echo "  FUZZ     $h: FAILED (status $st); see $log and $out/artifacts/" >&2
    grep -E '^(\*\*\*|==[0-9]+==ERROR|SUMMARY|.*runtime error)' "$log" | head -5 >&2
    # The input, so that a finding on another machine (CI) can be replayed:
    # base64 -d > f; tests/fuzz/fuzz-NAME f
    for a in "$out/artifacts/$h-"*; do
      [ -f "$a" ] || continue
      echo "  input $(basename "$a") ($(wc -c < "$a") bytes, base64):" >&2
      head -c 65536 "$a" | base64 >&2
    done
    failed=1
  fi
done
exit $failed
