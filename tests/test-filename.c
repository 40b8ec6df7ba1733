/* test-filename.c: safe file names from what a server says, on their own
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Unit tests of gcurl-filename.c, built from its source alone. The names
 * a real response suggests are tested in test-transfer.c.
 */

#include <string.h>

#include "gcurl-filename-private.h"

static void
test_sanitize (void)
{
  g_autofree char *long_name = NULL;
  g_autofree char *sanitized = NULL;

  long_name = g_strnfill (400, 'x');
  sanitized = _gcurl_filename_sanitize (long_name);
  g_assert_cmpuint (strlen (sanitized), ==, 240);
  g_clear_pointer (&sanitized, g_free);
  /* Replaced characters count too (found by fuzz-filename): 254 bytes of
   * U+FFFD-replaced bytes and control characters after them. */
  {
    g_autoptr(GString) tricky = g_string_new (NULL);

    for (int i = 0; i < 84; i++)
      g_string_append (tricky, "\xff");
    g_string_append (tricky, "ab\x01\x01\x01\x01");
    sanitized = _gcurl_filename_sanitize (tricky->str);
    g_assert_cmpuint (strlen (sanitized), <=, 240);
    g_assert_true (g_utf8_validate (sanitized, -1, NULL));
    g_clear_pointer (&sanitized, g_free);
  }
  sanitized = _gcurl_filename_sanitize ("bad\xff\x01name\xe2\x80\xae.exe");
  g_assert_true (g_utf8_validate (sanitized, -1, NULL));
  g_assert_null (strchr (sanitized, '\x01'));
  g_assert_null (strstr (sanitized, "\xe2\x80\xae"));
  g_clear_pointer (&sanitized, g_free);
  sanitized = _gcurl_filename_sanitize ("");
  g_assert_cmpstr (sanitized, ==, "download");
  g_clear_pointer (&sanitized, g_free);
  sanitized = _gcurl_filename_sanitize (" . . ");
  g_assert_cmpstr (sanitized, ==, "download");
  g_clear_pointer (&sanitized, g_free);
  g_assert_null (_gcurl_filename_from_content_disposition ("attachment; filename*=UTF-8''%zz"));
  g_assert_null (_gcurl_filename_from_url ("http://127.0.0.1/"));
}

/* Content-Disposition first (filename* over filename), then the URL,
 * then "download". */
static void
test_suggest (void)
{
  static const struct { const char *cd; const char *url; const char *expected; } cases[] = {
    { "attachment; filename=\"report.pdf\"", "http://127.0.0.1/x.bin", "report.pdf" },
    { "attachment; filename*=UTF-8''%E2%82%AC.txt; filename=\"f.txt\"", NULL, "\xe2\x82\xac.txt" },
    { "inline", "http://127.0.0.1/dir/file%20name.tar.gz?x=1", "file name.tar.gz" },
    { NULL, "http://127.0.0.1/a/..%2f..%2fetc%2fpasswd", "passwd" },
    { NULL, "http://127.0.0.1/", "download" },
    { NULL, NULL, "download" },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *name = _gcurl_filename_suggest (cases[i].cd, cases[i].url);

      g_assert_cmpstr (name, ==, cases[i].expected);
    }
}

int
main (int   argc,
      char *argv[])
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/GCurl/Filename/sanitize", test_sanitize);
  g_test_add_func ("/GCurl/Filename/suggest", test_suggest);
  return g_test_run ();
}
