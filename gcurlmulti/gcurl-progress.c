/* gcurl-progress.c: a transfer's progress figures and timings, the
 * low-speed check and receive pacing
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <string.h>

#include "gcurl-enum-types.h"
#include "gcurl-error-private.h"
#include "gcurl-filename-private.h"
#include "gcurl-multi-source-private.h"
#include "gcurl-transfer-internal.h"

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

/* @timing of the run, from the handle; -1 if unknown. */
gint64
_gcurl_transfer_read_timing (GCurlTransfer *self,
                             GCurlTiming    timing)
{
  return _gcurl_transfer_info_off (self->easy, timing_infos[timing], -1);
}

gint64
_gcurl_transfer_info_off (CURL     *easy,
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
void
_gcurl_transfer_update_progress (GCurlTransfer *self)
{
  gint64 length;

  _gcurl_transfer_freeze (self);

  _gcurl_transfer_set_int64 (self, &self->response.bytes_received, self->sink.offset + self->sink.received, PROP_BYTES_RECEIVED);
  /* As sent: what libcurl counted before decoding, or what we were given. */
  _gcurl_transfer_set_int64 (self, &self->response.wire_bytes_received,
                             self->sink.decoded
                               ? _gcurl_transfer_info_off (self->easy, CURLINFO_SIZE_DOWNLOAD_T, 0)
                               : self->sink.received,
                             PROP_WIRE_BYTES_RECEIVED);

  /* A Content-Length counts encoded bytes, bytes-received decoded ones:
   * the total of a decoded body is unknown until its end. */
  length = _gcurl_transfer_info_off (self->easy, CURLINFO_CONTENT_LENGTH_DOWNLOAD_T, -1);
  if (length >= 0 && !self->sink.error_body && !self->sink.decoded)
    _gcurl_transfer_set_int64 (self, &self->response.total_bytes, self->sink.offset + length, PROP_TOTAL_BYTES);

  _gcurl_transfer_set_int64 (self, &self->response.download_speed,
             _gcurl_transfer_info_off (self->easy, CURLINFO_SPEED_DOWNLOAD_T, 0), PROP_DOWNLOAD_SPEED);
  /* Without a request body both stay at the 0 of the start (C code with
   * the handle may have set one of its own). */
  if (self->body.body_bytes != NULL || self->body.body_stream != NULL || self->handle_exposed ||
      self->body.mime != NULL)
    {
      if (self->body.mime != NULL)
        _gcurl_transfer_set_int64 (self, &self->response.total_bytes_to_send,
                   _gcurl_transfer_info_off (self->easy, CURLINFO_CONTENT_LENGTH_UPLOAD_T, -1),
                   PROP_TOTAL_BYTES_TO_SEND);
      _gcurl_transfer_set_int64 (self, &self->response.bytes_sent,
                 _gcurl_transfer_info_off (self->easy, CURLINFO_SIZE_UPLOAD_T, 0), PROP_BYTES_SENT);
      _gcurl_transfer_set_int64 (self, &self->response.upload_speed,
                 _gcurl_transfer_info_off (self->easy, CURLINFO_SPEED_UPLOAD_T, 0), PROP_UPLOAD_SPEED);
    }

  _gcurl_transfer_thaw (self);
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
  gint64 window = (gint64) self->request.low_speed_time * G_USEC_PER_SEC;
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
  return bytes - base_bytes < (gint64) self->request.low_speed_limit * self->request.low_speed_time;
}

int
_gcurl_transfer_xferinfo_cb (void       *data,
                             curl_off_t  dltotal,
                             curl_off_t  dlnow,
                             curl_off_t  ultotal,
                             curl_off_t  ulnow)
{
  GCurlTransfer *self = data;
  gint64 now;

  if (self->cancelling)
    return 1;

  if (ultotal > 0 && self->response.total_bytes_to_send != ultotal)
    _gcurl_transfer_set_int64 (self, &self->response.total_bytes_to_send, ultotal, PROP_TOTAL_BYTES_TO_SEND);

  /* Paused, by the caller or by max-recv-speed, is not slow: the window
   * starts again. */
  if (self->request.low_speed_limit > 0 && self->request.low_speed_time > 0)
    {
      if (self->state == GCURL_TRANSFER_STATE_PAUSED || self->sink.pace_source != NULL)
        self->n_samples = 0;
      else if (too_slow (self, (gint64) dlnow + (gint64) ulnow))
        {
          self->too_slow = TRUE;
          return 1;
        }
    }

  if (self->request.progress_interval == G_MAXUINT)
    return 0;

  /* Most calls come within the interval: the coarse clock, never ahead of
   * the precise one, rules them out cheaply; the precise clock decides the
   * rest, so the interval holds in real time. Not the main-loop
   * iteration's time: libcurl 8 can read a whole body within one action,
   * and every call after the first would look as early as that iteration
   * (doc/design.md, "Progress"). */
  if (self->request.progress_interval > 0)
    {
      gint64 interval = (gint64) self->request.progress_interval * 1000;

      if (coarse_monotonic_time () - self->last_notify < interval)
        return 0;
      now = g_get_monotonic_time ();
      if (now - self->last_notify < interval)
        return 0;
      self->last_notify = now;
    }

  _gcurl_transfer_update_progress (self);
  return 0;
}

void
_gcurl_transfer_stop_pacing (GCurlTransfer *self)
{
  if (self->sink.pace_source != NULL)
    {
      g_source_destroy (self->sink.pace_source);
      g_clear_pointer (&self->sink.pace_source, g_source_unref);
    }
}

static gboolean
pace_done_cb (gpointer data)
{
  GCurlTransfer *self = data;

  g_clear_pointer (&self->sink.pace_source, g_source_unref);
  if (_gcurl_transfer_is_active (self) && !self->cancelling)
    _gcurl_transfer_apply_pause (self);   /* libcurl hands the kept chunk over again */
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
gboolean
_gcurl_transfer_pace_allows (GCurlTransfer *self,
                             gsize          len)
{
  gint64 now = g_get_monotonic_time ();
  double rate = (double) self->sink.pace_rate;
  double due;

  if (self->sink.pace_start == 0)
    self->sink.pace_start = now;
  /* When the body with these bytes is no longer ahead, in µs after its
   * start. */
  due = ((double) (self->sink.received + (gint64) len) - rate / 16) * G_USEC_PER_SEC / rate;
  if (due <= (double) (now - self->sink.pace_start))
    return TRUE;

  if (self->sink.pace_source == NULL)
    {
      gint64 wait_ms = (gint64) ((due - (double) (now - self->sink.pace_start)) / 1000) + 1;

      self->sink.pace_source = g_timeout_source_new ((guint) MIN (wait_ms, G_MAXUINT));
      g_source_set_callback (self->sink.pace_source, pace_done_cb, self, NULL);
      g_source_set_static_name (self->sink.pace_source, "[gcurlmulti] max-recv-speed");
      g_source_attach (self->sink.pace_source, gcurl_multi_source_get_context (self->source));
    }
  return FALSE;
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

  if (_gcurl_transfer_is_active (self) || self->response.timings_in_easy)
    return _gcurl_transfer_info_off (self->easy, timing_infos[timing], -1);
  return self->response.timings[timing];
}
