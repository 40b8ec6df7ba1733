/* gcurl-body-stream.c: a response body to pull, with a bounded buffer
 * between libcurl and the reader
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * doc/design.md, "Pull streams", has the rationale. The writer is the
 * transfer's write callback, in the source's thread; the reader may be any
 * thread: the buffer and the state are under one lock.
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gcurl-body-stream-private.h"
#include "gcurl-transfer-private.h"

struct _GCurlBodyStream
{
  GInputStream   parent_instance;

  GMutex         lock;
  GCond          cond;          /* data, end, error or close */
  guint8        *buf;           /* a ring of @size bytes, grown up to */
  gsize          size, start, len;  /* GCURL_BODY_STREAM_BUFFER */
  gboolean       eof;
  GError        *error;
  gboolean       closed;        /* by the reader */
  gboolean       paused;        /* the writer was told to pause */
  GSList        *sources;       /* ReadableSource, for wake-ups */

  GCurlTransfer *transfer;      /* owned; only touched in its context */
  GMainContext  *context;       /* the source's */
  GThread       *owner;         /* the thread that iterates it */
};

static void pollable_iface_init (GPollableInputStreamInterface *iface);

G_DEFINE_FINAL_TYPE_WITH_CODE (GCurlBodyStream, _gcurl_body_stream, G_TYPE_INPUT_STREAM,
  G_IMPLEMENT_INTERFACE (G_TYPE_POLLABLE_INPUT_STREAM, pollable_iface_init))

/* ---- Back in the source's context --------------------------------------- */

static gboolean
drained_cb (gpointer data)
{
  GCurlBodyStream *self = data;

  _gcurl_transfer_pull_drained (self->transfer, G_INPUT_STREAM (self));
  return G_SOURCE_REMOVE;
}

static gboolean
closed_cb (gpointer data)
{
  GCurlBodyStream *self = data;

  _gcurl_transfer_pull_closed (self->transfer, G_INPUT_STREAM (self));
  return G_SOURCE_REMOVE;
}

/* The transfer is its context's: what the reader did is told there. */
static void
post (GCurlBodyStream *self,
      GSourceFunc      func)
{
  g_main_context_invoke_full (self->context, G_PRIORITY_DEFAULT, func,
                              g_object_ref (self), g_object_unref);
}

/* ---- The buffer ----------------------------------------------------------- */

/* With the lock held. */
static gboolean
readable_locked (GCurlBodyStream *self)
{
  return self->len > 0 || self->eof || self->error != NULL || self->closed;
}

static void
wake_locked (GCurlBodyStream *self)
{
  g_cond_broadcast (&self->cond);
  for (GSList *l = self->sources; l != NULL; l = l->next)
    {
      GMainContext *context = g_source_get_context (l->data);

      if (context != NULL)
        g_main_context_wakeup (context);
    }
}

/* Takes up to @count bytes, with the lock held. TRUE when the writer is
 * to go on: it was paused and half the buffer is free. */
static gboolean
take_locked (GCurlBodyStream *self,
             guint8          *out,
             gsize            count,
             gsize           *taken)
{
  gsize n = MIN (count, self->len);
  gsize first = MIN (n, self->size - self->start);

  memcpy (out, self->buf + self->start, first);
  memcpy (out + first, self->buf, n - first);
  self->start = n == 0 ? self->start : (self->start + n) % self->size;
  self->len -= n;
  if (self->len == 0)
    self->start = 0;
  *taken = n;

  if (self->paused && self->len <= GCURL_BODY_STREAM_BUFFER / 2)
    {
      self->paused = FALSE;
      return TRUE;
    }
  return FALSE;
}

gboolean
_gcurl_body_stream_push (GCurlBodyStream *self,
                         const char      *data,
                         gsize            len,
                         gboolean        *closed)
{
  gsize end, first;

  g_mutex_lock (&self->lock);
  *closed = self->closed;
  if (self->closed)
    {
      g_mutex_unlock (&self->lock);
      return TRUE;
    }
  /* Full: the writer waits. A chunk larger than the whole buffer
   * (libcurl's are at most 16 KiB, decoded ones too) still goes into an
   * empty one. */
  if (self->len > 0 && self->len + len > GCURL_BODY_STREAM_BUFFER)
    {
      self->paused = TRUE;
      g_mutex_unlock (&self->lock);
      return FALSE;
    }
  /* Grown as needed: a reader that keeps up never needs more than a
   * chunk or two. */
  if (self->len + len > self->size)
    {
      gsize size = MAX (MAX (self->size * 2, 16 * 1024), self->len + len);
      guint8 *bigger;
      gsize head;

      size = MAX (MIN (size, GCURL_BODY_STREAM_BUFFER), self->len + len);
      bigger = g_malloc (size);
      head = MIN (self->len, self->size - self->start);
      if (self->len > 0)
        {
          memcpy (bigger, self->buf + self->start, head);
          memcpy (bigger + head, self->buf, self->len - head);
        }
      g_free (self->buf);
      self->buf = bigger;
      self->size = size;
      self->start = 0;
    }

  end = (self->start + self->len) % self->size;
  first = MIN (len, self->size - end);
  memcpy (self->buf + end, data, first);
  memcpy (self->buf, data + first, len - first);
  self->len += len;
  wake_locked (self);
  g_mutex_unlock (&self->lock);
  return TRUE;
}

void
_gcurl_body_stream_finish (GCurlBodyStream *self,
                           const GError    *error)
{
  g_mutex_lock (&self->lock);
  if (error != NULL && self->error == NULL)
    self->error = g_error_copy (error);
  self->eof = TRUE;
  wake_locked (self);
  g_mutex_unlock (&self->lock);
}

/* ---- Reading ---------------------------------------------------------------- */

/* What a read returns once the buffer is empty: 0 at the end, -1 with
 * the transfer's error. With the lock held. */
static gssize
end_locked (GCurlBodyStream  *self,
            GError          **error)
{
  if (self->error != NULL)
    {
      g_propagate_error (error, g_error_copy (self->error));
      return -1;
    }
  return 0;
}

static void
cancelled_cb (GCancellable    *cancellable,
              GCurlBodyStream *self)
{
  g_mutex_lock (&self->lock);
  g_cond_broadcast (&self->cond);
  g_mutex_unlock (&self->lock);
}

static gssize
body_stream_read (GInputStream  *stream,
                  void          *buffer,
                  gsize          count,
                  GCancellable  *cancellable,
                  GError       **error)
{
  GCurlBodyStream *self = GCURL_BODY_STREAM (stream);
  gulong handler = 0;
  gboolean resume;
  gssize ret;
  gsize taken;

  if (cancellable != NULL)
    handler = g_cancellable_connect (cancellable, G_CALLBACK (cancelled_cb), self, NULL);

  g_mutex_lock (&self->lock);
  while (self->len == 0 && !self->eof && self->error == NULL)
    {
      if (g_cancellable_set_error_if_cancelled (cancellable, error))
        {
          g_mutex_unlock (&self->lock);
          g_cancellable_disconnect (cancellable, handler);
          return -1;
        }
      /* The data would come from this thread's own main loop. */
      if (g_thread_self () == self->owner)
        {
          g_mutex_unlock (&self->lock);
          g_cancellable_disconnect (cancellable, handler);
          g_critical ("A blocking read of a GCurlMultiSource's stream in the thread of its "
                      "main context would never return: read it with "
                      "g_input_stream_read_async() there, or from another thread");
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                               "A blocking read in the source's own thread would never return");
          return -1;
        }
      g_cond_wait (&self->cond, &self->lock);
    }

  if (self->len == 0)
    {
      ret = end_locked (self, error);
      g_mutex_unlock (&self->lock);
      g_cancellable_disconnect (cancellable, handler);
      return ret;
    }
  resume = take_locked (self, buffer, count, &taken);
  g_mutex_unlock (&self->lock);
  g_cancellable_disconnect (cancellable, handler);

  if (resume)
    post (self, drained_cb);
  return (gssize) taken;
}

static gboolean
body_stream_close (GInputStream  *stream,
                   GCancellable  *cancellable,
                   GError       **error)
{
  GCurlBodyStream *self = GCURL_BODY_STREAM (stream);
  gboolean unfinished;

  g_mutex_lock (&self->lock);
  self->closed = TRUE;
  unfinished = !self->eof;
  self->len = 0;
  wake_locked (self);
  g_mutex_unlock (&self->lock);

  /* Closed before the end: the rest is not wanted. */
  if (unfinished)
    post (self, closed_cb);
  return TRUE;
}

/* ---- Pollable ---------------------------------------------------------------- */

static gboolean
body_stream_is_readable (GPollableInputStream *stream)
{
  GCurlBodyStream *self = GCURL_BODY_STREAM (stream);
  gboolean readable;

  g_mutex_lock (&self->lock);
  readable = readable_locked (self);
  g_mutex_unlock (&self->lock);
  return readable;
}

static gssize
body_stream_read_nonblocking (GPollableInputStream  *stream,
                              void                  *buffer,
                              gsize                  count,
                              GError               **error)
{
  GCurlBodyStream *self = GCURL_BODY_STREAM (stream);
  gboolean resume;
  gssize ret;
  gsize taken;

  g_mutex_lock (&self->lock);
  if (self->len == 0)
    {
      if (self->eof || self->error != NULL)
        ret = end_locked (self, error);
      else
        {
          g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_WOULD_BLOCK,
                               g_strerror (EAGAIN));
          ret = -1;
        }
      g_mutex_unlock (&self->lock);
      return ret;
    }
  resume = take_locked (self, buffer, count, &taken);
  g_mutex_unlock (&self->lock);

  if (resume)
    post (self, drained_cb);
  return (gssize) taken;
}

typedef struct
{
  GSource          source;
  GCurlBodyStream *stream;   /* owned */
} ReadableSource;

static gboolean
readable_prepare (GSource *source,
                  gint    *timeout)
{
  *timeout = -1;
  return body_stream_is_readable (G_POLLABLE_INPUT_STREAM (((ReadableSource *) source)->stream));
}

static gboolean
readable_check (GSource *source)
{
  return body_stream_is_readable (G_POLLABLE_INPUT_STREAM (((ReadableSource *) source)->stream));
}

/* The child of a GPollableSource (g_pollable_source_new_full()): it only
 * makes its parent ready, whose callback is the reader's. */
static gboolean
readable_dispatch (GSource     *source,
                   GSourceFunc  callback,
                   gpointer     user_data)
{
  return G_SOURCE_CONTINUE;
}

/* g_pollable_source_new_full() gives its child a dummy closure, which a
 * GSource without a closure_callback refuses; it is never called. */
static void
readable_closure_callback (void)
{
}

static void
readable_finalize (GSource *source)
{
  GCurlBodyStream *self = ((ReadableSource *) source)->stream;

  g_mutex_lock (&self->lock);
  self->sources = g_slist_remove (self->sources, source);
  g_mutex_unlock (&self->lock);
  g_object_unref (self);
}

static GSourceFuncs readable_funcs = {
  readable_prepare, readable_check, readable_dispatch, readable_finalize,
  (GSourceFunc) (void (*) (void)) readable_closure_callback, NULL
};

static GSource *
body_stream_create_source (GPollableInputStream *stream,
                           GCancellable         *cancellable)
{
  GCurlBodyStream *self = GCURL_BODY_STREAM (stream);
  GSource *source = g_source_new (&readable_funcs, sizeof (ReadableSource));
  GSource *pollable;

  g_source_set_static_name (source, "GCurlBodyStream");
  ((ReadableSource *) source)->stream = g_object_ref (self);
  g_mutex_lock (&self->lock);
  self->sources = g_slist_prepend (self->sources, source);
  g_mutex_unlock (&self->lock);

  pollable = g_pollable_source_new_full (stream, source, cancellable);
  g_source_unref (source);
  return pollable;
}

static gboolean
body_stream_can_poll (GPollableInputStream *stream)
{
  return TRUE;
}

static void
pollable_iface_init (GPollableInputStreamInterface *iface)
{
  iface->can_poll = body_stream_can_poll;
  iface->is_readable = body_stream_is_readable;
  iface->create_source = body_stream_create_source;
  iface->read_nonblocking = body_stream_read_nonblocking;
}

/* ---- GObject ---------------------------------------------------------------- */

static void
body_stream_finalize (GObject *object)
{
  GCurlBodyStream *self = GCURL_BODY_STREAM (object);

  g_free (self->buf);
  g_clear_error (&self->error);
  g_clear_object (&self->transfer);
  g_main_context_unref (self->context);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  G_OBJECT_CLASS (_gcurl_body_stream_parent_class)->finalize (object);
}

static void
_gcurl_body_stream_class_init (GCurlBodyStreamClass *klass)
{
  GInputStreamClass *stream_class = G_INPUT_STREAM_CLASS (klass);

  G_OBJECT_CLASS (klass)->finalize = body_stream_finalize;
  stream_class->read_fn = body_stream_read;
  stream_class->close_fn = body_stream_close;
}

static void
_gcurl_body_stream_init (GCurlBodyStream *self)
{
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
}

GCurlBodyStream *
_gcurl_body_stream_new (GCurlTransfer *transfer,
                        GMainContext  *context)
{
  GCurlBodyStream *self = g_object_new (GCURL_TYPE_BODY_STREAM, NULL);

  self->transfer = g_object_ref (transfer);
  self->context = g_main_context_ref (context);
  self->owner = g_thread_self ();
  return self;
}
