/* gcurl-test-hooks-private.h: what only the tests call
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Not installed, not exported: the tests link the internal static library
 * to reach these, for failures that cannot be provoked from outside and
 * for counts a user cannot see.
 */

#pragma once

#include "gcurl-multi-source-private.h"

G_BEGIN_DECLS

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

GSource     *_gcurl_multi_source_get_gsource      (GCurlMultiSource *self);
const char  *_gcurl_multi_source_get_backend_name (GCurlMultiSource *self);
guint64      _gcurl_multi_source_get_dispatch_count (GCurlMultiSource *self);
guint        _gcurl_multi_source_get_max_action_depth (GCurlMultiSource *self);

G_END_DECLS
