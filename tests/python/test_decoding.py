# SPDX-License-Identifier: LGPL-2.1-or-later
"""Content decoding: GCurl.Transfer:accept-encoding, gzip, brotli and zstd
bodies from nginx, and what bytes-received, total-bytes and
wire-bytes-received say about them."""

import os

import gi
import pytest

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, Gio  # noqa: E402

from conftest import perform  # noqa: E402


def encoded(servers, ext):
    path = os.path.join(servers.docroot, "enc", "text" + ext)
    if not os.path.exists(path):
        pytest.skip(f"no {ext} tool to make {path}")
    return path


def original(servers):
    with open(os.path.join(servers.docroot, "enc", "text"), "rb") as f:
        return f.read()


@pytest.mark.parametrize("ext", [".gz", ".br", ".zst"])
def test_memory_output_decodes_by_default(servers, ext):
    path = encoded(servers, ext)
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/enc/text" + ext)
    totals = []
    t.props.progress_interval = 0
    t.connect("notify::total-bytes", lambda t, _: totals.append(t.props.total_bytes))
    assert t.props.accept_encoding is None
    assert perform(source, t) is None
    body = original(servers)
    assert t.get_body().get_data() == body
    assert t.props.bytes_received == len(body)
    assert t.props.wire_bytes_received == os.path.getsize(path)
    assert t.props.wire_bytes_received < len(body) // 4
    # Unknown (-1) until the end, never the encoded Content-Length.
    assert totals[-1] == len(body)
    assert os.path.getsize(path) not in totals


def test_what_is_asked_for(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/echo")
    assert perform(source, t) is None
    asked = {e.strip() for e in t.get_response_header("X-Echo-Accept-Encoding").split(",")}
    assert {"gzip", "deflate"} <= asked
    t.props.accept_encoding = "gzip"
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-Accept-Encoding") == "gzip"
    t.props.accept_encoding = "identity"
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-Accept-Encoding") == "identity"


def test_identity_keeps_the_encoded_bytes(servers):
    path = encoded(servers, ".gz")
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/enc/text.gz")
    t.props.accept_encoding = "identity"
    assert perform(source, t) is None
    with open(path, "rb") as f:
        assert t.get_body().get_data() == f.read()
    assert t.props.total_bytes == t.props.wire_bytes_received == os.path.getsize(path)


def test_max_size_counts_decoded_bytes(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/enc/text.gz")
    t.props.max_size = 512 * 1024      # the .gz is far smaller, the text is 1 MiB
    error = perform(source, t)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.TOO_LARGE)


def test_signal_and_stream_outputs_decode(servers, tmp_path):
    source = GCurl.MultiSource.new()
    body = original(servers)
    t = GCurl.Transfer.new(servers.http + "/enc/text.gz")
    t.set_output_signal()
    pieces = []
    t.connect("data-received", lambda t, b: pieces.append(b.get_data()))
    assert perform(source, t) is None
    assert b"".join(pieces) == body

    out = Gio.MemoryOutputStream.new_resizable()
    t = GCurl.Transfer.new(servers.http + "/enc/text.gz")
    t.set_output_stream(out)
    assert perform(source, t) is None
    out.close()
    assert out.steal_as_bytes().get_data() == body


def test_file_downloads_stay_identity(servers, tmp_path):
    # A file keeps the bytes as served, so that a resume's range is of them.
    path = encoded(servers, ".gz")
    source = GCurl.MultiSource.new()
    dest = tmp_path / "text.gz"
    t = GCurl.Transfer.new(servers.http + "/enc/text.gz")
    t.set_output_file(Gio.File.new_for_path(str(dest)), GCurl.DownloadFlags.NONE)
    assert perform(source, t) is None
    with open(path, "rb") as f:
        assert dest.read_bytes() == f.read()

    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.set_output_file(Gio.File.new_for_path(str(tmp_path / "echo")), GCurl.DownloadFlags.NONE)
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-Accept-Encoding") is None
