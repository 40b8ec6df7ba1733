/* test-error.c: the mapping from libcurl codes to GCURL_ERROR
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gcurl-error-private.h"
#include "gcurl-test-utils.h"

static void
test_mapping (void)
{
  static const struct { CURLcode code; GCurlError expected; } cases[] = {
    { CURLE_URL_MALFORMAT, GCURL_ERROR_INVALID_URL },
    { CURLE_UNSUPPORTED_PROTOCOL, GCURL_ERROR_UNSUPPORTED_PROTOCOL },
    { CURLE_COULDNT_RESOLVE_HOST, GCURL_ERROR_HOST_NOT_FOUND },
    { CURLE_COULDNT_RESOLVE_PROXY, GCURL_ERROR_HOST_NOT_FOUND },
    { CURLE_COULDNT_CONNECT, GCURL_ERROR_CONNECT_FAILED },
    { CURLE_OPERATION_TIMEDOUT, GCURL_ERROR_TIMED_OUT },
    { CURLE_SSL_CONNECT_ERROR, GCURL_ERROR_TLS },
    { CURLE_PEER_FAILED_VERIFICATION, GCURL_ERROR_TLS },
    { CURLE_SSL_CACERT_BADFILE, GCURL_ERROR_TLS },
    { CURLE_SSL_ISSUER_ERROR, GCURL_ERROR_TLS },
    { CURLE_SSL_CRL_BADFILE, GCURL_ERROR_TLS },
    { CURLE_HTTP_RETURNED_ERROR, GCURL_ERROR_HTTP_STATUS },
    { CURLE_TOO_MANY_REDIRECTS, GCURL_ERROR_TOO_MANY_REDIRECTS },
    { CURLE_WRITE_ERROR, GCURL_ERROR_WRITE },
    { CURLE_READ_ERROR, GCURL_ERROR_READ },
    { CURLE_PARTIAL_FILE, GCURL_ERROR_PARTIAL },
    { CURLE_RECV_ERROR, GCURL_ERROR_PARTIAL },
    { CURLE_GOT_NOTHING, GCURL_ERROR_PARTIAL },
    { CURLE_WEIRD_SERVER_REPLY, GCURL_ERROR_PROTOCOL },
    { CURLE_HTTP2_STREAM, GCURL_ERROR_PROTOCOL },
    { CURLE_BAD_CONTENT_ENCODING, GCURL_ERROR_PROTOCOL },
    { CURLE_FILESIZE_EXCEEDED, GCURL_ERROR_TOO_LARGE },
    { CURLE_OUT_OF_MEMORY, GCURL_ERROR_FAILED },
    { CURLE_UNRECOVERABLE_POLL, GCURL_ERROR_FAILED },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr(GError) error = gcurl_error_new_from_code (cases[i].code, "http://127.0.0.1/x", NULL);

      g_assert_error (error, GCURL_ERROR, (int) cases[i].expected);
      g_assert_cmpint (_gcurl_error_code_from_curl_code (cases[i].code), ==, cases[i].expected);
      /* The message names the URL and curl's reason. */
      g_assert_nonnull (strstr (error->message, "http://127.0.0.1/x"));
      g_assert_nonnull (strstr (error->message, curl_easy_strerror (cases[i].code)));
    }
}

static void
test_detail_and_cancel (void)
{
  g_autoptr(GError) detailed = NULL, cancelled = NULL, anonymous = NULL;

  detailed = gcurl_error_new_from_code (CURLE_COULDNT_CONNECT, "http://127.0.0.1:1/",
                                         "Failed to connect to 127.0.0.1 port 1");
  g_assert_error (detailed, GCURL_ERROR, GCURL_ERROR_CONNECT_FAILED);
  g_assert_nonnull (strstr (detailed->message, "Failed to connect to 127.0.0.1 port 1"));

  cancelled = gcurl_error_new_from_code (CURLE_ABORTED_BY_CALLBACK, "http://127.0.0.1/", NULL);
  g_assert_error (cancelled, G_IO_ERROR, G_IO_ERROR_CANCELLED);

  anonymous = gcurl_error_new_from_code (CURLE_RECV_ERROR, NULL, "");
  g_assert_error (anonymous, GCURL_ERROR, GCURL_ERROR_PARTIAL);
  g_assert_nonnull (strstr (anonymous->message, curl_easy_strerror (CURLE_RECV_ERROR)));

  if (g_test_undefined ())
    {
      g_test_expect_message ("GCurl", G_LOG_LEVEL_CRITICAL, "*code != CURLE_OK*");
      g_assert_null (gcurl_error_new_from_code (CURLE_OK, NULL, NULL));
      g_test_assert_expected_messages ();
    }
}

static void
test_multi_codes (void)
{
  g_autoptr(GError) error = _gcurl_error_new_from_multi_code (CURLM_OUT_OF_MEMORY, "curl_multi_add_handle()");

  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_FAILED);
  g_assert_nonnull (strstr (error->message, "curl_multi_add_handle()"));
  g_assert_cmpint (_gcurl_code_from_multi_code (CURLM_OUT_OF_MEMORY), ==, CURLE_OUT_OF_MEMORY);
  g_assert_cmpint (_gcurl_code_from_multi_code (CURLM_INTERNAL_ERROR), ==, CURLE_UNRECOVERABLE_POLL);
  g_assert_cmpint (_gcurl_code_from_multi_code (CURLM_ADDED_ALREADY), ==, CURLE_BAD_FUNCTION_ARGUMENT);
  g_assert_cmpint (_gcurl_code_from_multi_code (CURLM_OK), ==, CURLE_OK);
}

static void
test_enum_type (void)
{
  GEnumClass *klass = g_type_class_ref (GCURL_TYPE_ERROR);
  GEnumValue *v = g_enum_get_value (klass, GCURL_ERROR_TOO_LARGE);

  g_assert_nonnull (v);
  g_assert_cmpstr (v->value_nick, ==, "too-large");
  g_type_class_unref (klass);
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);

  g_test_add_func ("/GCurl/Error/mapping", test_mapping);
  g_test_add_func ("/GCurl/Error/detail-and-cancel", test_detail_and_cancel);
  g_test_add_func ("/GCurl/Error/multi-codes", test_multi_codes);
  g_test_add_func ("/GCurl/Error/enum-type", test_enum_type);

  return g_test_run ();
}
