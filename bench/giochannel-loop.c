/* giochannel-loop.c: the classic GLib integration peer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * libcurl's multi_socket interface in a GMainLoop the way most GLib
 * applications wire it by hand: one GIOChannel watch per socket (replaced
 * when curl changes what it waits for) and g_timeout_add() for curl's
 * timer (the previous timeout removed first), each callback calling
 * curl_multi_socket_action() itself. See bench-common.h for the work and
 * the output.
 */

#include <glib.h>

#include "bench-curl.h"

typedef struct
{
  GIOChannel *channel;
  guint       watch;
} Sock;

static CURLM *multi;
static BenchArgs args;
static GMainLoop *loop;
static guint timer_id;
static BenchRun run;
static int running;

static void
check_done (void)
{
  bench_drain (multi, &args, &run);
  if (run.finished == args.count)
    g_main_loop_quit (loop);
}

static gboolean
timeout_cb (gpointer data)
{
  timer_id = 0;
  curl_multi_socket_action (multi, CURL_SOCKET_TIMEOUT, 0, &running);
  check_done ();
  return G_SOURCE_REMOVE;
}

static int
timer_cb (CURLM *m, long ms, void *userp)
{
  if (timer_id != 0)
    g_source_remove (timer_id);
  timer_id = ms >= 0 ? g_timeout_add (ms, timeout_cb, NULL) : 0;
  return 0;
}

static gboolean
io_cb (GIOChannel *channel, GIOCondition condition, gpointer data)
{
  int fd = g_io_channel_unix_get_fd (channel);
  int mask = ((condition & G_IO_IN) ? CURL_CSELECT_IN : 0) |
             ((condition & G_IO_OUT) ? CURL_CSELECT_OUT : 0) |
             ((condition & (G_IO_ERR | G_IO_HUP)) ? CURL_CSELECT_ERR : 0);

  curl_multi_socket_action (multi, fd, mask, &running);
  check_done ();
  return G_SOURCE_CONTINUE;
}

static int
socket_cb (CURL *easy, curl_socket_t fd, int what, void *userp, void *socketp)
{
  Sock *sock = socketp;
  GIOCondition condition = ((what & CURL_POLL_IN) ? G_IO_IN : 0) |
                           ((what & CURL_POLL_OUT) ? G_IO_OUT : 0);

  if (what == CURL_POLL_REMOVE)
    {
      if (sock != NULL)
        {
          g_source_remove (sock->watch);
          g_io_channel_unref (sock->channel);
          g_free (sock);
        }
      return 0;
    }

  if (sock == NULL)
    {
      sock = g_new0 (Sock, 1);
      sock->channel = g_io_channel_unix_new (fd);
      curl_multi_assign (multi, fd, sock);
    }
  else
    g_source_remove (sock->watch);
  sock->watch = g_io_add_watch (sock->channel, condition | G_IO_ERR | G_IO_HUP, io_cb, NULL);
  return 0;
}

int
main (int argc, char *argv[])
{
  double start;

  if (!bench_parse_args (&args, argc, argv))
    return 2;

  curl_global_init (CURL_GLOBAL_DEFAULT);
  multi = curl_multi_init ();
  loop = g_main_loop_new (NULL, FALSE);
  curl_multi_setopt (multi, CURLMOPT_SOCKETFUNCTION, socket_cb);
  curl_multi_setopt (multi, CURLMOPT_TIMERFUNCTION, timer_cb);
  start = bench_start ();
  bench_start_transfers (multi, &args, &run);

  g_main_loop_run (loop);
  bench_report (run.finished, run.total, run.failed, start);
  curl_multi_cleanup (multi);
  g_main_loop_unref (loop);
  curl_global_cleanup ();
  return run.failed == 0 ? 0 : 1;
}
