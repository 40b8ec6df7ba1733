/* progress.c: parallel downloads with progress, from a server in the same
 * main loop
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Starts a small HTTP server on 127.0.0.1 (libsoup's SoupServer, sending
 * each file slowly) and downloads its files in parallel with
 * GCurlMultiSource, printing a progress line per file. Client and server
 * share one thread and one GMainLoop: neither blocks the other.
 *
 *   progress [--fast]
 */

#include <gcurlmulti/gcurlmulti.h>
#include <libsoup/soup.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define N_FILES 6

static const gsize file_sizes[N_FILES] = {
  64 * 1024, 256 * 1024, 512 * 1024, 1024 * 1024, 2 * 1024 * 1024, 3 * 1024 * 1024,
};

static gboolean fast;

/* ---- The server: sends file N in 16 KiB chunks, a chunk every few ms. --- */

typedef struct
{
  SoupServerMessage *msg;
  const guint8      *data;
  gsize              size, sent;
} Sending;

static gboolean
send_chunk (gpointer user_data)
{
  Sending *s = user_data;
  SoupMessageBody *body = soup_server_message_get_response_body (s->msg);
  gsize n = MIN (16 * 1024, s->size - s->sent);

  soup_message_body_append (body, SOUP_MEMORY_STATIC, s->data + s->sent, n);
  s->sent += n;
  if (s->sent == s->size)
    soup_message_body_complete (body);
  soup_server_message_unpause (s->msg);

  if (s->sent < s->size)
    return G_SOURCE_CONTINUE;

  g_object_unref (s->msg);
  g_free (s);
  return G_SOURCE_REMOVE;
}

static void
serve (SoupServer        *server,
       SoupServerMessage *msg,
       const char        *path,
       GHashTable        *query,
       gpointer           user_data)
{
  const guint8 *content = user_data;
  unsigned index = 0;
  Sending *s;

  if (sscanf (path, "/file%u", &index) != 1 || index >= N_FILES)
    {
      soup_server_message_set_status (msg, SOUP_STATUS_NOT_FOUND, NULL);
      return;
    }

  soup_server_message_set_status (msg, SOUP_STATUS_OK, NULL);
  soup_message_headers_set_content_length (soup_server_message_get_response_headers (msg),
                                           file_sizes[index]);
  s = g_new0 (Sending, 1);
  s->msg = g_object_ref (msg);
  s->data = content;
  s->size = file_sizes[index];
  soup_server_message_pause (msg);
  g_timeout_add (fast ? 1 : 10 + 5 * index, send_chunk, s);
}

/* ---- The client --------------------------------------------------------- */

typedef struct
{
  char      *url;
  gint64     received;
  gint64     total;
  int        result;
  gboolean   finished;
} Download;

static Download downloads[N_FILES];
static int n_finished;
static gboolean redraw;   /* a terminal: redraw the lines in place */
static gboolean drawn;

static size_t
write_cb (char *data, size_t size, size_t nmemb, void *user_data)
{
  Download *d = user_data;

  d->received += (gint64) (size * nmemb);
  return size * nmemb;
}

static int
xferinfo_cb (void       *user_data,
             curl_off_t  dltotal,
             curl_off_t  dlnow,
             curl_off_t  ultotal,
             curl_off_t  ulnow)
{
  Download *d = user_data;

  if (dltotal > 0)
    d->total = dltotal;
  return 0;
}

static void
print_progress (void)
{
  /* Back to the first line of the previous drawing. */
  if (redraw && drawn)
    g_print ("\033[%dA", N_FILES + 1);
  drawn = TRUE;

  for (int i = 0; i < N_FILES; i++)
    {
      Download *d = &downloads[i];
      int percent = d->total > 0 ? (int) (100 * d->received / d->total) : 0;
      char bar[21];

      memset (bar, ' ', 20);
      memset (bar, '#', percent / 5);
      bar[20] = '\0';
      g_print ("  %-34s [%s] %3d%%  %7" G_GINT64_FORMAT " KiB  %-20s\n", d->url, bar, percent,
               d->received / 1024,
               !d->finished ? "" : d->result == CURLE_OK ? "done" : curl_easy_strerror (d->result));
    }
  g_print ("\n");
}

static gboolean
tick (gpointer user_data)
{
  print_progress ();
  return G_SOURCE_CONTINUE;
}

static void
on_done (GCurlMultiSource *source,
         gpointer          easy,
         int               result,
         gpointer          user_data)
{
  GMainLoop *loop = user_data;
  Download *d = NULL;

  curl_easy_getinfo ((CURL *) easy, CURLINFO_PRIVATE, &d);
  d->result = result;
  d->finished = TRUE;
  curl_easy_cleanup (easy);

  if (++n_finished == N_FILES)
    g_main_loop_quit (loop);
}

int
main (int   argc,
      char *argv[])
{
  g_autoptr(GMainLoop) loop = g_main_loop_new (NULL, FALSE);
  g_autoptr(SoupServer) server = soup_server_new (NULL, NULL);
  g_autoptr(GCurlMultiSource) source = NULL;
  g_autoptr(GError) error = NULL;
  g_autofree guint8 *content = g_malloc (file_sizes[N_FILES - 1]);
  GSList *uris;
  guint ticker;
  int failed = 0;

  fast = argc > 1 && g_str_equal (argv[1], "--fast");
  redraw = isatty (STDOUT_FILENO);

  for (gsize i = 0; i < file_sizes[N_FILES - 1]; i++)
    content[i] = (guint8) (i * 7 + i / 1000);

  soup_server_add_handler (server, NULL, serve, content, NULL);
  if (!soup_server_listen_local (server, 0, SOUP_SERVER_LISTEN_IPV4_ONLY, &error))
    {
      g_printerr ("Cannot start the local server: %s\n", error->message);
      return EXIT_FAILURE;
    }
  uris = soup_server_get_uris (server);

  source = gcurl_multi_source_new ();
  g_signal_connect (source, "done", G_CALLBACK (on_done), loop);

  for (int i = 0; i < N_FILES; i++)
    {
      g_autofree char *path = g_strdup_printf ("file%d", i);
      g_autoptr(GUri) uri = g_uri_parse_relative (uris->data, path, G_URI_FLAGS_NONE, NULL);
      CURL *easy = curl_easy_init ();

      downloads[i].url = g_uri_to_string (uri);
      curl_easy_setopt (easy, CURLOPT_URL, downloads[i].url);
      curl_easy_setopt (easy, CURLOPT_WRITEFUNCTION, write_cb);
      curl_easy_setopt (easy, CURLOPT_WRITEDATA, &downloads[i]);
      curl_easy_setopt (easy, CURLOPT_XFERINFOFUNCTION, xferinfo_cb);
      curl_easy_setopt (easy, CURLOPT_XFERINFODATA, &downloads[i]);
      curl_easy_setopt (easy, CURLOPT_NOPROGRESS, 0L);
      curl_easy_setopt (easy, CURLOPT_PRIVATE, &downloads[i]);
      if (!gcurl_multi_source_add_handle (source, easy, &error))
        g_error ("%s", error->message);
    }
  g_slist_free_full (uris, (GDestroyNotify) g_uri_unref);

  g_print ("Downloading %d files from a local server, in one thread...\n\n", N_FILES);
  ticker = g_timeout_add (fast ? 50 : 250, tick, NULL);
  g_main_loop_run (loop);
  g_source_remove (ticker);
  print_progress ();

  for (int i = 0; i < N_FILES; i++)
    {
      if (downloads[i].result != CURLE_OK || downloads[i].received != (gint64) file_sizes[i])
        failed++;
      g_free (downloads[i].url);
    }
  g_print ("%d of %d downloads complete.\n", N_FILES - failed, N_FILES);

  return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
