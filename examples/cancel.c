/* cancel.c: cancel a download with a GCancellable, with gcurlmulti
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   cc cancel.c $(pkg-config --cflags --libs gcurlmulti-1.0) -o cancel
 *   ./cancel URL MILLISECONDS
 *
 * Starts fetching URL and cancels it after MILLISECONDS (as a Cancel
 * button would). Prints "cancelled after N bytes" and exits 0 if the
 * transfer was cancelled; prints the outcome and exits 1 if it ended
 * otherwise first.
 */

#include <stdlib.h>

#include <gcurlmulti/gcurlmulti.h>

typedef struct
{
  GMainLoop     *loop;
  GCurlTransfer *transfer;
  int            status;
} App;

static gboolean
press_cancel (gpointer data)
{
  g_cancellable_cancel (data);
  return G_SOURCE_REMOVE;
}

static void
finished (GObject      *object,
          GAsyncResult *result,
          gpointer      data)
{
  App *app = data;
  g_autoptr(GError) error = NULL;

  if (gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &error))
    {
      g_print ("finished before the cancellation\n");
      app->status = 1;
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    g_print ("cancelled after %" G_GINT64_FORMAT " bytes\n",
             gcurl_transfer_get_bytes_received (app->transfer));
  else
    {
      g_printerr ("cancel: %s\n", error->message);
      app->status = 1;
    }
  g_main_loop_quit (app->loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GCurlMultiSource) source = NULL;
  g_autoptr(GCancellable) cancellable = NULL;
  App app = { NULL, NULL, 0 };

  if (argc != 3)
    {
      g_printerr ("usage: %s URL MILLISECONDS\n", argv[0]);
      return 2;
    }

  app.loop = g_main_loop_new (NULL, FALSE);
  source = gcurl_multi_source_new ();
  cancellable = g_cancellable_new ();
  app.transfer = gcurl_transfer_new (argv[1]);

  gcurl_multi_source_perform_async (source, app.transfer, cancellable, finished, &app);
  g_timeout_add (atoi (argv[2]), press_cancel, cancellable);
  g_main_loop_run (app.loop);

  g_object_unref (app.transfer);
  g_main_loop_unref (app.loop);
  return app.status;
}
