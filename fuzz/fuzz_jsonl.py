#!/usr/bin/env python3
"""fuzz_jsonl — the JSON Lines reader of scripts/aggregate (scripts/trama_reports.py's
read_jsonl, then aggregate's summary, HTML page, JSON summary and misuse SARIF) under random and mutated
reports. A report file is anyone's: a shard killed mid-write, another tool's output, a
newer trama's fields. The property: every input is read, its bad lines named as problems,
and the rest aggregated and rendered; no exception escapes.

Mutations, from the seed files (real `trama run --json` output): byte flips, insertions,
deletions and cut lines; lines spliced between files; and structural ones on the parsed
records (a field removed, or replaced by a value of another JSON type, at any depth).

  fuzz_jsonl.py --corpus DIR [--seconds S | --iterations N] [--seed S] [--crashes DIR]
  fuzz_jsonl.py --replay FILE|DIR...     (the regression inputs; exit 1 on any failure)

Standard library only. Exit 0, or 1 with the failing input saved in --crashes."""

import argparse
import contextlib
import hashlib
import importlib.machinery
import importlib.util
import io
import json
import os
import random
import sys
import tempfile
import time
import traceback

sys.dont_write_bytecode = True
ROOT = os.path.dirname(os.path.dirname(os.path.realpath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "scripts"))
_loader = importlib.machinery.SourceFileLoader("aggregate", os.path.join(ROOT, "scripts",
                                                                         "aggregate"))
aggregate = importlib.util.module_from_spec(importlib.util.spec_from_loader("aggregate",
                                                                            _loader))
_loader.exec_module(aggregate)
tr = aggregate.tr


def check_one(data, work):
    """Reads data as a report file the way scripts/aggregate does; raises on failure."""
    path = os.path.join(work, "report.jsonl")
    with open(path, "wb") as f:
        f.write(data)
    agg = aggregate.aggregate([path])
    with contextlib.redirect_stderr(io.StringIO()):  # its warnings name the bad lines
        aggregate.print_summary(agg, io.StringIO())
    aggregate.attach_traces(agg, None)  # the steps a record carries; nothing is replayed
    aggregate.write_html(agg, os.path.join(work, "page.html"), "fuzz")
    json.dumps(aggregate.summary_json(agg))
    json.dumps(aggregate.misuse_sarif(agg))


def random_value(rng, depth=0):
    """A JSON value of any type (containers only near the top)."""
    makers = [lambda: None, lambda: True, lambda: rng.randint(-2**40, 2**40),
              lambda: rng.random() * 1e6,
              lambda: "".join(chr(rng.randrange(1, 0x2000)) for _ in range(rng.randrange(8))),
              lambda: rng.choice(["", "v1:0.1", "deadlock", "T1", "/src/x.c", "ran"]),
              lambda: [random_value(rng, depth + 1) for _ in range(rng.randrange(3))],
              lambda: {rng.choice(["file", "line", "kind", "step", "site", "x"]):
                       random_value(rng, depth + 1) for _ in range(rng.randrange(3))},
              lambda: rng.choice([[], {}, [{}], [[]]])]
    return makers[rng.randrange(len(makers) if depth < 3 else 6)]()


def mutate_value(rng, v, depth=0):
    """v with one field, somewhere inside, removed or replaced."""
    if isinstance(v, dict) and v:
        k = rng.choice(sorted(v))
        r = rng.random()
        if r < 0.3:
            del v[k]
        elif r < 0.6 or depth > 4:
            v[k] = random_value(rng)
        else:
            v[k] = mutate_value(rng, v[k], depth + 1)
        return v
    if isinstance(v, list) and v:
        i = rng.randrange(len(v))
        v[i] = mutate_value(rng, v[i], depth + 1) if rng.random() < 0.5 else random_value(rng)
        return v
    return random_value(rng)


def mutate(rng, data, seeds):
    lines = data.split(b"\n")
    kind = rng.randrange(6)
    if kind == 0:  # structural, on one parsed record
        i = rng.randrange(len(lines))
        try:
            rec = json.loads(lines[i])
            lines[i] = json.dumps(mutate_value(rng, rec)).encode()
        except ValueError:
            pass
    elif kind == 1:  # splice lines of another seed
        other = rng.choice(seeds).split(b"\n")
        lines.insert(rng.randrange(len(lines) + 1), rng.choice(other))
    elif kind == 2:  # cut a line short
        i = rng.randrange(len(lines))
        lines[i] = lines[i][:rng.randrange(len(lines[i]) + 1)]
    out = bytearray(b"\n".join(lines))
    for _ in range(rng.randrange(4) if kind >= 3 else 0):  # bytes
        if not out:
            break
        j = rng.randrange(len(out))
        op = rng.randrange(3)
        if op == 0:
            out[j] ^= 1 << rng.randrange(8)
        elif op == 1:
            out.insert(j, rng.randrange(256))
        else:
            del out[j]
    return bytes(out)


def read_inputs(paths):
    files = []
    for p in paths:
        if os.path.isdir(p):
            files += [os.path.join(p, n) for n in sorted(os.listdir(p))
                      if os.path.isfile(os.path.join(p, n))]
        elif os.path.isfile(p):
            files.append(p)
    return files


def fail(data, crashes, e):
    digest = hashlib.sha1(data).hexdigest()[:16]
    print("fuzz_jsonl: failure:\n%s" % "".join(traceback.format_exception(
        type(e), e, e.__traceback__)), file=sys.stderr)
    if crashes:
        os.makedirs(crashes, exist_ok=True)
        path = os.path.join(crashes, "jsonl-crash-%s" % digest)
        with open(path, "wb") as f:
            f.write(data)
        print("fuzz_jsonl: input saved as %s" % path, file=sys.stderr)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--corpus", help="folder of seed reports")
    ap.add_argument("--seconds", type=float)
    ap.add_argument("--iterations", type=int)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--crashes", help="where a failing input is saved")
    ap.add_argument("--replay", nargs="+", help="run these inputs (files or folders) only")
    a = ap.parse_args()
    with tempfile.TemporaryDirectory() as work:
        if a.replay:
            files = read_inputs(a.replay)
            for path in files:
                with open(path, "rb") as f:
                    data = f.read()
                try:
                    check_one(data, work)
                except Exception as e:  # noqa: BLE001 (any escape is the finding)
                    print("fuzz_jsonl: %s" % path, file=sys.stderr)
                    fail(data, None, e)
                    return 1
            print("%d inputs ran" % len(files))
            return 0 if files else 1
        seeds = []
        for path in read_inputs([a.corpus] if a.corpus else []):
            with open(path, "rb") as f:
                seeds.append(f.read())
        if not seeds:
            ap.error("--corpus has no seed files")
        rng = random.Random(a.seed)
        deadline = time.time() + (a.seconds if a.seconds else 1e12)
        limit = a.iterations if a.iterations else (None if a.seconds else 1000)
        n, started = 0, time.time()
        while time.time() < deadline and (limit is None or n < limit):
            data = rng.choice(seeds)
            for _ in range(1 + rng.randrange(3)):
                data = mutate(rng, data, seeds)
            n += 1
            try:
                check_one(data, work)
            except Exception as e:  # noqa: BLE001
                fail(data, a.crashes, e)
                print("stat::number_of_executed_units: %d" % n)
                return 1
        took = max(time.time() - started, 1e-9)
        print("stat::number_of_executed_units: %d" % n)
        print("stat::average_exec_per_sec:     %d" % (n / took))
    return 0


if __name__ == "__main__":
    sys.exit(main())
