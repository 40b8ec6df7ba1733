# SPDX-License-Identifier: LGPL-2.1-or-later
"""Network changes: GCurl.MultiSource:network-monitor (a fake
Gio.NetworkMonitor here), fresh connections after network-changed, and
network-available and network-metered."""

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, Gio, GObject  # noqa: E402

from conftest import perform, run_for  # noqa: E402


class FakeMonitor(GObject.Object, Gio.Initable, Gio.NetworkMonitor):
    network_available = GObject.Property(type=bool, default=True)
    network_metered = GObject.Property(type=bool, default=False)
    connectivity = GObject.Property(type=Gio.NetworkConnectivity,
                                    default=Gio.NetworkConnectivity.FULL)

    def do_init(self, cancellable):
        return True

    def do_can_reach(self, connectable, cancellable):
        return True

    def change(self):
        self.emit("network-changed", self.props.network_available)


def local_port(t):
    return t.dup_local_address().get_port()


def test_default_monitor():
    source = GCurl.MultiSource.new()
    assert source.props.network_monitor is Gio.NetworkMonitor.get_default()


def test_fresh_connections_after_a_change(servers):
    monitor = FakeMonitor()
    source = GCurl.MultiSource(network_monitor=monitor)
    assert source.props.network_monitor is monitor

    def fetch(path="/1k"):
        t = GCurl.Transfer.new(servers.http + path)
        assert perform(source, t) is None
        assert t.get_body().get_data() == servers.pattern(1024)
        return local_port(t)

    before = fetch()
    assert fetch() == before                 # reused, as always
    monitor.change()
    run_for(0.05)
    # No connection made before the change is used again: for two
    # seconds each transfer makes a new one, then only those made after
    # the change are reused.
    after = [fetch() for _ in range(3)]
    assert before not in after and len(set(after)) == 3
    run_for(2.1)
    later = fetch()
    assert later != before
    assert fetch() == later


def test_available_and_metered_follow_the_monitor():
    monitor = FakeMonitor()
    source = GCurl.MultiSource(network_monitor=monitor)
    assert source.props.network_available and not source.props.network_metered
    seen = []
    source.connect("notify::network-available", lambda s, _: seen.append("available"))
    source.connect("notify::network-metered", lambda s, _: seen.append("metered"))
    monitor.props.network_available = False
    monitor.props.network_metered = True
    run_for(0.05)
    assert seen == ["available", "metered"]
    assert not source.props.network_available and source.props.network_metered

    # Replaced: the old one is no longer followed.
    other = FakeMonitor()
    source.props.network_monitor = other
    assert source.props.network_available
    seen.clear()
    monitor.props.network_metered = False
    run_for(0.05)
    assert seen == []
