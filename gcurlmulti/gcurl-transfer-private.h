/* gcurl-transfer-private.h: what GCurlMultiSource calls on a transfer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gcurl-multi-source.h"
#include "gcurl-transfer.h"

G_BEGIN_DECLS

/* For GCurlDownload (gcurl-download.c). With @hold, a file output's
 * part is not moved into place when a run succeeds but kept for
 * _gcurl_transfer_take_held_part(); with @name_later, the output file's
 * name is only the first guess of the final one. */
void      _gcurl_transfer_hold_part (GCurlTransfer    *self,
                                      gboolean          hold,
                                      gboolean          name_later);
/* The running file output's part, or NULL. */
struct _GCurlPartFile *_gcurl_transfer_peek_part (GCurlTransfer *self);
/* The complete part of the run that just succeeded, closed, its names
 * still reserved; NULL if none. */
struct _GCurlPartFile *_gcurl_transfer_take_held_part (GCurlTransfer *self);

/* @dst gets @src's request settings, not its body, output or range
 * (for a download's segments). */
void      _gcurl_transfer_copy_request (GCurlTransfer *dst,
                                         GCurlTransfer *src);

/* With @withhold, the transfer's credentials (username, password,
 * bearer token) and its own Authorization and Cookie headers are not
 * sent: a download's mirror on another origin (doc/design.md,
 * "Mirrors"). */
void      _gcurl_transfer_withhold_credentials (GCurlTransfer *self,
                                                 gboolean       withhold);
/* Whether @a and @b have the same scheme, host and port. */
gboolean  _gcurl_url_same_origin (const char *a,
                                  const char *b);

/* TRUE while the transfer runs (running or paused). */
gboolean  _gcurl_transfer_is_active (GCurlTransfer    *self);
/* The handle, for the source: unlike get_handle(), it leaves the handle
 * free to go back to the pool of reset handles. */
CURL     *_gcurl_transfer_peek_handle (GCurlTransfer  *self);

/* Sets the easy handle up for a run by @source and opens the output; the
 * transfer is running when this returns TRUE. On FALSE nothing changed. */
gboolean  _gcurl_transfer_start     (GCurlTransfer    *self,
                                      GCurlMultiSource *source,
                                      GError          **error);

/* The run ended with @result (its handle has left the multi handle):
 * closes the output, sets the error and the final state and notifies.
 * The run's outcome is returned in @error and @body as it is now, before
 * any handler runs (a handler may start the next run). */
void      _gcurl_transfer_complete  (GCurlTransfer    *self,
                                      CURLcode          result,
                                      GError          **error,
                                      GBytes          **body);

/* Then, after GCurlMultiSource::done: ::finished. */
void      _gcurl_transfer_emit_finished (GCurlTransfer *self);

/* A run that could not start ends with @error (state, ::finished). */
void      _gcurl_transfer_fail_to_start (GCurlTransfer *self,
                                          const GError  *error);

/* Whether the libcurl in use speaks HTTP/3 (CURL_VERSION_HTTP3). */
gboolean  _gcurl_libcurl_has_http3      (void);

/* For the source's proxy lookup (gcurl-multi-source-proxy.c): this run's
 * proxy, once known (NULL: libcurl's environment variables, "": direct);
 * the reason of a run that fails before it starts; whether C code has the
 * handle. */
void      _gcurl_transfer_apply_proxy   (GCurlTransfer *self,
                                         const char    *proxy);
void      _gcurl_transfer_set_error_text (GCurlTransfer *self,
                                          const char    *text);
gboolean  _gcurl_transfer_handle_exposed (GCurlTransfer *self);

/* send_async() (gcurl-output.c): this run's body goes to @stream (a
 * GCurlBodyStream) instead of the output, and @task is returned with it
 * once the response head is in; at the end of the run, the stream, and
 * whether @task was returned already. */
void      _gcurl_transfer_set_pull      (GCurlTransfer *self,
                                         GInputStream  *stream,
                                         GTask         *task);
GInputStream *_gcurl_transfer_end_pull  (GCurlTransfer *self,
                                         gboolean      *returned);
/* From the stream, in the transfer's context: the reader made room, or
 * closed @stream before its end. */
void      _gcurl_transfer_pull_drained  (GCurlTransfer *self,
                                         GInputStream  *stream);
void      _gcurl_transfer_pull_closed   (GCurlTransfer *self,
                                         GInputStream  *stream);

G_END_DECLS
