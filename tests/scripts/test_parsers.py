"""test_parsers — scripts/trama_reports.py reads what trama and ThreadSanitizer print: the
replay trace table (a canned one, and a live `trama replay --trace` of a deadlock), TSan's
report kinds with their access sites (canned reports in TSan's format), the dedupe key."""

import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import args, check, run  # noqa: E402

TRACE = """replay of lock_order_inversion_2threads with v1:0.1.1.2.2
  step  thread           operation        object         site
     1  T0 MainThread    thread.start     T1             :36
     2  T0 MainThread    thread.start     T2             :37
     3  T1 a             thread.begin     T1             -
     4  T1 a             lock.acquire     L1 A           :14
     5  T2 b long name   thread.begin     T2             -  <- preemption
     6  T2 b long name   lock.acquire     L2             :23  (timed out)
        T0 MainThread    thread.join      T1             :38  (blocked)
        T1 a             lock.acquire     L2             :15  (blocked)

== trama: DEADLOCK in lock_order_inversion_2threads (replay, execution 1) ==
"""

TSAN = """==================
WARNING: ThreadSanitizer: data race (pid=10)
  Write of size 4 at 0x7b0400000000 by thread T2:
    #0 increment /src/cases/counter.c:11:5 (run+0x1) (BuildId: ab)
    #1 tr__thread_run /src/primitives/src/thread.c:196:5 (run+0x2) (BuildId: ab)

  Previous read of size 4 at 0x7b0400000000 by thread T1:
    #0 increment /src/cases/counter.c:10:9 (run+0x3) (BuildId: ab)

  Location is heap block of size 4 at 0x7b0400000000 allocated by main thread:
    #0 calloc <null> (run+0x4) (BuildId: ab)
    #1 tr_case_alloc /src/harness/src/controlled.c:220:15 (run+0x5) (BuildId: ab)

  Thread T2 (tid=12, running) created by main thread at:
    #0 pthread_create <null> (run+0x6) (BuildId: ab)

SUMMARY: ThreadSanitizer: data race /src/cases/counter.c:11:5 in increment
==================
==================
WARNING: ThreadSanitizer: data race (pid=10)
  Read of size 4 at 0x7b140000003c by main thread (mutexes: write M0):
    #0 join_guard /src/primitives/src/thread.c:211:15 (run+0x7) (BuildId: ab)
  Previous write of size 4 at 0x7b140000003c by thread T1 (mutexes: write M0):
    #0 exit_effect /src/primitives/src/thread.c:179:14 (run+0x8) (BuildId: ab)
SUMMARY: ThreadSanitizer: data race /src/primitives/src/thread.c:211:15 in join_guard
==================
==================
WARNING: ThreadSanitizer: lock-order-inversion (potential deadlock) (pid=20)
  Cycle in lock order graph: M0 (0x7b0c00000000) => M1 (0x7b0c00000030) => M0

  Mutex M1 acquired here while holding mutex M0 in thread T1:
    #0 pthread_mutex_lock <null> (run+0x9)
    #1 take_a_then_b /src/cases/abba.c:15:5 (run+0xa)

  Mutex M0 previously acquired by the same thread here:
    #0 pthread_mutex_lock <null> (run+0x9)
    #1 take_a_then_b /src/cases/abba.c:14:5 (run+0xb)

  Mutex M0 acquired here while holding mutex M1 in thread T2:
    #0 pthread_mutex_lock <null> (run+0x9)
    #1 take_b_then_a /src/cases/abba.c:24:5 (run+0xc)

SUMMARY: ThreadSanitizer: lock-order-inversion (potential deadlock) /src/cases/abba.c:15:5 in take_a_then_b
==================
==================
WARNING: ThreadSanitizer: unlock of an unlocked mutex (or by a wrong thread) (pid=30)
    #0 pthread_mutex_unlock <null> (run+0xd)
    #1 release_twice /src/cases/unlock.c:9:3 (run+0xe)

  Location is global 'm' of size 40 at 0x000000f00 (run+0xf)

SUMMARY: ThreadSanitizer: unlock of an unlocked mutex (or by a wrong thread) /src/cases/unlock.c:9:3 in release_twice
==================
==================
WARNING: ThreadSanitizer: thread leak (pid=40)
  Thread T1 (tid=41, finished) created by main thread at:
    #0 pthread_create <null> (run+0x10)
    #1 main /src/cases/leak.c:5:3 (run+0x11)

SUMMARY: ThreadSanitizer: thread leak /src/cases/leak.c:5:3 in main
==================
==================
WARNING: ThreadSanitizer: signal-unsafe call inside of a signal (pid=50)
    #0 malloc <null> (run+0x12)
    #1 handler /src/cases/sig.c:7:3 (run+0x13)

SUMMARY: ThreadSanitizer: signal-unsafe call inside of a signal /src/cases/sig.c:7:3 in handler
==================
"""


def main():
    a = args()
    import trama_reports as tr

    steps = tr.parse_trace(TRACE)
    check(len(steps) == 8, "8 rows, got %d: %r" % (len(steps), steps))
    check(steps[3] == {"step": 4, "thread": "T1", "name": "a", "op": "lock.acquire",
                       "object": "L1 A", "site": ":14", "notes": [], "waiting": False},
          "row 4: %r" % steps[3])
    check(steps[4]["name"] == "b long name" and steps[4]["notes"] == ["<- preemption"],
          "row 5: %r" % steps[4])
    check(steps[5]["notes"] == ["(timed out)"] and steps[5]["site"] == ":23", "row 6: %r" %
          steps[5])
    check(steps[6] == {"step": None, "thread": "T0", "name": "MainThread", "op": "thread.join",
                       "object": "T1", "site": ":38", "notes": ["(blocked)"], "waiting": True},
          "waiting row: %r" % steps[6])

    live = run([a.trama, "replay", "lock_order_inversion_2threads", "v1:0.1.1.2.2",
                "--trace"]).stdout
    steps = tr.parse_trace(live)
    check(len(steps) >= 4 and any(s["waiting"] for s in steps),
          "live trace parsed: %r\n%s" % (steps, live))
    check(all(s["thread"].startswith("T") for s in steps), "thread ids: %r" % steps)

    reps = tr.parse_tsan(TSAN)
    kinds = [r["kind"] for r in reps]
    check(kinds == ["data_race", "internal_race", "lock_order", "runtime_error", "thread_leak",
                    "signal_unsafe"], "kinds %r" % kinds)
    check([tr.frame_text(t, "/src/") for t in reps[0]["tops"]] ==
          ["increment cases/counter.c:11", "increment cases/counter.c:10"],
          "race sites %r" % reps[0]["tops"])
    check([tr.frame_text(t, "/src/") for t in reps[2]["tops"]] ==
          ["take_a_then_b cases/abba.c:15", "take_b_then_a cases/abba.c:24"],
          "lock-order sites %r" % reps[2]["tops"])
    check(reps[3]["tops"][0][1:] == ("/src/cases/unlock.c", 9), "unlock site %r" % reps[3])
    check(reps[4]["tops"] == [] and not reps[4]["internal"], "thread leak has no access")
    check(tr.parse_tsan("no reports here\n") == [], "no report in clean output")

    f1 = {"kind": "data_race", "sites": [{"file": "/r/cases/a.c", "line": 12},
                                         {"file": "/r/cases/a.c", "line": 11}]}
    f2 = {"kind": "data_race", "sites": [{"file": "/r/cases/a.c", "line": 11},
                                         {"file": "/r/cases/a.c", "line": 12},
                                         {"file": "/r/cases/a.c", "line": 11}]}
    check(tr.finding_key(f1, "/r/") == tr.finding_key(f2, "/r/") ==
          ("data_race", ("cases/a.c:11", "cases/a.c:12")), "key %r" % (tr.finding_key(f1, "/r/"),))
    check(tr.schedule_length("v1:0.1.2t.0") == 4, "schedule length")
    print("ok")


if __name__ == "__main__":
    main()
