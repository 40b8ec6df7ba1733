/* gcurl-headers.c: the response head a transfer keeps
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gcurl-headers-private.h"

void
_gcurl_headers_init (GCurlHeaders *headers)
{
  memset (headers, 0, sizeof *headers);
  headers->lines = g_ptr_array_new ();
  headers->chunk = g_string_chunk_new (512);
}

void
_gcurl_headers_clear (GCurlHeaders *headers)
{
  g_clear_pointer (&headers->lines, g_ptr_array_unref);
  g_clear_pointer (&headers->chunk, g_string_chunk_free);
  headers->reason = NULL;
}

void
_gcurl_headers_reset (GCurlHeaders *headers)
{
  g_ptr_array_set_size (headers->lines, 0);
  g_string_chunk_clear (headers->chunk);
  headers->reason = NULL;
  headers->status = 0;
  headers->in_head = FALSE;
}

/* Valid UTF-8 without a NUL, as a header must be kept; ASCII (the usual
 * header) is checked eight bytes at a time. */
static gboolean
is_plain_text (const char *s,
               gsize       len)
{
  const guint64 ones = G_GUINT64_CONSTANT (0x0101010101010101);
  const guint64 highs = G_GUINT64_CONSTANT (0x8080808080808080);
  gsize i = 0;

  for (; i + 8 <= len; i += 8)
    {
      guint64 w;

      memcpy (&w, s + i, 8);
      /* A byte with its high bit set, or a zero byte. */
      if ((w | ((w - ones) & ~w)) & highs)
        return g_utf8_validate_len (s, len, NULL);
    }
  for (; i < len; i++)
    if (s[i] == '\0' || (guchar) s[i] >= 0x80)
      return g_utf8_validate_len (s, len, NULL);
  return TRUE;
}

/* @s as kept text in @chunk: as it is if plain, else made valid. */
static const char *
chunk_insert_text (GStringChunk *chunk,
                   const char   *s,
                   gsize         len)
{
  g_autofree char *valid = NULL;

  if (is_plain_text (s, len))
    return g_string_chunk_insert_len (chunk, s, (gssize) len);
  valid = g_utf8_make_valid (s, (gssize) len);
  return g_string_chunk_insert (chunk, valid);
}

GCurlHeaderLine
_gcurl_headers_feed (GCurlHeaders *headers,
                     const char   *line,
                     gsize         len)
{
  const char *colon;

  while (len > 0 && (line[len - 1] == '\r' || line[len - 1] == '\n'))
    len--;
  if (len == 0)
    {
      /* The end of a response head (not of trailers). */
      if (!headers->in_head)
        return GCURL_HEADER_LINE_IGNORED;
      headers->in_head = FALSE;
      return GCURL_HEADER_LINE_END_OF_HEAD;
    }

  /* A status line starts a new response (a redirect, a 100 Continue, the
   * final one): keep only the last response's headers. */
  if (len > 5 && strncmp (line, "HTTP/", 5) == 0)
    {
      const char *sp = memchr (line, ' ', len);
      const char *sp2 = sp ? memchr (sp + 1, ' ', len - (gsize) (sp + 1 - line)) : NULL;

      _gcurl_headers_reset (headers);
      headers->in_head = TRUE;
      if (sp != NULL && len - (gsize) (sp + 1 - line) >= 3 && g_ascii_isdigit (sp[1]) &&
          g_ascii_isdigit (sp[2]) && g_ascii_isdigit (sp[3]))
        headers->status = (guint) ((sp[1] - '0') * 100 + (sp[2] - '0') * 10 + (sp[3] - '0'));
      if (sp2 != NULL)
        headers->reason = chunk_insert_text (headers->chunk, sp2 + 1,
                                             len - (gsize) (sp2 + 1 - line));
      return GCURL_HEADER_LINE_STATUS;
    }

  /* Kept as they came ("Name: value", as UTF-8); the lookups skip the
   * blanks after the colon. One chunk of memory holds them all: a string
   * each was 5,000 instructions of a short transfer (callgrind); a pointer
   * handed out stays valid while trailers are added. */
  colon = memchr (line, ':', len);
  if (colon == NULL || colon == line)
    return GCURL_HEADER_LINE_IGNORED;
  g_ptr_array_add (headers->lines,
                   (gpointer) chunk_insert_text (headers->chunk, line, len));
  return GCURL_HEADER_LINE_FIELD;
}

/* The value of line @h if its name is @name (@len bytes), else NULL. */
static const char *
value_if_named (const char *h,
                const char *name,
                gsize       len)
{
  if (g_ascii_strncasecmp (h, name, len) != 0 || h[len] != ':')
    return NULL;
  h += len + 1;
  while (*h == ' ' || *h == '\t')
    h++;
  return h;
}

const char *
_gcurl_headers_lookup (const GCurlHeaders *headers,
                       const char         *name)
{
  gsize len = strlen (name);

  for (guint i = headers->lines->len; i > 0; i--)
    {
      const char *v = value_if_named (headers->lines->pdata[i - 1], name, len);

      if (v != NULL)
        return v;
    }
  return NULL;
}

char **
_gcurl_headers_dup_values (const GCurlHeaders *headers,
                           const char         *name)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  gsize len = strlen (name);
  char **ret;

  for (guint i = 0; i < headers->lines->len; i++)
    {
      const char *v = value_if_named (headers->lines->pdata[i], name, len);

      if (v != NULL)
        g_strv_builder_add (builder, v);
    }
  ret = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ret;
}

char **
_gcurl_headers_dup_all (const GCurlHeaders *headers)
{
  GStrvBuilder *builder = g_strv_builder_new ();
  char **ret;

  for (guint i = 0; i < headers->lines->len; i++)
    {
      const char *h = headers->lines->pdata[i];
      const char *colon = strchr (h, ':');
      const char *v = colon + 1;
      g_autofree char *line = NULL;

      while (*v == ' ' || *v == '\t')
        v++;
      line = g_strdup_printf ("%.*s: %s", (int) (colon - h), h, v);
      g_strv_builder_add (builder, line);
    }
  ret = g_strv_builder_end (builder);
  g_strv_builder_unref (builder);
  return ret;
}

char *
_gcurl_headers_dup_quoted_values (const GCurlHeaders *headers,
                                  const char         *name)
{
  GString *values = g_string_new (NULL);
  gsize len = strlen (name);

  for (guint i = 0; i < headers->lines->len; i++)
    {
      const char *v = value_if_named (headers->lines->pdata[i], name, len);

      if (v != NULL)
        g_string_append_printf (values, "%s\"%s\"", values->len ? ", " : "", v);
    }
  return g_string_free (values, FALSE);
}

/* RFC 9112, 6.3: anything but one length leaves the body's end unknown,
 * an error for a client. libcurl 7.88 and 8.14 take the last of two
 * headers, the first item of a list, and read an overflowing one to the
 * close. */
gboolean
_gcurl_headers_content_length_valid (const GCurlHeaders *headers)
{
  gboolean seen = FALSE;
  guint64 length = 0;

  for (guint i = 0; i < headers->lines->len; i++)
    {
      const char *p = headers->lines->pdata[i];

      if (g_ascii_strncasecmp (p, "Content-Length:", 15) != 0)
        continue;
      /* Items split by commas, each digits between blanks; parsed in
       * place (this runs for every response). */
      p += 15;
      do
        {
          guint64 n = 0;
          const char *digits;

          while (*p == ' ' || *p == '\t')
            p++;
          digits = p;
          for (; g_ascii_isdigit (*p); p++)
            {
              if (n > (G_MAXINT64 - (guint64) (*p - '0')) / 10)
                return FALSE;
              n = n * 10 + (guint64) (*p - '0');
            }
          while (*p == ' ' || *p == '\t')
            p++;
          if (p == digits || (*p != ',' && *p != '\0') || (seen && n != length))
            return FALSE;
          seen = TRUE;
          length = n;
        }
      while (*p++ == ',');
    }
  return TRUE;
}

/* At least one of !#$%&'*+-.^_`|~, digits and letters. */
gboolean
_gcurl_header_token_valid (const char *s)
{
  if (s[0] == '\0')
    return FALSE;
  for (; *s != '\0'; s++)
    if (!g_ascii_isalnum (*s) && strchr ("!#$%&'*+-.^_`|~", *s) == NULL)
      return FALSE;
  return TRUE;
}

gboolean
_gcurl_header_value_valid (const char *s)
{
  for (; *s != '\0'; s++)
    if (((guchar) *s < 0x20 && *s != '\t') || *s == 0x7f)
      return FALSE;
  return TRUE;
}
