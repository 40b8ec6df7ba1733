/* dm-download.c: one row of the download manager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * What a row shows, as properties to bind to: the status (queued before a
 * slot is free, paused, done … also for rows restored from the saved queue,
 * which have no transfer running), the file (the URL's name until the
 * server names it), the bytes so far, the size, the speed and the time
 * left. Each row has a GCurlDownload into its folder (server-given names,
 * retries, segments, and a part found again after a restart). DmManager
 * copies the figures from the running downloads' getters a few times a
 * second, so a row costs nothing more while it is running and nothing at
 * all otherwise.
 */

#include "dm-download.h"

struct _DmDownload
{
  GObject        parent_instance;

  guint          id;
  char          *url;
  GFile         *file;
  char          *name;
  GCurlDownload *download;
  DmStatus       status;
  char          *error_message;
  gint64         received;
  gint64         total;
  gint64         speed;
  gboolean       transient;
};

enum
{
  PROP_0,
  PROP_ID,
  PROP_URL,
  PROP_FILE,
  PROP_NAME,
  PROP_STATUS,
  PROP_STATUS_TEXT,
  PROP_ERROR_MESSAGE,
  PROP_RECEIVED,
  PROP_TOTAL,
  PROP_SPEED,
  PROP_FRACTION,
  PROP_SECONDS_LEFT,
  N_PROPS
};

static GParamSpec *properties[N_PROPS];

G_DEFINE_FINAL_TYPE (DmDownload, dm_download, G_TYPE_OBJECT)

GType
dm_status_get_type (void)
{
  static gsize type = 0;
  static const GEnumValue values[] = {
    { DM_STATUS_QUEUED, "DM_STATUS_QUEUED", "queued" },
    { DM_STATUS_RUNNING, "DM_STATUS_RUNNING", "running" },
    { DM_STATUS_PAUSED, "DM_STATUS_PAUSED", "paused" },
    { DM_STATUS_DONE, "DM_STATUS_DONE", "done" },
    { DM_STATUS_FAILED, "DM_STATUS_FAILED", "failed" },
    { DM_STATUS_CANCELLED, "DM_STATUS_CANCELLED", "cancelled" },
    { 0, NULL, NULL }
  };

  if (g_once_init_enter (&type))
    g_once_init_leave (&type, g_enum_register_static (g_intern_static_string ("DmStatus"), values));
  return type;
}

const char *
dm_status_to_string (DmStatus status)
{
  GEnumValue *value = g_enum_get_value (g_type_class_peek (DM_TYPE_STATUS), status);

  return value ? value->value_nick : "queued";
}

DmStatus
dm_status_from_string (const char *text)
{
  GEnumClass *klass = g_type_class_ref (DM_TYPE_STATUS);
  GEnumValue *value = text ? g_enum_get_value_by_nick (klass, text) : NULL;
  DmStatus status = value ? (DmStatus) value->value : DM_STATUS_QUEUED;

  g_type_class_unref (klass);
  return status;
}

/* What the State column says: the status, and for a running download
 * its retries ("Retry 2/5" while one runs, "Retry 2/5 soon" while it
 * waits) or its verification. */
static char *
status_text (DmDownload *self)
{
  static const char *texts[] = { "Queued", "Downloading", "Paused", "Done", "Failed", "Cancelled" };
  GCurlDownloadState state = gcurl_download_get_state (self->download);
  guint attempt = gcurl_download_get_attempt (self->download);
  guint retries = gcurl_download_get_retries (self->download);

  if (self->status == DM_STATUS_RUNNING && state == GCURL_DOWNLOAD_STATE_WAITING)
    return g_strdup_printf ("Retry %u/%u soon", attempt, retries);
  if (self->status == DM_STATUS_RUNNING && state == GCURL_DOWNLOAD_STATE_VERIFYING)
    return g_strdup ("Verifying");
  if (self->status == DM_STATUS_RUNNING && attempt > 1)
    return g_strdup_printf ("Retry %u/%u", attempt - 1, retries);
  return g_strdup (self->status < G_N_ELEMENTS (texts) ? texts[self->status] : "");
}

static double
fraction (DmDownload *self)
{
  if (self->status == DM_STATUS_DONE)
    return 1.0;
  return self->total > 0 ? CLAMP ((double) self->received / self->total, 0.0, 1.0) : 0.0;
}

static gint64
seconds_left (DmDownload *self)
{
  if (self->status != DM_STATUS_RUNNING || self->total <= 0 || self->speed <= 0)
    return -1;
  return MAX (0, self->total - self->received) / self->speed;
}

static void
dm_download_get_property (GObject    *object,
                          guint       prop_id,
                          GValue     *value,
                          GParamSpec *pspec)
{
  DmDownload *self = DM_DOWNLOAD (object);

  switch (prop_id)
    {
    case PROP_ID: g_value_set_uint (value, self->id); break;
    case PROP_URL: g_value_set_string (value, self->url); break;
    case PROP_FILE: g_value_set_object (value, self->file); break;
    case PROP_NAME: g_value_set_string (value, self->name); break;
    case PROP_STATUS: g_value_set_enum (value, self->status); break;
    case PROP_STATUS_TEXT: g_value_take_string (value, status_text (self)); break;
    case PROP_ERROR_MESSAGE: g_value_set_string (value, self->error_message); break;
    case PROP_RECEIVED: g_value_set_int64 (value, self->received); break;
    case PROP_TOTAL: g_value_set_int64 (value, self->total); break;
    case PROP_SPEED: g_value_set_int64 (value, self->speed); break;
    case PROP_FRACTION: g_value_set_double (value, fraction (self)); break;
    case PROP_SECONDS_LEFT: g_value_set_int64 (value, seconds_left (self)); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dm_download_finalize (GObject *object)
{
  DmDownload *self = DM_DOWNLOAD (object);

  g_free (self->url);
  g_clear_object (&self->file);
  g_free (self->name);
  if (self->download != NULL)
    g_signal_handlers_disconnect_by_data (self->download, self);
  g_clear_object (&self->download);
  g_free (self->error_message);
  G_OBJECT_CLASS (dm_download_parent_class)->finalize (object);
}

static void
dm_download_class_init (DmDownloadClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags ro = G_PARAM_READABLE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = dm_download_get_property;
  object_class->finalize = dm_download_finalize;

  properties[PROP_ID] = g_param_spec_uint ("id", NULL, NULL, 0, G_MAXUINT, 0, ro);
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, ro);
  properties[PROP_FILE] = g_param_spec_object ("file", NULL, NULL, G_TYPE_FILE, ro);
  properties[PROP_NAME] = g_param_spec_string ("name", NULL, NULL, NULL, ro);
  properties[PROP_STATUS] = g_param_spec_enum ("status", NULL, NULL, DM_TYPE_STATUS,
                                               DM_STATUS_QUEUED, ro);
  properties[PROP_STATUS_TEXT] = g_param_spec_string ("status-text", NULL, NULL, NULL, ro);
  properties[PROP_ERROR_MESSAGE] = g_param_spec_string ("error-message", NULL, NULL, NULL, ro);
  properties[PROP_RECEIVED] = g_param_spec_int64 ("received", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_TOTAL] = g_param_spec_int64 ("total", NULL, NULL, -1, G_MAXINT64, -1, ro);
  properties[PROP_SPEED] = g_param_spec_int64 ("speed", NULL, NULL, 0, G_MAXINT64, 0, ro);
  properties[PROP_FRACTION] = g_param_spec_double ("fraction", NULL, NULL, 0.0, 1.0, 0.0, ro);
  properties[PROP_SECONDS_LEFT] = g_param_spec_int64 ("seconds-left", NULL, NULL,
                                                      -1, G_MAXINT64, -1, ro);
  g_object_class_install_properties (object_class, N_PROPS, properties);
}

static void
dm_download_init (DmDownload *self)
{
  self->total = -1;
}

/* The server named the file (or a restart found the name it had): the
 * row shows it from now on. */
static void
named_cb (GObject    *object,
          GParamSpec *pspec,
          gpointer    data)
{
  DmDownload *self = data;
  GFile *file = gcurl_download_get_file (self->download);

  if (file == NULL || g_file_equal (file, self->file))
    return;
  g_set_object (&self->file, file);
  g_free (self->name);
  self->name = g_file_get_basename (file);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FILE]);
  g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_NAME]);
}

/* Waiting to retry, retrying, verifying: the State column's text. */
static void
engine_state_cb (GObject    *object,
                 GParamSpec *pspec,
                 gpointer    data)
{
  g_object_notify_by_pspec (G_OBJECT (data), properties[PROP_STATUS_TEXT]);
}

DmDownload *
dm_download_new (guint       id,
                 const char *url,
                 GFile      *file)
{
  DmDownload *self = g_object_new (DM_TYPE_DOWNLOAD, NULL);
  g_autoptr(GFile) folder = g_file_get_parent (file);

  self->id = id;
  self->url = g_strdup (url);
  self->file = g_object_ref (file);
  self->name = g_file_get_basename (file);
  self->download = gcurl_download_new_for_folder (url, folder);
  gcurl_transfer_set_user_agent (gcurl_download_get_transfer (self->download),
                                 "gcurl-download-manager/" GCURL_VERSION_S);
  g_signal_connect (self->download, "notify::file", G_CALLBACK (named_cb), self);
  g_signal_connect (self->download, "notify::state", G_CALLBACK (engine_state_cb), self);
  return self;
}

guint dm_download_get_id (DmDownload *self) { return self->id; }
const char *dm_download_get_url (DmDownload *self) { return self->url; }
GFile *dm_download_get_file (DmDownload *self) { return self->file; }
const char *dm_download_get_name (DmDownload *self) { return self->name; }
GCurlDownload *dm_download_get_download (DmDownload *self) { return self->download; }
GCurlTransfer *dm_download_get_transfer (DmDownload *self) { return gcurl_download_get_transfer (self->download); }
DmStatus dm_download_get_status (DmDownload *self) { return self->status; }
gint64 dm_download_get_received (DmDownload *self) { return self->received; }
gint64 dm_download_get_total (DmDownload *self) { return self->total; }
gint64 dm_download_get_speed (DmDownload *self) { return self->speed; }
const char *dm_download_get_error_message (DmDownload *self) { return self->error_message; }
gboolean dm_download_get_transient (DmDownload *self) { return self->transient; }

void
dm_download_set_transient (DmDownload *self,
                           gboolean    transient)
{
  self->transient = transient;
}

/* fraction and seconds-left follow from the rest: notified when they
 * changed from what they were before an update. */
static void
notify_derived (DmDownload *self,
                double      old_fraction,
                gint64      old_left)
{
  if (fraction (self) != old_fraction)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_FRACTION]);
  if (seconds_left (self) != old_left)
    g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SECONDS_LEFT]);
}

void
dm_download_set_status (DmDownload *self,
                        DmStatus    status,
                        const char *error_message)
{
  double old_fraction = fraction (self);
  gint64 old_left = seconds_left (self);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->status != status)
    {
      self->status = status;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS]);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_STATUS_TEXT]);
    }
  if (g_strcmp0 (self->error_message, error_message) != 0)
    {
      g_free (self->error_message);
      self->error_message = g_strdup (error_message);
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_ERROR_MESSAGE]);
    }
  if (status != DM_STATUS_RUNNING && self->speed != 0)
    {
      self->speed = 0;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
    }
  notify_derived (self, old_fraction, old_left);
  g_object_thaw_notify (G_OBJECT (self));
}

void
dm_download_set_progress (DmDownload *self,
                          gint64      received,
                          gint64      total,
                          gint64      speed)
{
  double old_fraction = fraction (self);
  gint64 old_left = seconds_left (self);

  g_object_freeze_notify (G_OBJECT (self));
  if (self->received != received)
    {
      self->received = received;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_RECEIVED]);
    }
  if (self->total != total)
    {
      self->total = total;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_TOTAL]);
    }
  if (self->speed != speed)
    {
      self->speed = speed;
      g_object_notify_by_pspec (G_OBJECT (self), properties[PROP_SPEED]);
    }
  notify_derived (self, old_fraction, old_left);
  g_object_thaw_notify (G_OBJECT (self));
}

/* Copies the download's figures (bytes so far counting a resumed part,
 * over all its connections). */
void
dm_download_update_from_transfer (DmDownload *self)
{
  gint64 total = gcurl_download_get_total_bytes (self->download);

  dm_download_set_progress (self,
                            MAX (gcurl_download_get_bytes_received (self->download), 0),
                            total >= 0 ? total : self->total,
                            gcurl_download_get_download_speed (self->download));
}
