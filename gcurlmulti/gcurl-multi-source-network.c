/* gcurl-multi-source-network.c: a source's network monitor, and fresh
 * connections and name lookups after the network changed
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * doc/design.md, "Network changes", has the rationale.
 */

#include "config.h"

#include <string.h>

#include "gcurl-multi-source-internal.h"
#include "gcurl-run-private.h"

/* What the monitor's handlers touch. They run in the monitor's context,
 * which may be another thread's (GIO's default monitor emits in the
 * context of its first user): they never touch the source itself, only
 * this, and post to the source's context. */
struct _GCurlNetworkWatch
{
  gatomicrefcount  refs;
  GMainContext    *context;     /* the source's */
  GWeakRef         source;
  GMutex           lock;
  guint            generation;  /* network-changed emissions so far */
  gint64           changed_at;  /* monotonic µs of the last one */
};

static GCurlNetworkWatch *
watch_ref (GCurlNetworkWatch *watch)
{
  g_atomic_ref_count_inc (&watch->refs);
  return watch;
}

static void
watch_unref (gpointer data)
{
  GCurlNetworkWatch *watch = data;

  if (!g_atomic_ref_count_dec (&watch->refs))
    return;
  g_weak_ref_clear (&watch->source);
  g_main_context_unref (watch->context);
  g_mutex_clear (&watch->lock);
  g_free (watch);
}

typedef struct
{
  GCurlNetworkWatch *watch;
  guint              prop_id;   /* to notify, or 0 for a change */
} Post;

static gboolean
post_cb (gpointer data)
{
  Post *post = data;
  g_autoptr(GCurlMultiSource) self = g_weak_ref_get (&post->watch->source);

  if (self == NULL || _gcurl_multi_source_is_closed (self))
    return G_SOURCE_REMOVE;
  if (post->prop_id != 0)
    _gcurl_multi_source_notify (self, post->prop_id);
#if LIBCURL_VERSION_NUM >= 0x081000
  else
    {
      /* libcurl 8.16 and later close idle connections and forget names
       * themselves (CURLMOPT_NETWORK_CHANGED), when options apply. */
      self->dirty_options |= 1u << PROP_NETWORK_MONITOR;
      _gcurl_multi_source_apply_options (self);
    }
#endif
  return G_SOURCE_REMOVE;
}

static void
post_free (gpointer data)
{
  Post *post = data;

  watch_unref (post->watch);
  g_free (post);
}

static void
post (GCurlNetworkWatch *watch,
      guint              prop_id)
{
  Post *p = g_new0 (Post, 1);

  p->watch = watch_ref (watch);
  p->prop_id = prop_id;
  g_main_context_invoke_full (watch->context, G_PRIORITY_DEFAULT, post_cb, p, post_free);
}

static void
network_changed_cb (GNetworkMonitor *monitor,
                    gboolean         available,
                    gpointer         data)
{
  GCurlNetworkWatch *watch = data;

  g_mutex_lock (&watch->lock);
  watch->generation++;
  watch->changed_at = g_get_monotonic_time ();
  g_mutex_unlock (&watch->lock);
  post (watch, 0);
}

static void
available_cb (GObject    *object,
              GParamSpec *pspec,
              gpointer    data)
{
  post (data, PROP_NETWORK_AVAILABLE);
}

static void
metered_cb (GObject    *object,
            GParamSpec *pspec,
            gpointer    data)
{
  post (data, PROP_NETWORK_METERED);
}

static void
unwatch (GCurlMultiSource *self)
{
  if (self->network_monitor == NULL)
    return;
  g_signal_handlers_disconnect_by_data (self->network_monitor, self->network_watch);
  g_clear_object (&self->network_monitor);
}

/* GIO's default monitor is one for the process, and watches the system
 * from the thread-default context of its first user: asked for here in
 * the source's own context, the only one the library uses
 * (doc/design.md, "Network changes"). */
static GNetworkMonitor *
default_monitor (GMainContext *context)
{
  GNetworkMonitor *monitor;

  g_main_context_push_thread_default (context);
  monitor = g_network_monitor_get_default ();
  g_main_context_pop_thread_default (context);
  return monitor;
}

void
_gcurl_multi_source_watch_network (GCurlMultiSource *self,
                                   GNetworkMonitor  *monitor)
{
  GCurlNetworkWatch *watch;

  if (monitor == NULL)
    monitor = default_monitor (self->context);
  if (monitor == self->network_monitor)
    return;
  unwatch (self);

  if (self->network_watch == NULL)
    {
      watch = g_new0 (GCurlNetworkWatch, 1);
      g_atomic_ref_count_init (&watch->refs);
      g_mutex_init (&watch->lock);
      g_weak_ref_init (&watch->source, self);
      watch->context = g_main_context_ref (self->context);
      self->network_watch = watch;
    }
  watch = self->network_watch;

  self->network_monitor = g_object_ref (monitor);
  g_signal_connect_data (monitor, "network-changed", G_CALLBACK (network_changed_cb),
                         watch_ref (watch), (GClosureNotify) (void (*) (void)) watch_unref, 0);
  g_signal_connect_data (monitor, "notify::network-available", G_CALLBACK (available_cb),
                         watch_ref (watch), (GClosureNotify) (void (*) (void)) watch_unref, 0);
  g_signal_connect_data (monitor, "notify::network-metered", G_CALLBACK (metered_cb),
                         watch_ref (watch), (GClosureNotify) (void (*) (void)) watch_unref, 0);
}

void
_gcurl_multi_source_unwatch_network (GCurlMultiSource *self)
{
  unwatch (self);
  g_clear_pointer (&self->network_watch, watch_unref);
  g_clear_pointer (&self->refreshed_hosts, g_hash_table_unref);
}

/* A connection's age is known to libcurl in whole seconds only: for this
 * long after a change every run makes a new connection, and afterwards
 * the age limit keeps out every connection made before the change. */
#define FRESH_WINDOW (2 * G_USEC_PER_SEC)

/* For a run to @url starting now: whether it needs a new connection, and
 * a new name lookup (the first run to its host and port since the network
 * last changed), and the oldest a reused connection may be, in seconds
 * (0: any). Nothing to do, and nothing parsed, until a change. */
void
_gcurl_multi_source_network_freshness (GCurlMultiSource *self,
                                       const char       *url,
                                       gboolean         *fresh_connection,
                                       gboolean         *fresh_lookup,
                                       long             *max_age)
{
  GCurlNetworkWatch *watch = self->network_watch;
  g_autoptr(GUri) uri = NULL;
  guint generation;
  gint64 changed_at, elapsed;
  char *key;

  *fresh_connection = *fresh_lookup = FALSE;
  *max_age = 0;
  if (watch == NULL)
    return;
  g_mutex_lock (&watch->lock);
  generation = watch->generation;
  changed_at = watch->changed_at;
  g_mutex_unlock (&watch->lock);
  if (generation == 0)
    return;

  /* A connection made before the change may go through an interface that
   * is gone: none is reused. libcurl compares whole seconds, with '>': a
   * limit of one second less than the time since the change keeps out
   * every older connection. */
  elapsed = g_get_monotonic_time () - changed_at;
  if (elapsed < FRESH_WINDOW)
    *fresh_connection = TRUE;
  else
    *max_age = MAX (1, (long) (elapsed / G_USEC_PER_SEC) - 1);

  if (self->refreshed_hosts == NULL || self->refreshed_generation != generation)
    {
      g_clear_pointer (&self->refreshed_hosts, g_hash_table_unref);
      self->refreshed_hosts = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
      self->refreshed_generation = generation;
    }
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  key = g_strdup_printf ("%s:%d", uri && g_uri_get_host (uri) ? g_uri_get_host (uri) : url,
                         uri ? g_uri_get_port (uri) : -1);
  if (g_hash_table_add (self->refreshed_hosts, key))
    *fresh_connection = *fresh_lookup = TRUE;
}

/* network-changed emissions so far: the proxy answers are dropped on each. */
guint
_gcurl_multi_source_network_generation (GCurlMultiSource *self)
{
  GCurlNetworkWatch *watch = self->network_watch;
  guint generation;

  if (watch == NULL)
    return 0;
  g_mutex_lock (&watch->lock);
  generation = watch->generation;
  g_mutex_unlock (&watch->lock);
  return generation;
}

/**
 * gcurl_multi_source_get_network_monitor: (get-property network-monitor)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:network-monitor].
 *
 * Returns: (transfer none): the network monitor
 */
GNetworkMonitor *
gcurl_multi_source_get_network_monitor (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);

  return self->network_monitor;
}

/**
 * gcurl_multi_source_set_network_monitor: (set-property network-monitor)
 * @self: a #GCurlMultiSource
 * @monitor: (nullable): the network monitor to follow, %NULL for
 *   g_network_monitor_get_default()
 *
 * Sets [property@GCurl.MultiSource:network-monitor].
 */
void
gcurl_multi_source_set_network_monitor (GCurlMultiSource *self,
                                        GNetworkMonitor  *monitor)
{
  GNetworkMonitor *before;

  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));
  g_return_if_fail (monitor == NULL || G_IS_NETWORK_MONITOR (monitor));

  before = self->network_monitor;
  _gcurl_multi_source_watch_network (self, monitor);
  if (self->network_monitor != before)
    {
      _gcurl_multi_source_notify (self, PROP_NETWORK_MONITOR);
      _gcurl_multi_source_notify (self, PROP_NETWORK_AVAILABLE);
      _gcurl_multi_source_notify (self, PROP_NETWORK_METERED);
    }
}

/**
 * gcurl_multi_source_get_network_available: (get-property network-available)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:network-available].
 *
 * Returns: whether the network monitor sees a network
 */
gboolean
gcurl_multi_source_get_network_available (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), FALSE);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), FALSE);

  return self->network_monitor != NULL &&
         g_network_monitor_get_network_available (self->network_monitor);
}

/**
 * gcurl_multi_source_get_network_metered: (get-property network-metered)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:network-metered].
 *
 * Returns: whether the network is metered
 */
gboolean
gcurl_multi_source_get_network_metered (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), FALSE);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), FALSE);

  return self->network_monitor != NULL &&
         g_network_monitor_get_network_metered (self->network_monitor);
}
