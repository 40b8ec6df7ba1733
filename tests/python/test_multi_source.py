# SPDX-License-Identifier: LGPL-2.1-or-later
"""GCurl.MultiSource and GCurl.Error as a Python program sees them."""

import gc
import weakref

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402


def test_new_source_in_default_context():
    source = GCurl.MultiSource.new()
    assert source.get_context() == GLib.MainContext.default()
    assert source.props.running_handles == 0
    assert source.props.max_concurrent_streams == 100
    assert source.props.multiplexing is True


def test_source_in_own_context():
    context = GLib.MainContext.new()
    source = GCurl.MultiSource(context=context)
    assert source.get_context() == context


def test_properties_notify_only_on_change():
    source = GCurl.MultiSource.new()
    seen = []
    source.connect("notify::max-total-connections", lambda obj, pspec: seen.append(pspec.name))
    source.props.max_total_connections = 4
    source.props.max_total_connections = 4
    source.set_max_host_connections(2)
    assert seen == ["max-total-connections"]
    assert source.props.max_total_connections == 4
    assert source.get_max_host_connections() == 2


def test_raw_handle_api_is_not_introspected():
    # CURL * stays off the GI surface (no GI type can carry it).
    assert not hasattr(GCurl.MultiSource, "add_handle")
    assert not hasattr(GCurl.MultiSource, "get_multi")


def test_error_domain_and_codes():
    err = GCurl.error_new_from_code(7, "http://127.0.0.1:1/", None)  # CURLE_COULDNT_CONNECT
    assert err.matches(GCurl.error_quark(), GCurl.Error.CONNECT_FAILED)
    assert "http://127.0.0.1:1/" in err.message
    cancelled = GCurl.error_new_from_code(42, None, None)  # CURLE_ABORTED_BY_CALLBACK
    assert cancelled.matches(Gio.io_error_quark(), Gio.IOErrorEnum.CANCELLED)
    assert GCurl.Error.TOO_LARGE.value_nick == "too-large"


def test_cancel_all_on_idle_source():
    source = GCurl.MultiSource.new()
    done = []
    source.connect("done", lambda *args: done.append(args))
    source.cancel_all()
    assert done == []


def test_no_reference_cycles():
    source = GCurl.MultiSource.new()
    source.connect("done", lambda *args: None)
    ref = weakref.ref(source)
    del source
    gc.collect()
    assert ref() is None
    # Nothing of it is left in the default context.
    context = GLib.MainContext.default()
    while context.iteration(False):
        pass
