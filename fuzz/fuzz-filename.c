/* fuzz-filename.c: libFuzzer target for the file names servers propose
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Content-Disposition values and URLs go through the parsers and the
 * sanitizer of gcurl-filename.c; whatever the input, the name that comes
 * out must be safe to create in a folder.
 */

#include <stdint.h>
#include <string.h>

#include "gcurl-filename-private.h"

static void
check_safe (const char *name)
{
  size_t len = strlen (name);

  if (len == 0 || len > 240 || !g_utf8_validate (name, -1, NULL) ||
      strchr (name, '/') != NULL || strchr (name, '\\') != NULL ||
      name[0] == '.' || strcmp (name, "..") == 0)
    __builtin_trap ();
  for (const char *p = name; *p != '\0'; p = g_utf8_next_char (p))
    {
      gunichar c = g_utf8_get_char (p);

      if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) ||
          (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069))
        __builtin_trap ();
    }
}

int LLVMFuzzerTestOneInput (const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput (const uint8_t *data,
                        size_t         size)
{
  char *text = g_strndup ((const char *) data, size);
  char *proposed, *safe;

  proposed = _gcurl_filename_from_content_disposition (text);
  safe = _gcurl_filename_sanitize (proposed ? proposed : text);
  check_safe (safe);
  g_free (proposed);
  g_free (safe);

  proposed = _gcurl_filename_from_url (text);
  safe = _gcurl_filename_sanitize (proposed ? proposed : "");
  check_safe (safe);
  g_free (proposed);
  g_free (safe);

  g_free (text);
  return 0;
}
