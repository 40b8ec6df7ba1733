/* gcurl-headers-private.h: the response head a transfer keeps, and the
 * checks on request header names and values
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 *
 * Pure: GLib only, no libcurl and no GObject, so that its unit test and
 * its fuzzer build it alone.
 */

#pragma once

#include <glib.h>

G_BEGIN_DECLS

typedef struct
{
  GPtrArray    *lines;     /* "Name: value" of the last response, as UTF-8, */
  GStringChunk *chunk;     /* ...stored here */
  const char   *reason;    /* the status line's reason phrase, in chunk */
  guint         status;    /* the status line's code, 0 if it had none */
  gboolean      in_head;   /* between a status line and the head's end */
} GCurlHeaders;

typedef enum
{
  GCURL_HEADER_LINE_FIELD,        /* a "Name: value" line, kept */
  GCURL_HEADER_LINE_STATUS,       /* a status line: a new response */
  GCURL_HEADER_LINE_END_OF_HEAD,  /* the empty line after a head */
  GCURL_HEADER_LINE_IGNORED,      /* anything else (no colon, trailers' end) */
} GCurlHeaderLine;

void             _gcurl_headers_init    (GCurlHeaders       *headers);
void             _gcurl_headers_clear   (GCurlHeaders       *headers);
/* Forgets every line: before a run, and on each new status line. */
void             _gcurl_headers_reset   (GCurlHeaders       *headers);
/* One line as libcurl hands it over, with or without its CR LF. */
GCurlHeaderLine  _gcurl_headers_feed    (GCurlHeaders       *headers,
                                         const char         *line,
                                         gsize               length);
/* The value of the last header called @name (without case), blanks after
 * the colon skipped; NULL if none. */
const char      *_gcurl_headers_lookup  (const GCurlHeaders *headers,
                                         const char         *name);
/* The value of every header called @name (without case), in order; an
 * empty array if none. */
char           **_gcurl_headers_dup_values (const GCurlHeaders *headers,
                                            const char         *name);
/* Every header as "Name: value", in order. */
char           **_gcurl_headers_dup_all (const GCurlHeaders *headers);
/* The values of every header called @name, quoted and comma-separated,
 * for a message (not yet made safe to show). */
char            *_gcurl_headers_dup_quoted_values (const GCurlHeaders *headers,
                                                   const char         *name);
/* Whether every Content-Length, and every item of a list in one, is the
 * same decimal number that fits in 63 bits. TRUE without any. */
gboolean         _gcurl_headers_content_length_valid (const GCurlHeaders *headers);

/* RFC 9110's token (a header name, a method). */
gboolean         _gcurl_header_token_valid (const char *s);
/* A field value: no control character but HTAB, so that no caller string
 * can end a header line and start another. */
gboolean         _gcurl_header_value_valid (const char *s);

G_END_DECLS
