/* gcurl-test-utils.c: servers and helpers shared by the tests
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <unistd.h>

#include <glib/gstdio.h>
#include <libsoup/soup.h>

#include "gcurl-test-utils.h"

/* ---------------------------------------------------------------------- */
/* Pattern                                                                 */

static guint8 *pattern;

static gpointer
make_pattern (gpointer data)
{
  guint64 x = 0x9e3779b97f4a7c15ull;

  pattern = g_malloc (GCURL_TEST_PATTERN_SIZE);
  for (gsize i = 0; i < GCURL_TEST_PATTERN_SIZE; i += 8)
    {
      /* xorshift64 */
      x ^= x << 13;
      x ^= x >> 7;
      x ^= x << 17;
      memcpy (pattern + i, &x, 8);
    }
  return pattern;
}

const guint8 *
gcurl_test_pattern (void)
{
  static GOnce once = G_ONCE_INIT;

  return g_once (&once, make_pattern, NULL);
}

gboolean
gcurl_test_pattern_check (goffset     offset,
                          const void *data,
                          gsize       len)
{
  if (offset < 0 || (guint64) offset + len > GCURL_TEST_PATTERN_SIZE)
    return FALSE;
  return memcmp (gcurl_test_pattern () + offset, data, len) == 0;
}

/* ---------------------------------------------------------------------- */
/* SoupServer in a thread                                                  */

struct _GCurlTestServer
{
  GThread      *thread;
  GMainContext *context;
  GMainLoop    *loop;
  SoupServer   *server;
  char         *url;
  char         *other_url;  /* the same server on 127.0.0.2: another origin */
  GMutex        lock;
  GCond         cond;
  gboolean      ready;
  GPtrArray    *streams;   /* stolen connections still open */
  GPtrArray    *sources;   /* timeouts writing trickles */
  GHashTable   *flaky;     /* /flaky's key → FlakyKey */
};

/* /flaky: how often a key was asked for, and when last. */
typedef struct
{
  guint  requests;
  guint  authorized;  /* of them, with an Authorization header */
  gint64 last;
} FlakyKey;

static goffset
query_int (GHashTable *query,
           const char *name,
           goffset     fallback)
{
  const char *v = query ? g_hash_table_lookup (query, name) : NULL;

  return v ? g_ascii_strtoll (v, NULL, 10) : fallback;
}

/* Takes the connection over and writes the response head ourselves. */
static GIOStream *
steal_with_head_cd (SoupServerMessage *msg,
                    goffset            length,
                    const char        *cd)
{
  GIOStream *stream = soup_server_message_steal_connection (msg);
  gboolean one_line = cd != NULL && strpbrk (cd, "\r\n") == NULL;
  g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\n"
                                           "Content-Type: application/octet-stream\r\n"
                                           "Content-Length: %" G_GINT64_FORMAT "\r\n"
                                           "%s%s%s"
                                           "\r\n", (gint64) length,
                                           one_line ? "Content-Disposition: " : "",
                                           one_line ? cd : "", one_line ? "\r\n" : "");

  g_output_stream_write_all (g_io_stream_get_output_stream (stream), head, strlen (head),
                             NULL, NULL, NULL);
  return stream;
}

static GIOStream *
steal_with_head (SoupServerMessage *msg,
                 goffset            length)
{
  return steal_with_head_cd (msg, length, NULL);
}

typedef struct
{
  GCurlTestServer *self;
  GIOStream       *stream;
  goffset          total;
  goffset          sent;
  goffset          chunk;
} Trickle;

static void
trickle_free (gpointer data)
{
  Trickle *t = data;

  g_io_stream_close (t->stream, NULL, NULL);
  g_object_unref (t->stream);
  g_free (t);
}

static gboolean
trickle_cb (gpointer data)
{
  Trickle *t = data;
  goffset n = MIN (t->chunk, t->total - t->sent);

  if (!g_output_stream_write_all (g_io_stream_get_output_stream (t->stream),
                                  gcurl_test_pattern () + t->sent, n, NULL, NULL, NULL))
    goto done;
  t->sent += n;
  if (t->sent < t->total)
    return G_SOURCE_CONTINUE;

done:
  g_ptr_array_remove_fast (t->self->sources, g_main_current_source ());
  return G_SOURCE_REMOVE;
}

static void
server_handler (SoupServer        *server,
                SoupServerMessage *msg,
                const char        *path,
                GHashTable        *query,
                gpointer           user_data)
{
  GCurlTestServer *self = user_data;
  goffset n = CLAMP (query_int (query, "n", 1024), 0, GCURL_TEST_PATTERN_SIZE);
  const guint8 *data = gcurl_test_pattern ();

  /* /flaky?key=K&fails=N&code=C&retry_after=V: the first N requests
   * for K are answered with status C (503) and, with V, a Retry-After of
   * V; then it is /bytes, and says in X-Flaky-Wait-Ms how long after the
   * one before this request came, and in X-Flaky-Requests how many. */
  if (g_str_equal (path, "/flaky"))
    {
      const char *key = query ? g_hash_table_lookup (query, "key") : NULL;
      const char *retry_after = query ? g_hash_table_lookup (query, "retry_after") : NULL;
      SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
      FlakyKey *k;
      gint64 now = g_get_monotonic_time ();
      g_autofree char *wait = NULL, *count = NULL;

      /* gcurl_test_server_flaky_count() reads it from the test's thread. */
      g_mutex_lock (&self->lock);
      k = g_hash_table_lookup (self->flaky, key ? key : "");
      if (k == NULL)
        {
          k = g_new0 (FlakyKey, 1);
          g_hash_table_insert (self->flaky, g_strdup (key ? key : ""), k);
        }
      k->requests++;
      if (soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                        "Authorization") != NULL ||
          soup_message_headers_get_one (soup_server_message_get_request_headers (msg),
                                        "Cookie") != NULL)
        k->authorized++;
      g_mutex_unlock (&self->lock);
      wait = g_strdup_printf ("%" G_GINT64_FORMAT, k->last ? (now - k->last) / 1000 : -1);
      count = g_strdup_printf ("%u", k->requests);
      k->last = now;
      soup_message_headers_replace (resp, "X-Flaky-Wait-Ms", wait);
      soup_message_headers_replace (resp, "X-Flaky-Requests", count);
      /* Requests from fail_from (1) on, fails (1) of them, fail. */
      if (k->requests >= (guint) query_int (query, "fail_from", 1) &&
          k->requests < (guint) (query_int (query, "fail_from", 1) + query_int (query, "fails", 1)))
        {
          soup_server_message_set_status (msg, (guint) query_int (query, "code", 503), NULL);
          if (retry_after != NULL)
            soup_message_headers_replace (resp, "Retry-After", retry_after);
          soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "later\n", 6);
          return;
        }
      path = "/bytes";
    }

  /* A resumed /drop is served whole, like /bytes. */
  if (g_str_equal (path, "/bytes") ||
      (g_str_equal (path, "/drop") &&
       soup_message_headers_get_one (soup_server_message_get_request_headers (msg), "Range") != NULL))
    {
      SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
      SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
      SoupRange *ranges = NULL;
      int n_ranges = 0;
      const char *cd = query ? g_hash_table_lookup (query, "cd") : NULL;
      const char *digest = query ? g_hash_table_lookup (query, "digest") : NULL;

      soup_message_headers_replace (resp, "Accept-Ranges", "bytes");
      if (cd != NULL)
        soup_message_headers_replace (resp, "Content-Disposition", cd);
      /* digest=good|bad (Repr-Digest), digest=legacy (Digest): of the whole
       * n bytes, whatever range is served. */
      if (digest != NULL)
        {
          g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
          guint8 raw[32];
          gsize len = sizeof raw;
          g_autofree char *b64 = NULL, *value = NULL;

          g_checksum_update (sum, data, n);
          g_checksum_get_digest (sum, raw, &len);
          if (g_str_equal (digest, "bad"))
            raw[0] ^= 0xff;
          b64 = g_base64_encode (raw, len);
          if (g_str_equal (digest, "legacy"))
            {
              value = g_strdup_printf ("MD5=AAAA, SHA-256=%s", b64);
              soup_message_headers_replace (resp, "Digest", value);
            }
          else
            {
              value = g_strdup_printf ("sha-256=:%s:, unknown=:AAAA:", b64);
              soup_message_headers_replace (resp, "Repr-Digest", value);
            }
        }
      /* ranges=R&key=: only the first R ranged requests of that key get
       * their range; the next ones the whole, with a 200 (as for an
       * If-Range that no longer matches). */
      if (query_int (query, "ranges", -1) >= 0 && query != NULL &&
          g_hash_table_lookup (query, "key") != NULL &&
          soup_message_headers_get_one (req, "Range") != NULL)
        {
          g_autofree char *rkey = g_strconcat ("ranges:", (char *) g_hash_table_lookup (query, "key"),
                                               NULL);
          FlakyKey *k = g_hash_table_lookup (self->flaky, rkey);

          if (k == NULL)
            {
              k = g_new0 (FlakyKey, 1);
              g_hash_table_insert (self->flaky, g_steal_pointer (&rkey), k);
            }
          if (++k->requests > (guint) query_int (query, "ranges", -1))
            soup_message_headers_remove (req, "Range");
        }
      if (soup_message_headers_get_ranges (req, n, &ranges, &n_ranges) && n_ranges == 1)
        {
          goffset start = ranges[0].start, end = ranges[0].end;
          const char *key = query ? g_hash_table_lookup (query, "key") : NULL;

          /* cut_start=S&cut_after=K&key=: the first range of that key
           * asked from S breaks after K bytes of its body. */
          if (key != NULL && query_int (query, "cut_start", -1) == start)
            {
              g_autofree char *cut_key = g_strconcat ("cut:", key, NULL);

              if (!g_hash_table_contains (self->flaky, cut_key))
                {
                  GIOStream *stream;
                  g_autofree char *head = g_strdup_printf (
                    "HTTP/1.1 206 Partial Content\r\nContent-Type: application/octet-stream\r\n"
                    "Content-Range: bytes %" G_GINT64_FORMAT "-%" G_GINT64_FORMAT "/%" G_GINT64_FORMAT
                    "\r\nContent-Length: %" G_GINT64_FORMAT "\r\n\r\n",
                    (gint64) start, (gint64) end, (gint64) n, (gint64) (end - start + 1));
                  goffset after = CLAMP (query_int (query, "cut_after", 0), 0, end - start + 1);

                  g_hash_table_insert (self->flaky, g_steal_pointer (&cut_key), g_new0 (FlakyKey, 1));
                  soup_message_headers_free_ranges (req, ranges);
                  stream = soup_server_message_steal_connection (msg);
                  g_output_stream_write_all (g_io_stream_get_output_stream (stream), head,
                                             strlen (head), NULL, NULL, NULL);
                  g_output_stream_write_all (g_io_stream_get_output_stream (stream),
                                             data + start, after, NULL, NULL, NULL);
                  g_io_stream_close (stream, NULL, NULL);
                  g_object_unref (stream);
                  return;
                }
            }
          soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
          soup_message_headers_set_content_range (resp, start, end, n);
          soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC,
                                            (const char *) data + start, end - start + 1);
          soup_message_headers_free_ranges (req, ranges);
          return;
        }
      if (ranges != NULL)
        soup_message_headers_free_ranges (req, ranges);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_STATIC,
                                        (const char *) data, n);
      if (query_int (query, "chunked", 0))
        {
          soup_message_headers_set_encoding (resp, SOUP_ENCODING_CHUNKED);
          soup_message_body_complete (soup_server_message_get_response_body (msg));
        }
    }
  else if (g_str_equal (path, "/trickle"))
    {
      Trickle *t = g_new0 (Trickle, 1);
      GSource *source;

      t->self = self;
      t->total = n;
      t->chunk = MAX (1, query_int (query, "chunk", 1024));
      t->stream = steal_with_head_cd (msg, n, query ? g_hash_table_lookup (query, "cd") : NULL);
      source = g_timeout_source_new (MAX (1, query_int (query, "interval", 10)));
      g_source_set_callback (source, trickle_cb, t, trickle_free);
      g_source_attach (source, self->context);
      g_ptr_array_add (self->sources, source);
    }
  else if (g_str_equal (path, "/stall"))
    {
      g_ptr_array_add (self->streams, steal_with_head (msg, n));
    }
  else if (g_str_equal (path, "/reset"))
    {
      /* Part of the body, then a TCP reset (SO_LINGER 0) instead of a close. */
      goffset after = CLAMP (query_int (query, "after", n / 2), 0, n);
      GSocket *socket = g_object_ref (soup_server_message_get_socket (msg));
      GIOStream *stream = steal_with_head (msg, n);
      struct linger lg = { 1, 0 };

      g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, after,
                                 NULL, NULL, NULL);
      setsockopt (g_socket_get_fd (socket), SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
      g_object_unref (socket);
    }
  else if (g_str_equal (path, "/drop"))
    {
      goffset after = CLAMP (query_int (query, "after", n / 2), 0, n);
      GIOStream *stream = steal_with_head (msg, n);

      g_output_stream_write_all (g_io_stream_get_output_stream (stream), data, after,
                                 NULL, NULL, NULL);
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
    }
  else if (g_str_equal (path, "/raw"))
    {
      /* A hostile server: the response head exactly as given in "head"
       * (its lines ending in CRLF, and the empty line), then "n" bytes of
       * the pattern, then the connection closes (or, with hold=1, stays
       * open). */
      const char *head = query ? g_hash_table_lookup (query, "head") : NULL;
      GIOStream *stream = soup_server_message_steal_connection (msg);
      GOutputStream *out = g_io_stream_get_output_stream (stream);

      if (head != NULL)
        g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
      g_output_stream_write_all (out, data, query_int (query, "n", 0), NULL, NULL, NULL);
      if (query_int (query, "hold", 0))
        g_ptr_array_add (self->streams, stream);   /* open until the server stops */
      else
        {
          g_io_stream_close (stream, NULL, NULL);
          g_object_unref (stream);
        }
    }
  else if (g_str_equal (path, "/longheader"))
    {
      /* One response header line of "n" bytes, then an empty body. */
      GIOStream *stream = soup_server_message_steal_connection (msg);
      GOutputStream *out = g_io_stream_get_output_stream (stream);
      g_autofree char *value = g_strnfill ((gsize) n, 'a');
      g_autofree char *head = g_strdup_printf ("HTTP/1.1 200 OK\r\nX-Long: %s\r\n"
                                               "Content-Length: 0\r\n\r\n", value);

      g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
    }
  else if (g_str_equal (path, "/gzipbomb"))
    {
      /* "n" zero bytes, gzip-compressed, sent as Transfer-Encoding: gzip
       * (which the client never asked for), chunked. */
      g_autoptr(GZlibCompressor) zc = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 9);
      g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
      g_autoptr(GOutputStream) gz = g_converter_output_stream_new (mem, G_CONVERTER (zc));
      g_autofree guint8 *zeros = g_malloc0 (64 * 1024);
      GIOStream *stream;
      GOutputStream *out;
      g_autofree char *head = NULL;
      gsize len;
      const char *body;

      for (goffset left = n; left > 0; left -= MIN (left, 64 * 1024))
        g_output_stream_write_all (gz, zeros, MIN (left, 64 * 1024), NULL, NULL, NULL);
      g_output_stream_close (gz, NULL, NULL);
      body = g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem));
      len = g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem));
      if (query_int (query, "ce", 0))   /* as Content-Encoding, with a length */
        head = g_strdup_printf ("HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\n"
                                "Content-Length: %zu\r\nConnection: close\r\n\r\n", len);
      else
        head = g_strdup_printf ("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n"
                                "Connection: close\r\n\r\n%zx\r\n", len);
      stream = soup_server_message_steal_connection (msg);
      out = g_io_stream_get_output_stream (stream);
      g_output_stream_write_all (out, head, strlen (head), NULL, NULL, NULL);
      g_output_stream_write_all (out, body, len, NULL, NULL, NULL);
      if (!query_int (query, "ce", 0))
        g_output_stream_write_all (out, "\r\n0\r\n\r\n", 7, NULL, NULL, NULL);
      g_io_stream_close (stream, NULL, NULL);
      g_object_unref (stream);
    }
  else if (g_str_equal (path, "/range416"))
    {
      /* Every Range is out of range: 416 with "Content-Range: bytes *\/n". */
      g_autofree char *range = g_strdup_printf ("bytes */%" G_GINT64_FORMAT, (gint64) n);

      soup_server_message_set_status (msg, SOUP_STATUS_REQUESTED_RANGE_NOT_SATISFIABLE, NULL);
      soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                    "Content-Range", range);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "no\n", 3);
    }
  else if (g_str_equal (path, "/echo"))
    {
      SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
      SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
      SoupMessageBody *body = soup_server_message_get_request_body (msg);
      g_autoptr(GBytes) bytes = soup_message_body_flatten (body);
      const char *v;

      soup_message_headers_replace (resp, "X-Echo-Method", soup_server_message_get_method (msg));
      if ((v = soup_message_headers_get_one (req, "User-Agent")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-User-Agent", v);
      if ((v = soup_message_headers_get_one (req, "X-Test")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Test", v);
      if ((v = soup_message_headers_get_one (req, "Content-Type")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Content-Type", v);
      if ((v = soup_message_headers_get_one (req, "Accept")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Accept", v);
      if ((v = soup_message_headers_get_one (req, "Cookie")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Cookie", v);
      if ((v = soup_message_headers_get_one (req, "Range")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Range", v);
      if ((v = soup_message_headers_get_one (req, "Authorization")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Authorization", v);
      if ((v = soup_message_headers_get_one (req, "Accept-Encoding")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Accept-Encoding", v);
      if ((v = soup_message_headers_get_one (req, "Host")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Host", v);
      /* A proxy on the way: tinyproxy adds Via, and must not pass on
       * what was for it. */
      if ((v = soup_message_headers_get_one (req, "Via")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Via", v);
      if ((v = soup_message_headers_get_one (req, "Proxy-Authorization")) != NULL)
        soup_message_headers_replace (resp, "X-Echo-Proxy-Authorization", v);
      if (query != NULL && (v = g_hash_table_lookup (query, "set-cookie")) != NULL)
        soup_message_headers_append (resp, "Set-Cookie", v);
      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "application/octet-stream", SOUP_MEMORY_COPY,
                                        g_bytes_get_data (bytes, NULL), g_bytes_get_size (bytes));
    }
  else if (g_str_equal (path, "/auth/digest"))
    {
      /* Reached only once the digest domain accepted the request. */
      g_autofree char *body = g_strdup_printf ("hello %s\n", GCURL_TEST_AUTH_USER);

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, body, strlen (body));
    }
  else if (g_str_equal (path, "/multipart"))
    {
      /* Each part of a multipart/form-data body, parsed by libsoup, as a
       * line: NAME TAB FILENAME TAB CONTENT-TYPE TAB SIZE TAB SHA-256 ("-"
       * for none). */
      SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
      g_autoptr(GBytes) body = soup_message_body_flatten (soup_server_message_get_request_body (msg));
      SoupMultipart *multipart = soup_multipart_new_from_message (req, body);
      GString *out = g_string_new (NULL);

      for (int i = 0; multipart != NULL && i < soup_multipart_get_length (multipart); i++)
        {
          SoupMessageHeaders *headers = NULL;
          GBytes *part = NULL;
          g_autoptr(GHashTable) params = NULL;
          g_autofree char *sha = NULL;
          const char *type;

          soup_multipart_get_part (multipart, i, &headers, &part);
          soup_message_headers_get_content_disposition (headers, NULL, &params);
          type = soup_message_headers_get_content_type (headers, NULL);
          sha = g_compute_checksum_for_bytes (G_CHECKSUM_SHA256, part);
          g_string_append_printf (out, "%s\t%s\t%s\t%zu\t%s\n",
                                  params ? (char *) g_hash_table_lookup (params, "name") : "-",
                                  params && g_hash_table_lookup (params, "filename")
                                    ? (char *) g_hash_table_lookup (params, "filename") : "-",
                                  type ? type : "-", g_bytes_get_size (part), sha);
        }
      soup_server_message_set_status (msg, multipart ? SOUP_STATUS_OK : SOUP_STATUS_BAD_REQUEST, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_TAKE, out->str, out->len);
      g_string_free (out, FALSE);
      g_clear_pointer (&multipart, soup_multipart_free);
    }
  else if (g_str_equal (path, "/disposition"))
    {
      const char *cd = query ? g_hash_table_lookup (query, "cd") : NULL;

      soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
      if (cd != NULL)
        soup_message_headers_replace (soup_server_message_get_response_headers (msg),
                                      "Content-Disposition", cd);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC, "x", 1);
    }
  else if (g_str_equal (path, "/status"))
    {
      guint code = (guint) query_int (query, "code", 200);
      g_autofree char *body = g_strdup_printf ("status %u\n", code);

      soup_server_message_set_status (msg, code, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_COPY, body, strlen (body));
    }
  else if (g_str_equal (path, "/redirect"))
    {
      goffset k = query_int (query, "n", 1);
      const char *to = query ? g_hash_table_lookup (query, "to") : NULL;
      g_autofree char *location = NULL;

      if (k > 1)
        location = g_strdup_printf ("/redirect?n=%" G_GINT64_FORMAT "%s%s", (gint64) k - 1,
                                    to ? "&to=" : "", to ? to : "");
      else
        location = g_strdup (to ? to : "/bytes?n=1024");
      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
}

static char *
digest_password_cb (SoupAuthDomain    *domain,
                    SoupServerMessage *msg,
                    const char        *username,
                    gpointer           user_data)
{
  if (g_strcmp0 (username, GCURL_TEST_AUTH_USER) != 0)
    return NULL;
  return soup_auth_domain_digest_encode_password (username, "gcurl-test", GCURL_TEST_AUTH_PASSWORD);
}

static gpointer
server_thread (gpointer data)
{
  GCurlTestServer *self = data;
  g_autoptr(GError) error = NULL;
  SoupAuthDomain *digest;
  GSocketAddress *other;
  GSList *listeners;

  g_main_context_push_thread_default (self->context);

  self->server = soup_server_new ("server-header", "gcurl-test ", NULL);
  soup_server_add_handler (self->server, NULL, server_handler, self, NULL);
  digest = soup_auth_domain_digest_new ("realm", "gcurl-test", NULL);
  soup_auth_domain_add_path (digest, "/auth/digest");
  soup_auth_domain_digest_set_auth_callback (digest, digest_password_cb, NULL, NULL);
  soup_server_add_auth_domain (self->server, digest);
  g_object_unref (digest);
  if (!soup_server_listen_local (self->server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    g_error ("cannot start the test server: %s", error->message);
  other = g_inet_socket_address_new_from_string ("127.0.0.2", 0);
  if (!soup_server_listen (self->server, other, 0, &error))
    g_error ("cannot start the test server on 127.0.0.2: %s", error->message);
  g_object_unref (other);

  /* "http://127.0.0.1:PORT", from the listening sockets (libsoup 3.2's
   * soup_server_get_uris() loses an address with two of them, valgrind). */
  listeners = soup_server_get_listeners (self->server);
  for (GSList *l = listeners; l != NULL; l = l->next)
    {
      g_autoptr(GSocketAddress) address = g_socket_get_local_address (l->data, NULL);
      g_autofree char *host = NULL;
      char *url;

      if (!G_IS_INET_SOCKET_ADDRESS (address))
        continue;
      host = g_inet_address_to_string (g_inet_socket_address_get_address (G_INET_SOCKET_ADDRESS (address)));
      url = g_strdup_printf ("http://%s:%u", host,
                             g_inet_socket_address_get_port (G_INET_SOCKET_ADDRESS (address)));
      if (g_str_equal (host, "127.0.0.2"))
        self->other_url = url;
      else
        self->url = url;
    }
  g_slist_free (listeners);

  g_mutex_lock (&self->lock);
  self->ready = TRUE;
  g_cond_signal (&self->cond);
  g_mutex_unlock (&self->lock);

  g_main_loop_run (self->loop);

  for (guint i = 0; i < self->sources->len; i++)
    g_source_destroy (self->sources->pdata[i]);
  g_ptr_array_set_size (self->sources, 0);
  for (guint i = 0; i < self->streams->len; i++)
    g_io_stream_close (self->streams->pdata[i], NULL, NULL);
  g_ptr_array_set_size (self->streams, 0);

  soup_server_disconnect (self->server);
  g_clear_object (&self->server);

  /* Let pending closures run down before the context goes. */
  while (g_main_context_iteration (self->context, FALSE))
    ;

  g_main_context_pop_thread_default (self->context);
  return NULL;
}

GCurlTestServer *
gcurl_test_server_new (void)
{
  GCurlTestServer *self = g_new0 (GCurlTestServer, 1);

  gcurl_test_pattern ();
  g_mutex_init (&self->lock);
  g_cond_init (&self->cond);
  self->context = g_main_context_new ();
  self->loop = g_main_loop_new (self->context, FALSE);
  self->streams = g_ptr_array_new_with_free_func (g_object_unref);
  self->flaky = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, g_free);
  self->sources = g_ptr_array_new_with_free_func ((GDestroyNotify) g_source_unref);
  self->thread = g_thread_new ("gcurl-test-server", server_thread, self);

  g_mutex_lock (&self->lock);
  while (!self->ready)
    g_cond_wait (&self->cond, &self->lock);
  g_mutex_unlock (&self->lock);

  return self;
}

const char *
gcurl_test_server_get_url (GCurlTestServer *self)
{
  return self->url;
}

const char *
gcurl_test_server_get_other_url (GCurlTestServer *self)
{
  return self->other_url;
}

char *
gcurl_test_server_url (GCurlTestServer *self,
                       const char      *path_and_query)
{
  return g_strconcat (self->url, path_and_query, NULL);
}

guint
gcurl_test_server_flaky_count (GCurlTestServer *self,
                               const char      *key,
                               guint           *authorized)
{
  FlakyKey *k;
  guint requests = 0;

  g_mutex_lock (&self->lock);
  k = g_hash_table_lookup (self->flaky, key);
  if (k != NULL)
    requests = k->requests;
  if (authorized != NULL)
    *authorized = k != NULL ? k->authorized : 0;
  g_mutex_unlock (&self->lock);
  return requests;
}

void
gcurl_test_server_free (GCurlTestServer *self)
{
  g_main_loop_quit (self->loop);
  g_thread_join (self->thread);
  g_main_loop_unref (self->loop);
  g_main_context_unref (self->context);
  g_ptr_array_unref (self->streams);
  g_hash_table_unref (self->flaky);
  g_ptr_array_unref (self->sources);
  g_mutex_clear (&self->lock);
  g_cond_clear (&self->cond);
  g_free (self->url);
  g_free (self->other_url);
  g_free (self);
}

/* ---------------------------------------------------------------------- */
/* nginx                                                                   */

static guint16
free_port (void)
{
  struct sockaddr_in addr = { 0 };
  socklen_t len = sizeof addr;
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  guint16 port;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  if (fd < 0 || bind (fd, (struct sockaddr *) &addr, sizeof addr) < 0 ||
      getsockname (fd, (struct sockaddr *) &addr, &len) < 0)
    g_error ("cannot find a free port: %s", g_strerror (errno));
  port = ntohs (addr.sin_port);
  close (fd);
  return port;
}

static gboolean
port_accepts (guint16 port)
{
  struct sockaddr_in addr = { 0 };
  int fd = socket (AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  gboolean ok;

  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl (INADDR_LOOPBACK);
  addr.sin_port = htons (port);
  ok = connect (fd, (struct sockaddr *) &addr, sizeof addr) == 0;
  close (fd);
  return ok;
}

static gboolean
pid_file_says (const char *dir,
               const char *pid)
{
  g_autofree char *path = g_build_filename (dir, "nginx.pid", NULL);
  g_autofree char *contents = NULL;

  if (!g_file_get_contents (path, &contents, NULL, NULL))
    return FALSE;
  g_strstrip (contents);
  return g_str_equal (contents, pid);
}

static const char *
find_nginx (void)
{
  static const char *candidates[] = { "/usr/sbin/nginx", "/usr/local/sbin/nginx", NULL };

  for (guint i = 0; candidates[i]; i++)
    if (g_file_test (candidates[i], G_FILE_TEST_IS_EXECUTABLE))
      return candidates[i];
  return NULL;
}

static void
child_setup (gpointer data)
{
  /* nginx dies with the test, even one that crashes. */
  prctl (PR_SET_PDEATHSIG, SIGTERM);
}

/* A key and a certificate NAME.pem/NAME-key.pem in dir, issued by
 * ca_cert/ca_key, valid from start to end (openssl ca dates) or for two
 * days from now when they are NULL. */
static gboolean
make_issued_cert (const char  *dir,
                  const char  *ca_key,
                  const char  *ca_cert,
                  const char  *name,
                  const char  *subject,
                  const char  *san,
                  const char  *start,
                  const char  *end,
                  GError     **error)
{
  g_autofree char *cnf = g_strdup_printf ("%s/%s.cnf", dir, name);
  g_autofree char *db = g_strdup_printf ("%s/%s-index.txt", dir, name);
  g_autofree char *cnf_text = NULL;
  g_autofree char *script = NULL;
  g_autofree char *err = NULL;
  g_autofree char *out = NULL;
  int status = 0;

  cnf_text = g_strdup_printf ("[ca]\ndefault_ca = ca\n"
                              "[ca]\ndatabase = %s\nnew_certs_dir = %s\nserial = %s/%s.serial\n"
                              "default_md = sha256\npolicy = any\ncopy_extensions = copy\n"
                              "unique_subject = no\ndefault_days = 2\n"
                              "[any]\ncommonName = supplied\n", db, dir, dir, name);
  if (!g_file_set_contents (cnf, cnf_text, -1, error) ||
      !g_file_set_contents (db, "", 0, error))
    return FALSE;
  script = g_strdup_printf (
    "set -e; cd '%s'; echo 01 > %s.serial; "
    "openssl req -newkey rsa:2048 -nodes -sha256 -subj '%s' -addext 'subjectAltName=%s' "
    "  -keyout %s-key.pem -out %s.csr 2>/dev/null; "
    "openssl ca -batch -notext -config %s -cert '%s' -keyfile '%s' %s%s %s%s "
    "  -in %s.csr -out %s.pem 2>&1",
    dir, name, subject, san, name, name, cnf, ca_cert, ca_key,
    start ? "-startdate " : "", start ? start : "", end ? "-enddate " : "", end ? end : "",
    name, name);
  {
    const char *argv[] = { "/bin/sh", "-c", script, NULL };

    if (!g_spawn_sync (NULL, (char **) argv, NULL, G_SPAWN_DEFAULT, NULL, NULL, &out, &err,
                       &status, error))
      return FALSE;
  }
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "openssl ca failed for %s: %s%s",
                   name, out, err);
      return FALSE;
    }
  return TRUE;
}

static gboolean write_encoded_files (const char *dir, const char *docroot, GError **error);

GCurlTestNginx *
gcurl_test_nginx_start (GError **error)
{
  static const struct { const char *name; gsize size; } files[] = {
    { "1k", 1024 }, { "100k", 100 * 1024 }, { "1m", 1024 * 1024 }, { "16m", 16 * 1024 * 1024 },
  };
  g_autoptr(GCurlTestNginx) self = NULL;
  g_autoptr(GSubprocessLauncher) launcher = NULL;
  g_autofree char *docroot = NULL, *conf = NULL, *conf_path = NULL, *key = NULL;
  g_autofree char *cert_cmd = NULL, *cert_err = NULL;
  const char *nginx = find_nginx ();
  guint16 p_http = free_port (), p_h2c = free_port (), p_https = free_port ();
  guint16 p_expired = free_port (), p_wronghost = free_port (), p_h3 = free_port ();
  guint16 p_alt = free_port ();
  g_autofree char *version_out = NULL, *h3_server = NULL;
  gboolean has_h3;
  int status = 0;

  if (nginx == NULL)
    {
      g_set_error_literal (error, G_IO_ERROR, G_IO_ERROR_NOT_FOUND, "nginx is not installed");
      return NULL;
    }

  gcurl_test_raise_nofile (16384);

  /* HTTP/3 where nginx has it (Debian 13's 1.26 does, Debian 12's not). */
  {
    g_autofree char *cmd = g_strdup_printf ("%s -V", nginx);

    has_h3 = g_spawn_command_line_sync (cmd, NULL, &version_out, NULL, NULL) &&
             version_out != NULL && strstr (version_out, "--with-http_v3_module") != NULL;
  }

  self = g_new0 (GCurlTestNginx, 1);
  self->dir = g_dir_make_tmp ("gcurl-nginx-XXXXXX", error);
  if (self->dir == NULL)
    return NULL;
  docroot = g_build_filename (self->dir, "www", NULL);
  g_mkdir (docroot, 0755);
  g_chmod (self->dir, 0755);
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    {
      g_autofree char *path = g_build_filename (docroot, files[i].name, NULL);

      if (!g_file_set_contents (path, (const char *) gcurl_test_pattern (), files[i].size, error))
        return NULL;
      g_chmod (path, 0644);
    }

  if (!write_encoded_files (self->dir, docroot, error))
    return NULL;

  self->ca_file = g_build_filename (self->dir, "cert.pem", NULL);
  self->https_log = g_build_filename (self->dir, "https-access.log", NULL);
  self->ranges_log = g_build_filename (self->dir, "ranges.log", NULL);
  key = g_build_filename (self->dir, "key.pem", NULL);
  cert_cmd = g_strdup_printf ("openssl req -x509 -newkey rsa:2048 -nodes -sha256 -days 2 "
                              "-subj /CN=localhost "
                              "-addext subjectAltName=DNS:localhost,IP:127.0.0.1 "
                              "-keyout %s -out %s", key, self->ca_file);
  if (!g_spawn_command_line_sync (cert_cmd, NULL, &cert_err, &status, error))
    return NULL;
  if (!g_spawn_check_wait_status (status, NULL))
    {
      g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "openssl failed: %s", cert_err);
      return NULL;
    }
  /* Two more, issued by that certificate (a CA too, as openssl req -x509
   * makes it), so that a client trusting it fails on exactly one thing:
   * one expired in 2020 (OpenSSL 3.0 refuses negative -days, so with
   * openssl ca and dates: doc/design.md, "Debian 12"), one for another host. */
  if (!make_issued_cert (self->dir, key, self->ca_file, "expired", "/CN=localhost",
                         "DNS:localhost,IP:127.0.0.1", "20200101000000Z", "20200201000000Z", error) ||
      !make_issued_cert (self->dir, key, self->ca_file, "wronghost", "/CN=wrong.example",
                         "DNS:wrong.example", NULL, NULL, error))
    return NULL;

  /* The ports are free when picked but could be taken before nginx binds
   * them: then nginx exits, and we try again with new ones. */
  for (guint attempt = 0; ; attempt++)
    {
      gboolean ready = FALSE;

      g_clear_pointer (&conf, g_free);
      g_clear_pointer (&conf_path, g_free);
      g_clear_object (&launcher);
      if (attempt > 0)
        {
          p_http = free_port ();
          p_h2c = free_port ();
          p_https = free_port ();
          p_expired = free_port ();
          p_wronghost = free_port ();
          p_h3 = free_port ();
          p_alt = free_port ();
        }

      /* QUIC on UDP and TLS on TCP, on the same port number. */
      g_clear_pointer (&h3_server, g_free);
      h3_server = has_h3
        ? g_strdup_printf ("  server { listen 127.0.0.1:%u quic reuseport; listen 127.0.0.1:%u ssl;\n"
                           "           http3 on; root %s;\n"
                           "           ssl_certificate %s; ssl_certificate_key %s; }\n",
                           p_h3, p_h3, docroot, self->ca_file, key)
        : g_strdup ("");

      conf = g_strdup_printf (
        "daemon off;\n"
        "master_process on;\n"
        "worker_processes 1;\n"
        "worker_rlimit_nofile 16384;\n"
        "%s"
        "pid %s/nginx.pid;\n"
        "error_log %s/error.log warn;\n"
        "events { worker_connections 8192; }\n"
        "http {\n"
        "  access_log off;\n"
        "  log_format conn '$connection $request_uri';\n"
        "  log_format ranges '$connection $status $http_range $request_uri';\n"
        "  client_body_temp_path %s/body;\n"
        "  proxy_temp_path %s/proxy;\n"
        "  fastcgi_temp_path %s/fastcgi;\n"
        "  uwsgi_temp_path %s/uwsgi;\n"
        "  scgi_temp_path %s/scgi;\n"
        "  default_type application/octet-stream;\n"
        "  keepalive_requests 1000000;\n"
        "  keepalive_timeout 300s;\n"
        "  http2_max_concurrent_streams 256;\n"
        "  sendfile on;\n"
        /* A thousand connections at once: nginx's default backlog of 511
         * drops SYNs when a loaded machine's worker falls behind, and each
         * drop costs a retransmission of one second, then two, four… */
        "  server { listen 127.0.0.1:%u backlog=4096; root %s;\n"
        "           location /slow/ { alias %s/; limit_rate 40k; }\n"
        /* Segments: each connection is limited, so more of them help. */
        "           location /rate/ { alias %s/; limit_rate 4m;\n"
        "                             access_log %s/ranges.log ranges; }\n"
        "           location /private/ { alias %s/; auth_basic gcurl-test;\n"
        "                                auth_basic_user_file %s/htpasswd; }\n"
        "           location ~ \\.gz$ { add_header Content-Encoding gzip; }\n"
        "           location ~ \\.br$ { add_header Content-Encoding br; }\n"
        "           location ~ \\.zst$ { add_header Content-Encoding zstd; } }\n"
        "  server { listen 127.0.0.1:%u http2; root %s; }\n"
        "  server { listen 127.0.0.1:%u ssl http2; root %s;\n"
        "           access_log %s/https-access.log conn;\n"
        "           location /hsts/ { alias %s/; add_header Strict-Transport-Security max-age=3600; }\n"
        "           location /altsvc/ { alias %s/; add_header Alt-Svc 'h2=\":%u\"; ma=3600'; }\n"
        "           ssl_certificate %s; ssl_certificate_key %s; }\n"
        "  server { listen 127.0.0.1:%u ssl http2; root %s;\n"
        "           ssl_certificate %s; ssl_certificate_key %s; }\n"
        "  server { listen 127.0.0.1:%u ssl; root %s;\n"
        "           ssl_certificate %s/expired.pem; ssl_certificate_key %s/expired-key.pem; }\n"
        "  server { listen 127.0.0.1:%u ssl; root %s;\n"
        "           ssl_certificate %s/wronghost.pem; ssl_certificate_key %s/wronghost-key.pem; }\n"
        "%s"
        "}\n",
        geteuid () == 0 ? "user root;\n" : "",
        self->dir, self->dir, self->dir, self->dir, self->dir, self->dir, self->dir,
        p_http, docroot, docroot, docroot, self->dir, docroot, self->dir, p_h2c, docroot, p_https, docroot, self->dir, docroot, docroot, p_alt, self->ca_file, key,
        p_alt, docroot, self->ca_file, key,
        p_expired, docroot, self->dir, self->dir, p_wronghost, docroot, self->dir, self->dir,
        h3_server);
      conf_path = g_build_filename (self->dir, "nginx.conf", NULL);
      if (!g_file_set_contents (conf_path, conf, -1, error))
        return NULL;

      launcher = g_subprocess_launcher_new (G_SUBPROCESS_FLAGS_STDOUT_SILENCE);
      g_subprocess_launcher_set_child_setup (launcher, child_setup, NULL, NULL);
      self->process = g_subprocess_launcher_spawn (launcher, error, nginx, "-e",
                                                   "stderr", "-p", self->dir, "-c", conf_path,
                                                   NULL);
      if (self->process == NULL)
        return NULL;

      /* Readiness (bounded): nginx writes its pid file only once it has
       * bound every listen socket, so a port that someone else holds (and
       * that would accept our probe) cannot pass for nginx. */
      for (guint i = 0; i < 1000; i++)
        {
          const char *pid = g_subprocess_get_identifier (self->process);

          if (pid == NULL)
            break;
          if (pid_file_says (self->dir, pid) &&
              port_accepts (p_http) && port_accepts (p_h2c) && port_accepts (p_https) &&
              port_accepts (p_expired) && port_accepts (p_wronghost) &&
              port_accepts (p_alt) && (!has_h3 || port_accepts (p_h3)))
            {
              ready = TRUE;
              break;
            }
          g_usleep (10 * 1000);
        }
      if (ready)
        break;

      g_subprocess_send_signal (self->process, SIGTERM);
      g_subprocess_wait (self->process, NULL, NULL);
      g_clear_object (&self->process);
      if (attempt == 2)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "nginx did not start (see %s)",
                       self->dir);
          return NULL;
        }
    }

  self->http_url = g_strdup_printf ("http://127.0.0.1:%u", p_http);
  self->h2c_url = g_strdup_printf ("http://127.0.0.1:%u", p_h2c);
  self->https_url = g_strdup_printf ("https://127.0.0.1:%u", p_https);
  self->expired_url = g_strdup_printf ("https://127.0.0.1:%u", p_expired);
  self->wronghost_url = g_strdup_printf ("https://127.0.0.1:%u", p_wronghost);
  if (has_h3)
    self->h3_url = g_strdup_printf ("https://127.0.0.1:%u", p_h3);
  self->alt_port = p_alt;

  return g_steal_pointer (&self);
}

/* enc/text: 1 MiB of JSON-like text; enc/text.gz, .br and .zst: it in
 * those encodings (by the brotli and zstd tools where they are), which
 * nginx serves with their Content-Encoding. And htpasswd for /private/. */
static gboolean
write_encoded_files (const char  *dir,
                     const char  *docroot,
                     GError     **error)
{
  g_autofree char *enc = g_build_filename (docroot, "enc", NULL);
  g_autofree char *text_path = g_build_filename (enc, "text", NULL);
  g_autofree char *gz_path = g_build_filename (enc, "text.gz", NULL);
  g_autofree char *htpasswd = g_build_filename (dir, "htpasswd", NULL);
  g_autofree char *users = g_strdup_printf ("%s:{PLAIN}%s\n", GCURL_TEST_AUTH_USER,
                                            GCURL_TEST_AUTH_PASSWORD);
  g_autoptr(GString) text = g_string_new ("[\n");
  g_autoptr(GZlibCompressor) zc = g_zlib_compressor_new (G_ZLIB_COMPRESSOR_FORMAT_GZIP, 6);
  g_autoptr(GOutputStream) mem = g_memory_output_stream_new_resizable ();
  g_autoptr(GOutputStream) gz = g_converter_output_stream_new (mem, G_CONVERTER (zc));
  static const char *const tools[][2] = { { "brotli", "br" }, { "zstd", "zst" } };

  g_mkdir (enc, 0755);
  for (guint i = 0; text->len < GCURL_TEST_ENCODED_SIZE; i++)
    g_string_append_printf (text, "{\"id\": %u, \"name\": \"item-%u\", \"even\": %s},\n",
                            i, i * 7919 % 10007, i % 2 ? "false" : "true");
  g_string_truncate (text, GCURL_TEST_ENCODED_SIZE);
  if (!g_file_set_contents (text_path, text->str, text->len, error) ||
      !g_output_stream_write_all (gz, text->str, text->len, NULL, NULL, error) ||
      !g_output_stream_close (gz, NULL, error) ||
      !g_file_set_contents (gz_path, g_memory_output_stream_get_data (G_MEMORY_OUTPUT_STREAM (mem)),
                            g_memory_output_stream_get_data_size (G_MEMORY_OUTPUT_STREAM (mem)),
                            error) ||
      !g_file_set_contents (htpasswd, users, -1, error))
    return FALSE;

  for (guint i = 0; i < G_N_ELEMENTS (tools); i++)
    {
      g_autofree char *tool = g_find_program_in_path (tools[i][0]);
      g_autofree char *out = g_strdup_printf ("%s.%s", text_path, tools[i][1]);
      const char *argv[] = { tool, "-f", "-o", out, text_path, NULL };
      int status = 0;

      if (tool == NULL)
        continue;
      if (!g_spawn_sync (NULL, (char **) argv, NULL,
                         G_SPAWN_STDOUT_TO_DEV_NULL | G_SPAWN_STDERR_TO_DEV_NULL, NULL, NULL,
                         NULL, NULL, &status, error) ||
          !g_spawn_check_wait_status (status, error))
        return FALSE;
    }
  return TRUE;
}

static void
remove_tree (const char *path)
{
  g_autoptr(GDir) dir = g_dir_open (path, 0, NULL);
  const char *name;

  if (dir != NULL)
    {
      while ((name = g_dir_read_name (dir)) != NULL)
        {
          g_autofree char *child = g_build_filename (path, name, NULL);

          if (g_file_test (child, G_FILE_TEST_IS_DIR) && !g_file_test (child, G_FILE_TEST_IS_SYMLINK))
            remove_tree (child);
          else
            g_unlink (child);
        }
    }
  g_rmdir (path);
}

void
gcurl_test_nginx_stop (GCurlTestNginx *self)
{
  if (self == NULL)
    return;

  if (self->process != NULL)
    {
      g_subprocess_send_signal (self->process, SIGTERM);
      g_subprocess_wait (self->process, NULL, NULL);
      g_clear_object (&self->process);
    }
  if (self->dir != NULL)
    remove_tree (self->dir);
  g_free (self->dir);
  g_free (self->http_url);
  g_free (self->h2c_url);
  g_free (self->https_url);
  g_free (self->expired_url);
  g_free (self->wronghost_url);
  g_free (self->h3_url);
  g_free (self->ca_file);
  g_free (self->https_log);
  g_free (self->ranges_log);
  g_free (self);
}

static GCurlTestNginx *shared_nginx;

static void
stop_shared_nginx (void)
{
  g_clear_pointer (&shared_nginx, gcurl_test_nginx_stop);
}

GCurlTestNginx *
gcurl_test_nginx_get_shared (void)
{
  static gboolean tried;
  static char *why;

  if (!tried)
    {
      g_autoptr(GError) error = NULL;

      tried = TRUE;
      shared_nginx = gcurl_test_nginx_start (&error);
      if (shared_nginx != NULL)
        atexit (stop_shared_nginx);
      else
        why = g_strdup (error->message);
    }

  if (shared_nginx == NULL)
    {
      /* In CI a missing nginx is a failure, not a skip. */
      if (g_getenv ("CI") != NULL)
        g_error ("nginx: %s", why);
      g_test_skip_printf ("nginx: %s", why);
    }

  return shared_nginx;
}

/* ---------------------------------------------------------------------- */
/* Raw transfers                                                           */

static size_t
fetch_write_cb (char   *ptr,
                size_t  size,
                size_t  nmemb,
                void   *userdata)
{
  GCurlTestFetch *fetch = userdata;
  size_t len = size * nmemb;

  if (!gcurl_test_pattern_check (fetch->offset + fetch->received, ptr, len))
    fetch->content_ok = FALSE;
  fetch->received += len;
  return len;
}

GCurlTestFetch *
gcurl_test_fetch_new (const char *url,
                      goffset     expected)
{
  GCurlTestFetch *fetch = g_new0 (GCurlTestFetch, 1);

  fetch->easy = curl_easy_init ();
  fetch->url = g_strdup (url);
  fetch->expected = expected;
  gcurl_test_fetch_reset (fetch);

  curl_easy_setopt (fetch->easy, CURLOPT_URL, url);
  curl_easy_setopt (fetch->easy, CURLOPT_WRITEFUNCTION, fetch_write_cb);
  curl_easy_setopt (fetch->easy, CURLOPT_WRITEDATA, fetch);
  curl_easy_setopt (fetch->easy, CURLOPT_PRIVATE, fetch);
  curl_easy_setopt (fetch->easy, CURLOPT_ERRORBUFFER, fetch->errbuf);
  curl_easy_setopt (fetch->easy, CURLOPT_NOSIGNAL, 1L);
  /* A hang fails the test instead of blocking the suite. */
  curl_easy_setopt (fetch->easy, CURLOPT_TIMEOUT_MS, 60000L);

  return fetch;
}

void
gcurl_test_fetch_reset (GCurlTestFetch *fetch)
{
  fetch->received = 0;
  fetch->content_ok = TRUE;
  fetch->result = CURLE_OK;
  fetch->errbuf[0] = '\0';
}

void
gcurl_test_fetch_free (GCurlTestFetch *fetch)
{
  if (fetch->easy != NULL)
    curl_easy_cleanup (fetch->easy);
  g_free (fetch->url);
  g_free (fetch);
}

/* ---------------------------------------------------------------------- */
/* Main loop                                                               */

static gboolean
set_flag_cb (gpointer data)
{
  *(gboolean *) data = TRUE;
  return G_SOURCE_REMOVE;
}

static void
wait_until (GMainContext *context,
            gboolean    (*pred) (gpointer),
            gpointer      data,
            guint         timeout_ms,
            const char   *what)
{
  gboolean expired = FALSE;
  GSource *guard = g_timeout_source_new (timeout_ms);

  g_source_set_callback (guard, set_flag_cb, &expired, NULL);
  g_source_attach (guard, context);

  while (!pred (data) && !expired)
    g_main_context_iteration (context, TRUE);

  g_source_destroy (guard);
  g_source_unref (guard);

  if (!pred (data))
    g_error ("timed out after %u ms waiting for %s", timeout_ms, what);
}

static gboolean
flag_is_set (gpointer data)
{
  return *(gboolean *) data;
}

void
gcurl_test_wait_for_flag (GMainContext *context,
                          gboolean     *flag,
                          guint         timeout_ms)
{
  wait_until (context, flag_is_set, flag, timeout_ms, "a flag");
}

typedef struct { int *counter; int target; } CountWait;

static gboolean
count_reached (gpointer data)
{
  CountWait *w = data;

  return *w->counter >= w->target;
}

void
gcurl_test_wait_for_count (GMainContext *context,
                           int          *counter,
                           int           target,
                           guint         timeout_ms)
{
  CountWait w = { counter, target };

  wait_until (context, count_reached, &w, timeout_ms, "a count");
}

void
gcurl_test_run_for (GMainContext *context,
                    guint         ms)
{
  gboolean expired = FALSE;
  GSource *guard = g_timeout_source_new (ms);

  g_source_set_callback (guard, set_flag_cb, &expired, NULL);
  g_source_attach (guard, context);
  while (!expired)
    g_main_context_iteration (context, TRUE);
  g_source_destroy (guard);
  g_source_unref (guard);
}

void
gcurl_test_raise_nofile (rlim_t want)
{
  struct rlimit rl;

  if (getrlimit (RLIMIT_NOFILE, &rl) != 0)
    return;
  if (rl.rlim_cur >= want)
    return;
  if (rl.rlim_max < want)
    {
      struct rlimit raised = { want, want };

      /* Root may raise the hard limit too. */
      if (setrlimit (RLIMIT_NOFILE, &raised) == 0)
        return;
    }
  rl.rlim_cur = MIN (want, rl.rlim_max);
  setrlimit (RLIMIT_NOFILE, &rl);
}

const char *
gcurl_test_backend_name (void)
{
  const char *name = g_getenv ("GCURL_BACKEND");

  return name != NULL && name[0] != '\0' ? name : "epoll";
}

int
gcurl_test_count_fds (void)
{
  g_autoptr(GDir) dir = g_dir_open ("/proc/self/fd", 0, NULL);
  int n = 0;

  while (dir != NULL && g_dir_read_name (dir) != NULL)
    n++;
  return n - 1;   /* the directory's own descriptor */
}

int
gcurl_test_count_sources (GMainContext *context)
{
  GSource *probe = g_idle_source_new ();
  guint last = g_source_attach (probe, context);
  int n = 0;

  g_source_destroy (probe);
  g_source_unref (probe);
  for (guint id = 1; id < last; id++)
    n += g_main_context_find_source_by_id (context, id) != NULL;
  return n;
}
