/* gcurl-checksum-private.h: the checksums a download is verified with
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Parsing is pure and takes any bytes (a caller's text, a server's
 * header); hashing a file runs in a worker thread, on a descriptor the
 * caller opened, so that a large file never blocks a main loop
 * (doc/design.md, "Downloads").
 */

#pragma once

#include <gio/gio.h>

G_BEGIN_DECLS

/* "ALGO=HEX": sha256, sha512, sha1 or md5 (case and a dash, as in
 * "SHA-256", ignored), and as many hex digits as the algorithm gives. On
 * success *@type and *@hex (lowercase, newly allocated) are set. */
gboolean     _gcurl_checksum_parse        (const char     *spec,
                                           GChecksumType  *type,
                                           char          **hex);

/* The strongest digest of a `Repr-Digest` (RFC 9530: `sha-256=:B64:`)
 * or, with @legacy, a `Digest` (RFC 3230: `SHA-256=B64`) header value that
 * this code knows, as a type and lowercase hex; FALSE if none. */
gboolean     _gcurl_checksum_from_header  (const char     *value,
                                           gboolean        legacy,
                                           GChecksumType  *type,
                                           char          **hex);

/* "sha256", "sha512", "sha1", "md5". */
const char  *_gcurl_checksum_type_name    (GChecksumType   type);

/* Hashes what @fd holds from its start to its end, in a thread; takes
 * @fd and closes it. The callback is called in the thread-default context
 * of the caller. */
void         _gcurl_checksum_fd_async     (int                  fd,
                                           GChecksumType        type,
                                           GCancellable        *cancellable,
                                           GAsyncReadyCallback  callback,
                                           gpointer             user_data);

/* The lowercase hex digest, or NULL with @error set. */
char        *_gcurl_checksum_fd_finish    (GAsyncResult  *result,
                                           GError       **error);

G_END_DECLS
