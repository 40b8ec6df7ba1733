/* gcurl-multi-source-accessors.c: the getters and setters of a source's
 * properties, and the multi options they set
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gcurl-multi-source-internal.h"

/* ---------------------------------------------------------------------- */
/* Options                                                                 */

/* Applies the options whose properties changed, and only those: callers of
 * gcurl_multi_source_get_multi() may have set the others themselves. */
void
_gcurl_multi_source_apply_options (GCurlMultiSource *self)
{
  struct {
    guint       prop_id;
    CURLMoption option;
    long        value;
  } opts[] = {
    { PROP_MAX_TOTAL_CONNECTIONS, CURLMOPT_MAX_TOTAL_CONNECTIONS, self->max_total_connections },
    { PROP_MAX_HOST_CONNECTIONS, CURLMOPT_MAX_HOST_CONNECTIONS, self->max_host_connections },
    { PROP_MAX_CONCURRENT_STREAMS, CURLMOPT_MAX_CONCURRENT_STREAMS, self->max_concurrent_streams },
    { PROP_MAX_CONNECTS, CURLMOPT_MAXCONNECTS, self->max_connects },
    { PROP_MULTIPLEXING, CURLMOPT_PIPELINING,
      self->multiplexing ? CURLPIPE_MULTIPLEX : CURLPIPE_NOTHING },
#if LIBCURL_VERSION_NUM >= 0x081000
    /* Not an option but a trigger, after the network changed (libcurl
     * 8.16; neither Debian 12 nor 13 has it: gcurl-multi-source-network.c
     * does without it). */
    { PROP_NETWORK_MONITOR, CURLMOPT_NETWORK_CHANGED, CURLMNWC_CLEAR_CONNS | CURLMNWC_CLEAR_DNS },
#endif
  };

  /* Not yet constructed, or inside curl's callbacks, where
   * curl_multi_setopt() is forbidden: later. */
  if (self->multi == NULL || self->action_depth > 0)
    return;

  for (guint i = 0; i < G_N_ELEMENTS (opts); i++)
    {
      CURLMcode mc;

      if ((self->dirty_options & (1u << opts[i].prop_id)) == 0)
        continue;

      mc = curl_multi_setopt (self->multi, opts[i].option, opts[i].value);
      if (mc != CURLM_OK)
        g_warning ("curl_multi_setopt(%d) failed: %s", (int) opts[i].option,
                   curl_multi_strerror (mc));
    }
  self->dirty_options = 0;
}

void
_gcurl_multi_source_set_int_option (GCurlMultiSource *self,
                                    int              *field,
                                    int               value,
                                    guint             prop_id)
{
  if (*field == value)
    return;

  *field = value;
  self->dirty_options |= 1u << prop_id;
  _gcurl_multi_source_apply_options (self);
  _gcurl_multi_source_notify (self, prop_id);
}

/**
 * gcurl_multi_source_get_context:
 * @self: a #GCurlMultiSource
 *
 * Gets the main context that runs this source's callbacks and signals.
 *
 * Returns: (transfer none): the main context
 */
GMainContext *
gcurl_multi_source_get_context (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);

  return self->context;
}

/**
 * gcurl_multi_source_get_running_handles: (get-property running-handles)
 * @self: a #GCurlMultiSource
 *
 * Gets the number of transfers libcurl reported as running after the last
 * action.
 *
 * Returns: the number of running transfers
 */
int
gcurl_multi_source_get_running_handles (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), 0);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), 0);

  return self->running_handles;
}

/**
 * gcurl_multi_source_get_progress:
 * @self: a #GCurlMultiSource
 * @bytes_received: (out) (optional): the body bytes the source's
 *   transfers have so far
 * @total_bytes: (out) (optional): the sum of their sizes, -1 while one of
 *   them is unknown
 * @n_running: (out) (optional): the transfers that sent their request
 *   (paused ones included)
 * @n_queued: (out) (optional): the transfers still waiting for a
 *   connection: for a connection limit, or while one is set up
 *
 * Gets the progress of the [class@GCurl.Transfer]s running on this
 * source, all together: for a window's title or a status line. Handles
 * added with [method@GCurl.MultiSource.add_handle] do not count. It walks
 * the transfers: call it on a timer, not for every change.
 */
void
gcurl_multi_source_get_progress (GCurlMultiSource *self,
                                 gint64           *bytes_received,
                                 gint64           *total_bytes,
                                 guint            *n_running,
                                 guint            *n_queued)
{
  GHashTableIter iter;
  gpointer value;
  gint64 received = 0, total = 0;
  guint running = 0, queued = 0;

  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  g_hash_table_iter_init (&iter, self->handles);
  while (g_hash_table_iter_next (&iter, NULL, &value))
    {
      HandleEntry *entry = value;
      GCurlTransfer *transfer = entry->ops->transfer (entry->data);
      curl_off_t pretransfer = 0;
      gint64 size, got;

      if (transfer == NULL)
        continue;
      got = gcurl_transfer_get_bytes_received (transfer);
      received += got;
      size = gcurl_transfer_get_total_bytes (transfer);
      total = (total < 0 || size < 0) ? -1 : total + size;
      /* A response that began is running, whatever the timers say: one
       * CI run on libcurl 8.14 counted a transfer with body bytes as
       * queued, its pre-transfer time still reading 0. */
      if (entry->in_multi &&
          (got > 0 || gcurl_transfer_get_response_code (transfer) != 0 ||
           (curl_easy_getinfo (entry->easy, CURLINFO_PRETRANSFER_TIME_T, &pretransfer) == CURLE_OK &&
            pretransfer > 0)))
        running++;
      else
        queued++;
    }

  if (bytes_received != NULL)
    *bytes_received = received;
  if (total_bytes != NULL)
    *total_bytes = total;
  if (n_running != NULL)
    *n_running = running;
  if (n_queued != NULL)
    *n_queued = queued;
}

/**
 * gcurl_multi_source_get_max_total_connections: (get-property max-total-connections)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:max-total-connections].
 *
 * Returns: the limit, 0 for none
 */
int
gcurl_multi_source_get_max_total_connections (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), 0);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), 0);

  return self->max_total_connections;
}

/**
 * gcurl_multi_source_set_max_total_connections: (set-property max-total-connections)
 * @self: a #GCurlMultiSource
 * @max_total_connections: the limit, 0 for none
 *
 * Sets [property@GCurl.MultiSource:max-total-connections].
 */
void
gcurl_multi_source_set_max_total_connections (GCurlMultiSource *self,
                                               int               max_total_connections)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));
  g_return_if_fail (max_total_connections >= 0);

  _gcurl_multi_source_set_int_option (self, &self->max_total_connections, max_total_connections,
                                      PROP_MAX_TOTAL_CONNECTIONS);
}

/**
 * gcurl_multi_source_get_max_host_connections: (get-property max-host-connections)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:max-host-connections].
 *
 * Returns: the limit, 0 for none
 */
int
gcurl_multi_source_get_max_host_connections (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), 0);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), 0);

  return self->max_host_connections;
}

/**
 * gcurl_multi_source_set_max_host_connections: (set-property max-host-connections)
 * @self: a #GCurlMultiSource
 * @max_host_connections: the limit, 0 for none
 *
 * Sets [property@GCurl.MultiSource:max-host-connections].
 */
void
gcurl_multi_source_set_max_host_connections (GCurlMultiSource *self,
                                              int               max_host_connections)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));
  g_return_if_fail (max_host_connections >= 0);

  _gcurl_multi_source_set_int_option (self, &self->max_host_connections, max_host_connections,
                                      PROP_MAX_HOST_CONNECTIONS);
}

/**
 * gcurl_multi_source_get_max_concurrent_streams: (get-property max-concurrent-streams)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:max-concurrent-streams].
 *
 * Returns: the most HTTP/2 streams per connection
 */
int
gcurl_multi_source_get_max_concurrent_streams (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), 0);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), 0);

  return self->max_concurrent_streams;
}

/**
 * gcurl_multi_source_set_max_concurrent_streams: (set-property max-concurrent-streams)
 * @self: a #GCurlMultiSource
 * @max_concurrent_streams: the most HTTP/2 streams per connection, at least 1
 *
 * Sets [property@GCurl.MultiSource:max-concurrent-streams].
 */
void
gcurl_multi_source_set_max_concurrent_streams (GCurlMultiSource *self,
                                                int               max_concurrent_streams)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));
  g_return_if_fail (max_concurrent_streams >= 1);

  _gcurl_multi_source_set_int_option (self, &self->max_concurrent_streams, max_concurrent_streams,
                                      PROP_MAX_CONCURRENT_STREAMS);
}

/**
 * gcurl_multi_source_get_multiplexing: (get-property multiplexing)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:multiplexing].
 *
 * Returns: whether HTTP/2 transfers to one host share a connection
 */
gboolean
gcurl_multi_source_get_multiplexing (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), FALSE);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), FALSE);

  return self->multiplexing;
}

/**
 * gcurl_multi_source_set_multiplexing: (set-property multiplexing)
 * @self: a #GCurlMultiSource
 * @multiplexing: whether HTTP/2 transfers to one host share a connection
 *
 * Sets [property@GCurl.MultiSource:multiplexing].
 */
void
gcurl_multi_source_set_multiplexing (GCurlMultiSource *self,
                                      gboolean          multiplexing)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  _gcurl_multi_source_set_int_option (self, &self->multiplexing, !!multiplexing, PROP_MULTIPLEXING);
}

/**
 * gcurl_multi_source_get_max_connects: (get-property max-connects)
 * @self: a #GCurlMultiSource
 *
 * Gets [property@GCurl.MultiSource:max-connects].
 *
 * Returns: the size of the idle connection pool, 0 for libcurl's default
 */
int
gcurl_multi_source_get_max_connects (GCurlMultiSource *self)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), 0);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), 0);

  return self->max_connects;
}

/**
 * gcurl_multi_source_set_max_connects: (set-property max-connects)
 * @self: a #GCurlMultiSource
 * @max_connects: the size of the idle connection pool, 0 for libcurl's default
 *
 * Sets [property@GCurl.MultiSource:max-connects].
 */
void
gcurl_multi_source_set_max_connects (GCurlMultiSource *self,
                                      int               max_connects)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));
  g_return_if_fail (max_connects >= 0);

  _gcurl_multi_source_set_int_option (self, &self->max_connects, max_connects, PROP_MAX_CONNECTS);
}
