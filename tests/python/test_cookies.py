# SPDX-License-Identifier: LGPL-2.1-or-later
"""Cookies: GCurl.MultiSource:cookie-jar (off, in memory, in a file),
dup_cookies(), add_cookie() and clear_cookies(), against the SoupServer on
two host names (a.test on 127.0.0.1, b.test on 127.0.0.2)."""

import os
import stat
import subprocess
import sys
from urllib.parse import quote, urlsplit

import gi
import pytest

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib  # noqa: E402

from conftest import perform, run_for  # noqa: E402


class Hosts:
    def __init__(self, servers):
        a, b = urlsplit(servers.soup), urlsplit(servers.soup_other)
        self.a = f"http://a.test:{a.port}"
        self.b = f"http://b.test:{b.port}"
        self.resolve = [f"a.test:{a.port}:127.0.0.1", f"b.test:{b.port}:127.0.0.2"]


@pytest.fixture
def hosts(servers):
    return Hosts(servers)


def fetch(source, hosts, url):
    t = GCurl.Transfer.new(url)
    t.props.resolve = hosts.resolve
    assert perform(source, t) is None
    return t


def set_cookie_url(base, cookie):
    return f"{base}/echo?set-cookie={quote(cookie)}"


def test_off_by_default(hosts):
    source = GCurl.MultiSource.new()
    assert source.props.cookie_jar is None
    fetch(source, hosts, set_cookie_url(hosts.a, "id=1"))
    t = fetch(source, hosts, hosts.a + "/echo")
    assert t.get_response_header("X-Echo-Cookie") is None
    assert source.dup_cookies() == []


def test_login_then_fetch_in_memory(hosts):
    source = GCurl.MultiSource(cookie_jar="")
    t = fetch(source, hosts, set_cookie_url(hosts.a, "session=abc123; Path=/; HttpOnly"))
    assert t.get_response_header_all("Set-Cookie") == ["session=abc123; Path=/; HttpOnly"]
    t = fetch(source, hosts, hosts.a + "/echo")
    assert t.get_response_header("X-Echo-Cookie") == "session=abc123"
    (line,) = source.dup_cookies()
    assert line.split("\t") == ["#HttpOnly_a.test", "FALSE", "/", "FALSE", "0", "session", "abc123"]
    # Another host never gets it, directly or after a redirect.
    t = fetch(source, hosts, hosts.b + "/echo")
    assert t.get_response_header("X-Echo-Cookie") is None
    t = fetch(source, hosts, hosts.a + "/redirect?to=" + quote(hosts.b + "/echo", safe=""))
    assert t.props.effective_url.startswith(hosts.b)
    assert t.get_response_header("X-Echo-Cookie") is None


def test_two_sources_never_share(hosts):
    one, two = GCurl.MultiSource(cookie_jar=""), GCurl.MultiSource(cookie_jar="")
    fetch(one, hosts, set_cookie_url(hosts.a, "k=v"))
    assert fetch(two, hosts, hosts.a + "/echo").get_response_header("X-Echo-Cookie") is None
    assert fetch(one, hosts, hosts.a + "/echo").get_response_header("X-Echo-Cookie") == "k=v"


def test_add_and_clear(servers):
    source = GCurl.MultiSource(cookie_jar="")
    assert source.add_cookie("Set-Cookie: token=t1; Path=/echo", servers.soup + "/login")
    t = GCurl.Transfer.new(servers.soup + "/echo")
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-Cookie") == "token=t1"

    for bad, url in (("a=1; Domain=example.org", servers.soup),     # not this host
                     ("a=1; Domain=test", "http://a.test/"),        # a top-level domain
                     ("a=1; Secure", servers.soup),                 # Secure over http
                     ("a=1\r\nX: y", servers.soup),                 # control bytes
                     ("novalue", servers.soup)):
        with pytest.raises(GLib.Error) as e:
            source.add_cookie(bad, url)
        assert e.value.matches(Gio_error_quark(), 13)             # G_IO_ERROR_INVALID_ARGUMENT
    with pytest.raises(GLib.Error) as e:
        source.add_cookie("a=1", "file:///etc/passwd")
    assert e.value.matches(GCurl.error_quark(), GCurl.Error.INVALID_URL)
    assert len(source.dup_cookies()) == 1

    source.clear_cookies()
    assert source.dup_cookies() == []
    t = GCurl.Transfer.new(servers.soup + "/echo")
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-Cookie") is None


def Gio_error_quark():
    from gi.repository import Gio
    return Gio.io_error_quark()


def test_domain_cookie_reaches_subdomains(servers):
    port = urlsplit(servers.soup).port
    source = GCurl.MultiSource(cookie_jar="")
    assert source.add_cookie("wide=1; Domain=.example.test", f"http://www.example.test:{port}/")
    t = GCurl.Transfer.new(f"http://api.example.test:{port}/echo")
    t.props.resolve = [f"api.example.test:{port}:127.0.0.1"]
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-Cookie") == "wide=1"


PROCESS = r"""
import sys
import gi
gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib
jar, url, resolve = sys.argv[1], sys.argv[2], sys.argv[3:]
source = GCurl.MultiSource(cookie_jar=jar)
t = GCurl.Transfer.new(url)
t.props.resolve = resolve
loop = GLib.MainLoop()
def done(s, r):
    s.perform_finish(r)
    loop.quit()
source.perform_async(t, None, done)
loop.run()
print(t.get_response_header("X-Echo-Cookie") or "-")
"""


def run_process(jar, url, resolve):
    out = subprocess.run([sys.executable, "-c", PROCESS, str(jar), url, *resolve],
                         check=True, capture_output=True, text=True, env=os.environ)
    return out.stdout.strip()


def test_file_persists_across_processes(hosts, tmp_path):
    jar = tmp_path / "cookies.txt"
    url = set_cookie_url(hosts.a, "keep=yes; Path=/; Max-Age=3600")
    assert run_process(jar, url, hosts.resolve) == "-"
    # One process wrote it (mode 0600), with the persistent cookie only.
    assert stat.S_IMODE(jar.stat().st_mode) == 0o600
    lines = [line for line in jar.read_text().splitlines() if line and not line.startswith("#")]
    assert len(lines) == 1 and lines[0].split("\t")[5:] == ["keep", "yes"]
    # The next one sends it.
    assert run_process(jar, hosts.a + "/echo", hosts.resolve) == "keep=yes"
    assert run_process(jar, hosts.b + "/echo", hosts.resolve) == "-"


def test_file_written_on_change_and_session_cookies_stay_out(hosts, tmp_path):
    jar = tmp_path / "jar"
    source = GCurl.MultiSource(cookie_jar=str(jar))
    fetch(source, hosts, set_cookie_url(hosts.a, "s=session-only"))
    fetch(source, hosts, set_cookie_url(hosts.a, "p=1; Max-Age=600"))
    run_for(0.2)    # the write is an idle of the main loop
    text = jar.read_text()
    assert "\tp\t1" in text and "session-only" not in text
    # A link where the jar is gets replaced, not written through.
    target = tmp_path / "elsewhere"
    target.write_text("untouched")
    jar.unlink()
    jar.symlink_to(target)
    source.clear_cookies()
    fetch(source, hosts, set_cookie_url(hosts.a, "q=2; Max-Age=600"))
    run_for(0.2)
    assert target.read_text() == "untouched"
    assert not jar.is_symlink() and "\tq\t2" in jar.read_text()
