/* gcurl-multi-source.h: a libcurl multi handle driven by a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(G_CURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <gio/gio.h>
#include <curl/curl.h>

#include "gcurl-transfer.h"
#include "gcurl-version-macros.h"

G_BEGIN_DECLS

#define G_CURL_TYPE_MULTI_SOURCE (g_curl_multi_source_get_type ())

G_CURL_AVAILABLE_IN_1_0
G_DECLARE_FINAL_TYPE (GCurlMultiSource, g_curl_multi_source, G_CURL, MULTI_SOURCE, GObject)

G_CURL_AVAILABLE_IN_1_0
GCurlMultiSource *g_curl_multi_source_new                        (void);

G_CURL_AVAILABLE_IN_1_0
GMainContext     *g_curl_multi_source_get_context                (GCurlMultiSource *self);

G_CURL_AVAILABLE_IN_1_0
CURLM            *g_curl_multi_source_get_multi                  (GCurlMultiSource *self);

G_CURL_AVAILABLE_IN_1_0
gboolean          g_curl_multi_source_add_handle                 (GCurlMultiSource *self,
                                                                  CURL             *easy,
                                                                  GError          **error);

G_CURL_AVAILABLE_IN_1_0
gboolean          g_curl_multi_source_remove_handle              (GCurlMultiSource *self,
                                                                  CURL             *easy,
                                                                  GError          **error);

G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_cancel_all                 (GCurlMultiSource *self);

G_CURL_AVAILABLE_IN_1_0
int               g_curl_multi_source_get_running_handles        (GCurlMultiSource *self);

G_CURL_AVAILABLE_IN_1_0
int               g_curl_multi_source_get_max_total_connections  (GCurlMultiSource *self);
G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_set_max_total_connections  (GCurlMultiSource *self,
                                                                  int               max_total_connections);

G_CURL_AVAILABLE_IN_1_0
int               g_curl_multi_source_get_max_host_connections   (GCurlMultiSource *self);
G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_set_max_host_connections   (GCurlMultiSource *self,
                                                                  int               max_host_connections);

G_CURL_AVAILABLE_IN_1_0
int               g_curl_multi_source_get_max_concurrent_streams (GCurlMultiSource *self);
G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_set_max_concurrent_streams (GCurlMultiSource *self,
                                                                  int               max_concurrent_streams);

G_CURL_AVAILABLE_IN_1_0
gboolean          g_curl_multi_source_get_multiplexing           (GCurlMultiSource *self);
G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_set_multiplexing           (GCurlMultiSource *self,
                                                                  gboolean          multiplexing);

G_CURL_AVAILABLE_IN_1_0
int               g_curl_multi_source_get_max_connects           (GCurlMultiSource *self);
G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_set_max_connects           (GCurlMultiSource *self,
                                                                  int               max_connects);

G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_perform_async              (GCurlMultiSource    *self,
                                                                  GCurlTransfer       *transfer,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
G_CURL_AVAILABLE_IN_1_0
gboolean          g_curl_multi_source_perform_finish             (GCurlMultiSource    *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);

G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_fetch_bytes_async          (GCurlMultiSource    *self,
                                                                  const char          *url,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
G_CURL_AVAILABLE_IN_1_0
GBytes           *g_curl_multi_source_fetch_bytes_finish         (GCurlMultiSource    *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);

G_CURL_AVAILABLE_IN_1_0
void              g_curl_multi_source_download_async             (GCurlMultiSource    *self,
                                                                  const char          *url,
                                                                  GFile               *file,
                                                                  GCurlDownloadFlags   flags,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
G_CURL_AVAILABLE_IN_1_0
gboolean          g_curl_multi_source_download_finish            (GCurlMultiSource    *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);

G_CURL_AVAILABLE_IN_1_0
GListModel       *g_curl_multi_source_get_transfers              (GCurlMultiSource    *self);

G_END_DECLS
