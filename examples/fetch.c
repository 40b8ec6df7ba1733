/* fetch.c: fetch one URL into memory with gcurlmulti
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   cc fetch.c $(pkg-config --cflags --libs gcurlmulti-1.0) -o fetch
 *   ./fetch https://example.org/
 *
 * Prints the size and the SHA-256 of the body; exits 1 with the error on
 * failure (an HTTP status of 400 or more is one: the message names it).
 */

#include <gcurlmulti/gcurlmulti.h>

typedef struct
{
  GMainLoop *loop;
  int        status;
} App;

static void
fetched (GObject      *object,
         GAsyncResult *result,
         gpointer      data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) body = NULL;
  g_autofree char *sha256 = NULL;

  body = gcurl_multi_source_fetch_bytes_finish (GCURL_MULTI_SOURCE (object), result, &error);
  if (body == NULL)
    {
      g_printerr ("fetch: %s\n", error->message);
      app->status = 1;
    }
  else
    {
      sha256 = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, body);
      g_print ("%zu bytes, sha256 %s\n", g_bytes_get_size (body), sha256);
    }
  g_main_loop_quit (app->loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GCurlMultiSource) source = NULL;
  App app = { NULL, 0 };

  if (argc != 2)
    {
      g_printerr ("usage: %s URL\n", argv[0]);
      return 2;
    }

  app.loop = g_main_loop_new (NULL, FALSE);
  source = gcurl_multi_source_new ();
  gcurl_multi_source_fetch_bytes_async (source, argv[1], NULL, fetched, &app);
  g_main_loop_run (app.loop);
  g_main_loop_unref (app.loop);
  return app.status;
}
