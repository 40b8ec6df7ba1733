/* gcurl-error-private.h
 *
 * SPDX-License-Identifier: LGPL-2.1-or-later
 */

#pragma once

#include <curl/curl.h>

#include "gcurl-error.h"

G_BEGIN_DECLS

GCurlError  _gcurl_error_code_from_curl_code   (CURLcode  code);
CURLcode    _gcurl_code_from_multi_code        (CURLMcode mcode);
GError     *_gcurl_error_new_from_multi_code   (CURLMcode   mcode,
                                                 const char *what);

/* @s as it may appear in a message or a log line: valid UTF-8, with every
 * control character (C0, DEL, C1) written as \xHH, so that nothing from
 * the network can move a terminal's cursor, retitle it or split a line. */
char       *_gcurl_display_text                (const char *s);

/* @url as it may appear in a message: its userinfo (a password, a token)
 * replaced by "***", control characters percent-encoded. */
char       *_gcurl_display_url                 (const char *url);

G_END_DECLS
