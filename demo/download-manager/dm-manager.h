/* dm-manager.h: the download manager's downloads, queue and settings
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include "dm-download.h"

G_BEGIN_DECLS

#define DM_TYPE_MANAGER (dm_manager_get_type ())
G_DECLARE_FINAL_TYPE (DmManager, dm_manager, DM, MANAGER, GObject)

DmManager   *dm_manager_new                  (const char  *data_dir,
                                              const char  *config_dir);
GListModel  *dm_manager_get_downloads        (DmManager   *self);
DmDownload  *dm_manager_find                 (DmManager   *self,
                                              guint        id);
GPtrArray   *dm_manager_add_urls             (DmManager   *self,
                                              const char * const *urls,
                                              const char  *subfolder,
                                              gboolean     transient);
void         dm_manager_pause                (DmManager   *self,
                                              DmDownload  *download);
void         dm_manager_resume               (DmManager   *self,
                                              DmDownload  *download);
void         dm_manager_cancel               (DmManager   *self,
                                              DmDownload  *download);
void         dm_manager_retry                (DmManager   *self,
                                              DmDownload  *download);
void         dm_manager_remove               (DmManager   *self,
                                              DmDownload  *download);
/* The same for many rows at once: one change of the list, one save. */
void         dm_manager_cancel_many          (DmManager   *self,
                                              GPtrArray   *downloads);
void         dm_manager_remove_many          (DmManager   *self,
                                              GPtrArray   *downloads);
/* Removal that can be undone: the rows go, what they received stays
 * until the trash is emptied. */
void         dm_manager_trash_many           (DmManager   *self,
                                              GPtrArray   *downloads);
guint        dm_manager_get_trash_size       (DmManager   *self);
guint        dm_manager_restore_trash        (DmManager   *self);
void         dm_manager_empty_trash          (DmManager   *self);
gboolean     dm_manager_save                 (DmManager   *self,
                                              GError     **error);
char        *dm_manager_dup_summary          (DmManager   *self);
/* The status line's figures: bytes received and the sizes they are out
 * of (failed and cancelled downloads left out), and how many downloads
 * running or queued have no known size. */
gint64       dm_manager_get_total_received   (DmManager   *self);
gint64       dm_manager_get_total_size       (DmManager   *self);
guint        dm_manager_get_unknown_sizes    (DmManager   *self);
gboolean     dm_manager_is_idle              (DmManager   *self);

const char  *dm_manager_get_download_folder  (DmManager   *self);
void         dm_manager_set_download_folder  (DmManager   *self,
                                              const char  *folder);
guint        dm_manager_get_max_parallel     (DmManager   *self);
guint        dm_manager_get_max_host_connections (DmManager *self);
guint        dm_manager_get_speed_limit_kib  (DmManager   *self);
guint        dm_manager_get_segments         (DmManager   *self);

G_END_DECLS
