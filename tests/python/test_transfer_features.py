# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every GCurl.Transfer setting and output, as a Python program uses them."""

import hashlib
import os

import gi
import pytest

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402

from conftest import perform  # noqa: E402


def test_request_method_headers_and_bytes_body(servers):
    source = GCurl.MultiSource.new()
    body = servers.pattern(200000)
    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.props.method = "PUT"
    t.set_request_body_bytes(GLib.Bytes.new(body), "application/x-test")
    t.set_request_header("X-Test", "from python")
    t.set_request_header("Accept", None)
    t.props.user_agent = "python-test/1"
    sent = []
    t.connect("notify::bytes-sent", lambda t, _: sent.append(t.props.bytes_sent))
    t.props.progress_interval = 0

    assert perform(source, t) is None
    assert t.get_response_header("x-echo-method") == "PUT"
    assert t.get_response_header("X-Echo-Test") == "from python"
    assert t.get_response_header("X-Echo-User-Agent") == "python-test/1"
    assert t.get_response_header("X-Echo-Content-Type") == "application/x-test"
    assert t.get_response_header("X-Echo-Accept") is None
    assert t.get_body().get_data() == body
    assert t.props.bytes_sent == 200000 and t.props.total_bytes_to_send == 200000
    assert sent and sent[-1] == 200000
    assert "X-Echo-Method: PUT" in t.dup_response_headers()


def test_no_user_agent_by_default(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/echo")
    assert t.props.user_agent is None
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-User-Agent") is None
    t.props.user_agent = "python-test/2"
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-User-Agent") == "python-test/2"
    t.props.user_agent = None
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-User-Agent") is None


def test_request_body_from_stream(servers):
    source = GCurl.MultiSource.new()
    body = servers.pattern(150000)
    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.set_request_body_stream(Gio.MemoryInputStream.new_from_bytes(GLib.Bytes.new(body)), -1, None)
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-Method") == "POST"
    assert t.get_body().get_data() == body


def test_output_stream_and_signal(servers):
    source = GCurl.MultiSource.new()
    out = Gio.MemoryOutputStream.new_resizable()
    t = GCurl.Transfer.new(servers.soup + "/bytes?n=70000")
    t.set_output_stream(out)
    assert t.props.output == GCurl.Output.STREAM
    assert perform(source, t) is None
    out.close()
    assert out.steal_as_bytes().get_data() == servers.pattern(70000)
    assert t.get_body() is None

    chunks = []
    t = GCurl.Transfer.new(servers.soup + "/bytes?n=300000")
    t.set_output_signal()
    t.connect("data-received", lambda t, data: chunks.append(data.get_data()))
    assert perform(source, t) is None
    assert len(chunks) > 1
    assert b"".join(chunks) == servers.pattern(300000)


def test_redirects_and_effective_url(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/redirect?n=3")
    assert perform(source, t) is None
    assert t.props.effective_url == servers.soup + "/bytes?n=1024"
    assert t.get_timing(GCurl.Timing.REDIRECT) > 0

    t.props.max_redirects = 2
    error = perform(source, t)
    assert error.matches(GCurl.error_quark(), GCurl.Error.TOO_MANY_REDIRECTS)

    t.props.follow_redirects = False
    assert perform(source, t) is None
    assert t.props.response_code == 302


def test_resume_from_and_http_errors_told_otherwise(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/bytes?n=10000")
    t.props.resume_from = 4000
    assert perform(source, t) is None
    assert t.props.response_code == 206
    assert t.get_body().get_data() == servers.pattern(6000, offset=4000)
    assert (t.props.bytes_received, t.props.total_bytes) == (10000, 10000)

    t = GCurl.Transfer.new(servers.soup + "/status?code=404")
    t.props.fail_on_http_error = False
    assert perform(source, t) is None
    assert t.props.state == GCurl.TransferState.SUCCEEDED
    assert t.get_curl_code() == 0


def test_tls_settings_and_http_versions(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.https + "/1k")
    assert t.props.tls_verify_peer and t.props.tls_verify_host
    t.props.tls_verify_peer = False
    t.props.tls_verify_host = False
    assert perform(source, t) is None
    assert t.get_timing(GCurl.Timing.TLS_HANDSHAKE) > 0
    # -1 before libcurl 8.6; otherwise part of the total.
    queue = t.get_timing(GCurl.Timing.QUEUE)
    assert queue == -1 or 0 <= queue <= t.get_timing(GCurl.Timing.TOTAL)

    t = GCurl.Transfer.new(servers.https + "/100k")
    t.props.tls_ca_file = servers.ca_file
    t.props.http_version = GCurl.HttpVersion.HTTP_1_1
    assert perform(source, t) is None
    assert t.get_body().get_data() == servers.pattern(100 * 1024)

    # Cleartext HTTP/2 (prior knowledge), twice in a row.
    t = GCurl.Transfer.new(servers.h2c + "/100k")
    t.props.http_version = GCurl.HttpVersion.HTTP_2_PRIOR_KNOWLEDGE
    for _ in range(2):
        assert perform(source, t) is None
        assert t.get_body().get_data() == servers.pattern(100 * 1024)


def test_http3(servers):
    """HTTP/3 where libcurl and nginx have it (Debian 13); elsewhere
    HTTP_3 falls back to HTTP/2 and HTTP_3_ONLY says why it cannot."""
    source = GCurl.MultiSource.new()
    h3 = os.environ.get("NGINX_H3_URL")
    want = hashlib.sha256(servers.pattern(100 * 1024)).hexdigest()

    t = GCurl.Transfer.new((h3 or servers.https) + "/100k")
    t.props.tls_ca_file = servers.ca_file
    t.props.http_version = GCurl.HttpVersion.HTTP_3_ONLY
    error = perform(source, t)
    if error is None:
        assert h3 is not None
        assert hashlib.sha256(t.get_body().get_data()).hexdigest() == want
    else:
        assert error.matches(GCurl.error_quark(), GCurl.Error.UNSUPPORTED_PROTOCOL), error.message
        assert "no HTTP/3" in error.message
        assert t.props.state == GCurl.TransferState.FAILED

    # With fallback, against a server without QUIC: TCP serves it.
    t = GCurl.Transfer.new(servers.https + "/100k")
    t.props.tls_ca_file = servers.ca_file
    t.props.http_version = GCurl.HttpVersion.HTTP_3
    assert perform(source, t) is None
    assert hashlib.sha256(t.get_body().get_data()).hexdigest() == want


def test_timeouts_and_speed_limits(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/stall?n=1000")
    t.set_low_speed_limit(1000, 1)
    assert (t.props.low_speed_limit, t.props.low_speed_time) == (1000, 1)
    assert (t.get_low_speed_limit(), t.get_low_speed_time()) == (1000, 1)
    error = perform(source, t)
    assert error.matches(GCurl.error_quark(), GCurl.Error.TIMED_OUT)

    # libcurl checks the limit between reads and starts with a burst that
    # grows with the receive buffer: a small one keeps it within the bound
    # (as /GCurl/Transfer/max-recv-speed does; 6.6 MB/s against 4 MiB/s was
    # seen with the 32 KiB default on a loaded machine).
    t = GCurl.Transfer.new(servers.soup + "/bytes?n=4194304")
    t.props.receive_buffer_size = 4096
    t.props.max_recv_speed = 2 * 1024 * 1024
    assert perform(source, t) is None
    assert t.get_body().get_size() == 4194304
    assert t.props.download_speed < 3 * 1024 * 1024


def test_done_signal_for_transfers(servers):
    source = GCurl.MultiSource.new()
    order = []
    source.connect("done", lambda src, easy, result: order.append(("done", result)))
    source.connect("transfer-finished", lambda src, t: order.append(("transfer-finished", 0)))
    t = GCurl.Transfer.new(servers.soup + "/bytes?n=10")
    t.connect("finished", lambda t: order.append(("finished", 0)))
    assert perform(source, t) is None
    assert order == [("done", 0), ("finished", 0), ("transfer-finished", 0)]


def test_receive_buffer_size(servers):
    source = GCurl.MultiSource.new()
    expected = servers.pattern(4 * 1024 * 1024)

    def chunk_sizes(transfer):
        sizes = []
        transfer.set_output_signal()
        transfer.connect("data-received", lambda t, data: sizes.append(data.get_size()))
        assert perform(source, transfer) is None
        return sizes

    # The default, 32 KiB. libcurl hands the body over in pieces of at most
    # 16 KiB (CURL_MAX_WRITE_SIZE) whatever its buffer; a bigger buffer
    # means fewer reads from the socket, not bigger pieces.
    t = GCurl.Transfer.new(servers.http + "/16m")
    assert t.props.receive_buffer_size == 32 * 1024
    sizes = chunk_sizes(t)
    assert sum(sizes) == 16 * 1024 * 1024
    assert max(sizes) == 16 * 1024

    # A small buffer: no write larger than it, the same bytes.
    t = GCurl.Transfer.new(servers.soup + "/bytes?n=%d" % len(expected))
    t.props.receive_buffer_size = 4096
    body = []
    t.set_output_signal()
    t.connect("data-received", lambda t, data: body.append(data.get_data()))
    assert perform(source, t) is None
    assert max(len(b) for b in body) <= 4096
    assert b"".join(body) == expected

    with pytest.raises((TypeError, OverflowError, ValueError)):
        t.props.receive_buffer_size = -1
