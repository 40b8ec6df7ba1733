/* idle.c: how often an idle GCurlMultiSource wakes its thread up
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   bench-idle [-t SECONDS] [-p PAUSED] [URL]
 *
 * URL defaults to $NGINX_HTTP_URL/16m (under tests/gcurl-test-serve).
 * Counts the main loop's wake-ups (returns from poll(), through
 * g_main_context_set_poll_func) over SECONDS (5), after a second of
 * settling, three times: with no
 * transfers; with PAUSED (500) raw easy handles downloading URL, each
 * paused from its write callback on its first data; and with as many
 * GCurlTransfers paused with gcurl_transfer_pause(). The one wake-up that
 * ends each period is not counted. Prints one line per case:
 *
 *   CASE: N wake-ups in S s
 *
 * and exits 1 unless every count is 0 (doc/performance.md: an idle
 * source wakes up zero times a second).
 */

#include <gcurlmulti/gcurlmulti.h>
#include <stdlib.h>
#include <sys/resource.h>

static GPollFunc real_poll;
static guint64 polls;

static int
counting_poll (GPollFD *fds,
               guint    nfds,
               int      timeout)
{
  polls++;
  return real_poll (fds, nfds, timeout);
}

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

/* Iterates for @seconds after one second of settling; returns the
 * wake-ups, the closing one excluded. Settling: a handle paused from its
 * write callback keeps its socket watched until its next action (libcurl
 * 7.88 updates the watch then, not at the pause), so data already on the
 * way wakes the loop up once per such socket right after the pause. */
static guint64
count_wakeups (int seconds)
{
  gboolean over = FALSE;
  gboolean settled = FALSE;
  guint64 start;

  g_timeout_add_seconds (1, set_flag, &settled);
  while (!settled)
    g_main_context_iteration (NULL, TRUE);
  g_timeout_add_seconds (seconds, set_flag, &over);
  start = polls;
  while (!over)
    g_main_context_iteration (NULL, TRUE);
  /* The iteration that dispatched the timeout polled once (woken by it),
   * and the one before blocked until then: neither is ours. */
  return polls - start > 1 ? polls - start - 1 : 0;
}

typedef struct
{
  int paused;
} Raw;

static size_t
pause_write_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  Raw *raw = user_data;

  raw->paused++;
  return CURL_WRITEFUNC_PAUSE;
}

static void
on_progress (GCurlTransfer *transfer,
             GParamSpec    *pspec,
             gpointer       data)
{
  int *paused = data;

  if (gcurl_transfer_get_bytes_received (transfer) > 0 &&
      gcurl_transfer_get_state (transfer) == GCURL_TRANSFER_STATE_RUNNING)
    {
      gcurl_transfer_pause (transfer);
      (*paused)++;
    }
}

static void
on_finished (GCurlTransfer *transfer,
             gpointer       data)
{
  g_error ("a transfer of %s finished before it could be paused (%s)",
           gcurl_transfer_get_url (transfer),
           gcurl_transfer_get_curl_code (transfer) == CURLE_OK ? "complete" : "failed");
}

/* Waits until @target transfers are paused, for 60 s at the most: a timeout
 * wakes the loop up, should nothing else be left to happen. */
static void
wait_for (int *counter, int target)
{
  gboolean expired = FALSE;
  guint id = g_timeout_add_seconds (60, set_flag, &expired);

  while (*counter < target)
    {
      if (expired)
        g_error ("only %d of %d transfers paused after 60 s", *counter, target);
      g_main_context_iteration (NULL, TRUE);
    }
  if (!expired)
    g_source_remove (id);
}

int
main (int   argc,
      char *argv[])
{
  int seconds = 5, n = 500;
  g_autofree char **urls = NULL;
  GOptionEntry entries[] = {
    { "time", 't', 0, G_OPTION_ARG_INT, &seconds, "Seconds per case (5)", "SECONDS" },
    { "paused", 'p', 0, G_OPTION_ARG_INT, &n, "Paused transfers (500)", "N" },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &urls, NULL, "URL" },
    { NULL }
  };
  g_autoptr(GOptionContext) options = g_option_context_new ("URL");
  g_autoptr(GError) error = NULL;
  g_autoptr(GCurlMultiSource) source = NULL;
  g_autoptr(GPtrArray) transfers = g_ptr_array_new_with_free_func (g_object_unref);
  struct rlimit rl;
  CURL **easies;
  Raw raw = { 0 };
  int transfers_paused = 0;
  guint64 idle, raw_paused, transfer_paused;

  g_option_context_add_main_entries (options, entries, NULL);
  if (!g_option_context_parse (options, &argc, &argv, &error))
    {
      g_printerr ("usage: %s [-t SECONDS] [-p PAUSED] [URL]\n", argv[0]);
      return 2;
    }
  if (urls == NULL || urls[0] == NULL)
    {
      const char *base = g_getenv ("NGINX_HTTP_URL");

      if (base == NULL)
        {
          g_printerr ("%s: no URL, and NGINX_HTTP_URL is not set\n", argv[0]);
          return 2;
        }
      g_free (urls);
      urls = g_new0 (char *, 2);
      urls[0] = g_strconcat (base, "/16m", NULL);   /* leaked at exit */
    }
  if (getrlimit (RLIMIT_NOFILE, &rl) == 0)
    {
      rl.rlim_cur = rl.rlim_max;
      setrlimit (RLIMIT_NOFILE, &rl);
    }

  real_poll = g_main_context_get_poll_func (NULL);
  g_main_context_set_poll_func (NULL, counting_poll);
  source = gcurl_multi_source_new ();

  idle = count_wakeups (seconds);
  g_print ("no transfers: %" G_GUINT64_FORMAT " wake-ups in %d s\n", idle, seconds);

  easies = g_new0 (CURL *, n);
  for (int i = 0; i < n; i++)
    {
      easies[i] = curl_easy_init ();
      curl_easy_setopt (easies[i], CURLOPT_URL, urls[0]);
      curl_easy_setopt (easies[i], CURLOPT_WRITEFUNCTION, pause_write_cb);
      curl_easy_setopt (easies[i], CURLOPT_WRITEDATA, &raw);
      curl_easy_setopt (easies[i], CURLOPT_NOSIGNAL, 1L);
      if (!gcurl_multi_source_add_handle (source, easies[i], &error))
        g_error ("%s", error->message);
    }
  wait_for (&raw.paused, n);
  raw_paused = count_wakeups (seconds);
  g_print ("%d raw handles paused: %" G_GUINT64_FORMAT " wake-ups in %d s\n", n, raw_paused, seconds);
  for (int i = 0; i < n; i++)
    {
      gcurl_multi_source_remove_handle (source, easies[i], NULL);
      curl_easy_cleanup (easies[i]);
    }
  g_free (easies);

  for (int i = 0; i < n; i++)
    {
      GCurlTransfer *t = gcurl_transfer_new (urls[0]);

      gcurl_transfer_set_http_version (t, GCURL_HTTP_1_1);
      gcurl_transfer_set_progress_interval (t, 0);
      g_signal_connect (t, "notify::bytes-received", G_CALLBACK (on_progress), &transfers_paused);
      g_signal_connect (t, "finished", G_CALLBACK (on_finished), NULL);
      gcurl_multi_source_perform_async (source, t, NULL, NULL, NULL);
      g_ptr_array_add (transfers, t);
    }
  wait_for (&transfers_paused, n);
  transfer_paused = count_wakeups (seconds);
  g_print ("%d GCurlTransfers paused: %" G_GUINT64_FORMAT " wake-ups in %d s\n",
           n, transfer_paused, seconds);
  for (guint i = 0; i < transfers->len; i++)
    g_signal_handlers_disconnect_by_func (transfers->pdata[i], on_finished, NULL);
  gcurl_multi_source_cancel_all (source);

  return idle == 0 && raw_paused == 0 && transfer_paused == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
