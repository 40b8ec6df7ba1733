#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""pull.py URL: reads a response body from the stream send_async() gives.

Prints the status and the body's size and SHA-256 ("200: 1048576 bytes,
sha256 ..."), whatever the status; exits 1 with the error if the transfer
fails before its head or while the body is read.
"""

import hashlib
import sys

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib  # noqa: E402


def main():
    if len(sys.argv) != 2:
        print("usage: pull.py URL", file=sys.stderr)
        return 2
    loop = GLib.MainLoop()
    source = GCurl.MultiSource.new()
    transfer = GCurl.Transfer.new(sys.argv[1])
    digest = hashlib.sha256()
    state = {"size": 0, "error": None}

    def on_read(stream, result):
        try:
            chunk = stream.read_bytes_finish(result)
        except GLib.Error as e:
            state["error"] = e.message
            loop.quit()
            return
        if chunk.get_size() == 0:       # the end
            loop.quit()
            return
        state["size"] += chunk.get_size()
        digest.update(chunk.get_data())
        stream.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None, on_read)

    def on_head(source, result):
        try:
            stream = source.send_finish(result)
        except GLib.Error as e:
            state["error"] = e.message
            loop.quit()
            return
        # The head is in: status and headers, before any of the body.
        stream.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None, on_read)

    source.send_async(transfer, GLib.PRIORITY_DEFAULT, None, on_head)
    loop.run()
    if state["error"]:
        print(f"pull: {state['error']}", file=sys.stderr)
        return 1
    print(f"{transfer.props.response_code}: {state['size']} bytes, sha256 {digest.hexdigest()}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
