/* metalink.h: the files of a Metalink v4 document (RFC 5854), for gcurl-get
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  char  *name;       /* a plain file name: no directory, no leading dot */
  gint64 size;       /* -1 if not given */
  char  *checksum;   /* "sha256=HEX" of the strongest hash given, or NULL */
  GStrv  urls;       /* http and https only, by priority; at least one */
} MetalinkFile;

void       metalink_file_free (MetalinkFile *file);
G_DEFINE_AUTOPTR_CLEANUP_FUNC (MetalinkFile, metalink_file_free)

/* The files of the Metalink at @path (at most 4 MiB), each with at least
 * one URL; FALSE with @error for a document that cannot be read, is not
 * Metalink v4, or names a file unsafely. */
GPtrArray *metalink_read      (const char  *path,
                               GError     **error);

G_END_DECLS
