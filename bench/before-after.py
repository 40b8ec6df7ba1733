#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a change costs the plain path: GCurlTransfer on W1 and W3 c=100,
an older tree against this one, in one run.

    make bench-before-after REV=18620bc
    bench/before-after.py --before-rev 18620bc BUILDDIR   (under tests/gcurl-test-serve)

The older tree is checked out with `git worktree` into BUILDDIR/before-after
and only bench-transfer-many is built there. The two clients then take turns,
RUNS times each, on the same nginx, with the poll loop of this tree between
them as a witness of the machine's own drift: a change is within the noise
when the medians differ by less than the spread (IQR) of either. Then
callgrind counts instructions per transfer, which do not depend on the load:
the difference between a run of N and of 3N transfers, divided by 2N, so
that what happens once per process (GIO's modules, TLS setup) drops out.

It prints a Markdown table for a commit message or a closing note.
"""

import argparse
import os
import re
import statistics
import subprocess
import sys

WORKLOADS = [
    # name, count, concurrency, path, body size, callgrind count
    ("W1", 20000, 50, "1k", 1024, 1000),
    ("W3 c=100", 8000, 100, "100k", 102400, 300),
]

RESULT = re.compile(r"^(\d+) transfers, (\d+) bytes, (\d+) failed, ([\d.]+) s wall, ([\d.]+) s CPU")


def run_client(argv):
    out = subprocess.run(argv, capture_output=True, text=True, check=False)
    m = RESULT.match(out.stdout.strip())
    if out.returncode != 0 or not m:
        sys.exit(f"{argv[0]}: {out.stdout.strip()} {out.stderr.strip()[-400:]}")
    return m


def timed(client, count, conc, url, size):
    m = run_client([client, "-n", str(count), "-c", str(conc), "-s", str(size), url])
    if int(m.group(1)) != count or int(m.group(2)) != count * size or m.group(3) != "0":
        sys.exit(f"{client}: wrong totals: {m.group(0)}")
    return float(m.group(4)), float(m.group(5))


def instructions(client, count, conc, url, size, tmp):
    out_file = os.path.join(tmp, "callgrind.out")
    err = subprocess.run(["valgrind", "--tool=callgrind", f"--callgrind-out-file={out_file}",
                          client, "-n", str(count), "-c", str(conc), "-s", str(size), url],
                         capture_output=True, text=True, check=False)
    m = re.search(r"Collected : (\d+)", err.stderr)
    if err.returncode != 0 or not m:
        sys.exit(f"callgrind {client}: {err.stderr[-400:]}")
    os.unlink(out_file)
    return int(m.group(1))


def per_transfer(client, count, conc, url, size, tmp):
    small = instructions(client, count, conc, url, size, tmp)
    large = instructions(client, 3 * count, conc, url, size, tmp)
    return (large - small) / (2 * count)


def iqr(values):
    if len(values) < 4:
        return max(values) - min(values)
    q = statistics.quantiles(values, n=4)
    return q[2] - q[0]


def prepare_before(rev, builddir):
    root = subprocess.run(["git", "rev-parse", "--show-toplevel"], capture_output=True,
                          text=True, check=True).stdout.strip()
    # The revision as this tree names it (HEAD in the worktree would be
    # the worktree's own).
    rev = subprocess.run(["git", "-C", root, "rev-parse", "--verify", rev + "^{commit}"],
                         capture_output=True, text=True, check=True).stdout.strip()
    tree = os.path.join(os.path.abspath(builddir), "before-after")
    if os.path.isdir(tree):
        subprocess.run(["git", "-C", tree, "checkout", "-q", "--detach", rev], check=True)
    else:
        subprocess.run(["git", "-C", root, "worktree", "add", "-q", "--detach", tree, rev],
                       check=True)
    build = os.path.join(tree, "_build")
    if not os.path.exists(os.path.join(build, "build.ninja")):
        subprocess.run(["meson", "setup", build, tree, "-Ddocs=false"], check=True,
                       stdout=subprocess.DEVNULL)
    subprocess.run(["ninja", "-C", build, "bench/bench-transfer-many"], check=True,
                   stdout=subprocess.DEVNULL)
    return os.path.join(build, "bench", "bench-transfer-many")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("builddir", help="this tree's build folder")
    ap.add_argument("--before-rev", required=True, help="the older tree, as a git revision")
    ap.add_argument("--runs", type=int, default=9)
    ap.add_argument("--no-callgrind", action="store_true")
    args = ap.parse_args()

    base = os.environ.get("NGINX_HTTP_URL")
    if not base:
        sys.exit("NGINX_HTTP_URL is not set: run under tests/gcurl-test-serve")
    before = prepare_before(args.before_rev, args.builddir)
    after = os.path.join(args.builddir, "bench", "bench-transfer-many")
    poll = os.path.join(args.builddir, "bench", "bench-poll-loop")
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                          text=True, check=True).stdout.strip()
    env_backend = os.environ.setdefault("GCURL_BACKEND", "epoll")

    rows = []
    for name, count, conc, path, size, cg_count in WORKLOADS:
        url = f"{base}/{path}"
        samples = {"before": [], "after": [], "poll": []}
        for i in range(args.runs):
            # Alternate which goes first, so neither always follows the witness.
            order = [("before", before), ("after", after)]
            if i % 2:
                order.reverse()
            for key, client in order + [("poll", poll)]:
                samples[key].append(timed(client, count, conc, url, size))
            print(f"{name} run {i + 1}: " + ", ".join(
                f"{k} {samples[k][-1][1]:.3f} s CPU" for k in ("before", "after", "poll")),
                file=sys.stderr)
        cg = {}
        if not args.no_callgrind:
            tmp = os.path.join(args.builddir, "before-after")
            for key, client in (("before", before), ("after", after)):
                cg[key] = per_transfer(client, cg_count, conc, url, size, tmp)
        rows.append((name, samples, cg))

    print(f"GCurlTransfer, {args.before_rev} (before) against {head} (after), "
          f"{env_backend} backend, {args.runs} alternating runs; median (IQR) in seconds")
    print()
    print("| workload | CPU before | CPU after | wall before | wall after | poll loop CPU "
          "| instructions per transfer, before → after |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name, s, cg in rows:
        def cell(key, idx):
            v = [x[idx] for x in s[key]]
            return f"{statistics.median(v):.3f} ({iqr(v):.3f})"
        ins = "–"
        if cg:
            ins = (f"{cg['before']:,.0f} → {cg['after']:,.0f} "
                   f"({(cg['after'] / cg['before'] - 1) * 100:+.1f}%)")
        print(f"| {name} | {cell('before', 1)} | {cell('after', 1)} | {cell('before', 0)} "
              f"| {cell('after', 0)} | {cell('poll', 1)} | {ins} |")


if __name__ == "__main__":
    main()
