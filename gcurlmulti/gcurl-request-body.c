/* gcurl-request-body.c: a transfer's request body: bytes or a stream,
 * read ahead asynchronously, seek and rewind
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-filename-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-transfer-internal.h"

typedef struct
{
  GCurlTransfer *self;
  GCancellable  *cancellable;   /* the run's: identifies it */
} PendingRead;

static void
read_ready_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  PendingRead *pending = data;
  g_autoptr(GCurlTransfer) self = pending->self;
  g_autoptr(GCancellable) cancellable = pending->cancellable;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  g_free (pending);
  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);

  /* The read of a run that is over. */
  if (cancellable != self->body.read_cancellable || g_cancellable_is_cancelled (cancellable))
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      return;
    }

  self->body.reading = FALSE;
  if (bytes == NULL)
    self->body.read_error = g_steal_pointer (&error);
  else if (g_bytes_get_size (bytes) == 0)
    {
      self->body.read_eof = TRUE;
      g_bytes_unref (bytes);
    }
  else
    {
      g_clear_pointer (&self->body.read_chunk, g_bytes_unref);
      self->body.read_chunk = bytes;
      self->body.read_pos = 0;
    }

  if (self->body.read_waiting && _gcurl_transfer_is_active (self))
    {
      self->body.read_waiting = FALSE;
      _gcurl_transfer_apply_pause (self);
    }
}

size_t
_gcurl_transfer_read_cb (char   *buffer,
                         size_t  size,
                         size_t  nitems,
                         void   *data)
{
  GCurlTransfer *self = data;
  gsize want = size * nitems;

  /* Paused (see _gcurl_transfer_apply_pause()): curl asks again on resume. */
  if (self->state == GCURL_TRANSFER_STATE_PAUSED)
    return CURL_READFUNC_PAUSE;

  if (self->body.body_bytes != NULL)
    {
      gsize total;
      const guint8 *p = g_bytes_get_data (self->body.body_bytes, &total);
      gsize n = MIN (want, total - self->body.body_pos);

      if (n > 0)
        memcpy (buffer, p + self->body.body_pos, n);
      self->body.body_pos += n;
      return n;
    }

  if (self->body.body_stream == NULL)
    return 0;

  if (self->body.read_error != NULL)
    return CURL_READFUNC_ABORT;

  if (self->body.read_chunk != NULL)
    {
      gsize total;
      const guint8 *p = g_bytes_get_data (self->body.read_chunk, &total);
      gsize n = MIN (want, total - self->body.read_pos);

      memcpy (buffer, p + self->body.read_pos, n);
      self->body.read_pos += n;
      if (self->body.read_pos == total)
        g_clear_pointer (&self->body.read_chunk, g_bytes_unref);
      return n;
    }

  if (self->body.read_eof)
    return 0;

  /* Nothing buffered: read on without blocking the main loop, and pause
   * the upload until the data is there. */
  if (!self->body.reading)
    {
      PendingRead *pending = g_new0 (PendingRead, 1);

      pending->self = g_object_ref (self);
      pending->cancellable = g_object_ref (self->body.read_cancellable);
      self->body.reading = TRUE;
      g_input_stream_read_bytes_async (self->body.body_stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                       self->body.read_cancellable, read_ready_cb, pending);
    }
  self->body.read_waiting = TRUE;
  return CURL_READFUNC_PAUSE;
}

int
_gcurl_transfer_seek_cb (void       *data,
                         curl_off_t  offset,
                         int         origin)
{
  GCurlTransfer *self = data;

  if (origin != SEEK_SET)
    return CURL_SEEKFUNC_CANTSEEK;

  if (self->body.body_bytes != NULL)
    {
      if (offset < 0 || (gsize) offset > g_bytes_get_size (self->body.body_bytes))
        return CURL_SEEKFUNC_FAIL;
      self->body.body_pos = (gsize) offset;
      return CURL_SEEKFUNC_OK;
    }

  /* A stream is read ahead asynchronously; rewinding it is only possible
   * before the first read. */
  if (offset == 0 && !self->body.reading && self->body.read_chunk == NULL && !self->body.read_eof &&
      self->response.bytes_sent == 0)
    return CURL_SEEKFUNC_OK;

  return CURL_SEEKFUNC_CANTSEEK;
}

static void
clear_body (GCurlTransfer *self)
{
  g_clear_object (&self->body.form);
  g_clear_pointer (&self->body.body_bytes, g_bytes_unref);
  g_clear_object (&self->body.body_stream);
  g_clear_pointer (&self->body.body_content_type, g_free);
  self->body.body_length = -1;
  self->body.body_stream_used = FALSE;
}

/**
 * gcurl_transfer_set_request_body_bytes:
 * @self: a #GCurlTransfer
 * @body: (nullable): the request body, or %NULL for none
 * @content_type: (nullable): its `Content-Type`
 *
 * Sets the request body for the next run. Without a
 * [property@GCurl.Transfer:method], a body makes the request a `POST`.
 */
void
gcurl_transfer_set_request_body_bytes (GCurlTransfer *self,
                                       GBytes        *body,
                                       const char    *content_type)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (content_type == NULL || _gcurl_header_value_valid (content_type));

  clear_body (self);
  if (body != NULL)
    {
      self->body.body_bytes = g_bytes_ref (body);
      self->body.body_content_type = g_strdup (content_type);
    }
}

/**
 * gcurl_transfer_set_request_body_form:
 * @self: a #GCurlTransfer
 * @form: (nullable): the form to send, or %NULL for no body
 *
 * Sets a `multipart/form-data` body for the next run, with its
 * `Content-Type` and boundary. Without a [property@GCurl.Transfer:method],
 * it makes the request a `POST`. A file of the form that cannot be looked
 * at when the run starts fails it; one that fails to read fails it with
 * %GCURL_ERROR_READ. [property@GCurl.Transfer:bytes-sent] and
 * [property@GCurl.Transfer:total-bytes-to-send] count the whole request
 * body, part heads included.
 */
void
gcurl_transfer_set_request_body_form (GCurlTransfer *self,
                                      GCurlForm     *form)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (form == NULL || GCURL_IS_FORM (form));

  clear_body (self);
  if (form != NULL)
    self->body.form = g_object_ref (form);
}

/**
 * gcurl_transfer_set_request_body_stream:
 * @self: a #GCurlTransfer
 * @stream: the request body
 * @length: its length in bytes, or -1 if unknown (the body is then sent in
 *   chunks, which HTTP/1.1 servers must accept)
 * @content_type: (nullable): its `Content-Type`
 *
 * Sets a request body read from @stream, asynchronously, as the upload
 * goes. Without a [property@GCurl.Transfer:method], a body makes the
 * request a `POST`. A stream can be sent once; a transfer run again
 * rewinds it if it is seekable, and fails with %GCURL_ERROR_READ if not.
 * A failing read fails the transfer with %GCURL_ERROR_READ.
 */
void
gcurl_transfer_set_request_body_stream (GCurlTransfer *self,
                                        GInputStream  *stream,
                                        gint64         length,
                                        const char    *content_type)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (G_IS_INPUT_STREAM (stream));
  g_return_if_fail (length >= -1);
  g_return_if_fail (content_type == NULL || _gcurl_header_value_valid (content_type));

  clear_body (self);
  self->body.body_stream = g_object_ref (stream);
  self->body.body_length = length;
  self->body.body_content_type = g_strdup (content_type);
}
