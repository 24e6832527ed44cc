"""One case's search split over workers (-j N) and over machines (--shard I/N), for dpor and dfs:
the shards' executions add up to the unsharded count, the union of their findings (kind and
sites) is the unsharded set, each shard completes, a shard run twice does the same work, and
`-j` gives what one worker gives, whatever -j each shard runs with; random, pct and pos
under -j find what one worker finds, in the same executions, stopping where it stops. The
cut is placed high (TRAMA_SPLIT_UNITS) so these small models really are split; the default
cut is checked on lock4x1 too (there every share runs the whole small tree and counts its own part). DFS runs
smaller models: it explores every interleaving, without reduction."""

import json
import os

import testlib as t

A = t.args({"--models": {"required": True, "help": "the trama-models program"}})
CASES = {"dpor": ["lock4x1", "philosophers_4", "condvar_pc"],
         "dfs": ["lock2x1", "condvar_pc", "lost_update"]}
UNITS = {"dpor": "512", "dfs": "32"}


def explore(case, strategy, extra, units=None, env=None, out=None):
    units = units or UNITS[strategy]
    out = out or os.path.join(A.work, "run.jsonl")
    env = dict(os.environ, TRAMA_SPLIT_UNITS=units, **(env or {}))
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
        # each machine picks its own -j: shards split over 2, 3 or no workers still add up
        for jobs in (("2", "2"), ("2", "1"), ("1", "3")):
            halves = [explore(case, strategy, ["-j", jobs[i], "--shard", "%d/2" % i])
                      for i in range(2)]
            t.check(sum(h[0] for h in halves) == whole
                    and set().union(*(h[2] for h in halves)) == found,
                    "%s %s: -j %s within shards 0/2 and 1/2: %s; unsharded %d"
                    % (case, strategy, " and ".join(jobs), [h[0] for h in halves], whole))



def stream(case, strategy, extra, command="run"):
    """A randomized search's case record and findings, each with its execution and schedule."""
    out = os.path.join(A.work, "stream.jsonl")
    t.run([A.models, command, case, "--strategy", strategy, "--seed", "3", "--json", out] + extra,
          expect=(0, 1))
    recs = [json.loads(line) for line in open(out)]
    (c,) = [r for r in recs if r["type"] == "case"]
    # a lock-order cycle is closed by edges of several executions, which the workers share:
    # the execution that closes it first depends on their timing (README), its kind does not
    return c["executions"], sorted((r["kind"], r["execution"], r["schedule"])
                                   if r["kind"] != "lock_order" else (r["kind"],)
                                   for r in recs if r["type"] == "finding")


# random, pct and pos hand each worker every N-th execution of the seed's stream: with -j a
# finding keeps its place in the stream, and verify stops where one worker stops (at the
# first execution that shows the expected kind), whichever worker reaches it first
for strategy in ("random", "pct", "pos"):
    for command, case, extra in (("run", "lost_update", ["--max-executions", "60"]),
                                 ("run", "philosophers_4", ["--max-executions", "60"]),
                                 ("verify", "philosophers_4", [])):
        one = stream(case, strategy, extra + ["--minimize", "0"], command)
        t.check(one[1], "%s %s %s: something found (%s)" % (command, case, strategy, one))
        for jobs in ("2", "3"):
            got = stream(case, strategy, extra + ["--minimize", "0", "-j", jobs], command)
            t.check(got == one, "%s %s %s -j %s: %s; one worker: %s"
                    % (command, case, strategy, jobs, got, one))

# the default cut: a tree smaller than it is run whole by every share, counted once
whole = explore("lock4x1", "dpor", [], units="8192")[0]
parts = [explore("lock4x1", "dpor", ["--shard", "%d/2" % i], units="8192")[0] for i in range(2)]
t.check(sum(parts) == whole, "lock4x1 default cut: shards %s, unsharded %d" % (parts, whole))
# --shard auto: each batch system's words for shard 1 of 3 give what --shard 1/3 gives
status = os.path.join(A.work, "bazel-shard-status")
wanted = explore("philosophers_4", "dpor", ["--shard", "1/3"])
for env, extra in (({"TRAMA_SHARD": "1/3"}, []),
                   ({"JOB_COMPLETION_INDEX": "1", "TRAMA_SHARDS": "3"}, []),
                   ({"JOB_COMPLETION_INDEX": "1"}, ["/3"]),
                   ({"SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4",
                     "SLURM_ARRAY_TASK_COUNT": "3"}, []),
                   ({"TEST_SHARD_INDEX": "1", "TEST_TOTAL_SHARDS": "3",
                     "TEST_SHARD_STATUS_FILE": status}, [])):
    got = explore("philosophers_4", "dpor", ["--shard", "auto" + "".join(extra)], env=env)
    t.check(got == wanted, "--shard auto with %s: %s; --shard 1/3: %s" % (env, got, wanted))
t.check(os.path.exists(status), "Bazel's TEST_SHARD_STATUS_FILE is touched")
bad = t.run([A.models, "run", "lock4x1", "--shard", "auto"], expect=(2,),
            env={k: v for k, v in os.environ.items() if k not in (
                "TRAMA_SHARD", "JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID", "TEST_SHARD_INDEX")})
t.check("no shard in the environment" in bad.stderr, "--shard auto with no shard: " + bad.stderr)
bad = t.run([A.models, "run", "lock4x1", "--shard", "auto"], expect=(2,),
            env=dict(os.environ, TRAMA_SHARD="", JOB_COMPLETION_INDEX="3", TRAMA_SHARDS="3"))
t.check("does not exist" in bad.stderr, "shard 3 of 3: " + bad.stderr)

# scripts/aggregate merges the shards' reports: one search, complete only with every shard
shards = os.path.join(A.work, "shards")
os.makedirs(shards)
whole, _, found = explore("philosophers_4", "dpor", [])
for i in range(3):
    explore("philosophers_4", "dpor", ["--shard", "%d/3" % i], out=os.path.join(shards, "%d.jsonl" % i))


def merged():
    summary = os.path.join(A.work, "summary.json")
    t.run(t.script(A.root, "aggregate") + [shards, "--json", summary])
    (case,) = json.load(open(summary))["cases"]
    return case


case = merged()
t.check(case["executions"] == whole and case["complete"] and
        set(case["found"]) == {k for k, _ in found},
        "aggregate over the 3 shards: %s; unsharded %d executions, %s" % (case, whole, found))
os.remove(os.path.join(shards, "2.jsonl"))
t.check(not merged()["complete"], "aggregate without shard 2 of 3 is not complete")
print("ok: shards and workers add up to the unsharded search")
