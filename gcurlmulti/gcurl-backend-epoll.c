/* gcurl-backend-epoll.c: socket watches in one epoll set (Linux)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The parent GSource polls a single epoll fd; dispatch asks the kernel for
 * the ready sockets only, so a wake-up costs O(ready sockets) and GLib's own
 * poll array stays at one fd however many transfers run.
 *
 * State is kept per fd number in a slot with a generation counter, which is
 * also stored in each epoll entry's data. curl_multi_assign() is not used:
 * the slot is the association. When curl un-watches a socket
 * (CURL_POLL_REMOVE) the association ends at once (wanted = 0), but a socket
 * that we opened ourselves (CURLOPT_OPENSOCKETFUNCTION, "owned") stays in the
 * epoll set, because curl usually keeps the connection alive and watches it
 * again for the next transfer: that saves two epoll_ctl() calls per
 * transfer. It leaves the set when curl closes it (our
 * CURLOPT_CLOSESOCKETFUNCTION) or when an event arrives for it while curl
 * does not watch it. Sockets we did not open (the threaded resolver's
 * socketpair, for one) leave the set at once on CURL_POLL_REMOVE: curl closes
 * them without telling us.
 *
 * The kernel drops a closed fd from the set by itself; a slot can therefore
 * believe a socket is registered when it is not. Two rules keep such a stale
 * slot from stalling a transfer: an epoll_ctl(MOD) that fails with ENOENT
 * becomes an ADD, and a watch request that does not change what curl wants is
 * never skipped (curl only announces changes, so a repeated request means a
 * new socket under the same number).
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include "gcurl-backend-private.h"

/* epoll's readiness bits are poll(2)'s, as GIOCondition's are: one mapping
 * to curl's serves both backends. */
G_STATIC_ASSERT ((int) EPOLLIN == (int) G_IO_IN && (int) EPOLLPRI == (int) G_IO_PRI &&
                 (int) EPOLLOUT == (int) G_IO_OUT && (int) EPOLLERR == (int) G_IO_ERR &&
                 (int) EPOLLHUP == (int) G_IO_HUP);
#define POLL_BITS (EPOLLIN | EPOLLPRI | EPOLLOUT | EPOLLERR | EPOLLHUP)

#define MIN_EVENTS 64
#define MAX_EVENTS 4096

typedef struct
{
  guint32 gen;          /* bumped whenever the fd's socket or registration ends */
  guint32 registered;   /* epoll events in the kernel set; 0: not in the set */
  guint8  wanted;       /* CURL_POLL_IN/OUT bits curl wants; 0: not watched */
  guint8  owned;        /* opened by our CURLOPT_OPENSOCKETFUNCTION */
} Slot;

typedef struct
{
  GCurlBackend        parent;
  GSource            *source;
  gpointer            tag;
  int                 epfd;
  Slot               *slots;
  guint               n_slots;
  struct epoll_event *events;
  guint               n_events;
  GArray             *failed;   /* fds that could not be registered: report as errors */
} EpollBackend;

static inline guint64
make_data (curl_socket_t fd,
           guint32       gen)
{
  return ((guint64) gen << 32) | (guint32) fd;
}

static Slot *
get_slot (EpollBackend *self,
          curl_socket_t fd)
{
  if G_UNLIKELY ((guint) fd >= self->n_slots)
    {
      guint n = MAX (64, self->n_slots);

      while (n <= (guint) fd)
        n *= 2;
      self->slots = g_renew (Slot, self->slots, n);
      memset (self->slots + self->n_slots, 0, (n - self->n_slots) * sizeof (Slot));
      self->n_slots = n;
    }

  return &self->slots[fd];
}

static void
slot_unregister (EpollBackend *self,
                 curl_socket_t fd,
                 Slot         *slot)
{
  if (slot->registered != 0)
    {
      /* ENOENT/EBADF: the kernel already dropped it (closed behind our back). */
      (void) epoll_ctl (self->epfd, EPOLL_CTL_DEL, fd, NULL);
      slot->registered = 0;
    }
  slot->gen++;
}

static void
slot_register (EpollBackend *self,
               curl_socket_t fd,
               Slot         *slot,
               guint32       events)
{
  struct epoll_event ev = { 0 };
  int op = slot->registered != 0 ? EPOLL_CTL_MOD : EPOLL_CTL_ADD;
  int rc;

  ev.events = events;
  ev.data.u64 = make_data (fd, slot->gen);

  rc = epoll_ctl (self->epfd, op, fd, &ev);
  if (rc < 0 && op == EPOLL_CTL_MOD && errno == ENOENT)
    rc = epoll_ctl (self->epfd, EPOLL_CTL_ADD, fd, &ev);
  else if (rc < 0 && op == EPOLL_CTL_ADD && errno == EEXIST)
    rc = epoll_ctl (self->epfd, EPOLL_CTL_MOD, fd, &ev);

  if (rc < 0)
    {
      int errsv = errno;

      /* Not pollable, or closed: let curl find out on the next dispatch
       * instead of leaving the transfer without a watch. */
      g_debug ("epoll_ctl on fd %d failed: %s", (int) fd, g_strerror (errsv));
      slot->registered = 0;
      g_array_append_val (self->failed, fd);
      return;
    }

  slot->registered = events;
}

static GCurlBackend *
epoll_backend_create (GSource *parent)
{
  EpollBackend *self;
  int epfd;

  epfd = epoll_create1 (EPOLL_CLOEXEC);
  if (epfd < 0)
    {
      g_warning ("epoll_create1() failed: %s", g_strerror (errno));
      return NULL;
    }

  self = g_new0 (EpollBackend, 1);
  self->parent.vtable = &_gcurl_backend_epoll;
  self->source = parent;
  self->epfd = epfd;
  self->n_events = MIN_EVENTS;
  self->events = g_new0 (struct epoll_event, self->n_events);
  self->failed = g_array_new (FALSE, FALSE, sizeof (curl_socket_t));
  self->tag = g_source_add_unix_fd (parent, epfd, G_IO_IN);

  return &self->parent;
}

static void
epoll_backend_destroy (GCurlBackend *backend)
{
  EpollBackend *self = (EpollBackend *) backend;

  close (self->epfd);
  g_free (self->slots);
  g_free (self->events);
  g_array_unref (self->failed);
  g_free (self);
}

static void
epoll_backend_watch (GCurlBackend *backend,
                     curl_socket_t fd,
                     int           what)
{
  EpollBackend *self = (EpollBackend *) backend;
  guint32 events = 0;
  gboolean resync;
  Slot *slot;

  if (fd == CURL_SOCKET_BAD || fd < 0)
    return;

  slot = get_slot (self, fd);

  if (what == CURL_POLL_REMOVE)
    {
      /* An unknown socket (never watched, or already removed) is ignored. */
      if (slot->wanted == 0)
        return;

      slot->wanted = 0;
      if (!slot->owned)
        slot_unregister (self, fd, slot);
      return;
    }

  if (what & CURL_POLL_IN)
    events |= EPOLLIN;
  if (what & CURL_POLL_OUT)
    events |= EPOLLOUT;

  resync = _gcurl_backend_is_new_socket (slot->wanted, what);
  slot->wanted = what & CURL_POLL_INOUT;

  if (events == 0)
    return;   /* CURL_POLL_NONE: keep the registration, report nothing */

  if (slot->registered == events && !resync)
    return;

  slot_register (self, fd, slot, events);
}

static gboolean
epoll_backend_pending (GCurlBackend *backend)
{
  EpollBackend *self = (EpollBackend *) backend;

  return self->failed->len > 0;
}

static void
epoll_backend_dispatch (GCurlBackend         *backend,
                        GCurlBackendReadyFunc func,
                        gpointer              user_data)
{
  EpollBackend *self = (EpollBackend *) backend;
  int n, i;

  if (self->failed->len > 0)
    {
      GArray *failed = self->failed;

      self->failed = g_array_new (FALSE, FALSE, sizeof (curl_socket_t));
      for (guint j = 0; j < failed->len; j++)
        {
          curl_socket_t fd = g_array_index (failed, curl_socket_t, j);

          if ((guint) fd < self->n_slots && self->slots[fd].wanted != 0)
            func (fd, CURL_CSELECT_ERR, user_data);
        }
      g_array_unref (failed);
    }

  if ((g_source_query_unix_fd (self->source, self->tag) & G_IO_IN) == 0)
    return;

  do
    n = epoll_wait (self->epfd, self->events, (int) self->n_events, 0);
  while (n < 0 && errno == EINTR);

  if (n < 0)
    {
      g_warning ("epoll_wait() failed: %s", g_strerror (errno));
      return;
    }

  for (i = 0; i < n; i++)
    {
      guint64 data = self->events[i].data.u64;
      guint32 revents = self->events[i].events;
      curl_socket_t fd = (curl_socket_t) (guint32) (data & 0xffffffffu);
      guint32 gen = (guint32) (data >> 32);
      Slot *slot;
      int cselect = 0;

      /* The slot array may have been reallocated by an earlier action. */
      if ((guint) fd >= self->n_slots)
        continue;
      slot = &self->slots[fd];

      /* Stale: closed, removed or replaced earlier in this dispatch. */
      if (slot->gen != gen || slot->registered == 0)
        continue;

      if (slot->wanted == 0)
        {
          /* A kept-alive socket curl does not watch now: the server closed
           * it or sent something. curl will find out when it reuses it. */
          slot_unregister (self, fd, slot);
          continue;
        }

      cselect = _gcurl_cselect_from_condition ((GIOCondition) (revents & POLL_BITS));
      func (fd, cselect, user_data);
    }

  if ((guint) n == self->n_events && self->n_events < MAX_EVENTS)
    {
      self->n_events *= 2;
      self->events = g_renew (struct epoll_event, self->events, self->n_events);
    }
}

static curl_socket_t
epoll_open_socket_cb (void                 *clientp,
                      curlsocktype          purpose,
                      struct curl_sockaddr *address)
{
  EpollBackend *self = clientp;
  curl_socket_t fd;
  Slot *slot;

  fd = socket (address->family, address->socktype | SOCK_CLOEXEC, address->protocol);
  if (fd < 0)
    return CURL_SOCKET_BAD;

  /* A fresh socket: whatever the slot remembered belongs to a socket closed
   * behind our back, which the kernel has already dropped from the set. */
  slot = get_slot (self, fd);
  slot->registered = 0;
  slot->wanted = 0;
  slot->owned = TRUE;
  slot->gen++;

  return fd;
}

static int
epoll_close_socket_cb (void         *clientp,
                       curl_socket_t fd)
{
  EpollBackend *self = clientp;

  if (fd >= 0 && (guint) fd < self->n_slots)
    {
      Slot *slot = &self->slots[fd];

      slot_unregister (self, fd, slot);
      slot->wanted = 0;
      slot->owned = FALSE;
    }

  return close (fd);
}

static void
epoll_backend_setup_easy (GCurlBackend *backend,
                          CURL         *easy)
{
  curl_easy_setopt (easy, CURLOPT_OPENSOCKETFUNCTION, epoll_open_socket_cb);
  curl_easy_setopt (easy, CURLOPT_OPENSOCKETDATA, backend);
  curl_easy_setopt (easy, CURLOPT_CLOSESOCKETFUNCTION, epoll_close_socket_cb);
  curl_easy_setopt (easy, CURLOPT_CLOSESOCKETDATA, backend);
}

static void
epoll_backend_reset_easy (GCurlBackend *backend,
                          CURL         *easy)
{
  curl_easy_setopt (easy, CURLOPT_OPENSOCKETFUNCTION, NULL);
  curl_easy_setopt (easy, CURLOPT_OPENSOCKETDATA, NULL);
  curl_easy_setopt (easy, CURLOPT_CLOSESOCKETFUNCTION, NULL);
  curl_easy_setopt (easy, CURLOPT_CLOSESOCKETDATA, NULL);
}

/* The epoll set keeps its entries; only GLib stops polling the set. */
static void
epoll_backend_suspend (GCurlBackend *backend,
                       gboolean      suspended)
{
  EpollBackend *self = (EpollBackend *) backend;

  g_source_modify_unix_fd (self->source, self->tag, suspended ? 0 : G_IO_IN);
}

const GCurlBackendVTable _gcurl_backend_epoll = {
  .name = "epoll",
  .create = epoll_backend_create,
  .destroy = epoll_backend_destroy,
  .watch = epoll_backend_watch,
  .pending = epoll_backend_pending,
  .dispatch = epoll_backend_dispatch,
  .suspend = epoll_backend_suspend,
  .setup_easy = epoll_backend_setup_easy,
  .reset_easy = epoll_backend_reset_easy,
};
