/* gcurl-segments.c: one download over several connections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The resource's bytes [0, total) are cut into segments, each fetched by
 * a ranged request of its own and written with pwrite() at its offset
 * into one preallocated part. A connection that finishes takes half of
 * the largest segment left, so that none sits idle while a slow one drags
 * on. Progress is saved in a small control file beside the part, written
 * atomically, so that a crash or kill -9 resumes every segment
 * (doc/design.md, "Segments").
 */

#include "config.h"

#include "gcurl-segments-private.h"

#include <errno.h>
#include <fcntl.h>
#include <glib/gstdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "gcurl-enum-types.h"
#include "gcurl-error.h"
#include "gcurl-error-private.h"
#include "gcurl-transfer-private.h"

/* A segment is split only if both halves get at least this. */
#define MIN_STEAL (256 * 1024)
/* How often the control file is written while bytes come. */
#define SAVE_INTERVAL_MS 1000
/* A control file larger than this, or with more segments, is not ours. */
#define MAX_CONTROL_SIZE (64 * 1024)
#define MAX_SEGMENTS 256
/* A range whose connections break this many times in a row before a byte
 * comes fails the run (and the download's retries take over). */
#define MAX_BROKEN 2
/* libcurl's pieces of at most 16 KiB, gathered into one pwrite() of up
 * to this many: a quarter of the calls for the same bytes (bench D1).
 * Only while a segment's transfer runs. */
#define SEGMENT_BUFFER (64 * 1024)
#define CONTROL_GROUP "gcurl-segments"

typedef struct _Segment Segment;

typedef struct
{
  char     *url;
  gboolean  credentials;  /* the download's origin: its credentials go */
  gboolean  validated;    /* the probe's server: If-Range goes */
  gboolean  dead;         /* dropped for the rest of the run */
  guint     running;
} Mirror;

struct _Segment
{
  GCurlSegments *owner;
  gint64         start;     /* [start, end); pos: the next byte to write */
  gint64         pos;
  gint64         end;
  guint8        *buffer;    /* [pos - buffered, pos): not yet written */
  gsize          buffered;
  GCurlTransfer *transfer;  /* while it runs */
  gulong         notify_handler;
  gboolean       refused;   /* the response is not the range asked for */
  GError        *write_error;
  Mirror        *mirror;    /* its transfer's, while it runs */
  gint64         run_from;  /* pos when its transfer started */
  guint          broken;    /* connections lost in a row without a byte */
};

struct _GCurlSegments
{
  GCurlMultiSource          *source;
  GCurlTransfer             *model;
  GCurlPartFile             *part;
  char                      *control_path;
  gint64                     total;
  char                      *validator;  /* ETag or Last-Modified; If-Range */
  char                      *url;        /* the download's, and its final name: */
  char                      *name;       /* in the control file, for a restart */
  guint                      connections;
  GPtrArray                 *segments;   /* Segment *, by start */
  guint                      running;
  gboolean                   stopping;   /* an error, or cancel(): no new requests */
  gboolean                   cancelling; /* in fail(): the end waits for its loop */
  gboolean                   paused;
  GError                    *error;      /* the first */
  GCurlTransfer             *failed;
  GSource                   *save_timer;
  GSource                   *idle;       /* done, when nothing was left to fetch */
  gboolean                   dirty;
  GCurlSegmentsProgressFunc  progress;
  GCurlSegmentsDoneFunc      done;
  GCurlSegmentsMirrorFunc    dropped;
  GPtrArray                 *mirrors;    /* Mirror *; at least one */
  gpointer                   data;
};

/* ---- The stream each segment's transfer writes to ---------------------- */

#define GCURL_TYPE_SEGMENT_STREAM (gcurl_segment_stream_get_type ())
G_DECLARE_FINAL_TYPE (GCurlSegmentStream, gcurl_segment_stream, GCURL, SEGMENT_STREAM,
                      GOutputStream)

struct _GCurlSegmentStream
{
  GOutputStream  parent_instance;
  Segment       *segment;   /* freed only with the engine, after its transfers */
};

G_DEFINE_FINAL_TYPE (GCurlSegmentStream, gcurl_segment_stream, G_TYPE_OUTPUT_STREAM)

/* What the segment gathered, to its offset in the part. */
static gboolean
segment_flush (Segment *seg)
{
  gsize n = seg->buffered;

  if (n == 0 || seg->write_error != NULL)
    return seg->write_error == NULL;
  seg->buffered = 0;
  return _gcurl_part_file_pwrite (seg->owner->part, seg->buffer, n, seg->pos - (gint64) n,
                                  &seg->write_error);
}

/* Writes at the segment's position, up to its end: when another
 * connection took the rest of it, what comes after is refused, and the
 * transfer ends with a write error that done_cb() knows for a finish.
 * What a segment has written is on disk once its transfer is done
 * (segment_done()); the control file counts only that. */
static gssize
segment_stream_write (GOutputStream  *stream,
                      const void     *buffer,
                      gsize           count,
                      GCancellable   *cancellable,
                      GError        **error)
{
  Segment *seg = GCURL_SEGMENT_STREAM (stream)->segment;
  gsize n;

  if (seg->refused)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "Not this range");
      return -1;
    }
  n = (gsize) MIN ((gint64) count, seg->end - seg->pos);
  if (n == 0)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_CANCELLED, "The segment is complete");
      return -1;
    }
  if (seg->buffered + n > SEGMENT_BUFFER)
    segment_flush (seg);
  if (seg->write_error == NULL && n > SEGMENT_BUFFER / 2)
    _gcurl_part_file_pwrite (seg->owner->part, buffer, n, seg->pos, &seg->write_error);
  else if (seg->write_error == NULL)
    {
      if (seg->buffer == NULL)
        seg->buffer = g_malloc (SEGMENT_BUFFER);
      memcpy (seg->buffer + seg->buffered, buffer, n);
      seg->buffered += n;
    }
  if (seg->write_error != NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_FAILED, seg->write_error->message);
      return -1;
    }
  seg->pos += (gint64) n;
  seg->owner->dirty = TRUE;
  return (gssize) n;
}

static void
gcurl_segment_stream_class_init (GCurlSegmentStreamClass *klass)
{
  G_OUTPUT_STREAM_CLASS (klass)->write_fn = segment_stream_write;
}

static void
gcurl_segment_stream_init (GCurlSegmentStream *self)
{
}

/* ---- The control file -------------------------------------------------- */

char *
_gcurl_segments_control_path (const char *part_path)
{
  return g_strconcat (part_path, ".segments", NULL);
}

/* The control file at @path as a key file of ours (a regular file, not
 * through a link, of at most MAX_CONTROL_SIZE, of version 1), or NULL. */
static GKeyFile *
read_control (const char *path)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  struct stat st;
  gssize n;
  int fd;

  fd = open (path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
  if (fd < 0)
    return NULL;
  if (fstat (fd, &st) != 0 || !S_ISREG (st.st_mode) || st.st_size > MAX_CONTROL_SIZE)
    {
      close (fd);
      return NULL;
    }
  data = g_malloc ((gsize) st.st_size + 1);
  n = read (fd, data, (gsize) st.st_size);
  close (fd);
  if (n != st.st_size)
    return NULL;
  data[n] = '\0';
  if (!g_key_file_load_from_data (kf, data, (gsize) n, G_KEY_FILE_NONE, NULL) ||
      g_key_file_get_integer (kf, CONTROL_GROUP, "version", NULL) != 1)
    return NULL;
  return g_steal_pointer (&kf);
}

/* Whether the part may hold ranges written out of order: a control file
 * with segments, or one that is not ours (a link, too large…), which is
 * not trusted either. A single connection's (its URL and name only) does
 * not count: that part is good up to its length. */
gboolean
_gcurl_segments_has_control (const char *part_path)
{
  g_autofree char *path = _gcurl_segments_control_path (part_path);
  g_autoptr(GKeyFile) kf = NULL;

  if (!_gcurl_path_present (path))
    return FALSE;
  kf = read_control (path);
  return kf == NULL || g_key_file_has_key (kf, CONTROL_GROUP, "segments", NULL);
}

static void
set_identity (GKeyFile   *kf,
              const char *url,
              const char *name)
{
  g_key_file_set_integer (kf, CONTROL_GROUP, "version", 1);
  if (url != NULL)
    g_key_file_set_string (kf, CONTROL_GROUP, "url", url);
  if (name != NULL)
    g_key_file_set_string (kf, CONTROL_GROUP, "name", name);
}

static gboolean
write_control (const char *path,
               GKeyFile   *kf)
{
  gsize len;
  g_autofree char *data = g_key_file_to_data (kf, &len, NULL);

  /* A new file renamed over the old: a kill -9 leaves one or the other,
   * and a link at the name is replaced, not followed. */
  return g_file_set_contents_full (path, data, (gssize) len, G_FILE_SET_CONTENTS_CONSISTENT,
                                   0600, NULL);
}

/* Written in place, not renamed over nor synced: it is written once, and
 * one cut short by a crash fails to parse and counts as none (the part is
 * then a part of no one's). Through no link: what is at the name is
 * removed first, and the new file made with O_EXCL. */
gboolean
_gcurl_control_write_identity (const char *part_path,
                               const char *url,
                               const char *name)
{
  g_autofree char *path = _gcurl_segments_control_path (part_path);
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autofree char *data = NULL;
  gsize len;
  gboolean ok;
  int fd;

  set_identity (kf, url, name);
  data = g_key_file_to_data (kf, &len, NULL);
  g_unlink (path);
  fd = open (path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY, 0600);
  if (fd < 0)
    return FALSE;
  ok = write (fd, data, len) == (gssize) len;
  ok = close (fd) == 0 && ok;
  if (!ok)
    g_unlink (path);
  return ok;
}

gboolean
_gcurl_control_read_identity (const char  *part_path,
                              char       **url,
                              char       **name)
{
  g_autofree char *path = _gcurl_segments_control_path (part_path);
  g_autoptr(GKeyFile) kf = read_control (path);

  if (kf == NULL)
    return FALSE;
  *url = g_key_file_get_string (kf, CONTROL_GROUP, "url", NULL);
  *name = g_key_file_get_string (kf, CONTROL_GROUP, "name", NULL);
  return TRUE;
}

void
_gcurl_segments_set_identity (GCurlSegments *self,
                              const char    *url,
                              const char    *name)
{
  g_free (self->url);
  self->url = g_strdup (url);
  g_free (self->name);
  self->name = g_strdup (name);
}

void
_gcurl_segments_discard_control (const char *part_path)
{
  g_autofree char *path = _gcurl_segments_control_path (part_path);

  g_unlink (path);
}

static gboolean
save (GCurlSegments *self)
{
  g_autoptr(GKeyFile) kf = g_key_file_new ();
  g_autoptr(GString) list = g_string_new (NULL);

  for (guint i = 0; i < self->segments->len; i++)
    {
      Segment *seg = self->segments->pdata[i];

      g_string_append_printf (list, "%s%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT ":%" G_GINT64_FORMAT,
                              i > 0 ? ";" : "", seg->start,
                              seg->pos - (gint64) seg->buffered, seg->end);
    }
  set_identity (kf, self->url, self->name);
  g_key_file_set_int64 (kf, CONTROL_GROUP, "total", self->total);
  g_key_file_set_string (kf, CONTROL_GROUP, "validator", self->validator);
  g_key_file_set_string (kf, CONTROL_GROUP, "segments", list->str);
  self->dirty = FALSE;
  return write_control (self->control_path, kf);
}

static gboolean
parse_segment (const char *text,
               gint64     *start,
               gint64     *pos,
               gint64     *end)
{
  g_auto(GStrv) f = g_strsplit (text, ":", 4);
  guint64 v[3];

  if (g_strv_length (f) != 3)
    return FALSE;
  for (guint i = 0; i < 3; i++)
    if (!g_ascii_string_to_unsigned (f[i], 10, 0, G_MAXINT64, &v[i], NULL))
      return FALSE;
  *start = (gint64) v[0];
  *pos = (gint64) v[1];
  *end = (gint64) v[2];
  return TRUE;
}

static Segment *
segment_new (GCurlSegments *self,
             gint64         start,
             gint64         pos,
             gint64         end)
{
  Segment *seg = g_new0 (Segment, 1);

  seg->owner = self;
  seg->start = start;
  seg->pos = pos;
  seg->end = end;
  return seg;
}

static void
segment_free (gpointer data)
{
  Segment *seg = data;

  g_clear_error (&seg->write_error);
  g_free (seg->buffer);
  g_free (seg);
}

/* The control file, if it is ours, a regular file, and says the segments
 * of this very resource: the same length and validator, segments that
 * cover [0, total) in order. Anything else is ignored (and replaced). */
static gboolean
load (GCurlSegments *self,
      gboolean       same_run)
{
  g_autoptr(GKeyFile) kf = read_control (self->control_path);
  g_autofree char *validator = NULL;
  g_autofree char *list = NULL;
  g_auto(GStrv) items = NULL;
  g_autoptr(GPtrArray) segments = NULL;
  gint64 expect = 0;

  if (kf == NULL || g_key_file_get_int64 (kf, CONTROL_GROUP, "total", NULL) != self->total)
    return FALSE;
  validator = g_key_file_get_string (kf, CONTROL_GROUP, "validator", NULL);
  /* Without a validator the resource may have changed since: only this
   * run's own file is trusted. */
  if (validator == NULL || g_strcmp0 (validator, self->validator) != 0 ||
      (validator[0] == '\0' && !same_run))
    return FALSE;
  list = g_key_file_get_string (kf, CONTROL_GROUP, "segments", NULL);
  if (list == NULL)
    return FALSE;
  items = g_strsplit (list, ";", MAX_SEGMENTS + 1);
  if (g_strv_length (items) == 0 || g_strv_length (items) > MAX_SEGMENTS)
    return FALSE;
  segments = g_ptr_array_new_with_free_func (segment_free);
  for (guint i = 0; items[i] != NULL; i++)
    {
      gint64 start, pos, end;

      if (!parse_segment (items[i], &start, &pos, &end) || start != expect || pos < start ||
          end < pos || end > self->total)
        return FALSE;
      g_ptr_array_add (segments, segment_new (self, start, pos, end));
      expect = end;
    }
  if (expect != self->total)
    return FALSE;
  g_ptr_array_unref (self->segments);
  self->segments = g_steal_pointer (&segments);
  return TRUE;
}

/* ---- Running the segments --------------------------------------------- */

static void start_segment (GCurlSegments *self, Segment *seg);

gint64
_gcurl_segments_get_received (GCurlSegments *self)
{
  gint64 received = 0;

  for (guint i = 0; i < self->segments->len; i++)
    {
      Segment *seg = self->segments->pdata[i];

      received += seg->pos - seg->start;
    }
  return received;
}

gint64
_gcurl_segments_get_speed (GCurlSegments *self)
{
  gint64 speed = 0;

  for (guint i = 0; i < self->segments->len; i++)
    {
      Segment *seg = self->segments->pdata[i];

      if (seg->transfer != NULL)
        speed += gcurl_transfer_get_download_speed (seg->transfer);
    }
  return speed;
}

static void
stop_save_timer (GCurlSegments *self)
{
  if (self->save_timer != NULL)
    {
      g_source_destroy (self->save_timer);
      g_clear_pointer (&self->save_timer, g_source_unref);
    }
}

static void
fail (GCurlSegments *self,
      GError        *error,
      GCurlTransfer *failed)
{
  if (self->error == NULL)
    {
      self->error = error;
      g_set_object (&self->failed, failed);
    }
  else
    g_error_free (error);
  if (self->stopping)
    return;
  self->stopping = TRUE;
  /* A cancelled transfer's callback may run at once, inside cancel(): the
   * last one would end the run, and free us, in the middle of this loop. */
  self->cancelling = TRUE;
  for (guint i = 0; i < self->segments->len; i++)
    {
      Segment *seg = self->segments->pdata[i];

      if (seg->transfer != NULL)
        gcurl_transfer_cancel (seg->transfer);
    }
  self->cancelling = FALSE;
}

static gboolean
all_done (GCurlSegments *self)
{
  for (guint i = 0; i < self->segments->len; i++)
    {
      Segment *seg = self->segments->pdata[i];

      if (seg->pos < seg->end)
        return FALSE;
    }
  return TRUE;
}

/* What a connection that is free does next: a segment nobody runs, else
 * the second half of the one with the most left. */
static Segment *
next_work (GCurlSegments *self)
{
  Segment *largest = NULL;
  gint64 mid;
  Segment *seg;
  guint index = 0;

  for (guint i = 0; i < self->segments->len; i++)
    {
      seg = self->segments->pdata[i];
      if (seg->transfer == NULL && seg->pos < seg->end)
        return seg;
      if (seg->transfer != NULL &&
          (largest == NULL || seg->end - seg->pos > largest->end - largest->pos))
        {
          largest = seg;
          index = i;
        }
    }
  if (largest == NULL || largest->end - largest->pos < 2 * MIN_STEAL)
    return NULL;
  mid = largest->pos + (largest->end - largest->pos) / 2;
  seg = segment_new (self, mid, mid, largest->end);
  largest->end = mid;
  g_ptr_array_insert (self->segments, (gint) index + 1, seg);
  self->dirty = TRUE;
  return seg;
}

static void
maybe_finish (GCurlSegments *self)
{
  g_autoptr(GError) error = NULL;

  if (self->running > 0 || self->cancelling)
    return;
  stop_save_timer (self);
  if (self->error == NULL && !all_done (self))
    self->error = g_error_new_literal (GCURL_ERROR, GCURL_ERROR_PARTIAL,
                                       "A range ended before its last byte");
  if (self->error == NULL)
    {
      g_unlink (self->control_path);
      self->done (NULL, NULL, self->data);
      return;
    }
  save (self);
  error = g_steal_pointer (&self->error);
  self->done (g_steal_pointer (&error), self->failed, self->data);
}

/* A connection that broke, or stopped moving: worth another at once. */
static gboolean
connection_lost (const GError *error)
{
  return g_error_matches (error, GCURL_ERROR, GCURL_ERROR_PARTIAL) ||
         g_error_matches (error, GCURL_ERROR, GCURL_ERROR_TIMED_OUT);
}

gboolean
_gcurl_segments_mirror_at_fault (const GError *error)
{
  if (error->domain != GCURL_ERROR)
    return FALSE;
  switch (error->code)
    {
    case GCURL_ERROR_INVALID_URL:
    case GCURL_ERROR_UNSUPPORTED_PROTOCOL:
    case GCURL_ERROR_HOST_NOT_FOUND:
    case GCURL_ERROR_CONNECT_FAILED:
    case GCURL_ERROR_TIMED_OUT:
    case GCURL_ERROR_TLS:
    case GCURL_ERROR_HTTP_STATUS:
    case GCURL_ERROR_TOO_MANY_REDIRECTS:
    case GCURL_ERROR_PARTIAL:
    case GCURL_ERROR_PROTOCOL:
      return TRUE;
    default:
      return FALSE;
    }
}

/* The live mirror with the fewest connections (the first of those). */
static Mirror *
pick_mirror (GCurlSegments *self)
{
  Mirror *best = NULL;

  for (guint i = 0; i < self->mirrors->len; i++)
    {
      Mirror *m = self->mirrors->pdata[i];

      if (!m->dead && (best == NULL || m->running < best->running))
        best = m;
    }
  return best;
}

/* A range failed on @mirror with @error: TRUE if it can go on from
 * another, @mirror dropped (if it was not already). The last live one is
 * never dropped: its error is the run's. */
static gboolean
move_off (GCurlSegments *self,
          Mirror        *mirror,
          const GError  *error)
{
  guint live = 0;

  if (mirror->dead)
    return TRUE;
  for (guint i = 0; i < self->mirrors->len; i++)
    if (!((Mirror *) self->mirrors->pdata[i])->dead)
      live++;
  if (live < 2)
    return FALSE;
  mirror->dead = TRUE;
  if (self->dropped != NULL)
    self->dropped (mirror->url, error, self->data);
  return TRUE;
}

static void
segment_done (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  Segment *seg = data;
  GCurlSegments *self = seg->owner;
  g_autoptr(GCurlTransfer) transfer = g_steal_pointer (&seg->transfer);
  g_autoptr(GError) error = NULL;
  gboolean ok = gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &error);

  Mirror *mirror = g_steal_pointer (&seg->mirror);

  g_clear_signal_handler (&seg->notify_handler, transfer);
  self->running--;
  mirror->running--;
  segment_flush (seg);
  g_clear_pointer (&seg->buffer, g_free);

  if (seg->refused)
    {
      g_autofree char *shown = _gcurl_display_url (mirror->url);
      g_autoptr(GError) refused = g_error_new (G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                                               "Transfer of %s failed: the server did not send "
                                               "the range asked for", shown);

      /* From the probe's server: the resource changed, or it stopped
       * serving ranges. From another: that mirror is no good. */
      if (!mirror->validated && !self->stopping && move_off (self, mirror, refused))
        start_segment (self, seg);
      else
        fail (self, g_steal_pointer (&refused), transfer);
    }
  else if (seg->write_error != NULL)
    fail (self, g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE, "%s", seg->write_error->message),
          transfer);
  else if (seg->pos >= seg->end)
    ;  /* all of it, the rest cut off if another connection took it */
  else if (!ok && !self->stopping && connection_lost (error) &&
           (seg->pos > seg->run_from || seg->broken < MAX_BROKEN))
    {
      /* One connection broke: that range goes on, on a new one, from
       * where it is; the others are not disturbed. */
      seg->broken = seg->pos > seg->run_from ? 0 : seg->broken + 1;
      g_debug ("GCurlDownload: a range broke at %" G_GINT64_FORMAT " (%s); going on",
               seg->pos, error->message);
      start_segment (self, seg);
    }
  else if (!ok && !self->stopping && _gcurl_segments_mirror_at_fault (error) &&
           move_off (self, mirror, error))
    {
      seg->broken = 0;
      start_segment (self, seg);
    }
  else if (!ok)
    fail (self, g_steal_pointer (&error), transfer);
  else
    fail (self, g_error_new_literal (GCURL_ERROR, GCURL_ERROR_PARTIAL,
                                     "A range ended before its last byte"), transfer);

  if (!self->stopping && !self->paused)
    {
      Segment *next = next_work (self);

      if (next != NULL)
        start_segment (self, next);
    }
  if (self->progress != NULL)
    self->progress (self->data);
  maybe_finish (self);
}

/* The head of a segment's response: 206, for the very range asked for;
 * anything else (a 200 for a changed resource under If-Range, a server
 * that ignores ranges) and the segments cannot go on. */
static void
segment_notify_cb (GObject    *object,
                   GParamSpec *pspec,
                   gpointer    data)
{
  Segment *seg = data;
  GCurlTransfer *transfer = GCURL_TRANSFER (object);

  if (g_str_equal (pspec->name, "response-code"))
    {
      guint code = gcurl_transfer_get_response_code (transfer);
      const char *range = gcurl_transfer_get_response_header (transfer, "Content-Range");
      g_autofree char *want = g_strdup_printf ("bytes %" G_GINT64_FORMAT "-", seg->pos);
      g_autofree char *total = g_strdup_printf ("/%" G_GINT64_FORMAT, seg->owner->total);

      if (code >= 300 && code < 400)
        return;   /* a redirect, followed */
      if (code >= 400)
        return;   /* an HTTP error: the transfer fails with it */
      if (code != 206 || range == NULL || !g_str_has_prefix (range, want) ||
          !g_str_has_suffix (range, total))
        seg->refused = TRUE;
    }
  else if (g_str_equal (pspec->name, "bytes-received") && seg->owner->progress != NULL)
    seg->owner->progress (seg->owner->data);
}

static void
start_segment (GCurlSegments *self,
               Segment       *seg)
{
  g_autoptr(GCurlSegmentStream) stream = g_object_new (GCURL_TYPE_SEGMENT_STREAM, NULL);
  g_autofree char *range = g_strdup_printf ("bytes=%" G_GINT64_FORMAT "-%" G_GINT64_FORMAT,
                                            seg->pos, self->total - 1);
  Mirror *mirror = pick_mirror (self);
  GCurlTransfer *t = gcurl_transfer_new (mirror->url);

  /* To the end of the resource, not of the segment: when the connection
   * that has the rest finishes first and this one is left with the
   * largest part, it can be split again without a new request. */
  stream->segment = seg;
  _gcurl_transfer_copy_request (t, self->model);
  gcurl_transfer_set_url (t, mirror->url);
  _gcurl_transfer_withhold_credentials (t, !mirror->credentials);
  /* One connection each: segments multiplexed over one HTTP/2 connection
   * would share its window and gain nothing. */
  gcurl_transfer_set_http_version (t, GCURL_HTTP_1_1);
  /* A limit is the download's: shared among its connections. */
  if (gcurl_transfer_get_max_recv_speed (self->model) > 0)
    gcurl_transfer_set_max_recv_speed (t, MAX (1, gcurl_transfer_get_max_recv_speed (self->model) /
                                                  (gint64) self->connections));
  gcurl_transfer_set_accept_encoding (t, "identity");
  gcurl_transfer_set_fail_on_http_error (t, TRUE);
  gcurl_transfer_set_request_header (t, "Range", range);
  if (mirror->validated && self->validator != NULL && self->validator[0] != '\0')
    gcurl_transfer_set_request_header (t, "If-Range", self->validator);
  gcurl_transfer_set_output_stream (t, G_OUTPUT_STREAM (stream));
  seg->refused = FALSE;
  seg->run_from = seg->pos;
  seg->transfer = t;
  seg->mirror = mirror;
  mirror->running++;
  seg->notify_handler = g_signal_connect (t, "notify", G_CALLBACK (segment_notify_cb), seg);
  self->running++;
  if (self->paused)
    gcurl_transfer_pause (t);
  gcurl_multi_source_perform_async (self->source, t, NULL, segment_done, seg);
}

static gboolean
finish_cb (gpointer data)
{
  GCurlSegments *self = data;

  g_clear_pointer (&self->idle, g_source_unref);
  maybe_finish (self);
  return G_SOURCE_REMOVE;
}

static gboolean
save_cb (gpointer data)
{
  GCurlSegments *self = data;

  if (self->dirty)
    save (self);
  return G_SOURCE_CONTINUE;
}

static Mirror *
mirror_new (const char *url,
            gboolean    credentials,
            gboolean    validated)
{
  Mirror *m = g_new0 (Mirror, 1);

  m->url = g_strdup (url);
  m->credentials = credentials;
  m->validated = validated;
  return m;
}

static void
mirror_free (gpointer data)
{
  Mirror *m = data;

  g_free (m->url);
  g_free (m);
}

void
_gcurl_segments_set_mirrors (GCurlSegments            *self,
                             const char * const       *urls,
                             const char               *credentials_url,
                             GCurlSegmentsMirrorFunc   dropped)
{
  g_return_if_fail (urls != NULL && urls[0] != NULL);
  g_return_if_fail (self->running == 0);

  g_ptr_array_set_size (self->mirrors, 0);
  for (guint i = 0; urls[i] != NULL; i++)
    g_ptr_array_add (self->mirrors,
                     mirror_new (urls[i], _gcurl_url_same_origin (urls[i], credentials_url),
                                 i == 0));
  self->dropped = dropped;
}

GCurlSegments *
_gcurl_segments_new (GCurlMultiSource          *source,
                     GCurlTransfer             *model,
                     GCurlPartFile             *part,
                     gint64                     total,
                     const char                *validator,
                     guint                      connections,
                     GCurlSegmentsProgressFunc  progress,
                     GCurlSegmentsDoneFunc      done,
                     gpointer                   data)
{
  GCurlSegments *self = g_new0 (GCurlSegments, 1);

  self->source = g_object_ref (source);
  self->model = g_object_ref (model);
  self->part = part;
  self->control_path = _gcurl_segments_control_path (_gcurl_part_file_get_part_path (part));
  self->total = total;
  self->validator = g_strdup (validator != NULL ? validator : "");
  self->connections = MAX (connections, 1);
  self->segments = g_ptr_array_new_with_free_func (segment_free);
  self->mirrors = g_ptr_array_new_with_free_func (mirror_free);
  g_ptr_array_add (self->mirrors, mirror_new (gcurl_transfer_get_url (model), TRUE, TRUE));
  self->progress = progress;
  self->done = done;
  self->data = data;
  return self;
}

gboolean
_gcurl_segments_start (GCurlSegments  *self,
                       gint64          offset,
                       gboolean        same_run,
                       GError        **error)
{
  guint n = 0;

  if (!load (self, same_run))
    {
      /* New segments over what is left after @offset, each at least
       * GCURL_SEGMENT_MIN. */
      gint64 left = self->total - offset;
      guint count = (guint) CLAMP (left / GCURL_SEGMENT_MIN, 1, (gint64) self->connections);

      g_ptr_array_set_size (self->segments, 0);
      if (offset > 0)
        g_ptr_array_add (self->segments, segment_new (self, 0, offset, offset));
      for (guint i = 0; i < count; i++)
        {
          gint64 a = offset + left * i / count;
          gint64 b = offset + left * (i + 1) / count;

          g_ptr_array_add (self->segments, segment_new (self, a, a, b));
        }
    }
  if (!_gcurl_part_file_allocate (self->part, self->total, error))
    return FALSE;
  /* Before the first byte: a part without its control file is only
   * trusted up to where a single connection would have written it. */
  if (!save (self))
    {
      g_autofree char *name = g_filename_display_name (self->control_path);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "Cannot write %s", name);
      return FALSE;
    }
  self->save_timer = g_timeout_source_new (SAVE_INTERVAL_MS);
  g_source_set_static_name (self->save_timer, "GCurlDownload segments");
  g_source_set_callback (self->save_timer, save_cb, self, NULL);
  g_source_attach (self->save_timer, gcurl_multi_source_get_context (self->source));

  for (Segment *seg; n < self->connections && (seg = next_work (self)) != NULL; n++)
    start_segment (self, seg);
  if (n == 0)
    {
      /* The control file said: all there. Said from an idle, not from
       * within this call. */
      self->idle = g_idle_source_new ();
      g_source_set_static_name (self->idle, "GCurlDownload segments");
      g_source_set_callback (self->idle, finish_cb, self, NULL);
      g_source_attach (self->idle, gcurl_multi_source_get_context (self->source));
    }
  return TRUE;
}

void
_gcurl_segments_pause (GCurlSegments *self)
{
  self->paused = TRUE;
  for (guint i = 0; i < self->segments->len; i++)
    {
      Segment *seg = self->segments->pdata[i];

      if (seg->transfer != NULL)
        gcurl_transfer_pause (seg->transfer);
    }
  if (self->dirty)
    save (self);
}

void
_gcurl_segments_resume (GCurlSegments *self)
{
  Segment *next;

  self->paused = FALSE;
  for (guint i = 0; i < self->segments->len; i++)
    {
      Segment *seg = self->segments->pdata[i];

      if (seg->transfer != NULL)
        gcurl_transfer_resume (seg->transfer);
    }
  /* Connections that finished while paused take work again. */
  while (!self->stopping && self->running > 0 && self->running < self->connections &&
         (next = next_work (self)) != NULL)
    start_segment (self, next);
}

void
_gcurl_segments_cancel (GCurlSegments *self)
{
  fail (self, g_error_new_literal (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Cancelled"), NULL);
  maybe_finish (self);
}

/* Only once done was called (no transfer runs). */
void
_gcurl_segments_free (GCurlSegments *self)
{
  g_return_if_fail (self->running == 0);

  stop_save_timer (self);
  if (self->idle != NULL)
    {
      g_source_destroy (self->idle);
      g_clear_pointer (&self->idle, g_source_unref);
    }
  g_ptr_array_unref (self->segments);
  g_ptr_array_unref (self->mirrors);
  g_clear_error (&self->error);
  g_clear_object (&self->failed);
  g_clear_object (&self->source);
  g_clear_object (&self->model);
  g_free (self->control_path);
  g_free (self->validator);
  g_free (self->url);
  g_free (self->name);
  g_free (self);
}
