#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Download tools side by side: gcurl-get against aria2c, wget2 and curl on
loopback, alternating tool by tool, every file checked byte for byte.
Prints Markdown.

  downloads.py BUILDDIR [--runs 5] [--curl-runs 2] [--workloads D1,D2,D3]
               [--out FILE]

D1  4 files of 64 MiB from nginx with limit_rate 4m per connection.
D2  2,000 files of 100 KiB, 50 at a time.
D3  D1 through a proxy of our own that resets every 8th connection after
    1 MiB; every file must still end byte-exact.

It starts its own nginx (Debian's) on 127.0.0.1 with a docroot of random
files in a temporary folder, and its own proxy for D3.
"""

import argparse
import asyncio
import hashlib
import os
import platform
import shutil
import socket
import statistics
import struct
import subprocess
import sys
import tempfile
import threading
import time

BIG = 64 << 20
SMALL = 100 << 10
N_SMALL = 2000


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Nginx:
    def __init__(self, work):
        self.dir = os.path.join(work, "nginx")
        self.root = os.path.join(self.dir, "www")
        os.makedirs(os.path.join(self.root, "small"))
        self.digests = {}
        for i in range(4):
            self._write(f"big{i}", BIG)
        for i in range(N_SMALL):
            self._write(f"small/f{i:04d}", SMALL)
        self.port = free_port()
        conf = os.path.join(self.dir, "nginx.conf")
        with open(conf, "w") as f:
            f.write(f"""daemon off; master_process on; worker_processes 1;
{"user root;" if os.geteuid() == 0 else ""}
pid {self.dir}/nginx.pid; error_log {self.dir}/error.log warn;
events {{ worker_connections 4096; }}
http {{ access_log off; default_type application/octet-stream; sendfile on;
  client_body_temp_path {self.dir}/b; proxy_temp_path {self.dir}/p;
  fastcgi_temp_path {self.dir}/f; uwsgi_temp_path {self.dir}/u; scgi_temp_path {self.dir}/s;
  keepalive_requests 100000;
  server {{ listen 127.0.0.1:{self.port} backlog=4096; root {self.root};
    location /rate/ {{ alias {self.root}/; limit_rate 4m; }} }} }}
""")
        self.process = subprocess.Popen(["/usr/sbin/nginx", "-e", "stderr", "-p", self.dir,
                                         "-c", conf], stdout=subprocess.DEVNULL)
        for _ in range(500):
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.01)
        raise RuntimeError("nginx did not start")

    def _write(self, name, size):
        data = os.urandom(size)
        with open(os.path.join(self.root, name), "wb") as f:
            f.write(data)
        self.digests[os.path.basename(name)] = hashlib.sha256(data).hexdigest()

    def stop(self):
        self.process.terminate()
        self.process.wait()


class ResettingProxy:
    """Forwards to nginx; every 8th connection is reset (RST) once 1 MiB of
    the response went through."""

    def __init__(self, upstream_port):
        self.upstream = upstream_port
        self.port = free_port()
        self.count = 0
        self.resets = 0
        self.loop = asyncio.new_event_loop()
        ready = threading.Event()
        self.thread = threading.Thread(target=self._run, args=(ready,), daemon=True)
        self.thread.start()
        ready.wait()

    def _run(self, ready):
        asyncio.set_event_loop(self.loop)
        self.server = self.loop.run_until_complete(
            asyncio.start_server(self._serve, "127.0.0.1", self.port))
        ready.set()
        self.loop.run_forever()
        # Connections still open end cleanly, not as tasks left pending.
        tasks = asyncio.all_tasks(self.loop)
        for task in tasks:
            task.cancel()
        self.loop.run_until_complete(asyncio.gather(*tasks, return_exceptions=True))
        self.server.close()
        self.loop.close()

    async def _serve(self, reader, writer):
        self.count += 1
        cut = self.count % 8 == 0
        try:
            up_reader, up_writer = await asyncio.open_connection("127.0.0.1", self.upstream)
        except OSError:
            writer.close()
            return

        async def pump(src, dst, limit):
            sent = 0
            try:
                while True:
                    data = await src.read(65536)
                    if not data:
                        break
                    if limit is not None and sent + len(data) > limit:
                        dst.write(data[:limit - sent])
                        await dst.drain()
                        return True
                    dst.write(data)
                    sent += len(data)
                    await dst.drain()
            except (ConnectionError, OSError):
                pass
            return False

        up = asyncio.ensure_future(pump(reader, up_writer, None))
        reset = await pump(up_reader, writer, 1 << 20 if cut else None)
        if reset:
            self.resets += 1
            sock = writer.get_extra_info("socket")
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        up.cancel()
        for w in (writer, up_writer):
            try:
                w.close()
            except OSError:
                pass

    def stop(self):
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()


def tools(build):
    get = os.path.join(build, "demo", "gcurl-get")
    return {
        "gcurl-get": {
            "D1": lambda d, urls: [get, "-q", "-o", d, "-s", "8", "-j", "4"] + urls,
            "D2": lambda d, lst: [get, "-q", "-o", d, "-j", "50", "-i", lst],
        },
        "aria2c": {
            "D1": lambda d, urls: ["aria2c", "-q", "-d", d, "-Z", "-x8", "-s8",
                                   "--allow-overwrite=true", "--auto-file-renaming=false"] + urls,
            "D2": lambda d, lst: ["aria2c", "-q", "-d", d, "-j", "50", "-i", lst,
                                  "--allow-overwrite=true", "--auto-file-renaming=false"],
        },
        "wget2": {
            "D1": lambda d, urls: ["wget2", "-q", "--no-robots", "-P", d, "--max-threads", "32",
                                   "--chunk-size", "8M"] + urls,
            "D2": lambda d, lst: ["wget2", "-q", "--no-robots", "-P", d, "--max-threads", "50",
                                  "-i", lst],
        },
        "curl": {
            "D1": lambda d, urls: ["curl", "-s", "-S", "-f", "--parallel", "--parallel-max", "4",
                                   "--retry", "5", "--retry-all-errors", "-C", "-",
                                   "--output-dir", d, "--remote-name-all"] + urls,
            "D2": lambda d, lst: ["curl", "-s", "-S", "-f", "--parallel", "--parallel-max", "50",
                                  "--output-dir", d, "--remote-name-all"]
                                 + open(lst).read().split(),
        },
    }


def check(d, names, digests):
    for name in names:
        path = os.path.join(d, name)
        if not os.path.exists(path):
            return f"{name} missing"
        with open(path, "rb") as f:
            if hashlib.sha256(f.read()).hexdigest() != digests[name]:
                return f"{name} differs"
    extra = set(os.listdir(d)) - set(names)
    if extra:
        return f"left over: {sorted(extra)[:3]}"
    return None


def run_once(cmd):
    start = time.monotonic()
    p = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.monotonic() - start
    err = p.stderr.read().decode(errors="replace")
    p.stderr.close()
    p.returncode = os.waitstatus_to_exitcode(status)
    return wall, usage.ru_utime + usage.ru_stime, p.returncode, err


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("build")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--curl-runs", type=int, default=2)
    ap.add_argument("--workloads", default="D1,D2,D3")
    ap.add_argument("--tools", default="gcurl-get,aria2c,wget2,curl")
    ap.add_argument("--out")
    args = ap.parse_args()

    work = tempfile.mkdtemp(prefix="gcurl-bench-downloads-")
    # The files are written to memory (tmpfs) where there is room: the
    # tools are compared, not the disk, whose writeback otherwise made
    # the same run of D2 take 0.85 s, then 2.4 s.
    out_root = tempfile.mkdtemp(prefix="gcurl-bench-out-",
                                dir="/dev/shm" if shutil.disk_usage("/dev/shm").free > 2 << 30
                                else work)
    nginx = Nginx(work)
    proxy = ResettingProxy(nginx.port)
    all_tools = tools(args.build)
    names = [t for t in args.tools.split(",") if shutil.which(all_tools[t]["D1"]("", [])[0])]
    results = {}
    failures = []
    try:
        with open(os.path.join(work, "list"), "w") as f:
            for i in range(N_SMALL):
                f.write(f"http://127.0.0.1:{nginx.port}/small/f{i:04d}\n")
        for w in args.workloads.split(","):
            port = proxy.port if w == "D3" else nginx.port
            kind = "D2" if w == "D2" else "D1"
            files = ([f"big{i}" for i in range(4)] if kind == "D1"
                     else [f"f{i:04d}" for i in range(N_SMALL)])
            urls = [f"http://127.0.0.1:{port}/rate/big{i}" for i in range(4)]
            for run in range(max(args.runs, args.curl_runs)):
                for tool in names:
                    if run >= (args.curl_runs if tool == "curl" else args.runs):
                        continue
                    d = os.path.join(out_root, "out")
                    shutil.rmtree(d, ignore_errors=True)
                    os.makedirs(d)
                    # The last run's writeback is not this one's cost.
                    os.sync()
                    arg = urls if kind == "D1" else os.path.join(work, "list")
                    resets = proxy.resets
                    wall, cpu, status, err = run_once(all_tools[tool][kind](d, arg))
                    bad = check(d, files, nginx.digests) if status == 0 else \
                        f"exit {status}: {err.strip()[:200]}"
                    if bad:
                        failures.append(f"{w} {tool} run {run + 1}: {bad}")
                    results.setdefault((w, tool), []).append((wall, cpu, bad is None,
                                                              proxy.resets - resets))
                    print(f"{w} {tool} run {run + 1}: {wall:.2f} s wall, {cpu:.2f} s CPU"
                          f"{'' if bad is None else ' FAILED: ' + bad}", file=sys.stderr)
    finally:
        proxy.stop()
        nginx.stop()
        shutil.rmtree(work, ignore_errors=True)
        shutil.rmtree(out_root, ignore_errors=True)

    lines = [f"# Downloads ({platform.node() and 'this machine'}: {os.cpu_count()} cores, "
             f"{platform.release()})", "",
             "Median of the runs (wall and CPU seconds of the tool's process, user + system), "
             "alternating tool by tool; ratio against aria2c. D1: 4 × 64 MiB, limit_rate 4m "
             "per connection; D2: 2,000 × 100 KiB, 50 at a time; D3: D1 with every 8th "
             "connection reset after 1 MiB. Files are written to tmpfs.", "",
             "| workload | tool | runs ok | wall s | CPU s | wall / aria2c | CPU / aria2c |",
             "| --- | --- | ---: | ---: | ---: | ---: | ---: |"]
    for w in args.workloads.split(","):
        ref = results.get((w, "aria2c"))
        ref_wall = statistics.median(r[0] for r in ref) if ref else None
        ref_cpu = statistics.median(r[1] for r in ref) if ref else None
        for tool in names:
            rs = results.get((w, tool), [])
            if not rs:
                continue
            wall = statistics.median(r[0] for r in rs)
            cpu = statistics.median(r[1] for r in rs)
            ok = sum(1 for r in rs if r[2])
            lines.append(f"| {w} | {tool} | {ok}/{len(rs)} | {wall:.2f} | {cpu:.2f} | "
                         f"{wall / ref_wall:.2f} | {cpu / ref_cpu:.2f} |" if ref_wall else
                         f"| {w} | {tool} | {ok}/{len(rs)} | {wall:.2f} | {cpu:.2f} | | |")
    if failures:
        lines += ["", "Failed runs:", ""] + [f"- {f}" for f in failures]
    text = "\n".join(lines) + "\n"
    print(text)
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    return 1 if failures and any("gcurl-get" in f for f in failures) else 0


if __name__ == "__main__":
    sys.exit(main())
