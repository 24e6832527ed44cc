"""test_parts — findings carry their typed parts in JSON Lines and SARIF, and the text
story is printed from them.

The expected facts come from the cases' sources: the lines of the acquires in
lock_order_inversion_2threads.c (thread "a" takes A then B, "b" takes B then A; A is the
first Lock made, L1) and of the increment in unsynchronized_counter_2threads.c."""

import json
import os

import testlib


def line_of(path, text, nth=1):
    seen = 0
    with open(path) as f:
        for i, line in enumerate(f, 1):
            if text in line:
                seen += 1
                if seen == nth:
                    return i
    testlib.fail("%s: no line with %r" % (path, text))


def findings(path):
    with open(path) as f:
        return [r for r in map(json.loads, f) if r["type"] == "finding"]


def one(records, kind):
    got = [r for r in records if r["kind"] == kind]
    if len(got) != 1:
        testlib.fail("expected one %s finding, got %d" % (kind, len(got)))
    return got[0]


def check(cond, what):
    if not cond:
        testlib.fail(what)


def site(obj, line):
    return obj["file"].endswith(".c") and obj["line"] == line


def check_deadlock(d, lines):
    a1, b1, b2, a2, join = lines
    check(d["cycle"] == ["T1", "L2", "T2", "L1"], "deadlock cycle: %r" % d["cycle"])
    by = {w["thread"]: w for w in d["waits_for"]}
    check(set(by) == {"T0", "T1", "T2"}, "waiters: %r" % sorted(by))
    t1, t2 = by["T1"], by["T2"]
    check(t1["name"] == "a" and t2["name"] == "b", "names: %r %r" % (t1["name"], t2["name"]))
    check([h["object"] for h in t1["holds"]] == ["L1"] and site(t1["holds"][0]["site"], a1),
          "T1 holds L1 taken at :%d: %r" % (a1, t1["holds"]))
    check(t1["waits"]["op"] == "lock.acquire" and t1["waits"]["object"] == "L2" and
          site(t1["waits"]["site"], b1) and t1["waits"]["blocked"], "T1 waits: %r" % t1["waits"])
    check([h["object"] for h in t2["holds"]] == ["L2"] and site(t2["holds"][0]["site"], b2),
          "T2 holds L2 taken at :%d: %r" % (b2, t2["holds"]))
    check(t2["waits"]["object"] == "L1" and site(t2["waits"]["site"], a2), "T2 waits: %r" % t2)
    check(by["T0"]["waits"]["op"] == "thread.join" and by["T0"]["waits"]["object"] == "T1" and
          site(by["T0"]["waits"]["site"], join), "T0 waits: %r" % by["T0"])
    ran = [s for s in d["steps"] if s["state"] == "ran"]
    check([s["step"] for s in ran] == list(range(1, len(ran) + 1)), "steps are numbered 1..n")
    check(d["steps"][:len(ran)] == ran, "the waiting rows come last")
    waiting = {s["thread"]: s for s in d["steps"][len(ran):]}
    check(waiting["T1"]["blocked"] and waiting["T1"]["object"] == "L2",
          "T1's row at the end: %r" % waiting.get("T1"))
    check(any(s["thread"] == "T1" and s["op"] == "lock.acquire" and s["object"] == "L1" and
              site(s["site"], a1) for s in ran), "a step where T1 takes L1 at :%d" % a1)
    check(sum(s["preemption"] for s in ran) >= 1, "the deadlock needs a preemption")


def check_lock_order(d, lines):
    a1, b1, b2, a2, _ = lines
    links = {(e["thread"], e["holds"], e["held_at"]["line"], e["takes"], e["taken_at"]["line"])
             for e in d["edges"]}
    want = {("T1", "L1", a1, "L2", b1), ("T2", "L2", b2, "L1", a2)}
    check(links == want, "lock-order links %r, want %r" % (sorted(links), sorted(want)))


def check_race(d, line):
    acc = d["accesses"]
    check(len(acc) == 2, "a race has exactly two accesses: %r" % acc)
    check({a["thread"] for a in acc} == {"T1", "T2"}, "two threads: %r" % acc)
    check(all(a["object"] == acc[0]["object"] and a["object"].startswith("M") and
              a["bytes"] == 4 and a["locks_held"] == [] and site(a["site"], line) for a in acc),
          "both on one 4-byte memory object at :%d, no lock: %r" % (line, acc))
    check(any(a["op"] == "write" for a in acc), "at least one write: %r" % acc)


def main():
    a = testlib.args()
    cases = os.path.join(a.root, "cases")
    abba = os.path.join(cases, "lock_order_inversion_2threads.c")
    lines = (line_of(abba, "tr_lock_acquire(s->a"), line_of(abba, "tr_lock_acquire(s->b"),
             line_of(abba, "tr_lock_acquire(s->b", 2), line_of(abba, "tr_lock_acquire(s->a", 2),
             line_of(abba, "tr_thread_join(ta"))
    counter = line_of(os.path.join(cases, "unsynchronized_counter_2threads.c"), "TR_STORE(")
    jsonl, sarif = os.path.join(a.work, "f.jsonl"), os.path.join(a.work, "f.sarif")
    names = ["lock_order_inversion_2threads", "unsynchronized_counter_2threads"]
    text = testlib.run([a.trama, "run"] + names + ["--json", jsonl, "--sarif", sarif]).stdout
    records = findings(jsonl)
    check_deadlock(one(records, "deadlock"), lines)
    check_lock_order(one(records, "lock_order"), lines)
    check_race(one(records, "data_race"), counter)
    with open(sarif) as f:
        results = json.load(f)["runs"][0]["results"]
    props = {r["ruleId"]: r["properties"] for r in results}
    check(props["deadlock"]["cycle"] == ["T1", "L2", "T2", "L1"], "SARIF carries the cycle")
    check(len(props["data_race"]["accesses"]) == 2, "SARIF carries the accesses")
    check(len(props["lock_order"]["edges"]) == 2, "SARIF carries the edges")
    story = 'T1 "a" holds L1 (taken at :%d), waits in lock.acquire on L2 at :%d' % lines[:2]
    check(story in text, "the text story says %r" % story)
    check("cycle: T1 -> L2 -> T2 -> L1 -> T1" in text, "the text story shows the cycle")
    print("ok: deadlock, lock_order and data_race carry their parts in JSON, SARIF and text")


if __name__ == "__main__":
    main()
