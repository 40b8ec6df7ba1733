#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""gcurlmulti through GObject introspection: the same work as the C clients
(bench-common.h), each download a GCurl.Transfer run with perform_async()
(memory output, default progress notifications), the next one started
from the callback.

  gcurl-client.py [-n COUNT] [-c CONCURRENCY] [-s BYTES] [-b BUFSIZE] [--fetch-bytes] URL

With --fetch-bytes each download is one fetch_bytes_async() call (the
transfer made inside, default settings), the shortest way to fetch into
memory from Python.

Wall and CPU time count the work, as in bench-common.h.
"""

import argparse
import resource
import sys
import time

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib  # noqa: E402


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("-c", type=int, default=50)
    p.add_argument("-s", type=int, default=-1)
    p.add_argument("-b", type=int, default=0)
    p.add_argument("--fetch-bytes", action="store_true")
    p.add_argument("url")
    a = p.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    loop = GLib.MainLoop()
    source = GCurl.MultiSource.new()
    cpu0, t0 = cpu(), time.monotonic()
    state = {"started": 0, "finished": 0, "failed": 0, "total": 0}

    def done(src, result, transfer):
        state["finished"] += 1
        try:
            src.perform_finish(result)
            got = transfer.get_body().get_size()
            state["total"] += got
            expected = a.s if a.s >= 0 else transfer.props.total_bytes
            if got != expected:
                state["failed"] += 1
        except GLib.Error as e:
            print(e.message, file=sys.stderr)
            state["failed"] += 1
        if state["started"] < a.n:
            start()
        if state["finished"] == a.n:
            loop.quit()

    def fetched(src, result, _):
        state["finished"] += 1
        try:
            got = src.fetch_bytes_finish(result).get_size()
            state["total"] += got
            if a.s >= 0 and got != a.s:
                state["failed"] += 1
        except GLib.Error as e:
            print(e.message, file=sys.stderr)
            state["failed"] += 1
        if state["started"] < a.n:
            start()
        if state["finished"] == a.n:
            loop.quit()

    def start():
        if a.fetch_bytes:
            state["started"] += 1
            source.fetch_bytes_async(a.url, None, fetched, None)
            return
        transfer = GCurl.Transfer.new(a.url)
        if a.b > 0:
            transfer.props.receive_buffer_size = a.b
        state["started"] += 1
        source.perform_async(transfer, None, done, transfer)

    for _ in range(min(a.c, a.n)):
        start()
    loop.run()

    print(f"{state['finished']} transfers, {state['total']} bytes, {state['failed']} failed, "
          f"{time.monotonic() - t0:.3f} s wall, {cpu() - cpu0:.3f} s CPU")
    return 0 if state["failed"] == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
