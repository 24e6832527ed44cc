"""test_leaks — a run leaves nothing behind, across its executions and its cases.

Runs `trama run` over every built-in case, without and with --isolate, through
trama_checked (tests/hostile/checked_main.c: the trama CLI, then a check that the CLI's
own process holds no descriptor it did not start with and has no child left, running or
a zombie). This process is the subreaper of everything it starts, so a process of the
run that outlived it is found wherever it went (testlib.contained): none may be left.

Each case runs at most 10 executions, 5 under --isolate (a process each), with -j2: what
is checked is every way an execution starts and ends (findings, crashes, processes,
pools), not how many there are; the built-in cases' verdicts are trama_verify's
business."""

import testlib


def main():
    a = testlib.args({"--checked": {"required": True, "help": "trama_checked"}})
    testlib.subreaper()
    names = testlib.run([a.checked, "list"]).stdout.split("\n")
    cases = [line.split()[0] for line in names if line.strip()]
    testlib.check(len(cases) > 50, "trama list gave %d cases" % len(cases))
    for mode, executions in (([], "10"), (["--isolate"], "5")):
        what = "run" + "".join(" " + m for m in mode)
        code, out, err, left = testlib.contained(
            [a.checked, "run", "--quiet", "-j2", "--max-executions", executions] + mode,
            a.work, "run" + "".join(mode))
        # 1: a case whose expected verdict needs more executions than these
        testlib.check(code in (0, 1), "%s exited %d\nstderr:\n%s" % (what, code, err[-3000:]))
        lines = [l for l in err.splitlines() if l.startswith("left:")]
        testlib.check(not lines, "%s: the CLI's process kept what it did not start with:\n%s"
                      % (what, "\n".join(lines)))
        testlib.check(not left, "%s: processes of the run outlived it: %s" % (what, left))
        ran = [line.split()[1] for line in out.splitlines() if line.startswith(("ok ", "FAIL "))]
        testlib.check(ran == cases, "%s: reported %d cases of %d" % (what, len(ran), len(cases)))
        print("%s: %d cases, nothing left (%s)" % (what, len(ran), err.strip().splitlines()[-1]))


if __name__ == "__main__":
    main()
