"""trama_reports — what scripts/aggregate, scripts/stress and scripts/tsan-crosscheck share:
reading `trama run --json` files and TRAMA_MISUSE_LOG files, the dedupe key of a finding
(kind + sites) and of a misuse (kind + site), a misuse stack's symbols, the trace table
printed by `trama replay CASE SCHEDULE --trace`, and ThreadSanitizer's reports.

Python 3 standard library only. Not a program: the scripts import it from their own folder.
"""

import json
import os
import re
import shutil
import signal
import subprocess
import sys

# Every finding kind, in the order of tr_verdict (harness.h). "pass" is not a finding.
KINDS = ["deadlock", "data_race", "lock_order", "runtime_error", "value_error", "os_error",
         "assertion", "crash", "hang", "unmodelled"]


# ---- JSON Lines --------------------------------------------------------------------------

# The fields a reader relies on, with their JSON types; records may carry others (fields
# are only ever added) and may lack any of these. A value is a type, a tuple of types, a
# one-item list [T] (a list of T), a dict (an object with those fields) or Null(shape)
# (that shape or null).


class Null:
    def __init__(self, shape):
        self.shape = shape


_SITE = {"file": (str, type(None)), "line": int}
_STEP = {"step": (int, type(None)), "thread": str, "name": str, "op": str,
         "object": (str, type(None)), "object_label": str, "site": _SITE, "preemption": bool,
         "timeout": bool, "error": bool, "blocked": bool, "state": str}
_NUMBER = (int, float)
_FRAME = {"function": (str, type(None)), "file": (str, type(None)), "line": int,
          "module": (str, type(None)), "offset": str}
_RECORD = {
    "finding": {"kind": str, "case": str, "message": str, "schedule": str, "strategy": str,
                "execution": int, "preemptions": int, "threads": [int], "sites": [_SITE], "story": str,
                "steps": [_STEP], "trace": str, "seed": int, "noise": str},
    "case": {"case": str, "expected": str, "found": [str], "executions": int,
             "complete": bool, "ok": bool, "seconds": (int, float), "strategy": str,
             "version": str, "seed": int, "outcome": str, "abandoned": int, "shard": str},
    # TRAMA_MISUSE_LOG records (docs/reports.md, "Misuse logs")
    "misuse": {"kind": str, "exception": str, "message": str, "site": Null(_SITE),
               "op": (str, type(None)),
               "object": Null({"kind": str, "id": str, "label": str}),
               "thread": {"id": int, "native_id": int, "name": (str, type(None))},
               "pid": int, "process": str, "program": str, "monotonic": _NUMBER,
               "time": _NUMBER, "repeats": int, "symbolizer": str, "stack": [_FRAME],
               "frames_dropped": int, "version": str},
    "misuse_repeats": {"kind": str, "exception": str, "message": str, "site": Null(_SITE),
                       "repeats": int, "pid": int, "monotonic": _NUMBER, "version": str},
}
RECORD_TYPES = tuple(_RECORD)


def _shape_problem(value, shape, where):
    """Why value does not have the shape, or None."""
    if isinstance(shape, Null):
        return None if value is None else _shape_problem(value, shape.shape, where)
    if isinstance(shape, dict):
        if not isinstance(value, dict):
            return "%s is not an object" % where
        for key, sub in shape.items():
            if key in value:
                p = _shape_problem(value[key], sub, "%s.%s" % (where, key))
                if p:
                    return p
        return None
    if isinstance(shape, list):
        if not isinstance(value, list):
            return "%s is not a list" % where
        for i, item in enumerate(value):
            p = _shape_problem(item, shape[0], "%s[%d]" % (where, i))
            if p:
                return p
        return None
    types = shape if isinstance(shape, tuple) else (shape,)
    # JSON true is not a number here, nor a number true
    if isinstance(value, bool) != (bool in types) or not isinstance(value, types):
        return "%s is %s" % (where, json.dumps(value)[:40])
    return None


def read_jsonl(path):
    """Records of one JSON Lines file, and the problems met (bad lines are skipped, never
    fatal: a nightly shard killed mid-write leaves a truncated last line, and a line of
    the wrong shape is not read as a record)."""
    records, problems = [], []
    with open(path, encoding="utf-8", errors="replace") as f:
        for number, line in enumerate(f, 1):
            line = line.strip()
            if not line:
                continue
            try:
                rec = json.loads(line)
            except (ValueError, RecursionError) as e:
                problems.append("%s:%d: not JSON (%s)" % (path, number, e))
                continue
            if not isinstance(rec, dict) or rec.get("type") not in RECORD_TYPES:
                problems.append("%s:%d: not a trama record" % (path, number))
                continue
            p = _shape_problem(rec, _RECORD[rec["type"]], rec["type"])
            if p:
                problems.append("%s:%d: not a trama record: %s" % (path, number, p))
                continue
            rec["_file"] = path
            records.append(rec)
    return records, problems


_root_cache = {}


def git_root(path):
    """The enclosing git work tree of a file ("/repo/"), or "" when there is none or the file
    is not on this machine."""
    d = os.path.dirname(os.path.abspath(path))
    if d in _root_cache:
        return _root_cache[d]
    root, cur = "", d
    while True:
        if os.path.exists(os.path.join(cur, ".git")):
            root = cur.rstrip("/") + "/"
            break
        parent = os.path.dirname(cur)
        if parent == cur:
            break
        cur = parent
    _root_cache[d] = root
    return root


def site_text(site, root=None):
    """"cases/x.c:15": a site's file relative to its git work tree (or to root when given),
    so the same bug found on two machines or checkouts has one key."""
    path = site.get("file") or "?"
    base = root if root is not None else (git_root(path) if path.startswith("/") else "")
    if base and path.startswith(base):
        path = path[len(base):]
    return "%s:%s" % (path, site.get("line", 0))


def finding_key(rec, root=None):
    """The dedupe key of a finding: its kind and its sorted, distinct sites (a race found
    through either access first is one bug). Same key as SARIF's partialFingerprints."""
    sites = sorted({site_text(s, root) for s in rec.get("sites") or []})
    return (rec.get("kind", "?"), tuple(sites))


def misuse_site(rec):
    """A misuse record's site, its file made absolute from the stack when it was compiled by
    a relative name (the site is __FILE__; the stack's files come from the debug info)."""
    site = rec.get("site")
    if not site or not site.get("file") or site["file"].startswith("/"):
        return site
    for f in (rec.get("stack") or [])[:1]:
        path = f.get("file") or ""
        if path.startswith("/") and path.endswith("/" + site["file"].lstrip("./")):
            return dict(site, file=path)
    return site


def misuse_key(rec, root=None):
    """The group of a misuse record: its kind and its site ("prog.c:9" relative to its git
    work tree); a misuse with no site groups by its message instead."""
    site = misuse_site(rec)
    if site:
        return (rec.get("kind", "?"), site_text(site, root))
    return (rec.get("kind", "?"), "(no site): " + str(rec.get("message", "?")))


# trama's own sources, where a misuse stack starts (the raise) and a thread begins
_TRAMA_OWN = re.compile(r"/(primitives|harness)/(src|include)/")
_THREAD_START = re.compile(r"^(start_thread|(__)?clone3?|_start|__libc_start_(call_)?main)(@.*)?$")


def trim_stack(frames):
    """frames less trama's own on top, and below the user's code the thread's start and
    what has no source (what the libdw symbolizer leaves out already; frames symbolized
    later need it too)."""
    first, end = 0, len(frames)
    own = lambda f: bool(f.get("file") and _TRAMA_OWN.search(f["file"]))  # noqa: E731
    while first < end and not own(frames[first]):  # a sanitizer's backtrace() interceptor
        first += 1
    if first == end:
        first = 0
    while first < end and own(frames[first]):
        first += 1
    while end > first and (own(frames[end - 1]) or not frames[end - 1].get("file") or
                           _THREAD_START.match(frames[end - 1].get("function") or "")):
        end -= 1
    return frames[first:end]


def symbolize_frames(frames, addr2line=None):
    """Frames with no file (a log written without libdw: module and offset only) get their
    function, file and line from `addr2line -f -e MODULE OFFSET` when the module is on this
    machine with its debug info; returns the frames (copies) and whether any was looked up."""
    tool = addr2line or shutil.which("addr2line")
    out, looked = [], False
    for f in frames:
        f = dict(f)
        module, offset = f.get("module"), f.get("offset")
        if not f.get("file") and tool and module and isinstance(offset, str) and \
                re.match(r"^0x[0-9a-fA-F]+$", offset) and os.path.isfile(module):
            try:
                p = subprocess.run([tool, "-f", "-e", module, offset], capture_output=True,
                                   text=True, timeout=10)
                lines = p.stdout.splitlines()
                if p.returncode == 0 and len(lines) >= 2 and not lines[1].startswith("??"):
                    path, _, line = lines[1].partition(":")
                    f["function"] = f.get("function") or (lines[0] if lines[0] != "??" else None)
                    f["file"] = path
                    f["line"] = int(re.match(r"\d*", line).group() or 0)
                    looked = True
            except (OSError, subprocess.SubprocessError):
                pass
        out.append(f)
    return out, looked


def schedule_length(schedule):
    """Number of choices in a "v1:..." schedule (the shorter, the easier to read)."""
    body = schedule.split(":", 1)[1] if ":" in schedule else schedule
    return len([c for c in body.split(".") if c])


# ---- the replay trace table ----------------------------------------------------------------

_ANNOTATIONS = re.compile(r"\s{2}(<- preemption|\(timed out\)|\(error\)|\(blocked\)|\(not run\))")


def parse_trace(text):
    """Steps of the table printed by `trama replay CASE SCHEDULE --trace`:
    [{"step": 1 or None (a thread still waiting at the end), "thread": "T1", "name": "a",
      "op": "lock.acquire", "object": "L1", "site": ":14", "notes": ["<- preemption"]}].
    Columns are fixed by harness/src/report_text.c (print_row): 2 spaces, the step in 4,
    2 spaces, the thread in 16, then operation, object and site separated by spaces."""
    steps, in_table = [], False
    for line in text.splitlines():
        if re.match(r"^\s+step\s+thread\s+operation\s+object\s+site\s*$", line):
            in_table = True
            continue
        if not in_table:
            continue
        if not line.strip() or len(line) < 25:
            break
        number = line[:6].strip()
        if number and not number.isdigit():
            break
        who = line[8:24].strip()
        rest = line[25:]
        notes = [m.group(1) for m in _ANNOTATIONS.finditer(rest)]
        rest = _ANNOTATIONS.sub("", rest).rstrip()
        waiting = not number  # a thread still pending at the end: "(blocked)" or "(not run)"
        if waiting and rest.startswith("waits in "):  # the format before 0.1's release
            rest = rest[len("waits in "):]
        parts = rest.split()
        if len(parts) < 2:
            break
        op, site = parts[0], parts[-1]
        obj = " ".join(parts[1:-1]) if len(parts) > 2 else ""
        tid, _, name = who.partition(" ")
        steps.append({"step": int(number) if number else None, "thread": tid, "name": name,
                      "op": op, "object": obj, "site": site, "notes": notes,
                      "waiting": waiting})
    return steps


def steps_of_record(rec):
    """The interleaving a finding record carries in its "steps" field (JSON Lines and
    SARIF properties), in parse_trace's shape; None when it has none."""
    rows = rec.get("steps")
    if not rows:
        return None
    steps = []
    for r in rows:
        site = r.get("site") or {}
        where = "%s:%s" % (site["file"], site.get("line")) if site.get("file") else "-"
        obj = r.get("object") or "-"
        if r.get("object_label"):
            obj += " " + r["object_label"]
        notes = [n for n, on in (("<- preemption", r.get("preemption")),
                                 ("(timed out)", r.get("timeout")), ("(error)", r.get("error")),
                                 ("(blocked)", r.get("state") == "blocked"),
                                 ("(not run)", r.get("state") == "not_run")) if on]
        steps.append({"step": r.get("step"), "thread": r.get("thread", "?"),
                      "name": r.get("name", ""), "op": r.get("op", "?"), "object": obj,
                      "site": where, "notes": notes, "waiting": r.get("state", "ran") != "ran"})
    return steps


def replay_trace(trama, case, schedule, timeout=60):
    """The trace text of one schedule (`trama replay ... --trace`), or raises RuntimeError."""
    p = subprocess.run([trama, "replay", case, schedule, "--trace"], capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        raise RuntimeError("trama replay %s %s: exit %d: %s" %
                           (case, schedule, p.returncode, p.stderr.strip()))
    return p.stdout


# ---- ThreadSanitizer -----------------------------------------------------------------------

# TSan's report titles ("WARNING: ThreadSanitizer: TITLE (pid=N)") to finding kinds. Kinds
# with no harness counterpart keep a TSan-only name.
TSAN_KINDS = [
    ("data race", "data_race"),
    ("lock-order-inversion", "lock_order"),
    ("unlock of an unlocked mutex", "runtime_error"),
    ("thread leak", "thread_leak"),
    ("signal-unsafe call", "signal_unsafe"),
    ("signal handler spoils errno", "signal_unsafe"),
    ("heap-use-after-free", "use_after_free"),
    ("double lock of a mutex", "double_lock"),
    ("destroy of a locked mutex", "destroy_locked_mutex"),
    ("use of an invalid mutex", "invalid_mutex"),
    ("SEGV", "crash"),
]

_FRAME = re.compile(r"^\s+#(\d+)\s+(\S+)\s+(\S+?)(?::(\d+))?(?::\d+)?\s+\(")
# Stacks of the accesses themselves (not where memory, threads or mutexes were created).
_ACCESS = re.compile(r"(?i)((previous )?(atomic )?(read|write) of size|mutex m\d+ acquired here)")
_TRAMA_SOURCES = re.compile(r"/(primitives|harness)/(src|include)/")


def tsan_kind(title):
    for prefix, kind in TSAN_KINDS:
        if title.startswith(prefix):
            return kind
    return "tsan_other"


def _stack_top(frames):
    """The first frame with a source file: (function, file, line)."""
    for func, path, line in frames:
        if path and path != "<null>" and not path.startswith("("):
            return (func, path, line)
    return frames[0] if frames else None


def parse_tsan(text):
    """ThreadSanitizer's reports in a program's stderr:
    [{"title": "data race", "kind": "data_race", "stacks": [[(func, file, line)...]...],
      "tops": [(func, file, line)...] (top frame of each stack, the accesses first),
      "internal": True when every access happened inside trama's own sources}]."""
    reports, cur, stack = [], None, None
    for line in text.splitlines():
        m = re.match(r"^WARNING: ThreadSanitizer: (.*?)(?: \(pid=\d+\))?\s*$", line)
        if not m:
            m2 = re.match(r"^(?:==\d+==)?ERROR: ThreadSanitizer: (\S+)", line)
            if m2:
                m = m2
        if m:
            cur = {"title": m.group(1), "kind": tsan_kind(m.group(1)), "stacks": [],
                   "headers": []}
            reports.append(cur)
            stack = None
            continue
        if cur is None:
            continue
        if line.startswith("SUMMARY: ThreadSanitizer") or line.startswith("=================="):
            cur, stack = None, None
            continue
        fm = _FRAME.match(line)
        if fm:
            if stack is None:
                stack = []
                cur["stacks"].append(stack)
                cur["headers"].append("")
            stack.append((fm.group(2), fm.group(3), int(fm.group(4) or 0)))
        elif line.strip():
            stack = None
            if line.startswith("  ") and not line.startswith("    "):
                cur["stacks"].append([])
                cur["headers"].append(line.strip())
                stack = cur["stacks"][-1]
    for r in reports:
        pairs = [(h, s) for h, s in zip(r["headers"], r["stacks"]) if s]
        access = [s for h, s in pairs if h == "" or _ACCESS.match(h)]
        r["tops"] = [t for t in (_stack_top(s) for s in access) if t]
        r["internal"] = bool(r["tops"]) and all(_TRAMA_SOURCES.search(t[1] or "")
                                                for t in r["tops"])
        if r["kind"] == "data_race" and r["internal"]:
            r["kind"] = "internal_race"
        del r["headers"]
    return reports


def frame_text(frame, root=None):
    func, path, line = frame
    base = root if root is not None else (git_root(path) if path.startswith("/") else "")
    if base and path.startswith(base):
        path = path[len(base):]
    return "%s %s:%d" % (func, path, line)


# ---- native runs (tests/native/run_case_native) -----------------------------------------

def build_native_runner(root, build_dir, cc):
    """Builds tests/native (every case, trama and trama_harness with -fsanitize=thread) in
    build_dir; returns the runner's path. Raises SystemExit when it cannot."""
    if not shutil.which(cc):
        raise SystemExit("trama: %s not found (TSan needs clang or gcc with "
                         "-fsanitize=thread; --cc picks another)" % cc)
    configure = ["cmake", "-S", os.path.join(root, "tests", "native"), "-B", build_dir,
                 "-DCMAKE_C_COMPILER=" + cc, "-DCMAKE_BUILD_TYPE=RelWithDebInfo"]
    build = ["cmake", "--build", build_dir, "--target", "run_case_native", "-j",
             str(os.cpu_count() or 2)]
    for cmd in (configure, build):
        p = subprocess.run(cmd, capture_output=True, text=True)
        if p.returncode:
            sys.stderr.write(p.stdout[-4000:] + p.stderr[-4000:])
            raise SystemExit("trama: build failed: %s" % " ".join(cmd))
    return os.path.join(build_dir, "run_case_native")


def run_native(runner, case, seed, noise, timeout):
    """One native run: {"seed", "outcome": ok|timeout|assertion|crash|tsan|exit N,
    "reports": parse_tsan(...), "misuse": [kind...]}."""
    env = dict(os.environ)
    env["TRAMA_NOISE"] = "%d:%s" % (seed, noise)
    env["TSAN_OPTIONS"] = ("halt_on_error=0 exitcode=66 report_signal_unsafe=1 "
                           "second_deadlock_stack=1 detect_deadlocks=1 " +
                           env.get("TSAN_OPTIONS", ""))
    p = subprocess.Popen([runner, case], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                         env=env, text=True, errors="replace", start_new_session=True)
    try:
        _, err = p.communicate(timeout=timeout)
        outcome = None
    except subprocess.TimeoutExpired:
        os.killpg(p.pid, signal.SIGKILL)
        _, err = p.communicate()
        outcome = "timeout"
    rc = p.returncode
    if outcome is None:
        if "TR_ASSERT" in err and " failed" in err:
            outcome = "assertion"
        elif rc < 0 or rc == 134:
            outcome = "crash"
        elif rc == 66:
            outcome = "tsan"
        elif rc == 0:
            outcome = "ok"
        else:
            outcome = "exit %d" % rc
    misuse = [line.split()[2] for line in err.splitlines()
              if line.startswith("trama-native: misuse ")]
    return {"seed": seed, "outcome": outcome, "rc": rc, "reports": parse_tsan(err),
            "misuse": misuse}
