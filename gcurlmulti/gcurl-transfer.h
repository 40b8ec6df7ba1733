/* gcurl-transfer.h: one HTTP transfer as a GObject
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(G_CURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <gio/gio.h>
#include <curl/curl.h>

#include "gcurl-version-macros.h"

G_BEGIN_DECLS

/**
 * GCurlTransferState:
 * @G_CURL_TRANSFER_STATE_PENDING: not started yet
 * @G_CURL_TRANSFER_STATE_RUNNING: in progress
 * @G_CURL_TRANSFER_STATE_PAUSED: started and paused by [method@GCurl.Transfer.pause]
 * @G_CURL_TRANSFER_STATE_SUCCEEDED: finished successfully
 * @G_CURL_TRANSFER_STATE_FAILED: finished with an error
 * @G_CURL_TRANSFER_STATE_CANCELLED: cancelled before it finished
 *
 * The life cycle of a [class@GCurl.Transfer]. A finished transfer (succeeded,
 * failed or cancelled) may be run again, which takes it back to running.
 */
typedef enum {
  G_CURL_TRANSFER_STATE_PENDING,
  G_CURL_TRANSFER_STATE_RUNNING,
  G_CURL_TRANSFER_STATE_PAUSED,
  G_CURL_TRANSFER_STATE_SUCCEEDED,
  G_CURL_TRANSFER_STATE_FAILED,
  G_CURL_TRANSFER_STATE_CANCELLED,
} GCurlTransferState;

/**
 * GCurlHttpVersion:
 * @G_CURL_HTTP_1_1: HTTP/1.1 only
 * @G_CURL_HTTP_2: HTTP/2 where the server offers it through TLS
 *   (ALPN), HTTP/1.1 otherwise; the default
 * @G_CURL_HTTP_2_PRIOR_KNOWLEDGE: HTTP/2 from the first byte, also
 *   over cleartext (`h2c`), for servers known to speak it. With libcurl
 *   7.88 a cleartext HTTP/2 connection is not reused: its second request
 *   fails in libcurl, so each such transfer opens its own connection.
 * @G_CURL_HTTP_3: HTTP/3 over QUIC for `https://` URLs, tried side by side
 *   with a TCP connection (HTTP/2 or HTTP/1.1), whichever connects first;
 *   with a libcurl built without HTTP/3, the same as %G_CURL_HTTP_2 (a
 *   debug message says so)
 * @G_CURL_HTTP_3_ONLY: HTTP/3 over QUIC only: the transfer fails if the
 *   server does not speak it; with a libcurl built without HTTP/3 it fails
 *   at once with %G_CURL_ERROR_UNSUPPORTED_PROTOCOL
 *
 * The HTTP version a [class@GCurl.Transfer] asks for.
 *
 * QUIC runs over UDP sockets, which the source watches like any other.
 * Whether the libcurl in use has HTTP/3 is in `curl_version_info()`
 * (`CURL_VERSION_HTTP3`); Debian 13's has, Debian 12's has not.
 */
typedef enum {
  G_CURL_HTTP_1_1,                /*< nick=http-1-1 >*/
  G_CURL_HTTP_2,                  /*< nick=http-2 >*/
  G_CURL_HTTP_2_PRIOR_KNOWLEDGE,  /*< nick=http-2-prior-knowledge >*/
  G_CURL_HTTP_3,                  /*< nick=http-3 >*/
  G_CURL_HTTP_3_ONLY,             /*< nick=http-3-only >*/
} GCurlHttpVersion;

/**
 * GCurlDownloadFlags:
 * @G_CURL_DOWNLOAD_FLAGS_NONE: write a new file; fail if the destination
 *   exists
 * @G_CURL_DOWNLOAD_FLAGS_RESUME: continue a partial download left by an
 *   earlier attempt, with an HTTP Range request
 * @G_CURL_DOWNLOAD_FLAGS_REPLACE: replace the destination if it exists
 * @G_CURL_DOWNLOAD_FLAGS_KEEP_PARTIAL: keep the partial file also when the
 *   download is cancelled, for an application that stops its downloads
 *   (when it quits, say) to continue them later with
 *   %G_CURL_DOWNLOAD_FLAGS_RESUME
 *
 * How [method@GCurl.Transfer.set_output_file] and
 * [method@GCurl.MultiSource.download_async] treat the destination.
 */
typedef enum /*< flags >*/ {
  G_CURL_DOWNLOAD_FLAGS_NONE = 0,
  G_CURL_DOWNLOAD_FLAGS_RESUME = 1 << 0,
  G_CURL_DOWNLOAD_FLAGS_REPLACE = 1 << 1,
  G_CURL_DOWNLOAD_FLAGS_KEEP_PARTIAL = 1 << 2,
} GCurlDownloadFlags;

/**
 * GCurlOutput:
 * @G_CURL_OUTPUT_MEMORY: the body is kept in memory, see
 *   [method@GCurl.Transfer.get_body]; the default
 * @G_CURL_OUTPUT_FILE: the body is written to a file, see
 *   [method@GCurl.Transfer.set_output_file]
 * @G_CURL_OUTPUT_STREAM: the body is written to a [class@Gio.OutputStream]
 * @G_CURL_OUTPUT_SIGNAL: the body is handed out in pieces by
 *   [signal@GCurl.Transfer::data-received]
 *
 * Where a [class@GCurl.Transfer] puts the response body.
 */
typedef enum {
  G_CURL_OUTPUT_MEMORY,
  G_CURL_OUTPUT_FILE,
  G_CURL_OUTPUT_STREAM,
  G_CURL_OUTPUT_SIGNAL,
} GCurlOutput;

/**
 * GCurlTiming:
 * @G_CURL_TIMING_NAME_LOOKUP: until the host name was resolved
 * @G_CURL_TIMING_CONNECT: until the TCP connection was established
 * @G_CURL_TIMING_TLS_HANDSHAKE: until the TLS handshake was complete
 * @G_CURL_TIMING_FIRST_BYTE: until the first byte of the response arrived
 * @G_CURL_TIMING_TOTAL: the whole transfer
 * @G_CURL_TIMING_REDIRECT: the time spent in redirects before the final
 *   request
 * @G_CURL_TIMING_QUEUE: the time the transfer waited in libcurl's queue
 *   before it started, for a connection limit
 *   ([property@GCurl.MultiSource:max-total-connections],
 *   [property@GCurl.MultiSource:max-host-connections]); it is part of the
 *   other metrics. Needs libcurl 8.6 or later (at build and at run time):
 *   -1 with an older one.
 *
 * The timing metrics of [method@GCurl.Transfer.get_timing], each counted
 * from the start of the transfer (of its final request after redirects,
 * except for the total and the redirect time).
 */
typedef enum {
  G_CURL_TIMING_NAME_LOOKUP,
  G_CURL_TIMING_CONNECT,
  G_CURL_TIMING_TLS_HANDSHAKE,
  G_CURL_TIMING_FIRST_BYTE,
  G_CURL_TIMING_TOTAL,
  G_CURL_TIMING_REDIRECT,
  G_CURL_TIMING_QUEUE,
} GCurlTiming;

#define G_CURL_TYPE_TRANSFER (g_curl_transfer_get_type ())

G_CURL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GCurlTransfer, g_curl_transfer, G_CURL, TRANSFER, GObject)

G_CURL_AVAILABLE_IN_1_0
GCurlTransfer      *g_curl_transfer_new                     (const char         *url);

G_CURL_AVAILABLE_IN_1_0
CURL               *g_curl_transfer_get_handle              (GCurlTransfer      *self);

/* Request */

G_CURL_AVAILABLE_IN_1_0
const char         *g_curl_transfer_get_url                 (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_url                 (GCurlTransfer      *self,
                                                             const char         *url);
G_CURL_AVAILABLE_IN_1_0
const char         *g_curl_transfer_get_method              (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_method              (GCurlTransfer      *self,
                                                             const char         *method);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_request_header      (GCurlTransfer      *self,
                                                             const char         *name,
                                                             const char         *value);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_request_body_bytes  (GCurlTransfer      *self,
                                                             GBytes             *body,
                                                             const char         *content_type);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_request_body_stream (GCurlTransfer      *self,
                                                             GInputStream       *stream,
                                                             gint64              length,
                                                             const char         *content_type);
G_CURL_AVAILABLE_IN_1_0
const char         *g_curl_transfer_get_user_agent          (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_user_agent          (GCurlTransfer      *self,
                                                             const char         *user_agent);
G_CURL_AVAILABLE_IN_1_0
gboolean            g_curl_transfer_get_follow_redirects    (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_follow_redirects    (GCurlTransfer      *self,
                                                             gboolean            follow_redirects);
G_CURL_AVAILABLE_IN_1_0
int                 g_curl_transfer_get_max_redirects       (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_max_redirects       (GCurlTransfer      *self,
                                                             int                 max_redirects);
G_CURL_AVAILABLE_IN_1_0
GCurlHttpVersion    g_curl_transfer_get_http_version        (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_http_version        (GCurlTransfer      *self,
                                                             GCurlHttpVersion    version);
G_CURL_AVAILABLE_IN_1_0
guint               g_curl_transfer_get_timeout             (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_timeout             (GCurlTransfer      *self,
                                                             guint               timeout_ms);
G_CURL_AVAILABLE_IN_1_0
guint               g_curl_transfer_get_connect_timeout     (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_connect_timeout     (GCurlTransfer      *self,
                                                             guint               timeout_ms);
G_CURL_AVAILABLE_IN_1_0
guint               g_curl_transfer_get_low_speed_limit     (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
guint               g_curl_transfer_get_low_speed_time      (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_low_speed_limit     (GCurlTransfer      *self,
                                                             guint               bytes_per_second,
                                                             guint               seconds);
G_CURL_AVAILABLE_IN_1_0
guint               g_curl_transfer_get_receive_buffer_size (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_receive_buffer_size (GCurlTransfer      *self,
                                                             guint               size);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_max_recv_speed      (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_max_recv_speed      (GCurlTransfer      *self,
                                                             gint64              bytes_per_second);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_max_send_speed      (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_max_send_speed      (GCurlTransfer      *self,
                                                             gint64              bytes_per_second);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_resume_from         (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_resume_from         (GCurlTransfer      *self,
                                                             gint64              offset);
G_CURL_AVAILABLE_IN_1_0
const char         *g_curl_transfer_get_allowed_protocols   (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_allowed_protocols   (GCurlTransfer      *self,
                                                             const char         *protocols);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_max_size            (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_max_size            (GCurlTransfer      *self,
                                                             gint64              max_size);
G_CURL_AVAILABLE_IN_1_0
gboolean            g_curl_transfer_get_tls_verify_peer     (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_tls_verify_peer     (GCurlTransfer      *self,
                                                             gboolean            verify);
G_CURL_AVAILABLE_IN_1_0
gboolean            g_curl_transfer_get_tls_verify_host     (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_tls_verify_host     (GCurlTransfer      *self,
                                                             gboolean            verify);
G_CURL_AVAILABLE_IN_1_0
const char         *g_curl_transfer_get_tls_ca_file         (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_tls_ca_file         (GCurlTransfer      *self,
                                                             const char         *ca_file);
G_CURL_AVAILABLE_IN_1_0
gboolean            g_curl_transfer_get_fail_on_http_error  (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_fail_on_http_error  (GCurlTransfer      *self,
                                                             gboolean            fail);
G_CURL_AVAILABLE_IN_1_0
guint               g_curl_transfer_get_progress_interval   (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_progress_interval   (GCurlTransfer      *self,
                                                             guint               interval_ms);

/* Output */

G_CURL_AVAILABLE_IN_1_0
GCurlOutput         g_curl_transfer_get_output              (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_output_memory       (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_output_file         (GCurlTransfer      *self,
                                                             GFile              *file,
                                                             GCurlDownloadFlags  flags);
G_CURL_AVAILABLE_IN_1_0
GFile              *g_curl_transfer_get_output_file         (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_output_stream       (GCurlTransfer      *self,
                                                             GOutputStream      *stream);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_set_output_signal       (GCurlTransfer      *self);

/* State and results */

G_CURL_AVAILABLE_IN_1_0
GCurlTransferState  g_curl_transfer_get_state               (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_bytes_received      (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_total_bytes         (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_download_speed      (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_bytes_sent          (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_total_bytes_to_send (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_upload_speed        (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
guint               g_curl_transfer_get_response_code       (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
const char         *g_curl_transfer_get_effective_url       (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
const char         *g_curl_transfer_get_content_type        (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
const char         *g_curl_transfer_get_response_header     (GCurlTransfer      *self,
                                                             const char         *name);
G_CURL_AVAILABLE_IN_1_0
char              **g_curl_transfer_dup_response_headers    (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
gint64              g_curl_transfer_get_timing              (GCurlTransfer      *self,
                                                             GCurlTiming         timing);
G_CURL_AVAILABLE_IN_1_0
GBytes             *g_curl_transfer_get_body                (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
int                 g_curl_transfer_get_curl_code           (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
const GError       *g_curl_transfer_get_error               (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
char               *g_curl_transfer_dup_suggested_filename  (GCurlTransfer      *self);

/* Control */

G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_pause                   (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_resume                  (GCurlTransfer      *self);
G_CURL_AVAILABLE_IN_1_0
void                g_curl_transfer_cancel                  (GCurlTransfer      *self);

G_END_DECLS
