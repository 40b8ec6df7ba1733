/* test-download.c: GCurlDownload: server-given names in a folder,
 * checksums, retries, and its life cycle (its pytest twin is
 * tests/python/test_download.py)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>
#include <glib/gstdio.h>
#include <unistd.h>

#include "gcurl-checksum-private.h"
#include "gcurl-test-utils.h"

static GCurlTestServer *server;

typedef struct
{
  GMainContext     *context;
  GCurlMultiSource *source;
  char             *dir;
  GFile            *folder;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->source = gcurl_multi_source_new ();
  f->dir = g_dir_make_tmp ("gcurl-download-XXXXXX", NULL);
  g_assert_nonnull (f->dir);
  f->folder = g_file_new_for_path (f->dir);
}

static void
remove_tree (const char *dir)
{
  g_autoptr(GDir) d = g_dir_open (dir, 0, NULL);
  const char *name;

  while (d != NULL && (name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *path = g_build_filename (dir, name, NULL);

      if (g_file_test (path, G_FILE_TEST_IS_DIR) && !g_file_test (path, G_FILE_TEST_IS_SYMLINK))
        remove_tree (path);
      else
        g_unlink (path);
    }
  g_rmdir (dir);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  g_assert_finalize_object (f->source);
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
  g_object_unref (f->folder);
  remove_tree (f->dir);
  g_free (f->dir);
}

typedef struct
{
  gboolean  done;
  GError   *error;
  guint     states[GCURL_DOWNLOAD_STATE_CANCELLED + 1];
  guint     file_notifies;
  gboolean  named_while_running;
} Result;

static void
run_cb (GObject      *object,
        GAsyncResult *result,
        gpointer      data)
{
  Result *r = data;

  gcurl_download_run_finish (GCURL_DOWNLOAD (object), result, &r->error);
  r->done = TRUE;
}

static void
state_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    data)
{
  Result *r = data;

  r->states[gcurl_download_get_state (GCURL_DOWNLOAD (object))]++;
}

static void
file_cb (GObject    *object,
         GParamSpec *pspec,
         gpointer    data)
{
  Result *r = data;
  GCurlDownload *d = GCURL_DOWNLOAD (object);

  r->file_notifies++;
  if (gcurl_download_get_file (d) != NULL &&
      gcurl_download_get_state (d) == GCURL_DOWNLOAD_STATE_RUNNING &&
      gcurl_transfer_get_bytes_received (gcurl_download_get_transfer (d)) <= 1000)
    r->named_while_running = TRUE;
}

static void
start (Fixture       *f,
       GCurlDownload *d,
       Result        *r)
{
  g_signal_connect (d, "notify::state", G_CALLBACK (state_cb), r);
  g_signal_connect (d, "notify::file", G_CALLBACK (file_cb), r);
  gcurl_download_run_async (d, f->source, NULL, run_cb, r);
}

/* Runs @d to its end; its error, or NULL. */
static GError *
run (Fixture       *f,
     GCurlDownload *d,
     Result        *r)
{
  start (f, d, r);
  gcurl_test_wait_for_flag (f->context, &r->done, 30000);
  g_signal_handlers_disconnect_by_data (d, r);
  return r->error;
}

static char *
surl (const char *path)
{
  return gcurl_test_server_url (server, path);
}

static int
compare_names (gconstpointer a,
               gconstpointer b)
{
  return strcmp (*(const char * const *) a, *(const char * const *) b);
}

/* The names in the test's folder, sorted, space-separated. */
static char *
listing (Fixture *f)
{
  g_autoptr(GDir) d = g_dir_open (f->dir, 0, NULL);
  g_autoptr(GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
  const char *name;

  while ((name = g_dir_read_name (d)) != NULL)
    g_ptr_array_add (names, g_strdup (name));
  g_ptr_array_sort (names, compare_names);
  g_ptr_array_add (names, NULL);
  return g_strjoinv (" ", (char **) names->pdata);
}

static void
assert_file_is_pattern (const char *path,
                        gsize       size)
{
  g_autofree char *data = NULL;
  gsize len = 0;

  g_assert_true (g_file_get_contents (path, &data, &len, NULL));
  g_assert_cmpuint (len, ==, size);
  g_assert_true (gcurl_test_pattern_check (0, data, len));
}

static char *
sha256_of_pattern (gsize size)
{
  return g_compute_checksum_for_data (G_CHECKSUM_SHA256, gcurl_test_pattern (), size);
}

/* ---- Names ------------------------------------------------------------ */

static void
test_name_from_content_disposition (Fixture       *f,
                                    gconstpointer  data)
{
  /* 5,000 bytes, 1,000 every 50 ms: named while most of it is to come. */
  g_autofree char *url = surl ("/trickle?n=5000&chunk=1000&interval=50"
                               "&cd=attachment%3B%20filename%3D%22from-header.bin%22");
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
  g_autofree char *path = g_build_filename (f->dir, "from-header.bin", NULL);
  g_autofree char *files = NULL;
  Result r = { 0 };

  g_assert_null (gcurl_download_get_file (d));
  run (f, d, &r);
  g_assert_no_error (r.error);
  g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_FINISHED);
  g_assert_nonnull (gcurl_download_get_file (d));
  g_assert_cmpstr (g_file_peek_path (gcurl_download_get_file (d)), ==, path);
  /* Named as soon as the head was in, once. */
  g_assert_true (r.named_while_running);
  g_assert_cmpuint (r.file_notifies, ==, 1);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_RUNNING], ==, 1);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_FINISHED], ==, 1);
  assert_file_is_pattern (path, 5000);
  files = listing (f);
  g_assert_cmpstr (files, ==, "from-header.bin");
  g_assert_cmpint (gcurl_download_get_bytes_received (d), ==, 5000);
  g_assert_cmpint (gcurl_download_get_total_bytes (d), ==, 5000);
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 1);
}

static void
test_name_rfc8187_first (Fixture       *f,
                         gconstpointer  data)
{
  /* filename*=UTF-8''r%C3%A9sum%C3%A9.pdf wins over filename. */
  g_autofree char *url = surl ("/bytes?n=10&cd=attachment%3B%20filename%3D%22plain.pdf%22%3B%20"
                               "filename*%3DUTF-8''r%25C3%25A9sum%25C3%25A9.pdf");
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
  g_autofree char *files = NULL;
  Result r = { 0 };

  run (f, d, &r);
  g_assert_no_error (r.error);
  files = listing (f);
  g_assert_cmpstr (files, ==, "r\xc3\xa9sum\xc3\xa9.pdf");
}

/* Names a server could use to write elsewhere, hide a file or reach a
 * terminal: each lands in the folder, visible, with nothing raw. */
static void
test_name_hostile (Fixture       *f,
                   gconstpointer  data)
{
  static const struct { const char *cd; const char *expect; } cases[] = {
    { "attachment; filename=\"../../evil.sh\"", "evil.sh" },
    { "attachment; filename=\"/etc/passwd\"", "passwd" },
    { "attachment; filename=\"..\\\\..\\\\win.ini\"", "win.ini" },
    { "attachment; filename=\".bashrc\"", "bashrc" },
    { "attachment; filename=\"a\x1b[31mb.txt\"", NULL },
    { "attachment; filename=\"..\"", NULL },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *escaped = g_uri_escape_string (cases[i].cd, NULL, FALSE);
      g_autofree char *path = g_strdup_printf ("/bytes?n=3&cd=%s", escaped);
      g_autofree char *url = surl (path);
      g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
      g_autofree char *base = NULL;
      g_autofree char *parent = NULL;
      Result r = { 0 };

      run (f, d, &r);
      g_assert_no_error (r.error);
      parent = g_path_get_dirname (g_file_peek_path (gcurl_download_get_file (d)));
      base = g_path_get_basename (g_file_peek_path (gcurl_download_get_file (d)));
      g_assert_cmpstr (parent, ==, f->dir);
      g_assert_false (base[0] == '.');
      for (const char *p = base; *p; p++)
        g_assert_false ((guchar) *p < 0x20 || *p == 0x7f || *p == '/');
      if (cases[i].expect != NULL)
        g_assert_cmpstr (base, ==, cases[i].expect);
      g_unlink (g_file_peek_path (gcurl_download_get_file (d)));
    }
  /* Nothing outside: the folder's parent has no evil.sh. */
  {
    g_autofree char *up = g_path_get_dirname (f->dir);
    g_autofree char *evil = g_build_filename (up, "evil.sh", NULL);

    g_assert_false (g_file_test (evil, G_FILE_TEST_EXISTS));
  }
}

static void
test_name_unique (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *url = surl ("/bytes?n=100&cd=attachment%3B%20filename%3D%22report.tar.gz%22");
  g_autofree char *taken = g_build_filename (f->dir, "report.tar.gz", NULL);
  g_autofree char *taken_part = g_build_filename (f->dir, "report (1).tar.gz.part", NULL);
  g_autofree char *files = NULL;
  GCurlDownload *d[2];
  Result r[2] = { 0 };

  /* A file, and another download's part, have the first two names. */
  g_assert_true (g_file_set_contents (taken, "mine", 4, NULL));
  g_assert_true (g_file_set_contents (taken_part, "theirs", 6, NULL));
  /* Two at once get two names. */
  for (guint i = 0; i < 2; i++)
    {
      d[i] = gcurl_download_new_for_folder (url, f->folder);
      start (f, d[i], &r[i]);
    }
  gcurl_test_wait_for_flag (f->context, &r[0].done, 30000);
  gcurl_test_wait_for_flag (f->context, &r[1].done, 30000);
  for (guint i = 0; i < 2; i++)
    {
      g_assert_no_error (r[i].error);
      g_signal_handlers_disconnect_by_data (d[i], &r[i]);
      g_object_unref (d[i]);
    }
  files = listing (f);
  g_assert_cmpstr (files, ==, "report (1).tar.gz.part report (2).tar.gz report (3).tar.gz "
                              "report.tar.gz");
  {
    g_autofree char *kept = NULL;

    g_assert_true (g_file_get_contents (taken, &kept, NULL, NULL));
    g_assert_cmpstr (kept, ==, "mine");
  }
}

static void
test_name_from_url (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *cd = surl ("/bytes?n=20&cd=attachment%3B%20filename%3D%22server.bin%22");
  g_autofree char *redirect = surl ("/redirect?n=1&to=/bytes%3Fn%3D30");
  g_autofree char *files = NULL;
  Result r1 = { 0 }, r2 = { 0 };
  g_autoptr(GCurlDownload) d1 = gcurl_download_new_for_folder (cd, f->folder);
  g_autoptr(GCurlDownload) d2 = gcurl_download_new_for_folder (redirect, f->folder);

  /* Without Content-Disposition: the URL's name. */
  gcurl_download_set_content_disposition (d1, FALSE);
  run (f, d1, &r1);
  g_assert_no_error (r1.error);
  /* After a redirect: the last URL's. */
  run (f, d2, &r2);
  g_assert_no_error (r2.error);
  files = listing (f);
  g_assert_cmpstr (files, ==, "bytes bytes (1)");
  g_assert_cmpint (gcurl_download_get_total_bytes (d2), ==, 30);
}

/* ---- Checksums -------------------------------------------------------- */

static void
test_checksum_verified (Fixture       *f,
                        gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *url = g_strconcat (nginx->http_url, "/1m", NULL);
  g_autofree char *path = g_build_filename (f->dir, "one.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
  g_autofree char *sum = sha256_of_pattern (1024 * 1024);
  g_autofree char *spec = g_strdup_printf ("SHA-256=%s", sum);
  g_autofree char *verified = g_strdup_printf ("sha256=%s", sum);
  Result r = { 0 };

  gcurl_download_set_checksum (d, spec);
  run (f, d, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_VERIFYING], ==, 1);
  g_assert_cmpstr (gcurl_download_get_verified_checksum (d), ==, verified);
  assert_file_is_pattern (path, 1024 * 1024);
}

static void
test_checksum_mismatch (Fixture       *f,
                        gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *url = g_strconcat (nginx->http_url, "/100k", NULL);
  g_autofree char *path = g_build_filename (f->dir, "x.bin", NULL);
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
  g_autofree char *sum = sha256_of_pattern (1024);   /* of another size */
  g_autofree char *spec = g_strdup_printf ("sha256=%s", sum);
  Result r = { 0 };

  gcurl_download_set_checksum (d, spec);
  run (f, d, &r);
  g_assert_error (r.error, GCURL_ERROR, GCURL_ERROR_CHECKSUM);
  g_assert_nonnull (strstr (r.error->message, sum));
  g_assert_nonnull (strstr (r.error->message, "x.bin.part"));
  g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_FAILED);
  g_assert_error (gcurl_download_get_error (d), GCURL_ERROR, GCURL_ERROR_CHECKSUM);
  g_assert_null (gcurl_download_get_verified_checksum (d));
  /* Nothing under the final name; the data kept under the part's. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  assert_file_is_pattern (part, 100 * 1024);
  g_clear_error (&r.error);
}

static void
test_checksum_invalid (Fixture       *f,
                       gconstpointer  data)
{
  static const char *bad[] = {
    "sha256", "sha256=", "sha256=abc", "crc32=00000000", "=00",
    "md5=0123456789abcdef0123456789abcdeg", "md5=\x1b[2J0123456789abcdef0123456789",
  };
  g_autofree char *url = surl ("/bytes?n=10");

  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
      g_autofree char *files = NULL;
      Result r = { 0 };

      gcurl_download_set_checksum (d, bad[i]);
      run (f, d, &r);
      g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
      g_assert_null (strchr (r.error->message, '\x1b'));
      g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 0);
      files = listing (f);
      g_assert_cmpstr (files, ==, "");
      g_clear_error (&r.error);
    }
}

static void
test_checksum_from_server (Fixture       *f,
                           gconstpointer  data)
{
  static const struct { const char *digest; gboolean ok; } cases[] = {
    { "good", TRUE }, { "legacy", TRUE }, { "bad", FALSE },
  };

  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *path = g_strdup_printf ("/bytes?n=70000&digest=%s", cases[i].digest);
      g_autofree char *url = surl (path);
      g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
      g_autofree char *sum = sha256_of_pattern (70000);
      g_autofree char *verified = g_strdup_printf ("sha256=%s", sum);
      Result r = { 0 };
      GError *error = run (f, d, &r);

      if (cases[i].ok)
        {
          g_assert_no_error (error);
          g_assert_cmpstr (gcurl_download_get_verified_checksum (d), ==, verified);
          g_unlink (g_file_peek_path (gcurl_download_get_file (d)));
        }
      else
        {
          g_assert_error (error, GCURL_ERROR, GCURL_ERROR_CHECKSUM);
          g_assert_nonnull (strstr (error->message, "Repr-Digest"));
          g_clear_error (&r.error);
        }
    }
}

/* A resumed download is verified over the whole file, not the bytes of
 * its last attempt. */
static void
test_checksum_resumed (Fixture       *f,
                       gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *url = g_strconcat (nginx->http_url, "/1m", NULL);
  g_autofree char *path = g_build_filename (f->dir, "resumed.bin", NULL);
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *sum = sha256_of_pattern (1024 * 1024);
  g_autofree char *spec = g_strdup_printf ("sha256=%s", sum);

  /* Right data first: verified. */
  {
    g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
    Result r = { 0 };

    g_assert_true (g_file_set_contents (part, (const char *) gcurl_test_pattern (), 300000, NULL));
    gcurl_download_set_flags (d, GCURL_DOWNLOAD_FLAGS_RESUME);
    gcurl_download_set_checksum (d, spec);
    run (f, d, &r);
    g_assert_no_error (r.error);
    g_assert_cmpint (gcurl_transfer_get_response_code (gcurl_download_get_transfer (d)), ==, 206);
    assert_file_is_pattern (path, 1024 * 1024);
    g_unlink (path);
  }
  /* A corrupt byte in what was resumed: the mismatch is found. */
  {
    g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
    g_autofree guint8 *corrupt = g_memdup2 (gcurl_test_pattern (), 300000);
    Result r = { 0 };

    corrupt[1234] ^= 1;
    g_assert_true (g_file_set_contents (part, (const char *) corrupt, 300000, NULL));
    gcurl_download_set_flags (d, GCURL_DOWNLOAD_FLAGS_RESUME);
    gcurl_download_set_checksum (d, spec);
    run (f, d, &r);
    g_assert_error (r.error, GCURL_ERROR, GCURL_ERROR_CHECKSUM);
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    g_clear_error (&r.error);
  }
}

/* ---- Retries ---------------------------------------------------------- */

static void
test_retry_dropped_connection (Fixture       *f,
                               gconstpointer  data)
{
  /* The first attempt gets half and a close; the second asks for the
   * rest with a Range. */
  g_autofree char *url = surl ("/drop?n=200000&after=100000");
  g_autofree char *path = g_build_filename (f->dir, "dropped.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
  Result r = { 0 };

  gcurl_download_set_retries (d, 3);
  gcurl_download_set_retry_delay (d, 10);
  run (f, d, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 2);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_WAITING], ==, 1);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_RUNNING], ==, 2);
  g_assert_cmpint (gcurl_transfer_get_response_code (gcurl_download_get_transfer (d)), ==, 206);
  assert_file_is_pattern (path, 200000);
}

static void
test_retry_after (Fixture       *f,
                  gconstpointer  data)
{
  /* Two 503s, the second with Retry-After: 1. The back-off alone would
   * be 10 to 20 ms. */
  g_autofree char *url = surl ("/flaky?key=retry-after&fails=2&retry_after=1&n=4096");
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
  GCurlTransfer *t = gcurl_download_get_transfer (d);
  Result r = { 0 };

  gcurl_download_set_retries (d, 5);
  gcurl_download_set_retry_delay (d, 10);
  run (f, d, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 3);
  g_assert_cmpstr (gcurl_transfer_get_response_header (t, "X-Flaky-Requests"), ==, "3");
  /* A lower bound only: the server saw the third request at least a
   * second after the second. */
  g_assert_cmpint (g_ascii_strtoll (gcurl_transfer_get_response_header (t, "X-Flaky-Wait-Ms"),
                                    NULL, 10), >=, 950);
  assert_file_is_pattern (g_file_peek_path (gcurl_download_get_file (d)), 4096);
}

static void
test_retry_not_worth_it (Fixture       *f,
                         gconstpointer  data)
{
  g_autofree char *url = surl ("/flaky?key=not-worth&fails=9&code=404");
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
  g_autofree char *files = NULL;
  Result r = { 0 };

  gcurl_download_set_retries (d, 5);
  gcurl_download_set_retry_delay (d, 1);
  run (f, d, &r);
  g_assert_error (r.error, GCURL_ERROR, GCURL_ERROR_HTTP_STATUS);
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 1);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_WAITING], ==, 0);
  files = listing (f);
  g_assert_cmpstr (files, ==, "");
  g_clear_error (&r.error);
}

static void
test_retry_exhausted (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *url = surl ("/flaky?key=exhausted&fails=9&code=502");
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
  Result r = { 0 };

  gcurl_download_set_retries (d, 2);
  gcurl_download_set_retry_delay (d, 1);
  run (f, d, &r);
  g_assert_error (r.error, GCURL_ERROR, GCURL_ERROR_HTTP_STATUS);
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 3);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_WAITING], ==, 2);
  g_assert_cmpuint (gcurl_transfer_get_response_code (gcurl_download_get_transfer (d)), ==, 502);
  g_clear_error (&r.error);
}

/* ---- Pause, resume, cancel ------------------------------------------- */

static void
test_pause_and_cancel_while_waiting (Fixture       *f,
                                     gconstpointer  data)
{
  g_autofree char *url = surl ("/drop?n=50000&after=20000");
  g_autofree char *path = g_build_filename (f->dir, "wait.bin", NULL);
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  Result r = { 0 };

  /* Paused while waiting a minute, resumed: the next attempt starts at
   * once and completes. */
  {
    g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);

    gcurl_download_set_retries (d, 1);
    gcurl_download_set_retry_delay (d, 60000);
    start (f, d, &r);
    while (gcurl_download_get_state (d) != GCURL_DOWNLOAD_STATE_WAITING && !r.done)
      g_main_context_iteration (f->context, TRUE);
    g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_WAITING);
    gcurl_download_pause (d);
    g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_PAUSED);
    gcurl_download_resume (d);
    g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_RUNNING);
    gcurl_test_wait_for_flag (f->context, &r.done, 30000);
    g_assert_no_error (r.error);
    g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 2);
    assert_file_is_pattern (path, 50000);
    g_signal_handlers_disconnect_by_data (d, &r);
    g_unlink (path);
  }
  /* Cancelled while waiting: over at once, its part removed. */
  {
    g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
    g_autoptr(GCancellable) cancellable = g_cancellable_new ();
    Result r2 = { 0 };

    gcurl_download_set_retries (d, 1);
    gcurl_download_set_retry_delay (d, 60000);
    g_signal_connect (d, "notify::state", G_CALLBACK (state_cb), &r2);
    gcurl_download_run_async (d, f->source, cancellable, run_cb, &r2);
    while (gcurl_download_get_state (d) != GCURL_DOWNLOAD_STATE_WAITING && !r2.done)
      g_main_context_iteration (f->context, TRUE);
    g_assert_true (g_file_test (part, G_FILE_TEST_IS_REGULAR));
    g_cancellable_cancel (cancellable);
    gcurl_test_wait_for_flag (f->context, &r2.done, 5000);
    g_assert_error (r2.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_CANCELLED);
    g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
    g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
    g_signal_handlers_disconnect_by_data (d, &r2);
    g_clear_error (&r2.error);
  }
}

static void
test_cancel_running_keep_partial (Fixture       *f,
                                  gconstpointer  data)
{
  g_autofree char *url = surl ("/stall?n=100000");
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
  g_autofree char *files = NULL;
  Result r = { 0 };

  start (f, d, &r);
  while (gcurl_download_get_state (d) != GCURL_DOWNLOAD_STATE_RUNNING)
    g_main_context_iteration (f->context, TRUE);
  gcurl_download_cancel (d);
  gcurl_test_wait_for_flag (f->context, &r.done, 5000);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_CANCELLED);
  files = listing (f);
  g_assert_cmpstr (files, ==, "");
  g_clear_error (&r.error);
  g_signal_handlers_disconnect_by_data (d, &r);

  /* Run again: already running is refused. */
  {
    Result a = { 0 }, b = { 0 };

    gcurl_download_run_async (d, f->source, NULL, run_cb, &a);
    gcurl_download_run_async (d, f->source, NULL, run_cb, &b);
    gcurl_test_wait_for_flag (f->context, &b.done, 5000);
    g_assert_error (b.error, G_IO_ERROR, G_IO_ERROR_PENDING);
    gcurl_download_cancel (d);
    gcurl_test_wait_for_flag (f->context, &a.done, 5000);
    g_assert_error (a.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&a.error);
    g_clear_error (&b.error);
  }
}

/* ---- The parsers ------------------------------------------------------ */

static void
test_checksum_parsers (void)
{
  GChecksumType type;
  char *hex = NULL;
  g_autofree char *sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "abc", -1);
  g_autofree char *upper = g_ascii_strup (sha, -1);
  g_autofree char *spec = g_strdup_printf ("Sha256=%s", upper);

  g_assert_true (_gcurl_checksum_parse (spec, &type, &hex));
  g_assert_cmpint (type, ==, G_CHECKSUM_SHA256);
  g_assert_cmpstr (hex, ==, sha);
  g_free (hex);
  g_assert_false (_gcurl_checksum_parse ("sha256", &type, &hex));
  g_assert_false (_gcurl_checksum_parse ("sha1=abcd", &type, &hex));

  /* sha-512 of "abc" in base64 (RFC 9530's example form), next to a
   * sha-256: the stronger is taken. */
  {
    guint8 raw[64];
    gsize len = sizeof raw;
    g_autoptr(GChecksum) c = g_checksum_new (G_CHECKSUM_SHA512);
    g_autofree char *b64 = NULL, *header = NULL;

    g_checksum_update (c, (const guchar *) "abc", 3);
    g_checksum_get_digest (c, raw, &len);
    b64 = g_base64_encode (raw, len);
    header = g_strdup_printf ("sha-256=:AAAA:, sha-512=:%s:", b64);
    g_assert_true (_gcurl_checksum_from_header (header, FALSE, &type, &hex));
    g_assert_cmpint (type, ==, G_CHECKSUM_SHA512);
    g_assert_cmpstr (hex, ==, g_checksum_get_string (c));
    g_free (hex);
  }
  g_assert_false (_gcurl_checksum_from_header ("sha-256=:!!!:", FALSE, &type, &hex));
  g_assert_false (_gcurl_checksum_from_header ("sha-256=nocolons", FALSE, &type, &hex));
  g_assert_false (_gcurl_checksum_from_header ("", FALSE, &type, &hex));
  g_assert_false (_gcurl_checksum_from_header (",,,=,", TRUE, &type, &hex));
}


/* ---- Segments --------------------------------------------------------- */

#define SIZE_16M (16 * 1024 * 1024)

typedef struct
{
  char   *connection;
  guint   status;
  gint64  start;     /* of "bytes=START-", or -1 */
} Request;

static void
request_free (gpointer data)
{
  Request *q = data;

  g_free (q->connection);
  g_free (q);
}

/* What nginx's /rate/ served for URLs with @tag, in order. */
static GPtrArray *
ranges_log (const char *tag)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *text = NULL;
  g_auto(GStrv) lines = NULL;
  GPtrArray *requests = g_ptr_array_new_with_free_func (request_free);

  g_assert_true (g_file_get_contents (nginx->ranges_log, &text, NULL, NULL));
  lines = g_strsplit (text, "\n", -1);
  for (guint i = 0; lines[i] != NULL; i++)
    {
      g_auto(GStrv) f = g_strsplit (lines[i], " ", 4);
      Request *q;

      if (g_strv_length (f) != 4 || strstr (f[3], tag) == NULL)
        continue;
      q = g_new0 (Request, 1);
      q->connection = g_strdup (f[0]);
      q->status = (guint) g_ascii_strtoull (f[1], NULL, 10);
      q->start = g_str_has_prefix (f[2], "bytes=") ? g_ascii_strtoll (f[2] + 6, NULL, 10) : -1;
      g_ptr_array_add (requests, q);
    }
  return requests;
}

static void
test_segments_ranges (Fixture       *f,
                      gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *tag = g_strdup_printf ("c-seg-%s", gcurl_test_backend_name ());
  g_autofree char *url = NULL;
  g_autofree char *path = g_build_filename (f->dir, "16m", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autoptr(GHashTable) connections = g_hash_table_new (g_str_hash, g_str_equal);
  g_autofree char *files = NULL;
  g_autofree char *sum = sha256_of_pattern (SIZE_16M);
  g_autofree char *spec = g_strdup_printf ("sha256=%s", sum);
  gint64 starts[4];
  Result r = { 0 };

  if (nginx == NULL)
    return;
  url = g_strdup_printf ("%s/rate/16m?tag=%s", nginx->http_url, tag);
  d = gcurl_download_new_for_file (url, file);
  gcurl_download_set_segments (d, 4);
  gcurl_download_set_checksum (d, spec);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, SIZE_16M);
  g_assert_cmpint (gcurl_download_get_bytes_received (d), ==, SIZE_16M);
  g_assert_cmpint (gcurl_download_get_total_bytes (d), ==, SIZE_16M);
  files = listing (f);
  g_assert_cmpstr (files, ==, "16m");

  /* The probe for byte 0, then a range from each quarter's start, each
   * on a connection of its own; 206 for all. */
  log = ranges_log (tag);
  g_assert_cmpuint (log->len, >=, 5);
  g_assert_cmpint (((Request *) log->pdata[0])->start, ==, 0);
  for (guint i = 0; i < log->len; i++)
    g_assert_cmpuint (((Request *) log->pdata[i])->status, ==, 206);
  for (guint i = 0; i < 4; i++)
    {
      Request *q = log->pdata[i + 1];

      starts[i] = q->start;
      g_hash_table_add (connections, q->connection);
    }
  g_assert_cmpuint (g_hash_table_size (connections), ==, 4);
  for (guint i = 0; i < 4; i++)
    {
      gboolean found = FALSE;

      for (guint j = 0; j < 4; j++)
        found |= starts[j] == (gint64) i * (SIZE_16M / 4);
      g_assert_true (found);
    }
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Fetched;

static void
fetched_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  Fetched *x = data;

  gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &x->error);
  x->done = TRUE;
}

/* The ETag nginx gives @url. */
static char *
etag_of (Fixture    *f,
         const char *url)
{
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new (url);
  Fetched x = { 0 };

  gcurl_transfer_set_request_header (t, "Range", "bytes=0-0");
  gcurl_multi_source_perform_async (f->source, t, NULL, fetched_cb, &x);
  gcurl_test_wait_for_flag (f->context, &x.done, 10000);
  g_assert_no_error (x.error);
  g_assert_nonnull (gcurl_transfer_get_response_header (t, "ETag"));
  return g_strdup (gcurl_transfer_get_response_header (t, "ETag"));
}

/* A part and its control file as a run killed in the middle leaves them:
 * the first half all but done (and on disk), the second not begun. */
static void
write_killed_run (const char *path,
                  const char *validator,
                  gint64      done)
{
  g_autofree char *part = g_strconcat (path, ".part", NULL);
  g_autofree char *control = g_strconcat (part, ".segments", NULL);
  g_autofree char *text = g_strdup_printf (
    "[gcurl-segments]\nversion=1\ntotal=%d\nvalidator=%s\n"
    "segments=0:%" G_GINT64_FORMAT ":%d;%d:%d:%d\n",
    SIZE_16M, validator, done, SIZE_16M / 2, SIZE_16M / 2, SIZE_16M / 2, SIZE_16M);
  g_autofree guint8 *bytes = g_malloc0 (SIZE_16M);

  memcpy (bytes, gcurl_test_pattern (), (gsize) done);
  g_assert_true (g_file_set_contents (part, (const char *) bytes, SIZE_16M, NULL));
  g_assert_true (g_file_set_contents (control, text, -1, NULL));
}

static void
test_segments_resume_and_steal (Fixture       *f,
                                gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *tag = g_strdup_printf ("c-steal-%s", gcurl_test_backend_name ());
  g_autofree char *url = NULL;
  g_autofree char *etag = NULL;
  g_autofree char *path = g_build_filename (f->dir, "16m", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = NULL;
  g_autoptr(GPtrArray) log = NULL;
  g_autofree char *files = NULL;
  gint64 done = SIZE_16M / 2 - 64 * 1024;
  gboolean stolen = FALSE;
  Result r = { 0 };

  if (nginx == NULL)
    return;
  url = g_strdup_printf ("%s/rate/16m?tag=%s", nginx->http_url, tag);
  etag = etag_of (f, url);
  write_killed_run (path, etag, done);
  d = gcurl_download_new_for_file (url, file);
  gcurl_download_set_segments (d, 2);
  gcurl_download_set_flags (d, GCURL_DOWNLOAD_FLAGS_RESUME);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, SIZE_16M);
  files = listing (f);
  g_assert_cmpstr (files, ==, "16m");

  /* Nothing fetched again that the control file had; the connection that
   * finished the first half took half of the second. */
  log = ranges_log (tag);
  for (guint i = 1; i < log->len; i++)   /* [0]: etag_of()'s, [1]: the probe */
    {
      Request *q = log->pdata[i];

      g_assert_cmpuint (q->status, ==, 206);
      if (i >= 2)
        g_assert_cmpint (q->start, >=, done);
      stolen |= q->start >= SIZE_16M / 4 * 3 && q->start < SIZE_16M / 16 * 13;
    }
  g_assert_true (stolen);
}

static void
test_segments_control_of_another (Fixture       *f,
                                  gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *tag = g_strdup_printf ("c-other-%s", gcurl_test_backend_name ());
  g_autofree char *url = NULL;
  g_autofree char *path = g_build_filename (f->dir, "16m", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = NULL;
  g_autoptr(GPtrArray) log = NULL;
  gboolean from_zero = FALSE;
  Result r = { 0 };

  if (nginx == NULL)
    return;
  url = g_strdup_printf ("%s/rate/16m?tag=%s", nginx->http_url, tag);
  /* Of another version of the resource: its bytes are not these. */
  write_killed_run (path, "\"another\"", SIZE_16M / 2);
  d = gcurl_download_new_for_file (url, file);
  gcurl_download_set_segments (d, 2);
  gcurl_download_set_flags (d, GCURL_DOWNLOAD_FLAGS_RESUME);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, SIZE_16M);
  log = ranges_log (tag);
  for (guint i = 1; i < log->len; i++)
    from_zero |= ((Request *) log->pdata[i])->start == 0;
  g_assert_true (from_zero);
}

static void
test_segments_without_ranges (Fixture       *f,
                              gconstpointer  data)
{
  /* Streamed: the SoupServer serves no ranges of it. */
  g_autofree char *url = surl ("/trickle?n=300000&chunk=100000&interval=10");
  g_autofree char *path = g_build_filename (f->dir, "t.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
  g_autofree char *files = NULL;
  Result r = { 0 };

  gcurl_download_set_segments (d, 4);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, 300000);
  g_assert_cmpint (gcurl_download_get_bytes_received (d), ==, 300000);
  /* Going over to one connection is not another attempt. */
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 1);
  files = listing (f);
  g_assert_cmpstr (files, ==, "t.bin");
}

static void
cancel_when_going (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  GCurlDownload *d = GCURL_DOWNLOAD (object);

  if (gcurl_download_get_bytes_received (d) > 0)
    gcurl_download_cancel (d);
}

static void
test_segments_cancel (Fixture       *f,
                      gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *url = NULL;
  g_autofree char *path = g_build_filename (f->dir, "16m", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = NULL;
  g_autofree char *files = NULL;
  Result r = { 0 };

  if (nginx == NULL)
    return;
  url = g_strconcat (nginx->http_url, "/slow/16m", NULL);
  d = gcurl_download_new_for_file (url, file);
  gcurl_download_set_segments (d, 4);
  g_signal_connect (d, "notify::bytes-received", G_CALLBACK (cancel_when_going), NULL);
  run (f, d, &r);
  g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_CANCELLED);
  /* Neither the part nor its control file is left. */
  files = listing (f);
  g_assert_cmpstr (files, ==, "");
  g_clear_error (&r.error);
}

static void
test_segments_retry_failed_range (Fixture       *f,
                                  gconstpointer  data)
{
  /* The probe passes; the first range gets a 503 with Retry-After: the
   * segments stop, and the next attempt resumes them. 3 MiB from the
   * SoupServer, which serves ranges of /bytes. */
  g_autofree char *url = surl ("/flaky?key=segments&fail_from=2&fails=1&retry_after=0"
                               "&n=3145728");
  g_autofree char *path = g_build_filename (f->dir, "f.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
  g_autofree char *files = NULL;
  Result r = { 0 };

  gcurl_download_set_segments (d, 2);
  gcurl_download_set_retries (d, 2);
  gcurl_download_set_retry_delay (d, 10);
  run (f, d, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 2);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_WAITING], ==, 1);
  assert_file_is_pattern (path, 3145728);
  files = listing (f);
  g_assert_cmpstr (files, ==, "f.bin");
}

static void
test_segments_broken_range_goes_on (Fixture       *f,
                                    gconstpointer  data)
{
  /* The second range's first connection breaks after 100,000 bytes: that
   * range goes on, on a new connection, within the same attempt. */
  g_autofree char *url = surl ("/bytes?n=3145728&key=broken&cut_start=1572864&cut_after=100000");
  g_autofree char *path = g_build_filename (f->dir, "b.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
  Result r = { 0 };

  gcurl_download_set_segments (d, 2);
  run (f, d, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 1);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_WAITING], ==, 0);
  assert_file_is_pattern (path, 3145728);
}

static void
test_segments_range_refused (Fixture       *f,
                             gconstpointer  data)
{
  /* The probe gets its range; the segments get the whole with a 200, as
   * from a server whose file changed under If-Range: one connection,
   * from the start (without the fallback the run fails). */
  g_autofree char *url = surl ("/bytes?n=3145728&key=refused&ranges=1");
  g_autofree char *path = g_build_filename (f->dir, "r.bin", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
  g_autofree char *files = NULL;
  Result r = { 0 };

  gcurl_download_set_segments (d, 2);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, 3145728);
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 1);
  files = listing (f);
  g_assert_cmpstr (files, ==, "r.bin");
}

/* ---- Restarts: the control file of one connection ---------------------- */

static void
test_restart_keeps_its_name (Fixture       *f,
                             gconstpointer  data)
{
  /* kept.bin is taken when the download starts, so it is named
   * "kept (1).bin"; stopped, and kept.bin gone since, the restart goes on
   * with its part and keeps the name it had. */
  g_autofree char *url = surl ("/bytes?n=3000000&cd=attachment%3B%20filename%3D%22kept.bin%22");
  g_autofree char *other = g_build_filename (f->dir, "kept.bin", NULL);
  g_autofree char *part = g_build_filename (f->dir, "bytes.part", NULL);
  g_autofree char *control = g_build_filename (f->dir, "bytes.part.segments", NULL);
  g_autofree char *path = g_build_filename (f->dir, "kept (1).bin", NULL);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *saved_url = NULL, *saved_name = NULL, *files = NULL;
  g_autoptr(GCurlDownload) d1 = gcurl_download_new_for_folder (url, f->folder);
  g_autoptr(GCurlDownload) d2 = gcurl_download_new_for_folder (url, f->folder);
  Result r1 = { 0 }, r2 = { 0 };

  g_assert_true (g_file_set_contents (other, "another's", -1, NULL));
  gcurl_download_set_flags (d1, GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL);
  gcurl_transfer_set_max_recv_speed (gcurl_download_get_transfer (d1), 200000);
  g_signal_connect (d1, "notify::bytes-received", G_CALLBACK (cancel_when_going), NULL);
  run (f, d1, &r1);
  g_assert_error (r1.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&r1.error);
  g_assert_true (g_file_test (part, G_FILE_TEST_IS_REGULAR));
  g_assert_true (g_key_file_load_from_file (kf, control, G_KEY_FILE_NONE, NULL));
  saved_url = g_key_file_get_string (kf, "gcurl-segments", "url", NULL);
  saved_name = g_key_file_get_string (kf, "gcurl-segments", "name", NULL);
  g_assert_cmpstr (saved_url, ==, url);
  g_assert_cmpstr (saved_name, ==, "kept (1).bin");

  g_assert_cmpint (g_unlink (other), ==, 0);
  gcurl_download_set_flags (d2, GCURL_DOWNLOAD_FLAGS_RESUME);
  run (f, d2, &r2);
  g_assert_no_error (r2.error);
  g_assert_cmpint (gcurl_transfer_get_response_code (gcurl_download_get_transfer (d2)), ==, 206);
  assert_file_is_pattern (path, 3000000);
  files = listing (f);
  g_assert_cmpstr (files, ==, "kept (1).bin");
}

static void
test_restart_leaves_anothers_part (Fixture       *f,
                                   gconstpointer  data)
{
  /* Two URLs whose name is "bytes": the part on disk is the second's, as
   * its control file says. The first, resuming, leaves it alone; the
   * second goes on with it, under the name it had. */
  g_autofree char *url_a = surl ("/bytes?n=300000&v=a");
  g_autofree char *url_b = surl ("/bytes?n=200000&v=b");
  g_autofree char *part = g_build_filename (f->dir, "bytes.part", NULL);
  g_autofree char *control = g_build_filename (f->dir, "bytes.part.segments", NULL);
  g_autofree char *text = g_strdup_printf ("[gcurl-segments]\nversion=1\nurl=%s\nname=b.bin\n",
                                           url_b);
  g_autofree char *a_path = NULL, *b_path = g_build_filename (f->dir, "b.bin", NULL);
  g_autofree char *files = NULL;
  g_autoptr(GCurlDownload) a = gcurl_download_new_for_folder (url_a, f->folder);
  g_autoptr(GCurlDownload) b = gcurl_download_new_for_folder (url_b, f->folder);
  gsize len = 0;
  g_autofree char *kept = NULL;
  Result ra = { 0 }, rb = { 0 };

  g_assert_true (g_file_set_contents (part, (const char *) gcurl_test_pattern (), 150000, NULL));
  g_assert_true (g_file_set_contents (control, text, -1, NULL));
  gcurl_download_set_flags (a, GCURL_DOWNLOAD_FLAGS_RESUME);
  run (f, a, &ra);
  g_assert_no_error (ra.error);
  a_path = g_file_get_path (gcurl_download_get_file (a));
  assert_file_is_pattern (a_path, 300000);
  g_assert_true (g_file_get_contents (part, &kept, &len, NULL));
  g_assert_cmpuint (len, ==, 150000);
  g_assert_true (g_file_test (control, G_FILE_TEST_IS_REGULAR));

  gcurl_download_set_flags (b, GCURL_DOWNLOAD_FLAGS_RESUME);
  run (f, b, &rb);
  g_assert_no_error (rb.error);
  g_assert_cmpint (gcurl_transfer_get_response_code (gcurl_download_get_transfer (b)), ==, 206);
  assert_file_is_pattern (b_path, 200000);
  g_assert_false (g_file_test (part, G_FILE_TEST_EXISTS));
  g_assert_false (g_file_test (control, G_FILE_TEST_EXISTS));
  files = listing (f);
  g_assert_cmpstr (files, ==, "b.bin bytes (1)");   /* bytes.part was taken */
}

/* A part to resume from a server that serves no ranges (a 200 for the
 * rest): the same attempt starts again from the first byte, over the
 * part, rather than failing. */
static void
test_restart_no_ranges (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *url = surl ("/trickle?n=20000&chunk=20000&interval=10");
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
  g_autofree char *part = g_build_filename (f->dir, "trickle.part", NULL);
  g_autofree char *path = g_build_filename (f->dir, "trickle", NULL);
  g_autofree char *files = NULL;
  char junk[5000];
  Result r = { 0 };

  memset (junk, 'x', sizeof junk);
  g_assert_true (g_file_set_contents (part, junk, sizeof junk, NULL));
  gcurl_download_set_flags (d, GCURL_DOWNLOAD_FLAGS_RESUME);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, 20000);
  files = listing (f);
  g_assert_cmpstr (files, ==, "trickle");
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 1);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_WAITING], ==, 0);
}

static void
test_restart_delete_partial (Fixture       *f,
                             gconstpointer  data)
{
  /* Two parts named after "bytes": delete_partial() of the second URL
   * removes its own ("bytes (1).part", past a free name) and its control
   * file, not the first's; a link at a part's name is left alone. */
  g_autofree char *url_a = surl ("/bytes?n=300000&v=del-a");
  g_autofree char *url_b = surl ("/bytes?n=200000&v=del-b");
  g_autofree char *part_a = g_build_filename (f->dir, "bytes.part", NULL);
  g_autofree char *part_b = g_build_filename (f->dir, "bytes (2).part", NULL);
  g_autofree char *text_a = g_strdup_printf ("[gcurl-segments]\nversion=1\nurl=%s\n", url_a);
  g_autofree char *text_b = g_strdup_printf ("[gcurl-segments]\nversion=1\nurl=%s\n", url_b);
  g_autofree char *control_a = g_strconcat (part_a, ".segments", NULL);
  g_autofree char *control_b = g_strconcat (part_b, ".segments", NULL);
  g_autofree char *target = g_build_filename (f->dir, "target", NULL);
  g_autofree char *files = NULL;
  g_autoptr(GCurlDownload) a = gcurl_download_new_for_folder (url_a, f->folder);
  g_autoptr(GCurlDownload) b = gcurl_download_new_for_folder (url_b, f->folder);
  g_autoptr(GError) error = NULL;

  g_assert_true (g_file_set_contents (part_a, "a", -1, NULL));
  g_assert_true (g_file_set_contents (control_a, text_a, -1, NULL));
  g_assert_true (g_file_set_contents (part_b, "b", -1, NULL));
  g_assert_true (g_file_set_contents (control_b, text_b, -1, NULL));
  g_assert_true (gcurl_download_delete_partial (b, &error));
  g_assert_no_error (error);
  files = listing (f);
  g_assert_cmpstr (files, ==, "bytes.part bytes.part.segments");
  g_clear_pointer (&files, g_free);

  /* The first's part is now a link to another file: the link stays, and
   * so does what it points to. */
  g_assert_cmpint (g_unlink (part_a), ==, 0);
  g_assert_true (g_file_set_contents (target, "keep", -1, NULL));
  g_assert_cmpint (symlink (target, part_a), ==, 0);
  g_assert_true (gcurl_download_delete_partial (a, &error));
  g_assert_no_error (error);
  files = listing (f);
  g_assert_cmpstr (files, ==, "bytes.part target");
}

/* ---- The one-call form ---------------------------------------------- */

static void
downloaded_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  Result *r = data;

  gcurl_multi_source_download_finish (GCURL_MULTI_SOURCE (object), result, &r->error);
  r->done = TRUE;
}

static void
test_oneshot_is_a_download (Fixture       *f,
                            gconstpointer  data)
{
  /* gcurl_multi_source_download_async() is a GCurlDownload: a wrong
   * Repr-Digest keeps the bytes as a part, a right one puts the file in
   * place. */
  g_autofree char *bad = surl ("/bytes?n=5000&digest=bad");
  g_autofree char *good = surl ("/bytes?n=5000&digest=good");
  g_autofree char *path = g_build_filename (f->dir, "one", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autofree char *files = NULL;
  Result r1 = { 0 }, r2 = { 0 };

  gcurl_multi_source_download_async (f->source, bad, file, GCURL_DOWNLOAD_FLAGS_NONE, NULL,
                                     downloaded_cb, &r1);
  gcurl_test_wait_for_flag (f->context, &r1.done, 10000);
  g_assert_error (r1.error, GCURL_ERROR, GCURL_ERROR_CHECKSUM);
  g_clear_error (&r1.error);
  files = listing (f);
  g_assert_cmpstr (files, ==, "one.part");
  gcurl_multi_source_download_async (f->source, good, file, GCURL_DOWNLOAD_FLAGS_NONE, NULL,
                                     downloaded_cb, &r2);
  gcurl_test_wait_for_flag (f->context, &r2.done, 10000);
  g_assert_no_error (r2.error);
  assert_file_is_pattern (path, 5000);
}

/* ---- Mirrors ---------------------------------------------------------- */

typedef struct
{
  GPtrArray *urls;    /* dropped, in order */
  GArray    *codes;   /* their errors' GCURL_ERROR codes */
} Dropped;

static void
dropped_cb (GCurlDownload *d,
            const char    *url,
            const GError  *error,
            gpointer       data)
{
  Dropped *x = data;
  int code = error->domain == GCURL_ERROR ? error->code : -1;

  g_ptr_array_add (x->urls, g_strdup (url));
  g_array_append_val (x->codes, code);
}

static void
dropped_init (Dropped       *x,
              GCurlDownload *d)
{
  x->urls = g_ptr_array_new_with_free_func (g_free);
  x->codes = g_array_new (FALSE, FALSE, sizeof (int));
  g_signal_connect (d, "mirror-dropped", G_CALLBACK (dropped_cb), x);
}

static void
dropped_clear (Dropped *x)
{
  g_ptr_array_unref (x->urls);
  g_array_unref (x->codes);
}

/* Whether @url was dropped, with the error @code. */
static gboolean
was_dropped (Dropped    *x,
             const char *url,
             int         code)
{
  for (guint i = 0; i < x->urls->len; i++)
    if (g_str_equal (x->urls->pdata[i], url) && g_array_index (x->codes, int, i) == code)
      return TRUE;
  return FALSE;
}

static void
test_mirrors_spread (Fixture       *f,
                     gconstpointer  data)
{
  /* nginx at 4 MB/s per connection, and the same bytes from the
   * SoupServer: the connections go to both. */
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *tag = g_strdup_printf ("c-spread-%s", gcurl_test_backend_name ());
  g_autofree char *url = NULL;
  g_autofree char *mirror = surl ("/flaky?key=spread&fails=0&n=16777216");
  const char *mirrors[] = { mirror, NULL };
  g_autofree char *path = g_build_filename (f->dir, "16m", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = NULL;
  g_autoptr(GPtrArray) log = NULL;
  Dropped x;
  Result r = { 0 };

  if (nginx == NULL)
    return;
  url = g_strdup_printf ("%s/rate/16m?tag=%s", nginx->http_url, tag);
  d = gcurl_download_new_for_file (url, file);
  dropped_init (&x, d);
  gcurl_download_set_segments (d, 4);
  gcurl_download_set_mirrors (d, mirrors);
  g_assert_cmpstrv (gcurl_download_get_mirrors (d), mirrors);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, SIZE_16M);
  g_assert_cmpuint (x.urls->len, ==, 0);
  /* The probe and at least one range from nginx; at least two ranges
   * from the mirror. */
  log = ranges_log (tag);
  g_assert_cmpuint (log->len, >=, 2);
  g_assert_cmpuint (gcurl_test_server_flaky_count (server, "spread", NULL), >=, 2);
  dropped_clear (&x);
}

static void
test_mirrors_failing_dropped (Fixture       *f,
                              gconstpointer  data)
{
  /* Of three mirrors, one refuses connections and one answers 404: both
   * are dropped, named, and their ranges go on from nginx. */
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *url = NULL;
  g_autofree char *missing = surl ("/status?code=404");
  const char *refused = "http://127.0.0.1:1/16m";
  const char *mirrors[] = { refused, missing, NULL };
  g_autofree char *path = g_build_filename (f->dir, "16m", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = NULL;
  g_autofree char *files = NULL;
  Dropped x;
  Result r = { 0 };

  if (nginx == NULL)
    return;
  url = g_strdup_printf ("%s/rate/16m?tag=c-failing", nginx->http_url);
  d = gcurl_download_new_for_file (url, file);
  dropped_init (&x, d);
  gcurl_download_set_segments (d, 4);
  gcurl_download_set_mirrors (d, mirrors);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, SIZE_16M);
  g_assert_cmpuint (x.urls->len, ==, 2);
  g_assert_true (was_dropped (&x, refused, GCURL_ERROR_CONNECT_FAILED));
  g_assert_true (was_dropped (&x, missing, GCURL_ERROR_HTTP_STATUS));
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 1);
  files = listing (f);
  g_assert_cmpstr (files, ==, "16m");
  dropped_clear (&x);
}

static void
test_mirrors_probe_moves_on (Fixture       *f,
                             gconstpointer  data)
{
  /* The URL itself cannot be reached: the probe goes to the mirror, and
   * the segments run there. Not counted as a retry (there are none). */
  g_autofree char *mirror = surl ("/flaky?key=probe-moves&fails=0&n=4194304");
  const char *mirrors[] = { mirror, NULL };
  g_autofree char *path = g_build_filename (f->dir, "4m", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file ("http://127.0.0.1:1/4m", file);
  Dropped x;
  Result r = { 0 };

  dropped_init (&x, d);
  gcurl_download_set_segments (d, 2);
  gcurl_download_set_mirrors (d, mirrors);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, 4194304);
  g_assert_cmpuint (x.urls->len, ==, 1);
  g_assert_true (was_dropped (&x, "http://127.0.0.1:1/4m", GCURL_ERROR_CONNECT_FAILED));
  /* The probe and two ranges. */
  g_assert_cmpuint (gcurl_test_server_flaky_count (server, "probe-moves", NULL), >=, 3);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_WAITING], ==, 0);
  dropped_clear (&x);
}

static void
test_mirrors_single_moves_on (Fixture       *f,
                              gconstpointer  data)
{
  /* One connection: the URL answers 503, the next attempt goes to the
   * mirror at once; the download's transfer is left with its own URL. */
  g_autofree char *url = surl ("/status?code=503");
  g_autofree char *mirror = surl ("/flaky?key=single-moves&fails=0&n=300000");
  const char *mirrors[] = { mirror, NULL };
  g_autofree char *files = NULL;
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_folder (url, f->folder);
  Dropped x;
  Result r = { 0 };

  dropped_init (&x, d);
  gcurl_download_set_mirrors (d, mirrors);
  run (f, d, &r);
  g_assert_no_error (r.error);
  g_assert_cmpuint (x.urls->len, ==, 1);
  g_assert_true (was_dropped (&x, url, GCURL_ERROR_HTTP_STATUS));
  g_assert_cmpuint (gcurl_download_get_attempt (d), ==, 2);
  g_assert_cmpuint (r.states[GCURL_DOWNLOAD_STATE_WAITING], ==, 0);
  g_assert_cmpuint (gcurl_test_server_flaky_count (server, "single-moves", NULL), ==, 1);
  g_assert_cmpstr (gcurl_transfer_get_url (gcurl_download_get_transfer (d)), ==, url);
  /* Named after the URL that served it. */
  files = listing (f);
  g_assert_cmpstr (files, ==, "flaky");
  dropped_clear (&x);
}

static void
test_mirrors_last_error (Fixture       *f,
                         gconstpointer  data)
{
  /* Every URL fails: the last one left is never dropped, and its error
   * is the download's. */
  g_autofree char *missing = surl ("/status?code=404");
  const char *mirrors[] = { missing, NULL };
  g_autofree char *path = g_build_filename (f->dir, "x", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file ("http://127.0.0.1:1/x", file);
  g_autofree char *files = NULL;
  Dropped x;
  Result r = { 0 };

  dropped_init (&x, d);
  gcurl_download_set_mirrors (d, mirrors);
  run (f, d, &r);
  g_assert_error (r.error, GCURL_ERROR, GCURL_ERROR_HTTP_STATUS);
  g_clear_error (&r.error);
  g_assert_cmpuint (x.urls->len, ==, 1);
  g_assert_true (was_dropped (&x, "http://127.0.0.1:1/x", GCURL_ERROR_CONNECT_FAILED));
  g_assert_cmpint (gcurl_download_get_state (d), ==, GCURL_DOWNLOAD_STATE_FAILED);
  files = listing (f);
  g_assert_cmpstr (files, ==, "");
  dropped_clear (&x);
}

static void
test_mirrors_credentials (Fixture       *f,
                          gconstpointer  data)
{
  /* Credentials go to the URL's origin: the same server under 127.0.0.2
   * is another, and gets none; the URL's own ranges do. */
  g_autofree char *url = surl ("/flaky?key=creds-own&fails=0&n=4194304");
  g_autofree char *mirror = g_strdup_printf ("%s/flaky?key=creds-other&fails=0&n=4194304",
                                             gcurl_test_server_get_other_url (server));
  const char *mirrors[] = { mirror, NULL };
  g_autofree char *path = g_build_filename (f->dir, "4m", NULL);
  g_autoptr(GFile) file = g_file_new_for_path (path);
  g_autoptr(GCurlDownload) d = gcurl_download_new_for_file (url, file);
  GCurlTransfer *t = gcurl_download_get_transfer (d);
  guint own_auth = 0, other_auth = 0;
  Result r = { 0 };

  gcurl_transfer_set_username (t, "user");
  gcurl_transfer_set_password (t, "secret");
  gcurl_transfer_set_auth_methods (t, GCURL_AUTH_METHODS_BASIC);   /* sent at once */
  gcurl_transfer_set_request_header (t, "Cookie", "session=secret");
  gcurl_download_set_segments (d, 4);
  gcurl_download_set_mirrors (d, mirrors);
  run (f, d, &r);
  g_assert_no_error (r.error);
  assert_file_is_pattern (path, 4194304);
  g_assert_cmpuint (gcurl_test_server_flaky_count (server, "creds-own", &own_auth), >=, 2);
  g_assert_cmpuint (gcurl_test_server_flaky_count (server, "creds-other", &other_auth), >=, 1);
  g_assert_cmpuint (own_auth, >=, 2);
  g_assert_cmpuint (other_auth, ==, 0);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = gcurl_test_server_new ();

#define ADD(path, func) \
  g_test_add ("/GCurl/Download/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("name/content-disposition", test_name_from_content_disposition);
  ADD ("name/rfc8187-first", test_name_rfc8187_first);
  ADD ("name/hostile", test_name_hostile);
  ADD ("name/unique", test_name_unique);
  ADD ("name/from-url", test_name_from_url);
  ADD ("checksum/verified", test_checksum_verified);
  ADD ("checksum/mismatch", test_checksum_mismatch);
  ADD ("checksum/invalid", test_checksum_invalid);
  ADD ("checksum/from-server", test_checksum_from_server);
  ADD ("checksum/resumed", test_checksum_resumed);
  ADD ("retry/dropped-connection", test_retry_dropped_connection);
  ADD ("retry/retry-after", test_retry_after);
  ADD ("retry/not-worth-it", test_retry_not_worth_it);
  ADD ("retry/exhausted", test_retry_exhausted);
  ADD ("state/pause-and-cancel-while-waiting", test_pause_and_cancel_while_waiting);
  ADD ("state/cancel-running", test_cancel_running_keep_partial);
  ADD ("segments/ranges", test_segments_ranges);
  ADD ("segments/resume-and-steal", test_segments_resume_and_steal);
  ADD ("segments/control-of-another", test_segments_control_of_another);
  ADD ("segments/without-ranges", test_segments_without_ranges);
  ADD ("segments/cancel", test_segments_cancel);
  ADD ("segments/retry-failed-range", test_segments_retry_failed_range);
  ADD ("segments/broken-range-goes-on", test_segments_broken_range_goes_on);
  ADD ("segments/range-refused", test_segments_range_refused);
  ADD ("restart/keeps-its-name", test_restart_keeps_its_name);
  ADD ("restart/leaves-anothers-part", test_restart_leaves_anothers_part);
  ADD ("restart/delete-partial", test_restart_delete_partial);
  ADD ("restart/no-ranges", test_restart_no_ranges);
  ADD ("oneshot/is-a-download", test_oneshot_is_a_download);
  ADD ("mirrors/spread", test_mirrors_spread);
  ADD ("mirrors/failing-dropped", test_mirrors_failing_dropped);
  ADD ("mirrors/probe-moves-on", test_mirrors_probe_moves_on);
  ADD ("mirrors/single-moves-on", test_mirrors_single_moves_on);
  ADD ("mirrors/last-error", test_mirrors_last_error);
  ADD ("mirrors/credentials", test_mirrors_credentials);
  g_test_add_func ("/GCurl/Download/checksum/parsers", test_checksum_parsers);

  ret = g_test_run ();
  gcurl_test_server_free (server);
  return ret;
}
