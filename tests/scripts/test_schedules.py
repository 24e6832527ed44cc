"""test_schedules — the findings of the built-in cases keep their schedule strings.

schedules.tsv was written by trama built from commit 19f052d (before the harness core was
split into layers): for dpor (default options), random (--seed 7) and pct (--seed 3), both
with --max-executions 300, every finding's case, kind, execution and schedule. A schedule
string is what users paste into `trama replay` and keep in bug reports; the same search
must find the same findings with the same schedules in the same executions. Cases added
since have no rows: only the cases the file covers are searched and compared. The pct rows were
written again when pct's change points began to lower a thread to the change point's own
priority (the paper's rule; every pct schedule changed with it), and again when pct's k (the
choice points its change points are drawn among) became the case's, measured by a probe
before the search, instead of the longest execution the process had run. The pct rows are
depth 3's, pct's default when they were written (--pct-depth 3). Three dpor rows changed
their execution number, not their schedule, when executions that DPOR's sleep sets abandon
part way stopped being numbered among the executions (they are counted apart); the other
dpor rows and the random rows are the original ones. The runs pass --minimize 0: this test
is about the search, and the shorter stories found after it are test_minimize's."""

import json
import os

import testlib

STRATEGIES = {"dpor": [], "random": ["--seed", "7", "--max-executions", "300"],
              "pct": ["--seed", "3", "--pct-depth", "3", "--max-executions", "300"]}


def expected():
    """The rows by strategy, and the cases they cover (the "# covers:" line)."""
    rows, covers = {}, set()
    with open(os.path.join(testlib.HERE, "schedules.tsv")) as f:
        for line in f:
            if line.startswith("# covers:"):
                covers = set(line[len("# covers:"):].split())
            if line.startswith("#"):
                continue
            case, strategy, kind, execution, schedule = line.rstrip("\n").split("\t")
            rows.setdefault(strategy, set()).add((case, kind, int(execution), schedule))
    return rows, covers


def found(a, strategy, extra, covers):
    out = os.path.join(a.work, strategy + ".jsonl")
    # Only the cases the file covers are searched: those added since (the processes' among
    # them) have no rows to compare with.
    testlib.run([a.trama, "run", "--quiet", "-j2", "--minimize", "0", "--strategy", strategy,
                 "--json", out] + extra + sorted(covers), expect=(0, 1))
    rows = set()
    with open(out) as f:
        for line in f:
            d = json.loads(line)
            if d["type"] == "finding" and d["case"] in covers:
                rows.add((d["case"], d["kind"], d["execution"], d["schedule"]))
    return rows


def main():
    a = testlib.args()
    want, covers = expected()
    if len(covers) < 80:
        testlib.fail("schedules.tsv: its '# covers:' line lists %d cases" % len(covers))
    for strategy, extra in STRATEGIES.items():
        got = found(a, strategy, extra, covers)
        missing, extra_rows = want[strategy] - got, got - want[strategy]
        if missing or extra_rows:
            testlib.fail("%s: %d findings differ from schedules.tsv\n  missing: %s\n  new: %s" %
                         (strategy, len(missing) + len(extra_rows), sorted(missing)[:5],
                          sorted(extra_rows)[:5]))
        print("ok: %s, %d findings with their schedules" % (strategy, len(got)))


if __name__ == "__main__":
    main()
