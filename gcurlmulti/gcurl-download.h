/* gcurl-download.h: one resource downloaded to a file or a folder, with
 * server-given names, checksums and retries
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(GCURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <gio/gio.h>

#include "gcurl-multi-source.h"
#include "gcurl-transfer.h"
#include "gcurl-version-macros.h"

G_BEGIN_DECLS

/**
 * GCurlDownloadState:
 * @GCURL_DOWNLOAD_STATE_NEW: not started yet
 * @GCURL_DOWNLOAD_STATE_RUNNING: an attempt is under way
 * @GCURL_DOWNLOAD_STATE_PAUSED: paused by [method@GCurl.Download.pause]
 * @GCURL_DOWNLOAD_STATE_WAITING: an attempt failed in a way worth retrying;
 *   the next starts after a delay
 * @GCURL_DOWNLOAD_STATE_VERIFYING: the body is complete and its checksum
 *   is being computed
 * @GCURL_DOWNLOAD_STATE_FINISHED: the file is in place
 * @GCURL_DOWNLOAD_STATE_FAILED: the download ended with an error
 * @GCURL_DOWNLOAD_STATE_CANCELLED: cancelled before it finished
 *
 * The life cycle of a [class@GCurl.Download].
 */
typedef enum {
  GCURL_DOWNLOAD_STATE_NEW,
  GCURL_DOWNLOAD_STATE_RUNNING,
  GCURL_DOWNLOAD_STATE_PAUSED,
  GCURL_DOWNLOAD_STATE_WAITING,
  GCURL_DOWNLOAD_STATE_VERIFYING,
  GCURL_DOWNLOAD_STATE_FINISHED,
  GCURL_DOWNLOAD_STATE_FAILED,
  GCURL_DOWNLOAD_STATE_CANCELLED,
} GCurlDownloadState;

/**
 * GCURL_DOWNLOAD_MAX_SEGMENTS:
 *
 * The most connections one download may use
 * ([property@GCurl.Download:segments]).
 */
#define GCURL_DOWNLOAD_MAX_SEGMENTS 16

#define GCURL_TYPE_DOWNLOAD (gcurl_download_get_type ())

GCURL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (GCurlDownload, gcurl_download, GCURL, DOWNLOAD, GObject)

GCURL_AVAILABLE_IN_0_1
GCurlDownload      *gcurl_download_new_for_file          (const char          *url,
                                                          GFile               *file);
GCURL_AVAILABLE_IN_0_1
GCurlDownload      *gcurl_download_new_for_folder        (const char          *url,
                                                          GFile               *folder);

GCURL_AVAILABLE_IN_0_1
const char         *gcurl_download_get_url               (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
GFile              *gcurl_download_get_folder            (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
GFile              *gcurl_download_get_file              (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
GCurlTransfer      *gcurl_download_get_transfer          (GCurlDownload       *self);

GCURL_AVAILABLE_IN_0_1
GCurlDownloadFlags  gcurl_download_get_flags             (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_set_flags             (GCurlDownload       *self,
                                                          GCurlDownloadFlags   flags);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_download_get_checksum          (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_set_checksum          (GCurlDownload       *self,
                                                          const char          *checksum);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_download_get_retries           (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_set_retries           (GCurlDownload       *self,
                                                          guint                retries);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_download_get_retry_delay       (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_set_retry_delay       (GCurlDownload       *self,
                                                          guint                milliseconds);
GCURL_AVAILABLE_IN_0_1
gboolean            gcurl_download_get_content_disposition (GCurlDownload     *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_set_content_disposition (GCurlDownload     *self,
                                                            gboolean           use);

GCURL_AVAILABLE_IN_0_1
guint               gcurl_download_get_segments          (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_set_segments          (GCurlDownload       *self,
                                                          guint                segments);

GCURL_AVAILABLE_IN_0_1
const char * const *gcurl_download_get_mirrors           (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_set_mirrors           (GCurlDownload       *self,
                                                          const char * const  *mirrors);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_download_get_filename          (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_set_filename          (GCurlDownload       *self,
                                                          const char          *filename);

GCURL_AVAILABLE_IN_0_1
GCurlDownloadState  gcurl_download_get_state             (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
guint               gcurl_download_get_attempt           (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_download_get_bytes_received    (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_download_get_total_bytes       (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_download_get_download_speed    (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
gint64              gcurl_download_get_eta               (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
const char         *gcurl_download_get_verified_checksum (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
const GError       *gcurl_download_get_error             (GCurlDownload       *self);

GCURL_AVAILABLE_IN_0_1
void                gcurl_download_run_async             (GCurlDownload       *self,
                                                          GCurlMultiSource    *source,
                                                          GCancellable        *cancellable,
                                                          GAsyncReadyCallback  callback,
                                                          gpointer             user_data);
GCURL_AVAILABLE_IN_0_1
gboolean            gcurl_download_run_finish            (GCurlDownload       *self,
                                                          GAsyncResult        *result,
                                                          GError             **error);

GCURL_AVAILABLE_IN_0_1
void                gcurl_download_pause                 (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_resume                (GCurlDownload       *self);
GCURL_AVAILABLE_IN_0_1
gboolean            gcurl_download_delete_partial        (GCurlDownload       *self,
                                                          GError             **error);
GCURL_AVAILABLE_IN_0_1
void                gcurl_download_cancel                (GCurlDownload       *self);

G_END_DECLS
