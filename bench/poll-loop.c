/* poll-loop.c: the plain libcurl peer for the benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The same work as examples/fetch-many.c (COUNT downloads of URL with
 * CONCURRENCY in flight, each finished handle re-added at once, every
 * length checked) in a curl_multi_perform() + curl_multi_poll() loop: no
 * GLib at all. Prints the same summary line.
 */

#include <curl/curl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

typedef struct
{
  long long received;
} Slot;

static size_t
write_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  ((Slot *) user_data)->received += (long long) (size * nmemb);
  return size * nmemb;
}

static double
now (void)
{
  struct timespec ts;

  clock_gettime (CLOCK_MONOTONIC, &ts);
  return ts.tv_sec + ts.tv_nsec / 1e9;
}

int
main (int argc, char *argv[])
{
  int count = 1000, concurrency = 50, started = 0, finished = 0, failed = 0, running = 1;
  long long size = -1, total = 0;
  const char *url = NULL;
  struct rusage usage;
  double start;
  CURLM *multi;

  for (int i = 1; i < argc; i++)
    {
      if (!strcmp (argv[i], "-n") && i + 1 < argc)
        count = atoi (argv[++i]);
      else if (!strcmp (argv[i], "-c") && i + 1 < argc)
        concurrency = atoi (argv[++i]);
      else if (!strcmp (argv[i], "-s") && i + 1 < argc)
        size = atoll (argv[++i]);
      else
        url = argv[i];
    }
  if (url == NULL || count < 1 || concurrency < 1)
    {
      fprintf (stderr, "usage: %s [-n COUNT] [-c CONCURRENCY] [-s BYTES] URL\n", argv[0]);
      return 2;
    }

  curl_global_init (CURL_GLOBAL_DEFAULT);
  multi = curl_multi_init ();
  start = now ();

  for (int i = 0; i < concurrency && i < count; i++)
    {
      CURL *easy = curl_easy_init ();
      Slot *slot = calloc (1, sizeof *slot);

      curl_easy_setopt (easy, CURLOPT_URL, url);
      curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, write_cb);
      curl_easy_setopt (easy, CURLOPT_WRITEDATA, slot);
      curl_easy_setopt (easy, CURLOPT_PRIVATE, slot);
      curl_easy_setopt (easy, CURLOPT_FAILONERROR, 1L);
      curl_multi_add_handle (multi, easy);
      started++;
    }

  while (finished < count)
    {
      CURLMsg *msg;
      int left;

      curl_multi_perform (multi, &running);
      while ((msg = curl_multi_info_read (multi, &left)) != NULL)
        {
          CURL *easy = msg->easy_handle;
          CURLcode result = msg->data.result;
          curl_off_t length = -1;
          Slot *slot;

          if (msg->msg != CURLMSG_DONE)
            continue;
          curl_easy_getinfo (easy, CURLINFO_PRIVATE, &slot);
          curl_easy_getinfo (easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
          curl_multi_remove_handle (multi, easy);
          finished++;
          total += slot->received;
          if (result != CURLE_OK || slot->received != (size >= 0 ? size : (long long) length))
            failed++;
          if (started < count)
            {
              slot->received = 0;
              curl_multi_add_handle (multi, easy);
              started++;
            }
          else
            {
              free (slot);
              curl_easy_cleanup (easy);
            }
        }
      if (finished < count)
        curl_multi_poll (multi, NULL, 0, 1000, NULL);
    }

  getrusage (RUSAGE_SELF, &usage);
  printf ("%d transfers, %lld bytes, %d failed, %.2f s wall, %.2f s CPU\n",
          finished, total, failed, now () - start,
          usage.ru_utime.tv_sec + usage.ru_stime.tv_sec +
          (usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6);

  curl_multi_cleanup (multi);
  curl_global_cleanup ();
  return failed == 0 ? 0 : 1;
}
