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
