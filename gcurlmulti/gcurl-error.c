/* gcurl-error.c: the GCURL_ERROR domain and the mapping from libcurl codes
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <gio/gio.h>
#include <string.h>

#include "gcurl-error-private.h"

/**
 * gcurl_error_quark:
 *
 * The quark of the %GCURL_ERROR domain.
 *
 * Returns: the error domain quark
 */
G_DEFINE_QUARK (gcurl-error-quark, gcurl_error)

GCurlError
_gcurl_error_code_from_curl_code (CURLcode code)
{
  switch ((int) code)
    {
    case CURLE_URL_MALFORMAT:
      return GCURL_ERROR_INVALID_URL;

    case CURLE_UNSUPPORTED_PROTOCOL:
    case CURLE_NOT_BUILT_IN:
      return GCURL_ERROR_UNSUPPORTED_PROTOCOL;

    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
      return GCURL_ERROR_HOST_NOT_FOUND;

    case CURLE_COULDNT_CONNECT:
    case CURLE_PROXY:
    case CURLE_INTERFACE_FAILED:
      return GCURL_ERROR_CONNECT_FAILED;

    case CURLE_OPERATION_TIMEDOUT:
      return GCURL_ERROR_TIMED_OUT;

    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_USE_SSL_FAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_SSL_CLIENTCERT:
      return GCURL_ERROR_TLS;

    case CURLE_HTTP_RETURNED_ERROR:
      return GCURL_ERROR_HTTP_STATUS;

    case CURLE_TOO_MANY_REDIRECTS:
      return GCURL_ERROR_TOO_MANY_REDIRECTS;

    case CURLE_WRITE_ERROR:
      return GCURL_ERROR_WRITE;

    case CURLE_READ_ERROR:
    case CURLE_SEND_FAIL_REWIND:
      return GCURL_ERROR_READ;

    case CURLE_PARTIAL_FILE:
    case CURLE_GOT_NOTHING:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
      return GCURL_ERROR_PARTIAL;

    case CURLE_WEIRD_SERVER_REPLY:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_HTTP3:
    case CURLE_BAD_CONTENT_ENCODING:
    case CURLE_RANGE_ERROR:
    case CURLE_BAD_DOWNLOAD_RESUME:
      return GCURL_ERROR_PROTOCOL;

    case CURLE_FILESIZE_EXCEEDED:
      return GCURL_ERROR_TOO_LARGE;

    /* libcurl 8.6's CURLE_TOO_LARGE: a response header over libcurl's
     * limit (what the body's limit, TOO_LARGE, does not mean). 7.88 says
     * CURLE_OUT_OF_MEMORY there; see _gcurl_transfer's make_error(). */
    case 100:
      return GCURL_ERROR_PROTOCOL;

    default:
      return GCURL_ERROR_FAILED;
    }
}

/* The control characters: C0, DEL, and C1 (U+0080–U+009F). */
static gboolean
is_control (gunichar c)
{
  return c < 0x20 || (c >= 0x7f && c <= 0x9f);
}

static gboolean
needs_escape (const char *s)
{
  for (const guchar *p = (const guchar *) s; *p != '\0'; p++)
    if (*p < 0x20 || *p >= 0x7f)   /* control, or not ASCII: check it all */
      return TRUE;
  return FALSE;
}

char *
_gcurl_display_text (const char *s)
{
  g_autofree char *valid = NULL;
  GString *out;

  if (s == NULL)
    return NULL;
  if (!needs_escape (s))
    return g_strdup (s);

  valid = g_utf8_make_valid (s, -1);
  out = g_string_sized_new (strlen (valid) + 8);
  for (const char *p = valid; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (is_control (c))
        g_string_append_printf (out, "\\x%02x", c);
      else
        g_string_append_unichar (out, c);
    }
  return g_string_free (out, FALSE);
}

char *
_gcurl_display_url (const char *url)
{
  g_autofree char *text = NULL;
  const char *authority, *end, *at = NULL;
  GString *out;

  if (url == NULL)
    return NULL;

  out = g_string_sized_new (strlen (url) + 8);
  authority = strstr (url, "://");
  if (authority != NULL)
    {
      authority += 3;
      end = authority + strcspn (authority, "/?#");
      for (const char *p = authority; p < end; p++)
        if (*p == '@')
          at = p;
    }
  if (at != NULL)
    {
      g_string_append_len (out, url, authority - url);
      g_string_append (out, "***");
      g_string_append (out, at);
    }
  else
    g_string_append (out, url);

  /* Control bytes as %XX (what they would be in a well-formed URL); the
   * rest as text. */
  for (gsize i = 0; i < out->len; i++)
    {
      guchar c = (guchar) out->str[i];

      if (c < 0x20 || c == 0x7f)
        {
          char hex[4];

          g_snprintf (hex, sizeof hex, "%%%02X", c);
          out->str[i] = hex[0];
          g_string_insert (out, (gssize) i + 1, hex + 1);
          i += 2;
        }
    }
  text = g_string_free (out, FALSE);
  return _gcurl_display_text (text);
}

/**
 * gcurl_error_new_from_code:
 * @code: a `CURLcode` other than `CURLE_OK`
 * @url: (nullable): the URL of the transfer, named in the message
 * @detail: (nullable): more detail, usually the transfer's
 *   `CURLOPT_ERRORBUFFER`; an empty string counts as %NULL
 *
 * Turns the result of a libcurl transfer into a #GError, for code that drives
 * its own easy handles through [method@GCurl.MultiSource.add_handle] and wants
 * the same errors as the high-level API.
 *
 * `CURLE_ABORTED_BY_CALLBACK` (a transfer the application stopped) becomes
 * %G_IO_ERROR_CANCELLED; every other code becomes a %GCURL_ERROR with the
 * [error@GCurl.Error] code of its class. The message names the URL and
 * the reason. The URL's userinfo (a password or a token) is shown as `***`,
 * and control characters in either are escaped (`%0D` in the URL, `\x1b`
 * in the reason), so that neither a secret nor a terminal escape sequence
 * from the network reaches a log line.
 *
 * Returns: (transfer full): a new #GError
 */
GError *
gcurl_error_new_from_code (int         code,
                            const char *url,
                            const char *detail)
{
  g_autofree char *reason = NULL;
  g_autofree char *shown = NULL;

  g_return_val_if_fail (code != CURLE_OK, NULL);

  reason = _gcurl_display_text ((detail != NULL && detail[0] != '\0')
                                 ? detail : curl_easy_strerror ((CURLcode) code));
  shown = _gcurl_display_url (url);

  if (code == CURLE_ABORTED_BY_CALLBACK)
    {
      if (shown != NULL)
        return g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                            "Transfer of %s was cancelled", shown);
      return g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED,
                                  "Transfer was cancelled");
    }

  if (shown != NULL)
    return g_error_new (GCURL_ERROR,
                        _gcurl_error_code_from_curl_code ((CURLcode) code),
                        "Transfer of %s failed: %s", shown, reason);

  return g_error_new (GCURL_ERROR,
                      _gcurl_error_code_from_curl_code ((CURLcode) code),
                      "Transfer failed: %s", reason);
}

/*
 * _gcurl_code_from_multi_code:
 *
 * The CURLcode reported for a transfer that a failing multi call
 * (CURLMcode other than CURLM_OK) took down. The default is
 * CURLE_UNRECOVERABLE_POLL: the event machinery itself failed. A handle
 * libcurl refused (already in another multi handle, not an easy handle) is
 * CURLE_BAD_FUNCTION_ARGUMENT.
 */
CURLcode
_gcurl_code_from_multi_code (CURLMcode mcode)
{
  switch ((int) mcode)
    {
    case CURLM_OK:
      return CURLE_OK;
    case CURLM_OUT_OF_MEMORY:
      return CURLE_OUT_OF_MEMORY;
    case CURLM_RECURSIVE_API_CALL:
      return CURLE_RECURSIVE_API_CALL;
    case CURLM_BAD_FUNCTION_ARGUMENT:
    case CURLM_BAD_EASY_HANDLE:
    case CURLM_ADDED_ALREADY:
      return CURLE_BAD_FUNCTION_ARGUMENT;
    default:
      return CURLE_UNRECOVERABLE_POLL;
    }
}

GError *
_gcurl_error_new_from_multi_code (CURLMcode   mcode,
                                   const char *what)
{
  return g_error_new (GCURL_ERROR, GCURL_ERROR_FAILED,
                      "%s failed: %s", what, curl_multi_strerror (mcode));
}
