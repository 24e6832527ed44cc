"""test_file_cycles — scripts/file-cycles finds circles of files and only those: tiny C
files compiled with cc -c into fake CMake build trees (<build>/<dir>/CMakeFiles/<target>.dir/
src/*.c.o). A two-file circle and a three-file one are reported with their symbols (exit
1); a chain a -> b -> c is no circle (exit 0) and --layer orders it c, b, a; calls to libc,
static functions of the same name in two files, and static inline functions of a shared
header make no edge; a stale object (its source gone) is skipped. Exit 77 when cc or nm is
missing.

  python3 test_file_cycles.py --root <source tree> [--work <scratch dir>]
"""

import argparse
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import check, fail, run, script, skip  # noqa: E402

HEADER = "static inline int twice(int x) { return 2 * x; }\n"


def build_tree(work, name, files, target="trama", subdir="primitives", cache=False):
    """Compile {file: C text} into <work>/<name>/<subdir>/CMakeFiles/<target>.dir/src/."""
    src = os.path.join(work, name + "-src", subdir, "src")
    objdir = os.path.join(work, name, subdir, "CMakeFiles", target + ".dir", "src")
    os.makedirs(src, exist_ok=True)
    os.makedirs(objdir, exist_ok=True)
    with open(os.path.join(src, "shared.h"), "w") as f:
        f.write(HEADER)
    for fname, text in files.items():
        path = os.path.join(src, fname)
        with open(path, "w") as f:
            f.write(text)
        run(["cc", "-std=c11", "-O1", "-c", path, "-o", os.path.join(objdir, fname + ".o")])
    if cache:
        with open(os.path.join(work, name, "CMakeCache.txt"), "w") as f:
            f.write("CMAKE_HOME_DIRECTORY:INTERNAL=%s\n" % os.path.join(work, name + "-src"))
    return os.path.join(work, name), src


def cycles(root, build, *extra, expect=(0, 1)):
    return run(script(root, "file-cycles") + ["--build", build] + list(extra), expect=expect)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", required=True, help="the source tree")
    ap.add_argument("--work", help="scratch folder (emptied first; default: a temp dir)")
    a = ap.parse_args()
    for tool in ("cc", "nm"):
        if not shutil.which(tool):
            skip("%s not found" % tool)
    if a.work:
        shutil.rmtree(a.work, ignore_errors=True)
        os.makedirs(a.work)
        work = a.work
    else:
        work = tempfile.mkdtemp(prefix="file-cycles-")

    # 1. a.c <-> b.c: one circle, both edges with their symbols; exit 1.
    build, _ = build_tree(work, "two", {
        "a.c": '#include "shared.h"\nint b_fn(int);\nint a_fn(int x) { return x ? b_fn(x - 1) : twice(1); }\n',
        "b.c": "int a_fn(int);\nint b_fn(int x) { return a_fn(x); }\n",
    })
    # A deeper tree inside the build (like this test's own scratch folder) is not read:
    # the build's CMakeFiles/TargetDirectories.txt names the object folders.
    decoy = os.path.join(build, "deep", "x")
    build_tree(os.path.dirname(decoy), "x", {"z.c": "int a_fn(int);\nint z(void) { return a_fn(1); }\n"})
    os.makedirs(os.path.join(build, "CMakeFiles"))
    with open(os.path.join(build, "CMakeFiles", "TargetDirectories.txt"), "w") as f:
        f.write(os.path.join(build, "primitives", "CMakeFiles", "trama.dir") + "\n")
    out = cycles(a.root, build, expect=(1,)).stdout
    check("z.c" not in out, "object of another tree read (TargetDirectories.txt):\n" + out)
    check("circle 1 (2 files): a.c b.c" in out, "two-file circle not reported:\n" + out)
    check("a.c -> b.c -> a.c" in out, "circle not printed as a.c -> b.c -> a.c:\n" + out)
    check("a.c -> b.c  b_fn" in out and "b.c -> a.c  a_fn" in out,
          "edge symbols missing:\n" + out)
    check("1 circle " in out.splitlines()[-1], "summary wrong:\n" + out)

    # 2. a -> b -> c, plus libc, same-named statics, a shared static inline: no circle.
    chain = {
        "a.c": '#include <stdio.h>\n#include "shared.h"\nint b_fn(int);\n'
               "static int helper(int x) { return x + 1; }\n"
               'int a_fn(int x) { printf("%d", x); return b_fn(helper(x)) + twice(x); }\n',
        "b.c": '#include "shared.h"\nint c_fn(int);\nextern int c_data;\n'
               "static int helper(int x) { return x - 1; }\n"
               "int b_fn(int x) { return c_fn(helper(x)) + c_data + twice(x); }\n",
        "c.c": '#include <string.h>\n#include "shared.h"\nint c_data = 3;\n'
               "static int helper(int x) { return x; }\n"
               'int c_fn(int x) { return (int)strlen("abc") + helper(x) + twice(x); }\n',
    }
    build, src = build_tree(work, "chain", chain, cache=True)
    decoy = os.path.join(build, "deep", "x")  # without TargetDirectories.txt: shallowest
    build_tree(os.path.dirname(decoy), "x", {"z.c": "int a_fn(int);\nint z(void) { return a_fn(1); }\n"})
    p = cycles(a.root, build, expect=(0,))
    check("z.c" not in p.stdout + p.stderr, "deeper tree read:\n" + p.stdout + p.stderr)
    check(p.stdout.strip() == "3 files, 2 edges, no circle",
          "chain a -> b -> c: expected '3 files, 2 edges, no circle', got:\n" + p.stdout)
    out = cycles(a.root, build, "--layer", expect=(0,)).stdout
    order = [line.split()[-1] for line in out.splitlines() if line.startswith("   ")]
    check(order == ["c.c", "b.c", "a.c"], "--layer order %s, expected c.c b.c a.c:\n%s" %
          (order, out))
    layer = {line.split()[-1]: line.split()[0] for line in out.splitlines()
             if line.startswith("   ")}
    check(layer == {"c.c": "0", "b.c": "1", "a.c": "2"}, "layers wrong:\n" + out)

    # 3. A stale object (its source deleted) that would close the circle is skipped.
    objdir = os.path.join(build, "primitives", "CMakeFiles", "trama.dir", "src")
    stale = os.path.join(src, "d.c")
    with open(stale, "w") as f:
        f.write("int a_fn(int);\nint d_fn(int x) { return a_fn(x); }\n")
    run(["cc", "-std=c11", "-c", stale, "-o", os.path.join(objdir, "d.c.o")])
    with open(os.path.join(src, "c.c"), "a") as f:
        f.write("int d_fn(int);\nint c_d(int x) { return d_fn(x); }\n")
    run(["cc", "-std=c11", "-c", os.path.join(src, "c.c"), "-o", os.path.join(objdir, "c.c.o")])
    out = cycles(a.root, build, expect=(1,)).stdout  # d.c still there: c -> d -> a -> b -> c
    check("circle 1 (4 files): a.c b.c c.c d.c" in out, "four-file circle not reported:\n" + out)
    check("a.c -> b.c -> c.c -> d.c -> a.c" in out, "cycle path wrong:\n" + out)
    os.remove(stale)
    p = cycles(a.root, build, expect=(0,))
    check("stale object" in p.stderr and "no circle" in p.stdout,
          "stale d.c.o not skipped:\n%s\n%s" % (p.stdout, p.stderr))

    # 4. Two libraries (trama, trama_harness); a weak definition loses to a strong one.
    build, _ = build_tree(work, "libs", {
        "x.c": "int y_fn(void);\nint x_fn(void) { return y_fn(); }\n",
    })
    build_tree(work, "libs", {  # v.c, read before y.c, has the weak y_fn
        "v.c": "__attribute__((weak)) int y_fn(void) { return 0; }\n",
        "y.c": "int x_fn(void);\nint y_fn(void) { return x_fn(); }\n",
    }, target="trama_harness", subdir="harness")
    out = cycles(a.root, build, expect=(1,)).stdout
    check("circle 1 (2 files): x.c y.c" in out, "cross-library circle not reported:\n" + out)
    check("v.c" not in out, "weak definition took the edge:\n" + out)

    # 5. No object files: exit 2.
    empty = os.path.join(work, "empty")
    os.makedirs(empty, exist_ok=True)
    cycles(a.root, empty, expect=(2,))

    if not a.work:
        shutil.rmtree(work, ignore_errors=True)
    print("ok: file-cycles self-test")


if __name__ == "__main__":
    try:
        main()
    except subprocess.SubprocessError as e:
        fail(str(e))
