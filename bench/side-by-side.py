#!/usr/bin/python3
"""Puts the summary tables of two bench.py reports side by side.

    bench/side-by-side.py bench/RESULTS-debian12.md bench/RESULTS-debian13.md \\
        --out bench/RESULTS.md

Each report's "Summary" table (client CPU / the better raw loop, per
workload) and its idle table become one table with a "12 / 13" cell per
workload, under the versions each run names. The text between the
`<!-- notes -->` and `<!-- /notes -->` markers of an existing output file
is kept: it is where the figures are read, by hand.
"""

import argparse
import os
import re
import sys


def section(lines, heading_prefix):
    """The table rows (split into cells) under the first heading that
    starts with @heading_prefix, header row first, separator dropped."""
    rows, inside = [], False
    for line in lines:
        if line.startswith("## "):
            if inside:
                break
            inside = line.startswith(heading_prefix)
            continue
        if inside and line.startswith("|"):
            cells = [c.strip() for c in line.strip().strip("|").split("|")]
            if all(set(c) <= set("-: ") for c in cells):
                continue
            rows.append(cells)
    return rows


def report(path):
    with open(path) as f:
        lines = f.read().splitlines()
    run = next((l for l in lines if l.startswith("Run of ") or l.startswith("Smoke run of ")), "")
    run = run.split(",")[0] + ", " + run.split(",")[1].strip() if "," in run else run
    versions = [l[2:] for l in lines if l.startswith("- ")]
    return {
        "run": run,
        "versions": versions,
        "summary": section(lines, "## Summary"),
        "idle": section(lines, "## Idle"),
    }


def merged(a, b, first_column):
    """One table from two with the same shape: cells "a / b"; rows and
    columns in @a's order, then any only in @b."""
    if not a or not b:
        return []
    cols = a[0][1:] + [c for c in b[0][1:] if c not in a[0][1:]]
    a_rows = {r[0]: dict(zip(a[0][1:], r[1:])) for r in a[1:]}
    b_rows = {r[0]: dict(zip(b[0][1:], r[1:])) for r in b[1:]}
    names = [r[0] for r in a[1:]] + [r[0] for r in b[1:] if r[0] not in a_rows]
    out = ["| " + first_column + " | " + " | ".join(cols) + " |",
           "| --- |" + " ---: |" * len(cols)]
    for n in names:
        cells = []
        for c in cols:
            x = a_rows.get(n, {}).get(c, "") or "·"
            y = b_rows.get(n, {}).get(c, "") or "·"
            cells.append(x if x == y and not re.match(r"^\d", x) else f"{x} / {y}")
        out.append(f"| {n} | " + " | ".join(cells) + " |")
    return out


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("debian12")
    p.add_argument("debian13")
    p.add_argument("--out", required=True)
    a = p.parse_args()

    r12, r13 = report(a.debian12), report(a.debian13)
    notes = ["<!-- notes -->", "", "(No reading yet.)", "", "<!-- /notes -->"]
    if os.path.exists(a.out):
        with open(a.out) as f:
            m = re.search(r"<!-- notes -->.*?<!-- /notes -->", f.read(), re.S)
            if m:
                notes = m.group(0).splitlines()

    name12, name13 = os.path.basename(a.debian12), os.path.basename(a.debian13)
    out = ["# gcurlmulti benchmark: Debian 12 and Debian 13", "",
           "Each cell is Debian 12 / Debian 13. The two runs are on the same kind of machine, "
           "each platform against its own peers (its libcurl, GLib, libsoup, Python, pycurl, "
           "nginx), so a ratio compares a client with the raw loops on its own platform. "
           f"The whole reports, with CPU seconds, IQR, wall time and peak RSS: [{name12}]({name12}) "
           f"and [{name13}]({name13}). Made by `make bench` and `make bench-debian13`, which "
           "rewrite this page from both reports.", "",
           f"- Debian 12: {r12['run']}"] + [f"  - {v}" for v in r12["versions"]] + \
          [f"- Debian 13: {r13['run']}"] + [f"  - {v}" for v in r13["versions"]] + [""]
    summary = merged(r12["summary"], r13["summary"], "client")
    if not summary:
        sys.exit("side-by-side.py: a report has no summary table")
    out += ["## Client CPU ÷ the better raw loop", ""] + summary + [""]
    idle = merged(r12["idle"], r13["idle"], "backend")
    if idle:
        out += ["## Idle: main-loop wake-ups over 5 s", ""] + idle + [""]
    downloads = os.path.join(os.path.dirname(a.out), "RESULTS-downloads.md")
    if os.path.exists(downloads):
        with open(downloads) as f:
            body = f.read().splitlines()
        out += ["## Downloads: gcurl-get, aria2c, wget2, curl", "",
                "From [RESULTS-downloads.md](RESULTS-downloads.md), made by `make bench-downloads`.",
                ""] + [l for l in body[1:] if not l.startswith("# ")] + [""]
    out += ["## Reading", ""] + notes + [""]
    with open(a.out, "w") as f:
        f.write("\n".join(out))
    print("\n".join(out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
