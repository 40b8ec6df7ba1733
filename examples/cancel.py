#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""cancel.py URL MILLISECONDS: start fetching URL, cancel it after a while.

Prints "cancelled after N bytes" and exits 0 if the transfer was cancelled.
"""

import sys

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402


def main(url, ms):
    loop = GLib.MainLoop()
    source = GCurl.MultiSource.new()
    transfer = GCurl.Transfer.new(url)
    cancellable = Gio.Cancellable()
    status = 1

    def finished(source, result):
        nonlocal status
        try:
            source.perform_finish(result)
            print("finished before the cancellation")
        except GLib.Error as e:
            if e.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED):
                print(f"cancelled after {transfer.props.bytes_received} bytes")
                status = 0
            else:
                print(f"cancel: {e.message}", file=sys.stderr)
        loop.quit()

    source.perform_async(transfer, cancellable, finished)
    GLib.timeout_add(ms, cancellable.cancel)
    loop.run()
    return status


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(f"usage: {sys.argv[0]} URL MILLISECONDS")
    sys.exit(main(sys.argv[1], int(sys.argv[2])))
