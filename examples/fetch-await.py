#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
# Fetches URLs at once with await (PyGObject 3.50 and later), prints the
# size and SHA-256 of each body in order, and exits 1 on the first error.
#
#   fetch-await.py URL...

import asyncio
import hashlib
import sys

import gi
import gi.events

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib  # noqa: E402


async def main(urls):
    source = GCurl.MultiSource.new()
    try:
        bodies = await asyncio.gather(*(source.fetch_bytes_async(url) for url in urls))
    except GLib.Error as error:
        print(f"fetch-await: {error.message}", file=sys.stderr)
        return 1
    for body in bodies:
        data = body.get_data()
        print(f"{len(data)} bytes, sha256 {hashlib.sha256(data).hexdigest()}")
    return 0


policy = gi.events.GLibEventLoopPolicy()
asyncio.set_event_loop_policy(policy)
sys.exit(policy.get_event_loop().run_until_complete(main(sys.argv[1:])))
