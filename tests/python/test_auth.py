# SPDX-License-Identifier: LGPL-2.1-or-later
"""Authentication: GCurl.Transfer:username, :password, :auth-methods and
:bearer-token, against nginx (Basic) and a SoupServer auth domain
(Digest)."""

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib  # noqa: E402

from conftest import perform  # noqa: E402


def fetch(source, url, **props):
    t = GCurl.Transfer.new(url)
    for name, value in props.items():
        t.set_property(name, value)
    return t, perform(source, t)


def test_defaults():
    t = GCurl.Transfer.new("http://127.0.0.1:9/")
    assert t.props.username is None
    assert t.props.auth_methods == GCurl.AuthMethods.BASIC | GCurl.AuthMethods.DIGEST
    # Secrets are write-only.
    assert not t.find_property("password").flags & GObjectParamReadable()
    assert not t.find_property("bearer-token").flags & GObjectParamReadable()


def GObjectParamReadable():
    from gi.repository import GObject
    return GObject.ParamFlags.READABLE


def test_basic_against_nginx(servers):
    source = GCurl.MultiSource.new()
    url = servers.http + "/private/100k"
    t, error = fetch(source, url, username=servers.auth_user, password=servers.auth_password)
    assert error is None
    assert t.get_body().get_data() == servers.pattern(100 * 1024)
    assert t.props.response_code == 200


def test_basic_only_sends_at_once(servers):
    source = GCurl.MultiSource.new()
    t, error = fetch(source, servers.soup + "/echo", username="u", password="p",
                     auth_methods=GCurl.AuthMethods.BASIC)
    assert error is None
    assert t.get_response_header("X-Echo-Authorization") == "Basic dTpw"   # base64("u:p")


def test_default_methods_never_send_a_password_unasked(servers):
    # /echo never challenges: with Basic and Digest, nothing goes out.
    source = GCurl.MultiSource.new()
    t, error = fetch(source, servers.soup + "/echo", username="u", password="p")
    assert error is None
    assert t.get_response_header("X-Echo-Authorization") is None


def test_wrong_password_is_a_clear_error_with_a_readable_body(servers):
    source = GCurl.MultiSource.new()
    secret = "not-the-password-7c1e"
    t, error = fetch(source, servers.http + "/private/1k", username=servers.auth_user,
                     password=secret)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.HTTP_STATUS)
    assert t.props.response_code == 401
    assert "401" in error.message
    assert secret not in error.message and servers.auth_user not in error.message
    assert b"401" in t.get_body().get_data()   # nginx's error page


def test_digest_against_soup(servers):
    source = GCurl.MultiSource.new()
    t, error = fetch(source, servers.soup + "/auth/digest", username=servers.auth_user,
                     password=servers.auth_password, auth_methods=GCurl.AuthMethods.DIGEST)
    assert error is None
    assert t.get_body().get_data() == f"hello {servers.auth_user}\n".encode()

    t, error = fetch(source, servers.soup + "/auth/digest", username=servers.auth_user,
                     password="wrong", auth_methods=GCurl.AuthMethods.DIGEST)
    assert error is not None and t.props.response_code == 401
    assert "wrong" not in error.message


def test_bearer_token(servers):
    source = GCurl.MultiSource.new()
    t, error = fetch(source, servers.soup + "/echo", bearer_token="tok-123")
    assert error is None
    assert t.get_response_header("X-Echo-Authorization") == "Bearer tok-123"


def test_credentials_stay_with_their_origin_after_a_redirect(servers):
    source = GCurl.MultiSource.new()
    to = GLib.Uri.escape_string(servers.soup_other + "/echo", None, False)
    for props in ({"username": "u", "password": "p", "auth_methods": GCurl.AuthMethods.BASIC},
                  {"bearer_token": "tok-456"}):
        t, error = fetch(source, servers.soup + "/redirect?to=" + to, **props)
        assert error is None
        assert t.props.effective_url.startswith(servers.soup_other)
        assert t.get_response_header("X-Echo-Authorization") is None
    # Same origin: still sent after the redirect.
    t, error = fetch(source, servers.soup + "/redirect?to=/echo", bearer_token="tok-789")
    assert error is None
    assert t.get_response_header("X-Echo-Authorization") == "Bearer tok-789"


def test_a_pooled_handle_forgets_credentials(servers):
    source = GCurl.MultiSource.new()
    for _ in range(3):
        t, error = fetch(source, servers.soup + "/echo", bearer_token="tok-1")
        assert error is None
        del t
        t, error = fetch(source, servers.soup + "/echo")
        assert error is None
        assert t.get_response_header("X-Echo-Authorization") is None
