/* transfer-many.c: many downloads through GCurlTransfer (bench client)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   transfer-many [-n COUNT] [-c CONCURRENCY] [-s BYTES] [-q] [--send] URL
 *
 * The high-level counterpart of examples/fetch-many.c, with the same
 * output: COUNT GETs of URL with CONCURRENCY in flight, each a new
 * GCurlTransfer run with gcurl_multi_source_perform_async() (memory
 * output, progress notifications on and counted by a handler, as an
 * application uses it); the callback checks the body's length, as
 * bench/gcurl-client.py does, and starts the next one. With --send, each
 * body is pulled instead: gcurl_multi_source_send_async() and 64 KiB
 * g_input_stream_read_async() calls until its end.
 */

#include <gcurlmulti/gcurlmulti.h>
#include <stdlib.h>
#include <sys/resource.h>

typedef struct
{
  GMainLoop        *loop;
  GCurlMultiSource *source;
  const char       *url;
  int               count;
  int               started;
  int               finished;
  int               failed;
  gint64            expected;
  gint64            total;
  int               notifies;
  long              buffer_size;
  gboolean          quiet;       /* no notify handler */
  gboolean          send;        /* send_async() and read the stream */
} Run;

typedef struct
{
  GCurlTransfer *transfer;
  gint64         got;
  guint8         buf[64 * 1024];
} Pull;

/* The one run, for the callbacks, whose data is the transfer. */
static Run *the_run;

static void start_one (Run *run);

static void
on_progress (GObject    *object,
             GParamSpec *pspec,
             gpointer    data)
{
  Run *run = data;

  run->notifies++;
}

/* One transfer ended: counted, its length checked, the next started. */
static void
one_done (Run           *run,
          GCurlTransfer *transfer,
          const GError  *error,
          gint64         got)
{
  gint64 expected = run->expected >= 0 ? run->expected : gcurl_transfer_get_total_bytes (transfer);

  run->finished++;
  if (error != NULL)
    {
      run->failed++;
      g_printerr ("transfer %d failed: %s\n", run->finished, error->message);
    }
  else if (gcurl_transfer_get_state (transfer) == GCURL_TRANSFER_STATE_SUCCEEDED)
    {
      run->total += got;
      if (got != expected)
        {
          run->failed++;
          g_printerr ("wrong length: %" G_GINT64_FORMAT "\n", got);
        }
    }

  if (run->started < run->count)
    start_one (run);
  if (run->finished == run->count)
    g_main_loop_quit (run->loop);
}

static void
performed (GObject      *object,
           GAsyncResult *result,
           gpointer      data)
{
  GCurlTransfer *transfer = data;   /* the task holds it */
  g_autoptr(GError) error = NULL;
  GBytes *body;

  gcurl_multi_source_perform_finish (the_run->source, result, &error);
  body = gcurl_transfer_get_body (transfer);
  one_done (the_run, transfer, error, body ? (gint64) g_bytes_get_size (body) : -1);
}

static void
pull_done (Run    *run,
           Pull   *pull,
           GError *error)
{
  one_done (run, pull->transfer, error, pull->got);
  g_object_unref (pull->transfer);
  g_free (pull);
}

static void
pulled (GObject      *object,
        GAsyncResult *result,
        gpointer      data)
{
  Pull *pull = data;
  g_autoptr(GError) error = NULL;
  gssize n = g_input_stream_read_finish (G_INPUT_STREAM (object), result, &error);

  if (n > 0)
    {
      pull->got += n;
      g_input_stream_read_async (G_INPUT_STREAM (object), pull->buf, sizeof pull->buf,
                                 G_PRIORITY_DEFAULT, NULL, pulled, pull);
      return;
    }
  g_input_stream_close (G_INPUT_STREAM (object), NULL, NULL);
  g_object_unref (object);
  pull_done (the_run, pull, error);
}

static void
sent (GObject      *object,
      GAsyncResult *result,
      gpointer      data)
{
  Pull *pull = data;
  g_autoptr(GError) error = NULL;
  GInputStream *stream = gcurl_multi_source_send_finish (the_run->source, result, &error);

  if (stream == NULL)
    {
      pull_done (the_run, pull, error);
      return;
    }
  g_input_stream_read_async (stream, pull->buf, sizeof pull->buf, G_PRIORITY_DEFAULT,
                             NULL, pulled, pull);
}

static void
start_one (Run *run)
{
  g_autoptr(GCurlTransfer) transfer = gcurl_transfer_new (run->url);

  if (run->buffer_size > 0)
    gcurl_transfer_set_receive_buffer_size (transfer, (guint) run->buffer_size);
  if (!run->quiet)
    g_signal_connect (transfer, "notify::bytes-received", G_CALLBACK (on_progress), run);
  if (run->send)
    {
      Pull *pull = g_new0 (Pull, 1);

      pull->transfer = g_object_ref (transfer);
      gcurl_multi_source_send_async (run->source, transfer, G_PRIORITY_DEFAULT, NULL, sent, pull);
    }
  else
    gcurl_multi_source_perform_async (run->source, transfer, NULL, performed, transfer);
  run->started++;
}

/* Thousands of connections need as many descriptors. */
static void
raise_nofile (void)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }
}

int
main (int   argc,
      char *argv[])
{
  int count = 1000, concurrency = 50;
  gint64 size = -1;
  int buffer_size = 0;
  gboolean quiet = FALSE, send = FALSE;
  g_autofree char **urls = NULL;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of downloads (1000)", "COUNT" },
    { "concurrency", 'c', 0, G_OPTION_ARG_INT, &concurrency, "Transfers in flight (50)", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT64, &size, "Expected body size (default: Content-Length)", "BYTES" },
    { "buffer-size", 'b', 0, G_OPTION_ARG_INT, &buffer_size, "The transfers' receive buffer (default: GCurlTransfer's, 32 KiB)", "BYTES" },
    { "no-notify", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Connect no notify handler (what notifications cost nobody)", NULL },
    { "send", 0, 0, G_OPTION_ARG_NONE, &send, "Pull each body with send_async() instead of memory output", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &urls, NULL, "URL" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("URL");
  g_autoptr(GError) error = NULL;
  g_autoptr(GCurlMultiSource) source = NULL;
  g_autoptr(GMainLoop) loop = NULL;
  struct rusage usage;
  double start_cpu;
  gint64 start;
  Run run = { 0 };

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) ||
      urls == NULL || urls[0] == NULL || count < 1 || concurrency < 1)
    {
      g_printerr ("usage: %s [-n COUNT] [-c CONCURRENCY] [-s BYTES] URL\n%s\n", argv[0],
                  error ? error->message : "");
      return 2;
    }

  raise_nofile ();
  loop = g_main_loop_new (NULL, FALSE);
  source = gcurl_multi_source_new ();
  the_run = &run;
  run.loop = loop;
  run.source = source;
  run.url = urls[0];
  run.count = count;
  run.quiet = quiet;
  run.send = send;
  run.expected = size;
  run.buffer_size = buffer_size;

  getrusage (RUSAGE_SELF, &usage);
  start_cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
              (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  start = g_get_monotonic_time ();
  for (int i = 0; i < MIN (count, concurrency); i++)
    start_one (&run);
  g_main_loop_run (loop);

  getrusage (RUSAGE_SELF, &usage);
  g_print ("%d transfers, %" G_GINT64_FORMAT " bytes, %d failed, %.3f s wall, %.3f s CPU\n",
           run.finished, run.total, run.failed,
           (g_get_monotonic_time () - start) / 1e6,
           usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6 - start_cpu);

  return run.failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
