"""test_crosscheck_programs — scripts/tsan-crosscheck --programs on a few unmodified pthread
programs of tests/pthread (one native run each, 3 s timeout): each program is built with
clang -fsanitize=thread (and the noise shim) and with trama-cc, and gets one row with
both verdicts; every disagreement has a reason. Asserted beyond the table's shape: trama
finds each program's expected kind, and TSan reports the races that do not depend on the
interleaving (two threads that share a counter under different locks; a detached thread's
result read after a sleep). Skipped (77) without clang. The full run is the script's:
`scripts/tsan-crosscheck --programs tests/pthread`."""

import json
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import args, check, run, script, skip  # noqa: E402

PROGRAMS = ["wrong_lock", "wrong_lock_ok", "detached", "unlock_unheld"]
SCHEDULE_INDEPENDENT = {"wrong_lock": "data_race", "detached": "data_race"}


def main():
    a = args()
    if not shutil.which("clang"):
        skip("clang is not installed")
    trama_cc = os.path.join(os.path.dirname(os.path.dirname(a.trama)), "cc", "trama-cc")
    check(os.path.exists(trama_cc), "no trama-cc beside %s" % a.trama)
    out = os.path.join(a.work, "programs.json")
    p = run(script(a.root, "tsan-crosscheck") + [
        "--programs", os.path.join(a.root, "tests", "pthread"), "--trama-cc", trama_cc,
        "--runs", "1", "--timeout", "3", "--max-timeouts", "1", "-j", "2",
        "--build-dir", os.path.join(a.work, "build"), "--json", out] + PROGRAMS)
    data = json.load(open(out))
    check(sorted(c["case"] for c in data["cases"]) == sorted(PROGRAMS),
          "one row per program: %r" % [c["case"] for c in data["cases"]])
    lines = p.stdout.splitlines()
    check(lines[0].split()[:4] == ["case", "expected", "harness", "tsan"], "header %r" % lines[0])
    for c in data["cases"]:
        row = [line for line in lines if line.startswith(c["case"] + " ")]
        check(len(row) == 1 and row[0].split()[-1] in ("agree", "DISAGREE"), "row %r" % row)
        check(c["agree"] or c["reasons"], "%s disagrees without a reason" % c["case"])
        if c["expected"] == "pass":
            check(c["harness"] == [], "%s: trama found %r" % (c["case"], c["harness"]))
        else:
            check(c["expected"] in c["harness"], "%s: trama did not find %s: %r"
                  % (c["case"], c["expected"], c["harness"]))
        want = SCHEDULE_INDEPENDENT.get(c["case"])
        if want and c["outcomes"] != ["timeout"]:
            check(c["native"].get(want, 0) >= 1,
                  "TSan did not report %s for %s: %r" % (want, c["case"], c["native"]))
    print(p.stdout)


if __name__ == "__main__":
    main()
