"""test_soak — scripts/soak on tiny ctest folders (CTestTestfile.cmake files written here,
no build): every run happens after a failure, the summary names each failed test with its
run number and verdict, the two suites' runs alternate, the time budget stops new runs,
the exit status says whether anything failed, and the busy loops it started are gone when
it returns."""

import os
import re
import signal
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import args, check, run  # noqa: E402

# "flaky" fails in its odd runs (a counter file), "steady" always passes, "hangs" sleeps
# past its timeout only when HANG is in its folder: run numbers and verdicts are known.
TESTFILE = """\
add_test(steady "sh" "-c" "exit 0")
add_test(flaky "sh" "-c" "n=$(cat count 2>/dev/null || echo 0); n=$((n+1)); echo $n >count; \
test $((n % 2)) -eq 0")
add_test(hangs "sh" "-c" "test ! -e HANG || sleep 30")
set_tests_properties(hangs PROPERTIES TIMEOUT 1)
"""


def alive(pid):
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def main():
    a = args()
    suite = os.path.join(a.work, "suite")
    os.makedirs(suite)
    with open(os.path.join(suite, "CTestTestfile.cmake"), "w") as f:
        f.write(TESTFILE)
    soak = ["bash", os.path.join(a.root, "scripts", "soak")]
    base = soak + ["--no-build", "--build-dir", suite, "--out", os.path.join(a.work, "out")]

    p = run(soak + ["--help"])
    check("scripts/soak [N]" in p.stdout, "usage: %r" % p.stdout)
    run(soak + ["--bogus"], expect=(2,))

    run(soak + ["0"], expect=(2,))

    p = run(base + ["2", "--no-load", "-R", "^steady$"])
    check("every run passed" in p.stdout, "a passing soak: %r" % p.stdout)

    tsan = os.path.join(a.work, "tsan")
    os.makedirs(tsan)
    with open(os.path.join(tsan, "CTestTestfile.cmake"), "w") as f:
        f.write('add_test(test_steady "sh" "-c" "exit 0")\nadd_test(other "sh" "-c" "exit 1")\n')
    p = run(base + ["2", "--no-load", "-R", "^steady$", "--tsan", "1", "--tsan-dir", tsan,
                    "--asan", "2", "--asan-dir", tsan])
    order = re.findall(r"soak: (\w+ run \d+):", p.stdout)
    check(order == ["native run 1", "tsan run 1", "asan run 1", "native run 2", "asan run 2"],
          "order: %r" % order)
    p = run(base + ["0", "--no-load", "--tsan", "1", "--tsan-dir", tsan])
    check("0 tests failed out of 1 " in p.stdout and "every run passed" in p.stdout,
          "under TSan only ^(test|tsan)_ by default: %r" % p.stdout)
    p = run(base + ["0", "--no-load", "--asan", "1", "--asan-dir", tsan])
    check("0 tests failed out of 1 " in p.stdout and "every run passed" in p.stdout,
          "under ASan only ^(test_.*|trama_verify)$ by default: %r" % p.stdout)

    open(os.path.join(suite, "HANG"), "w").close()
    p = run(base + ["3", "--load", "2"], expect=(1,))
    failed = re.findall(r"FAILED\s+(\w+)\s+run (\d+)\s+(\w+)\s+(\w+)", p.stdout)
    check(sorted(failed) == [("native", "1", "flaky", "Failed"),
                             ("native", "1", "hangs", "Timeout"),
                             ("native", "2", "hangs", "Timeout"),
                             ("native", "3", "flaky", "Failed"),
                             ("native", "3", "hangs", "Timeout")],
          "failures: %r\n%s" % (failed, p.stdout))
    check(re.search(r"native\s+hangs\s+failed in 3 of 3 runs", p.stdout) and
          re.search(r"native\s+flaky\s+failed in 2 of 3 runs", p.stdout),
          "counts per test: %r" % p.stdout)
    for i in (1, 2, 3):
        for ext in ("log", "xml"):
            path = os.path.join(a.work, "out", "native-%d.%s" % (i, ext))
            check(os.path.exists(path), "%s kept" % path)

    m = re.search(r"2 busy loops on \d+ cores \(pids ([0-9 ]+)\)", p.stdout)
    check(m, "the busy loops it started: %r" % p.stdout)
    left = [pid for pid in map(int, m.group(1).split()) if alive(pid)]
    for pid in left:  # a failing soak must not leave this test's machine busy
        os.kill(pid, signal.SIGKILL)
    check(not left, "busy loops still running: %r" % left)

    p = run(base + ["3", "--no-load", "--time-budget", "1"], expect=(1,))
    check("time budget (1 s) is spent" in p.stdout and "1 runs (1 native of 3" in p.stdout,
          "a run of 1 s or more spends a budget of 1 s: %r" % p.stdout)
    print("ok")


if __name__ == "__main__":
    main()
