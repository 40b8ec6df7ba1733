/* fuzz-headers.c: libFuzzer target for the response headers a transfer
 * keeps and interprets
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * The input is a response head, split into lines as libcurl hands them
 * over (status lines included). Whatever it holds, the kept headers are
 * valid UTF-8 "Name: value" lines, the lookups agree with them, and the
 * suggested file name is safe.
 */

#include <stdint.h>
#include <string.h>

#include "gcurl-transfer-private.h"
#include "gcurlmulti.h"

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  static const char *names[] = { "Content-Disposition", "Content-Type", "content-length",
                                 "Set-Cookie", "", "X" };
  GCurlTransfer *t = gcurl_transfer_new ("http://127.0.0.1/dir/fallback.bin");
  const char *p = (const char *) data, *end = p + size;
  char **headers;
  char *name;

  while (p < end)
    {
      const char *eol = memchr (p, '\n', end - p);
      gsize n = eol ? (gsize) (eol + 1 - p) : (gsize) (end - p);

      _gcurl_transfer_feed_header (t, p, n);
      p += n;
    }

  headers = gcurl_transfer_dup_response_headers (t);
  for (guint i = 0; headers[i] != NULL; i++)
    if (!g_utf8_validate (headers[i], -1, NULL) || strchr (headers[i], ':') == NULL ||
        headers[i][0] == ':' || strchr (headers[i], '\n') != NULL)
      __builtin_trap ();
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      const char *value = gcurl_transfer_get_response_header (t, names[i]);

      if (value != NULL && !g_utf8_validate (value, -1, NULL))
        __builtin_trap ();
    }
  name = gcurl_transfer_dup_suggested_filename (t);
  if (name == NULL || name[0] == '\0' || name[0] == '.' || strchr (name, '/') != NULL ||
      strlen (name) > 240 || !g_utf8_validate (name, -1, NULL))
    __builtin_trap ();
  g_free (name);
  g_strfreev (headers);
  g_object_unref (t);
  return 0;
}
