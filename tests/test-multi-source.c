/* test-multi-source.c: GCurlMultiSource against real servers on loopback
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The numbered rules of doc/design.md, "The core's contract", have tests
 * named by behaviour; "Rule N" below is that list's number. The binary
 * runs once per backend
 * (GCURL_BACKEND=epoll and =iochannel, see meson.build).
 */

#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gcurl-multi-source-private.h"
#include "gcurl-test-hooks-private.h"
#include "gcurl-test-utils.h"

static GCurlTestServer *server;

/* ---------------------------------------------------------------------- */
/* Fixture: a fresh context, thread-default for the test, and a source.    */

typedef struct
{
  GMainContext     *context;
  GCurlMultiSource *source;
  int               done;
  GPtrArray        *fetches;
} Fixture;

static void
on_done (GCurlMultiSource *source,
         gpointer          easy,
         int               result,
         gpointer          user_data)
{
  Fixture *f = user_data;
  GCurlTestFetch *fetch = NULL;

  curl_easy_getinfo ((CURL *) easy, CURLINFO_PRIVATE, &fetch);
  g_assert_nonnull (fetch);
  fetch->done_count++;
  fetch->result = result;
  f->done++;
}

static void
fixture_setup (Fixture       *f,
               gconstpointer  data)
{
  f->context = g_main_context_new ();
  g_main_context_push_thread_default (f->context);
  f->source = gcurl_multi_source_new ();
  g_assert_cmpstr (_gcurl_multi_source_get_backend_name (f->source), ==,
                   gcurl_test_backend_name ());
  g_signal_connect (f->source, "done", G_CALLBACK (on_done), f);
  f->fetches = g_ptr_array_new_with_free_func ((GDestroyNotify) gcurl_test_fetch_free);
}

static void
fixture_teardown (Fixture       *f,
                  gconstpointer  data)
{
  GSource *gsource = NULL;

  if (f->source != NULL)
    {
      gsource = _gcurl_multi_source_get_gsource (f->source);
      if (gsource != NULL)
        g_source_ref (gsource);
      g_clear_object (&f->source);
    }
  /* The handles are ours again: freeing them here would crash under ASan
   * if the source still used them. */
  g_ptr_array_unref (f->fetches);

  if (gsource != NULL)
    {
      g_assert_true (g_source_is_destroyed (gsource));
      g_source_unref (gsource);
    }

  while (g_main_context_iteration (f->context, FALSE))
    ;
  g_main_context_pop_thread_default (f->context);
  g_main_context_unref (f->context);
}

static GCurlTestFetch *
add_fetch (Fixture    *f,
           const char *url,
           goffset     expected)
{
  GCurlTestFetch *fetch = gcurl_test_fetch_new (url, expected);
  g_autoptr(GError) error = NULL;

  g_ptr_array_add (f->fetches, fetch);
  g_assert_true (gcurl_multi_source_add_handle (f->source, fetch->easy, &error));
  g_assert_no_error (error);
  return fetch;
}

static GCurlTestFetch *
add_server_fetch (Fixture    *f,
                  const char *path_and_query,
                  goffset     expected)
{
  g_autofree char *url = gcurl_test_server_url (server, path_and_query);

  return add_fetch (f, url, expected);
}

static void
assert_fetch_ok (GCurlTestFetch *fetch)
{
  if (fetch->result != CURLE_OK)
    g_error ("%s: %s (%s)", fetch->url, curl_easy_strerror (fetch->result), fetch->errbuf);
  g_assert_cmpint (fetch->done_count, ==, 1);
  g_assert_true (fetch->content_ok);
  if (fetch->expected >= 0)
    g_assert_cmpint (fetch->received, ==, fetch->expected);
}

/* The poll timeout GLib would use for this context now: -1 means nothing
 * (no timer, no ready time anywhere in it) would wake it. */
static int
context_timeout (GMainContext *context,
                 int          *n_fds)
{
  GPollFD fds[64];
  int priority, timeout = 0;

  g_main_context_prepare (context, &priority);
  *n_fds = g_main_context_query (context, priority, &timeout, fds, G_N_ELEMENTS (fds));
  /* Hand the context back in a consistent state. */
  g_main_context_check (context, priority, fds, MIN (*n_fds, (int) G_N_ELEMENTS (fds)));
  g_main_context_dispatch (context);
  return timeout;
}

/* ---------------------------------------------------------------------- */
/* Socket-action hook: counts calls and passes them on to curl.            */

typedef struct
{
  int   timeouts;           /* actions with CURL_SOCKET_TIMEOUT */
  int   socket_actions;
  int   depth, max_depth;
  curl_socket_t last_fd;
  int   last_mask;
  gboolean pass_through;    /* call curl; otherwise just record */
  CURLMcode fail_with;      /* if not OK: return this instead */
  gboolean set_zero_timer;  /* play curl setting a 0 timer inside an action */
  guint64 dispatch_at_zero, dispatch_at_next;
} Hook;

static CURLMcode
hook_cb (GCurlMultiSource *self,
         CURLM            *multi,
         curl_socket_t     fd,
         int               mask,
         int              *running,
         gpointer          user_data)
{
  Hook *h = user_data;
  CURLMcode mc = CURLM_OK;

  h->depth++;
  h->max_depth = MAX (h->max_depth, h->depth);

  if (fd == CURL_SOCKET_TIMEOUT)
    h->timeouts++;
  else
    {
      h->socket_actions++;
      h->last_fd = fd;
      h->last_mask = mask;
    }

  if (h->fail_with != CURLM_OK)
    mc = h->fail_with;
  else if (h->pass_through)
    mc = curl_multi_socket_action (multi, fd, mask, running);

  if (h->set_zero_timer)
    {
      h->set_zero_timer = FALSE;
      h->dispatch_at_zero = _gcurl_multi_source_get_dispatch_count (self);
      _gcurl_multi_source_timer_cb (multi, 0, self);
    }
  else if (h->dispatch_at_zero != 0 && h->dispatch_at_next == 0 && fd == CURL_SOCKET_TIMEOUT)
    h->dispatch_at_next = _gcurl_multi_source_get_dispatch_count (self);

  h->depth--;
  return mc;
}

/* ---------------------------------------------------------------------- */
/* Basics                                                                  */

static void
on_notify_count (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    user_data)
{
  (*(int *) user_data)++;
}

static void
test_basic (Fixture       *f,
            gconstpointer  data)
{
  GCurlTestFetch *fetch;
  int notifies = 0;

  g_signal_connect (f->source, "notify::running-handles", G_CALLBACK (on_notify_count), &notifies);
  g_assert_true (gcurl_multi_source_get_context (f->source) == f->context);
  g_assert_nonnull (gcurl_multi_source_get_multi (f->source));

  fetch = add_server_fetch (f, "/bytes?n=300000", 300000);
  gcurl_test_wait_for_count (f->context, &f->done, 1, 10000);

  assert_fetch_ok (fetch);
  g_assert_cmpint (f->done, ==, 1);
  g_assert_cmpint (gcurl_multi_source_get_running_handles (f->source), ==, 0);
  /* 0 → 1 → 0, each change notified once. */
  g_assert_cmpint (notifies, ==, 2);
  g_assert_cmpuint (_gcurl_multi_source_get_max_action_depth (f->source), ==, 1);
}

static void
test_range_and_redirect (Fixture       *f,
                         gconstpointer  data)
{
  GCurlTestFetch *range, *redirect;

  range = add_server_fetch (f, "/bytes?n=100000", 40000);
  range->offset = 60000;
  curl_easy_setopt (range->easy, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) 60000);

  redirect = add_server_fetch (f, "/redirect?n=3&to=/bytes%3Fn%3D5000", 5000);
  curl_easy_setopt (redirect->easy, CURLOPT_FOLLOWLOCATION, 1L);

  gcurl_test_wait_for_count (f->context, &f->done, 2, 10000);
  assert_fetch_ok (range);
  assert_fetch_ok (redirect);
}

/* ---------------------------------------------------------------------- */
/* Rule 1: a new timer value replaces the old one; -1 deletes it.         */

static void
test_timer_replace (Fixture       *f,
                    gconstpointer  data)
{
  Hook h = { 0 };
  int n_fds, timeout;

  _gcurl_multi_source_set_socket_action_hook (f->source, hook_cb, &h);

  /* Replace a 60 s timer by a 20 ms one: exactly one timeout action, and
   * nothing left to wake the context afterwards (no stacked timer). */
  _gcurl_multi_source_timer_cb (NULL, 60000, f->source);
  _gcurl_multi_source_timer_cb (NULL, 20, f->source);
  timeout = context_timeout (f->context, &n_fds);
  g_assert_cmpint (timeout, >=, 0);
  g_assert_cmpint (timeout, <=, 20);

  gcurl_test_wait_for_count (f->context, &h.timeouts, 1, 5000);
  g_assert_cmpint (h.timeouts, ==, 1);
  g_assert_cmpint (g_source_get_ready_time (_gcurl_multi_source_get_gsource (f->source)), ==, -1);
  g_assert_cmpint (context_timeout (f->context, &n_fds), ==, -1);

  /* -1 deletes a pending timer. */
  _gcurl_multi_source_timer_cb (NULL, 30, f->source);
  _gcurl_multi_source_timer_cb (NULL, -1, f->source);
  g_assert_cmpint (context_timeout (f->context, &n_fds), ==, -1);
  gcurl_test_run_for (f->context, 100);
  g_assert_cmpint (h.timeouts, ==, 1);
}

/* ---------------------------------------------------------------------- */
/* Rule 2: a 0 timer set inside an action fires on a later iteration;     */
/* libcurl is never called recursively.                                    */

static void
test_timer_zero_in_callback (Fixture       *f,
                             gconstpointer  data)
{
  Hook h = { .pass_through = TRUE, .set_zero_timer = TRUE };
  GCurlTestFetch *fetch;

  _gcurl_multi_source_set_socket_action_hook (f->source, hook_cb, &h);
  fetch = add_server_fetch (f, "/bytes?n=200000", 200000);
  gcurl_test_wait_for_count (f->context, &f->done, 1, 10000);
  assert_fetch_ok (fetch);

  g_assert_cmpuint (h.dispatch_at_zero, >, 0);
  g_assert_cmpuint (h.dispatch_at_next, >, h.dispatch_at_zero);
  g_assert_cmpint (h.max_depth, ==, 1);
  g_assert_cmpuint (_gcurl_multi_source_get_max_action_depth (f->source), ==, 1);
}

/* ---------------------------------------------------------------------- */
/* Rule 3: a timer or watch is never dropped on our own.                  */

static void
test_timer_never_lost (Fixture       *f,
                       gconstpointer  data)
{
  GSource *gsource = _gcurl_multi_source_get_gsource (f->source);
  GCurlTestFetch *stall, *limited, *trickle;

  /* Only curl's timer can end this one. Fire it early, again and again:
   * curl's timer has not expired, so curl announces nothing new; the
   * source must not lose it. Alone, so that no other transfer's actions
   * can make up for a lost timer. */
  stall = add_server_fetch (f, "/stall?n=1000", -1);
  curl_easy_setopt (stall->easy, CURLOPT_TIMEOUT_MS, 400L);
  gcurl_test_run_for (f->context, 50);
  for (int i = 0; i < 10; i++)
    {
      g_source_set_ready_time (gsource, 0);
      gcurl_test_run_for (f->context, 10);
    }
  gcurl_test_wait_for_count (f->context, &f->done, 1, 10000);
  g_assert_cmpint (stall->result, ==, CURLE_OPERATION_TIMEDOUT);
  g_assert_cmpint (stall->done_count, ==, 1);

  /* Rate limiting runs on timers; a trickle needs its watch kept. */
  limited = add_server_fetch (f, "/bytes?n=400000", 400000);
  curl_easy_setopt (limited->easy, CURLOPT_MAX_RECV_SPEED_LARGE, (curl_off_t) 2000000);
  trickle = add_server_fetch (f, "/trickle?n=20000&chunk=2000&interval=20", 20000);
  gcurl_test_wait_for_count (f->context, &f->done, 3, 10000);
  assert_fetch_ok (limited);
  assert_fetch_ok (trickle);
}

/* ---------------------------------------------------------------------- */
/* Rule 4: CURL_POLL_REMOVE, then the same fd number for a new socket.    */

/* A new connected socket pair whose first end has the number @fd (free). */
static void
socketpair_at (int fd,
               int sv[2])
{
  int tmp[2];

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, tmp));
  if (tmp[1] == fd)
    {
      /* The pair is symmetric: use it the other way round. */
      sv[0] = tmp[1];
      sv[1] = tmp[0];
      return;
    }
  if (tmp[0] != fd)
    {
      g_assert_cmpint (dup3 (tmp[0], fd, O_CLOEXEC), ==, fd);
      close (tmp[0]);
    }
  sv[0] = fd;
  sv[1] = tmp[1];
}

/* Plays curl watching a new socket under the number @fd for input: it must
 * be reported readable (and only readable) once data arrives, and not
 * before. Then un-watches and closes it. */
static void
assert_fresh_socket_watched (Fixture *f,
                             Hook    *h,
                             int      fd)
{
  int b[2];

  socketpair_at (fd, b);
  h->socket_actions = 0;
  _gcurl_multi_source_socket_cb (NULL, b[0], CURL_POLL_IN, f->source, NULL);
  gcurl_test_run_for (f->context, 50);
  g_assert_cmpint (h->socket_actions, ==, 0);

  g_assert_cmpint (write (b[1], "x", 1), ==, 1);
  gcurl_test_wait_for_count (f->context, &h->socket_actions, 1, 5000);
  g_assert_cmpint (h->last_fd, ==, b[0]);
  g_assert_cmpint (h->last_mask, ==, CURL_CSELECT_IN);

  _gcurl_multi_source_socket_cb (NULL, b[0], CURL_POLL_REMOVE, f->source, NULL);
  close (b[0]);
  close (b[1]);
}

static void
test_fd_reuse_synthetic (Fixture       *f,
                         gconstpointer  data)
{
  Hook h = { 0 };
  int a[2];

  _gcurl_multi_source_set_socket_action_hook (f->source, hook_cb, &h);

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a));
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_OUT, f->source, NULL);
  gcurl_test_wait_for_count (f->context, &h.socket_actions, 1, 5000);
  g_assert_cmpint (h.last_fd, ==, a[0]);
  g_assert_cmpint (h.last_mask & CURL_CSELECT_OUT, !=, 0);
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_REMOVE, f->source, NULL);
  close (a[0]);
  close (a[1]);

  /* Same number, new socket: the old OUT interest must not come back. */
  assert_fresh_socket_watched (f, &h, a[0]);
}

static void
test_fd_reuse_real (Fixture       *f,
                    gconstpointer  data)
{
  /* Every connection closes after its transfer; the next one usually gets
   * the same fd number. Sequential, so each starts after the last closed. */
  for (int i = 0; i < 20; i++)
    {
      goffset n = 1000 + i * 997;
      g_autofree char *path = g_strdup_printf ("/bytes?n=%" G_GINT64_FORMAT, (gint64) n);
      GCurlTestFetch *fetch = add_server_fetch (f, path, n);

      curl_easy_setopt (fetch->easy, CURLOPT_FORBID_REUSE, 1L);
      gcurl_test_wait_for_count (f->context, &f->done, i + 1, 10000);
      assert_fetch_ok (fetch);
    }
}

/* A byte written to the pair's far end is reported as reading on a[0]
 * (once, and read back). */
static void
assert_byte_reported (Fixture *f,
                      Hook    *h,
                      int      a[2])
{
  char c;

  g_assert_cmpint (write (a[1], "x", 1), ==, 1);
  gcurl_test_wait_for_count (f->context, &h->socket_actions, 1, 5000);
  g_assert_cmpint (h->last_fd, ==, a[0]);
  g_assert_cmpint (h->last_mask, ==, CURL_CSELECT_IN);
  g_assert_cmpint (read (a[0], &c, 1), ==, 1);
}

/* Both backends keep a socket watched for reading after CURL_POLL_REMOVE,
 * to take it up again cheaply when curl asks for it (the next transfer on a
 * kept-alive connection). Such a parked watch must stay silent towards curl,
 * must not spin when something arrives anyway, and must be as good as new
 * when curl asks for the fd again. */
static void
test_parked_watch (Fixture       *f,
                   gconstpointer  data)
{
  Hook h = { 0 };
  guint64 before;
  char c;
  int a[2];

  _gcurl_multi_source_set_socket_action_hook (f->source, hook_cb, &h);
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a));

  /* Watched, removed, asked for again: reported once data comes. */
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_IN, f->source, NULL);
  gcurl_test_run_for (f->context, 50);
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_REMOVE, f->source, NULL);
  gcurl_test_run_for (f->context, 50);
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_IN, f->source, NULL);
  gcurl_test_run_for (f->context, 50);
  g_assert_cmpint (h.socket_actions, ==, 0);
  assert_byte_reported (f, &h, a);

  /* Removed, then data arrives unasked (the data stays unread): curl hears
   * nothing and the loop does not spin. */
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_REMOVE, f->source, NULL);
  h.socket_actions = 0;
  before = _gcurl_multi_source_get_dispatch_count (f->source);
  g_assert_cmpint (write (a[1], "y", 1), ==, 1);
  gcurl_test_run_for (f->context, 200);
  g_assert_cmpint (h.socket_actions, ==, 0);
  g_assert_cmpuint (_gcurl_multi_source_get_dispatch_count (f->source) - before, <=, 2);

  /* Asked for again: the pending byte is reported at once. */
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_IN, f->source, NULL);
  gcurl_test_wait_for_count (f->context, &h.socket_actions, 1, 5000);
  g_assert_cmpint (h.last_mask, ==, CURL_CSELECT_IN);
  g_assert_cmpint (read (a[0], &c, 1), ==, 1);

  /* Removed and closed by curl, the number reused by a new socket: that
   * one is not reported until curl watches it, then like any other. */
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_REMOVE, f->source, NULL);
  close (a[0]);
  close (a[1]);
  h.socket_actions = 0;
  assert_fresh_socket_watched (f, &h, a[0]);
}

/* A watch parked past its time is dropped at the next dispatch (iochannel:
 * GLib polls every watch, so one left parked would be polled until the
 * connection closes); one taken up in time is kept. Either way, a socket
 * curl asks for again is watched and reported. */
static void
test_parked_watch_expires (Fixture       *f,
                           gconstpointer  data)
{
  gboolean iochannel = g_str_equal (gcurl_test_backend_name (), "iochannel");
  Hook h = { 0 };
  int n_watched, n_parked;
  int a[2];

  _gcurl_multi_source_set_socket_action_hook (f->source, hook_cb, &h);
  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a));

  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_IN, f->source, NULL);
  gcurl_test_run_for (f->context, 20);
  n_watched = gcurl_test_count_sources (f->context);

  /* Parked, and taken up again before its time: the same watch. */
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_REMOVE, f->source, NULL);
  _gcurl_multi_source_timer_cb (NULL, 0, f->source);
  gcurl_test_run_for (f->context, 10);
  g_assert_cmpint (h.timeouts, ==, 1);
  g_assert_cmpint (gcurl_test_count_sources (f->context), ==, n_watched);
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_IN, f->source, NULL);
  g_assert_cmpint (gcurl_test_count_sources (f->context), ==, n_watched);

  /* Parked and left: still there without a dispatch (no wake-up for it)... */
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_REMOVE, f->source, NULL);
  gcurl_test_run_for (f->context, 120);
  n_parked = gcurl_test_count_sources (f->context);
  g_assert_cmpint (n_parked, ==, n_watched);

  /* ...and gone at the first dispatch after 50 ms. */
  _gcurl_multi_source_timer_cb (NULL, 0, f->source);
  gcurl_test_run_for (f->context, 10);
  g_assert_cmpint (h.timeouts, ==, 2);
  g_assert_cmpint (gcurl_test_count_sources (f->context), ==, iochannel ? n_watched - 1 : n_watched);
  g_assert_cmpint (h.socket_actions, ==, 0);

  /* Asked for again: watched anew, and reported. */
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_IN, f->source, NULL);
  g_assert_cmpint (gcurl_test_count_sources (f->context), ==, n_watched);
  assert_byte_reported (f, &h, a);

  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_REMOVE, f->source, NULL);
  close (a[0]);
  close (a[1]);
}

/* ---------------------------------------------------------------------- */
/* Rule 5: REMOVE for an unknown socket, or with a NULL socketp.          */

static void
test_remove_unknown (Fixture       *f,
                     gconstpointer  data)
{
  GCurlTestFetch *fetch;

  _gcurl_multi_source_socket_cb (NULL, 4000, CURL_POLL_REMOVE, f->source, NULL);
  _gcurl_multi_source_socket_cb (NULL, 3, CURL_POLL_REMOVE, f->source, NULL);
  _gcurl_multi_source_socket_cb (NULL, CURL_SOCKET_BAD, CURL_POLL_REMOVE, f->source, NULL);
  _gcurl_multi_source_socket_cb (NULL, CURL_SOCKET_BAD, CURL_POLL_IN, f->source, NULL);

  fetch = add_server_fetch (f, "/bytes?n=10000", 10000);
  gcurl_test_wait_for_count (f->context, &f->done, 1, 10000);
  assert_fetch_ok (fetch);
}

/* ---------------------------------------------------------------------- */
/* Rule 6: callbacks during curl_multi_cleanup(); lifetime.               */

static void
test_dispose_in_flight (Fixture       *f,
                        gconstpointer  data)
{
  GSource *gsource;
  int n_fds;

  for (int i = 0; i < 10; i++)
    add_server_fetch (f, "/trickle?n=100000&chunk=1000&interval=20", 100000);
  for (int i = 0; i < 10; i++)
    add_server_fetch (f, "/bytes?n=1000", 1000);
  add_server_fetch (f, "/stall?n=100", -1);

  /* Some finish (their connections go to the pool), some are mid-body. */
  gcurl_test_wait_for_count (f->context, &f->done, 10, 10000);
  gcurl_test_run_for (f->context, 50);

  gsource = g_source_ref (_gcurl_multi_source_get_gsource (f->source));
  g_clear_object (&f->source);
  g_assert_true (g_source_is_destroyed (gsource));
  g_source_unref (gsource);

  /* No `done` for the raw handles given back, and nothing left attached. */
  g_assert_cmpint (f->done, ==, 10);
  g_assert_cmpint (context_timeout (f->context, &n_fds), ==, -1);
  g_assert_cmpint (n_fds, <=, 1);  /* the context's own wake-up fd */

  /* The handles are usable again on their own. */
  for (guint i = 0; i < 3; i++)
    {
      GCurlTestFetch *fetch = f->fetches->pdata[10 + i];

      gcurl_test_fetch_reset (fetch);
      g_assert_cmpint (curl_easy_perform (fetch->easy), ==, CURLE_OK);
      g_assert_cmpint (fetch->received, ==, 1000);
    }
}

static void
on_done_unref (GCurlMultiSource *source,
               gpointer          easy,
               int               result,
               gpointer          user_data)
{
  Fixture *f = user_data;

  if (f->source != NULL)
    g_clear_object (&f->source);
}

static void
test_unref_in_done (Fixture       *f,
                    gconstpointer  data)
{
  for (int i = 0; i < 5; i++)
    add_server_fetch (f, "/bytes?n=1000", 1000);
  add_server_fetch (f, "/stall?n=100", -1);
  g_signal_connect (f->source, "done", G_CALLBACK (on_done_unref), f);

  gcurl_test_wait_for_count (f->context, &f->done, 1, 10000);
  g_assert_null (f->source);
  gcurl_test_run_for (f->context, 50);
  /* Handlers of one action's messages: the source died after the first. */
  g_assert_cmpint (f->done, ==, 1);
}

static void
on_done_run_dispose (GCurlMultiSource *source,
                     gpointer          easy,
                     int               result,
                     gpointer          user_data)
{
  Fixture *f = user_data;

  if (f->done == 1)
    g_object_run_dispose (G_OBJECT (source));
}

static void
test_run_dispose_in_done (Fixture       *f,
                          gconstpointer  data)
{
  /* Bindings dispose objects explicitly; from a handler, with ready sockets
   * still to walk in the same dispatch, nothing may touch freed state. */
  for (int i = 0; i < 30; i++)
    add_server_fetch (f, "/bytes?n=2000", 2000);
  for (int i = 0; i < 5; i++)
    add_server_fetch (f, "/trickle?n=100000&chunk=1000&interval=5", 100000);
  g_signal_connect (f->source, "done", G_CALLBACK (on_done_run_dispose), f);

  gcurl_test_wait_for_count (f->context, &f->done, 1, 10000);
  gcurl_test_run_for (f->context, 100);
  g_assert_cmpint (f->done, ==, 1);
  g_assert_null (gcurl_multi_source_get_multi (f->source));
  g_assert_null (_gcurl_multi_source_get_gsource (f->source));
}

/* ---------------------------------------------------------------------- */
/* Rule 7: an fd closed without REMOVE.                                   */

static void
test_closed_fd (Fixture       *f,
                gconstpointer  data)
{
  Hook h = { 0 };
  guint64 before;
  int a[2];

  _gcurl_multi_source_set_socket_action_hook (f->source, hook_cb, &h);

  g_assert_no_errno (socketpair (AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0, a));
  _gcurl_multi_source_socket_cb (NULL, a[0], CURL_POLL_IN, f->source, NULL);
  g_assert_cmpint (write (a[1], "x", 1), ==, 1);
  close (a[0]);

  /* No busy loop: at most the one report that the fd went bad. */
  before = _gcurl_multi_source_get_dispatch_count (f->source);
  gcurl_test_run_for (f->context, 200);
  g_assert_cmpuint (_gcurl_multi_source_get_dispatch_count (f->source) - before, <=, 2);
  if (h.socket_actions > 0)
    g_assert_cmpint (h.last_mask & CURL_CSELECT_ERR, !=, 0);
  close (a[1]);

  /* A new socket under the same number, watched the same way, works. */
  assert_fresh_socket_watched (f, &h, a[0]);
}

/* ---------------------------------------------------------------------- */
/* Rule 8: an idle source makes no wake-ups.                              */

static void
assert_idle (Fixture *f)
{
  GPollFD fds[64];
  int priority, timeout = 0, n;
  guint64 before;

  /* One-off wake-ups (attaching, the last timer change) are consumed. */
  while (g_main_context_iteration (f->context, FALSE))
    ;
  before = _gcurl_multi_source_get_dispatch_count (f->source);

  g_main_context_prepare (f->context, &priority);
  n = g_main_context_query (f->context, priority, &timeout, fds, G_N_ELEMENTS (fds));
  g_assert_cmpint (n, <=, (int) G_N_ELEMENTS (fds));
  /* Nothing timed... */
  g_assert_cmpint (timeout, ==, -1);
  /* ...and nothing ready, for a while. */
  g_assert_cmpint (poll ((struct pollfd *) fds, n, 300), ==, 0);
  g_main_context_check (f->context, priority, fds, n);
  g_main_context_dispatch (f->context);
  g_assert_cmpuint (_gcurl_multi_source_get_dispatch_count (f->source), ==, before);
}

static void
test_idle (Fixture       *f,
           gconstpointer  data)
{
  GCurlTestNginx *nginx;

  /* A new source. */
  assert_idle (f);

  /* After transfers, with kept-alive connections in the pool. */
  for (int i = 0; i < 8; i++)
    add_server_fetch (f, "/bytes?n=50000", 50000);
  gcurl_test_wait_for_count (f->context, &f->done, 8, 10000);
  for (guint i = 0; i < f->fetches->len; i++)
    assert_fetch_ok (f->fetches->pdata[i]);
  while (g_main_context_iteration (f->context, FALSE))
    ;
  assert_idle (f);

  nginx = gcurl_test_nginx_get_shared ();
  if (nginx == NULL)
    return;
  for (int i = 0; i < 8; i++)
    {
      g_autofree char *url = g_strconcat (nginx->http_url, "/100k", NULL);
      add_fetch (f, url, 100 * 1024);
    }
  gcurl_test_wait_for_count (f->context, &f->done, 16, 10000);
  while (g_main_context_iteration (f->context, FALSE))
    ;
  assert_idle (f);
}

/* ---------------------------------------------------------------------- */
/* Rule 9: N parallel transfers, exactly N `done`, the last on a timer.   */

static void
test_parallel_done (Fixture       *f,
                    gconstpointer  data)
{
  GCurlTestFetch *stall;

  for (int i = 0; i < 50; i++)
    {
      goffset n = 100 + i * 4099;
      g_autofree char *path = g_strdup_printf ("/bytes?n=%" G_GINT64_FORMAT, (gint64) n);

      add_server_fetch (f, path, n);
    }
  stall = add_server_fetch (f, "/stall?n=1000", -1);
  curl_easy_setopt (stall->easy, CURLOPT_TIMEOUT_MS, 500L);

  gcurl_test_wait_for_count (f->context, &f->done, 51, 10000);
  gcurl_test_run_for (f->context, 50);
  g_assert_cmpint (f->done, ==, 51);
  for (guint i = 0; i < 50; i++)
    assert_fetch_ok (f->fetches->pdata[i]);
  g_assert_cmpint (stall->done_count, ==, 1);
  g_assert_cmpint (stall->result, ==, CURLE_OPERATION_TIMEDOUT);
}

/* ---------------------------------------------------------------------- */
/* Rule 10: the CURLMsg is copied before the handle is removed.           */

typedef struct
{
  int      count;
  GHashTable *expected;   /* easy → expected CURLcode */
  GString    *mismatches; /* "URL: expected N, got M" of each that differed */
} CleanupData;

static void
on_done_cleanup (GCurlMultiSource *source,
                 gpointer          easy,
                 int               result,
                 gpointer          user_data)
{
  CleanupData *d = user_data;
  gpointer expected;

  g_assert_true (g_hash_table_lookup_extended (d->expected, easy, NULL, &expected));
  if (GPOINTER_TO_INT (expected) != result)
    {
      char *url = NULL;

      curl_easy_getinfo ((CURL *) easy, CURLINFO_EFFECTIVE_URL, &url);
      g_string_append_printf (d->mismatches, "%s: expected %d, got %d (%s); ", url,
                              GPOINTER_TO_INT (expected), result,
                              curl_easy_strerror ((CURLcode) result));
    }
  g_hash_table_remove (d->expected, easy);
  /* The handle is ours: free it right here. */
  curl_easy_cleanup (easy);
  d->count++;
}

static size_t
discard_write_cb (char   *ptr,
                  size_t  size,
                  size_t  nmemb,
                  void   *userdata)
{
  return size * nmemb;
}

static void
test_cleanup_in_done (Fixture       *f,
                      gconstpointer  data)
{
  g_autoptr(GCurlMultiSource) source = NULL;
  CleanupData d = { 0, g_hash_table_new (NULL, NULL), g_string_new (NULL) };
  const struct { const char *path; CURLcode result; } cases[] = {
    { "/bytes?n=1000", CURLE_OK },
    { "/status?code=404", CURLE_HTTP_RETURNED_ERROR },
    { "/status?code=500", CURLE_HTTP_RETURNED_ERROR },
    { "/drop?n=10000&after=100", CURLE_PARTIAL_FILE },
    { "/redirect?n=5", CURLE_TOO_MANY_REDIRECTS },
  };

  source = gcurl_multi_source_new ();
  g_signal_connect (source, "done", G_CALLBACK (on_done_cleanup), &d);

  for (int round = 0; round < 6; round++)
    for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
      {
        g_autofree char *url = gcurl_test_server_url (server, cases[i].path);
        CURL *easy = curl_easy_init ();

        curl_easy_setopt (easy, CURLOPT_URL, url);
        curl_easy_setopt (easy, CURLOPT_FAILONERROR, 1L);
        curl_easy_setopt (easy, CURLOPT_FOLLOWLOCATION, 1L);
        curl_easy_setopt (easy, CURLOPT_MAXREDIRS, 2L);
        curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, discard_write_cb);
        g_hash_table_insert (d.expected, easy, GINT_TO_POINTER (cases[i].result));
        g_assert_true (gcurl_multi_source_add_handle (source, easy, NULL));
      }

  gcurl_test_wait_for_count (f->context, &d.count, 30, 20000);
  g_assert_cmpint (d.count, ==, 30);
  g_assert_cmpstr (d.mismatches->str, ==, "");
  g_string_free (d.mismatches, TRUE);
  g_assert_cmpuint (g_hash_table_size (d.expected), ==, 0);
  g_hash_table_unref (d.expected);
}

/* ---------------------------------------------------------------------- */
/* Rule 12: a failing curl_multi_socket_action().                         */

static void
test_action_failure (Fixture       *f,
                     gconstpointer  data)
{
  Hook h = { .pass_through = TRUE };
  GCurlTestFetch *after;

  _gcurl_multi_source_set_socket_action_hook (f->source, hook_cb, &h);
  for (int i = 0; i < 5; i++)
    add_server_fetch (f, "/trickle?n=100000&chunk=1000&interval=20", 100000);
  gcurl_test_run_for (f->context, 100);
  g_assert_cmpint (f->done, ==, 0);

  h.fail_with = CURLM_INTERNAL_ERROR;
  g_test_expect_message ("GCurl", G_LOG_LEVEL_WARNING, "*curl_multi_socket_action() failed*");
  gcurl_test_wait_for_count (f->context, &f->done, 5, 10000);
  g_test_assert_expected_messages ();

  gcurl_test_run_for (f->context, 50);
  g_assert_cmpint (f->done, ==, 5);
  for (guint i = 0; i < 5; i++)
    {
      GCurlTestFetch *fetch = f->fetches->pdata[i];
      g_autoptr(GError) error = NULL;

      g_assert_cmpint (fetch->done_count, ==, 1);
      g_assert_cmpint (fetch->result, ==, CURLE_UNRECOVERABLE_POLL);
      error = gcurl_error_new_from_code (fetch->result, fetch->url, NULL);
      g_assert_error (error, GCURL_ERROR, GCURL_ERROR_FAILED);
    }

  /* The source keeps working. */
  h.fail_with = CURLM_OK;
  after = add_server_fetch (f, "/bytes?n=5000", 5000);
  gcurl_test_wait_for_count (f->context, &f->done, 6, 10000);
  assert_fetch_ok (after);
}

/* ---------------------------------------------------------------------- */
/* Rule 14: a source in a worker thread's context.                        */

typedef struct
{
  GThread *thread;
  int done;
  gboolean wrong_thread;
  gboolean all_ok;
  gboolean right_context;
} WorkerData;

static void
on_worker_done (GCurlMultiSource *source,
                gpointer          easy,
                int               result,
                gpointer          user_data)
{
  WorkerData *w = user_data;
  GCurlTestFetch *fetch = NULL;

  if (g_thread_self () != w->thread)
    w->wrong_thread = TRUE;
  curl_easy_getinfo ((CURL *) easy, CURLINFO_PRIVATE, &fetch);
  if (result != CURLE_OK || !fetch->content_ok || fetch->received != fetch->expected)
    {
      g_test_message ("worker: %s ended with %d (%s), %s, %" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                      " bytes", fetch->url, result, curl_easy_strerror ((CURLcode) result),
                      fetch->content_ok ? "content right" : "content wrong",
                      (gint64) fetch->received, (gint64) fetch->expected);
      w->all_ok = FALSE;
    }
  w->done++;
}

static gpointer
worker_thread (gpointer data)
{
  WorkerData *w = data;
  GMainContext *context = g_main_context_new ();
  GCurlMultiSource *source;
  GPtrArray *fetches = g_ptr_array_new_with_free_func ((GDestroyNotify) gcurl_test_fetch_free);

  g_main_context_push_thread_default (context);
  source = gcurl_multi_source_new ();
  w->right_context = g_source_get_context (_gcurl_multi_source_get_gsource (source)) == context;
  g_signal_connect (source, "done", G_CALLBACK (on_worker_done), w);

  for (int i = 0; i < 20; i++)
    {
      g_autofree char *url = gcurl_test_server_url (server, "/bytes?n=20000");
      GCurlTestFetch *fetch = gcurl_test_fetch_new (url, 20000);

      g_ptr_array_add (fetches, fetch);
      gcurl_multi_source_add_handle (source, fetch->easy, NULL);
    }
  gcurl_test_wait_for_count (context, &w->done, 20, 10000);

  g_object_unref (source);
  g_ptr_array_unref (fetches);
  g_main_context_pop_thread_default (context);
  g_main_context_unref (context);
  return NULL;
}

static void
test_worker_thread (Fixture       *f,
                    gconstpointer  data)
{
  WorkerData w = { .all_ok = TRUE };

  /* Nothing pending in the default context before... */
  g_assert_false (g_main_context_pending (NULL));

  w.thread = g_thread_new ("worker", worker_thread, &w);
  g_thread_join (w.thread);

  g_assert_cmpint (w.done, ==, 20);
  g_assert_true (w.all_ok);
  g_assert_false (w.wrong_thread);
  g_assert_true (w.right_context);
  /* ...nor after: the default context was never touched. */
  g_assert_false (g_main_context_pending (NULL));
}

/* ---------------------------------------------------------------------- */
/* Rule 15: many requests to one HTTP/2 host share one connection.        */

/* libcurl 7.88.1 cannot put a second request on a cleartext
 * prior-knowledge (h2c) connection, neither multiplexed nor after the first
 * finished: it fails with "Error in the HTTP2 framing layer" (`curl
 * --http2-prior-knowledge URL URL` against nginx shows the same). So
 * multiplexing (rule 15) is tested over TLS, where ALPN negotiates h2, and
 * h2c is tested with one connection per transfer. */
static void
run_h2 (Fixture    *f,
        const char *base,
        const char *ca_file,
        int         n)
{
  long connects = 0;

  for (int i = 0; i < n; i++)
    {
      g_autofree char *url = g_strconcat (base, i % 2 ? "/100k" : "/1k", NULL);
      GCurlTestFetch *fetch = gcurl_test_fetch_new (url, i % 2 ? 100 * 1024 : 1024);

      g_ptr_array_add (f->fetches, fetch);
      if (ca_file != NULL)
        {
          curl_easy_setopt (fetch->easy, CURLOPT_HTTP_VERSION, (long) CURL_HTTP_VERSION_2TLS);
          curl_easy_setopt (fetch->easy, CURLOPT_CAINFO, ca_file);
          /* Wait for the first connection rather than opening more. */
          curl_easy_setopt (fetch->easy, CURLOPT_PIPEWAIT, 1L);
        }
      else
        {
          curl_easy_setopt (fetch->easy, CURLOPT_HTTP_VERSION,
                            (long) CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE);
          curl_easy_setopt (fetch->easy, CURLOPT_FORBID_REUSE, 1L);
        }
      g_assert_true (gcurl_multi_source_add_handle (f->source, fetch->easy, NULL));
    }

  gcurl_test_wait_for_count (f->context, &f->done, n, 20000);
  for (guint i = 0; i < f->fetches->len; i++)
    {
      GCurlTestFetch *fetch = f->fetches->pdata[i];
      long version = 0, c = 0;

      assert_fetch_ok (fetch);
      curl_easy_getinfo (fetch->easy, CURLINFO_HTTP_VERSION, &version);
      curl_easy_getinfo (fetch->easy, CURLINFO_NUM_CONNECTS, &c);
      g_assert_cmpint (version, ==, CURL_HTTP_VERSION_2_0);
      connects += c;
    }
  g_assert_cmpint (connects, ==, ca_file != NULL ? 1 : n);
}

static void
test_h2_multiplex (Fixture       *f,
                   gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();

  if (nginx == NULL)
    return;
  gcurl_multi_source_set_multiplexing (f->source, FALSE);
  run_h2 (f, nginx->h2c_url, NULL, 20);
}

static void
test_h2_multiplex_tls (Fixture       *f,
                       gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();

  if (nginx == NULL)
    return;
  run_h2 (f, nginx->https_url, nginx->ca_file, 50);
}

static void
test_tls_untrusted (Fixture       *f,
                    gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  g_autofree char *url = NULL;
  g_autoptr(GError) error = NULL;
  GCurlTestFetch *fetch;

  if (nginx == NULL)
    return;
  url = g_strconcat (nginx->https_url, "/1k", NULL);
  fetch = add_fetch (f, url, -1);
  gcurl_test_wait_for_count (f->context, &f->done, 1, 10000);
  g_assert_cmpint (fetch->result, ==, CURLE_PEER_FAILED_VERIFICATION);
  g_assert_cmpint (fetch->received, ==, 0);
  error = gcurl_error_new_from_code (fetch->result, url, fetch->errbuf);
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_TLS);
}

/* ---------------------------------------------------------------------- */
/* Connections shut down after their transfer (libcurl >= 8.9 does it
 * gracefully: TLS close_notify, HTTP/2 GOAWAY, through an internal handle
 * of its own, so sockets are announced for a handle that was never added,
 * after every added handle has gone, and during curl_multi_cleanup();
 * doc/design.md, "Graceful shutdown"). libcurl 7.88 closes at once. */

/* 4 HTTP/1.1 and 4 HTTP/2 transfers over TLS, each connection closed
 * after its transfer; returns when all are done, their handles cleaned
 * up already (the close-socket callback may come after that). */
static void
run_closing_transfers (Fixture        *f,
                       GCurlTestNginx *nginx)
{
  g_autofree char *url = g_strconcat (nginx->https_url, "/100k", NULL);

  f->done = 0;
  for (int i = 0; i < 8; i++)
    {
      GCurlTestFetch *fetch = gcurl_test_fetch_new (url, 100 * 1024);

      curl_easy_setopt (fetch->easy, CURLOPT_CAINFO, nginx->ca_file);
      curl_easy_setopt (fetch->easy, CURLOPT_FORBID_REUSE, 1L);
      curl_easy_setopt (fetch->easy, CURLOPT_HTTP_VERSION,
                        i % 2 ? CURL_HTTP_VERSION_2TLS : CURL_HTTP_VERSION_1_1);
      g_ptr_array_add (f->fetches, fetch);
      g_assert_true (gcurl_multi_source_add_handle (f->source, fetch->easy, NULL));
    }
  gcurl_test_wait_for_count (f->context, &f->done, 8, 20000);
  for (guint i = 0; i < f->fetches->len; i++)
    {
      GCurlTestFetch *fetch = f->fetches->pdata[i];

      g_assert_cmpint (fetch->result, ==, CURLE_OK);
      g_assert_cmpint (fetch->done_count, ==, 1);
      g_assert_true (fetch->content_ok);
      g_assert_cmpint (fetch->received, ==, 100 * 1024);
    }
  g_ptr_array_set_size (f->fetches, 0);
}

static void
test_shutdown_while_source_lives (Fixture       *f,
                                  gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  gint64 deadline;
  guint64 dispatches;
  int fds;

  if (nginx == NULL)
    return;
  fds = gcurl_test_count_fds ();
  run_closing_transfers (f, nginx);

  /* The shutdowns run from the source's dispatches, with no handle of
   * ours left; they end, and every socket is closed. */
  deadline = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
  while (gcurl_test_count_fds () > fds && g_get_monotonic_time () < deadline)
    gcurl_test_run_for (f->context, 10);
  g_assert_cmpint (gcurl_test_count_fds (), ==, fds);
  g_assert_cmpint (gcurl_multi_source_get_running_handles (f->source), ==, 0);

  /* Idle afterwards: no wake-up of ours. */
  gcurl_test_run_for (f->context, 60);
  dispatches = _gcurl_multi_source_get_dispatch_count (f->source);
  gcurl_test_run_for (f->context, 300);
  g_assert_cmpuint (_gcurl_multi_source_get_dispatch_count (f->source), ==, dispatches);
  /* Our source, and nothing of its watches. */
  g_assert_cmpint (gcurl_test_count_sources (f->context), ==, 1);

  /* And it works as before. */
  run_closing_transfers (f, nginx);
}

static void
test_shutdown_dispose (Fixture       *f,
                       gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  GCurlMultiSource *source;
  gint64 start;
  int fds, after;

  if (nginx == NULL)
    return;
  fds = gcurl_test_count_fds ();
  run_closing_transfers (f, nginx);

  /* Disposed while the connections may still be shutting down: they end
   * inside curl_multi_cleanup(), whose callbacks must not reach us. */
  source = g_steal_pointer (&f->source);
  start = g_get_monotonic_time ();
  g_assert_finalize_object (source);
  g_test_message ("dispose took %" G_GINT64_FORMAT " us", g_get_monotonic_time () - start);
  g_assert_cmpint (g_get_monotonic_time () - start, <, 5 * G_USEC_PER_SEC);
  g_assert_cmpint (gcurl_test_count_sources (f->context), ==, 0);

  /* What is gone is the source's own descriptors (its multi handle's, and
   * the epoll set): a new source opens as many again. No connection's is
   * left. */
  after = gcurl_test_count_fds ();
  source = gcurl_multi_source_new ();
  g_assert_cmpint (gcurl_test_count_fds () - after, ==, fds - after);
  g_assert_finalize_object (source);
  g_assert_cmpint (gcurl_test_count_fds (), ==, after);
}

/* ---------------------------------------------------------------------- */
/* Rule 16: connection limits smaller than the number of transfers.       */

static long
run_limited (Fixture *f,
             int      n)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  int base = f->done;
  long connects = 0;

  for (int i = 0; i < n; i++)
    {
      g_autofree char *url = g_strconcat (nginx->http_url, "/100k", NULL);

      add_fetch (f, url, 100 * 1024);
    }
  gcurl_test_wait_for_count (f->context, &f->done, base + n, 20000);
  for (guint i = base; i < f->fetches->len; i++)
    {
      GCurlTestFetch *fetch = f->fetches->pdata[i];
      long c = 0;

      assert_fetch_ok (fetch);
      curl_easy_getinfo (fetch->easy, CURLINFO_NUM_CONNECTS, &c);
      connects += c;
    }
  return connects;
}

static void
test_connection_limits (Fixture       *f,
                        gconstpointer  data)
{
  int notifies = 0;

  if (gcurl_test_nginx_get_shared () == NULL)
    return;

  g_signal_connect (f->source, "notify::max-total-connections",
                    G_CALLBACK (on_notify_count), &notifies);
  gcurl_multi_source_set_max_total_connections (f->source, 2);
  gcurl_multi_source_set_max_total_connections (f->source, 2);
  g_assert_cmpint (notifies, ==, 1);
  g_assert_cmpint (run_limited (f, 30), <=, 2);

  gcurl_multi_source_set_max_total_connections (f->source, 0);
  g_object_set (f->source, "max-host-connections", 1, NULL);
  g_assert_cmpint (gcurl_multi_source_get_max_host_connections (f->source), ==, 1);
  /* The pool may hold the two earlier connections: at most one new one. */
  g_assert_cmpint (run_limited (f, 20), <=, 1);
}

static void
test_own_multi_options (Fixture       *f,
                        gconstpointer  data)
{
  if (gcurl_test_nginx_get_shared () == NULL)
    return;

  /* An option set directly on the multi handle survives changes of the
   * other options through properties. */
  g_assert_cmpint (curl_multi_setopt (gcurl_multi_source_get_multi (f->source),
                                      CURLMOPT_MAX_TOTAL_CONNECTIONS, 1L), ==, CURLM_OK);
  gcurl_multi_source_set_multiplexing (f->source, FALSE);
  gcurl_multi_source_set_max_connects (f->source, 8);
  g_assert_cmpint (run_limited (f, 10), ==, 1);
}

/* ---------------------------------------------------------------------- */
/* Scale: 2,000 transfers at 500 concurrent, every byte checked.           */

typedef struct
{
  Fixture *f;
  const char *base;
  int started, finished, failed, target, concurrency;
  goffset bytes;
} ScaleData;

static void
scale_start_one (ScaleData *s)
{
  static const struct { const char *name; goffset size; } files[] = {
    { "/1k", 1024 }, { "/100k", 100 * 1024 },
  };
  int k = s->started % 2;
  g_autofree char *url = g_strconcat (s->base, files[k].name, NULL);

  add_fetch (s->f, url, files[k].size);
  s->started++;
}

static void
on_scale_done (GCurlMultiSource *source,
               gpointer          easy,
               int               result,
               gpointer          user_data)
{
  ScaleData *s = user_data;
  GCurlTestFetch *fetch = NULL;

  curl_easy_getinfo ((CURL *) easy, CURLINFO_PRIVATE, &fetch);
  if (result != CURLE_OK || !fetch->content_ok || fetch->received != fetch->expected)
    s->failed++;
  s->bytes += fetch->received;
  s->finished++;
  if (s->started < s->target)
    scale_start_one (s);
}

static void
test_scale (Fixture       *f,
            gconstpointer  data)
{
  GCurlTestNginx *nginx = gcurl_test_nginx_get_shared ();
  ScaleData s = { f, NULL, 0, 0, 0, 2000, 500, 0 };

  if (nginx == NULL)
    return;
  gcurl_test_raise_nofile (4096);
  s.base = nginx->http_url;
  g_signal_connect (f->source, "done", G_CALLBACK (on_scale_done), &s);

  for (int i = 0; i < s.concurrency; i++)
    scale_start_one (&s);
  gcurl_test_wait_for_count (f->context, &s.finished, s.target, 120000);

  g_assert_cmpint (s.finished, ==, 2000);
  g_assert_cmpint (s.failed, ==, 0);
  g_assert_cmpint (s.bytes, ==, 1000 * 1024 + 1000 * 100 * 1024);
  g_assert_cmpint (f->done, ==, 2000);
}

/* ---------------------------------------------------------------------- */
/* Re-entrancy: add, remove and cancel from handlers and callbacks.        */

typedef struct
{
  Fixture        *f;
  GCurlTestFetch *victim;       /* removed from a write callback */
  GCurlTestFetch *late;         /* added from a write callback */
  gboolean        acted;
  gboolean        add_ok, remove_ok;
} WriteActs;

static size_t
acting_write_cb (char   *ptr,
                 size_t  size,
                 size_t  nmemb,
                 void   *userdata)
{
  WriteActs *a = userdata;

  if (!a->acted)
    {
      a->acted = TRUE;
      /* libcurl forbids both here: they must be deferred, not fail. */
      a->remove_ok = gcurl_multi_source_remove_handle (a->f->source, a->victim->easy, NULL);
      a->add_ok = gcurl_multi_source_add_handle (a->f->source, a->late->easy, NULL);
    }
  return size * nmemb;
}

static void
test_reentrancy_write_cb (Fixture       *f,
                          gconstpointer  data)
{
  WriteActs a = { f };
  GCurlTestFetch *actor;
  g_autofree char *late_url = gcurl_test_server_url (server, "/bytes?n=7000");

  a.victim = add_server_fetch (f, "/trickle?n=100000&chunk=1000&interval=20", 100000);
  a.late = gcurl_test_fetch_new (late_url, 7000);
  g_ptr_array_add (f->fetches, a.late);

  actor = add_server_fetch (f, "/bytes?n=3000", 3000);
  curl_easy_setopt (actor->easy, CURLOPT_WRITEFUNCTION, acting_write_cb);
  curl_easy_setopt (actor->easy, CURLOPT_WRITEDATA, &a);

  gcurl_test_wait_for_count (f->context, &f->done, 2, 10000);
  gcurl_test_run_for (f->context, 100);

  g_assert_true (a.acted);
  g_assert_true (a.remove_ok);
  g_assert_true (a.add_ok);
  g_assert_cmpint (f->done, ==, 2);
  g_assert_cmpint (actor->done_count, ==, 1);
  g_assert_cmpint (actor->result, ==, CURLE_OK);
  assert_fetch_ok (a.late);
  g_assert_cmpint (a.victim->done_count, ==, 0);
  g_assert_cmpint (a.victim->received, <, 100000);
}

/* A handler that runs a nested main loop on the source's context (what a
 * modal dialog did in older GTK code, or a synchronous helper). The source
 * may recurse in GLib's sense (for speed, see constructed()), so it keeps
 * itself still: while the handler runs, no spinning on sockets it cannot
 * serve and no call into libcurl; everything goes on once it returns. */
typedef struct
{
  Fixture *f;
  int      runs;          /* nested loops run */
  guint    iterations;    /* their main-loop iterations, all together */
  guint64  dispatches;    /* our source's dispatches during them */
} Nested;

static gboolean
set_flag (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
run_nested_loop (Nested *n)
{
  GSource *timeout = g_timeout_source_new (200);
  guint64 before = _gcurl_multi_source_get_dispatch_count (n->f->source);
  gboolean over = FALSE;

  g_source_set_callback (timeout, set_flag, &over, NULL);
  g_source_attach (timeout, n->f->context);
  while (!over)
    {
      g_main_context_iteration (n->f->context, TRUE);
      n->iterations++;
    }
  g_source_unref (timeout);
  n->dispatches += _gcurl_multi_source_get_dispatch_count (n->f->source) - before;
  n->runs++;
}

static void
on_done_nested (GCurlMultiSource *source,
                gpointer          easy,
                int               result,
                gpointer          user_data)
{
  Nested *n = user_data;

  if (n->runs == 0)
    run_nested_loop (n);
}

static int
nested_progress_cb (void       *data,
                    curl_off_t  dltotal,
                    curl_off_t  dlnow,
                    curl_off_t  ultotal,
                    curl_off_t  ulnow)
{
  Nested *n = data;

  /* Inside libcurl: the nested loop must not call it again. */
  if (dlnow > 0 && n->runs == 0)
    run_nested_loop (n);
  return 0;
}

static void
test_reentrancy_nested_loop (Fixture       *f,
                             gconstpointer  data)
{
  Nested in_done = { f }, in_progress = { f };
  GCurlTestFetch *inside;

  /* Slow transfers keep their sockets busy while the nested loops run. */
  for (int i = 0; i < 6; i++)
    add_server_fetch (f, "/trickle?n=60000&chunk=2000&interval=10", 60000);
  add_server_fetch (f, "/bytes?n=1000", 1000);
  g_signal_connect (f->source, "done", G_CALLBACK (on_done_nested), &in_done);

  inside = add_server_fetch (f, "/trickle?n=30000&chunk=3000&interval=10", 30000);
  curl_easy_setopt (inside->easy, CURLOPT_NOPROGRESS, 0L);
  curl_easy_setopt (inside->easy, CURLOPT_XFERINFOFUNCTION, nested_progress_cb);
  curl_easy_setopt (inside->easy, CURLOPT_XFERINFODATA, &in_progress);

  gcurl_test_wait_for_count (f->context, &f->done, 8, 20000);

  for (guint i = 0; i < f->fetches->len; i++)
    assert_fetch_ok (f->fetches->pdata[i]);
  g_assert_cmpint (in_done.runs, ==, 1);
  g_assert_cmpint (in_progress.runs, ==, 1);
  /* Each 200 ms loop: its timeout, and at most the one dispatch that
   * stops the source (a spin would be thousands). */
  g_assert_cmpuint (in_done.iterations, <=, 10);
  g_assert_cmpuint (in_progress.iterations, <=, 10);
  g_assert_cmpuint (in_done.dispatches, <=, 1);
  g_assert_cmpuint (in_progress.dispatches, <=, 1);
  g_assert_cmpuint (_gcurl_multi_source_get_max_action_depth (f->source), ==, 1);
}

typedef struct
{
  Fixture *f;
  int      readded;
  int      done;
} ReaddData;

static void
on_done_readd (GCurlMultiSource *source,
               gpointer          easy,
               int               result,
               gpointer          user_data)
{
  ReaddData *r = user_data;
  GCurlTestFetch *fetch = NULL;
  g_autoptr(GError) error = NULL;

  r->done++;
  curl_easy_getinfo ((CURL *) easy, CURLINFO_PRIVATE, &fetch);
  g_assert_cmpint (result, ==, CURLE_OK);
  g_assert_true (fetch->content_ok);
  if (r->readded < 30)
    {
      r->readded++;
      gcurl_test_fetch_reset (fetch);
      g_assert_true (gcurl_multi_source_add_handle (source, easy, &error));
      g_assert_no_error (error);
    }
}

static void
test_readd_in_done (Fixture       *f,
                    gconstpointer  data)
{
  ReaddData r = { f };

  g_signal_connect (f->source, "done", G_CALLBACK (on_done_readd), &r);
  for (int i = 0; i < 3; i++)
    add_server_fetch (f, "/bytes?n=4000", 4000);
  gcurl_test_wait_for_count (f->context, &r.done, 33, 10000);
  gcurl_test_run_for (f->context, 50);
  g_assert_cmpint (r.done, ==, 33);
}

/* Everything libcurl forbids inside its callbacks, from a write callback:
 * a multi option, cancel_all(), an add that libcurl then refuses. */
typedef struct
{
  Fixture  *f;
  int       calls;
  CURL     *refused;    /* already in another multi handle */
  gboolean  add_ok;
} Forbidden;

static size_t
forbidden_write_cb (char   *ptr,
                    size_t  size,
                    size_t  nmemb,
                    void   *userdata)
{
  Forbidden *b = userdata;

  if (b->calls++ == 0)
    {
      gcurl_multi_source_set_max_host_connections (b->f->source, 3);
      b->add_ok = gcurl_multi_source_add_handle (b->f->source, b->refused, NULL);
    }
  else if (b->calls == 2)
    gcurl_multi_source_cancel_all (b->f->source);
  return size * nmemb;
}

static void
on_done_refused (GCurlMultiSource *source,
                 gpointer          easy,
                 int               result,
                 gpointer          user_data)
{
  Forbidden *b = user_data;

  if (easy == b->refused)
    {
      g_assert_cmpint (result, ==, CURLE_BAD_FUNCTION_ARGUMENT);
      b->refused = NULL;
    }
}

static void
test_forbidden_in_write_cb (Fixture       *f,
                            gconstpointer  data)
{
  Forbidden b = { f };
  CURLM *other = curl_multi_init ();
  GCurlTestFetch *actor, *other_fetch, *refused_fetch;
  g_autofree char *url = gcurl_test_server_url (server, "/bytes?n=10");
  CURL *refused;

  refused_fetch = gcurl_test_fetch_new (url, 10);
  g_ptr_array_add (f->fetches, refused_fetch);
  refused = refused_fetch->easy;
  curl_multi_add_handle (other, refused);
  b.refused = refused;
  g_signal_connect (f->source, "done", G_CALLBACK (on_done_refused), &b);

  other_fetch = add_server_fetch (f, "/trickle?n=100000&chunk=1000&interval=20", 100000);
  actor = add_server_fetch (f, "/trickle?n=100000&chunk=1000&interval=20", 100000);
  curl_easy_setopt (actor->easy, CURLOPT_WRITEFUNCTION, forbidden_write_cb);
  curl_easy_setopt (actor->easy, CURLOPT_WRITEDATA, &b);

  /* The refused add is reported through `done`, with one warning. */
  g_test_expect_message ("GCurl", G_LOG_LEVEL_WARNING, "*curl_multi_add_handle() failed*");
  gcurl_test_wait_for_count (f->context, &f->done, 3, 10000);
  g_test_assert_expected_messages ();
  gcurl_test_run_for (f->context, 50);

  g_assert_true (b.add_ok);
  g_assert_null (b.refused);
  g_assert_cmpint (b.calls, ==, 2);
  g_assert_cmpint (gcurl_multi_source_get_max_host_connections (f->source), ==, 3);
  g_assert_cmpint (f->done, ==, 3);
  g_assert_cmpint (refused_fetch->done_count, ==, 1);
  g_assert_cmpint (actor->done_count, ==, 1);
  g_assert_cmpint (actor->result, ==, CURLE_ABORTED_BY_CALLBACK);
  g_assert_cmpint (other_fetch->done_count, ==, 1);
  g_assert_cmpint (other_fetch->result, ==, CURLE_ABORTED_BY_CALLBACK);

  curl_multi_remove_handle (other, refused);
  curl_multi_cleanup (other);
}

static void
on_done_cancel_all (GCurlMultiSource *source,
                    gpointer          easy,
                    int               result,
                    gpointer          user_data)
{
  static gboolean once;

  if (result == CURLE_OK && !once)
    {
      once = TRUE;
      gcurl_multi_source_cancel_all (source);
    }
}

static void
test_cancel_all (Fixture       *f,
                 gconstpointer  data)
{
  for (int i = 0; i < 10; i++)
    add_server_fetch (f, "/trickle?n=100000&chunk=1000&interval=20", 100000);
  gcurl_test_run_for (f->context, 50);
  gcurl_multi_source_cancel_all (f->source);
  g_assert_cmpint (f->done, ==, 10);
  for (guint i = 0; i < 10; i++)
    {
      GCurlTestFetch *fetch = f->fetches->pdata[i];
      g_autoptr(GError) error = gcurl_error_new_from_code (fetch->result, fetch->url, NULL);

      g_assert_cmpint (fetch->done_count, ==, 1);
      g_assert_cmpint (fetch->result, ==, CURLE_ABORTED_BY_CALLBACK);
      g_assert_error (error, G_IO_ERROR, G_IO_ERROR_CANCELLED);
    }
  g_assert_cmpint (gcurl_multi_source_get_running_handles (f->source), >=, 0);

  /* From a `done` handler, with others in flight. */
  g_signal_connect (f->source, "done", G_CALLBACK (on_done_cancel_all), NULL);
  add_server_fetch (f, "/bytes?n=10", 10);
  for (int i = 0; i < 5; i++)
    add_server_fetch (f, "/stall?n=100", -1);
  gcurl_test_wait_for_count (f->context, &f->done, 16, 10000);
  gcurl_test_run_for (f->context, 50);
  g_assert_cmpint (f->done, ==, 16);
  for (guint i = 11; i < 16; i++)
    g_assert_cmpint (((GCurlTestFetch *) f->fetches->pdata[i])->result, ==,
                     CURLE_ABORTED_BY_CALLBACK);
}

/* ---------------------------------------------------------------------- */
/* Misuse gives a GError, never a crash.                                   */

static void
test_misuse (Fixture       *f,
             gconstpointer  data)
{
  g_autoptr(GError) error = NULL;
  GCurlTestFetch *fetch;
  CURLM *other = curl_multi_init ();
  CURL *easy = curl_easy_init ();

  fetch = add_server_fetch (f, "/stall?n=10", -1);
  g_assert_false (gcurl_multi_source_add_handle (f->source, fetch->easy, &error));
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_FAILED);
  g_clear_error (&error);

  g_assert_false (gcurl_multi_source_remove_handle (f->source, easy, &error));
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_FAILED);
  g_clear_error (&error);

  curl_multi_add_handle (other, easy);
  g_assert_false (gcurl_multi_source_add_handle (f->source, easy, &error));
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_FAILED);
  g_clear_error (&error);
  curl_multi_remove_handle (other, easy);

  g_assert_true (gcurl_multi_source_remove_handle (f->source, fetch->easy, &error));
  g_assert_no_error (error);
  g_assert_false (gcurl_multi_source_remove_handle (f->source, fetch->easy, &error));
  g_assert_error (error, GCURL_ERROR, GCURL_ERROR_FAILED);
  g_clear_error (&error);

  if (g_test_undefined ())
    {
      g_test_expect_message ("GCurl", G_LOG_LEVEL_CRITICAL, "*easy != NULL*");
      g_assert_false (gcurl_multi_source_add_handle (f->source, NULL, NULL));
      g_test_assert_expected_messages ();

      g_test_expect_message ("GCurl", G_LOG_LEVEL_CRITICAL, "*GCURL_IS_MULTI_SOURCE*");
      g_assert_false (gcurl_multi_source_add_handle ((GCurlMultiSource *) f->context, easy, NULL));
      g_test_assert_expected_messages ();

      g_test_expect_message ("GCurl", G_LOG_LEVEL_CRITICAL, "*max_total_connections >= 0*");
      gcurl_multi_source_set_max_total_connections (f->source, -1);
      g_test_assert_expected_messages ();
    }

  curl_easy_cleanup (easy);
  curl_multi_cleanup (other);
}

static gpointer
add_from_other_thread (gpointer data)
{
  Fixture *f = data;
  CURL *easy = curl_easy_init ();
  gboolean ok;

  /* The source's context is not this thread's thread-default context. */
  ok = gcurl_multi_source_add_handle (f->source, easy, NULL);
  curl_easy_cleanup (easy);
  return GINT_TO_POINTER (ok);
}

static void
test_wrong_context (Fixture       *f,
                    gconstpointer  data)
{
  GThread *thread;

  if (!g_test_undefined ())
    return;

  g_test_expect_message ("GCurl", G_LOG_LEVEL_CRITICAL, "*in_its_thread*");
  thread = g_thread_new ("other", add_from_other_thread, f);
  g_assert_false (GPOINTER_TO_INT (g_thread_join (thread)));
  g_test_assert_expected_messages ();
}

/* ---------------------------------------------------------------------- */
/* Properties and backend choice                                           */

static void
test_properties (Fixture       *f,
                 gconstpointer  data)
{
  GMainContext *context = NULL;
  int streams = 0, connects = 0;
  gboolean multiplexing = FALSE;
  int notifies = 0;

  g_signal_connect (f->source, "notify", G_CALLBACK (on_notify_count), &notifies);
  g_object_get (f->source, "context", &context, "max-concurrent-streams", &streams,
                "multiplexing", &multiplexing, "max-connects", &connects, NULL);
  g_assert_true (context == f->context);
  g_main_context_unref (context);
  g_assert_cmpint (streams, ==, 100);
  g_assert_true (multiplexing);
  g_assert_cmpint (connects, ==, 0);

  gcurl_multi_source_set_max_concurrent_streams (f->source, 10);
  gcurl_multi_source_set_multiplexing (f->source, FALSE);
  gcurl_multi_source_set_max_connects (f->source, 5);
  gcurl_multi_source_set_max_connects (f->source, 5);
  g_assert_cmpint (notifies, ==, 3);
  g_assert_cmpint (gcurl_multi_source_get_max_concurrent_streams (f->source), ==, 10);
  g_assert_false (gcurl_multi_source_get_multiplexing (f->source));
  g_assert_cmpint (gcurl_multi_source_get_max_connects (f->source), ==, 5);
  g_assert_cmpint (gcurl_multi_source_get_max_total_connections (f->source), ==, 0);

  /* A source given an explicit context attaches there. */
  {
    GMainContext *other = g_main_context_new ();
    GCurlMultiSource *s = g_object_new (GCURL_TYPE_MULTI_SOURCE, "context", other, NULL);

    g_assert_true (gcurl_multi_source_get_context (s) == other);
    g_assert_true (g_source_get_context (_gcurl_multi_source_get_gsource (s)) == other);
    g_object_unref (s);
    g_main_context_unref (other);
  }
}

static void
test_backend_env (void)
{
  g_autofree char *saved = g_strdup (g_getenv ("GCURL_BACKEND"));
  GCurlMultiSource *s;

  g_setenv ("GCURL_BACKEND", "iochannel", TRUE);
  s = gcurl_multi_source_new ();
  g_assert_cmpstr (_gcurl_multi_source_get_backend_name (s), ==, "iochannel");
  g_object_unref (s);

#ifdef HAVE_EPOLL
  g_setenv ("GCURL_BACKEND", "epoll", TRUE);
  s = gcurl_multi_source_new ();
  g_assert_cmpstr (_gcurl_multi_source_get_backend_name (s), ==, "epoll");
  g_object_unref (s);
#endif

  g_setenv ("GCURL_BACKEND", "kqueue", TRUE);
  g_test_expect_message ("GCurl", G_LOG_LEVEL_WARNING, "*GCURL_BACKEND=kqueue*");
  s = gcurl_multi_source_new ();
  g_test_assert_expected_messages ();
  g_object_unref (s);

  if (saved != NULL)
    g_setenv ("GCURL_BACKEND", saved, TRUE);
  else
    g_unsetenv ("GCURL_BACKEND");
}

/* ---------------------------------------------------------------------- */

int
main (int   argc,
      char *argv[])
{
  int ret;

  g_test_init (&argc, &argv, NULL);
  gcurl_test_raise_nofile (16384);
  server = gcurl_test_server_new ();

#define ADD(path, func) \
  g_test_add ("/GCurl/MultiSource/" path, Fixture, NULL, fixture_setup, func, fixture_teardown)

  ADD ("basic", test_basic);
  ADD ("range-and-redirect", test_range_and_redirect);
  ADD ("timer/replace", test_timer_replace);
  ADD ("timer/zero-in-callback", test_timer_zero_in_callback);
  ADD ("timer/never-lost", test_timer_never_lost);
  ADD ("socket/fd-reuse-synthetic", test_fd_reuse_synthetic);
  ADD ("socket/parked-watch", test_parked_watch);
  ADD ("socket/parked-watch-expires", test_parked_watch_expires);
  ADD ("socket/fd-reuse-real", test_fd_reuse_real);
  ADD ("handles/remove-unknown", test_remove_unknown);
  ADD ("lifetime/dispose-in-flight", test_dispose_in_flight);
  ADD ("lifetime/unref-in-done", test_unref_in_done);
  ADD ("lifetime/run-dispose-in-done", test_run_dispose_in_done);
  ADD ("socket/closed-fd", test_closed_fd);
  ADD ("idle/no-wakeups", test_idle);
  ADD ("done/parallel", test_parallel_done);
  ADD ("done/cleanup-in-handler", test_cleanup_in_done);
  ADD ("action/failure", test_action_failure);
  ADD ("threads/worker-context", test_worker_thread);
  ADD ("h2c", test_h2_multiplex);
  ADD ("http2/multiplex-tls", test_h2_multiplex_tls);
  ADD ("options/connection-limits", test_connection_limits);
  ADD ("own-multi-options", test_own_multi_options);
  ADD ("tls-untrusted", test_tls_untrusted);
  ADD ("shutdown/while-source-lives", test_shutdown_while_source_lives);
  ADD ("shutdown/dispose", test_shutdown_dispose);
  ADD ("scale-2000-at-500", test_scale);
  ADD ("reentrancy/write-callback", test_reentrancy_write_cb);
  ADD ("reentrancy/readd-in-done", test_readd_in_done);
  ADD ("reentrancy/nested-main-loop", test_reentrancy_nested_loop);
  ADD ("reentrancy/forbidden-in-write-callback", test_forbidden_in_write_cb);
  ADD ("cancel-all", test_cancel_all);
  ADD ("misuse", test_misuse);
  ADD ("wrong-context", test_wrong_context);
  ADD ("properties", test_properties);
  g_test_add_func ("/GCurl/MultiSource/backend-env", test_backend_env);

  ret = g_test_run ();

  gcurl_test_server_free (server);
  return ret;
}
