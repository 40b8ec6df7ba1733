/* gcurl-multi-source.h: a libcurl multi handle driven by a GMainContext
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#if !defined(__GCURLMULTI_INSIDE__) && !defined(GCURL_COMPILATION)
#error "Only <gcurlmulti/gcurlmulti.h> can be included directly."
#endif

#include <gio/gio.h>
#include <curl/curl.h>

#include "gcurl-transfer.h"
#include "gcurl-version-macros.h"

G_BEGIN_DECLS

#define GCURL_TYPE_MULTI_SOURCE (gcurl_multi_source_get_type ())

GCURL_AVAILABLE_IN_0_1
G_DECLARE_FINAL_TYPE (GCurlMultiSource, gcurl_multi_source, GCURL, MULTI_SOURCE, GObject)

GCURL_AVAILABLE_IN_0_1
GCurlMultiSource *gcurl_multi_source_new                        (void);

GCURL_AVAILABLE_IN_0_1
GMainContext     *gcurl_multi_source_get_context                (GCurlMultiSource *self);

GCURL_AVAILABLE_IN_0_1
CURLM            *gcurl_multi_source_get_multi                  (GCurlMultiSource *self);

GCURL_AVAILABLE_IN_0_1
gboolean          gcurl_multi_source_add_handle                 (GCurlMultiSource *self,
                                                                  CURL             *easy,
                                                                  GError          **error);

GCURL_AVAILABLE_IN_0_1
gboolean          gcurl_multi_source_remove_handle              (GCurlMultiSource *self,
                                                                  CURL             *easy,
                                                                  GError          **error);

GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_cancel_all                 (GCurlMultiSource *self);

GCURL_AVAILABLE_IN_0_1
int               gcurl_multi_source_get_running_handles        (GCurlMultiSource *self);

GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_get_progress               (GCurlMultiSource *self,
                                                                  gint64           *bytes_received,
                                                                  gint64           *total_bytes,
                                                                  guint            *n_running,
                                                                  guint            *n_queued);
GCURL_AVAILABLE_IN_0_1
int               gcurl_multi_source_get_max_total_connections  (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_max_total_connections  (GCurlMultiSource *self,
                                                                  int               max_total_connections);

GCURL_AVAILABLE_IN_0_1
int               gcurl_multi_source_get_max_host_connections   (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_max_host_connections   (GCurlMultiSource *self,
                                                                  int               max_host_connections);

GCURL_AVAILABLE_IN_0_1
int               gcurl_multi_source_get_max_concurrent_streams (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_max_concurrent_streams (GCurlMultiSource *self,
                                                                  int               max_concurrent_streams);

GCURL_AVAILABLE_IN_0_1
gboolean          gcurl_multi_source_get_multiplexing           (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_multiplexing           (GCurlMultiSource *self,
                                                                  gboolean          multiplexing);

GCURL_AVAILABLE_IN_0_1
int               gcurl_multi_source_get_max_connects           (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_max_connects           (GCurlMultiSource *self,
                                                                  int               max_connects);

GCURL_AVAILABLE_IN_0_1
const char       *gcurl_multi_source_get_cookie_jar             (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_cookie_jar             (GCurlMultiSource *self,
                                                                  const char       *cookie_jar);
GCURL_AVAILABLE_IN_0_1
char            **gcurl_multi_source_dup_cookies                (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
gboolean          gcurl_multi_source_add_cookie                 (GCurlMultiSource *self,
                                                                  const char       *set_cookie_header,
                                                                  const char       *url,
                                                                  GError          **error);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_clear_cookies              (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
const char       *gcurl_multi_source_get_hsts_file              (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_hsts_file              (GCurlMultiSource *self,
                                                                  const char       *hsts_file);
GCURL_AVAILABLE_IN_0_1
const char       *gcurl_multi_source_get_alt_svc_file           (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_alt_svc_file           (GCurlMultiSource *self,
                                                                  const char       *alt_svc_file);
GCURL_AVAILABLE_IN_0_1
GNetworkMonitor  *gcurl_multi_source_get_network_monitor        (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_network_monitor        (GCurlMultiSource *self,
                                                                  GNetworkMonitor  *monitor);
GCURL_AVAILABLE_IN_0_1
GProxyResolver   *gcurl_multi_source_get_proxy_resolver         (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_set_proxy_resolver         (GCurlMultiSource *self,
                                                                  GProxyResolver   *resolver);
GCURL_AVAILABLE_IN_0_1
gboolean          gcurl_multi_source_get_network_available      (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
gboolean          gcurl_multi_source_get_network_metered        (GCurlMultiSource *self);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_perform_async              (GCurlMultiSource    *self,
                                                                  GCurlTransfer       *transfer,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
GCURL_AVAILABLE_IN_0_1
gboolean          gcurl_multi_source_perform_finish             (GCurlMultiSource    *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);
GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_send_async                 (GCurlMultiSource    *self,
                                                                  GCurlTransfer       *transfer,
                                                                  int                  io_priority,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
GCURL_AVAILABLE_IN_0_1
GInputStream     *gcurl_multi_source_send_finish                (GCurlMultiSource    *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);

GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_fetch_bytes_async          (GCurlMultiSource    *self,
                                                                  const char          *url,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
GCURL_AVAILABLE_IN_0_1
GBytes           *gcurl_multi_source_fetch_bytes_finish         (GCurlMultiSource    *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);

GCURL_AVAILABLE_IN_0_1
void              gcurl_multi_source_download_async             (GCurlMultiSource    *self,
                                                                  const char          *url,
                                                                  GFile               *file,
                                                                  GCurlDownloadFlags   flags,
                                                                  GCancellable        *cancellable,
                                                                  GAsyncReadyCallback  callback,
                                                                  gpointer             user_data);
GCURL_AVAILABLE_IN_0_1
gboolean          gcurl_multi_source_download_finish            (GCurlMultiSource    *self,
                                                                  GAsyncResult        *result,
                                                                  GError             **error);

GCURL_AVAILABLE_IN_0_1
GListModel       *gcurl_multi_source_get_transfers              (GCurlMultiSource    *self);

G_END_DECLS
