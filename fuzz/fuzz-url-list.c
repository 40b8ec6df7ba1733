/* fuzz-url-list.c: libFuzzer target for the URL lists gcurl-get -i and the
 * download manager's Add dialog and paste read
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Any bytes: every URL taken is an http(s) URL of valid UTF-8 without
 * white space, taken once; every line not taken is reported.
 */

#include <stdint.h>
#include <string.h>

#include "url-list.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  GPtrArray *problems = NULL;
  char **urls = demo_parse_url_list ((const char *) data, (gssize) size, &problems);
  GHashTable *seen = g_hash_table_new (g_str_hash, g_str_equal);

  if (urls == NULL || problems == NULL)
    __builtin_trap ();
  for (guint i = 0; urls[i] != NULL; i++)
    {
      if (!g_utf8_validate (urls[i], -1, NULL) || strpbrk (urls[i], " \t\r\n\v\f") != NULL ||
          (g_ascii_strncasecmp (urls[i], "http://", 7) != 0 &&
           g_ascii_strncasecmp (urls[i], "https://", 8) != 0) ||
          strlen (urls[i]) > 8192 || g_hash_table_contains (seen, urls[i]))
        __builtin_trap ();
      g_hash_table_add (seen, urls[i]);
    }
  for (guint i = 0; i < problems->len; i++)
    if (!g_str_has_prefix (problems->pdata[i], "line ") ||
        !g_utf8_validate (problems->pdata[i], -1, NULL))
      __builtin_trap ();
  g_hash_table_unref (seen);
  g_strfreev (urls);
  g_ptr_array_unref (problems);
  return 0;
}
