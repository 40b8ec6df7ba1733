/* soup-client.c: the libsoup 3 peer
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The same work with a SoupSession allowed CONCURRENCY connections (in
 * all and per host), each body read into memory with
 * soup_session_send_and_read_async(). See bench-common.h for the work and
 * the output; -b is ignored.
 */

#include <libsoup/soup.h>

#include "bench-common.h"

static BenchArgs args;
static SoupSession *session;
static GMainLoop *loop;
static int started, finished, failed;
static long long total;

static void start_one (void);

static void
read_cb (GObject *object, GAsyncResult *result, gpointer data)
{
  SoupMessage *msg = data;
  GError *error = NULL;
  GBytes *body = soup_session_send_and_read_finish (session, result, &error);
  gsize len = body ? g_bytes_get_size (body) : 0;
  goffset expected = args.size >= 0 ? args.size
                     : soup_message_headers_get_content_length (soup_message_get_response_headers (msg));

  finished++;
  total += (long long) len;
  if (body == NULL || soup_message_get_status (msg) != SOUP_STATUS_OK || (goffset) len != expected)
    {
      failed++;
      if (error != NULL)
        fprintf (stderr, "%s\n", error->message);
    }
  g_clear_error (&error);
  g_clear_pointer (&body, g_bytes_unref);
  g_object_unref (msg);

  if (started < args.count)
    start_one ();
  if (finished == args.count)
    g_main_loop_quit (loop);
}

static void
start_one (void)
{
  SoupMessage *msg = soup_message_new ("GET", args.url);

  started++;
  soup_session_send_and_read_async (session, msg, G_PRIORITY_DEFAULT, NULL, read_cb, msg);
}

int
main (int argc, char *argv[])
{
  double start;

  if (!bench_parse_args (&args, argc, argv))
    return 2;

  loop = g_main_loop_new (NULL, FALSE);
  session = g_object_new (SOUP_TYPE_SESSION,
                          "max-conns", args.concurrency,
                          "max-conns-per-host", args.concurrency,
                          NULL);
  start = bench_start ();
  for (int i = 0; i < args.concurrency && i < args.count; i++)
    start_one ();
  g_main_loop_run (loop);
  bench_report (finished, total, failed, start);
  g_object_unref (session);
  g_main_loop_unref (loop);
  return failed == 0 ? 0 : 1;
}
