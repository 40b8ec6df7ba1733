/* test-backend.c: the socket-watch backends on their own, over socketpairs
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each backend is driven as GCurlMultiSource drives it (watch, pending,
 * dispatch, suspend), from a GSource of the test's own in a context of
 * its own: no libcurl transfer, no server. Every test runs for every
 * backend this build has.
 */

#include "config.h"

#include <sys/socket.h>
#include <unistd.h>

#include "gcurl-backend-private.h"

typedef struct
{
  GSource       source;
  GCurlBackend *backend;
  GArray       *events;     /* Event, as dispatch reported them */
} TestSource;

typedef struct
{
  curl_socket_t fd;
  int           cselect;
} Event;

typedef struct
{
  const GCurlBackendVTable *vtable;
  GMainContext             *context;
  TestSource               *source;
  int                       pair[2];
} Fixture;

static gboolean
test_source_prepare (GSource *source,
                     int     *timeout)
{
  *timeout = -1;
  return _gcurl_backend_pending (((TestSource *) source)->backend);
}

static gboolean
test_source_check (GSource *source)
{
  return _gcurl_backend_pending (((TestSource *) source)->backend);
}

static void
on_ready (curl_socket_t fd,
          int           cselect,
          gpointer      user_data)
{
  TestSource *self = user_data;
  Event event = { fd, cselect };

  g_array_append_val (self->events, event);
}

static gboolean
test_source_dispatch (GSource     *source,
                      GSourceFunc  callback,
                      gpointer     user_data)
{
  TestSource *self = (TestSource *) source;

  _gcurl_backend_dispatch (self->backend, on_ready, self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs test_source_funcs = {
  .prepare = test_source_prepare,
  .check = test_source_check,
  .dispatch = test_source_dispatch,
};

static void
fixture_set_up (Fixture       *f,
                gconstpointer  data)
{
  f->vtable = data;
  f->context = g_main_context_new ();
  f->source = (TestSource *) g_source_new (&test_source_funcs, sizeof (TestSource));
  f->source->events = g_array_new (FALSE, FALSE, sizeof (Event));
  f->source->backend = f->vtable->create ((GSource *) f->source);
  g_assert_nonnull (f->source->backend);
  g_source_attach ((GSource *) f->source, f->context);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, f->pair), ==, 0);
}

static void
fixture_tear_down (Fixture       *f,
                   gconstpointer  data)
{
  g_source_destroy ((GSource *) f->source);
  _gcurl_backend_free (f->source->backend);
  g_array_unref (f->source->events);
  g_source_unref ((GSource *) f->source);
  g_main_context_unref (f->context);
  if (f->pair[0] >= 0)
    close (f->pair[0]);
  if (f->pair[1] >= 0)
    close (f->pair[1]);
}

/* Iterates without blocking until @fd was reported with @cselect among
 * its bits, or for at most @ms (then FALSE). Events are cleared first. */
static gboolean
wait_for (Fixture       *f,
          curl_socket_t  fd,
          int            cselect,
          guint          ms)
{
  gint64 end = g_get_monotonic_time () + (gint64) ms * 1000;

  g_array_set_size (f->source->events, 0);
  while (g_get_monotonic_time () < end)
    {
      g_main_context_iteration (f->context, FALSE);
      for (guint i = 0; i < f->source->events->len; i++)
        {
          Event *e = &g_array_index (f->source->events, Event, i);

          if (e->fd == fd && (e->cselect & cselect) == cselect)
            return TRUE;
        }
      g_usleep (1000);
    }
  return FALSE;
}

static void
send_byte (int fd)
{
  g_assert_cmpint (write (fd, "x", 1), ==, 1);
}

/* Readable only once there is data, and reported as CURL_CSELECT_IN. */
static void
test_readable (Fixture       *f,
               gconstpointer  data)
{
  _gcurl_backend_watch (f->source->backend, f->pair[0], CURL_POLL_IN);
  g_assert_false (wait_for (f, f->pair[0], CURL_CSELECT_IN, 50));
  send_byte (f->pair[1]);
  g_assert_true (wait_for (f, f->pair[0], CURL_CSELECT_IN, 2000));
}

/* A connected socket is writable at once. */
static void
test_writable (Fixture       *f,
               gconstpointer  data)
{
  _gcurl_backend_watch (f->source->backend, f->pair[0], CURL_POLL_OUT);
  g_assert_true (wait_for (f, f->pair[0], CURL_CSELECT_OUT, 2000));
  _gcurl_backend_watch (f->source->backend, f->pair[0], CURL_POLL_INOUT);
  send_byte (f->pair[1]);
  g_assert_true (wait_for (f, f->pair[0], CURL_CSELECT_IN | CURL_CSELECT_OUT, 2000));
}

/* After CURL_POLL_REMOVE nothing is reported, data or not. */
static void
test_remove (Fixture       *f,
             gconstpointer  data)
{
  _gcurl_backend_watch (f->source->backend, f->pair[0], CURL_POLL_INOUT);
  g_assert_true (wait_for (f, f->pair[0], CURL_CSELECT_OUT, 2000));
  _gcurl_backend_watch (f->source->backend, f->pair[0], CURL_POLL_REMOVE);
  send_byte (f->pair[1]);
  g_assert_false (wait_for (f, f->pair[0], 0, 200));
  /* REMOVE of what is not watched is nothing. */
  _gcurl_backend_watch (f->source->backend, f->pair[1], CURL_POLL_REMOVE);
  g_assert_false (wait_for (f, f->pair[1], 0, 20));
}

/* The peer closing: reported to a reader (curl reads the end). */
static void
test_peer_closed (Fixture       *f,
                  gconstpointer  data)
{
  _gcurl_backend_watch (f->source->backend, f->pair[0], CURL_POLL_IN);
  close (f->pair[1]);
  f->pair[1] = -1;
  g_assert_true (wait_for (f, f->pair[0], 0, 2000));
  g_assert_cmpint (g_array_index (f->source->events, Event, 0).cselect &
                   (CURL_CSELECT_IN | CURL_CSELECT_ERR), !=, 0);
}

/* REMOVE, close, and the same fd number for a new socket: the new one is
 * watched as new (doc/design.md, "The core's contract", 4). */
static void
test_fd_reuse (Fixture       *f,
               gconstpointer  data)
{
  int old = f->pair[0];
  int again[2];

  _gcurl_backend_watch (f->source->backend, old, CURL_POLL_IN);
  send_byte (f->pair[1]);
  g_assert_true (wait_for (f, old, CURL_CSELECT_IN, 2000));
  _gcurl_backend_watch (f->source->backend, old, CURL_POLL_REMOVE);
  close (f->pair[0]);
  close (f->pair[1]);
  g_assert_cmpint (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0, again), ==, 0);
  f->pair[0] = again[0];
  f->pair[1] = again[1];
  if (again[0] != old)
    g_test_message ("fd %d was not reused (got %d); tested as a new socket", old, again[0]);

  _gcurl_backend_watch (f->source->backend, f->pair[0], CURL_POLL_IN);
  g_assert_false (wait_for (f, f->pair[0], CURL_CSELECT_IN, 50));
  send_byte (f->pair[1]);
  g_assert_true (wait_for (f, f->pair[0], CURL_CSELECT_IN, 2000));
}

/* Suspended, nothing is reported; resumed, what is ready is. */
static void
test_suspend (Fixture       *f,
              gconstpointer  data)
{
  _gcurl_backend_watch (f->source->backend, f->pair[0], CURL_POLL_IN);
  _gcurl_backend_suspend (f->source->backend, TRUE);
  send_byte (f->pair[1]);
  g_assert_false (wait_for (f, f->pair[0], CURL_CSELECT_IN, 200));
  _gcurl_backend_suspend (f->source->backend, FALSE);
  g_assert_true (wait_for (f, f->pair[0], CURL_CSELECT_IN, 2000));
}

/* The readiness mapping both backends share. */
static void
test_cselect_mapping (void)
{
  g_assert_cmpint (_gcurl_cselect_from_condition (0), ==, 0);
  g_assert_cmpint (_gcurl_cselect_from_condition (G_IO_IN), ==, CURL_CSELECT_IN);
  g_assert_cmpint (_gcurl_cselect_from_condition (G_IO_PRI), ==, CURL_CSELECT_IN);
  g_assert_cmpint (_gcurl_cselect_from_condition (G_IO_OUT), ==, CURL_CSELECT_OUT);
  g_assert_cmpint (_gcurl_cselect_from_condition (G_IO_HUP), ==, CURL_CSELECT_ERR);
  g_assert_cmpint (_gcurl_cselect_from_condition (G_IO_ERR | G_IO_IN | G_IO_OUT), ==,
                   CURL_CSELECT_ERR | CURL_CSELECT_IN | CURL_CSELECT_OUT);
  g_assert_cmpint (_gcurl_cselect_from_condition (G_IO_NVAL), ==, CURL_CSELECT_ERR);
}

int
main (int   argc,
      char *argv[])
{
  const GCurlBackendVTable *backends[] = {
#ifdef HAVE_EPOLL
    &_gcurl_backend_epoll,
#endif
    &_gcurl_backend_iochannel,
  };
  static const struct { const char *name; void (*func) (Fixture *, gconstpointer); } tests[] = {
    { "readable", test_readable },
    { "writable", test_writable },
    { "remove", test_remove },
    { "peer-closed", test_peer_closed },
    { "fd-reuse", test_fd_reuse },
    { "suspend", test_suspend },
  };

  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/GCurl/Backend/cselect-mapping", test_cselect_mapping);
  for (guint b = 0; b < G_N_ELEMENTS (backends); b++)
    for (guint i = 0; i < G_N_ELEMENTS (tests); i++)
      {
        g_autofree char *path = g_strdup_printf ("/GCurl/Backend/%s/%s", backends[b]->name,
                                                 tests[i].name);

        g_test_add (path, Fixture, backends[b], fixture_set_up, tests[i].func, fixture_tear_down);
      }
  return g_test_run ();
}
