# SPDX-License-Identifier: LGPL-2.1-or-later
"""What a transfer knows of its connection and response, without C: the
HTTP version, the addresses, every value of a repeated header; and a
source's progress of all its transfers together."""

from urllib.parse import quote, urlsplit

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, Gio  # noqa: E402

from conftest import perform, run_until  # noqa: E402


def test_http_versions(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/1k")
    assert t.get_response_http_version() is None
    assert perform(source, t) is None
    assert t.get_response_http_version() == "HTTP/1.1"

    t = GCurl.Transfer.new(servers.https + "/1k")
    t.props.tls_ca_file = servers.ca_file
    assert perform(source, t) is None
    assert t.get_response_http_version() == "HTTP/2"

    t = GCurl.Transfer.new(servers.h2c + "/1k")
    t.props.http_version = GCurl.HttpVersion.HTTP_2_PRIOR_KNOWLEDGE
    assert perform(source, t) is None
    assert t.get_response_http_version() == "HTTP/2"


def test_addresses(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/1k")
    assert t.dup_remote_address() is None and t.dup_local_address() is None
    assert perform(source, t) is None
    remote, local = t.dup_remote_address(), t.dup_local_address()
    assert isinstance(remote, Gio.InetSocketAddress)
    assert remote.get_address().to_string() == "127.0.0.1"
    assert remote.get_port() == urlsplit(servers.http).port
    assert local.get_address().to_string() == "127.0.0.1"
    assert 0 < local.get_port() != remote.get_port()

    t = GCurl.Transfer.new(servers.soup_other + "/echo")
    assert perform(source, t) is None
    assert t.dup_remote_address().get_address().to_string() == "127.0.0.2"


def test_every_value_of_a_repeated_header(servers):
    source = GCurl.MultiSource.new()
    head = ("HTTP/1.1 200 OK\r\nSet-Cookie: a=1\r\nX-Other: x\r\nset-cookie: b=2; Path=/\r\n"
            "Content-Length: 0\r\n\r\n")
    t = GCurl.Transfer.new(servers.soup + "/raw?head=" + quote(head))
    assert perform(source, t) is None
    assert t.get_response_header_all("Set-Cookie") == ["a=1", "b=2; Path=/"]
    assert t.get_response_header("Set-Cookie") == "b=2; Path=/"
    assert t.get_response_header_all("X-Missing") == []


def test_source_progress(servers):
    source = GCurl.MultiSource.new()
    source.props.max_total_connections = 1
    assert source.get_progress() == (0, 0, 0, 0)
    transfers = [GCurl.Transfer.new(servers.http + path) for path in ("/slow/100k", "/1k", "/1m")]
    done = []
    for t in transfers:
        source.perform_async(t, None, lambda s, r: done.append(s.perform_finish(r)))
    run_until(lambda: transfers[0].props.bytes_received > 0)
    received, total, running, queued = source.get_progress()
    # One connection: one runs, two wait for it.
    assert (running, queued) == (1, 2)
    assert 0 < received < 100 * 1024
    assert total == -1            # the waiting ones have no size yet
    run_until(lambda: len(done) == 3, timeout=60)
    assert source.get_progress() == (0, 0, 0, 0)
