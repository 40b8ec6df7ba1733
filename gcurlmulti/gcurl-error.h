/* gcurl-error.h: the GCURL_ERROR domain
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(GCURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <glib.h>

#include "gcurl-version-macros.h"

G_BEGIN_DECLS

/**
 * GCURL_ERROR:
 *
 * The error domain of gcurlmulti. Errors in it use the codes of
 * [error@GCurl.Error]. Cancellation is never reported in this domain: it is
 * always %G_IO_ERROR_CANCELLED.
 */
#define GCURL_ERROR (gcurl_error_quark ())

/**
 * GCurlError:
 * @GCURL_ERROR_FAILED: a failure that fits no other code; the message says
 *   what happened
 * @GCURL_ERROR_INVALID_URL: the URL is malformed
 * @GCURL_ERROR_UNSUPPORTED_PROTOCOL: the URL's scheme, or that of a redirect,
 *   is not supported or not allowed
 * @GCURL_ERROR_HOST_NOT_FOUND: the host name (or proxy name) could not be
 *   resolved
 * @GCURL_ERROR_CONNECT_FAILED: the connection to the host or proxy could not be
 *   established (refused, unreachable)
 * @GCURL_ERROR_TIMED_OUT: a total, connect or low-speed time limit was reached
 * @GCURL_ERROR_TLS: the TLS handshake failed, or the peer's certificate was
 *   rejected
 * @GCURL_ERROR_HTTP_STATUS: the server answered with an HTTP status of 400 or
 *   above
 * @GCURL_ERROR_TOO_MANY_REDIRECTS: the redirect limit was reached
 * @GCURL_ERROR_WRITE: the received data could not be stored on our side
 * @GCURL_ERROR_READ: the request body could not be read on our side
 * @GCURL_ERROR_PARTIAL: the connection broke or closed before the whole
 *   response arrived, or the response had the wrong length
 * @GCURL_ERROR_PROTOCOL: the server sent something that could not be parsed
 * @GCURL_ERROR_TOO_LARGE: the response is larger than the allowed maximum
 * @GCURL_ERROR_CHECKSUM: a [class@GCurl.Download] does not have the
 *   checksum it was given, or that the server sent (`Repr-Digest`,
 *   `Digest`); the data is kept under its part name
 *
 * The error codes of the %GCURL_ERROR domain: one for each class of failure
 * that an application handles differently. The exact `CURLcode` stays
 * available to C code that needs it.
 */
typedef enum {
  GCURL_ERROR_FAILED,
  GCURL_ERROR_INVALID_URL,
  GCURL_ERROR_UNSUPPORTED_PROTOCOL,
  GCURL_ERROR_HOST_NOT_FOUND,
  GCURL_ERROR_CONNECT_FAILED,
  GCURL_ERROR_TIMED_OUT,
  GCURL_ERROR_TLS,
  GCURL_ERROR_HTTP_STATUS,
  GCURL_ERROR_TOO_MANY_REDIRECTS,
  GCURL_ERROR_WRITE,
  GCURL_ERROR_READ,
  GCURL_ERROR_PARTIAL,
  GCURL_ERROR_PROTOCOL,
  GCURL_ERROR_TOO_LARGE,
  GCURL_ERROR_CHECKSUM,
} GCurlError;

GCURL_AVAILABLE_IN_0_1
GQuark   gcurl_error_quark          (void);

GCURL_AVAILABLE_IN_0_1
GError  *gcurl_error_new_from_code  (int         code,
                                      const char *url,
                                      const char *detail);

G_END_DECLS
