#!/usr/bin/python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""client.py [--user NAME] [--jar FILE] [--hsts FILE] [--field NAME=VALUE]
[--file NAME=PATH] [--body FILE] [--cacert FILE] [--resolve HOST:PORT:ADDRESS]
[--proxy URL] URL...: a REST client.

Fetches each URL in turn on one source, with the password for --user from
the GCURL_PASSWORD environment variable (never from the command line),
cookies kept in the --jar file and HTTPS-only hosts in the --hsts file.
The proxy is the desktop's (GNOME's settings, the portal, or http_proxy),
unless --proxy gives one ("" for none).
With --field or --file, each URL gets a multipart/form-data POST of them
(files streamed from disk). Bodies are decoded (gzip, brotli, zstd). Prints for each URL its status,
HTTP version, server address, decoded size and size on the wire, and at
the end the number of cookies (and writes the last body to the --body
file); exits 1 with the error on failure.
"""

import argparse
import os
import sys

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402


def fetch_all(source, transfers):
    loop = GLib.MainLoop()
    failure = []

    def run_next():
        if not transfers:
            loop.quit()
            return
        source.perform_async(transfers[0], None, finished)

    def finished(source, result):
        t = transfers.pop(0)
        try:
            source.perform_finish(result)
        except GLib.Error as e:
            failure.append(e.message)
            loop.quit()
            return
        address = t.dup_remote_address()
        print(f"{t.props.response_code} {t.get_response_http_version()} "
              f"{address.get_address().to_string()}:{address.get_port()} "
              f"{t.props.bytes_received} bytes ({t.props.wire_bytes_received} on the wire)")
        run_next()

    run_next()
    loop.run()
    return failure[0] if failure else None


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--user")
    parser.add_argument("--jar", help="cookie file (Netscape format)")
    parser.add_argument("--hsts", help="HSTS cache file")
    parser.add_argument("--field", action="append", default=[], metavar="NAME=VALUE")
    parser.add_argument("--file", action="append", default=[], metavar="NAME=PATH")
    parser.add_argument("--body", help="where to write the last response body")
    parser.add_argument("--cacert", help="PEM certificates to trust instead of the system's")
    parser.add_argument("--resolve", action="append", default=[], metavar="HOST:PORT:ADDRESS")
    parser.add_argument("--proxy", help='proxy URL, "" for none (default: the desktop\'s)')
    parser.add_argument("urls", nargs="+")
    args = parser.parse_args()

    form = None
    if args.field or args.file:
        form = GCurl.Form.new()
        for item in args.field:
            name, _, value = item.partition("=")
            form.add_field(name, value)
        for item in args.file:
            name, _, path = item.partition("=")
            form.add_file(name, Gio.File.new_for_commandline_arg(path), None)

    source = GCurl.MultiSource(cookie_jar=args.jar, hsts_file=args.hsts)
    transfers = []
    for url in args.urls:
        t = GCurl.Transfer.new(url)
        if form:
            t.set_request_body_form(form)
        if args.cacert:
            t.props.tls_ca_file = args.cacert
        t.props.resolve = args.resolve or None
        t.props.proxy = args.proxy
        if args.user:
            t.props.username = args.user
            t.props.password = os.environ.get("GCURL_PASSWORD", "")
        transfers.append(t)

    transfers_made = list(transfers)
    error = fetch_all(source, transfers)
    if error:
        print(f"client: {error}", file=sys.stderr)
        return 1
    print(f"{len(source.dup_cookies())} cookies")
    if args.body:
        with open(args.body, "wb") as f:
            f.write(transfers_made[-1].get_body().get_data())
    return 0


if __name__ == "__main__":
    sys.exit(main())
