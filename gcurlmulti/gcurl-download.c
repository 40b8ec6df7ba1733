/* gcurl-download.c: one resource downloaded to a file or a folder, with
 * server-given names, checksums and retries
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A download runs one GCurlTransfer, again for each attempt, with file
 * output and the part held back (gcurl-transfer-private.h): when an
 * attempt succeeds the part is verified in a worker thread, given its
 * final name, and only then moved into place (doc/design.md,
 * "Downloads").
 */

#include "config.h"

#include "gcurl-download.h"

#include <glib/gstdio.h>
#include <string.h>
#include <time.h>

#include "gcurl-checksum-private.h"
#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-filename-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-part-file-private.h"
#include "gcurl-segments-private.h"
#include "gcurl-transfer-private.h"

/* The back-off doubles from retry-delay up to this, and a server's
 * Retry-After is honoured up to an hour (a hostile one cannot park a
 * download for a day). */
#define MAX_BACKOFF_MS     (60 * 1000)
#define MAX_RETRY_AFTER_MS (60 * 60 * 1000)
#define DOWNLOAD_RECEIVE_BUFFER (128 * 1024)
#define DEFAULT_RETRY_DELAY_MS 1000
/* Names tried for one download in a folder: "name (1).ext" and so on. */
#define MAX_NAME_TRIES 1000

struct _GCurlDownload
{
  GObject             parent_instance;

  char               *url;
  GFile              *folder;            /* folder mode */
  GFile              *file;              /* the destination; in folder mode once named */
  GCurlTransfer      *transfer;
  GCurlDownloadFlags  flags;
  char               *checksum;
  guint               retries;
  guint               retry_delay;       /* ms */
  gboolean            content_disposition;
  guint               segments;
  GStrv               mirrors;
  char               *filename;          /* the caller's name in folder mode */

  GCurlDownloadState  state;
  guint               attempt;
  gint64              bytes_received;
  gint64              total_bytes;
  gint64              speed;
  char               *verified;          /* "sha256=HEX" once verified */
  GError             *error;

  /* One run (run_async() to its task's return) */
  GCurlMultiSource   *source;
  GTask              *task;
  GCancellable       *user_cancellable;
  gulong              cancel_handler;
  char               *first_path;        /* folder mode: the part's name, less ".part" */
  char               *saved_name;        /* folder mode: the final name its control file keeps */
  gint64              named_at;          /* one connection: when named, its control file not
                                          * written yet (0: nothing to write) */
  gboolean            control_written;   /* this run wrote the control file */
  gboolean            named;             /* folder mode: file is the response's name */
  GChecksumType       sum_type;
  char               *sum_hex;           /* expected, lowercase */
  const char         *sum_origin;        /* "given", or the header it came from */
  GSource            *retry_timer;
  gboolean            paused_waiting;    /* paused while waiting to retry */
  gboolean            wrote_part;        /* an attempt wrote to the part */
  GCurlPartFile      *held;              /* complete, being verified */
  GCancellable       *verify_cancellable;
  gulong              notify_handler;

  /* Segments (gcurl-segments.c) */
  GCurlTransfer      *head;              /* whose response counts: transfer or probe */
  GCurlTransfer      *probe;             /* this attempt's first ranged request */
  GCurlSegments      *engine;            /* while the segments run */
  GCurlPartFile      *seg_part;          /* their part */
  gboolean            single;            /* this run: one connection after all */
  gboolean            seg_ran;           /* a segmented attempt wrote this run */
  gboolean            from_zero;         /* this run: the server ignored a range */

  /* Mirrors: the URLs left this run, the one in use first */
  GPtrArray          *live;
  guint               switches;          /* attempts that moved to a mirror */
};

enum
{
  PROP_0,
  PROP_URL,
  PROP_FOLDER,
  PROP_FILE,
  PROP_TRANSFER,
  PROP_FLAGS,
  PROP_CHECKSUM,
  PROP_RETRIES,
  PROP_RETRY_DELAY,
  PROP_CONTENT_DISPOSITION,
  PROP_SEGMENTS,
  PROP_MIRRORS,
  PROP_FILENAME,
  PROP_STATE,
  PROP_ATTEMPT,
  PROP_BYTES_RECEIVED,
  PROP_TOTAL_BYTES,
  PROP_DOWNLOAD_SPEED,
  PROP_ETA,
  PROP_VERIFIED_CHECKSUM,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

enum
{
  SIGNAL_MIRROR_DROPPED,
  N_SIGNALS
};

static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (GCurlDownload, gcurl_download, G_TYPE_OBJECT)

static void start_attempt (GCurlDownload *self);
static void run_attempt (GCurlDownload *self);
static void remember_name (GCurlDownload *self);
static void sync_progress (GCurlDownload *self);

/* ---- State ------------------------------------------------------------ */

static void start_segments (GCurlDownload *self);

static gboolean
is_active (GCurlDownload *self)
{
  return self->task != NULL;
}

static void
set_state (GCurlDownload      *self,
           GCurlDownloadState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATE]);
}

/* The URL as messages show it: no userinfo, no control bytes
 * (gcurl-error.c). */
static char *
shown_url (GCurlDownload *self)
{
  return _gcurl_display_url (self->url);
}

/* The run is over: its task returns (in an idle of its own, as GTask
 * does when called back from within the source). */
static void
finish (GCurlDownload      *self,
        GCurlDownloadState  state,
        GError             *error)
{
  g_autoptr(GTask) task = g_steal_pointer (&self->task);
  g_autoptr(GCurlMultiSource) source = g_steal_pointer (&self->source);

  g_clear_pointer (&self->held, _gcurl_part_file_free);
  g_clear_object (&self->verify_cancellable);

  if (self->retry_timer != NULL)
    {
      g_source_destroy (self->retry_timer);
      g_clear_pointer (&self->retry_timer, g_source_unref);
    }
  if (self->user_cancellable != NULL)
    {
      g_cancellable_disconnect (self->user_cancellable, self->cancel_handler);
      self->cancel_handler = 0;
      g_clear_object (&self->user_cancellable);
    }
  g_clear_pointer (&self->sum_hex, g_free);
  self->paused_waiting = FALSE;
  self->wrote_part = FALSE;
  /* A control file goes with its part: when the file is in place, or no
   * part is left to resume. Looked for only where there may be one: a
   * run that wrote one, ran segments, or resumed what an earlier one
   * left (most downloads have none, and one system call less each). */
  if (self->first_path != NULL)
    {
      g_autofree char *part = g_strconcat (self->first_path, ".part", NULL);
      gboolean maybe = self->control_written || self->seg_ran ||
                       (self->flags & GCURL_DOWNLOAD_FLAGS_RESUME) != 0;

      if (state != GCURL_DOWNLOAD_STATE_FINISHED && _gcurl_path_present (part))
        remember_name (self);   /* the part stays: found again by its URL */
      else if (maybe)
        _gcurl_segments_discard_control (part);
    }
  self->named_at = 0;
  self->control_written = FALSE;

  g_clear_error (&self->error);
  if (error != NULL)
    self->error = g_error_copy (error);
  sync_progress (self);
  g_clear_object (&self->probe);
  self->head = self->transfer;
  self->single = FALSE;
  self->seg_ran = FALSE;
  self->from_zero = FALSE;
  g_clear_pointer (&self->live, g_ptr_array_unref);
  gcurl_transfer_set_url (self->transfer, self->url);
  _gcurl_transfer_withhold_credentials (self->transfer, FALSE);
  set_state (self, state);

  if (error != NULL)
    g_task_return_error (task, error);
  else
    g_task_return_boolean (task, TRUE);
}

/* ---- Progress, and the name from the response ------------------------- */

static void
update_eta (GCurlDownload *self)
{
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ETA]);
}

/* "name (N).ext", keeping ".tar.gz" and its kin together. */
static char *
numbered_name (const char *name,
               guint       n)
{
  const char *dot = strrchr (name, '.');

  if (n == 0)
    return g_strdup (name);
  if (dot == NULL || dot == name)
    return g_strdup_printf ("%s (%u)", name, n);
  if (dot - name > 4 && g_ascii_strncasecmp (dot - 4, ".tar", 4) == 0 && dot - 4 != name)
    dot -= 4;
  return g_strdup_printf ("%.*s (%u)%s", (int) (dot - name), name, n, dot);
}

/* The name the response gives: Content-Disposition (filename* first),
 * else the last URL after redirects, else the URL asked for; sanitized
 * (gcurl-filename.c). */
static char *
response_name (GCurlDownload *self)
{
  g_autofree char *raw = NULL;
  const char *cd = NULL;

  if (self->filename != NULL)
    return _gcurl_filename_sanitize (self->filename);
  /* Resuming: the name it had, so that a row an application shows keeps
   * it across a restart. */
  if (self->saved_name != NULL)
    return _gcurl_filename_sanitize (self->saved_name);
  if (self->content_disposition)
    cd = gcurl_transfer_get_response_header (self->head, "Content-Disposition");
  if (cd != NULL)
    raw = _gcurl_filename_from_content_disposition (cd);
  if (raw == NULL && gcurl_transfer_get_effective_url (self->head) != NULL)
    raw = _gcurl_filename_from_url (gcurl_transfer_get_effective_url (self->head));
  if (raw == NULL)
    raw = _gcurl_filename_from_url (self->url);
  return _gcurl_filename_sanitize (raw);
}

/* Gives @part a final name in the folder: @name, or the first numbered
 * one that no file, part or other download has. */
static gboolean
name_part (GCurlDownload  *self,
           GCurlPartFile  *part,
           const char     *name,
           GError        **error)
{
  g_autofree char *folder = g_file_get_path (self->folder);

  for (guint n = 0; n < MAX_NAME_TRIES; n++)
    {
      g_autofree char *candidate = numbered_name (name, n);
      g_autofree char *path = g_build_filename (folder, candidate, NULL);

      if (_gcurl_part_file_name_available (part, path) && _gcurl_part_file_retarget (part, path))
        {
          g_clear_object (&self->file);
          self->file = g_file_new_for_path (path);
          self->named = TRUE;
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
          return TRUE;
        }
    }
  {
    g_autofree char *display = g_filename_display_name (folder);

    g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS,
                 "No free name for %s in %s", name, display);
  }
  return FALSE;
}

/* Folder mode, one connection: the URL and the final name go in a
 * control file beside the part, so that a restart with RESUME finds this
 * part again (and not another download's of the same URL name), and
 * keeps the name. (The segments write theirs with the ranges.) Written
 * only for a download still going a second after its head, or that
 * stops with its part left (paused, failed, waiting to retry, cancelled
 * with KEEP_PARTIAL): for the many that take less, the four system calls
 * of it would be a tenth of their cost (bench D2). */
#define REMEMBER_AFTER_US G_USEC_PER_SEC

static void
remember_name (GCurlDownload *self)
{
  g_autofree char *part = NULL;
  g_autofree char *name = NULL;

  if (self->named_at == 0 || self->first_path == NULL || self->file == NULL)
    return;
  self->named_at = 0;
  part = g_strconcat (self->first_path, ".part", NULL);
  name = g_file_get_basename (self->file);
  self->control_written = TRUE;
  if (!_gcurl_control_write_identity (part, self->url, name))
    g_debug ("GCurlDownload: cannot write the control file of %s", part);
}

/* The head is in: the final name is known and reserved from now on, so
 * that an application can show it. */
static void
name_from_head (GCurlDownload *self)
{
  GCurlPartFile *part;
  g_autofree char *name = NULL;
  guint code = gcurl_transfer_get_response_code (self->head);

  if (self->folder == NULL || self->named || code < 200 || code >= 300)
    return;
  part = self->seg_part != NULL ? self->seg_part : _gcurl_transfer_peek_part (self->transfer);
  if (part == NULL)
    return;
  name = response_name (self);
  /* No name free now: tried again at the end. */
  if (name_part (self, part, name, NULL) && self->seg_part == NULL)
    self->named_at = g_get_monotonic_time ();
}

/* The transfer's figures are the file's (a resumed part counted). */
static void
sync_progress (GCurlDownload *self)
{
  gint64 received = gcurl_transfer_get_bytes_received (self->transfer);
  gint64 total = gcurl_transfer_get_total_bytes (self->transfer);
  gint64 speed = gcurl_transfer_get_download_speed (self->transfer);
  gboolean changed = FALSE;

  if (self->engine != NULL)
    {
      received = _gcurl_segments_get_received (self->engine);
      total = self->total_bytes;
      speed = _gcurl_segments_get_speed (self->engine);
    }
  else if (self->probe != NULL || self->seg_ran)
    {
      received = self->bytes_received;
      total = self->total_bytes;
      speed = 0;
    }

  g_object_freeze_notify (G_OBJECT (self));
  if (received != self->bytes_received)
    {
      self->bytes_received = received;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_BYTES_RECEIVED]);
      changed = TRUE;
    }
  if (total != self->total_bytes)
    {
      self->total_bytes = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_BYTES]);
      changed = TRUE;
    }
  if (speed != self->speed)
    {
      self->speed = speed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_DOWNLOAD_SPEED]);
      changed = TRUE;
    }
  if (changed)
    update_eta (self);
  g_object_thaw_notify (G_OBJECT (self));
}

static void
transfer_notify_cb (GObject    *object,
                    GParamSpec *pspec,
                    gpointer    data)
{
  GCurlDownload *self = data;
  const char *name = pspec->name;

  if (g_str_equal (name, "bytes-received") || g_str_equal (name, "total-bytes") ||
      g_str_equal (name, "download-speed"))
    {
      if (is_active (self) && self->head == self->transfer)
        sync_progress (self);
      if (self->named_at != 0 &&
          g_get_monotonic_time () - self->named_at >= REMEMBER_AFTER_US)
        remember_name (self);
    }
  else if (g_str_equal (name, "response-code") && is_active (self) &&
           self->head == self->transfer)
    name_from_head (self);
}

/* ---- The end of a run: verify, name, move into place ------------------ */

static void
commit (GCurlDownload *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *name = NULL;

  if (self->folder != NULL && !self->named)
    {
      name = response_name (self);
      if (!name_part (self, self->held, name, &error))
        goto failed;
    }

  /* Another program may take the name between the check and the rename,
   * which never replaces in folder mode: then the next free one. */
  for (guint tries = 0; ; tries++)
    {
      g_clear_error (&error);
      if (_gcurl_part_file_commit (self->held, &error))
        break;
      if (self->folder == NULL || tries >= 5 ||
          !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
        goto failed;
      g_clear_error (&error);
      if (name == NULL)
        name = response_name (self);
      if (!name_part (self, self->held, name, &error))
        goto failed;
    }
  finish (self, GCURL_DOWNLOAD_STATE_FINISHED, NULL);
  return;

failed:
  _gcurl_part_file_abandon (self->held, FALSE);
  {
    g_autofree char *url = shown_url (self);

    finish (self, GCURL_DOWNLOAD_STATE_FAILED,
            g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE, "Download of %s failed: %s", url,
                         error->message));
  }
}

static void
verify_done (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(GCurlDownload) self = data;
  g_autoptr(GError) error = NULL;
  g_autofree char *hex = _gcurl_checksum_fd_finish (result, &error);
  g_autofree char *url = NULL;
  g_autofree char *part_name = NULL;

  if (self->held == NULL)
    return;
  url = shown_url (self);
  part_name = g_filename_display_basename (_gcurl_part_file_get_part_path (self->held));

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      _gcurl_part_file_abandon (self->held,
                                (self->flags & GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL) == 0);
      finish (self, GCURL_DOWNLOAD_STATE_CANCELLED,
              g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Download of %s was cancelled", url));
      return;
    }
  if (error != NULL)
    {
      _gcurl_part_file_abandon (self->held, FALSE);
      finish (self, GCURL_DOWNLOAD_STATE_FAILED,
              g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE, "Download of %s failed: %s", url,
                           error->message));
      return;
    }
  if (strcmp (hex, self->sum_hex) != 0)
    {
      /* Kept under its part name, for a look at what came. */
      _gcurl_part_file_abandon (self->held, FALSE);
      finish (self, GCURL_DOWNLOAD_STATE_FAILED,
              g_error_new (GCURL_ERROR, GCURL_ERROR_CHECKSUM,
                           "Download of %s failed: its %s is %s, not %s as %s; the data is "
                           "kept in %s", url, _gcurl_checksum_type_name (self->sum_type), hex,
                           self->sum_hex, self->sum_origin, part_name));
      return;
    }
  g_free (self->verified);
  self->verified = g_strdup_printf ("%s=%s", _gcurl_checksum_type_name (self->sum_type), hex);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_VERIFIED_CHECKSUM]);
  commit (self);
}

/* The checksum to verify against: the one given, else one the server
 * sent for the whole representation (RFC 9530's Repr-Digest, then RFC
 * 3230's Digest). A file download asks for no content coding, so they
 * are of the bytes on disk. */
static gboolean
expected_checksum (GCurlDownload *self)
{
  const char *value;

  if (self->sum_hex != NULL)
    return TRUE;
  value = gcurl_transfer_get_response_header (self->head, "Content-Encoding");
  if (value != NULL && g_ascii_strcasecmp (value, "identity") != 0)
    return FALSE;
  value = gcurl_transfer_get_response_header (self->head, "Repr-Digest");
  if (value != NULL && _gcurl_checksum_from_header (value, FALSE, &self->sum_type, &self->sum_hex))
    {
      self->sum_origin = "the server's Repr-Digest header says";
      return TRUE;
    }
  value = gcurl_transfer_get_response_header (self->head, "Digest");
  if (value != NULL && _gcurl_checksum_from_header (value, TRUE, &self->sum_type, &self->sum_hex))
    {
      self->sum_origin = "the server's Digest header says";
      return TRUE;
    }
  return FALSE;
}

static void
verify (GCurlDownload *self)
{
  g_autoptr(GError) error = NULL;
  GMainContext *context = gcurl_multi_source_get_context (self->source);
  int fd;

  fd = _gcurl_part_file_open_for_reading (self->held, &error);
  if (fd < 0)
    {
      g_autofree char *url = shown_url (self);

      _gcurl_part_file_abandon (self->held, FALSE);
      finish (self, GCURL_DOWNLOAD_STATE_FAILED,
              g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE, "Download of %s failed: %s", url,
                           error->message));
      return;
    }
  set_state (self, GCURL_DOWNLOAD_STATE_VERIFYING);
  self->verify_cancellable = g_cancellable_new ();
  /* The answer comes in the source's context, the only one used. */
  g_main_context_push_thread_default (context);
  _gcurl_checksum_fd_async (fd, self->sum_type, self->verify_cancellable, verify_done,
                            g_object_ref (self));
  g_main_context_pop_thread_default (context);
}

/* ---- Retries ---------------------------------------------------------- */

/* doc/errors.md's "worth retrying": time limits, broken connections,
 * refused connections and failed lookups (a server restarting, a network
 * coming back), and the statuses that mean "later". */
static gboolean
worth_retrying (GCurlDownload *self,
                const GError  *error)
{
  guint code;

  if (error->domain != GCURL_ERROR)
    return FALSE;
  switch (error->code)
    {
    case GCURL_ERROR_TIMED_OUT:
    case GCURL_ERROR_PARTIAL:
    case GCURL_ERROR_CONNECT_FAILED:
    case GCURL_ERROR_HOST_NOT_FOUND:
      return TRUE;
    case GCURL_ERROR_HTTP_STATUS:
      code = gcurl_transfer_get_response_code (self->head);
      return code == 408 || code == 429 || code == 500 || code == 502 || code == 503 ||
             code == 504;
    default:
      return FALSE;
    }
}

/* Retry-After, in ms: delay-seconds or an HTTP date; -1 without one. */
static gint64
retry_after_ms (GCurlDownload *self)
{
  const char *value = gcurl_transfer_get_response_header (self->head, "Retry-After");
  time_t when;

  if (value == NULL)
    return -1;
  while (*value == ' ' || *value == '\t')
    value++;
  if (g_ascii_isdigit (*value))
    {
      guint64 seconds = 0;
      const char *end = value;

      while (g_ascii_isdigit (*end) && seconds < G_MAXUINT32)
        seconds = seconds * 10 + (guint64) (*end++ - '0');
      while (*end == ' ' || *end == '\t')
        end++;
      if (*end != '\0')
        return -1;
      return (gint64) MIN (seconds, (guint64) G_MAXUINT32) * 1000;
    }
  when = curl_getdate (value, NULL);
  if (when == -1)
    return -1;
  return MAX (0, ((gint64) when - (gint64) time (NULL)) * 1000);
}

/* Attempts so far that count against retries: moving to a mirror does
 * not. */
static guint
tries (GCurlDownload *self)
{
  return self->attempt - self->switches;
}

/* Exponential back-off from retry-delay, with jitter (half of it to the
 * whole), so that many downloads that failed together do not come back
 * together; never sooner than the server's Retry-After. */
static guint
next_delay (GCurlDownload *self)
{
  guint64 base = (guint64) self->retry_delay << MIN (tries (self) - 1, 20u);
  gint64 after = retry_after_ms (self);
  guint64 delay;

  base = MIN (base, (guint64) MAX_BACKOFF_MS);
  delay = base / 2 + (guint64) g_random_int_range (0, (gint32) (base / 2) + 1);
  if (after >= 0)
    delay = MAX (delay, (guint64) MIN (after, (gint64) MAX_RETRY_AFTER_MS));
  return (guint) delay;
}

static gboolean
retry_cb (gpointer data)
{
  GCurlDownload *self = data;

  g_clear_pointer (&self->retry_timer, g_source_unref);
  start_attempt (self);
  return G_SOURCE_REMOVE;
}

static void
schedule_retry (GCurlDownload *self,
                guint          delay)
{
  self->retry_timer = g_timeout_source_new (delay);
  g_source_set_static_name (self->retry_timer, "GCurlDownload retry");
  g_source_set_callback (self->retry_timer, retry_cb, g_object_ref (self), g_object_unref);
  g_source_attach (self->retry_timer, gcurl_multi_source_get_context (self->source));
}

/* An attempt failed with @error: TRUE if another follows after a delay
 * (WAITING), when the error is worth it and retries are left. */
static gboolean
retry_later (GCurlDownload *self,
             const GError  *error)
{
  if (tries (self) > self->retries || !worth_retrying (self, error))
    return FALSE;
  set_state (self, GCURL_DOWNLOAD_STATE_WAITING);
  schedule_retry (self, next_delay (self));
  return TRUE;
}

/* ---- Mirrors ---------------------------------------------------------- */

/* The URL this attempt goes to. */
static const char *
current_url (GCurlDownload *self)
{
  return self->live->pdata[0];
}

/* Credentials go to the download's own origin only: a mirror elsewhere
 * (a Metalink's, say) must not collect them. */
static void
aim (GCurlDownload *self,
     GCurlTransfer *transfer)
{
  gcurl_transfer_set_url (transfer, current_url (self));
  _gcurl_transfer_withhold_credentials (transfer,
                                        !_gcurl_url_same_origin (current_url (self), self->url));
}

static void
mirror_dropped (GCurlDownload *self,
                const char    *url,
                const GError  *error)
{
  g_autofree char *shown = _gcurl_display_url (url);

  g_debug ("GCurlDownload: dropping the mirror %s: %s", shown, error->message);
  g_signal_emit (self, signals[SIGNAL_MIRROR_DROPPED], 0, url, error);
}

/* The URL in use failed with @error: TRUE when another is left to try
 * (the next attempt starts at once, not counted as a retry). */
static gboolean
drop_current (GCurlDownload *self,
              const GError  *error)
{
  g_autofree char *url = NULL;

  if (self->live->len < 2 || !_gcurl_segments_mirror_at_fault (error))
    return FALSE;
  url = g_ptr_array_steal_index (self->live, 0);
  self->switches++;
  mirror_dropped (self, url, error);
  return TRUE;
}

static void
segments_mirror_dropped (const char   *url,
                         const GError *error,
                         gpointer      data)
{
  GCurlDownload *self = data;

  for (guint i = 0; i < self->live->len; i++)
    if (g_str_equal (self->live->pdata[i], url))
      {
        g_ptr_array_remove_index (self->live, i);
        break;
      }
  mirror_dropped (self, url, error);
}

/* ---- Attempts --------------------------------------------------------- */

static gboolean delete_part (GCurlDownload *self,
                             gboolean       this_run,
                             GError       **error);

static void
attempt_done (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  g_autoptr(GCurlDownload) self = data;
  g_autoptr(GError) error = NULL;

  if (!gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &error))
    {
      /* The part it kept is this download's to remove on cancel. */
      if (gcurl_transfer_get_bytes_received (self->transfer) > 0)
        {
          self->wrote_part = TRUE;
          remember_name (self);   /* waiting to retry, or over, the part stays */
        }
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *url = shown_url (self);

          finish (self, GCURL_DOWNLOAD_STATE_CANCELLED,
                  g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Download of %s was cancelled",
                               url));
          return;
        }
      if (drop_current (self, error))
        {
          start_attempt (self);
          return;
        }
      /* Asked for the rest, the server sent the whole resource (a 200: it
       * serves no ranges). What is on disk is of no use to it: the same
       * attempt goes on from the first byte, once a run. */
      if (gcurl_transfer_get_curl_code (self->transfer) == CURLE_RANGE_ERROR && !self->from_zero)
        {
          g_autoptr(GError) delete_error = NULL;
          g_autofree char *url = shown_url (self);

          g_debug ("GCurlDownload: %s serves no ranges; starting again from the first byte", url);
          self->from_zero = TRUE;
          if (!delete_part (self, TRUE, &delete_error))
            {
              finish (self, GCURL_DOWNLOAD_STATE_FAILED, g_steal_pointer (&delete_error));
              return;
            }
          run_attempt (self);
          return;
        }
      if (retry_later (self, error))
        return;
      finish (self, GCURL_DOWNLOAD_STATE_FAILED, g_steal_pointer (&error));
      return;
    }

  self->held = _gcurl_transfer_take_held_part (self->transfer);
  if (self->held == NULL)
    {
      /* Cannot happen with file output; said rather than assumed. */
      finish (self, GCURL_DOWNLOAD_STATE_FAILED,
              g_error_new_literal (GCURL_ERROR, GCURL_ERROR_FAILED, "The download has no file"));
      return;
    }
  if (expected_checksum (self))
    verify (self);
  else
    commit (self);
}

/* How many free names past the first a resuming download looks at for a
 * part of its own (one put at "name (2)" while another had "name", which
 * is gone since). */
#define MAX_FREE_LOOKS 16

/* Where the part of a download into the folder is: the URL's name (or
 * the filename given), numbered past those another download of this
 * process has. Not resuming, past those with a part on disk too.
 * Resuming, the one whose control file names this URL (with the final
 * name it keeps, in @saved_name if not NULL), else the first that is
 * free or has a part of no one's (a single connection's of before);
 * never one whose control file names another URL. The path, less
 * ".part". */
static char *
find_part_path (GCurlDownload  *self,
                gboolean        resume,
                char          **saved_name,
                GError        **error)
{
  g_autofree char *folder = g_file_get_path (self->folder);
  g_autofree char *raw = self->filename != NULL ? g_strdup (self->filename)
                                                : _gcurl_filename_from_url (self->url);
  g_autofree char *name = _gcurl_filename_sanitize (raw);
  g_autofree char *fallback = NULL;
  guint free_looks = 0;

  if (saved_name != NULL)
    *saved_name = NULL;
  if (folder == NULL)
    {
      g_autofree char *parse = g_file_get_parse_name (self->folder);

      g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                   "Cannot download into %s: not a local folder", parse);
      return NULL;
    }
  for (guint n = 0; n < MAX_NAME_TRIES; n++)
    {
      g_autofree char *candidate = numbered_name (name, n);
      g_autofree char *path = g_build_filename (folder, candidate, NULL);
      g_autofree char *part = g_strconcat (path, ".part", NULL);
      g_autofree char *control = NULL;
      g_autofree char *their_url = NULL;
      g_autofree char *their_name = NULL;
      gboolean part_there = _gcurl_path_present (part);

      if (_gcurl_part_file_name_reserved (path))
        continue;
      if (!resume)
        {
          if (part_there)
            continue;
          return g_steal_pointer (&path);
        }
      control = _gcurl_segments_control_path (part);
      if (!part_there && !_gcurl_path_present (control))
        {
          if (fallback == NULL)
            fallback = g_strdup (path);
          if (++free_looks > MAX_FREE_LOOKS)
            break;
          continue;
        }
      /* A part whose control file names another URL is another
       * download's (two URLs with one name); ours gives the final name. */
      if (_gcurl_control_read_identity (part, &their_url, &their_name) && their_url != NULL)
        {
          if (!g_str_equal (their_url, self->url))
            continue;
          if (saved_name != NULL)
            *saved_name = g_steal_pointer (&their_name);
          return g_steal_pointer (&path);
        }
      if (fallback == NULL)
        fallback = g_strdup (path);
    }
  if (fallback != NULL)
    return g_steal_pointer (&fallback);
  g_set_error (error, G_IO_ERROR, G_IO_ERROR_EXISTS, "No free name for %s", name);
  return NULL;
}

/* The part's name in folder mode, chosen at the first attempt and kept
 * for the others, which resume it. */
static gboolean
choose_first_path (GCurlDownload  *self,
                   GError        **error)
{
  self->first_path = find_part_path (self, (self->flags & GCURL_DOWNLOAD_FLAGS_RESUME) != 0,
                                     &self->saved_name, error);
  return self->first_path != NULL;
}

/* ---- Segments --------------------------------------------------------- */

/* Where the part is: NAME.part beside the final name, or the first
 * guess of it in folder mode. */
static char *
part_base (GCurlDownload *self)
{
  return self->folder != NULL ? g_strdup (self->first_path) : g_file_get_path (self->file);
}

static char *
part_path (GCurlDownload *self)
{
  g_autofree char *base = part_base (self);

  return g_strconcat (base, ".part", NULL);
}

/* A part the segments wrote is only good with its control file: before
 * one connection resumes it by its length, both go. */
static void
forget_segmented_part (GCurlDownload *self)
{
  g_autofree char *part = part_path (self);

  if (!_gcurl_segments_has_control (part))
    return;
  g_debug ("GCurlDownload: %s was written in segments; starting it again", part);
  g_unlink (part);
  _gcurl_segments_discard_control (part);
}

static void
segments_progress (gpointer data)
{
  GCurlDownload *self = data;

  sync_progress (self);
}

static void
segments_done (GError        *error,
               GCurlTransfer *failed,
               gpointer       data)
{
  g_autoptr(GCurlDownload) self = data;   /* the engine's reference */
  g_autoptr(GError) owned = error;
  g_autofree char *url = shown_url (self);

  /* The failed transfer's response decides on a retry: kept past the
   * engine, as the head until the next attempt. */
  if (failed != NULL)
    {
      g_set_object (&self->probe, failed);
      self->head = self->probe;
    }
  sync_progress (self);
  g_clear_pointer (&self->engine, _gcurl_segments_free);

  if (error == NULL)
    {
      g_autoptr(GError) close_error = NULL;

      self->held = g_steal_pointer (&self->seg_part);
      if (!_gcurl_part_file_finish_writing (self->held, &close_error))
        {
          _gcurl_part_file_abandon (self->held, FALSE);
          finish (self, GCURL_DOWNLOAD_STATE_FAILED,
                  g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE, "Download of %s failed: %s", url,
                               close_error->message));
          return;
        }
      if (expected_checksum (self))
        verify (self);
      else
        commit (self);
      return;
    }

  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gboolean discard = (self->flags & GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL) == 0;
      const char *part = _gcurl_part_file_get_part_path (self->seg_part);

      if (discard)
        _gcurl_segments_discard_control (part);
      _gcurl_part_file_abandon (self->seg_part, discard);
      g_clear_pointer (&self->seg_part, _gcurl_part_file_free);
      finish (self, GCURL_DOWNLOAD_STATE_CANCELLED,
              g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Download of %s was cancelled", url));
      return;
    }
  _gcurl_part_file_abandon (self->seg_part, FALSE);
  g_clear_pointer (&self->seg_part, _gcurl_part_file_free);
  if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED))
    {
      /* Ranges refused, or the resource changed under If-Range: one
       * connection, from the start. */
      g_debug ("Download of %s: %s; going on over one connection", url, error->message);
      forget_segmented_part (self);
      self->single = TRUE;
      run_attempt (self);
      return;
    }
  if (retry_later (self, error))
    return;
  finish (self, GCURL_DOWNLOAD_STATE_FAILED,
          g_error_new (error->domain, error->code, "Download of %s failed: %s", url,
                       error->message));
}

/* The probe's answer: "bytes 0-0/TOTAL" says the server serves ranges and
 * how long the resource is. */
static gint64
probed_total (GCurlTransfer *probe)
{
  const char *range = gcurl_transfer_get_response_header (probe, "Content-Range");
  const char *encoding = gcurl_transfer_get_response_header (probe, "Content-Encoding");
  guint64 total;

  if (gcurl_transfer_get_response_code (probe) != 206 || range == NULL ||
      !g_str_has_prefix (range, "bytes 0-0/"))
    return -1;
  if (encoding != NULL && g_ascii_strcasecmp (encoding, "identity") != 0)
    return -1;
  if (!g_ascii_string_to_unsigned (range + strlen ("bytes 0-0/"), 10, 1, G_MAXINT64, &total, NULL))
    return -1;
  return (gint64) total;
}

/* A strong ETag, else Last-Modified: what If-Range compares. */
static const char *
validator (GCurlTransfer *probe)
{
  const char *etag = gcurl_transfer_get_response_header (probe, "ETag");

  if (etag != NULL && etag[0] == '"')
    return etag;
  return gcurl_transfer_get_response_header (probe, "Last-Modified");
}

static void
probe_done (GObject      *object,
            GAsyncResult *result,
            gpointer      data)
{
  g_autoptr(GCurlDownload) self = data;
  g_autoptr(GError) error = NULL;
  gint64 total;

  if (!gcurl_multi_source_perform_finish (GCURL_MULTI_SOURCE (object), result, &error))
    {
      if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
        {
          g_autofree char *url = shown_url (self);

          finish (self, GCURL_DOWNLOAD_STATE_CANCELLED,
                  g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Download of %s was cancelled",
                               url));
          return;
        }
      /* A body larger than a probe's (a server that answers a range with
       * the whole), or a range it does not like: one connection. */
      if (g_error_matches (error, GCURL_ERROR, GCURL_ERROR_TOO_LARGE) ||
          (g_error_matches (error, GCURL_ERROR, GCURL_ERROR_HTTP_STATUS) &&
           gcurl_transfer_get_response_code (self->probe) == 416))
        {
          self->single = TRUE;
          run_attempt (self);
          return;
        }
      if (drop_current (self, error))
        {
          start_attempt (self);
          return;
        }
      if (retry_later (self, error))
        return;
      finish (self, GCURL_DOWNLOAD_STATE_FAILED, g_steal_pointer (&error));
      return;
    }

  total = probed_total (self->probe);
  if (total < 2 * GCURL_SEGMENT_MIN)
    {
      g_debug ("GCurlDownload: no ranges, or too short for segments: one connection");
      self->single = TRUE;
      run_attempt (self);
      return;
    }
  self->total_bytes = total;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL_BYTES]);
  start_segments (self);
}

static void
start_segments (GCurlDownload *self)
{
  g_autoptr(GError) error = NULL;
  g_autofree char *base = part_base (self);
  g_autofree char *part = g_strconcat (base, ".part", NULL);
  gboolean resume = (self->flags & GCURL_DOWNLOAD_FLAGS_RESUME) != 0 || self->attempt > 1;
  gboolean has_control = _gcurl_segments_has_control (part);
  gint64 offset = 0;

  if (!resume && has_control)
    {
      _gcurl_segments_discard_control (part);
      has_control = FALSE;
    }
  if (self->folder != NULL)
    self->seg_part = _gcurl_part_file_new_named_later (base, resume, &offset, &error);
  else
    self->seg_part = _gcurl_part_file_new (base, resume,
                                           (self->flags & GCURL_DOWNLOAD_FLAGS_REPLACE) != 0,
                                           &offset, &error);
  /* A part as long as the whole, without its control file: what wrote it
   * cannot be told; start again. */
  if (self->seg_part != NULL && !has_control && offset >= self->total_bytes && resume)
    {
      _gcurl_part_file_free (self->seg_part);
      self->seg_part = self->folder != NULL
        ? _gcurl_part_file_new_named_later (base, FALSE, &offset, &error)
        : _gcurl_part_file_new (base, FALSE, TRUE, &offset, &error);
      offset = 0;
    }
  if (self->seg_part == NULL)
    {
      g_autofree char *url = shown_url (self);

      finish (self, GCURL_DOWNLOAD_STATE_FAILED,
              g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE, "Download of %s failed: %s", url,
                           error->message));
      return;
    }
  /* A part with a control file is trusted only as the control file says:
   * if that one does not match, from the start. */
  if (!resume || has_control)
    offset = 0;
  name_from_head (self);
  self->engine = _gcurl_segments_new (self->source, self->transfer, self->seg_part,
                                      self->total_bytes, validator (self->probe),
                                      self->segments, segments_progress, segments_done,
                                      g_object_ref (self));
  _gcurl_segments_set_mirrors (self->engine, (const char * const *) self->live->pdata, self->url,
                               segments_mirror_dropped);
  if (self->folder != NULL)
    {
      g_autofree char *name = self->named ? g_file_get_basename (self->file) : NULL;

      _gcurl_segments_set_identity (self->engine, self->url, name);
    }
  self->seg_ran = TRUE;
  self->wrote_part = TRUE;
  if (self->state == GCURL_DOWNLOAD_STATE_PAUSED)
    _gcurl_segments_pause (self->engine);
  if (!_gcurl_segments_start (self->engine, offset, self->attempt > 1, &error))
    {
      g_autofree char *url = shown_url (self);

      g_clear_pointer (&self->engine, _gcurl_segments_free);
      g_object_unref (self);   /* the engine's */
      _gcurl_part_file_abandon (self->seg_part, FALSE);
      g_clear_pointer (&self->seg_part, _gcurl_part_file_free);
      finish (self, GCURL_DOWNLOAD_STATE_FAILED,
              g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE, "Download of %s failed: %s", url,
                           error->message));
      return;
    }
  sync_progress (self);
}

/* A segmented attempt begins with a request for the first byte alone: a
 * 206 tells the length and that ranges are served. */
static void
start_probe (GCurlDownload *self)
{
  g_clear_object (&self->probe);
  self->probe = gcurl_transfer_new (self->url);
  _gcurl_transfer_copy_request (self->probe, self->transfer);
  aim (self, self->probe);
  gcurl_transfer_set_accept_encoding (self->probe, "identity");
  gcurl_transfer_set_request_header (self->probe, "Range", "bytes=0-0");
  gcurl_transfer_set_fail_on_http_error (self->probe, TRUE);
  gcurl_transfer_set_max_size (self->probe, 64 * 1024);
  gcurl_transfer_set_output_memory (self->probe);
  self->head = self->probe;
  set_state (self, GCURL_DOWNLOAD_STATE_RUNNING);
  gcurl_multi_source_perform_async (self->source, self->probe, NULL, probe_done,
                                    g_object_ref (self));
}

static void
start_attempt (GCurlDownload *self)
{
  self->attempt++;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ATTEMPT]);
  run_attempt (self);
}

/* The attempt goes on over one connection, or begins: going over to one
 * connection (no ranges, a short resource) is the same attempt. */
static void
run_attempt (GCurlDownload *self)
{
  g_autoptr(GFile) output = NULL;
  GCurlDownloadFlags flags = self->flags;

  if (self->segments > 1 && !self->single)
    {
      start_probe (self);
      return;
    }
  self->head = self->transfer;
  g_clear_object (&self->probe);
  /* Every attempt after the first goes on from what is on disk. */
  if (self->attempt > 1)
    flags |= GCURL_DOWNLOAD_FLAGS_RESUME;
  forget_segmented_part (self);
  if (self->folder != NULL)
    {
      output = g_file_new_for_path (self->first_path);
      self->named = FALSE;
    }
  else
    output = g_object_ref (self->file);
  gcurl_transfer_set_output_file (self->transfer, output, flags);
  aim (self, self->transfer);
  _gcurl_transfer_hold_part (self->transfer, TRUE, self->folder != NULL);
  set_state (self, GCURL_DOWNLOAD_STATE_RUNNING);
  gcurl_multi_source_perform_async (self->source, self->transfer, NULL, attempt_done,
                                    g_object_ref (self));
}

/* ---- Cancellation from any thread ------------------------------------ */

/* The run's cancellable may be cancelled in any thread: the download is
 * cancelled in its source's context. Neither holds the other alive. */
typedef struct
{
  gatomicrefcount  ref;
  GWeakRef         download;
  GMainContext    *context;
} CancelHop;

static CancelHop *
cancel_hop_ref (CancelHop *hop)
{
  g_atomic_ref_count_inc (&hop->ref);
  return hop;
}

static void
cancel_hop_unref (gpointer data)
{
  CancelHop *hop = data;

  if (!g_atomic_ref_count_dec (&hop->ref))
    return;
  g_weak_ref_clear (&hop->download);
  g_main_context_unref (hop->context);
  g_free (hop);
}

static gboolean
cancel_in_context (gpointer data)
{
  CancelHop *hop = data;
  g_autoptr(GCurlDownload) self = g_weak_ref_get (&hop->download);

  if (self != NULL)
    gcurl_download_cancel (self);
  return G_SOURCE_REMOVE;
}

static void
user_cancelled (GCancellable *cancellable,
                gpointer      data)
{
  CancelHop *hop = data;
  GSource *idle = g_idle_source_new ();

  /* Always from an idle, never at once: this handler may run in the
   * context's own thread, inside g_cancellable_cancel(), where
   * disconnecting it (the run's end) would wait for it forever. */
  g_source_set_priority (idle, G_PRIORITY_DEFAULT);
  g_source_set_static_name (idle, "GCurlDownload cancellation");
  g_source_set_callback (idle, cancel_in_context, cancel_hop_ref (hop), cancel_hop_unref);
  g_source_attach (idle, hop->context);
  g_source_unref (idle);
}

/* ---- Public API ------------------------------------------------------- */

/**
 * GCurlDownload:
 *
 * One resource downloaded to a file, or into a folder under the name the
 * server gives, with its progress as a whole, pause, resume and cancel,
 * a checksum verified before the file is moved into place, and retries.
 *
 * It runs a [class@GCurl.Transfer] (see [method@GCurl.Download.get_transfer]
 * to set its request options), again for each attempt. The body goes to
 * `NAME.part` as with [method@GCurl.Transfer.set_output_file]; when the
 * last attempt succeeds, the part is verified (in a worker thread, so that
 * a large file does not block the main loop), given its final name, and
 * renamed into place. A failed or mismatched download never leaves a file
 * under the final name.
 *
 * ```python
 * d = GCurl.Download.new_for_folder(url, Gio.File.new_for_path(downloads))
 * d.props.checksum = "sha256=" + expected
 * d.props.retries = 5
 * d.run_async(source, None, done)
 * # in done(): d.run_finish(result); d.props.file is where it is
 * ```
 *
 * **Names.** In folder mode the final name comes from the response: the
 * `Content-Disposition` header (`filename*` over `filename`; see
 * [property@GCurl.Download:content-disposition]), else the last URL after
 * redirects, else the URL asked for. It is sanitized (no directory, no
 * control characters, no leading dot, at most 240 bytes) and made unique
 * against the folder's files and parts and this process's other
 * downloads: `name (1).ext` and so on. [property@GCurl.Download:file]
 * tells it as soon as the response head is in. Until then, and to resume,
 * the part is named after the URL.
 *
 * **Retries.** An attempt that fails in a way doc/errors.md calls worth
 * retrying (time limits, a broken, refused or unresolved connection, the
 * statuses 408, 429, 500, 502, 503 and 504) is followed by another after
 * a delay, up to [property@GCurl.Download:retries] times. Each resumes
 * from what is on disk. The delay doubles from
 * [property@GCurl.Download:retry-delay] up to a minute, less up to half of
 * it at random, and is never shorter than the server's `Retry-After` (up
 * to an hour).
 */

/**
 * gcurl_download_new_for_file:
 * @url: the URL to download
 * @file: the file to write
 *
 * A download of @url to @file, through `FILE.part` (see
 * [method@GCurl.Transfer.set_output_file] and
 * [property@GCurl.Download:flags]).
 *
 * Returns: (transfer full): a new #GCurlDownload
 */
GCurlDownload *
gcurl_download_new_for_file (const char *url,
                             GFile      *file)
{
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (G_IS_FILE (file), NULL);

  return g_object_new (GCURL_TYPE_DOWNLOAD, "url", url, "file", file, NULL);
}

/**
 * gcurl_download_new_for_folder:
 * @url: the URL to download
 * @folder: the folder to download into
 *
 * A download of @url into @folder, under the name the response gives
 * (see the description of [class@GCurl.Download]).
 *
 * Returns: (transfer full): a new #GCurlDownload
 */
GCurlDownload *
gcurl_download_new_for_folder (const char *url,
                               GFile      *folder)
{
  g_return_val_if_fail (url != NULL, NULL);
  g_return_val_if_fail (G_IS_FILE (folder), NULL);

  return g_object_new (GCURL_TYPE_DOWNLOAD, "url", url, "folder", folder, NULL);
}

/**
 * gcurl_download_get_url: (get-property url)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:url].
 *
 * Returns: the URL
 */
const char *
gcurl_download_get_url (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return self->url;
}

/**
 * gcurl_download_get_folder: (get-property folder)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:folder].
 *
 * Returns: (transfer none) (nullable): the folder, or %NULL for a
 *   download to a file
 */
GFile *
gcurl_download_get_folder (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return self->folder;
}

/**
 * gcurl_download_get_file: (get-property file)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:file].
 *
 * Returns: (transfer none) (nullable): the file, or %NULL in folder mode
 *   before the response named it
 */
GFile *
gcurl_download_get_file (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return self->file;
}

/**
 * gcurl_download_get_transfer: (get-property transfer)
 * @self: a #GCurlDownload
 *
 * The transfer each attempt runs: set its request options (headers,
 * credentials, time limits, speed limits …) before
 * [method@GCurl.Download.run_async]. Its output is the download's.
 * Its [property@GCurl.Transfer:receive-buffer-size] starts at 128 KiB,
 * not the transfer's 32 KiB: fewer reads for one large body.
 *
 * Returns: (transfer none): the transfer
 */
GCurlTransfer *
gcurl_download_get_transfer (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return self->transfer;
}

/**
 * gcurl_download_get_flags: (get-property flags)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:flags].
 *
 * Returns: the flags
 */
GCurlDownloadFlags
gcurl_download_get_flags (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), 0);
  return self->flags;
}

/**
 * gcurl_download_set_flags: (set-property flags)
 * @self: a #GCurlDownload
 * @flags: the flags
 *
 * Sets [property@GCurl.Download:flags]. Not while it runs.
 */
void
gcurl_download_set_flags (GCurlDownload      *self,
                          GCurlDownloadFlags  flags)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (!is_active (self));

  if (self->flags == flags)
    return;
  self->flags = flags;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FLAGS]);
}

/**
 * gcurl_download_get_checksum: (get-property checksum)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:checksum].
 *
 * Returns: (nullable): the checksum
 */
const char *
gcurl_download_get_checksum (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return self->checksum;
}

/**
 * gcurl_download_set_checksum: (set-property checksum)
 * @self: a #GCurlDownload
 * @checksum: (nullable): `ALGORITHM=HEX`, or %NULL
 *
 * Sets [property@GCurl.Download:checksum]. Not while it runs.
 */
void
gcurl_download_set_checksum (GCurlDownload *self,
                             const char    *checksum)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (!is_active (self));

  if (g_strcmp0 (self->checksum, checksum) == 0)
    return;
  g_free (self->checksum);
  self->checksum = g_strdup (checksum);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CHECKSUM]);
}

/**
 * gcurl_download_get_retries: (get-property retries)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:retries].
 *
 * Returns: the number of retries
 */
guint
gcurl_download_get_retries (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), 0);
  return self->retries;
}

/**
 * gcurl_download_set_retries: (set-property retries)
 * @self: a #GCurlDownload
 * @retries: attempts after the first
 *
 * Sets [property@GCurl.Download:retries]; also while it runs, for the
 * attempts to come.
 */
void
gcurl_download_set_retries (GCurlDownload *self,
                            guint          retries)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));

  if (self->retries == retries)
    return;
  self->retries = retries;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRIES]);
}

/**
 * gcurl_download_get_retry_delay: (get-property retry-delay)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:retry-delay].
 *
 * Returns: the first delay, in milliseconds
 */
guint
gcurl_download_get_retry_delay (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), 0);
  return self->retry_delay;
}

/**
 * gcurl_download_set_retry_delay: (set-property retry-delay)
 * @self: a #GCurlDownload
 * @milliseconds: the first delay
 *
 * Sets [property@GCurl.Download:retry-delay].
 */
void
gcurl_download_set_retry_delay (GCurlDownload *self,
                                guint          milliseconds)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));

  if (self->retry_delay == milliseconds)
    return;
  self->retry_delay = milliseconds;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RETRY_DELAY]);
}

/**
 * gcurl_download_get_content_disposition: (get-property content-disposition)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:content-disposition].
 *
 * Returns: whether the server's file name is used
 */
gboolean
gcurl_download_get_content_disposition (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), FALSE);
  return self->content_disposition;
}

/**
 * gcurl_download_set_content_disposition: (set-property content-disposition)
 * @self: a #GCurlDownload
 * @use: whether to use the server's file name
 *
 * Sets [property@GCurl.Download:content-disposition]. Not while it runs.
 */
void
gcurl_download_set_content_disposition (GCurlDownload *self,
                                        gboolean       use)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (!is_active (self));

  use = !!use;
  if (self->content_disposition == use)
    return;
  self->content_disposition = use;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_CONTENT_DISPOSITION]);
}

/**
 * gcurl_download_get_segments: (get-property segments)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:segments].
 *
 * Returns: the connections a download may use at most
 */
guint
gcurl_download_get_segments (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), 1);
  return self->segments;
}

/**
 * gcurl_download_set_segments: (set-property segments)
 * @self: a #GCurlDownload
 * @segments: 1 to 16
 *
 * Sets [property@GCurl.Download:segments]. Not while it runs.
 */
void
gcurl_download_set_segments (GCurlDownload *self,
                             guint          segments)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (!is_active (self));
  g_return_if_fail (segments >= 1 && segments <= GCURL_DOWNLOAD_MAX_SEGMENTS);

  if (self->segments == segments)
    return;
  self->segments = segments;
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SEGMENTS]);
}

/**
 * gcurl_download_get_mirrors: (get-property mirrors)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:mirrors].
 *
 * Returns: (transfer none) (nullable) (array zero-terminated=1): the other
 *   URLs of the same file, or %NULL
 */
const char * const *
gcurl_download_get_mirrors (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return (const char * const *) self->mirrors;
}

/**
 * gcurl_download_set_mirrors: (set-property mirrors)
 * @self: a #GCurlDownload
 * @mirrors: (nullable) (array zero-terminated=1): other URLs of the same
 *   file, or %NULL for none
 *
 * Sets [property@GCurl.Download:mirrors]. Not while it runs.
 */
void
gcurl_download_set_mirrors (GCurlDownload      *self,
                            const char * const *mirrors)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (!is_active (self));

  if (mirrors != NULL && mirrors[0] == NULL)
    mirrors = NULL;
  if (mirrors == NULL && self->mirrors == NULL)
    return;
  if (mirrors != NULL && self->mirrors != NULL &&
      g_strv_equal ((const char * const *) self->mirrors, mirrors))
    return;
  g_strfreev (self->mirrors);
  self->mirrors = g_strdupv ((char **) mirrors);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_MIRRORS]);
}

/**
 * gcurl_download_get_filename: (get-property filename)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:filename].
 *
 * Returns: (nullable): the name asked for in folder mode, or %NULL
 */
const char *
gcurl_download_get_filename (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return self->filename;
}

/**
 * gcurl_download_set_filename: (set-property filename)
 * @self: a #GCurlDownload
 * @filename: (nullable) (type filename): a name, or %NULL for the
 *   response's
 *
 * Sets [property@GCurl.Download:filename]. Not while it runs.
 */
void
gcurl_download_set_filename (GCurlDownload *self,
                             const char    *filename)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (!is_active (self));

  if (g_strcmp0 (self->filename, filename) == 0)
    return;
  g_free (self->filename);
  self->filename = g_strdup (filename);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILENAME]);
}

/**
 * gcurl_download_get_state: (get-property state)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:state].
 *
 * Returns: the state
 */
GCurlDownloadState
gcurl_download_get_state (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), GCURL_DOWNLOAD_STATE_NEW);
  return self->state;
}

/**
 * gcurl_download_get_attempt: (get-property attempt)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:attempt].
 *
 * Returns: the attempts made in this run, the current one included
 */
guint
gcurl_download_get_attempt (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), 0);
  return self->attempt;
}

/**
 * gcurl_download_get_bytes_received: (get-property bytes-received)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:bytes-received].
 *
 * Returns: the bytes of the file received so far
 */
gint64
gcurl_download_get_bytes_received (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), 0);
  return self->bytes_received;
}

/**
 * gcurl_download_get_total_bytes: (get-property total-bytes)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:total-bytes].
 *
 * Returns: the size of the file, or -1 while it is unknown
 */
gint64
gcurl_download_get_total_bytes (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), -1);
  return self->total_bytes;
}

/**
 * gcurl_download_get_download_speed: (get-property download-speed)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:download-speed].
 *
 * Returns: bytes per second
 */
gint64
gcurl_download_get_download_speed (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), 0);
  return self->speed;
}

/**
 * gcurl_download_get_eta: (get-property eta)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:eta].
 *
 * Returns: seconds left, or -1 while unknown
 */
gint64
gcurl_download_get_eta (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), -1);
  if (self->state != GCURL_DOWNLOAD_STATE_RUNNING || self->total_bytes < 0 || self->speed <= 0)
    return -1;
  return (MAX (0, self->total_bytes - self->bytes_received) + self->speed - 1) / self->speed;
}

/**
 * gcurl_download_get_verified_checksum: (get-property verified-checksum)
 * @self: a #GCurlDownload
 *
 * Gets [property@GCurl.Download:verified-checksum].
 *
 * Returns: (nullable): `ALGORITHM=HEX`, or %NULL
 */
const char *
gcurl_download_get_verified_checksum (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return self->verified;
}

/**
 * gcurl_download_get_error:
 * @self: a #GCurlDownload
 *
 * The error the last run ended with.
 *
 * Returns: (nullable) (transfer none): the error, or %NULL
 */
const GError *
gcurl_download_get_error (GCurlDownload *self)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), NULL);
  return self->error;
}

/**
 * gcurl_download_run_async:
 * @self: a #GCurlDownload
 * @source: the source to run its transfer
 * @cancellable: (nullable): a #GCancellable, or %NULL
 * @callback: (scope async) (closure user_data): called when the download
 *   is over
 * @user_data: data for @callback
 *
 * Runs the download to its end: attempts, verification, the move into
 * place. Call [method@GCurl.Download.run_finish] in @callback. A download
 * that is over may be run again (with %GCURL_DOWNLOAD_FLAGS_RESUME in
 * [property@GCurl.Download:flags] to go on from its part).
 *
 * From the thread of @source's context, like every method of the source.
 */
void
gcurl_download_run_async (GCurlDownload       *self,
                          GCurlMultiSource    *source,
                          GCancellable        *cancellable,
                          GAsyncReadyCallback  callback,
                          gpointer             user_data)
{
  g_autoptr(GTask) task = NULL;
  g_autoptr(GError) error = NULL;

  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (GCURL_IS_MULTI_SOURCE (source));
  g_return_if_fail (cancellable == NULL || G_IS_CANCELLABLE (cancellable));
  g_return_if_fail (_gcurl_multi_source_in_its_thread (source));

  task = g_task_new (self, cancellable, callback, user_data);
  g_task_set_source_tag (task, gcurl_download_run_async);
  g_task_set_check_cancellable (task, FALSE);
  if (is_active (self))
    {
      g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_PENDING,
                               "The download is already running");
      return;
    }
  if (g_task_return_error_if_cancelled (task))
    return;

  g_clear_pointer (&self->sum_hex, g_free);
  if (self->checksum != NULL)
    {
      if (!_gcurl_checksum_parse (self->checksum, &self->sum_type, &self->sum_hex))
        {
          g_autofree char *shown = _gcurl_display_text (self->checksum);

          g_task_return_new_error (task, G_IO_ERROR, G_IO_ERROR_INVALID_ARGUMENT,
                                   "“%.80s” is not a checksum: give sha256=HEX, sha512=HEX, "
                                   "sha1=HEX or md5=HEX", shown);
          return;
        }
      self->sum_origin = "expected";
    }
  g_clear_pointer (&self->first_path, g_free);
  g_clear_pointer (&self->saved_name, g_free);
  if (self->folder != NULL && !choose_first_path (self, &error))
    {
      g_clear_pointer (&self->sum_hex, g_free);
      g_task_return_error (task, g_steal_pointer (&error));
      return;
    }

  self->task = g_steal_pointer (&task);
  self->source = g_object_ref (source);
  self->attempt = 0;
  self->switches = 0;
  g_clear_pointer (&self->live, g_ptr_array_unref);
  /* NULL-terminated: the segments take it as a string vector. */
  self->live = g_ptr_array_new_null_terminated (1, g_free, TRUE);
  g_ptr_array_add (self->live, g_strdup (self->url));
  for (guint i = 0; self->mirrors != NULL && self->mirrors[i] != NULL; i++)
    if (!g_ptr_array_find_with_equal_func (self->live, self->mirrors[i], g_str_equal, NULL))
      g_ptr_array_add (self->live, g_strdup (self->mirrors[i]));
  self->bytes_received = 0;
  self->total_bytes = -1;
  self->speed = 0;
  g_clear_pointer (&self->verified, g_free);
  g_clear_error (&self->error);
  if (self->folder != NULL)
    {
      self->named = FALSE;
      if (self->file != NULL)
        {
          g_clear_object (&self->file);
          g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
        }
    }
  if (cancellable != NULL)
    {
      CancelHop *hop = g_new0 (CancelHop, 1);

      g_atomic_ref_count_init (&hop->ref);
      g_weak_ref_init (&hop->download, self);
      hop->context = g_main_context_ref (gcurl_multi_source_get_context (source));
      self->user_cancellable = g_object_ref (cancellable);
      self->cancel_handler = g_cancellable_connect (cancellable, G_CALLBACK (user_cancelled),
                                                    hop, cancel_hop_unref);
    }
  start_attempt (self);
}

/**
 * gcurl_download_run_finish:
 * @self: a #GCurlDownload
 * @result: the #GAsyncResult passed to the callback
 * @error: return location for a #GError
 *
 * Finishes [method@GCurl.Download.run_async].
 *
 * Returns: %TRUE if the file is in place ([property@GCurl.Download:file]);
 *   %FALSE with @error set otherwise: that of the last attempt, a
 *   %GCURL_ERROR_CHECKSUM, or %G_IO_ERROR_CANCELLED
 */
gboolean
gcurl_download_run_finish (GCurlDownload  *self,
                           GAsyncResult   *result,
                           GError        **error)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), FALSE);
  g_return_val_if_fail (g_task_is_valid (result, self), FALSE);
  g_return_val_if_fail (g_task_get_source_tag (G_TASK (result)) == gcurl_download_run_async,
                        FALSE);

  return g_task_propagate_boolean (G_TASK (result), error);
}

/**
 * gcurl_download_pause:
 * @self: a #GCurlDownload
 *
 * Pauses a running download (its transfer, or the wait before a retry).
 * Nothing happens in other states.
 */
void
gcurl_download_pause (GCurlDownload *self)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (self->source == NULL || _gcurl_multi_source_in_its_thread (self->source));

  if (self->state == GCURL_DOWNLOAD_STATE_RUNNING)
    {
      if (self->engine != NULL)
        _gcurl_segments_pause (self->engine);
      else
        gcurl_transfer_pause (self->head);
      remember_name (self);
      set_state (self, GCURL_DOWNLOAD_STATE_PAUSED);
    }
  else if (self->state == GCURL_DOWNLOAD_STATE_WAITING)
    {
      g_source_destroy (self->retry_timer);
      g_clear_pointer (&self->retry_timer, g_source_unref);
      self->paused_waiting = TRUE;
      set_state (self, GCURL_DOWNLOAD_STATE_PAUSED);
    }
}

/**
 * gcurl_download_resume:
 * @self: a #GCurlDownload
 *
 * Resumes a paused download; one paused while waiting to retry starts its
 * next attempt now.
 */
void
gcurl_download_resume (GCurlDownload *self)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (self->source == NULL || _gcurl_multi_source_in_its_thread (self->source));

  if (self->state != GCURL_DOWNLOAD_STATE_PAUSED)
    return;
  if (self->paused_waiting)
    {
      self->paused_waiting = FALSE;
      start_attempt (self);
      return;
    }
  if (self->engine != NULL)
    _gcurl_segments_resume (self->engine);
  else
    gcurl_transfer_resume (self->head);
  set_state (self, GCURL_DOWNLOAD_STATE_RUNNING);
}

/**
 * gcurl_download_cancel:
 * @self: a #GCurlDownload
 *
 * Cancels the download: its run ends with %G_IO_ERROR_CANCELLED, and its
 * part is removed unless %GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL is in
 * [property@GCurl.Download:flags]. Nothing happens once it is over.
 */
void
gcurl_download_cancel (GCurlDownload *self)
{
  g_return_if_fail (GCURL_IS_DOWNLOAD (self));
  g_return_if_fail (self->source == NULL || _gcurl_multi_source_in_its_thread (self->source));

  if (!is_active (self))
    return;
  if (self->state == GCURL_DOWNLOAD_STATE_VERIFYING)
    g_cancellable_cancel (self->verify_cancellable);
  else if (self->state == GCURL_DOWNLOAD_STATE_WAITING || self->paused_waiting)
    {
      g_autofree char *url = shown_url (self);

      /* Between attempts the part is on disk, and no transfer has it. */
      if (self->wrote_part && (self->flags & GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL) == 0)
        {
          g_autofree char *path = self->folder != NULL ? g_strdup (self->first_path)
                                                       : g_file_get_path (self->file);

          g_autofree char *part = g_strconcat (path, ".part", NULL);

          _gcurl_segments_discard_control (part);
          _gcurl_part_file_discard_unused (path);
        }
      finish (self, GCURL_DOWNLOAD_STATE_CANCELLED,
              g_error_new (G_IO_ERROR, G_IO_ERROR_CANCELLED, "Download of %s was cancelled", url));
    }
  else if (self->engine != NULL)
    _gcurl_segments_cancel (self->engine);
  else
    gcurl_transfer_cancel (self->head);
}

/**
 * gcurl_download_delete_partial:
 * @self: a #GCurlDownload that is not running
 * @error: return location for a #GError
 *
 * Deletes what a stopped download left on disk to resume from: the part
 * a run with %GCURL_DOWNLOAD_FLAGS_RESUME would go on with, and the
 * control file beside it. For an application's "Cancel" or "Remove" of a
 * download that is not running (one of an earlier session, one that
 * failed, one cancelled with %GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL). Only a
 * regular file with a single link is removed: a link or anything else put
 * at the part's name is left alone.
 *
 * Returns: %TRUE if no part is left, %FALSE with @error set otherwise
 */
gboolean
gcurl_download_delete_partial (GCurlDownload  *self,
                               GError        **error)
{
  g_return_val_if_fail (GCURL_IS_DOWNLOAD (self), FALSE);
  g_return_val_if_fail (!is_active (self), FALSE);
  g_return_val_if_fail (error == NULL || *error == NULL, FALSE);

  return delete_part (self, FALSE, error);
}

/* The part (regular, with one link) and its control file: in folder
 * mode that of this run (@this_run) or the one a resume would find. */
static gboolean
delete_part (GCurlDownload  *self,
             gboolean        this_run,
             GError        **error)
{
  g_autofree char *path = NULL;
  g_autofree char *part = NULL;
  struct stat st;

  if (self->folder != NULL && this_run)
    path = g_strdup (self->first_path);
  else
    path = self->folder != NULL ? find_part_path (self, TRUE, NULL, error)
                                : g_file_get_path (self->file);
  if (path == NULL)
    {
      if (self->folder == NULL)
        g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                             "The download's file is not a local file");
      return FALSE;
    }
  part = g_strconcat (path, ".part", NULL);
  if (g_lstat (part, &st) == 0 && S_ISREG (st.st_mode) && st.st_nlink == 1 &&
      g_unlink (part) != 0)
    {
      int saved_errno = errno;
      g_autofree char *name = g_filename_display_name (part);

      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (saved_errno),
                   "Cannot delete %s: %s", name, g_strerror (saved_errno));
      return FALSE;
    }
  _gcurl_segments_discard_control (part);
  return TRUE;
}

/* ---- GObject ---------------------------------------------------------- */

static void
gcurl_download_init (GCurlDownload *self)
{
  self->retry_delay = DEFAULT_RETRY_DELAY_MS;
  self->content_disposition = TRUE;
  self->total_bytes = -1;
  self->segments = 1;
}

static void
gcurl_download_constructed (GObject *object)
{
  GCurlDownload *self = GCURL_DOWNLOAD (object);

  G_OBJECT_CLASS (gcurl_download_parent_class)->constructed (object);

  self->transfer = gcurl_transfer_new (self->url != NULL ? self->url : "");
  /* One large body: reads of 128 KiB, not 32, are a quarter of the
   * recv() and poll() calls (doc/design.md, "Write gathering"). */
  gcurl_transfer_set_receive_buffer_size (self->transfer, DOWNLOAD_RECEIVE_BUFFER);
  self->head = self->transfer;
  self->notify_handler = g_signal_connect (self->transfer, "notify",
                                           G_CALLBACK (transfer_notify_cb), self);
}

static void
gcurl_download_dispose (GObject *object)
{
  GCurlDownload *self = GCURL_DOWNLOAD (object);

  if (self->transfer != NULL)
    g_clear_signal_handler (&self->notify_handler, self->transfer);
  g_clear_object (&self->transfer);
  G_OBJECT_CLASS (gcurl_download_parent_class)->dispose (object);
}

static void
gcurl_download_finalize (GObject *object)
{
  GCurlDownload *self = GCURL_DOWNLOAD (object);

  g_free (self->url);
  g_clear_object (&self->folder);
  g_clear_object (&self->file);
  g_free (self->checksum);
  g_strfreev (self->mirrors);
  g_free (self->filename);
  g_clear_pointer (&self->live, g_ptr_array_unref);
  g_free (self->verified);
  g_free (self->first_path);
  g_free (self->saved_name);
  g_free (self->sum_hex);
  g_clear_error (&self->error);
  G_OBJECT_CLASS (gcurl_download_parent_class)->finalize (object);
}

static void
gcurl_download_get_property (GObject    *object,
                             guint       prop_id,
                             GValue     *value,
                             GParamSpec *pspec)
{
  GCurlDownload *self = GCURL_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_URL: g_value_set_string (value, self->url); break;
    case PROP_FOLDER: g_value_set_object (value, self->folder); break;
    case PROP_FILE: g_value_set_object (value, self->file); break;
    case PROP_TRANSFER: g_value_set_object (value, self->transfer); break;
    case PROP_FLAGS: g_value_set_flags (value, self->flags); break;
    case PROP_CHECKSUM: g_value_set_string (value, self->checksum); break;
    case PROP_RETRIES: g_value_set_uint (value, self->retries); break;
    case PROP_RETRY_DELAY: g_value_set_uint (value, self->retry_delay); break;
    case PROP_CONTENT_DISPOSITION: g_value_set_boolean (value, self->content_disposition); break;
    case PROP_SEGMENTS: g_value_set_uint (value, self->segments); break;
    case PROP_MIRRORS: g_value_set_boxed (value, self->mirrors); break;
    case PROP_FILENAME: g_value_set_string (value, self->filename); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_ATTEMPT: g_value_set_uint (value, self->attempt); break;
    case PROP_BYTES_RECEIVED: g_value_set_int64 (value, self->bytes_received); break;
    case PROP_TOTAL_BYTES: g_value_set_int64 (value, self->total_bytes); break;
    case PROP_DOWNLOAD_SPEED: g_value_set_int64 (value, self->speed); break;
    case PROP_ETA: g_value_set_int64 (value, gcurl_download_get_eta (self)); break;
    case PROP_VERIFIED_CHECKSUM: g_value_set_string (value, self->verified); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gcurl_download_set_property (GObject      *object,
                             guint         prop_id,
                             const GValue *value,
                             GParamSpec   *pspec)
{
  GCurlDownload *self = GCURL_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_URL: self->url = g_value_dup_string (value); break;
    case PROP_FOLDER: self->folder = g_value_dup_object (value); break;
    case PROP_FILE:
      /* Construct-only: in folder mode it is the download's to set. */
      self->file = g_value_dup_object (value);
      break;
    case PROP_FLAGS: gcurl_download_set_flags (self, g_value_get_flags (value)); break;
    case PROP_CHECKSUM: gcurl_download_set_checksum (self, g_value_get_string (value)); break;
    case PROP_RETRIES: gcurl_download_set_retries (self, g_value_get_uint (value)); break;
    case PROP_RETRY_DELAY: gcurl_download_set_retry_delay (self, g_value_get_uint (value)); break;
    case PROP_CONTENT_DISPOSITION:
      gcurl_download_set_content_disposition (self, g_value_get_boolean (value));
      break;
    case PROP_SEGMENTS: gcurl_download_set_segments (self, g_value_get_uint (value)); break;
    case PROP_MIRRORS:
      gcurl_download_set_mirrors (self, g_value_get_boxed (value));
      break;
    case PROP_FILENAME: gcurl_download_set_filename (self, g_value_get_string (value)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)
#define RO (G_PARAM_READABLE | G_PARAM_STATIC_STRINGS)
#define CO (G_PARAM_READWRITE | G_PARAM_CONSTRUCT_ONLY | G_PARAM_STATIC_STRINGS)

static void
gcurl_download_class_init (GCurlDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->constructed = gcurl_download_constructed;
  object_class->dispose = gcurl_download_dispose;
  object_class->finalize = gcurl_download_finalize;
  object_class->get_property = gcurl_download_get_property;
  object_class->set_property = gcurl_download_set_property;

  /**
   * GCurlDownload:url:
   *
   * The URL to download.
   */
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, CO);

  /**
   * GCurlDownload:folder:
   *
   * The folder to download into, under the name the response gives; %NULL
   * for a download to [property@GCurl.Download:file].
   */
  properties[PROP_FOLDER] = g_param_spec_object ("folder", NULL, NULL, G_TYPE_FILE, CO);

  /**
   * GCurlDownload:file:
   *
   * The file the download writes. In folder mode it is %NULL until the
   * response head names it, and is where the file is once the download
   * finished.
   */
  properties[PROP_FILE] = g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE, CO);

  /**
   * GCurlDownload:transfer:
   *
   * The transfer each attempt runs; see
   * [method@GCurl.Download.get_transfer].
   */
  properties[PROP_TRANSFER] = g_param_spec_object ("transfer", NULL, NULL, GCURL_TYPE_TRANSFER, RO);

  /**
   * GCurlDownload:flags:
   *
   * How the destination is treated, as for
   * [method@GCurl.Transfer.set_output_file]. With
   * %GCURL_DOWNLOAD_FLAGS_RESUME the first attempt goes on from a part on
   * disk; the later ones always do. %GCURL_DOWNLOAD_FLAGS_REPLACE applies
   * to a download to a file: in folder mode nothing is ever replaced.
   */
  properties[PROP_FLAGS] =
    g_param_spec_flags ("flags", NULL, NULL, GCURL_TYPE_DOWNLOAD_FLAGS,
                        GCURL_DOWNLOAD_FLAGS_NONE, RW);

  /**
   * GCurlDownload:checksum:
   *
   * The checksum the file must have, as `ALGORITHM=HEX` with `sha256`,
   * `sha512`, `sha1` or `md5`: checked over the whole file (a resumed one
   * too) before it is moved into place. A mismatch fails the download with
   * %GCURL_ERROR_CHECKSUM and keeps the data under its part name. Without
   * one, a `Repr-Digest` or `Digest` header of the response is checked
   * the same way. A malformed value fails the run with
   * %G_IO_ERROR_INVALID_ARGUMENT before anything is sent.
   */
  properties[PROP_CHECKSUM] = g_param_spec_string ("checksum", NULL, NULL, NULL, RW);

  /**
   * GCurlDownload:retries:
   *
   * How many attempts may follow a first that failed in a way worth
   * retrying. 0, the default: a library does not retry behind its
   * caller's back, who may have a policy of its own (gcurl-get and the
   * download manager use 5).
   */
  properties[PROP_RETRIES] = g_param_spec_uint ("retries", NULL, NULL, 0, 1000, 0, RW);

  /**
   * GCurlDownload:retry-delay:
   *
   * The delay before the first retry, in milliseconds; it doubles for each
   * next one, up to a minute (see the description of
   * [class@GCurl.Download]).
   */
  properties[PROP_RETRY_DELAY] =
    g_param_spec_uint ("retry-delay", NULL, NULL, 0, MAX_BACKOFF_MS, DEFAULT_RETRY_DELAY_MS, RW);

  /**
   * GCurlDownload:content-disposition:
   *
   * Whether, in folder mode, the name in a `Content-Disposition` header
   * is used; otherwise the name comes from the URL.
   */
  properties[PROP_CONTENT_DISPOSITION] =
    g_param_spec_boolean ("content-disposition", NULL, NULL, TRUE, RW);

  /**
   * GCurlDownload:segments:
   *
   * How many connections the download may use at once. Above 1, a first
   * request for one byte asks whether the server serves ranges and how
   * long the resource is. If it does, and the resource has at least 2 MiB,
   * the resource is cut into this many ranges (at least 1 MiB each),
   * each fetched on a connection of its own over HTTP/1.1 and written at
   * its offset into one preallocated part. A connection that finishes
   * takes half of the largest range left. Progress is kept in
   * `NAME.part.segments` beside the part, so that a run after a crash
   * resumes every range; `If-Range` checks that the resource is the same.
   * Otherwise (no ranges, a changed resource, a short one) the download
   * goes on over one connection, from the start where it has to.
   *
   * The connections count against the source's
   * [property@GCurl.MultiSource:max-host-connections].
   */
  properties[PROP_SEGMENTS] =
    g_param_spec_uint ("segments", NULL, NULL, 1, GCURL_DOWNLOAD_MAX_SEGMENTS, 1, RW);

  /**
   * GCurlDownload:mirrors:
   *
   * Other URLs of the same file. With
   * [property@GCurl.Download:segments] above 1 the connections are spread
   * over the URL and its mirrors; over one connection, the next mirror
   * takes over when one fails. A mirror that fails (it cannot be reached,
   * answers with an error status, breaks, or does not serve the range
   * asked for) is dropped for the rest of the run and
   * [signal@GCurl.Download::mirror-dropped] says so; the last URL left is
   * never dropped, and its error is the run's. Moving to a mirror is not
   * counted as a retry.
   *
   * The transfer's credentials (user name, password, bearer token and its
   * own `Authorization` and `Cookie` headers) go only to the URLs with the
   * same scheme, host and port as [property@GCurl.Download:url]. Mirrors
   * are trusted to serve the same bytes: give a
   * [property@GCurl.Download:checksum] to have them checked.
   */
  properties[PROP_MIRRORS] =
    g_param_spec_boxed ("mirrors", NULL, NULL, G_TYPE_STRV, RW);

  /**
   * GCurlDownload:filename:
   *
   * In folder mode, the name to save under instead of the one the
   * response gives (a Metalink's, say). It is sanitized and made unique
   * like a server's.
   */
  properties[PROP_FILENAME] = g_param_spec_string ("filename", NULL, NULL, NULL, RW);

  /**
   * GCurlDownload:state:
   *
   * Where the download is in its life cycle.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, GCURL_TYPE_DOWNLOAD_STATE,
                       GCURL_DOWNLOAD_STATE_NEW, RO);

  /**
   * GCurlDownload:attempt:
   *
   * The attempts made in this run so far, the current one included: 1 for
   * the first.
   */
  properties[PROP_ATTEMPT] = g_param_spec_uint ("attempt", NULL, NULL, 0, G_MAXUINT, 0, RO);

  /**
   * GCurlDownload:bytes-received:
   *
   * The bytes of the file received so far, those a resumed part had
   * included.
   */
  properties[PROP_BYTES_RECEIVED] =
    g_param_spec_int64 ("bytes-received", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlDownload:total-bytes:
   *
   * The size of the file, or -1 while it is unknown.
   */
  properties[PROP_TOTAL_BYTES] =
    g_param_spec_int64 ("total-bytes", NULL, NULL, -1, G_MAXINT64, -1, RO);

  /**
   * GCurlDownload:download-speed:
   *
   * The current attempt's average speed, in bytes per second.
   */
  properties[PROP_DOWNLOAD_SPEED] =
    g_param_spec_int64 ("download-speed", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlDownload:eta:
   *
   * The seconds left at the current speed, or -1 while unknown (no size,
   * no speed yet, or not running).
   */
  properties[PROP_ETA] = g_param_spec_int64 ("eta", NULL, NULL, -1, G_MAXINT64, -1, RO);

  /**
   * GCurlDownload:verified-checksum:
   *
   * The checksum the file was verified with, as `ALGORITHM=HEX`, once it
   * was; %NULL otherwise.
   */
  properties[PROP_VERIFIED_CHECKSUM] =
    g_param_spec_string ("verified-checksum", NULL, NULL, NULL, RO);

  g_object_class_install_properties (object_class, N_PROPS, properties);

  /**
   * GCurlDownload::mirror-dropped:
   * @self: the download
   * @url: the URL dropped, as it was given
   * @error: why
   *
   * A URL of the download (its own or one of
   * [property@GCurl.Download:mirrors]) failed and is not used again in
   * this run; the others go on.
   */
  signals[SIGNAL_MIRROR_DROPPED] =
    g_signal_new ("mirror-dropped", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST, 0, NULL, NULL,
                  NULL, G_TYPE_NONE, 2, G_TYPE_STRING, G_TYPE_ERROR);
}
