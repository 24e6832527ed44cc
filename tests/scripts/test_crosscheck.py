"""test_crosscheck — scripts/tsan-crosscheck in a small configuration (2 native runs per
case, 3 s timeout, one timeout per case at most) builds the cases with clang
-fsanitize=thread in this test's folder and prints one row per case with a verdict; every
disagreement has a reason. Skipped (77) without clang. The agreement itself is not asserted:
it is what the script reports, not a property of the script."""

import json
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import args, check, run, script, skip  # noqa: E402


def main():
    a = args()
    if not shutil.which("clang"):
        skip("clang is not installed")
    out = os.path.join(a.work, "crosscheck.json")
    p = run(script(a.root, "tsan-crosscheck") + [
        "--runs", "2", "--timeout", "3", "--max-timeouts", "1", "--trama", a.trama,
        "--build-dir", os.path.join(a.work, "build-tsan-cases"), "--json", out])
    listing = run([a.trama, "list"]).stdout.split("\n")
    cases = [line.split()[0] for line in listing if line.strip()]
    data = json.load(open(out))
    check(sorted(c["case"] for c in data["cases"]) == sorted(cases),
          "one row per case: %r" % [c["case"] for c in data["cases"]])
    lines = p.stdout.splitlines()
    check(lines[0].split()[:3] == ["case", "expected", "harness"], "header %r" % lines[0])
    for c in data["cases"]:
        row = [l for l in lines if l.startswith(c["case"] + " ")]
        check(len(row) == 1 and row[0].split()[-1] in ("agree", "DISAGREE"), "row %r" % row)
        check(c["agree"] or c["reasons"], "%s disagrees without a reason" % c["case"])
        check(1 <= c["runs"] <= 2, "%s: %d runs" % (c["case"], c["runs"]))
        if not c["agree"]:
            check(c["case"] in p.stdout.split("Disagreements:")[1], "%s listed" % c["case"])
    print(p.stdout)


if __name__ == "__main__":
    main()
