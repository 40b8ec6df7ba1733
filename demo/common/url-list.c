/* url-list.c: reading lists of URLs typed, pasted or read from a file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is untrusted (a pasted clipboard, a file given to gcurl-get -i)
 * and fuzzed: any bytes, any length, embedded NULs included.
 */

#include "url-list.h"

#include <string.h>

#define MAX_URL_LENGTH 8192

static void
add_problem (GPtrArray  *problems,
             guint       line,
             const char *format,
             const char *text)
{
  g_autofree char *shown = NULL;

  if (problems == NULL)
    return;
  /* Quote at most 60 characters of what was there, made printable. */
  shown = g_utf8_make_valid (text, MIN (strlen (text), 60));
  for (char *p = shown; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  g_ptr_array_add (problems, g_strdup_printf ("line %u: %s: %s", line, format, shown));
}

/**
 * demo_parse_url_list:
 * @text: the list, one URL per line
 * @length: the length of @text in bytes, or -1 if it is nul-terminated
 * @problems: (out) (optional) (transfer full): the lines that were not
 *   taken, each as "line N: why: what"
 *
 * Takes one `http://` or `https://` URL per line. Blank lines and lines
 * starting with `#` are skipped, white space around a URL is dropped, and
 * a URL given twice is taken once. Lines that are not such a URL (another
 * scheme, no host, spaces inside, not UTF-8, a NUL byte, longer than
 * 8 KiB) are reported in @problems, not taken.
 *
 * Returns: (transfer full): the URLs, in order; an empty array if none
 */
char **
demo_parse_url_list (const char  *text,
                     gssize       length,
                     GPtrArray  **problems)
{
  g_autoptr(GStrvBuilder) builder = g_strv_builder_new ();
  g_autoptr(GHashTable) seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  g_autoptr(GPtrArray) found = g_ptr_array_new_with_free_func (g_free);
  const char *end;
  const char *line;
  guint number = 0;

  g_return_val_if_fail (text != NULL || length == 0, NULL);

  if (length < 0)
    length = strlen (text);
  end = text + length;

  for (line = text; line < end; )
    {
      const char *eol = memchr (line, '\n', end - line);
      const char *start = line;
      gboolean has_nul;
      g_autofree char *copy = NULL;
      g_autoptr(GUri) uri = NULL;
      const char *scheme;
      char *url;

      if (eol == NULL)
        eol = end;
      number++;
      has_nul = memchr (start, '\0', eol - start) != NULL;
      copy = g_strndup (start, MIN (eol - start, MAX_URL_LENGTH + 1));   /* stops at a NUL */
      line = eol + 1;

      url = g_strstrip (copy);
      if (!has_nul && (*url == '\0' || *url == '#'))
        continue;
      if (has_nul)
        {
          add_problem (found, number, "a NUL byte", url);
          continue;
        }
      if (strlen (url) > MAX_URL_LENGTH)
        {
          add_problem (found, number, "longer than 8 KiB", url);
          continue;
        }
      if (!g_utf8_validate (url, -1, NULL))
        {
          add_problem (found, number, "not UTF-8", url);
          continue;
        }
      if (strpbrk (url, " \t\r\v\f") != NULL)
        {
          add_problem (found, number, "white space inside", url);
          continue;
        }
      uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
      scheme = uri ? g_uri_get_scheme (uri) : NULL;
      if (scheme == NULL ||
          (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
        {
          add_problem (found, number, "not an http:// or https:// URL", url);
          continue;
        }
      if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
        {
          add_problem (found, number, "no host", url);
          continue;
        }
      if (g_hash_table_contains (seen, url))
        continue;
      g_hash_table_add (seen, g_strdup (url));
      g_strv_builder_add (builder, url);
    }

  if (problems != NULL)
    *problems = g_steal_pointer (&found);
  return g_strv_builder_end (builder);
}
