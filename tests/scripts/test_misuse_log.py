"""test_misuse_log — TRAMA_MISUSE_LOG from a native program, and scripts/aggregate over it.

misuse_demo misuses from 4 threads in each of 2 processes at once, at 12 sites, into one
log file. Every line must be one whole record of the documented schema (none interleaved),
and each process's records must account for every misuse it made (records plus their
"repeats", plus the "misuse_repeats" records written at its end): none lost. The stack names
the demo's own functions. A harness run with TRAMA_MISUSE_LOG set writes nothing.

scripts/aggregate then reads the log beside a harness report: one group per site with its
count, processes, threads, files and first/last seen and a representative stack; a misuse
at a site the harness also found links that finding's replay line; --sarif is valid SARIF
(the vendored subset schema) with the harness's fingerprint for the same site; a log written
without libdw (module and offset only) is symbolized with addr2line. With --screenshot,
headless Chromium renders the page and its misuse section must show (exit 77 without
Chromium)."""

import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import HERE, args, check, fail, run, script, skip  # noqa: E402
import schema_lite  # noqa: E402
from test_aggregate import png_pixels  # noqa: E402

THREADS, ROUNDS, SITES = 4, 50, 12

# The record's fields and their JSON types (docs/reports.md, "Misuse logs").
NULLABLE_STR = (str, type(None))
MISUSE_FIELDS = {"type": str, "version": str, "kind": str, "exception": str, "message": str,
                 "site": dict, "op": str, "object": dict, "thread": dict, "pid": int,
                 "process": str, "program": str, "monotonic": float, "time": float,
                 "symbolizer": str, "stack": list}
FRAME_FIELDS = {"function": NULLABLE_STR, "file": NULLABLE_STR, "line": int,
                "module": NULLABLE_STR, "offset": str}


def read_log(path):
    records = []
    with open(path, encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            check(line.endswith("\n"), "line %d is not a whole line: %r" % (n, line[:80]))
            try:
                rec = json.loads(line)
            except ValueError as e:
                fail("line %d is not one JSON record (%s): %r" % (n, e, line[:200]))
            check(rec.get("type") in ("misuse", "misuse_repeats"), "line %d: %r" % (n, rec))
            records.append(rec)
    return records


def check_record(rec):
    for field, kind in MISUSE_FIELDS.items():
        check(isinstance(rec.get(field), kind), "%s is %r in %r" % (field, rec.get(field), rec))
    check(rec["kind"] in ("runtime_error", "value_error"), rec["kind"])
    check(set(rec["site"]) == {"file", "line"} and rec["site"]["line"] > 0, rec["site"])
    check(rec["object"]["id"][0] in "LSC" and rec["object"]["id"][1:].isdigit(), rec["object"])
    check(isinstance(rec["thread"]["id"], int) and isinstance(rec["thread"]["native_id"], int)
          and isinstance(rec["thread"]["name"], str), rec["thread"])
    for f in rec["stack"]:
        for field, kind in FRAME_FIELDS.items():
            check(isinstance(f.get(field), kind), "frame %s is %r" % (field, f.get(field)))
    names = [f["function"] for f in rec["stack"]]
    if rec["symbolizer"] == "libdw":
        check(names[:2] == ["misuse_at", "worker_main"],
              "the stack names the demo's functions first: %r" % names)
    else:
        check(rec["symbolizer"] == "backtrace" and all(f["module"] for f in rec["stack"]),
              "a backtrace stack gives modules: %r" % rec["stack"])


def demo_log(a):
    log = os.path.join(a.work, "m.jsonl")
    env = dict(os.environ, TRAMA_MISUSE_LOG=log)
    env.pop("TRAMA_MISUSE_LOG_MAX", None)
    p = run([a.demo, str(THREADS), str(ROUNDS)], env=env, timeout=300)
    made = {}
    for line in p.stdout.splitlines():
        _, pid, _, n, _ = line.split()
        made[int(pid)] = int(n)
    check(len(made) == 2, "two processes report: %r" % p.stdout)
    check(not p.stderr, "nothing on stderr: %r" % p.stderr[-500:])
    records = read_log(log)
    accounted, processes, threads = {}, {}, {}
    for rec in records:
        pid = rec["pid"]
        if rec["type"] == "misuse":
            check_record(rec)
            accounted[pid] = accounted.get(pid, 0) + 1 + rec.get("repeats", 0)
            processes[pid] = rec["process"]
            threads.setdefault(pid, set()).add(rec["thread"]["id"])
        else:
            accounted[pid] = accounted.get(pid, 0) + rec["repeats"]
    check(accounted == made, "every misuse accounted for: log %r, made %r" % (accounted, made))
    check(sorted(processes.values()) == ["MainProcess", "demo-child"], processes)
    # Which threads' misuses get written depends on the schedule: the rate limit writes a
    # site's first ten, and one thread may make them all before another runs (a run at
    # load 6 wrote three of four). Every misuse is accounted for above, whoever made it.
    check(all(1 <= len(t) <= THREADS for t in threads.values()), "threads per process %r" % threads)
    print("log: %d records for %d misuses in 2 processes" % (len(records), sum(made.values())))
    return log, records


def harness_is_silent(a):
    """Under the harness misuse is a finding: the log is neither written nor printed."""
    log = os.path.join(a.work, "harness-misuse.jsonl")
    for value in (log, "1"):
        env = dict(os.environ, TRAMA_MISUSE_LOG=value)
        p = run([a.trama, "run", "--quiet", "bounded_semaphore_double_release_2threads"],
                env=env)
        check("trama: ValueError" not in p.stderr, "no text under the harness: %r" % p.stderr)
    check(not os.path.exists(log) or os.path.getsize(log) == 0, "no records under the harness")


def linked_record(finding, template):
    """A misuse record at the site of a harness finding (as a program built from the same
    source would write it)."""
    rec = json.loads(json.dumps(template))
    rec.update(kind=finding["kind"], message=finding["message"].split(": ", 1)[-1],
               exception=finding["message"].split(":", 1)[0], site=finding["sites"][0])
    rec.pop("repeats", None)
    return rec


def aggregate_checks(a, log, records):
    h_json, h_sarif = os.path.join(a.work, "h.jsonl"), os.path.join(a.work, "h.sarif")
    run([a.trama, "run", "--quiet", "bounded_semaphore_double_release_2threads",
         "--json", h_json, "--sarif", h_sarif])
    finding = next(json.loads(l) for l in open(h_json) if '"type":"finding"' in l)
    extra = os.path.join(a.work, "linked.jsonl")
    template = next(r for r in records if r["type"] == "misuse")
    with open(extra, "w") as f:
        f.write(json.dumps(linked_record(finding, template)) + "\n")
    summary, page = os.path.join(a.work, "summary.json"), os.path.join(a.work, "page.html")
    sarif = os.path.join(a.work, "misuse.sarif")
    p = run(script(a.root, "aggregate") + [log, h_json, extra, "--json", summary, "--html", page,
                                           "--sarif", sarif])
    s = json.load(open(summary))
    groups = s["misuse"]
    check(len(groups) == SITES + 1, "%d sites + 1 linked, not %d" % (SITES, len(groups)))
    for g in groups:
        if g["findings"]:
            continue
        check(g["count"] == 2 * THREADS * ROUNDS, "%s: count %d" % (g["site"], g["count"]))
        # threads: those among its written records (the rate limit leaves some out)
        check(g["processes"] == 2 and 2 <= g["threads"] <= 2 * THREADS and g["files"] == 1,
              "%s: processes, threads, files %r" % (g["site"], (g["processes"], g["threads"],
                                                                g["files"])))
        check(g["first_seen"] <= g["last_seen"], "first <= last")
        check(g["site"].startswith("tests/scripts/misuse_demo.c:"), g["site"])
        if g["stack"] and template["symbolizer"] == "libdw":
            check(g["stack"][0]["function"] == "misuse_at", g["stack"])
    linked = [g for g in groups if g["findings"]]
    check(len(linked) == 1, "one group linked to the harness: %r" % linked)
    replay = "trama replay %s %s --trace" % (finding["case"], finding["schedule"])
    check(linked[0]["findings"][0]["replay"] == replay, linked[0]["findings"])
    check("also finding #1: " + replay in p.stdout, p.stdout)
    check("%d misuse sites from" % (SITES + 1) in p.stdout, p.stdout)

    doc = json.load(open(sarif))
    with open(os.path.join(HERE, "sarif-schema-2.1.0.subset.json")) as f:
        problems = schema_lite.errors(json.load(f), doc)
    check(not problems, "misuse SARIF is not valid:\n  " + "\n  ".join(problems[:20]))
    results = doc["runs"][0]["results"]
    check(len(results) == SITES + 1, "one result per group")
    for r in results:
        loc = r["locations"][0]["physicalLocation"]
        check(loc["artifactLocation"].get("uriBaseId") == "SRCROOT" and
              loc["region"]["startLine"] > 0, "a result on its line: %r" % loc)
    harness_print = json.load(open(h_sarif))["runs"][0]["results"][0]["partialFingerprints"]
    prints = [r["partialFingerprints"]["trama/v1"] for r in results]
    check(harness_print["trama/v1"] in prints, "the linked group has the harness's fingerprint "
          "%r: %r" % (harness_print, prints))

    html = open(page).read()
    check('id="misuse"' in html and html.count('class="misuse"') == SITES + 1, "misuse cards")
    check(html.count('class="link"') == 1 and replay in html, "the link to the replay line")
    check("<script" not in html and "http://" not in html, "the page is standalone")
    return page


def addr2line_fallback(a, records):
    """A log written without libdw: frames with module and offset only."""
    if not shutil.which("addr2line"):
        print("addr2line not installed: the fallback's symbolizing is not checked")
        return
    rec = next(r for r in records if r["type"] == "misuse" and r["symbolizer"] == "libdw")
    bare = dict(rec, symbolizer="backtrace",
                stack=[dict(f, function=None, file=None, line=0) for f in rec["stack"]])
    path = os.path.join(a.work, "bare.jsonl")
    with open(path, "w") as f:
        f.write(json.dumps(bare) + "\n")
    summary = os.path.join(a.work, "bare.json")
    run(script(a.root, "aggregate") + [path, "--json", summary])
    stack = json.load(open(summary))["misuse"][0]["stack"]
    check([f["function"] for f in stack][:2] == ["misuse_at", "worker_main"] and
          stack[0]["file"].endswith("misuse_demo.c"), "addr2line symbolized: %r" % stack)


def screenshot(a, page):
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if not browser:
        skip("chromium is not installed")
    png = os.path.join(a.work, "misuse.png")
    profile = tempfile.mkdtemp(prefix="trama-chromium-")
    try:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                        "--screenshot=" + png, "--window-size=1200,2400", "file://" + page],
                       capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    check(os.path.exists(png), "no screenshot at %s" % png)
    width, height, rows, bpp = png_pixels(png)
    # the misuse cards' left border (#0f6e6a, 6 px wide), a colour nothing else uses
    border = 0
    for y in range(0, height, 2):
        row = rows[y]
        for x in range(0, width * bpp, bpp):
            if tuple(row[x:x + 3]) == (0x0f, 0x6e, 0x6a):
                border += 1
    print("screenshot %s: %d pixels of the misuse cards' border" % (png, border))
    check(border > 1000, "the misuse section does not show in the page")


def main():
    a = args({"--demo": {"required": True}, "--screenshot": {"action": "store_true"}})
    log, records = demo_log(a)
    harness_is_silent(a)
    page = aggregate_checks(a, log, records)
    addr2line_fallback(a, records)
    if a.screenshot:
        screenshot(a, page)
    print("ok")


if __name__ == "__main__":
    main()
