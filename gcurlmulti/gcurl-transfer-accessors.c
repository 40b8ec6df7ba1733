/* gcurl-transfer-accessors.c: the getters and setters of a transfer's
 * request settings and results
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-filename-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-transfer-internal.h"

/* ---------------------------------------------------------------------- */
/* Request settings                                                        */

/**
 * gcurl_transfer_get_url: (get-property url)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:url].
 *
 * Returns: (nullable): the URL, or %NULL for a transfer made with
 *   g_object_new() and no URL
 */
const char *
gcurl_transfer_get_url (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->request.url;
}

/**
 * gcurl_transfer_set_url: (set-property url)
 * @self: a #GCurlTransfer
 * @url: the URL to transfer
 *
 * Sets [property@GCurl.Transfer:url], for the next run.
 */
void
gcurl_transfer_set_url (GCurlTransfer *self,
                        const char *url)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (url != NULL);

  g_clear_pointer (&self->response.display_url, g_free);
  _gcurl_transfer_set_string (self, &self->request.url, url, PROP_URL);
}

/**
 * gcurl_transfer_get_method: (get-property method)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:method].
 *
 * Returns: (nullable): the method, %NULL for the default
 */
const char *
gcurl_transfer_get_method (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->request.method;
}

/**
 * gcurl_transfer_set_method: (set-property method)
 * @self: a #GCurlTransfer
 * @method: (nullable): an HTTP method such as `PUT` or `DELETE`, or %NULL for `GET` (`POST` with a body)
 *
 * Sets [property@GCurl.Transfer:method], for the next run. A method is a
 * token (RFC 9110): letters, digits and ``!#$%&'*+-.^_`|~``; anything
 * else, a space or a line break included, is a programming error.
 */
void
gcurl_transfer_set_method (GCurlTransfer *self,
                           const char *method)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (method == NULL || _gcurl_header_token_valid (method));

  _gcurl_transfer_set_string (self, &self->request.method, method, PROP_METHOD);
}

/**
 * gcurl_transfer_get_user_agent: (get-property user-agent)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:user-agent].
 *
 * Returns: (nullable): the user agent
 */
const char *
gcurl_transfer_get_user_agent (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->request.user_agent;
}

/**
 * gcurl_transfer_set_user_agent: (set-property user-agent)
 * @self: a #GCurlTransfer
 * @user_agent: (nullable): the `User-Agent` to send, %NULL for none
 *
 * Sets [property@GCurl.Transfer:user-agent], for the next run. A control
 * character other than a tab (a line break above all) is a programming
 * error, as in [method@GCurl.Transfer.set_request_header].
 */
void
gcurl_transfer_set_user_agent (GCurlTransfer *self,
                               const char *user_agent)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (user_agent == NULL || _gcurl_header_value_valid (user_agent));

  _gcurl_transfer_set_string (self, &self->request.user_agent, user_agent, PROP_USER_AGENT);
}

/**
 * gcurl_transfer_get_follow_redirects: (get-property follow-redirects)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:follow-redirects].
 *
 * Returns: whether redirects are followed
 */
gboolean
gcurl_transfer_get_follow_redirects (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), FALSE);

  return self->request.follow_redirects;
}

/**
 * gcurl_transfer_set_follow_redirects: (set-property follow-redirects)
 * @self: a #GCurlTransfer
 * @follow_redirects: whether to follow redirects
 *
 * Sets [property@GCurl.Transfer:follow-redirects], for the next run.
 */
void
gcurl_transfer_set_follow_redirects (GCurlTransfer *self,
                                     gboolean follow_redirects)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_set_bool (self, &self->request.follow_redirects, follow_redirects, PROP_FOLLOW_REDIRECTS);
}

/**
 * gcurl_transfer_get_max_redirects: (get-property max-redirects)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:max-redirects].
 *
 * Returns: the redirect limit, -1 for none
 */
int
gcurl_transfer_get_max_redirects (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.max_redirects;
}

/**
 * gcurl_transfer_set_max_redirects: (set-property max-redirects)
 * @self: a #GCurlTransfer
 * @max_redirects: the most redirects to follow, -1 for no limit
 *
 * Sets [property@GCurl.Transfer:max-redirects], for the next run.
 */
void
gcurl_transfer_set_max_redirects (GCurlTransfer *self,
                                  int max_redirects)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (max_redirects >= -1);

  if (self->request.max_redirects != max_redirects)
    {
      self->request.max_redirects = max_redirects;
      _gcurl_transfer_notify (self, PROP_MAX_REDIRECTS);
    }
}

/**
 * gcurl_transfer_get_http_version: (get-property http-version)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:http-version].
 *
 * Returns: the HTTP version
 */
GCurlHttpVersion
gcurl_transfer_get_http_version (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.http_version;
}

/**
 * gcurl_transfer_set_http_version: (set-property http-version)
 * @self: a #GCurlTransfer
 * @version: the HTTP version to use
 *
 * Sets [property@GCurl.Transfer:http-version], for the next run.
 */
void
gcurl_transfer_set_http_version (GCurlTransfer *self,
                                 GCurlHttpVersion version)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (version <= GCURL_HTTP_3_ONLY);

  if (self->request.http_version != version)
    {
      self->request.http_version = version;
      _gcurl_transfer_notify (self, PROP_HTTP_VERSION);
    }
}

/**
 * gcurl_transfer_get_timeout: (get-property timeout)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:timeout].
 *
 * Returns: the limit in milliseconds, 0 for none
 */
guint
gcurl_transfer_get_timeout (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.timeout;
}

/**
 * gcurl_transfer_set_timeout: (set-property timeout)
 * @self: a #GCurlTransfer
 * @timeout_ms: the most time the transfer may take, in milliseconds; 0 for no limit
 *
 * Sets [property@GCurl.Transfer:timeout], for the next run.
 */
void
gcurl_transfer_set_timeout (GCurlTransfer *self,
                            guint timeout_ms)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_set_uint (self, &self->request.timeout, timeout_ms, PROP_TIMEOUT);
}

/**
 * gcurl_transfer_get_connect_timeout: (get-property connect-timeout)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:connect-timeout].
 *
 * Returns: the limit in milliseconds, 0 for libcurl's default
 */
guint
gcurl_transfer_get_connect_timeout (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.connect_timeout;
}

/**
 * gcurl_transfer_set_connect_timeout: (set-property connect-timeout)
 * @self: a #GCurlTransfer
 * @timeout_ms: the most time connecting may take, in milliseconds; 0 for libcurl's default
 *
 * Sets [property@GCurl.Transfer:connect-timeout], for the next run.
 */
void
gcurl_transfer_set_connect_timeout (GCurlTransfer *self,
                                    guint timeout_ms)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_set_uint (self, &self->request.connect_timeout, timeout_ms, PROP_CONNECT_TIMEOUT);
}

/**
 * gcurl_transfer_get_max_recv_speed: (get-property max-recv-speed)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:max-recv-speed].
 *
 * Returns: the limit in bytes per second, 0 for none
 */
gint64
gcurl_transfer_get_max_recv_speed (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.max_recv_speed;
}

/**
 * gcurl_transfer_set_max_recv_speed: (set-property max-recv-speed)
 * @self: a #GCurlTransfer
 * @bytes_per_second: the most bytes per second to receive, 0 for no limit
 *
 * Sets [property@GCurl.Transfer:max-recv-speed], for the next run.
 */
void
gcurl_transfer_set_max_recv_speed (GCurlTransfer *self,
                                   gint64 bytes_per_second)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (bytes_per_second >= 0);

  _gcurl_transfer_set_int64 (self, &self->request.max_recv_speed, bytes_per_second, PROP_MAX_RECV_SPEED);
}

/**
 * gcurl_transfer_get_max_send_speed: (get-property max-send-speed)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:max-send-speed].
 *
 * Returns: the limit in bytes per second, 0 for none
 */
gint64
gcurl_transfer_get_max_send_speed (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.max_send_speed;
}

/**
 * gcurl_transfer_set_max_send_speed: (set-property max-send-speed)
 * @self: a #GCurlTransfer
 * @bytes_per_second: the most bytes per second to send, 0 for no limit
 *
 * Sets [property@GCurl.Transfer:max-send-speed], for the next run.
 */
void
gcurl_transfer_set_max_send_speed (GCurlTransfer *self,
                                   gint64 bytes_per_second)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (bytes_per_second >= 0);

  _gcurl_transfer_set_int64 (self, &self->request.max_send_speed, bytes_per_second, PROP_MAX_SEND_SPEED);
}

/**
 * gcurl_transfer_get_receive_buffer_size: (get-property receive-buffer-size)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:receive-buffer-size].
 *
 * Returns: the receive buffer's size in bytes
 */
guint
gcurl_transfer_get_receive_buffer_size (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.receive_buffer_size;
}

/**
 * gcurl_transfer_set_receive_buffer_size: (set-property receive-buffer-size)
 * @self: a #GCurlTransfer
 * @size: the receive buffer's size in bytes, from 1024 to 10 MiB
 *
 * Sets [property@GCurl.Transfer:receive-buffer-size], for the next run.
 */
void
gcurl_transfer_set_receive_buffer_size (GCurlTransfer *self,
                                        guint          size)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (size >= MIN_RECEIVE_BUFFER_SIZE && size <= MAX_RECEIVE_BUFFER_SIZE);

  _gcurl_transfer_set_uint (self, &self->request.receive_buffer_size, size, PROP_RECEIVE_BUFFER_SIZE);
}

/**
 * gcurl_transfer_get_resume_from: (get-property resume-from)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:resume-from].
 *
 * Returns: the offset
 */
gint64
gcurl_transfer_get_resume_from (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.resume_from;
}

/**
 * gcurl_transfer_set_resume_from: (set-property resume-from)
 * @self: a #GCurlTransfer
 * @offset: the offset to start at, 0 for the whole resource
 *
 * Sets [property@GCurl.Transfer:resume-from], for the next run.
 */
void
gcurl_transfer_set_resume_from (GCurlTransfer *self,
                                gint64 offset)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (offset >= 0);

  _gcurl_transfer_set_int64 (self, &self->request.resume_from, offset, PROP_RESUME_FROM);
}

/**
 * gcurl_transfer_get_allowed_protocols: (get-property allowed-protocols)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:allowed-protocols].
 *
 * Returns: the comma-separated schemes
 */
const char *
gcurl_transfer_get_allowed_protocols (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->request.allowed_protocols;
}

/**
 * gcurl_transfer_set_allowed_protocols: (set-property allowed-protocols)
 * @self: a #GCurlTransfer
 * @protocols: comma-separated URL schemes, such as `http,https`
 *
 * Sets [property@GCurl.Transfer:allowed-protocols], for the next run.
 */
void
gcurl_transfer_set_allowed_protocols (GCurlTransfer *self,
                                      const char *protocols)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (protocols != NULL);

  _gcurl_transfer_set_string (self, &self->request.allowed_protocols, protocols, PROP_ALLOWED_PROTOCOLS);
}

/**
 * gcurl_transfer_get_max_size: (get-property max-size)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:max-size].
 *
 * Returns: the limit in bytes, 0 for none
 */
gint64
gcurl_transfer_get_max_size (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.max_size;
}

/**
 * gcurl_transfer_set_max_size: (set-property max-size)
 * @self: a #GCurlTransfer
 * @max_size: the largest body to accept in bytes, 0 for no limit
 *
 * Sets [property@GCurl.Transfer:max-size], for the next run.
 */
void
gcurl_transfer_set_max_size (GCurlTransfer *self,
                             gint64 max_size)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (max_size >= 0);

  _gcurl_transfer_set_int64 (self, &self->request.max_size, max_size, PROP_MAX_SIZE);
}

/**
 * gcurl_transfer_get_tls_verify_peer: (get-property tls-verify-peer)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:tls-verify-peer].
 *
 * Returns: whether the peer's certificate is verified
 */
gboolean
gcurl_transfer_get_tls_verify_peer (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), FALSE);

  return self->request.tls_verify_peer;
}

/**
 * gcurl_transfer_set_tls_verify_peer: (set-property tls-verify-peer)
 * @self: a #GCurlTransfer
 * @verify: whether to verify the peer's certificate
 *
 * Sets [property@GCurl.Transfer:tls-verify-peer], for the next run.
 */
void
gcurl_transfer_set_tls_verify_peer (GCurlTransfer *self,
                                    gboolean verify)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_set_bool (self, &self->request.tls_verify_peer, verify, PROP_TLS_VERIFY_PEER);
}

/**
 * gcurl_transfer_get_tls_verify_host: (get-property tls-verify-host)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:tls-verify-host].
 *
 * Returns: whether the certificate must name the host
 */
gboolean
gcurl_transfer_get_tls_verify_host (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), FALSE);

  return self->request.tls_verify_host;
}

/**
 * gcurl_transfer_set_tls_verify_host: (set-property tls-verify-host)
 * @self: a #GCurlTransfer
 * @verify: whether the certificate must name the host
 *
 * Sets [property@GCurl.Transfer:tls-verify-host], for the next run.
 */
void
gcurl_transfer_set_tls_verify_host (GCurlTransfer *self,
                                    gboolean verify)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_set_bool (self, &self->request.tls_verify_host, verify, PROP_TLS_VERIFY_HOST);
}

/**
 * gcurl_transfer_get_tls_ca_file: (get-property tls-ca-file)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:tls-ca-file].
 *
 * Returns: (nullable) (type filename): the CA file, %NULL for the system's
 */
const char *
gcurl_transfer_get_tls_ca_file (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->request.tls_ca_file;
}

/**
 * gcurl_transfer_set_tls_ca_file: (set-property tls-ca-file)
 * @self: a #GCurlTransfer
 * @ca_file: (nullable) (type filename): a PEM file of certificates to trust, %NULL for the system's
 *
 * Sets [property@GCurl.Transfer:tls-ca-file], for the next run.
 */
void
gcurl_transfer_set_tls_ca_file (GCurlTransfer *self,
                                const char *ca_file)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_set_string (self, &self->request.tls_ca_file, ca_file, PROP_TLS_CA_FILE);
}

/**
 * gcurl_transfer_get_fail_on_http_error: (get-property fail-on-http-error)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:fail-on-http-error].
 *
 * Returns: whether HTTP errors fail the transfer
 */
gboolean
gcurl_transfer_get_fail_on_http_error (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), FALSE);

  return self->request.fail_on_http_error;
}

/**
 * gcurl_transfer_set_fail_on_http_error: (set-property fail-on-http-error)
 * @self: a #GCurlTransfer
 * @fail: whether a status of 400 or more fails the transfer
 *
 * Sets [property@GCurl.Transfer:fail-on-http-error], for the next run.
 */
void
gcurl_transfer_set_fail_on_http_error (GCurlTransfer *self,
                                       gboolean fail)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_set_bool (self, &self->request.fail_on_http_error, fail, PROP_FAIL_ON_HTTP_ERROR);
}

/**
 * gcurl_transfer_get_progress_interval: (get-property progress-interval)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:progress-interval].
 *
 * Returns: the interval in milliseconds
 */
guint
gcurl_transfer_get_progress_interval (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.progress_interval;
}

/**
 * gcurl_transfer_set_progress_interval: (set-property progress-interval)
 * @self: a #GCurlTransfer
 * @interval_ms: the least time between progress notifications, in milliseconds
 *
 * Sets [property@GCurl.Transfer:progress-interval], for the next run.
 */
void
gcurl_transfer_set_progress_interval (GCurlTransfer *self,
                                      guint interval_ms)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_set_uint (self, &self->request.progress_interval, interval_ms, PROP_PROGRESS_INTERVAL);
}

/**
 * gcurl_transfer_get_low_speed_limit: (get-property low-speed-limit)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:low-speed-limit].
 *
 * Returns: the lowest acceptable speed in bytes per second, 0 if the
 *   check is off
 */
guint
gcurl_transfer_get_low_speed_limit (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.low_speed_limit;
}

/**
 * gcurl_transfer_get_low_speed_time: (get-property low-speed-time)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:low-speed-time].
 *
 * Returns: how long, in seconds, a transfer may stay below
 *   [property@GCurl.Transfer:low-speed-limit]
 */
guint
gcurl_transfer_get_low_speed_time (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->request.low_speed_time;
}

/**
 * gcurl_transfer_set_low_speed_limit:
 * @self: a #GCurlTransfer
 * @bytes_per_second: the lowest acceptable speed, 0 to turn the check off
 * @seconds: how long the transfer may stay below it
 *
 * Sets [property@GCurl.Transfer:low-speed-limit] and
 * [property@GCurl.Transfer:low-speed-time] together, for the next run: a
 * transfer slower than @bytes_per_second for @seconds fails with
 * %GCURL_ERROR_TIMED_OUT.
 */
void
gcurl_transfer_set_low_speed_limit (GCurlTransfer *self,
                                    guint          bytes_per_second,
                                    guint          seconds)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));

  _gcurl_transfer_freeze (self);
  _gcurl_transfer_set_uint (self, &self->request.low_speed_limit, bytes_per_second, PROP_LOW_SPEED_LIMIT);
  _gcurl_transfer_set_uint (self, &self->request.low_speed_time, seconds, PROP_LOW_SPEED_TIME);
  _gcurl_transfer_thaw (self);
}

/* ---- State and results --------------------------------------------------- */

/**
 * gcurl_transfer_get_state: (get-property state)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:state].
 *
 * Returns: the state
 */
GCurlTransferState
gcurl_transfer_get_state (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), GCURL_TRANSFER_STATE_PENDING);

  return self->state;
}

/**
 * gcurl_transfer_get_bytes_received: (get-property bytes-received)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:bytes-received].
 *
 * Returns: the bytes received
 */
gint64
gcurl_transfer_get_bytes_received (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->response.bytes_received;
}

/**
 * gcurl_transfer_get_total_bytes: (get-property total-bytes)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:total-bytes].
 *
 * Returns: the size of the body, -1 if unknown
 */
gint64
gcurl_transfer_get_total_bytes (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), -1);

  return self->response.total_bytes;
}

/**
 * gcurl_transfer_get_download_speed: (get-property download-speed)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:download-speed].
 *
 * Returns: bytes per second
 */
gint64
gcurl_transfer_get_download_speed (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->response.download_speed;
}

/**
 * gcurl_transfer_get_bytes_sent: (get-property bytes-sent)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:bytes-sent].
 *
 * Returns: the bytes of the request body sent
 */
gint64
gcurl_transfer_get_bytes_sent (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->response.bytes_sent;
}

/**
 * gcurl_transfer_get_total_bytes_to_send: (get-property total-bytes-to-send)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:total-bytes-to-send].
 *
 * Returns: the size of the request body, -1 if unknown
 */
gint64
gcurl_transfer_get_total_bytes_to_send (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->response.total_bytes_to_send;
}

/**
 * gcurl_transfer_get_upload_speed: (get-property upload-speed)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:upload-speed].
 *
 * Returns: bytes per second
 */
gint64
gcurl_transfer_get_upload_speed (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->response.upload_speed;
}

/**
 * gcurl_transfer_get_response_code: (get-property response-code)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:response-code].
 *
 * Returns: the HTTP status, 0 before a response
 */
guint
gcurl_transfer_get_response_code (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->response.response_code;
}

/**
 * gcurl_transfer_get_effective_url: (get-property effective-url)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:effective-url].
 *
 * Returns: (nullable): the URL after redirects
 */
const char *
gcurl_transfer_get_effective_url (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->response.effective_url;
}

/**
 * gcurl_transfer_get_content_type: (get-property content-type)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:content-type].
 *
 * Returns: (nullable): the response's `Content-Type`
 */
const char *
gcurl_transfer_get_content_type (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->response.content_type;
}

/**
 * gcurl_transfer_get_response_header:
 * @self: a #GCurlTransfer
 * @name: a header name, compared without case
 *
 * Looks a header of the last response up (the final one after redirects).
 * Headers are available from the first byte of the body on.
 *
 * Returns: (nullable): the value of the last header called @name, or %NULL
 */
const char *
gcurl_transfer_get_response_header (GCurlTransfer *self,
                                    const char    *name)
{

  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return _gcurl_headers_lookup (&self->response.headers, name);
}

/**
 * gcurl_transfer_get_curl_code:
 * @self: a #GCurlTransfer
 *
 * Gets the exact `CURLcode` the last run ended with, for diagnostics
 * beyond the [error@GCurl.Error] class. It is `CURLE_OK` (0) for a run that
 * succeeded, failed with %GCURL_ERROR_HTTP_STATUS or never reached
 * libcurl.
 *
 * Returns: the `CURLcode`
 */
int
gcurl_transfer_get_curl_code (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), CURLE_OK);

  return (int) self->response.result;
}

/**
 * gcurl_transfer_get_error:
 * @self: a #GCurlTransfer
 *
 * Gets why the last run failed or was cancelled.
 *
 * Returns: (transfer none) (nullable): the error, %NULL unless the state is
 *   failed or cancelled
 */
const GError *
gcurl_transfer_get_error (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->response.error;
}
