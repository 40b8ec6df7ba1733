# SPDX-License-Identifier: LGPL-2.1-or-later
"""await on PyGObject 3.50 and later: the _async calls inside an asyncio
event loop that runs on the GLib main loop (gi.events). Skipped, with the
reason, where PyGObject has no gi.events (3.42)."""

import asyncio
import hashlib
import os

import gi
import pytest

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402

try:
    import gi.events
except ImportError:
    pytest.skip(f"PyGObject {gi.__version__} has no gi.events (asyncio on the GLib "
                "main loop came with 3.50): awaiting needs it", allow_module_level=True)


def run(coro):
    """Runs coro to its end in an asyncio loop on the GLib main loop."""
    policy = gi.events.GLibEventLoopPolicy()
    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(policy)
    try:
        return policy.get_event_loop().run_until_complete(coro)
    finally:
        asyncio.set_event_loop_policy(previous)


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def test_await_fetch_many_and_an_error(servers):
    source = GCurl.MultiSource.new()
    want = sha256(servers.pattern(100 * 1024))

    async def main():
        bodies = await asyncio.gather(*(source.fetch_bytes_async(f"{servers.http}/100k?{i}")
                                        for i in range(200)))
        assert [sha256(b.get_data()) for b in bodies] == [want] * 200
        with pytest.raises(GLib.Error) as info:
            await source.fetch_bytes_async(servers.soup + "/status?code=404")
        assert info.value.matches(GCurl.error_quark(), GCurl.Error.HTTP_STATUS)

    run(main())
    assert source.props.running_handles == 0


def test_await_perform_and_download(servers, tmp_path):
    source = GCurl.MultiSource.new()
    transfer = GCurl.Transfer(servers.http + "/1m")
    path = tmp_path / "1m"

    async def main():
        assert await source.perform_async(transfer) is True
        assert await source.download_async(servers.http + "/1m", path) is True

    run(main())
    assert transfer.get_body().get_data() == servers.pattern(1024 * 1024)
    assert sha256(path.read_bytes()) == servers.sha256_of("1m")
    assert not os.path.exists(str(path) + ".part")


def test_task_cancel_cancels_the_download(servers, tmp_path):
    """asyncio's cancellation, with a message as Task.cancel(msg) passes
    it: the transfer is cancelled, its .part removed, and the awaiting task
    gets asyncio.CancelledError."""
    source = GCurl.MultiSource.new()
    path = tmp_path / "slow"
    part = str(path) + ".part"

    async def main():
        task = asyncio.ensure_future(source.download_async(servers.http + "/slow/1m", path))
        for _ in range(500):
            if os.path.exists(part) and os.path.getsize(part) > 0:
                break
            await asyncio.sleep(0.01)
        assert os.path.getsize(part) > 0
        task.cancel("the user said stop")
        with pytest.raises(asyncio.CancelledError):
            await task
        # Over by the time the task hears of it.
        assert not os.path.exists(part)
        assert not os.path.exists(path)
        assert source.get_transfers().get_n_items() == 0

    run(main())


def test_a_cancellable_of_the_callers(servers):
    """The caller's Gio.Cancellable still works, as a GLib.Error: the task
    itself was not cancelled."""
    source = GCurl.MultiSource.new()
    cancellable = Gio.Cancellable()

    async def main():
        call = source.fetch_bytes_async(servers.http + "/slow/1m", cancellable)
        GLib.timeout_add(100, lambda: cancellable.cancel())
        with pytest.raises(GLib.Error) as info:
            await call
        assert info.value.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)

    run(main())


def test_without_a_loop_the_plain_binding(servers):
    """Outside an asyncio loop, no callback means what it means in the
    plain binding: the call runs and nobody hears of its end."""
    source = GCurl.MultiSource.new()
    assert source.fetch_bytes_async(servers.http + "/1k") is None
    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + 10 * 1000 * 1000
    while source.get_transfers().get_n_items() > 0 and GLib.get_monotonic_time() < deadline:
        context.iteration(True)
    assert source.get_transfers().get_n_items() == 0


def test_await_a_download_and_cancel_one(servers, tmp_path):
    source = GCurl.MultiSource.new()

    async def main():
        d = GCurl.Download.new_for_folder(
            servers.soup + "/bytes?n=3000&cd=attachment%3B%20filename%3D%22awaited.bin%22",
            tmp_path)
        d.props.checksum = "sha256=" + sha256(servers.pattern(3000))
        assert await d.run_async(source) is True
        assert d.props.file.get_path() == str(tmp_path / "awaited.bin")
        assert d.props.verified_checksum is not None

        # Cancelling the awaiting task cancels the download, which is over
        # (its part gone) when CancelledError arrives.
        stalled = GCurl.Download.new_for_file(servers.soup + "/stall?n=100000",
                                              tmp_path / "stalled.bin")
        task = asyncio.ensure_future(stalled.run_async(source))
        # Running from the call on; the task awaits it once it has run.
        assert stalled.props.state == GCurl.DownloadState.RUNNING
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        assert stalled.props.state == GCurl.DownloadState.CANCELLED

    run(main())
    assert sorted(os.listdir(tmp_path)) == ["awaited.bin"]
