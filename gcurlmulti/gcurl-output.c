/* gcurl-output.c: where a transfer's response body goes: memory, a file
 * through its .part, a stream or a signal
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gcurl-body-stream-private.h"
#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-filename-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-transfer-internal.h"

static gboolean
body_buffer_reserve (BodyBuffer *b,
                     gsize       want,
                     gboolean    exact)
{
  guint8 *data;
  gsize size;

  if (want <= b->size)
    return TRUE;
  size = exact ? want : MAX (b->size, 4096);
  while (size < want)
    size = size > G_MAXSIZE / 2 ? want : size * 2;
  data = g_try_realloc (b->data, size);
  if (data == NULL && size > want)
    data = g_try_realloc (b->data, size = want);
  if (data == NULL)
    return FALSE;
  b->data = data;
  b->size = size;
  return TRUE;
}

static gboolean
body_buffer_append (BodyBuffer *b,
                    const char *p,
                    gsize       n)
{
  if (n > G_MAXSIZE - b->len || !body_buffer_reserve (b, b->len + n, FALSE))
    return FALSE;
  memcpy (b->data + b->len, p, n);
  b->len += n;
  return TRUE;
}

void
_gcurl_transfer_body_buffer_clear (BodyBuffer *b)
{
  g_clear_pointer (&b->data, g_free);
  b->len = b->size = 0;
}

static GBytes *
body_buffer_steal (BodyBuffer *b)
{
  guint8 *data = b->data;
  gsize len = b->len;

  /* Give back what growing by doubling left over, when it is much (glibc
   * shrinks in place). Not a little: a 100 KiB body grown to 128 KiB is
   * mapped (glibc's mmap threshold), and shrunk and freed it set the
   * threshold below the next one's 128 KiB, so that every body was mapped
   * and faulted in again. */
  if (b->size - len > 64 * 1024)
    {
      guint8 *shrunk = g_try_realloc (data, MAX (len, 1));

      if (shrunk != NULL)
        data = shrunk;
    }
  b->data = NULL;
  b->len = b->size = 0;
  return g_bytes_new_take (data, len);
}

/* Whether libcurl decodes this body (a Content-Encoding it was asked to
 * accept, or with libcurl 7.88 a Transfer-Encoding
 * gzip or deflate it decodes unasked), so that what arrives is not what
 * Content-Length counts. */
gboolean
_gcurl_transfer_body_is_decoded (GCurlTransfer *self)
{
  const char *ce, *te;

  /* Asked for by accept-encoding, or by C code through the handle. */
  if (self->sink.decoding || self->handle_exposed)
    {
      ce = gcurl_transfer_get_response_header (self, "Content-Encoding");
      if (ce != NULL && ce[0] != '\0' && g_ascii_strcasecmp (ce, "identity") != 0)
        return TRUE;
    }
  te = gcurl_transfer_get_response_header (self, "Transfer-Encoding");
  return te != NULL && (strstr (te, "gzip") != NULL || strstr (te, "deflate") != NULL);
}

/* On the first byte of the body: the response's head is complete. */
static void
check_response (GCurlTransfer *self)
{
  guint code;

  self->response.checked_response = TRUE;

  _gcurl_transfer_freeze (self);

  code = _gcurl_transfer_read_response_head (self);
  if (self->request.fail_on_http_error && self->sink.pull == NULL && code >= 400)
    self->sink.error_body = TRUE;
  /* sink.decoded: known at the head's end (_gcurl_transfer_header_cb()). */
  if (self->sink.decoded)   /* what a progress report between head and body set */
    _gcurl_transfer_set_int64 (self, &self->response.total_bytes, -1, PROP_TOTAL_BYTES);

  /* Memory output: room for the announced body, up to MAX_PRESIZE, rather
   * than growing (and copying) it from nothing; within max-size. */
  if (self->sink.output == GCURL_OUTPUT_MEMORY && !self->sink.error_body && self->sink.buffer.len == 0)
    {
      gint64 length = _gcurl_transfer_info_off (self->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, -1);

      /* Exactly: a 100 KiB body rounded up to 128 KiB by doubling crossed
       * glibc's mmap threshold, and every body was mapped, faulted in and
       * unmapped (W3 c=100 cost 4.7 times the raw loop instead of 1.2).
       * Failing is fine: growing says whether memory runs out. */
      if (length > 0 && (self->request.max_size == 0 || length <= self->request.max_size))
        body_buffer_reserve (&self->sink.buffer, (gsize) MIN (length, MAX_PRESIZE), TRUE);
    }

  _gcurl_transfer_update_progress (self);
  _gcurl_transfer_thaw (self);
}

size_t
_gcurl_transfer_write_cb (char   *ptr,
                          size_t  size,
                          size_t  nmemb,
                          void   *data)
{
  GCurlTransfer *self = data;
  gsize len = size * nmemb;

  /* cancel() from a handler during this action: no more data. */
  if (self->cancelling)
    return 0;

  /* Paused: from a handler during this action, before curl could pause
   * it, or by this callback on libcurl 8.9 and later
   * (_gcurl_transfer_apply_pause()). curl keeps this chunk and hands it
   * over again on resume. */
  if (self->state == GCURL_TRANSFER_STATE_PAUSED)
    return CURL_WRITEFUNC_PAUSE;

  if (self->sink.pace_rate > 0 && !_gcurl_transfer_pace_allows (self, len))
    return CURL_WRITEFUNC_PAUSE;

  if (!self->response.checked_response)
    {
      check_response (self);
      if (self->sink.pull != NULL)
        _gcurl_transfer_pull_head (self);
    }

  /* libcurl 7.88 checks CURLOPT_MAXFILESIZE_LARGE only against a
   * Content-Length; count here too, error bodies included. */
  if (self->request.max_size > 0 && self->sink.offset + self->sink.received + (gint64) len > self->request.max_size)
    {
      self->sink.too_large = TRUE;
      return 0;
    }

  if (self->sink.error_body)
    {
      gsize keep = MIN (len, MAX_ERROR_BODY - MIN (self->sink.buffer.len, MAX_ERROR_BODY));

      if (!body_buffer_append (&self->sink.buffer, ptr, keep))
        {
          self->sink.out_of_memory = TRUE;
          return 0;
        }
      self->sink.received += len;
      return len;
    }

  if (self->sink.pull != NULL)
    {
      gboolean closed;

      if (!_gcurl_body_stream_push (self->sink.pull, ptr, len, &closed))
        return CURL_WRITEFUNC_PAUSE;
      /* The reader closed the stream: the rest is not wanted. */
      if (closed)
        {
          gcurl_transfer_cancel (self);
          return 0;
        }
      self->sink.received += len;
      return len;
    }

  switch (self->sink.output)
    {
    case GCURL_OUTPUT_MEMORY:
      if (!body_buffer_append (&self->sink.buffer, ptr, len))
        {
          self->sink.out_of_memory = TRUE;
          return 0;
        }
      break;

    case GCURL_OUTPUT_FILE:
      if (self->sink.part == NULL)   /* disposed while running */
        return 0;
      if (!_gcurl_part_file_write (self->sink.part, ptr, len, &self->sink.write_error))
        return 0;
      /* The whole announced body is in: no descriptor held until libcurl
       * says the transfer is done, which may be many transfers later
       * (doc/design.md, "The download folder"). */
      if (self->sink.received + (gint64) len == _gcurl_transfer_info_off (self->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, -1) &&
          !_gcurl_part_file_rest (self->sink.part, &self->sink.write_error))
        return 0;
      break;

    case GCURL_OUTPUT_STREAM:
      if (self->sink.out == NULL)   /* disposed while running */
        return 0;
      if (!g_output_stream_write_all (self->sink.out, ptr, len, NULL, NULL, &self->sink.write_error))
        return 0;
      break;

    case GCURL_OUTPUT_SIGNAL:
    default:
      {
        g_autoptr(GBytes) bytes = g_bytes_new (ptr, len);

        _gcurl_transfer_emit_data_received (self, bytes);
      }
      break;
    }

  self->sink.received += len;
  return len;
}

gboolean
_gcurl_transfer_open_output (GCurlTransfer *self,
                             GError       **error)
{
  /* send_async(): the stream is the output. */
  if (self->sink.pull != NULL)
    {
      self->sink.buffering = FALSE;
      return TRUE;
    }

  switch (self->sink.output)
    {
    case GCURL_OUTPUT_FILE:
      {
        g_autoptr(GFile) parent = g_file_get_parent (self->sink.file);
        g_autofree char *path = g_file_get_path (self->sink.file);
        gint64 offset = 0;

        if (parent == NULL)
          {
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                                 "Cannot download to the root directory");
            return FALSE;
          }
        if (path == NULL)
          {
            g_autofree char *name = g_file_get_parse_name (self->sink.file);

            g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         "Cannot download to %s: not a local file (write to a "
                         "GOutputStream of your own instead)", name);
            return FALSE;
          }
        /* Opened on the first body byte (doc/design.md, "The download
         * folder"). */
        if (self->sink.name_later)
          self->sink.part = _gcurl_part_file_new_named_later (path,
                                            (self->sink.flags & GCURL_DOWNLOAD_FLAGS_RESUME) != 0,
                                            &offset, error);
        else
          self->sink.part = _gcurl_part_file_new (path,
                                            (self->sink.flags & GCURL_DOWNLOAD_FLAGS_RESUME) != 0,
                                            (self->sink.flags & GCURL_DOWNLOAD_FLAGS_REPLACE) != 0,
                                            &offset, error);
        if (self->sink.part == NULL)
          return FALSE;
        if (self->sink.flags & GCURL_DOWNLOAD_FLAGS_RESUME)
          self->sink.offset = offset;
      }
      break;

    case GCURL_OUTPUT_STREAM:
      self->sink.out = g_object_ref (self->sink.user_stream);
      break;

    case GCURL_OUTPUT_MEMORY:
    case GCURL_OUTPUT_SIGNAL:
    default:
      break;
    }
  self->sink.buffering = self->sink.output == GCURL_OUTPUT_MEMORY || self->request.fail_on_http_error;
  return TRUE;
}

static void
finish_file (GCurlTransfer *self)
{
  g_autoptr(GError) local = NULL;
  gboolean discard;

  if (self->sink.part == NULL)
    return;

  if (self->response.error == NULL)
    {
      /* A download (hold_part) verifies and names it before it is moved
       * into place. */
      if (self->sink.hold_part && _gcurl_part_file_finish_writing (self->sink.part, &local))
        {
          g_clear_pointer (&self->sink.held_part, _gcurl_part_file_free);
          self->sink.held_part = g_steal_pointer (&self->sink.part);
          return;
        }
      if (!self->sink.hold_part && _gcurl_part_file_commit (self->sink.part, &local))
        goto out;
      self->response.error = g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE,
                                 "Transfer of %s failed: cannot store the body: %s",
                                 _gcurl_transfer_shown_url (self), local->message);
    }

  /* Keep a partial download to resume, unless it was cancelled (and not
   * asked to be kept) or is empty. An HTTP error's body never went to the
   * file, and a partial it was resuming stays. */
  discard = (g_error_matches (self->response.error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
             (self->sink.flags & GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL) == 0) ||
            (self->sink.received == 0 && self->sink.offset == 0);
  _gcurl_part_file_abandon (self->sink.part, discard);

out:
  g_clear_pointer (&self->sink.part, _gcurl_part_file_free);
}

void
_gcurl_transfer_hold_part (GCurlTransfer *self,
                           gboolean       hold,
                           gboolean       name_later)
{
  self->sink.hold_part = hold;
  self->sink.name_later = name_later;
}

GCurlPartFile *
_gcurl_transfer_peek_part (GCurlTransfer *self)
{
  return self->sink.part;
}

GCurlPartFile *
_gcurl_transfer_take_held_part (GCurlTransfer *self)
{
  return g_steal_pointer (&self->sink.held_part);
}

/* The run ended: the file is moved into place or kept or discarded, a
 * stream flushed, the body in memory (the output, or an HTTP error's)
 * kept. */
void
_gcurl_transfer_close_output (GCurlTransfer *self)
{
  if (self->sink.pull != NULL)
    ;
  else if (self->sink.output == GCURL_OUTPUT_FILE)
    finish_file (self);
  else if (self->sink.output == GCURL_OUTPUT_STREAM && self->sink.out != NULL &&
           self->response.error == NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!g_output_stream_flush (self->sink.out, NULL, &local))
        self->response.error = g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE,
                                   "Transfer of %s failed: cannot store the body: %s",
                                   _gcurl_transfer_shown_url (self), local->message);
    }
  g_clear_object (&self->sink.out);

  /* The body in memory: the output, or an HTTP error's. */
  if (self->sink.buffering && (self->sink.output == GCURL_OUTPUT_MEMORY || self->sink.error_body))
    self->sink.body = body_buffer_steal (&self->sink.buffer);
  _gcurl_transfer_body_buffer_clear (&self->sink.buffer);
  self->sink.buffering = FALSE;
}

/* ---- Pull streams (send_async()) ----------------------------------------- */

void
_gcurl_transfer_set_pull (GCurlTransfer *self,
                          GInputStream  *stream,
                          GTask         *task)
{
  self->sink.pull = g_object_ref (GCURL_BODY_STREAM (stream));
  self->sink.pull_task = g_object_ref (task);
  self->sink.pull_returned = FALSE;
}

GInputStream *
_gcurl_transfer_end_pull (GCurlTransfer *self,
                          gboolean      *returned)
{
  GCurlBodyStream *stream = g_steal_pointer (&self->sink.pull);

  *returned = self->sink.pull_returned;
  g_clear_object (&self->sink.pull_task);
  self->sink.pull_returned = FALSE;
  return G_INPUT_STREAM (stream);
}

typedef struct
{
  GTask        *task;
  GInputStream *stream;
} HeadReturn;

static void
head_return_free (gpointer data)
{
  HeadReturn *h = data;

  g_object_unref (h->task);
  g_object_unref (h->stream);
  g_free (h);
}

static gboolean
return_pull_cb (gpointer data)
{
  HeadReturn *h = data;

  g_task_return_pointer (h->task, g_object_ref (h->stream), g_object_unref);
  return G_SOURCE_REMOVE;
}

/* The head is in (the first body byte came): the task returns the stream,
 * from the main loop rather than from inside libcurl. */
void
_gcurl_transfer_pull_head (GCurlTransfer *self)
{
  HeadReturn *h;
  GSource *idle;

  if (self->sink.pull_returned)
    return;
  self->sink.pull_returned = TRUE;
  h = g_new (HeadReturn, 1);
  h->task = g_object_ref (self->sink.pull_task);
  h->stream = G_INPUT_STREAM (g_object_ref (self->sink.pull));
  idle = g_idle_source_new ();
  g_source_set_priority (idle, g_task_get_priority (h->task));
  g_source_set_static_name (idle, "[gcurl] send_async() head");
  g_source_set_callback (idle, return_pull_cb, h, head_return_free);
  g_source_attach (idle, g_task_get_context (h->task));
  g_source_unref (idle);
}

void
_gcurl_transfer_pull_drained (GCurlTransfer *self,
                              GInputStream  *stream)
{
  if (self->sink.pull == (gpointer) stream && self->state == GCURL_TRANSFER_STATE_RUNNING &&
      self->source != NULL)
    _gcurl_transfer_apply_pause (self);
}

void
_gcurl_transfer_pull_closed (GCurlTransfer *self,
                             GInputStream  *stream)
{
  if (self->sink.pull == (gpointer) stream && _gcurl_transfer_is_active (self))
    gcurl_transfer_cancel (self);
}

/* ---- Public API ---------------------------------------------------------- */

static void
set_output (GCurlTransfer *self,
            GCurlOutput    output)
{
  g_clear_object (&self->sink.file);
  g_clear_object (&self->sink.user_stream);
  self->sink.flags = GCURL_DOWNLOAD_FLAGS_NONE;
  if (self->sink.output != output)
    {
      self->sink.output = output;
      _gcurl_transfer_notify (self, PROP_OUTPUT);
    }
}

/**
 * gcurl_transfer_get_output: (get-property output)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:output], where the response body goes.
 *
 * Returns: the output
 */
GCurlOutput
gcurl_transfer_get_output (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), GCURL_OUTPUT_MEMORY);

  return self->sink.output;
}

/**
 * gcurl_transfer_set_output_memory:
 * @self: a #GCurlTransfer
 *
 * Keeps the response body in memory, as [method@GCurl.Transfer.get_body]
 * returns it: the default.
 */
void
gcurl_transfer_set_output_memory (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  set_output (self, GCURL_OUTPUT_MEMORY);
}

/**
 * gcurl_transfer_set_output_file:
 * @self: a #GCurlTransfer
 * @file: the destination
 * @flags: whether to resume a partial download and whether to replace an
 *   existing @file
 *
 * Writes the response body to @file. The body is written to a sibling of
 * @file named like it with `.part` appended, which is renamed to @file only
 * when the transfer succeeds. Without %GCURL_DOWNLOAD_FLAGS_REPLACE the
 * transfer fails at once with %G_IO_ERROR_EXISTS if @file exists, and the
 * final rename fails if it appeared meanwhile. A second transfer to the
 * same @file while one runs fails at once with %G_IO_ERROR_BUSY. With
 * %GCURL_DOWNLOAD_FLAGS_RESUME an existing partial file is continued with
 * a Range request (a server that cannot serve one fails the transfer with
 * %GCURL_ERROR_PROTOCOL, and the partial file stays). A cancelled download
 * deletes its partial file, unless @flags has
 * %GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL.
 *
 * The folder is treated as hostile. Nothing is written through a link: a
 * symbolic link, a FIFO, a device or a directory at the `.part` name (or,
 * to resume, a file with other hard links) fails the transfer at once with
 * %G_IO_ERROR_NOT_REGULAR_FILE, naming it, and one put there after the
 * start fails it with %GCURL_ERROR_WRITE. The `.part` file is opened when
 * the first byte of the body arrives, so queued transfers hold no file
 * descriptor; an old one is replaced (never written into) at that moment
 * unless resuming. A name and its `.part` are reserved together, so a
 * transfer to `x` and one to `x.part` cannot run at once. @file must be a
 * local file (one with a path); otherwise the transfer fails with
 * %G_IO_ERROR_NOT_SUPPORTED.
 */
void
gcurl_transfer_set_output_file (GCurlTransfer      *self,
                                GFile              *file,
                                GCurlDownloadFlags  flags)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  set_output (self, GCURL_OUTPUT_FILE);
  self->sink.file = g_object_ref (file);
  self->sink.flags = flags;
}

/**
 * gcurl_transfer_get_output_file:
 * @self: a #GCurlTransfer
 *
 * Gets the destination of [method@GCurl.Transfer.set_output_file].
 *
 * Returns: (transfer none) (nullable): the file, or %NULL if the output is
 *   not a file
 */
GFile *
gcurl_transfer_get_output_file (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->sink.file;
}

/**
 * gcurl_transfer_set_output_stream:
 * @self: a #GCurlTransfer
 * @stream: where to write the body
 *
 * Writes the response body to @stream, synchronously as it arrives; the
 * stream is flushed at the end and not closed. A failing write fails the
 * transfer with %GCURL_ERROR_WRITE.
 */
void
gcurl_transfer_set_output_stream (GCurlTransfer *self,
                                  GOutputStream *stream)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  set_output (self, GCURL_OUTPUT_STREAM);
  self->sink.user_stream = g_object_ref (stream);
}

/**
 * gcurl_transfer_set_output_signal:
 * @self: a #GCurlTransfer
 *
 * Hands the response body out in pieces through
 * [signal@GCurl.Transfer::data-received] and keeps none of it.
 */
void
gcurl_transfer_set_output_signal (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (_gcurl_transfer_in_its_thread (self));
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  set_output (self, GCURL_OUTPUT_SIGNAL);
}

/**
 * gcurl_transfer_get_body:
 * @self: a #GCurlTransfer
 *
 * Gets the response body of the last run, once it finished: with memory
 * output the body (what arrived, if the transfer failed), and with any
 * output the body of a response that failed with
 * %GCURL_ERROR_HTTP_STATUS (up to 1 MiB).
 *
 * Returns: (transfer none) (nullable): the body, or %NULL
 */
GBytes *
gcurl_transfer_get_body (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->sink.body;
}
