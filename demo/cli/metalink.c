/* metalink.c: the files of a Metalink v4 document (RFC 5854), for gcurl-get
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * A Metalink comes from anywhere, so it is read as hostile: GMarkup
 * (no DTD, no external entities), a size limit, names that must be plain
 * file names, and only http and https URLs (a file:// URL would read
 * this machine's files into the download folder).
 */

#include "metalink.h"

#include <gio/gio.h>
#include <string.h>

#define MAX_SIZE (4 * 1024 * 1024)
#define MAX_FILES 10000
#define MAX_URLS 100
#define NO_PRIORITY 999999

typedef struct
{
  char  *url;
  guint  priority;
  guint  order;
} Url;

typedef struct
{
  GPtrArray    *files;     /* MetalinkFile * */
  MetalinkFile *file;      /* the <file> being read */
  GArray       *urls;      /* Url, of that file */
  int           best_hash; /* index in hashes[] of its hash so far, or -1 */
  GString      *text;
  const char   *element;   /* of the text being collected, or NULL */
  char         *hash_type;
  guint         url_priority;
  gboolean      seen_root;
} Reader;

/* Strongest first: the name in Metalink, ours, the hex length. */
static const struct { const char *metalink, *ours; gsize hex; } hashes[] = {
  { "sha-512", "sha512", 128 },
  { "sha-256", "sha256", 64 },
  { "sha-1", "sha1", 40 },
  { "md5", "md5", 32 },
};

void
metalink_file_free (MetalinkFile *file)
{
  g_free (file->name);
  g_free (file->checksum);
  g_strfreev (file->urls);
  g_free (file);
}

static void
url_clear (gpointer data)
{
  g_free (((Url *) data)->url);
}

static const char *
attribute (const char **names,
           const char **values,
           const char  *name)
{
  for (guint i = 0; names[i] != NULL; i++)
    if (g_str_equal (names[i], name))
      return values[i];
  return NULL;
}

/* The last part of a name with directories (a Metalink may give
 * "dir/file"): it must be a plain name, shown as it is, that the folder
 * can hold. */
static char *
plain_name (const char  *name,
            GError     **error)
{
  const char *base = strrchr (name, '/') ? strrchr (name, '/') + 1 : name;
  gboolean ok = base[0] != '\0' && base[0] != '.' && strlen (base) <= 240 &&
                g_utf8_validate (base, -1, NULL);

  for (const char *p = base; ok && *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      ok = !g_unichar_iscntrl (c) && c != '\\' && c != 0x7f;
    }
  if (!ok)
    {
      g_autofree char *shown = g_strescape (name, NULL);

      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                   "“%.80s” is not a plain file name", shown);
      return NULL;
    }
  return g_strdup (base);
}

static void
start_element (GMarkupParseContext  *context,
               const char           *element,
               const char          **names,
               const char          **values,
               gpointer              data,
               GError              **error)
{
  Reader *r = data;
  const char *parent = g_markup_parse_context_get_element_stack (context)->next
                         ? g_markup_parse_context_get_element_stack (context)->next->data
                         : NULL;

  if (parent == NULL)
    {
      const char *ns = attribute (names, values, "xmlns");

      if (!g_str_equal (element, "metalink") ||
          g_strcmp0 (ns, "urn:ietf:params:xml:ns:metalink") != 0)
        {
          g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                               "not a Metalink v4 document (RFC 5854)");
          return;
        }
      r->seen_root = TRUE;
      return;
    }
  if (g_str_equal (element, "file") && g_str_equal (parent, "metalink"))
    {
      const char *name = attribute (names, values, "name");

      if (r->files->len >= MAX_FILES)
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                       "more than %d files", MAX_FILES);
          return;
        }
      if (name == NULL)
        {
          g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_MISSING_ATTRIBUTE,
                               "a <file> without a name");
          return;
        }
      r->file = g_new0 (MetalinkFile, 1);
      r->file->size = -1;
      r->file->name = plain_name (name, error);
      r->best_hash = -1;
      g_array_set_size (r->urls, 0);
      return;
    }
  if (r->file == NULL || !g_str_equal (parent, "file"))
    return;
  if (g_str_equal (element, "size") || g_str_equal (element, "hash") ||
      g_str_equal (element, "url"))
    {
      r->element = element;
      g_string_truncate (r->text, 0);
      if (g_str_equal (element, "hash"))
        {
          const char *type = attribute (names, values, "type");

          g_free (r->hash_type);
          r->hash_type = g_ascii_strdown (type != NULL ? type : "", -1);
        }
      if (g_str_equal (element, "url"))
        {
          const char *priority = attribute (names, values, "priority");
          guint64 p = NO_PRIORITY;

          if (priority != NULL &&
              !g_ascii_string_to_unsigned (priority, 10, 1, NO_PRIORITY, &p, NULL))
            p = NO_PRIORITY;
          r->url_priority = (guint) p;
        }
    }
}

static void
text (GMarkupParseContext  *context,
      const char           *text,
      gsize                 len,
      gpointer              data,
      GError              **error)
{
  Reader *r = data;

  if (r->element != NULL && r->text->len + len <= 64 * 1024)
    g_string_append_len (r->text, text, (gssize) len);
}

static int
by_priority (gconstpointer a,
             gconstpointer b)
{
  const Url *x = a, *y = b;

  if (x->priority != y->priority)
    return x->priority < y->priority ? -1 : 1;
  return x->order < y->order ? -1 : x->order > y->order;
}

static void
end_file (Reader  *r,
          GError **error)
{
  g_autoptr(MetalinkFile) file = g_steal_pointer (&r->file);
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();

  if (r->urls->len == 0)
    {
      g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                   "%s has no http or https URL", file->name);
      return;
    }
  g_array_sort (r->urls, by_priority);
  for (guint i = 0; i < r->urls->len; i++)
    g_strv_builder_add (builder, g_array_index (r->urls, Url, i).url);
  file->urls = g_strv_builder_end (builder);
  g_ptr_array_add (r->files, g_steal_pointer (&file));
  g_array_set_size (r->urls, 0);
}

static void
end_element (GMarkupParseContext  *context,
             const char           *element,
             gpointer              data,
             GError              **error)
{
  Reader *r = data;
  g_autofree char *value = NULL;

  if (g_str_equal (element, "file") && r->file != NULL &&
      g_markup_parse_context_get_element_stack (context)->next != NULL &&
      g_str_equal (g_markup_parse_context_get_element_stack (context)->next->data, "metalink"))
    {
      end_file (r, error);
      return;
    }
  if (r->element == NULL || !g_str_equal (element, r->element))
    return;
  r->element = NULL;
  value = g_strstrip (g_strdup (r->text->str));

  if (g_str_equal (element, "size"))
    {
      guint64 size;

      if (!g_ascii_string_to_unsigned (value, 10, 0, G_MAXINT64, &size, NULL))
        {
          g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                       "the size of %s is not a number", r->file->name);
          return;
        }
      r->file->size = (gint64) size;
    }
  else if (g_str_equal (element, "hash"))
    {
      for (guint i = 0; i < G_N_ELEMENTS (hashes); i++)
        {
          if (!g_str_equal (r->hash_type, hashes[i].metalink))
            continue;
          if (strlen (value) != hashes[i].hex ||
              strspn (value, "0123456789abcdefABCDEF") != hashes[i].hex)
            {
              g_set_error (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT,
                           "the %s hash of %s is not %zu hex digits", hashes[i].metalink,
                           r->file->name, hashes[i].hex);
              return;
            }
          if (r->best_hash < 0 || (int) i < r->best_hash)
            {
              g_autofree char *hex = g_ascii_strdown (value, -1);

              r->best_hash = (int) i;
              g_free (r->file->checksum);
              r->file->checksum = g_strdup_printf ("%s=%s", hashes[i].ours, hex);
            }
        }
    }
  else if (g_str_equal (element, "url"))
    {
      const char *scheme = g_uri_peek_scheme (value);
      Url url;

      /* Others (ftp, file, torrents in <metaurl>) are not ours to fetch. */
      if (scheme == NULL || (!g_str_equal (scheme, "http") && !g_str_equal (scheme, "https")) ||
          r->urls->len >= MAX_URLS)
        return;
      url.url = g_steal_pointer (&value);
      url.priority = r->url_priority;
      url.order = r->urls->len;
      g_array_append_val (r->urls, url);
    }
}

GPtrArray *
metalink_read (const char  *path,
               GError     **error)
{
  static const GMarkupParser parser = { start_element, end_element, text, NULL, NULL };
  g_autoptr(GFile) file = g_file_new_for_commandline_arg (path);
  g_autoptr(GFileInputStream) in = NULL;
  g_autoptr(GByteArray) data = g_byte_array_new ();
  g_autoptr(GMarkupParseContext) context = NULL;
  g_autoptr(GPtrArray) files = g_ptr_array_new_with_free_func ((GDestroyNotify) metalink_file_free);
  Reader r = { 0 };
  gboolean ok;
  guint8 buffer[65536];
  gssize n;

  in = g_file_read (file, NULL, error);
  if (in == NULL)
    return NULL;
  while ((n = g_input_stream_read (G_INPUT_STREAM (in), buffer, sizeof buffer, NULL, error)) > 0)
    {
      if (data->len + (gsize) n > MAX_SIZE)
        {
          g_set_error (error, G_IO_ERROR, G_IO_ERROR_FAILED, "larger than %d MiB",
                       MAX_SIZE / 1024 / 1024);
          return NULL;
        }
      g_byte_array_append (data, buffer, (guint) n);
    }
  if (n < 0)
    return NULL;

  r.files = files;
  r.urls = g_array_new (FALSE, FALSE, sizeof (Url));
  g_array_set_clear_func (r.urls, url_clear);
  r.text = g_string_new (NULL);
  context = g_markup_parse_context_new (&parser, G_MARKUP_PREFIX_ERROR_POSITION, &r, NULL);
  ok = g_markup_parse_context_parse (context, (const char *) data->data, (gssize) data->len,
                                     error) &&
       g_markup_parse_context_end_parse (context, error);
  if (ok && !r.seen_root)
    {
      g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_EMPTY, "an empty document");
      ok = FALSE;
    }
  if (ok && files->len == 0)
    {
      g_set_error_literal (error, G_MARKUP_ERROR, G_MARKUP_ERROR_INVALID_CONTENT, "no <file>");
      ok = FALSE;
    }
  g_clear_pointer (&r.file, metalink_file_free);
  g_array_unref (r.urls);
  g_string_free (r.text, TRUE);
  g_free (r.hash_type);
  return ok ? g_steal_pointer (&files) : NULL;
}
