#!/bin/sh
# verify_replay.sh PROGRAM KIND [OPTION...] — PROGRAM (built by trama-cc) verified with
# KIND expected (pass: nothing found) and trama's OPTIONs; for a bug, the schedule of its
# KIND finding must replay to the same kind. (Not with OPTIONs: `replay` follows lazy
# timeouts, and a schedule found with --timeouts any may name a timeout lazy ones do not
# offer.)
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
schedule=$(grep "\"type\":\"finding\",\"kind\":\"$kind\"" "$json" | head -n 1 |
           sed 's/.*"schedule":"\([^"]*\)".*/\1/')
[ -n "$schedule" ] || { echo "no $kind finding with a schedule"; exit 1; }
[ $# -eq 0 ] || exit 0
upper=$(echo "$kind" | tr a-z A-Z)
replayed=$("$prog" replay "$schedule")
echo "$replayed"
echo "$replayed" | grep -q "== trama: $upper in" || { echo "$schedule did not replay $upper"; exit 1; }
