/* epoll-loop.c: the epoll + curl_multi_socket_action() peer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The hand-written event loop libcurl's multi_socket interface is made
 * for: one epoll set, the socket callback turned into epoll_ctl(), the
 * timer callback into epoll_wait()'s timeout. No GLib. See bench-common.h
 * for the work and the output.
 */

#include <errno.h>
#include <sys/epoll.h>
#include <unistd.h>

#include "bench-curl.h"

static int epfd;
static long timeout_ms = -1;
static double deadline;

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
  BenchRun run = { 0 };
  int running = 0;
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
  bench_start_transfers (multi, &a, &run);

  while (run.finished < a.count)
    {
      int wait = -1, n;

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
      bench_drain (multi, &a, &run);
    }

  bench_report (run.finished, run.total, run.failed, start);
  curl_multi_cleanup (multi);
  close (epfd);
  curl_global_cleanup ();
  return run.failed == 0 ? 0 : 1;
}
