/* gcurl-share-private.h: what a source's transfers share through a
 * CURLSH: cookies (in memory or in a file), the DNS cache, TLS sessions
 * and the HSTS cache
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <gio/gio.h>
#include <curl/curl.h>

G_BEGIN_DECLS

typedef struct _GCurlShare GCurlShare;

/* @cookie_jar: NULL for no cookies, "" for cookies in memory, or a
 * Netscape cookie file, read now; @hsts_file: NULL, or libcurl's HSTS
 * cache file. Saving goes through an idle on @context. */
GCurlShare  *_gcurl_share_new            (const char   *cookie_jar,
                                          const char   *hsts_file,
                                          GMainContext *context);
GCurlShare  *_gcurl_share_ref            (GCurlShare   *share);
/* The last reference writes the jar if it changed, and the HSTS file. */
void         _gcurl_share_unref          (GCurlShare   *share);

gboolean     _gcurl_share_has_cookies    (GCurlShare   *share);
/* Sets the share (and the HSTS file) on @easy, for a run. */
void         _gcurl_share_attach         (GCurlShare   *share,
                                          CURL         *easy);
/* Off @easy again, out of any multi handle: a handle never keeps a share
 * past its run. */
void         _gcurl_share_detach         (GCurlShare   *share,
                                          CURL         *easy);
/* Writes a change now (the source goes away). */
void         _gcurl_share_flush          (GCurlShare   *share);
/* A transfer received a Set-Cookie: the jar file is written soon. */
void         _gcurl_share_cookies_changed (GCurlShare  *share);

char       **_gcurl_share_dup_cookies    (GCurlShare   *share);
gboolean     _gcurl_share_add_cookie     (GCurlShare   *share,
                                          const char   *set_cookie,
                                          const char   *url,
                                          GError      **error);
void         _gcurl_share_clear_cookies  (GCurlShare   *share);

/* A Set-Cookie header value as the Netscape line libcurl takes, for a
 * response from @uri at @now (seconds since the epoch). */
char        *_gcurl_cookie_to_netscape   (const char   *set_cookie,
                                          GUri         *uri,
                                          gint64        now,
                                          GError      **error);

G_END_DECLS
