# SPDX-License-Identifier: LGPL-2.1-or-later
"""The PyGObject override (python/gi/overrides/GCurl.py), loaded through
PYTHONPATH as an installed one is through sys.path."""

import pathlib

import gi
import pytest

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402

from conftest import perform, run_until, sha256_file  # noqa: E402


def test_override_is_loaded():
    assert GCurl.Transfer.__module__ == "gi.overrides.GCurl"
    assert GCurl.MultiSource.__module__ == "gi.overrides.GCurl"
    # Instances made by the C constructors get the override class too.
    assert isinstance(GCurl.Transfer.new("http://127.0.0.1/"), GCurl.Transfer)
    assert type(GCurl.MultiSource.new()) is GCurl.MultiSource


def test_transfer_takes_the_url_positionally(servers):
    transfer = GCurl.Transfer(servers.http + "/1k", timeout=5000)
    assert transfer.props.url == servers.http + "/1k"
    assert transfer.props.timeout == 5000
    assert GCurl.Transfer().props.url is None
    assert GCurl.Transfer(url="http://127.0.0.1/a").props.url == "http://127.0.0.1/a"
    with pytest.raises(TypeError):
        GCurl.Transfer("http://127.0.0.1/a", url="http://127.0.0.1/b")
    source = GCurl.MultiSource.new()
    assert perform(source, transfer) is None
    assert transfer.get_body().get_data() == (pathlib.Path(servers.docroot) / "1k").read_bytes()


@pytest.mark.parametrize("kind", ["str", "pathlib", "bytes", "gfile"])
def test_set_output_file_takes_a_path(servers, tmp_path, kind):
    dest = tmp_path / "100k"
    arg = {"str": str(dest), "pathlib": dest, "bytes": str(dest).encode(),
           "gfile": Gio.File.new_for_path(str(dest))}[kind]
    transfer = GCurl.Transfer(servers.http + "/100k")
    transfer.set_output_file(arg)  # flags default to NONE
    assert transfer.get_output_file().get_path() == str(dest)
    assert perform(GCurl.MultiSource.new(), transfer) is None
    assert sha256_file(dest) == servers.sha256_of("100k")

    # NONE: the destination now exists, so a second run fails with EXISTS
    # and leaves the file alone.
    error = perform(GCurl.MultiSource.new(), transfer)
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.EXISTS)
    assert sha256_file(dest) == servers.sha256_of("100k")

    with pytest.raises(TypeError):
        transfer.set_output_file(42)


def test_download_async_takes_a_path(servers, tmp_path):
    source = GCurl.MultiSource.new()
    results = []

    def done(src, res, name):
        try:
            results.append((name, src.download_finish(res)))
        except GLib.Error as e:
            results.append((name, e))

    source.download_async(servers.http + "/1m", tmp_path / "1m", callback=done, user_data="a")
    # Positional flags and user data still work as in the plain binding.
    source.download_async(servers.soup + "/status?code=404", str(tmp_path / "missing"),
                          GCurl.DownloadFlags.REPLACE, None, done, "b")
    run_until(lambda: len(results) == 2)
    outcome = dict(results)
    assert outcome["a"] is True
    assert sha256_file(tmp_path / "1m") == servers.sha256_of("1m")
    assert outcome["b"].matches(GCurl.error_quark(), GCurl.Error.HTTP_STATUS)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["1m"]


def test_response_headers_as_pairs(servers):
    transfer = GCurl.Transfer(servers.http + "/100k")
    assert transfer.get_response_headers() == []
    assert perform(GCurl.MultiSource.new(), transfer) is None
    pairs = transfer.get_response_headers()
    # In the server's order, without the status line.
    assert [name for name, _ in pairs][:2] == ["Server", "Date"]
    assert pairs[0][1].startswith("nginx/")
    headers = {name.lower(): value for name, value in pairs}
    assert headers["content-length"] == "102400"
    assert headers["content-length"] == transfer.get_response_header("Content-Length")
    assert len(pairs) == len(transfer.dup_response_headers())


def test_nul_in_a_string_is_refused():
    # PyGObject 3.42 would cut each of these at the NUL, silently.
    with pytest.raises(ValueError):
        GCurl.Transfer("http://127.0.0.1/before\0after")
    with pytest.raises(ValueError):
        GCurl.Transfer.new("http://127.0.0.1/before\0after")
    with pytest.raises(ValueError):
        GCurl.Transfer(url="http://127.0.0.1/", user_agent="a\0b")
    transfer = GCurl.Transfer("http://127.0.0.1/")
    for call in (lambda: transfer.set_url("http://127.0.0.1/\0"),
                 lambda: transfer.set_method("GET\0"),
                 lambda: transfer.set_user_agent("agent\0evil"),
                 lambda: transfer.set_request_header("X-A\0", "v"),
                 lambda: transfer.set_request_header("X-A", "v\0w"),
                 lambda: GCurl.MultiSource.new().fetch_bytes_async("http://127.0.0.1/\0", None, None),
                 lambda: GCurl.MultiSource.new().download_async("http://127.0.0.1/\0", "/tmp/x")):
        with pytest.raises(ValueError):
            call()
    assert transfer.props.url == "http://127.0.0.1/"
    assert transfer.props.method is None


def test_download_async_flags_left_out_positionally(servers, tmp_path):
    source = GCurl.MultiSource.new()
    result = {}

    def done(src, res):
        result["ok"] = src.download_finish(res)

    # download_async(url, path, cancellable, callback), as the docs show it.
    source.download_async(servers.http + "/1k", tmp_path / "a", None, done)
    run_until(lambda: result)
    assert result["ok"] is True
    assert sha256_file(tmp_path / "a") == servers.sha256_of("1k")

    result.clear()
    source.download_async(servers.http + "/1k", tmp_path / "b", Gio.Cancellable(), done)
    run_until(lambda: result)
    assert result["ok"] is True

    # With flags, positionally, as before.
    result.clear()
    source.download_async(servers.http + "/1k", tmp_path / "a", GCurl.DownloadFlags.REPLACE, None, done)
    run_until(lambda: result)
    assert result["ok"] is True
