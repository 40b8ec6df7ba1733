/* gcurl-transfer.c: one HTTP transfer as a GObject
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-filename-private.h"
#include "gcurl-headers-private.h"
#include "gcurl-part-file-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-transfer-internal.h"

/**
 * GCurlTransfer:
 *
 * One HTTP(S) transfer: a request, where its response body goes, and what
 * happened to it, as a GObject with properties to bind to a user
 * interface.
 *
 * ```c
 * g_autoptr(GCurlTransfer) transfer = gcurl_transfer_new ("https://example.org/file");
 *
 * gcurl_transfer_set_output_file (transfer, file, GCURL_DOWNLOAD_FLAGS_RESUME);
 * g_signal_connect (transfer, "notify::bytes-received", G_CALLBACK (on_progress), row);
 * gcurl_multi_source_perform_async (source, transfer, cancellable, on_done, row);
 * ```
 *
 * A transfer is run by [method@GCurl.MultiSource.perform_async], in the
 * source's main context; every signal and notification is emitted there.
 * Request settings apply to the next run: changing them while the
 * transfer runs has no effect on that run. A finished transfer (succeeded,
 * failed or cancelled) can be run again, for instance to retry it; with
 * file output and %GCURL_DOWNLOAD_FLAGS_RESUME a retry continues where the
 * last attempt stopped.
 *
 * ## Output
 *
 * The response body goes to memory ([method@GCurl.Transfer.get_body]) unless
 * [method@GCurl.Transfer.set_output_file],
 * [method@GCurl.Transfer.set_output_stream] or
 * [method@GCurl.Transfer.set_output_signal] says otherwise. A file is written
 * under a temporary sibling name (the destination's name with `.part`
 * appended) and renamed into place only when the transfer succeeded, so a
 * failed or cancelled download never leaves a truncated file under the final
 * name. After a failure the partial file stays, so that a run with
 * %GCURL_DOWNLOAD_FLAGS_RESUME can continue it; a cancelled download
 * deletes it unless %GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL. An HTTP error's
 * body never goes into the file. Files and streams are written
 * synchronously from the main context as data arrives, which suits local
 * files; give a [class@Gio.OutputStream] of your own, or use
 * [signal@GCurl.Transfer::data-received], to store the body anywhere else.
 *
 * ## Errors
 *
 * A transfer fails with %G_IO_ERROR_CANCELLED when cancelled and with a
 * %GCURL_ERROR otherwise (see [error@GCurl.Error]). A response with an HTTP
 * status of 400 or more fails with %GCURL_ERROR_HTTP_STATUS unless
 * [property@GCurl.Transfer:fail-on-http-error] is turned off; its status,
 * headers and body (in memory, whatever the output, up to 1 MiB) stay
 * readable.
 *
 * ## Safe defaults
 *
 * TLS peer and host verification are on; only `http` and `https` are
 * allowed, for redirects too; at most 20 redirects are followed.
 *
 * ## The easy handle
 *
 * C code can set any other libcurl option on
 * [method@GCurl.Transfer.get_handle] before the transfer runs. The
 * transfer owns, and sets on every run, `CURLOPT_URL`, `CURLOPT_PRIVATE`,
 * `CURLOPT_ERRORBUFFER`, the write, read, seek, header and progress
 * callbacks and their data (`CURLOPT_WRITEFUNCTION`, `CURLOPT_WRITEDATA`,
 * `CURLOPT_READFUNCTION`, `CURLOPT_READDATA`, `CURLOPT_SEEKFUNCTION`,
 * `CURLOPT_SEEKDATA`, `CURLOPT_HEADERFUNCTION`, `CURLOPT_HEADERDATA`,
 * `CURLOPT_XFERINFOFUNCTION`, `CURLOPT_XFERINFODATA`, `CURLOPT_NOPROGRESS`),
 * `CURLOPT_HTTPHEADER`, the request method options (`CURLOPT_HTTPGET`,
 * `CURLOPT_POST`, `CURLOPT_UPLOAD`, `CURLOPT_NOBODY`,
 * `CURLOPT_CUSTOMREQUEST` and the body sizes), `CURLOPT_PIPEWAIT` (on
 * where HTTP/2 is possible, so that transfers to one HTTP/2 host share a
 * connection), `CURLOPT_NOSIGNAL`, every option behind one of its
 * properties, and the socket callbacks of [class@GCurl.MultiSource].
 */

enum {
  SIGNAL_FINISHED,
  SIGNAL_DATA_RECEIVED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
static guint notify_signal_id;

G_DEFINE_FINAL_TYPE (GCurlTransfer, gcurl_transfer, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

/* A transfer changes a dozen properties per run, mostly while its
 * notifications are frozen: GLib queues each one and emits it on thaw,
 * handlers or not. Nobody can tell a skipped notification without a
 * handler apart. Against GLib's own calls this saves 5-8% of a short
 * transfer's instructions (doc/performance.md, "Notifications"). */
/* A detail matches only the handlers connected with it: a handler of
 * "notify" itself (Python's connect("notify"), a debugger's) is looked
 * for apart, once per run, at its first batch (each batch would cost 1.6%
 * of a short transfer's instructions, make bench-before-after): one
 * connected in the middle of a run is heard from the next run on, one
 * connected with a detail at once. */
static void
notify_if_heard (GCurlTransfer *self,
                 guint          prop_id,
                 gboolean       plain_handler)
{
  GParamSpec *pspec = properties[prop_id];

  if (plain_handler ||
      g_signal_has_handler_pending (self, notify_signal_id,
                                    g_param_spec_get_name_quark (pspec), FALSE))
    g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

static gboolean
has_plain_notify_handler (GCurlTransfer *self)
{
  if (!self->notify_plain_asked)
    {
      self->notify_plain = g_signal_has_handler_pending (self, notify_signal_id, 0, FALSE);
      self->notify_plain_asked = TRUE;
    }
  return self->notify_plain;
}

void
_gcurl_transfer_notify (GCurlTransfer *self,
                        guint          prop_id)
{
  if (self->notify_freeze > 0)
    self->notify_pending |= G_GUINT64_CONSTANT (1) << prop_id;
  else
    notify_if_heard (self, prop_id, self->notify_plain);
}

/* Our own freeze and thaw, for the same reason: GLib's take a lock and a
 * queue per object even when nobody listens. A frozen notification is
 * emitted once, on the last thaw, in property order. */
void
_gcurl_transfer_freeze (GCurlTransfer *self)
{
  self->notify_freeze++;
}

void
_gcurl_transfer_thaw (GCurlTransfer *self)
{
  guint64 pending;
  gboolean plain;

  g_return_if_fail (self->notify_freeze > 0);
  if (--self->notify_freeze > 0 || self->notify_pending == 0)
    return;

  pending = self->notify_pending;
  self->notify_pending = 0;

  /* Several at once (they come in threes and fives), and nobody listens
   * to any: one lookup instead of one per property (2,600 instructions of
   * a short transfer without handlers, callgrind). A blocked handler
   * counts. Once a run found a listener it stops asking: the lookup would
   * only add to the per-property ones. */
  if (!self->notify_listened && (pending & (pending - 1)) != 0)
    {
      if (g_signal_handler_find (self, G_SIGNAL_MATCH_ID, notify_signal_id, 0,
                                 NULL, NULL, NULL) == 0)
        return;
      self->notify_listened = TRUE;
    }

  plain = has_plain_notify_handler (self);
  g_object_ref (self);
  for (guint prop_id = 1; prop_id < N_PROPS; prop_id++)
    if (pending & (G_GUINT64_CONSTANT (1) << prop_id))
      notify_if_heard (self, prop_id, plain);
  g_object_unref (self);
}

void
_gcurl_transfer_set_string (GCurlTransfer *self,
                            char         **field,
                            const char    *value,
                            guint          prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  _gcurl_transfer_notify (self, prop_id);
}

void
_gcurl_transfer_set_int64 (GCurlTransfer *self,
                           gint64        *field,
                           gint64         value,
                           guint          prop_id)
{
  if (*field == value)
    return;
  *field = value;
  _gcurl_transfer_notify (self, prop_id);
}

void
_gcurl_transfer_set_uint (GCurlTransfer *self,
                          guint         *field,
                          guint          value,
                          guint          prop_id)
{
  if (*field == value)
    return;
  *field = value;
  _gcurl_transfer_notify (self, prop_id);
}

void
_gcurl_transfer_set_bool (GCurlTransfer *self,
                          gboolean      *field,
                          gboolean       value,
                          guint          prop_id)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  _gcurl_transfer_notify (self, prop_id);
}

static void
set_state (GCurlTransfer      *self,
           GCurlTransferState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  _gcurl_transfer_notify (self, PROP_STATE);
}

/* ---------------------------------------------------------------------- */
/* Response                                                                */


/* Whether this run's request asks for a range: a resume, a Range header
 * of the caller's, or (unknown) options set through the handle. */
static gboolean
asked_for_range (GCurlTransfer *self)
{
  if (self->sink.offset > 0 || self->handle_exposed)
    return TRUE;
  for (guint i = 0; self->request.request_headers != NULL && i < self->request.request_headers->len; i++)
    {
      const char *h = self->request.request_headers->pdata[i];

      if (g_ascii_strncasecmp (h, "Range:", 6) == 0 && h[6] != '\0')
        return TRUE;
    }
  return FALSE;
}

/* A complete response head: the framing a client must refuse, and what
 * would store something other than the resource (doc/design.md,
 * "A hostile server"). */
static GError *
check_head (GCurlTransfer *self)
{
  guint code = self->response.headers.status;

  if (!_gcurl_headers_content_length_valid (&self->response.headers))
    {
      g_autofree char *values = _gcurl_headers_dup_quoted_values (&self->response.headers,
                                                                  "Content-Length");
      g_autofree char *shown = _gcurl_display_text (values);

      return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                          "Transfer of %s failed: the response has conflicting or invalid "
                          "Content-Length headers: %s", _gcurl_transfer_shown_url (self), shown);
    }

  if (code == 206 && !asked_for_range (self))
    return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                        "Transfer of %s failed: the server sent part of the resource "
                        "(HTTP 206) to a request for all of it", _gcurl_transfer_shown_url (self));

  /* A redirect to follow that names no target; 304 has none by design. */
  if (code >= 300 && code < 400 && code != 304 && self->request.follow_redirects &&
      self->request.fail_on_http_error && self->sink.pull == NULL &&
      gcurl_transfer_get_response_header (self, "Location") == NULL)
    return g_error_new (GCURL_ERROR, GCURL_ERROR_HTTP_STATUS,
                        "Transfer of %s failed: HTTP %u without a Location to follow",
                        _gcurl_transfer_shown_url (self), code);

  return NULL;
}

size_t
_gcurl_transfer_header_cb (char   *buffer,
                           size_t  size,
                           size_t  nitems,
                           void   *data)
{
  GCurlTransfer *self = data;
  gsize len = size * nitems;
  GCurlHeaderLine kind;

  /* For the cookie jar's file: written when a response changed it. */
  if (self->share != NULL && len > 11 && (buffer[0] | 0x20) == 's' &&
      g_ascii_strncasecmp (buffer, "Set-Cookie:", 11) == 0)
    self->set_cookie_seen = TRUE;
  /* A head without an encoding (most) needs no lookup at its end. */
  if (len > 18 &&
      (((buffer[0] | 0x20) == 'c' && (buffer[8] | 0x20) == 'e' &&
        g_ascii_strncasecmp (buffer, "Content-Encoding:", 17) == 0) ||
       ((buffer[0] | 0x20) == 't' && (buffer[9] | 0x20) == 'e' &&
        g_ascii_strncasecmp (buffer, "Transfer-Encoding:", 18) == 0)))
    self->sink.head_has_encoding = TRUE;

  kind = _gcurl_headers_feed (&self->response.headers, buffer, len);
  if (kind == GCURL_HEADER_LINE_STATUS)
    self->sink.head_has_encoding = FALSE;
  else if (kind == GCURL_HEADER_LINE_END_OF_HEAD)
    {
      /* Known now, before a progress report could count encoded bytes. */
      self->sink.decoded = self->sink.head_has_encoding && _gcurl_transfer_body_is_decoded (self);
      g_clear_error (&self->response.head_error);
      self->response.head_error = check_head (self);
      if (self->response.head_error != NULL)
        return 0;
    }
  return size * nitems;
}

/* The status code, effective URL and content type of the response, into
 * their properties; returns the code. */
guint
_gcurl_transfer_read_response_head (GCurlTransfer *self)
{
  long code = 0;
  char *s = NULL;

  curl_easy_getinfo (self->easy, CURLINFO_RESPONSE_CODE, &code);
  _gcurl_transfer_set_uint (self, &self->response.response_code, (guint) code, PROP_RESPONSE_CODE);
  curl_easy_getinfo (self->easy, CURLINFO_EFFECTIVE_URL, &s);
  _gcurl_transfer_set_string (self, &self->response.effective_url, s, PROP_EFFECTIVE_URL);
  s = NULL;
  curl_easy_getinfo (self->easy, CURLINFO_CONTENT_TYPE, &s);
  _gcurl_transfer_set_string (self, &self->response.content_type, s, PROP_CONTENT_TYPE);
  return (guint) code;
}

/* ---------------------------------------------------------------------- */
/* Threads and pausing                                                     */

/* A running transfer is its source's: called from that source's thread
 * only (doc/errors.md, "Programming errors"). One that is not running may
 * be set up anywhere, one thread at a time. */
gboolean
_gcurl_transfer_in_its_thread (GCurlTransfer *self)
{
  return self->source == NULL || _gcurl_multi_source_in_its_thread (self->source);
}

/* libcurl 8.9 and later (8.14 seen) leave a transfer paused with
 * curl_easy_pause() "ready to run" when it had data waiting: every action
 * runs it again and sets a 0 timer, and the main loop spins for as long as
 * it stays paused. They only know it is blocked when the write callback
 * (or the read callback) returned PAUSE itself. So there a transfer is
 * paused by its callbacks, on its next chunk, and curl_easy_pause() only
 * resumes it (doc/design.md, "Pausing"). */
static gboolean
pause_in_callbacks (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

      g_once_init_leave (&once, info->version_num >= 0x080900 ? 2 : 1);
    }
  return once == 2;
}

void
_gcurl_transfer_apply_pause (GCurlTransfer *self)
{
  int bits;

  if (self->state == GCURL_TRANSFER_STATE_PAUSED)
    {
      if (pause_in_callbacks ())
        return;
      bits = CURLPAUSE_ALL;
    }
  else if (self->body.read_waiting)
    bits = CURLPAUSE_SEND;
  else
    bits = CURLPAUSE_CONT;

  _gcurl_multi_source_set_pause (self->source, self->easy, bits);
}

/* ---------------------------------------------------------------------- */
/* A run                                                                   */

gboolean
_gcurl_transfer_is_active (GCurlTransfer *self)
{
  return self->state == GCURL_TRANSFER_STATE_RUNNING ||
         self->state == GCURL_TRANSFER_STATE_PAUSED;
}

static void
reset_results (GCurlTransfer *self)
{
  self->errbuf[0] = '\0';
  self->response.result = CURLE_OK;
  g_clear_error (&self->response.error);
  g_clear_error (&self->sink.write_error);
  g_clear_error (&self->body.read_error);
  g_clear_pointer (&self->sink.body, g_bytes_unref);
  _gcurl_transfer_body_buffer_clear (&self->sink.buffer);
  self->sink.buffering = FALSE;
  self->sink.out_of_memory = FALSE;
  self->sink.decoded = FALSE;
  self->sink.head_has_encoding = FALSE;
  g_clear_pointer (&self->body.read_chunk, g_bytes_unref);
  _gcurl_headers_reset (&self->response.headers);
  self->response.checked_response = FALSE;
  g_clear_error (&self->response.head_error);
  self->sink.error_body = FALSE;
  self->sink.too_large = FALSE;
  self->cancelling = FALSE;
  self->sink.received = 0;
  self->sink.offset = 0;
  self->body.body_pos = 0;
  self->body.read_pos = 0;
  self->body.reading = FALSE;
  self->body.read_waiting = FALSE;
  self->body.read_eof = FALSE;
  self->last_notify = 0;
  self->too_slow = FALSE;
  self->n_samples = self->first_sample = 0;
  self->sink.pace_start = 0;
  _gcurl_transfer_stop_pacing (self);
  self->notify_listened = FALSE;
  self->notify_plain = self->notify_plain_asked = FALSE;   /* asked at the first batch */
  self->response.timings_in_easy = FALSE;
  _gcurl_transfer_forget_connection_info (self);
  for (guint i = 0; i < G_N_ELEMENTS (self->response.timings); i++)
    self->response.timings[i] = -1;
}

/* The source's share for this run, on a handle that may have it. */
static void
take_share (GCurlTransfer    *self,
            GCurlMultiSource *source)
{
  self->share = _gcurl_multi_source_get_share (source);
  if (self->share == NULL)
    return;
  _gcurl_share_ref (self->share);
  /* libcurl 7.88 loses a handle's own TLS session cache (920 bytes, ASan)
   * when a share of sessions is set on it after it ran without one: a
   * run with a share gets a handle that never ran without one
   * (doc/design.md, "Cookies and other caches"). */
  if (self->applied.ran_unshared && !self->handle_exposed)
    {
      _gcurl_easy_give (self->easy, &self->applied);
      self->easy = curl_easy_init ();
      memset (&self->applied, 0, sizeof self->applied);
    }
}

gboolean
_gcurl_transfer_start (GCurlTransfer    *self,
                       GCurlMultiSource *source,
                       GError          **error)
{
  g_return_val_if_fail (!_gcurl_transfer_is_active (self), FALSE);

  if (self->body.body_stream != NULL && self->body.body_stream_used)
    {
      if (!G_IS_SEEKABLE (self->body.body_stream) ||
          !g_seekable_can_seek (G_SEEKABLE (self->body.body_stream)) ||
          !g_seekable_seek (G_SEEKABLE (self->body.body_stream), 0, G_SEEK_SET, NULL, NULL))
        {
          g_set_error (error, GCURL_ERROR, GCURL_ERROR_READ,
                       "Transfer of %s cannot run again: its request body stream "
                       "cannot be rewound", _gcurl_transfer_shown_url (self));
          return FALSE;
        }
    }

  /* Not a programming error (a URL may come from anywhere), but never
   * sent: CR and LF would split the request line (doc/design.md,
   * "Messages"). */
  for (const guchar *p = (const guchar *) self->request.url; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      {
        g_set_error (error, GCURL_ERROR, GCURL_ERROR_INVALID_URL,
                     "Transfer of %s cannot run: the URL contains control characters",
                     _gcurl_transfer_shown_url (self));
        return FALSE;
      }

  if (self->request.proxy != NULL)
    {
      g_autofree char *proxy = _gcurl_proxy_normalize (self->request.proxy, error);

      if (proxy == NULL)
        {
          g_prefix_error (error, "Transfer of %s cannot run: ", _gcurl_transfer_shown_url (self));
          return FALSE;
        }
    }

  if (self->request.http_version == GCURL_HTTP_3_ONLY && !_gcurl_libcurl_has_http3 ())
    {
      g_set_error (error, GCURL_ERROR, GCURL_ERROR_UNSUPPORTED_PROTOCOL,
                   "Transfer of %s cannot run: HTTP/3 was asked for, and this libcurl "
                   "(%s) has no HTTP/3", _gcurl_transfer_shown_url (self),
                   curl_version_info (CURLVERSION_NOW)->version);
      return FALSE;
    }

  reset_results (self);
  self->sink.offset = self->request.resume_from;

  take_share (self, source);
  if (self->body.form != NULL)
    {
      self->body.mime = _gcurl_form_build (self->body.form, self->easy, &self->body.read_error, error);
      if (self->body.mime == NULL)
        {
          g_clear_pointer (&self->share, _gcurl_share_unref);
          return FALSE;
        }
    }

  if (!_gcurl_transfer_open_output (self, error))
    {
      g_clear_pointer (&self->body.mime, curl_mime_free);
      g_clear_pointer (&self->share, _gcurl_share_unref);
      return FALSE;
    }

  if (self->body.body_stream != NULL)
    {
      self->body.body_stream_used = TRUE;
      g_clear_object (&self->body.read_cancellable);
      self->body.read_cancellable = g_cancellable_new ();
    }

  self->source = source;
  self->set_cookie_seen = FALSE;
  _gcurl_transfer_build_request (self);

  _gcurl_transfer_freeze (self);
  _gcurl_transfer_set_int64 (self, &self->response.bytes_received, self->sink.offset, PROP_BYTES_RECEIVED);
  _gcurl_transfer_set_int64 (self, &self->response.wire_bytes_received, 0, PROP_WIRE_BYTES_RECEIVED);
  _gcurl_transfer_set_int64 (self, &self->response.total_bytes, -1, PROP_TOTAL_BYTES);
  _gcurl_transfer_set_int64 (self, &self->response.download_speed, 0, PROP_DOWNLOAD_SPEED);
  _gcurl_transfer_set_int64 (self, &self->response.bytes_sent, 0, PROP_BYTES_SENT);
  _gcurl_transfer_set_int64 (self, &self->response.total_bytes_to_send,
             self->body.body_bytes ? (gint64) g_bytes_get_size (self->body.body_bytes)
                              : (self->body.body_stream ? self->body.body_length
                                 : (self->body.form ? -1 : 0)),
             PROP_TOTAL_BYTES_TO_SEND);
  _gcurl_transfer_set_int64 (self, &self->response.upload_speed, 0, PROP_UPLOAD_SPEED);
  _gcurl_transfer_set_uint (self, &self->response.response_code, 0, PROP_RESPONSE_CODE);
  _gcurl_transfer_set_string (self, &self->response.effective_url, NULL, PROP_EFFECTIVE_URL);
  _gcurl_transfer_set_string (self, &self->response.content_type, NULL, PROP_CONTENT_TYPE);
  set_state (self, GCURL_TRANSFER_STATE_RUNNING);
  _gcurl_transfer_thaw (self);

  return TRUE;
}

gboolean
_gcurl_transfer_handle_exposed (GCurlTransfer *self)
{
  return self->handle_exposed;
}

void
_gcurl_transfer_withhold_credentials (GCurlTransfer *self,
                                      gboolean       withhold)
{
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  self->withhold_credentials = withhold;
}

/* Scheme, host and port, as libcurl's URL parser reads them (a default
 * port filled in); NULL for a URL it cannot parse. */
static char *
url_origin (const char *url)
{
  CURLU *u = curl_url ();
  char *scheme = NULL, *host = NULL, *port = NULL;
  char *origin = NULL;

  if (curl_url_set (u, CURLUPART_URL, url, 0) == CURLUE_OK &&
      curl_url_get (u, CURLUPART_SCHEME, &scheme, 0) == CURLUE_OK &&
      curl_url_get (u, CURLUPART_HOST, &host, 0) == CURLUE_OK &&
      curl_url_get (u, CURLUPART_PORT, &port, CURLU_DEFAULT_PORT) == CURLUE_OK)
    {
      g_autofree char *joined = g_strjoin ("\n", scheme, host, port, NULL);

      origin = g_ascii_strdown (joined, -1);
    }
  curl_free (scheme);
  curl_free (host);
  curl_free (port);
  curl_url_cleanup (u);
  return origin;
}

gboolean
_gcurl_url_same_origin (const char *a,
                        const char *b)
{
  g_autofree char *oa = url_origin (a);
  g_autofree char *ob = url_origin (b);

  return oa != NULL && ob != NULL && g_str_equal (oa, ob);
}

/* A reason of ours for a run that ends before libcurl had it, in the
 * place of libcurl's error buffer. */
void
_gcurl_transfer_set_error_text (GCurlTransfer *self,
                                const char    *text)
{
  g_strlcpy (self->errbuf, text, sizeof self->errbuf);
}

/* The URL as messages show it: no password, no control characters
 * (doc/design.md, "Messages"). Made on the first message only. */
const char *
_gcurl_transfer_shown_url (GCurlTransfer *self)
{
  if (self->response.display_url == NULL)
    self->response.display_url = _gcurl_display_url (self->request.url);
  return self->response.display_url;
}

/* A 416 to a resumed download whose `Content-Range: bytes *\/N` says the
 * partial already has all N bytes. */
static gboolean
range_says_complete (GCurlTransfer *self)
{
  const char *range = gcurl_transfer_get_response_header (self, "Content-Range");
  guint64 n;
  char *end;

  if (range == NULL || g_ascii_strncasecmp (range, "bytes */", 8) != 0 ||
      !g_ascii_isdigit (range[8]))
    return FALSE;
  errno = 0;
  n = g_ascii_strtoull (range + 8, &end, 10);
  return errno == 0 && *end == '\0' && n == (guint64) self->sink.offset;
}

static GError *
make_error (GCurlTransfer *self,
            CURLcode       result)
{
  /* Resuming a file: libcurl passes a 416 as success and a 200 as long as
   * the partial as "already downloaded"; neither is the rest of the file. */
  if (result == CURLE_OK && self->sink.output == GCURL_OUTPUT_FILE && self->sink.offset > 0)
    {
      if (self->response.response_code == 416 && range_says_complete (self))
        {
          self->sink.error_body = FALSE;
          self->response.result = result;
          return NULL;
        }
      if (self->response.response_code == 200 && self->sink.received == 0)
        {
          self->response.result = CURLE_RANGE_ERROR;
          return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                              "Transfer of %s failed: the server sent the whole file "
                              "(HTTP 200, as long as the partial download) instead of "
                              "the rest; the partial download was kept", _gcurl_transfer_shown_url (self));
        }
    }

  if (self->response.head_error != NULL)
    {
      self->response.result = result;
      return g_steal_pointer (&self->response.head_error);
    }

  if (result == CURLE_WRITE_ERROR && self->sink.out_of_memory)
    {
      self->response.result = result;
      return g_error_new (GCURL_ERROR, GCURL_ERROR_TOO_LARGE,
                          "Transfer of %s failed: the response does not fit in memory "
                          "(%" G_GSIZE_FORMAT " bytes stored)", _gcurl_transfer_shown_url (self), self->sink.buffer.len);
    }
  if (result == CURLE_WRITE_ERROR && self->sink.too_large)
    result = CURLE_FILESIZE_EXCEEDED;

  self->response.result = result;

  if (result == CURLE_WRITE_ERROR && self->sink.write_error != NULL)
    return g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE,
                        "Transfer of %s failed: cannot store the body: %s",
                        _gcurl_transfer_shown_url (self), self->sink.write_error->message);

  if (result == CURLE_ABORTED_BY_CALLBACK && self->too_slow && !self->cancelling)
    {
      self->response.result = CURLE_OPERATION_TIMEDOUT;
      return g_error_new (GCURL_ERROR, GCURL_ERROR_TIMED_OUT,
                          "Transfer of %s failed: too slow, less than %u bytes per second "
                          "over the last %u seconds", _gcurl_transfer_shown_url (self),
                          self->request.low_speed_limit, self->request.low_speed_time);
    }

  if (result == CURLE_ABORTED_BY_CALLBACK && self->body.read_error != NULL)
    return g_error_new (GCURL_ERROR, GCURL_ERROR_READ,
                        "Transfer of %s failed: cannot read the request body: %s",
                        _gcurl_transfer_shown_url (self), self->body.read_error->message);

  if (result == CURLE_FILESIZE_EXCEEDED)
    return g_error_new (GCURL_ERROR, GCURL_ERROR_TOO_LARGE,
                        "Transfer of %s failed: the response is larger than %" G_GINT64_FORMAT " bytes",
                        _gcurl_transfer_shown_url (self), self->request.max_size);

  /* libcurl 7.88 reports a response header line over its 100 KiB limit
   * as out of memory, with no detail; 8.6 and later say CURLE_TOO_LARGE
   * (mapped to PROTOCOL). Before the body began, that is what it means. */
  if (result == CURLE_OUT_OF_MEMORY && !self->response.checked_response)
    {
      self->response.result = result;
      return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                          "Transfer of %s failed: the response head is too large "
                          "(a header line over libcurl's limit of 100 KiB)", _gcurl_transfer_shown_url (self));
    }

  /* HTTP/2 with prior knowledge to a server that speaks only HTTP/1.1:
   * the connection breaks before any response. Not a network failure to
   * retry (PARTIAL) but the wrong protocol. */
  if (self->request.http_version == GCURL_HTTP_2_PRIOR_KNOWLEDGE && self->response.response_code == 0 &&
      (result == CURLE_SEND_ERROR || result == CURLE_RECV_ERROR ||
       result == CURLE_GOT_NOTHING || result == CURLE_HTTP2 || result == CURLE_PARTIAL_FILE ||
       result == CURLE_WEIRD_SERVER_REPLY))
    {
      g_autofree char *detail = _gcurl_display_text (self->errbuf[0] ? self->errbuf
                                                      : curl_easy_strerror (result));

      self->response.result = result;
      return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                          "Transfer of %s failed: no HTTP/2 answer to a request with prior "
                          "knowledge; the server may speak only HTTP/1.1 (%s)",
                          _gcurl_transfer_shown_url (self), detail);
    }

  /* libcurl's reason is the same for the proxy's certificate as for the
   * server's: say which it was. */
  if (result == CURLE_PEER_FAILED_VERIFICATION && self->applied.proxy_tls)
    {
      long verify = 0;

      if (curl_easy_getinfo (self->easy, CURLINFO_PROXY_SSL_VERIFYRESULT, &verify) == CURLE_OK &&
          verify != 0)
        {
          g_autofree char *detail = _gcurl_display_text (self->errbuf[0] ? self->errbuf
                                                          : curl_easy_strerror (result));

          return g_error_new (GCURL_ERROR, GCURL_ERROR_TLS,
                              "Transfer of %s failed: the HTTPS proxy's certificate is not "
                              "trusted (%s)", _gcurl_transfer_shown_url (self), detail);
        }
    }

  if (result != CURLE_OK)
    return gcurl_error_new_from_code (result, self->request.url, self->errbuf);

  if (self->request.fail_on_http_error && self->sink.pull == NULL &&
      self->response.response_code >= 400)
    {
      g_autofree char *reason = _gcurl_display_text (self->response.headers.reason);

      return g_error_new (GCURL_ERROR, GCURL_ERROR_HTTP_STATUS,
                          "Transfer of %s failed: HTTP %u%s%s", _gcurl_transfer_shown_url (self),
                          self->response.response_code, reason ? " " : "", reason ? reason : "");
    }

  return NULL;
}

/* The source's caches leave the handle with the run (doc/design.md,
 * "Cookies and other caches"): the share, and a handle that read an
 * alt-svc file, which libcurl writes only when the handle is closed (what
 * it knew is kept above). */
static void
release_caches (GCurlTransfer *self)
{
  if (self->body.mime != NULL)
    {
      curl_easy_setopt (self->easy, CURLOPT_MIMEPOST, NULL);
      g_clear_pointer (&self->body.mime, curl_mime_free);
    }
  if (self->share != NULL)
    {
      _gcurl_share_detach (self->share, self->easy);
      if (self->set_cookie_seen)
        _gcurl_share_cookies_changed (self->share);
      g_clear_pointer (&self->share, _gcurl_share_unref);
    }
  if (self->applied.altsvc && !self->handle_exposed)
    {
      _gcurl_easy_give (g_steal_pointer (&self->easy), &self->applied);
      self->easy = _gcurl_easy_take (&self->applied);
    }
}

void
_gcurl_transfer_complete (GCurlTransfer  *self,
                          CURLcode        result,
                          GError        **error,
                          GBytes        **body)
{
  GCurlTransferState state;

  g_return_if_fail (_gcurl_transfer_is_active (self));

  g_object_ref (self);
  _gcurl_transfer_freeze (self);

  if (self->body.read_cancellable != NULL)
    g_cancellable_cancel (self->body.read_cancellable);
  self->body.reading = FALSE;
  _gcurl_transfer_stop_pacing (self);

  /* Read on the body's first byte already, and final then: no redirect
   * follows a body. */
  if (!self->response.checked_response)
    _gcurl_transfer_read_response_head (self);

  self->response.error = make_error (self, result);
  if (self->response.error == NULL && self->sink.write_error != NULL)
    g_clear_error (&self->sink.write_error);

  _gcurl_transfer_close_output (self);

  /* The timings stay in the handle, which stays with the transfer until
   * it runs again: read on demand (six getinfo calls a run saved). A
   * handle C code has may be used under us: read it now. */
  if (self->handle_exposed || self->applied.altsvc)
    {
      for (guint i = 0; i < G_N_ELEMENTS (self->response.timings); i++)
        self->response.timings[i] = _gcurl_transfer_read_timing (self, (GCurlTiming) i);
      _gcurl_transfer_keep_connection_info (self);
    }
  else
    self->response.timings_in_easy = TRUE;

  if (g_error_matches (self->response.error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    state = GCURL_TRANSFER_STATE_CANCELLED;
  else if (self->response.error != NULL)
    state = GCURL_TRANSFER_STATE_FAILED;
  else
    state = GCURL_TRANSFER_STATE_SUCCEEDED;

  self->source = NULL;
  self->cancelling = FALSE;

  _gcurl_transfer_update_progress (self);
  /* Known at the end: what came. Not for HEAD, whose total is the length
   * the server announced for the body it did not send. */
  if (state == GCURL_TRANSFER_STATE_SUCCEEDED && !self->sink.error_body &&
      !(self->request.method != NULL && g_ascii_strcasecmp (self->request.method, "HEAD") == 0))
    _gcurl_transfer_set_int64 (self, &self->response.total_bytes, self->response.bytes_received, PROP_TOTAL_BYTES);
  release_caches (self);
  set_state (self, state);

  if (self->response.error != NULL)
    *error = g_error_copy (self->response.error);
  *body = self->sink.body ? g_bytes_ref (self->sink.body) : NULL;

  _gcurl_transfer_thaw (self);

  g_object_unref (self);
}

void
_gcurl_transfer_emit_data_received (GCurlTransfer *self,
                                    GBytes        *bytes)
{
  g_signal_emit (self, signals[SIGNAL_DATA_RECEIVED], 0, bytes);
}

void
_gcurl_transfer_emit_finished (GCurlTransfer *self)
{
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

/* A run that could not start: no curl involved. */
void
_gcurl_transfer_fail_to_start (GCurlTransfer *self,
                               const GError  *error)
{
  g_clear_error (&self->response.error);
  self->response.error = g_error_copy (error);
  self->response.result = CURLE_OK;
  set_state (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                   ? GCURL_TRANSFER_STATE_CANCELLED : GCURL_TRANSFER_STATE_FAILED);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */

static void
gcurl_transfer_dispose (GObject *object)
{
  GCurlTransfer *self = GCURL_TRANSFER (object);

  /* Never while active: the running source holds a reference. */
  g_clear_object (&self->sink.out);
  g_clear_object (&self->sink.user_stream);
  g_clear_object (&self->body.body_stream);
  g_clear_object (&self->body.form);
  g_clear_object (&self->body.read_cancellable);
  g_clear_object (&self->sink.file);
  g_clear_pointer (&self->sink.part, _gcurl_part_file_free);
  g_clear_pointer (&self->sink.held_part, _gcurl_part_file_free);
  _gcurl_transfer_stop_pacing (self);

  G_OBJECT_CLASS (gcurl_transfer_parent_class)->dispose (object);
}

static void
gcurl_transfer_finalize (GObject *object)
{
  GCurlTransfer *self = GCURL_TRANSFER (object);

  if (self->easy != NULL && !self->handle_exposed)
    _gcurl_easy_give (g_steal_pointer (&self->easy), &self->applied);
  g_clear_pointer (&self->easy, curl_easy_cleanup);
  _gcurl_easy_options_clear (&self->applied);
  g_clear_pointer (&self->request.slist, curl_slist_free_all);
  g_free (self->request.url);
  g_free (self->response.display_url);
  g_free (self->request.method);
  g_clear_pointer (&self->request.request_headers, g_ptr_array_unref);
  g_clear_pointer (&self->body.body_bytes, g_bytes_unref);
  g_free (self->body.body_content_type);
  g_free (self->request.user_agent);
  g_free (self->request.allowed_protocols);
  g_free (self->request.tls_ca_file);
  _gcurl_transfer_clear_secrets (self);
  g_free (self->request.username);
  g_free (self->request.accept_encoding);
  g_strfreev (self->request.resolve);
  g_clear_pointer (&self->request.resolve_slist, curl_slist_free_all);
  _gcurl_transfer_forget_connection_info (self);
  _gcurl_transfer_body_buffer_clear (&self->sink.buffer);
  g_clear_pointer (&self->sink.body, g_bytes_unref);
  g_clear_pointer (&self->body.read_chunk, g_bytes_unref);
  g_clear_error (&self->sink.write_error);
  g_clear_error (&self->body.read_error);
  g_clear_error (&self->response.head_error);
  g_clear_error (&self->response.error);
  g_free (self->response.effective_url);
  g_free (self->response.content_type);
  _gcurl_headers_clear (&self->response.headers);

  G_OBJECT_CLASS (gcurl_transfer_parent_class)->finalize (object);
}

static void
gcurl_transfer_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GCurlTransfer *self = GCURL_TRANSFER (object);

  switch (prop_id)
    {
    case PROP_URL: g_value_set_string (value, self->request.url); break;
    case PROP_METHOD: g_value_set_string (value, self->request.method); break;
    case PROP_USER_AGENT: g_value_set_string (value, self->request.user_agent); break;
    case PROP_FOLLOW_REDIRECTS: g_value_set_boolean (value, self->request.follow_redirects); break;
    case PROP_MAX_REDIRECTS: g_value_set_int (value, self->request.max_redirects); break;
    case PROP_HTTP_VERSION: g_value_set_enum (value, self->request.http_version); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->request.timeout); break;
    case PROP_CONNECT_TIMEOUT: g_value_set_uint (value, self->request.connect_timeout); break;
    case PROP_LOW_SPEED_LIMIT: g_value_set_uint (value, self->request.low_speed_limit); break;
    case PROP_LOW_SPEED_TIME: g_value_set_uint (value, self->request.low_speed_time); break;
    case PROP_MAX_RECV_SPEED: g_value_set_int64 (value, self->request.max_recv_speed); break;
    case PROP_MAX_SEND_SPEED: g_value_set_int64 (value, self->request.max_send_speed); break;
    case PROP_RECEIVE_BUFFER_SIZE: g_value_set_uint (value, self->request.receive_buffer_size); break;
    case PROP_RESUME_FROM: g_value_set_int64 (value, self->request.resume_from); break;
    case PROP_ALLOWED_PROTOCOLS: g_value_set_string (value, self->request.allowed_protocols); break;
    case PROP_MAX_SIZE: g_value_set_int64 (value, self->request.max_size); break;
    case PROP_TLS_VERIFY_PEER: g_value_set_boolean (value, self->request.tls_verify_peer); break;
    case PROP_TLS_VERIFY_HOST: g_value_set_boolean (value, self->request.tls_verify_host); break;
    case PROP_TLS_CA_FILE: g_value_set_string (value, self->request.tls_ca_file); break;
    case PROP_FAIL_ON_HTTP_ERROR: g_value_set_boolean (value, self->request.fail_on_http_error); break;
    case PROP_PROGRESS_INTERVAL: g_value_set_uint (value, self->request.progress_interval); break;
    case PROP_OUTPUT: g_value_set_enum (value, self->sink.output); break;
    case PROP_USERNAME: g_value_set_string (value, self->request.username); break;
    case PROP_AUTH_METHODS: g_value_set_flags (value, self->request.auth_methods); break;
    case PROP_ACCEPT_ENCODING: g_value_set_string (value, self->request.accept_encoding); break;
    case PROP_RESOLVE: g_value_set_boxed (value, self->request.resolve); break;
    case PROP_PROXY: g_value_set_string (value, self->request.proxy); break;
    case PROP_WIRE_BYTES_RECEIVED: g_value_set_int64 (value, self->response.wire_bytes_received); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_BYTES_RECEIVED: g_value_set_int64 (value, self->response.bytes_received); break;
    case PROP_TOTAL_BYTES: g_value_set_int64 (value, self->response.total_bytes); break;
    case PROP_DOWNLOAD_SPEED: g_value_set_int64 (value, self->response.download_speed); break;
    case PROP_BYTES_SENT: g_value_set_int64 (value, self->response.bytes_sent); break;
    case PROP_TOTAL_BYTES_TO_SEND: g_value_set_int64 (value, self->response.total_bytes_to_send); break;
    case PROP_UPLOAD_SPEED: g_value_set_int64 (value, self->response.upload_speed); break;
    case PROP_RESPONSE_CODE: g_value_set_uint (value, self->response.response_code); break;
    case PROP_EFFECTIVE_URL: g_value_set_string (value, self->response.effective_url); break;
    case PROP_CONTENT_TYPE: g_value_set_string (value, self->response.content_type); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gcurl_transfer_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GCurlTransfer *self = GCURL_TRANSFER (object);

  switch (prop_id)
    {
    case PROP_URL: gcurl_transfer_set_url (self, g_value_get_string (value)); break;
    case PROP_METHOD: gcurl_transfer_set_method (self, g_value_get_string (value)); break;
    case PROP_USER_AGENT: gcurl_transfer_set_user_agent (self, g_value_get_string (value)); break;
    case PROP_FOLLOW_REDIRECTS: gcurl_transfer_set_follow_redirects (self, g_value_get_boolean (value)); break;
    case PROP_MAX_REDIRECTS: gcurl_transfer_set_max_redirects (self, g_value_get_int (value)); break;
    case PROP_HTTP_VERSION: gcurl_transfer_set_http_version (self, g_value_get_enum (value)); break;
    case PROP_TIMEOUT: gcurl_transfer_set_timeout (self, g_value_get_uint (value)); break;
    case PROP_CONNECT_TIMEOUT: gcurl_transfer_set_connect_timeout (self, g_value_get_uint (value)); break;
    case PROP_LOW_SPEED_LIMIT: _gcurl_transfer_set_uint (self, &self->request.low_speed_limit, g_value_get_uint (value), prop_id); break;
    case PROP_LOW_SPEED_TIME: _gcurl_transfer_set_uint (self, &self->request.low_speed_time, g_value_get_uint (value), prop_id); break;
    case PROP_MAX_RECV_SPEED: gcurl_transfer_set_max_recv_speed (self, g_value_get_int64 (value)); break;
    case PROP_MAX_SEND_SPEED: gcurl_transfer_set_max_send_speed (self, g_value_get_int64 (value)); break;
    case PROP_RECEIVE_BUFFER_SIZE: gcurl_transfer_set_receive_buffer_size (self, g_value_get_uint (value)); break;
    case PROP_RESUME_FROM: gcurl_transfer_set_resume_from (self, g_value_get_int64 (value)); break;
    case PROP_ALLOWED_PROTOCOLS: gcurl_transfer_set_allowed_protocols (self, g_value_get_string (value)); break;
    case PROP_MAX_SIZE: gcurl_transfer_set_max_size (self, g_value_get_int64 (value)); break;
    case PROP_TLS_VERIFY_PEER: gcurl_transfer_set_tls_verify_peer (self, g_value_get_boolean (value)); break;
    case PROP_TLS_VERIFY_HOST: gcurl_transfer_set_tls_verify_host (self, g_value_get_boolean (value)); break;
    case PROP_TLS_CA_FILE: gcurl_transfer_set_tls_ca_file (self, g_value_get_string (value)); break;
    case PROP_FAIL_ON_HTTP_ERROR: gcurl_transfer_set_fail_on_http_error (self, g_value_get_boolean (value)); break;
    case PROP_PROGRESS_INTERVAL: gcurl_transfer_set_progress_interval (self, g_value_get_uint (value)); break;
    case PROP_USERNAME: gcurl_transfer_set_username (self, g_value_get_string (value)); break;
    case PROP_PASSWORD: gcurl_transfer_set_password (self, g_value_get_string (value)); break;
    case PROP_AUTH_METHODS: gcurl_transfer_set_auth_methods (self, g_value_get_flags (value)); break;
    case PROP_BEARER_TOKEN: gcurl_transfer_set_bearer_token (self, g_value_get_string (value)); break;
    case PROP_ACCEPT_ENCODING: gcurl_transfer_set_accept_encoding (self, g_value_get_string (value)); break;
    case PROP_RESOLVE: gcurl_transfer_set_resolve (self, g_value_get_boxed (value)); break;
    case PROP_PROXY: gcurl_transfer_set_proxy (self, g_value_get_string (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)
#define RO (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)
#define WO (G_PARAM_WRITABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
gcurl_transfer_class_init (GCurlTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gcurl_transfer_dispose;
  object_class->finalize = gcurl_transfer_finalize;
  object_class->get_property = gcurl_transfer_get_property;
  object_class->set_property = gcurl_transfer_set_property;

  /**
   * GCurlTransfer:url:
   *
   * The URL to transfer.
   */
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:method:
   *
   * The HTTP method. %NULL means `GET`, or `POST` when a request body is
   * set; `HEAD` asks for the headers only.
   */
  properties[PROP_METHOD] = g_param_spec_string ("method", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:user-agent:
   *
   * The `User-Agent` header; %NULL (the default) sends none.
   *
   * None by default, as libcurl and libsoup send none: with libcurl 7.88
   * the header costs about 5,600 instructions a request (libcurl formats
   * it a byte at a time), 5% of a short transfer's CPU (callgrind, bench
   * W1). Set one where a server asks for it, as the demos do.
   */
  properties[PROP_USER_AGENT] =
    g_param_spec_string ("user-agent", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:follow-redirects:
   *
   * Whether redirects are followed, up to
   * [property@GCurl.Transfer:max-redirects] and only to the protocols of
   * [property@GCurl.Transfer:allowed-protocols].
   */
  properties[PROP_FOLLOW_REDIRECTS] =
    g_param_spec_boolean ("follow-redirects", NULL, NULL, TRUE, RW);

  /**
   * GCurlTransfer:max-redirects:
   *
   * The most redirects followed; one more fails the transfer with
   * %GCURL_ERROR_TOO_MANY_REDIRECTS. -1 means no limit.
   */
  properties[PROP_MAX_REDIRECTS] =
    g_param_spec_int ("max-redirects", NULL, NULL, -1, G_MAXINT, DEFAULT_MAX_REDIRECTS, RW);

  /**
   * GCurlTransfer:http-version:
   *
   * The HTTP version to use.
   */
  properties[PROP_HTTP_VERSION] =
    g_param_spec_enum ("http-version", NULL, NULL, GCURL_TYPE_HTTP_VERSION,
                       GCURL_HTTP_2, RW);

  /**
   * GCurlTransfer:timeout:
   *
   * The most time the whole transfer may take, in milliseconds; 0 means no
   * limit. Reaching it fails the transfer with %GCURL_ERROR_TIMED_OUT.
   */
  properties[PROP_TIMEOUT] = g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXINT, 0, RW);

  /**
   * GCurlTransfer:connect-timeout:
   *
   * The most time connecting may take, in milliseconds; 0 means libcurl's
   * default of 300 seconds.
   */
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL, 0, G_MAXINT, 0, RW);

  /**
   * GCurlTransfer:low-speed-limit:
   *
   * In bytes per second: a transfer slower than this for
   * [property@GCurl.Transfer:low-speed-time] seconds fails with
   * %GCURL_ERROR_TIMED_OUT. 0 turns the check off.
   *
   * The speed is that of the last low-speed-time seconds (bytes received
   * and sent), checked about once a second: the transfer fails between
   * low-speed-time and low-speed-time plus 1.25 s after it became too
   * slow. The time counts from the start of the run, connecting
   * included; a paused transfer is not slow, and the time starts again
   * when it goes on.
   */
  properties[PROP_LOW_SPEED_LIMIT] =
    g_param_spec_uint ("low-speed-limit", NULL, NULL, 0, G_MAXINT, 0, RW);

  /**
   * GCurlTransfer:low-speed-time:
   *
   * In seconds: see [property@GCurl.Transfer:low-speed-limit].
   */
  properties[PROP_LOW_SPEED_TIME] =
    g_param_spec_uint ("low-speed-time", NULL, NULL, 0, G_MAXINT, 0, RW);

  /**
   * GCurlTransfer:max-recv-speed:
   *
   * The most body bytes per second to receive; 0 means no limit.
   *
   * It holds from the first byte of the body on: at any moment, the body
   * is at most a sixteenth of a second's worth ahead of the limit since
   * that byte. The library pauses the transfer when it gets ahead and
   * goes on from a timer, and reads in chunks of at most a sixteenth of a
   * second's worth (the receive buffer is made that small, down to 1 KiB).
   * libcurl's own limit, `CURLOPT_MAX_RECV_SPEED_LARGE`, is not used: on
   * libcurl 7.88 it let the first 2 MiB at 256 KiB/s through in 0.01 s.
   */
  properties[PROP_MAX_RECV_SPEED] =
    g_param_spec_int64 ("max-recv-speed", NULL, NULL, 0, G_MAXINT64, 0, RW);

  /**
   * GCurlTransfer:max-send-speed:
   *
   * The most bytes per second to send; 0 means no limit.
   */
  properties[PROP_MAX_SEND_SPEED] =
    g_param_spec_int64 ("max-send-speed", NULL, NULL, 0, G_MAXINT64, 0, RW);

  /**
   * GCurlTransfer:receive-buffer-size:
   *
   * The size of libcurl's receive buffer (`CURLOPT_BUFFERSIZE`), in bytes,
   * from 1 KiB to 10 MiB: the most a single read from the connection, and
   * so a single write to the output, takes. Each running transfer holds
   * one.
   *
   * The default, 32 KiB, twice libcurl's own, was chosen by measurement:
   * it takes less CPU for large and for many bodies than 16 KiB, for 16 KiB
   * more memory per running transfer (see the performance guide's
   * "Tuning"). Lower it for thousands of small transfers where memory
   * counts; raise it (64 to 256 KiB) for a few very fast large downloads.
   */
  properties[PROP_RECEIVE_BUFFER_SIZE] =
    g_param_spec_uint ("receive-buffer-size", NULL, NULL, MIN_RECEIVE_BUFFER_SIZE,
                       MAX_RECEIVE_BUFFER_SIZE, DEFAULT_RECEIVE_BUFFER_SIZE, RW);

  /**
   * GCurlTransfer:resume-from:
   *
   * The offset in the resource to start at, with a Range request; 0 asks
   * for all of it. File output with %GCURL_DOWNLOAD_FLAGS_RESUME sets the
   * offset from the partial file instead.
   */
  properties[PROP_RESUME_FROM] =
    g_param_spec_int64 ("resume-from", NULL, NULL, 0, G_MAXINT64, 0, RW);

  /**
   * GCurlTransfer:allowed-protocols:
   *
   * A comma-separated list of the URL schemes allowed, for the URL and for
   * redirects (`CURLOPT_PROTOCOLS_STR` and `CURLOPT_REDIR_PROTOCOLS_STR`).
   * Anything else fails with %GCURL_ERROR_UNSUPPORTED_PROTOCOL.
   */
  properties[PROP_ALLOWED_PROTOCOLS] =
    g_param_spec_string ("allowed-protocols", NULL, NULL, DEFAULT_PROTOCOLS, RW);

  /**
   * GCurlTransfer:max-size:
   *
   * The largest response body accepted, in bytes; a larger one fails with
   * %GCURL_ERROR_TOO_LARGE, whether or not the server announced its
   * length. 0 means no limit.
   */
  properties[PROP_MAX_SIZE] =
    g_param_spec_int64 ("max-size", NULL, NULL, 0, G_MAXINT64, 0, RW);

  /**
   * GCurlTransfer:tls-verify-peer:
   *
   * Whether the server's certificate must chain to a trusted authority.
   * Turn it off only for tests.
   */
  properties[PROP_TLS_VERIFY_PEER] =
    g_param_spec_boolean ("tls-verify-peer", NULL, NULL, TRUE, RW);

  /**
   * GCurlTransfer:tls-verify-host:
   *
   * Whether the server's certificate must name the host of the URL.
   */
  properties[PROP_TLS_VERIFY_HOST] =
    g_param_spec_boolean ("tls-verify-host", NULL, NULL, TRUE, RW);

  /**
   * GCurlTransfer:tls-ca-file:
   *
   * A file of PEM certificates to trust instead of the system's; %NULL for
   * the system's. It is trusted for an HTTPS proxy too, as are
   * [property@GCurl.Transfer:tls-verify-peer] and
   * [property@GCurl.Transfer:tls-verify-host] applied to one.
   */
  properties[PROP_TLS_CA_FILE] = g_param_spec_string ("tls-ca-file", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:fail-on-http-error:
   *
   * Whether a response with an HTTP status of 400 or more fails the
   * transfer with %GCURL_ERROR_HTTP_STATUS (its body is then kept in
   * memory and not written to the output). So does a redirect without a
   * `Location` header (other than 304) while
   * [property@GCurl.Transfer:follow-redirects] is on: it cannot be
   * followed, and its body is not the resource.
   */
  properties[PROP_FAIL_ON_HTTP_ERROR] =
    g_param_spec_boolean ("fail-on-http-error", NULL, NULL, TRUE, RW);

  /**
   * GCurlTransfer:progress-interval:
   *
   * The least time between two progress notifications
   * ([property@GCurl.Transfer:bytes-received] and its kin), in milliseconds.
   * They are brought up to date when the transfer ends. %G_MAXUINT turns
   * progress notifications off until the end.
   */
  properties[PROP_PROGRESS_INTERVAL] =
    g_param_spec_uint ("progress-interval", NULL, NULL, 0, G_MAXUINT,
                       DEFAULT_PROGRESS_INTERVAL, RW);

  /**
   * GCurlTransfer:username:
   *
   * The user name to authenticate as, with
   * [property@GCurl.Transfer:password], by the methods of
   * [property@GCurl.Transfer:auth-methods]; %NULL for none. They override
   * `user:password@` in the URL. libcurl sends them only to the host,
   * port and scheme of the URL: never to another origin a redirect leads
   * to. No message of this library shows them.
   */
  properties[PROP_USERNAME] = g_param_spec_string ("username", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:password:
   *
   * The password for [property@GCurl.Transfer:username]; %NULL for none.
   * Write-only: it cannot be read back.
   */
  properties[PROP_PASSWORD] = g_param_spec_string ("password", NULL, NULL, NULL, WO);

  /**
   * GCurlTransfer:auth-methods:
   *
   * The methods [property@GCurl.Transfer:username] and
   * [property@GCurl.Transfer:password] may be used with. The default,
   * Basic and Digest, sends the first request without them and answers
   * the server's challenge, so that a password never goes out unasked;
   * %GCURL_AUTH_METHODS_BASIC alone sends it with the first request.
   */
  properties[PROP_AUTH_METHODS] =
    g_param_spec_flags ("auth-methods", NULL, NULL, GCURL_TYPE_AUTH_METHODS,
                        GCURL_AUTH_METHODS_BASIC | GCURL_AUTH_METHODS_DIGEST, RW);

  /**
   * GCurlTransfer:bearer-token:
   *
   * An OAuth 2.0 bearer token (RFC 6750), sent as `Authorization: Bearer`
   * with every request to the origin of the URL, and to no other; %NULL
   * for none. It takes the place of a user name and password.
   * Write-only: it cannot be read back.
   */
  properties[PROP_BEARER_TOKEN] = g_param_spec_string ("bearer-token", NULL, NULL, NULL, WO);

  /**
   * GCurlTransfer:accept-encoding:
   *
   * The content encodings to ask for (`Accept-Encoding`) and to decode:
   * a list such as `"gzip, br, zstd"`, `""` for every one this libcurl
   * decodes, or `"identity"` for none.
   *
   * The default, %NULL, asks for every one, as `""` does, for memory,
   * stream and signal output, and for none for a file download: a resumed
   * download asks for a range of the stored bytes, which only the
   * identity encoding has. A resumed run never asks for an encoding.
   *
   * A decoded body counts its decoded bytes in
   * [property@GCurl.Transfer:bytes-received] and
   * [property@GCurl.Transfer:max-size], and its
   * [property@GCurl.Transfer:total-bytes] stays -1 until its end, for
   * `Content-Length` counts the encoded ones;
   * [property@GCurl.Transfer:wire-bytes-received] counts those.
   */
  properties[PROP_ACCEPT_ENCODING] =
    g_param_spec_string ("accept-encoding", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:resolve:
   *
   * Host names mapped to addresses, each `HOST:PORT:ADDRESS`, as with
   * `curl --resolve`: a request to that host and port connects to the
   * address, and keeps the name for TLS, cookies and `Host`. %NULL for
   * none.
   *
   * The mappings go into the DNS cache of the transfer's
   * [class@GCurl.MultiSource], which its other transfers share: they stay
   * there for those too.
   */
  properties[PROP_RESOLVE] =
    g_param_spec_boxed ("resolve", NULL, NULL, G_TYPE_STRV, RW);

  /**
   * GCurlTransfer:proxy:
   *
   * The transfer's own proxy, over the one its source's
   * [property@GCurl.MultiSource:proxy-resolver] would give: a URL
   * (`http://`, `https://`, `socks4://`, `socks4a://`, `socks5://`,
   * `socks5h://`, or `socks://`, taken as `socks5h://`; a bare
   * `host:port` is an HTTP proxy), or `""` for a direct connection.
   * %NULL, the default, asks the resolver.
   *
   * Credentials may be in the URL (`http://user:password@host:port`).
   * They are sent to the proxy only, never shown in a message, and wiped
   * from memory when the value is replaced. A set proxy is used whatever
   * the `no_proxy` environment variable says.
   */
  properties[PROP_PROXY] =
    g_param_spec_string ("proxy", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:output:
   *
   * Where the response body goes.
   */
  properties[PROP_OUTPUT] =
    g_param_spec_enum ("output", NULL, NULL, GCURL_TYPE_OUTPUT, GCURL_OUTPUT_MEMORY, RO);

  /**
   * GCurlTransfer:state:
   *
   * Where the transfer is in its life cycle.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, GCURL_TYPE_TRANSFER_STATE,
                       GCURL_TRANSFER_STATE_PENDING, RO);

  /**
   * GCurlTransfer:bytes-received:
   *
   * The bytes of the response body received so far, counting those a
   * resumed download already had.
   */
  properties[PROP_BYTES_RECEIVED] =
    g_param_spec_int64 ("bytes-received", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:wire-bytes-received:
   *
   * The bytes of the response body received in this run as the server
   * sent them: before content decoding (see
   * [property@GCurl.Transfer:accept-encoding]), without a resumed
   * download's earlier bytes.
   */
  properties[PROP_WIRE_BYTES_RECEIVED] =
    g_param_spec_int64 ("wire-bytes-received", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:total-bytes:
   *
   * The size of the response body (of the whole resource for a resumed
   * download), or -1 while it is unknown.
   */
  properties[PROP_TOTAL_BYTES] =
    g_param_spec_int64 ("total-bytes", NULL, NULL, -1, G_MAXINT64, -1, RO);

  /**
   * GCurlTransfer:download-speed:
   *
   * The average download speed so far, in bytes per second.
   */
  properties[PROP_DOWNLOAD_SPEED] =
    g_param_spec_int64 ("download-speed", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:bytes-sent:
   *
   * The bytes of the request body sent so far.
   */
  properties[PROP_BYTES_SENT] =
    g_param_spec_int64 ("bytes-sent", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:total-bytes-to-send:
   *
   * The size of the request body, or -1 when unknown; 0 without one.
   */
  properties[PROP_TOTAL_BYTES_TO_SEND] =
    g_param_spec_int64 ("total-bytes-to-send", NULL, NULL, -1, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:upload-speed:
   *
   * The average upload speed so far, in bytes per second.
   */
  properties[PROP_UPLOAD_SPEED] =
    g_param_spec_int64 ("upload-speed", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:response-code:
   *
   * The HTTP status of the last response, 0 before one arrived.
   */
  properties[PROP_RESPONSE_CODE] =
    g_param_spec_uint ("response-code", NULL, NULL, 0, 999, 0, RO);

  /**
   * GCurlTransfer:effective-url:
   *
   * The URL of the last request, after redirects; %NULL before a response
   * arrived.
   */
  properties[PROP_EFFECTIVE_URL] =
    g_param_spec_string ("effective-url", NULL, NULL, NULL, RO);

  /**
   * GCurlTransfer:content-type:
   *
   * The `Content-Type` of the response, %NULL if it had none.
   */
  properties[PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL, NULL, RO);

  g_object_class_install_properties (object_class, N_PROPS, properties);
  notify_signal_id = g_signal_lookup ("notify", G_TYPE_OBJECT);

  /**
   * GCurlTransfer::finished:
   * @self: the transfer
   *
   * Emitted once at the end of every run, after the final state and
   * progress were notified: [property@GCurl.Transfer:state] tells how it
   * ended and [method@GCurl.Transfer.get_error] why it failed.
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * GCurlTransfer::data-received:
   * @self: the transfer
   * @data: the next piece of the response body
   *
   * With [method@GCurl.Transfer.set_output_signal], emitted for every piece
   * of the response body as it arrives, in order. Handlers may pause or
   * cancel the transfer.
   */
  signals[SIGNAL_DATA_RECEIVED] =
    g_signal_new ("data-received",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BYTES);
}

static void
gcurl_transfer_init (GCurlTransfer *self)
{
  self->easy = _gcurl_easy_take (&self->applied);
  self->default_ca_file = _gcurl_easy_default_ca_file (self->easy);
  _gcurl_headers_init (&self->response.headers);
  self->body.body_length = -1;
  self->request.follow_redirects = TRUE;
  self->request.max_redirects = DEFAULT_MAX_REDIRECTS;
  self->request.http_version = GCURL_HTTP_2;
  self->request.allowed_protocols = g_strdup (DEFAULT_PROTOCOLS);
  self->request.tls_verify_peer = TRUE;
  self->request.tls_verify_host = TRUE;
  self->request.fail_on_http_error = TRUE;
  self->request.progress_interval = DEFAULT_PROGRESS_INTERVAL;
  self->request.auth_methods = GCURL_AUTH_METHODS_BASIC | GCURL_AUTH_METHODS_DIGEST;
  self->request.receive_buffer_size = DEFAULT_RECEIVE_BUFFER_SIZE;
  self->response.total_bytes = -1;
  for (guint i = 0; i < G_N_ELEMENTS (self->response.timings); i++)
    self->response.timings[i] = -1;
}

/* ---------------------------------------------------------------------- */
/* Public API                                                              */

/**
 * gcurl_transfer_new:
 * @url: the URL to transfer
 *
 * Creates a transfer of @url with the safe defaults: a `GET` with the
 * response body in memory, TLS verification on, `http` and `https` only.
 *
 * Returns: (transfer full): a new #GCurlTransfer
 */
GCurlTransfer *
gcurl_transfer_new (const char *url)
{
  GCurlTransfer *self;

  g_return_val_if_fail (url != NULL, NULL);

  /* Not through the property: that costs a third of g_object_new(), and
   * nobody can listen yet. */
  self = g_object_new (GCURL_TYPE_TRANSFER, NULL);
  self->request.url = g_strdup (url);
  return self;
}

/**
 * gcurl_transfer_get_handle: (skip)
 * @self: a #GCurlTransfer
 *
 * Gets the transfer's libcurl easy handle, for C code that sets an option
 * the transfer has no property for, or reads a `CURLINFO_*` value. Options
 * the transfer owns (see [class@GCurl.Transfer]) are overwritten when it
 * starts. Never add the handle to a multi handle yourself.
 *
 * Calling it has effects that last for the transfer's life, because the
 * library can no longer know what was set on the handle: the handle is
 * never given back to the pool of handles for other transfers (so that no
 * option or cookie of yours reaches them), every option the transfer owns
 * is set again at each start rather than only those that changed, and
 * checks that depend on the request (a 206 answering a request without a
 * range, a `Content-Encoding` to decode) assume you may have set one.
 *
 * Returns: (transfer none): the `CURL *` easy handle, owned by the transfer
 */
CURL *
gcurl_transfer_get_handle (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  self->handle_exposed = TRUE;
  self->applied.valid = FALSE;
  return self->easy;
}

CURL *
_gcurl_transfer_peek_handle (GCurlTransfer *self)
{
  return self->easy;
}

/**
 * gcurl_transfer_set_request_header:
 * @self: a #GCurlTransfer
 * @name: a header name such as `Accept`
 * @value: (nullable): its value; %NULL removes the header, and an empty
 *   string sends it empty
 *
 * Sets a request header for the next run, replacing any earlier value of
 * the same name (compared without case). Headers libcurl adds itself
 * (`Host`, `Accept` …) are replaced as well; with a %NULL @value they are
 * not sent at all.
 */
void
gcurl_transfer_set_request_header (GCurlTransfer *self,
                                   const char    *name,
                                   const char    *value)
{
  gsize len;

  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (name != NULL && _gcurl_header_token_valid (name));
  g_return_if_fail (value == NULL || _gcurl_header_value_valid (value));

  if (self->request.request_headers == NULL)
    self->request.request_headers = g_ptr_array_new_with_free_func (g_free);

  len = strlen (name);
  for (guint i = 0; i < self->request.request_headers->len; i++)
    {
      const char *h = self->request.request_headers->pdata[i];

      if (g_ascii_strncasecmp (h, name, len) == 0 && (h[len] == ':' || h[len] == ';'))
        {
          g_ptr_array_remove_index (self->request.request_headers, i);
          break;
        }
    }

  /* curl's syntax: "Name:" removes a header, "Name;" sends it empty. */
  if (value == NULL)
    g_ptr_array_add (self->request.request_headers, g_strdup_printf ("%s:", name));
  else if (value[0] == '\0')
    g_ptr_array_add (self->request.request_headers, g_strdup_printf ("%s;", name));
  else
    g_ptr_array_add (self->request.request_headers, g_strdup_printf ("%s: %s", name, value));
}

/**
 * gcurl_transfer_dup_response_headers:
 * @self: a #GCurlTransfer
 *
 * Gets every header of the last response, in order, each as
 * `Name: value`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the headers
 */
char **
gcurl_transfer_dup_response_headers (GCurlTransfer *self)
{

  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return _gcurl_headers_dup_all (&self->response.headers);
}

/**
 * gcurl_transfer_dup_suggested_filename:
 * @self: a #GCurlTransfer
 *
 * Proposes a file name to save the body under: the one the response's
 * `Content-Disposition` names, else the last segment of the effective URL
 * (of the URL before a response arrived). It is made safe to create in a
 * directory of the user's choosing: no directory separators, no `..`, no
 * leading dot, no control characters, valid UTF-8, at most 255 bytes, and
 * never empty (`download` when nothing usable is left).
 *
 * Returns: (transfer full) (type filename): a base name
 */
char *
gcurl_transfer_dup_suggested_filename (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return _gcurl_filename_suggest (_gcurl_headers_lookup (&self->response.headers, "Content-Disposition"),
                                  self->response.effective_url ? self->response.effective_url : self->request.url);
}

/* ---- Control ------------------------------------------------------------- */

/**
 * gcurl_transfer_pause:
 * @self: a #GCurlTransfer
 *
 * Pauses a running transfer: nothing is received or sent, and the source
 * does not wake up for it, until [method@GCurl.Transfer.resume]. The
 * server may close a connection that stays paused for long, which then
 * fails the transfer when it resumes. Has no effect unless the transfer is
 * running.
 *
 * Pausing HTTP/2 transfers had stall bugs in libcurl 7.88: prefer HTTP/1.1
 * ([property@GCurl.Transfer:http-version]) for transfers you pause.
 */
void
gcurl_transfer_pause (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  if (self->state != GCURL_TRANSFER_STATE_RUNNING)
    return;

  set_state (self, GCURL_TRANSFER_STATE_PAUSED);
  _gcurl_transfer_apply_pause (self);
}

/**
 * gcurl_transfer_resume:
 * @self: a #GCurlTransfer
 *
 * Resumes a paused transfer. Has no effect unless it is paused.
 */
void
gcurl_transfer_resume (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  if (self->state != GCURL_TRANSFER_STATE_PAUSED)
    return;

  set_state (self, GCURL_TRANSFER_STATE_RUNNING);
  _gcurl_transfer_apply_pause (self);
}

/**
 * gcurl_transfer_cancel:
 * @self: a #GCurlTransfer
 *
 * Cancels a running or paused transfer: it ends with
 * %G_IO_ERROR_CANCELLED, before this function returns, or, when called
 * from inside a handler that libcurl is running (a progress notification,
 * [signal@GCurl.Transfer::data-received]), as soon as that handler
 * returned. Has no effect on a transfer that is not running.
 *
 * Like every method of a running transfer, call it from the thread of the
 * source's main context; from another thread, cancel the #GCancellable
 * given to [method@GCurl.MultiSource.perform_async] instead.
 */
void
gcurl_transfer_cancel (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  if (!_gcurl_transfer_is_active (self) || self->cancelling)
    return;

  self->cancelling = TRUE;
  _gcurl_multi_source_cancel_transfer (self->source, self);
}


/* For GCurlDownload's segments: @dst gets @src's request settings (URL,
 * headers, limits, TLS, credentials, names to resolve, proxy), not its
 * body, output or range. */
void
_gcurl_transfer_copy_request (GCurlTransfer *dst,
                              GCurlTransfer *src)
{
  g_return_if_fail (!_gcurl_transfer_is_active (dst));

  gcurl_transfer_set_url (dst, src->request.url);
  for (guint i = 0; src->request.request_headers != NULL && i < src->request.request_headers->len; i++)
    {
      if (dst->request.request_headers == NULL)
        dst->request.request_headers = g_ptr_array_new_with_free_func (g_free);
      g_ptr_array_add (dst->request.request_headers, g_strdup (src->request.request_headers->pdata[i]));
    }
  gcurl_transfer_set_user_agent (dst, src->request.user_agent);
  gcurl_transfer_set_follow_redirects (dst, src->request.follow_redirects);
  gcurl_transfer_set_max_redirects (dst, src->request.max_redirects);
  gcurl_transfer_set_http_version (dst, src->request.http_version);
  gcurl_transfer_set_timeout (dst, src->request.timeout);
  gcurl_transfer_set_connect_timeout (dst, src->request.connect_timeout);
  gcurl_transfer_set_low_speed_limit (dst, src->request.low_speed_limit, src->request.low_speed_time);
  gcurl_transfer_set_max_recv_speed (dst, src->request.max_recv_speed);
  gcurl_transfer_set_receive_buffer_size (dst, src->request.receive_buffer_size);
  gcurl_transfer_set_allowed_protocols (dst, src->request.allowed_protocols);
  gcurl_transfer_set_tls_verify_peer (dst, src->request.tls_verify_peer);
  gcurl_transfer_set_tls_verify_host (dst, src->request.tls_verify_host);
  gcurl_transfer_set_tls_ca_file (dst, src->request.tls_ca_file);
  gcurl_transfer_set_progress_interval (dst, src->request.progress_interval);
  gcurl_transfer_set_username (dst, src->request.username);
  gcurl_transfer_set_password (dst, src->request.password);
  gcurl_transfer_set_auth_methods (dst, src->request.auth_methods);
  gcurl_transfer_set_bearer_token (dst, src->request.bearer_token);
  gcurl_transfer_set_resolve (dst, (const char * const *) src->request.resolve);
  gcurl_transfer_set_proxy (dst, src->request.proxy);
}
