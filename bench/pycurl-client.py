#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""The pycurl CurlMulti peer: the same work as the C clients
(bench-common.h), in pycurl's usual perform() + select() loop.

  pycurl-client.py [-n COUNT] [-c CONCURRENCY] [-s BYTES] [-b BUFSIZE] URL

Wall and CPU time count the work, as in bench-common.h.
"""

import argparse
import resource
import sys
import time

import pycurl


def cpu():
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def main():
    p = argparse.ArgumentParser()
    p.add_argument("-n", type=int, default=1000)
    p.add_argument("-c", type=int, default=50)
    p.add_argument("-s", type=int, default=-1)
    p.add_argument("-b", type=int, default=0)
    p.add_argument("url")
    a = p.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))

    multi = pycurl.CurlMulti()
    cpu0, t0 = cpu(), time.monotonic()
    received = {}
    started = finished = failed = total = 0

    def add(easy):
        nonlocal started
        received[easy] = 0
        multi.add_handle(easy)
        started += 1

    def make():
        easy = pycurl.Curl()
        easy.setopt(pycurl.URL, a.url)
        easy.setopt(pycurl.NOSIGNAL, 1)
        easy.setopt(pycurl.FAILONERROR, 1)
        if a.b > 0:
            easy.setopt(pycurl.BUFFERSIZE, a.b)

        def write(data, easy=easy):
            received[easy] += len(data)
        easy.setopt(pycurl.WRITEFUNCTION, write)
        return easy

    for _ in range(min(a.c, a.n)):
        add(make())

    while finished < a.n:
        while True:
            ret, _ = multi.perform()
            if ret != pycurl.E_CALL_MULTI_PERFORM:
                break
        _, ok, err = multi.info_read()
        for msg in err:
            print(msg[2], file=sys.stderr)
        for easy, success in [(e, True) for e in ok] + [(e[0], False) for e in err]:
            multi.remove_handle(easy)
            finished += 1
            got = received[easy]
            total += got
            expected = a.s if a.s >= 0 else easy.getinfo(pycurl.CONTENT_LENGTH_DOWNLOAD_T)
            if not success or got != expected:
                failed += 1
            if started < a.n:
                add(easy)
            else:
                easy.close()
        if finished < a.n:
            multi.select(1.0)

    print(f"{finished} transfers, {total} bytes, {failed} failed, "
          f"{time.monotonic() - t0:.3f} s wall, {cpu() - cpu0:.3f} s CPU")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
