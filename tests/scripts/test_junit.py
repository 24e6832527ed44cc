"""test_junit — `trama run --junit` over testlib's SAMPLE is well-formed XML (xml.etree
parses it) with one <testcase classname="trama"> per case, counts that match, and a
<failure type=KIND> with the text report when a case is not as expected (a deadlock case
explored for one execution only: DFS's first schedule runs the threads one after the other,
so the deadlock is missed)."""

import json
import os
import sys
import xml.etree.ElementTree as ET

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import SAMPLE, args, check, run  # noqa: E402


def suite(path):
    root = ET.parse(path).getroot()
    check(root.tag == "testsuites", "root element %s" % root.tag)
    suites = root.findall("testsuite")
    check(len(suites) == 1, "one testsuite")
    return root, suites[0]


def main():
    a = args()
    junit, jsonl = os.path.join(a.work, "all.xml"), os.path.join(a.work, "all.jsonl")
    p = run([a.trama, "run", "--quiet", "--junit", junit, "--json", jsonl] + SAMPLE,
            expect=(0, 1))
    cases = [json.loads(l) for l in open(jsonl) if '"type":"case"' in l]
    root, s = suite(junit)
    tcs = s.findall("testcase")
    check(len(tcs) == len(cases) == int(s.get("tests")) == int(root.get("tests")),
          "%d testcases, %d cases, tests=%s" % (len(tcs), len(cases), s.get("tests")))
    failures = sum(1 for c in cases if not c["ok"])
    check(int(s.get("failures")) == failures == len(s.findall("testcase/failure")),
          "failures=%s, %d cases not ok" % (s.get("failures"), failures))
    check(p.returncode == (1 if failures else 0), "exit code %d" % p.returncode)
    for tc, c in zip(tcs, cases):
        check(tc.get("classname") == "trama" and tc.get("name") == c["case"],
              "testcase %r for %s" % (tc.attrib, c["case"]))
        check(float(tc.get("time")) >= 0, "time %s" % tc.get("time"))

    # A failing run: the deadlock case explored for one execution.
    junit1 = os.path.join(a.work, "missed.xml")
    case = "lock_order_inversion_2threads"
    p = run([a.trama, "run", case, "--strategy", "dfs", "--max-executions", "1",
             "--junit", junit1], expect=(1,))
    _, s = suite(junit1)
    check(s.get("tests") == "1" and s.get("failures") == "1", "counts %r" % s.attrib)
    f = s.find("testcase/failure")
    check(f is not None, "a failure element")
    check(f.get("type") == "deadlock", "failure type %s" % f.get("type"))
    check(f.get("message", "").startswith("expected=deadlock found="), "message %r" %
          f.get("message"))
    check("expected deadlock was not found in 1 executions" in (f.text or ""),
          "failure text:\n%s" % f.text)
    print("ok: %d testcases, %d failures; the missed deadlock fails as type=deadlock" %
          (len(tcs), failures))


if __name__ == "__main__":
    main()
