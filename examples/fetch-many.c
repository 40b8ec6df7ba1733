/* fetch-many.c: many downloads through the raw C API of gcurlmulti
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Downloads URL COUNT times with CONCURRENCY transfers in flight: a fixed
 * set of easy handles, each added again from the `done` handler until the
 * count is reached. Every body's length is checked against the server's
 * Content-Length (or --size), and the bytes are added up.
 *
 * Build it against an installed gcurlmulti:
 *
 *   cc fetch-many.c $(pkg-config --cflags --libs gcurlmulti-1.0) -o fetch-many
 *   ./fetch-many -n 20000 -c 50 http://127.0.0.1:8080/1k
 */

#include <gcurlmulti/gcurlmulti.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/resource.h>

typedef struct
{
  GMainLoop *loop;
  int        count;        /* transfers wanted */
  int        started;
  int        finished;
  int        failed;
  gint64     expected;     /* bytes per body, -1: use Content-Length */
  gint64     total;        /* bytes received in all */
} Run;

typedef struct
{
  Run    *run;
  gint64  received;
  char    errbuf[CURL_ERROR_SIZE];
} Slot;

static size_t
write_cb (char   *data,
          size_t  size,
          size_t  nmemb,
          void   *user_data)
{
  Slot *slot = user_data;

  slot->received += (gint64) (size * nmemb);
  return size * nmemb;
}

static void
on_done (GCurlMultiSource *source,
         gpointer          easy_handle,
         int               result,
         gpointer          user_data)
{
  Run *run = user_data;
  CURL *easy = easy_handle;
  Slot *slot = NULL;
  curl_off_t length = -1;
  gint64 expected;

  curl_easy_getinfo (easy, CURLINFO_PRIVATE, &slot);
  curl_easy_getinfo (easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
  expected = run->expected >= 0 ? run->expected : (gint64) length;

  run->finished++;
  run->total += slot->received;
  if (result != CURLE_OK || slot->received != expected)
    {
      g_autoptr(GError) error = NULL;

      run->failed++;
      if (result != CURLE_OK)
        error = gcurl_error_new_from_code (result, NULL, slot->errbuf);
      g_printerr ("transfer %d failed: %s\n", run->finished,
                  error ? error->message : "wrong length");
    }

  /* The handle has left the multi handle: reuse it for the next one. */
  if (run->started < run->count)
    {
      g_autoptr(GError) error = NULL;

      slot->received = 0;
      if (!gcurl_multi_source_add_handle (source, easy, &error))
        g_error ("%s", error->message);
      run->started++;
    }
  else
    {
      g_free (slot);
      curl_easy_cleanup (easy);
    }

  if (run->finished == run->count)
    g_main_loop_quit (run->loop);
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
  g_autofree char **urls = NULL;
  GOptionEntry entries[] = {
    { "count", 'n', 0, G_OPTION_ARG_INT, &count, "Number of downloads (1000)", "COUNT" },
    { "concurrency", 'c', 0, G_OPTION_ARG_INT, &concurrency, "Transfers in flight (50)", "N" },
    { "size", 's', 0, G_OPTION_ARG_INT64, &size, "Expected body size (default: Content-Length)", "BYTES" },
    { "buffer-size", 'b', 0, G_OPTION_ARG_INT, &buffer_size, "libcurl's receive buffer (default 16 KiB)", "BYTES" },
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
  run.loop = loop;
  run.count = count;
  run.expected = size;
  g_signal_connect (source, "done", G_CALLBACK (on_done), &run);

  getrusage (RUSAGE_SELF, &usage);
  start_cpu = usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
              (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
  start = g_get_monotonic_time ();
  for (int i = 0; i < MIN (count, concurrency); i++)
    {
      CURL *easy = curl_easy_init ();
      Slot *slot = g_new0 (Slot, 1);

      slot->run = &run;
      curl_easy_setopt (easy, CURLOPT_URL, urls[0]);
      curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, write_cb);
      curl_easy_setopt (easy, CURLOPT_WRITEDATA, slot);
      curl_easy_setopt (easy, CURLOPT_PRIVATE, slot);
      curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, slot->errbuf);
      curl_easy_setopt (easy, CURLOPT_FAILONERROR, 1L);
      /* No SIGPIPE handler juggling around every call: this program is
       * multi-threaded in spirit (and GLib programs often are). */
      curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
      if (buffer_size > 0)
        curl_easy_setopt (easy, CURLOPT_BUFFERSIZE, (long) buffer_size);
      if (!gcurl_multi_source_add_handle (source, easy, &error))
        g_error ("%s", error->message);
      run.started++;
    }

  g_main_loop_run (loop);

  getrusage (RUSAGE_SELF, &usage);
  g_print ("%d transfers, %" G_GINT64_FORMAT " bytes, %d failed, %.3f s wall, %.3f s CPU\n",
           run.finished, run.total, run.failed,
           (g_get_monotonic_time () - start) / 1e6,
           usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
           (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6 - start_cpu);

  return run.failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
