/* dm-download.h: one row of the download manager
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */
#pragma once

#include <gcurlmulti/gcurlmulti.h>

G_BEGIN_DECLS

typedef enum
{
  DM_STATUS_QUEUED,
  DM_STATUS_RUNNING,
  DM_STATUS_PAUSED,
  DM_STATUS_DONE,
  DM_STATUS_FAILED,
  DM_STATUS_CANCELLED,
} DmStatus;

#define DM_TYPE_STATUS (dm_status_get_type ())
GType dm_status_get_type (void);
const char *dm_status_to_string (DmStatus status);
DmStatus    dm_status_from_string (const char *text);

#define DM_TYPE_DOWNLOAD (dm_download_get_type ())
G_DECLARE_FINAL_TYPE (DmDownload, dm_download, DM, DOWNLOAD, GObject)

DmDownload    *dm_download_new               (guint        id,
                                              const char  *url,
                                              GFile       *file);
guint          dm_download_get_id            (DmDownload  *self);
const char    *dm_download_get_url           (DmDownload  *self);
GFile         *dm_download_get_file          (DmDownload  *self);
const char    *dm_download_get_name          (DmDownload  *self);
GCurlDownload *dm_download_get_download      (DmDownload  *self);
/* The download's transfer: that of its single connection. */
GCurlTransfer *dm_download_get_transfer      (DmDownload  *self);
DmStatus       dm_download_get_status        (DmDownload  *self);
gint64         dm_download_get_received      (DmDownload  *self);
gint64         dm_download_get_total         (DmDownload  *self);
gint64         dm_download_get_speed         (DmDownload  *self);
const char    *dm_download_get_error_message (DmDownload  *self);
gboolean       dm_download_get_transient     (DmDownload  *self);

/* For DmManager. */
void           dm_download_set_status        (DmDownload  *self,
                                              DmStatus     status,
                                              const char  *error_message);
void           dm_download_set_progress      (DmDownload  *self,
                                              gint64       received,
                                              gint64       total,
                                              gint64       speed);
void           dm_download_set_transient     (DmDownload  *self,
                                              gboolean     transient);
void           dm_download_update_from_transfer (DmDownload *self);

G_END_DECLS
