"""test_starved — the watchdog weighs the time a case could run, not the time that passed.

A busy machine holds a case's thread back: it waits for a CPU, its step takes longer in
wall time, and a watchdog that counted wall time would call it a hang (a false verdict).
The watchdog counts a step's time less what its running thread waited, runnable, for a
CPU (the kernel's schedstat). This test makes the machine that busy on purpose: the run
and BUSY busy loops are pinned to one CPU, each in a session of its own (the kernel
shares a CPU fairly between sessions under autogroup), so the case gets about a
(BUSY + 1)th of the CPU.

- starved_long_step computes 0.5 s of CPU time within one step, with a TIMEOUT s watchdog:
  it must pass, and the run must have taken at least twice the timeout (otherwise the
  machine did not hold it back and the test shows nothing).
- starved_spin spins for ever: still a HANG on that machine."""

import json
import os
import subprocess
import sys
import time

import testlib

BUSY = 5
TIMEOUT = 1.5


def pinned(cpu):
    return lambda: os.sched_setaffinity(0, {cpu})


def run(a, cpu, case):
    jsonl = os.path.join(a.work, case + ".jsonl")
    start = time.monotonic()
    p = subprocess.run([a.starved, "run", case, "--step-timeout", str(TIMEOUT), "--json", jsonl],
                       capture_output=True, text=True, preexec_fn=pinned(cpu),
                       start_new_session=True, timeout=600)
    wall = time.monotonic() - start
    code, out = p.returncode, p.stdout + p.stderr
    with open(jsonl) as f:
        records = [json.loads(l) for l in f]
    findings = [d["message"] for d in records if d["type"] != "case"]
    cases = [d for d in records if d["type"] == "case"]
    testlib.check(len(cases) == 1, "%s: %d case records\n%s" % (case, len(cases), out))
    return code, cases[0], findings, wall


def main():
    a = testlib.args({"--starved": {"required": True, "help": "trama_starved"}})
    cpu = min(os.sched_getaffinity(0))
    loops = [subprocess.Popen([sys.executable, "-c", "while True: pass"],
                              preexec_fn=pinned(cpu), start_new_session=True)
             for _ in range(BUSY)]
    try:
        code, case, findings, wall = run(a, cpu, "starved_long_step")
        testlib.check(code == 0 and case["ok"] and not findings,
                      "starved_long_step, held back to %.1f s of wall time, exited %d: %s %s"
                      % (wall, code, case["found"], findings))
        testlib.check(wall >= 2 * TIMEOUT,
                      "starved_long_step ran in %.1f s beside %d busy loops on CPU %d: the "
                      "machine did not hold it back past the %.1f s watchdog, so this run "
                      "shows nothing" % (wall, BUSY, cpu, TIMEOUT))
        print("starved_long_step: a pass in %.1f s of wall time (watchdog %.1f s)"
              % (wall, TIMEOUT))
        code, case, findings, wall = run(a, cpu, "starved_spin")
        testlib.check(case["found"] == ["hang"] and len(findings) == 1,
                      "starved_spin found %s: %s" % (case["found"], findings))
        print("starved_spin: a HANG after %.1f s of wall time: %s" % (wall, findings[0]))
    finally:
        for p in loops:
            p.kill()
            p.wait()


if __name__ == "__main__":
    main()
