"""test_estimate — `trama run --estimate` and the progress line, from the command line.

--estimate prints one line per case and exits 0; a case pattern that matches nothing, a
strategy that explores no fixed space, or --estimate on another command is a usage error
(exit 2). The progress line is drawn on a terminal (a pseudo-terminal here) by a run that
goes on for more than a second (--time-budget makes this one last at least 1.5 s whatever
the machine's speed), and erased before the case's result; with stdout in a pipe the same
run writes no progress at all."""

import os
import pty
import re
import subprocess

import testlib

LINE = re.compile(r"^estimate: (\d+) executions \(\+-(\d+)\)  (\S+), (dfs|dpor), (\d+) probes", re.M)
LONG_RUN = ["run", "barrier_phases_3threads", "--strategy", "dfs", "--max-executions",
            "100000000", "--time-budget", "1.5"]


def on_terminal(cmd):
    """Everything cmd writes to a pseudo-terminal as its stdout, and its exit status."""
    master, slave = pty.openpty()
    p = subprocess.Popen(cmd, stdout=slave, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL)
    os.close(slave)
    out = b""
    while True:
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the last writer closed the terminal
            break
        if not chunk:
            break
        out += chunk
    os.close(master)
    return out.decode("utf-8", "replace"), p.wait()


def main():
    a = testlib.args()
    t = a.trama
    out = testlib.run([t, "run", "dining_philosophers_3threads", "lock_order_*", "--estimate"]).stdout
    lines = LINE.findall(out)
    testlib.check(len(lines) >= 2, "one estimate line per case:\n" + out)
    testlib.check(all(int(n) >= 1 for n, *_ in lines), "every case has a schedule at least:\n" + out)
    dfs = testlib.run([t, "run", "dining_philosophers_3threads", "--estimate", "--strategy", "dfs",
                       "--preemption-bound", "1"]).stdout
    testlib.check(LINE.search(dfs) and ", dfs," in dfs, dfs)

    for bad, says in ((["run", "no_such_case", "--estimate"], "no case matches"),
                      (["run", "dining_philosophers_3threads", "--estimate", "--strategy",
                        "random"], "dfs or dpor"),
                      (["verify", "--estimate"], "--estimate is an option of run")):
        p = testlib.run([t] + bad, expect=(2,))
        testlib.check(says in p.stderr, "%s: %r not in %r" % (bad, says, p.stderr))

    shown, status = on_terminal([t] + LONG_RUN)
    testlib.check(status == 0, "the long run failed (%d):\n%s" % (status, shown))
    progress = re.findall(r"\rbarrier_phases_3threads: [\d,]+ executions  [\d,]+/s  0 findings"
                          r"  ~[\d,]+ left[^\r\n]*\x1b\[K", shown)
    testlib.check(progress, "no progress line on the terminal:\n%r" % shown[-2000:])
    testlib.check(re.search(r"\r\x1b\[Kok +barrier_phases_3threads", shown),
                  "the line is not erased before the result:\n%r" % shown[-2000:])

    piped = testlib.run([t] + LONG_RUN).stdout
    testlib.check("\r" not in piped and "/s" not in piped, "progress in a pipe:\n" + piped)
    print("ok: %d estimate lines, %d progress lines" % (len(lines), len(progress)))


main()
