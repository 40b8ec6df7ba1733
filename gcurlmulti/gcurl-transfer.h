/* gcurl-transfer.h: one HTTP transfer as a GObject
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(GCURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <gio/gio.h>
#include <curl/curl.h>

#include "gcurl-form.h"
#include "gcurl-version-macros.h"

G_BEGIN_DECLS

/**
 * GCurlTransferState:
 * @GCURL_TRANSFER_STATE_PENDING: not started yet
 * @GCURL_TRANSFER_STATE_RUNNING: in progress
 * @GCURL_TRANSFER_STATE_PAUSED: started and paused by [method@GCurl.Transfer.pause]
 * @GCURL_TRANSFER_STATE_SUCCEEDED: finished successfully
 * @GCURL_TRANSFER_STATE_FAILED: finished with an error
 * @GCURL_TRANSFER_STATE_CANCELLED: cancelled before it finished
 *
 * The life cycle of a [class@GCurl.Transfer]. A finished transfer (succeeded,
 * failed or cancelled) may be run again, which takes it back to running.
 */
typedef enum {
  GCURL_TRANSFER_STATE_PENDING,
  GCURL_TRANSFER_STATE_RUNNING,
  GCURL_TRANSFER_STATE_PAUSED,
  GCURL_TRANSFER_STATE_SUCCEEDED,
  GCURL_TRANSFER_STATE_FAILED,
  GCURL_TRANSFER_STATE_CANCELLED,
} GCurlTransferState;

/**
 * GCurlHttpVersion:
 * @GCURL_HTTP_1_1: HTTP/1.1 only
 * @GCURL_HTTP_2: HTTP/2 where the server offers it through TLS
 *   (ALPN), HTTP/1.1 otherwise; the default
 * @GCURL_HTTP_2_PRIOR_KNOWLEDGE: HTTP/2 from the first byte, also
 *   over cleartext (`h2c`), for servers known to speak it. With libcurl
 *   7.88 a cleartext HTTP/2 connection is not reused: its second request
 *   fails in libcurl, so each such transfer opens its own connection.
 * @GCURL_HTTP_3: HTTP/3 over QUIC for `https://` URLs, tried side by side
 *   with a TCP connection (HTTP/2 or HTTP/1.1), whichever connects first;
 *   with a libcurl built without HTTP/3, the same as %GCURL_HTTP_2 (a
 *   debug message says so)
 * @GCURL_HTTP_3_ONLY: HTTP/3 over QUIC only: the transfer fails if the
 *   server does not speak it; with a libcurl built without HTTP/3 it fails
 *   at once with %GCURL_ERROR_UNSUPPORTED_PROTOCOL
 *
 * The HTTP version a [class@GCurl.Transfer] asks for.
 *
 * QUIC runs over UDP sockets, which the source watches like any other.
 * Whether the libcurl in use has HTTP/3 is in `curl_version_info()`
 * (`CURL_VERSION_HTTP3`); Debian 13's has, Debian 12's has not.
 */
typedef enum {
  GCURL_HTTP_1_1,                /*< nick=http-1-1 >*/
  GCURL_HTTP_2,                  /*< nick=http-2 >*/
  GCURL_HTTP_2_PRIOR_KNOWLEDGE,  /*< nick=http-2-prior-knowledge >*/
  GCURL_HTTP_3,                  /*< nick=http-3 >*/
  GCURL_HTTP_3_ONLY,             /*< nick=http-3-only >*/
} GCurlHttpVersion;

/**
 * GCurlDownloadFlags:
 * @GCURL_DOWNLOAD_FLAGS_NONE: write a new file; fail if the destination
 *   exists
 * @GCURL_DOWNLOAD_FLAGS_RESUME: continue a partial download left by an
 *   earlier attempt, with an HTTP Range request
 * @GCURL_DOWNLOAD_FLAGS_REPLACE: replace the destination if it exists
 * @GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL: keep the partial file also when the
 *   download is cancelled, for an application that stops its downloads
 *   (when it quits, say) to continue them later with
 *   %GCURL_DOWNLOAD_FLAGS_RESUME
 *
 * How [method@GCurl.Transfer.set_output_file] and
 * [method@GCurl.MultiSource.download_async] treat the destination.
 */
typedef enum /*< flags >*/ {
  GCURL_DOWNLOAD_FLAGS_NONE = 0,
  GCURL_DOWNLOAD_FLAGS_RESUME = 1 << 0,
  GCURL_DOWNLOAD_FLAGS_REPLACE = 1 << 1,
  GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL = 1 << 2,
} GCurlDownloadFlags;

/**
 * GCurlOutput:
 * @GCURL_OUTPUT_MEMORY: the body is kept in memory, see
 *   [method@GCurl.Transfer.get_body]; the default
 * @GCURL_OUTPUT_FILE: the body is written to a file, see
 *   [method@GCurl.Transfer.set_output_file]
 * @GCURL_OUTPUT_STREAM: the body is written to a [class@Gio.OutputStream]
 * @GCURL_OUTPUT_SIGNAL: the body is handed out in pieces by
 *   [signal@GCurl.Transfer::data-received]
 *
 * Where a [class@GCurl.Transfer] puts the response body.
 */
typedef enum {
  GCURL_OUTPUT_MEMORY,
  GCURL_OUTPUT_FILE,
  GCURL_OUTPUT_STREAM,
  GCURL_OUTPUT_SIGNAL,
} GCurlOutput;

/**
 * GCurlTiming:
 * @GCURL_TIMING_NAME_LOOKUP: until the host name was resolved
 * @GCURL_TIMING_CONNECT: until the TCP connection was established
 * @GCURL_TIMING_TLS_HANDSHAKE: until the TLS handshake was complete
 * @GCURL_TIMING_FIRST_BYTE: until the first byte of the response arrived
 * @GCURL_TIMING_TOTAL: the whole transfer
 * @GCURL_TIMING_REDIRECT: the time spent in redirects before the final
 *   request
 * @GCURL_TIMING_QUEUE: the time the transfer waited in libcurl's queue
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
  GCURL_TIMING_NAME_LOOKUP,
  GCURL_TIMING_CONNECT,
  GCURL_TIMING_TLS_HANDSHAKE,
  GCURL_TIMING_FIRST_BYTE,
  GCURL_TIMING_TOTAL,
  GCURL_TIMING_REDIRECT,
  GCURL_TIMING_QUEUE,
} GCurlTiming;

/**
 * GCurlAuthMethods:
 * @GCURL_AUTH_METHODS_NONE: no authentication
 * @GCURL_AUTH_METHODS_BASIC: HTTP Basic (RFC 7617): the password is sent
 *   as it is, base64-encoded; use it over HTTPS only
 * @GCURL_AUTH_METHODS_DIGEST: HTTP Digest (RFC 7616)
 * @GCURL_AUTH_METHODS_NEGOTIATE: SPNEGO (Kerberos), where libcurl has
 *   GSS-API
 * @GCURL_AUTH_METHODS_ANY_SAFE: every method this libcurl has but Basic
 *
 * The authentication methods a [class@GCurl.Transfer] may use with its
 * [property@GCurl.Transfer:username] and [property@GCurl.Transfer:password].
 * With more than one, or with any but Basic alone, the first request goes
 * without credentials and the server's challenge picks the method; Basic
 * alone sends them with the first request.
 */
typedef enum /*< flags >*/ {
  GCURL_AUTH_METHODS_NONE = 0,
  GCURL_AUTH_METHODS_BASIC = 1 << 0,
  GCURL_AUTH_METHODS_DIGEST = 1 << 1,
  GCURL_AUTH_METHODS_NEGOTIATE = 1 << 2,
  GCURL_AUTH_METHODS_ANY_SAFE = 1 << 3,
} GCurlAuthMethods;

#define GCURL_TYPE_TRANSFER (gcurl_transfer_get_type ())

GCURL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (GCurlTransfer, gcurl_transfer, GCURL, TRANSFER, GObject)

GCURL_AVAILABLE_IN_0_1
GCurlTransfer      *gcurl_transfer_new                     (const char         *url);

GCURL_AVAILABLE_IN_0_1
CURL               *gcurl_transfer_get_handle              (GCurlTransfer      *self);

/* Request */

GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_url                 (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_url                 (GCurlTransfer      *self,
                                                             const char         *url);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_method              (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_method              (GCurlTransfer      *self,
                                                             const char         *method);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_request_header      (GCurlTransfer      *self,
                                                             const char         *name,
                                                             const char         *value);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_request_body_bytes  (GCurlTransfer      *self,
                                                             GBytes             *body,
                                                             const char         *content_type);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_request_body_form   (GCurlTransfer      *self,
                                                             GCurlForm          *form);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_request_body_stream (GCurlTransfer      *self,
                                                             GInputStream       *stream,
                                                             gint64              length,
                                                             const char         *content_type);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_user_agent          (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_user_agent          (GCurlTransfer      *self,
                                                             const char         *user_agent);
GCURL_AVAILABLE_IN_0_1
gboolean            gcurl_transfer_get_follow_redirects    (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_follow_redirects    (GCurlTransfer      *self,
                                                             gboolean            follow_redirects);
GCURL_AVAILABLE_IN_0_1
int                 gcurl_transfer_get_max_redirects       (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_max_redirects       (GCurlTransfer      *self,
                                                             int                 max_redirects);
GCURL_AVAILABLE_IN_0_1
GCurlHttpVersion    gcurl_transfer_get_http_version        (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_http_version        (GCurlTransfer      *self,
                                                             GCurlHttpVersion    version);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_transfer_get_timeout             (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_timeout             (GCurlTransfer      *self,
                                                             guint               timeout_ms);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_transfer_get_connect_timeout     (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_connect_timeout     (GCurlTransfer      *self,
                                                             guint               timeout_ms);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_transfer_get_low_speed_limit     (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_transfer_get_low_speed_time      (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_low_speed_limit     (GCurlTransfer      *self,
                                                             guint               bytes_per_second,
                                                             guint               seconds);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_transfer_get_receive_buffer_size (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_receive_buffer_size (GCurlTransfer      *self,
                                                             guint               size);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_max_recv_speed      (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_max_recv_speed      (GCurlTransfer      *self,
                                                             gint64              bytes_per_second);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_max_send_speed      (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_max_send_speed      (GCurlTransfer      *self,
                                                             gint64              bytes_per_second);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_resume_from         (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_resume_from         (GCurlTransfer      *self,
                                                             gint64              offset);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_allowed_protocols   (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_allowed_protocols   (GCurlTransfer      *self,
                                                             const char         *protocols);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_max_size            (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_max_size            (GCurlTransfer      *self,
                                                             gint64              max_size);
GCURL_AVAILABLE_IN_0_1
gboolean            gcurl_transfer_get_tls_verify_peer     (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_tls_verify_peer     (GCurlTransfer      *self,
                                                             gboolean            verify);
GCURL_AVAILABLE_IN_0_1
gboolean            gcurl_transfer_get_tls_verify_host     (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_tls_verify_host     (GCurlTransfer      *self,
                                                             gboolean            verify);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_tls_ca_file         (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_tls_ca_file         (GCurlTransfer      *self,
                                                             const char         *ca_file);
GCURL_AVAILABLE_IN_0_1
gboolean            gcurl_transfer_get_fail_on_http_error  (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_fail_on_http_error  (GCurlTransfer      *self,
                                                             gboolean            fail);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_transfer_get_progress_interval   (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_progress_interval   (GCurlTransfer      *self,
                                                             guint               interval_ms);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_username            (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_username            (GCurlTransfer      *self,
                                                             const char         *username);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_password            (GCurlTransfer      *self,
                                                             const char         *password);
GCURL_AVAILABLE_IN_0_1
GCurlAuthMethods    gcurl_transfer_get_auth_methods        (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_auth_methods        (GCurlTransfer      *self,
                                                             GCurlAuthMethods    methods);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_bearer_token        (GCurlTransfer      *self,
                                                             const char         *token);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_accept_encoding     (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_accept_encoding     (GCurlTransfer      *self,
                                                             const char         *encodings);
GCURL_AVAILABLE_IN_0_1
const char * const *gcurl_transfer_get_resolve             (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_resolve             (GCurlTransfer      *self,
                                                             const char * const *entries);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_proxy               (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_proxy               (GCurlTransfer      *self,
                                                             const char         *proxy);

/* Output */

GCURL_AVAILABLE_IN_0_1
GCurlOutput         gcurl_transfer_get_output              (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_output_memory       (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_output_file         (GCurlTransfer      *self,
                                                             GFile              *file,
                                                             GCurlDownloadFlags  flags);
GCURL_AVAILABLE_IN_0_1
GFile              *gcurl_transfer_get_output_file         (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_output_stream       (GCurlTransfer      *self,
                                                             GOutputStream      *stream);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_set_output_signal       (GCurlTransfer      *self);

/* State and results */

GCURL_AVAILABLE_IN_0_1
GCurlTransferState  gcurl_transfer_get_state               (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_bytes_received      (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_total_bytes         (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_download_speed      (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_bytes_sent          (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_total_bytes_to_send (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_upload_speed        (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_transfer_get_response_code       (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_effective_url       (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_content_type        (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_response_header     (GCurlTransfer      *self,
                                                             const char         *name);
GCURL_AVAILABLE_IN_0_1
char              **gcurl_transfer_dup_response_headers    (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
char              **gcurl_transfer_get_response_header_all (GCurlTransfer      *self,
                                                             const char         *name);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_wire_bytes_received (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_transfer_get_response_http_version (GCurlTransfer    *self);
GCURL_AVAILABLE_IN_0_1
GSocketAddress     *gcurl_transfer_dup_remote_address      (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
GSocketAddress     *gcurl_transfer_dup_local_address       (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_transfer_get_timing              (GCurlTransfer      *self,
                                                             GCurlTiming         timing);
GCURL_AVAILABLE_IN_0_1
GBytes             *gcurl_transfer_get_body                (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
int                 gcurl_transfer_get_curl_code           (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
const GError       *gcurl_transfer_get_error               (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
char               *gcurl_transfer_dup_suggested_filename  (GCurlTransfer      *self);

/* Control */

GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_pause                   (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_resume                  (GCurlTransfer      *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_transfer_cancel                  (GCurlTransfer      *self);

G_END_DECLS
