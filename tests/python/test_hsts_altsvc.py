# SPDX-License-Identifier: LGPL-2.1-or-later
"""GCurl.MultiSource:hsts-file and :alt-svc-file against nginx, with the
name localhost mapped to 127.0.0.1 (libcurl ignores HSTS for addresses)."""

import gc
import os
from urllib.parse import urlsplit

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl  # noqa: E402

from conftest import perform  # noqa: E402


def transfer(servers, url):
    port = urlsplit(servers.https).port
    t = GCurl.Transfer.new(url)
    t.props.resolve = [f"localhost:{port}:127.0.0.1",
                       f"localhost:{os.environ['NGINX_ALT_PORT']}:127.0.0.1"]
    t.props.tls_ca_file = servers.ca_file
    return t


def test_hsts_upgrades_and_persists(servers, tmp_path):
    port = urlsplit(servers.https).port
    plain = f"http://localhost:{port}/1k"      # cleartext to the TLS port
    hsts = tmp_path / "hsts.txt"

    # Without it, cleartext reaches the TLS port, which refuses it.
    source = GCurl.MultiSource.new()
    t = transfer(servers, plain)
    error = perform(source, t)
    assert error is not None and t.props.response_code == 400

    source = GCurl.MultiSource(hsts_file=str(hsts))
    assert perform(source, transfer(servers, f"https://localhost:{port}/hsts/1k")) is None
    t = transfer(servers, plain)
    assert perform(source, t) is None
    assert t.props.effective_url == f"https://localhost:{port}/1k"
    assert t.get_body().get_data() == servers.pattern(1024)

    # Written when the source goes; the next one reads it.
    source.run_dispose()
    del source, t
    gc.collect()
    assert "localhost" in hsts.read_text()
    source = GCurl.MultiSource(hsts_file=str(hsts))
    t = transfer(servers, plain)
    assert perform(source, t) is None
    assert t.props.effective_url.startswith("https://")


def test_alt_svc_file(servers, tmp_path):
    port = urlsplit(servers.https).port
    alt = int(os.environ["NGINX_ALT_PORT"])
    altsvc = tmp_path / "altsvc.txt"
    source = GCurl.MultiSource(alt_svc_file=str(altsvc))

    t = transfer(servers, f"https://localhost:{port}/altsvc/1k")
    assert perform(source, t) is None
    assert t.dup_remote_address().get_port() == port
    # The run wrote what it learnt at its end; the next one goes there.
    assert f"localhost {alt}" in altsvc.read_text()
    t = transfer(servers, f"https://localhost:{port}/1k")
    assert perform(source, t) is None
    assert t.dup_remote_address().get_port() == alt
    assert t.get_body().get_data() == servers.pattern(1024)

    # Without the file, nothing is remembered.
    source = GCurl.MultiSource.new()
    assert perform(source, transfer(servers, f"https://localhost:{port}/altsvc/1k")) is None
    t = transfer(servers, f"https://localhost:{port}/1k")
    assert perform(source, t) is None
    assert t.dup_remote_address().get_port() == port
