# SPDX-License-Identifier: LGPL-2.1-or-later
"""Multipart forms: GCurl.Form and GCurl.Transfer.set_request_body_form(),
against a SoupServer that parses the parts and checks their SHA-256."""

import hashlib

import gi

gi.require_version("GCurl", "1.0")
from gi.repository import GCurl, GLib, Gio  # noqa: E402

from conftest import perform  # noqa: E402


def parts(t):
    text = t.get_body().get_data().decode()
    return [line.split("\t") for line in text.splitlines()]


def sha(data):
    return hashlib.sha256(data).hexdigest()


def test_fields_files_and_bytes(servers, tmp_path):
    photo = tmp_path / "beach photo.jpg"
    photo_data = servers.pattern(300000)
    photo.write_bytes(photo_data)
    form = GCurl.Form.new()
    form.add_field("title", "Holidäy")
    form.add_file("photo", Gio.File.new_for_path(str(photo)), "image/jpeg")
    form.add_bytes("meta", GLib.Bytes.new(b'{"a": 1}'), "application/json")
    form.add_file("raw", Gio.File.new_for_path(str(photo)), None)
    assert form.get_n_parts() == 4

    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/multipart")
    t.set_request_body_form(form)
    assert perform(source, t) is None
    assert parts(t) == [
        ["title", "-", "-", str(len("Holidäy".encode())), sha("Holidäy".encode())],
        ["photo", "beach photo.jpg", "image/jpeg", "300000", sha(photo_data)],
        ["meta", "-", "application/json", "8", sha(b'{"a": 1}')],
        ["raw", "beach photo.jpg", "application/octet-stream", "300000", sha(photo_data)],
    ]
    # Run again: the files are opened again.
    assert perform(source, t) is None
    assert len(parts(t)) == 4


def test_large_file_with_upload_progress(servers, tmp_path):
    big = tmp_path / "big.bin"
    block = servers.pattern(1024 * 1024)
    h = hashlib.sha256()
    with open(big, "wb") as f:
        for i in range(100):
            chunk = block[i:] + block[:i]
            f.write(chunk)
            h.update(chunk)
    form = GCurl.Form.new()
    form.add_file("file", Gio.File.new_for_path(str(big)), "application/octet-stream")
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/multipart")
    t.set_request_body_form(form)
    t.props.progress_interval = 0
    sent = []
    t.connect("notify::bytes-sent", lambda t, _: sent.append(t.props.bytes_sent))
    assert perform(source, t) is None
    assert parts(t) == [["file", "big.bin", "application/octet-stream", str(100 * 1024 * 1024),
                         h.hexdigest()]]
    total = t.props.total_bytes_to_send
    assert total > 100 * 1024 * 1024          # with the part's head and the boundaries
    assert t.props.bytes_sent == total
    assert len(sent) > 3 and sent == sorted(sent)


def test_method_and_a_missing_file(servers, tmp_path):
    source = GCurl.MultiSource.new()
    form = GCurl.Form.new()
    form.add_field("a", "1")
    t = GCurl.Transfer.new(servers.soup + "/echo")
    t.props.method = "PUT"
    t.set_request_body_form(form)
    assert perform(source, t) is None
    assert t.get_response_header("X-Echo-Method") == "PUT"
    assert t.get_response_header("X-Echo-Content-Type").startswith("multipart/form-data; boundary=")

    form.add_file("gone", Gio.File.new_for_path(str(tmp_path / "missing")), None)
    error = perform(source, t)
    assert error is not None and error.matches(Gio.io_error_quark(), Gio.IOErrorEnum.NOT_FOUND)
    assert t.props.state == GCurl.TransferState.FAILED

    form = GCurl.Form.new()
    form.add_file("dir", Gio.File.new_for_path(str(tmp_path)), None)
    t.set_request_body_form(form)
    error = perform(source, t)
    assert error is not None and error.matches(GCurl.error_quark(), GCurl.Error.READ)


def test_hostile_file_name(servers, tmp_path):
    name = 'a"b\\c\nd.txt'
    path = tmp_path / name
    path.write_bytes(b"x")
    form = GCurl.Form.new()
    form.add_file("f", Gio.File.new_for_path(str(path)), "text/plain")
    source = GCurl.MultiSource.new()
    t = GCurl.Transfer.new(servers.soup + "/multipart")
    t.set_request_body_form(form)
    assert perform(source, t) is None
    ((field, filename, *_),) = parts(t)
    assert field == "f" and "\n" not in filename and filename.endswith("d.txt")
