"""test_continue — `trama replay CASE SCHEDULE --continue [run options]` from the command line.

Below the empty schedule is the whole space (dfs: the same count as `run`); below a
deadlock's whole schedule there is that one execution, and it deadlocks; below a shorter
prefix dfs runs fewer executions than the full run and more than one, and dpor finds the
deadlock dfs finds there. A schedule that does not replay, one longer than the case's
execution and --continue with --trace are usage errors (exit 2), as for replay."""

import json
import os
import re

import testlib

CASE = "lock_order_inversion_2threads"


def executions(out):
    m = re.search(r"^(ok|FAIL) +%s +expected=\S+ found=(\S+) executions=(\d+)(?: abandoned=\d+)? "
                  r"complete=(yes|no)"
                  % CASE, out, re.M)
    testlib.check(m, "no case line:\n" + out)
    return int(m.group(3)), m.group(2), m.group(4)


def main():
    a = testlib.args()
    t = a.trama
    report = os.path.join(a.work, "full.jsonl")
    full = testlib.run([t, "run", CASE, "--strategy", "dfs", "--quiet", "--json", report]).stdout
    n_full, _, _ = executions(full)
    deadlock = [r["schedule"] for r in map(json.loads, open(report))
                if r.get("type") == "finding" and r["kind"] == "deadlock"][0]

    below_all = testlib.run([t, "replay", CASE, "v1:", "--continue", "--strategy", "dfs",
                             "--quiet"]).stdout
    testlib.check(executions(below_all)[0] == n_full, "below v1: is the whole space:\n" + below_all)

    one = testlib.run([t, "replay", CASE, deadlock, "--continue", "--strategy", "dfs"]).stdout
    n, found, complete = executions(one)
    testlib.check((n, complete) == (1, "yes") and "deadlock" in found, one)
    testlib.check("replay: trama replay %s %s" % (CASE, deadlock) in one, one)

    prefix = ".".join(deadlock.split(".")[:3])
    for strategy in ("dfs", "dpor"):
        out = testlib.run([t, "replay", CASE, prefix, "--continue", "--strategy", strategy,
                           "--quiet"]).stdout
        n, found, complete = executions(out)
        testlib.check(complete == "yes" and "deadlock" in found, out)
        if strategy == "dfs":
            testlib.check(1 < n < n_full, "dfs below %s: %d of %d\n%s" % (prefix, n, n_full, out))

    for bad, says in (([deadlock + ".0.0"], "is longer than case"),
                      (["v1:0.9"], "does not match case"),
                      (["v1:0", "--trace"], "no --trace")):
        p = testlib.run([t, "replay", CASE] + bad + ["--continue"], expect=(2,))
        testlib.check(says in p.stderr, "%s: %r not in %r" % (bad, says, p.stderr))
    print("ok: %d executions in all, 1 below the deadlock's schedule" % n_full)


main()
