# SPDX-License-Identifier: LGPL-2.1-or-later
"""The program a newcomer writes from the docs (what a first program needs):
200 downloads at once from nginx over HTTP/1.1 and HTTP/2 into a folder,
with per-file progress, every file's SHA-256 checked, one cancelled and one
resumed after its connection dropped, in a GLib.MainLoop, without threads."""

import hashlib
import os
import threading
import uuid

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402


def test_two_hundred_downloads(servers, tmp_path):
    loop = GLib.MainLoop()
    source = GCurl.MultiSource.new()
    tag = uuid.uuid4().hex
    sizes = ["1k", "100k", "1m"]
    expected = {name: servers.sha256_of(name) for name in sizes}
    progress = {}
    outcome = {}
    pending = set()

    def finished(source, result, transfer):
        key = transfer.get_output_file().get_basename()
        try:
            source.perform_finish(result)
            outcome[key] = "ok"
        except GLib.Error as e:
            if key == "dropped" and e.matches(GCurl.error_quark(), GCurl.Error.PARTIAL) \
                    and key not in outcome:
                # The connection dropped: run it again, it resumes.
                outcome[key] = "dropped once"
                source.perform_async(transfer, None, finished, transfer)
                return
            outcome[key] = e
        pending.discard(key)
        if not pending:
            loop.quit()

    def start(url, name, cancellable=None, **props):
        transfer = GCurl.Transfer.new(url)
        for prop, value in props.items():
            transfer.set_property(prop, value)
        dest = Gio.File.new_for_path(str(tmp_path / name))
        transfer.set_output_file(dest, GCurl.DownloadFlags.RESUME)
        progress[name] = []
        transfer.connect("notify::bytes-received",
                         lambda t, pspec: progress[name].append(t.props.bytes_received))
        pending.add(name)
        source.perform_async(transfer, cancellable, finished, transfer)
        return transfer

    for i in range(200):
        size = sizes[i % 3]
        if i % 2:
            start(f"{servers.https}/{size}?{tag}={i}", f"{i:03d}-{size}",
                  tls_ca_file=servers.ca_file)
        else:
            start(f"{servers.http}/{size}?{tag}={i}", f"{i:03d}-{size}")

    # One slow download the user cancels once it has started to arrive.
    cancellable = Gio.Cancellable()
    slow = start(f"{servers.http}/16m", "cancelled", cancellable, max_recv_speed=1024 * 1024)
    slow.connect("notify::bytes-received",
                 lambda t, pspec: t.props.bytes_received > 0 and cancellable.cancel())

    # One whose connection drops after 700,000 of 2,000,000 bytes.
    start(f"{servers.soup}/drop?n=2000000&after=700000", "dropped")

    loop.run()
    assert threading.active_count() == 1  # never a thread of ours

    for i in range(200):
        name = f"{i:03d}-{sizes[i % 3]}"
        assert outcome[name] == "ok", outcome[name]
        with open(tmp_path / name, "rb") as f:
            assert hashlib.sha256(f.read()).hexdigest() == expected[sizes[i % 3]]
        assert progress[name][-1] == os.path.getsize(tmp_path / name)

    assert outcome["cancelled"].matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert outcome["dropped"] == "ok"
    assert (tmp_path / "dropped").read_bytes() == servers.pattern(2000000)
    # It resumed at 700,000 rather than starting over.
    assert progress["dropped"] == sorted(progress["dropped"])
    assert progress["dropped"][-1] == 2000000
    assert 0 < max(progress["cancelled"]) < 16 * 1024 * 1024

    # No failed or cancelled download left anything under a final name,
    # nor a partial file once done.
    leftovers = sorted(p.name for p in tmp_path.iterdir())
    assert "cancelled" not in leftovers and "cancelled.part" not in leftovers
    assert not [n for n in leftovers if n.endswith(".part")]
    assert len(leftovers) == 201

    # The HTTP/2 half shared connections (multiplexed), the HTTP/1.1 half
    # did not need one each either.
    connections = servers.https_connections(tag)
    print(f"100 HTTP/2 downloads used {len(connections)} connection(s)")
    assert len(connections) == 1
