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

/* A mirror was dropped for the rest of the run: it failed with @error. */
typedef void (*GCurlSegmentsMirrorFunc) (const char   *url,
                                         const GError *error,
                                         gpointer      data);

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
/* The URLs to spread the connections over, the first the one the probe
 * answered from (the only one If-Range goes to: other servers have other
 * validators); credentials go only to those of @credentials_url's
 * origin. A URL whose connection fails, or that does not serve the range
 * asked for, is dropped (@dropped is told) as long as another is left.
 * Without this, the model's URL alone. Before start(). */
void           _gcurl_segments_set_mirrors (GCurlSegments            *self,
                                            const char * const       *urls,
                                            const char               *credentials_url,
                                            GCurlSegmentsMirrorFunc   dropped);

/* Whether @error may be the server's fault, so that another mirror may
 * do better: not ours (writing, a size limit, cancelling). */
gboolean       _gcurl_segments_mirror_at_fault (const GError *error);

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

/* The download's URL and final name, written in the control file so
 * that a restart finds its part, and its name, again. Before start(). */
void           _gcurl_segments_set_identity (GCurlSegments *self,
                                             const char    *url,
                                             const char    *name);

/* The control file beside a part; whether one with ranges (or one not
 * ours) is there, so that the part's length says nothing. */
char          *_gcurl_segments_control_path (const char *part_path);
gboolean       _gcurl_segments_has_control  (const char *part_path);
void           _gcurl_segments_discard_control (const char *part_path);
/* A single connection's control file: only the URL and the final name
 * (NULL for none yet). */
gboolean       _gcurl_control_write_identity (const char  *part_path,
                                              const char  *url,
                                              const char  *name);
/* The URL and name a control file records (each NULL if it has none);
 * FALSE if there is none of ours. */
gboolean       _gcurl_control_read_identity  (const char  *part_path,
                                              char       **url,
                                              char       **name);

G_END_DECLS
