/* gcurl-run-private.h: one run of a transfer by a source
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gcurl-multi-source.h"
#include "gcurl-transfer.h"

G_BEGIN_DECLS

/* What the run's task returns on success. */
typedef enum
{
  GCURL_RUN_RETURNS_BOOLEAN,   /* perform_async, download_async */
  GCURL_RUN_RETURNS_BYTES,     /* fetch_bytes_async: the body */
  GCURL_RUN_RETURNS_STREAM,    /* send_async: the body stream, at the head */
} GCurlRunReturns;

/* The transfer, its task, the link from the task's cancellable, and its
 * start order: everything a handle entry owns for a transfer. */
typedef struct _GCurlRun GCurlRun;

GCurlTransfer *_gcurl_run_get_transfer (GCurlRun         *run);
guint64        _gcurl_run_get_serial   (GCurlRun         *run);
/* Ends and frees @run (its handle has left the multi handle), in the
 * documented order: the final state and result, GCurlMultiSource::done,
 * GCurlTransfer::finished, ::transfer-finished, the task's callback. The
 * source's signals are left out once it is abandoned. */
void           _gcurl_run_end          (GCurlRun         *run,
                                        GCurlMultiSource *source,
                                        CURLcode          result);

/* gcurl-multi-source.c, for runs. */
void           _gcurl_multi_source_add_run    (GCurlMultiSource *self,
                                               GCurlRun         *run);
gboolean       _gcurl_multi_source_is_closed  (GCurlMultiSource *self);
gboolean       _gcurl_multi_source_abandoned  (GCurlMultiSource *self);
guint64        _gcurl_multi_source_next_serial (GCurlMultiSource *self);
GMainContext  *_gcurl_multi_source_peek_context (GCurlMultiSource *self);
void           _gcurl_multi_source_emit_done  (GCurlMultiSource *self,
                                               CURL             *easy,
                                               CURLcode          result);
void           _gcurl_multi_source_emit_transfer_finished (GCurlMultiSource *self,
                                                           GCurlTransfer    *transfer);

G_END_DECLS
