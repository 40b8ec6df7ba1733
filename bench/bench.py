#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The gcurlmulti benchmark: the workloads of doc/performance.md, gcurlmulti and its
peers in one run, alternating client by client, every run's byte total
checked. Prints Markdown.

  bench.py BUILDDIR [--runs 9] [--workloads W1,W2,...] [--clients a,b] [--smoke]
           [--out RESULTS.md]

Run it under tests/gcurl-test-serve (nginx on loopback), as `make bench`
and `make check` (--smoke) do.
"""

import argparse
import os
import platform
import re
import statistics
import subprocess
import sys
import tempfile
import time

PYTHON = "/usr/bin/python3"
HERE = os.path.dirname(os.path.abspath(__file__))
SUMMARY = re.compile(r"^(\d+) transfers, (\d+) bytes, (\d+) failed, ([\d.]+) s wall, ([\d.]+) s CPU",
                     re.M)


class Workload:
    def __init__(self, name, path, size, count, concurrency, buffer_size=0):
        self.name = name
        self.path = path
        self.size = size
        self.count = count
        self.concurrency = concurrency
        self.buffer_size = buffer_size


def workloads(smoke):
    if smoke:
        return [
            Workload("W1", "/1k", 1024, 200, 10),
            Workload("W2", "/1m", 1 << 20, 4, 2),
            Workload("W2B", "/1m", 1 << 20, 4, 2, 102400),
            Workload("W3 c=20", "/100k", 102400, 100, 20),
            Workload("W4", "/slow/1k", 1024, 20, 20),
        ]
    ws = [
        Workload("W1", "/1k", 1024, 20000, 50),
        Workload("W2", "/16m", 16 << 20, 64, 8),
        Workload("W2B", "/16m", 16 << 20, 64, 8, 102400),
    ]
    for c in (10, 100, 1000, 2000):
        ws.append(Workload(f"W3 c={c}", "/100k", 102400, max(8000, 4 * c), c))
    ws.append(Workload("W4", "/slow/100k", 102400, 1000, 1000))
    return ws


class Client:
    """One program doing a workload; raw marks the two libcurl loops that
    the ratios are taken against."""

    def __init__(self, key, label, argv, env=None, raw=False, buffer_knob=True, max_c=None):
        self.key = key
        self.label = label
        self.argv = argv
        self.env = env or {}
        self.raw = raw
        self.buffer_knob = buffer_knob
        self.max_c = max_c

    def skip_reason(self, w):
        if w.buffer_size and not self.buffer_knob:
            return "–"
        if self.max_c is not None and w.concurrency > self.max_c:
            return f"(max {self.max_c})"
        return None

    def command(self, w, url):
        cmd = self.argv + ["-n", str(w.count), "-c", str(w.concurrency), "-s", str(w.size)]
        if w.buffer_size:
            cmd += ["-b", str(w.buffer_size)]
        return cmd + [url]


class CurlParallel(Client):
    def command(self, w, url):
        self.config = tempfile.NamedTemporaryFile("w", suffix=".curlrc", delete=False)
        for _ in range(w.count):
            self.config.write(f'url = "{url}"\noutput = "/dev/null"\n')
        self.config.close()
        return ["curl", "--silent", "--show-error", "--fail", "--parallel",
                "--parallel-max", str(w.concurrency), "--config", self.config.name,
                "--write-out", "%{size_download}\\n"]

    def summary(self, w, out, wall, cpu):
        sizes = [int(x) for x in out.split()]
        os.unlink(self.config.name)
        failed = sum(1 for s in sizes if s != w.size) + (w.count - len(sizes))
        return f"{len(sizes)} transfers, {sum(sizes)} bytes, {failed} failed, " \
               f"{wall:.2f} s wall, {cpu:.2f} s CPU"


def clients(build):
    gi_env = {"GI_TYPELIB_PATH": os.path.join(build, "gcurlmulti"),
              "LD_LIBRARY_PATH": os.path.join(build, "gcurlmulti")}
    b = os.path.join(build, "bench")
    return [
        Client("poll", "curl_multi_perform + poll loop", [f"{b}/bench-poll-loop"], raw=True),
        Client("epoll", "epoll + socket_action loop", [f"{b}/bench-epoll-loop"], raw=True),
        Client("epoll-mem", "epoll loop, bodies copied to memory", [f"{b}/bench-epoll-loop", "-m"]),
        Client("gcurl-epoll", "**gcurlmulti raw API, epoll**",
               [f"{build}/examples/fetch-many"], {"GCURL_BACKEND": "epoll"}),
        Client("gcurl-iochannel", "**gcurlmulti raw API, iochannel**",
               [f"{build}/examples/fetch-many"], {"GCURL_BACKEND": "iochannel"}),
        Client("transfer", "**GCurlTransfer API**", [f"{b}/bench-transfer-many"],
               {"GCURL_BACKEND": "epoll"}),
        Client("transfer-send", "**GCurlTransfer API, bodies pulled with send_async()**",
               [f"{b}/bench-transfer-many", "--send"], {"GCURL_BACKEND": "epoll"}),
        Client("python", "**GCurl from Python (GI)**", [PYTHON, f"{HERE}/gcurl-client.py"],
               gi_env),
        Client("python-fetch", "**GCurl from Python (GI), fetch_bytes_async()**",
               [PYTHON, f"{HERE}/gcurl-client.py", "--fetch-bytes"], gi_env, buffer_knob=False),
        Client("giochannel", "GIOChannel watch per socket", [f"{b}/bench-giochannel-loop"]),
        Client("soup", "libsoup 3 SoupSession", [f"{b}/bench-soup"], buffer_knob=False),
        Client("pycurl", "pycurl CurlMulti", [PYTHON, f"{HERE}/pycurl-client.py"]),
        CurlParallel("curl", "curl --parallel", [], buffer_knob=False, max_c=300),
    ]


def measure(client, w, base_url, build):
    """Runs client on w once: (cpu, wall, rss_kib) or raises."""
    url = base_url + w.path
    env = dict(os.environ, **client.env)
    with tempfile.NamedTemporaryFile("r", suffix=".rusage") as usage_file:
        cmd = [os.path.join(build, "bench", "bench-rusage"), usage_file.name] + client.command(w, url)
        t0 = time.monotonic()
        proc = subprocess.run(cmd, env=env, capture_output=True, text=True)
        wall = time.monotonic() - t0
        fields = usage_file.read().split()
    out, err = proc.stdout, proc.stderr
    if len(fields) != 3:
        raise RuntimeError(f"{client.key} on {w.name}: no resource usage ({err.strip()[:500]})")
    cpu = float(fields[0]) + float(fields[1])
    rss = int(fields[2])

    if isinstance(client, CurlParallel):
        out = client.summary(w, out, wall, cpu)
    m = SUMMARY.search(out)
    expected = (w.count, w.count * w.size, 0)
    if proc.returncode != 0 or m is None or \
            (int(m.group(1)), int(m.group(2)), int(m.group(3))) != expected:
        raise RuntimeError(f"{client.key} on {w.name} failed (exit {proc.returncode}): "
                           f"{out.strip()} {err.strip()[:500]}")
    # Every client but curl's command line reports the CPU and wall time
    # of its work (without start-up: bench-common.h); curl's is its whole
    # process.
    if not isinstance(client, CurlParallel):
        cpu = float(m.group(5))
        wall = float(m.group(4))
    return cpu, wall, rss


def stats(values):
    if len(values) == 1:
        return values[0], 0.0
    q1, q2, q3 = statistics.quantiles(values, n=4, method="inclusive")
    return statistics.median(values), q3 - q1


def versions():
    def cmd(*argv):
        try:
            r = subprocess.run(argv, capture_output=True, text=True)
            return r.stdout.strip() or r.stderr.strip()
        except OSError:
            return "not found"

    nginx = subprocess.run(["/usr/sbin/nginx", "-v"], capture_output=True, text=True).stderr.strip()
    try:
        import pycurl
        pyc = pycurl.version.split()[0]
    except ImportError:
        pyc = "not installed"
    model = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return [
        f"machine: {platform.machine()}, {os.cpu_count()} CPUs, {model}",
        f"kernel: {platform.release()}",
        f"libcurl: {cmd('curl-config', '--version')}",
        f"GLib: {cmd('pkg-config', '--modversion', 'glib-2.0')}, "
        f"libsoup: {cmd('pkg-config', '--modversion', 'libsoup-3.0')}",
        f"nginx: {nginx}, Python: {platform.python_version()}, {pyc}",
    ]


def idle_report(build, base_url):
    """doc/performance.md, Workloads: an idle source wakes up zero times a second."""
    lines = ["## Idle: main-loop wake-ups over 5 s", "",
             "bench-idle counts returns from poll() (after a second of settling) with no "
             "transfers, with 500 raw easy handles paused from their write callback, and "
             "with 500 GCurlTransfers paused with gcurl_transfer_pause(); nginx keeps "
             "the paused connections open.", "",
             "| backend | no transfers | 500 raw handles paused | 500 GCurlTransfers paused |",
             "| --- | ---: | ---: | ---: |"]
    for backend in ("epoll", "iochannel"):
        r = subprocess.run([os.path.join(build, "bench", "bench-idle"), "-t", "5", "-p", "500",
                            base_url + "/16m"], capture_output=True, text=True,
                           env=dict(os.environ, GCURL_BACKEND=backend))
        counts = re.findall(r": (\d+) wake-ups", r.stdout)
        if len(counts) != 3:
            raise RuntimeError(f"bench-idle ({backend}) failed: {r.stdout} {r.stderr}")
        lines.append(f"| {backend} | " + " | ".join(counts) + " |")
        print(f"idle ({backend}) done", file=sys.stderr, flush=True)
    return lines + [""]


BUFFER_SIZES = [16 << 10, 32 << 10, 64 << 10, 128 << 10, 256 << 10]


def buffer_report(build, base_url, runs):
    """GCurlTransfer's default receive buffer, chosen by
    measurement: CPU against peak memory at c=1,000, and for large bodies."""
    transfer = Client("transfer", "GCurlTransfer", [os.path.join(build, "bench", "bench-transfer-many")],
                      {"GCURL_BACKEND": "epoll"})
    cases = [Workload("W3 c=1000", "/100k", 100 << 10, 8000, 1000),
             Workload("W2", "/16m", 16 << 20, 64, 8)]
    lines = ["## Receive buffer: GCurlTransfer's CPU and peak memory by receive-buffer-size", "",
             f"Median of {runs} runs, sizes alternating; libcurl's own default is 16 KiB, "
             "GCurlTransfer's 32 KiB.", "",
             "| workload | " + " | ".join(f"{b >> 10} KiB" for b in BUFFER_SIZES) + " |",
             "| --- |" + " ---: |" * len(BUFFER_SIZES)]
    for case in cases:
        results = {b: [] for b in BUFFER_SIZES}
        for r in range(runs):
            order = BUFFER_SIZES[r % len(BUFFER_SIZES):] + BUFFER_SIZES[:r % len(BUFFER_SIZES)]
            for b in order:
                w = Workload(case.name, case.path, case.size, case.count, case.concurrency, b)
                results[b].append(measure(transfer, w, base_url, build))
        cpu = {b: statistics.median(x[0] for x in v) for b, v in results.items()}
        rss = {b: statistics.median(x[2] for x in v) / 1024 for b, v in results.items()}
        lines.append(f"| {case.name}: CPU s | " + " | ".join(f"{cpu[b]:.3f}" for b in BUFFER_SIZES) + " |")
        lines.append(f"| {case.name}: peak RSS MiB | " + " | ".join(f"{rss[b]:.1f}" for b in BUFFER_SIZES) + " |")
        print(f"receive buffer, {case.name} done", file=sys.stderr, flush=True)
    return lines + [""]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("build")
    p.add_argument("--runs", type=int, default=9)
    p.add_argument("--workloads", default=None, help="comma-separated names, e.g. W1,W3 c=100")
    p.add_argument("--clients", default=None, help="comma-separated keys")
    p.add_argument("--smoke", action="store_true", help="tiny workloads: does everything run?")
    p.add_argument("--out", default=None, help="also write the report to this file")
    p.add_argument("--buffer", action="store_true",
                   help="only the receive buffer section (it is part of a full run)")
    a = p.parse_args()

    base_url = os.environ.get("NGINX_HTTP_URL")
    if not base_url:
        sys.exit("bench.py: run it under tests/gcurl-test-serve (NGINX_HTTP_URL is not set)")

    ws = workloads(a.smoke)
    if a.workloads:
        wanted = [x.strip() for x in a.workloads.split(",")]
        ws = [w for w in ws if w.name in wanted or w.name.split()[0] in wanted]
    cs = clients(a.build)
    if a.clients:
        wanted = [x.strip() for x in a.clients.split(",")]
        cs = [c for c in cs if c.key in wanted]

    report = ["# gcurlmulti benchmark", ""]
    report += [f"{'Smoke run' if a.smoke else 'Run'} of {time.strftime('%Y-%m-%d %H:%M %Z')}, "
               f"{a.runs} run(s) per client and workload, clients alternating run by run; "
               "client CPU is user + system time of the work, from just before the first "
               "transfer starts (set-up and the interpreter's start-up excluded; curl's "
               "command line: its whole process), peak RSS the client's maximum resident set.", ""]
    report += [f"- {v}" for v in versions()] + [""]
    ratios = {}
    if a.buffer:
        ws = []

    for w in ws:
        results = {c.key: [] for c in cs}
        active = [c for c in cs if c.skip_reason(w) is None]
        for r in range(a.runs):
            order = active[r % len(active):] + active[:r % len(active)]
            for c in order:
                results[c.key].append(measure(c, w, base_url, a.build))
            print(f"{w.name}: run {r + 1}/{a.runs} done", file=sys.stderr, flush=True)

        med = {k: stats([x[0] for x in v]) for k, v in results.items() if v}
        raw = [med[c.key][0] for c in cs if c.raw and c.key in med]
        best_raw = min(raw) if raw else None
        report += [f"## {w.name}: {w.count:,} GETs of {w.size:,} bytes at c={w.concurrency}"
                   + (f", {w.buffer_size // 1024} KiB receive buffer" if w.buffer_size else ""), "",
                   "| client | CPU s (median) | IQR | ÷ better raw loop | wall s | peak RSS MiB |",
                   "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for c in cs:
            reason = c.skip_reason(w)
            if reason is not None:
                report.append(f"| {c.label} | {reason} | | | | |")
                ratios.setdefault(c.key, {})[w.name] = reason
                continue
            cpu, iqr = med[c.key]
            wall = statistics.median([x[1] for x in results[c.key]])
            rss = statistics.median([x[2] for x in results[c.key]]) / 1024
            ratio = f"{cpu / best_raw:.2f}" if best_raw else "–"
            ratios.setdefault(c.key, {})[w.name] = ratio
            report.append(f"| {c.label} | {cpu:.3f} | {iqr:.3f} | {ratio} | {wall:.2f} | {rss:.1f} |")
        report.append("")
        # The floor of any memory-output API: libcurl's loop that also
        # copies each body into memory (a buffer reused per slot).
        if "transfer" in med and "epoll-mem" in med:
            report += [f"GCurlTransfer (memory output) ÷ the epoll loop copying bodies to memory: "
                       f"{med['transfer'][0] / med['epoll-mem'][0]:.2f}", ""]

    if not a.smoke and not a.workloads and not a.clients and not a.buffer:
        report += idle_report(a.build, base_url)
    if a.buffer or (not a.smoke and not a.workloads and not a.clients):
        report += buffer_report(a.build, base_url, a.runs)

    report += ["## Summary: client CPU ÷ the better raw loop", "",
               "| client | " + " | ".join(w.name for w in ws) + " |",
               "| --- |" + " ---: |" * len(ws)]
    for c in cs:
        report.append(f"| {c.label} | " + " | ".join(ratios.get(c.key, {}).get(w.name, "")
                                                    for w in ws) + " |")
    report.append("")

    text = "\n".join(report)
    print(text)
    if a.out:
        with open(a.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
