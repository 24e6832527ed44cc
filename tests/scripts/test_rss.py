"""test_rss — the memory of an exploration does not grow with its executions.

A random exploration of a small case (hb_lock_2threads: two threads and a lock) with
10^6 executions must keep its largest resident set within 10 % of one with 10^4: every
execution's memory goes back to the harness's arena or pools, none accumulates. The
figure is the exploring child's, where the executions run (trama_checked prints the
largest resident set of the processes the CLI took back). 10^6 executions take about
5-10 s on the project's 2-CPU machine; measured figures are printed.

Most of that resident set is the program's and libc's pages, mapped as they are touched
and their neighbours with them (the kernel's fault-around works on aligned windows), so
with address randomisation the figure moves by +-5 % from run to run on placement alone.
The runs are made without it (personality(ADDR_NO_RANDOMIZE), as `setarch -R`), where the
figure is the same every time; where that is refused (a container's seccomp filter), each
size is run three times and the smallest figure kept."""

import ctypes
import re

import testlib

CASE = "hb_lock_2threads"
ADDR_NO_RANDOMIZE = 0x0040000


def without_randomisation():
    """Turns address randomisation off for the programs this process starts."""
    libc = ctypes.CDLL(None, use_errno=True)
    current = libc.personality(0xffffffff)
    return current != -1 and libc.personality(current | ADDR_NO_RANDOMIZE) != -1


def max_rss(a, executions):
    code, out, err, left = testlib.contained(
        [a.checked, "run", CASE, "--strategy", "random", "--seed", "1", "--max-executions",
         str(executions), "--quiet"], a.work, "rss%d" % executions)
    testlib.check(code == 0 and not left, "%d executions: exit %d, left %s\n%s%s"
                  % (executions, code, left, out[-2000:], err[-2000:]))
    testlib.check("executions=%d " % executions in out,
                  "%d executions: the run says\n%s" % (executions, out))
    m = re.search(r"^children's max RSS: (\d+) KB$", err, re.M)
    testlib.check(m, "no RSS figure on stderr:\n" + err)
    return int(m.group(1))


def main():
    a = testlib.args({"--checked": {"required": True, "help": "trama_checked"}})
    runs = 1 if without_randomisation() else 3
    small = min(max_rss(a, 10**4) for _ in range(runs))
    large = min(max_rss(a, 10**6) for _ in range(runs))
    print("max RSS: %d KB after 10^4 executions, %d KB after 10^6 (%s)" %
          (small, large, "no address randomisation" if runs == 1 else "smallest of 3 runs"))
    testlib.check(large <= small * 1.10,
                  "10^6 executions took %d KB, more than 10 %% over 10^4's %d KB"
                  % (large, small))


if __name__ == "__main__":
    main()
