# SPDX-License-Identifier: LGPL-2.1-or-later
"""GCurl.Download from Python: server-given names in a folder (hostile
ones too), checksums (given, and from Repr-Digest), retries with
Retry-After, and the states an application shows. The C twin is
tests/test-download.c."""

import hashlib
import os
import urllib.parse

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, Gio, GLib  # noqa: E402

from conftest import run_until  # noqa: E402

State = GCurl.DownloadState


def run(source, download, cancellable=None):
    """Runs download to its end; the GLib.Error it failed with, or None,
    and the states it went through."""
    result, states = {}, []
    handler = download.connect("notify::state", lambda d, _: states.append(d.props.state))

    def done(d, res):
        try:
            d.run_finish(res)
            result["error"] = None
        except GLib.Error as e:
            result["error"] = e

    download.run_async(source, cancellable, done)
    run_until(lambda: "error" in result, timeout=30)
    download.disconnect(handler)
    return result["error"], states


def cd_url(servers, n, cd, **extra):
    query = {"n": str(n), "cd": cd, **extra}
    return servers.soup + "/bytes?" + urllib.parse.urlencode(query)


def test_folder_name_from_content_disposition(servers, tmp_path):
    source = GCurl.MultiSource.new()
    # 4,000 bytes, 1,000 every 50 ms.
    d = GCurl.Download.new_for_folder(
        servers.soup + "/trickle?" + urllib.parse.urlencode(
            {"n": "4000", "chunk": "1000", "interval": "50",
             "cd": 'attachment; filename="from-header.bin"'}), tmp_path)
    seen = []
    d.connect("notify::file", lambda d, _: seen.append(
        (d.props.state, d.props.file.get_path(), d.props.bytes_received)))
    error, states = run(source, d)
    assert error is None
    path = str(tmp_path / "from-header.bin")
    # The name was known at the head, while most of the body was to come.
    assert len(seen) == 1 and seen[0][:2] == (State.RUNNING, path) and seen[0][2] <= 1000
    assert states[0] == State.RUNNING and states[-1] == State.FINISHED
    assert d.props.file.get_path() == path
    assert open(path, "rb").read() == servers.pattern(4000)
    assert sorted(os.listdir(tmp_path)) == ["from-header.bin"]
    assert d.props.bytes_received == d.props.total_bytes == 4000
    assert d.props.attempt == 1


def test_hostile_names_stay_in_the_folder(servers, tmp_path):
    source = GCurl.MultiSource.new()
    folder = tmp_path / "in"
    folder.mkdir()
    hostile = [
        'attachment; filename="../../escape.txt"',
        "attachment; filename*=UTF-8''..%2F..%2Fescape2.txt",
        'attachment; filename=".profile"',
        'attachment; filename="bell\x07and\x1b]0;title\x07.txt"',
        'attachment; filename="' + "x" * 300 + '.bin"',
        'attachment; filename="/dev/null"',
    ]
    for cd in hostile:
        d = GCurl.Download.new_for_folder(cd_url(servers, 10, cd), str(folder))
        error, _ = run(source, d)
        assert error is None, cd
        path = d.props.file.get_path()
        name = os.path.basename(path)
        assert os.path.dirname(path) == str(folder)
        assert not name.startswith(".")
        assert not any(ord(c) < 0x20 or ord(c) == 0x7f for c in name)
        assert len(name.encode()) <= 255
        assert open(path, "rb").read() == servers.pattern(10)
    assert set(os.listdir(tmp_path)) == {"in"}


def test_content_disposition_off(servers, tmp_path):
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_folder(
        cd_url(servers, 10, 'attachment; filename="server.bin"'), tmp_path)
    d.props.content_disposition = False
    assert run(source, d)[0] is None
    assert os.listdir(tmp_path) == ["bytes"]


def test_checksum_verified_and_mismatch(servers, tmp_path):
    source = GCurl.MultiSource.new()
    good = hashlib.sha256(servers.pattern(102400)).hexdigest()

    d = GCurl.Download.new_for_file(servers.http + "/100k", tmp_path / "ok.bin")
    d.props.checksum = "sha256=" + good.upper()
    error, states = run(source, d)
    assert error is None
    assert State.VERIFYING in states
    assert d.props.verified_checksum == "sha256=" + good

    bad = hashlib.sha256(b"something else").hexdigest()
    d = GCurl.Download.new_for_file(servers.http + "/100k", tmp_path / "bad.bin")
    d.props.checksum = "sha256=" + bad
    error, _ = run(source, d)
    assert error.matches(GCurl.error_quark(), GCurl.Error.CHECKSUM)
    assert bad in error.message and good in error.message
    assert d.props.state == State.FAILED and d.props.verified_checksum is None
    # Kept for a look under the part's name, never under the final one.
    assert not (tmp_path / "bad.bin").exists()
    assert (tmp_path / "bad.bin.part").read_bytes() == servers.pattern(102400)


def test_malformed_checksum_is_refused_before_anything_is_sent(servers, tmp_path):
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_folder(servers.soup + "/bytes?n=10", tmp_path)
    d.props.checksum = "sha256=123"
    error, states = run(source, d)
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.INVALID_ARGUMENT)
    assert states == [] and d.props.attempt == 0
    assert os.listdir(tmp_path) == []


def test_checksum_from_repr_digest(servers, tmp_path):
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_folder(servers.soup + "/bytes?n=5000&digest=good", tmp_path)
    assert run(source, d)[0] is None
    assert d.props.verified_checksum == \
        "sha256=" + hashlib.sha256(servers.pattern(5000)).hexdigest()

    d = GCurl.Download.new_for_folder(servers.soup + "/bytes?n=5000&digest=bad", tmp_path)
    error, _ = run(source, d)
    assert error.matches(GCurl.error_quark(), GCurl.Error.CHECKSUM)
    assert "Repr-Digest" in error.message


def test_retries_honour_retry_after(servers, tmp_path):
    source = GCurl.MultiSource.new()
    url = servers.soup + "/flaky?key=py-retry-after&fails=2&retry_after=1&n=2048"
    d = GCurl.Download.new_for_folder(url, tmp_path)
    d.props.retries = 5
    d.props.retry_delay = 10
    attempts = []
    d.connect("notify::attempt", lambda d, _: attempts.append(d.props.attempt))
    error, states = run(source, d)
    assert error is None
    assert attempts == [1, 2, 3]
    assert states.count(State.WAITING) == 2
    t = d.get_transfer()
    assert t.get_response_header("X-Flaky-Requests") == "3"
    # A lower bound: the last wait was the server's second, not 10-20 ms.
    assert int(t.get_response_header("X-Flaky-Wait-Ms")) >= 950
    assert open(d.props.file.get_path(), "rb").read() == servers.pattern(2048)


def test_retry_resumes_what_is_on_disk(servers, tmp_path):
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_file(servers.soup + "/drop?n=300000&after=120000",
                                    tmp_path / "resumed.bin")
    d.props.retries = 2
    d.props.retry_delay = 10
    assert run(source, d)[0] is None
    assert d.props.attempt == 2
    assert d.get_transfer().props.response_code == 206
    assert (tmp_path / "resumed.bin").read_bytes() == servers.pattern(300000)


def test_no_retry_by_default_nor_for_a_404(servers, tmp_path):
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_folder(servers.soup + "/flaky?key=py-default&fails=1", tmp_path)
    assert d.props.retries == 0
    error, _ = run(source, d)
    assert error.matches(GCurl.error_quark(), GCurl.Error.HTTP_STATUS)
    assert d.props.attempt == 1

    d = GCurl.Download.new_for_folder(servers.soup + "/flaky?key=py-404&fails=5&code=404",
                                      tmp_path)
    d.props.retries = 5
    error, states = run(source, d)
    assert error.matches(GCurl.error_quark(), GCurl.Error.HTTP_STATUS)
    assert d.props.attempt == 1 and State.WAITING not in states


def test_cancel_while_waiting(servers, tmp_path):
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_file(servers.soup + "/drop?n=50000&after=10000",
                                    tmp_path / "w.bin")
    d.props.retries = 1
    d.props.retry_delay = 60000
    cancellable = Gio.Cancellable()
    d.connect("notify::state",
              lambda d, _: d.props.state == State.WAITING and cancellable.cancel())
    error, states = run(source, d, cancellable)
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert states[-1] == State.CANCELLED
    assert os.listdir(tmp_path) == []


def ranges_log(tag):
    """(connection, status, range) of each request /rate/ served for tag."""
    with open(os.environ["NGINX_RANGES_LOG"]) as f:
        return [tuple(line.split()[:3]) for line in f if tag in line]


def test_segments_run_on_their_own_connections(servers, tmp_path):
    source = GCurl.MultiSource.new()
    out = tmp_path / "16m"
    d = GCurl.Download.new_for_file(servers.http + "/rate/16m?tag=py-seg", Gio.File.new_for_path(str(out)))
    d.props.segments = 4
    d.props.checksum = "sha256=" + servers.sha256_of("16m")
    error, states = run(source, d)
    assert error is None
    assert out.read_bytes() == servers.pattern(16 << 20)
    assert d.props.bytes_received == 16 << 20 and d.props.total_bytes == 16 << 20
    assert d.props.verified_checksum == "sha256=" + servers.sha256_of("16m")
    assert sorted(os.listdir(tmp_path)) == ["16m"]   # no part, no control file
    log = ranges_log("py-seg")
    # The probe for the first byte, then four ranges of 4 MiB from their
    # starts, each on a connection of its own, all answered with 206.
    assert log[0][1:] == ("206", "bytes=0-0")
    starts = sorted(int(r[2][len("bytes="):].split("-")[0]) for r in log[1:])
    assert starts[:4] == [0, 4 << 20, 8 << 20, 12 << 20]
    assert len({r[0] for r in log[1:5]}) == 4
    assert {r[1] for r in log} == {"206"}


CHILD = r"""
import sys
import gi
gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, Gio, GLib
url, path = sys.argv[1:3]
source = GCurl.MultiSource.new()
d = GCurl.Download.new_for_file(url, Gio.File.new_for_path(path))
d.props.segments = 4
d.get_transfer().props.max_recv_speed = 2 * 1024 * 1024   # 8 s for 16 MiB
loop = GLib.MainLoop()
d.run_async(source, None, lambda d, r: loop.quit())
loop.run()
"""


def control_done(path):
    """Bytes the control file says are in the part, and its segments."""
    try:
        text = open(path).read()
    except FileNotFoundError:
        return 0, []
    line = [l for l in text.splitlines() if l.startswith("segments=")]
    if not line:
        return 0, []
    segs = [tuple(int(x) for x in s.split(":")) for s in line[0][len("segments="):].split(";")]
    return sum(pos - start for start, pos, end in segs), segs


def test_segments_resume_after_kill_9(servers, tmp_path):
    import signal
    import subprocess
    import time
    url = servers.http + "/rate/16m?tag=py-kill"
    out = tmp_path / "16m"
    control = str(out) + ".part.segments"
    child = subprocess.Popen(["/usr/bin/python3", "-c", CHILD, url, str(out)])
    try:
        deadline = time.monotonic() + 30
        while control_done(control)[0] < 1 << 20:
            assert child.poll() is None and time.monotonic() < deadline
            time.sleep(0.05)
        child.send_signal(signal.SIGKILL)
        child.wait()
    finally:
        if child.poll() is None:
            child.kill()
    done, saved = control_done(control)
    assert 0 < done < 16 << 20 and len(saved) == 4

    # Another tag for the second run: nginx logs the killed run's requests
    # only once it notices their connections closed, maybe later.
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_file(url.replace("py-kill", "py-resumed"),
                                    Gio.File.new_for_path(str(out)))
    d.props.segments = 4
    d.props.flags = GCurl.DownloadFlags.RESUME
    d.props.checksum = "sha256=" + servers.sha256_of("16m")
    error, states = run(source, d)
    assert error is None
    assert out.read_bytes() == servers.pattern(16 << 20)
    assert sorted(os.listdir(tmp_path)) == ["16m"]
    # Each segment went on from where the control file left it, or later.
    resumed = sorted(int(r[2][len("bytes="):].split("-")[0]) for r in ranges_log("py-resumed")[1:])
    for start, pos, end in saved:
        if pos < end:
            assert any(pos <= s < end for s in resumed)
    assert not any(s < saved[0][1] for s in resumed)


def test_segments_broken_range_goes_on(servers, tmp_path):
    # The second range's first connection breaks after 100,000 bytes: it
    # goes on, on a new connection, within the one attempt.
    source = GCurl.MultiSource.new()
    out = tmp_path / "b.bin"
    d = GCurl.Download.new_for_file(
        servers.soup + "/bytes?n=3145728&key=py-broken&cut_start=1572864&cut_after=100000",
        Gio.File.new_for_path(str(out)))
    d.props.segments = 2
    error, states = run(source, d)
    assert error is None
    assert d.props.attempt == 1 and State.WAITING not in states
    assert out.read_bytes() == servers.pattern(3145728)


def test_segments_refused_go_on_over_one_connection(servers, tmp_path):
    # The probe gets its range, the ranges a 200 (as under an If-Range
    # that no longer matches): one connection, from the start.
    source = GCurl.MultiSource.new()
    out = tmp_path / "r.bin"
    d = GCurl.Download.new_for_file(servers.soup + "/bytes?n=3145728&key=py-refused&ranges=1",
                                    Gio.File.new_for_path(str(out)))
    d.props.segments = 2
    error, states = run(source, d)
    assert error is None
    assert out.read_bytes() == servers.pattern(3145728)
    assert sorted(os.listdir(tmp_path)) == ["r.bin"]


def test_failing_mirrors_are_dropped_and_named(servers, tmp_path):
    # The URL refuses connections and one mirror answers 404: both are
    # dropped, with their errors, and the ranges come from the last one.
    source = GCurl.MultiSource.new()
    out = tmp_path / "m.bin"
    refused = "http://127.0.0.1:1/m.bin"
    missing = servers.soup + "/status?code=404"
    good = servers.soup + "/flaky?key=py-mirror&fails=0&n=4194304"
    d = GCurl.Download.new_for_file(refused, Gio.File.new_for_path(str(out)))
    d.props.segments = 4
    d.props.mirrors = [missing, good]
    assert d.props.mirrors == [missing, good] and d.get_mirrors() == [missing, good]
    dropped = []
    d.connect("mirror-dropped", lambda d, url, error: dropped.append((url, error.code)))
    error, states = run(source, d)
    assert error is None
    assert out.read_bytes() == servers.pattern(4194304)
    assert sorted(dropped) == sorted([(refused, GCurl.Error.CONNECT_FAILED),
                                      (missing, GCurl.Error.HTTP_STATUS)])
    assert State.WAITING not in states and d.props.retries == 0


def test_filename_overrides_the_response_name(servers, tmp_path):
    # A Metalink's name, say: sanitized like a server's.
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_folder(
        cd_url(servers, 1000, 'attachment; filename="from-header.bin"'), tmp_path)
    d.props.filename = "../given.bin"
    error, _ = run(source, d)
    assert error is None
    assert sorted(os.listdir(tmp_path)) == ["given.bin"]
    assert (tmp_path / "given.bin").read_bytes() == servers.pattern(1000)


def test_restart_finds_its_own_part_and_name(servers, tmp_path):
    # Two URLs named "bytes"; the part on disk is the second's, as its
    # control file says: the first leaves it alone, the second resumes it
    # (206) under the name it had.
    source = GCurl.MultiSource.new()
    url_a = servers.soup + "/bytes?n=300000&v=py-a"
    url_b = servers.soup + "/bytes?n=200000&v=py-b"
    (tmp_path / "bytes.part").write_bytes(servers.pattern(150000))
    (tmp_path / "bytes.part.segments").write_text(
        "[gcurl-segments]\nversion=1\nurl=%s\nname=b.bin\n" % url_b)
    a = GCurl.Download.new_for_folder(url_a, tmp_path)
    a.props.flags = GCurl.DownloadFlags.RESUME
    error, _ = run(source, a)
    assert error is None
    assert open(a.props.file.get_path(), "rb").read() == servers.pattern(300000)
    assert (tmp_path / "bytes.part").stat().st_size == 150000
    b = GCurl.Download.new_for_folder(url_b, tmp_path)
    b.props.flags = GCurl.DownloadFlags.RESUME
    error, _ = run(source, b)
    assert error is None
    assert b.props.transfer.props.response_code == 206
    assert (tmp_path / "b.bin").read_bytes() == servers.pattern(200000)
    assert sorted(os.listdir(tmp_path)) == ["b.bin", "bytes (1)"]


def test_delete_partial_removes_only_its_own(servers, tmp_path):
    url_a = servers.soup + "/bytes?n=300000&v=py-del-a"
    url_b = servers.soup + "/bytes?n=200000&v=py-del-b"
    for name, url in (("bytes.part", url_a), ("bytes (2).part", url_b)):
        (tmp_path / name).write_bytes(b"x")
        (tmp_path / (name + ".segments")).write_text(
            "[gcurl-segments]\nversion=1\nurl=%s\n" % url)
    b = GCurl.Download.new_for_folder(url_b, tmp_path)
    assert b.delete_partial() is True
    assert sorted(os.listdir(tmp_path)) == ["bytes.part", "bytes.part.segments"]


def test_segments_cancel_leaves_nothing(servers, tmp_path):
    source = GCurl.MultiSource.new()
    out = tmp_path / "16m"
    d = GCurl.Download.new_for_file(servers.http + "/rate/16m?tag=py-seg-cancel",
                                    Gio.File.new_for_path(str(out)))
    d.props.segments = 4
    d.connect("notify::bytes-received",
              lambda d, _: d.cancel() if d.props.bytes_received > 0 else None)
    error, states = run(source, d)
    assert error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert states[-1] == State.CANCELLED
    assert os.listdir(tmp_path) == []   # neither the part nor its control file


def test_segments_control_of_another_version_is_not_trusted(servers, tmp_path):
    # A part of zeros whose control file says its first half is done, for
    # another ETag: trusted, the file would keep 8 MiB of zeros.
    source = GCurl.MultiSource.new()
    out = tmp_path / "16m"
    (tmp_path / "16m.part").write_bytes(bytes(16 << 20))
    (tmp_path / "16m.part.segments").write_text(
        "[gcurl-segments]\nversion=1\ntotal=%d\nvalidator=\"another\"\n"
        "segments=0:%d:%d;%d:%d:%d\n" % (16 << 20, 8 << 20, 8 << 20, 8 << 20, 8 << 20, 16 << 20))
    d = GCurl.Download.new_for_file(servers.http + "/rate/16m?tag=py-other",
                                    Gio.File.new_for_path(str(out)))
    d.props.segments = 2
    d.props.flags = GCurl.DownloadFlags.RESUME
    error, _ = run(source, d)
    assert error is None
    assert out.read_bytes() == servers.pattern(16 << 20)
    assert sorted(os.listdir(tmp_path)) == ["16m"]


def test_resume_from_server_without_ranges(servers, tmp_path):
    # A part to go on from, and a server that answers the rest with the
    # whole (trickle serves no ranges): the same attempt starts again from
    # the first byte, over the part.
    (tmp_path / "trickle.part").write_bytes(b"x" * 5000)
    source = GCurl.MultiSource.new()
    d = GCurl.Download.new_for_folder(servers.soup + "/trickle?n=20000&chunk=20000&interval=10",
                                      Gio.File.new_for_path(str(tmp_path)))
    d.props.flags = GCurl.DownloadFlags.RESUME
    error, states = run(source, d)
    assert error is None
    assert (tmp_path / "trickle").read_bytes() == servers.pattern(20000)
    assert os.listdir(tmp_path) == ["trickle"]
    assert d.props.attempt == 1 and State.WAITING not in states
