"""test_crosscheck — scripts/tsan-crosscheck in a small configuration (testlib's SAMPLE and
the cases below, 2 native runs per case, 3 s timeout, one timeout per case at most) builds
the cases with clang -fsanitize=thread in this test's folder and prints one row per case
with a verdict; every disagreement has a reason. Skipped (77) without clang.

Agreement in general is what the script reports, not a property of it: a race that needs
one interleaving may not happen in 2 native runs. Two things are asserted. TSan reports the
expected race or lock-order cycle of the cases where it does not depend on the
interleaving (the two accesses are unordered, or the two acquisition orders both happen,
in every run): this is what the primitives' TSan annotations must deliver. And no TSan
report is inside trama's own code (the monitor's synchronisation is hidden from TSan, and
its own data must not race)."""

import json
import os
import shutil
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import SAMPLE, args, check, run, script, skip  # noqa: E402

# Cases whose race or lock-order cycle TSan must report in any run that finishes.
SCHEDULE_INDEPENDENT = {
    "double_checked_init_2threads": "data_race",
    "hb_condition_notify_missing_3threads": "data_race",
    "hb_lock_missing_2threads": "data_race",
    "hb_rlock_missing_2threads": "data_race",
    "hb_pipe_send_missing_2threads": "data_race",
    "publication_plain_flag_2threads": "data_race",
    "spin_lock_plain_flag_2threads": "data_race",
    "unsynchronized_counter_2threads": "data_race",
    "lock_order_rlock_lock_gated_2threads": "lock_order",
}


def finished_run(a, case):
    """The native kinds of one run of case that is given time to finish. The 3 s timeout
    of the main run tells a native deadlock from a run that ends; on a loaded machine a
    TSan run of a case that cannot hang may still need longer, and a run killed early
    says nothing of what TSan reports at the end."""
    out = os.path.join(a.work, "crosscheck-%s.json" % case)
    run(script(a.root, "tsan-crosscheck") + [
        "--runs", "1", "--timeout", "300", "--trama", a.trama, "--no-build",
        "--build-dir", os.path.join(a.work, "build-tsan-cases"), "--json", out, case])
    c = json.load(open(out))["cases"][0]
    check(c["outcomes"] != ["timeout"], "%s: a native run of a case that cannot hang took "
          "300 s" % case)
    return c["native"]


def main():
    a = args()
    if not shutil.which("clang"):
        skip("clang is not installed")
    out = os.path.join(a.work, "crosscheck.json")
    cases = sorted(set(SAMPLE) | set(SCHEDULE_INDEPENDENT))
    p = run(script(a.root, "tsan-crosscheck") + [
        "--runs", "2", "--timeout", "3", "--max-timeouts", "1", "--trama", a.trama,
        "--build-dir", os.path.join(a.work, "build-tsan-cases"), "--json", out] + cases)
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
        want = SCHEDULE_INDEPENDENT.get(c["case"])
        if want:
            native = c["native"]
            if not native.get(want) and set(c["outcomes"]) == {"timeout"}:
                native = finished_run(a, c["case"])
            check(native.get(want, 0) >= 1,
                  "TSan did not report %s for %s: %r" % (want, c["case"], native))
        check(not c["internal_races"],
              "TSan reports inside trama's code for %s: %r" % (c["case"], c["internal_races"]))
    check(not data["internal_races"], "TSan reports inside trama: %r" % data["internal_races"])
    check(set(SCHEDULE_INDEPENDENT) <= set(cases), "a listed case is gone")
    print(p.stdout)


if __name__ == "__main__":
    main()
