/* url-list.c: reading lists of URLs typed, pasted or read from a file
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is untrusted (a pasted clipboard, a file given to gcurl-get -i)
 * and fuzzed: any bytes, any length, embedded NULs included.
 */

#include "url-list.h"

#include <string.h>

/**
 * demo_url_list_check_line:
 * @line: one line of a list, without its newline
 * @length: its length in bytes (it may hold NUL bytes)
 * @text: (out) (transfer full): the line without the white space around it,
 *   cut to DEMO_MAX_URL_LENGTH + 1 bytes (and at a NUL), to quote
 * @why: (out): why the line is not taken, or %NULL for a blank or comment
 *   line
 *
 * Checks one line of a list, as demo_parse_url_list() does; it does not
 * look for duplicates.
 *
 * Returns: whether the line is a URL to take, which is then *@text
 */
gboolean
demo_url_list_check_line (const char  *line,
                          gsize        length,
                          char       **text,
                          const char **why)
{
  gboolean has_nul = memchr (line, '\0', length) != NULL;
  char *copy = g_strndup (line, MIN (length, DEMO_MAX_URL_LENGTH + 1));   /* stops at a NUL */
  g_autoptr(GUri) uri = NULL;
  const char *scheme;
  char *url = g_strstrip (copy);

  if (url != copy)
    memmove (copy, url, strlen (url) + 1);
  url = copy;
  *text = copy;
  *why = NULL;

  if (!has_nul && (*url == '\0' || *url == '#'))
    return FALSE;
  if (has_nul)
    *why = "a NUL byte";
  else if (strlen (url) > DEMO_MAX_URL_LENGTH)
    *why = "longer than 8 KiB";
  else if (!g_utf8_validate (url, -1, NULL))
    *why = "not UTF-8";
  else if (strpbrk (url, " \t\r\v\f") != NULL)
    *why = "white space inside";
  if (*why != NULL)
    return FALSE;

  uri = g_uri_parse (url, G_URI_FLAGS_ENCODED | G_URI_FLAGS_PARSE_RELAXED, NULL);
  scheme = uri ? g_uri_get_scheme (uri) : NULL;
  if (scheme == NULL ||
      (g_ascii_strcasecmp (scheme, "http") != 0 && g_ascii_strcasecmp (scheme, "https") != 0))
    *why = "not an http:// or https:// URL";
  else if (g_uri_get_host (uri) == NULL || *g_uri_get_host (uri) == '\0')
    *why = "no host";
  return *why == NULL;
}

/**
 * demo_url_list_problem:
 * @line: the line's number, from 1
 * @why: what demo_url_list_check_line() said
 * @text: the line, as it gave it
 *
 * Returns: (transfer full): "line N: why: what", quoting at most 60
 *   characters of @text, made printable
 */
char *
demo_url_list_problem (guint       line,
                       const char *why,
                       const char *text)
{
  g_autofree char *shown = g_utf8_make_valid (text, MIN (strlen (text), 60));

  for (char *p = shown; *p != '\0'; p++)
    if ((guchar) *p < 0x20 || *p == 0x7f)
      *p = '?';
  return g_strdup_printf ("line %u: %s: %s", line, why, shown);
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
      g_autofree char *url = NULL;
      const char *why;

      if (eol == NULL)
        eol = end;
      number++;
      if (demo_url_list_check_line (line, eol - line, &url, &why))
        {
          if (!g_hash_table_contains (seen, url))
            {
              g_strv_builder_add (builder, url);
              g_hash_table_add (seen, g_steal_pointer (&url));
            }
        }
      else if (why != NULL)
        g_ptr_array_add (found, demo_url_list_problem (number, why, url));
      line = eol + 1;
    }

  if (problems != NULL)
    *problems = g_steal_pointer (&found);
  return g_strv_builder_end (builder);
}
