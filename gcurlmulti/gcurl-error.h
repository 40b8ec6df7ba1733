/* gcurl-error.h: the G_CURL_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(G_CURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <glib.h>

#include "gcurl-version-macros.h"

G_BEGIN_DECLS

/**
 * G_CURL_ERROR:
 *
 * The error domain of gcurlmulti. Errors in it use the codes of
 * [error@GCurl.Error]. Cancellation is never reported in this domain: it is
 * always %G_IO_ERROR_CANCELLED.
 */
#define G_CURL_ERROR (g_curl_error_quark ())

/**
 * GCurlError:
 * @G_CURL_ERROR_FAILED: a failure that fits no other code; the message says
 *   what happened
 * @G_CURL_ERROR_INVALID_URL: the URL is malformed
 * @G_CURL_ERROR_UNSUPPORTED_PROTOCOL: the URL's scheme, or that of a redirect,
 *   is not supported or not allowed
 * @G_CURL_ERROR_HOST_NOT_FOUND: the host name (or proxy name) could not be
 *   resolved
 * @G_CURL_ERROR_CONNECT_FAILED: the connection to the host or proxy could not be
 *   established (refused, unreachable)
 * @G_CURL_ERROR_TIMED_OUT: a total, connect or low-speed time limit was reached
 * @G_CURL_ERROR_TLS: the TLS handshake failed, or the peer's certificate was
 *   rejected
 * @G_CURL_ERROR_HTTP_STATUS: the server answered with an HTTP status of 400 or
 *   above
 * @G_CURL_ERROR_TOO_MANY_REDIRECTS: the redirect limit was reached
 * @G_CURL_ERROR_WRITE: the received data could not be stored on our side
 * @G_CURL_ERROR_READ: the request body could not be read on our side
 * @G_CURL_ERROR_PARTIAL: the connection broke or closed before the whole
 *   response arrived, or the response had the wrong length
 * @G_CURL_ERROR_PROTOCOL: the server sent something that could not be parsed
 * @G_CURL_ERROR_TOO_LARGE: the response is larger than the allowed maximum
 *
 * The error codes of the %G_CURL_ERROR domain: one for each class of failure
 * that an application handles differently. The exact `CURLcode` stays
 * available to C code that needs it.
 */
typedef enum {
  G_CURL_ERROR_FAILED,
  G_CURL_ERROR_INVALID_URL,
  G_CURL_ERROR_UNSUPPORTED_PROTOCOL,
  G_CURL_ERROR_HOST_NOT_FOUND,
  G_CURL_ERROR_CONNECT_FAILED,
  G_CURL_ERROR_TIMED_OUT,
  G_CURL_ERROR_TLS,
  G_CURL_ERROR_HTTP_STATUS,
  G_CURL_ERROR_TOO_MANY_REDIRECTS,
  G_CURL_ERROR_WRITE,
  G_CURL_ERROR_READ,
  G_CURL_ERROR_PARTIAL,
  G_CURL_ERROR_PROTOCOL,
  G_CURL_ERROR_TOO_LARGE,
} GCurlError;

G_CURL_AVAILABLE_IN_1_0
GQuark   g_curl_error_quark          (void);

G_CURL_AVAILABLE_IN_1_0
GError  *g_curl_error_new_from_code  (int         code,
                                      const char *url,
                                      const char *detail);

G_END_DECLS
