#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""fetch.py URL: fetch one URL into memory; print its size and SHA-256."""

import hashlib
import sys

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib  # noqa: E402


def main(url):
    loop = GLib.MainLoop()
    source = GCurl.MultiSource.new()
    status = 0

    def fetched(source, result):
        nonlocal status
        try:
            body = source.fetch_bytes_finish(result).get_data()
            print(f"{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()}")
        except GLib.Error as e:
            print(f"fetch: {e.message}", file=sys.stderr)
            status = 1
        loop.quit()

    source.fetch_bytes_async(url, None, fetched)
    loop.run()
    return status


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit(f"usage: {sys.argv[0]} URL")
    sys.exit(main(sys.argv[1]))
