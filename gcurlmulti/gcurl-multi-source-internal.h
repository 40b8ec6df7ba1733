/* gcurl-multi-source-internal.h: a source's insides, shared by
 * gcurl-multi-source.c and gcurl-multi-source-accessors.c
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gcurl-backend-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-test-hooks-private.h"

G_BEGIN_DECLS

typedef enum
{
  OP_NONE,
  OP_ADD,       /* add to the multi handle at the next chance */
  OP_REMOVE,    /* remove silently */
  OP_CANCEL,    /* remove and report CURLE_ABORTED_BY_CALLBACK */
} PendingOp;

typedef struct
{
  CURL          *easy;
  gboolean       in_multi;
  gboolean       queued;         /* in self->deferred */
  PendingOp      op;
  gboolean       pause_pending;  /* apply pause_bits after the action */
  gboolean       waiting_proxy;  /* a run waiting for its proxy: not added yet */
  guint          proxy_ticket;   /* which lookup it waits for */
  int            pause_bits;
  const struct _HandleOps *ops;  /* what the handle is: raw, or a run's */
  gpointer       data;           /* owned by ops: NULL, or the GCurlRun */
} HandleEntry;

/* What ends when a handle leaves: the core knows handles, not what owns
 * them. */
typedef struct _HandleOps
{
  /* @easy left the multi handle and the table with @result; @report is
   * FALSE when nobody is to hear of it (removed, or disposing). */
  void           (*finished) (GCurlMultiSource *self,
                              gpointer          data,
                              CURL             *easy,
                              CURLcode          result,
                              gboolean          report);
  /* The transfer the handle belongs to, or NULL for a raw handle. */
  GCurlTransfer *(*transfer) (gpointer          data);
} HandleOps;

typedef struct _GCurlNetworkWatch GCurlNetworkWatch;

typedef struct
{
  GSource           source;
  GCurlMultiSource *self;   /* not a reference: cleared in dispose */
} MultiGSource;

struct _GCurlMultiSource
{
  GObject                parent_instance;

  GMainContext          *context;
  CURLM                 *multi;
  GSource               *source;
  GCurlBackend          *backend;
  GThread               *owner;       /* the constructing thread */
  gboolean               on_global;   /* made on a thread without a pushed context */

  GHashTable            *handles;     /* CURL* → HandleEntry* */
  GPtrArray             *deferred;    /* CURL* with a pending op */
  GListStore            *transfers;   /* GCurlTransfer running or paused;
                                       * made on the first get_transfers() */
  guint64                next_serial;
  gboolean               disposing;

  int                    running_handles;
  guint                  action_depth;      /* > 0 inside curl_multi_socket_action() */
  gboolean               dispatching;       /* inside our GSource's dispatch */
  gint64                 pending_ready_time; /* the timer to set when dispatch
                                             * ends, or NO_PENDING_READY_TIME */
  gboolean               suspended;         /* a handler runs a nested loop */
  guint                  timer_calls;
  guint                  actions;            /* socket_action() calls, ever */
  guint                  dirty_options;     /* 1 << prop_id of options to apply */

  int                    max_total_connections;
  int                    max_host_connections;
  int                    max_concurrent_streams;
  int                    max_connects;
  gboolean               multiplexing;
  /* Caches (gcurl-multi-source-accessors.c, gcurl-share.c) */
  char                  *cookie_jar;
  char                  *hsts_file;
  char                  *alt_svc_file;
  GCurlShare            *share;        /* made on first use, for the two above */
  /* The network (gcurl-multi-source-network.c) */
  GNetworkMonitor       *network_monitor;
  GCurlNetworkWatch     *network_watch;
  guint                  refreshed_generation;
  GHashTable            *refreshed_hosts;  /* "host:port" with a fresh run since */
  /* Proxies (gcurl-multi-source-proxy.c) */
  GProxyResolver        *proxy_resolver;   /* NULL until first needed: the default */
  gboolean               proxy_resolver_is_dummy;
  GHashTable            *proxy_answers;    /* "scheme://host:port" → ProxyAnswer */
  GPtrArray             *proxy_lookups;    /* ProxyLookup under way */
  guint                  proxy_generation; /* the network's, when answers were kept */
  guint                  proxy_tickets;

  /* For the tests only (gcurl-test-hooks-private.h): counts a user
   * cannot see, and a replacement for curl_multi_socket_action(). */
  struct {
    guint64                dispatches;
    guint                  max_action_depth;
    GCurlSocketActionHook  action_hook;
    gpointer               action_hook_data;
  } test;
};

enum {
  PROP_0,
  PROP_CONTEXT,
  PROP_RUNNING_HANDLES,
  PROP_MAX_TOTAL_CONNECTIONS,
  PROP_MAX_HOST_CONNECTIONS,
  PROP_MAX_CONCURRENT_STREAMS,
  PROP_MULTIPLEXING,
  PROP_MAX_CONNECTS,
  PROP_COOKIE_JAR,
  PROP_HSTS_FILE,
  PROP_ALT_SVC_FILE,
  PROP_NETWORK_MONITOR,
  PROP_NETWORK_AVAILABLE,
  PROP_NETWORK_METERED,
  PROP_PROXY_RESOLVER,
  N_PROPS
};

#define DEFAULT_MAX_CONCURRENT_STREAMS 100

/* No timer recorded during a dispatch (-1 is a timer: "none"). */
#define NO_PENDING_READY_TIME G_MININT64

void      _gcurl_multi_source_notify         (GCurlMultiSource *self,
                                              guint             prop_id);
/* Applies the options whose properties changed, unless inside an action
 * (where curl forbids it) or before construction: then later. */
void      _gcurl_multi_source_apply_options  (GCurlMultiSource *self);
void      _gcurl_multi_source_set_int_option (GCurlMultiSource *self,
                                              int              *field,
                                              int               value,
                                              guint             prop_id);

/* gcurl-multi-source-network.c; NULL for the default monitor */
void      _gcurl_multi_source_watch_network   (GCurlMultiSource *self,
                                               GNetworkMonitor  *monitor);
void      _gcurl_multi_source_unwatch_network (GCurlMultiSource *self);
guint     _gcurl_multi_source_network_generation (GCurlMultiSource *self);

/* gcurl-multi-source-proxy.c */
GProxyResolver *_gcurl_multi_source_peek_proxy_resolver (GCurlMultiSource *self);
void      _gcurl_multi_source_take_proxy_resolver (GCurlMultiSource *self,
                                                   GProxyResolver   *resolver);
gboolean  _gcurl_multi_source_find_proxy      (GCurlMultiSource *self,
                                               GCurlTransfer    *transfer,
                                               CURL             *easy,
                                               guint             ticket);
void      _gcurl_multi_source_clear_proxies   (GCurlMultiSource *self);
/* gcurl-multi-source.c: the answer for a run that waited */
void      _gcurl_multi_source_proxy_found     (GCurlMultiSource *self,
                                               CURL             *easy,
                                               guint             ticket,
                                               const char       *proxy,
                                               const GError     *error);

G_END_DECLS
