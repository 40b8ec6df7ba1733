/* gcurl-multi-source.c: a libcurl multi handle driven by a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gcurl-backend-private.h"
#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-marshal.h"
#include "gcurl-multi-source-internal.h"
#include "gcurl-run-private.h"
#include "gcurl-transfer-private.h"

/**
 * GCurlMultiSource:
 *
 * A libcurl multi handle (`CURLM`) driven by a [struct@GLib.MainContext].
 *
 * `GCurlMultiSource` turns libcurl's socket and timer callbacks into
 * main-loop watches and a timeout, calls `curl_multi_socket_action()` when
 * they fire, reads `curl_multi_info_read()` after every action and emits
 * [signal@GCurl.MultiSource::done] for every transfer that finished. Any
 * number of transfers run from one thread, without blocking it and without
 * threads.
 *
 * ## Main context
 *
 * A source belongs to the thread-default main context of the thread that
 * creates it (or to the one given in [property@GCurl.MultiSource:context]).
 * Every callback and signal runs in that context; nothing is ever attached to
 * another one. Like GLib's own asynchronous APIs, a source is used from the
 * thread that runs its context, with that context as the thread-default one;
 * it is not thread-safe beyond that.
 *
 * The source attaches one [struct@GLib.Source] named "GCurlMultiSource" to
 * the context. libcurl's timer is that source's ready time, and every call
 * into `curl_multi_socket_action()` happens in its dispatch, never from
 * inside a libcurl callback.
 *
 * ## Raw C API
 *
 * Code that already drives libcurl easy handles adds them with
 * [method@GCurl.MultiSource.add_handle] and learns of their end through
 * [signal@GCurl.MultiSource::done], emitted after the handle left the multi
 * handle, so a handler may clean it up, or change it and add it again. The
 * application keeps owning the easy handle, including `CURLOPT_PRIVATE`.
 *
 * Options the source owns: on the multi handle (see
 * [method@GCurl.MultiSource.get_multi]) `CURLMOPT_SOCKETFUNCTION`,
 * `CURLMOPT_SOCKETDATA`, `CURLMOPT_TIMERFUNCTION` and `CURLMOPT_TIMERDATA`;
 * on each easy handle it drives, `CURLOPT_OPENSOCKETFUNCTION`,
 * `CURLOPT_OPENSOCKETDATA`, `CURLOPT_CLOSESOCKETFUNCTION` and
 * `CURLOPT_CLOSESOCKETDATA`, which it sets when the handle is added and
 * resets when the handle leaves. For that reason an easy handle that shares
 * its connection cache with other multi handles (`CURLOPT_SHARE` with
 * `CURL_LOCK_DATA_CONNECT`) is not supported.
 *
 * ## Backends
 *
 * Sockets are watched by one of two internal backends, chosen when a source
 * is created from the environment variable `GCURL_BACKEND`:
 *
 * - `epoll` (the default on Linux): the source polls one epoll file
 *   descriptor that holds every socket, so a wake-up costs in proportion to
 *   the sockets that are ready, and a kept-alive connection stays
 *   registered between two transfers;
 * - `iochannel` (portable): one [struct@GLib.IOChannel] watch per socket,
 *   each a child source of the source.
 *
 * An unknown value, or `epoll` where there is no epoll, gives a warning and
 * the default.
 */


enum {
  SIGNAL_DONE,
  SIGNAL_TRANSFER_FINISHED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (GCurlMultiSource, gcurl_multi_source, G_TYPE_OBJECT)

void
_gcurl_multi_source_notify (GCurlMultiSource *self,
                            guint             prop_id)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[prop_id]);
}

static void run_deferred (GCurlMultiSource *self);

/* Shutting down, the one test: disposing, or disposed (no multi handle).
 * Nothing new may start then. */
static inline gboolean
is_closed (GCurlMultiSource *self)
{
  return self->disposing || self->multi == NULL;
}

/* Called only while the caller holds a reference of its own (dispatch,
 * cancel_all, deferred work): closed, or every other reference is gone,
 * i.e. a handler dropped the application's last one. Nothing more may be
 * emitted then: the handlers' data may already be freed. Under PyGObject
 * the wrapper's toggle reference counts as the application's until the
 * wrapper is collected, so there the last signals still go out. */
static inline gboolean
abandoned (GCurlMultiSource *self)
{
  return is_closed (self) || g_atomic_int_get (&G_OBJECT (self)->ref_count) == 1;
}

gboolean
_gcurl_multi_source_abandoned (GCurlMultiSource *self)
{
  return abandoned (self);
}

static gboolean
context_is_current (GMainContext *context)
{
  GMainContext *current = g_main_context_ref_thread_default ();
  gboolean ret = current == context;

  g_main_context_unref (current);
  return ret;
}

/* Whether the calling thread is the source's (doc/errors.md, "Programming
 * errors"): the one iterating its context, or one whose thread-default
 * context it is. */
gboolean
_gcurl_multi_source_in_its_thread (GCurlMultiSource *self)
{
  if (self->source == NULL)   /* g_object_new() still setting properties */
    return TRUE;
  if (g_main_context_is_owner (self->context))
    return TRUE;
  /* NULL: this thread pushed no context, so its default is the global
   * one, which every such thread shares; only the constructing thread
   * counts there. */
  if (g_main_context_get_thread_default () == NULL)
    return self->on_global && self->owner == g_thread_self ();
  return context_is_current (self->context);
}

/* ---------------------------------------------------------------------- */
/* Handles                                                                 */

static void
emit_done (GCurlMultiSource *self,
           CURL             *easy,
           CURLcode          result)
{
  g_signal_emit (self, signals[SIGNAL_DONE], 0, (gpointer) easy, (int) result);
}

/* The handles, copied: handlers and actions change the table. */
static GPtrArray *
snapshot_handles (GCurlMultiSource *self)
{
  GPtrArray *easies = g_ptr_array_sized_new (g_hash_table_size (self->handles));
  GHashTableIter iter;
  gpointer key;

  g_hash_table_iter_init (&iter, self->handles);
  while (g_hash_table_iter_next (&iter, &key, NULL))
    g_ptr_array_add (easies, key);

  return easies;
}

/* Takes @easy out of the multi handle and out of our table. */
static void
detach_handle (GCurlMultiSource *self,
               HandleEntry      *entry)
{
  CURL *easy = entry->easy;

  if (entry->in_multi)
    {
      CURLMcode mc;

      /* libcurl calls the progress callback from in here (the transfer's
       * last report), and handlers may run from it: what they ask of us is
       * deferred, as inside any action (found by test-random). */
      self->action_depth++;
      mc = curl_multi_remove_handle (self->multi, easy);
      self->action_depth--;

      if (mc != CURLM_OK)
        g_warning ("curl_multi_remove_handle() failed: %s", curl_multi_strerror (mc));
      entry->in_multi = FALSE;
    }

  _gcurl_backend_reset_easy (self->backend, easy);

  g_hash_table_remove (self->handles, easy);
}

static void
queue_entry (GCurlMultiSource *self,
             HandleEntry      *entry)
{
  if (!entry->queued)
    {
      entry->queued = TRUE;
      g_ptr_array_add (self->deferred, entry->easy);
    }
}

static void
defer (GCurlMultiSource *self,
       HandleEntry      *entry,
       PendingOp         op)
{
  queue_entry (self, entry);
  entry->op = op;
}

void
_gcurl_multi_source_emit_done (GCurlMultiSource *self,
                               CURL             *easy,
                               CURLcode          result)
{
  emit_done (self, easy, result);
}

void
_gcurl_multi_source_emit_transfer_finished (GCurlMultiSource *self,
                                            GCurlTransfer    *transfer)
{
  g_signal_emit (self, signals[SIGNAL_TRANSFER_FINISHED], 0, transfer);
}

static void
raw_finished (GCurlMultiSource *self,
              gpointer          data,
              CURL             *easy,
              CURLcode          result,
              gboolean          report)
{
  if (report)
    emit_done (self, easy, result);
}

static GCurlTransfer *
raw_transfer (gpointer data)
{
  return NULL;
}

static const HandleOps raw_ops = { raw_finished, raw_transfer };

/* A transfer's run: it always ends (whoever asked), in its fixed order. */
static void
run_finished (GCurlMultiSource *self,
              gpointer          data,
              CURL             *easy,
              CURLcode          result,
              gboolean          report)
{
  GCurlTransfer *transfer = _gcurl_run_get_transfer (data);
  guint position;

  /* Out of the model just before ::transfer-finished. */
  if (self->transfers != NULL && g_list_store_find (self->transfers, transfer, &position))
    g_list_store_remove (self->transfers, position);
  _gcurl_run_end (data, self, result);
}

static const HandleOps run_ops = { run_finished, (GCurlTransfer *(*) (gpointer)) _gcurl_run_get_transfer };

/* Takes @entry out (it is gone then) and ends what owned its handle. */
static void
finish_entry (GCurlMultiSource *self,
              HandleEntry      *entry,
              CURLcode          result,
              gboolean          report)
{
  const HandleOps *ops = entry->ops;
  gpointer data = g_steal_pointer (&entry->data);
  CURL *easy = entry->easy;

  detach_handle (self, entry);
  ops->finished (self, data, easy, result, report);
}

/* A handle ended: curl reported it, or a failing multi call took it down. */
static void
finish_handle (GCurlMultiSource *self,
               CURL             *easy,
               CURLcode          result)
{
  HandleEntry *entry = g_hash_table_lookup (self->handles, easy);

  if (entry == NULL)
    return;

  /* Removed by the application from inside a libcurl callback: it asked
   * not to hear of this handle again. Cancelled there: the cancellation
   * wins over however the transfer ended meanwhile. */
  if (entry->op == OP_CANCEL)
    result = CURLE_ABORTED_BY_CALLBACK;
  finish_entry (self, entry, result, entry->op != OP_REMOVE);
}

static void
drain_messages (GCurlMultiSource *self)
{
  CURLMsg *msg;
  int left;

  while (!abandoned (self) && (msg = curl_multi_info_read (self->multi, &left)) != NULL)
    {
      CURL *easy;
      CURLcode result;

      if (msg->msg != CURLMSG_DONE)
        continue;

      /* Copy first: the message dies with the handle's removal. */
      easy = msg->easy_handle;
      result = msg->data.result;
      finish_handle (self, easy, result);
    }
}

static void
set_running_handles (GCurlMultiSource *self,
                     int               running)
{
  if (self->running_handles != running)
    {
      self->running_handles = running;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RUNNING_HANDLES]);
    }
}

/* Every handle in the table (and every pending add) ends with @result. */
static void
finish_all (GCurlMultiSource *self,
            CURLcode          result)
{
  g_autoptr(GPtrArray) easies = snapshot_handles (self);

  for (guint i = 0; i < easies->len && !abandoned (self); i++)
    finish_handle (self, g_ptr_array_index (easies, i), result);
}

static void
fail_all (GCurlMultiSource *self,
          CURLMcode         mc,
          const char       *what)
{
  g_autoptr(GError) error = _gcurl_error_new_from_multi_code (mc, what);

  g_warning ("%s; failing %u transfers", error->message,
             g_hash_table_size (self->handles));
  finish_all (self, _gcurl_code_from_multi_code (mc));
}

/* ---------------------------------------------------------------------- */
/* Actions                                                                 */

static void
socket_action (GCurlMultiSource *self,
               curl_socket_t     fd,
               int               ev_bitmask)
{
  int running = self->running_handles;
  CURLMcode mc;

  self->action_depth++;
  self->actions++;
  self->test.max_action_depth = MAX (self->test.max_action_depth, self->action_depth);
  if G_UNLIKELY (self->test.action_hook != NULL)
    mc = self->test.action_hook (self, self->multi, fd, ev_bitmask, &running,
                            self->test.action_hook_data);
  else
    mc = curl_multi_socket_action (self->multi, fd, ev_bitmask, &running);
  self->action_depth--;

  if G_UNLIKELY (mc != CURLM_OK)
    {
      fail_all (self, mc, "curl_multi_socket_action()");
      return;
    }

  set_running_handles (self, running);
  drain_messages (self);
}

static void
socket_ready_cb (curl_socket_t fd,
                 int           cselect,
                 gpointer      user_data)
{
  GCurlMultiSource *self = user_data;

  if (!abandoned (self))
    socket_action (self, fd, cselect);
}

/* libcurl 8.0 and later: see multi_gsource_dispatch(). */
static gboolean
timer_resync_needed (void)
{
  static gsize needed;

  if (g_once_init_enter (&needed))
    g_once_init_leave (&needed, curl_version_info (CURLVERSION_NOW)->version_num >= 0x080000 ? 2 : 1);
  return needed == 2;
}

static void
resync_timer (GCurlMultiSource *self)
{
  long timeout_ms = -1;

  if (curl_multi_timeout (self->multi, &timeout_ms) != CURLM_OK)
    return;
  _gcurl_multi_source_timer_cb (self->multi, timeout_ms, self);
}

/* ---------------------------------------------------------------------- */
/* The GSource                                                             */

static gboolean
multi_gsource_prepare (GSource *source,
                       int     *timeout)
{
  GCurlMultiSource *self = ((MultiGSource *) source)->self;

  *timeout = -1;
  return self != NULL && !self->suspended && _gcurl_backend_pending (self->backend);
}

static gboolean
multi_gsource_check (GSource *source)
{
  int timeout;

  return multi_gsource_prepare (source, &timeout);
}

/* The timer while the source dispatches: set once, when dispatch ends (see
 * below). */
static void
set_timer (GCurlMultiSource *self,
           gint64            ready_time)
{
  if (self->dispatching)
    self->pending_ready_time = ready_time;
  else
    g_source_set_ready_time (self->source, ready_time);
}

/* A handler run from our dispatch runs a nested main loop on our context,
 * and GLib dispatches us again. Do what GLib does for a source that may not
 * recurse: nothing is watched and no timer runs until the outer dispatch
 * returns, so the nested loop neither spins on sockets it cannot serve nor
 * re-enters libcurl. */
static void
suspend (GCurlMultiSource *self)
{
  if (self->suspended)
    return;
  self->suspended = TRUE;
  if (self->pending_ready_time == NO_PENDING_READY_TIME)
    self->pending_ready_time = g_source_get_ready_time (self->source);
  g_source_set_ready_time (self->source, -1);
  _gcurl_backend_suspend (self->backend, TRUE);
}

static gboolean
multi_gsource_dispatch (GSource     *source,
                        GSourceFunc  callback,
                        gpointer     user_data)
{
  GCurlMultiSource *self = ((MultiGSource *) source)->self;
  gint64 ready_time;
  gboolean timer_due;
  guint timer_calls;
  guint actions;

  if G_UNLIKELY (self == NULL)
    return G_SOURCE_CONTINUE;

  self->test.dispatches++;
  if G_UNLIKELY (self->dispatching)
    {
      suspend (self);
      return G_SOURCE_CONTINUE;
    }

  g_object_ref (self);
  self->dispatching = TRUE;

  /* Snapshot the timer: a 0 timeout set by an action below is for the next
   * iteration. The timer is one-shot: clear it before calling curl, which
   * sets the next one from inside the action. While we dispatch, the timer
   * is only recorded and set once at the end: the source may recurse (see
   * gcurl_multi_source_constructed()), so GLib does not block it, and each
   * g_source_set_ready_time() on an unblocked source wakes the context up
   * (a write to its eventfd). */
  ready_time = g_source_get_ready_time (source);
  timer_due = ready_time >= 0 && ready_time <= g_source_get_time (source);
  if (timer_due)
    set_timer (self, -1);
  timer_calls = self->timer_calls;
  actions = self->actions;

  _gcurl_backend_dispatch (self->backend, socket_ready_cb, self);

  if (timer_due && !abandoned (self))
    {
      socket_action (self, CURL_SOCKET_TIMEOUT, 0);

      /* The timer is one-shot and curl only announces changes. libcurl
       * 7.88 forgets its last announcement on every timeout action (to
       * cope with early calls), so it normally tells us the next expiry;
       * should a libcurl not, or should it say nothing because no timer
       * is left, ask, so that a timer is never lost (doc/design.md,
       * "The core's contract", 3). */
      if (self->timer_calls == timer_calls && !abandoned (self))
        resync_timer (self);
    }
  /* libcurl 8 does not announce a timer it considers unchanged, also when
   * our own actions consumed it: with thousands of transfers waiting for
   * one of 20 connections, curl_multi_timeout() said 0 while no timer was
   * set, and the queue stalled (doc/design.md, "libcurl 8: a timer not
   * announced again"). After any action that left no timer, ask. */
  if (self->actions != actions && timer_resync_needed () && !abandoned (self) &&
      (self->pending_ready_time != NO_PENDING_READY_TIME
       ? self->pending_ready_time : g_source_get_ready_time (source)) < 0)
    resync_timer (self);

  /* What libcurl forbade inside its callbacks during the actions above
   * (the only place anything is deferred). */
  run_deferred (self);

  self->dispatching = FALSE;

  /* A handler ran g_object_run_dispose(): the backend outlived the loop
   * over its ready sockets; it can go now. */
  if (self->multi == NULL && self->backend != NULL)
    {
      _gcurl_backend_free (self->backend);
      self->backend = NULL;
    }
  else if (self->suspended)
    {
      self->suspended = FALSE;
      _gcurl_backend_suspend (self->backend, FALSE);
    }

  if (self->pending_ready_time != NO_PENDING_READY_TIME)
    {
      ready_time = self->pending_ready_time;
      self->pending_ready_time = NO_PENDING_READY_TIME;
      if (!g_source_is_destroyed (source))
        g_source_set_ready_time (source, ready_time);
    }

  g_object_unref (self);
  return G_SOURCE_CONTINUE;
}

static GSourceFuncs multi_gsource_funcs = {
  .prepare = multi_gsource_prepare,
  .check = multi_gsource_check,
  .dispatch = multi_gsource_dispatch,
};

/* ---------------------------------------------------------------------- */
/* curl's callbacks                                                        */

int
_gcurl_multi_source_socket_cb (CURL          *easy,
                                curl_socket_t  fd,
                                int            what,
                                void          *userp,
                                void          *socketp)
{
  GCurlMultiSource *self = userp;

  _gcurl_backend_watch (self->backend, fd, what);
  return 0;
}

int
_gcurl_multi_source_timer_cb (CURLM *multi,
                               long   timeout_ms,
                               void  *userp)
{
  GCurlMultiSource *self = userp;
  gint64 ready_time;

  self->timer_calls++;

  /* Each call replaces the timer: -1 deletes it, 0 means the next main-loop
   * iteration (never a call into curl from here). */
  if (timeout_ms < 0)
    ready_time = -1;
  else if (timeout_ms == 0)
    ready_time = 0;
  else
    ready_time = g_get_monotonic_time () + (gint64) timeout_ms * 1000;

  set_timer (self, ready_time);
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Deferred work                                                           */

/* Adds a handle that was deferred or belongs to a transfer; a refusal ends
 * it through finish_handle() (the caller holds a reference), and @entry is
 * gone then. */
static gboolean
add_entry (GCurlMultiSource *self,
           HandleEntry      *entry)
{
  CURLMcode mc = curl_multi_add_handle (self->multi, entry->easy);

  if (mc != CURLM_OK)
    {
      g_warning ("curl_multi_add_handle() failed: %s", curl_multi_strerror (mc));
      finish_handle (self, entry->easy, _gcurl_code_from_multi_code (mc));
      return FALSE;
    }

  entry->in_multi = TRUE;
  return TRUE;
}

/* curl_easy_pause() for a transfer, as an action of its own: unpausing
 * delivers what curl held back, from inside this call. */
static void
pause_now (GCurlMultiSource *self,
           CURL             *easy,
           int               bits)
{
  CURLcode rc;

  self->action_depth++;
  rc = curl_easy_pause (easy, bits);
  self->action_depth--;

  /* Two failures are expected. libcurl 7.88 refuses to pause a transfer
   * that has no connection yet (CURLE_BAD_FUNCTION_ARGUMENT): the
   * transfer's write and read callbacks then pause it on its first byte,
   * since they check its state. And when unpausing delivers held-back
   * data that the write callback fails on, libcurl fails the transfer and
   * reports it on the next action. */
  if (rc != CURLE_OK)
    g_debug ("curl_easy_pause() failed: %s", curl_easy_strerror (rc));
}

/* Runs what was deferred. Callers go through flush_deferred(), except
 * the dispatch, which runs it once at its end. */
static void
run_deferred (GCurlMultiSource *self)
{
  if (self->dirty_options != 0)
    _gcurl_multi_source_apply_options (self);

  while (self->deferred->len > 0 && !abandoned (self))
    {
      g_autoptr(GPtrArray) deferred = self->deferred;

      self->deferred = g_ptr_array_new ();

      for (guint i = 0; i < deferred->len && !abandoned (self); i++)
        {
          CURL *easy = g_ptr_array_index (deferred, i);
          HandleEntry *entry = g_hash_table_lookup (self->handles, easy);
          PendingOp op;

          if (entry == NULL || !entry->queued)
            continue;

          op = entry->op;
          entry->op = OP_NONE;
          entry->queued = FALSE;

          switch (op)
            {
            case OP_ADD:
              if (!add_entry (self, entry))
                continue;
              break;

            case OP_REMOVE:
              detach_handle (self, entry);
              continue;

            case OP_CANCEL:
              finish_handle (self, easy, CURLE_ABORTED_BY_CALLBACK);
              continue;

            case OP_NONE:
            default:
              break;
            }

          if (entry->pause_pending && entry->in_multi)
            {
              entry->pause_pending = FALSE;
              pause_now (self, easy, entry->pause_bits);
            }
        }
    }
}

/* The one rule for deferred work: what curl forbade inside its callbacks
 * runs as soon as no action is under way (doc/design.md, "The core's
 * contract", 11). Handlers of `done` may drop the last reference. */
static void
flush_deferred (GCurlMultiSource *self)
{
  if (self->action_depth > 0)
    return;
  g_object_ref (self);
  run_deferred (self);
  g_object_unref (self);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */

static void
gcurl_multi_source_constructed (GObject *object)
{
  GCurlMultiSource *self = GCURL_MULTI_SOURCE (object);

  G_OBJECT_CLASS (gcurl_multi_source_parent_class)->constructed (object);

  if (self->context == NULL)
    self->context = g_main_context_ref_thread_default ();
  if (g_main_context_get_thread_default () == NULL)
    {
      GMainContext *global = g_main_context_ref_thread_default ();

      self->on_global = self->context == global;
      g_main_context_unref (global);
    }
  self->owner = g_thread_self ();

  self->source = g_source_new (&multi_gsource_funcs, sizeof (MultiGSource));
  ((MultiGSource *) self->source)->self = self;
  g_source_set_static_name (self->source, "GCurlMultiSource");
  /* GLib blocks a source that may not recurse while it dispatches: it takes
   * the source's descriptors and, with GLib 2.74, those of every child
   * source out of the poll and puts them back afterwards, each a walk of the
   * context's list of poll records. With a child watch per socket
   * (iochannel) and a thousand trickling connections that was a fifth of the
   * client's CPU (bench W4). So the source may recurse, and does what
   * blocking did itself, only when it happens: see suspend(). */
  g_source_set_can_recurse (self->source, TRUE);

  self->backend = _gcurl_backend_new (self->source);

  self->multi = curl_multi_init ();
  if (self->multi == NULL)
    {
      /* Only when out of memory. The source stays inert: adding fails. */
      g_critical ("curl_multi_init() failed");
      return;
    }

  curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, _gcurl_multi_source_socket_cb);
  curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, self);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, _gcurl_multi_source_timer_cb);
  curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, self);
  /* The defaults are libcurl's; only properties set at construction. */
  _gcurl_multi_source_apply_options (self);

  /* The one given at construction (only kept so far), or the default. */
  {
    g_autoptr(GNetworkMonitor) monitor = g_steal_pointer (&self->network_monitor);

    _gcurl_multi_source_watch_network (self, monitor);
  }

  g_source_attach (self->source, self->context);
}

static void
gcurl_multi_source_dispose (GObject *object)
{
  GCurlMultiSource *self = GCURL_MULTI_SOURCE (object);

  if (self->multi != NULL)
    {
      g_autoptr(GPtrArray) easies = snapshot_handles (self);

      self->disposing = TRUE;

      /* Raw handles go back to their owner, without a `done`; transfers
       * end as cancelled (only an explicit g_object_run_dispose() gets
       * here with transfers running: their tasks hold references). */
      for (guint i = 0; i < easies->len; i++)
        {
          HandleEntry *entry = g_hash_table_lookup (self->handles, easies->pdata[i]);

          if (entry != NULL)
            finish_entry (self, entry, CURLE_ABORTED_BY_CALLBACK, FALSE);
        }

      /* No callback may reach us from curl_multi_cleanup(). */
      curl_multi_setopt (self->multi, CURLMOPT_SOCKETFUNCTION, NULL);
      curl_multi_setopt (self->multi, CURLMOPT_SOCKETDATA, NULL);
      curl_multi_setopt (self->multi, CURLMOPT_TIMERFUNCTION, NULL);
      curl_multi_setopt (self->multi, CURLMOPT_TIMERDATA, NULL);
    }

  _gcurl_multi_source_unwatch_network (self);
  _gcurl_multi_source_clear_proxies (self);

  if (self->source != NULL)
    {
      ((MultiGSource *) self->source)->self = NULL;
      g_source_destroy (self->source);
    }

  /* The backend lives until after curl_multi_cleanup(): pooled connections
   * are closed there, through the close-socket callback (and data) that curl
   * copied into each connection. */
  g_clear_pointer (&self->multi, curl_multi_cleanup);

  /* After every handle and connection left it: writes the files. */
  if (self->share != NULL)
    {
      _gcurl_share_flush (self->share);
      g_clear_pointer (&self->share, _gcurl_share_unref);
    }

  /* Inside dispatch (a handler disposed the source explicitly) the
   * backend is still walking its ready sockets: dispatch frees it. */
  if (self->backend != NULL && !self->dispatching)
    {
      _gcurl_backend_free (self->backend);
      self->backend = NULL;
    }

  g_clear_pointer (&self->source, g_source_unref);

  G_OBJECT_CLASS (gcurl_multi_source_parent_class)->dispose (object);
}

static void
gcurl_multi_source_finalize (GObject *object)
{
  GCurlMultiSource *self = GCURL_MULTI_SOURCE (object);

  g_hash_table_unref (self->handles);
  g_ptr_array_unref (self->deferred);
  g_clear_object (&self->transfers);
  g_clear_pointer (&self->context, g_main_context_unref);
  g_free (self->cookie_jar);
  g_free (self->hsts_file);
  g_free (self->alt_svc_file);

  G_OBJECT_CLASS (gcurl_multi_source_parent_class)->finalize (object);
}

static void
gcurl_multi_source_get_property (GObject    *object,
                                  guint       prop_id,
                                  GValue     *value,
                                  GParamSpec *pspec)
{
  GCurlMultiSource *self = GCURL_MULTI_SOURCE (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      g_value_set_boxed (value, self->context);
      break;
    case PROP_RUNNING_HANDLES:
      g_value_set_int (value, self->running_handles);
      break;
    case PROP_MAX_TOTAL_CONNECTIONS:
      g_value_set_int (value, self->max_total_connections);
      break;
    case PROP_MAX_HOST_CONNECTIONS:
      g_value_set_int (value, self->max_host_connections);
      break;
    case PROP_MAX_CONCURRENT_STREAMS:
      g_value_set_int (value, self->max_concurrent_streams);
      break;
    case PROP_MULTIPLEXING:
      g_value_set_boolean (value, self->multiplexing);
      break;
    case PROP_MAX_CONNECTS:
      g_value_set_int (value, self->max_connects);
      break;
    case PROP_COOKIE_JAR:
      g_value_set_string (value, self->cookie_jar);
      break;
    case PROP_HSTS_FILE:
      g_value_set_string (value, self->hsts_file);
      break;
    case PROP_ALT_SVC_FILE:
      g_value_set_string (value, self->alt_svc_file);
      break;
    case PROP_PROXY_RESOLVER:
      g_value_set_object (value, _gcurl_multi_source_peek_proxy_resolver (self));
      break;
    case PROP_NETWORK_MONITOR:
      g_value_set_object (value, self->network_monitor);
      break;
    case PROP_NETWORK_AVAILABLE:
      g_value_set_boolean (value, self->network_monitor != NULL &&
                                  g_network_monitor_get_network_available (self->network_monitor));
      break;
    case PROP_NETWORK_METERED:
      g_value_set_boolean (value, self->network_monitor != NULL &&
                                  g_network_monitor_get_network_metered (self->network_monitor));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gcurl_multi_source_set_property (GObject      *object,
                                  guint         prop_id,
                                  const GValue *value,
                                  GParamSpec   *pspec)
{
  GCurlMultiSource *self = GCURL_MULTI_SOURCE (object);

  switch (prop_id)
    {
    case PROP_CONTEXT:
      self->context = g_value_dup_boxed (value);
      break;
    case PROP_MAX_TOTAL_CONNECTIONS:
      gcurl_multi_source_set_max_total_connections (self, g_value_get_int (value));
      break;
    case PROP_MAX_HOST_CONNECTIONS:
      gcurl_multi_source_set_max_host_connections (self, g_value_get_int (value));
      break;
    case PROP_MAX_CONCURRENT_STREAMS:
      gcurl_multi_source_set_max_concurrent_streams (self, g_value_get_int (value));
      break;
    case PROP_MULTIPLEXING:
      gcurl_multi_source_set_multiplexing (self, g_value_get_boolean (value));
      break;
    case PROP_MAX_CONNECTS:
      gcurl_multi_source_set_max_connects (self, g_value_get_int (value));
      break;
    case PROP_COOKIE_JAR:
      gcurl_multi_source_set_cookie_jar (self, g_value_get_string (value));
      break;
    case PROP_HSTS_FILE:
      gcurl_multi_source_set_hsts_file (self, g_value_get_string (value));
      break;
    case PROP_ALT_SVC_FILE:
      gcurl_multi_source_set_alt_svc_file (self, g_value_get_string (value));
      break;
    case PROP_PROXY_RESOLVER:
      if (self->source == NULL)   /* at construction; NULL: the default, on first use */
        {
          if (g_value_get_object (value) != NULL)
            _gcurl_multi_source_take_proxy_resolver (self, g_value_get_object (value));
        }
      else
        gcurl_multi_source_set_proxy_resolver (self, g_value_get_object (value));
      break;
    case PROP_NETWORK_MONITOR:
      if (self->multi == NULL && self->source == NULL)   /* at construction */
        {
          if (g_value_get_object (value) != NULL)
            self->network_monitor = g_value_dup_object (value);
        }
      else
        gcurl_multi_source_set_network_monitor (self, g_value_get_object (value));
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gcurl_multi_source_class_init (GCurlMultiSourceClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  CURLcode rc;

  /* Once per process: class_init runs once, under GType's lock. */
  rc = curl_global_init (CURL_GLOBAL_DEFAULT);
  if (rc != CURLE_OK)
    g_warning ("curl_global_init() failed: %s", curl_easy_strerror (rc));

  object_class->constructed = gcurl_multi_source_constructed;
  object_class->dispose = gcurl_multi_source_dispose;
  object_class->finalize = gcurl_multi_source_finalize;
  object_class->get_property = gcurl_multi_source_get_property;
  object_class->set_property = gcurl_multi_source_set_property;

  /**
   * GCurlMultiSource:context:
   *
   * The main context whose thread runs every callback and signal of this
   * source. %NULL at construction means the thread-default context of the
   * constructing thread.
   */
  properties[PROP_CONTEXT] =
    g_param_spec_boxed ("context", NULL, NULL,
                        G_TYPE_MAIN_CONTEXT,
                        G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY |
                        G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:running-handles:
   *
   * The number of transfers libcurl reports as still running, as of the last
   * action. Notified when it changes.
   */
  properties[PROP_RUNNING_HANDLES] =
    g_param_spec_int ("running-handles", NULL, NULL,
                      0, G_MAXINT, 0,
                      G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:max-total-connections:
   *
   * The most connections open at once (`CURLMOPT_MAX_TOTAL_CONNECTIONS`);
   * transfers beyond it wait in a queue. 0 means no limit.
   */
  properties[PROP_MAX_TOTAL_CONNECTIONS] =
    g_param_spec_int ("max-total-connections", NULL, NULL,
                      0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:max-host-connections:
   *
   * The most connections open at once to one host
   * (`CURLMOPT_MAX_HOST_CONNECTIONS`); transfers beyond it wait in a queue.
   * 0 means no limit.
   */
  properties[PROP_MAX_HOST_CONNECTIONS] =
    g_param_spec_int ("max-host-connections", NULL, NULL,
                      0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:max-concurrent-streams:
   *
   * The most HTTP/2 streams on one connection
   * (`CURLMOPT_MAX_CONCURRENT_STREAMS`).
   */
  properties[PROP_MAX_CONCURRENT_STREAMS] =
    g_param_spec_int ("max-concurrent-streams", NULL, NULL,
                      1, G_MAXINT, DEFAULT_MAX_CONCURRENT_STREAMS,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:multiplexing:
   *
   * Whether transfers to one HTTP/2 host share a connection
   * (`CURLMOPT_PIPELINING` set to `CURLPIPE_MULTIPLEX`).
   */
  properties[PROP_MULTIPLEXING] =
    g_param_spec_boolean ("multiplexing", NULL, NULL,
                          TRUE,
                          G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                          G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:max-connects:
   *
   * The size of the pool of idle connections kept for reuse
   * (`CURLMOPT_MAXCONNECTS`). 0 means libcurl's default: four times the
   * number of handles added.
   */
  properties[PROP_MAX_CONNECTS] =
    g_param_spec_int ("max-connects", NULL, NULL,
                      0, G_MAXINT, 0,
                      G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                      G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:cookie-jar:
   *
   * Where the source's transfers keep cookies: %NULL (the default) for
   * nowhere, so that none is sent or kept; `""` for in memory, for as long
   * as the source lives; or the path of a cookie file in the Netscape
   * format (`curl -c` writes it), read when the first transfer starts
   * and written, by a new file renamed over it (mode 0600), soon after
   * each change and when the source is disposed. Session cookies (without
   * an expiry) are not written to the file.
   *
   * The transfers of one source share the jar, as they share its DNS
   * cache, its TLS sessions and [property@GCurl.MultiSource:hsts-file];
   * two sources never share one. Off by default, like a `SoupSession`
   * without a `SoupCookieJar`: cookies are state that tracks the user, and
   * an application that fetches feeds or files for them should not keep it
   * unasked. A cookie is sent only to the host it is for (or, with a
   * `Domain`, that domain), whatever the port, and a `Secure` one only
   * over HTTPS.
   *
   * Set it before the first transfer. Setting it later starts a new jar
   * (the old one is written first) for the transfers that start after it.
   */
  properties[PROP_COOKIE_JAR] =
    g_param_spec_string ("cookie-jar", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:hsts-file:
   *
   * A file that keeps the hosts that asked for HTTPS only
   * (`Strict-Transport-Security`, RFC 6797), in libcurl's format: %NULL
   * (the default) for none. Once a host is in it, an `http://` URL to
   * that host goes to `https://` instead, before anything is sent. Read
   * by each run, written when the source is disposed; shared by the
   * source's transfers. libcurl ignores the header from an IP address:
   * only host names count.
   */
  properties[PROP_HSTS_FILE] =
    g_param_spec_string ("hsts-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:alt-svc-file:
   *
   * A file that keeps the alternative services servers announced
   * (`Alt-Svc`, RFC 7838: another port, or HTTP/3), in libcurl's format:
   * %NULL (the default) for none. libcurl has no way to share it between
   * handles: each run reads it at its start and writes it at its end, so
   * a run sees what the runs that ended before it learnt. Such a run's
   * easy handle is closed at its end, and not reused.
   */
  properties[PROP_ALT_SVC_FILE] =
    g_param_spec_string ("alt-svc-file", NULL, NULL, NULL,
                         G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:network-monitor:
   *
   * The [iface@Gio.NetworkMonitor] the source follows: by default
   * g_network_monitor_get_default(), which follows NetworkManager, or the
   * portal inside Flatpak. After its [signal@Gio.NetworkMonitor::network-changed],
   * no transfer reuses a connection made before it, and the first
   * transfer to each host and port makes a new connection after a new
   * name lookup: the old ones may go through an interface that is gone,
   * and the addresses may have changed with the network.
   *
   * GIO's default monitor is one for the process and emits in the
   * thread-default context of whoever asked for it first; the first
   * source asks in its own context. An application whose sources live on
   * worker threads calls g_network_monitor_get_default() on its main
   * thread first.
   */
  properties[PROP_NETWORK_MONITOR] =
    g_param_spec_object ("network-monitor", NULL, NULL, G_TYPE_NETWORK_MONITOR,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:proxy-resolver:
   *
   * The [iface@Gio.ProxyResolver] asked for the proxy of each transfer
   * that has no [property@GCurl.Transfer:proxy] of its own: by default
   * g_proxy_resolver_get_default(), which follows GNOME's proxy settings,
   * the Flatpak portal, or the `http_proxy` family of environment
   * variables (glib-networking's libproxy resolver), as the rest of the
   * desktop does.
   *
   * The lookup is asynchronous and happens before the transfer starts.
   * Its answer is kept for 30 seconds for the same scheme, host and port,
   * and dropped when the network changes or the resolver is replaced. The
   * first answer this library can use is taken: `direct://`, `http://`,
   * `https://`, `socks4://`, `socks4a://`, `socks5://`, `socks5h://`, or
   * `socks://`, which is taken as `socks5h://`. A failed lookup fails the
   * transfer with %GCURL_ERROR_HOST_NOT_FOUND.
   *
   * The resolver decides for the URL the transfer starts with; a redirect
   * goes through the same proxy. Without glib-networking, GLib's resolver
   * answers `direct://` to everything: then it is not asked, and libcurl
   * follows the `http_proxy` family of environment variables itself. A
   * transfer whose handle C code took with
   * [method@GCurl.Transfer.get_handle] keeps the proxy options that code
   * set, unless [property@GCurl.Transfer:proxy] is set.
   */
  properties[PROP_PROXY_RESOLVER] =
    g_param_spec_object ("proxy-resolver", NULL, NULL, G_TYPE_PROXY_RESOLVER,
                         G_PARAM_READWRITE | G_PARAM_CONSTRUCT | G_PARAM_EXPLICIT_NOTIFY |
                         G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:network-available:
   *
   * Whether [property@GCurl.MultiSource:network-monitor] sees a network:
   * an application can hold its queue while there is none. Notified in
   * the source's context.
   */
  properties[PROP_NETWORK_AVAILABLE] =
    g_param_spec_boolean ("network-available", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  /**
   * GCurlMultiSource:network-metered:
   *
   * Whether the network is metered (mobile data, a hotspot): an
   * application can hold large downloads then. Notified in the source's
   * context.
   */
  properties[PROP_NETWORK_METERED] =
    g_param_spec_boolean ("network-metered", NULL, NULL, FALSE,
                          G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GCurlMultiSource::done:
   * @self: the source
   * @easy_handle: the `CURL *` easy handle whose transfer ended
   * @result: the transfer's `CURLcode`
   *
   * Emitted once for every transfer that ended, whether its easy handle
   * was added with [method@GCurl.MultiSource.add_handle] or belongs to a
   * [class@GCurl.Transfer] (whose handle a handler must not touch: the
   * transfer's [signal@GCurl.Transfer::finished] and
   * [signal@GCurl.MultiSource::transfer-finished] follow, in that order).
   * That is each one that
   * `curl_multi_info_read()` reports finished, including one that finishes
   * on a timer tick; each one [method@GCurl.MultiSource.cancel_all]
   * cancelled (@result is `CURLE_ABORTED_BY_CALLBACK`); and each one a
   * failing `curl_multi_socket_action()` took down (@result is then
   * `CURLE_UNRECOVERABLE_POLL` or another code of the failure's kind).
   *
   * The handle has left the multi handle before the signal is emitted, so a
   * handler may clean it up with `curl_easy_cleanup()`, or change it and add
   * it again. Handlers may add, remove or cancel other handles and drop the
   * last reference to the source; once the last reference is gone (or the
   * source was disposed), no further signal is emitted, and the handles
   * still added are removed and left to their owners without a `done`.
   * [func@GCurl.Error.new_from_code] turns @result into a #GError.
   */
  signals[SIGNAL_DONE] =
    g_signal_new ("done",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL,
                  _gcurl_marshal_VOID__POINTER_INT,
                  G_TYPE_NONE, 2,
                  G_TYPE_POINTER, G_TYPE_INT);
  g_signal_set_va_marshaller (signals[SIGNAL_DONE],
                              G_TYPE_FROM_CLASS (klass),
                              _gcurl_marshal_VOID__POINTER_INTv);

  /**
   * GCurlMultiSource::transfer-finished:
   * @self: the source
   * @transfer: the transfer that finished
   *
   * Emitted once for every run of a [class@GCurl.Transfer] this source
   * performed (or refused to start), right after the transfer's own
   * [signal@GCurl.Transfer::finished] and before the run's asynchronous
   * callback, whether it succeeded, failed or was cancelled. The transfer
   * has already left [method@GCurl.MultiSource.get_transfers].
   */
  signals[SIGNAL_TRANSFER_FINISHED] =
    g_signal_new ("transfer-finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0,
                  NULL, NULL, NULL,
                  G_TYPE_NONE, 1,
                  GCURL_TYPE_TRANSFER);
}

static void
gcurl_multi_source_init (GCurlMultiSource *self)
{
  self->handles = g_hash_table_new_full (NULL, NULL, NULL, g_free);
  self->deferred = g_ptr_array_new ();
  self->max_concurrent_streams = DEFAULT_MAX_CONCURRENT_STREAMS;
  self->multiplexing = TRUE;
  self->pending_ready_time = NO_PENDING_READY_TIME;
}

/* ---------------------------------------------------------------------- */
/* Public API                                                              */

/**
 * gcurl_multi_source_new:
 *
 * Creates a source attached to the thread-default main context of the
 * calling thread, with a new libcurl multi handle.
 *
 * Returns: (transfer full): a new #GCurlMultiSource
 */
GCurlMultiSource *
gcurl_multi_source_new (void)
{
  return g_object_new (GCURL_TYPE_MULTI_SOURCE, NULL);
}

/**
 * gcurl_multi_source_get_multi: (skip)
 * @self: a #GCurlMultiSource
 *
 * Gets the libcurl multi handle, for C code that sets `CURLMOPT_*` options
 * the properties do not cover. The socket and timer callbacks and their data
 * belong to the source and must not be changed. Do not call libcurl's
 * transfer functions (`curl_multi_perform()`, `curl_multi_socket_action()`,
 * `curl_multi_add_handle()` …) on it: use the source's methods.
 *
 * Returns: (transfer none): the `CURLM *` handle, owned by the source; %NULL
 *   once the source has been disposed
 */
CURLM *
gcurl_multi_source_get_multi (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);

  return self->multi;
}

/**
 * gcurl_multi_source_add_handle: (skip)
 * @self: a #GCurlMultiSource
 * @easy: a `CURL *` easy handle, set up for a transfer
 * @error: return location for a #GError
 *
 * Starts the transfer of @easy. The source drives it from its main context
 * and emits [signal@GCurl.MultiSource::done] when it ends. The caller keeps
 * owning @easy, and must not clean it up while it is added.
 *
 * The source sets `CURLOPT_OPENSOCKETFUNCTION`, `CURLOPT_CLOSESOCKETFUNCTION`
 * and their data on @easy while it is added (see [class@GCurl.MultiSource]).
 *
 * Called from inside a libcurl callback of this source (a write or progress
 * function), where libcurl forbids it, the addition is deferred until that
 * callback has returned and this function returns %TRUE; should libcurl
 * then refuse the handle (it is in another multi handle),
 * [signal@GCurl.MultiSource::done] reports it with
 * `CURLE_BAD_FUNCTION_ARGUMENT`.
 *
 * To pause a raw handle with libcurl 8.9 or later, return
 * `CURL_WRITEFUNC_PAUSE` from its write callback rather than calling
 * `curl_easy_pause()` from outside one: libcurl then keeps running a
 * transfer paused that way that had data waiting, on every main-loop
 * iteration, for as long as it stays paused. [class@GCurl.Transfer] does
 * this itself.
 *
 * Returns: %TRUE if the transfer was added; %FALSE with @error set if @easy
 *   is already added to this source or to another multi handle
 */
gboolean
gcurl_multi_source_add_handle (GCurlMultiSource *self,
                                CURL             *easy,
                                GError          **error)
{
  HandleEntry *entry;
  CURLMcode mc;

  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), FALSE);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), FALSE);
  g_return_val_if_fail (easy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);
  g_return_val_if_fail (self->multi != NULL, FALSE);

  entry = g_hash_table_lookup (self->handles, easy);
  if (entry != NULL)
    {
      g_set_error_literal (error, GCURL_ERROR, GCURL_ERROR_FAILED,
                           entry->op == OP_REMOVE || entry->op == OP_CANCEL
                           ? "The easy handle is being removed from this source; add it again after its removal"
                           : "The easy handle is already added to this source");
      return FALSE;
    }

  entry = g_new0 (HandleEntry, 1);
  entry->easy = easy;
  entry->ops = &raw_ops;
  g_hash_table_insert (self->handles, easy, entry);

  _gcurl_backend_setup_easy (self->backend, easy);

  if (self->action_depth > 0)
    {
      defer (self, entry, OP_ADD);
      return TRUE;
    }

  mc = curl_multi_add_handle (self->multi, easy);
  if (mc != CURLM_OK)
    {
      detach_handle (self, entry);
      if (mc == CURLM_ADDED_ALREADY)
        g_set_error_literal (error, GCURL_ERROR, GCURL_ERROR_FAILED,
                             "The easy handle is already added to another multi handle");
      else
        g_propagate_error (error, _gcurl_error_new_from_multi_code (mc, "curl_multi_add_handle()"));
      return FALSE;
    }

  entry->in_multi = TRUE;
  return TRUE;
}

/**
 * gcurl_multi_source_remove_handle: (skip)
 * @self: a #GCurlMultiSource
 * @easy: a `CURL *` easy handle added to @self
 * @error: return location for a #GError
 *
 * Stops the transfer of @easy and gives the handle back to the caller, who
 * may clean it up or add it again. No [signal@GCurl.MultiSource::done] is
 * emitted for it.
 *
 * Called from inside a libcurl callback of this source (a write or progress
 * function), where libcurl forbids it, the removal is deferred until that
 * callback has returned; in that case the handle must not be cleaned up
 * until control is back in the main loop.
 *
 * Returns: %TRUE if the handle was removed; %FALSE with @error set if it was
 *   not added to this source
 */
gboolean
gcurl_multi_source_remove_handle (GCurlMultiSource *self,
                                   CURL             *easy,
                                   GError          **error)
{
  HandleEntry *entry;

  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), FALSE);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), FALSE);
  g_return_val_if_fail (easy != NULL, FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  entry = g_hash_table_lookup (self->handles, easy);
  if (entry == NULL || entry->op == OP_REMOVE || entry->op == OP_CANCEL)
    {
      g_set_error_literal (error, GCURL_ERROR, GCURL_ERROR_FAILED,
                           "The easy handle is not added to this source");
      return FALSE;
    }
  if (entry->ops->transfer (entry->data) != NULL)
    {
      g_set_error_literal (error, GCURL_ERROR, GCURL_ERROR_FAILED,
                           "The easy handle belongs to a GCurlTransfer: use gcurl_transfer_cancel()");
      return FALSE;
    }

  if (self->action_depth > 0)
    {
      if (!entry->in_multi)
        detach_handle (self, entry);
      else
        defer (self, entry, OP_REMOVE);
      return TRUE;
    }

  g_object_ref (self);
  detach_handle (self, entry);
  flush_deferred (self);
  g_object_unref (self);
  return TRUE;
}

/**
 * gcurl_multi_source_cancel_all:
 * @self: a #GCurlMultiSource
 *
 * Cancels every transfer of this source. Each raw easy handle is removed and
 * reported through [signal@GCurl.MultiSource::done] with
 * `CURLE_ABORTED_BY_CALLBACK`; each [class@GCurl.Transfer] ends with
 * %G_IO_ERROR_CANCELLED. Called from inside a libcurl callback, the
 * cancellation happens as soon as that callback has returned.
 */
void
gcurl_multi_source_cancel_all (GCurlMultiSource *self)
{
  g_autoptr(GPtrArray) easies = NULL;

  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  if (self->multi == NULL)
    return;

  easies = snapshot_handles (self);
  for (guint i = 0; i < easies->len; i++)
    {
      HandleEntry *entry = g_hash_table_lookup (self->handles, easies->pdata[i]);

      if (entry == NULL || entry->op == OP_REMOVE || entry->op == OP_CANCEL)
        continue;

      defer (self, entry, OP_CANCEL);
    }

  flush_deferred (self);
}

/* ---------------------------------------------------------------------- */
/* Transfers                                                               */

/* For gcurl-run.c: adds the handle of @run's transfer, which has just
 * started; the entry owns @run from here on. */
void
_gcurl_multi_source_add_run (GCurlMultiSource *self,
                             GCurlRun         *run)
{
  GCurlTransfer *transfer = _gcurl_run_get_transfer (run);
  CURL *easy = _gcurl_transfer_peek_handle (transfer);
  HandleEntry *entry;

  entry = g_new0 (HandleEntry, 1);
  entry->easy = easy;
  entry->ops = &run_ops;
  entry->data = run;
  g_hash_table_insert (self->handles, easy, entry);
  if (self->transfers != NULL)
    g_list_store_append (self->transfers, transfer);

  _gcurl_backend_setup_easy (self->backend, easy);

  /* Added once its proxy is known; at once when the answer is kept. */
  entry->proxy_ticket = ++self->proxy_tickets;
  if (!_gcurl_multi_source_find_proxy (self, transfer, easy, entry->proxy_ticket))
    {
      entry->waiting_proxy = TRUE;
      return;
    }

  if (self->action_depth > 0)
    {
      defer (self, entry, OP_ADD);
      return;
    }

  g_object_ref (self);
  add_entry (self, entry);
  g_object_unref (self);
}

void
_gcurl_multi_source_proxy_found (GCurlMultiSource *self,
                                 CURL             *easy,
                                 guint             ticket,
                                 const char       *proxy,
                                 const GError     *error)
{
  HandleEntry *entry = g_hash_table_lookup (self->handles, easy);
  GCurlTransfer *transfer;

  /* Cancelled while it waited, or a later run of the same handle. */
  if (entry == NULL || !entry->waiting_proxy || entry->proxy_ticket != ticket ||
      is_closed (self))
    return;
  entry->waiting_proxy = FALSE;
  transfer = entry->ops->transfer (entry->data);

  if (proxy == NULL)
    {
      _gcurl_transfer_set_error_text (transfer, error->message);
      finish_entry (self, entry, CURLE_COULDNT_RESOLVE_PROXY, TRUE);
      return;
    }

  _gcurl_transfer_apply_proxy (transfer, proxy);
  /* A cancellation asked for meanwhile is already queued, and wins. */
  if (entry->op != OP_CANCEL)
    defer (self, entry, OP_ADD);
  flush_deferred (self);
}

gboolean
_gcurl_multi_source_is_closed (GCurlMultiSource *self)
{
  return is_closed (self);
}

guint64
_gcurl_multi_source_next_serial (GCurlMultiSource *self)
{
  return self->next_serial++;
}

GMainContext *
_gcurl_multi_source_peek_context (GCurlMultiSource *self)
{
  return self->context;
}

/* Start order, for a transfers model made while transfers run. */
static int
compare_serial (gconstpointer a,
                gconstpointer b)
{
  guint64 x = _gcurl_run_get_serial (*(GCurlRun **) a);
  guint64 y = _gcurl_run_get_serial (*(GCurlRun **) b);

  return x < y ? -1 : x > y;
}

/**
 * gcurl_multi_source_get_transfers:
 * @self: a #GCurlMultiSource
 *
 * Gets the transfers this source runs (running or paused), in the order
 * they started, as a list model to bind to a list view. A transfer leaves
 * it when it finishes, just before
 * [signal@GCurl.MultiSource::transfer-finished].
 *
 * Returns: (transfer none): a #GListModel of #GCurlTransfer
 */
GListModel *
gcurl_multi_source_get_transfers (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);

  /* Kept only once somebody asked: a model and its items-changed signal
   * per transfer cost 3% of the CPU of a thousand short transfers
   * (callgrind) that nobody shows in a list. */
  if (self->transfers == NULL)
    {
      g_autoptr(GPtrArray) runs = g_ptr_array_new ();
      GHashTableIter iter;
      HandleEntry *entry;

      self->transfers = g_list_store_new (GCURL_TYPE_TRANSFER);
      if (self->handles != NULL)
        {
          g_hash_table_iter_init (&iter, self->handles);
          while (g_hash_table_iter_next (&iter, NULL, (gpointer *) &entry))
            if (entry->ops == &run_ops)
              g_ptr_array_add (runs, entry->data);
        }
      g_ptr_array_sort (runs, compare_serial);
      for (guint i = 0; i < runs->len; i++)
        g_list_store_append (self->transfers, _gcurl_run_get_transfer (runs->pdata[i]));
    }
  return G_LIST_MODEL (self->transfers);
}

/* ---------------------------------------------------------------------- */
/* Private API                                                             */

void
_gcurl_multi_source_set_pause (GCurlMultiSource *self,
                                CURL             *easy,
                                int               bitmask)
{
  HandleEntry *entry = g_hash_table_lookup (self->handles, easy);

  if (entry == NULL)
    return;

  if (self->action_depth > 0 || !entry->in_multi)
    {
      entry->pause_bits = bitmask;
      entry->pause_pending = TRUE;
      queue_entry (self, entry);
      return;
    }

  entry->pause_pending = FALSE;
  g_object_ref (self);
  pause_now (self, easy, bitmask);
  flush_deferred (self);
  g_object_unref (self);
}

void
_gcurl_multi_source_cancel_transfer (GCurlMultiSource *self,
                                      GCurlTransfer    *transfer)
{
  HandleEntry *entry = g_hash_table_lookup (self->handles, _gcurl_transfer_peek_handle (transfer));

  if (entry == NULL || entry->op == OP_CANCEL)
    return;

  defer (self, entry, OP_CANCEL);
  flush_deferred (self);
}

void
_gcurl_multi_source_set_socket_action_hook (GCurlMultiSource      *self,
                                             GCurlSocketActionHook  hook,
                                             gpointer               user_data)
{
  self->test.action_hook = hook;
  self->test.action_hook_data = user_data;
}

GSource *
_gcurl_multi_source_get_gsource (GCurlMultiSource *self)
{
  return self->source;
}

const char *
_gcurl_multi_source_get_backend_name (GCurlMultiSource *self)
{
  return _gcurl_backend_get_name (self->backend);
}

guint64
_gcurl_multi_source_get_dispatch_count (GCurlMultiSource *self)
{
  return self->test.dispatches;
}

guint
_gcurl_multi_source_get_max_action_depth (GCurlMultiSource *self)
{
  return self->test.max_action_depth;
}
