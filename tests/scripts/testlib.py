"""testlib — what the tests in tests/scripts share: their arguments, running a program,
failing with a message, skipping (exit 77: ctest's SKIP_RETURN_CODE)."""

import argparse
import os
import shutil
import subprocess
import sys

sys.dont_write_bytecode = True
HERE = os.path.dirname(os.path.realpath(__file__))
SKIP = 77


# The tests of the reports and of the scripts run these cases, not every built-in one
# (trama_verify and the memcheck runs explore them all): a case of each kind of finding,
# a correct one, a thread pool, processes, a timed wait, a queue. Each is searched in
# well under a second.
SAMPLE = [
    "counter_under_lock_2threads",             # pass
    "lock_order_inversion_2threads",           # deadlock
    "hb_lock_missing_2threads",                # data_race
    "lock_order_rlock_lock_gated_2threads",    # lock_order
    "condition_notify_without_lock_2threads",  # runtime_error
    "bounded_semaphore_double_release_2threads",  # value_error
    "process_send_on_receive_end",             # os_error, between processes
    "counter_unlocked_increment_2threads",     # assertion
    "process_crash_in_one_order",              # crash of a child process
    "spin_wait_flag_never_set_2threads",       # hang
    "hb_future_result_missing_1worker",        # a thread pool
    "timed_acquire_forever_2threads",          # a timed wait
    "queue_one_sentinel_2consumers",           # a queue
    "process_terminate_ignored_unmodelled",    # unmodelled
]

# Where a test runs every case, these are left out: each execution forks a process per
# pool worker, and their searches take minutes.
SLOW = ["ppool_*"]


def exclude_slow():
    return [arg for glob in SLOW for arg in ("--exclude", glob)]


def args(extra=None):
    ap = argparse.ArgumentParser()
    ap.add_argument("--trama", required=True)
    ap.add_argument("--work", required=True, help="scratch folder (emptied first)")
    ap.add_argument("--root", required=True, help="the source tree")
    for name, kw in (extra or {}).items():
        ap.add_argument(name, **kw)
    a = ap.parse_args()
    shutil.rmtree(a.work, ignore_errors=True)
    os.makedirs(a.work)
    sys.path.insert(0, os.path.join(a.root, "scripts"))
    return a


def run(cmd, expect=(0,), **kw):
    p = subprocess.run(cmd, capture_output=True, text=True, **kw)
    if p.returncode not in expect:
        fail("%s exited %d (expected %s)\nstdout:\n%s\nstderr:\n%s" %
             (" ".join(cmd), p.returncode, expect, p.stdout[-3000:], p.stderr[-3000:]))
    return p


def fail(msg):
    print("FAIL: " + msg)
    sys.exit(1)


def check(cond, msg):
    if not cond:
        fail(msg)


def skip(msg):
    print("SKIP: " + msg)
    sys.exit(SKIP)


def script(root, name):
    """Command line running scripts/NAME with this interpreter."""
    return [sys.executable, os.path.join(root, "scripts", name)]


# ---- processes a run leaves behind ------------------------------------------------------

def subreaper():
    """Makes this process the child subreaper of everything it starts (Linux's
    PR_SET_CHILD_SUBREAPER): an orphan anywhere below it comes back to it instead of init,
    whatever session or group it moved to, so contained() finds it."""
    import ctypes
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(36, 1, 0, 0, 0) != 0:  # PR_SET_CHILD_SUBREAPER
        skip("prctl(PR_SET_CHILD_SUBREAPER) failed: errno %d" % ctypes.get_errno())


def _processes():
    """(pid, state, ppid, sid, comm) of every process in /proc."""
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        try:
            with open("/proc/%s/stat" % name) as f:
                stat = f.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        yield int(name), fields[0], int(fields[1]), int(fields[3]), comm


def contained(cmd, work, name, deadline=600):
    """Runs cmd in a session of its own, its stdout and stderr in files (a process it left
    holding them open cannot keep this waiting), and waits for it. Returns (returncode,
    stdout, stderr, left): left lists, as "pid (comm) state", every process of the run
    still there after it ended: one in its session, or one that came back to this
    process (after subreaper()), running or a zombie. Those are then killed and reaped,
    so that the next run starts clean. The deadline only catches a hang."""
    out, err = (os.path.join(work, name + ext) for ext in (".out", ".err"))
    with open(out, "w") as o, open(err, "w") as e:
        p = subprocess.Popen(cmd, stdout=o, stderr=e, start_new_session=True)
        try:
            p.wait(timeout=deadline)
        except subprocess.TimeoutExpired:
            os.killpg(p.pid, 9)
            p.wait()
            fail("%s did not end within %d s" % (" ".join(cmd), deadline))
    me = os.getpid()
    left = [(pid, "%d (%s) %s" % (pid, comm, state)) for pid, state, ppid, sid, comm
            in _processes() if pid != me and (sid == p.pid or ppid == me)]
    for pid, _ in left:
        try:
            os.kill(pid, 9)
        except OSError:
            pass
    while True:
        try:
            if os.waitpid(-1, 0)[0] == 0:
                break
        except ChildProcessError:
            break
    with open(out) as o, open(err) as e:
        return p.returncode, o.read(), e.read(), [text for _, text in left]
