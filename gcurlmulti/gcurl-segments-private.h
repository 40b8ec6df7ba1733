/* gcurl-segments-private.h: one download over several connections
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gcurl-multi-source.h"
#include "gcurl-part-file-private.h"
#include "gcurl-transfer.h"

G_BEGIN_DECLS

typedef struct _GCurlSegments GCurlSegments;

/* Bytes or speed changed. */
typedef void (*GCurlSegmentsProgressFunc) (gpointer data);
/* The run is over: @error NULL when every byte is in the part (and the
 * control file is gone); else the part and the control file are kept for
 * the next run, and @failed is the transfer that failed, if one did. An
 * error in G_IO_ERROR_NOT_SUPPORTED means the server does not serve the
 * ranges, or the resource changed: the segments cannot go on. */
typedef void (*GCurlSegmentsDoneFunc) (GError        *error,
                                       GCurlTransfer *failed,
                                       gpointer       data);

/* Below this many bytes a connection is not worth its request. */
#define GCURL_SEGMENT_MIN (1024 * 1024)

GCurlSegments *_gcurl_segments_new    (GCurlMultiSource          *source,
                                        GCurlTransfer             *model,
                                        GCurlPartFile             *part,
                                        gint64                     total,
                                        const char                *validator,
                                        guint                      connections,
                                        GCurlSegmentsProgressFunc  progress,
                                        GCurlSegmentsDoneFunc      done,
                                        gpointer                   data);
/* Starts, from the control file when it matches @total and the validator
 * (one without a validator only in the run that wrote it: @same_run),
 * else from @offset (what a single connection left in the part). FALSE
 * with @error when the part cannot be made ready. */
gboolean       _gcurl_segments_start  (GCurlSegments  *self,
                                        gint64          offset,
                                        gboolean        same_run,
                                        GError        **error);
void           _gcurl_segments_pause  (GCurlSegments  *self);
void           _gcurl_segments_resume (GCurlSegments  *self);
void           _gcurl_segments_cancel (GCurlSegments  *self);
gint64         _gcurl_segments_get_received (GCurlSegments *self);
gint64         _gcurl_segments_get_speed    (GCurlSegments *self);
void           _gcurl_segments_free   (GCurlSegments  *self);

/* The control file beside a part, and whether one is there. */
char          *_gcurl_segments_control_path (const char *part_path);
gboolean       _gcurl_segments_has_control  (const char *part_path);
void           _gcurl_segments_discard_control (const char *part_path);

G_END_DECLS
