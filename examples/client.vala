/* client.vala: the REST client of client.py, from Vala
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   valac --pkg gcurlmulti-1.0 client.vala -o client-vala
 *   GCURL_PASSWORD=... ./client-vala [--user NAME] [--jar FILE] [--proxy URL] [--pull yes] URL...
 *
 * Fetches each URL in turn on one source, with credentials and a cookie
 * jar; prints for each its status, HTTP version, server address, decoded
 * size and size on the wire, and at the end the number of cookies, as
 * client.py does. With --pull yes, each body is read from the stream
 * send_async() gives instead (and its bytes counted as they are read).
 */

async int64 pull (GCurl.MultiSource source, GCurl.Transfer t) throws Error {
    var stream = yield source.send_async (t, Priority.DEFAULT, null);
    int64 n = 0;
    Bytes chunk;
    while ((chunk = yield stream.read_bytes_async (65536, Priority.DEFAULT, null)).get_size () > 0)
        n += chunk.get_size ();
    return n;
}

async int fetch_all (GCurl.MultiSource source, GCurl.Transfer[] transfers, bool pulled) {
    foreach (var t in transfers) {
        try {
            if (pulled) {
                var n = yield pull (source, t);
                if (n != t.bytes_received)
                    throw new IOError.FAILED ("read %" + int64.FORMAT + " bytes of %" + int64.FORMAT, n, t.bytes_received);
            } else {
                yield source.perform (t, null);
            }
        } catch (Error e) {
            printerr ("client: %s\n", e.message);
            return 1;
        }
        var address = (InetSocketAddress) t.dup_remote_address ();
        print ("%u %s %s:%u %" + int64.FORMAT + " bytes (%" + int64.FORMAT + " on the wire)\n",
               t.response_code, t.get_response_http_version (),
               address.address.to_string (), address.port,
               t.bytes_received, t.wire_bytes_received);
    }
    print ("%u cookies\n", source.dup_cookies ().length);
    return 0;
}

int main (string[] args) {
    string? user = null, jar = null, proxy = null;
    bool pulled = false;
    GCurl.Transfer[] transfers = {};
    int i = 1;

    for (; i + 1 < args.length && args[i].has_prefix ("--"); i += 2) {
        if (args[i] == "--user")
            user = args[i + 1];
        else if (args[i] == "--jar")
            jar = args[i + 1];
        else if (args[i] == "--proxy")
            proxy = args[i + 1];
        else if (args[i] == "--pull")
            pulled = args[i + 1] == "yes";
        else
            break;
    }
    if (i >= args.length) {
        printerr ("usage: %s [--user NAME] [--jar FILE] [--proxy URL] URL...\n", args[0]);
        return 2;
    }
    for (; i < args.length; i++) {
        var t = new GCurl.Transfer (args[i]);
        t.proxy = proxy;
        if (user != null) {
            t.username = user;
            t.password = Environment.get_variable ("GCURL_PASSWORD") ?? "";
        }
        transfers += t;
    }

    var loop = new MainLoop ();
    var source = (GCurl.MultiSource) Object.new (typeof (GCurl.MultiSource), "cookie-jar", jar);
    int status = 0;

    fetch_all.begin (source, transfers, pulled, (obj, res) => {
        status = fetch_all.end (res);
        loop.quit ();
    });
    loop.run ();
    return status;
}
