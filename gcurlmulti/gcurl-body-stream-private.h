/* gcurl-body-stream-private.h: the GInputStream send_async() returns
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * doc/design.md, "Pull streams", has the rationale.
 */

#pragma once

#include <gio/gio.h>

#include "gcurl-transfer.h"

G_BEGIN_DECLS

/* What the stream holds between libcurl and its reader, at most: a
 * transfer pauses when the next chunk would not fit, and resumes once the
 * reader has taken half. Documented in send_async(). */
#define GCURL_BODY_STREAM_BUFFER (256 * 1024)

#define GCURL_TYPE_BODY_STREAM (_gcurl_body_stream_get_type ())
G_DECLARE_FINAL_TYPE (GCurlBodyStream, _gcurl_body_stream, GCURL, BODY_STREAM, GInputStream)

/* For @transfer, whose source's context is @context (owned by the thread
 * that iterates it: a blocking read there that would wait is refused). */
GCurlBodyStream *_gcurl_body_stream_new    (GCurlTransfer   *transfer,
                                            GMainContext    *context);
/* From the write callback: TRUE if @len bytes were taken, FALSE if the
 * transfer is to pause (CURL_WRITEFUNC_PAUSE) until the reader drains the
 * buffer. *@closed is set when the reader closed the stream. */
gboolean         _gcurl_body_stream_push   (GCurlBodyStream *self,
                                            const char      *data,
                                            gsize            len,
                                            gboolean        *closed);
/* The run ended: end of stream, or @error (copied) for the reader. */
void             _gcurl_body_stream_finish (GCurlBodyStream *self,
                                            const GError    *error);

G_END_DECLS
