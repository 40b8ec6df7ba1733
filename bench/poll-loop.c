/* poll-loop.c: the plain libcurl peer for the benchmarks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The same work as examples/fetch-many.c (COUNT downloads of URL with
 * CONCURRENCY in flight, each finished handle re-added at once, every
 * length checked) in a curl_multi_perform() + curl_multi_poll() loop: no
 * GLib at all. See bench-common.h for the work and the output.
 */

#include <curl/curl.h>

#include "bench-common.h"

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

int
main (int argc, char *argv[])
{
  BenchArgs a;
  int started = 0, finished = 0, failed = 0, running = 1;
  long long total = 0;
  double start;
  CURLM *multi;

  if (!bench_parse_args (&a, argc, argv))
    return 2;

  curl_global_init (CURL_GLOBAL_DEFAULT);
  multi = curl_multi_init ();
  start = bench_start ();

  for (int i = 0; i < a.concurrency && i < a.count; i++)
    {
      CURL *easy = curl_easy_init ();
      Slot *slot = calloc (1, sizeof *slot);

      curl_easy_setopt (easy, CURLOPT_URL, a.url);
      curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, write_cb);
      curl_easy_setopt (easy, CURLOPT_WRITEDATA, slot);
      curl_easy_setopt (easy, CURLOPT_PRIVATE, slot);
      curl_easy_setopt (easy, CURLOPT_FAILONERROR, 1L);
      curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
      if (a.buffer_size > 0)
        curl_easy_setopt (easy, CURLOPT_BUFFERSIZE, a.buffer_size);
      curl_multi_add_handle (multi, easy);
      started++;
    }

  while (finished < a.count)
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
          if (result != CURLE_OK || slot->received != (a.size >= 0 ? a.size : (long long) length))
            failed++;
          if (started < a.count)
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
      if (finished < a.count)
        curl_multi_poll (multi, NULL, 0, 1000, NULL);
    }

  bench_report (finished, total, failed, start);
  curl_multi_cleanup (multi);
  curl_global_cleanup ();
  return failed == 0 ? 0 : 1;
}
