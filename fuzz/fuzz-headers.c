/* fuzz-headers.c: fuzz target for the response head a transfer keeps and
 * interprets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is a response head, split into lines as libcurl hands them
 * over (status lines included). Whatever it holds, the kept headers are
 * valid UTF-8 "Name: value" lines, the lookups agree with them, the
 * Content-Length check and the validators return, and the suggested file
 * name is safe. Built over gcurl-headers.c and gcurl-filename.c alone.
 */

#include <stdint.h>
#include <string.h>

#include "gcurl-filename-private.h"
#include "gcurl-headers-private.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *names[] = { "Content-Disposition", "Content-Type", "content-length",
                                 "Set-Cookie", "", "X" };
  GCurlHeaders h;
  const char *p = (const char *) data, *end = p + size;
  char **all;
  char *name, *values, *copy;

  _gcurl_headers_init (&h);
  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      gsize n = eol ? (gsize) (eol + 1 - p) : (gsize) (end - p);

      _gcurl_headers_feed (&h, p, n);
      p += n;
    }

  all = _gcurl_headers_dup_all (&h);
  if (g_strv_length (all) != h.lines->len)
    __builtin_trap ();
  for (guint i = 0; all[i] != NULL; i++)
    if (!g_utf8_validate (all[i], -1, NULL) || strchr (all[i], ':') == NULL ||
        all[i][0] == ':' || strchr (all[i], '\n') != NULL)
      __builtin_trap ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = _gcurl_headers_lookup (&h, names[i]);

      if (value != NULL && !g_utf8_validate (value, -1, NULL))
        __builtin_trap ();
    }
  if (h.reason != NULL && !g_utf8_validate (h.reason, -1, NULL))
    __builtin_trap ();
  if (h.status > 999)
    __builtin_trap ();
  (void) _gcurl_headers_content_length_valid (&h);
  values = _gcurl_headers_dup_quoted_values (&h, "Content-Length");
  if (!g_utf8_validate (values, -1, NULL))
    __builtin_trap ();

  /* The validators over the raw input as one string. */
  copy = g_strndup ((const char *) data, size);
  if (_gcurl_header_token_valid (copy) && strpbrk (copy, " :\r\n\t") != NULL)
    __builtin_trap ();
  if (_gcurl_header_value_valid (copy) && strpbrk (copy, "\r\n") != NULL)
    __builtin_trap ();

  name = _gcurl_filename_suggest (_gcurl_headers_lookup (&h, "Content-Disposition"),
                                  "http://127.0.0.1/dir/fallback.bin");
  if (name == NULL || name[0] == '\0' || name[0] == '.' || strchr (name, '/') != NULL ||
      strlen (name) > 240 || !g_utf8_validate (name, -1, NULL))
    __builtin_trap ();

  g_free (copy);
  g_free (values);
  g_free (name);
  g_strfreev (all);
  _gcurl_headers_clear (&h);
  return 0;
}
