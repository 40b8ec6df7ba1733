/* gcurl-transfer.c: one HTTP transfer as a GObject
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>
#include <time.h>

#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-filename-private.h"
#include "gcurl-headers-private.h"
#include "gcurl-part-file-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-transfer-private.h"

/**
 * GCurlTransfer:
 *
 * One HTTP(S) transfer: a request, where its response body goes, and what
 * happened to it, as a GObject with properties to bind to a user
 * interface.
 *
 * ```c
 * g_autoptr(GCurlTransfer) transfer = gcurl_transfer_new ("https://example.org/file");
 *
 * gcurl_transfer_set_output_file (transfer, file, GCURL_DOWNLOAD_FLAGS_RESUME);
 * g_signal_connect (transfer, "notify::bytes-received", G_CALLBACK (on_progress), row);
 * gcurl_multi_source_perform_async (source, transfer, cancellable, on_done, row);
 * ```
 *
 * A transfer is run by [method@GCurl.MultiSource.perform_async], in the
 * source's main context; every signal and notification is emitted there.
 * Request settings apply to the next run: changing them while the
 * transfer runs has no effect on that run. A finished transfer (succeeded,
 * failed or cancelled) can be run again, for instance to retry it; with
 * file output and %GCURL_DOWNLOAD_FLAGS_RESUME a retry continues where the
 * last attempt stopped.
 *
 * ## Output
 *
 * The response body goes to memory ([method@GCurl.Transfer.get_body]) unless
 * [method@GCurl.Transfer.set_output_file],
 * [method@GCurl.Transfer.set_output_stream] or
 * [method@GCurl.Transfer.set_output_signal] says otherwise. A file is written
 * under a temporary sibling name (the destination's name with `.part`
 * appended) and renamed into place only when the transfer succeeded, so a
 * failed or cancelled download never leaves a truncated file under the final
 * name. After a failure the partial file stays, so that a run with
 * %GCURL_DOWNLOAD_FLAGS_RESUME can continue it; a cancelled download
 * deletes it unless %GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL. An HTTP error's
 * body never goes into the file. Files and streams are written
 * synchronously from the main context as data arrives, which suits local
 * files; give a [class@Gio.OutputStream] of your own, or use
 * [signal@GCurl.Transfer::data-received], to store the body anywhere else.
 *
 * ## Errors
 *
 * A transfer fails with %G_IO_ERROR_CANCELLED when cancelled and with a
 * %GCURL_ERROR otherwise (see [error@GCurl.Error]). A response with an HTTP
 * status of 400 or more fails with %GCURL_ERROR_HTTP_STATUS unless
 * [property@GCurl.Transfer:fail-on-http-error] is turned off; its status,
 * headers and body (in memory, whatever the output, up to 1 MiB) stay
 * readable.
 *
 * ## Safe defaults
 *
 * TLS peer and host verification are on; only `http` and `https` are
 * allowed, for redirects too; at most 20 redirects are followed.
 *
 * ## The easy handle
 *
 * C code can set any other libcurl option on
 * [method@GCurl.Transfer.get_handle] before the transfer runs. The
 * transfer owns, and sets on every run, `CURLOPT_URL`, `CURLOPT_PRIVATE`,
 * `CURLOPT_ERRORBUFFER`, the write, read, seek, header and progress
 * callbacks and their data (`CURLOPT_WRITEFUNCTION`, `CURLOPT_WRITEDATA`,
 * `CURLOPT_READFUNCTION`, `CURLOPT_READDATA`, `CURLOPT_SEEKFUNCTION`,
 * `CURLOPT_SEEKDATA`, `CURLOPT_HEADERFUNCTION`, `CURLOPT_HEADERDATA`,
 * `CURLOPT_XFERINFOFUNCTION`, `CURLOPT_XFERINFODATA`, `CURLOPT_NOPROGRESS`),
 * `CURLOPT_HTTPHEADER`, the request method options (`CURLOPT_HTTPGET`,
 * `CURLOPT_POST`, `CURLOPT_UPLOAD`, `CURLOPT_NOBODY`,
 * `CURLOPT_CUSTOMREQUEST` and the body sizes), `CURLOPT_PIPEWAIT` (on
 * where HTTP/2 is possible, so that transfers to one HTTP/2 host share a
 * connection), `CURLOPT_NOSIGNAL`, every option behind one of its
 * properties, and the socket callbacks of [class@GCurl.MultiSource].
 */

#define DEFAULT_PROTOCOLS "http,https"
#define DEFAULT_MAX_REDIRECTS 20
#define DEFAULT_PROGRESS_INTERVAL 100
/* Chosen by measurement (bench/RESULTS-debian12.md, "Receive buffer",
 * median of 9 runs; ranges over every full run so far): against libcurl's
 * 16 KiB, 32 KiB takes 4–7% less CPU for 8,000 bodies of 100 KiB at c=1,000 and
 * 8–33% less for 16 MiB bodies, for 16 KiB more per running transfer
 * (42 → 58 MiB peak at c=1,000). 64 KiB saves no more on the small
 * bodies (13–24% more on the large) for 48 KiB more per
 * transfer (90 MiB); 128 KiB and more cost more CPU on 100 KiB bodies
 * (glibc serves each buffer with mmap) and more memory still. */
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
  long                follow, max_redirects, version, pipewait, forbid_reuse;
  long                timeout, connect_timeout, low_speed_limit, low_speed_time;
  long                buffer_size, verify_peer, verify_host;
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

  CURL               *easy;
  char                errbuf[CURL_ERROR_SIZE];

  /* Request */
  char               *url;
  char               *method;
  GPtrArray          *request_headers;   /* "Name: value"; NULL until one is set */
  struct curl_slist  *slist;
  GBytes             *body_bytes;
  GInputStream       *body_stream;
  gint64              body_length;
  char               *body_content_type;
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
  gboolean            handle_exposed;   /* get_handle() was called */
  EasyOptions         applied;          /* options as set on easy */
  guint               notify_freeze;
  guint64             notify_pending;   /* 1 << prop_id, while frozen */
  gboolean            notify_listened;  /* this run found a notify handler */
  gint64              resume_from;
  char               *allowed_protocols;
  gint64              max_size;
  gboolean            tls_verify_peer;
  gboolean            tls_verify_host;
  char               *tls_ca_file;
  const char         *default_ca_file;   /* libcurl's built-in CA bundle */
  gboolean            fail_on_http_error;
  guint               progress_interval;

  /* Output */
  GCurlOutput         output;
  GFile              *file;
  GCurlDownloadFlags  flags;
  GOutputStream      *user_stream;

  /* The current or last run */
  GCurlMultiSource   *source;            /* while active; the source holds us */
  GCurlTransferState  state;
  gboolean            cancelling;        /* cancel() ran; the end is deferred */
  GCurlPartFile      *part;              /* file output: NAME.part */
  GOutputStream      *out;               /* stream output */
  BodyBuffer          buffer;            /* memory output, or an HTTP error body */
  gboolean            buffering;
  GBytes             *body;
  gboolean            checked_response;
  GError             *head_error;        /* a response head refused */
  gboolean            decoded;           /* libcurl decodes the body */
  gboolean            error_body;        /* an HTTP error's body, kept in memory */
  gboolean            too_large;
  gboolean            out_of_memory;     /* the body did not fit in memory */
  GError             *write_error;
  gint64              offset;            /* resumed at */
  gint64              received;          /* body bytes of this run */
  gint64              last_notify;       /* monotonic µs */
  gboolean            too_slow;          /* the low-speed check failed it */
  guint               n_samples;         /* (time, bytes) for that check, */
  guint               first_sample;      /* ...a ring of SPEED_SAMPLES */
  gint64              sample_time[SPEED_SAMPLES];
  gint64              sample_bytes[SPEED_SAMPLES];
  gint64              pace_rate;         /* max-recv-speed of this run, */
  gint64              pace_start;        /* ...its first body byte, */
  GSource            *pace_source;       /* ...the timer to go on */

  /* Request body */
  gsize               body_pos;
  gboolean            body_stream_used;
  GBytes             *read_chunk;
  gsize               read_pos;
  gboolean            reading;
  gboolean            read_waiting;     /* the read callback returned PAUSE */
  gboolean            read_eof;
  GError             *read_error;
  GCancellable       *read_cancellable;

  /* Results */
  gint64              bytes_received;
  gint64              total_bytes;
  gint64              download_speed;
  gint64              bytes_sent;
  gint64              total_bytes_to_send;
  gint64              upload_speed;
  guint               response_code;
  char               *display_url;     /* the URL for messages; on demand */
  char               *effective_url;
  char               *content_type;
  GCurlHeaders        headers;          /* of the last response */
  gint64              timings[GCURL_TIMING_QUEUE + 1];
  gboolean            timings_in_easy;  /* read them from easy, on demand */
  CURLcode            result;
  GError             *error;
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
  /* read-only */
  PROP_STATE,
  PROP_BYTES_RECEIVED,
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

enum {
  SIGNAL_FINISHED,
  SIGNAL_DATA_RECEIVED,
  N_SIGNALS
};

G_STATIC_ASSERT (N_PROPS <= 64);   /* notify_pending is a guint64 */

static GParamSpec *properties[N_PROPS];
static guint signals[N_SIGNALS];
static guint notify_signal_id;

G_DEFINE_FINAL_TYPE (GCurlTransfer, gcurl_transfer, G_TYPE_OBJECT)

/* ---------------------------------------------------------------------- */
/* Easy handles                                                            */

static void
easy_options_clear (EasyOptions *o)
{
  g_free (o->url);
  g_free (o->user_agent);
  g_free (o->protocols);
  g_free (o->ca_file);
  memset (o, 0, sizeof *o);
}

/* Easy handles of finished transfers, for the next ones: a new handle and
 * its cleanup cost more than a reuse (callgrind: 11,000 instructions
 * against 2,000 per short transfer). A pooled handle keeps its options;
 * the next transfer sets those that differ (EasyOptions), which leaves it
 * as curl_easy_reset() would (that only resets options). Only handles that
 * never left the transfer go back: once C code had the handle, it may have
 * set options we do not track, or turned on state that even
 * curl_easy_reset() keeps (cookies, for one), which must not reach another
 * transfer. */
#define EASY_POOL_MAX 64

typedef struct
{
  CURL        *easy;
  EasyOptions  options;
} PooledEasy;

static GMutex easy_pool_lock;
static PooledEasy easy_pool[EASY_POOL_MAX];
static guint easy_pool_len;

static CURL *
easy_take (EasyOptions *options)
{
  CURL *easy = NULL;

  g_mutex_lock (&easy_pool_lock);
  if (easy_pool_len > 0)
    {
      PooledEasy *p = &easy_pool[--easy_pool_len];

      easy = p->easy;
      *options = p->options;
    }
  g_mutex_unlock (&easy_pool_lock);
  if (easy == NULL)
    {
      memset (options, 0, sizeof *options);
      easy = curl_easy_init ();
    }
  return easy;
}

static void
easy_give (CURL        *easy,
           EasyOptions *options)
{
  g_mutex_lock (&easy_pool_lock);
  if (easy_pool_len < EASY_POOL_MAX && options->valid)
    {
      easy_pool[easy_pool_len].easy = easy;
      easy_pool[easy_pool_len].options = *options;
      easy_pool_len++;
      memset (options, 0, sizeof *options);
      easy = NULL;
    }
  g_mutex_unlock (&easy_pool_lock);
  if (easy != NULL)
    {
      curl_easy_cleanup (easy);
      easy_options_clear (options);
    }
}

/* libcurl's built-in CA bundle, read once. */
static const char *
default_ca_file (CURL *easy)
{
  static gsize once = 0;
  static char *ca_file;

  if (g_once_init_enter (&once))
    {
      char *ca = NULL;

      if (easy != NULL && curl_easy_getinfo (easy, CURLINFO_CAINFO, &ca) == CURLE_OK)
        ca_file = g_strdup (ca);
      g_once_init_leave (&once, 1);
    }
  return ca_file;
}

/* ---------------------------------------------------------------------- */
/* Small helpers                                                           */

/* A transfer changes a dozen properties per run, mostly while its
 * notifications are frozen: GLib 2.74 queues each one and emits it on
 * thaw, handlers or not (callgrind: 4,500 instructions per 1 KiB transfer
 * saved, 3%). Nobody can tell a skipped notification without a handler
 * apart. */
static void
notify (GCurlTransfer *self,
        guint          prop_id)
{
  GParamSpec *pspec = properties[prop_id];

  if (self->notify_freeze > 0)
    self->notify_pending |= G_GUINT64_CONSTANT (1) << prop_id;
  else if (g_signal_has_handler_pending (self, notify_signal_id,
                                         g_param_spec_get_name_quark (pspec), FALSE))
    g_object_notify_by_pspec (G_OBJECT (self), pspec);
}

/* Our own freeze and thaw, for the same reason: GLib's take a lock and a
 * queue per object even when nobody listens (callgrind: 3,000 instructions
 * per short transfer). A frozen notification is emitted once, on the last
 * thaw, in property order. */
static void
freeze (GCurlTransfer *self)
{
  self->notify_freeze++;
}

static void
thaw (GCurlTransfer *self)
{
  guint64 pending;

  g_return_if_fail (self->notify_freeze > 0);
  if (--self->notify_freeze > 0 || self->notify_pending == 0)
    return;

  pending = self->notify_pending;
  self->notify_pending = 0;

  /* Several at once (they come in threes and fives), and nobody listens
   * to any: one lookup instead of one per property (2,600 instructions of
   * a short transfer without handlers, callgrind). A blocked handler
   * counts. Once a run found a listener it stops asking: the lookup would
   * only add to the per-property ones. */
  if (!self->notify_listened && (pending & (pending - 1)) != 0)
    {
      if (g_signal_handler_find (self, G_SIGNAL_MATCH_ID, notify_signal_id, 0,
                                 NULL, NULL, NULL) == 0)
        return;
      self->notify_listened = TRUE;
    }

  g_object_ref (self);
  for (guint prop_id = 1; prop_id < N_PROPS; prop_id++)
    if (pending & (G_GUINT64_CONSTANT (1) << prop_id))
      notify (self, prop_id);
  g_object_unref (self);
}

static void
set_string (GCurlTransfer *self,
            char         **field,
            const char    *value,
            guint          prop_id)
{
  if (g_strcmp0 (*field, value) == 0)
    return;
  g_free (*field);
  *field = g_strdup (value);
  notify (self, prop_id);
}

static void
set_int64 (GCurlTransfer *self,
           gint64        *field,
           gint64         value,
           guint          prop_id)
{
  if (*field == value)
    return;
  *field = value;
  notify (self, prop_id);
}

static void
set_uint (GCurlTransfer *self,
          guint         *field,
          guint          value,
          guint          prop_id)
{
  if (*field == value)
    return;
  *field = value;
  notify (self, prop_id);
}

static void
set_bool (GCurlTransfer *self,
          gboolean      *field,
          gboolean       value,
          guint          prop_id)
{
  value = !!value;
  if (*field == value)
    return;
  *field = value;
  notify (self, prop_id);
}

static void
set_state (GCurlTransfer      *self,
           GCurlTransferState  state)
{
  if (self->state == state)
    return;
  self->state = state;
  notify (self, PROP_STATE);
}

/* By GCurlTiming. The queue time came with libcurl 8.6; built against an
 * older one it is CURLINFO_NONE, which getinfo refuses (-1), as a newer
 * header with an older library refuses the unknown info. */
static const CURLINFO timing_infos[] = {
  CURLINFO_NAMELOOKUP_TIME_T, CURLINFO_CONNECT_TIME_T, CURLINFO_APPCONNECT_TIME_T,
  CURLINFO_STARTTRANSFER_TIME_T, CURLINFO_TOTAL_TIME_T, CURLINFO_REDIRECT_TIME_T,
#if LIBCURL_VERSION_NUM >= 0x080600
  CURLINFO_QUEUE_TIME_T,
#else
  CURLINFO_NONE,
#endif
};
G_STATIC_ASSERT (G_N_ELEMENTS (timing_infos) == GCURL_TIMING_QUEUE + 1);

static gint64
info_off (CURL     *easy,
          CURLINFO  info,
          gint64    fallback)
{
  curl_off_t v = 0;

  if (curl_easy_getinfo (easy, info, &v) != CURLE_OK)
    return fallback;
  return (gint64) v;
}

/* ---------------------------------------------------------------------- */
/* Progress                                                                */

/* Reads the live figures from curl; notifies what changed. */
static void
update_progress (GCurlTransfer *self)
{
  gint64 length;

  freeze (self);

  set_int64 (self, &self->bytes_received, self->offset + self->received, PROP_BYTES_RECEIVED);

  /* A Content-Length counts encoded bytes, bytes-received decoded ones:
   * the total of a decoded body is unknown until its end. */
  length = info_off (self->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, -1);
  if (length >= 0 && !self->error_body && !self->decoded)
    set_int64 (self, &self->total_bytes, self->offset + length, PROP_TOTAL_BYTES);

  set_int64 (self, &self->download_speed,
             info_off (self->easy, CURLINFO_SPEED_DOWNLOAD_T, 0), PROP_DOWNLOAD_SPEED);
  /* Without a request body both stay at the 0 of the start (C code with
   * the handle may have set one of its own). */
  if (self->body_bytes != NULL || self->body_stream != NULL || self->handle_exposed)
    {
      set_int64 (self, &self->bytes_sent,
                 info_off (self->easy, CURLINFO_SIZE_UPLOAD_T, 0), PROP_BYTES_SENT);
      set_int64 (self, &self->upload_speed,
                 info_off (self->easy, CURLINFO_SPEED_UPLOAD_T, 0), PROP_UPLOAD_SPEED);
    }

  thaw (self);
}

/* CLOCK_MONOTONIC_COARSE: the clock of g_get_monotonic_time() as of the
 * last tick, so never ahead of it, and read without the time stamp counter.
 * Elsewhere the precise clock. */
static inline gint64
coarse_monotonic_time (void)
{
#ifdef CLOCK_MONOTONIC_COARSE
  struct timespec ts;

  if G_LIKELY (clock_gettime (CLOCK_MONOTONIC_COARSE, &ts) == 0)
    return (gint64) ts.tv_sec * G_USEC_PER_SEC + ts.tv_nsec / 1000;
#endif
  return g_get_monotonic_time ();
}

/* The low-speed check, over the last low-speed-time seconds: libcurl's
 * own reads a speed averaged over about five seconds, so after a burst it
 * fired 7 to 8 s after the last byte for a 2 s limit. Samples at least an
 * eighth of the window apart; the window used is the shortest one of at
 * least low-speed-time that they span (doc/design.md, "Rates"). */
static gboolean
too_slow (GCurlTransfer *self,
          gint64         bytes)
{
  gint64 now = g_get_monotonic_time ();
  gint64 window = (gint64) self->low_speed_time * G_USEC_PER_SEC;
  gint64 step = MAX (window / (SPEED_SAMPLES - 2), 100 * 1000);
  guint last = (self->first_sample + self->n_samples - 1) % SPEED_SAMPLES;
  gint64 base_time = -1, base_bytes = 0;

  if (self->n_samples == 0 || now - self->sample_time[last] >= step)
    {
      if (self->n_samples == SPEED_SAMPLES)
        {
          self->first_sample = (self->first_sample + 1) % SPEED_SAMPLES;
          self->n_samples--;
        }
      last = (self->first_sample + self->n_samples) % SPEED_SAMPLES;
      self->sample_time[last] = now;
      self->sample_bytes[last] = bytes;
      self->n_samples++;
    }

  /* The newest sample at least a window old. */
  for (guint i = 0; i < self->n_samples; i++)
    {
      guint k = (self->first_sample + i) % SPEED_SAMPLES;

      if (now - self->sample_time[k] < window)
        break;
      base_time = self->sample_time[k];
      base_bytes = self->sample_bytes[k];
    }
  if (base_time < 0)
    return FALSE;
  return bytes - base_bytes < (gint64) self->low_speed_limit * self->low_speed_time;
}

static int
xferinfo_cb (void       *data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  GCurlTransfer *self = data;
  gint64 now;

  if (self->cancelling)
    return 1;

  if (ultotal > 0 && self->total_bytes_to_send != ultotal)
    set_int64 (self, &self->total_bytes_to_send, ultotal, PROP_TOTAL_BYTES_TO_SEND);

  /* Paused, by the caller or by max-recv-speed, is not slow: the window
   * starts again. */
  if (self->low_speed_limit > 0 && self->low_speed_time > 0)
    {
      if (self->state == GCURL_TRANSFER_STATE_PAUSED || self->pace_source != NULL)
        self->n_samples = 0;
      else if (too_slow (self, (gint64) dlnow + (gint64) ulnow))
        {
          self->too_slow = TRUE;
          return 1;
        }
    }

  if (self->progress_interval == G_MAXUINT)
    return 0;

  /* Most calls come within the interval: the coarse clock, never ahead of
   * the precise one, rules them out cheaply; the precise clock decides the
   * rest, so the interval holds in real time. Not the main-loop
   * iteration's time: libcurl 8 can read a whole body within one action,
   * and every call after the first would look as early as that iteration
   * (doc/design.md, "Progress"). */
  if (self->progress_interval > 0)
    {
      gint64 interval = (gint64) self->progress_interval * 1000;

      if (coarse_monotonic_time () - self->last_notify < interval)
        return 0;
      now = g_get_monotonic_time ();
      if (now - self->last_notify < interval)
        return 0;
      self->last_notify = now;
    }

  update_progress (self);
  return 0;
}

/* ---------------------------------------------------------------------- */
/* Response                                                                */

static const char *shown_url (GCurlTransfer *self);

/* Whether this run's request asks for a range: a resume, a Range header
 * of the caller's, or (unknown) options set through the handle. */
static gboolean
asked_for_range (GCurlTransfer *self)
{
  if (self->offset > 0 || self->handle_exposed)
    return TRUE;
  for (guint i = 0; self->request_headers != NULL && i < self->request_headers->len; i++)
    {
      const char *h = self->request_headers->pdata[i];

      if (g_ascii_strncasecmp (h, "Range:", 6) == 0 && h[6] != '\0')
        return TRUE;
    }
  return FALSE;
}

/* A complete response head: the framing a client must refuse, and what
 * would store something other than the resource (doc/design.md,
 * "A hostile server"). */
static GError *
check_head (GCurlTransfer *self)
{
  guint code = self->headers.status;

  if (!_gcurl_headers_content_length_valid (&self->headers))
    {
      g_autofree char *values = _gcurl_headers_dup_quoted_values (&self->headers,
                                                                  "Content-Length");
      g_autofree char *shown = _gcurl_display_text (values);

      return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                          "Transfer of %s failed: the response has conflicting or invalid "
                          "Content-Length headers: %s", shown_url (self), shown);
    }

  if (code == 206 && !asked_for_range (self))
    return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                        "Transfer of %s failed: the server sent part of the resource "
                        "(HTTP 206) to a request for all of it", shown_url (self));

  /* A redirect to follow that names no target; 304 has none by design. */
  if (code >= 300 && code < 400 && code != 304 && self->follow_redirects &&
      self->fail_on_http_error &&
      gcurl_transfer_get_response_header (self, "Location") == NULL)
    return g_error_new (GCURL_ERROR, GCURL_ERROR_HTTP_STATUS,
                        "Transfer of %s failed: HTTP %u without a Location to follow",
                        shown_url (self), code);

  return NULL;
}

static size_t
header_cb (char   *buffer,
           size_t  size,
           size_t  nitems,
           void   *data)
{
  GCurlTransfer *self = data;

  if (_gcurl_headers_feed (&self->headers, buffer, size * nitems) == GCURL_HEADER_LINE_END_OF_HEAD)
    {
      g_clear_error (&self->head_error);
      self->head_error = check_head (self);
      if (self->head_error != NULL)
        return 0;
    }
  return size * nitems;
}

/* The status code, effective URL and content type of the response, into
 * their properties; returns the code. */
static guint
read_response_head (GCurlTransfer *self)
{
  long code = 0;
  char *s = NULL;

  curl_easy_getinfo (self->easy, CURLINFO_RESPONSE_CODE, &code);
  set_uint (self, &self->response_code, (guint) code, PROP_RESPONSE_CODE);
  curl_easy_getinfo (self->easy, CURLINFO_EFFECTIVE_URL, &s);
  set_string (self, &self->effective_url, s, PROP_EFFECTIVE_URL);
  s = NULL;
  curl_easy_getinfo (self->easy, CURLINFO_CONTENT_TYPE, &s);
  set_string (self, &self->content_type, s, PROP_CONTENT_TYPE);
  return (guint) code;
}

static gboolean
body_buffer_reserve (BodyBuffer *b,
                     gsize       want,
                     gboolean    exact)
{
  guint8 *data;
  gsize size;

  if (want <= b->size)
    return TRUE;
  size = exact ? want : MAX (b->size, 4096);
  while (size < want)
    size = size > G_MAXSIZE / 2 ? want : size * 2;
  data = g_try_realloc (b->data, size);
  if (data == NULL && size > want)
    data = g_try_realloc (b->data, size = want);
  if (data == NULL)
    return FALSE;
  b->data = data;
  b->size = size;
  return TRUE;
}

static gboolean
body_buffer_append (BodyBuffer *b,
                    const char *p,
                    gsize       n)
{
  if (n > G_MAXSIZE - b->len || !body_buffer_reserve (b, b->len + n, FALSE))
    return FALSE;
  memcpy (b->data + b->len, p, n);
  b->len += n;
  return TRUE;
}

static void
body_buffer_clear (BodyBuffer *b)
{
  g_clear_pointer (&b->data, g_free);
  b->len = b->size = 0;
}

static GBytes *
body_buffer_steal (BodyBuffer *b)
{
  guint8 *data = b->data;
  gsize len = b->len;

  /* Give back what growing by doubling left over, when it is much (glibc
   * shrinks in place). Not a little: a 100 KiB body grown to 128 KiB is
   * mapped (glibc's mmap threshold), and shrunk and freed it set the
   * threshold below the next one's 128 KiB, so that every body was mapped
   * and faulted in again. */
  if (b->size - len > 64 * 1024)
    {
      guint8 *shrunk = g_try_realloc (data, MAX (len, 1));

      if (shrunk != NULL)
        data = shrunk;
    }
  b->data = NULL;
  b->len = b->size = 0;
  return g_bytes_new_take (data, len);
}

/* Whether libcurl decodes this body (a Content-Encoding it was asked to
 * accept through the handle, or with libcurl 7.88 a Transfer-Encoding
 * gzip or deflate it decodes unasked), so that what arrives is not what
 * Content-Length counts. */
static gboolean
body_is_decoded (GCurlTransfer *self)
{
  const char *ce, *te;

  /* Only C code with the handle can have asked for a Content-Encoding. */
  if (self->handle_exposed)
    {
      ce = gcurl_transfer_get_response_header (self, "Content-Encoding");
      if (ce != NULL && ce[0] != '\0' && g_ascii_strcasecmp (ce, "identity") != 0)
        return TRUE;
    }
  te = gcurl_transfer_get_response_header (self, "Transfer-Encoding");
  return te != NULL && (strstr (te, "gzip") != NULL || strstr (te, "deflate") != NULL);
}

/* On the first byte of the body: the response's head is complete. */
static void
check_response (GCurlTransfer *self)
{
  guint code;

  self->checked_response = TRUE;

  freeze (self);

  code = read_response_head (self);
  if (self->fail_on_http_error && code >= 400)
    self->error_body = TRUE;
  self->decoded = body_is_decoded (self);
  if (self->decoded)   /* what a progress report between head and body set */
    set_int64 (self, &self->total_bytes, -1, PROP_TOTAL_BYTES);

  /* Memory output: room for the announced body, up to MAX_PRESIZE, rather
   * than growing (and copying) it from nothing; within max-size. */
  if (self->output == GCURL_OUTPUT_MEMORY && !self->error_body && self->buffer.len == 0)
    {
      gint64 length = info_off (self->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, -1);

      /* Exactly: a 100 KiB body rounded up to 128 KiB by doubling crossed
       * glibc's mmap threshold, and every body was mapped, faulted in and
       * unmapped (W3 c=100 cost 4.7 times the raw loop instead of 1.2).
       * Failing is fine: growing says whether memory runs out. */
      if (length > 0 && (self->max_size == 0 || length <= self->max_size))
        body_buffer_reserve (&self->buffer, (gsize) MIN (length, MAX_PRESIZE), TRUE);
    }

  update_progress (self);
  thaw (self);
}

static void apply_pause (GCurlTransfer *self);

static void
stop_pacing (GCurlTransfer *self)
{
  if (self->pace_source != NULL)
    {
      g_source_destroy (self->pace_source);
      g_clear_pointer (&self->pace_source, g_source_unref);
    }
}

static gboolean
pace_done_cb (gpointer data)
{
  GCurlTransfer *self = data;

  g_clear_pointer (&self->pace_source, g_source_unref);
  if (_gcurl_transfer_is_active (self) && !self->cancelling)
    apply_pause (self);   /* libcurl hands the kept chunk over again */
  return G_SOURCE_REMOVE;
}

/* max-recv-speed is ours, not libcurl's CURLOPT_MAX_RECV_SPEED_LARGE:
 * before 8.7 libcurl goes on reading while the socket has data, up to a
 * hundred buffers in one wake-up, before its limit applies (at 256 KiB/s
 * on loopback the first 2 MiB took 0.01 s, and 8 MiB 25 s instead of 32),
 * 8.14 started 13% ahead, and 7.88's rate-limit state together with a
 * paused write lost the transfer's end one run in three.
 *
 * Whether @len more bytes keep the body within the limit since its first
 * byte, with a sixteenth of a second's worth to spare; if not, the write
 * callback pauses and a timer goes on when they would (doc/design.md,
 * "Rates"). */
static gboolean
pace_allows (GCurlTransfer *self,
             gsize          len)
{
  gint64 now = g_get_monotonic_time ();
  double rate = (double) self->pace_rate;
  double due;

  if (self->pace_start == 0)
    self->pace_start = now;
  /* When the body with these bytes is no longer ahead, in µs after its
   * start. */
  due = ((double) (self->received + (gint64) len) - rate / 16) * G_USEC_PER_SEC / rate;
  if (due <= (double) (now - self->pace_start))
    return TRUE;

  if (self->pace_source == NULL)
    {
      gint64 wait_ms = (gint64) ((due - (double) (now - self->pace_start)) / 1000) + 1;

      self->pace_source = g_timeout_source_new ((guint) MIN (wait_ms, G_MAXUINT));
      g_source_set_callback (self->pace_source, pace_done_cb, self, NULL);
      g_source_set_static_name (self->pace_source, "[gcurlmulti] max-recv-speed");
      g_source_attach (self->pace_source, gcurl_multi_source_get_context (self->source));
    }
  return FALSE;
}

static size_t
write_cb (char   *ptr,
          size_t  size,
          size_t  nmemb,
          void   *data)
{
  GCurlTransfer *self = data;
  gsize len = size * nmemb;

  /* cancel() from a handler during this action: no more data. */
  if (self->cancelling)
    return 0;

  /* Paused: from a handler during this action, before curl could pause
   * it, or by this callback on libcurl 8.9 and later (apply_pause()). curl
   * keeps this chunk and hands it over again on resume. */
  if (self->state == GCURL_TRANSFER_STATE_PAUSED)
    return CURL_WRITEFUNC_PAUSE;

  if (self->pace_rate > 0 && !pace_allows (self, len))
    return CURL_WRITEFUNC_PAUSE;

  if (!self->checked_response)
    check_response (self);

  /* libcurl 7.88 checks CURLOPT_MAXFILESIZE_LARGE only against a
   * Content-Length; count here too, error bodies included. */
  if (self->max_size > 0 && self->offset + self->received + (gint64) len > self->max_size)
    {
      self->too_large = TRUE;
      return 0;
    }

  if (self->error_body)
    {
      gsize keep = MIN (len, MAX_ERROR_BODY - MIN (self->buffer.len, MAX_ERROR_BODY));

      if (!body_buffer_append (&self->buffer, ptr, keep))
        {
          self->out_of_memory = TRUE;
          return 0;
        }
      self->received += len;
      return len;
    }

  switch (self->output)
    {
    case GCURL_OUTPUT_MEMORY:
      if (!body_buffer_append (&self->buffer, ptr, len))
        {
          self->out_of_memory = TRUE;
          return 0;
        }
      break;

    case GCURL_OUTPUT_FILE:
      if (self->part == NULL)   /* disposed while running */
        return 0;
      if (!_gcurl_part_file_write (self->part, ptr, len, &self->write_error))
        return 0;
      /* The whole announced body is in: no descriptor held until libcurl
       * says the transfer is done, which may be many transfers later
       * (doc/design.md, "The download folder"). */
      if (self->received + (gint64) len == info_off (self->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, -1))
        _gcurl_part_file_rest (self->part);
      break;

    case GCURL_OUTPUT_STREAM:
      if (self->out == NULL)   /* disposed while running */
        return 0;
      if (!g_output_stream_write_all (self->out, ptr, len, NULL, NULL, &self->write_error))
        return 0;
      break;

    case GCURL_OUTPUT_SIGNAL:
    default:
      {
        g_autoptr(GBytes) bytes = g_bytes_new (ptr, len);

        g_signal_emit (self, signals[SIGNAL_DATA_RECEIVED], 0, bytes);
      }
      break;
    }

  self->received += len;
  return len;
}

/* ---------------------------------------------------------------------- */
/* Request body                                                            */

/* A running transfer is its source's: called from that source's thread
 * only (doc/errors.md, "Programming errors"). One that is not running may
 * be set up anywhere, one thread at a time. */
static gboolean
in_its_thread (GCurlTransfer *self)
{
  return self->source == NULL || _gcurl_multi_source_in_its_thread (self->source);
}

typedef struct
{
  GCurlTransfer *self;
  GCancellable  *cancellable;   /* the run's: identifies it */
} PendingRead;

static void
read_ready_cb (GObject      *object,
               GAsyncResult *result,
               gpointer      data)
{
  PendingRead *pending = data;
  g_autoptr(GCurlTransfer) self = pending->self;
  g_autoptr(GCancellable) cancellable = pending->cancellable;
  g_autoptr(GError) error = NULL;
  GBytes *bytes;

  g_free (pending);
  bytes = g_input_stream_read_bytes_finish (G_INPUT_STREAM (object), result, &error);

  /* The read of a run that is over. */
  if (cancellable != self->read_cancellable || g_cancellable_is_cancelled (cancellable))
    {
      g_clear_pointer (&bytes, g_bytes_unref);
      return;
    }

  self->reading = FALSE;
  if (bytes == NULL)
    self->read_error = g_steal_pointer (&error);
  else if (g_bytes_get_size (bytes) == 0)
    {
      self->read_eof = TRUE;
      g_bytes_unref (bytes);
    }
  else
    {
      g_clear_pointer (&self->read_chunk, g_bytes_unref);
      self->read_chunk = bytes;
      self->read_pos = 0;
    }

  if (self->read_waiting && _gcurl_transfer_is_active (self))
    {
      self->read_waiting = FALSE;
      apply_pause (self);
    }
}

static size_t
read_cb (char   *buffer,
         size_t  size,
         size_t  nitems,
         void   *data)
{
  GCurlTransfer *self = data;
  gsize want = size * nitems;

  /* Paused (see apply_pause()): curl asks again on resume. */
  if (self->state == GCURL_TRANSFER_STATE_PAUSED)
    return CURL_READFUNC_PAUSE;

  if (self->body_bytes != NULL)
    {
      gsize total;
      const guint8 *p = g_bytes_get_data (self->body_bytes, &total);
      gsize n = MIN (want, total - self->body_pos);

      if (n > 0)
        memcpy (buffer, p + self->body_pos, n);
      self->body_pos += n;
      return n;
    }

  if (self->body_stream == NULL)
    return 0;

  if (self->read_error != NULL)
    return CURL_READFUNC_ABORT;

  if (self->read_chunk != NULL)
    {
      gsize total;
      const guint8 *p = g_bytes_get_data (self->read_chunk, &total);
      gsize n = MIN (want, total - self->read_pos);

      memcpy (buffer, p + self->read_pos, n);
      self->read_pos += n;
      if (self->read_pos == total)
        g_clear_pointer (&self->read_chunk, g_bytes_unref);
      return n;
    }

  if (self->read_eof)
    return 0;

  /* Nothing buffered: read on without blocking the main loop, and pause
   * the upload until the data is there. */
  if (!self->reading)
    {
      PendingRead *pending = g_new0 (PendingRead, 1);

      pending->self = g_object_ref (self);
      pending->cancellable = g_object_ref (self->read_cancellable);
      self->reading = TRUE;
      g_input_stream_read_bytes_async (self->body_stream, READ_CHUNK, G_PRIORITY_DEFAULT,
                                       self->read_cancellable, read_ready_cb, pending);
    }
  self->read_waiting = TRUE;
  return CURL_READFUNC_PAUSE;
}

static int
seek_cb (void       *data,
         curl_off_t  offset,
         int         origin)
{
  GCurlTransfer *self = data;

  if (origin != SEEK_SET)
    return CURL_SEEKFUNC_CANTSEEK;

  if (self->body_bytes != NULL)
    {
      if (offset < 0 || (gsize) offset > g_bytes_get_size (self->body_bytes))
        return CURL_SEEKFUNC_FAIL;
      self->body_pos = (gsize) offset;
      return CURL_SEEKFUNC_OK;
    }

  /* A stream is read ahead asynchronously; rewinding it is only possible
   * before the first read. */
  if (offset == 0 && !self->reading && self->read_chunk == NULL && !self->read_eof &&
      self->bytes_sent == 0)
    return CURL_SEEKFUNC_OK;

  return CURL_SEEKFUNC_CANTSEEK;
}

/* libcurl 8.9 and later (8.14 seen) leave a transfer paused with
 * curl_easy_pause() "ready to run" when it had data waiting: every action
 * runs it again and sets a 0 timer, and the main loop spins for as long as
 * it stays paused. They only know it is blocked when the write callback
 * (or the read callback) returned PAUSE itself. So there a transfer is
 * paused by its callbacks, on its next chunk, and curl_easy_pause() only
 * resumes it (doc/design.md, "Pausing"). */
static gboolean
pause_in_callbacks (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

      g_once_init_leave (&once, info->version_num >= 0x080900 ? 2 : 1);
    }
  return once == 2;
}

/* Whether the libcurl in use speaks HTTP/3 (asked once). */
gboolean
_gcurl_libcurl_has_http3 (void)
{
  static gsize once = 0;

  if (g_once_init_enter (&once))
    {
      const curl_version_info_data *info = curl_version_info (CURLVERSION_NOW);

      g_once_init_leave (&once, (info->features & CURL_VERSION_HTTP3) ? 2 : 1);
    }
  return once == 2;
}

static void
apply_pause (GCurlTransfer *self)
{
  int bits;

  if (self->state == GCURL_TRANSFER_STATE_PAUSED)
    {
      if (pause_in_callbacks ())
        return;
      bits = CURLPAUSE_ALL;
    }
  else if (self->read_waiting)
    bits = CURLPAUSE_SEND;
  else
    bits = CURLPAUSE_CONT;

  _gcurl_multi_source_set_pause (self->source, self->easy, bits);
}

/* ---------------------------------------------------------------------- */
/* A run                                                                   */

gboolean
_gcurl_transfer_is_active (GCurlTransfer *self)
{
  return self->state == GCURL_TRANSFER_STATE_RUNNING ||
         self->state == GCURL_TRANSFER_STATE_PAUSED;
}

static gboolean
open_output (GCurlTransfer *self,
             GError       **error)
{
  switch (self->output)
    {
    case GCURL_OUTPUT_FILE:
      {
        g_autoptr(GFile) parent = g_file_get_parent (self->file);
        g_autofree char *path = g_file_get_path (self->file);
        gint64 offset = 0;

        if (parent == NULL)
          {
            g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_INVALID_FILENAME,
                                 "Cannot download to the root directory");
            return FALSE;
          }
        if (path == NULL)
          {
            g_autofree char *name = g_file_get_parse_name (self->file);

            g_set_error (error, G_IO_ERROR, G_IO_ERROR_NOT_SUPPORTED,
                         "Cannot download to %s: not a local file (write to a "
                         "GOutputStream of your own instead)", name);
            return FALSE;
          }
        /* Opened on the first body byte (doc/design.md, "The download
         * folder"). */
        self->part = _gcurl_part_file_new (path,
                                            (self->flags & GCURL_DOWNLOAD_FLAGS_RESUME) != 0,
                                            (self->flags & GCURL_DOWNLOAD_FLAGS_REPLACE) != 0,
                                            &offset, error);
        if (self->part == NULL)
          return FALSE;
        if (self->flags & GCURL_DOWNLOAD_FLAGS_RESUME)
          self->offset = offset;
      }
      break;

    case GCURL_OUTPUT_STREAM:
      self->out = g_object_ref (self->user_stream);
      break;

    case GCURL_OUTPUT_MEMORY:
    case GCURL_OUTPUT_SIGNAL:
    default:
      break;
    }
  return TRUE;
}

/* Sets @opt to @value unless the handle has it already (EasyOptions). */
#define SET_IF_CHANGED(o, easy, field, opt, value)                      \
  G_STMT_START {                                                        \
    __typeof__ ((o)->field) value_ = (value);                           \
    if (!(o)->valid || (o)->field != value_)                            \
      {                                                                 \
        curl_easy_setopt ((easy), (opt), value_);                       \
        (o)->field = value_;                                            \
      }                                                                 \
  } G_STMT_END

static void
set_string_if_changed (EasyOptions *o,
                       CURL        *easy,
                       char       **field,
                       CURLoption   opt,
                       const char  *value)
{
  if (o->valid && g_strcmp0 (*field, value) == 0)
    return;
  curl_easy_setopt (easy, opt, value);
  g_free (*field);
  *field = g_strdup (value);
}

static void
build_request (GCurlTransfer *self)
{
  CURL *easy = self->easy;
  EasyOptions *o = &self->applied;
  gboolean has_body = self->body_bytes != NULL || self->body_stream != NULL;
  const char *method = self->method ? self->method : (has_body ? "POST" : "GET");
  gboolean plain_get = !has_body && g_ascii_strcasecmp (method, "GET") == 0;
  gint64 body_length = self->body_bytes ? (gint64) g_bytes_get_size (self->body_bytes)
                                        : self->body_length;
  const char *ca_file = self->tls_ca_file ? self->tls_ca_file : self->default_ca_file;
  gboolean forbid_reuse;
  guint buffer_size;
  long version;

  /* Back to a plain GET, then the method asked for. */
  if (!o->valid || !o->plain_get || !plain_get)
    {
      curl_easy_setopt (easy, CURLOPT_HTTPGET, 1L);
      curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, NULL);
    }
  o->plain_get = plain_get;
  if (g_ascii_strcasecmp (method, "HEAD") == 0)
    curl_easy_setopt (easy, CURLOPT_NOBODY, 1L);
  else if (has_body && g_ascii_strcasecmp (method, "POST") == 0)
    {
      curl_easy_setopt (easy, CURLOPT_POST, 1L);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDS, NULL);
      curl_easy_setopt (easy, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t) body_length);
    }
  else if (has_body)
    {
      curl_easy_setopt (easy, CURLOPT_UPLOAD, 1L);
      curl_easy_setopt (easy, CURLOPT_INFILESIZE_LARGE, (curl_off_t) body_length);
      if (g_ascii_strcasecmp (method, "PUT") != 0)
        curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);
    }
  else if (!plain_get)
    curl_easy_setopt (easy, CURLOPT_CUSTOMREQUEST, method);

  g_clear_pointer (&self->slist, curl_slist_free_all);
  if (has_body)
    {
      /* No "Expect: 100-continue" wait of a second on large bodies. */
      self->slist = curl_slist_append (self->slist, "Expect:");
      if (self->body_content_type != NULL)
        {
          g_autofree char *h = g_strdup_printf ("Content-Type: %s", self->body_content_type);
          self->slist = curl_slist_append (self->slist, h);
        }
    }
  for (guint i = 0; self->request_headers != NULL && i < self->request_headers->len; i++)
    self->slist = curl_slist_append (self->slist, self->request_headers->pdata[i]);
  SET_IF_CHANGED (o, easy, headers, CURLOPT_HTTPHEADER, self->slist);

  set_string_if_changed (o, easy, &o->url, CURLOPT_URL, self->url);
  set_string_if_changed (o, easy, &o->user_agent, CURLOPT_USERAGENT, self->user_agent);
  SET_IF_CHANGED (o, easy, follow, CURLOPT_FOLLOWLOCATION, (long) self->follow_redirects);
  SET_IF_CHANGED (o, easy, max_redirects, CURLOPT_MAXREDIRS, (long) self->max_redirects);

  switch (self->http_version)
    {
    case GCURL_HTTP_1_1:
      version = CURL_HTTP_VERSION_1_1;
      break;
    case GCURL_HTTP_2_PRIOR_KNOWLEDGE:
      version = CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE;
      break;
    case GCURL_HTTP_3:
      if (_gcurl_libcurl_has_http3 ())
        version = CURL_HTTP_VERSION_3;
      else
        {
          g_debug ("This libcurl (%s) has no HTTP/3: asking for HTTP/2 over TLS instead",
                   curl_version_info (CURLVERSION_NOW)->version);
          version = CURL_HTTP_VERSION_2TLS;
        }
      break;
    case GCURL_HTTP_3_ONLY:
      /* Without HTTP/3, _gcurl_transfer_start() refused it. */
      version = CURL_HTTP_VERSION_3ONLY;
      break;
    case GCURL_HTTP_2:
    default:
      version = CURL_HTTP_VERSION_2TLS;
      break;
    }
  SET_IF_CHANGED (o, easy, version, CURLOPT_HTTP_VERSION, version);
  /* Where HTTP/2 or HTTP/3 is possible (TLS with ALPN, QUIC, or prior
   * knowledge), wait for a connection being set up to the same host
   * rather than open another, in case it multiplexes, as `curl
   * --parallel` does. Never for cleartext HTTP/1.1: there, waiting made a
   * thousand trickled transfers take twice as long (bench W4). */
  SET_IF_CHANGED (o, easy, pipewait, CURLOPT_PIPEWAIT,
                  (version == CURL_HTTP_VERSION_2_PRIOR_KNOWLEDGE ||
                   ((version == CURL_HTTP_VERSION_2TLS || version == CURL_HTTP_VERSION_3 ||
                     version == CURL_HTTP_VERSION_3ONLY) &&
                    g_ascii_strncasecmp (self->url, "https:", 6) == 0)) ? 1L : 0L);

  /* libcurl 7.88 fails the second request on a cleartext HTTP/2
   * connection ("Error in the HTTP2 framing layer"): never reuse one.
   * CURLOPT_FORBID_REUSE is not ours otherwise: on a handle C code has,
   * only undo what we did. */
  forbid_reuse = self->http_version == GCURL_HTTP_2_PRIOR_KNOWLEDGE &&
                 g_ascii_strncasecmp (self->url, "http:", 5) == 0;
  if (o->valid || forbid_reuse || o->forbid_reuse)
    {
      if (!o->valid || o->forbid_reuse != forbid_reuse)
        curl_easy_setopt (easy, CURLOPT_FORBID_REUSE, (long) forbid_reuse);
      o->forbid_reuse = forbid_reuse;
    }

  SET_IF_CHANGED (o, easy, timeout, CURLOPT_TIMEOUT_MS, (long) self->timeout);
  SET_IF_CHANGED (o, easy, connect_timeout, CURLOPT_CONNECTTIMEOUT_MS, (long) self->connect_timeout);
  SET_IF_CHANGED (o, easy, low_speed_limit, CURLOPT_LOW_SPEED_LIMIT, (long) self->low_speed_limit);
  SET_IF_CHANGED (o, easy, low_speed_time, CURLOPT_LOW_SPEED_TIME, (long) self->low_speed_time);
  SET_IF_CHANGED (o, easy, max_send, CURLOPT_MAX_SEND_SPEED_LARGE, (curl_off_t) self->max_send_speed);
  /* Paced by us (pace_allows()): chunks of at most a sixteenth of a
   * second's worth, so that it goes on evenly. */
  self->pace_rate = self->max_recv_speed;
  buffer_size = self->receive_buffer_size;
  if (self->max_recv_speed > 0)
    buffer_size = (guint) CLAMP (self->max_recv_speed / 16, MIN_RECEIVE_BUFFER_SIZE,
                                 (gint64) self->receive_buffer_size);
  SET_IF_CHANGED (o, easy, buffer_size, CURLOPT_BUFFERSIZE, (long) buffer_size);
  SET_IF_CHANGED (o, easy, resume_from, CURLOPT_RESUME_FROM_LARGE, (curl_off_t) self->offset);
  if (!o->valid || g_strcmp0 (o->protocols, self->allowed_protocols) != 0)
    {
      curl_easy_setopt (easy, CURLOPT_PROTOCOLS_STR, self->allowed_protocols);
      curl_easy_setopt (easy, CURLOPT_REDIR_PROTOCOLS_STR, self->allowed_protocols);
      g_free (o->protocols);
      o->protocols = g_strdup (self->allowed_protocols);
    }
  SET_IF_CHANGED (o, easy, max_file_size, CURLOPT_MAXFILESIZE_LARGE,
                  (curl_off_t) (self->max_size > 0 ? MAX (0, self->max_size - self->offset) : 0));
  SET_IF_CHANGED (o, easy, verify_peer, CURLOPT_SSL_VERIFYPEER, (long) self->tls_verify_peer);
  SET_IF_CHANGED (o, easy, verify_host, CURLOPT_SSL_VERIFYHOST, self->tls_verify_host ? 2L : 0L);
  /* Back to libcurl's own bundle when the property is unset again. */
  if (ca_file != NULL)
    set_string_if_changed (o, easy, &o->ca_file, CURLOPT_CAINFO, ca_file);

  /* The callbacks stay with a pooled handle; their data is the owner. */
  if (!o->valid)
    {
      curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, write_cb);
      curl_easy_setopt (easy, CURLOPT_HEADERFUNCTION, header_cb);
      curl_easy_setopt (easy, CURLOPT_READFUNCTION, read_cb);
      curl_easy_setopt (easy, CURLOPT_SEEKFUNCTION, seek_cb);
      curl_easy_setopt (easy, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
      curl_easy_setopt (easy, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt (easy, CURLOPT_NOSIGNAL, 1L);
    }
  if (!o->valid || o->owner != self)
    {
      curl_easy_setopt (easy, CURLOPT_PRIVATE, self);
      curl_easy_setopt (easy, CURLOPT_ERRORBUFFER, self->errbuf);
      curl_easy_setopt (easy, CURLOPT_WRITEDATA, self);
      curl_easy_setopt (easy, CURLOPT_HEADERDATA, self);
      curl_easy_setopt (easy, CURLOPT_READDATA, self);
      curl_easy_setopt (easy, CURLOPT_SEEKDATA, self);
      curl_easy_setopt (easy, CURLOPT_XFERINFODATA, self);
      o->owner = self;
    }

  /* A handle C code has may have anything set: every run sets all. */
  o->valid = !self->handle_exposed;
}

static void
reset_results (GCurlTransfer *self)
{
  self->errbuf[0] = '\0';
  self->result = CURLE_OK;
  g_clear_error (&self->error);
  g_clear_error (&self->write_error);
  g_clear_error (&self->read_error);
  g_clear_pointer (&self->body, g_bytes_unref);
  body_buffer_clear (&self->buffer);
  self->buffering = FALSE;
  self->out_of_memory = FALSE;
  self->decoded = FALSE;
  g_clear_pointer (&self->read_chunk, g_bytes_unref);
  _gcurl_headers_reset (&self->headers);
  self->checked_response = FALSE;
  g_clear_error (&self->head_error);
  self->error_body = FALSE;
  self->too_large = FALSE;
  self->cancelling = FALSE;
  self->received = 0;
  self->offset = 0;
  self->body_pos = 0;
  self->read_pos = 0;
  self->reading = FALSE;
  self->read_waiting = FALSE;
  self->read_eof = FALSE;
  self->last_notify = 0;
  self->too_slow = FALSE;
  self->n_samples = self->first_sample = 0;
  self->pace_start = 0;
  stop_pacing (self);
  self->notify_listened = FALSE;
  self->timings_in_easy = FALSE;
  for (guint i = 0; i < G_N_ELEMENTS (self->timings); i++)
    self->timings[i] = -1;
}

gboolean
_gcurl_transfer_start (GCurlTransfer    *self,
                        GCurlMultiSource *source,
                        GError          **error)
{
  g_return_val_if_fail (!_gcurl_transfer_is_active (self), FALSE);

  if (self->body_stream != NULL && self->body_stream_used)
    {
      if (!G_IS_SEEKABLE (self->body_stream) ||
          !g_seekable_can_seek (G_SEEKABLE (self->body_stream)) ||
          !g_seekable_seek (G_SEEKABLE (self->body_stream), 0, G_SEEK_SET, NULL, NULL))
        {
          g_set_error (error, GCURL_ERROR, GCURL_ERROR_READ,
                       "Transfer of %s cannot run again: its request body stream "
                       "cannot be rewound", shown_url (self));
          return FALSE;
        }
    }

  /* Not a programming error (a URL may come from anywhere), but never
   * sent: CR and LF would split the request line (doc/design.md,
   * "Messages"). */
  for (const guchar *p = (const guchar *) self->url; *p != '\0'; p++)
    if (*p < 0x20 || *p == 0x7f)
      {
        g_set_error (error, GCURL_ERROR, GCURL_ERROR_INVALID_URL,
                     "Transfer of %s cannot run: the URL contains control characters",
                     shown_url (self));
        return FALSE;
      }

  if (self->http_version == GCURL_HTTP_3_ONLY && !_gcurl_libcurl_has_http3 ())
    {
      g_set_error (error, GCURL_ERROR, GCURL_ERROR_UNSUPPORTED_PROTOCOL,
                   "Transfer of %s cannot run: HTTP/3 was asked for, and this libcurl "
                   "(%s) has no HTTP/3", shown_url (self),
                   curl_version_info (CURLVERSION_NOW)->version);
      return FALSE;
    }

  reset_results (self);
  self->offset = self->resume_from;

  if (!open_output (self, error))
    return FALSE;

  self->buffering = self->output == GCURL_OUTPUT_MEMORY || self->fail_on_http_error;

  if (self->body_stream != NULL)
    {
      self->body_stream_used = TRUE;
      g_clear_object (&self->read_cancellable);
      self->read_cancellable = g_cancellable_new ();
    }

  build_request (self);
  self->source = source;

  freeze (self);
  set_int64 (self, &self->bytes_received, self->offset, PROP_BYTES_RECEIVED);
  set_int64 (self, &self->total_bytes, -1, PROP_TOTAL_BYTES);
  set_int64 (self, &self->download_speed, 0, PROP_DOWNLOAD_SPEED);
  set_int64 (self, &self->bytes_sent, 0, PROP_BYTES_SENT);
  set_int64 (self, &self->total_bytes_to_send,
             self->body_bytes ? (gint64) g_bytes_get_size (self->body_bytes)
                              : (self->body_stream ? self->body_length : 0),
             PROP_TOTAL_BYTES_TO_SEND);
  set_int64 (self, &self->upload_speed, 0, PROP_UPLOAD_SPEED);
  set_uint (self, &self->response_code, 0, PROP_RESPONSE_CODE);
  set_string (self, &self->effective_url, NULL, PROP_EFFECTIVE_URL);
  set_string (self, &self->content_type, NULL, PROP_CONTENT_TYPE);
  set_state (self, GCURL_TRANSFER_STATE_RUNNING);
  thaw (self);

  return TRUE;
}

/* The URL as messages show it: no password, no control characters
 * (doc/design.md, "Messages"). Made on the first message only. */
static const char *
shown_url (GCurlTransfer *self)
{
  if (self->display_url == NULL)
    self->display_url = _gcurl_display_url (self->url);
  return self->display_url;
}

/* A 416 to a resumed download whose `Content-Range: bytes *\/N` says the
 * partial already has all N bytes. */
static gboolean
range_says_complete (GCurlTransfer *self)
{
  const char *range = gcurl_transfer_get_response_header (self, "Content-Range");
  guint64 n;
  char *end;

  if (range == NULL || g_ascii_strncasecmp (range, "bytes */", 8) != 0 ||
      !g_ascii_isdigit (range[8]))
    return FALSE;
  errno = 0;
  n = g_ascii_strtoull (range + 8, &end, 10);
  return errno == 0 && *end == '\0' && n == (guint64) self->offset;
}

static GError *
make_error (GCurlTransfer *self,
            CURLcode       result)
{
  /* Resuming a file: libcurl passes a 416 as success and a 200 as long as
   * the partial as "already downloaded"; neither is the rest of the file. */
  if (result == CURLE_OK && self->output == GCURL_OUTPUT_FILE && self->offset > 0)
    {
      if (self->response_code == 416 && range_says_complete (self))
        {
          self->error_body = FALSE;
          self->result = result;
          return NULL;
        }
      if (self->response_code == 200 && self->received == 0)
        {
          self->result = CURLE_RANGE_ERROR;
          return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                              "Transfer of %s failed: the server sent the whole file "
                              "(HTTP 200, as long as the partial download) instead of "
                              "the rest; the partial download was kept", shown_url (self));
        }
    }

  if (self->head_error != NULL)
    {
      self->result = result;
      return g_steal_pointer (&self->head_error);
    }

  if (result == CURLE_WRITE_ERROR && self->out_of_memory)
    {
      self->result = result;
      return g_error_new (GCURL_ERROR, GCURL_ERROR_TOO_LARGE,
                          "Transfer of %s failed: the response does not fit in memory "
                          "(%" G_GSIZE_FORMAT " bytes stored)", shown_url (self), self->buffer.len);
    }
  if (result == CURLE_WRITE_ERROR && self->too_large)
    result = CURLE_FILESIZE_EXCEEDED;

  self->result = result;

  if (result == CURLE_WRITE_ERROR && self->write_error != NULL)
    return g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE,
                        "Transfer of %s failed: cannot store the body: %s",
                        shown_url (self), self->write_error->message);

  if (result == CURLE_ABORTED_BY_CALLBACK && self->too_slow && !self->cancelling)
    {
      self->result = CURLE_OPERATION_TIMEDOUT;
      return g_error_new (GCURL_ERROR, GCURL_ERROR_TIMED_OUT,
                          "Transfer of %s failed: too slow, less than %u bytes per second "
                          "over the last %u seconds", shown_url (self),
                          self->low_speed_limit, self->low_speed_time);
    }

  if (result == CURLE_ABORTED_BY_CALLBACK && self->read_error != NULL)
    return g_error_new (GCURL_ERROR, GCURL_ERROR_READ,
                        "Transfer of %s failed: cannot read the request body: %s",
                        shown_url (self), self->read_error->message);

  if (result == CURLE_FILESIZE_EXCEEDED)
    return g_error_new (GCURL_ERROR, GCURL_ERROR_TOO_LARGE,
                        "Transfer of %s failed: the response is larger than %" G_GINT64_FORMAT " bytes",
                        shown_url (self), self->max_size);

  /* libcurl 7.88 reports a response header line over its 100 KiB limit
   * as out of memory, with no detail; 8.6 and later say CURLE_TOO_LARGE
   * (mapped to PROTOCOL). Before the body began, that is what it means. */
  if (result == CURLE_OUT_OF_MEMORY && !self->checked_response)
    {
      self->result = result;
      return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                          "Transfer of %s failed: the response head is too large "
                          "(a header line over libcurl's limit of 100 KiB)", shown_url (self));
    }

  /* HTTP/2 with prior knowledge to a server that speaks only HTTP/1.1:
   * the connection breaks before any response. Not a network failure to
   * retry (PARTIAL) but the wrong protocol. */
  if (self->http_version == GCURL_HTTP_2_PRIOR_KNOWLEDGE && self->response_code == 0 &&
      (result == CURLE_SEND_ERROR || result == CURLE_RECV_ERROR ||
       result == CURLE_GOT_NOTHING || result == CURLE_HTTP2 || result == CURLE_PARTIAL_FILE ||
       result == CURLE_WEIRD_SERVER_REPLY))
    {
      g_autofree char *detail = _gcurl_display_text (self->errbuf[0] ? self->errbuf
                                                      : curl_easy_strerror (result));

      self->result = result;
      return g_error_new (GCURL_ERROR, GCURL_ERROR_PROTOCOL,
                          "Transfer of %s failed: no HTTP/2 answer to a request with prior "
                          "knowledge; the server may speak only HTTP/1.1 (%s)",
                          shown_url (self), detail);
    }

  if (result != CURLE_OK)
    return gcurl_error_new_from_code (result, self->url, self->errbuf);

  if (self->fail_on_http_error && self->response_code >= 400)
    {
      g_autofree char *reason = _gcurl_display_text (self->headers.reason);

      return g_error_new (GCURL_ERROR, GCURL_ERROR_HTTP_STATUS,
                          "Transfer of %s failed: HTTP %u%s%s", shown_url (self),
                          self->response_code, reason ? " " : "", reason ? reason : "");
    }

  return NULL;
}

static void
finish_file (GCurlTransfer *self)
{
  g_autoptr(GError) local = NULL;
  gboolean discard;

  if (self->part == NULL)
    return;

  if (self->error == NULL)
    {
      if (_gcurl_part_file_commit (self->part, &local))
        goto out;
      self->error = g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE,
                                 "Transfer of %s failed: cannot store the body: %s",
                                 shown_url (self), local->message);
    }

  /* Keep a partial download to resume, unless it was cancelled (and not
   * asked to be kept) or is empty. An HTTP error's body never went to the
   * file, and a partial it was resuming stays. */
  discard = (g_error_matches (self->error, G_IO_ERROR, G_IO_ERROR_CANCELLED) &&
             (self->flags & GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL) == 0) ||
            (self->received == 0 && self->offset == 0);
  _gcurl_part_file_abandon (self->part, discard);

out:
  g_clear_pointer (&self->part, _gcurl_part_file_free);
}

void
_gcurl_transfer_complete (GCurlTransfer  *self,
                           CURLcode        result,
                           GError        **error,
                           GBytes        **body)
{
  GCurlTransferState state;

  g_return_if_fail (_gcurl_transfer_is_active (self));

  g_object_ref (self);
  freeze (self);

  if (self->read_cancellable != NULL)
    g_cancellable_cancel (self->read_cancellable);
  self->reading = FALSE;
  stop_pacing (self);

  /* Read on the body's first byte already, and final then: no redirect
   * follows a body. */
  if (!self->checked_response)
    read_response_head (self);

  self->error = make_error (self, result);
  if (self->error == NULL && self->write_error != NULL)
    g_clear_error (&self->write_error);

  if (self->output == GCURL_OUTPUT_FILE)
    finish_file (self);
  else if (self->output == GCURL_OUTPUT_STREAM && self->out != NULL &&
           self->error == NULL)
    {
      g_autoptr(GError) local = NULL;

      if (!g_output_stream_flush (self->out, NULL, &local))
        self->error = g_error_new (GCURL_ERROR, GCURL_ERROR_WRITE,
                                   "Transfer of %s failed: cannot store the body: %s",
                                   shown_url (self), local->message);
    }
  g_clear_object (&self->out);

  /* The body in memory: the output, or an HTTP error's. */
  if (self->buffering && (self->output == GCURL_OUTPUT_MEMORY || self->error_body))
    self->body = body_buffer_steal (&self->buffer);
  body_buffer_clear (&self->buffer);
  self->buffering = FALSE;

  /* The timings stay in the handle, which stays with the transfer until
   * it runs again: read on demand (six getinfo calls a run saved). A
   * handle C code has may be used under us: read it now. */
  if (self->handle_exposed)
    for (guint i = 0; i < G_N_ELEMENTS (self->timings); i++)
      self->timings[i] = info_off (self->easy, timing_infos[i], -1);
  else
    self->timings_in_easy = TRUE;

  if (g_error_matches (self->error, G_IO_ERROR, G_IO_ERROR_CANCELLED))
    state = GCURL_TRANSFER_STATE_CANCELLED;
  else if (self->error != NULL)
    state = GCURL_TRANSFER_STATE_FAILED;
  else
    state = GCURL_TRANSFER_STATE_SUCCEEDED;

  self->source = NULL;
  self->cancelling = FALSE;

  update_progress (self);
  /* Known at the end: what came. Not for HEAD, whose total is the length
   * the server announced for the body it did not send. */
  if (state == GCURL_TRANSFER_STATE_SUCCEEDED && !self->error_body &&
      !(self->method != NULL && g_ascii_strcasecmp (self->method, "HEAD") == 0))
    set_int64 (self, &self->total_bytes, self->bytes_received, PROP_TOTAL_BYTES);
  set_state (self, state);

  if (self->error != NULL)
    *error = g_error_copy (self->error);
  *body = self->body ? g_bytes_ref (self->body) : NULL;

  thaw (self);

  g_object_unref (self);
}

void
_gcurl_transfer_emit_finished (GCurlTransfer *self)
{
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

/* A run that could not start: no curl involved. */
void
_gcurl_transfer_fail_to_start (GCurlTransfer *self,
                                const GError  *error)
{
  g_clear_error (&self->error);
  self->error = g_error_copy (error);
  self->result = CURLE_OK;
  set_state (self, g_error_matches (error, G_IO_ERROR, G_IO_ERROR_CANCELLED)
                   ? GCURL_TRANSFER_STATE_CANCELLED : GCURL_TRANSFER_STATE_FAILED);
  g_signal_emit (self, signals[SIGNAL_FINISHED], 0);
}

/* ---------------------------------------------------------------------- */
/* GObject                                                                 */

static void
gcurl_transfer_dispose (GObject *object)
{
  GCurlTransfer *self = GCURL_TRANSFER (object);

  /* Never while active: the running source holds a reference. */
  g_clear_object (&self->out);
  g_clear_object (&self->user_stream);
  g_clear_object (&self->body_stream);
  g_clear_object (&self->read_cancellable);
  g_clear_object (&self->file);
  g_clear_pointer (&self->part, _gcurl_part_file_free);
  stop_pacing (self);

  G_OBJECT_CLASS (gcurl_transfer_parent_class)->dispose (object);
}

static void
gcurl_transfer_finalize (GObject *object)
{
  GCurlTransfer *self = GCURL_TRANSFER (object);

  if (self->easy != NULL && !self->handle_exposed)
    easy_give (g_steal_pointer (&self->easy), &self->applied);
  g_clear_pointer (&self->easy, curl_easy_cleanup);
  easy_options_clear (&self->applied);
  g_clear_pointer (&self->slist, curl_slist_free_all);
  g_free (self->url);
  g_free (self->display_url);
  g_free (self->method);
  g_clear_pointer (&self->request_headers, g_ptr_array_unref);
  g_clear_pointer (&self->body_bytes, g_bytes_unref);
  g_free (self->body_content_type);
  g_free (self->user_agent);
  g_free (self->allowed_protocols);
  g_free (self->tls_ca_file);
  body_buffer_clear (&self->buffer);
  g_clear_pointer (&self->body, g_bytes_unref);
  g_clear_pointer (&self->read_chunk, g_bytes_unref);
  g_clear_error (&self->write_error);
  g_clear_error (&self->read_error);
  g_clear_error (&self->head_error);
  g_clear_error (&self->error);
  g_free (self->effective_url);
  g_free (self->content_type);
  _gcurl_headers_clear (&self->headers);

  G_OBJECT_CLASS (gcurl_transfer_parent_class)->finalize (object);
}

static void
gcurl_transfer_get_property (GObject    *object,
                              guint       prop_id,
                              GValue     *value,
                              GParamSpec *pspec)
{
  GCurlTransfer *self = GCURL_TRANSFER (object);

  switch (prop_id)
    {
    case PROP_URL: g_value_set_string (value, self->url); break;
    case PROP_METHOD: g_value_set_string (value, self->method); break;
    case PROP_USER_AGENT: g_value_set_string (value, self->user_agent); break;
    case PROP_FOLLOW_REDIRECTS: g_value_set_boolean (value, self->follow_redirects); break;
    case PROP_MAX_REDIRECTS: g_value_set_int (value, self->max_redirects); break;
    case PROP_HTTP_VERSION: g_value_set_enum (value, self->http_version); break;
    case PROP_TIMEOUT: g_value_set_uint (value, self->timeout); break;
    case PROP_CONNECT_TIMEOUT: g_value_set_uint (value, self->connect_timeout); break;
    case PROP_LOW_SPEED_LIMIT: g_value_set_uint (value, self->low_speed_limit); break;
    case PROP_LOW_SPEED_TIME: g_value_set_uint (value, self->low_speed_time); break;
    case PROP_MAX_RECV_SPEED: g_value_set_int64 (value, self->max_recv_speed); break;
    case PROP_MAX_SEND_SPEED: g_value_set_int64 (value, self->max_send_speed); break;
    case PROP_RECEIVE_BUFFER_SIZE: g_value_set_uint (value, self->receive_buffer_size); break;
    case PROP_RESUME_FROM: g_value_set_int64 (value, self->resume_from); break;
    case PROP_ALLOWED_PROTOCOLS: g_value_set_string (value, self->allowed_protocols); break;
    case PROP_MAX_SIZE: g_value_set_int64 (value, self->max_size); break;
    case PROP_TLS_VERIFY_PEER: g_value_set_boolean (value, self->tls_verify_peer); break;
    case PROP_TLS_VERIFY_HOST: g_value_set_boolean (value, self->tls_verify_host); break;
    case PROP_TLS_CA_FILE: g_value_set_string (value, self->tls_ca_file); break;
    case PROP_FAIL_ON_HTTP_ERROR: g_value_set_boolean (value, self->fail_on_http_error); break;
    case PROP_PROGRESS_INTERVAL: g_value_set_uint (value, self->progress_interval); break;
    case PROP_OUTPUT: g_value_set_enum (value, self->output); break;
    case PROP_STATE: g_value_set_enum (value, self->state); break;
    case PROP_BYTES_RECEIVED: g_value_set_int64 (value, self->bytes_received); break;
    case PROP_TOTAL_BYTES: g_value_set_int64 (value, self->total_bytes); break;
    case PROP_DOWNLOAD_SPEED: g_value_set_int64 (value, self->download_speed); break;
    case PROP_BYTES_SENT: g_value_set_int64 (value, self->bytes_sent); break;
    case PROP_TOTAL_BYTES_TO_SEND: g_value_set_int64 (value, self->total_bytes_to_send); break;
    case PROP_UPLOAD_SPEED: g_value_set_int64 (value, self->upload_speed); break;
    case PROP_RESPONSE_CODE: g_value_set_uint (value, self->response_code); break;
    case PROP_EFFECTIVE_URL: g_value_set_string (value, self->effective_url); break;
    case PROP_CONTENT_TYPE: g_value_set_string (value, self->content_type); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

static void
gcurl_transfer_set_property (GObject      *object,
                              guint         prop_id,
                              const GValue *value,
                              GParamSpec   *pspec)
{
  GCurlTransfer *self = GCURL_TRANSFER (object);

  switch (prop_id)
    {
    case PROP_URL: gcurl_transfer_set_url (self, g_value_get_string (value)); break;
    case PROP_METHOD: gcurl_transfer_set_method (self, g_value_get_string (value)); break;
    case PROP_USER_AGENT: gcurl_transfer_set_user_agent (self, g_value_get_string (value)); break;
    case PROP_FOLLOW_REDIRECTS: gcurl_transfer_set_follow_redirects (self, g_value_get_boolean (value)); break;
    case PROP_MAX_REDIRECTS: gcurl_transfer_set_max_redirects (self, g_value_get_int (value)); break;
    case PROP_HTTP_VERSION: gcurl_transfer_set_http_version (self, g_value_get_enum (value)); break;
    case PROP_TIMEOUT: gcurl_transfer_set_timeout (self, g_value_get_uint (value)); break;
    case PROP_CONNECT_TIMEOUT: gcurl_transfer_set_connect_timeout (self, g_value_get_uint (value)); break;
    case PROP_LOW_SPEED_LIMIT: set_uint (self, &self->low_speed_limit, g_value_get_uint (value), prop_id); break;
    case PROP_LOW_SPEED_TIME: set_uint (self, &self->low_speed_time, g_value_get_uint (value), prop_id); break;
    case PROP_MAX_RECV_SPEED: gcurl_transfer_set_max_recv_speed (self, g_value_get_int64 (value)); break;
    case PROP_MAX_SEND_SPEED: gcurl_transfer_set_max_send_speed (self, g_value_get_int64 (value)); break;
    case PROP_RECEIVE_BUFFER_SIZE: gcurl_transfer_set_receive_buffer_size (self, g_value_get_uint (value)); break;
    case PROP_RESUME_FROM: gcurl_transfer_set_resume_from (self, g_value_get_int64 (value)); break;
    case PROP_ALLOWED_PROTOCOLS: gcurl_transfer_set_allowed_protocols (self, g_value_get_string (value)); break;
    case PROP_MAX_SIZE: gcurl_transfer_set_max_size (self, g_value_get_int64 (value)); break;
    case PROP_TLS_VERIFY_PEER: gcurl_transfer_set_tls_verify_peer (self, g_value_get_boolean (value)); break;
    case PROP_TLS_VERIFY_HOST: gcurl_transfer_set_tls_verify_host (self, g_value_get_boolean (value)); break;
    case PROP_TLS_CA_FILE: gcurl_transfer_set_tls_ca_file (self, g_value_get_string (value)); break;
    case PROP_FAIL_ON_HTTP_ERROR: gcurl_transfer_set_fail_on_http_error (self, g_value_get_boolean (value)); break;
    case PROP_PROGRESS_INTERVAL: gcurl_transfer_set_progress_interval (self, g_value_get_uint (value)); break;
    default:
      G_OBJECT_WARN_INVALID_PROPERTY_ID (object, prop_id, pspec);
    }
}

#define RW (G_PARAM_READWRITE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)
#define RO (G_PARAM_READABLE | G_PARAM_EXPLICIT_NOTIFY | G_PARAM_STATIC_STRINGS)

static void
gcurl_transfer_class_init (GCurlTransferClass *klass)
{
  GObjectClass *object_class = G_OBJECT_CLASS (klass);

  object_class->dispose = gcurl_transfer_dispose;
  object_class->finalize = gcurl_transfer_finalize;
  object_class->get_property = gcurl_transfer_get_property;
  object_class->set_property = gcurl_transfer_set_property;

  /**
   * GCurlTransfer:url:
   *
   * The URL to transfer.
   */
  properties[PROP_URL] = g_param_spec_string ("url", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:method:
   *
   * The HTTP method. %NULL means `GET`, or `POST` when a request body is
   * set; `HEAD` asks for the headers only.
   */
  properties[PROP_METHOD] = g_param_spec_string ("method", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:user-agent:
   *
   * The `User-Agent` header; %NULL (the default) sends none.
   *
   * None by default, as libcurl and libsoup send none: with libcurl 7.88
   * the header costs about 5,600 instructions a request (libcurl formats
   * it a byte at a time), 5% of a short transfer's CPU (callgrind, bench
   * W1). Set one where a server asks for it, as the demos do.
   */
  properties[PROP_USER_AGENT] =
    g_param_spec_string ("user-agent", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:follow-redirects:
   *
   * Whether redirects are followed, up to
   * [property@GCurl.Transfer:max-redirects] and only to the protocols of
   * [property@GCurl.Transfer:allowed-protocols].
   */
  properties[PROP_FOLLOW_REDIRECTS] =
    g_param_spec_boolean ("follow-redirects", NULL, NULL, TRUE, RW);

  /**
   * GCurlTransfer:max-redirects:
   *
   * The most redirects followed; one more fails the transfer with
   * %GCURL_ERROR_TOO_MANY_REDIRECTS. -1 means no limit.
   */
  properties[PROP_MAX_REDIRECTS] =
    g_param_spec_int ("max-redirects", NULL, NULL, -1, G_MAXINT, DEFAULT_MAX_REDIRECTS, RW);

  /**
   * GCurlTransfer:http-version:
   *
   * The HTTP version to use.
   */
  properties[PROP_HTTP_VERSION] =
    g_param_spec_enum ("http-version", NULL, NULL, GCURL_TYPE_HTTP_VERSION,
                       GCURL_HTTP_2, RW);

  /**
   * GCurlTransfer:timeout:
   *
   * The most time the whole transfer may take, in milliseconds; 0 means no
   * limit. Reaching it fails the transfer with %GCURL_ERROR_TIMED_OUT.
   */
  properties[PROP_TIMEOUT] = g_param_spec_uint ("timeout", NULL, NULL, 0, G_MAXINT, 0, RW);

  /**
   * GCurlTransfer:connect-timeout:
   *
   * The most time connecting may take, in milliseconds; 0 means libcurl's
   * default of 300 seconds.
   */
  properties[PROP_CONNECT_TIMEOUT] =
    g_param_spec_uint ("connect-timeout", NULL, NULL, 0, G_MAXINT, 0, RW);

  /**
   * GCurlTransfer:low-speed-limit:
   *
   * In bytes per second: a transfer slower than this for
   * [property@GCurl.Transfer:low-speed-time] seconds fails with
   * %GCURL_ERROR_TIMED_OUT. 0 turns the check off.
   *
   * The speed is that of the last low-speed-time seconds (bytes received
   * and sent), checked about once a second: the transfer fails between
   * low-speed-time and low-speed-time plus 1.25 s after it became too
   * slow. The time counts from the start of the run, connecting
   * included; a paused transfer is not slow, and the time starts again
   * when it goes on.
   */
  properties[PROP_LOW_SPEED_LIMIT] =
    g_param_spec_uint ("low-speed-limit", NULL, NULL, 0, G_MAXINT, 0, RW);

  /**
   * GCurlTransfer:low-speed-time:
   *
   * In seconds: see [property@GCurl.Transfer:low-speed-limit].
   */
  properties[PROP_LOW_SPEED_TIME] =
    g_param_spec_uint ("low-speed-time", NULL, NULL, 0, G_MAXINT, 0, RW);

  /**
   * GCurlTransfer:max-recv-speed:
   *
   * The most body bytes per second to receive; 0 means no limit.
   *
   * It holds from the first byte of the body on: at any moment, the body
   * is at most a sixteenth of a second's worth ahead of the limit since
   * that byte. The library pauses the transfer when it gets ahead and
   * goes on from a timer, and reads in chunks of at most a sixteenth of a
   * second's worth (the receive buffer is made that small, down to 1 KiB).
   * libcurl's own limit, `CURLOPT_MAX_RECV_SPEED_LARGE`, is not used: on
   * libcurl 7.88 it let the first 2 MiB at 256 KiB/s through in 0.01 s.
   */
  properties[PROP_MAX_RECV_SPEED] =
    g_param_spec_int64 ("max-recv-speed", NULL, NULL, 0, G_MAXINT64, 0, RW);

  /**
   * GCurlTransfer:max-send-speed:
   *
   * The most bytes per second to send; 0 means no limit.
   */
  properties[PROP_MAX_SEND_SPEED] =
    g_param_spec_int64 ("max-send-speed", NULL, NULL, 0, G_MAXINT64, 0, RW);

  /**
   * GCurlTransfer:receive-buffer-size:
   *
   * The size of libcurl's receive buffer (`CURLOPT_BUFFERSIZE`), in bytes,
   * from 1 KiB to 10 MiB: the most a single read from the connection, and
   * so a single write to the output, takes. Each running transfer holds
   * one.
   *
   * The default, 32 KiB, was chosen by measurement (the "Receive buffer"
   * section of `bench/RESULTS-debian12.md`): against libcurl's own 16 KiB
   * it took 8–33% less CPU to receive 16 MiB bodies and 4–7% less for 100 KiB
   * ones with a thousand transfers running (eight runs), for 16 KiB more
   * memory per running transfer; 64 KiB saves at most 2% more on small
   * bodies for three times the memory. Lower it for thousands of small transfers where memory
   * counts; raise it (64 to 256 KiB) for a few very fast large downloads.
   */
  properties[PROP_RECEIVE_BUFFER_SIZE] =
    g_param_spec_uint ("receive-buffer-size", NULL, NULL, MIN_RECEIVE_BUFFER_SIZE,
                       MAX_RECEIVE_BUFFER_SIZE, DEFAULT_RECEIVE_BUFFER_SIZE, RW);

  /**
   * GCurlTransfer:resume-from:
   *
   * The offset in the resource to start at, with a Range request; 0 asks
   * for all of it. File output with %GCURL_DOWNLOAD_FLAGS_RESUME sets the
   * offset from the partial file instead.
   */
  properties[PROP_RESUME_FROM] =
    g_param_spec_int64 ("resume-from", NULL, NULL, 0, G_MAXINT64, 0, RW);

  /**
   * GCurlTransfer:allowed-protocols:
   *
   * A comma-separated list of the URL schemes allowed, for the URL and for
   * redirects (`CURLOPT_PROTOCOLS_STR` and `CURLOPT_REDIR_PROTOCOLS_STR`).
   * Anything else fails with %GCURL_ERROR_UNSUPPORTED_PROTOCOL.
   */
  properties[PROP_ALLOWED_PROTOCOLS] =
    g_param_spec_string ("allowed-protocols", NULL, NULL, DEFAULT_PROTOCOLS, RW);

  /**
   * GCurlTransfer:max-size:
   *
   * The largest response body accepted, in bytes; a larger one fails with
   * %GCURL_ERROR_TOO_LARGE, whether or not the server announced its
   * length. 0 means no limit.
   */
  properties[PROP_MAX_SIZE] =
    g_param_spec_int64 ("max-size", NULL, NULL, 0, G_MAXINT64, 0, RW);

  /**
   * GCurlTransfer:tls-verify-peer:
   *
   * Whether the server's certificate must chain to a trusted authority.
   * Turn it off only for tests.
   */
  properties[PROP_TLS_VERIFY_PEER] =
    g_param_spec_boolean ("tls-verify-peer", NULL, NULL, TRUE, RW);

  /**
   * GCurlTransfer:tls-verify-host:
   *
   * Whether the server's certificate must name the host of the URL.
   */
  properties[PROP_TLS_VERIFY_HOST] =
    g_param_spec_boolean ("tls-verify-host", NULL, NULL, TRUE, RW);

  /**
   * GCurlTransfer:tls-ca-file:
   *
   * A file of PEM certificates to trust instead of the system's; %NULL for
   * the system's.
   */
  properties[PROP_TLS_CA_FILE] = g_param_spec_string ("tls-ca-file", NULL, NULL, NULL, RW);

  /**
   * GCurlTransfer:fail-on-http-error:
   *
   * Whether a response with an HTTP status of 400 or more fails the
   * transfer with %GCURL_ERROR_HTTP_STATUS (its body is then kept in
   * memory and not written to the output). So does a redirect without a
   * `Location` header (other than 304) while
   * [property@GCurl.Transfer:follow-redirects] is on: it cannot be
   * followed, and its body is not the resource.
   */
  properties[PROP_FAIL_ON_HTTP_ERROR] =
    g_param_spec_boolean ("fail-on-http-error", NULL, NULL, TRUE, RW);

  /**
   * GCurlTransfer:progress-interval:
   *
   * The least time between two progress notifications
   * ([property@GCurl.Transfer:bytes-received] and its kin), in milliseconds.
   * They are brought up to date when the transfer ends. %G_MAXUINT turns
   * progress notifications off until the end.
   */
  properties[PROP_PROGRESS_INTERVAL] =
    g_param_spec_uint ("progress-interval", NULL, NULL, 0, G_MAXUINT,
                       DEFAULT_PROGRESS_INTERVAL, RW);

  /**
   * GCurlTransfer:output:
   *
   * Where the response body goes.
   */
  properties[PROP_OUTPUT] =
    g_param_spec_enum ("output", NULL, NULL, GCURL_TYPE_OUTPUT, GCURL_OUTPUT_MEMORY, RO);

  /**
   * GCurlTransfer:state:
   *
   * Where the transfer is in its life cycle.
   */
  properties[PROP_STATE] =
    g_param_spec_enum ("state", NULL, NULL, GCURL_TYPE_TRANSFER_STATE,
                       GCURL_TRANSFER_STATE_PENDING, RO);

  /**
   * GCurlTransfer:bytes-received:
   *
   * The bytes of the response body received so far, counting those a
   * resumed download already had.
   */
  properties[PROP_BYTES_RECEIVED] =
    g_param_spec_int64 ("bytes-received", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:total-bytes:
   *
   * The size of the response body (of the whole resource for a resumed
   * download), or -1 while it is unknown.
   */
  properties[PROP_TOTAL_BYTES] =
    g_param_spec_int64 ("total-bytes", NULL, NULL, -1, G_MAXINT64, -1, RO);

  /**
   * GCurlTransfer:download-speed:
   *
   * The average download speed so far, in bytes per second.
   */
  properties[PROP_DOWNLOAD_SPEED] =
    g_param_spec_int64 ("download-speed", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:bytes-sent:
   *
   * The bytes of the request body sent so far.
   */
  properties[PROP_BYTES_SENT] =
    g_param_spec_int64 ("bytes-sent", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:total-bytes-to-send:
   *
   * The size of the request body, or -1 when unknown; 0 without one.
   */
  properties[PROP_TOTAL_BYTES_TO_SEND] =
    g_param_spec_int64 ("total-bytes-to-send", NULL, NULL, -1, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:upload-speed:
   *
   * The average upload speed so far, in bytes per second.
   */
  properties[PROP_UPLOAD_SPEED] =
    g_param_spec_int64 ("upload-speed", NULL, NULL, 0, G_MAXINT64, 0, RO);

  /**
   * GCurlTransfer:response-code:
   *
   * The HTTP status of the last response, 0 before one arrived.
   */
  properties[PROP_RESPONSE_CODE] =
    g_param_spec_uint ("response-code", NULL, NULL, 0, 999, 0, RO);

  /**
   * GCurlTransfer:effective-url:
   *
   * The URL of the last request, after redirects; %NULL before a response
   * arrived.
   */
  properties[PROP_EFFECTIVE_URL] =
    g_param_spec_string ("effective-url", NULL, NULL, NULL, RO);

  /**
   * GCurlTransfer:content-type:
   *
   * The `Content-Type` of the response, %NULL if it had none.
   */
  properties[PROP_CONTENT_TYPE] =
    g_param_spec_string ("content-type", NULL, NULL, NULL, RO);

  g_object_class_install_properties (object_class, N_PROPS, properties);
  notify_signal_id = g_signal_lookup ("notify", G_TYPE_OBJECT);

  /**
   * GCurlTransfer::finished:
   * @self: the transfer
   *
   * Emitted once at the end of every run, after the final state and
   * progress were notified: [property@GCurl.Transfer:state] tells how it
   * ended and [method@GCurl.Transfer.get_error] why it failed.
   */
  signals[SIGNAL_FINISHED] =
    g_signal_new ("finished",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 0);

  /**
   * GCurlTransfer::data-received:
   * @self: the transfer
   * @data: the next piece of the response body
   *
   * With [method@GCurl.Transfer.set_output_signal], emitted for every piece
   * of the response body as it arrives, in order. Handlers may pause or
   * cancel the transfer.
   */
  signals[SIGNAL_DATA_RECEIVED] =
    g_signal_new ("data-received",
                  G_TYPE_FROM_CLASS (klass),
                  G_SIGNAL_RUN_LAST,
                  0, NULL, NULL, NULL,
                  G_TYPE_NONE, 1, G_TYPE_BYTES);
}

static void
gcurl_transfer_init (GCurlTransfer *self)
{
  self->easy = easy_take (&self->applied);
  self->default_ca_file = default_ca_file (self->easy);
  _gcurl_headers_init (&self->headers);
  self->body_length = -1;
  self->follow_redirects = TRUE;
  self->max_redirects = DEFAULT_MAX_REDIRECTS;
  self->http_version = GCURL_HTTP_2;
  self->allowed_protocols = g_strdup (DEFAULT_PROTOCOLS);
  self->tls_verify_peer = TRUE;
  self->tls_verify_host = TRUE;
  self->fail_on_http_error = TRUE;
  self->progress_interval = DEFAULT_PROGRESS_INTERVAL;
  self->receive_buffer_size = DEFAULT_RECEIVE_BUFFER_SIZE;
  self->total_bytes = -1;
  for (guint i = 0; i < G_N_ELEMENTS (self->timings); i++)
    self->timings[i] = -1;
}

/* ---------------------------------------------------------------------- */
/* Request settings                                                        */

/**
 * gcurl_transfer_get_url: (get-property url)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:url].
 *
 * Returns: (nullable): the URL, or %NULL for a transfer made with
 *   g_object_new() and no URL
 */
const char *
gcurl_transfer_get_url (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->url;
}

/**
 * gcurl_transfer_set_url: (set-property url)
 * @self: a #GCurlTransfer
 * @url: the URL to transfer
 *
 * Sets [property@GCurl.Transfer:url], for the next run.
 */
void
gcurl_transfer_set_url (GCurlTransfer *self,
                         const char *url)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (url != NULL);

  g_clear_pointer (&self->display_url, g_free);
  set_string (self, &self->url, url, PROP_URL);
}

/**
 * gcurl_transfer_get_method: (get-property method)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:method].
 *
 * Returns: (nullable): the method, %NULL for the default
 */
const char *
gcurl_transfer_get_method (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->method;
}

/**
 * gcurl_transfer_set_method: (set-property method)
 * @self: a #GCurlTransfer
 * @method: (nullable): an HTTP method such as `PUT` or `DELETE`, or %NULL for `GET` (`POST` with a body)
 *
 * Sets [property@GCurl.Transfer:method], for the next run. A method is a
 * token (RFC 9110): letters, digits and ``!#$%&'*+-.^_`|~``; anything
 * else, a space or a line break included, is a programming error.
 */
void
gcurl_transfer_set_method (GCurlTransfer *self,
                            const char *method)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (method == NULL || _gcurl_header_token_valid (method));

  set_string (self, &self->method, method, PROP_METHOD);
}

/**
 * gcurl_transfer_get_user_agent: (get-property user-agent)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:user-agent].
 *
 * Returns: (nullable): the user agent
 */
const char *
gcurl_transfer_get_user_agent (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->user_agent;
}

/**
 * gcurl_transfer_set_user_agent: (set-property user-agent)
 * @self: a #GCurlTransfer
 * @user_agent: (nullable): the `User-Agent` to send, %NULL for none
 *
 * Sets [property@GCurl.Transfer:user-agent], for the next run. A control
 * character other than a tab (a line break above all) is a programming
 * error, as in [method@GCurl.Transfer.set_request_header].
 */
void
gcurl_transfer_set_user_agent (GCurlTransfer *self,
                                const char *user_agent)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (user_agent == NULL || _gcurl_header_value_valid (user_agent));

  set_string (self, &self->user_agent, user_agent, PROP_USER_AGENT);
}

/**
 * gcurl_transfer_get_follow_redirects: (get-property follow-redirects)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:follow-redirects].
 *
 * Returns: whether redirects are followed
 */
gboolean
gcurl_transfer_get_follow_redirects (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), FALSE);

  return self->follow_redirects;
}

/**
 * gcurl_transfer_set_follow_redirects: (set-property follow-redirects)
 * @self: a #GCurlTransfer
 * @follow_redirects: whether to follow redirects
 *
 * Sets [property@GCurl.Transfer:follow-redirects], for the next run.
 */
void
gcurl_transfer_set_follow_redirects (GCurlTransfer *self,
                                      gboolean follow_redirects)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  set_bool (self, &self->follow_redirects, follow_redirects, PROP_FOLLOW_REDIRECTS);
}

/**
 * gcurl_transfer_get_max_redirects: (get-property max-redirects)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:max-redirects].
 *
 * Returns: the redirect limit, -1 for none
 */
int
gcurl_transfer_get_max_redirects (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->max_redirects;
}

/**
 * gcurl_transfer_set_max_redirects: (set-property max-redirects)
 * @self: a #GCurlTransfer
 * @max_redirects: the most redirects to follow, -1 for no limit
 *
 * Sets [property@GCurl.Transfer:max-redirects], for the next run.
 */
void
gcurl_transfer_set_max_redirects (GCurlTransfer *self,
                                   int max_redirects)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (max_redirects >= -1);

  if (self->max_redirects != max_redirects)
    {
      self->max_redirects = max_redirects;
      notify (self, PROP_MAX_REDIRECTS);
    }
}

/**
 * gcurl_transfer_get_http_version: (get-property http-version)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:http-version].
 *
 * Returns: the HTTP version
 */
GCurlHttpVersion
gcurl_transfer_get_http_version (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->http_version;
}

/**
 * gcurl_transfer_set_http_version: (set-property http-version)
 * @self: a #GCurlTransfer
 * @version: the HTTP version to use
 *
 * Sets [property@GCurl.Transfer:http-version], for the next run.
 */
void
gcurl_transfer_set_http_version (GCurlTransfer *self,
                                  GCurlHttpVersion version)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (version <= GCURL_HTTP_3_ONLY);

  if (self->http_version != version)
    {
      self->http_version = version;
      notify (self, PROP_HTTP_VERSION);
    }
}

/**
 * gcurl_transfer_get_timeout: (get-property timeout)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:timeout].
 *
 * Returns: the limit in milliseconds, 0 for none
 */
guint
gcurl_transfer_get_timeout (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->timeout;
}

/**
 * gcurl_transfer_set_timeout: (set-property timeout)
 * @self: a #GCurlTransfer
 * @timeout_ms: the most time the transfer may take, in milliseconds; 0 for no limit
 *
 * Sets [property@GCurl.Transfer:timeout], for the next run.
 */
void
gcurl_transfer_set_timeout (GCurlTransfer *self,
                             guint timeout_ms)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  set_uint (self, &self->timeout, timeout_ms, PROP_TIMEOUT);
}

/**
 * gcurl_transfer_get_connect_timeout: (get-property connect-timeout)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:connect-timeout].
 *
 * Returns: the limit in milliseconds, 0 for libcurl's default
 */
guint
gcurl_transfer_get_connect_timeout (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->connect_timeout;
}

/**
 * gcurl_transfer_set_connect_timeout: (set-property connect-timeout)
 * @self: a #GCurlTransfer
 * @timeout_ms: the most time connecting may take, in milliseconds; 0 for libcurl's default
 *
 * Sets [property@GCurl.Transfer:connect-timeout], for the next run.
 */
void
gcurl_transfer_set_connect_timeout (GCurlTransfer *self,
                                     guint timeout_ms)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  set_uint (self, &self->connect_timeout, timeout_ms, PROP_CONNECT_TIMEOUT);
}

/**
 * gcurl_transfer_get_max_recv_speed: (get-property max-recv-speed)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:max-recv-speed].
 *
 * Returns: the limit in bytes per second, 0 for none
 */
gint64
gcurl_transfer_get_max_recv_speed (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->max_recv_speed;
}

/**
 * gcurl_transfer_set_max_recv_speed: (set-property max-recv-speed)
 * @self: a #GCurlTransfer
 * @bytes_per_second: the most bytes per second to receive, 0 for no limit
 *
 * Sets [property@GCurl.Transfer:max-recv-speed], for the next run.
 */
void
gcurl_transfer_set_max_recv_speed (GCurlTransfer *self,
                                    gint64 bytes_per_second)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (bytes_per_second >= 0);

  set_int64 (self, &self->max_recv_speed, bytes_per_second, PROP_MAX_RECV_SPEED);
}

/**
 * gcurl_transfer_get_max_send_speed: (get-property max-send-speed)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:max-send-speed].
 *
 * Returns: the limit in bytes per second, 0 for none
 */
gint64
gcurl_transfer_get_max_send_speed (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->max_send_speed;
}

/**
 * gcurl_transfer_set_max_send_speed: (set-property max-send-speed)
 * @self: a #GCurlTransfer
 * @bytes_per_second: the most bytes per second to send, 0 for no limit
 *
 * Sets [property@GCurl.Transfer:max-send-speed], for the next run.
 */
void
gcurl_transfer_set_max_send_speed (GCurlTransfer *self,
                                    gint64 bytes_per_second)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (bytes_per_second >= 0);

  set_int64 (self, &self->max_send_speed, bytes_per_second, PROP_MAX_SEND_SPEED);
}

/**
 * gcurl_transfer_get_receive_buffer_size: (get-property receive-buffer-size)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:receive-buffer-size].
 *
 * Returns: the receive buffer's size in bytes
 */
guint
gcurl_transfer_get_receive_buffer_size (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->receive_buffer_size;
}

/**
 * gcurl_transfer_set_receive_buffer_size: (set-property receive-buffer-size)
 * @self: a #GCurlTransfer
 * @size: the receive buffer's size in bytes, from 1024 to 10 MiB
 *
 * Sets [property@GCurl.Transfer:receive-buffer-size], for the next run.
 */
void
gcurl_transfer_set_receive_buffer_size (GCurlTransfer *self,
                                         guint          size)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (size >= MIN_RECEIVE_BUFFER_SIZE && size <= MAX_RECEIVE_BUFFER_SIZE);

  set_uint (self, &self->receive_buffer_size, size, PROP_RECEIVE_BUFFER_SIZE);
}

/**
 * gcurl_transfer_get_resume_from: (get-property resume-from)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:resume-from].
 *
 * Returns: the offset
 */
gint64
gcurl_transfer_get_resume_from (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->resume_from;
}

/**
 * gcurl_transfer_set_resume_from: (set-property resume-from)
 * @self: a #GCurlTransfer
 * @offset: the offset to start at, 0 for the whole resource
 *
 * Sets [property@GCurl.Transfer:resume-from], for the next run.
 */
void
gcurl_transfer_set_resume_from (GCurlTransfer *self,
                                 gint64 offset)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (offset >= 0);

  set_int64 (self, &self->resume_from, offset, PROP_RESUME_FROM);
}

/**
 * gcurl_transfer_get_allowed_protocols: (get-property allowed-protocols)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:allowed-protocols].
 *
 * Returns: the comma-separated schemes
 */
const char *
gcurl_transfer_get_allowed_protocols (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->allowed_protocols;
}

/**
 * gcurl_transfer_set_allowed_protocols: (set-property allowed-protocols)
 * @self: a #GCurlTransfer
 * @protocols: comma-separated URL schemes, such as `http,https`
 *
 * Sets [property@GCurl.Transfer:allowed-protocols], for the next run.
 */
void
gcurl_transfer_set_allowed_protocols (GCurlTransfer *self,
                                       const char *protocols)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (protocols != NULL);

  set_string (self, &self->allowed_protocols, protocols, PROP_ALLOWED_PROTOCOLS);
}

/**
 * gcurl_transfer_get_max_size: (get-property max-size)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:max-size].
 *
 * Returns: the limit in bytes, 0 for none
 */
gint64
gcurl_transfer_get_max_size (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->max_size;
}

/**
 * gcurl_transfer_set_max_size: (set-property max-size)
 * @self: a #GCurlTransfer
 * @max_size: the largest body to accept in bytes, 0 for no limit
 *
 * Sets [property@GCurl.Transfer:max-size], for the next run.
 */
void
gcurl_transfer_set_max_size (GCurlTransfer *self,
                              gint64 max_size)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (max_size >= 0);

  set_int64 (self, &self->max_size, max_size, PROP_MAX_SIZE);
}

/**
 * gcurl_transfer_get_tls_verify_peer: (get-property tls-verify-peer)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:tls-verify-peer].
 *
 * Returns: whether the peer's certificate is verified
 */
gboolean
gcurl_transfer_get_tls_verify_peer (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), FALSE);

  return self->tls_verify_peer;
}

/**
 * gcurl_transfer_set_tls_verify_peer: (set-property tls-verify-peer)
 * @self: a #GCurlTransfer
 * @verify: whether to verify the peer's certificate
 *
 * Sets [property@GCurl.Transfer:tls-verify-peer], for the next run.
 */
void
gcurl_transfer_set_tls_verify_peer (GCurlTransfer *self,
                                     gboolean verify)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  set_bool (self, &self->tls_verify_peer, verify, PROP_TLS_VERIFY_PEER);
}

/**
 * gcurl_transfer_get_tls_verify_host: (get-property tls-verify-host)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:tls-verify-host].
 *
 * Returns: whether the certificate must name the host
 */
gboolean
gcurl_transfer_get_tls_verify_host (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), FALSE);

  return self->tls_verify_host;
}

/**
 * gcurl_transfer_set_tls_verify_host: (set-property tls-verify-host)
 * @self: a #GCurlTransfer
 * @verify: whether the certificate must name the host
 *
 * Sets [property@GCurl.Transfer:tls-verify-host], for the next run.
 */
void
gcurl_transfer_set_tls_verify_host (GCurlTransfer *self,
                                     gboolean verify)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  set_bool (self, &self->tls_verify_host, verify, PROP_TLS_VERIFY_HOST);
}

/**
 * gcurl_transfer_get_tls_ca_file: (get-property tls-ca-file)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:tls-ca-file].
 *
 * Returns: (nullable) (type filename): the CA file, %NULL for the system's
 */
const char *
gcurl_transfer_get_tls_ca_file (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->tls_ca_file;
}

/**
 * gcurl_transfer_set_tls_ca_file: (set-property tls-ca-file)
 * @self: a #GCurlTransfer
 * @ca_file: (nullable) (type filename): a PEM file of certificates to trust, %NULL for the system's
 *
 * Sets [property@GCurl.Transfer:tls-ca-file], for the next run.
 */
void
gcurl_transfer_set_tls_ca_file (GCurlTransfer *self,
                                 const char *ca_file)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  set_string (self, &self->tls_ca_file, ca_file, PROP_TLS_CA_FILE);
}

/**
 * gcurl_transfer_get_fail_on_http_error: (get-property fail-on-http-error)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:fail-on-http-error].
 *
 * Returns: whether HTTP errors fail the transfer
 */
gboolean
gcurl_transfer_get_fail_on_http_error (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), FALSE);

  return self->fail_on_http_error;
}

/**
 * gcurl_transfer_set_fail_on_http_error: (set-property fail-on-http-error)
 * @self: a #GCurlTransfer
 * @fail: whether a status of 400 or more fails the transfer
 *
 * Sets [property@GCurl.Transfer:fail-on-http-error], for the next run.
 */
void
gcurl_transfer_set_fail_on_http_error (GCurlTransfer *self,
                                        gboolean fail)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  set_bool (self, &self->fail_on_http_error, fail, PROP_FAIL_ON_HTTP_ERROR);
}

/**
 * gcurl_transfer_get_progress_interval: (get-property progress-interval)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:progress-interval].
 *
 * Returns: the interval in milliseconds
 */
guint
gcurl_transfer_get_progress_interval (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->progress_interval;
}

/**
 * gcurl_transfer_set_progress_interval: (set-property progress-interval)
 * @self: a #GCurlTransfer
 * @interval_ms: the least time between progress notifications, in milliseconds
 *
 * Sets [property@GCurl.Transfer:progress-interval], for the next run.
 */
void
gcurl_transfer_set_progress_interval (GCurlTransfer *self,
                                       guint interval_ms)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  set_uint (self, &self->progress_interval, interval_ms, PROP_PROGRESS_INTERVAL);
}

/**
 * gcurl_transfer_get_low_speed_limit: (get-property low-speed-limit)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:low-speed-limit].
 *
 * Returns: the lowest acceptable speed in bytes per second, 0 if the
 *   check is off
 */
guint
gcurl_transfer_get_low_speed_limit (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->low_speed_limit;
}

/**
 * gcurl_transfer_get_low_speed_time: (get-property low-speed-time)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:low-speed-time].
 *
 * Returns: how long, in seconds, a transfer may stay below
 *   [property@GCurl.Transfer:low-speed-limit]
 */
guint
gcurl_transfer_get_low_speed_time (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->low_speed_time;
}

/**
 * gcurl_transfer_set_low_speed_limit:
 * @self: a #GCurlTransfer
 * @bytes_per_second: the lowest acceptable speed, 0 to turn the check off
 * @seconds: how long the transfer may stay below it
 *
 * Sets [property@GCurl.Transfer:low-speed-limit] and
 * [property@GCurl.Transfer:low-speed-time] together, for the next run: a
 * transfer slower than @bytes_per_second for @seconds fails with
 * %GCURL_ERROR_TIMED_OUT.
 */
void
gcurl_transfer_set_low_speed_limit (GCurlTransfer *self,
                                     guint          bytes_per_second,
                                     guint          seconds)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  freeze (self);
  set_uint (self, &self->low_speed_limit, bytes_per_second, PROP_LOW_SPEED_LIMIT);
  set_uint (self, &self->low_speed_time, seconds, PROP_LOW_SPEED_TIME);
  thaw (self);
}

/* ---------------------------------------------------------------------- */
/* Public API                                                              */

/**
 * gcurl_transfer_new:
 * @url: the URL to transfer
 *
 * Creates a transfer of @url with the safe defaults: a `GET` with the
 * response body in memory, TLS verification on, `http` and `https` only.
 *
 * Returns: (transfer full): a new #GCurlTransfer
 */
GCurlTransfer *
gcurl_transfer_new (const char *url)
{
  GCurlTransfer *self;

  g_return_val_if_fail (url != NULL, NULL);

  /* Not through the property: that costs a third of g_object_new(), and
   * nobody can listen yet. */
  self = g_object_new (GCURL_TYPE_TRANSFER, NULL);
  self->url = g_strdup (url);
  return self;
}

/**
 * gcurl_transfer_get_handle: (skip)
 * @self: a #GCurlTransfer
 *
 * Gets the transfer's libcurl easy handle, for C code that sets an option
 * the transfer has no property for, or reads a `CURLINFO_*` value. Options
 * the transfer owns (see [class@GCurl.Transfer]) are overwritten when it
 * starts. Never add the handle to a multi handle yourself.
 *
 * Calling it has effects that last for the transfer's life, because the
 * library can no longer know what was set on the handle: the handle is
 * never given back to the pool of handles for other transfers (so that no
 * option or cookie of yours reaches them), every option the transfer owns
 * is set again at each start rather than only those that changed, and
 * checks that depend on the request (a 206 answering a request without a
 * range, a `Content-Encoding` to decode) assume you may have set one.
 *
 * Returns: (transfer none): the `CURL *` easy handle, owned by the transfer
 */
CURL *
gcurl_transfer_get_handle (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  self->handle_exposed = TRUE;
  self->applied.valid = FALSE;
  return self->easy;
}

CURL *
_gcurl_transfer_peek_handle (GCurlTransfer *self)
{
  return self->easy;
}

/* For the fuzzer: one response header line, as libcurl hands it over. */
void
_gcurl_transfer_feed_header (GCurlTransfer *self,
                              const char    *line,
                              gsize          length)
{
  header_cb ((char *) line, 1, length, self);
}

/**
 * gcurl_transfer_set_request_header:
 * @self: a #GCurlTransfer
 * @name: a header name such as `Accept`
 * @value: (nullable): its value; %NULL removes the header, and an empty
 *   string sends it empty
 *
 * Sets a request header for the next run, replacing any earlier value of
 * the same name (compared without case). Headers libcurl adds itself
 * (`Host`, `Accept` …) are replaced as well; with a %NULL @value they are
 * not sent at all.
 */
void
gcurl_transfer_set_request_header (GCurlTransfer *self,
                                    const char    *name,
                                    const char    *value)
{
  gsize len;

  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (name != NULL && _gcurl_header_token_valid (name));
  g_return_if_fail (value == NULL || _gcurl_header_value_valid (value));

  if (self->request_headers == NULL)
    self->request_headers = g_ptr_array_new_with_free_func (g_free);

  len = strlen (name);
  for (guint i = 0; i < self->request_headers->len; i++)
    {
      const char *h = self->request_headers->pdata[i];

      if (g_ascii_strncasecmp (h, name, len) == 0 && (h[len] == ':' || h[len] == ';'))
        {
          g_ptr_array_remove_index (self->request_headers, i);
          break;
        }
    }

  /* curl's syntax: "Name:" removes a header, "Name;" sends it empty. */
  if (value == NULL)
    g_ptr_array_add (self->request_headers, g_strdup_printf ("%s:", name));
  else if (value[0] == '\0')
    g_ptr_array_add (self->request_headers, g_strdup_printf ("%s;", name));
  else
    g_ptr_array_add (self->request_headers, g_strdup_printf ("%s: %s", name, value));
}

static void
clear_body (GCurlTransfer *self)
{
  g_clear_pointer (&self->body_bytes, g_bytes_unref);
  g_clear_object (&self->body_stream);
  g_clear_pointer (&self->body_content_type, g_free);
  self->body_length = -1;
  self->body_stream_used = FALSE;
}

/**
 * gcurl_transfer_set_request_body_bytes:
 * @self: a #GCurlTransfer
 * @body: (nullable): the request body, or %NULL for none
 * @content_type: (nullable): its `Content-Type`
 *
 * Sets the request body for the next run. Without a
 * [property@GCurl.Transfer:method], a body makes the request a `POST`.
 */
void
gcurl_transfer_set_request_body_bytes (GCurlTransfer *self,
                                        GBytes        *body,
                                        const char    *content_type)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (content_type == NULL || _gcurl_header_value_valid (content_type));

  clear_body (self);
  if (body != NULL)
    {
      self->body_bytes = g_bytes_ref (body);
      self->body_content_type = g_strdup (content_type);
    }
}

/**
 * gcurl_transfer_set_request_body_stream:
 * @self: a #GCurlTransfer
 * @stream: the request body
 * @length: its length in bytes, or -1 if unknown (the body is then sent in
 *   chunks, which HTTP/1.1 servers must accept)
 * @content_type: (nullable): its `Content-Type`
 *
 * Sets a request body read from @stream, asynchronously, as the upload
 * goes. Without a [property@GCurl.Transfer:method], a body makes the
 * request a `POST`. A stream can be sent once; a transfer run again
 * rewinds it if it is seekable, and fails with %GCURL_ERROR_READ if not.
 * A failing read fails the transfer with %GCURL_ERROR_READ.
 */
void
gcurl_transfer_set_request_body_stream (GCurlTransfer *self,
                                         GInputStream  *stream,
                                         gint64         length,
                                         const char    *content_type)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (G_IS_INPUT_STREAM (stream));
  g_return_if_fail (length >= -1);
  g_return_if_fail (content_type == NULL || _gcurl_header_value_valid (content_type));

  clear_body (self);
  self->body_stream = g_object_ref (stream);
  self->body_length = length;
  self->body_content_type = g_strdup (content_type);
}

/* ---- Output ------------------------------------------------------------ */

static void
set_output (GCurlTransfer *self,
            GCurlOutput    output)
{
  g_clear_object (&self->file);
  g_clear_object (&self->user_stream);
  self->flags = GCURL_DOWNLOAD_FLAGS_NONE;
  if (self->output != output)
    {
      self->output = output;
      notify (self, PROP_OUTPUT);
    }
}

/**
 * gcurl_transfer_get_output: (get-property output)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:output], where the response body goes.
 *
 * Returns: the output
 */
GCurlOutput
gcurl_transfer_get_output (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), GCURL_OUTPUT_MEMORY);

  return self->output;
}

/**
 * gcurl_transfer_set_output_memory:
 * @self: a #GCurlTransfer
 *
 * Keeps the response body in memory, as [method@GCurl.Transfer.get_body]
 * returns it: the default.
 */
void
gcurl_transfer_set_output_memory (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  set_output (self, GCURL_OUTPUT_MEMORY);
}

/**
 * gcurl_transfer_set_output_file:
 * @self: a #GCurlTransfer
 * @file: the destination
 * @flags: whether to resume a partial download and whether to replace an
 *   existing @file
 *
 * Writes the response body to @file. The body is written to a sibling of
 * @file named like it with `.part` appended, which is renamed to @file only
 * when the transfer succeeds. Without %GCURL_DOWNLOAD_FLAGS_REPLACE the
 * transfer fails at once with %G_IO_ERROR_EXISTS if @file exists, and the
 * final rename fails if it appeared meanwhile. A second transfer to the
 * same @file while one runs fails at once with %G_IO_ERROR_BUSY. With
 * %GCURL_DOWNLOAD_FLAGS_RESUME an existing partial file is continued with
 * a Range request (a server that cannot serve one fails the transfer with
 * %GCURL_ERROR_PROTOCOL, and the partial file stays). A cancelled download
 * deletes its partial file, unless @flags has
 * %GCURL_DOWNLOAD_FLAGS_KEEP_PARTIAL.
 *
 * The folder is treated as hostile. Nothing is written through a link: a
 * symbolic link, a FIFO, a device or a directory at the `.part` name (or,
 * to resume, a file with other hard links) fails the transfer at once with
 * %G_IO_ERROR_NOT_REGULAR_FILE, naming it, and one put there after the
 * start fails it with %GCURL_ERROR_WRITE. The `.part` file is opened when
 * the first byte of the body arrives, so queued transfers hold no file
 * descriptor; an old one is replaced (never written into) at that moment
 * unless resuming. A name and its `.part` are reserved together, so a
 * transfer to `x` and one to `x.part` cannot run at once. @file must be a
 * local file (one with a path); otherwise the transfer fails with
 * %G_IO_ERROR_NOT_SUPPORTED.
 */
void
gcurl_transfer_set_output_file (GCurlTransfer      *self,
                                 GFile              *file,
                                 GCurlDownloadFlags  flags)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (G_IS_FILE (file));
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  set_output (self, GCURL_OUTPUT_FILE);
  self->file = g_object_ref (file);
  self->flags = flags;
}

/**
 * gcurl_transfer_get_output_file:
 * @self: a #GCurlTransfer
 *
 * Gets the destination of [method@GCurl.Transfer.set_output_file].
 *
 * Returns: (transfer none) (nullable): the file, or %NULL if the output is
 *   not a file
 */
GFile *
gcurl_transfer_get_output_file (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->file;
}

/**
 * gcurl_transfer_set_output_stream:
 * @self: a #GCurlTransfer
 * @stream: where to write the body
 *
 * Writes the response body to @stream, synchronously as it arrives; the
 * stream is flushed at the end and not closed. A failing write fails the
 * transfer with %GCURL_ERROR_WRITE.
 */
void
gcurl_transfer_set_output_stream (GCurlTransfer *self,
                                   GOutputStream *stream)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (G_IS_OUTPUT_STREAM (stream));
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  set_output (self, GCURL_OUTPUT_STREAM);
  self->user_stream = g_object_ref (stream);
}

/**
 * gcurl_transfer_set_output_signal:
 * @self: a #GCurlTransfer
 *
 * Hands the response body out in pieces through
 * [signal@GCurl.Transfer::data-received] and keeps none of it.
 */
void
gcurl_transfer_set_output_signal (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));
  g_return_if_fail (!_gcurl_transfer_is_active (self));

  set_output (self, GCURL_OUTPUT_SIGNAL);
}

/* ---- State and results --------------------------------------------------- */

/**
 * gcurl_transfer_get_state: (get-property state)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:state].
 *
 * Returns: the state
 */
GCurlTransferState
gcurl_transfer_get_state (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), GCURL_TRANSFER_STATE_PENDING);

  return self->state;
}

/**
 * gcurl_transfer_get_bytes_received: (get-property bytes-received)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:bytes-received].
 *
 * Returns: the bytes received
 */
gint64
gcurl_transfer_get_bytes_received (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->bytes_received;
}

/**
 * gcurl_transfer_get_total_bytes: (get-property total-bytes)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:total-bytes].
 *
 * Returns: the size of the body, -1 if unknown
 */
gint64
gcurl_transfer_get_total_bytes (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), -1);

  return self->total_bytes;
}

/**
 * gcurl_transfer_get_download_speed: (get-property download-speed)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:download-speed].
 *
 * Returns: bytes per second
 */
gint64
gcurl_transfer_get_download_speed (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->download_speed;
}

/**
 * gcurl_transfer_get_bytes_sent: (get-property bytes-sent)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:bytes-sent].
 *
 * Returns: the bytes of the request body sent
 */
gint64
gcurl_transfer_get_bytes_sent (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->bytes_sent;
}

/**
 * gcurl_transfer_get_total_bytes_to_send: (get-property total-bytes-to-send)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:total-bytes-to-send].
 *
 * Returns: the size of the request body, -1 if unknown
 */
gint64
gcurl_transfer_get_total_bytes_to_send (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->total_bytes_to_send;
}

/**
 * gcurl_transfer_get_upload_speed: (get-property upload-speed)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:upload-speed].
 *
 * Returns: bytes per second
 */
gint64
gcurl_transfer_get_upload_speed (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->upload_speed;
}

/**
 * gcurl_transfer_get_response_code: (get-property response-code)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:response-code].
 *
 * Returns: the HTTP status, 0 before a response
 */
guint
gcurl_transfer_get_response_code (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), 0);

  return self->response_code;
}

/**
 * gcurl_transfer_get_effective_url: (get-property effective-url)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:effective-url].
 *
 * Returns: (nullable): the URL after redirects
 */
const char *
gcurl_transfer_get_effective_url (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->effective_url;
}

/**
 * gcurl_transfer_get_content_type: (get-property content-type)
 * @self: a #GCurlTransfer
 *
 * Gets [property@GCurl.Transfer:content-type].
 *
 * Returns: (nullable): the response's `Content-Type`
 */
const char *
gcurl_transfer_get_content_type (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->content_type;
}

/**
 * gcurl_transfer_get_response_header:
 * @self: a #GCurlTransfer
 * @name: a header name, compared without case
 *
 * Looks a header of the last response up (the final one after redirects).
 * Headers are available from the first byte of the body on.
 *
 * Returns: (nullable): the value of the last header called @name, or %NULL
 */
const char *
gcurl_transfer_get_response_header (GCurlTransfer *self,
                                     const char    *name)
{

  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);
  g_return_val_if_fail (name != NULL, NULL);

  return _gcurl_headers_lookup (&self->headers, name);
}

/**
 * gcurl_transfer_dup_response_headers:
 * @self: a #GCurlTransfer
 *
 * Gets every header of the last response, in order, each as
 * `Name: value`.
 *
 * Returns: (transfer full) (array zero-terminated=1): the headers
 */
char **
gcurl_transfer_dup_response_headers (GCurlTransfer *self)
{

  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return _gcurl_headers_dup_all (&self->headers);
}

/**
 * gcurl_transfer_get_timing:
 * @self: a #GCurlTransfer
 * @timing: which metric
 *
 * Gets a timing metric of the last run (of the current one while it runs).
 *
 * Returns: the time in microseconds, or -1 if the transfer never ran
 */
gint64
gcurl_transfer_get_timing (GCurlTransfer *self,
                            GCurlTiming    timing)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), -1);
  g_return_val_if_fail (timing <= GCURL_TIMING_QUEUE, -1);

  if (_gcurl_transfer_is_active (self) || self->timings_in_easy)
    return info_off (self->easy, timing_infos[timing], -1);
  return self->timings[timing];
}

/**
 * gcurl_transfer_get_body:
 * @self: a #GCurlTransfer
 *
 * Gets the response body of the last run, once it finished: with memory
 * output the body (what arrived, if the transfer failed), and with any
 * output the body of a response that failed with
 * %GCURL_ERROR_HTTP_STATUS (up to 1 MiB).
 *
 * Returns: (transfer none) (nullable): the body, or %NULL
 */
GBytes *
gcurl_transfer_get_body (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->body;
}

/**
 * gcurl_transfer_get_curl_code:
 * @self: a #GCurlTransfer
 *
 * Gets the exact `CURLcode` the last run ended with, for diagnostics
 * beyond the [error@GCurl.Error] class. It is `CURLE_OK` (0) for a run that
 * succeeded, failed with %GCURL_ERROR_HTTP_STATUS or never reached
 * libcurl.
 *
 * Returns: the `CURLcode`
 */
int
gcurl_transfer_get_curl_code (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), CURLE_OK);

  return (int) self->result;
}

/**
 * gcurl_transfer_get_error:
 * @self: a #GCurlTransfer
 *
 * Gets why the last run failed or was cancelled.
 *
 * Returns: (transfer none) (nullable): the error, %NULL unless the state is
 *   failed or cancelled
 */
const GError *
gcurl_transfer_get_error (GCurlTransfer *self)
{
  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  return self->error;
}

/**
 * gcurl_transfer_dup_suggested_filename:
 * @self: a #GCurlTransfer
 *
 * Proposes a file name to save the body under: the one the response's
 * `Content-Disposition` names, else the last segment of the effective URL
 * (of the URL before a response arrived). It is made safe to create in a
 * directory of the user's choosing: no directory separators, no `..`, no
 * leading dot, no control characters, valid UTF-8, at most 255 bytes, and
 * never empty (`download` when nothing usable is left).
 *
 * Returns: (transfer full) (type filename): a base name
 */
char *
gcurl_transfer_dup_suggested_filename (GCurlTransfer *self)
{
  g_autofree char *name = NULL;

  g_return_val_if_fail (GCURL_IS_TRANSFER (self), NULL);

  name = _gcurl_filename_from_content_disposition (
           gcurl_transfer_get_response_header (self, "Content-Disposition"));
  if (name == NULL)
    name = _gcurl_filename_from_url (self->effective_url ? self->effective_url : self->url);

  return _gcurl_filename_sanitize (name);
}

/* ---- Control ------------------------------------------------------------- */

/**
 * gcurl_transfer_pause:
 * @self: a #GCurlTransfer
 *
 * Pauses a running transfer: nothing is received or sent, and the source
 * does not wake up for it, until [method@GCurl.Transfer.resume]. The
 * server may close a connection that stays paused for long, which then
 * fails the transfer when it resumes. Has no effect unless the transfer is
 * running.
 *
 * Pausing HTTP/2 transfers had stall bugs in libcurl 7.88: prefer HTTP/1.1
 * ([property@GCurl.Transfer:http-version]) for transfers you pause.
 */
void
gcurl_transfer_pause (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  if (self->state != GCURL_TRANSFER_STATE_RUNNING)
    return;

  set_state (self, GCURL_TRANSFER_STATE_PAUSED);
  apply_pause (self);
}

/**
 * gcurl_transfer_resume:
 * @self: a #GCurlTransfer
 *
 * Resumes a paused transfer. Has no effect unless it is paused.
 */
void
gcurl_transfer_resume (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  if (self->state != GCURL_TRANSFER_STATE_PAUSED)
    return;

  set_state (self, GCURL_TRANSFER_STATE_RUNNING);
  apply_pause (self);
}

/**
 * gcurl_transfer_cancel:
 * @self: a #GCurlTransfer
 *
 * Cancels a running or paused transfer: it ends with
 * %G_IO_ERROR_CANCELLED, before this function returns, or, when called
 * from inside a handler that libcurl is running (a progress notification,
 * [signal@GCurl.Transfer::data-received]), as soon as that handler
 * returned. Has no effect on a transfer that is not running.
 *
 * Like every method of a running transfer, call it from the thread of the
 * source's main context; from another thread, cancel the #GCancellable
 * given to [method@GCurl.MultiSource.perform_async] instead.
 */
void
gcurl_transfer_cancel (GCurlTransfer *self)
{
  g_return_if_fail (GCURL_IS_TRANSFER (self));
  g_return_if_fail (in_its_thread (self));

  if (!_gcurl_transfer_is_active (self) || self->cancelling)
    return;

  self->cancelling = TRUE;
  _gcurl_multi_source_cancel_transfer (self->source, self);
}
