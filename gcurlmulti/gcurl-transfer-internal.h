/* gcurl-transfer-internal.h: a transfer's insides, shared by the files
 * that make it up (gcurl-transfer.c and the modules doc/design.md,
 * "Source layout", lists)
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include "gcurl-headers-private.h"
#include "gcurl-part-file-private.h"
#include "gcurl-form-private.h"
#include "gcurl-share-private.h"
#include "gcurl-transfer-private.h"

G_BEGIN_DECLS

#define DEFAULT_PROTOCOLS "http,https"
#define DEFAULT_MAX_REDIRECTS 20
#define DEFAULT_PROGRESS_INTERVAL 100
/* Chosen by measurement: doc/performance.md, "Tuning". */
#define DEFAULT_RECEIVE_BUFFER_SIZE (32 * 1024)
#define MIN_RECEIVE_BUFFER_SIZE 1024
#define MAX_RECEIVE_BUFFER_SIZE (10 * 1024 * 1024)
#define MAX_ERROR_BODY (1024 * 1024)
#define READ_CHUNK (64 * 1024)

/* The low-speed check keeps this many samples over its window. */
#define SPEED_SAMPLES 10
/* The most memory output reserves from an announced Content-Length before
 * the bytes arrive: a server's word alone never allocates more
 * (doc/design.md, "Memory output"). */
#define MAX_PRESIZE (1024 * 1024)

/* The options a transfer sets on its easy handle on every run, as last set
 * on that handle. A run sets only those that differ: setting all of them
 * (about forty curl_easy_setopt() calls) and resetting a reused handle
 * were a tenth of a short transfer's instructions (callgrind). The record
 * goes with the handle into the pool below. It is not valid for a new
 * handle, nor for one C code had through get_handle() (which may have set
 * anything): such a handle gets every option set. */
typedef struct
{
  gboolean            valid;
  gpointer            owner;        /* the transfer the data pointers are for */
  gboolean            plain_get;    /* the method options are a plain GET's */
  struct curl_slist  *headers;
  char               *url;
  char               *user_agent;
  char               *protocols;
  char               *ca_file;
  char               *username;
  char               *password;
  char               *bearer;
  char               *accept_encoding;
  char               *proxy;        /* CURLOPT_PROXY, without credentials */
  char               *noproxy;
  char               *proxy_user;
  char               *proxy_password;
  char               *proxy_ca_file;
  struct curl_slist  *resolve;
  long                httpauth, content_decoding;
  long                fresh_connect, dns_cache_timeout, max_lifetime_conn;
  gboolean            altsvc;       /* read and wrote an alt-svc file: never pooled */
  gboolean            cookies;      /* had the cookie engine on: never pooled */
  gboolean            ran_unshared; /* ran without a share: has TLS sessions of its own */
  long                follow, max_redirects, version, pipewait, forbid_reuse;
  long                timeout, connect_timeout, low_speed_limit, low_speed_time;
  long                buffer_size, verify_peer, verify_host;
  gboolean            proxy_tls;    /* the three below were set (an HTTPS proxy's) */
  long                proxy_verify_peer, proxy_verify_host;
  curl_off_t          max_send, resume_from, max_file_size;
} EasyOptions;

/* A body in memory. Not a GByteArray: that aborts when an allocation
 * fails and stops at 4 GiB; this fails the transfer instead. */
typedef struct
{
  guint8 *data;
  gsize   len;
  gsize   size;
} BodyBuffer;

struct _GCurlTransfer
{
  GObject             parent_instance;

  /* The easy handle (gcurl-easy-options.c) */
  CURL               *easy;
  char                errbuf[CURL_ERROR_SIZE];
  gboolean            handle_exposed;    /* get_handle() was called */
  gboolean            withhold_credentials; /* a mirror on another origin */
  EasyOptions         applied;           /* options as set on easy */
  const char         *default_ca_file;   /* libcurl's built-in CA bundle */

  /* Notifications (gcurl-transfer.c) */
  guint               notify_freeze;
  guint64             notify_pending;    /* 1 << prop_id, while frozen */
  gboolean            notify_listened;   /* this run found a notify handler */
  gboolean            notify_plain;      /* a "notify" handler without detail, */
  gboolean            notify_plain_asked; /* ...as this run's first batch found */

  /* The run's state and progress (gcurl-transfer.c, gcurl-progress.c) */
  GCurlMultiSource   *source;            /* while active; the source holds us */
  GCurlShare         *share;             /* this run's, from the source */
  gboolean            set_cookie_seen;   /* this run received a Set-Cookie */
  GCurlTransferState  state;
  gboolean            cancelling;        /* cancel() ran; the end is deferred */
  gint64              last_notify;       /* monotonic µs */
  gboolean            too_slow;          /* the low-speed check failed it */
  guint               n_samples;         /* (time, bytes) for that check, */
  guint               first_sample;      /* ...a ring of SPEED_SAMPLES */
  gint64              sample_time[SPEED_SAMPLES];
  gint64              sample_bytes[SPEED_SAMPLES];

  /* The request settings, for the next run */
  struct
  {
    char               *url;
    char               *method;
    GPtrArray          *request_headers;   /* "Name: value"; NULL until one is set */
    struct curl_slist  *slist;
    char               *user_agent;
    gboolean            follow_redirects;
    int                 max_redirects;
    GCurlHttpVersion    http_version;
    guint               timeout;
    guint               connect_timeout;
    guint               low_speed_limit;
    guint               low_speed_time;
    gint64              max_recv_speed;
    gint64              max_send_speed;
    guint               receive_buffer_size;
    gint64              resume_from;
    char               *allowed_protocols;
    gint64              max_size;
    gboolean            tls_verify_peer;
    gboolean            tls_verify_host;
    char               *tls_ca_file;
    gboolean            fail_on_http_error;
    guint               progress_interval;
    char               *username;
    char               *password;
    GCurlAuthMethods    auth_methods;
    char               *bearer_token;
    char               *accept_encoding;   /* NULL: by output (gcurl-easy-options.c) */
    char              **resolve;
    struct curl_slist  *resolve_slist;
    char               *proxy;             /* NULL: the source's resolver */
  } request;

  /* The request body, and reading it (gcurl-request-body.c) */
  struct
  {
    GBytes             *body_bytes;
    GInputStream       *body_stream;
    GCurlForm          *form;
    curl_mime          *mime;              /* the form's, for this run */
    gint64              body_length;
    char               *body_content_type;
    gsize               body_pos;
    gboolean            body_stream_used;
    GBytes             *read_chunk;
    gsize               read_pos;
    gboolean            reading;
    gboolean            read_waiting;     /* the read callback returned PAUSE */
    gboolean            read_eof;
    GError             *read_error;
    GCancellable       *read_cancellable;
  } body;

  /* Where the response body goes, and this run's writing (gcurl-output.c) */
  struct
  {
    GCurlOutput         output;
    GFile              *file;
    GCurlDownloadFlags  flags;
    GOutputStream      *user_stream;
    GCurlPartFile      *part;              /* file output: NAME.part */
    gboolean            hold_part;         /* a download commits it (gcurl-download.c), */
    gboolean            name_later;        /* ...to a name it gives later, */
    GCurlPartFile      *held_part;         /* ...after this run succeeded */
    GOutputStream      *out;               /* stream output */
    BodyBuffer          buffer;            /* memory output, or an HTTP error body */
    gboolean            buffering;
    GBytes             *body;
    gboolean            decoding;          /* this run asked for encodings */
    gboolean            head_has_encoding; /* this head has Content- or Transfer-Encoding */
    gboolean            decoded;           /* libcurl decodes the body */
    gboolean            error_body;        /* an HTTP error's body, kept in memory */
    gboolean            too_large;
    gboolean            out_of_memory;     /* the body did not fit in memory */
    GError             *write_error;
    gint64              offset;            /* resumed at */
    gint64              received;          /* body bytes of this run */
    gint64              pace_rate;         /* max-recv-speed of this run, */
    gint64              pace_start;        /* ...its first body byte, */
    GSource            *pace_source;       /* ...the timer to go on */
    struct _GCurlBodyStream *pull;         /* send_async(): the body goes here, */
    GTask              *pull_task;         /* ...its task, returned at the head */
    gboolean            pull_returned;
  } sink;

  /* The response and the results of the last run */
  struct
  {
    gboolean            checked_response;
    GError             *head_error;        /* a response head refused */
    gint64              bytes_received;
    gint64              wire_bytes_received;
    gint64              total_bytes;
    gint64              download_speed;
    gint64              bytes_sent;
    gint64              total_bytes_to_send;
    gint64              upload_speed;
    guint               response_code;
    char               *display_url;     /* the URL for messages; on demand */
    char               *effective_url;
    char               *content_type;
    long                http_version;     /* CURLINFO_HTTP_VERSION, at the end */
    char               *remote_ip, *local_ip;
    long                remote_port, local_port;
    GCurlHeaders        headers;          /* of the last response */
    gint64              timings[GCURL_TIMING_QUEUE + 1];
    gboolean            timings_in_easy;  /* read them from easy, on demand */
    CURLcode            result;
    GError             *error;
  } response;
};

enum {
  PROP_0,
  PROP_URL,
  PROP_METHOD,
  PROP_USER_AGENT,
  PROP_FOLLOW_REDIRECTS,
  PROP_MAX_REDIRECTS,
  PROP_HTTP_VERSION,
  PROP_TIMEOUT,
  PROP_CONNECT_TIMEOUT,
  PROP_LOW_SPEED_LIMIT,
  PROP_LOW_SPEED_TIME,
  PROP_MAX_RECV_SPEED,
  PROP_MAX_SEND_SPEED,
  PROP_RECEIVE_BUFFER_SIZE,
  PROP_RESUME_FROM,
  PROP_ALLOWED_PROTOCOLS,
  PROP_MAX_SIZE,
  PROP_TLS_VERIFY_PEER,
  PROP_TLS_VERIFY_HOST,
  PROP_TLS_CA_FILE,
  PROP_FAIL_ON_HTTP_ERROR,
  PROP_PROGRESS_INTERVAL,
  PROP_OUTPUT,
  PROP_USERNAME,
  PROP_PASSWORD,
  PROP_AUTH_METHODS,
  PROP_BEARER_TOKEN,
  PROP_ACCEPT_ENCODING,
  PROP_RESOLVE,
  PROP_PROXY,
  /* read-only */
  PROP_STATE,
  PROP_BYTES_RECEIVED,
  PROP_WIRE_BYTES_RECEIVED,
  PROP_TOTAL_BYTES,
  PROP_DOWNLOAD_SPEED,
  PROP_BYTES_SENT,
  PROP_TOTAL_BYTES_TO_SEND,
  PROP_UPLOAD_SPEED,
  PROP_RESPONSE_CODE,
  PROP_EFFECTIVE_URL,
  PROP_CONTENT_TYPE,
  N_PROPS
};

G_STATIC_ASSERT (N_PROPS <= 64);   /* notify_pending is a guint64 */

/* gcurl-output.c: whether libcurl decodes the body of the head in */
gboolean     _gcurl_transfer_body_is_decoded         (GCurlTransfer *self);

/* gcurl-transfer-http.c: secrets wiped, connection figures kept for a
 * handle C code has, and forgotten before a run */
void         _gcurl_transfer_clear_secrets           (GCurlTransfer *self);
void         _gcurl_transfer_keep_connection_info    (GCurlTransfer *self);
void         _gcurl_transfer_forget_connection_info  (GCurlTransfer *self);

/* gcurl-transfer.c: notifications (frozen during a callback, emitted on
 * the last thaw), the setters that notify on change, the state machine */
void         _gcurl_transfer_notify     (GCurlTransfer *self,
                                         guint          prop_id);
void         _gcurl_transfer_freeze     (GCurlTransfer *self);
void         _gcurl_transfer_thaw       (GCurlTransfer *self);
void         _gcurl_transfer_set_string (GCurlTransfer *self,
                                         char         **field,
                                         const char    *value,
                                         guint          prop_id);
void         _gcurl_transfer_set_int64  (GCurlTransfer *self,
                                         gint64        *field,
                                         gint64         value,
                                         guint          prop_id);
void         _gcurl_transfer_set_uint   (GCurlTransfer *self,
                                         guint         *field,
                                         guint          value,
                                         guint          prop_id);
void         _gcurl_transfer_set_bool   (GCurlTransfer *self,
                                         gboolean      *field,
                                         gboolean       value,
                                         guint          prop_id);
/* Whether the caller is on the thread the transfer may be used from. */
gboolean     _gcurl_transfer_in_its_thread (GCurlTransfer *self);
/* Pauses or resumes the handle to match the state. */
void         _gcurl_transfer_apply_pause   (GCurlTransfer *self);
/* The URL for messages, without credentials or control bytes. */
const char  *_gcurl_transfer_shown_url     (GCurlTransfer *self);
/* The status code, effective URL and content type, into their
 * properties; returns the code. */
guint        _gcurl_transfer_read_response_head (GCurlTransfer *self);
size_t       _gcurl_transfer_header_cb     (char          *buffer,
                                            size_t         size,
                                            size_t         nitems,
                                            void          *data);
void         _gcurl_transfer_emit_data_received (GCurlTransfer *self,
                                                 GBytes        *bytes);

/* gcurl-easy-options.c: a reset handle from the pool (or a new one) with
 * its record of options; back into the pool; the options of a run set on
 * the handle where they changed */
CURL        *_gcurl_easy_take              (EasyOptions   *options);
void         _gcurl_easy_give              (CURL          *easy,
                                            EasyOptions   *options);
void         _gcurl_easy_options_clear     (EasyOptions   *o);
const char  *_gcurl_easy_default_ca_file   (CURL          *easy);
void         _gcurl_transfer_build_request (GCurlTransfer *self);
void         _gcurl_transfer_pull_head     (GCurlTransfer *self);

/* gcurl-progress.c */
int          _gcurl_transfer_xferinfo_cb   (void          *data,
                                            curl_off_t     dltotal,
                                            curl_off_t     dlnow,
                                            curl_off_t     ultotal,
                                            curl_off_t     ulnow);
void         _gcurl_transfer_update_progress (GCurlTransfer *self);
/* A CURLINFO_*_T figure of the handle, or @fallback. */
gint64       _gcurl_transfer_info_off      (CURL          *easy,
                                            CURLINFO       info,
                                            gint64         fallback);
/* @timing of the run, from the handle; -1 if unknown. */
gint64       _gcurl_transfer_read_timing   (GCurlTransfer *self,
                                            GCurlTiming    timing);
/* Whether max-recv-speed lets @len more bytes in now; if not, a timer
 * resumes the transfer when it does. */
gboolean     _gcurl_transfer_pace_allows   (GCurlTransfer *self,
                                            gsize          len);
void         _gcurl_transfer_stop_pacing   (GCurlTransfer *self);

/* gcurl-output.c */
gboolean     _gcurl_transfer_open_output   (GCurlTransfer *self,
                                            GError       **error);
size_t       _gcurl_transfer_write_cb      (char          *ptr,
                                            size_t         size,
                                            size_t         nmemb,
                                            void          *data);
/* At the end of a run, before the result is read. */
void         _gcurl_transfer_close_output  (GCurlTransfer *self);
void         _gcurl_transfer_body_buffer_clear (BodyBuffer *b);

/* gcurl-request-body.c */
size_t       _gcurl_transfer_read_cb       (char          *buffer,
                                            size_t         size,
                                            size_t         nitems,
                                            void          *data);
int          _gcurl_transfer_seek_cb       (void          *data,
                                            curl_off_t     offset,
                                            int            origin);

G_END_DECLS
