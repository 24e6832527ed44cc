"""test_sarif — `trama run --sarif` over testlib's SAMPLE of cases is valid SARIF 2.1.0
(against the vendored schema tests/scripts/sarif-schema-2.1.0.subset.json, with
python3-jsonschema when it is importable and always with schema_lite; the subset is
written from the SARIF 2.1.0 specification, as Debian packages no copy of the official
schema: with TRAMA_SARIF_SCHEMA=path/to/sarif-schema-2.1.0.json the log is validated
against that file too), and says what trama means: a rule per kind, one result per JSON
Lines finding (every kind the sample has), relative URIs, fingerprints, schedules that
replay."""

import json
import os
import sys

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import HERE, SAMPLE, args, check, fail, run  # noqa: E402
import schema_lite  # noqa: E402

KINDS = ["deadlock", "data_race", "lock_order", "runtime_error", "value_error", "os_error",
         "assertion", "crash", "hang", "unmodelled"]


def validate(schema, doc):
    """Errors from every validator available; prints which ones ran."""
    problems = schema_lite.errors(schema, doc)
    used = ["schema_lite"]
    try:
        import jsonschema
    except ImportError:
        jsonschema = None
    if jsonschema is not None:
        v = jsonschema.Draft7Validator(schema)
        problems += ["jsonschema: %s at %s" % (e.message, list(e.absolute_path))
                     for e in v.iter_errors(doc)]
        used.append("jsonschema")
    return problems, used


def main():
    a = args()
    sarif = os.path.join(a.work, "r.sarif")
    jsonl = os.path.join(a.work, "r.jsonl")
    run([a.trama, "run", "--quiet", "--sarif", sarif, "--json", jsonl] + SAMPLE, expect=(0, 1))
    with open(os.path.join(HERE, "sarif-schema-2.1.0.subset.json")) as f:
        schema = json.load(f)
    with open(sarif) as f:
        doc = json.load(f)
    problems, used = validate(schema, doc)
    print("validated with: %s" % ", ".join(used))
    check(not problems, "SARIF is not valid:\n  " + "\n  ".join(problems[:20]))
    official = os.environ.get("TRAMA_SARIF_SCHEMA")
    if official:
        import jsonschema  # the official schema needs the real validator (draft-04)
        with open(official) as f:
            v = jsonschema.Draft4Validator(json.load(f))
        errors = ["%s at %s" % (e.message, list(e.absolute_path)) for e in v.iter_errors(doc)]
        print("validated against %s: %d errors" % (official, len(errors)))
        check(not errors, "SARIF is not valid against %s:\n  %s" % (official, "\n  ".join(errors[:20])))

    # The validators must be able to say no (a check that cannot fail checks nothing).
    broken = json.loads(json.dumps(doc))
    broken["runs"][0]["tool"]["driver"]["rules"][0]["defaultConfiguration"]["level"] = "fatal"
    broken["runs"][0]["results"].append({"ruleId": "deadlock"})
    broken["runs"][0]["results"].append({"message": {"text": "x"}, "locations": [
        {"physicalLocation": {"artifactLocation": {"uri": "a.c"}, "region": {"startLine": 0}}}]})
    bad, _ = validate(schema, broken)
    check(len(bad) >= 3, "a broken log validated: %s" % bad)

    run_ = doc["runs"]
    check(len(run_) == 1, "one run, not %d" % len(run_))
    driver = run_[0]["tool"]["driver"]
    check(driver["name"] == "trama" and driver.get("version"), "driver %r" % driver)
    check([r["id"] for r in driver["rules"]] == KINDS, "one rule per kind, in order: %s" %
          [r["id"] for r in driver["rules"]])

    findings = [json.loads(l) for l in open(jsonl) if '"type":"finding"' in l]
    results = run_[0]["results"]
    check(len(results) == len(findings), "%d results for %d JSON Lines findings" %
          (len(results), len(findings)))
    check(results, "the built-in cases have findings; no result was written")
    shown = {r["ruleId"] for r in results}
    check(shown >= set(KINDS), "the sample's kinds have results; missing: %s"
          % sorted(set(KINDS) - shown))
    for res, f in zip(results, findings):
        check(res["ruleId"] == f["kind"], "ruleId %s for kind %s" % (res["ruleId"], f["kind"]))
        check(driver["rules"][res["ruleIndex"]]["id"] == res["ruleId"], "ruleIndex mismatch")
        check(res["level"] in ("error", "warning"), "level %s" % res["level"])
        p = res["properties"]
        check(p["schedule"] == f["schedule"] and p["case"] == f["case"], "properties %r" % p)
        check(isinstance(p["expected"], bool), "expected is a boolean")
        case_expected = [json.loads(l) for l in open(jsonl)
                         if '"type":"case"' in l and json.loads(l)["case"] == f["case"]][0]
        check(p["expected"] == (case_expected["expected"] == f["kind"]),
              "expected=%s for %s in a case expecting %s" % (p["expected"], f["kind"],
                                                            case_expected["expected"]))
        check(("replay %s %s --trace" % (f["case"], f["schedule"])) in res["message"]["text"],
              "message has the replay command: %r" % res["message"]["text"])
        check(res["partialFingerprints"]["trama/v1"].startswith(f["kind"] + "|"),
              "fingerprint %r" % res["partialFingerprints"])
        for loc in res["locations"]:
            art = loc["physicalLocation"]["artifactLocation"]
            check(art.get("uriBaseId") == "SRCROOT" and not art["uri"].startswith("/"),
                  "relative location: %r" % art)
            path = os.path.join(a.root, art["uri"])
            check(os.path.exists(path), "location %s exists in the source tree" % art["uri"])
        # the schedule in the properties replays the finding
        out = run([a.trama, "replay", f["case"], p["schedule"]]).stdout
        check(f["kind"].upper() in out, "replaying %s shows %s:\n%s" % (p["schedule"],
                                                                      f["kind"], out))
    base = run_[0]["originalUriBaseIds"]["SRCROOT"]["uri"]
    check(base.startswith("file:///") and base.endswith("/"), "SRCROOT %s" % base)
    print("ok: %d results, %d rules" % (len(results), len(driver["rules"])))


if __name__ == "__main__":
    main()
