/* gcurl-get: parallel downloads with a live terminal display
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 *   gcurl-get [-o DIR] [-j N] [--resume] [--limit-rate RATE] [-i LIST]
 *             [--checksum ALGO=HEX] [--retries N] [-s N] [--mirror URL]...
 *             [--metalink FILE] URL...
 *
 * Downloads every URL into DIR (the current folder by default) under the
 * name the server gives (Content-Disposition, then the URL after
 * redirects; --no-content-disposition for the URL's), with GCurlDownload:
 * retried 5 times where that may help, verified when a checksum is known,
 * spread over mirrors (--mirror, or a Metalink's URLs), N at a time: those of the command
 * line first, then those of LIST (a file, or - for standard input), which
 * is read as the queue runs short, so that a list of any length, or a
 * pipe that stays open, works in little memory. On a terminal it shows
 * a line per running download and a total line; otherwise it prints plain
 * lines. One error line per failed URL, on standard error. Exit status: 0
 * when every download succeeded, 1 when one failed, 2 for a usage error,
 * 130 when interrupted (partial files are kept for --resume).
 */

#include <gcurlmulti/gcurlmulti.h>
#include <gio/gunixinputstream.h>
#include <glib-unix.h>
#include <glib/gstdio.h>
#include <locale.h>
#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "demo-server.h"
#include "metalink.h"
#include "url-list.h"

#define REDRAW_MS 250

typedef struct _App App;

/* The -i list, read in pieces as the queue runs short, so that a list of
 * any length takes the memory of its longest line (at most 8 KiB kept)
 * and a digest per URL (for duplicates) and per name. */
typedef struct
{
  GInputStream *in;
  char         *path;        /* as given, for messages */
  GString      *line;        /* the line being read, cut after 8 KiB + 1 */
  guint         number;      /* of lines so far */
  GHashTable   *seen;        /* digests of the URLs taken */
  gboolean      reading;
  gboolean      eof;
  GCancellable *cancellable;
} Feed;

typedef struct
{
  App           *app;
  char          *url;
  char          *name;       /* shown: the URL's, then the server's */
  char         **mirrors;    /* other URLs of the file, or NULL */
  char          *checksum;   /* given, or the Metalink's */
  char          *filename;   /* the Metalink's name */
  gint64         size;       /* the Metalink's, or -1 */
  GCurlDownload *download;
  GCurlTransfer *transfer;   /* the download's */
  gint64         had;        /* bytes on disk before: not this run's */
} Download;

struct _App
{
  GMainLoop        *loop;
  GCurlMultiSource *source;
  GFile            *dir;
  GQueue            queued;     /* Download *, not started yet, owned */
  GPtrArray        *running;    /* Download *, owned */
  GHashTable       *names;      /* digests of the names taken in this run */
  Feed             *feed;       /* the -i list, read as downloads need it */
  guint             jobs;
  gboolean          resume;
  gboolean          overwrite;
  gboolean          content_disposition;
  const char       *checksum;
  guint             retries;
  guint             segments;
  guint             retry_wait;   /* ms */
  gboolean          quiet;
  gint64            limit_rate;
  gint64            max_filesize;
  guint             stall_timeout;
  gboolean          tty;
  guint             live_lines; /* lines of the live display on screen */
  guint             succeeded;
  guint             skipped;
  guint             failed;
  gint64            bytes_done; /* received in this run by finished downloads */
  gint64            started_at;
};

static void start_next (App *app);

static void
download_free (Download *download)
{
  if (download->download != NULL)
    g_signal_handlers_disconnect_by_data (download->download, download);
  g_clear_object (&download->download);
  g_free (download->url);
  g_free (download->name);
  g_strfreev (download->mirrors);
  g_free (download->checksum);
  g_free (download->filename);
  g_free (download);
}

/* A string's digest: the first 64 bits of its SHA-256, in a set of
 * allocated gint64 keys. Two URLs with the same digest would be taken
 * for one (one chance in 10^7 for 10^6 URLs); two names with the same
 * digest only make the second one "NAME-2". */
static gint64 *
digest_of (const char *s,
           gsize       len)
{
  g_autoptr(GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  guint8 out[32];
  gsize out_len = sizeof out;
  gint64 *key = g_new (gint64, 1);

  g_checksum_update (sum, (const guchar *) s, len);
  g_checksum_get_digest (sum, out, &out_len);
  memcpy (key, out, sizeof *key);
  return key;
}

static GHashTable *
digest_set_new (void)
{
  return g_hash_table_new_full (g_int64_hash, g_int64_equal, g_free, NULL);
}

static gboolean
digest_set_has (GHashTable *set,
                const char *s,
                gsize       len)
{
  g_autofree gint64 *key = digest_of (s, len);

  return g_hash_table_contains (set, key);
}

/* Adds @s; returns whether it was new. */
static gboolean
digest_set_add (GHashTable *set,
                const char *s)
{
  return g_hash_table_add (set, digest_of (s, strlen (s)));
}

/* ---------------------------------------------------------------------- */
/* Display                                                                 */

static char *
format_duration (gint64 seconds)
{
  if (seconds >= 3600)
    return g_strdup_printf ("%" G_GINT64_FORMAT ":%02d:%02d", seconds / 3600,
                            (int) (seconds / 60 % 60), (int) (seconds % 60));
  return g_strdup_printf ("%d:%02d", (int) (seconds / 60), (int) (seconds % 60));
}

/* The terminal's size; 80 × 24 if it does not say. */
static void
terminal_size (guint *cols,
               guint *rows)
{
  struct winsize ws;

  *cols = 80;
  *rows = 24;
  if (ioctl (STDOUT_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 0 && ws.ws_row > 0)
    {
      *cols = ws.ws_col;
      *rows = ws.ws_row;
    }
}

/* The screen cells a character takes: two for the wide ones (CJK, most
 * emoji), none for combining marks. */
static guint
cells_of (gunichar c)
{
  if (g_unichar_iszerowidth (c))
    return 0;
  return g_unichar_iswide (c) ? 2 : 1;
}

/* The end of the longest start of @s (valid UTF-8) that fits in @max
 * cells; the cells it takes in *@used. */
static const char *
cut_to_cells (const char *s,
              guint       max,
              guint      *used)
{
  guint cells = 0;

  for (; *s != '\0'; s = g_utf8_next_char (s))
    {
      guint c = cells_of (g_utf8_get_char (s));

      if (cells + c > max)
        break;
      cells += c;
    }
  *used = cells;
  return s;
}

/* One line, cut to one cell less than the terminal's width: a line that
 * reached the last column could wrap, and the frame would no longer be
 * the lines clear_live() moves up over. */
static void
print_cut (GString *out,
           const char *line,
           guint width)
{
  guint used;
  const char *end = cut_to_cells (line, width > 1 ? width - 1 : 0, &used);

  g_string_append_len (out, line, end - line);
  g_string_append (out, "\033[K\n");
}

#define NAME_COLUMNS 28

/* The name in a column of its own, NAME_COLUMNS cells wide: cut with an
 * ellipsis, or padded. */
static char *
name_column (const char *name)
{
  GString *out;
  guint used;
  const char *end = cut_to_cells (name, NAME_COLUMNS, &used);

  if (*end != '\0')
    {
      end = cut_to_cells (name, NAME_COLUMNS - 1, &used);
      out = g_string_new_len (name, end - name);
      g_string_append (out, "…");
      used++;
    }
  else
    out = g_string_new (name);
  for (; used < NAME_COLUMNS; used++)
    g_string_append_c (out, ' ');
  return g_string_free (out, FALSE);
}

static char *
describe (Download *download)
{
  /* The download's figures: those of all its connections. */
  GCurlDownload *d = download->download;
  GCurlTransfer *t = download->transfer;
  gint64 received = gcurl_download_get_bytes_received (d);
  gint64 total = gcurl_download_get_total_bytes (d);
  gint64 speed = gcurl_download_get_download_speed (d);
  g_autofree char *got = g_format_size (received);
  g_autofree char *rate = g_format_size (speed);
  g_autofree char *name = name_column (download->name);

  if (gcurl_download_get_state (download->download) == GCURL_DOWNLOAD_STATE_WAITING)
    return g_strdup_printf ("%s  retrying (attempt %u failed)", name,
                            gcurl_download_get_attempt (download->download));
  if (gcurl_download_get_state (download->download) == GCURL_DOWNLOAD_STATE_VERIFYING)
    return g_strdup_printf ("%s  verifying", name);
  if (gcurl_transfer_get_state (t) == GCURL_TRANSFER_STATE_PENDING)
    return g_strdup_printf ("%s  connecting", name);
  if (gcurl_download_get_state (d) == GCURL_DOWNLOAD_STATE_PAUSED)
    return g_strdup_printf ("%s  paused", name);
  if (total > 0)
    {
      g_autofree char *size = g_format_size (total);
      g_autofree char *left = speed > 0 ? format_duration ((total - received) / speed) : g_strdup ("-:--");

      return g_strdup_printf ("%s %3d%%  %s of %s  %s/s  %s left", name,
                              (int) (100 * received / total), got, size, rate, left);
    }
  return g_strdup_printf ("%s       %s  %s/s", name, got, rate);
}

/* Blanks the frame's lines one by one and goes back to its first. Never
 * "erase below" (ED): with the frame at the top of the screen that is
 * clearing the whole screen, which terminals such as tmux (its
 * scroll-on-clear) first push into the scrollback, a stale frame there
 * per redraw. */
static void
clear_live (App *app)
{
  g_autoptr(GString) out = NULL;

  if (app->live_lines == 0)
    return;
  out = g_string_new (NULL);
  g_string_append_printf (out, "\033[%uA", app->live_lines);
  for (guint i = 0; i < app->live_lines; i++)
    g_string_append (out, "\033[2K\n");
  g_string_append_printf (out, "\033[%uA", app->live_lines);
  fputs (out->str, stdout);
  app->live_lines = 0;
}

static void
draw_live (App *app)
{
  g_autoptr(GString) out = g_string_new (NULL);
  guint width, rows, shown, lines = 0;
  gint64 bytes = app->bytes_done;
  gint64 speed = 0;
  g_autofree char *total = NULL;
  g_autofree char *rate = NULL;
  g_autofree char *line = NULL;

  if (!app->tty || app->quiet)
    return;

  /* The frame never fills the screen, so that clear_live() can always
   * move back up over all of it: a line per download while they fit,
   * one "and N more", and the total line. */
  terminal_size (&width, &rows);
  shown = app->running->len;
  if (shown + 1 >= rows)
    shown = rows >= 3 ? rows - 3 : 0;
  for (guint i = 0; i < app->running->len; i++)
    {
      Download *download = app->running->pdata[i];

      bytes += MAX (0, gcurl_download_get_bytes_received (download->download) - download->had);
      speed += gcurl_download_get_download_speed (download->download);
      if (i < shown)
        {
          g_autofree char *text = describe (download);

          print_cut (out, text, width);
          lines++;
        }
    }
  if (shown < app->running->len && rows >= 3)
    {
      g_autofree char *more = g_strdup_printf ("… and %u more", app->running->len - shown);

      print_cut (out, more, width);
      lines++;
    }
  total = g_format_size (bytes);
  rate = g_format_size (speed);
  line = g_strdup_printf ("%u running, %u queued, %u done, %u failed  %s  %s/s",
                          app->running->len, app->queued.length,
                          app->succeeded, app->failed, total, rate);
  print_cut (out, line, width);

  clear_live (app);
  fputs (out->str, stdout);
  fflush (stdout);
  app->live_lines = lines + 1;
}

static gboolean
redraw (gpointer data)
{
  draw_live (data);
  return G_SOURCE_CONTINUE;
}

/* A line that stays, above the live display. */
static void
print_line (App        *app,
            FILE       *stream,
            const char *format,
            ...) G_GNUC_PRINTF (3, 4);

static void
print_line (App        *app,
            FILE       *stream,
            const char *format,
            ...)
{
  va_list args;

  if (app->tty)
    {
      clear_live (app);
      fflush (stdout);
    }
  va_start (args, format);
  vfprintf (stream, format, args);
  va_end (args);
  fputc ('\n', stream);
  fflush (stream);
  if (app->tty)
    draw_live (app);
}

/* ---------------------------------------------------------------------- */
/* Downloads                                                               */

static void
finished (GObject      *object,
          GAsyncResult *result,
          gpointer      data)
{
  Download *download = data;
  App *app = download->app;
  g_autoptr(GError) error = NULL;

  g_ptr_array_remove (app->running, download);
  if (gcurl_download_run_finish (download->download, result, &error))
    {
      gint64 size = gcurl_download_get_bytes_received (download->download);
      g_autofree char *text = g_format_size (size);
      const char *verified = gcurl_download_get_verified_checksum (download->download);

      app->succeeded++;
      app->bytes_done += MAX (0, size - download->had);
      if (!app->quiet && verified != NULL)
        print_line (app, stdout, "%s: done, %s, %.*s verified", download->name, text,
                    (int) strcspn (verified, "="), verified);
      else if (!app->quiet)
        print_line (app, stdout, "%s: done, %s", download->name, text);
    }
  else
    {
      app->failed++;
      /* The library's messages name the URL (without its password, with
       * control characters escaped); GIO's (a file that exists) do not:
       * the sanitized file name says which download, never the URL as
       * given, which may hold credentials. */
      if (g_str_has_prefix (error->message, "Transfer of ") ||
          g_str_has_prefix (error->message, "The transfer of ") ||
          g_str_has_prefix (error->message, "Download of "))
        print_line (app, stderr, "gcurl-get: %s", error->message);
      else
        print_line (app, stderr, "gcurl-get: %s: %s", download->name, error->message);
    }

  download_free (download);
  start_next (app);
}

static gboolean
all_done (App *app)
{
  return app->running->len == 0 && app->queued.length == 0 &&
         (app->feed == NULL || app->feed->eof);
}

/* A name of its own in this run: the second "index.html" is
 * "index.html-2". A name and its ".part" are taken together, so that a
 * download to "x" and another to "x.part" never write each other's files. */
static gboolean
name_taken (App        *app,
            const char *name)
{
  g_autofree char *part = g_strconcat (name, ".part", NULL);
  gsize len = strlen (name);

  return digest_set_has (app->names, name, len) ||
         digest_set_has (app->names, part, len + 5) ||
         (g_str_has_suffix (name, ".part") && digest_set_has (app->names, name, len - 5));
}

static char *
unique_name (App        *app,
             const char *suggested)
{
  char *name = g_strdup (suggested);

  for (int n = 2; name_taken (app, name); n++)
    {
      g_free (name);
      name = g_strdup_printf ("%s-%d", suggested, n);
    }
  digest_set_add (app->names, name);
  return name;
}

/* A mirror failed: the download goes on from the others. The library's
 * message names the URL (without its password, control characters
 * escaped). */
static void
mirror_dropped (GCurlDownload *d,
                const char    *url,
                const GError  *error,
                gpointer       data)
{
  Download *download = data;

  print_line (download->app, stderr, "gcurl-get: %s: dropped a mirror: %s", download->name,
              error->message);
}

/* The server's name is known: shown from now on. */
static void
named (GObject    *object,
       GParamSpec *pspec,
       gpointer    data)
{
  Download *download = data;
  GFile *file = gcurl_download_get_file (download->download);

  if (file == NULL)
    return;
  g_free (download->name);
  download->name = g_file_get_basename (file);
}

static void
start (App      *app,
       Download *download)
{
  g_autoptr(GFile) file = NULL;
  g_autofree char *suggested = NULL;
  g_autoptr(GCurlTransfer) probe = gcurl_transfer_new (download->url);
  GCurlDownloadFlags flags = GCURL_DOWNLOAD_FLAGS_NONE;
  gint64 max_size = app->max_filesize;

  /* The URL's name (or the Metalink's): the file's with
   * --no-content-disposition or --overwrite (the server's is known only
   * once the body comes), and the one shown until then. */
  suggested = download->filename != NULL ? g_strdup (download->filename)
                                         : gcurl_transfer_dup_suggested_filename (probe);
  download->name = unique_name (app, suggested);
  file = g_file_get_child (app->dir, download->name);

  if (app->resume && g_file_query_exists (file, NULL) && !app->overwrite)
    {
      /* Finished by an earlier run: nothing to do. */
      app->skipped++;
      if (!app->quiet)
        print_line (app, stdout, "%s: already there, skipped", download->name);
      download_free (download);
      return;
    }

  if (app->resume)
    {
      g_autofree char *part = g_strconcat (g_file_peek_path (file), ".part", NULL);
      GStatBuf st;

      flags |= GCURL_DOWNLOAD_FLAGS_RESUME;
      /* What the part had is not counted as this run's. */
      if (g_lstat (part, &st) == 0 && S_ISREG (st.st_mode))
        download->had = st.st_size;
    }
  if (app->overwrite)
    flags |= GCURL_DOWNLOAD_FLAGS_REPLACE;
  if (app->content_disposition && !app->overwrite)
    download->download = gcurl_download_new_for_folder (download->url, app->dir);
  else
    download->download = gcurl_download_new_for_file (download->url, file);
  gcurl_download_set_flags (download->download, flags);
  gcurl_download_set_checksum (download->download, download->checksum);
  gcurl_download_set_mirrors (download->download, (const char * const *) download->mirrors);
  gcurl_download_set_filename (download->download, download->filename);
  g_signal_connect (download->download, "mirror-dropped", G_CALLBACK (mirror_dropped), download);
  gcurl_download_set_retries (download->download, app->retries);
  gcurl_download_set_segments (download->download, app->segments);
  gcurl_download_set_retry_delay (download->download, app->retry_wait);
  g_signal_connect (download->download, "notify::file", G_CALLBACK (named), download);
  download->transfer = gcurl_download_get_transfer (download->download);
  gcurl_transfer_set_user_agent (download->transfer, "gcurl-get/" GCURL_VERSION_S);
  if (app->limit_rate > 0)
    gcurl_transfer_set_max_recv_speed (download->transfer, app->limit_rate);
  /* Counts the bytes as stored: decoded, if libcurl decodes (libcurl 7.88
   * decodes a Transfer-Encoding: gzip it never asked for). */
  if (download->size >= 0 && (max_size <= 0 || download->size < max_size))
    max_size = MAX (download->size, 1);   /* the Metalink's: no mirror sends more */
  if (max_size > 0)
    gcurl_transfer_set_max_size (download->transfer, max_size);
  /* A download that stops moving fails rather than hangs, and so does a
   * connection that does not come up (libcurl's default wait is five
   * minutes, each attempt). */
  gcurl_transfer_set_low_speed_limit (download->transfer, 1, app->stall_timeout);
  gcurl_transfer_set_connect_timeout (download->transfer, app->stall_timeout * 1000);

  g_ptr_array_add (app->running, download);
  gcurl_download_run_async (download->download, app->source, NULL, finished, download);
}

static void feed_read (App *app);

/* Starts what may run, reads more of the list when the queue runs short,
 * and ends the loop when all is done. */
static void
start_next (App *app)
{
  while (app->running->len < app->jobs && app->queued.length > 0)
    start (app, g_queue_pop_head (&app->queued));
  if (app->feed != NULL && !app->feed->eof && !app->feed->reading &&
      app->queued.length < app->jobs)
    feed_read (app);
  if (all_done (app))
    g_main_loop_quit (app->loop);
}

static Download *
queue_url (App        *app,
           const char *url)
{
  Download *download = g_new0 (Download, 1);

  download->app = app;
  download->url = g_strdup (url);
  download->checksum = g_strdup (app->checksum);
  download->size = -1;
  g_queue_push_tail (&app->queued, download);
  return download;
}

/* ---------------------------------------------------------------------- */
/* The -i list                                                             */

static void
feed_line (App *app)
{
  Feed *feed = app->feed;
  g_autofree char *text = NULL;
  const char *why;

  feed->number++;
  if (demo_url_list_check_line (feed->line->str, feed->line->len, &text, &why))
    {
      if (digest_set_add (feed->seen, text))
        queue_url (app, text);
    }
  else if (why != NULL)
    {
      g_autofree char *problem = demo_url_list_problem (feed->number, why, text);

      print_line (app, stderr, "gcurl-get: %s: %s", feed->path, problem);
      app->failed++;
    }
  g_string_truncate (feed->line, 0);
}

static void
feed_read_cb (GObject      *object,
              GAsyncResult *result,
              gpointer      data)
{
  App *app = data;
  Feed *feed = app->feed;
  g_autoptr(GError) error = NULL;
  g_autoptr(GBytes) bytes = g_input_stream_read_bytes_finish (feed->in, result, &error);
  const char *p, *end;
  gsize len = 0;

  feed->reading = FALSE;
  if (bytes == NULL)
    {
      print_line (app, stderr, "gcurl-get: %s: %s", feed->path, error->message);
      app->failed++;
      feed->eof = TRUE;
    }
  else if (g_bytes_get_size (bytes) == 0)
    {
      if (feed->line->len > 0)   /* the last line, without a newline */
        feed_line (app);
      feed->eof = TRUE;
    }
  else
    {
      p = g_bytes_get_data (bytes, &len);
      for (end = p + len; p < end; )
        {
          const char *eol = memchr (p, '\n', end - p);
          const char *stop = eol ? eol : end;

          /* Past 8 KiB + 1 the line is too long whatever follows. */
          if (feed->line->len <= DEMO_MAX_URL_LENGTH)
            g_string_append_len (feed->line, p, MIN ((gsize) (stop - p),
                                                     DEMO_MAX_URL_LENGTH + 1 - feed->line->len));
          if (eol != NULL)
            feed_line (app);
          p = stop + (eol != NULL);
        }
    }

  start_next (app);
}

static void
feed_read (App *app)
{
  app->feed->reading = TRUE;
  g_input_stream_read_bytes_async (app->feed->in, 64 * 1024, G_PRIORITY_DEFAULT,
                                   app->feed->cancellable, feed_read_cb, app);
}

static Feed *
feed_open (const char  *path,
           GError     **error)
{
  g_autoptr(GInputStream) in = NULL;
  Feed *feed;

  if (g_str_equal (path, "-"))
    in = g_unix_input_stream_new (STDIN_FILENO, FALSE);
  else
    {
      g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);

      in = G_INPUT_STREAM (g_file_read (file, NULL, error));
      if (in == NULL)
        return NULL;
    }
  feed = g_new0 (Feed, 1);
  feed->in = g_steal_pointer (&in);
  feed->path = g_strdup (path);
  feed->line = g_string_sized_new (256);
  feed->seen = digest_set_new ();
  feed->cancellable = g_cancellable_new ();
  return feed;
}

static void
feed_free (Feed *feed)
{
  g_cancellable_cancel (feed->cancellable);
  g_object_unref (feed->cancellable);
  g_object_unref (feed->in);
  g_free (feed->path);
  g_string_free (feed->line, TRUE);
  g_hash_table_unref (feed->seen);
  g_free (feed);
}

static gboolean
on_interrupt (gpointer data)
{
  App *app = data;

  /* Pausing keeps every .part file as it is; exiting without cancelling
   * keeps them on disk for --resume. */
  for (guint i = 0; i < app->running->len; i++)
    gcurl_download_pause (((Download *) app->running->pdata[i])->download);
  clear_live (app);
  fflush (stdout);
  g_printerr ("gcurl-get: interrupted; partial downloads are kept as .part files "
              "(run again with --resume to continue them)\n");
  exit (130);
  return G_SOURCE_REMOVE;
}

/* ---------------------------------------------------------------------- */
/* Command line                                                            */

/* "100000", "100K", "1.5M", "2G" (powers of 1024, as curl's --limit-rate). */
static gboolean
parse_rate (const char  *text,
            gint64      *rate,
            GError     **error)
{
  char *end = NULL;
  double value = g_ascii_strtod (text, &end);
  double unit = 1;

  if (end == text || value <= 0)
    goto invalid;
  switch (g_ascii_tolower (*end))
    {
    case '\0': break;
    case 'k': unit = 1024; end++; break;
    case 'm': unit = 1024 * 1024; end++; break;
    case 'g': unit = 1024.0 * 1024 * 1024; end++; break;
    default: goto invalid;
    }
  if (*end != '\0' || value * unit >= (double) G_MAXINT64 || value * unit < 1)
    goto invalid;
  *rate = (gint64) (value * unit);
  return TRUE;

invalid:
  g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
               "invalid rate \"%s\" (bytes per second, with an optional K, M or G)", text);
  return FALSE;
}

static gint64 limit_rate_option;
static gint64 max_filesize_option;

static gboolean
on_limit_rate (const char  *name,
               const char  *value,
               gpointer     data,
               GError     **error)
{
  return parse_rate (value, &limit_rate_option, error);
}

static gboolean
on_max_filesize (const char  *name,
                 const char  *value,
                 gpointer     data,
                 GError     **error)
{
  if (!parse_rate (value, &max_filesize_option, NULL))
    {
      g_set_error (error, G_OPTION_ERROR, G_OPTION_ERROR_BAD_VALUE,
                   "invalid size \"%s\" (bytes, with an optional K, M or G)", value);
      return FALSE;
    }
  return TRUE;
}

/* ALGO=HEX as GCurlDownload takes it (sha256, sha512, sha1 or md5, any
 * case, dashes ignored, and as many hex digits as its digest has): a
 * malformed one is a usage error, said before anything is fetched. */
static gboolean
checksum_well_formed (const char *spec)
{
  static const struct { const char *name; gsize hex; } algorithms[] = {
    { "sha256", 64 }, { "sha512", 128 }, { "sha1", 40 }, { "md5", 32 },
  };
  const char *eq = strchr (spec, '=');
  g_autoptr(GString) name = g_string_new (NULL);

  if (eq == NULL)
    return FALSE;
  for (const char *p = spec; p < eq; p++)
    if (*p != '-')
      g_string_append_c (name, g_ascii_tolower (*p));
  for (gsize i = 0; i < G_N_ELEMENTS (algorithms); i++)
    if (g_str_equal (name->str, algorithms[i].name))
      {
        if (strlen (eq + 1) != algorithms[i].hex)
          return FALSE;
        for (const char *p = eq + 1; *p != '\0'; p++)
          if (!g_ascii_isxdigit (*p))
            return FALSE;
        return TRUE;
      }
  return FALSE;
}

int
main (int   argc,
      char *argv[])
{
  g_autofree char *output_dir = NULL;
  g_autofree char *input_file = NULL;
  g_auto(GStrv) args = NULL;
  g_autofree char *checksum = NULL;
  g_auto(GStrv) mirrors = NULL;
  g_autofree char *metalink = NULL;
  g_autoptr(GPtrArray) metalink_files = NULL;
  int jobs = 4;
  int stall_timeout = 60;
  int retries = 5;
  int segments = 1;
  double retry_wait = 1.0;
  gboolean resume = FALSE, overwrite = FALSE, demo = FALSE, quiet = FALSE;
  gboolean content_disposition = TRUE, no_content_disposition = FALSE;
  GOptionEntry entries[] = {
    { "output-dir", 'o', 0, G_OPTION_ARG_FILENAME, &output_dir,
      "Save into DIR (default: the current folder)", "DIR" },
    { "jobs", 'j', 0, G_OPTION_ARG_INT, &jobs, "Download N at a time (default: 4)", "N" },
    { "resume", 'c', 0, G_OPTION_ARG_NONE, &resume,
      "Continue partial downloads (NAME.part); skip files already there", NULL },
    { "limit-rate", 0, 0, G_OPTION_ARG_CALLBACK, on_limit_rate,
      "Limit each download to RATE bytes per second (K, M, G: powers of 1024)", "RATE" },
    { "max-filesize", 0, 0, G_OPTION_ARG_CALLBACK, on_max_filesize,
      "Fail a download larger than SIZE bytes, as received (K, M, G: powers of 1024)", "SIZE" },
    { "input-file", 'i', 0, G_OPTION_ARG_FILENAME, &input_file,
      "Read URLs from FILE, one per line (- for standard input), as they are needed", "FILE" },
    { "overwrite", 0, 0, G_OPTION_ARG_NONE, &overwrite,
      "Replace files that exist (under the URL's name)", NULL },
    { "content-disposition", 0, 0, G_OPTION_ARG_NONE, &content_disposition,
      "Save under the name the server gives (the default)", NULL },
    { "no-content-disposition", 0, 0, G_OPTION_ARG_NONE, &no_content_disposition,
      "Save under the URL's name", NULL },
    { "checksum", 0, 0, G_OPTION_ARG_STRING, &checksum,
      "Verify the file (one URL) against ALGO=HEX: sha256, sha512, sha1 or md5", "ALGO=HEX" },
    { "mirror", 0, 0, G_OPTION_ARG_STRING_ARRAY, &mirrors,
      "Another URL of the same file (may be repeated; for one URL): the connections "
      "are spread over them, and one that fails is dropped", "URL" },
    { "metalink", 0, 0, G_OPTION_ARG_FILENAME, &metalink,
      "Download the files of a Metalink v4 document (RFC 5854), from its URLs, "
      "checked against its hashes", "FILE" },
    { "segments", 's', 0, G_OPTION_ARG_INT, &segments,
      "Fetch each file of 2 MiB or more over up to N connections (default: 1; at most 16)", "N" },
    { "split", 0, G_OPTION_FLAG_HIDDEN, G_OPTION_ARG_INT, &segments, "The same as --segments", "N" },
    { "retries", 0, 0, G_OPTION_ARG_INT, &retries,
      "Retry a download that failed in a way that may pass N times (default: 5)", "N" },
    { "retry-wait", 0, 0, G_OPTION_ARG_DOUBLE, &retry_wait,
      "Wait SECONDS before the first retry, doubling up to a minute (default: 1)", "SECONDS" },
    { "stall-timeout", 0, 0, G_OPTION_ARG_INT, &stall_timeout,
      "Fail a download that receives nothing for SECONDS (default: 60)", "SECONDS" },
    { "demo", 0, 0, G_OPTION_ARG_NONE, &demo,
      "Download the files of an embedded local demo server", NULL },
    { "quiet", 'q', 0, G_OPTION_ARG_NONE, &quiet, "Print errors only", NULL },
    { G_OPTION_REMAINING, 0, 0, G_OPTION_ARG_STRING_ARRAY, &args, NULL, "URL…" },
    { NULL }
  };
  g_autoptr(GOptionContext) context = NULL;
  g_autoptr(GError) error = NULL;
  g_autoptr(GPtrArray) urls = g_ptr_array_new_with_free_func (g_free);
  g_autoptr(DemoServer) server = NULL;
  App app = { 0 };
  guint redraw_id = 0;
  g_autofree char *total = NULL;
  double seconds;
  gboolean no_url;

  setlocale (LC_ALL, "");
  context = g_option_context_new ("URL… — download in parallel");
  g_option_context_add_main_entries (context, entries, NULL);
  g_option_context_set_summary (context,
    "Downloads every URL into a folder, several at a time, with a live display\n"
    "on a terminal. Exit status: 0 if every download succeeded, 1 if one failed,\n"
    "2 for a usage error, 130 if interrupted.");
  if (!g_option_context_parse (context, &argc, &argv, &error))
    {
      g_printerr ("gcurl-get: %s\n", error->message);
      return 2;
    }
  if (jobs < 1 || jobs > 1000)
    {
      g_printerr ("gcurl-get: --jobs must be between 1 and 1000\n");
      return 2;
    }
  if (stall_timeout < 1 || stall_timeout > 86400)
    {
      g_printerr ("gcurl-get: --stall-timeout must be between 1 and 86400 seconds\n");
      return 2;
    }
  if (segments < 1 || segments > GCURL_DOWNLOAD_MAX_SEGMENTS)
    {
      g_printerr ("gcurl-get: --segments must be between 1 and %d\n", GCURL_DOWNLOAD_MAX_SEGMENTS);
      return 2;
    }
  if (retries < 0 || retries > 1000)
    {
      g_printerr ("gcurl-get: --retries must be between 0 and 1000\n");
      return 2;
    }
  if (!(retry_wait >= 0 && retry_wait <= 60))
    {
      g_printerr ("gcurl-get: --retry-wait must be between 0 and 60 seconds\n");
      return 2;
    }

  if (demo)
    {
      g_auto(GStrv) demo_urls = NULL;

      server = demo_server_new (&error);
      if (server == NULL)
        {
          g_printerr ("gcurl-get: cannot start the demo server: %s\n", error->message);
          return 1;
        }
      demo_urls = demo_server_dup_urls (server);
      for (guint i = 0; demo_urls[i] != NULL; i++)
        g_ptr_array_add (urls, g_strdup (demo_urls[i]));
      g_print ("Demo server at %s (on this machine only)\n", demo_server_get_base (server));
    }
  if (input_file != NULL && (app.feed = feed_open (input_file, &error)) == NULL)
    {
      g_printerr ("gcurl-get: %s: %s\n", input_file, error->message);
      return 1;
    }
  for (guint i = 0; args != NULL && args[i] != NULL; i++)
    g_ptr_array_add (urls, g_strdup (args[i]));
  if (metalink != NULL && (metalink_files = metalink_read (metalink, &error)) == NULL)
    {
      g_autofree char *shown = g_filename_display_name (metalink);

      g_printerr ("gcurl-get: %s: %s\n", shown, error->message);
      return 1;
    }
  if (urls->len == 0 && app.feed == NULL && metalink_files == NULL)
    {
      g_printerr ("gcurl-get: no URL given (see --help)\n");
      return 2;
    }
  if (mirrors != NULL && (urls->len != 1 || app.feed != NULL || metalink_files != NULL))
    {
      g_printerr ("gcurl-get: --mirror is for one URL\n");
      return 2;
    }
  if (checksum != NULL && (urls->len != 1 || app.feed != NULL || metalink_files != NULL))
    {
      g_printerr ("gcurl-get: --checksum is for one URL\n");
      return 2;
    }
  if (checksum != NULL && !checksum_well_formed (checksum))
    {
      g_printerr ("gcurl-get: --checksum takes ALGO=HEX: sha256, sha512, sha1 or md5, "
                  "and its digest in hex\n");
      return 2;
    }

  app.loop = g_main_loop_new (NULL, FALSE);
  app.source = gcurl_multi_source_new ();
  app.dir = g_file_new_for_commandline_arg (output_dir ? output_dir : ".");
  app.running = g_ptr_array_new ();
  app.names = digest_set_new ();
  app.jobs = jobs;
  app.resume = resume;
  app.overwrite = overwrite;
  app.content_disposition = content_disposition && !no_content_disposition;
  app.checksum = checksum;
  app.retries = (guint) retries;
  app.segments = (guint) segments;
  app.retry_wait = (guint) (retry_wait * 1000);
  app.quiet = quiet;
  app.limit_rate = limit_rate_option;
  app.max_filesize = max_filesize_option;
  app.stall_timeout = (guint) stall_timeout;
  app.tty = isatty (STDOUT_FILENO) && g_getenv ("TERM") && !g_str_equal (g_getenv ("TERM"), "dumb");
  app.started_at = g_get_monotonic_time ();

  if (!g_file_make_directory_with_parents (app.dir, NULL, &error) &&
      !g_error_matches (error, G_IO_ERROR, G_IO_ERROR_EXISTS))
    {
      g_printerr ("gcurl-get: cannot create %s: %s\n", output_dir, error->message);
      return 1;
    }
  g_clear_error (&error);

  /* The URLs of the command line first, then the list's as it is read. */
  for (guint i = 0; i < urls->len; i++)
    queue_url (&app, urls->pdata[i])->mirrors = g_strdupv (mirrors);
  for (guint i = 0; metalink_files != NULL && i < metalink_files->len; i++)
    {
      MetalinkFile *file = metalink_files->pdata[i];
      Download *download = queue_url (&app, file->urls[0]);

      download->mirrors = g_strdupv (file->urls + 1);
      download->filename = g_strdup (file->name);
      download->size = file->size;
      g_free (download->checksum);
      download->checksum = g_strdup (file->checksum);
    }

  g_unix_signal_add (SIGINT, on_interrupt, &app);
  g_unix_signal_add (SIGTERM, on_interrupt, &app);
  start_next (&app);
  if (!all_done (&app))
    {
      if (app.tty && !app.quiet)
        redraw_id = g_timeout_add (REDRAW_MS, redraw, &app);
      draw_live (&app);
      g_main_loop_run (app.loop);
    }
  g_clear_handle_id (&redraw_id, g_source_remove);
  clear_live (&app);

  /* A list with nothing in it (nor anything wrong) and no URL given. */
  no_url = urls->len == 0 && metalink_files == NULL && app.succeeded == 0 && app.skipped == 0 && app.failed == 0;
  if (no_url)
    g_printerr ("gcurl-get: no URL given (see --help)\n");

  seconds = (g_get_monotonic_time () - app.started_at) / 1e6;
  total = g_format_size (app.bytes_done);
  if (!quiet && !no_url)
    {
      /* The bytes this run received, not those earlier runs left. */
      if (app.skipped > 0)
        g_print ("%u downloaded, %u skipped, %u failed: %s in %.1f s\n", app.succeeded,
                 app.skipped, app.failed, total, seconds);
      else
        g_print ("%u downloaded, %u failed: %s in %.1f s\n", app.succeeded, app.failed, total,
                 seconds);
    }

  g_ptr_array_unref (app.running);
  g_queue_clear_full (&app.queued, (GDestroyNotify) download_free);
  g_clear_pointer (&app.feed, feed_free);
  g_hash_table_unref (app.names);
  g_object_unref (app.dir);
  g_object_unref (app.source);
  g_main_loop_unref (app.loop);
  return no_url ? 2 : app.failed > 0 ? 1 : 0;
}
