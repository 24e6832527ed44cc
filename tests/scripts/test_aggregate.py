"""test_aggregate — scripts/aggregate over two real shards (`trama run --json` of testlib's
SAMPLE with the dpor and random strategies): distinct findings and their counts match a
count made here from the files, the shortest schedule is kept, every case has two reports;
the HTML page has one section and one timeline per finding. With --screenshot, headless
Chromium renders the page and the PNG must exist and not be blank (skipped, exit 77, when
Chromium is not installed)."""

import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

sys.dont_write_bytecode = True
sys.path.insert(0, os.path.dirname(os.path.realpath(__file__)))
from testlib import SAMPLE, args, check, fail, run, script, skip  # noqa: E402


def expected_counts(files, root):
    """{(kind, sites): [count, {files}, shortest schedule]} computed without the script."""
    out = {}
    for path in files:
        for line in open(path):
            rec = json.loads(line)
            if rec["type"] != "finding":
                continue
            sites = tuple(sorted({"%s:%d" % (os.path.relpath(s["file"], root), s["line"])
                                  for s in rec["sites"]}))
            e = out.setdefault((rec["kind"], sites), [0, set(), None])
            e[0] += 1
            e[1].add(path)
            n = len(rec["schedule"].split(":", 1)[1].split("."))
            if e[2] is None or (n, rec["schedule"]) < (len(e[2].split(":", 1)[1].split(".")), e[2]):
                e[2] = rec["schedule"]
    return out


def png_pixels(path):
    """(width, height, rows of bytes, bytes per pixel) of an 8-bit RGB/RGBA PNG."""
    data = open(path, "rb").read()
    check(data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG")
    pos, idat, ihdr = 8, b"", None
    while pos < len(data):
        length, ctype = struct.unpack(">I4s", data[pos:pos + 8])
        chunk = data[pos + 8:pos + 8 + length]
        if ctype == b"IHDR":
            ihdr = struct.unpack(">IIBBBBB", chunk)
        elif ctype == b"IDAT":
            idat += chunk
        pos += 12 + length
    width, height, depth, color, _, _, interlace = ihdr
    check(depth == 8 and color in (2, 6) and interlace == 0, "PNG kind %r" % (ihdr,))
    bpp = 3 if color == 2 else 4
    raw, stride, rows, prev = zlib.decompress(idat), width * bpp, [], bytearray(width * bpp)
    for y in range(height):
        f = raw[y * (stride + 1)]
        line = bytearray(raw[y * (stride + 1) + 1:(y + 1) * (stride + 1)])
        for i in range(stride):
            a = line[i - bpp] if i >= bpp else 0
            b = prev[i]
            c = prev[i - bpp] if i >= bpp else 0
            if f == 1:
                line[i] = (line[i] + a) & 255
            elif f == 2:
                line[i] = (line[i] + b) & 255
            elif f == 3:
                line[i] = (line[i] + ((a + b) >> 1)) & 255
            elif f == 4:
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        rows.append(line)
        prev = line
    return width, height, rows, bpp


def screenshot(a, page):
    browser = next((shutil.which(b) for b in ("chromium", "chromium-browser", "google-chrome")
                    if shutil.which(b)), None)
    if not browser:
        skip("chromium is not installed")
    png = os.path.join(a.work, "page.png")
    profile = tempfile.mkdtemp(prefix="trama-chromium-")
    try:
        subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu",
                        "--disable-background-networking", "--disable-component-update",
                        "--disable-sync", "--no-first-run", "--user-data-dir=" + profile,
                        "--screenshot=" + png, "--window-size=1200,900", "file://" + page],
                       capture_output=True, timeout=180)
    finally:
        shutil.rmtree(profile, ignore_errors=True)
    check(os.path.exists(png) and os.path.getsize(png) > 5000, "no screenshot at %s" % png)
    width, height, rows, bpp = png_pixels(png)
    check((width, height) == (1200, 900), "screenshot is %dx%d" % (width, height))
    colors, background, total = set(), 0, 0
    corner = bytes(rows[0][:3])
    for y in range(0, height, 3):
        row = rows[y]
        for x in range(0, width * bpp, bpp * 3):
            px = bytes(row[x:x + 3])
            colors.add(px)
            background += px == corner
            total += 1
    ink = 1 - background / total
    print("screenshot %s: %d colours sampled, %.1f%% not background" % (png, len(colors), ink * 100))
    check(len(colors) > 20, "the page looks blank: %d colours" % len(colors))
    check(ink > 0.05, "the page looks blank: %.1f%% ink" % (ink * 100))


def main():
    a = args({"--screenshot": {"action": "store_true"}})
    shards = os.path.join(a.work, "shards")
    os.makedirs(shards)
    files = [os.path.join(shards, "dpor.jsonl"), os.path.join(shards, "random.jsonl")]
    run([a.trama, "run", "--quiet", "--json", files[0]] + SAMPLE, expect=(0, 1))
    run([a.trama, "run", "--quiet", "--strategy", "random", "--seed", "7", "--max-executions",
         "100", "--json", files[1]] + SAMPLE, expect=(0, 1))
    summary, page = os.path.join(a.work, "summary.json"), os.path.join(a.work, "findings.html")
    p = run(script(a.root, "aggregate") + [shards, "--trama", a.trama, "--json", summary,
                                           "--html", page])
    s = json.load(open(summary))
    want = expected_counts(files, a.root)
    check(s["files"] == 2, "2 files read, not %d" % s["files"])
    got = {(f["kind"], tuple(f["sites"])): f for f in s["findings"]}
    check(set(got) == set(want), "distinct findings\n got %s\nwant %s" % (sorted(got),
                                                                          sorted(want)))
    check(want, "the built-in cases have findings")
    for key, (count, in_files, shortest) in want.items():
        f = got[key]
        check(f["count"] == count, "%r: count %d, want %d" % (key, f["count"], count))
        check(f["files"] == len(in_files), "%r: files %d, want %d" % (key, f["files"],
                                                                     len(in_files)))
        check(f["schedule"] == shortest, "%r: schedule %s, want the shortest %s" %
              (key, f["schedule"], shortest))
        if f["kind"] in ("deadlock", "data_race"):
            check(f["steps"] > 0, "%r has an interleaving" % (key,))
    for c in s["cases"]:
        check(c["reports"] == 2, "%s: %d reports" % (c["case"], c["reports"]))
    check("%d distinct findings from 2 report files" % len(want) in p.stdout, p.stdout)
    html = open(page).read()
    check(html.count('class="finding"') == len(want), "one section per finding")
    check(html.count('class="tl"') == sum(1 for f in s["findings"] if f["steps"]),
          "one timeline per replayed finding")
    check("<script" not in html and "http://" not in html and "https://" not in html,
          "the page is standalone")

    # a truncated last line (a shard killed mid-write) is a warning, not a failure
    with open(files[1], "a") as f:
        f.write('{"type":"finding","kind":"dead')
    p = run(script(a.root, "aggregate") + files)
    check("not JSON" in p.stderr, "the bad line is reported: %r" % p.stderr)
    check("%d distinct findings" % len(want) in p.stdout, p.stdout)

    if a.screenshot:
        screenshot(a, page)
    print("ok: %d distinct findings from 2 shards" % len(want))


if __name__ == "__main__":
    main()
