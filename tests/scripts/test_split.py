"""One case's search split over workers (-j N) and over machines (--shard I/N), for dpor and
dfs: the shards' executions add up to the unsharded count, the union of their findings
(kind and sites) is the unsharded set, each shard completes, a shard run twice does the same
work, and `-j` gives what one worker gives. The cut is placed high (TRAMA_SPLIT_UNITS) so
these small models really are split; the default cut is checked on lock4x1 too (there every
share runs the whole small tree and counts its own part). DFS runs smaller models: it
explores every interleaving, without reduction."""

import json
import os

import testlib as t

A = t.args({"--models": {"required": True, "help": "the trama-models program"}})
CASES = {"dpor": ["lock4x1", "philosophers_4", "condvar_pc"],
         "dfs": ["lock2x1", "condvar_pc", "lost_update"]}
UNITS = {"dpor": "512", "dfs": "32"}


def explore(case, strategy, extra, units=None):
    units = units or UNITS[strategy]
    out = os.path.join(A.work, "run.jsonl")
    env = dict(os.environ, TRAMA_SPLIT_UNITS=units)
    p = t.run([A.models, "run", case, "--strategy", strategy, "--json", out] + extra,
              expect=(0, 1), env=env)
    recs = [json.loads(line) for line in open(out)]
    cases = [r for r in recs if r["type"] == "case"]
    t.check(len(cases) == 1, "one case record from %s %s: %s" % (case, extra, p.stdout))
    findings = {(r["kind"], tuple((s["file"], s["line"]) for s in r["sites"]))
                for r in recs if r["type"] == "finding"}
    return cases[0]["executions"], cases[0]["complete"], findings


for strategy in ("dpor", "dfs"):
    for case in CASES[strategy]:
        whole, complete, found = explore(case, strategy, [])
        t.check(complete, "%s %s: the unsharded search completes" % (case, strategy))
        t.check(whole > 1, "%s %s: more than one execution (%d)" % (case, strategy, whole))
        for n in (2, 3):
            parts = [explore(case, strategy, ["--shard", "%d/%d" % (i, n)]) for i in range(n)]
            total = sum(p[0] for p in parts)
            t.check(total == whole, "%s %s: %d shards ran %s executions, %d in all; unsharded %d"
                    % (case, strategy, n, [p[0] for p in parts], total, whole))
            t.check(all(p[1] for p in parts), "%s %s: every shard of %d completes" % (case, strategy, n))
            union = set().union(*(p[2] for p in parts))
            t.check(union == found, "%s %s: the %d shards found %s, unsharded %s"
                    % (case, strategy, n, sorted(union), sorted(found)))
            t.check(sum(1 for p in parts if p[0] > 0) > 1,
                    "%s %s: the work is split, not all in one shard of %d: %s"
                    % (case, strategy, n, [p[0] for p in parts]))
        again = explore(case, strategy, ["--shard", "1/3"])
        t.check(again == explore(case, strategy, ["--shard", "1/3"]),
                "%s %s: a shard run twice does the same work" % (case, strategy))
        for jobs in ("2", "3"):
            got = explore(case, strategy, ["-j", jobs])
            t.check(got == (whole, True, found), "%s %s -j %s: %s; one worker: %s"
                    % (case, strategy, jobs, got, (whole, True, found)))
        halves = [explore(case, strategy, ["-j", "2", "--shard", "%d/2" % i]) for i in range(2)]
        t.check(sum(h[0] for h in halves) == whole and set().union(*(h[2] for h in halves)) == found,
                "%s %s: -j 2 within each of 2 shards: %s; unsharded %d"
                % (case, strategy, [h[0] for h in halves], whole))

# the default cut: a tree smaller than it is run whole by every share, counted once
whole = explore("lock4x1", "dpor", [], units="8192")[0]
parts = [explore("lock4x1", "dpor", ["--shard", "%d/2" % i], units="8192")[0] for i in range(2)]
t.check(sum(parts) == whole, "lock4x1 default cut: shards %s, unsharded %d" % (parts, whole))
print("ok: shards and workers add up to the unsharded search")
