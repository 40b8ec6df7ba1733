/* dm-manager.c: the download manager's downloads, queue and settings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Everything but the window: one GCurlMultiSource for the application, the
 * downloads as a GListModel of DmDownload rows (finished ones stay), the
 * queue (at most max-parallel downloads running; the others wait in list
 * order), the settings, and the saved queue.
 *
 * - A download is a GCurlDownload into the download folder: it writes
 *   NAME.part and moves it into place, under the name the server gives
 *   (Content-Disposition, then the URL after redirects), once complete and
 *   verified, retried 5 times where that may help, over "segments"
 *   connections. It always runs with GCURL_DOWNLOAD_FLAGS_RESUME, so a
 *   retry, a resume after a restart or after a failure continues the part
 *   with a Range request (the control file beside the part lets the
 *   library find it again by the URL), and with KEEP_PARTIAL, so that
 *   stopping the downloads when the manager goes keeps them; a
 *   cancellation by the user deletes the part here
 *   (gcurl_download_delete_partial()).
 * - A row shows the URL's name, made unique when it is added ("photo
 *   (2).jpg" if photo.jpg, its .part or another row's file has the name
 *   already), until the server's name is known; then the file's.
 * - The queue is saved (GKeyFile, DATA_DIR/downloads.ini) a second after
 *   every change and when the manager goes: URL, file, status, size and
 *   error of each row. On the next start, downloads that were running or
 *   queued start again and resume; paused ones stay paused until resumed.
 *   Transient rows (the demo server's, whose port changes) are not saved.
 * - Settings (CONFIG_DIR/settings.ini): the download folder, parallel
 *   downloads, connections per host (the source's max-host-connections,
 *   applied at once), connections per file (segments, for downloads as
 *   they start) and a speed limit per download in KiB/s (applied to
 *   downloads as they start).
 * - Bulk actions (removing or cancelling the selected rows) change the list
 *   once, save once and signal once, whatever the number of rows: per-row
 *   removals made the view rebind its visible cells for every row, 48 s
 *   for 500 rows.
 * - Progress: a timer copies the running transfers' figures into their rows
 *   four times a second, and keeps the totals for the status line.
 */

#include "dm-manager.h"

#include <glib/gstdio.h>
#include <string.h>

#define TICK_MS 250
#define SAVE_DELAY_MS 1000
/* As gcurl-get: a library does not retry on its own, an application does. */
#define RETRIES 5

struct _DmManager
{
  GObject           parent_instance;

  GCurlMultiSource *source;
  GListStore       *downloads;
  GHashTable       *by_id;          /* id → DmDownload (borrowed) */
  GHashTable       *taken;          /* the rows' file paths, for unique names */
  guint             next_id;
  char             *data_file;      /* NULL: nothing is saved */
  char             *config_file;
  char             *download_folder;
  guint             max_parallel;
  guint             max_host_connections;
  guint             speed_limit_kib;
  guint             segments;
  guint             tick;
  guint             save_timeout;
  gint64            total_received;
  gint64            total_size;
  guint             unknown_sizes;   /* downloads not in total_size */
  gint64            total_speed;
  GPtrArray        *trash;          /* Trashed *: removed rows, their data kept */
};

/* A row taken out of the list by dm_manager_trash_many(), until
 * dm_manager_restore_trash() puts it back where it was or
 * dm_manager_empty_trash() deletes what it received. */
typedef struct
{
  DmDownload *download;
  guint       position;
  gboolean    unfinished;   /* stopped by the removal: back to the queue */
  gboolean    failed;       /* its part kept, to be deleted with the trash */
} Trashed;

static gint
by_position (gconstpointer a,
             gconstpointer b)
{
  const Trashed *x = *(const Trashed * const *) a;
  const Trashed *y = *(const Trashed * const *) b;

  return x->position < y->position ? -1 : x->position > y->position;
}

static void
trashed_free (gpointer data)
{
  Trashed *t = data;

  g_object_unref (t->download);
  g_free (t);
}

enum
{
  PROP_0,
  PROP_DOWNLOAD_FOLDER,
  PROP_MAX_PARALLEL,
  PROP_MAX_HOST_CONNECTIONS,
  PROP_SPEED_LIMIT_KIB,
  PROP_SEGMENTS,
  N_PROPS
};

enum
{
  SIGNAL_CHANGED,
  N_SIGNALS
};

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];

G_DEFINE_FINAL_TYPE (DmManager, dm_manager, G_TYPE_OBJECT)

static void schedule (DmManager *self);
static void queue_save (DmManager *self);

/* ---------------------------------------------------------------------- */
/* Settings                                                                */

static char *
default_folder (void)
{
  const char *dir = g_get_user_special_dir (G_USER_DIRECTORY_DOWNLOAD);

  return g_strdup (dir != NULL ? dir : g_get_home_dir ());
}

static void
load_settings (DmManager *self)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *folder = NULL;

  if (self->config_file == NULL ||
      !g_key_file_load_from_file (keys, self->config_file, G_KEY_FILE_NONE, NULL))
    return;
  folder = g_key_file_get_string (keys, "settings", "download-folder", NULL);
  if (folder != NULL && g_path_is_absolute (folder))
    g_object_set (self, "download-folder", folder, NULL);
  if (g_key_file_has_key (keys, "settings", "max-parallel", NULL))
    g_object_set (self, "max-parallel",
                  CLAMP (g_key_file_get_integer (keys, "settings", "max-parallel", NULL), 1, 100), NULL);
  if (g_key_file_has_key (keys, "settings", "max-host-connections", NULL))
    g_object_set (self, "max-host-connections",
                  CLAMP (g_key_file_get_integer (keys, "settings", "max-host-connections", NULL), 0, 64), NULL);
  if (g_key_file_has_key (keys, "settings", "segments", NULL))
    g_object_set (self, "segments",
                  CLAMP (g_key_file_get_integer (keys, "settings", "segments", NULL), 1,
                         GCURL_DOWNLOAD_MAX_SEGMENTS), NULL);
  if (g_key_file_has_key (keys, "settings", "speed-limit-kib", NULL))
    g_object_set (self, "speed-limit-kib",
                  CLAMP (g_key_file_get_integer (keys, "settings", "speed-limit-kib", NULL), 0, 10 * 1024 * 1024), NULL);
}

static void
save_settings (DmManager *self)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *dir = NULL;
  g_autoptr(GError) error = NULL;

  if (self->config_file == NULL)
    return;
  g_key_file_set_string (keys, "settings", "download-folder", self->download_folder);
  g_key_file_set_integer (keys, "settings", "max-parallel", self->max_parallel);
  g_key_file_set_integer (keys, "settings", "max-host-connections", self->max_host_connections);
  g_key_file_set_integer (keys, "settings", "speed-limit-kib", self->speed_limit_kib);
  g_key_file_set_integer (keys, "settings", "segments", self->segments);
  dir = g_path_get_dirname (self->config_file);
  g_mkdir_with_parents (dir, 0700);
  if (!g_key_file_save_to_file (keys, self->config_file, &error))
    g_warning ("Cannot save the settings: %s", error->message);
}

/* ---------------------------------------------------------------------- */
/* Running downloads                                                       */

/* How many rows are in each status, in one pass. */
static void
count_statuses (DmManager *self,
                guint      counts[DM_STATUS_CANCELLED + 1])
{
  memset (counts, 0, sizeof (guint) * (DM_STATUS_CANCELLED + 1));
  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->downloads)); i++)
    {
      g_autoptr(DmDownload) download = g_list_model_get_item (G_LIST_MODEL (self->downloads), i);

      counts[dm_download_get_status (download)]++;
    }
}

static guint
count_status (DmManager *self,
              DmStatus   status)
{
  guint counts[DM_STATUS_CANCELLED + 1];

  count_statuses (self, counts);
  return counts[status];
}

static void
changed (DmManager *self)
{
  g_signal_emit (self, signals[SIGNAL_CHANGED], 0);
}

/* The part a resume would go on with, found by the library from the URL
 * (the row's name may not be the part's). */
static void
delete_part (DmDownload *download)
{
  g_autoptr(GError) error = NULL;

  if (!gcurl_download_delete_partial (dm_download_get_download (download), &error))
    g_warning ("Cannot delete the partial download: %s", error->message);
}

static void
on_finished (GObject      *object,
             GAsyncResult *result,
             gpointer      data)
{
  g_autoptr(DmDownload) download = data;
  DmManager *self = g_object_get_data (G_OBJECT (download), "dm-manager");
  g_autoptr(GError) error = NULL;

  g_object_set_data (G_OBJECT (download), "dm-stopping", NULL);
  dm_download_update_from_transfer (download);
  if (gcurl_download_run_finish (GCURL_DOWNLOAD (object), result, &error))
    {
      gint64 size = dm_download_get_received (download);

      dm_download_set_progress (download, size, size, 0);
      dm_download_set_status (download, DM_STATUS_DONE, NULL);
    }
  else if (g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    {
      gboolean requeue = g_object_get_data (G_OBJECT (download), "dm-requeue") != NULL;
      gboolean kept = g_object_get_data (G_OBJECT (download), "dm-keep-part") != NULL;

      g_object_set_data (G_OBJECT (download), "dm-requeue", NULL);
      /* The user's cancellation or removal, not the manager going; a
       * removal that can still be undone keeps the data, and one undone
       * while its transfer stopped goes back to the queue. */
      if (requeue && self != NULL)
        dm_download_set_status (download, DM_STATUS_QUEUED, NULL);
      else
        {
          if ((self != NULL || g_object_get_data (G_OBJECT (download), "dm-removed") != NULL) &&
              !kept)
            {
              delete_part (download);
              dm_download_set_progress (download, 0, dm_download_get_total (download), 0);
            }
          dm_download_set_status (download, DM_STATUS_CANCELLED, NULL);
        }
    }
  else
    dm_download_set_status (download, DM_STATUS_FAILED, error->message);

  if (self != NULL)
    {
      schedule (self);
      queue_save (self);
      changed (self);
    }
}

static void
start (DmManager  *self,
       DmDownload *download)
{
  GCurlDownload *d = dm_download_get_download (download);
  GCurlTransfer *transfer = gcurl_download_get_transfer (d);

  gcurl_download_set_flags (d, GCURL_DOWNLOAD_FLAGS_RESUME | GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL);
  gcurl_download_set_retries (d, RETRIES);
  gcurl_download_set_segments (d, self->segments);
  gcurl_transfer_set_max_recv_speed (transfer, (gint64) self->speed_limit_kib * 1024);
  /* A connection that stops moving for a minute fails the attempt (it is
   * retried) rather than keeping a slot forever. */
  gcurl_transfer_set_low_speed_limit (transfer, 1, 60);
  dm_download_set_status (download, DM_STATUS_RUNNING, NULL);
  gcurl_download_run_async (d, self->source, NULL, on_finished, g_object_ref (download));
}

/* Starts queued downloads, in list order, while slots are free. */
static void
schedule (DmManager *self)
{
  guint running = count_status (self, DM_STATUS_RUNNING);

  for (guint i = 0; running < self->max_parallel &&
                    i < g_list_model_get_n_items (G_LIST_MODEL (self->downloads)); i++)
    {
      g_autoptr(DmDownload) download = g_list_model_get_item (G_LIST_MODEL (self->downloads), i);

      if (dm_download_get_status (download) == DM_STATUS_QUEUED)
        {
          start (self, download);
          running++;
        }
    }
}

static gboolean
tick (gpointer data)
{
  DmManager *self = data;
  gint64 received = 0, size = 0, speed = 0;
  guint unknown = 0;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->downloads)); i++)
    {
      g_autoptr(DmDownload) download = g_list_model_get_item (G_LIST_MODEL (self->downloads), i);
      DmStatus status = dm_download_get_status (download);

      if (status == DM_STATUS_RUNNING)
        dm_download_update_from_transfer (download);
      if (status == DM_STATUS_CANCELLED || status == DM_STATUS_FAILED)
        continue;
      received += dm_download_get_received (download);
      /* A finished download's size is what it received. */
      if (status == DM_STATUS_DONE && dm_download_get_total (download) < 0)
        size += dm_download_get_received (download);
      else if (dm_download_get_total (download) < 0)
        unknown++;
      else
        size += dm_download_get_total (download);
      speed += dm_download_get_speed (download);
    }

  if (received != self->total_received || size != self->total_size ||
      speed != self->total_speed || unknown != self->unknown_sizes)
    {
      self->total_received = received;
      self->total_size = size;
      self->unknown_sizes = unknown;
      self->total_speed = speed;
      changed (self);
    }
  return G_SOURCE_CONTINUE;
}

/* ---------------------------------------------------------------------- */
/* Adding                                                                  */

static gboolean
name_taken (DmManager  *self,
            GFile      *file)
{
  g_autofree char *path = g_file_get_path (file);
  g_autofree char *part = g_strconcat (path, ".part", NULL);

  /* A set, not a walk over the rows: adding thousands stays linear. */
  return g_hash_table_contains (self->taken, path) ||
         g_file_test (path, G_FILE_TEST_EXISTS) || g_file_test (part, G_FILE_TEST_EXISTS);
}

/* photo.jpg, photo (2).jpg, photo (3).jpg … ; archive.tar.gz keeps .tar.gz. */
static GFile *
unique_file (DmManager  *self,
             GFile      *folder,
             const char *name)
{
  GFile *file = g_file_get_child (folder, name);
  const char *dot = strchr (name + 1, '.');
  g_autofree char *stem = dot ? g_strndup (name, dot - name) : g_strdup (name);
  const char *ext = dot ? dot : "";

  for (guint n = 2; name_taken (self, file) && n < 10000; n++)
    {
      g_autofree char *candidate = g_strdup_printf ("%s (%u)%s", stem, n, ext);

      g_object_unref (file);
      file = g_file_get_child (folder, candidate);
    }
  return file;
}

/* The row's file changed (the server named it): the set of names taken
 * follows, so that a URL added later does not show the same one. */
static void
row_renamed (GObject    *object,
             GParamSpec *pspec,
             gpointer    data)
{
  DmManager *self = data;
  const char *old = g_object_get_data (object, "dm-taken");

  if (old != NULL)
    g_hash_table_remove (self->taken, old);
  g_object_set_data_full (object, "dm-taken",
                          g_file_get_path (dm_download_get_file (DM_DOWNLOAD (object))), g_free);
  g_hash_table_add (self->taken, g_strdup (g_object_get_data (object, "dm-taken")));
}

static DmDownload *
add_download (DmManager  *self,
              guint       id,
              const char *url,
              GFile      *file)
{
  DmDownload *download = dm_download_new (id, url, file);

  g_object_set_data (G_OBJECT (download), "dm-manager", self);
  g_hash_table_insert (self->by_id, GUINT_TO_POINTER (id), download);
  g_object_set_data_full (G_OBJECT (download), "dm-taken", g_file_get_path (file), g_free);
  g_hash_table_add (self->taken, g_file_get_path (file));
  g_signal_connect_object (download, "notify::file", G_CALLBACK (row_renamed), self, 0);
  g_list_store_append (self->downloads, download);
  self->next_id = MAX (self->next_id, id + 1);
  return download;
}

/**
 * dm_manager_add_urls:
 * @urls: the URLs to download into the download folder
 * @subfolder: (nullable): a folder of the download folder to use instead
 * @transient: if the rows are not to be saved
 *
 * Returns: (transfer container): the new rows
 */
GPtrArray *
dm_manager_add_urls (DmManager          *self,
                     const char * const *urls,
                     const char         *subfolder,
                     gboolean            transient)
{
  GPtrArray *added = g_ptr_array_new ();
  g_autofree char *path = g_build_filename (self->download_folder, subfolder, NULL);
  g_autoptr(GFile) folder = g_file_new_for_path (path);

  g_mkdir_with_parents (path, 0755);
  for (guint i = 0; urls[i] != NULL; i++)
    {
      g_autoptr(GCurlTransfer) probe = gcurl_transfer_new (urls[i]);
      g_autofree char *name = gcurl_transfer_dup_suggested_filename (probe);
      g_autoptr(GFile) file = unique_file (self, folder, name);
      DmDownload *download = add_download (self, self->next_id, urls[i], file);

      dm_download_set_transient (download, transient);
      g_ptr_array_add (added, download);
    }
  schedule (self);
  queue_save (self);
  changed (self);
  return added;
}

/* ---------------------------------------------------------------------- */
/* Actions on a row                                                        */

DmDownload *
dm_manager_find (DmManager *self,
                 guint      id)
{
  return g_hash_table_lookup (self->by_id, GUINT_TO_POINTER (id));
}

void
dm_manager_pause (DmManager  *self,
                  DmDownload *download)
{
  switch (dm_download_get_status (download))
    {
    case DM_STATUS_RUNNING:
      gcurl_download_pause (dm_download_get_download (download));
      dm_download_update_from_transfer (download);
      dm_download_set_status (download, DM_STATUS_PAUSED, NULL);
      break;
    case DM_STATUS_QUEUED:
      dm_download_set_status (download, DM_STATUS_PAUSED, NULL);
      break;
    case DM_STATUS_PAUSED:
    case DM_STATUS_DONE:
    case DM_STATUS_FAILED:
    case DM_STATUS_CANCELLED:
    default:
      return;
    }
  schedule (self);
  queue_save (self);
  changed (self);
}

void
dm_manager_resume (DmManager  *self,
                   DmDownload *download)
{
  if (dm_download_get_status (download) != DM_STATUS_PAUSED)
    return;
  if (gcurl_download_get_state (dm_download_get_download (download)) == GCURL_DOWNLOAD_STATE_PAUSED)
    {
      gcurl_download_resume (dm_download_get_download (download));
      dm_download_set_status (download, DM_STATUS_RUNNING, NULL);
    }
  else
    {
      /* Paused before it started, or in an earlier session: back in the
       * queue, where it resumes from its .part file. */
      dm_download_set_status (download, DM_STATUS_QUEUED, NULL);
      schedule (self);
    }
  queue_save (self);
  changed (self);
}

/* Cancels one download; returns whether the row changed now (a running
 * one changes in on_finished). Nothing is saved or signalled here. */
static gboolean
cancel_one (DmManager  *self,
            DmDownload *download,
            gboolean    keep_part)
{
  GCurlDownload *d = dm_download_get_download (download);

  switch (dm_download_get_status (download))
    {
    case DM_STATUS_RUNNING:
      /* on_finished does the rest */
      g_object_set_data (G_OBJECT (download), "dm-stopping", GINT_TO_POINTER (1));
      gcurl_download_cancel (d);
      return FALSE;
    case DM_STATUS_PAUSED:
      if (gcurl_download_get_state (d) == GCURL_DOWNLOAD_STATE_PAUSED)
        {
          g_object_set_data (G_OBJECT (download), "dm-stopping", GINT_TO_POINTER (1));
          gcurl_download_cancel (d);
          return FALSE;
        }
      G_GNUC_FALLTHROUGH;
    case DM_STATUS_QUEUED:
      /* Never started in this session: its .part, if any, goes too (a row
       * that never received a byte has none). */
      if (dm_download_get_received (download) > 0 && !keep_part)
        delete_part (download);
      dm_download_set_progress (download, 0, dm_download_get_total (download), 0);
      dm_download_set_status (download, DM_STATUS_CANCELLED, NULL);
      return TRUE;
    case DM_STATUS_DONE:
    case DM_STATUS_FAILED:
    case DM_STATUS_CANCELLED:
    default:
      return FALSE;
    }
}

void
dm_manager_cancel_many (DmManager *self,
                        GPtrArray *downloads)
{
  gboolean any = FALSE;

  for (guint i = 0; i < downloads->len; i++)
    any |= cancel_one (self, downloads->pdata[i], FALSE);
  if (!any)
    return;
  queue_save (self);
  changed (self);
}

void
dm_manager_cancel (DmManager  *self,
                   DmDownload *download)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_ptr_array_add (one, download);
  dm_manager_cancel_many (self, one);
}

void
dm_manager_retry (DmManager  *self,
                  DmDownload *download)
{
  DmStatus status = dm_download_get_status (download);

  if (status != DM_STATUS_FAILED && status != DM_STATUS_CANCELLED)
    return;
  dm_download_set_status (download, DM_STATUS_QUEUED, NULL);
  schedule (self);
  queue_save (self);
  changed (self);
}

/* Takes @downloads out of the list in one splice, so that the view sees
 * one change and rebinds only the rows it shows, whatever their number. */
static void
remove_rows (DmManager *self,
             GPtrArray *downloads,
             gboolean   to_trash)
{
  g_autoptr(GHashTable) gone = g_hash_table_new (NULL, NULL);   /* row → its status + 1 */
  g_autoptr(GPtrArray) kept = g_ptr_array_new ();
  GListModel *model = G_LIST_MODEL (self->downloads);
  guint n = g_list_model_get_n_items (model);
  guint first = G_MAXUINT, last = 0;

  for (guint i = 0; i < downloads->len; i++)
    {
      DmDownload *download = downloads->pdata[i];
      DmStatus status = dm_download_get_status (download);
      g_autofree char *path = NULL;

      if (g_object_get_data (G_OBJECT (download), "dm-manager") != self ||
          g_hash_table_contains (gone, download))
        continue;
      g_hash_table_insert (gone, download, GINT_TO_POINTER (status + 1));
      /* A download still going is cancelled first; the file of a finished
       * one stays on disk. */
      if (to_trash)
        g_object_set_data (G_OBJECT (download), "dm-keep-part", GINT_TO_POINTER (1));
      if (status == DM_STATUS_RUNNING || status == DM_STATUS_PAUSED || status == DM_STATUS_QUEUED)
        cancel_one (self, download, to_trash);
      /* What it leaves goes too: a .part nothing can resume any more. */
      if (status == DM_STATUS_FAILED && !to_trash)
        delete_part (download);
      g_object_set_data (G_OBJECT (download), "dm-removed", GINT_TO_POINTER (1));
      g_object_set_data (G_OBJECT (download), "dm-manager", NULL);
      g_hash_table_remove (self->by_id, GUINT_TO_POINTER (dm_download_get_id (download)));
      g_signal_handlers_disconnect_by_func (download, row_renamed, self);
      path = g_file_get_path (dm_download_get_file (download));
      g_hash_table_remove (self->taken, path);
    }
  if (g_hash_table_size (gone) == 0)
    return;
  /* One splice from the first row removed to the last, with the rows
   * between them kept: the rows before are not touched, those after only
   * move. */
  for (guint i = 0; i < n; i++)
    {
      g_autoptr(DmDownload) download = g_list_model_get_item (model, i);

      if (g_hash_table_contains (gone, download))
        {
          first = MIN (first, i);
          last = i;
          if (to_trash)
            {
              Trashed *t = g_new0 (Trashed, 1);
              DmStatus status = GPOINTER_TO_INT (g_hash_table_lookup (gone, download)) - 1;

              t->download = g_object_ref (download);
              t->position = i;
              t->unfinished = status == DM_STATUS_RUNNING || status == DM_STATUS_PAUSED ||
                              status == DM_STATUS_QUEUED ||
                              g_object_get_data (G_OBJECT (download), "dm-requeue") != NULL;
              t->failed = status == DM_STATUS_FAILED;
              g_ptr_array_add (self->trash, t);
            }
        }
    }
  for (guint i = first; first != G_MAXUINT && i <= last; i++)
    {
      DmDownload *download = g_list_model_get_item (model, i);

      if (!g_hash_table_contains (gone, download))
        g_ptr_array_add (kept, download);
      g_object_unref (download);   /* the store keeps it until the splice */
    }
  if (first != G_MAXUINT)
    g_list_store_splice (self->downloads, first, last - first + 1, kept->pdata, kept->len);
  schedule (self);
  queue_save (self);
  changed (self);
}

void
dm_manager_remove_many (DmManager *self,
                        GPtrArray *downloads)
{
  remove_rows (self, downloads, FALSE);
}

/**
 * dm_manager_trash_many:
 *
 * Takes @downloads out of the list as dm_manager_remove_many() does, but
 * keeps what unfinished ones received (their transfers stop) until
 * dm_manager_empty_trash(); dm_manager_restore_trash() undoes it. Rows
 * trashed before stay in the trash with them.
 */
void
dm_manager_trash_many (DmManager *self,
                       GPtrArray *downloads)
{
  remove_rows (self, downloads, TRUE);
}

guint
dm_manager_get_trash_size (DmManager *self)
{
  return self->trash->len;
}

/**
 * dm_manager_restore_trash:
 *
 * Puts the trashed rows back where they were in the list, the
 * unfinished ones in the queue again, to resume from what they kept.
 *
 * Returns: how many came back
 */
guint
dm_manager_restore_trash (DmManager *self)
{
  g_autoptr(GPtrArray) trash = g_steal_pointer (&self->trash);
  GListModel *model = G_LIST_MODEL (self->downloads);
  guint n = g_list_model_get_n_items (model);
  g_autoptr(GPtrArray) all = g_ptr_array_new_full (n + trash->len, g_object_unref);
  guint next = 0;

  self->trash = g_ptr_array_new_with_free_func (trashed_free);
  /* In the order they were in, each at its place among those before. */
  g_ptr_array_sort (trash, by_position);
  for (guint i = 0; i < trash->len; i++)
    {
      Trashed *t = trash->pdata[i];
      GObject *object = G_OBJECT (t->download);

      g_object_set_data (object, "dm-removed", NULL);
      g_object_set_data (object, "dm-keep-part", NULL);
      g_object_set_data (object, "dm-manager", self);
      g_hash_table_insert (self->by_id, GUINT_TO_POINTER (dm_download_get_id (t->download)),
                           t->download);
      g_object_set_data_full (object, "dm-taken",
                              g_file_get_path (dm_download_get_file (t->download)), g_free);
      g_hash_table_add (self->taken, g_strdup (g_object_get_data (object, "dm-taken")));
      g_signal_connect_object (t->download, "notify::file", G_CALLBACK (row_renamed), self, 0);
      if (t->unfinished && g_object_get_data (object, "dm-stopping") != NULL)
        g_object_set_data (object, "dm-requeue", GINT_TO_POINTER (1));   /* still stopping */
      else if (t->unfinished)
        dm_download_set_status (t->download, DM_STATUS_QUEUED, NULL);
    }
  /* The list as it is, with the rows back at their places: one splice,
   * as for the removal. */
  for (guint i = 0; i < n || next < trash->len;)
    {
      if (next < trash->len && (i >= n || ((Trashed *) trash->pdata[next])->position <= all->len))
        g_ptr_array_add (all, g_object_ref (((Trashed *) trash->pdata[next++])->download));
      else
        g_ptr_array_add (all, g_list_model_get_item (model, i++));
    }
  g_list_store_splice (self->downloads, 0, n, all->pdata, all->len);
  schedule (self);
  queue_save (self);
  changed (self);
  return trash->len;
}

/**
 * dm_manager_empty_trash:
 *
 * Deletes what the trashed rows kept, and forgets them.
 */
void
dm_manager_empty_trash (DmManager *self)
{
  g_autoptr(GPtrArray) trash = NULL;

  if (self->trash == NULL || self->trash->len == 0)
    return;
  trash = g_steal_pointer (&self->trash);
  self->trash = g_ptr_array_new_with_free_func (trashed_free);
  for (guint i = 0; i < trash->len; i++)
    {
      Trashed *t = trash->pdata[i];

      g_object_set_data (G_OBJECT (t->download), "dm-keep-part", NULL);
      g_object_set_data (G_OBJECT (t->download), "dm-requeue", NULL);
      /* One still stopping deletes it when it has (on_finished). */
      if ((t->unfinished && g_object_get_data (G_OBJECT (t->download), "dm-stopping") == NULL &&
           dm_download_get_received (t->download) > 0) || t->failed)
        delete_part (t->download);
    }
}

void
dm_manager_remove (DmManager  *self,
                   DmDownload *download)
{
  g_autoptr(GPtrArray) one = g_ptr_array_new ();

  g_ptr_array_add (one, download);
  dm_manager_remove_many (self, one);
}

/* ---------------------------------------------------------------------- */
/* The saved queue                                                         */

gboolean
dm_manager_save (DmManager  *self,
                 GError    **error)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_autofree char *dir = NULL;

  g_clear_handle_id (&self->save_timeout, g_source_remove);
  if (self->data_file == NULL)
    return TRUE;

  for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->downloads)); i++)
    {
      g_autoptr(DmDownload) download = g_list_model_get_item (G_LIST_MODEL (self->downloads), i);
      g_autofree char *group = NULL;
      g_autofree char *path = NULL;

      if (dm_download_get_transient (download))
        continue;
      group = g_strdup_printf ("download %u", dm_download_get_id (download));
      path = g_file_get_path (dm_download_get_file (download));
      g_key_file_set_string (keys, group, "url", dm_download_get_url (download));
      g_key_file_set_string (keys, group, "file", path);
      g_key_file_set_string (keys, group, "status",
                             dm_status_to_string (dm_download_get_status (download)));
      g_key_file_set_int64 (keys, group, "received", dm_download_get_received (download));
      g_key_file_set_int64 (keys, group, "total", dm_download_get_total (download));
      if (dm_download_get_error_message (download) != NULL)
        g_key_file_set_string (keys, group, "error", dm_download_get_error_message (download));
    }

  dir = g_path_get_dirname (self->data_file);
  if (g_mkdir_with_parents (dir, 0700) != 0)
    {
      g_set_error (error, G_IO_ERROR, g_io_error_from_errno (errno),
                   "Cannot create %s: %s", dir, g_strerror (errno));
      return FALSE;
    }
  return g_key_file_save_to_file (keys, self->data_file, error);
}

static gboolean
save_now (gpointer data)
{
  DmManager *self = data;
  g_autoptr(GError) error = NULL;

  self->save_timeout = 0;
  if (!dm_manager_save (self, &error))
    g_warning ("Cannot save the downloads: %s", error->message);
  return G_SOURCE_REMOVE;
}

static void
queue_save (DmManager *self)
{
  if (self->data_file != NULL && self->save_timeout == 0)
    self->save_timeout = g_timeout_add (SAVE_DELAY_MS, save_now, self);
}

static void
load (DmManager *self)
{
  g_autoptr(GKeyFile) keys = g_key_file_new ();
  g_auto(GStrv) groups = NULL;

  if (!g_key_file_load_from_file (keys, self->data_file, G_KEY_FILE_NONE, NULL))
    return;
  groups = g_key_file_get_groups (keys, NULL);
  for (guint i = 0; groups[i] != NULL; i++)
    {
      g_autofree char *url = g_key_file_get_string (keys, groups[i], "url", NULL);
      g_autofree char *path = g_key_file_get_string (keys, groups[i], "file", NULL);
      g_autofree char *status_text = g_key_file_get_string (keys, groups[i], "status", NULL);
      g_autofree char *message = g_key_file_get_string (keys, groups[i], "error", NULL);
      gint64 received = g_key_file_get_int64 (keys, groups[i], "received", NULL);
      gint64 total = g_key_file_has_key (keys, groups[i], "total", NULL)
                     ? g_key_file_get_int64 (keys, groups[i], "total", NULL) : -1;
      guint64 id;
      DmStatus status = dm_status_from_string (status_text);
      g_autoptr(GFile) file = NULL;
      DmDownload *download;

      if (!g_str_has_prefix (groups[i], "download ") ||
          !g_ascii_string_to_unsigned (groups[i] + strlen ("download "), 10, 0, G_MAXUINT - 1, &id, NULL) ||
          dm_manager_find (self, id) != NULL ||
          url == NULL || path == NULL || !g_path_is_absolute (path))
        continue;

      file = g_file_new_for_path (path);
      download = add_download (self, id, url, file);
      /* What was running when the application stopped runs again. */
      if (status == DM_STATUS_RUNNING)
        status = DM_STATUS_QUEUED;
      if (status == DM_STATUS_CANCELLED)
        received = 0;
      dm_download_set_progress (download, MAX (received, 0), MAX (total, -1), 0);
      dm_download_set_status (download, status, message);
    }
}

/* ---------------------------------------------------------------------- */
/* Status line                                                             */

gboolean
dm_manager_is_idle (DmManager *self)
{
  guint counts[DM_STATUS_CANCELLED + 1];

  count_statuses (self, counts);
  return counts[DM_STATUS_RUNNING] == 0 && counts[DM_STATUS_QUEUED] == 0;
}

gint64 dm_manager_get_total_received (DmManager *self) { return self->total_received; }
gint64 dm_manager_get_total_size (DmManager *self) { return self->total_size; }
guint dm_manager_get_unknown_sizes (DmManager *self) { return self->unknown_sizes; }

char *
dm_manager_dup_summary (DmManager *self)
{
  guint n = g_list_model_get_n_items (G_LIST_MODEL (self->downloads));
  guint counts[DM_STATUS_CANCELLED + 1];
  g_autofree char *received = g_format_size (self->total_received);
  g_autofree char *size = g_format_size (self->total_size);
  g_autofree char *speed = g_format_size (self->total_speed);
  GString *out = g_string_new (NULL);

  if (n == 0)
    return g_string_free (out, FALSE);
  count_statuses (self, counts);
  /* Every status counted, so that the figures add up to the total. */
  g_string_append_printf (out, "%u download%s: %u running, %u queued, %u paused, %u done, %u failed, "
                          "%u cancelled",
                          n, n == 1 ? "" : "s", counts[DM_STATUS_RUNNING], counts[DM_STATUS_QUEUED],
                          counts[DM_STATUS_PAUSED], counts[DM_STATUS_DONE], counts[DM_STATUS_FAILED],
                          counts[DM_STATUS_CANCELLED]);
  /* The sizes of failed and cancelled downloads are left out; those of
   * unknown size are counted apart rather than as 0. */
  g_string_append_printf (out, " · %s of %s", received, size);
  if (self->unknown_sizes > 0)
    g_string_append_printf (out, " + %u of unknown size", self->unknown_sizes);
  if (counts[DM_STATUS_RUNNING] > 0)
    g_string_append_printf (out, " · %s/s", speed);
  return g_string_free (out, FALSE);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */

const char *
dm_manager_get_download_folder (DmManager *self)
{
  return self->download_folder;
}

void
dm_manager_set_download_folder (DmManager  *self,
                                const char *folder)
{
  g_object_set (self, "download-folder", folder, NULL);
}

guint dm_manager_get_max_parallel (DmManager *self) { return self->max_parallel; }
guint dm_manager_get_max_host_connections (DmManager *self) { return self->max_host_connections; }
guint dm_manager_get_speed_limit_kib (DmManager *self) { return self->speed_limit_kib; }
guint dm_manager_get_segments (DmManager *self) { return self->segments; }

GListModel *
dm_manager_get_downloads (DmManager *self)
{
  return G_LIST_MODEL (self->downloads);
}

static void
dm_manager_get_property (GObject    *object,
                         guint       prop_id,
                         GValue     *value,
                         GParamSpec *pspec)
{
  DmManager *self = DM_MANAGER (object);

  switch (prop_id)
    {
    case PROP_DOWNLOAD_FOLDER: g_value_set_string (value, self->download_folder); break;
    case PROP_MAX_PARALLEL: g_value_set_uint (value, self->max_parallel); break;
    case PROP_MAX_HOST_CONNECTIONS: g_value_set_uint (value, self->max_host_connections); break;
    case PROP_SPEED_LIMIT_KIB: g_value_set_uint (value, self->speed_limit_kib); break;
    case PROP_SEGMENTS: g_value_set_uint (value, self->segments); break;
    default: G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
dm_manager_set_property (GObject      *object,
                         guint         prop_id,
                         const GValue *value,
                         GParamSpec   *pspec)
{
  DmManager *self = DM_MANAGER (object);

  switch (prop_id)
    {
    case PROP_DOWNLOAD_FOLDER:
      if (g_value_get_string (value) == NULL || g_strcmp0 (self->download_folder, g_value_get_string (value)) == 0)
        return;
      g_free (self->download_folder);
      self->download_folder = g_value_dup_string (value);
      break;
    case PROP_MAX_PARALLEL:
      if (self->max_parallel == g_value_get_uint (value))
        return;
      self->max_parallel = g_value_get_uint (value);
      schedule (self);
      break;
    case PROP_MAX_HOST_CONNECTIONS:
      if (self->max_host_connections == g_value_get_uint (value))
        return;
      self->max_host_connections = g_value_get_uint (value);
      gcurl_multi_source_set_max_host_connections (self->source, (int) self->max_host_connections);
      break;
    case PROP_SPEED_LIMIT_KIB:
      if (self->speed_limit_kib == g_value_get_uint (value))
        return;
      self->speed_limit_kib = g_value_get_uint (value);
      break;
    case PROP_SEGMENTS:
      if (self->segments == g_value_get_uint (value))
        return;
      self->segments = g_value_get_uint (value);
      break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
      return;
    }
  g_object_notify_by_pspec (object, pspec);
  save_settings (self);
}

static void
dm_manager_dispose (GObject *object)
{
  DmManager *self = DM_MANAGER (object);
  g_autoptr(GError) error = NULL;

  g_clear_handle_id (&self->tick, g_source_remove);
  /* Removed rows that were still to be undone: their data goes now. */
  if (self->trash != NULL)
    dm_manager_empty_trash (self);
  g_clear_pointer (&self->trash, g_ptr_array_unref);
  if (self->downloads != NULL)
    {
      /* Saved first: what runs now is "running" in the file and resumes
       * on the next start. */
      if (!dm_manager_save (self, &error))
        g_warning ("Cannot save the downloads: %s", error->message);
      for (guint i = 0; i < g_list_model_get_n_items (G_LIST_MODEL (self->downloads)); i++)
        {
          g_autoptr(DmDownload) download = g_list_model_get_item (G_LIST_MODEL (self->downloads), i);

          g_object_set_data (G_OBJECT (download), "dm-manager", NULL);
          g_signal_handlers_disconnect_by_func (download, row_renamed, self);
          /* Also one waiting to retry, which no transfer stands for. */
          gcurl_download_cancel (dm_download_get_download (download));
        }
    }
  /* The running downloads stop; with KEEP_PARTIAL their .part files stay
   * for the next start (the rows no longer know the manager, so on_finished
   * does not delete them). */
  if (self->source != NULL)
    gcurl_multi_source_cancel_all (self->source);
  g_clear_object (&self->source);
  g_clear_object (&self->downloads);
  g_clear_pointer (&self->by_id, g_hash_table_unref);
  g_clear_pointer (&self->taken, g_hash_table_unref);
  G_OBJECT_CLASS (dm_manager_parent_class)->dispose (object);
}

static void
dm_manager_finalize (GObject *object)
{
  DmManager *self = DM_MANAGER (object);

  g_free (self->data_file);
  g_free (self->config_file);
  g_free (self->download_folder);
  G_OBJECT_CLASS (dm_manager_parent_class)->finalize (object);
}

static void
dm_manager_class_init (DmManagerClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);
  GParamFlags rw = G_PARAM_READWRITE | G_PARAM_STATIC_STRINGS | G_PARAM_EXPLICIT_NOTIFY;

  object_class->get_property = dm_manager_get_property;
  object_class->set_property = dm_manager_set_property;
  object_class->dispose = dm_manager_dispose;
  object_class->finalize = dm_manager_finalize;

  properties[PROP_DOWNLOAD_FOLDER] = g_param_spec_string ("download-folder", NULL, NULL, NULL, rw);
  properties[PROP_MAX_PARALLEL] = g_param_spec_uint ("max-parallel", NULL, NULL, 1, 100, 4, rw);
  properties[PROP_MAX_HOST_CONNECTIONS] = g_param_spec_uint ("max-host-connections", NULL, NULL,
                                                             0, 64, 6, rw);
  properties[PROP_SPEED_LIMIT_KIB] = g_param_spec_uint ("speed-limit-kib", NULL, NULL,
                                                        0, 10 * 1024 * 1024, 0, rw);
  /* Connections per file: for downloads as they start. */
  properties[PROP_SEGMENTS] = g_param_spec_uint ("segments", NULL, NULL, 1,
                                                 GCURL_DOWNLOAD_MAX_SEGMENTS, 1, rw);
  g_object_class_install_properties (object_class, N_PROPS, properties);

  /* Something the status line shows changed. */
  signals[SIGNAL_CHANGED] = g_signal_new ("changed", G_TYPE_FROM_CLASS (klass), G_SIGNAL_RUN_LAST,
                                          0, NULL, NULL, NULL, G_TYPE_NONE, 0);
}

static void
dm_manager_init (DmManager *self)
{
  self->source = gcurl_multi_source_new ();
  self->downloads = g_list_store_new (DM_TYPE_DOWNLOAD);
  self->by_id = g_hash_table_new (NULL, NULL);
  self->trash = g_ptr_array_new_with_free_func (trashed_free);
  self->taken = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  self->next_id = 1;
  self->download_folder = default_folder ();
  self->max_parallel = 4;
  self->max_host_connections = 6;
  self->segments = 1;
  gcurl_multi_source_set_max_host_connections (self->source, 6);
}

/**
 * dm_manager_new:
 * @data_dir: (nullable): where the queue is saved, or %NULL not to save it
 * @config_dir: (nullable): where the settings are saved, or %NULL
 */
DmManager *
dm_manager_new (const char *data_dir,
                const char *config_dir)
{
  DmManager *self = g_object_new (DM_TYPE_MANAGER, NULL);

  if (config_dir != NULL)
    {
      self->config_file = g_build_filename (config_dir, "settings.ini", NULL);
      load_settings (self);
    }
  if (data_dir != NULL)
    {
      self->data_file = g_build_filename (data_dir, "downloads.ini", NULL);
      load (self);
    }
  self->tick = g_timeout_add (TICK_MS, tick, self);
  g_source_set_static_name (g_main_context_find_source_by_id (NULL, self->tick), "dm-manager-tick");
  schedule (self);
  return self;
}
