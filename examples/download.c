/* download.c: parallel downloads with progress, with gcurlmulti
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   cc download.c $(pkg-config --cflags --libs gcurlmulti-1.0) -o download
 *   ./download DIR URL...
 *
 * Downloads every URL at once into DIR (under the name the URL suggests,
 * resuming a partial download left by an earlier run) and prints a line
 * per progress notification, then one per finished file with its SHA-256.
 * Exits 1 if any download failed.
 */

#include <gcurlmulti/gcurlmulti.h>

typedef struct
{
  GMainLoop *loop;
  int        running;
  int        failed;
} App;

typedef struct
{
  App           *app;
  GCurlTransfer *transfer;
} Download;

static void
on_progress (GCurlTransfer *transfer,
             GParamSpec    *pspec,
             gpointer       data)
{
  g_autofree char *name = gcurl_transfer_dup_suggested_filename (transfer);
  gint64 total = gcurl_transfer_get_total_bytes (transfer);

  if (total > 0)
    g_print ("%s: %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT " bytes (%d%%)\n", name,
             gcurl_transfer_get_bytes_received (transfer), total,
             (int) (100 * gcurl_transfer_get_bytes_received (transfer) / total));
  else
    g_print ("%s: %" G_GINT64_FORMAT " bytes\n", name,
             gcurl_transfer_get_bytes_received (transfer));
}

static char *
sha256_of_file (GFile *file)
{
  g_autoptr(GBytes) contents = g_file_load_bytes (file, NULL, NULL, NULL);

  return contents ? g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, contents) : NULL;
}

static void
downloaded (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  Download *download = data;
  App *app = download->app;
  g_autoptr(GError) error = NULL;
  GFile *file = gcurl_transfer_get_output_file (download->transfer);
  g_autofree char *path = g_file_get_path (file);

  if (gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &error))
    {
      g_autofree char *sha256 = sha256_of_file (file);

      g_print ("%s: done, sha256 %s\n", path, sha256);
    }
  else
    {
      g_printerr ("%s: %s\n", path, error->message);
      app->failed++;
    }

  g_object_unref (download->transfer);
  g_free (download);
  if (--app->running == 0)
    g_main_loop_quit (app->loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GCurlMultiSource) source = NULL;
  g_autoptr(GFile) dir = NULL;
  g_autoptr(GHashTable) names = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  App app = { NULL, 0, 0 };

  if (argc < 3)
    {
      g_printerr ("usage: %s DIR URL...\n", argv[0]);
      return 2;
    }

  app.loop = g_main_loop_new (NULL, FALSE);
  source = gcurl_multi_source_new ();
  dir = g_file_new_for_commandline_arg (argv[1]);

  for (int i = 2; i < argc; i++)
    {
      GCurlTransfer *transfer = gcurl_transfer_new (argv[i]);
      char *name = gcurl_transfer_dup_suggested_filename (transfer);
      g_autoptr(GFile) file = NULL;
      Download *download = g_new0 (Download, 1);

      /* Two URLs may suggest the same name: number the later ones. */
      for (int n = 2; g_hash_table_contains (names, name); n++)
        {
          g_autofree char *base = gcurl_transfer_dup_suggested_filename (transfer);

          g_free (name);
          name = g_strdup_printf ("%s-%d", base, n);
        }
      g_hash_table_add (names, name);
      file = g_file_get_child (dir, name);

      gcurl_transfer_set_output_file (transfer, file, GCURL_DOWNLOAD_FLAGS_RESUME |
                                                       GCURL_DOWNLOAD_FLAGS_REPLACE);
      g_signal_connect (transfer, "notify::bytes-received", G_CALLBACK (on_progress), NULL);
      download->app = &app;
      download->transfer = transfer;
      gcurl_multi_source_perform_async (source, transfer, NULL, downloaded, download);
      app.running++;
    }

  g_main_loop_run (app.loop);
  g_main_loop_unref (app.loop);
  return app.failed > 0 ? 1 : 0;
}
