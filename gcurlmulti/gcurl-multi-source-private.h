/* gcurl-multi-source-private.h: internal API and test hooks
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Nothing here is installed or exported from the shared library; the tests
 * link the internal static library to reach it (failures that
 * cannot be provoked from outside use private hooks).
 */

#pragma once

#include "gcurl-multi-source.h"
#include "gcurl-transfer.h"

G_BEGIN_DECLS

/* For GCurlTransfer: curl_easy_pause() with @bitmask, deferred to the end
 * of the current action when called from inside one. */
void         _gcurl_multi_source_set_pause        (GCurlMultiSource *self,
                                                    CURL             *easy,
                                                    int               bitmask);
/* For GCurlTransfer: ends @transfer as cancelled (at once, or after the
 * current action). */
void         _gcurl_multi_source_cancel_transfer  (GCurlMultiSource *self,
                                                    GCurlTransfer    *transfer);

/* Replaces curl_multi_socket_action() for this source (NULL restores it). */
typedef CURLMcode (*GCurlSocketActionHook) (GCurlMultiSource *self,
                                            CURLM            *multi,
                                            curl_socket_t     fd,
                                            int               ev_bitmask,
                                            int              *running_handles,
                                            gpointer          user_data);

void         _gcurl_multi_source_set_socket_action_hook (GCurlMultiSource      *self,
                                                          GCurlSocketActionHook  hook,
                                                          gpointer               user_data);

/* The callbacks given to curl, callable by tests to play curl's part. */
int          _gcurl_multi_source_socket_cb    (CURL          *easy,
                                                curl_socket_t  fd,
                                                int            what,
                                                void          *userp,
                                                void          *socketp);
int          _gcurl_multi_source_timer_cb     (CURLM         *multi,
                                                long           timeout_ms,
                                                void          *userp);

gboolean     _gcurl_multi_source_in_its_thread    (GCurlMultiSource *self);
GSource     *_gcurl_multi_source_get_gsource      (GCurlMultiSource *self);
const char  *_gcurl_multi_source_get_backend_name (GCurlMultiSource *self);
guint64      _gcurl_multi_source_get_dispatch_count (GCurlMultiSource *self);
guint        _gcurl_multi_source_get_max_action_depth (GCurlMultiSource *self);

G_END_DECLS
