/* fetch.vala: fetch one URL into memory with gcurlmulti, from Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   valac --pkg gcurlmulti-1.0 fetch.vala -o fetch-vala
 *   ./fetch-vala https://example.org/
 *
 * Prints the size and the SHA-256 of the body, as fetch.c does; exits 1
 * with the error on failure. The _async/_finish pair of the C API is one
 * async method in Vala: `yield source.fetch_bytes (url)`.
 */

async int fetch (GCurl.MultiSource source, string url) {
    try {
        Bytes body = yield source.fetch_bytes (url);
        print ("%zu bytes, sha256 %s\n", body.get_size (),
               Checksum.compute_for_bytes (ChecksumType.SHA256, body));
        return 0;
    } catch (Error e) {
        printerr ("fetch: %s\n", e.message);
        return 1;
    }
}

int main (string[] args) {
    if (args.length != 2) {
        printerr ("usage: %s URL\n", args[0]);
        return 2;
    }

    var loop = new MainLoop ();
    var source = new GCurl.MultiSource ();
    int status = 0;

    fetch.begin (source, args[1], (obj, res) => {
        status = fetch.end (res);
        loop.quit ();
    });
    loop.run ();
    return status;
}
