/* demo-server.c: the demo's embedded local HTTP server
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A SoupServer on 127.0.0.1 (a port the kernel picks), served from the
 * main context of the program that embeds it, so `make run` shows
 * transfers moving without any network. It serves a dozen files of varied
 * sizes, throttled to about 1 MB/s per connection so that progress is
 * visible, with Range support so that paused, failed and restarted
 * downloads resume; one file is missing (404) and one redirects to another.
 * The bodies are generated: byte i of every file is demo_server_byte_at (i),
 * so clients and tests can check them without a copy on disk.
 */

#include "demo-server.h"

#include <libsoup/soup.h>

#define CHUNK_SIZE   (32 * 1024)
#define CHUNK_PERIOD 30  /* ms: about 1 MB/s per connection */

typedef struct
{
  const char *name;
  gint64      size;        /* -1: not served (missing), see below */
  const char *type;
  const char *redirect;    /* a 302 to this name */
  gboolean    no_length;   /* chunked, no Content-Length */
} DemoFile;

static const DemoFile files[] = {
  { "welcome.txt",           2 * 1024,          "text/plain",              NULL, FALSE },
  { "release-notes.html",    40 * 1024,         "text/html",               NULL, FALSE },
  { "fonts.zip",             500 * 1024,        "application/zip",         NULL, FALSE },
  { "photo-1.jpg",           800 * 1024,        "image/jpeg",              NULL, FALSE },
  { "photo-2.jpg",           1200 * 1024,       "image/jpeg",              NULL, FALSE },
  { "source-code.tar.xz",    2 * 1024 * 1024,   "application/x-xz",        NULL, FALSE },
  { "dataset.csv.gz",        3 * 1024 * 1024,   "application/gzip",        NULL, FALSE },
  { "podcast-episode.mp3",   6 * 1024 * 1024,   "audio/mpeg",              NULL, FALSE },
  { "video-clip.webm",       12 * 1024 * 1024,  "video/webm",              NULL, FALSE },
  { "os-image.iso",          24 * 1024 * 1024,  "application/octet-stream", NULL, FALSE },
  { "live-log.txt",          1024 * 1024,       "text/plain",              NULL, TRUE },
  { "report.pdf",            900 * 1024,        "application/pdf",         NULL, FALSE },
  { "old-report.pdf",        0,                 NULL,                      "report.pdf", FALSE },
  { "missing.zip",           -1,                NULL,                      NULL, FALSE },
};

/* The files the demo queues: all but the redirect's target, which is
 * reached through old-report.pdf. */
static gboolean
is_listed (const DemoFile *file)
{
  return !g_str_equal (file->name, "report.pdf");
}

struct _DemoServer
{
  SoupServer *server;
  char       *base;          /* http://127.0.0.1:PORT/files/ */
  GPtrArray  *streams;       /* Stream *, the responses being written */
};

typedef struct
{
  DemoServer        *server;
  SoupServerMessage *msg;
  guint64            offset;
  guint64            end;     /* exclusive */
  guint              timeout;
} Stream;

guint8
demo_server_byte_at (guint64 offset)
{
  /* Not a repeating block: every 64 KiB differs from the last. */
  return (guint8) ((offset * 31) ^ (offset >> 16) ^ (offset >> 11));
}

static void
stream_free (Stream *stream)
{
  g_clear_handle_id (&stream->timeout, g_source_remove);
  g_object_unref (stream->msg);
  g_free (stream);
}

static gboolean
stream_write (gpointer data)
{
  Stream *stream = data;
  SoupMessageBody *body = soup_server_message_get_response_body (stream->msg);
  guint64 n = MIN (CHUNK_SIZE, stream->end - stream->offset);
  guint8 *chunk = g_malloc (n);

  for (guint64 i = 0; i < n; i++)
    chunk[i] = demo_server_byte_at (stream->offset + i);
  soup_message_body_append (body, SOUP_MEMORY_TAKE, chunk, n);
  stream->offset += n;
  if (stream->offset >= stream->end)
    {
      soup_message_body_complete (body);
      stream->timeout = 0;
    }
  soup_server_message_unpause (stream->msg);
  return stream->timeout != 0 ? G_SOURCE_CONTINUE : G_SOURCE_REMOVE;
}

/* The response is over, written or abandoned by the client. */
static void
on_finished (SoupServerMessage *msg,
             Stream            *stream)
{
  g_signal_handlers_disconnect_by_data (msg, stream);
  g_ptr_array_remove_fast (stream->server->streams, stream);
}

static void
on_wrote_chunk (SoupServerMessage *msg,
                Stream            *stream)
{
  /* Wait for the next chunk rather than finishing the response. */
  if (stream->offset < stream->end)
    soup_server_message_pause (msg);
}

static const DemoFile *
find_file (const char *name)
{
  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (g_str_equal (files[i].name, name))
      return &files[i];
  return NULL;
}

static void
handler (SoupServer        *soup,
         SoupServerMessage *msg,
         const char        *path,
         GHashTable        *query,
         gpointer           data)
{
  DemoServer *self = data;
  SoupMessageHeaders *req = soup_server_message_get_request_headers (msg);
  SoupMessageHeaders *resp = soup_server_message_get_response_headers (msg);
  const DemoFile *file = NULL;
  SoupRange *ranges = NULL;
  int n_ranges = 0;
  Stream *stream;

  if (g_str_has_prefix (path, "/files/"))
    file = find_file (path + strlen ("/files/"));

  if (file == NULL || file->size < 0)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      soup_server_message_set_response (msg, "text/plain", SOUP_MEMORY_STATIC,
                                        "Not found\n", strlen ("Not found\n"));
      return;
    }
  if (file->redirect != NULL)
    {
      g_autofree char *location = g_strconcat (self->base, file->redirect, NULL);

      soup_server_message_set_redirect (msg, SOUP_STATUS_FOUND, location);
      return;
    }

  stream = g_new0 (Stream, 1);
  stream->server = self;
  stream->msg = g_object_ref (msg);
  stream->end = file->size;

  soup_message_headers_replace (resp, "Content-Type", file->type);
  soup_message_headers_replace (resp, "Accept-Ranges", "bytes");
  if (soup_message_headers_get_ranges (req, file->size, &ranges, &n_ranges) && n_ranges == 1)
    {
      stream->offset = ranges[0].start;
      stream->end = ranges[0].end + 1;
      soup_server_message_set_status (msg, SOUP_STATUS_PARTIAL_CONTENT, NULL);
      soup_message_headers_set_content_range (resp, ranges[0].start, ranges[0].end, file->size);
    }
  else
    soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  if (ranges != NULL)
    soup_message_headers_free_ranges (req, ranges);
  if (file->no_length)
    soup_message_headers_set_encoding (resp, SOUP_ENCODING_CHUNKED);
  else
    soup_message_headers_set_content_length (resp, stream->end - stream->offset);

  g_ptr_array_add (self->streams, stream);
  g_signal_connect (msg, "wrote-chunk", G_CALLBACK (on_wrote_chunk), stream);
  g_signal_connect (msg, "finished", G_CALLBACK (on_finished), stream);
  if (stream->offset >= stream->end)
    soup_message_body_complete (soup_server_message_get_response_body (msg));
  else
    {
      soup_server_message_pause (msg);
      stream->timeout = g_timeout_add (CHUNK_PERIOD, stream_write, stream);
      g_source_set_static_name (g_main_context_find_source_by_id (NULL, stream->timeout),
                                "demo-server-stream");
    }
}

DemoServer *
demo_server_new (GError **error)
{
  g_autoptr(DemoServer) self = g_new0 (DemoServer, 1);
  g_autoslist(GUri) uris = NULL;
  g_autoptr(GInetAddress) loopback = g_inet_address_new_loopback (G_SOCKET_FAMILY_IPV4);
  g_autoptr(GSocketAddress) address = g_inet_socket_address_new (loopback, 0);

  self->streams = g_ptr_array_new_with_free_func ((GDestroyNotify) stream_free);
  self->server = soup_server_new ("server-header", "gcurlmulti-demo ", NULL);
  soup_server_add_handler (self->server, NULL, handler, self, NULL);
  if (!soup_server_listen (self->server, address, 0, error))
    return NULL;

  uris = soup_server_get_uris (self->server);
  self->base = g_strdup_printf ("http://127.0.0.1:%d/files/", g_uri_get_port (uris->data));
  return g_steal_pointer (&self);
}

void
demo_server_free (DemoServer *self)
{
  if (self->server != NULL)
    soup_server_disconnect (self->server);
  g_clear_object (&self->server);
  g_clear_pointer (&self->streams, g_ptr_array_unref);
  g_free (self->base);
  g_free (self);
}

const char *
demo_server_get_base (DemoServer *self)
{
  return self->base;
}

/**
 * demo_server_dup_urls:
 *
 * Returns: (transfer full): the URLs of the files the demo downloads,
 *   the missing one and the redirect included
 */
char **
demo_server_dup_urls (DemoServer *self)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  for (guint i = 0; i < G_N_ELEMENTS (files); i++)
    if (is_listed (&files[i]))
      {
        g_autofree char *url = g_strconcat (self->base, files[i].name, NULL);

        g_strv_builder_add (builder, url);
      }
  return g_strv_builder_end (builder);
}
