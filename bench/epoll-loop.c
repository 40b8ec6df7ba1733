/* epoll-loop.c: the epoll + curl_multi_socket_action() peer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The hand-written event loop libcurl's multi_socket interface is made
 * for: one epoll set, the socket callback turned into epoll_ctl(), the
 * timer callback into epoll_wait()'s timeout. No GLib. See bench-common.h
 * for the work and the output.
 */

#include <curl/curl.h>
#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench-common.h"

typedef struct
{
  long long received;
} Slot;

static int epfd;
static long timeout_ms = -1;
static double deadline;

static size_t
write_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  ((Slot *) user_data)->received += (long long) (size * nmemb);
  return size * nmemb;
}

static int
socket_cb (CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
  CURLM *multi = userp;
  struct epoll_event ev = { 0 };

  if (what == CURL_POLL_REMOVE)
    {
      /* Already closed by curl at times: ENOENT/EBADF are fine. */
      epoll_ctl (epfd, EPOLL_CTL_DEL, fd, NULL);
      return 0;
    }

  ev.events = ((what & CURL_POLL_IN) ? EPOLLIN : 0) | ((what & CURL_POLL_OUT) ? EPOLLOUT : 0);
  ev.data.fd = fd;
  if (socketp == NULL)
    {
      if (epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &ev) != 0 && errno == EEXIST)
        epoll_ctl (epfd, EPOLL_CTL_MOD, fd, &ev);
      curl_multi_assign (multi, fd, (void *) 1);
    }
  else if (epoll_ctl (epfd, EPOLL_CTL_MOD, fd, &ev) != 0 && errno == ENOENT)
    epoll_ctl (epfd, EPOLL_CTL_ADD, fd, &ev);
  return 0;
}

static int
timer_cb (CURLM *multi, long ms, void *userp)
{
  timeout_ms = ms;
  if (ms >= 0)
    deadline = bench_now () + ms / 1000.0;
  return 0;
}

int
main (int argc, char *argv[])
{
  BenchArgs a;
  int started = 0, finished = 0, failed = 0, running = 0;
  long long total = 0;
  struct epoll_event events[256];
  double start;
  CURLM *multi;

  if (!bench_parse_args (&a, argc, argv))
    return 2;

  curl_global_init (CURL_GLOBAL_DEFAULT);
  multi = curl_multi_init ();
  epfd = epoll_create1 (EPOLL_CLOEXEC);
  curl_multi_setopt (multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt (multi, CURLMOPT_SOCKETDATA, multi);
  curl_multi_setopt (multi, CURLMOPT_TIMERFUNCTION, timer_cb);
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
      int wait = -1, n;
      CURLMsg *msg;
      int left;

      if (timeout_ms >= 0)
        {
          double ms = (deadline - bench_now ()) * 1000.0;
          wait = ms <= 0 ? 0 : (int) ms + 1;
        }

      n = epoll_wait (epfd, events, 256, wait);
      for (int i = 0; i < n; i++)
        {
          int mask = ((events[i].events & EPOLLIN) ? CURL_CSELECT_IN : 0) |
                     ((events[i].events & EPOLLOUT) ? CURL_CSELECT_OUT : 0) |
                     ((events[i].events & (EPOLLERR | EPOLLHUP)) ? CURL_CSELECT_ERR : 0);
          curl_multi_socket_action (multi, events[i].data.fd, mask, &running);
        }
      if (timeout_ms >= 0 && bench_now () >= deadline)
        {
          timeout_ms = -1;
          curl_multi_socket_action (multi, CURL_SOCKET_TIMEOUT, 0, &running);
        }

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
    }

  bench_report (finished, total, failed, start);
  curl_multi_cleanup (multi);
  close (epfd);
  curl_global_cleanup ();
  return failed == 0 ? 0 : 1;
}
