#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""verify.py DIR URL [SHA256]: download URL into DIR under the name the
server gives, check its SHA-256 (given, or sent by the server), retry
what is worth retrying.

Prints each state the download goes through, then the file's path and
"verified sha256=..." or "not verified". Exits 1 if it failed.
"""

import sys

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib  # noqa: E402


def main(folder, url, sha256=None):
    loop = GLib.MainLoop()
    source = GCurl.MultiSource.new()
    download = GCurl.Download.new_for_folder(url, folder)
    if sha256:
        download.props.checksum = "sha256=" + sha256
    download.props.retries = 5
    download.connect("notify::state",
                     lambda d, _: print(d.props.state.value_nick, d.props.attempt))
    failed = []

    def done(download, result):
        try:
            download.run_finish(result)
            print(download.props.file.get_path(),
                  "verified " + download.props.verified_checksum
                  if download.props.verified_checksum else "not verified")
        except GLib.Error as e:
            print(f"verify: {e.message}", file=sys.stderr)
            failed.append(e)
        loop.quit()

    download.run_async(source, None, done)
    loop.run()
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) not in (3, 4):
        sys.exit(f"usage: {sys.argv[0]} DIR URL [SHA256]")
    sys.exit(main(*sys.argv[1:]))
