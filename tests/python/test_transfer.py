# SPDX-License-Identifier: LGPL-2.1-or-later
"""GCurl.Transfer and the async API as a Python program uses them."""

import gc
import os
import socket
import uuid
import weakref

import gi
import pytest

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402

from conftest import perform, run_for, run_until, sha256_file  # noqa: E402


def test_fetch_bytes(servers):
    source = GCurl.MultiSource.new()
    got = {}

    def done(src, res):
        got["bytes"] = src.fetch_bytes_finish(res)

    source.fetch_bytes_async(servers.soup + "/bytes?n=100000", None, done)
    run_until(lambda: got)
    assert got["bytes"].get_data() == servers.pattern(100000)


def test_download_file_with_progress(servers, tmp_path):
    source = GCurl.MultiSource.new()
    dest = tmp_path / "16m.bin"
    transfer = GCurl.Transfer.new(servers.http + "/16m")
    transfer.set_output_file(Gio.File.new_for_path(str(dest)), GCurl.DownloadFlags.NONE)
    # Spread over about half a second: several notifications, 100 ms apart.
    transfer.props.max_recv_speed = 32 * 1024 * 1024
    progress = []
    stamps = []

    def on_progress(t, pspec):
        progress.append((t.props.bytes_received, t.props.total_bytes))
        stamps.append(GLib.get_monotonic_time())
    transfer.connect("notify::bytes-received", on_progress)
    states = []
    transfer.connect("notify::state", lambda t, pspec: states.append(t.props.state))

    assert perform(source, transfer) is None
    assert states == [GCurl.TransferState.RUNNING, GCurl.TransferState.SUCCEEDED]
    assert len(progress) >= 2
    assert [p[0] for p in progress] == sorted(p[0] for p in progress)
    # At most one notification per 100 ms, the last one (at the end) excepted.
    gaps = [b - a for a, b in zip(stamps[:-2], stamps[1:-1])]
    assert all(gap >= 99000 for gap in gaps), gaps
    assert progress[-1] == (16 * 1024 * 1024, 16 * 1024 * 1024)
    assert sha256_file(dest) == servers.sha256_of("16m")
    assert not os.path.exists(str(dest) + ".part")
    assert transfer.props.response_code == 200
    assert transfer.get_timing(GCurl.Timing.TOTAL) > 0


def test_download_async_convenience(servers, tmp_path):
    source = GCurl.MultiSource.new()
    dest = Gio.File.new_for_path(str(tmp_path / "100k"))
    result = {}

    def done(src, res):
        result["ok"] = src.download_finish(res)

    source.download_async(servers.http + "/100k", dest, GCurl.DownloadFlags.NONE, None, done)
    run_until(lambda: result)
    assert result["ok"] is True
    assert sha256_file(dest.get_path()) == servers.sha256_of("100k")


def test_resume_after_dropped_connection(servers, tmp_path):
    source = GCurl.MultiSource.new()
    dest = tmp_path / "dropped.bin"
    transfer = GCurl.Transfer.new(servers.soup + "/drop?n=300000&after=100000")
    transfer.set_output_file(Gio.File.new_for_path(str(dest)), GCurl.DownloadFlags.RESUME)

    error = perform(source, transfer)
    assert error.matches(GCurl.error_quark(), GCurl.Error.PARTIAL)
    assert not dest.exists()
    assert os.path.getsize(str(dest) + ".part") == 100000

    # The same transfer again: it asks for the rest with a Range request.
    assert perform(source, transfer) is None
    assert transfer.props.response_code == 206
    assert dest.read_bytes() == servers.pattern(300000)
    assert not os.path.exists(str(dest) + ".part")


@pytest.mark.parametrize("keep", [False, True])
def test_cancelled_download_keeps_partial_only_when_asked(servers, tmp_path, keep):
    source = GCurl.MultiSource.new()
    dest = tmp_path / "cancelled.bin"
    flags = GCurl.DownloadFlags.RESUME
    if keep:
        flags |= GCurl.DownloadFlags.KEEP_PARTIAL
    transfer = GCurl.Transfer.new(servers.soup + "/trickle?n=300000&chunk=1000&interval=5")
    transfer.set_output_file(Gio.File.new_for_path(str(dest)), flags)
    transfer.connect("notify::bytes-received",
                     lambda t, pspec: t.props.bytes_received >= 20000 and t.cancel())

    error = perform(source, transfer)
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert not dest.exists()
    part = tmp_path / "cancelled.bin.part"
    if not keep:
        assert not part.exists()
        return
    kept = part.stat().st_size
    assert 20000 <= kept < 300000

    # Later: the rest, from a server that sends it at once.
    again = GCurl.Transfer.new(servers.soup + "/bytes?n=300000")
    again.set_output_file(Gio.File.new_for_path(str(dest)), GCurl.DownloadFlags.RESUME)
    assert perform(source, again) is None
    assert again.props.response_code == 206
    assert dest.read_bytes() == servers.pattern(300000)


def test_pause_and_resume(servers):
    source = GCurl.MultiSource.new()
    n = 8 * 1024 * 1024
    transfer = GCurl.Transfer.new(servers.soup + f"/bytes?n={n}")
    transfer.props.http_version = GCurl.HttpVersion.HTTP_1_1   # see GCurl.Transfer.pause
    transfer.props.progress_interval = 0
    result = {}
    source.perform_async(transfer, None,
                         lambda src, res: result.setdefault("ok", src.perform_finish(res)))

    run_until(lambda: transfer.props.bytes_received >= 100000 or result)
    assert not result
    transfer.pause()
    assert transfer.props.state == GCurl.TransferState.PAUSED
    run_for(0.05)
    paused_at = transfer.props.bytes_received
    run_for(0.4)
    assert transfer.props.bytes_received == paused_at
    assert paused_at < n
    assert not result

    transfer.resume()
    assert transfer.props.state == GCurl.TransferState.RUNNING
    run_until(lambda: result)
    assert result["ok"] is True
    assert transfer.get_body().get_data() == servers.pattern(n)


def test_cancel_with_cancellable(servers):
    source = GCurl.MultiSource.new()
    transfer = GCurl.Transfer.new(servers.soup + "/stall?n=1000")
    cancellable = Gio.Cancellable()
    finished = []
    transfer.connect("finished", lambda t: finished.append(t.props.state))
    GLib.timeout_add(100, lambda: cancellable.cancel())

    error = perform(source, transfer, cancellable)
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert finished == [GCurl.TransferState.CANCELLED]
    assert transfer.get_error().matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)


def _closed_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


ERROR_CASES = {
    "http-404": (lambda s: s.soup + "/status?code=404", {}, GCurl.Error.HTTP_STATUS),
    "refused": (lambda s: f"http://127.0.0.1:{_closed_port()}/", {}, GCurl.Error.CONNECT_FAILED),
    "dns": (lambda s: "http://gcurl-python.invalid/", {}, GCurl.Error.HOST_NOT_FOUND),
    "timeout": (lambda s: s.soup + "/stall?n=1000", {"timeout": 300}, GCurl.Error.TIMED_OUT),
    "tls-self-signed": (lambda s: s.https + "/1k", {}, GCurl.Error.TLS),
    "size-limit": (lambda s: s.soup + "/bytes?n=100000&chunked=1", {"max_size": 1000},
                   GCurl.Error.TOO_LARGE),
    "redirect-to-file": (lambda s: s.soup + "/redirect?n=1&to=file:///etc/passwd", {},
                         GCurl.Error.UNSUPPORTED_PROTOCOL),
    "dropped": (lambda s: s.soup + "/drop?n=100000&after=10", {}, GCurl.Error.PARTIAL),
}


@pytest.mark.parametrize("case", sorted(ERROR_CASES))
def test_error_classes(servers, case):
    url_of, props, code = ERROR_CASES[case]
    source = GCurl.MultiSource.new()
    url = url_of(servers)
    transfer = GCurl.Transfer.new(url)
    for name, value in props.items():
        transfer.set_property(name.replace("_", "-"), value)

    error = perform(source, transfer)
    assert error is not None
    assert error.matches(GCurl.error_quark(), code), error.message
    assert url in error.message
    assert transfer.props.state == GCurl.TransferState.FAILED
    if case == "http-404":
        assert transfer.props.response_code == 404
        assert transfer.get_body().get_data() == b"status 404\n"


def test_http2_requests_share_one_connection(servers):
    source = GCurl.MultiSource.new()
    tag = uuid.uuid4().hex
    transfers = []
    finished = []
    for i in range(50):
        t = GCurl.Transfer.new(f"{servers.https}/100k?{tag}={i}")
        t.props.tls_ca_file = servers.ca_file
        transfers.append(t)
        source.perform_async(t, None, lambda src, res: finished.append(src.perform_finish(res)))
    run_until(lambda: len(finished) == 50)
    assert finished == [True] * 50
    expected = servers.pattern(100 * 1024)
    assert all(t.get_body().get_data() == expected for t in transfers)
    assert len(servers.https_connections(tag)) == 1


def test_connection_limits(servers):
    source = GCurl.MultiSource.new()
    source.props.max_host_connections = 2
    tag = uuid.uuid4().hex
    finished = []
    urls = []
    for i in range(30):
        t = GCurl.Transfer.new(f"{servers.https}/100k?{tag}={i}")
        t.props.tls_ca_file = servers.ca_file
        t.props.http_version = GCurl.HttpVersion.HTTP_1_1
        source.perform_async(t, None, lambda src, res: finished.append(src.perform_finish(res)))
        urls.append(t.props.url)
    # The model, asked for once the transfers run, lists them in start order.
    model = source.get_transfers()
    assert [model.get_item(i).props.url for i in range(model.get_n_items())] == urls
    run_until(lambda: len(finished) == 30)
    assert finished == [True] * 30
    assert 1 <= len(servers.https_connections(tag)) <= 2
    assert source.get_transfers().get_n_items() == 0


def test_transfer_finished_and_model(servers):
    source = GCurl.MultiSource.new()
    seen = []
    model = source.get_transfers()
    source.connect("transfer-finished",
                   lambda src, t: seen.append((t.props.url, model.get_n_items())))
    urls = [servers.soup + f"/bytes?n={n}" for n in (10, 20, 30)]
    for url in urls:
        source.perform_async(GCurl.Transfer.new(url), None, None)
    assert [model.get_item(i).props.url for i in range(model.get_n_items())] == urls
    run_until(lambda: len(seen) == 3)
    assert sorted(u for u, _ in seen) == sorted(urls)
    assert [n for _, n in seen] == [2, 1, 0]


def test_thousand_transfers_leave_nothing_alive(servers):
    source = GCurl.MultiSource.new()
    refs = []
    done = []
    # The wrappers are kept until every transfer is over, then dropped, so
    # that "finished" is heard whatever PyGObject does with a dropped
    # wrapper's closures; whether the library keeps anything alive is what
    # this test asks. (Why the suite runs without MALLOC_PERTURB_: see
    # tests/meson.build.)
    alive = []
    for i in range(1000):
        t = GCurl.Transfer.new(servers.http + "/1k")
        t.connect("finished", lambda t: done.append(t.props.state))
        refs.append(weakref.ref(t))
        source.perform_async(t, None, None)
        alive.append(t)
        del t
    try:
        run_until(lambda: len(done) == 1000)
    except AssertionError:
        # Which are left, and where: what a timeout alone does not say.
        left = [r() for r in refs if r() is not None and r().props.state not in
                (GCurl.TransferState.SUCCEEDED, GCurl.TransferState.FAILED)]
        import collections
        import resource
        import subprocess
        fds = len(os.listdir("/proc/self/fd"))
        port = servers.http.rsplit(":", 1)[1]
        ss = subprocess.run(["ss", "-tanH"], capture_output=True, text=True).stdout.splitlines()
        states = collections.Counter(l.split()[0] for l in ss if l.split()[4].endswith(":" + port))
        server_side = collections.Counter(l.split()[0] for l in ss
                                          if l.split()[3].endswith(":" + port))
        print("connections to nginx by state:", dict(states), "nginx's side:", dict(server_side))
        log = os.path.join(os.path.dirname(os.environ["NGINX_DOCROOT"]), "error.log")
        if os.path.exists(log):
            print("nginx error.log tail:", open(log).read()[-2000:])
        raise AssertionError(f"{len(done)} of 1000 finished, {fds} descriptors open of "
                             f"connections to nginx: {dict(states)}, "
                             f"{resource.getrlimit(resource.RLIMIT_NOFILE)}; left: " + ", ".join(
            f"{t.props.state.value_nick} {t.props.bytes_received} B" for t in left[:10]))
    assert done == [GCurl.TransferState.SUCCEEDED] * 1000
    del alive
    run_for(0.05)
    gc.collect()
    assert [r for r in refs if r() is not None] == []
    source_ref = weakref.ref(source)
    del source
    gc.collect()
    assert source_ref() is None


def test_suggested_filename(servers):
    transfer = GCurl.Transfer.new(servers.soup + "/disposition?cd=attachment%3B%20filename%3D%22..%2Fx.txt%22")
    assert transfer.dup_suggested_filename() == "disposition"
    source = GCurl.MultiSource.new()
    assert perform(source, transfer) is None
    assert transfer.dup_suggested_filename() == "x.txt"


@pytest.mark.parametrize("kind", ["symlink", "dangling", "fifo"])
@pytest.mark.parametrize("flags", [GCurl.DownloadFlags.NONE, GCurl.DownloadFlags.RESUME])
def test_part_that_is_not_a_regular_file_is_refused(servers, tmp_path, kind, flags):
    source = GCurl.MultiSource.new()
    victim = tmp_path / "victim"
    victim.write_bytes(b"precious")
    part = tmp_path / "x.part"
    if kind == "symlink":
        part.symlink_to(victim)
    elif kind == "dangling":
        part.symlink_to(tmp_path / "created-through-link")
    else:
        os.mkfifo(part)
    transfer = GCurl.Transfer.new(servers.soup + "/bytes?n=1000")
    transfer.set_output_file(Gio.File.new_for_path(str(tmp_path / "x")), flags)

    error = perform(source, transfer)
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_REGULAR_FILE)
    assert str(part) in error.message
    assert victim.read_bytes() == b"precious"
    assert not (tmp_path / "created-through-link").exists()
    assert not (tmp_path / "x").exists()


@pytest.mark.parametrize("head, n, code", [
    ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 7\r\n\r\n", 7, GCurl.Error.PROTOCOL),
    ("HTTP/1.1 200 OK\r\nContent-Length: 5, 7\r\n\r\n", 7, GCurl.Error.PROTOCOL),
    ("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 5, GCurl.Error.PROTOCOL),
    ("HTTP/1.1 206 Partial Content\r\nContent-Length: 5\r\n\r\n", 5, GCurl.Error.PROTOCOL),
    ("HTTP/1.1 302 Found\r\nContent-Length: 5\r\n\r\n", 5, GCurl.Error.HTTP_STATUS),
    ("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", 5, None),
])
def test_framing(servers, tmp_path, head, n, code):
    source = GCurl.MultiSource.new()
    url = servers.soup + "/raw?n=%d&head=%s" % (n, GLib.Uri.escape_string(head, None, False))
    transfer = GCurl.Transfer.new(url)
    transfer.set_output_file(Gio.File.new_for_path(str(tmp_path / "x")), GCurl.DownloadFlags.NONE)
    error = perform(source, transfer)
    if code is None:
        assert error is None
        assert (tmp_path / "x").read_bytes() == servers.pattern(n)
    else:
        assert error.matches(GCurl.error_quark(), code)
        assert not (tmp_path / "x").exists()
    assert not (tmp_path / "x.part").exists()


def test_messages_hide_passwords_and_control_bytes(servers):
    source = GCurl.MultiSource.new()
    head = "HTTP/1.1 404 \x1b]0;pwned\x07Not Found\r\nContent-Length: 0\r\n\r\n"
    transfer = GCurl.Transfer.new(servers.soup + "/raw?head=" + GLib.Uri.escape_string(head, None, False))
    error = perform(source, transfer)
    assert error.matches(GCurl.error_quark(), GCurl.Error.HTTP_STATUS)
    assert "\x1b" not in error.message and "\x07" not in error.message
    assert "\\x1b]0;pwned\\x07Not Found" in error.message

    secret = servers.soup.replace("http://", "http://user:s3cret@") + "/status?code=404"
    transfer = GCurl.Transfer.new(secret)
    error = perform(source, transfer)
    assert error.matches(GCurl.error_quark(), GCurl.Error.HTTP_STATUS)
    assert "s3cret" not in error.message
    assert "http://***@127.0.0.1:" in error.message
    assert transfer.props.url == secret


def test_max_recv_speed_holds_from_the_first_byte(servers, tmp_path):
    # At every notification the body is at most 1/16 s' worth ahead of the
    # limit since the start; a slower machine only makes it later.
    source = GCurl.MultiSource.new()
    rate = 512 * 1024
    transfer = GCurl.Transfer.new(servers.http.rstrip("/") + "/1m")
    transfer.props.max_recv_speed = rate
    transfer.props.progress_interval = 0
    transfer.set_output_file(Gio.File.new_for_path(str(tmp_path / "paced")), GCurl.DownloadFlags.NONE)
    start = GLib.get_monotonic_time()
    ahead = []
    transfer.connect("notify::bytes-received", lambda t, p: ahead.append(
        t.props.bytes_received - rate * (GLib.get_monotonic_time() - start) // 1000000))
    assert perform(source, transfer) is None
    took = (GLib.get_monotonic_time() - start) / 1e6
    assert (tmp_path / "paced").read_bytes() == servers.pattern(1024 * 1024)
    assert max(ahead) <= rate // 16
    assert took >= 2.0 - 1 / 16


def test_low_speed_looks_at_the_last_seconds(servers):
    head = "HTTP/1.1 200 OK\r\nContent-Length: 10000000\r\n\r\n"
    source = GCurl.MultiSource.new()
    transfer = GCurl.Transfer.new(servers.soup + "/raw?n=100000&hold=1&head=" +
                                  GLib.Uri.escape_string(head, None, False))
    transfer.set_low_speed_limit(1, 2)
    transfer.props.progress_interval = 0
    last = [0]
    transfer.connect("notify::bytes-received", lambda t, p: last.__setitem__(0, GLib.get_monotonic_time()))
    error = perform(source, transfer)
    after = (GLib.get_monotonic_time() - last[0]) / 1e6
    assert error.matches(GCurl.error_quark(), GCurl.Error.TIMED_OUT)
    assert "too slow, less than 1 bytes per second over the last 2 seconds" in error.message
    assert transfer.props.bytes_received == 100000
    assert 2.0 <= after < 6.0


def test_a_plain_notify_handler_hears_every_property(servers):
    # GObject's contract: "notify" without a detail is told of every
    # property. The library skips notifications nobody listens to, and
    # once skipped these too.
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.http + "/100k")
    names = []
    t.connect("notify", lambda t, pspec: names.append(pspec.name))
    assert perform(source, t) is None
    for name in ("state", "response-code", "bytes-received", "total-bytes", "effective-url"):
        assert name in names, name
