# SPDX-License-Identifier: LGPL-2.1-or-later
"""Pull streams: GCurl.MultiSource.send_async() and the Gio.InputStream it
gives, read by real consumers (GdkPixbuf, json-glib, splice) and by a
blocking reader in another thread."""

import hashlib
import json
import os
import threading

import gi

gi.require_version("GCurl", "1.0")
gi.require_version("GdkPixbuf", "2.0")
gi.require_version("Json", "1.0")
from gi.repository import GCurl, GdkPixbuf, Gio, GLib, Json  # noqa: E402

from conftest import run_until, sha256_file  # noqa: E402


def send(source, transfer):
    """send_async() to its head: the stream, or the GLib.Error."""
    result = {}

    def done(src, res):
        try:
            result["stream"] = src.send_finish(res)
        except GLib.Error as e:
            result["error"] = e

    source.send_async(transfer, GLib.PRIORITY_DEFAULT, None, done)
    run_until(lambda: result)
    return result.get("stream"), result.get("error")


def read_all(stream):
    """Reads the stream to its end with read_bytes_async()."""
    chunks, done = [], []

    def on_read(s, res):
        try:
            b = s.read_bytes_finish(res)
        except GLib.Error as e:
            done.append(e)
            return
        if b.get_size() == 0:
            done.append(None)
            return
        chunks.append(b.get_data())
        s.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None, on_read)

    stream.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None, on_read)
    run_until(lambda: done)
    return b"".join(chunks), done[0]


def test_body_read_from_the_stream(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/1m")
    stream, error = send(source, t)
    assert error is None and isinstance(stream, Gio.InputStream)
    # The head is in when the stream comes.
    assert t.props.response_code == 200
    assert t.get_response_header("Content-Length") == "1048576"
    body, error = read_all(stream)
    assert error is None
    assert hashlib.sha256(body).hexdigest() == servers.sha256_of("1m")
    run_until(lambda: t.props.state == GCurl.TransferState.SUCCEEDED)


def test_any_status_and_its_body(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.props.method = "POST"
    t.set_request_body_bytes(GLib.Bytes.new(b"not found, but here"), "text/plain")
    stream, error = send(source, t)
    assert error is None and t.props.response_code == 200
    assert read_all(stream) == (b"not found, but here", None)

    t = GCurl.Transfer.new(servers.soup + "/status?code=404")
    assert t.props.fail_on_http_error       # not for send_async()
    stream, error = send(source, t)
    assert error is None and t.props.response_code == 404
    body, error = read_all(stream)
    assert error is None


def test_errors_before_and_after_the_head(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new("http://127.0.0.1:9/")
    stream, error = send(source, t)
    assert stream is None and error.matches(GCurl.error_quark(), GCurl.Error.CONNECT_FAILED)

    # The connection drops after 100 of 10,000 bytes: the read says so.
    t = GCurl.Transfer.new(servers.soup + "/drop?n=10000&after=100")
    stream, error = send(source, t)
    assert error is None
    body, error = read_all(stream)
    assert body == servers.pattern(100)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.PARTIAL)


def test_closing_early_cancels(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/16m")
    stream, error = send(source, t)
    assert error is None
    done = []
    stream.read_bytes_async(65536, GLib.PRIORITY_DEFAULT, None,
                            lambda s, r: done.append(s.read_bytes_finish(r)))
    run_until(lambda: done)
    assert done[0].get_data() == servers.pattern(done[0].get_size())
    stream.close(None)
    run_until(lambda: t.props.state == GCurl.TransferState.CANCELLED)
    assert t.props.bytes_received < 16 * 1024 * 1024


def test_gdk_pixbuf(servers, tmp_path):
    pixbuf = GdkPixbuf.Pixbuf.new(GdkPixbuf.Colorspace.RGB, True, 8, 160, 120)
    pixbuf.fill(0x3366ccff)
    path = os.path.join(servers.docroot, "pixbuf-test.png")
    pixbuf.savev(path, "png", ["compression"], ["0"])      # about 75 KB
    try:
        source = GCurl.MultiSource.new()
        t = GCurl.Transfer.new(servers.http + "/pixbuf-test.png")
        stream, error = send(source, t)
        assert error is None
        result = []
        GdkPixbuf.Pixbuf.new_from_stream_async(
            stream, None, lambda s, r: result.append(GdkPixbuf.Pixbuf.new_from_stream_finish(r)))
        run_until(lambda: result)
        got = result[0]
        assert (got.get_width(), got.get_height()) == (160, 120)
        assert got.get_pixels() == pixbuf.get_pixels()
    finally:
        os.unlink(path)


def test_json_glib_20_mb(servers):
    items = [{"id": i, "name": f"item {i}", "tags": ["a", "b", "c"], "value": i * 0.5}
             for i in range(260000)]
    path = os.path.join(servers.docroot, "big.json")
    with open(path, "w") as f:
        json.dump({"items": items}, f)
    assert os.path.getsize(path) > 20 * 1000 * 1000
    try:
        source = GCurl.MultiSource.new()
        t = GCurl.Transfer.new(servers.http + "/big.json")
        stream, error = send(source, t)
        assert error is None
        parser = Json.Parser.new()
        done = []
        parser.load_from_stream_async(stream, None,
                                      lambda p, r: done.append(p.load_from_stream_finish(r)))
        run_until(lambda: done, timeout=120)
        root = parser.get_root().get_object()
        array = root.get_array_member("items")
        assert array.get_length() == 260000
        last = array.get_object_element(259999)
        assert last.get_int_member("id") == 259999
        assert last.get_string_member("name") == "item 259999"
    finally:
        os.unlink(path)


def test_splice_into_a_file(servers, tmp_path):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/16m")
    stream, error = send(source, t)
    assert error is None
    out = Gio.File.new_for_path(str(tmp_path / "spliced")).replace(
        None, False, Gio.FileCreateFlags.NONE, None)
    done = []
    out.splice_async(stream, Gio.OutputStreamSpliceFlags.CLOSE_SOURCE
                     | Gio.OutputStreamSpliceFlags.CLOSE_TARGET,
                     GLib.PRIORITY_DEFAULT, None, lambda o, r: done.append(o.splice_finish(r)))
    run_until(lambda: done, timeout=60)
    assert done[0] == 16 * 1024 * 1024
    assert sha256_file(tmp_path / "spliced") == servers.sha256_of("16m")


def test_blocking_read_from_another_thread(servers):
    """As gdk-pixbuf and json-glib read in their worker threads: the
    blocking read waits there while the main loop delivers."""
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/16m")
    stream, error = send(source, t)
    assert error is None
    digest = hashlib.sha256()
    result = []

    def reader():
        total = 0
        while True:
            b = stream.read_bytes(100000, None)
            if b.get_size() == 0:
                break
            total += b.get_size()
            digest.update(b.get_data())
        result.append(total)

    thread = threading.Thread(target=reader)
    thread.start()
    run_until(lambda: result, timeout=60)
    thread.join()
    assert result[0] == 16 * 1024 * 1024
    assert digest.hexdigest() == servers.sha256_of("16m")
