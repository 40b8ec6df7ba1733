/* test-headers.c: the response head a transfer keeps, on its own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Unit tests of gcurl-headers.c, built from its source alone: no server,
 * no libcurl.
 */

#include <string.h>

#include "gcurl-headers-private.h"

static void
feed (GCurlHeaders *h,
      const char   *line)
{
  _gcurl_headers_feed (h, line, strlen (line));
}

/* Header lines are kept as UTF-8 without NULs, whatever a server sends;
 * plain ASCII and valid UTF-8 as they came. */
static void
test_bytes (void)
{
  GCurlHeaders h;
  g_autofree char *long_value = g_strnfill (8191, 'v');
  g_autofree char *long_line = g_strconcat ("X-Long: ", long_value, "\r\n", NULL);
  static const char nul_line[] = "X-Nul: a\0b\r\n";
  static const char nul_mid[] = "X-Nul-Mid: 0123456789\0abcdefghijklmnop\r\n";
  g_auto(GStrv) all = NULL;

  _gcurl_headers_init (&h);
  feed (&h, "HTTP/1.1 200 OK\r\n");
  feed (&h, "X-Ascii: plain\tvalue 1\r\n");
  feed (&h, "X-Utf8: caf\xc3\xa9 \xe2\x82\xac\r\n");
  feed (&h, "X-Bad: a\xff\xfe" "b\r\n");
  _gcurl_headers_feed (&h, nul_line, sizeof nul_line - 1);
  _gcurl_headers_feed (&h, nul_mid, sizeof nul_mid - 1);
  /* Bad bytes inside an eight-byte word, not only at the end. */
  feed (&h, "X-Bad-Mid: 0123\xff" "56789abcdefghijklmnop\r\n");
  feed (&h, long_line);

  g_assert_cmpstr (_gcurl_headers_lookup (&h, "x-ascii"), ==, "plain\tvalue 1");
  g_assert_cmpstr (_gcurl_headers_lookup (&h, "X-Utf8"), ==, "caf\xc3\xa9 \xe2\x82\xac");
  g_assert_cmpstr (_gcurl_headers_lookup (&h, "X-Bad"), ==, "a\xef\xbf\xbd\xef\xbf\xbd" "b");
  g_assert_cmpstr (_gcurl_headers_lookup (&h, "X-Nul"), ==, "a\xef\xbf\xbd" "b");
  g_assert_cmpstr (_gcurl_headers_lookup (&h, "X-Nul-Mid"), ==,
                   "0123456789\xef\xbf\xbd" "abcdefghijklmnop");
  g_assert_cmpstr (_gcurl_headers_lookup (&h, "X-Bad-Mid"), ==,
                   "0123\xef\xbf\xbd" "56789abcdefghijklmnop");
  g_assert_cmpstr (_gcurl_headers_lookup (&h, "X-Long"), ==, long_value);

  all = _gcurl_headers_dup_all (&h);
  g_assert_cmpuint (g_strv_length (all), ==, 7);
  for (guint i = 0; all[i] != NULL; i++)
    g_assert_true (g_utf8_validate (all[i], -1, NULL));
  _gcurl_headers_clear (&h);
}

/* A status line starts a new response: its code and reason, and only its
 * headers; the empty line ends a head once. */
static void
test_status_lines (void)
{
  GCurlHeaders h;
  g_auto(GStrv) all = NULL;

  _gcurl_headers_init (&h);
  g_assert_cmpint (_gcurl_headers_feed (&h, "\r\n", 2), ==, GCURL_HEADER_LINE_IGNORED);
  g_assert_cmpint (_gcurl_headers_feed (&h, "HTTP/1.1 301 Moved\r\n", 20), ==,
                   GCURL_HEADER_LINE_STATUS);
  g_assert_cmpuint (h.status, ==, 301);
  g_assert_cmpstr (h.reason, ==, "Moved");
  feed (&h, "Location: /b\r\n");
  g_assert_cmpint (_gcurl_headers_feed (&h, "\r\n", 2), ==, GCURL_HEADER_LINE_END_OF_HEAD);
  g_assert_cmpint (_gcurl_headers_feed (&h, "\r\n", 2), ==, GCURL_HEADER_LINE_IGNORED);

  feed (&h, "HTTP/2 404\r\n");
  g_assert_cmpuint (h.status, ==, 404);
  g_assert_null (h.reason);
  g_assert_null (_gcurl_headers_lookup (&h, "Location"));
  g_assert_cmpint (_gcurl_headers_feed (&h, "no colon here", 13), ==, GCURL_HEADER_LINE_IGNORED);
  g_assert_cmpint (_gcurl_headers_feed (&h, ": no name", 9), ==, GCURL_HEADER_LINE_IGNORED);
  feed (&h, "X-Other:   1  \r\n");
  feed (&h, "x-other: 2\r\n");
  /* The last of a name wins; blanks after the colon are skipped. */
  g_assert_cmpstr (_gcurl_headers_lookup (&h, "X-Other"), ==, "2");
  g_assert_null (_gcurl_headers_lookup (&h, "X-Othe"));
  all = _gcurl_headers_dup_all (&h);
  g_assert_cmpuint (g_strv_length (all), ==, 2);
  g_assert_cmpstr (all[0], ==, "X-Other: 1  ");
  g_assert_cmpstr (all[1], ==, "x-other: 2");

  feed (&h, "HTTP/1.1 2x0 Odd\r\n");
  g_assert_cmpuint (h.status, ==, 0);
  _gcurl_headers_reset (&h);
  g_assert_cmpuint (h.lines->len, ==, 0);
  g_assert_false (h.in_head);
  _gcurl_headers_clear (&h);
}

/* Content-Length: one decimal number in 63 bits, however often repeated;
 * anything else is refused. */
static void
test_content_length (void)
{
  static const struct { const char *lines[3]; gboolean valid; } cases[] = {
    { { NULL }, TRUE },
    { { "Content-Length: 10" }, TRUE },
    { { "Content-Length: 10", "content-length:10" }, TRUE },
    { { "Content-Length: 10, 10" }, TRUE },
    { { "Content-Length: 10", "Content-Length: 11" }, FALSE },
    { { "Content-Length: 10, 11" }, FALSE },
    { { "Content-Length: " }, FALSE },
    { { "Content-Length: -1" }, FALSE },
    { { "Content-Length: 1e3" }, FALSE },
    { { "Content-Length: 9223372036854775807" }, TRUE },
    { { "Content-Length: 9223372036854775808" }, FALSE },
    { { "Content-Length: 99999999999999999999999" }, FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      GCurlHeaders h;

      _gcurl_headers_init (&h);
      feed (&h, "HTTP/1.1 200 OK\r\n");
      for (guint j = 0; j < G_N_ELEMENTS (cases[i].lines) && cases[i].lines[j] != NULL; j++)
        feed (&h, cases[i].lines[j]);
      g_assert_cmpint (_gcurl_headers_content_length_valid (&h), ==, cases[i].valid);
      _gcurl_headers_clear (&h);
    }

  {
    GCurlHeaders h;
    g_autofree char *values = NULL;

    _gcurl_headers_init (&h);
    feed (&h, "Content-Length: 1");
    feed (&h, "Content-Type: x");
    feed (&h, "Content-Length:  2, 3");
    values = _gcurl_headers_dup_quoted_values (&h, "content-length");
    g_assert_cmpstr (values, ==, "\"1\", \"2, 3\"");
    _gcurl_headers_clear (&h);
  }
}

/* What a caller may put into a request line or header. */
static void
test_validators (void)
{
  g_assert_true (_gcurl_header_token_valid ("X-Custom_1.~!#$%&'*+^`|"));
  g_assert_false (_gcurl_header_token_valid (""));
  g_assert_false (_gcurl_header_token_valid ("Bad Name"));
  g_assert_false (_gcurl_header_token_valid ("Bad:"));
  g_assert_false (_gcurl_header_token_valid ("Bad\r\nName"));
  g_assert_false (_gcurl_header_token_valid ("caf\xc3\xa9"));
  g_assert_true (_gcurl_header_value_valid (""));
  g_assert_true (_gcurl_header_value_valid ("a value\twith tab, caf\xc3\xa9"));
  g_assert_false (_gcurl_header_value_valid ("evil\r\nInjected: 1"));
  g_assert_false (_gcurl_header_value_valid ("bell\x07"));
  g_assert_false (_gcurl_header_value_valid ("del\x7f"));
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/GCurl/Headers/bytes", test_bytes);
  g_test_add_func ("/GCurl/Headers/status-lines", test_status_lines);
  g_test_add_func ("/GCurl/Headers/content-length", test_content_length);
  g_test_add_func ("/GCurl/Headers/validators", test_validators);
  return g_test_run ();
}
