/* gcurl-run.c: one run of a transfer by a source: its task, its
 * cancellation, the order in which it ends; the GTask API over it
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include "gcurl-download.h"

#include "gcurl-body-stream-private.h"
#include "gcurl-error-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-run-private.h"
#include "gcurl-transfer-private.h"

/* The link from a task's #GCancellable to its transfer. Not a
 * GCancellableSource: GLib 2.74 leaks one destroyed while another thread
 * is still inside g_cancellable_cancel() (it resurrects the source for a
 * handler that has already run; ASan caught it). */
typedef struct _CancelLink
{
  gatomicrefcount  ref;
  GCancellable    *cancellable;
  gulong           handler;
  GMainContext    *context;
  GCurlTransfer   *transfer;   /* NULL once the run is over; the context's thread only */
} CancelLink;

static CancelLink *
cancel_link_ref (CancelLink *link)
{
  g_atomic_ref_count_inc (&link->ref);
  return link;
}

static void
cancel_link_unref (CancelLink *link)
{
  if (!g_atomic_ref_count_dec (&link->ref))
    return;
  g_object_unref (link->cancellable);
  g_main_context_unref (link->context);
  g_free (link);
}

static gboolean
cancel_link_dispatch (gpointer data)
{
  CancelLink *link = data;

  if (link->transfer != NULL)
    gcurl_transfer_cancel (link->transfer);
  return G_SOURCE_REMOVE;
}

/* In whatever thread cancelled: hand the cancellation to the context. */
static void
cancel_link_cancelled (GCancellable *cancellable,
                       gpointer      data)
{
  CancelLink *link = data;
  GSource *idle = g_idle_source_new ();

  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "GCurlTransfer cancellation");
  g_source_set_callback (idle, cancel_link_dispatch, cancel_link_ref (link),
                         (GDestroyNotify) cancel_link_unref);
  g_source_attach (idle, link->context);
  g_source_unref (idle);
}

static CancelLink *
cancel_link_new (GCancellable  *cancellable,
                 GMainContext  *context,
                 GCurlTransfer *transfer)
{
  CancelLink *link = g_new0 (CancelLink, 1);

  g_atomic_ref_count_init (&link->ref);
  link->cancellable = g_object_ref (cancellable);
  link->context = g_main_context_ref (context);
  link->transfer = transfer;
  link->handler = g_cancellable_connect (cancellable, G_CALLBACK (cancel_link_cancelled),
                                         cancel_link_ref (link),
                                         (GDestroyNotify) cancel_link_unref);
  return link;
}

/* The run is over (the context's thread). */
static void
cancel_link_close (CancelLink *link)
{
  link->transfer = NULL;
  /* Waits for a handler running in another thread to return. */
  g_cancellable_disconnect (link->cancellable, link->handler);
  cancel_link_unref (link);
}

struct _GCurlRun
{
  GCurlTransfer   *transfer;      /* owned */
  GTask           *task;          /* owned */
  CancelLink      *cancel_link;   /* owned; NULL without a cancellable */
  GCurlRunReturns  returns;
  guint64          serial;        /* start order, for the transfers model */
};

GCurlTransfer *
_gcurl_run_get_transfer (GCurlRun *run)
{
  return run->transfer;
}

guint64
_gcurl_run_get_serial (GCurlRun *run)
{
  return run->serial;
}

void
_gcurl_run_end (GCurlRun         *run,
                GCurlMultiSource *source,
                CURLcode          result)
{
  GError *error = NULL;
  GBytes *body = NULL;

  if (run->cancel_link != NULL)
    cancel_link_close (run->cancel_link);

  _gcurl_transfer_complete (run->transfer, result, &error, &body);

  if (!_gcurl_multi_source_abandoned (source))
    _gcurl_multi_source_emit_done (source, _gcurl_transfer_peek_handle (run->transfer),
                                   (CURLcode) gcurl_transfer_get_curl_code (run->transfer));

  _gcurl_transfer_emit_finished (run->transfer);

  if (!_gcurl_multi_source_abandoned (source))
    _gcurl_multi_source_emit_transfer_finished (source, run->transfer);

  if (run->returns == GCURL_RUN_RETURNS_STREAM)
    {
      gboolean returned;
      g_autoptr(GInputStream) stream = _gcurl_transfer_end_pull (run->transfer, &returned);

      /* The reader gets the end, or the error, from its stream; the task
       * gets it if the run ended before any body byte. */
      _gcurl_body_stream_finish (GCURL_BODY_STREAM (stream), error);
      g_clear_pointer (&body, g_bytes_unref);
      if (returned)
        g_clear_error (&error);
      else if (error != NULL)
        g_task_return_error (run->task, error);
      else
        g_task_return_pointer (run->task, g_steal_pointer (&stream), g_object_unref);
    }
  else if (error != NULL)
    {
      g_task_return_error (run->task, error);
      g_clear_pointer (&body, g_bytes_unref);
    }
  else if (run->returns == GCURL_RUN_RETURNS_BYTES)
    g_task_return_pointer (run->task, body, (GDestroyNotify) g_bytes_unref);
  else
    {
      g_clear_pointer (&body, g_bytes_unref);
      g_task_return_boolean (run->task, TRUE);
    }
  g_object_unref (run->task);
  g_object_unref (run->transfer);
  g_free (run);
}

/* Starts @transfer on @self for a task tagged @source_tag; a run that
 * cannot start ends at once, with ::transfer-finished and the error. */
static void
start_run (GCurlMultiSource    *self,
           GCurlTransfer       *transfer,
           GCancellable        *cancellable,
           GAsyncReadyCallback  callback,
           gpointer             user_data,
           gpointer             source_tag,
           GCurlRunReturns      returns,
           int                  io_priority)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;
  gboolean pulled = FALSE;
  GCurlRun *run;

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_priority (task, io_priority);
  g_task_set_source_tag (task, source_tag);
  g_task_set_task_data (task, g_object_ref (transfer), g_object_unref);
  /* A cancelled run returns its own error ("Transfer of URL was
   * cancelled", as cancel() gives), not GTask's "Operation was
   * cancelled"; the cancellable cancels the transfer (CancelLink). */
  g_task_set_check_cancellable (task, FALSE);

  if (_gcurl_transfer_is_active (transfer))
    {
      g_autofree char *shown = _gcurl_display_url (gcurl_transfer_get_url (transfer));

      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The transfer of %s is already running", shown);
      return;
    }

  if (_gcurl_multi_source_is_closed (self))
    g_set_error_literal (&error, G_IO_ERROR, G_IO_ERROR_CLOSED,
                         "The GCurlMultiSource was disposed");
  else if (gcurl_transfer_get_url (transfer) == NULL)
    g_set_error_literal (&error, GCURL_ERROR, GCURL_ERROR_INVALID_URL,
                         "The transfer has no URL");
  else if (g_cancellable_is_cancelled (cancellable))
    error = gcurl_error_new_from_code (CURLE_ABORTED_BY_CALLBACK,
                                       gcurl_transfer_get_url (transfer), NULL);

  /* send_async(): the body goes to a stream, returned with the head. */
  if (error == NULL && returns == GCURL_RUN_RETURNS_STREAM)
    {
      g_autoptr(GCurlBodyStream) stream =
        _gcurl_body_stream_new (transfer, _gcurl_multi_source_peek_context (self));

      _gcurl_transfer_set_pull (transfer, G_INPUT_STREAM (stream), task);
      pulled = TRUE;
    }

  if (error != NULL || !_gcurl_transfer_start (transfer, self, &error))
    {
      if (pulled)
        {
          gboolean returned;

          g_object_unref (_gcurl_transfer_end_pull (transfer, &returned));
        }
      _gcurl_transfer_fail_to_start (transfer, error);
      if (!_gcurl_multi_source_is_closed (self))
        _gcurl_multi_source_emit_transfer_finished (self, transfer);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  run = g_new0 (GCurlRun, 1);
  run->transfer = g_object_ref (transfer);
  run->task = g_steal_pointer (&task);
  run->returns = returns;
  run->serial = _gcurl_multi_source_next_serial (self);
  if (cancellable != NULL)
    run->cancel_link = cancel_link_new (cancellable, _gcurl_multi_source_peek_context (self),
                                        transfer);
  _gcurl_multi_source_add_run (self, run);
}

/**
 * gcurl_multi_source_perform_async:
 * @self: a #GCurlMultiSource
 * @transfer: a transfer that is not running
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async) (closure user_data): called when the transfer has
 *   finished
 * @user_data: data for @callback
 *
 * Runs @transfer in this source's main context. Its
 * [signal@GCurl.Transfer::finished] and this source's
 * [signal@GCurl.MultiSource::transfer-finished] are emitted when it ends,
 * then @callback runs; call [method@GCurl.MultiSource.perform_finish] there.
 * The transfer is in [method@GCurl.MultiSource.get_transfers] while it runs.
 *
 * Cancelling @cancellable (from any thread) cancels the transfer, as
 * [method@GCurl.Transfer.cancel] does. A transfer that finished may be
 * performed again; one that is running makes the call fail with
 * %G_IO_ERROR_PENDING.
 */
void
gcurl_multi_source_perform_async (GCurlMultiSource    *self,
                                   GCurlTransfer       *transfer,
                                   GCancellable        *cancellable,
                                   GAsyncReadyCallback  callback,
                                   gpointer             user_data)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (GCURL_IS_TRANSFER (transfer));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  start_run (self, transfer, cancellable, callback, user_data,
             gcurl_multi_source_perform_async, GCURL_RUN_RETURNS_BOOLEAN, G_PRIORITY_DEFAULT);
}

/**
 * gcurl_multi_source_perform_finish:
 * @self: a #GCurlMultiSource
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GCurl.MultiSource.perform_async]. The transfer keeps
 * its results (status, headers, body) either way.
 *
 * Returns: %TRUE if the transfer succeeded; %FALSE with @error set if it
 *   failed (a %GCURL_ERROR) or was cancelled (%G_IO_ERROR_CANCELLED)
 */
gboolean
gcurl_multi_source_perform_finish (GCurlMultiSource  *self,
                                    GAsyncResult      *result,
                                    GError           **error)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), FALSE);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        gcurl_multi_source_perform_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gcurl_multi_source_send_async:
 * @self: a #GCurlMultiSource
 * @transfer: a transfer that is not running
 * @io_priority: the [I/O priority](iface.AsyncResult.html#io-priority) of
 *   the callback
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async) (closure user_data): called once the response
 *   head is in
 * @user_data: data for @callback
 *
 * Starts @transfer, and calls @callback once its response head is in:
 * [method@GCurl.MultiSource.send_finish] then gives a
 * [class@Gio.InputStream] to read the body from, as
 * `soup_session_send_async()` does. The head is there, whatever its status:
 * read [property@GCurl.Transfer:response-code] and the headers, and the
 * body of a 404 from the stream; [property@GCurl.Transfer:fail-on-http-error]
 * does not apply. The transfer's output is not used for this run.
 *
 * At most 256 KiB of the body wait in the stream: when the next chunk would
 * not fit, the transfer pauses, and it goes on once the reader has taken
 * half. A reader that stops holds the transfer, not memory, and the source
 * does no work for it meanwhile. Closing the stream before its end cancels
 * the transfer; an error after the head (a dropped connection, a timeout)
 * is returned by the read that reaches it.
 *
 * The stream is pollable: g_input_stream_read_async() and the functions
 * built on it (g_output_stream_splice_async(), and the `_async` loaders of
 * GdkPixbuf and json-glib) never block the source's context. A blocking
 * g_input_stream_read() may be called from another thread, where it waits
 * for data; in the source's own thread, a read that would have to wait
 * would never return (the data comes from that thread's main loop), so it
 * is a programming error: a critical, and %G_IO_ERROR_WOULD_BLOCK.
 *
 * On HTTP/2 a paused stream keeps its flow-control window open, and
 * libcurl keeps receiving into it: up to 32 MiB with libcurl 7.88, about
 * 10 MiB with 8.x, before the server is held back (the bound above is for
 * HTTP/1.1 and HTTP/3).
 */
void
gcurl_multi_source_send_async (GCurlMultiSource    *self,
                               GCurlTransfer       *transfer,
                               int                  io_priority,
                               GCancellable        *cancellable,
                               GAsyncReadyCallback  callback,
                               gpointer             user_data)
{
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (GCURL_IS_TRANSFER (transfer));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  start_run (self, transfer, cancellable, callback, user_data,
             gcurl_multi_source_send_async, GCURL_RUN_RETURNS_STREAM, io_priority);
}

/**
 * gcurl_multi_source_send_finish:
 * @self: a #GCurlMultiSource
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GCurl.MultiSource.send_async].
 *
 * Returns: (transfer full): the stream of the response body, or %NULL with
 *   @error set if the transfer failed before its head was in (a
 *   %GCURL_ERROR) or was cancelled (%G_IO_ERROR_CANCELLED)
 */
GInputStream *
gcurl_multi_source_send_finish (GCurlMultiSource  *self,
                                GAsyncResult      *result,
                                GError           **error)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        gcurl_multi_source_send_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

/**
 * gcurl_multi_source_fetch_bytes_async:
 * @self: a #GCurlMultiSource
 * @url: the URL to fetch
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async) (closure user_data): called with the result
 * @user_data: data for @callback
 *
 * Fetches @url into memory with a [class@GCurl.Transfer] of default
 * settings; call [method@GCurl.MultiSource.fetch_bytes_finish] in
 * @callback. To change settings or follow progress, create the transfer
 * yourself and use [method@GCurl.MultiSource.perform_async].
 */
void
gcurl_multi_source_fetch_bytes_async (GCurlMultiSource    *self,
                                       const char          *url,
                                       GCancellable        *cancellable,
                                       GAsyncReadyCallback  callback,
                                       gpointer             user_data)
{
  g_autoptr(GCurlTransfer) transfer = NULL;

  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  transfer = gcurl_transfer_new (url);
  start_run (self, transfer, cancellable, callback, user_data,
             gcurl_multi_source_fetch_bytes_async, GCURL_RUN_RETURNS_BYTES, G_PRIORITY_DEFAULT);
}

/**
 * gcurl_multi_source_fetch_bytes_finish:
 * @self: a #GCurlMultiSource
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GCurl.MultiSource.fetch_bytes_async].
 *
 * Returns: (transfer full): the response body, or %NULL with @error set
 */
GBytes *
gcurl_multi_source_fetch_bytes_finish (GCurlMultiSource  *self,
                                        GAsyncResult      *result,
                                        GError           **error)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), NULL);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), NULL);
  g_return_val_if_fail (g_task_is_valid (result, self), NULL);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        gcurl_multi_source_fetch_bytes_async, NULL);

  return g_task_propagate_pointer (G_TASK (result), error);
}

static void
download_done (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  g_autoptr(GTask) task = data;
  GError *error = NULL;

  if (gcurl_download_run_finish (GCURL_DOWNLOAD (object), result, &error))
    g_task_return_boolean (task, TRUE);
  else
    g_task_return_error (task, error);
}

/**
 * gcurl_multi_source_download_async:
 * @self: a #GCurlMultiSource
 * @url: the URL to download
 * @file: the destination
 * @flags: see [method@GCurl.Transfer.set_output_file]
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async) (closure user_data): called with the result
 * @user_data: data for @callback
 *
 * Downloads @url to @file: the one-call form of a [class@GCurl.Download]
 * to a file, with its defaults (one connection, no retries, a checksum
 * only where the server sends a `Repr-Digest` or `Digest`), through a
 * `.part` sibling moved into place once complete (see
 * [method@GCurl.Transfer.set_output_file]). Call
 * [method@GCurl.MultiSource.download_finish] in @callback. For progress,
 * names from the server, segments, checksums or retries, create the
 * [class@GCurl.Download] yourself.
 */
void
gcurl_multi_source_download_async (GCurlMultiSource    *self,
                                    const char          *url,
                                    GFile               *file,
                                    GCurlDownloadFlags   flags,
                                    GCancellable        *cancellable,
                                    GAsyncReadyCallback  callback,
                                    gpointer             user_data)
{
  g_autoptr(GCurlDownload) download = NULL;
  GTask *task;

  g_return_if_fail (GCURL_IS_MULTI_SOURCE (self));
  g_return_if_fail (url != NULL);
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (self));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gcurl_multi_source_download_async);
  /* The download says "cancelled" itself, once its part is dealt with. */
  g_task_set_check_cancellable (task, FALSE);
  download = gcurl_download_new_for_file (url, file);
  gcurl_download_set_flags (download, flags);
  gcurl_download_run_async (download, self, cancellable, download_done, task);
}

/**
 * gcurl_multi_source_download_finish:
 * @self: a #GCurlMultiSource
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GCurl.MultiSource.download_async].
 *
 * Returns: %TRUE if the file is in place; %FALSE with @error set otherwise
 */
gboolean
gcurl_multi_source_download_finish (GCurlMultiSource  *self,
                                     GAsyncResult      *result,
                                     GError           **error)
{
  g_return_val_if_fail (GCURL_IS_MULTI_SOURCE (self), FALSE);
  g_return_val_if_fail (_gcurl_multi_source_in_its_thread (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) ==
                        gcurl_multi_source_download_async, FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}
