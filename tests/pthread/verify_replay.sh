#!/bin/sh
# verify_replay.sh PROGRAM KIND [OPTION...] — PROGRAM (built by trama-cc) verified with
# KIND expected (pass: nothing found) and trama's OPTIONs; for a bug, every finding's
# schedule must replay, with no option given (the schedule names the timeouts and spurious
# wake-ups it was found with), to a finding of the same kind.
set -u
prog=$1
kind=$2
shift 2
if [ "$kind" = pass ]; then
  exec "$prog" verify "$@"
fi
json=$(mktemp) || exit 1
trap 'rm -f "$json"' EXIT
"$prog" verify --expect "$kind" --json "$json" "$@" || { echo "verify failed"; exit 1; }
grep -q "\"type\":\"finding\",\"kind\":\"$kind\"" "$json" || { echo "no $kind finding"; exit 1; }
grep '"type":"finding"' "$json" | while IFS= read -r line; do
  found=$(printf '%s\n' "$line" | sed 's/.*"type":"finding","kind":"\([a-z_]*\)".*/\1/')
  schedule=$(printf '%s\n' "$line" | sed -n 's/.*"schedule":"\([^"]*\)".*/\1/p')
  [ -n "$schedule" ] || { echo "a $found finding without a schedule"; exit 1; }
  upper=$(printf '%s\n' "$found" | tr a-z A-Z)
  replayed=$("$prog" replay "$schedule")
  printf '%s\n' "$replayed"
  printf '%s\n' "$replayed" | grep -q "== trama: $upper in" ||
    { echo "$schedule did not replay $upper"; exit 1; }
done
