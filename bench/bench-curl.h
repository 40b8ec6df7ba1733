/* bench-curl.h: what the raw libcurl bench loops share
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The easy handles (a Slot counts each body) and the handling of finished
 * transfers: count, check the length, re-add the handle while transfers
 * are wanted. The loops differ only in how they wait for sockets.
 */

#pragma once

#include <curl/curl.h>

#include "bench-common.h"

typedef struct
{
  CURL      *easy;
  int        keep;
  long long  received;
  char      *body;      /* -m: the body kept in memory */
  size_t     allocated;
} Slot;

typedef struct
{
  int       started;
  int       finished;
  int       failed;
  long long total;
} BenchRun;

static inline size_t
bench_write_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  Slot *slot = user_data;
  size_t len = size * nmemb;

  if (slot->keep)
    {
      size_t need = (size_t) slot->received + len;

      if (need > slot->allocated)
        {
          curl_off_t length = -1;
          size_t want = slot->allocated ? slot->allocated * 2 : 16384;
          char *body;

          if (slot->allocated == 0)
            curl_easy_getinfo (slot->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, &length);
          if (length > 0 && (size_t) length >= need)
            want = (size_t) length;
          while (want < need)
            want *= 2;
          body = realloc (slot->body, want);
          if (body == NULL)
            return 0;
          slot->body = body;
          slot->allocated = want;
        }
      memcpy (slot->body + slot->received, data, len);
    }
  slot->received += (long long) len;
  return len;
}

/* A finished transfer's body is let go; its buffer is kept for the next
 * body on this slot (fresh memory each time would add page faults that
 * depend on malloc's thresholds: the floor is the copy alone). */
static inline void
bench_slot_reset (Slot *slot)
{
  slot->received = 0;
}

/* Adds the first CONCURRENCY transfers. */
static inline void
bench_start_transfers (CURLM *multi, const BenchArgs *a, BenchRun *run)
{
  for (int i = 0; i < a->concurrency && i < a->count; i++)
    {
      CURL *easy = curl_easy_init ();
      Slot *slot = calloc (1, sizeof *slot);

      slot->easy = easy;
      slot->keep = a->keep;

      curl_easy_setopt (easy, CURLOPT_URL, a->url);
      curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, bench_write_cb);
      curl_easy_setopt (easy, CURLOPT_WRITEDATA, slot);
      curl_easy_setopt (easy, CURLOPT_PRIVATE, slot);
      curl_easy_setopt (easy, CURLOPT_FAILONERROR, 1L);
      curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
      if (a->buffer_size > 0)
        curl_easy_setopt (easy, CURLOPT_BUFFERSIZE, a->buffer_size);
      curl_multi_add_handle (multi, easy);
      run->started++;
    }
}

/* Reads every finished transfer: counts it and re-adds its handle while
 * more transfers are wanted, else frees it. */
static inline void
bench_drain (CURLM *multi, const BenchArgs *a, BenchRun *run)
{
  CURLMsg *msg;
  int left;

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
      run->finished++;
      run->total += slot->received;
      if (result != CURLE_OK || slot->received != (a->size >= 0 ? a->size : (long long) length))
        run->failed++;
      if (run->started < a->count)
        {
          bench_slot_reset (slot);
          curl_multi_add_handle (multi, easy);
          run->started++;
        }
      else
        {
          free (slot->body);
          free (slot);
          curl_easy_cleanup (easy);
        }
    }
}
