"""test_stress — scripts/stress: seeds of a shard are those with s mod N == I, a run writes
one JSON Lines report per strategy and seed plus a state file, a second run resumes at the
next seed, --from-seed overrides the state, and the reports aggregate."""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import SAMPLE, args, check, run, script  # noqa: E402


def main():
    a = args()
    import importlib.machinery
    import importlib.util
    path = os.path.join(a.root, "scripts", "stress")
    loader = importlib.machinery.SourceFileLoader("stress_script", path)
    stress = importlib.util.module_from_spec(importlib.util.spec_from_loader("stress_script",
                                                                             loader))
    loader.exec_module(stress)
    seeds = list(stress.shard_seeds(1, (2, 3), 4))
    check(seeds == [2, 5, 8, 11], "shard 2/3 from 1: %r" % seeds)
    check(list(stress.shard_seeds(7, (0, 1), 3)) == [7, 8, 9], "unsharded seeds")
    check(list(stress.shard_seeds(4, (1, 2), 2)) == [5, 7], "shard 1/2 from 4")

    out = os.path.join(a.work, "out")
    base = script(a.root, "stress") + ["--out", out, "--trama", a.trama, "--max-executions",
                                       "30", "--time-budget", "120", "--shard", "1/2"] + SAMPLE
    run(base + ["--seeds", "2"])
    state = json.load(open(os.path.join(out, "stress-state-1-of-2.json")))
    check(state["next_seed"] == 5 and state["last_seed"] == 3, "state %r" % state)
    names = sorted(os.listdir(out))
    check(names == ["pct-s1.jsonl", "pct-s3.jsonl", "random-s1.jsonl", "random-s3.jsonl",
                    "stress-state-1-of-2.json"], "files %r" % names)
    p = run(base + ["--seeds", "1"])
    check("resuming shard 1/2 at seed 5" in p.stderr, "resumed: %r" % p.stderr)
    state = json.load(open(os.path.join(out, "stress-state-1-of-2.json")))
    check(state["last_seed"] == 5 and state["totals"]["seeds"] == 3, "state %r" % state)
    run(base + ["--seeds", "1", "--from-seed", "10"])
    check(os.path.exists(os.path.join(out, "random-s11.jsonl")), "--from-seed 10 ran seed 11")
    for name in os.listdir(out):
        if name.endswith(".jsonl"):
            recs = [json.loads(l) for l in open(os.path.join(out, name))]
            check(any(r["type"] == "case" for r in recs), "%s has case records" % name)
            seed = int(name.split("-s")[1].split(".")[0])
            check(seed % 2 == 1, "seed %d belongs to shard 1/2" % seed)
    p = run(script(a.root, "aggregate") + [out])
    check("from 8 report files" in p.stdout, p.stdout)
    print("ok")


if __name__ == "__main__":
    main()
