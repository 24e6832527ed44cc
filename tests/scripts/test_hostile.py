"""test_hostile — the harness survives cases that attack the process they run in.

trama_hostile is the trama CLI over tests/hostile/hostile_cases.c (a case closes or
dup2s over every descriptor below 1024, blocks or ignores signals, calls exit, _exit or
abort on a worker, forks by itself, lowers its resource limits, fills its memory) and two
built-in cases that sort after them (lock_order_consistent_2threads,
lock_order_inversion_2threads). Each hostile case must end as a finding that names what
it did, or as its plain verdict when what it did leaves the case's meaning alone; never a
false verdict, and the run goes on to the next case: the built-in cases after them keep
their verdicts. Nothing may be left behind (descriptors, processes: testlib.contained
and trama_checked's check).

Every case runs in both ways the harness explores: each case in a forked child, and one
process per execution (--isolate). The cases that spin without a scheduling point run in
a second run of their own with a 2 s watchdog (followed by the built-in cases too); the
others keep the default one (10 s), as some start processes, which a loaded machine can
hold back for a second or two."""

import json
import os
import re

import testlib

SPINS = "*_then_spins"
NORMAL = {"lock_order_consistent_2threads": ("pass", []),
          "lock_order_inversion_2threads": ("deadlock", ["deadlock", "lock_order"])}


def expected():
    """case: (its found kinds, a pattern its one finding's message matches in the default
    run, the same under --isolate); no pattern for a case without a finding."""
    pipe = (r"^the case %s descriptor \d+, the harness's pipe from the %s \(noticed in "
            r"execution \d+: what was found from then on is lost\); the %s exited with status 0$")
    deaf = (r"^a case thread ran for 2 s without reaching a scheduling point and could not "
            r"answer the watchdog: %s")
    lost = (r"^the %s exited with status %d in execution 1, before finishing \(did the case "
            r"call exit or _exit\?\)$")
    # Case threads are fibers on one thread, which the worker's mask covers; pooled
    # pthreads (TRAMA_THREADS=1) leave other threads to hear the question and answer it
    # (or, on a machine too busy to run them within 5 s, not: a hang all the same).
    blocked = deaf % "every thread of the case blocks SIGUSR1, the watchdog's question"
    if os.environ.get("TRAMA_THREADS", "0") not in ("", "0"):
        blocked = (r"^a case thread ran for (too long|2 s) without reaching a scheduling "
                   r"point( \(a spin on plain memory, or a call that blocks outside trama\?\)$"
                   r"| and did not answer the watchdog)")
    nproc = (["os_error"], r"^OSError: \[Errno 11\] Resource temporarily unavailable$")
    if os.geteuid() == 0:
        nproc = ([], None)  # the kernel exempts root from RLIMIT_NPROC
    return {
        "hostile_closes_every_descriptor": (
            ["crash"], pipe % ("closed", "exploring child", "exploring child"),
            pipe % ("closed", "case", "case")),
        "hostile_dup2s_over_every_descriptor": (
            ["crash"], pipe % (r"replaced \(dup2\?\)", "exploring child", "exploring child"),
            pipe % (r"replaced \(dup2\?\)", "case", "case")),
        "hostile_blocks_and_ignores_signals": ([], None),
        "hostile_blocks_signals_then_spins": (["hang"], blocked),
        "hostile_ignores_usr1_then_spins": (
            ["hang"], deaf % "the case ignores SIGUSR1, the watchdog's question"),
        "hostile_resets_usr1_then_spins": (
            ["hang"], deaf % "the case put SIGUSR1, the watchdog's question, back to its "
                             "default action"),
        "hostile_ignores_sigsegv_then_crashes": (
            ["crash"], r"^the exploring child was killed by signal 11 \(Segmentation fault\) "
                       r"in execution 1$",
            r"^the case was killed by signal 11 \(Segmentation fault\) in execution 1$"),
        "hostile_ignores_sigchld_then_joins_a_process": ([], None),
        "hostile_worker_calls_exit": (
            ["crash"], r"^the case called exit\(7\), which ends the process that explores it$",
            lost % ("case", 7)),
        "hostile_worker_calls__exit": (
            ["crash"], lost % ("exploring child", 9), lost % ("case", 9)),
        "hostile_worker_calls_abort": (
            ["crash"], r"^the case was killed by signal 6 \(Aborted\)$",
            r"^the case was killed by signal 6 \(Aborted\) in execution 1$"),
        "hostile_raw_fork_child_exits": ([], None),
        "hostile_raw_fork_child_lingers": ([], None),
        "hostile_raw_fork_leaves_a_daemon": ([], None),
        "hostile_lowers_nofile_then_starts_a_process": (
            ["os_error"], r"^OSError: \[Errno 24\] Too many open files$"),
        "hostile_lowers_nproc_then_starts_a_process": nproc,
        "hostile_fills_memory_then_frees_it": ([], None),
        "hostile_fills_memory_and_keeps_it": (
            ["crash"], r"^trama stopped the case's process: out of memory "),
    }


def run(a, name, args):
    """One run through trama_hostile; its case records and findings by case."""
    jsonl = os.path.join(a.work, name + ".jsonl")
    code, out, err, left = testlib.contained(
        [a.hostile, "run", "-j2", "--json", jsonl] + args, a.work, name)
    what = "%s (%s)" % (name, " ".join(args))
    lines = [l for l in err.splitlines() if l.startswith("left:")]
    testlib.check(not lines, "%s: the CLI's process kept what it did not start with:\n%s"
                  % (what, "\n".join(lines)))
    testlib.check(not left, "%s: processes of the run outlived it: %s" % (what, left))
    cases, findings = [], {}
    with open(jsonl) as f:
        for d in map(json.loads, f):
            if d["type"] == "case":
                cases.append(d)
            else:
                findings.setdefault(d["case"], []).append(d)
    return code, out, cases, findings


def check_case(what, d, found, pattern, findings):
    name = d["case"]
    testlib.check(sorted(d["found"]) == sorted(found),
                  "%s %s: found %s, expected %s\n%s" % (what, name, d["found"], found,
                                                        [f["message"] for f in findings]))
    if pattern:
        messages = [f["message"] for f in findings]
        testlib.check(len(messages) == 1 and re.search(pattern, messages[0]),
                      "%s %s: the finding says %s\nexpected /%s/" % (what, name, messages,
                                                                    pattern))


def main():
    a = testlib.args({"--hostile": {"required": True, "help": "trama_hostile"}})
    testlib.subreaper()
    table = expected()
    listed = [l.split()[0] for l in testlib.run([a.hostile, "list"]).stdout.splitlines()]
    testlib.check(sorted(listed) == sorted(list(table) + list(NORMAL)),
                  "trama_hostile lists %s" % listed)
    spins = sorted(n for n in table if n.endswith("_then_spins"))
    for isolate in (False, True):
        mode = ["--isolate"] if isolate else []
        for name, args, selected in (
                ("others", ["--exclude", SPINS], sorted(n for n in listed if n not in spins)),
                ("spins", [SPINS, "lock_order_*", "--step-timeout", "2"],
                 spins + sorted(NORMAL))):
            name += "-isolate" if isolate else ""
            code, out, cases, findings = run(a, name, args + mode)
            # every case reported, in order: a hostile case never ends the run
            testlib.check([d["case"] for d in cases] == selected,
                          "%s: reported %s\n%s" % (name, [d["case"] for d in cases],
                                                   out[-3000:]))
            for d in cases:
                case = d["case"]
                if case in NORMAL:
                    verdict, found = NORMAL[case]
                    check_case(name, d, found, None, [])
                    testlib.check(d["ok"] and d["complete"], "%s %s: %s" % (name, case, d))
                    continue
                entry = table[case]
                pattern = entry[2] if isolate and len(entry) > 2 else entry[1]
                check_case(name, d, entry[0], pattern, findings.get(case, []))
            testlib.check(code == (0 if os.geteuid() == 0 else 1),
                          "%s exited %d\n%s" % (name, code, out[-3000:]))
            print("%s: %d cases as expected, the built-in ones after them too" %
                  (name, len(cases)))


if __name__ == "__main__":
    main()
