# SPDX-License-Identifier: LGPL-2.1-or-later
"""PyGObject override for GCurl (installed into gi/overrides).

It only removes friction a Python developer meets at once, and changes no
behaviour of the C API:

- ``GCurl.Transfer(url)``: the URL may be given positionally, like the
  ``GCurl.Transfer.new(url)`` constructor; other properties as keywords.
- ``Transfer.set_output_file()`` and ``MultiSource.download_async()`` take a
  path (``str``, ``bytes`` or ``os.PathLike``) as well as a ``Gio.File``, and
  their flags default to ``GCurl.DownloadFlags.NONE``.
- ``Transfer.get_response_headers()``: the last response's headers as a list
  of ``(name, value)`` pairs, in order (``dup_response_headers()`` gives
  ``"Name: value"`` strings).

Code written against the plain typelib keeps working with it; code that
uses these conveniences needs it installed (``-Dpygobject=true``, the
default).
"""

import os

from gi.repository import Gio

from ..module import get_introspection_module
from ..overrides import override

GCurl = get_introspection_module("GCurl")

__all__ = []


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
        super().__init__(**kwargs)

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


class MultiSource(GCurl.MultiSource):
    def download_async(self, url, file, *args, **kwargs):
        # The rest as the plain binding takes it (flags, cancellable,
        # callback, user data, positional or by keyword), flags optional.
        if not args and "flags" not in kwargs:
            kwargs["flags"] = GCurl.DownloadFlags.NONE
        GCurl.MultiSource.download_async(self, url, _as_file(file), *args, **kwargs)


MultiSource = override(MultiSource)
__all__.append("MultiSource")
