/* test-faults.c: hostile and broken servers, and a full disk
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each fault is one test: a download to a file (so that "no truncated file
 * under the final name" is checked every time), the GError it must end
 * with, and a bound on the time it may take. The table of fault, error and
 * time is printed at the end (g_test_message), for the record.
 *
 * Servers: the in-process SoupServer for faults it injects (/drop, /reset,
 * /stall, /trickle, /redirect, /status), nginx (tests/gcurl-test-serve, or
 * started here) for TLS with a self-signed, an expired and a wrong-host
 * certificate.
 */

#include <errno.h>
#include <glib/gstdio.h>
#include <sys/mount.h>

#include "gcurl-test-utils.h"

static GCurlTestServer *server;
static GCurlTestNginx *nginx;
static GString *table;

typedef struct
{
  const char *name;
  char *(*url) (void);
  void (*setup) (GCurlTransfer *t);
  GQuark (*domain) (void);
  int code;
  int max_seconds;
  gboolean tmpfs;        /* download into a 64 KiB tmpfs */
  gboolean dev_full;     /* write to /dev/full through an output stream */
} Fault;

/* ---- URLs ---------------------------------------------------------------- */

static char *url_drop (void) { return gcurl_test_server_url (server, "/drop?n=200000&after=50000"); }
static char *url_short (void) { return gcurl_test_server_url (server, "/drop?n=100000&after=99000"); }
static char *url_reset (void) { return gcurl_test_server_url (server, "/reset?n=200000&after=50000"); }
static char *url_stall (void) { return gcurl_test_server_url (server, "/stall?n=100000"); }
static char *url_trickle (void) { return gcurl_test_server_url (server, "/trickle?n=1000000&chunk=100&interval=100"); }
static char *url_refused (void) { return g_strdup ("http://127.0.0.1:1/"); }
static char *url_dns (void) { return g_strdup ("http://gcurlmulti-test.invalid/"); }
static char *url_self_signed (void) { return g_strdup_printf ("%s/1k", nginx->https_url); }
static char *url_expired (void) { return g_strdup_printf ("%s/1k", nginx->expired_url); }
static char *url_wronghost (void) { return g_strdup_printf ("%s/1k", nginx->wronghost_url); }
static char *url_loop (void) { return gcurl_test_server_url (server, "/redirect?n=50"); }
static char *url_to_file (void) { return gcurl_test_server_url (server, "/redirect?n=1&to=file:///etc/passwd"); }
static char *url_to_ftp (void) { return gcurl_test_server_url (server, "/redirect?n=1&to=ftp://127.0.0.1/x"); }
static char *url_big (void) { return g_strdup_printf ("%s/1m", nginx->http_url); }
static char *url_big_chunked (void) { return gcurl_test_server_url (server, "/bytes?n=1000000&chunked=1"); }
static char *url_503 (void) { return gcurl_test_server_url (server, "/status?code=503"); }

/* ---- Settings -------------------------------------------------------------- */

static void
low_speed_2s (GCurlTransfer *t)
{
  gcurl_transfer_set_low_speed_limit (t, 1, 2);
}

static void
low_speed_10k (GCurlTransfer *t)
{
  gcurl_transfer_set_low_speed_limit (t, 10 * 1024, 2);
}

static void
trust_ca (GCurlTransfer *t)
{
  gcurl_transfer_set_tls_ca_file (t, nginx->ca_file);
}

static void
max_100k (GCurlTransfer *t)
{
  gcurl_transfer_set_max_size (t, 100000);
}

static const Fault faults[] = {
  { "closed mid-body", url_drop, NULL, gcurl_error_quark, GCURL_ERROR_PARTIAL, 10, FALSE, FALSE },
  { "Content-Length longer than the body", url_short, NULL, gcurl_error_quark, GCURL_ERROR_PARTIAL, 10, FALSE, FALSE },
  { "connection reset mid-body", url_reset, NULL, gcurl_error_quark, GCURL_ERROR_PARTIAL, 10, FALSE, FALSE },
  { "stall after the headers (low-speed 1 B/s for 2 s)", url_stall, low_speed_2s, gcurl_error_quark, GCURL_ERROR_TIMED_OUT, 15, FALSE, FALSE },
  { "trickle at 1 KB/s under a 10 KiB/s limit for 2 s", url_trickle, low_speed_10k, gcurl_error_quark, GCURL_ERROR_TIMED_OUT, 15, FALSE, FALSE },
  { "connection refused", url_refused, NULL, gcurl_error_quark, GCURL_ERROR_CONNECT_FAILED, 10, FALSE, FALSE },
  { "unresolvable host", url_dns, NULL, gcurl_error_quark, GCURL_ERROR_HOST_NOT_FOUND, 30, FALSE, FALSE },
  { "TLS: self-signed certificate", url_self_signed, NULL, gcurl_error_quark, GCURL_ERROR_TLS, 10, FALSE, FALSE },
  { "TLS: expired certificate", url_expired, trust_ca, gcurl_error_quark, GCURL_ERROR_TLS, 10, FALSE, FALSE },
  { "TLS: certificate for another host", url_wronghost, trust_ca, gcurl_error_quark, GCURL_ERROR_TLS, 10, FALSE, FALSE },
  { "redirect loop (50 > 20)", url_loop, NULL, gcurl_error_quark, GCURL_ERROR_TOO_MANY_REDIRECTS, 10, FALSE, FALSE },
  { "redirect to file://", url_to_file, NULL, gcurl_error_quark, GCURL_ERROR_UNSUPPORTED_PROTOCOL, 10, FALSE, FALSE },
  { "redirect to ftp://", url_to_ftp, NULL, gcurl_error_quark, GCURL_ERROR_UNSUPPORTED_PROTOCOL, 10, FALSE, FALSE },
  { "body over max-size (Content-Length)", url_big, max_100k, gcurl_error_quark, GCURL_ERROR_TOO_LARGE, 10, FALSE, FALSE },
  { "body over max-size (chunked, no length)", url_big_chunked, max_100k, gcurl_error_quark, GCURL_ERROR_TOO_LARGE, 10, FALSE, FALSE },
  { "HTTP 503", url_503, NULL, gcurl_error_quark, GCURL_ERROR_HTTP_STATUS, 10, FALSE, FALSE },
  { "disk full (a 64 KiB tmpfs)", url_big, NULL, gcurl_error_quark, GCURL_ERROR_WRITE, 10, TRUE, FALSE },
  { "disk full (an output stream on /dev/full)", url_big, NULL, gcurl_error_quark, GCURL_ERROR_WRITE, 10, FALSE, TRUE },
};

typedef struct
{
  GError   *error;
  gboolean  done;
} Outcome;

static void
performed (GObject *object, GAsyncResult *result, gpointer data)
{
  Outcome *outcome = data;

  if (gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &outcome->error))
    outcome->error = g_error_new_literal (G_IO_ERROR, G_IO_ERROR_FAILED, "(it succeeded)");
  outcome->done = TRUE;
}

static void
test_fault (gconstpointer data)
{
  const Fault *fault = data;
  g_autoptr(GMainContext) context = g_main_context_new ();
  g_autoptr(GCurlMultiSource) source = NULL;
  g_autoptr(GCurlTransfer) t = NULL;
  Outcome outcome = { NULL, FALSE };
  GError *error;
  g_autofree char *url = fault->url ();
  g_autofree char *dir = NULL;
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  g_autoptr(GFile) file = NULL;
  g_autoptr(GFile) dev_full = NULL;
  g_autoptr(GOutputStream) stream = NULL;
  gboolean mounted = FALSE;
  GEnumValue *code;
  gint64 start, elapsed;

  g_main_context_push_thread_default (context);
  dir = g_dir_make_tmp ("gcurl-fault-XXXXXX", NULL);
  if (fault->tmpfs)
    {
      if (mount ("tmpfs", dir, "tmpfs", 0, "size=64k") != 0)
        {
          g_autofree char *why = g_strdup_printf ("cannot mount a tmpfs here (%s): "
                                                  "the /dev/full case stands in",
                                                  g_strerror (errno));

          g_test_skip (why);
          g_rmdir (dir);
          g_main_context_pop_thread_default (context);
          return;
        }
      mounted = TRUE;
    }
  path = g_build_filename (dir, "download", NULL);
  part = g_strconcat (path, ".part", NULL);
  file = g_file_new_for_path (path);

  source = gcurl_multi_source_new ();
  t = gcurl_transfer_new (url);
  if (fault->setup != NULL)
    fault->setup (t);
  if (fault->dev_full)
    {
      dev_full = g_file_new_for_path ("/dev/full");
      stream = G_OUTPUT_STREAM (g_file_append_to (dev_full, G_FILE_CREATE_NONE, NULL, NULL));
      g_assert_nonnull (stream);
      gcurl_transfer_set_output_stream (t, stream);
    }
  else
    gcurl_transfer_set_output_file (t, file, GCURL_DOWNLOAD_FLAGS_NONE);

  start = g_get_monotonic_time ();
  gcurl_multi_source_perform_async (source, t, NULL, performed, &outcome);
  gcurl_test_wait_for_flag (context, &outcome.done, (fault->max_seconds + 30) * 1000);
  elapsed = g_get_monotonic_time () - start;
  error = outcome.error;

  g_test_message ("%s: %s (%s %d) after %.3f s", fault->name, error->message,
                  g_quark_to_string (error->domain), error->code, elapsed / 1e6);
  g_assert_error (error, fault->domain (), fault->code);
  g_assert_cmpint (elapsed, <=, (gint64) fault->max_seconds * G_USEC_PER_SEC);
  /* Never a truncated file under the final name. */
  g_assert_false (g_file_test (path, G_FILE_TEST_EXISTS));
  g_assert_cmpint (gcurl_transfer_get_state (t), ==, GCURL_TRANSFER_STATE_FAILED);

  code = g_enum_get_value (g_type_class_peek (GCURL_TYPE_ERROR), error->code);
  g_string_append_printf (table, "| %s | `%s` %s | %.3f s | `%s` |\n", fault->name,
                          g_quark_to_string (error->domain), code ? code->value_nick : "?",
                          elapsed / 1e6, g_test_get_path ());

  g_clear_error (&outcome.error);
  g_clear_object (&t);
  g_clear_object (&source);
  g_unlink (part);
  if (mounted)
    umount (dir);
  g_rmdir (dir);
  g_main_context_pop_thread_default (context);
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  g_type_class_ref (GCURL_TYPE_ERROR);
  server = gcurl_test_server_new ();
  nginx = gcurl_test_nginx_get_shared ();
  table = g_string_new ("| fault | error | time to error | test |\n| --- | --- | ---: | --- |\n");

  for (guint i = 0; i < G_N_ELEMENTS (faults); i++)
    {
      g_autofree char *path = g_strdup_printf ("/GCurl/Faults/%02u", i + 1);

      if (nginx == NULL && (faults[i].url == url_self_signed || faults[i].url == url_expired ||
                            faults[i].url == url_wronghost || faults[i].url == url_big))
        continue;
      g_test_add_data_func (path, &faults[i], test_fault);
    }

  ret = g_test_run ();
  g_test_message ("%s backend:\n%s", gcurl_test_backend_name (), table->str);
  if (g_getenv ("GCURL_FAULT_TABLE") != NULL)
    g_file_set_contents (g_getenv ("GCURL_FAULT_TABLE"), table->str, -1, NULL);
  g_string_free (table, TRUE);
  gcurl_test_server_free (server);
  return ret;
}
