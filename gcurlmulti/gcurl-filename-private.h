/* gcurl-filename-private.h: safe file names from what a server says
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure functions over untrusted input, kept apart so that they can be
 * tested and fuzzed on their own.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

/* The file name a Content-Disposition header value proposes (the RFC 6266
 * `filename*` parameter, RFC 8187-encoded, over `filename`), not yet
 * sanitized; NULL if it names none. */
char  *_gcurl_filename_from_content_disposition (const char *value);

/* The last path segment of @url, percent-decoded, not yet sanitized; NULL
 * if there is none. */
char  *_gcurl_filename_from_url                 (const char *url);

/* A base name that is safe to create in a directory: valid UTF-8, no
 * directory separators, no control characters, not starting with a dot,
 * at most 240 bytes (so that ".part" and a counter of up to 10 bytes still
 * fit within 255), never empty ("download" if nothing is left). */
char  *_gcurl_filename_sanitize                 (const char *name);

/* The sanitized name a response suggests: @content_disposition's, else
 * the last segment of @url, else "download". Both may be NULL. */
char  *_gcurl_filename_suggest                  (const char *content_disposition,
                                                 const char *url);

G_END_DECLS
