#!/bin/sh
# speed.sh BUILD_DIR [EXECUTIONS] — executions per second of the two-thread mutex counter
# written with pthreads (built by trama-cc) and with trama's API, under the same
# exploration (random, a fixed number of executions, one process). Prints figures only.
set -eu
build=$1
n=${2:-20000}
for prog in "$build"/cc/bench/counter_pthread "$build"/cc/bench/counter_trama; do
  for rep in 1 2 3; do
    "$prog" run --strategy random --seed $rep --max-executions "$n" --no-fork
  done
done | awk '/executions=/ {
  for (i = 1; i <= NF; i++) {
    if ($i ~ /^executions=/) { split($i, e, "="); ex = e[2] }
    if ($i ~ /^\(/) { name = $2 }
  }
  match($0, /[0-9.]+ s\)/); s = substr($0, RSTART, RLENGTH - 3)
  printf "%-18s %7d executions %7.3f s %9.0f executions/s\n", $2, ex, s, ex / s }'
