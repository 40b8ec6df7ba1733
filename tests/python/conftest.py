# SPDX-License-Identifier: LGPL-2.1-or-later
"""Shared helpers: the servers tests/gcurl-test-serve started, and a way to
run the default main context until something happened."""

import hashlib
import os

import gi
import pytest

gi.require_version("GCurl", "1.0")
from gi.repository import GLib  # noqa: E402


class Servers:
    def __init__(self):
        missing = [v for v in ("SOUP_URL", "NGINX_HTTP_URL", "NGINX_HTTPS_URL", "NGINX_H2C_URL",
                               "NGINX_CA_FILE", "NGINX_DOCROOT", "NGINX_HTTPS_LOG")
                   if v not in os.environ]
        if missing:
            pytest.fail("run the Python tests under tests/gcurl-test-serve "
                        f"(missing {', '.join(missing)})")
        self.soup = os.environ["SOUP_URL"].rstrip("/")
        # The same SoupServer on 127.0.0.2: another origin.
        self.soup_other = os.environ.get("SOUP_OTHER_URL", "").rstrip("/")
        self.auth_user = os.environ.get("TEST_AUTH_USER")
        self.auth_password = os.environ.get("TEST_AUTH_PASSWORD")
        self.http = os.environ["NGINX_HTTP_URL"]
        self.https = os.environ["NGINX_HTTPS_URL"]
        self.h2c = os.environ["NGINX_H2C_URL"]
        self.ca_file = os.environ["NGINX_CA_FILE"]
        self.docroot = os.environ["NGINX_DOCROOT"]
        self.https_log = os.environ["NGINX_HTTPS_LOG"]

    def pattern(self, n, offset=0):
        """The first n bytes (from offset) every test server body is cut from."""
        with open(os.path.join(self.docroot, "16m"), "rb") as f:
            f.seek(offset)
            return f.read(n)

    def sha256_of(self, name):
        with open(os.path.join(self.docroot, name), "rb") as f:
            return hashlib.sha256(f.read()).hexdigest()

    def https_connections(self, tag):
        """The distinct nginx connections that served URIs containing tag."""
        with open(self.https_log) as f:
            return {line.split()[0] for line in f if tag in line}


@pytest.fixture(scope="session")
def servers():
    return Servers()


def run_until(predicate, timeout=30.0):
    """Iterates the default main context until predicate() is true."""
    context = GLib.MainContext.default()
    deadline = GLib.get_monotonic_time() + int(timeout * 1e6)
    # Wakes the loop up now and then so the deadline is checked.
    tick = GLib.timeout_add(50, lambda: True)
    try:
        while not predicate():
            if GLib.get_monotonic_time() > deadline:
                raise AssertionError(f"timed out after {timeout} s")
            context.iteration(True)
    finally:
        GLib.source_remove(tick)


def run_for(seconds):
    done = []
    GLib.timeout_add(int(seconds * 1000), lambda: done.append(True))
    run_until(lambda: done)


def sha256_file(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def perform(source, transfer, cancellable=None):
    """Runs transfer to its end with perform_async(); returns the
    GLib.Error it failed with, or None."""
    result = {}

    def done(src, res):
        try:
            src.perform_finish(res)
            result["error"] = None
        except GLib.Error as e:
            result["error"] = e

    source.perform_async(transfer, cancellable, done)
    run_until(lambda: "error" in result)
    return result["error"]


def _free_port():
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _accepts(port):
    import socket
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


class _Proxy:
    """A proxy server from Debian on 127.0.0.1, started for the tests:
    tinyproxy (HTTP) or microsocks (SOCKS5)."""

    def __init__(self, kind, tmp_path, user=None, password=None):
        import subprocess
        import time
        self.kind, self.user, self.password = kind, user, password
        self.fronts = []
        # The port is free when picked, but may be taken before the proxy
        # binds it: then the proxy exits, and another is picked.
        for _ in range(5):
            self.port = _free_port()
            if kind == "tinyproxy":
                conf = tmp_path / f"tinyproxy-{self.port}.conf"
                lines = [f"Port {self.port}", "Listen 127.0.0.1", "Allow 127.0.0.1",
                         "Timeout 30", "MaxClients 100", "LogLevel Warning"]
                if user is not None:
                    lines.append(f"BasicAuth {user} {password}")
                conf.write_text("\n".join(lines) + "\n")
                argv = ["tinyproxy", "-d", "-c", str(conf)]
            else:
                argv = ["microsocks", "-i", "127.0.0.1", "-p", str(self.port)]
                if user is not None:
                    argv += ["-u", user, "-P", password]
            self.process = subprocess.Popen(argv, stdout=subprocess.DEVNULL,
                                            stderr=subprocess.DEVNULL)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and self.process.poll() is None:
                if _accepts(self.port):
                    return
                time.sleep(0.02)
            self.stop()
        pytest.fail(f"{kind} did not start")

    def tls_front(self, cert_file, key_file):
        """An HTTPS proxy: socat terminating TLS on a port of its own, in
        front of this proxy, with nginx's certificate (for 127.0.0.1).
        Its port is returned; it stops with the proxy."""
        import subprocess
        import time
        for _ in range(5):
            port = _free_port()
            front = subprocess.Popen(
                ["socat", f"openssl-listen:{port},bind=127.0.0.1,reuseaddr,fork,verify=0,"
                 f"cert={cert_file},key={key_file}", f"tcp:127.0.0.1:{self.port}"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            self.fronts.append(front)
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and front.poll() is None:
                if _accepts(port):
                    return port
                time.sleep(0.02)
        pytest.fail("socat did not start")

    def url(self, scheme=None, with_credentials=True):
        scheme = scheme or ("http" if self.kind == "tinyproxy" else "socks5")
        auth = f"{self.user}:{self.password}@" if self.user and with_credentials else ""
        return f"{scheme}://{auth}127.0.0.1:{self.port}"

    def stop(self):
        for process in self.fronts + [self.process]:
            if process.poll() is None:
                process.terminate()
                process.wait(10)


@pytest.fixture
def start_proxy(tmp_path):
    """start_proxy("tinyproxy" or "microsocks", user=None, password=None)."""
    started = []

    def start(kind, user=None, password=None):
        proxy = _Proxy(kind, tmp_path, user, password)
        started.append(proxy)
        return proxy

    yield start
    for proxy in started:
        proxy.stop()
