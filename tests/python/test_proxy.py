# SPDX-License-Identifier: LGPL-2.1-or-later
"""Proxies: GCurl.MultiSource:proxy-resolver (GIO's default, a
Gio.SimpleProxyResolver, GNOME's settings through glib-networking) and
GCurl.Transfer:proxy, through tinyproxy (HTTP; behind socat, HTTPS) and
microsocks (SOCKS5)."""

import os
import subprocess
import sys
import textwrap

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, Gio, GLib  # noqa: E402

from conftest import perform  # noqa: E402


def echo(servers, source, transfer=None, url=None):
    t = transfer or GCurl.Transfer.new(url or servers.soup + "/echo")
    return t, perform(source, t)


def via_of(t):
    return t.get_response_header("X-Echo-Via") or ""


def test_default_resolver():
    source = GCurl.MultiSource.new()
    assert source.props.proxy_resolver is Gio.ProxyResolver.get_default()


def test_resolver_answer_is_used(servers, start_proxy):
    proxy = start_proxy("tinyproxy")
    source = GCurl.MultiSource(proxy_resolver=Gio.SimpleProxyResolver.new(proxy.url(), None))
    t, error = echo(servers, source)
    assert error is None and t.props.response_code == 200
    assert "tinyproxy" in via_of(t)
    # HTTPS goes through the proxy too, in a CONNECT tunnel; the bytes are
    # the server's.
    t = GCurl.Transfer.new(servers.https + "/1k")
    t.props.tls_ca_file = servers.ca_file
    assert perform(source, t) is None
    assert t.get_body().get_data() == servers.pattern(1024)


def test_resolver_ignore_hosts_go_direct(servers, start_proxy):
    proxy = start_proxy("tinyproxy")
    host = servers.soup.split("//")[1].split(":")[0]
    resolver = Gio.SimpleProxyResolver.new(proxy.url(), [host])
    source = GCurl.MultiSource(proxy_resolver=resolver)
    t, error = echo(servers, source)
    assert error is None and via_of(t) == ""
    # Another host (127.0.0.2) is not in the list: through the proxy.
    t, error = echo(servers, source, url=servers.soup_other + "/echo")
    assert error is None and "tinyproxy" in via_of(t)


def test_transfer_proxy_wins(servers, start_proxy):
    proxy = start_proxy("tinyproxy")
    # The resolver points at a closed port: only a transfer with its own
    # proxy, or none, gets anywhere.
    dead = Gio.SimpleProxyResolver.new("http://127.0.0.1:9", None)
    source = GCurl.MultiSource(proxy_resolver=dead)

    t, error = echo(servers, source)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.CONNECT_FAILED)

    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.props.proxy = ""
    assert perform(source, t) is None and via_of(t) == ""

    t.props.proxy = proxy.url()
    assert perform(source, t) is None and "tinyproxy" in via_of(t)

    # A bare host:port is an HTTP proxy, as with curl -x.
    t.props.proxy = f"127.0.0.1:{proxy.port}"
    assert perform(source, t) is None and "tinyproxy" in via_of(t)


def test_https_proxy_is_trusted_as_the_server_is(servers, start_proxy):
    # socat speaks TLS in front of tinyproxy with nginx's certificate: an
    # HTTPS proxy on 127.0.0.1 that no system store trusts.
    proxy = start_proxy("tinyproxy")
    key_file = os.path.join(os.path.dirname(servers.ca_file), "key.pem")
    port = proxy.tls_front(servers.ca_file, key_file)
    resolver = Gio.SimpleProxyResolver.new(f"https://u:pr0xy-secret@127.0.0.1:{port}", None)
    source = GCurl.MultiSource(proxy_resolver=resolver)

    # Without the transfer's CA file the proxy's certificate is refused,
    # in a TLS error that shows no credential.
    t, error = echo(servers, source)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.TLS)
    assert "HTTPS proxy's certificate" in error.message
    assert "pr0xy-secret" not in error.message

    # tls-ca-file trusts it for the proxy as for the server, for plain
    # HTTP through it and for HTTPS in a tunnel inside its TLS.
    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.props.tls_ca_file = servers.ca_file
    assert perform(source, t) is None and "tinyproxy" in via_of(t)
    t = GCurl.Transfer.new(servers.https + "/1k")
    t.props.tls_ca_file = servers.ca_file
    assert perform(source, t) is None
    assert t.get_body().get_data() == servers.pattern(1024)

    # tls-verify-peer off is off for the proxy too, and the same handle,
    # pooled, checks again for the next transfer that did not turn it off.
    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.props.tls_verify_peer = False
    assert perform(source, t) is None and "tinyproxy" in via_of(t)
    t, error = echo(servers, source)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.TLS)


def test_socks5_with_credentials(servers, start_proxy):
    proxy = start_proxy("microsocks", user="alice", password="s3cret-pass")
    source = GCurl.MultiSource.new()
    for scheme in ("socks5", "socks5h", "socks"):
        t = GCurl.Transfer.new(servers.http + "/1k")
        t.props.proxy = proxy.url(scheme)
        assert perform(source, t) is None, scheme
        assert t.get_body().get_data() == servers.pattern(1024)

    # Without the credentials the proxy refuses, so the bytes above came
    # through it; the message names the transfer, not the password.
    t = GCurl.Transfer.new(servers.http + "/1k")
    t.props.proxy = proxy.url(with_credentials=False).replace("socks5://", "socks5://alice:wrong@")
    error = perform(source, t)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.CONNECT_FAILED)
    assert "wrong" not in error.message and "alice" not in error.message


def test_http_proxy_credentials_stay_with_the_proxy(servers, start_proxy):
    proxy = start_proxy("tinyproxy", user="bob", password="pr0xy-pass")
    source = GCurl.MultiSource(proxy_resolver=Gio.SimpleProxyResolver.new(proxy.url(), None))
    t, error = echo(servers, source)
    assert error is None and t.props.response_code == 200 and "tinyproxy" in via_of(t)
    # tinyproxy took them; the server never saw them.
    assert t.get_response_header("X-Echo-Proxy-Authorization") is None

    bad = Gio.SimpleProxyResolver.new(proxy.url(with_credentials=False).replace(
        "http://", "http://bob:nope-secret@"), None)
    source.props.proxy_resolver = bad
    t, error = echo(servers, source)
    # tinyproxy refuses with a 401 of its own (not 407).
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.HTTP_STATUS)
    assert t.props.response_code in (401, 407) and via_of(t) == ""
    assert "nope-secret" not in error.message


def test_errors_hide_credentials(servers):
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.props.proxy = "http://user:hunter2@127.0.0.1:9"
    error = perform(source, t)
    assert error is not None and "hunter2" not in error.message

    t.props.proxy = "ftp://user:hunter2@127.0.0.1:21"
    error = perform(source, t)
    assert error.matches(GCurl.error_quark(), GCurl.Error.UNSUPPORTED_PROTOCOL)
    assert "hunter2" not in error.message and "ftp://" in error.message

    # A resolver's answer no client uses: the transfer fails, and says why.
    gopher = Gio.SimpleProxyResolver.new("gopher://127.0.0.1:70", None)
    source.props.proxy_resolver = gopher
    t = GCurl.Transfer.new(servers.soup + "/echo")
    error = perform(source, t)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.HOST_NOT_FOUND)
    assert "proxy" in error.message


GNOME_CHILD = textwrap.dedent("""
    import sys
    import gi
    gi.require_version("GCurl", "1.0")
    from gi.repository import GCurl, Gio, GLib
    resolver = Gio.ProxyResolver.get_default()
    print(type(resolver).__name__)
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(sys.argv[1])
    done = []
    source.perform_async(t, None, lambda s, r: done.append(s.perform_finish(r)))
    ctx = GLib.MainContext.default()
    while not done:
        ctx.iteration(True)
    print(t.get_response_header("X-Echo-Via") or "direct")
""")


def test_gnome_settings(servers, start_proxy, tmp_path):
    """GNOME's proxy settings (org.gnome.system.proxy) in GSettings' keyfile
    backend, read by glib-networking's GNOME resolver, as on a desktop. Its
    default ignore-hosts has 127.0.0.0/8: emptied, so that loopback goes
    through the proxy."""
    proxy = start_proxy("tinyproxy")
    settings = tmp_path / "config" / "glib-2.0" / "settings"
    settings.mkdir(parents=True)
    (settings / "keyfile").write_text(textwrap.dedent(f"""
        [system/proxy]
        mode='manual'
        ignore-hosts=@as []

        [system/proxy/http]
        host='127.0.0.1'
        port={proxy.port}
        """))
    env = dict(os.environ, GSETTINGS_BACKEND="keyfile", XDG_CONFIG_HOME=str(tmp_path / "config"),
               GIO_USE_PROXY_RESOLVER="gnome", XDG_CURRENT_DESKTOP="GNOME")
    for var in ("http_proxy", "https_proxy", "no_proxy", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"):
        env.pop(var, None)
    out = subprocess.run([sys.executable, "-c", GNOME_CHILD, servers.soup_other + "/echo"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    resolver, via = out.stdout.splitlines()[:2]
    assert resolver == "GProxyResolverGnome"
    assert "tinyproxy" in via

    # Mode none: direct.
    (settings / "keyfile").write_text("[system/proxy]\nmode='none'\n")
    out = subprocess.run([sys.executable, "-c", GNOME_CHILD, servers.soup_other + "/echo"],
                         env=env, capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines()[1] == "direct"


def test_environment_through_libproxy(servers, start_proxy):
    """Outside GNOME, glib-networking's default resolver (libproxy) reads
    http_proxy and no_proxy, as libcurl would."""
    proxy = start_proxy("tinyproxy")
    env = dict(os.environ, http_proxy=proxy.url(), no_proxy="127.0.0.2",
               GIO_USE_PROXY_RESOLVER="libproxy")
    env.pop("XDG_CURRENT_DESKTOP", None)
    for url, expect in ((servers.soup + "/echo", "tinyproxy"), (servers.soup_other + "/echo", "direct")):
        out = subprocess.run([sys.executable, "-c", GNOME_CHILD, url],
                             env=env, capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        resolver, via = out.stdout.splitlines()[:2]
        assert resolver == "GLibproxyResolver"
        assert expect in via, out.stdout


def test_answers_are_kept_until_the_network_changes(servers, start_proxy):
    from test_network import FakeMonitor
    proxy = start_proxy("tinyproxy")
    monitor = FakeMonitor()
    resolver = Gio.SimpleProxyResolver.new(proxy.url(), None)
    source = GCurl.MultiSource(proxy_resolver=resolver, network_monitor=monitor)
    t, error = echo(servers, source)
    assert error is None and "tinyproxy" in via_of(t)
    # The resolver's settings change: the kept answer still holds...
    resolver.props.default_proxy = "http://127.0.0.1:9"
    t, error = echo(servers, source)
    assert error is None and "tinyproxy" in via_of(t)
    # ...until the network changes.
    monitor.change()
    ctx = GLib.MainContext.default()
    while ctx.pending():
        ctx.iteration(False)
    t, error = echo(servers, source)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.CONNECT_FAILED)
