/* test-http-client.c: what a GNOME application expects of an HTTP client,
 * from C: authentication, content decoding, what a transfer learnt of
 * its connection, the source's progress, cookies (and their pytest twins
 * in tests/python/: test_auth.py, test_decoding.py, test_transfer_info.py,
 * test_cookies.py)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include <glib/gstdio.h>

#include "gcurl-body-stream-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-test-hooks-private.h"
#include "gcurl-test-utils.h"

static GCurlTestServer *server;

typedef struct
{
  GMainContext     *context;
  GCurlMultiSource *source;
} Fixture;

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->source = gcurl_multi_source_new ();
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
}

typedef struct
{
  gboolean  done;
  GError   *error;
} Result;

static void
perform_cb (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  Result *r = data;

  gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &r->error);
  r->done = TRUE;
}

/* Runs @t to its end; returns its error (or NULL). */
static GError *
run (Fixture       *f,
     GCurlTransfer *t)
{
  Result r = { 0 };

  gcurl_multi_source_perform_async (f->source, t, NULL, perform_cb, &r);
  gcurl_test_wait_for_flag (f->context, &r.done, 30000);
  return r.error;
}

static char *
surl (const char *path)
{
  return gcurl_test_server_url (server, path);
}

/* ---------------------------------------------------------------------- */
/* Authentication                                                          */

static void
test_auth_basic (Fixture       *f,
                 gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *url = NULL;
  g_autoptr(GCurlTransfer) t = NULL;
  g_autoptr(GError) error = NULL;

  if (nginx == NULL)
    return;
  url = g_strdup_printf ("%s/private/100k", nginx->http_url);
  t = gcurl_transfer_new (url);
  gcurl_transfer_set_username (t, GCURL_TEST_AUTH_USER);
  gcurl_transfer_set_password (t, GCURL_TEST_AUTH_PASSWORD);
  g_assert_no_error (run (f, t));
  g_assert_cmpuint (gcurl_transfer_get_response_code (t), ==, 200);
  g_assert_cmpuint (g_bytes_get_size (gcurl_transfer_get_body (t)), ==, 100 * 1024);
  g_assert_true (gcurl_test_pattern_check (0, g_bytes_get_data (gcurl_transfer_get_body (t), NULL),
                                           100 * 1024));

  /* A wrong password: a 401 with its body, and no secret in the message. */
  gcurl_transfer_set_password (t, "wrong-pw-31f0");
  error = run (f, t);
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_HTTP_STATUS);
  g_assert_cmpuint (gcurl_transfer_get_response_code (t), ==, 401);
  g_assert_null (strstr (error->message, "wrong-pw-31f0"));
  g_assert_null (strstr (error->message, GCURL_TEST_AUTH_USER));
  g_assert_nonnull (g_strstr_len (g_bytes_get_data (gcurl_transfer_get_body (t), NULL),
                                  g_bytes_get_size (gcurl_transfer_get_body (t)), "401"));
}

static void
test_auth_digest (Fixture       *f,
                  gconstpointer  data)
{
  g_autofree char *url = surl ("/auth/digest");
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new (url);
  g_autoptr(GError) error = NULL;
  g_autofree char *expected = g_strdup_printf ("hello %s\n", GCURL_TEST_AUTH_USER);
  gsize len = 0;
  const char *body;

  g_object_set (t, "username", GCURL_TEST_AUTH_USER, "password", GCURL_TEST_AUTH_PASSWORD,
                "auth-methods", GCURL_AUTH_METHODS_DIGEST, NULL);
  g_assert_no_error (run (f, t));
  body = g_bytes_get_data (gcurl_transfer_get_body (t), &len);
  g_assert_cmpmem (body, len, expected, strlen (expected));

  gcurl_transfer_set_password (t, "nope");
  error = run (f, t);
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_HTTP_STATUS);
  g_assert_cmpuint (gcurl_transfer_get_response_code (t), ==, 401);
}

static void
test_auth_other_origin (Fixture       *f,
                        gconstpointer  data)
{
  g_autofree char *target = g_strdup_printf ("%s/echo", gcurl_test_server_get_other_url (server));
  g_autofree char *escaped = g_uri_escape_string (target, NULL, FALSE);
  g_autofree char *path = g_strdup_printf ("/redirect?to=%s", escaped);
  g_autofree char *url = surl (path);
  g_autofree char *same = surl ("/redirect?to=/echo");
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new (url);

  gcurl_transfer_set_bearer_token (t, "tok-c-1");
  g_assert_no_error (run (f, t));
  g_assert_true (g_str_has_prefix (gcurl_transfer_get_effective_url (t),
                                   gcurl_test_server_get_other_url (server)));
  g_assert_null (gcurl_transfer_get_response_header (t, "X-Echo-Authorization"));

  gcurl_transfer_set_bearer_token (t, NULL);
  g_object_set (t, "username", "u", "password", "p", "auth-methods", GCURL_AUTH_METHODS_BASIC, NULL);
  g_assert_no_error (run (f, t));
  g_assert_null (gcurl_transfer_get_response_header (t, "X-Echo-Authorization"));

  gcurl_transfer_set_url (t, same);
  g_assert_no_error (run (f, t));
  g_assert_cmpstr (gcurl_transfer_get_response_header (t, "X-Echo-Authorization"), ==, "Basic dTpw");
}

static void
test_auth_misuse (Fixture       *f,
                  gconstpointer  data)
{
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new ("http://127.0.0.1:9/");

  if (g_test_subprocess ())
    {
      gcurl_transfer_set_bearer_token (t, "a\r\nX-Injected: 1");
      return;
    }
  g_test_trap_subprocess (NULL, 0, G_TEST_SUBPROCESS_DEFAULT);
  g_test_trap_assert_failed ();
  g_test_trap_assert_stderr ("*CRITICAL*_gcurl_header_value_valid*");
}

/* ---------------------------------------------------------------------- */
/* Content decoding                                                        */

static void
test_decoding_gzip (Fixture       *f,
                    gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *url = NULL, *text_path = NULL, *gz_path = NULL, *text = NULL;
  g_autoptr(GCurlTransfer) t = NULL;
  g_autoptr(GError) error = NULL;
  GStatBuf st;
  gsize text_len = 0, len = 0;
  const char *body;

  if (nginx == NULL)
    return;
  url = g_strdup_printf ("%s/enc/text.gz", nginx->http_url);
  text_path = g_build_filename (nginx->dir, "www", "enc", "text", NULL);
  gz_path = g_build_filename (nginx->dir, "www", "enc", "text.gz", NULL);
  g_assert_true (g_file_get_contents (text_path, &text, &text_len, NULL));
  g_assert_cmpint (g_stat (gz_path, &st), ==, 0);

  t = gcurl_transfer_new (url);
  g_assert_no_error (run (f, t));
  body = g_bytes_get_data (gcurl_transfer_get_body (t), &len);
  g_assert_cmpmem (body, len, text, text_len);
  g_assert_cmpint (gcurl_transfer_get_bytes_received (t), ==, (gint64) text_len);
  g_assert_cmpint (gcurl_transfer_get_total_bytes (t), ==, (gint64) text_len);
  g_assert_cmpint (gcurl_transfer_get_wire_bytes_received (t), ==, (gint64) st.st_size);

  gcurl_transfer_set_max_size (t, GCURL_TEST_ENCODED_SIZE / 2);
  error = run (f, t);
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_TOO_LARGE);
}

/* ---------------------------------------------------------------------- */
/* The connection and the response                                         */

static void
test_connection_info (Fixture       *f,
                      gconstpointer  data)
{
  g_autofree char *url = surl ("/raw?head=HTTP%2F1.1%20200%20OK%0D%0ASet-Cookie%3A%20a%3D1%0D%0A"
                               "Set-Cookie%3A%20b%3D2%0D%0AContent-Length%3A%200%0D%0A%0D%0A");
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new (url);
  g_autoptr(GSocketAddress) remote = NULL, local = NULL;
  g_autofree char *ip = NULL;
  g_auto(GStrv) cookies = NULL, none = NULL;
  g_autoptr(GUri) uri = g_uri_parse (gcurl_test_server_get_url (server), G_URI_FLAGS_NONE, NULL);

  g_assert_null (gcurl_transfer_get_response_http_version (t));
  g_assert_null (gcurl_transfer_dup_remote_address (t));
  g_assert_no_error (run (f, t));
  g_assert_cmpstr (gcurl_transfer_get_response_http_version (t), ==, "HTTP/1.1");
  remote = gcurl_transfer_dup_remote_address (t);
  local = gcurl_transfer_dup_local_address (t);
  g_assert_true (G_IS_INET_SOCKET_ADDRESS (remote) && G_IS_INET_SOCKET_ADDRESS (local));
  ip = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (remote)));
  g_assert_cmpstr (ip, ==, "127.0.0.1");
  g_assert_cmpint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (remote)), ==,
                   g_uri_get_port (uri));
  g_assert_cmpint (g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local)), >, 0);

  cookies = gcurl_transfer_get_response_header_all (t, "set-cookie");
  g_assert_cmpstrv (cookies, ((const char *[]) { "a=1", "b=2", NULL }));
  none = gcurl_transfer_get_response_header_all (t, "X-None");
  g_assert_cmpuint (g_strv_length (none), ==, 0);
}

/* A handle C code has is read at the end: the figures stay after the
 * handle ran something else. */
static void
test_connection_info_exposed (Fixture       *f,
                              gconstpointer  data)
{
  g_autofree char *url = surl ("/bytes?n=10");
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new (url);
  g_autoptr(GSocketAddress) remote = NULL;

  g_assert_nonnull (gcurl_transfer_get_handle (t));
  g_assert_no_error (run (f, t));
  curl_easy_reset (gcurl_transfer_get_handle (t));
  g_assert_cmpstr (gcurl_transfer_get_response_http_version (t), ==, "HTTP/1.1");
  remote = gcurl_transfer_dup_remote_address (t);
  g_assert_nonnull (remote);
}

static void
test_source_progress (Fixture       *f,
                      gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *slow = NULL, *small = NULL;
  g_autoptr(GCurlTransfer) a = NULL, b = NULL;
  Result ra = { 0 }, rb = { 0 };
  gint64 received = -1, total = 0;
  guint running = 9, queued = 9;

  if (nginx == NULL)
    return;
  slow = g_strdup_printf ("%s/slow/100k", nginx->http_url);
  small = g_strdup_printf ("%s/1k", nginx->http_url);
  a = gcurl_transfer_new (slow);
  b = gcurl_transfer_new (small);
  gcurl_multi_source_set_max_total_connections (f->source, 1);
  gcurl_multi_source_get_progress (f->source, &received, &total, &running, &queued);
  g_assert_cmpint (received, ==, 0);
  g_assert_cmpuint (running + queued, ==, 0);

  gcurl_multi_source_perform_async (f->source, a, NULL, perform_cb, &ra);
  gcurl_multi_source_perform_async (f->source, b, NULL, perform_cb, &rb);
  while (gcurl_transfer_get_bytes_received (a) == 0)
    g_main_context_iteration (f->context, TRUE);
  gcurl_multi_source_get_progress (f->source, &received, &total, &running, &queued);
  g_assert_cmpuint (running, ==, 1);
  g_assert_cmpuint (queued, ==, 1);
  g_assert_cmpint (received, >, 0);
  g_assert_cmpint (total, ==, -1);
  gcurl_test_wait_for_flag (f->context, &ra.done, 30000);
  gcurl_test_wait_for_flag (f->context, &rb.done, 30000);
  g_assert_no_error (ra.error);
  g_assert_no_error (rb.error);
  gcurl_multi_source_get_progress (f->source, &received, NULL, &running, &queued);
  g_assert_cmpuint (running + queued, ==, 0);
}

/* ---------------------------------------------------------------------- */
/* Cookies                                                                 */

/* a.test on the server's 127.0.0.1 port, b.test on its 127.0.0.2 one. */
static GCurlTransfer *
named_transfer (const char *host,
                const char *path)
{
  g_autoptr(GUri) a = g_uri_parse (gcurl_test_server_get_url (server), G_URI_FLAGS_NONE, NULL);
  g_autoptr(GUri) b = g_uri_parse (gcurl_test_server_get_other_url (server), G_URI_FLAGS_NONE, NULL);
  g_autofree char *ra = g_strdup_printf ("a.test:%d:127.0.0.1", g_uri_get_port (a));
  g_autofree char *rb = g_strdup_printf ("b.test:%d:127.0.0.2", g_uri_get_port (b));
  g_autofree char *url = g_strdup_printf ("http://%s:%d%s", host,
                                          g_uri_get_port (g_str_equal (host, "a.test") ? a : b), path);
  GCurlTransfer *t = gcurl_transfer_new (url);
  const char *resolve[] = { ra, rb, NULL };

  gcurl_transfer_set_resolve (t, resolve);
  return t;
}

static const char *
echoed_cookie (Fixture    *f,
               const char *host,
               char      **out)
{
  g_autoptr(GCurlTransfer) t = named_transfer (host, "/echo");

  g_assert_no_error (run (f, t));
  g_free (*out);
  *out = g_strdup (gcurl_transfer_get_response_header (t, "X-Echo-Cookie"));
  return *out;
}

static void
test_cookies_in_memory (Fixture       *f,
                        gconstpointer  data)
{
  g_autoptr(GCurlTransfer) login = named_transfer ("a.test", "/echo?set-cookie=sid%3Dx1%3B%20Path%3D%2F");
  g_autoptr(GError) error = NULL;
  g_auto(GStrv) cookies = NULL;
  g_autofree char *got = NULL;

  gcurl_multi_source_set_cookie_jar (f->source, "");
  g_assert_no_error (run (f, login));
  g_assert_cmpstr (echoed_cookie (f, "a.test", &got), ==, "sid=x1");
  g_assert_null (echoed_cookie (f, "b.test", &got));
  cookies = gcurl_multi_source_dup_cookies (f->source);
  g_assert_cmpuint (g_strv_length (cookies), ==, 1);
  g_assert_cmpstr (cookies[0], ==, "a.test\tFALSE\t/\tFALSE\t0\tsid\tx1");

  g_assert_false (gcurl_multi_source_add_cookie (f->source, "e=1; Domain=b.test",
                                                 "http://a.test/", &error));
  g_assert_error (error, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT);
  g_assert_true (gcurl_multi_source_add_cookie (f->source, "e=2", "http://b.test/", NULL));
  g_assert_cmpstr (echoed_cookie (f, "b.test", &got), ==, "e=2");

  gcurl_multi_source_clear_cookies (f->source);
  g_assert_null (echoed_cookie (f, "a.test", &got));
}

static void
test_cookies_file (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("gcurl-cookies-XXXXXX", NULL);
  g_autofree char *jar = g_build_filename (dir, "jar", NULL);
  g_autofree char *contents = NULL, *got = NULL;
  g_autoptr(GCurlTransfer) login =
    named_transfer ("a.test", "/echo?set-cookie=keep%3D1%3B%20Max-Age%3D600");
  g_autoptr(GCurlMultiSource) second = NULL;
  GStatBuf st;

  gcurl_multi_source_set_cookie_jar (f->source, jar);
  g_assert_no_error (run (f, login));
  /* Written by an idle of the context, once the burst is over. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_assert_true (g_file_get_contents (jar, &contents, NULL, NULL));
  g_assert_nonnull (strstr (contents, "\tkeep\t1"));
  g_assert_cmpint (g_stat (jar, &st), ==, 0);
  g_assert_cmpint (st.st_mode & 0777, ==, 0600);

  /* Another source reads it. */
  second = g_object_new (GCURL_TYPE_MULTI_SOURCE, "cookie-jar", jar, NULL);
  g_object_unref (f->source);
  f->source = g_steal_pointer (&second);
  g_assert_cmpstr (echoed_cookie (f, "a.test", &got), ==, "keep=1");

  g_remove (jar);
  g_rmdir (dir);
}

/* ---------------------------------------------------------------------- */
/* Multipart forms                                                         */

static void
test_form (Fixture       *f,
           gconstpointer  data)
{
  g_autofree char *dir = g_dir_make_tmp ("gcurl-form-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "part.bin", NULL);
  g_autofree char *url = surl ("/multipart");
  g_autofree char *file_sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256,
                                                           gcurl_test_pattern (), 200000);
  g_autofree char *expected = NULL;
  g_autofree char *value_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "value", -1);
  g_autofree char *hello_sha = g_compute_checksum_for_string (G_CHECKSUM_SHA256, "hello", -1);
  g_autoptr(GCurlForm) form = gcurl_form_new ();
  g_autoptr(GFile) file = NULL;
  g_autoptr(GBytes) bytes = g_bytes_new_static ("hello", 5);
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new (url);
  gsize len = 0;
  const char *body;

  g_assert_true (g_file_set_contents (path, (const char *) gcurl_test_pattern (), 200000, NULL));
  file = g_file_new_for_path (path);
  gcurl_form_add_field (form, "name", "value");
  gcurl_form_add_file (form, "upload", file, "application/x-test");
  gcurl_form_add_bytes (form, "mem", bytes, NULL);
  gcurl_transfer_set_request_body_form (t, form);
  g_assert_no_error (run (f, t));

  expected = g_strdup_printf ("name\t-\t-\t5\t%s\n"
                              "upload\tpart.bin\tapplication/x-test\t200000\t%s\n"
                              "mem\t-\t-\t5\t%s\n",
                              value_sha, file_sha, hello_sha);
  body = g_bytes_get_data (gcurl_transfer_get_body (t), &len);
  g_assert_cmpmem (body, len, expected, strlen (expected));
  g_assert_cmpint (gcurl_transfer_get_bytes_sent (t), ==, gcurl_transfer_get_total_bytes_to_send (t));
  g_assert_cmpint (gcurl_transfer_get_total_bytes_to_send (t), >, 200000);

  g_remove (path);
  g_rmdir (dir);
}

/* ---------------------------------------------------------------------- */
/* Network changes                                                         */

/* A network monitor whose changes the test makes. */
#define FAKE_TYPE_MONITOR (fake_monitor_get_type ())
G_DECLARE_FINAL_TYPE (FakeMonitor, fake_monitor, FAKE, MONITOR, GObject)

struct _FakeMonitor
{
  GObject  parent_instance;
  gboolean metered;
};

static void fake_monitor_iface_init (GNetworkMonitorInterface *iface);
static void fake_monitor_initable_init (GInitableIface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (FakeMonitor, fake_monitor, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_INITABLE, fake_monitor_initable_init)
  G_IMPLEMENT_INTERFACE (G_TYPE_NETWORK_MONITOR, fake_monitor_iface_init))

enum { FAKE_PROP_0, FAKE_PROP_AVAILABLE, FAKE_PROP_METERED, FAKE_PROP_CONNECTIVITY };

static void
fake_monitor_get_property (GObject    *object,
                           guint       prop_id,
                           GValue     *value,
                           GParamSpec *pspec)
{
  FakeMonitor *self = FAKE_MONITOR (object);

  switch (prop_id)
    {
    case FAKE_PROP_AVAILABLE: g_value_set_boolean (value, TRUE); break;
    case FAKE_PROP_METERED: g_value_set_boolean (value, self->metered); break;
    case FAKE_PROP_CONNECTIVITY: g_value_set_enum (value, G_NETWORK_CONNECTIVITY_FULL); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static gboolean
fake_monitor_init_initable (GInitable     *initable,
                            GCancellable  *cancellable,
                            GError       **error)
{
  return TRUE;
}

static void
fake_monitor_initable_init (GInitableIface *iface)
{
  iface->init = fake_monitor_init_initable;
}

static void
fake_monitor_iface_init (GNetworkMonitorInterface *iface)
{
}

static void
fake_monitor_class_init (FakeMonitorClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->get_property = fake_monitor_get_property;
  g_object_class_override_property (object_class, FAKE_PROP_AVAILABLE, "network-available");
  g_object_class_override_property (object_class, FAKE_PROP_METERED, "network-metered");
  g_object_class_override_property (object_class, FAKE_PROP_CONNECTIVITY, "connectivity");
}

static void
fake_monitor_init (FakeMonitor *self)
{
}

static guint
local_port_of (Fixture    *f,
               const char *url)
{
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new (url);
  g_autoptr(GSocketAddress) local = NULL;

  g_assert_no_error (run (f, t));
  local = gcurl_transfer_dup_local_address (t);
  return g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (local));
}

static void
notified (GObject    *object,
          GParamSpec *pspec,
          gpointer    data)
{
  (*(int *) data)++;
}

static void
test_network_change (Fixture       *f,
                     gconstpointer  data)
{
  g_autoptr(FakeMonitor) monitor = g_object_new (FAKE_TYPE_MONITOR, NULL);
  g_autofree char *url = surl ("/bytes?n=100");
  guint before, after;
  int metered_notified = 0;

  g_assert_true (gcurl_multi_source_get_network_monitor (f->source) == g_network_monitor_get_default ());
  gcurl_multi_source_set_network_monitor (f->source, G_NETWORK_MONITOR (monitor));
  g_assert_true (gcurl_multi_source_get_network_available (f->source));
  g_assert_false (gcurl_multi_source_get_network_metered (f->source));

  before = local_port_of (f, url);
  g_assert_cmpuint (local_port_of (f, url), ==, before);
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  after = local_port_of (f, url);
  g_assert_cmpuint (after, !=, before);
  g_assert_cmpuint (local_port_of (f, url), !=, before);

  g_signal_connect (f->source, "notify::network-metered", G_CALLBACK (notified), &metered_notified);
  monitor->metered = TRUE;
  g_object_notify (G_OBJECT (monitor), "network-metered");
  while (metered_notified == 0)
    g_main_context_iteration (f->context, TRUE);
  g_assert_true (gcurl_multi_source_get_network_metered (f->source));
  /* The source no longer follows it once gone. */
  g_assert_finalize_object (g_steal_pointer (&f->source));
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  f->source = gcurl_multi_source_new ();
}

/* ---------------------------------------------------------------------- */
/* Proxies                                                                 */

static void
count_up (int *count)
{
  (*count)++;
}

/* A GProxyResolver that counts its lookups, answers @answer (or fails,
 * without one), and holds its answers while @hold, until released. */
#define TEST_TYPE_RESOLVER (test_resolver_get_type ())
G_DECLARE_FINAL_TYPE (TestResolver, test_resolver, TEST, RESOLVER, GObject)

struct _TestResolver
{
  GObject     parent_instance;
  char      **answer;
  gboolean    hold;
  GPtrArray  *held;      /* GTask */
  guint       lookups;
  char       *last_uri;
};

static void test_resolver_iface_init (GProxyResolverInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (TestResolver, test_resolver, G_TYPE_OBJECT,
  G_IMPLEMENT_INTERFACE (G_TYPE_PROXY_RESOLVER, test_resolver_iface_init))

static void
test_resolver_answer (TestResolver *self,
                      GTask        *task)
{
  if (self->answer != NULL)
    g_task_return_pointer (task, g_strdupv (self->answer), (GDestroyNotify) g_strfreev);
  else
    g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_FAILED, "no answer here");
}

static char **
test_resolver_lookup (GProxyResolver  *resolver,
                      const char      *uri,
                      GCancellable    *cancellable,
                      GError         **error)
{
  g_assert_not_reached ();
}

static void
test_resolver_lookup_async (GProxyResolver      *resolver,
                            const char          *uri,
                            GCancellable        *cancellable,
                            GAsyncReadyCallback  callback,
                            gpointer             user_data)
{
  TestResolver *self = TEST_RESOLVER (resolver);
  GTask *task = g_task_new (resolver, cancellable, callback, user_data);

  self->lookups++;
  g_free (self->last_uri);
  self->last_uri = g_strdup (uri);
  if (self->hold)
    g_ptr_array_add (self->held, task);
  else
    {
      test_resolver_answer (self, task);
      g_object_unref (task);
    }
}

static char **
test_resolver_lookup_finish (GProxyResolver  *resolver,
                             GAsyncResult    *result,
                             GError         **error)
{
  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
test_resolver_release (TestResolver *self)
{
  g_autoptr(GPtrArray) held = g_steal_pointer (&self->held);

  self->held = g_ptr_array_new ();
  self->hold = FALSE;
  for (guint i = 0; i < held->len; i++)
    {
      test_resolver_answer (self, held->pdata[i]);
      g_object_unref (held->pdata[i]);
    }
}

static void
test_resolver_iface_init (GProxyResolverInterface *iface)
{
  iface->lookup = test_resolver_lookup;
  iface->lookup_async = test_resolver_lookup_async;
  iface->lookup_finish = test_resolver_lookup_finish;
}

static void
test_resolver_finalize (GObject *object)
{
  TestResolver *self = TEST_RESOLVER (object);

  g_assert_cmpuint (self->held->len, ==, 0);
  g_ptr_array_unref (self->held);
  g_strfreev (self->answer);
  g_free (self->last_uri);
  G_OBJECT_CLASS (test_resolver_parent_class)->finalize (object);
}

static void
test_resolver_class_init (TestResolverClass *klass)
{
  G_OBJECT_CLASS (klass)->finalize = test_resolver_finalize;
}

static void
test_resolver_init (TestResolver *self)
{
  self->held = g_ptr_array_new ();
}

static TestResolver *
test_resolver_new (const char *answer)
{
  TestResolver *self = g_object_new (TEST_TYPE_RESOLVER, NULL);

  if (answer != NULL)
    self->answer = g_strsplit (answer, " ", -1);
  return self;
}

/* The test SoupServer is the proxy: it takes requests in absolute form.
 * A host that does not exist is reached only through it. */
static char *
proxy_url (void)
{
  g_autoptr(GUri) uri = g_uri_parse (gcurl_test_server_get_url (server), G_URI_FLAGS_NONE, NULL);

  return g_strdup_printf ("http://127.0.0.1:%d", g_uri_get_port (uri));
}

static void
test_proxy_lookups (Fixture       *f,
                    gconstpointer  data)
{
  g_autofree char *proxy = proxy_url ();
  g_autofree char *answer = g_strconcat ("gopher://127.0.0.1:70 ", proxy, NULL);
  g_autoptr(TestResolver) resolver = test_resolver_new (answer);
  g_autoptr(FakeMonitor) monitor = g_object_new (FAKE_TYPE_MONITOR, NULL);
  g_autoptr(GPtrArray) transfers = g_ptr_array_new_with_free_func (g_object_unref);
  int done = 0;

  gcurl_multi_source_set_network_monitor (f->source, G_NETWORK_MONITOR (monitor));
  gcurl_multi_source_set_proxy_resolver (f->source, G_PROXY_RESOLVER (resolver));
  g_assert_true (gcurl_multi_source_get_proxy_resolver (f->source) == G_PROXY_RESOLVER (resolver));

  /* Twenty at once to one host: one lookup, with credentials and path
   * left out, and every one goes through the proxy (the first answer is
   * one no client uses). */
  for (int i = 0; i < 20; i++)
    {
      GCurlTransfer *t = gcurl_transfer_new ("http://user:pw@gcurl-proxied.invalid/echo?i=1");

      g_ptr_array_add (transfers, t);
      g_signal_connect_swapped (t, "finished", G_CALLBACK (count_up), &done);
      gcurl_multi_source_perform_async (f->source, t, NULL, NULL, NULL);
    }
  gcurl_test_wait_for_count (f->context, &done, 20, 30000);
  g_assert_cmpuint (resolver->lookups, ==, 1);
  g_assert_cmpstr (resolver->last_uri, ==, "http://gcurl-proxied.invalid");
  for (guint i = 0; i < transfers->len; i++)
    {
      GCurlTransfer *t = transfers->pdata[i];

      g_assert_cmpint (gcurl_transfer_get_state (t), ==, GCURL_TRANSFER_STATE_SUCCEEDED);
      g_assert_cmpstr (gcurl_transfer_get_response_header (t, "X-Echo-Host"), ==,
                       "gcurl-proxied.invalid");
    }

  /* Kept: another run asks nothing; another port is another answer. */
  {
    g_autoptr(GCurlTransfer) again = gcurl_transfer_new ("http://gcurl-proxied.invalid/echo");
    g_autoptr(GCurlTransfer) other = gcurl_transfer_new ("http://gcurl-proxied.invalid:8080/echo");

    g_assert_no_error (run (f, again));
    g_assert_cmpuint (resolver->lookups, ==, 1);
    g_assert_no_error (run (f, other));
    g_assert_cmpuint (resolver->lookups, ==, 2);
    g_assert_cmpstr (resolver->last_uri, ==, "http://gcurl-proxied.invalid:8080");
  }

  /* A network change drops what was kept. */
  g_signal_emit_by_name (monitor, "network-changed", TRUE);
  while (g_main_context_iteration (f->context, FALSE))
    ;
  {
    g_autoptr(GCurlTransfer) t = gcurl_transfer_new ("http://gcurl-proxied.invalid/echo");

    g_assert_no_error (run (f, t));
    g_assert_cmpuint (resolver->lookups, ==, 3);
  }

  /* A failed lookup fails the transfer, and is not kept. */
  g_clear_pointer (&resolver->answer, g_strfreev);
  {
    g_autoptr(GCurlTransfer) t = gcurl_transfer_new ("http://gcurl-other.invalid/echo");
    g_autoptr(GError) error = run (f, t);

    g_assert_error (error, GCURL_ERROR, GCURL_ERROR_HOST_NOT_FOUND);
    g_assert_nonnull (strstr (error->message, "proxy resolver failed: no answer here"));
    g_clear_error (&error);
    error = run (f, t);
    g_assert_error (error, GCURL_ERROR, GCURL_ERROR_HOST_NOT_FOUND);
    g_assert_cmpuint (resolver->lookups, ==, 5);
  }
}

static void
test_proxy_cancel_while_looking_up (Fixture       *f,
                                    gconstpointer  data)
{
  g_autofree char *proxy = proxy_url ();
  g_autoptr(TestResolver) resolver = test_resolver_new (proxy);
  g_autoptr(GCurlTransfer) cancelled = gcurl_transfer_new ("http://gcurl-proxied.invalid/echo");
  /* With a body: libcurl 7.88 cannot pause a transfer that has no
   * connection yet, and the write callback pauses it on its first byte. */
  g_autoptr(GCurlTransfer) paused = gcurl_transfer_new ("http://gcurl-proxied.invalid/bytes?n=100000");
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  Result rc = { 0 }, rp = { 0 };

  resolver->hold = TRUE;
  gcurl_multi_source_set_proxy_resolver (f->source, G_PROXY_RESOLVER (resolver));
  gcurl_multi_source_perform_async (f->source, cancelled, cancellable, perform_cb, &rc);
  gcurl_multi_source_perform_async (f->source, paused, NULL, perform_cb, &rp);
  g_assert_cmpint (gcurl_transfer_get_state (cancelled), ==, GCURL_TRANSFER_STATE_RUNNING);
  gcurl_transfer_pause (paused);

  g_cancellable_cancel (cancellable);
  gcurl_test_wait_for_flag (f->context, &rc.done, 10000);
  g_assert_error (rc.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
  g_clear_error (&rc.error);

  /* The answer comes: the cancelled one stays ended, the paused one is
   * added paused, and runs when resumed. */
  test_resolver_release (resolver);
  gcurl_test_run_for (f->context, 300);
  g_assert_cmpint (gcurl_transfer_get_state (cancelled), ==, GCURL_TRANSFER_STATE_CANCELLED);
  g_assert_cmpint (gcurl_transfer_get_state (paused), ==, GCURL_TRANSFER_STATE_PAUSED);
  g_assert_false (rp.done);
  g_assert_cmpint (gcurl_transfer_get_bytes_received (paused), ==, 0);
  gcurl_transfer_resume (paused);
  gcurl_test_wait_for_flag (f->context, &rp.done, 10000);
  g_assert_no_error (rp.error);
  /* The .invalid host is reached through the proxy only. */
  g_assert_cmpint (gcurl_transfer_get_bytes_received (paused), ==, 100000);

  /* The source disposed while a lookup is under way: the run ends as
   * cancelled, and the late answer finds nothing. */
  {
    g_autoptr(GCurlTransfer) t = gcurl_transfer_new ("http://gcurl-late.invalid/echo");
    Result r = { 0 };

    resolver->hold = TRUE;
    gcurl_multi_source_perform_async (f->source, t, NULL, perform_cb, &r);
    g_object_run_dispose (G_OBJECT (f->source));
    gcurl_test_wait_for_flag (f->context, &r.done, 10000);
    g_assert_error (r.error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    g_clear_error (&r.error);
    test_resolver_release (resolver);
    while (g_main_context_iteration (f->context, FALSE))
      ;
  }
}

static void
test_proxy_own (Fixture       *f,
                gconstpointer  data)
{
  g_autofree char *proxy = proxy_url ();
  g_autoptr(TestResolver) resolver = test_resolver_new ("http://127.0.0.1:9");
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new ("http://gcurl-proxied.invalid/echo");
  g_autofree char *with_password = NULL;
  g_autoptr(GError) error = NULL;

  gcurl_multi_source_set_proxy_resolver (f->source, G_PROXY_RESOLVER (resolver));
  /* The transfer's own proxy: no lookup. Credentials go to the proxy. */
  with_password = g_strconcat ("http://u:pass%40word@", proxy + strlen ("http://"), NULL);
  gcurl_transfer_set_proxy (t, with_password);
  g_assert_cmpstr (gcurl_transfer_get_proxy (t), ==, with_password);
  g_assert_no_error (run (f, t));
  g_assert_cmpuint (resolver->lookups, ==, 0);
  g_assert_cmpstr (gcurl_transfer_get_response_header (t, "X-Echo-Proxy-Authorization"), ==,
                   "Basic dTpwYXNzQHdvcmQ=");   /* u:pass@word */

  /* Direct: the .invalid host is not found. */
  gcurl_transfer_set_proxy (t, "");
  error = run (f, t);
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_HOST_NOT_FOUND);
  g_clear_error (&error);

  /* Not a proxy: refused at the start, without the password. */
  gcurl_transfer_set_proxy (t, "http://u:secret@");
  error = run (f, t);
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_INVALID_URL);
  g_assert_null (strstr (error->message, "secret"));
  g_clear_error (&error);

  /* Back to the resolver's, which is a closed port. */
  gcurl_transfer_set_proxy (t, NULL);
  error = run (f, t);
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_CONNECT_FAILED);
  g_assert_cmpuint (resolver->lookups, ==, 1);
}

/* ---------------------------------------------------------------------- */
/* Pull streams                                                            */

static void
send_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  GInputStream **stream = data;
  g_autoptr(GError) error = NULL;

  *stream = gcurl_multi_source_send_finish (GCURL_MULTI_SOURCE (object), result, &error);
  g_assert_no_error (error);
}

static void
send_error_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  Result *r = data;

  g_assert_null (gcurl_multi_source_send_finish (GCURL_MULTI_SOURCE (object), result, &r->error));
  r->done = TRUE;
}

static GInputStream *
send_and_wait (Fixture       *f,
               GCurlTransfer *t)
{
  GInputStream *stream = NULL;

  gcurl_multi_source_send_async (f->source, t, G_PRIORITY_DEFAULT, NULL, send_cb, &stream);
  while (stream == NULL)
    g_main_context_iteration (f->context, TRUE);
  return stream;
}

typedef struct
{
  Fixture      *f;
  guint8        buf[64 * 1024];
  GChecksum    *sha;
  gint64        total;
  gint64        stop_at;    /* no more reads once this much is in */
  gboolean      reading;
  gboolean      eof;
  GError       *error;
} Reader;

static void read_next (GInputStream *stream, Reader *r);

static void
read_cb (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  Reader *r = data;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &r->error);

  r->reading = FALSE;
  if (n <= 0)
    {
      r->eof = TRUE;
      return;
    }
  g_checksum_update (r->sha, r->buf, n);
  r->total += n;
  if (r->stop_at < 0 || r->total < r->stop_at)
    read_next (G_INPUT_STREAM (object), r);
}

static void
read_next (GInputStream *stream,
           Reader       *r)
{
  gsize want = sizeof r->buf;

  if (r->stop_at >= 0 && r->stop_at - r->total < (gint64) want)
    want = (gsize) (r->stop_at - r->total);
  r->reading = TRUE;
  g_input_stream_read_async (stream, r->buf, want, G_PRIORITY_DEFAULT, NULL, read_cb, r);
}

/* Peak RSS since the last reset, in KiB. */
static gint64
peak_rss_kib (gboolean reset)
{
  g_autofree char *status = NULL;
  const char *hwm;

  if (reset)
    {
      /* "5" resets the peak (proc(5)); not through a temporary file. */
      int fd = g_open ("/proc/self/clear_refs", O_WRONLY, 0);

      g_assert_cmpint (fd, >=, 0);
      g_assert_cmpint (write (fd, "5", 1), ==, 1);
      g_close (fd, NULL);
    }
  g_assert_true (g_file_get_contents ("/proc/self/status", &status, NULL, NULL));
  hwm = strstr (status, "VmHWM:");
  g_assert_nonnull (hwm);
  return g_ascii_strtoll (hwm + 6, NULL, 10);
}

static void
test_send_backpressure (Fixture       *f,
                        gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  /* 1 GB; 64 MiB under valgrind, which reads every byte slowly. */
  gint64 size = g_getenv ("GCURL_TEST_VALGRIND") ? 64 << 20 : (gint64) 1 << 30;
  g_autofree char *path = NULL, *url = NULL, *pattern_path = NULL;
  g_autofree char *pattern = NULL;
  g_autoptr(GChecksum) want = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GCurlTransfer) t = NULL;
  g_autoptr(GInputStream) stream = NULL;
  Reader r = { .f = f, .stop_at = 64 * 1024 };
  gsize pattern_len;
  guint64 dispatches;
  gint64 base_kib, peak_kib;
  FILE *out;

  if (nginx == NULL)
    return;
  /* The 16 MiB pattern file over and over: a misplaced chunk shows. */
  pattern_path = g_build_filename (nginx->dir, "www", "16m", NULL);
  g_assert_true (g_file_get_contents (pattern_path, &pattern, &pattern_len, NULL));
  path = g_build_filename (nginx->dir, "www", "big-pull", NULL);
  out = fopen (path, "wb");
  g_assert_nonnull (out);
  for (gint64 done = 0; done < size; done += (gint64) pattern_len)
    {
      g_assert_cmpuint (fwrite (pattern, 1, pattern_len, out), ==, pattern_len);
      g_checksum_update (want, (const guchar *) pattern, pattern_len);
    }
  g_assert_cmpint (fclose (out), ==, 0);
  g_clear_pointer (&pattern, g_free);

  base_kib = peak_rss_kib (TRUE);
  url = g_strdup_printf ("%s/big-pull", nginx->http_url);
  t = gcurl_transfer_new (url);
  gcurl_transfer_set_http_version (t, GCURL_HTTP_1_1);
  stream = send_and_wait (f, t);
  g_assert_cmpuint (gcurl_transfer_get_response_code (t), ==, 200);

  /* The first 64 KiB, then nothing: the buffer fills, and the transfer
   * pauses. */
  r.sha = g_checksum_new (G_CHECKSUM_SHA256);
  read_next (stream, &r);
  while (r.reading)
    g_main_context_iteration (f->context, TRUE);
  g_assert_cmpint (r.total, ==, 64 * 1024);
  gcurl_test_run_for (f->context, 500);
  dispatches = _gcurl_multi_source_get_dispatch_count (f->source);
  gcurl_test_run_for (f->context, 10000);
  /* Paused: no socket to watch, no timer, no work. */
  g_assert_cmpuint (_gcurl_multi_source_get_dispatch_count (f->source), ==, dispatches);
  g_assert_cmpint (gcurl_transfer_get_bytes_received (t), <=,
                   64 * 1024 + GCURL_BODY_STREAM_BUFFER + 64 * 1024);
  g_assert_cmpint (gcurl_transfer_get_state (t), ==, GCURL_TRANSFER_STATE_RUNNING);

  /* Then all of it. */
  r.stop_at = -1;
  read_next (stream, &r);
  while (!r.eof)
    g_main_context_iteration (f->context, TRUE);
  g_assert_no_error (r.error);
  g_assert_cmpint (r.total, ==, size);
  g_assert_cmpstr (g_checksum_get_string (r.sha), ==, g_checksum_get_string (want));
  while (gcurl_transfer_get_state (t) == GCURL_TRANSFER_STATE_RUNNING)
    g_main_context_iteration (f->context, TRUE);
  g_assert_cmpint (gcurl_transfer_get_state (t), ==, GCURL_TRANSFER_STATE_SUCCEEDED);

  peak_kib = peak_rss_kib (FALSE);
  g_test_message ("peak RSS %" G_GINT64_FORMAT " KiB over %" G_GINT64_FORMAT " KiB before",
                  peak_kib, base_kib);
#ifndef __SANITIZE_ADDRESS__   /* ASan keeps freed memory in quarantine */
  g_assert_cmpint (peak_kib - base_kib, <=, GCURL_BODY_STREAM_BUFFER / 1024 + 10 * 1024);
#endif
  g_checksum_free (r.sha);
  g_assert_cmpint (g_unlink (path), ==, 0);
}

typedef struct
{
  GInputStream *stream;
  GChecksum    *sha;
  gint64        total;
  gboolean      done;
  GMainContext *context;   /* to wake up */
} ThreadReader;

static gpointer
blocking_reader (gpointer data)
{
  ThreadReader *r = data;
  guint8 buf[10000];
  gssize n;

  while ((n = g_input_stream_read (r->stream, buf, sizeof buf, NULL, NULL)) > 0)
    {
      g_checksum_update (r->sha, buf, n);
      r->total += n;
    }
  g_atomic_int_set (&r->done, TRUE);
  g_main_context_wakeup (r->context);
  return NULL;
}

/* A run that cannot start fails its task, whatever stops it. */
static void
test_send_not_started (Fixture       *f,
                       gconstpointer  data)
{
  g_autoptr(GCancellable) cancellable = g_cancellable_new ();
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new ("http://127.0.0.1:9/");
  g_autoptr(GCurlTransfer) no_url = g_object_new (GCURL_TYPE_TRANSFER, NULL);
  GCurlTransfer *transfers[] = { t, no_url };
  GError *expected[] = {
    g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, ""),
    g_error_new_literal (GCURL_ERROR, GCURL_ERROR_INVALID_URL, ""),
  };

  g_cancellable_cancel (cancellable);
  for (guint i = 0; i < G_N_ELEMENTS (transfers); i++)
    {
      Result r = { 0 };

      gcurl_multi_source_send_async (f->source, transfers[i], G_PRIORITY_DEFAULT,
                                     cancellable, send_error_cb, &r);
      gcurl_test_wait_for_flag (f->context, &r.done, 10000);
      g_assert_error (r.error, expected[i]->domain, expected[i]->code);
      g_clear_error (&r.error);
      g_error_free (expected[i]);
    }
}

static void
test_send_threads (Fixture       *f,
                   gconstpointer  data)
{
  g_autofree char *url = surl ("/bytes?n=1000000");
  g_autoptr(GCurlTransfer) t = gcurl_transfer_new (url);
  g_autoptr(GInputStream) stream = send_and_wait (f, t);
  g_autoptr(GChecksum) want = g_checksum_new (G_CHECKSUM_SHA256);
  g_autoptr(GError) error = NULL;
  ThreadReader r = { stream, g_checksum_new (G_CHECKSUM_SHA256), 0, FALSE, f->context };
  guint8 buf[16];
  GThread *thread;

  /* In the source's own thread, a read that would wait is refused. */
  if (!g_pollable_input_stream_is_readable (G_POLLABLE_INPUT_STREAM (stream)))
    {
      g_test_expect_message ("GCurl", G_LOG_LEVEL_CRITICAL, "*would never return*");
      g_assert_cmpint (g_input_stream_read (stream, buf, sizeof buf, NULL, &error), ==, -1);
      g_test_assert_expected_messages ();
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK);
      g_clear_error (&error);
    }

  /* In another, it waits for the main loop here to deliver. */
  thread = g_thread_new ("reader", blocking_reader, &r);
  while (!g_atomic_int_get (&r.done))
    g_main_context_iteration (f->context, TRUE);
  g_thread_join (thread);
  g_checksum_update (want, gcurl_test_pattern (), 1000000);
  g_assert_cmpint (r.total, ==, 1000000);
  g_assert_cmpstr (g_checksum_get_string (r.sha), ==, g_checksum_get_string (want));
  g_checksum_free (r.sha);
  while (gcurl_transfer_get_state (t) == GCURL_TRANSFER_STATE_RUNNING)
    g_main_context_iteration (f->context, TRUE);

  /* Closed early, from the other thread too: the transfer is cancelled. */
  {
    g_autofree char *stall = surl ("/trickle?n=1000000&chunk=1000&interval=10");
    g_autoptr(GCurlTransfer) slow = gcurl_transfer_new (stall);
    g_autoptr(GInputStream) s = send_and_wait (f, slow);

    g_assert_true (g_input_stream_close (s, NULL, NULL));
    while (gcurl_transfer_get_state (slow) == GCURL_TRANSFER_STATE_RUNNING)
      g_main_context_iteration (f->context, TRUE);
    g_assert_cmpint (gcurl_transfer_get_state (slow), ==, GCURL_TRANSFER_STATE_CANCELLED);
  }
}

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  server = gcurl_test_server_new ();

#define ADD(path, func) \
  g_test_add ("/GCurl/HttpClient/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("auth/basic", test_auth_basic);
  ADD ("auth/digest", test_auth_digest);
  ADD ("auth/other-origin", test_auth_other_origin);
  ADD ("auth/misuse", test_auth_misuse);
  ADD ("decoding/gzip", test_decoding_gzip);
  ADD ("info/connection", test_connection_info);
  ADD ("info/connection-exposed", test_connection_info_exposed);
  ADD ("info/source-progress", test_source_progress);
  ADD ("cookies/in-memory", test_cookies_in_memory);
  ADD ("cookies/file", test_cookies_file);
  ADD ("form", test_form);
  ADD ("network/change", test_network_change);
  ADD ("proxy/lookups", test_proxy_lookups);
  ADD ("proxy/cancel-while-looking-up", test_proxy_cancel_while_looking_up);
  ADD ("proxy/own", test_proxy_own);
  ADD ("send/backpressure", test_send_backpressure);
  ADD ("send/threads", test_send_threads);
  ADD ("send/not-started", test_send_not_started);

  ret = g_test_run ();
  gcurl_test_server_free (server);
  return ret;
}
