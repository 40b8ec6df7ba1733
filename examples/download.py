#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""download.py DIR URL...: download every URL at once into DIR with progress.

Each file is saved under the name its URL suggests, resuming a partial
download an earlier run left. A line is printed per progress notification
(at most every 100 ms per file) and one per finished file with its SHA-256.
Exits 1 if any download failed.
"""

import hashlib
import os
import sys

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402


def main(folder, urls):
    loop = GLib.MainLoop()
    source = GCurl.MultiSource.new()
    failed = []
    running = len(urls)

    def on_progress(transfer, pspec):
        name = transfer.dup_suggested_filename()
        total = transfer.props.total_bytes
        received = transfer.props.bytes_received
        if total > 0:
            print(f"{name}: {received} of {total} bytes ({100 * received // total}%)")
        else:
            print(f"{name}: {received} bytes")

    def on_done(source, result, transfer):
        nonlocal running
        path = transfer.get_output_file().get_path()
        try:
            source.perform_finish(result)
            with open(path, "rb") as f:
                print(f"{path}: done, sha256 {hashlib.sha256(f.read()).hexdigest()}")
        except GLib.Error as e:
            print(f"{path}: {e.message}", file=sys.stderr)
            failed.append(path)
        running -= 1
        if running == 0:
            loop.quit()

    names = set()
    for url in urls:
        transfer = GCurl.Transfer.new(url)
        # Two URLs may suggest the same name: number the later ones.
        name = base = transfer.dup_suggested_filename()
        n = 2
        while name in names:
            name, n = f"{base}-{n}", n + 1
        names.add(name)
        dest = Gio.File.new_for_path(os.path.join(folder, name))
        transfer.set_output_file(dest, GCurl.DownloadFlags.RESUME | GCurl.DownloadFlags.REPLACE)
        transfer.connect("notify::bytes-received", on_progress)
        source.perform_async(transfer, None, on_done, transfer)

    loop.run()
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 3:
        sys.exit(f"usage: {sys.argv[0]} DIR URL...")
    sys.exit(main(sys.argv[1], sys.argv[2:]))
