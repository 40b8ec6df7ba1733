# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject override for GCurl (installed into gi/overrides).

It only removes friction a Python developer meets at once, and changes no
behaviour of the C API:

- ``GCurl.Transfer(url)``: the URL may be given positionally, like the
  ``GCurl.Transfer.new(url)`` constructor; other properties as keywords.
- ``Transfer.set_output_file()``, ``MultiSource.download_async()`` and
  ``Download.new_for_file()``/``new_for_folder()`` take a path (``str``,
  ``bytes`` or ``os.PathLike``) as well as a ``Gio.File``, and the flags
  default to ``GCurl.DownloadFlags.NONE``.
- No NUL in a string: PyGObject 3.42 silently cuts a ``str`` at an
  embedded NUL (``"/before\\0after"`` would request ``/before``), so a URL,
  a method, a user agent or a header name or value holding one raises
  ``ValueError``.
- ``download_async(url, file, cancellable, callback)``: the flags may be
  left out positionally too, as the documentation's examples do.
- ``Transfer.get_response_headers()``: the last response's headers as a list
  of ``(name, value)`` pairs, in order (``dup_response_headers()`` gives
  ``"Name: value"`` strings).
- ``await``: on PyGObject 3.50 and later, inside an asyncio event loop that
  runs on the GLib main loop (``gi.events.GLibEventLoopPolicy``),
  ``perform_async()``, ``fetch_bytes_async()``, ``download_async()`` and
  ``Download.run_async()`` called without a callback return an awaitable. Unlike PyGObject's own, it
  can be cancelled as asyncio cancels: cancelling the awaiting task cancels
  the transfer, waits for it to end (a download's ``.part`` file is gone
  then) and raises ``asyncio.CancelledError`` in the task. Elsewhere (3.42,
  or no such loop) they behave as the plain binding does.

Code written against the plain typelib keeps working with it; code that
uses these conveniences needs it installed (``-Dpygobject=true``, the
default).
"""

import asyncio
import os

from gi.repository import GLib, Gio

from ..module import get_introspection_module
from ..overrides import override

GCurl = get_introspection_module("GCurl")

__all__ = []


_NO_NUL = ("url", "method", "user_agent", "user-agent")


def _no_nul(what, value):
    """value, unless it is a string holding a NUL (which the binding would
    cut there, silently)."""
    if isinstance(value, str) and "\0" in value:
        raise ValueError(f"{what} holds a NUL character: {value!r}")
    return value


def _as_file(file):
    if isinstance(file, Gio.File):
        return file
    if isinstance(file, (str, bytes, os.PathLike)):
        return Gio.File.new_for_path(os.fsdecode(file))
    raise TypeError(f"expected a Gio.File or a path, not {type(file).__name__}")


class Transfer(GCurl.Transfer):
    def __init__(self, url=None, **kwargs):
        if url is not None:
            if "url" in kwargs:
                raise TypeError("url given twice")
            kwargs["url"] = url
        for key in _NO_NUL:
            if key in kwargs:
                _no_nul(key.replace("-", "_"), kwargs[key])
        super().__init__(**kwargs)

    @classmethod
    def new(cls, url):
        return GCurl.Transfer.new(_no_nul("url", url))

    def set_url(self, url):
        GCurl.Transfer.set_url(self, _no_nul("url", url))

    def set_method(self, method):
        GCurl.Transfer.set_method(self, _no_nul("method", method))

    def set_user_agent(self, user_agent):
        GCurl.Transfer.set_user_agent(self, _no_nul("user_agent", user_agent))

    def set_request_header(self, name, value):
        GCurl.Transfer.set_request_header(self, _no_nul("header name", name),
                                          _no_nul("header value", value))

    def set_output_file(self, file, flags=GCurl.DownloadFlags.NONE):
        GCurl.Transfer.set_output_file(self, _as_file(file), flags)

    def get_response_headers(self):
        pairs = []
        for line in self.dup_response_headers():
            name, _, value = line.partition(":")
            pairs.append((name, value.strip(" \t")))
        return pairs


Transfer = override(Transfer)
__all__.append("Transfer")


try:
    from gi.events import GLibEventLoop as _GLibEventLoop  # PyGObject >= 3.50
except ImportError:
    _GLibEventLoop = None


def _glib_event_loop():
    """The running asyncio loop if it runs on GLib's main loop, else None."""
    if _GLibEventLoop is None:
        return None
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        return None
    return loop if isinstance(loop, _GLibEventLoop) else None


class _Call:
    """An asynchronous call started at once, awaited the asyncio way.

    PyGObject 3.50's own awaitable turns a cancelled task into a
    GLib.Error instead of asyncio.CancelledError, and its cancel() takes no
    message, which Task.cancel(msg) passes. This one owns a Gio.Cancellable
    (the caller's, if any, cancels it too); when the awaiting task is
    cancelled it cancels the call, waits for the call to end, and raises
    asyncio.CancelledError."""

    def __init__(self, loop, start, finish, cancellable):
        self._future = loop.create_future()
        self._finish = finish
        self._cancellable = Gio.Cancellable()
        self._caller = cancellable
        self._handler = 0
        if cancellable is not None:
            self._handler = cancellable.connect(lambda *_: self._cancellable.cancel())
        start(self._cancellable, self._done)

    def _done(self, source, result):
        if self._handler:
            self._caller.disconnect(self._handler)
            self._handler = 0
        try:
            value = self._finish(source, result)
        except GLib.Error as error:
            if not self._future.done():
                self._future.set_exception(error)
            return
        if not self._future.done():
            self._future.set_result(value)

    async def _wait(self):
        try:
            return await asyncio.shield(self._future)
        except asyncio.CancelledError:
            self._cancellable.cancel()
            try:
                await self._future
            except GLib.Error:
                pass
            raise

    def __await__(self):
        return self._wait().__await__()


def _split_call(args, kwargs):
    """(cancellable, callback) as the plain binding would take them after
    the leading arguments: positionally or by keyword."""
    rest = list(args)
    cancellable = kwargs.get("cancellable", rest.pop(0) if rest else None)
    callback = kwargs.get("callback", rest.pop(0) if rest else None)
    return cancellable, callback


def _call_or_await(plain, finish, self, lead, args, kwargs):
    """plain(self, *lead, *args, **kwargs) as the binding does it, unless it
    has no callback and runs inside an asyncio loop on the GLib main loop:
    then a _Call awaiting finish."""
    cancellable, callback = _split_call(args, kwargs)
    loop = _glib_event_loop() if callback is None else None
    if loop is None:
        return plain(self, *lead, *args, **kwargs)
    return _Call(loop, lambda c, cb: plain(self, *lead, c, cb), finish, cancellable)


class MultiSource(GCurl.MultiSource):
    def perform_async(self, transfer, *args, **kwargs):
        return _call_or_await(GCurl.MultiSource.perform_async, GCurl.MultiSource.perform_finish,
                              self, (transfer,), args, kwargs)

    def fetch_bytes_async(self, url, *args, **kwargs):
        return _call_or_await(GCurl.MultiSource.fetch_bytes_async,
                              GCurl.MultiSource.fetch_bytes_finish, self,
                              (_no_nul("url", url),), args, kwargs)

    def download_async(self, url, file, *args, **kwargs):
        # The rest as the plain binding takes it (flags, cancellable,
        # callback, user data, positional or by keyword), flags optional:
        # a third argument that is None or a Gio.Cancellable is the
        # cancellable, the flags left out.
        rest = list(args)
        if rest and not (rest[0] is None or isinstance(rest[0], Gio.Cancellable)):
            flags = rest.pop(0)
        else:
            flags = kwargs.pop("flags", GCurl.DownloadFlags.NONE)
        url = _no_nul("url", url)
        return _call_or_await(GCurl.MultiSource.download_async, GCurl.MultiSource.download_finish,
                              self, (url, _as_file(file), flags), rest, kwargs)


MultiSource = override(MultiSource)
__all__.append("MultiSource")


class Download(GCurl.Download):
    @classmethod
    def new_for_file(cls, url, file):
        return GCurl.Download.new_for_file(_no_nul("url", url), _as_file(file))

    @classmethod
    def new_for_folder(cls, url, folder):
        return GCurl.Download.new_for_folder(_no_nul("url", url), _as_file(folder))

    def run_async(self, source, *args, **kwargs):
        return _call_or_await(GCurl.Download.run_async, GCurl.Download.run_finish,
                              self, (source,), args, kwargs)


Download = override(Download)
__all__.append("Download")
