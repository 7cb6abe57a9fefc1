#!/bin/sh
# tests/opencc-cases.sh — OpenCC 1.1.6's own test cases (tests/data/opencc-1.1.6,
# see its README) through --config: byte-identical to the expected answers,
# and to the opencc command run on the same input.
. "$top_srcdir/tests/lib.sh"
cd "$TMP" || exit 99
CASES="$DATA/opencc-1.1.6"

for in in "$CASES"/*.in; do
  cfg=$(basename "$in" .in)
  zhconv --config="$cfg" "$in" > "$cfg.out"; ok $? "--config=$cfg runs"
  same_file "$cfg.out" "$CASES/$cfg.ans" "--config=$cfg gives OpenCC's expected answers"
  for size in 1 7; do
    zhconv --buffer-size=$size --config="$cfg" "$in" > "$cfg.$size.out"
    same_file "$cfg.$size.out" "$CASES/$cfg.ans" "--config=$cfg --buffer-size=$size"
  done
  if [ -n "$OPENCC" ]; then
    "$OPENCC" -c "$cfg" -i "$in" > "$cfg.opencc"
    same_file "$cfg.out" "$cfg.opencc" "--config=$cfg equals opencc -c $cfg"
  else
    skip "--config=$cfg equals opencc -c $cfg" "the opencc command is not installed"
  fi
done

# A configuration given as a file path, with a text dictionary of its own.
printf '甲乙\t丙\n' > mine.txt
cat > mine.json <<'JSON'
{ "name": "mine",
  "segmentation": { "type": "mmseg", "dict": { "type": "text", "file": "mine.txt" } },
  "conversion_chain": [ { "dict": { "type": "group", "dicts": [
      { "type": "text", "file": "mine.txt" },
      { "type": "ocd2", "file": "TSCharacters.ocd2" } ] } } ] }
JSON
printf '甲乙，漢字。\n' | zhconv --config="$TMP/mine.json" > mine.out; ok $? "--config=FILE.json"
printf '丙，汉字。\n' > mine.want
same_file mine.out mine.want "--config=FILE.json uses its own text dictionary"

done_testing
