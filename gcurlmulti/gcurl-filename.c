/* gcurl-filename.c: safe file names from what a server says
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#include "config.h"

#include <string.h>

#include "gcurl-filename-private.h"

/* 255 bytes is most file systems' limit on a name; a download also needs
 * room for ".part" and for a counter that makes the name unique (" (12)",
 * "-12"): 10 bytes are kept for that. */
#define MAX_NAME_BYTES (255 - 5 - 10)

static const char *
skip_space (const char *p)
{
  while (*p == ' ' || *p == '\t')
    p++;
  return p;
}

/* Decodes %XX escapes; NULL if an escape is malformed. The result may hold
 * any byte but NUL (a %00 makes it invalid too). */
static char *
percent_decode (const char *s,
                gsize       len)
{
  GString *out = g_string_sized_new (len);

  for (gsize i = 0; i < len; i++)
    {
      if (s[i] == '%')
        {
          int hi, lo;

          if (i + 2 >= len)
            goto bad;
          hi = g_ascii_xdigit_value (s[i + 1]);
          lo = g_ascii_xdigit_value (s[i + 2]);
          if (hi < 0 || lo < 0 || (hi == 0 && lo == 0))
            goto bad;
          g_string_append_c (out, (char) ((hi << 4) | lo));
          i += 2;
        }
      else
        g_string_append_c (out, s[i]);
    }
  return g_string_free (out, FALSE);

bad:
  g_string_free (out, TRUE);
  return NULL;
}

/* An RFC 8187 ext-value: charset'language'pct-encoded. */
static char *
decode_ext_value (const char *v)
{
  const char *q1 = strchr (v, '\'');
  const char *q2 = q1 ? strchr (q1 + 1, '\'') : NULL;
  g_autofree char *charset = NULL;
  g_autofree char *raw = NULL;

  if (q2 == NULL)
    return NULL;

  charset = g_ascii_strdown (v, q1 - v);
  raw = percent_decode (q2 + 1, strlen (q2 + 1));
  if (raw == NULL)
    return NULL;

  if (g_str_equal (charset, "utf-8"))
    return g_utf8_validate (raw, -1, NULL) ? g_steal_pointer (&raw) : NULL;
  if (g_str_equal (charset, "iso-8859-1"))
    return g_convert (raw, -1, "UTF-8", "ISO-8859-1", NULL, NULL, NULL);
  return NULL;
}

char *
_gcurl_filename_from_content_disposition (const char *value)
{
  g_autofree char *plain = NULL;
  g_autofree char *extended = NULL;
  const char *p;

  if (value == NULL)
    return NULL;

  /* The disposition type, then ";"-separated parameters. */
  p = strchr (value, ';');
  while (p != NULL && *p == ';')
    {
      const char *name, *name_end;
      GString *v = g_string_new (NULL);

      p = skip_space (p + 1);
      name = p;
      while (*p != '\0' && *p != '=' && *p != ';' && *p != ' ' && *p != '\t')
        p++;
      name_end = p;
      p = skip_space (p);
      if (*p != '=')
        {
          g_string_free (v, TRUE);
          p = strchr (p, ';');
          continue;
        }
      p = skip_space (p + 1);

      if (*p == '"')
        {
          for (p++; *p != '\0' && *p != '"'; p++)
            {
              if (*p == '\\' && p[1] != '\0')
                p++;
              g_string_append_c (v, *p);
            }
          if (*p == '"')
            p++;
        }
      else
        {
          while (*p != '\0' && *p != ';' && *p != ' ' && *p != '\t')
            g_string_append_c (v, *p++);
        }

      if (name_end - name == 9 && g_ascii_strncasecmp (name, "filename*", 9) == 0)
        {
          g_free (extended);
          extended = decode_ext_value (v->str);
        }
      else if (name_end - name == 8 && g_ascii_strncasecmp (name, "filename", 8) == 0)
        {
          g_free (plain);
          plain = g_strdup (v->str);
        }
      g_string_free (v, TRUE);

      p = strchr (p, ';');
    }

  if (extended != NULL && extended[0] != '\0')
    return g_steal_pointer (&extended);
  if (plain != NULL && plain[0] != '\0')
    return g_steal_pointer (&plain);
  return NULL;
}

char *
_gcurl_filename_from_url (const char *url)
{
  g_autoptr(GUri) uri = NULL;
  const char *path, *slash;
  const char *end;

  if (url == NULL)
    return NULL;
  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  if (uri == NULL)
    return NULL;

  path = g_uri_get_path (uri);
  end = path + strlen (path);
  while (end > path && end[-1] == '/')
    end--;
  slash = g_strrstr_len (path, end - path, "/");
  if (slash != NULL)
    path = slash + 1;
  if (end <= path)
    return NULL;

  return percent_decode (path, end - path);
}

char *
_gcurl_filename_sanitize (const char *name)
{
  g_autofree char *valid = NULL;
  const char *base;
  GString *out;
  const char *p;

  if (name == NULL)
    return g_strdup ("download");

  valid = g_utf8_make_valid (name, -1);

  /* Only what follows the last separator of either kind. */
  base = valid;
  for (p = valid; *p != '\0'; p++)
    if (*p == '/' || *p == '\\')
      base = p + 1;

  out = g_string_new (NULL);
  for (p = base; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);
      gboolean control;
      gsize len;

      /* Control characters (C0, DEL, C1), and the bidirectional
       * overrides that make a name read differently than it is, become
       * "_"; within the length limit like anything else (fuzz-filename
       * found names of 257 bytes when they did not count). */
      control = c < 0x20 || (c >= 0x7f && c < 0xa0) ||
                (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);
      len = control ? 1 : (gsize) (g_utf8_next_char (p) - p);
      /* No hidden files, no "." or "..". */
      if (!control && out->len == 0 && (c == '.' || c == ' '))
        continue;
      if (out->len + len > MAX_NAME_BYTES)
        break;
      if (control)
        g_string_append_c (out, '_');
      else
        g_string_append_len (out, p, len);
    }

  /* No trailing spaces or dots either (they vanish on some file systems). */
  while (out->len > 0 && (out->str[out->len - 1] == ' ' || out->str[out->len - 1] == '.'))
    g_string_truncate (out, out->len - 1);

  if (out->len == 0)
    {
      g_string_free (out, TRUE);
      return g_strdup ("download");
    }
  return g_string_free (out, FALSE);
}

char *
_gcurl_filename_suggest (const char *content_disposition,
                         const char *url)
{
  g_autofree char *name = _gcurl_filename_from_content_disposition (content_disposition);

  if (name == NULL && url != NULL)
    name = _gcurl_filename_from_url (url);
  return _gcurl_filename_sanitize (name);
}
