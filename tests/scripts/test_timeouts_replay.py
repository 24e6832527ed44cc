"""test_timeouts_replay — findings made with `--timeouts any` replay from their schedule alone.

Every built-in case is run with --timeouts any; each finding's schedule names the setting
("v1,timeouts=any:...") and `trama replay CASE SCHEDULE`, with no option, reproduces a
finding of its kind. (Those whose timeout lazy time would not offer, where the same
choices under "v1:" do not reproduce the finding, are counted; test_scheduler has a case
that needs the setting.) A replay given --timeouts lazy against such a schedule is a usage
error (exit 2) naming both, and `replay --continue` below it explores with the schedule's
setting and finds the same kind."""

import json
import os

import testlib


def main():
    a = testlib.args()
    t = a.trama
    report = os.path.join(a.work, "any.jsonl")
    testlib.run([t, "run", "--timeouts", "any", "--max-executions", "300", "--minimize", "0",
                 "--quiet", "-j2", "--json", report] + testlib.exclude_slow(), expect=(0, 1))
    findings = [r for r in map(json.loads, open(report)) if r.get("type") == "finding"]
    testlib.check(findings, "no finding with --timeouts any")
    needs_any = []
    for f in findings:
        s = f["schedule"]
        testlib.check(s.startswith("v1,timeouts=any:"), "%s: schedule %s" % (f["case"], s))
        out = testlib.run([t, "replay", f["case"], s]).stdout
        kind = f["kind"].upper()
        testlib.check("== trama: %s in %s" % (kind, f["case"]) in out,
                      "%s %s did not replay %s:\n%s" % (f["case"], s, kind, out))
        if "t" in s.split(":", 1)[1]:
            lazy = testlib.run([t, "replay", f["case"], "v1:" + s.split(":", 1)[1]],
                               expect=(0, 2))
            if lazy.returncode == 2 or "== trama: %s in" % kind not in lazy.stdout:
                needs_any.append(f)
    f = (needs_any or [x for x in findings if "t" in x["schedule"].split(":", 1)[1]] or
         findings)[0]
    p = testlib.run([t, "replay", f["case"], f["schedule"], "--timeouts", "lazy"], expect=(2,))
    testlib.check("the schedule says timeouts=any: replay follows it, not --timeouts lazy"
                  in p.stderr, p.stderr)
    testlib.run([t, "replay", f["case"], f["schedule"], "--timeouts", "any"])
    out = testlib.run([t, "replay", f["case"], f["schedule"], "--continue", "--strategy", "dfs",
                       "--quiet"], expect=(0, 1)).stdout
    testlib.check(f["kind"] in out, "--continue below %s:\n%s" % (f["schedule"], out))
    print("ok: %d findings with --timeouts any replayed, %d of them need the setting (%s)"
          % (len(findings), len(needs_any), ", ".join(sorted({x["case"] for x in needs_any}))))


if __name__ == "__main__":
    main()
