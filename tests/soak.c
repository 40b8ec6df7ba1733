/* soak.c: many transfers for a long time, watching for slow leaks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   soak [-n COUNT] [-c CONCURRENCY] URL-BASE
 *
 * Runs COUNT GCurlTransfers, CONCURRENCY at a time, against nginx (URL-BASE
 * serves /1k and /100k): mostly plain downloads to memory, every seventh
 * cancelled once bytes arrive, every eleventh paused and resumed, every
 * thirteenth to a file. It samples, a hundred times over the run, the open
 * file descriptors, the GSources attached to its main context (its own, so
 * they can be counted), the transfers alive and the resident memory, and
 * prints them. Descriptors and sources never exceed what CONCURRENCY
 * transfers can hold at once (a connection each; a completion idle each,
 * and a watch per socket on the iochannel backend) — how many are there
 * at a given moment depends on scheduling, so a busy machine shows more —
 * and at the end, with the source gone, they are back to where they were
 * after a first round of each kind of transfer (GLib and GIO open a few
 * descriptors once, for good), so none leaked. Memory must not grow after
 * warm-up (the first fifth): the last fifth's highest within 10% (plus
 * 4 MiB) of the warm-up's. No transfer may be alive at the end. Exit status 0 when all of that holds and every
 * transfer ended as it should (downloads complete and right-sized,
 * cancellations cancelled).
 */

#include <gcurlmulti/gcurlmulti.h>
#include <glib/gstdio.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <unistd.h>

#include "gcurl-test-utils.h"

typedef struct
{
  GMainContext     *context;
  GCurlMultiSource *source;
  const char       *base;
  char             *tmpdir;
  int               count;
  int               concurrency;
  int               started;
  int               finished;
  int               failed;
  int               alive;          /* GCurlTransfers not finalized */
  int               samples_taken;
  GArray           *fds, *sources, *rss;
} Soak;

typedef struct
{
  Soak          *soak;
  GCurlTransfer *transfer;
  GCancellable  *cancellable;
  int            kind;             /* 0 plain, 1 cancel, 2 pause, 3 file */
  gint64         expected;
  gboolean       paused_once;
} Job;

static void start_one (Soak *soak);

static int
rss_kib (void)
{
  g_autofree char *statm = NULL;
  long pages = 0, resident = 0;

  if (g_file_get_contents ("/proc/self/statm", &statm, NULL, NULL))
    sscanf (statm, "%ld %ld", &pages, &resident);
  return (int) (resident * (sysconf (_SC_PAGESIZE) / 1024));
}

static void
sample (Soak *soak)
{
  int fds = gcurl_test_count_fds (), sources = gcurl_test_count_sources (soak->context);
  int rss = rss_kib ();

  g_array_append_val (soak->fds, fds);
  g_array_append_val (soak->sources, sources);
  g_array_append_val (soak->rss, rss);
  if (soak->samples_taken++ % 10 == 0)
    g_print ("# %6d done: %4d fds, %4d sources, %4d transfers alive, %6d KiB\n",
             soak->finished, fds, sources, soak->alive, rss);
}

static void
transfer_gone (gpointer data,
               GObject *where)
{
  ((Soak *) data)->alive--;
}

static void
on_data (GCurlTransfer *t,
         GParamSpec    *pspec,
         Job           *job)
{
  if (gcurl_transfer_get_bytes_received (t) == 0)
    return;
  if (job->kind == 1)
    g_cancellable_cancel (job->cancellable);
  else if (job->kind == 2 && !job->paused_once)
    {
      job->paused_once = TRUE;
      gcurl_transfer_pause (t);
      gcurl_transfer_resume (t);
    }
}

static void
finished (GObject      *object,
          GAsyncResult *result,
          gpointer      data)
{
  Job *job = data;
  Soak *soak = job->soak;
  g_autoptr(GError) error = NULL;
  gboolean ok = gcurl_multi_source_perform_finish (soak->source, result, &error);

  if (job->kind == 1)
    {
      /* A small body may be complete before the cancellation lands. */
      if (!ok && !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_printerr ("cancelled transfer: %s\n", error->message);
          soak->failed++;
        }
    }
  else if (!ok)
    {
      g_printerr ("transfer failed: %s\n", error->message);
      soak->failed++;
    }
  else if (job->kind == 3)
    {
      GFile *file = gcurl_transfer_get_output_file (job->transfer);
      g_autofree char *path = g_file_get_path (file);
      GStatBuf st;

      if (g_stat (path, &st) != 0 || st.st_size != job->expected)
        soak->failed++;
      g_unlink (path);
    }
  else if (g_bytes_get_size (gcurl_transfer_get_body (job->transfer)) != (gsize) job->expected)
    soak->failed++;

  g_clear_object (&job->cancellable);
  g_object_unref (job->transfer);
  g_free (job);

  soak->finished++;
  if (soak->finished % MAX (1, soak->count / 100) == 0)
    sample (soak);
  if (soak->started < soak->count)
    start_one (soak);
}

static void
start_one (Soak *soak)
{
  Job *job = g_new0 (Job, 1);
  int i = soak->started++;
  gboolean big = i % 5 == 0;
  g_autofree char *url = g_strdup_printf ("%s/%s?soak=%d", soak->base, big ? "100k" : "1k", i);

  job->soak = soak;
  job->expected = big ? 102400 : 1024;
  job->kind = i % 7 == 0 ? 1 : i % 11 == 0 ? 2 : i % 13 == 0 ? 3 : 0;
  job->transfer = gcurl_transfer_new (url);
  soak->alive++;
  g_object_weak_ref (G_OBJECT (job->transfer), transfer_gone, soak);
  if (job->kind == 1 || job->kind == 2)
    g_signal_connect (job->transfer, "notify::bytes-received", G_CALLBACK (on_data), job);
  if (job->kind == 1)
    job->cancellable = g_cancellable_new ();
  if (job->kind == 3)
    {
      g_autofree char *name = g_strdup_printf ("soak-%d", i);
      g_autoptr(GFile) file = g_file_new_build_filename (soak->tmpdir, name, NULL);

      gcurl_transfer_set_output_file (job->transfer, file, GCURL_DOWNLOAD_FLAGS_NONE);
    }
  gcurl_multi_source_perform_async (soak->source, job->transfer, job->cancellable, finished, job);
}

static int
max_of (GArray *a, guint from, guint to)
{
  int m = 0;

  for (guint i = from; i < to; i++)
    m = MAX (m, g_array_index (a, int, i));
  return m;
}

int
main (int   argc,
      char *argv[])
{
  int count = 5000, concurrency = 200;
  g_auto(GStrv) args = NULL;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Transfers in all (5000)", "N" },
    { "concurrency", 'c', 0, G_OPTION_ARG_INT, &concurrency, "At a time (200)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, "URL-BASE" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("URL-BASE");
  g_autoptr(GError) error = NULL;
  Soak soak = { 0 };
  int fds_before, sources_before, fds_after, sources_after;
  guint warm, n;
  int fd_warm, fd_late, src_warm, src_late;
  int rss_warm, rss_late;
  gboolean ok = TRUE;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error) || args == NULL || args[0] == NULL)
    {
      g_printerr ("soak: %s\n", error ? error->message : "URL-BASE missing");
      return 2;
    }
  gcurl_test_raise_nofile (16384);

  soak.context = g_main_context_new ();
  g_main_context_push_thread_default (soak.context);
  soak.base = args[0];
  soak.count = count;
  soak.concurrency = concurrency;
  soak.tmpdir = g_dir_make_tmp ("gcurl-soak-XXXXXX", NULL);
  soak.fds = g_array_new (FALSE, FALSE, sizeof (int));
  soak.sources = g_array_new (FALSE, FALSE, sizeof (int));
  soak.rss = g_array_new (FALSE, FALSE, sizeof (int));

  /* A first round of every kind of transfer, so that what GLib, GIO and
   * libcurl set up once (a worker thread's wake-up descriptor, for one) is
   * there before the baseline. */
  {
    Soak first = soak;

    first.source = gcurl_multi_source_new ();
    first.count = 26;
    first.fds = g_array_new (FALSE, FALSE, sizeof (int));
    first.sources = g_array_new (FALSE, FALSE, sizeof (int));
    first.rss = g_array_new (FALSE, FALSE, sizeof (int));
    for (int i = 0; i < first.count; i++)
      start_one (&first);
    while (first.finished < first.count)
      g_main_context_iteration (soak.context, TRUE);
    g_clear_object (&first.source);
    while (g_main_context_iteration (soak.context, FALSE))
      ;
    g_array_unref (first.fds);
    g_array_unref (first.sources);
    g_array_unref (first.rss);
    if (first.failed > 0 || first.alive > 0)
      {
        g_printerr ("soak: the first round failed\n");
        return 1;
      }
  }
  fds_before = gcurl_test_count_fds ();
  sources_before = gcurl_test_count_sources (soak.context);
  soak.source = gcurl_multi_source_new ();
  for (int i = 0; i < MIN (concurrency, count); i++)
    start_one (&soak);
  while (soak.finished < soak.count)
    g_main_context_iteration (soak.context, TRUE);

  g_clear_object (&soak.source);
  /* Let what the source left behind (none, it should be) settle. */
  while (g_main_context_iteration (soak.context, FALSE))
    ;
  fds_after = gcurl_test_count_fds ();
  sources_after = gcurl_test_count_sources (soak.context);

  n = soak.fds->len;
  warm = n / 5;
  fd_warm = max_of (soak.fds, 0, warm);
  fd_late = max_of (soak.fds, n - warm, n);
  src_warm = max_of (soak.sources, 0, warm);
  src_late = max_of (soak.sources, n - warm, n);
  rss_warm = max_of (soak.rss, 0, warm);
  rss_late = max_of (soak.rss, n - warm, n);

  g_print ("%d transfers at %d at a time, %d failed; %s backend\n", soak.finished, concurrency,
           soak.failed, g_getenv ("GCURL_BACKEND") ? g_getenv ("GCURL_BACKEND") : "default");
  g_print ("fds: %d before, at most %d in warm-up, %d in the last fifth, %d at the end\n",
           fds_before, fd_warm, fd_late, fds_after);
  g_print ("GSources: %d before, at most %d in warm-up, %d in the last fifth, %d at the end\n",
           sources_before, src_warm, src_late, sources_after);
  g_print ("RSS: at most %d KiB in warm-up, %d KiB in the last fifth\n", rss_warm, rss_late);
  g_print ("transfers alive at the end: %d\n", soak.alive);

  if (soak.failed > 0)
    ok = FALSE, g_print ("FAIL: %d transfers did not end as they should\n", soak.failed);
  if (MAX (fd_warm, fd_late) > fds_before + concurrency + concurrency / 10 + 20)
    ok = FALSE, g_print ("FAIL: more descriptors than %d transfers can hold\n", concurrency);
  if (MAX (src_warm, src_late) > sources_before + 2 * concurrency + 20)
    ok = FALSE, g_print ("FAIL: more attached sources than %d transfers can hold\n", concurrency);
  if (rss_late > rss_warm + rss_warm / 10 + 4096)
    ok = FALSE, g_print ("FAIL: memory grew after warm-up\n");
  if (fds_after != fds_before)
    ok = FALSE, g_print ("FAIL: %d descriptors left open\n", fds_after - fds_before);
  if (sources_after != sources_before)
    ok = FALSE, g_print ("FAIL: %d sources left attached\n", sources_after - sources_before);
  if (soak.alive != 0)
    ok = FALSE, g_print ("FAIL: %d transfers alive\n", soak.alive);

  g_rmdir (soak.tmpdir);
  g_free (soak.tmpdir);
  g_array_unref (soak.fds);
  g_array_unref (soak.sources);
  g_array_unref (soak.rss);
  g_main_context_pop_thread_default (soak.context);
  g_main_context_unref (soak.context);
  return ok ? 0 : 1;
}
