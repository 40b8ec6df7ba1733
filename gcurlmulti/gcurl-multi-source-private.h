/* gcurl-multi-source-private.h: what the library's other files call on a
 * source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Nothing here is installed or exported; the tests' hooks are in
 * gcurl-test-hooks-private.h.
 */

#pragma once

#include "gcurl-multi-source.h"
#include "gcurl-share-private.h"
#include "gcurl-transfer.h"

G_BEGIN_DECLS

/* For GCurlTransfer: curl_easy_pause() with @bitmask, deferred to the end
 * of the current action when called from inside one. */
void         _gcurl_multi_source_set_pause        (GCurlMultiSource *self,
                                                    CURL             *easy,
                                                    int               bitmask);
/* For GCurlTransfer: ends @transfer as cancelled (at once, or after the
 * current action). */
void         _gcurl_multi_source_cancel_transfer  (GCurlMultiSource *self,
                                                    GCurlTransfer    *transfer);

gboolean     _gcurl_multi_source_in_its_thread    (GCurlMultiSource *self);

/* For GCurlTransfer: what a new run shares with the source's others (made
 * on first use; NULL without a cookie jar or an HSTS file), and the
 * alt-svc file each run reads and writes. */
GCurlShare  *_gcurl_multi_source_get_share        (GCurlMultiSource *self);
const char  *_gcurl_multi_source_get_alt_svc_file (GCurlMultiSource *self);
/* For GCurlTransfer: after the network changed, whether a run to @url
 * needs a new connection, a new name lookup, and the oldest connection it
 * may reuse, in seconds (0: any). */
void         _gcurl_multi_source_network_freshness (GCurlMultiSource *self,
                                                     const char       *url,
                                                     gboolean         *fresh_connection,
                                                     gboolean         *fresh_lookup,
                                                     long             *max_age);

/* For GCurlTransfer (gcurl-multi-source-proxy.c): a proxy URL as libcurl
 * takes it ("" for direct), or NULL with @error; and its parts. */
char        *_gcurl_proxy_normalize               (const char  *proxy,
                                                    GError     **error);
void         _gcurl_proxy_split                   (const char  *proxy,
                                                    char       **url,
                                                    char       **user,
                                                    char       **password);

G_END_DECLS
