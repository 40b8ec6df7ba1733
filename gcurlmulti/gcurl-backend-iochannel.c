/* gcurl-backend-iochannel.c: one GIOChannel watch per socket (portable)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Each socket curl watches gets a GIOChannel watch, added as a child source
 * of the parent GSource, so that it shares its priority and context and dies
 * with it. A watch's condition is fixed, so a change of condition replaces
 * the watch. The child callbacks only record which socket is ready with what
 * condition and return G_SOURCE_CONTINUE (a watch dropped by us would never
 * be requested again); GLib then dispatches the parent, which calls curl.
 *
 * The one watch this backend drops on its own is one whose fd reports
 * G_IO_NVAL: the fd was closed without CURL_POLL_REMOVE, and polling it
 * again would spin. curl is told (CURL_CSELECT_ERR) and, should it watch the
 * same fd number again, a new watch is made.
 *
 * Parking. Between two transfers on a kept-alive connection curl removes the
 * socket (CURL_POLL_REMOVE) and asks for it again (CURL_POLL_IN) when the
 * next request is sent. With GLib 2.74, taking a child source out costs a
 * walk of the parent's child list (g_slist_remove) and of the context's poll
 * records, so that pair of calls grows with the number of sockets: at 2,000
 * connections it was 9% of the client's instructions (callgrind, W3). So a
 * watch for reading only is parked instead of removed: it stays, reports
 * nothing, and is taken up again if curl asks for reading on that fd. An idle
 * kept-alive socket is not readable, so a parked watch costs no wake-up; if
 * anything does arrive (the server closes, the transfer is paused and data
 * keeps coming, the fd number now belongs to someone else), the parked watch
 * is dropped on that first event, which curl does not hear of. Readiness
 * recorded before the removal carries the old serial and is not delivered.
 * A watch for writing is never parked: a writable socket would wake the loop
 * at once. Nothing of a parked watch but the fd number is reused, and curl
 * asking for the number again always gets a new serial.
 *
 * Parking is for the moment between two transfers: curl takes a kept-alive
 * connection up again within an iteration or two when there is more to
 * send. A watch parked longer is dropped (looked at in each dispatch, so
 * an idle loop is not woken for it): otherwise, once transfers stop
 * coming, every finished connection would stay in GLib's poll until it
 * closes, polled in every iteration of the context (a GTK application's
 * too). With a thousand trickled downloads finishing over a second or so
 * (bench W4) the main loop's polls averaged 958 descriptors, 584 with the
 * expiry (strace); the CPU time of W4 did not change (0.128 s either way,
 * median of 15): shorter polls, more of them, and the removals.
 */

#include "config.h"

#include "gcurl-backend-private.h"

/* Always watched besides what curl asks for; without G_IO_NVAL in the
 * condition a closed fd would make poll() return at once forever. */
#define ALWAYS (G_IO_ERR | G_IO_HUP | G_IO_NVAL)

/* How long a watch stays parked, in microseconds. */
#define PARK_MAX_US (50 * G_TIME_SPAN_MILLISECOND)

typedef struct _IOChannelBackend IOChannelBackend;

typedef struct
{
  IOChannelBackend *backend;
  curl_socket_t     fd;
  guint             serial;     /* tells this socket from a later one with the same fd */
  int               wanted;     /* CURL_POLL_IN/OUT bits; 0 while parked */
  gboolean          parked;     /* curl removed it; the reading watch stays */
  gint64            parked_at;  /* monotonic time, while parked */
  GList             park_link;  /* in the backend's parked queue */
  GIOChannel       *channel;
  GSource          *watch;      /* child of the parent source, or NULL */
} IOSocket;

typedef struct
{
  curl_socket_t fd;
  guint         serial;
  GIOCondition  condition;
} Ready;

struct _IOChannelBackend
{
  GCurlBackend  parent;
  GSource      *source;
  GHashTable   *sockets;    /* fd → IOSocket */
  GArray       *ready;      /* Ready records since the last dispatch */
  GArray       *spare;      /* the other buffer, swapped in by dispatch */
  GQueue        parked;     /* IOSockets parked, oldest first */
  guint         next_serial;
  gboolean      suspended;  /* no watches: see iochannel_backend_suspend() */
};

static void
io_socket_drop_watch (IOSocket *sock)
{
  if (sock->watch != NULL)
    {
      if (!g_source_is_destroyed (sock->watch))
        g_source_remove_child_source (sock->backend->source, sock->watch);
      g_source_unref (sock->watch);
      sock->watch = NULL;
    }
}

static void
io_socket_free (gpointer data)
{
  IOSocket *sock = data;

  if (sock->parked)
    g_queue_unlink (&sock->backend->parked, &sock->park_link);
  io_socket_drop_watch (sock);
  g_clear_pointer (&sock->channel, g_io_channel_unref);
  g_free (sock);
}

static gboolean
io_socket_ready_cb (GIOChannel   *channel,
                    GIOCondition  condition,
                    gpointer      user_data)
{
  IOSocket *sock = user_data;
  IOChannelBackend *self = sock->backend;
  Ready r = { sock->fd, sock->serial, condition };

  /* An event on a parked watch: nobody asked; drop it (this frees sock). */
  if (sock->parked)
    {
      g_hash_table_remove (self->sockets, GINT_TO_POINTER (sock->fd));
      return G_SOURCE_REMOVE;
    }

  g_array_append_val (self->ready, r);

  if (condition & G_IO_NVAL)
    {
      io_socket_drop_watch (sock);
      return G_SOURCE_REMOVE;
    }

  return G_SOURCE_CONTINUE;
}

/* A watch for what curl wants of @sock, as a child of the parent source. */
static void
io_socket_add_watch (IOSocket *sock)
{
  GIOCondition condition = ALWAYS;

  if (sock->wanted & CURL_POLL_IN)
    condition |= G_IO_IN | G_IO_PRI;
  if (sock->wanted & CURL_POLL_OUT)
    condition |= G_IO_OUT;

  sock->watch = g_io_create_watch (sock->channel, condition);
  g_source_set_static_name (sock->watch, "GCurlMultiSource socket");
  /* Its callback only records: nothing can recurse inside it, and not
   * being blocked spares GLib two walks of its poll records and two
   * wake-ups per dispatch. */
  g_source_set_can_recurse (sock->watch, TRUE);
  g_source_set_callback (sock->watch, G_SOURCE_FUNC (io_socket_ready_cb), sock, NULL);
  g_source_add_child_source (sock->backend->source, sock->watch);
}

static GCurlBackend *
iochannel_backend_create (GSource *parent)
{
  IOChannelBackend *self = g_new0 (IOChannelBackend, 1);

  self->parent.vtable = &_gcurl_backend_iochannel;
  self->source = parent;
  self->sockets = g_hash_table_new_full (NULL, NULL, NULL, io_socket_free);
  self->ready = g_array_new (FALSE, FALSE, sizeof (Ready));
  self->spare = g_array_new (FALSE, FALSE, sizeof (Ready));
  g_queue_init (&self->parked);

  return &self->parent;
}

static void
iochannel_backend_destroy (GCurlBackend *backend)
{
  IOChannelBackend *self = (IOChannelBackend *) backend;

  g_hash_table_unref (self->sockets);
  g_array_unref (self->ready);
  g_array_unref (self->spare);
  g_free (self);
}

static void
iochannel_backend_watch (GCurlBackend *backend,
                         curl_socket_t fd,
                         int           what)
{
  IOChannelBackend *self = (IOChannelBackend *) backend;
  IOSocket *sock;

  if (fd == CURL_SOCKET_BAD || fd < 0)
    return;

  sock = g_hash_table_lookup (self->sockets, GINT_TO_POINTER (fd));

  if (what == CURL_POLL_REMOVE)
    {
      /* Unknown sockets are ignored; known ones forget everything, but a
       * reading watch is parked (see the top of this file). */
      if (sock == NULL || sock->parked)
        return;
      if (sock->watch != NULL && sock->wanted == CURL_POLL_IN)
        {
          sock->parked = TRUE;
          sock->parked_at = g_get_monotonic_time ();
          sock->park_link.data = sock;
          g_queue_push_tail_link (&self->parked, &sock->park_link);
          sock->wanted = 0;
          sock->serial = ++self->next_serial;
        }
      else
        g_hash_table_remove (self->sockets, GINT_TO_POINTER (fd));
      return;
    }

  if (sock == NULL)
    {
      sock = g_new0 (IOSocket, 1);
      sock->backend = self;
      sock->fd = fd;
      sock->serial = ++self->next_serial;
      sock->channel = g_io_channel_unix_new (fd);
      g_hash_table_insert (self->sockets, GINT_TO_POINTER (fd), sock);
    }
  else if (sock->parked)
    {
      /* Asked for again: a new socket as far as curl is concerned. Its
       * reading watch is taken up as it is. */
      sock->parked = FALSE;
      g_queue_unlink (&self->parked, &sock->park_link);
      sock->serial = ++self->next_serial;
      if ((what & CURL_POLL_INOUT) == CURL_POLL_IN && sock->watch != NULL)
        {
          sock->wanted = CURL_POLL_IN;
          return;
        }
      io_socket_drop_watch (sock);
    }
  else if (_gcurl_backend_is_new_socket (sock->wanted, what))
    {
      /* A new socket under the same number: start afresh. */
      io_socket_drop_watch (sock);
      sock->serial = ++self->next_serial;
      g_clear_pointer (&sock->channel, g_io_channel_unref);
      sock->channel = g_io_channel_unix_new (fd);
    }
  else
    io_socket_drop_watch (sock);

  sock->wanted = what & CURL_POLL_INOUT;
  if (sock->wanted != 0 && !self->suspended)
    io_socket_add_watch (sock);
}

static gboolean
drop_parked (gpointer key,
             gpointer value,
             gpointer user_data)
{
  return ((IOSocket *) value)->parked;
}

/* Suspended: every watch goes (parked sockets altogether), as GLib's own
 * blocking of a dispatched source would take them out of the poll; curl's
 * requests are still recorded. Restarted: a watch for each socket curl
 * wants, with the condition it last asked for. */
static void
iochannel_backend_suspend (GCurlBackend *backend,
                           gboolean      suspended)
{
  IOChannelBackend *self = (IOChannelBackend *) backend;
  GHashTableIter iter;
  gpointer value;

  self->suspended = suspended;
  if (suspended)
    {
      g_hash_table_foreach_remove (self->sockets, drop_parked, NULL);
      g_hash_table_iter_init (&iter, self->sockets);
      while (g_hash_table_iter_next (&iter, NULL, &value))
        io_socket_drop_watch (value);
      return;
    }

  g_hash_table_iter_init (&iter, self->sockets);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      IOSocket *sock = value;

      /* The serial is kept: readiness recorded before the suspension is
       * still for this socket. */
      if (sock->wanted != 0 && sock->watch == NULL)
        io_socket_add_watch (sock);
    }
}

static gboolean
iochannel_backend_pending (GCurlBackend *backend)
{
  IOChannelBackend *self = (IOChannelBackend *) backend;

  return self->ready->len > 0;
}

/* Drops the watches parked for longer than PARK_MAX_US. */
static void
expire_parked (IOChannelBackend *self)
{
  gint64 now;

  if (self->parked.head == NULL)
    return;

  now = g_get_monotonic_time ();
  while (self->parked.head != NULL)
    {
      IOSocket *sock = self->parked.head->data;

      if (now - sock->parked_at < PARK_MAX_US)
        break;
      g_hash_table_remove (self->sockets, GINT_TO_POINTER (sock->fd));
    }
}

static void
iochannel_backend_dispatch (GCurlBackend         *backend,
                            GCurlBackendReadyFunc func,
                            gpointer              user_data)
{
  IOChannelBackend *self = (IOChannelBackend *) backend;
  GArray *ready;

  expire_parked (self);

  if (self->ready->len == 0)
    return;

  /* Snapshot: actions add and remove sockets, and may record more. */
  ready = self->ready;
  self->ready = self->spare;
  self->spare = NULL;

  for (guint i = 0; i < ready->len; i++)
    {
      const Ready *r = &g_array_index (ready, Ready, i);
      IOSocket *sock = g_hash_table_lookup (self->sockets, GINT_TO_POINTER (r->fd));

      if (sock == NULL || sock->serial != r->serial || sock->wanted == 0)
        continue;

      func (r->fd, _gcurl_cselect_from_condition (r->condition), user_data);
    }

  g_array_set_size (ready, 0);
  self->spare = ready;
}

const GCurlBackendVTable _gcurl_backend_iochannel = {
  .name = "iochannel",
  .create = iochannel_backend_create,
  .destroy = iochannel_backend_destroy,
  .watch = iochannel_backend_watch,
  .pending = iochannel_backend_pending,
  .dispatch = iochannel_backend_dispatch,
  .suspend = iochannel_backend_suspend,
  .setup_easy = NULL,
  .reset_easy = NULL,
};
