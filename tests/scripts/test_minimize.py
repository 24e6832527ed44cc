"""After the search, each finding's story is the one with the fewest preemptions found
(then the fewest steps): the finding set is the search's, no story is longer than without
minimizing, the dining philosophers' deadlock (two preemptions in DPOR's first order) is
told with one, each reported schedule replays its finding, and the JSON and the text say
how many preemptions a story has."""

import json
import os

import testlib as t

A = t.args()
CASES = ["dining_philosophers_3threads", "hb_lock_missing_2threads", "lock_order_inversion_2threads",
         "queue_consumer_stops_on_empty_2threads"]


def findings(extra):
    out = os.path.join(A.work, "run.jsonl")
    t.run([A.trama, "run", "-j1", "--json", out] + CASES + extra, expect=(0, 1))
    return {(r["case"], r["kind"], tuple((s["file"], s["line"]) for s in r["sites"])): r
            for r in (json.loads(line) for line in open(out)) if r["type"] == "finding"}


plain, short = findings(["--minimize", "0"]), findings([])
t.check(set(plain) == set(short), "the same findings: %s / %s" % (sorted(plain), sorted(short)))
for key, rec in short.items():
    t.check(rec["preemptions"] <= plain[key]["preemptions"],
            "%s: %d preemptions, %d without minimizing" % (key, rec["preemptions"],
                                                          plain[key]["preemptions"]))
    replay = t.run([A.trama, "replay", rec["case"], rec["schedule"]])
    t.check(rec["kind"].upper() in replay.stdout, "%s replays as %s: %s" % (
        rec["schedule"], rec["kind"], replay.stdout[-800:]))
deadlock = [r for k, r in short.items() if k[0] == "dining_philosophers_3threads" and k[1] == "deadlock"]
t.check(len(deadlock) == 1 and deadlock[0]["preemptions"] == 1,
        "the philosophers' deadlock needs one preemption: %s" % [r["preemptions"] for r in deadlock])
text = t.run([A.trama, "run", "-j1", "dining_philosophers_3threads"], expect=(0,)).stdout
t.check("  1 preemption, " in text, "the story says how many preemptions: " + text[-1500:])
print("ok: %d findings, each told with the fewest preemptions found" % len(short))
