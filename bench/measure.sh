#!/usr/bin/env bash
# measure LABEL COMMAND...: runs COMMAND under /usr/bin/time -v and prints one line with its
# wall time and peak resident memory. Output of the command goes to $BENCH_OUT/LABEL.out/.err.
measure() {
  local label=$1
  shift
  local out="${BENCH_OUT:-/tmp}/${label// /_}"
  /usr/bin/time -v -o "$out.time" "$@" >"$out.out" 2>"$out.err"
  local status=$?
  local wall rss
  wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {print $2}' "$out.time")
  rss=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2/1024}' "$out.time")
  printf '%-44s wall %10s   peak RSS %6s MiB   exit %s\n' "$label" "$wall" "$rss" "$status"
}
